"""The same run as bubblewrap.Sandbox, without the sandbox (MML_SANDBOX=off).

For a trusted demo only: the process runs as the grader, sees the grader's
files and network. Still a private copy of the submission, the same
environment (with host paths), per-process rlimits, its own process group,
and every process below it killed at the end.
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import processes
from .bubblewrap import PACKAGE_DIR, assignment_name, environment
from .settings import SandboxSettings
from .submission import copy_submission


class Unsandboxed:
    """Context manager with the interface of bubblewrap.Sandbox."""

    def __init__(self, submission, *, settings=None, data_dir=None, kernel_dir=None, folders=None,
                 process_memory_mb=None):
        self.settings = settings or SandboxSettings.from_env()
        self.folders = folders
        self.process_memory_mb = process_memory_mb
        self.source = Path(submission).resolve()
        self.data_dir = data_dir
        self.kernel_dir = kernel_dir
        self.assignment = assignment_name(self.source)
        self.proc = None
        self.fallback = True

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="mml_unsandboxed_"))
        self.skipped = copy_submission(self.source, self.tmp / "submission",
                                       max_mb=self.settings.submission_mb, folders=self.folders)
        (self.tmp / "home").mkdir()
        return self

    def __exit__(self, *exc):
        self.close()

    def kill(self):
        if self.proc is not None:
            processes.kill_tree(self.proc.pid)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        self.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def popen(self, instruction, *, stdout, stderr, pass_fds=()):
        from .bubblewrap import _default_data_dir

        env = environment(self.assignment, home=str(self.tmp / "home"))
        env.update(TMPDIR=str(self.tmp / "home"),
                   PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
                   MML_COCO_DIR=str(self.data_dir or _default_data_dir()))
        kernel_dir = Path(self.kernel_dir or self.tmp)
        instruction = dict(instruction, submission=str(self.tmp / "submission"),
                           workdir=str(self.tmp / "home" / self.assignment),
                           connection_file=str(kernel_dir / "kernel.json"))
        feed = tempfile.TemporaryFile(dir=self.tmp)
        feed.write(json.dumps(instruction).encode("utf-8"))
        feed.seek(0)
        limits = processes.limit_process(memory_mb=self.process_memory_mb,
                                         file_mb=self.settings.file_mb,
                                         cpu_seconds=instruction.get("cpu_seconds"))
        try:
            self.proc = subprocess.Popen([sys.executable, "-I", "-B", str(PACKAGE_DIR / "boot.py")],
                                         stdin=feed, stdout=stdout, stderr=stderr, env=env,
                                         pass_fds=tuple(pass_fds), preexec_fn=limits,
                                         start_new_session=True)
        finally:
            feed.close()
        return self.proc

    def oom_killed(self):
        return False
