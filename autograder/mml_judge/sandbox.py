"""Run one computation on the student's mml in a sandboxed, limited child.

The child runs in the sandbox all student code runs in (mml_sandbox: a
private copy of the submission's top-level files and its mml/ package, no
repository, no network, whole-tree memory and process caps, every process
killed at the end); see mml_sandbox.

Limits (per check), each from a keyword argument, else an environment
variable, else the default:

    timeout    MML_JUDGE_TIMEOUT        20 s   wall time of an ordinary check
    train_timeout MML_JUDGE_TRAIN_TIMEOUT 90 s wall time of rnn_overfit / lstm_overfit
    memory_mb  MML_JUDGE_MEMORY_MB      2048   address space (RLIMIT_AS) in MiB
    output_mb  MML_JUDGE_OUTPUT_MB      64     largest file the child may write (RLIMIT_FSIZE)

CPU time (RLIMIT_CPU) is capped at the wall time (the child runs numpy with
one thread); core dumps are off (RLIMIT_CORE 0).

The channel back: the parent opens two files the sandbox cannot see by name,
the inputs (.npz) and an empty result file, and passes their descriptors.
The child writes one .npz (allow_pickle=False) with the returned arrays and
``__record__`` (JSON: status and a description of each output); that record
is data this parent checks, never a verdict. What student code prints is
captured, capped and used only to quote its last line in a message.
"""
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

JUDGE_DIR = Path(__file__).resolve().parent
CHILD = JUDGE_DIR / "child.py"
STATUSES = ("ok", "error", "import")


# Each limit's default, environment variable and help are one row of the
# grading settings table (mml_grading.settings.SETTINGS).
SETTING_OF = {"timeout": "judge_check_timeout", "train_timeout": "judge_train_timeout",
              "memory_mb": "judge_memory_mb", "output_mb": "judge_output_mb"}


def limit_setting(name):
    """The settings-table row of one limit (a field of Limits)."""
    from mml_grading.settings import setting
    return setting(SETTING_OF[name])


def _default(name):
    return field(default_factory=lambda: limit_setting(name).default)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child run (see the module docstring)."""
    timeout: float = _default("timeout")              # wall seconds for an ordinary check
    train_timeout: float = _default("train_timeout")  # wall seconds for a training check
    memory_mb: float = _default("memory_mb")          # address space of the child
    output_mb: float = _default("output_mb")          # largest file the child may write

    @classmethod
    def from_env(cls, **overrides):
        from mml_grading.settings import value
        unknown = set(overrides) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown limit(s) {', '.join(sorted(unknown))}; expected some of "
                            f"{', '.join(cls.__dataclass_fields__)}")
        try:
            values = {name: value(row) for name, row in SETTING_OF.items()}
        except SystemExit as err:  # a bad number in the environment: one line, the caller's error
            raise ValueError(str(err)) from None
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


def run_in_child(student_dir, task, arrays, limits, training=False):
    """Run ``task`` (see child.py for the kinds) on ``arrays`` against the
    student's mml in ``student_dir``; returns a ChildResult, never raises for
    anything the student code does."""
    from mml_sandbox import run_untrusted  # the sandbox machinery only when a check runs

    seconds = limits.train_timeout if training else limits.timeout
    with tempfile.TemporaryFile() as inputs, tempfile.TemporaryFile() as result:
        np.savez(inputs, **arrays)
        inputs.seek(0)
        outcome = run_untrusted(
            student_dir, {"mode": "child", "task": task, "input_fd": inputs.fileno(),
                          "result_fd": result.fileno()},
            timeout=seconds, memory_mb=limits.memory_mb, file_mb=limits.output_mb,
            cpu_seconds=seconds, pass_fds=(inputs.fileno(), result.fileno()), folders=("mml",))
        if outcome.timed_out:
            return ChildResult("timeout", detail={"seconds": seconds})
        result.seek(0)
        return _collect(result, outcome)


def _collect(result, outcome):
    """The child's result file -> ChildResult, checked as data."""
    tail = _last_line(outcome.output)
    if outcome.memory_cap:
        return ChildResult("crash", detail={"signal": "SIGKILL", "memory_cap": True, "stderr": tail})
    if outcome.signal:
        return ChildResult("crash", detail={"signal": outcome.signal, "stderr": tail})
    try:
        with np.load(result, allow_pickle=False) as data:
            outputs = {k: data[k] for k in data.files}
        raw = outputs.pop("__record__")
        record = json.loads(raw.tobytes().decode("utf-8")) if raw.dtype == np.uint8 and raw.ndim == 1 else None
        status = record["status"]
    except Exception:  # noqa: BLE001 - no or a broken result is the student's verdict
        return ChildResult("exit", detail={"returncode": outcome.returncode, "stderr": tail})
    if status not in STATUSES:
        return ChildResult("exit", detail={"returncode": outcome.returncode, "stderr": tail})
    if status != "ok":
        detail = {k: str(record.get(k, ""))[:300] for k in ("type", "message", "where") if k in record}
        return ChildResult(status, detail=detail)
    described = record.get("outputs", {})
    if not isinstance(described, dict) or any(k not in described for k in outputs):
        return ChildResult("exit", detail={"returncode": outcome.returncode, "stderr": "inconsistent result"})
    return ChildResult("ok", outputs=outputs, described=described)


def _last_line(output):
    """The last line the child printed (the student's own output), short."""
    from mml_sandbox import scrub

    lines = output.strip().splitlines()
    return scrub(lines[-1], limit=300) if lines else ""
