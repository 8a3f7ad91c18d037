"""Run one untrusted-work subprocess under a wall clock and a memory cap.

The child gets its own process group. Kernels start their own process groups,
so on timeout every descendant (found through /proc before anything is killed)
is killed too: nothing a submission started outlives its time.
"""
import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass


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


def _cap_memory(memory_mb):
    def apply():
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _descendants(pid):
    """Every live process below pid (Linux /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_tree(pid):
    for victim in [pid] + _descendants(pid):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_limited(cmd, *, timeout, memory_mb, cwd=None, env=None, log_path=None):
    """Run cmd; return its RunResult. stdout and stderr go together to log_path,
    or are kept apart in the result when there is no log_path."""
    start = time.monotonic()
    sink = open(log_path, "w", encoding="utf-8") if log_path else subprocess.PIPE
    errors = subprocess.STDOUT if log_path else subprocess.PIPE
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=errors,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True,
                                preexec_fn=_cap_memory(memory_mb))
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_tree(proc.pid)
            out, err = proc.communicate()
    finally:
        if log_path:
            sink.close()
    if log_path:
        out = open(log_path, encoding="utf-8", errors="replace").read()
    return RunResult(proc.returncode, time.monotonic() - start, timed_out, out or "", err or "")
