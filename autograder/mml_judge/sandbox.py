"""Run one computation on the student's mml in a resource-limited child process.

Limits (per check), each from a keyword argument, else an environment
variable, else the default:

    timeout    MML_JUDGE_TIMEOUT        20 s   wall time of an ordinary check
    train_timeout MML_JUDGE_TRAIN_TIMEOUT 90 s wall time of rnn_overfit / lstm_overfit
    memory_mb  MML_JUDGE_MEMORY_MB      2048   address space (RLIMIT_AS) in MiB
    output_mb  MML_JUDGE_OUTPUT_MB      64     largest file the child may write (RLIMIT_FSIZE)

CPU time (RLIMIT_CPU) is capped at the wall time (the child runs numpy with
one thread); core dumps are off (RLIMIT_CORE 0). The child runs in its own
process group, which is killed (SIGKILL) on timeout and after every run, so
nothing it started outlives it.
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .reference import REFERENCE_MML

JUDGE_DIR = Path(__file__).resolve().parent
CHILD = JUDGE_DIR / "child.py"


def _env_number(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"${name}={value!r} is not a number; fix: set it to seconds or MiB, e.g. {name}={default}") from None


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child run (see the module docstring)."""
    timeout: float = 20.0      # wall seconds for an ordinary check
    train_timeout: float = 90.0  # wall seconds for a training check (2 shared cores)
    memory_mb: float = 2048.0  # address space: numpy plus a few model copies fit easily
    output_mb: float = 64.0    # the outputs are a few MiB at most

    @classmethod
    def from_env(cls, **overrides):
        unknown = set(overrides) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown limit(s) {', '.join(sorted(unknown))}; expected some of "
                            f"{', '.join(cls.__dataclass_fields__)}")
        values = {
            "timeout": _env_number("MML_JUDGE_TIMEOUT", cls.timeout),
            "train_timeout": _env_number("MML_JUDGE_TRAIN_TIMEOUT", cls.train_timeout),
            "memory_mb": _env_number("MML_JUDGE_MEMORY_MB", cls.memory_mb),
            "output_mb": _env_number("MML_JUDGE_OUTPUT_MB", cls.output_mb),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class ChildResult:
    """What came back: status is 'ok', 'error' (the student code raised),
    'import' (no usable student mml), 'timeout', 'crash' (killed by a signal,
    e.g. memory or CPU limit, segfault) or 'exit' (ended without a result)."""
    status: str
    outputs: dict = field(default_factory=dict)    # name -> numpy array
    described: dict = field(default_factory=dict)  # name -> {"kind", "type", "dtype", "shape"}
    detail: dict = field(default_factory=dict)     # error type/message/where, signal, seconds


def _child_sys_path():
    """What the child adds to the standard library (which ``python -I -S``
    already has): only the folder holding numpy. No repository, no
    editable-install hook, no current directory."""
    return [str(Path(np.__file__).resolve().parents[1])]


def _limit_child(seconds, limits):
    """preexec_fn: hard limits the child (and the student code) cannot raise."""
    def apply():
        cpu = int(seconds) + 1
        memory = int(limits.memory_mb * 2 ** 20)
        output = int(limits.output_mb * 2 ** 20)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _child_env(workdir, extra):
    env = {
        "PATH": os.defpath, "HOME": workdir, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
        # One BLAS thread: the limits are per process, and the machine is shared.
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
    env.update(extra or {})
    return env


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_in_child(student_dir, task, arrays, limits, training=False):
    """Run ``task`` (see child.py for the kinds) on ``arrays`` against the
    student's mml in ``student_dir``; returns a ChildResult, never raises for
    anything the student code does."""
    seconds = limits.train_timeout if training else limits.timeout
    workdir = tempfile.mkdtemp(prefix="mml_judge_")
    try:
        task = dict(task, student_dir=str(Path(student_dir).resolve()), sys_path=_child_sys_path(),
                    judge_dir=str(JUDGE_DIR), reference_mml=str(REFERENCE_MML))
        Path(workdir, "task.json").write_text(json.dumps(task), encoding="utf-8")
        np.savez(Path(workdir, "in.npz"), **arrays)
        with open(Path(workdir, "stdout.txt"), "wb") as out, open(Path(workdir, "stderr.txt"), "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(CHILD), workdir], cwd=workdir,
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=_child_env(workdir, None),
                start_new_session=True, preexec_fn=_limit_child(seconds, limits))
            try:
                returncode = proc.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                return ChildResult("timeout", detail={"seconds": seconds})
            finally:
                _kill_group(proc)
        return _collect(workdir, returncode)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _collect(workdir, returncode):
    result_path = Path(workdir, "result.json")
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return ChildResult("crash", detail={"signal": name, "stderr": _tail(workdir)})
    if not result_path.is_file():
        return ChildResult("exit", detail={"returncode": returncode, "stderr": _tail(workdir)})
    try:
        record = json.loads(result_path.read_text(encoding="utf-8"))
        status = record["status"]
    except (ValueError, KeyError, TypeError):
        return ChildResult("exit", detail={"returncode": returncode, "stderr": "unreadable result"})
    if status != "ok":
        return ChildResult(status if status in ("error", "import") else "exit", detail=record)
    try:
        with np.load(Path(workdir, "out.npz"), allow_pickle=False) as data:
            outputs = {k: data[k] for k in data.files}
    except Exception as err:  # noqa: BLE001 - a broken file is the student's verdict
        return ChildResult("exit", detail={"returncode": returncode, "stderr": f"unreadable outputs ({err})"})
    return ChildResult("ok", outputs=outputs, described=record.get("outputs", {}))


def _tail(workdir):
    """The last line the child wrote to stderr (the student's own output)."""
    try:
        lines = Path(workdir, "stderr.txt").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""
