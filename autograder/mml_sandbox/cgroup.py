"""Whole-tree memory and process-count caps with cgroup v1 (memory, pids).

One ``TreeLimit`` per sandboxed run: a memory cgroup and a pids cgroup,
created below the cgroups this process is in, named ``mml_sandbox/<pid>-<n>``.
The sandbox's first process joins both before it executes anything
(``join``), so everything it ever starts is counted. ``kill_all`` kills every
member until none is left, then the groups are removed. Groups whose owner
died without removing them are cleaned on the next ``TreeLimit``.

Where the controllers are not mounted writable, ``TreeLimit.available()`` is
False and the sandbox falls back to per-process rlimits (see bubblewrap.py).
"""
import itertools
import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")
_COUNTER = itertools.count()


def _own_path(controller):
    """This process's cgroup path in a v1 hierarchy (e.g. '/' or '/a/b')."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                return path
    except OSError:
        pass
    return None


def _base(controller):
    own = _own_path(controller)
    if own is None:
        return None
    return ROOT / controller / own.lstrip("/") / "mml_sandbox"


def _writable(controller):
    base = _base(controller)
    if base is None or not base.parent.is_dir():
        return False
    try:
        base.mkdir(exist_ok=True)
    except OSError:
        return False
    return os.access(base, os.W_OK)


class TreeLimit:
    """A memory cap (bytes, tmpfs pages included) and a process-count cap for one tree."""

    @staticmethod
    def available():
        return all(_writable(c) for c in CONTROLLERS)

    def __init__(self, memory_mb, pids):
        _sweep_stale()
        name = f"{os.getpid()}-{next(_COUNTER)}"
        self.paths = {c: _base(c) / name for c in CONTROLLERS}
        for path in self.paths.values():
            path.mkdir()
        memory = self.paths["memory"]
        limit = str(int(memory_mb * 2 ** 20))
        (memory / "memory.limit_in_bytes").write_text(limit)
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            try:
                swap.write_text(limit)  # no swapping past the cap either
            except OSError:
                pass
        (self.paths["pids"] / "pids.max").write_text(str(int(pids)))
        self.removed_oom_kills = None

    def join(self):
        """preexec_fn part: move the calling (new) process into both groups."""
        pid = str(os.getpid())
        for path in self.paths.values():
            with open(path / "cgroup.procs", "w") as fh:
                fh.write(pid)

    def members(self):
        found = set()
        for path in self.paths.values():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return found

    def oom_kills(self):
        """How many processes the kernel killed for exceeding the memory cap
        (kept when the groups are removed)."""
        if self.removed_oom_kills is not None:
            return self.removed_oom_kills
        try:
            for line in (self.paths["memory"] / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        try:
            return int((self.paths["memory"] / "memory.failcnt").read_text()) and 1
        except (OSError, ValueError):
            return 0

    def peak_bytes(self):
        try:
            return int((self.paths["memory"] / "memory.max_usage_in_bytes").read_text())
        except (OSError, ValueError):
            return 0

    def kill_all(self, wait=5.0):
        """SIGKILL every member until the groups are empty; then remove them."""
        deadline = time.monotonic() + wait
        while True:
            members = self.members()
            if not members or time.monotonic() > deadline:
                break
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)
        if self.removed_oom_kills is None:
            self.removed_oom_kills = self.oom_kills()
        for path in self.paths.values():
            try:
                path.rmdir()
            except OSError:
                pass


def _sweep_stale():
    """Remove groups left by owners that died (e.g. a kernel launcher killed with SIGKILL)."""
    for controller in CONTROLLERS:
        base = _base(controller)
        if base is None or not base.is_dir():
            continue
        for group in base.iterdir():
            owner = group.name.split("-", 1)[0]
            if not group.is_dir() or not owner.isdigit() or Path(f"/proc/{owner}").exists():
                continue
            try:
                for pid in (group / "cgroup.procs").read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
                group.rmdir()
            except OSError:
                pass
