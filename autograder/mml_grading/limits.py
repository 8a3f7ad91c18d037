"""Run one trusted helper process (nbgrader, which drives the sandboxed
kernel) under a wall clock and a memory cap.

The process gets its own process group; on timeout it, every descendant and
the group are killed (mml_sandbox.processes, the same limits and tree kill the
sandbox uses): nothing a submission started outlives its time. Student code
itself never runs here: it runs in the sandbox (mml_sandbox).
"""
import subprocess
import time
from dataclasses import dataclass

from mml_sandbox.processes import kill_tree, limit_process


@dataclass
class RunResult:
    returncode: int
    seconds: float
    timed_out: bool
    stdout: str
    stderr: str = ""

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out


def run_limited(cmd, *, timeout, memory_mb, cwd=None, env=None, log_path=None):
    """Run cmd; return its RunResult. stdout and stderr go together to log_path,
    or are kept apart in the result when there is no log_path."""
    start = time.monotonic()
    sink = open(log_path, "w", encoding="utf-8") if log_path else subprocess.PIPE
    errors = subprocess.STDOUT if log_path else subprocess.PIPE
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=errors,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True,
                                preexec_fn=limit_process(memory_mb=memory_mb))
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_tree(proc.pid)
            out, err = proc.communicate()
    finally:
        if log_path:
            sink.close()
    if log_path:
        out = open(log_path, encoding="utf-8", errors="replace").read()
    return RunResult(proc.returncode, time.monotonic() - start, timed_out, out or "", err or "")
