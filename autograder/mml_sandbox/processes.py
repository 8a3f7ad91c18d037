"""Limits of one process and the killing of a process tree (no sandbox needed).

``limit_process`` returns a preexec_fn that sets hard resource limits the
started process (and everything it starts) cannot raise again;
``kill_tree`` kills a process, everything below it (found through /proc
before anything is killed) and its process group.
"""
import os
import resource
import signal
import stat
import subprocess


def limit_process(*, memory_mb=None, cpu_seconds=None, file_mb=None, new_group=False):
    """preexec_fn: address space (RLIMIT_AS), CPU time, largest written file,
    no core dumps; with new_group, a process group of its own."""
    def apply():
        if new_group:
            os.setpgid(0, 0)
        if memory_mb is not None:
            limit = int(memory_mb * 2 ** 20)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if cpu_seconds is not None:
            cpu = int(cpu_seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        if file_mb is not None:
            size = int(file_mb * 2 ** 20)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def descendants(pid):
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


def kill_tree(pid):
    """SIGKILL pid, its descendants and its process group."""
    for victim in [pid] + descendants(pid):
        try:
            os.kill(victim, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def read_capped(path, limit_bytes):
    """The first limit_bytes of a file as text (a note says when more was cut)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit_bytes + 1)
    except OSError:
        return ""
    text = data[:limit_bytes].decode("utf-8", errors="replace")
    if len(data) > limit_bytes:
        text += f"\n[... output cut at {limit_bytes} bytes]\n"
    return text


def mount_small_tmpfs(folder, size_kb=1024, inodes=64):
    """Mount a tiny tmpfs on folder (needs root): a folder the grader shares
    with a sandbox (the kernel's sockets) then holds at most size_kb, and a
    link the sandbox puts there is never followed (nosymfollow), so the
    grader cannot be sent to another socket. False where it cannot be
    mounted; see folder_size for the fallback."""
    if os.geteuid() != 0:
        return False
    for options in ("nosymfollow,nodev,nosuid,noexec", "nodev,nosuid,noexec"):  # nosymfollow: Linux 5.10+
        done = subprocess.run(["mount", "-t", "tmpfs", "-o",
                               f"size={size_kb}k,nr_inodes={inodes},mode=0700,{options}",
                               "mml_sandbox", str(folder)], capture_output=True)
        if done.returncode == 0:
            return True
    return False


def unmount(folder):
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def folder_size(folder):
    """Bytes of the regular files below folder (not following links)."""
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            try:
                info = os.lstat(os.path.join(base, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total
