"""Run untrusted work inside bubblewrap (``bwrap``), under whole-tree limits.

What a sandboxed process sees (the same for the grading kernel and for every
judge child, so student code cannot tell them apart by argv, working folder
or environment):

    /home/student/<assignment>   its private copy of the submission (working folder)
    /home/student, /tmp          empty scratch, each a tmpfs of ``scratch_mb``
    /usr, /bin, /lib, /etc/...   the system, read-only (only the /etc files programs need)
    <python runtime>             the interpreter, read-only, at its own path
    /opt/venv                    the course venv (site-packages), read-only
    /data                        the dataset, read-only ($MML_COCO_DIR)
    /opt/mml                     boot.py, the judge child and the provided (released) mml
    /run/mml/submission          the submission as copied (read-only)
    /run/mml/kernel              the kernel's ipc sockets (empty for a judge child)

and nothing else: no repository, no autograder/, gradebook, other
submissions, home folder or /root (but the runtime below it). It has no
network (a network namespace of its own: the host's loopback is
unreachable), its own pid, ipc and uts namespaces, runs as uid 1000 in a user
namespace of its own (which it cannot nest), and dies with its parent.

Limits: memory of the whole process tree (tmpfs pages included) and the
number of processes, by cgroup v1 when /sys/fs/cgroup/{memory,pids} are
writable; else per-process rlimits only (address space per process; the
process count cannot be capped without a cgroup) and a notice says so. Every
process is killed when the run ends: the pid namespace dies with its first
process, and the cgroup is emptied with SIGKILL.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from . import processes
from .cgroup import TreeLimit
from .settings import SandboxSettings
from .submission import copy_submission

PACKAGE_DIR = Path(__file__).resolve().parent
AUTOGRADER = PACKAGE_DIR.parent
ROOT = AUTOGRADER.parent
# Provided code the judge child may run (its solver): the released mml, which
# holds no solution by construction.
PROVIDED_MML = ROOT / "release" / "rnn_captioning" / "mml"

HOME = "/home/student"
VENV = "/opt/venv"
DATA = "/data"
OPT = "/opt/mml"
RUN = "/run/mml"
SUBMISSION = f"{RUN}/submission"
KERNEL_DIR = f"{RUN}/kernel"
CONNECTION_FILE = f"{KERNEL_DIR}/kernel.json"
UID = 1000
ASSIGNMENT = "rnn_captioning"  # the working folder: ~/rnn_captioning, as students have it
# /etc files programs (libc, fontconfig, matplotlib) read; nothing secret.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "fonts",
             "mime.types", "host.conf", "hosts")
# The course's own packages in the venv (the reference mml, the judge, the
# grader, this sandbox) are hidden: editable-install hooks (__editable__*)
# and installed copies are covered by an empty file or folder.
HIDDEN_PACKAGES = ("mml", "mml_judge", "mml_grading", "mml_sandbox")


def _hidden_site_entries(site):
    """Names in site-packages that belong to this course's own packages."""
    hidden = []
    for entry in sorted(os.listdir(site)):
        stem = entry.split("-", 1)[0].split(".", 1)[0]
        if entry.startswith("__editable__") or stem in HIDDEN_PACKAGES:
            hidden.append(entry)
    return hidden


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start here (the message says why and what to do)."""


def assignment_name(folder):
    """The working folder's name inside: always the assignment's, as in a
    student's Jupyter, whatever folder the grader copied the submission from
    (so the kernel and a judge child have the same working folder)."""
    return ASSIGNMENT


def environment(assignment, home=HOME):
    """The whole environment inside, the same for the kernel and a judge child:
    the variables ipykernel sets in a kernel are set alike from the start."""
    return {
        "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "PWD": f"{home}/{assignment}", "USER": "student", "LOGNAME": "student",
        "SHELL": "/bin/sh", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: memory and CPU are per submission, the machine is shared.
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MML_COCO_DIR": DATA,
        # nbgrader sets it for the notebook; set alike for the judge child.
        "NBGRADER_EXECUTION": "autograde",
        # What ipykernel sets in every kernel (zmqshell.init_environment, kernelapp, debugpy).
        "MPLBACKEND": "module://matplotlib_inline.backend_inline", "TERM": "xterm-color",
        "CLICOLOR": "1", "FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "PAGER": "cat", "GIT_PAGER": "cat",
        "PYDEVD_USE_FRAME_EVAL": "NO",
    }


def _venv_site():
    return Path(sysconfig.get_paths()["purelib"])


def check_available(settings=None):
    """Raise SandboxUnavailable (one line with the fix) when bwrap cannot run
    here; else return its path. (A successful probe is remembered.)"""
    settings = settings or SandboxSettings.from_env()
    bwrap = shutil.which(settings.bwrap)
    if bwrap is not None and bwrap in _WORKING:
        return bwrap
    if bwrap is None:
        raise SandboxUnavailable(
            f"sandbox: {settings.bwrap} not found; fix: run `make setup` (installs the Debian package "
            f"bubblewrap), or for a trusted demo only, MML_SANDBOX=off")
    probe = subprocess.run([bwrap, "--unshare-all", "--unshare-user", "--die-with-parent",
                            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                            "/bin/true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        raise SandboxUnavailable(
            f"sandbox: bubblewrap cannot start here ({why}); fix: allow unprivileged user namespaces "
            f"(sysctl kernel.unprivileged_userns_clone=1), or for a trusted demo only, MML_SANDBOX=off")
    _WORKING.add(bwrap)
    return bwrap


_WORKING = set()


class Sandbox:
    """One sandboxed run over one submission. Use as a context manager:

        with Sandbox(student_dir, settings=s) as box:
            proc = box.popen(instruction, stdout=..., stderr=...)
            ...
        # every process of the run is dead, its files are gone

    ``instruction`` (a dict) goes to boot.py on its standard input; see boot.py.
    folders: copy only these top-level folders of the submission (and its
    top-level files); all of it by default. process_memory_mb: the address
    space of each process (a huge allocation fails where it is made).
    """

    def __init__(self, submission, *, settings=None, data_dir=None, kernel_dir=None, folders=None,
                 process_memory_mb=None):
        self.settings = settings or SandboxSettings.from_env()
        self.folders = folders
        self.process_memory_mb = process_memory_mb
        self.bwrap = check_available(self.settings)
        self.source = Path(submission).resolve()
        if not self.source.is_dir():
            raise SandboxUnavailable(f"sandbox: {self.source} is not a folder; fix: pass the submission folder")
        self.data_dir = Path(data_dir) if data_dir else _default_data_dir()
        self.kernel_dir = kernel_dir
        self.assignment = assignment_name(self.source)
        self.tree = None
        self.fallback = not TreeLimit.available()
        self.skipped = []
        self.proc = None

    # -- lifetime -----------------------------------------------------------
    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="mml_sandbox_"))
        try:
            self.skipped = copy_submission(self.source, self.tmp / "submission",
                                           max_mb=self.settings.submission_mb, folders=self.folders)
            (self.tmp / "empty").mkdir()
            (self.tmp / "hidden").write_text("")
            (self.tmp / "passwd").write_text(f"student:x:{UID}:{UID}:student:{HOME}:/bin/sh\n")
            (self.tmp / "group").write_text(f"student:x:{UID}:\n")
            if not self.fallback:
                self.tree = TreeLimit(self.settings.memory_mb, self.settings.pids)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def kill(self):
        """Kill every process of the run (the files stay until close)."""
        if self.proc is not None:
            processes.kill_tree(self.proc.pid)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.tree is not None:
            self.tree.kill_all()

    # -- the command ----------------------------------------------------------
    def command(self):
        s = self.settings
        scratch = str(int(s.scratch_mb * 2 ** 20))
        args = [self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
                "--uid", str(UID), "--gid", str(UID), "--hostname", "sandbox",
                "--die-with-parent", "--new-session", "--clearenv",
                "--ro-bind", "/usr", "/usr"]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                args += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
            elif os.path.isdir(f"/{link}"):
                args += ["--ro-bind", f"/{link}", f"/{link}"]
        for name in ETC_FILES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        args += ["--ro-bind", str(self.tmp / "passwd"), "/etc/passwd",
                 "--ro-bind", str(self.tmp / "group"), "/etc/group",
                 "--proc", "/proc", "--dev", "/dev",
                 "--size", scratch, "--tmpfs", "/tmp",
                 "--size", scratch, "--tmpfs", HOME]
        runtime = Path(sys.base_prefix).resolve()
        args += ["--ro-bind", str(runtime), str(runtime)]
        venv = Path(sys.prefix)
        if venv.resolve() != runtime:
            site = _venv_site()
            args += ["--ro-bind", str(venv), VENV]
            for name in _hidden_site_entries(site):
                cover = self.tmp / ("empty" if (site / name).is_dir() else "hidden")
                args += ["--ro-bind", str(cover), f"{VENV}/{site.relative_to(venv)}/{name}"]
        args += ["--ro-bind", str(self.data_dir), DATA,
                 "--ro-bind", str(PACKAGE_DIR / "boot.py"), f"{OPT}/boot.py",
                 "--ro-bind", str(AUTOGRADER / "mml_judge" / "child.py"), f"{OPT}/judge/child.py",
                 "--ro-bind", str(AUTOGRADER / "mml_judge" / "private_import.py"),
                 f"{OPT}/judge/private_import.py"]
        if PROVIDED_MML.is_dir():
            args += ["--ro-bind", str(PROVIDED_MML), f"{OPT}/provided/mml"]
        args += ["--ro-bind", str(self.tmp / "submission"), SUBMISSION,
                 *(["--bind", str(self.kernel_dir), KERNEL_DIR] if self.kernel_dir else
                   ["--size", str(64 << 10), "--tmpfs", KERNEL_DIR]),
                 "--remount-ro", "/", "--chdir", HOME]
        for key, value in environment(self.assignment).items():
            args += ["--setenv", key, value]
        python = f"{VENV}/bin/python" if venv.resolve() != runtime else sys.executable
        return args + ["--", python, "-I", "-B", f"{OPT}/boot.py"]

    def popen(self, instruction, *, stdout, stderr, pass_fds=()):
        """Start boot.py in the sandbox with ``instruction`` on its standard input."""
        instruction = dict(instruction, submission=SUBMISSION, workdir=f"{HOME}/{self.assignment}",
                           connection_file=CONNECTION_FILE)
        feed = tempfile.TemporaryFile(dir=self.tmp)
        feed.write(json.dumps(instruction).encode("utf-8"))
        feed.seek(0)
        # bwrap stays in the sandbox as its pid 1, whose command line and environment
        # any process inside can read: its options (host paths) come through a file
        # descriptor, and it starts with the sandbox's own environment, never the grader's.
        command = self.command()
        split = command.index("--")  # bwrap takes the program itself from its command line only
        options = tempfile.TemporaryFile(dir=self.tmp)
        options.write(b"".join(arg.encode("utf-8") + b"\0" for arg in command[1:split]))
        options.seek(0)
        limits = processes.limit_process(memory_mb=self.process_memory_mb,
                                         file_mb=self.settings.file_mb,
                                         cpu_seconds=instruction.get("cpu_seconds"))
        tree = self.tree

        def prepare():
            if tree is not None:
                tree.join()
            limits()
        try:
            self.proc = subprocess.Popen([command[0], "--args", str(options.fileno()), *command[split:]],
                                         stdin=feed, stdout=stdout,
                                         stderr=stderr, pass_fds=(options.fileno(), *pass_fds),
                                         env=environment(self.assignment), preexec_fn=prepare,
                                         start_new_session=True)
        finally:
            feed.close()
            options.close()
        return self.proc

    def oom_killed(self):
        return bool(self.tree and self.tree.oom_kills())


def _default_data_dir():
    from mml.coco_utils import find_data_dir  # the reference: this process is trusted

    found = find_data_dir()
    return Path(found[0] if isinstance(found, tuple) else found)
