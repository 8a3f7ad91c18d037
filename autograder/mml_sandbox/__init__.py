"""mml_sandbox: the one way student code runs at grading time.

    from mml_sandbox import run_untrusted, open_sandbox, scrub

``open_sandbox(submission)`` gives a context manager that starts
``boot.py`` in a bubblewrap sandbox (bubblewrap.py says what it sees and
under which limits) and kills every process of the run when it ends; with
``MML_SANDBOX=off`` (a trusted demo only) the same run without the sandbox
(unsandboxed.py). ``run_untrusted`` is one whole run with a wall clock.
``processes`` holds the plain process limits and tree kill that trusted
helpers (nbgrader under mml_grading.limits) use too. ``scrub`` makes what
student code printed safe to show: capped, no grader path.

Settings (settings.py; environment variables):

    MML_SANDBOX                 on       off: unsandboxed, for a trusted demo only
    MML_SANDBOX_MEMORY_MB       3072     memory of the whole process tree (cgroup)
    MML_SANDBOX_PIDS            64       processes and threads at once (cgroup)
    MML_SANDBOX_SCRATCH_MB      256      each scratch folder (home, /tmp)
    MML_SANDBOX_FILE_MB         64       largest file written (rlimit)
    MML_SANDBOX_SUBMISSION_MB   64       largest submission copied in
    MML_SANDBOX_OUTPUT_KB       64       printed output kept

Without writable cgroup v1 controllers (/sys/fs/cgroup/memory and pids) the
sandbox still starts, with the per-process rlimits only (no whole-tree
memory cap, no process-count cap) and one line on stderr saying so.
"""
import dataclasses
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .bubblewrap import Sandbox, SandboxUnavailable, check_available
from .settings import ROWS, SandboxSettings
from .submission import copy_submission
from .unsandboxed import Unsandboxed

__all__ = ["open_sandbox", "run_untrusted", "scrub", "Outcome", "SandboxSettings", "SandboxUnavailable",
           "ROWS", "copy_submission", "check_available"]

_WARNED = []


def open_sandbox(submission, *, settings=None, data_dir=None, kernel_dir=None, folders=None,
                 process_memory_mb=None):
    """A Sandbox (or, with MML_SANDBOX=off, an Unsandboxed run) over one submission."""
    settings = settings or SandboxSettings.from_env()
    kind = Sandbox if settings.enabled else Unsandboxed
    box = kind(submission, settings=settings, data_dir=data_dir, kernel_dir=kernel_dir, folders=folders,
               process_memory_mb=process_memory_mb)
    if box.fallback and not _WARNED:
        _WARNED.append(True)
        what = ("sandbox off (MML_SANDBOX=off): student code runs as the grader" if not settings.enabled else
                "sandbox: cgroup v1 memory/pids not writable; per-process rlimits only "
                "(no whole-tree memory or process-count cap)")
        print(what, file=sys.stderr)
    return box


@dataclass
class Outcome:
    returncode: int
    timed_out: bool
    output: str          # stdout and stderr together, capped (student output: never parsed)
    memory_cap: bool     # the whole-tree memory cap killed a process
    signal: str = ""     # the signal that ended the first process, if any


def _signal_of(returncode, sandboxed):
    """bwrap reports a child killed by signal N as exit status 128+N."""
    number = -returncode if returncode < 0 else (returncode - 128 if sandboxed and 128 < returncode < 160 else 0)
    try:
        return signal.Signals(number).name if number else ""
    except ValueError:
        return ""


def run_untrusted(submission, instruction, *, timeout, memory_mb=None, file_mb=None, cpu_seconds=None,
                  pass_fds=(), settings=None, data_dir=None, folders=None):
    """One run of boot.py over ``submission`` (mode "child": a judge child);
    returns an Outcome. Every process of the run is dead when it returns.
    folders: copy only these top-level folders (see bubblewrap.Sandbox)."""
    settings = settings or SandboxSettings.from_env()
    if file_mb is not None:
        settings = dataclasses.replace(settings, file_mb=file_mb)
    instruction = dict(instruction, cpu_seconds=cpu_seconds)
    with open_sandbox(submission, settings=settings, data_dir=data_dir, folders=folders,
                      process_memory_mb=memory_mb) as box:
        if instruction.get("mode") == "child":
            instruction = _child_paths(box, instruction)
        log = box.tmp / "output.txt"
        with open(log, "wb") as sink:
            proc = box.popen(instruction, stdout=sink, stderr=subprocess.STDOUT, pass_fds=pass_fds)
            try:
                returncode, timed_out = proc.wait(timeout=timeout), False
            except subprocess.TimeoutExpired:
                returncode, timed_out = None, True
        box.kill()
        if returncode is None:
            returncode = proc.wait()
        from .processes import read_capped
        output = read_capped(log, settings.output_kb * 1024)
        return Outcome(returncode, timed_out, output, box.oom_killed(),
                       _signal_of(returncode, isinstance(box, Sandbox)))


def _child_paths(box, instruction):
    """The judge child's files, as the run sees them: the child program, the
    loader of the provided solver and the provided (released) mml."""
    from . import bubblewrap

    if isinstance(box, Sandbox):
        judge, provided = f"{bubblewrap.OPT}/judge", f"{bubblewrap.OPT}/provided/mml"
    else:
        judge, provided = str(bubblewrap.AUTOGRADER / "mml_judge"), str(bubblewrap.PROVIDED_MML)
    task = dict(instruction["task"], judge_dir=judge, reference_mml=provided)
    return dict(instruction, child=f"{judge}/child.py", task=task)


_REPO_PATHS = None


def scrub(text, limit=4000):
    """Text student code printed, safe for feedback: the grader's absolute
    paths (repository, its Python environment, home) replaced by <...>, control
    characters dropped (colour codes kept), cut at limit characters."""
    global _REPO_PATHS
    if _REPO_PATHS is None:
        from . import bubblewrap
        roots = {str(bubblewrap.ROOT), str(bubblewrap.ROOT.resolve()), sys.prefix, str(Path(sys.prefix).resolve()),
                 str(Path.home()), "/root"}
        _REPO_PATHS = re.compile("|".join(re.escape(r) + r"(?![\w.-])(?:/[^\s'\"]*)?" for r in
                                          sorted(roots, key=len, reverse=True) if r not in ("", "/")))
    text = _REPO_PATHS.sub("<...>", str(text))
    text = re.sub(r"\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]", "", text)  # keeps colours
    if len(text) > limit:
        text = text[:limit] + f"\n[... cut at {limit} characters]"
    return text
