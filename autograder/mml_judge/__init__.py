"""mml_judge: the trusted judgement of the student's ``mml``.

    from mml_judge import check
    check("rnn_backward")      # prints one bilingual pass line, or raises AssertionError

    python -m mml_judge --student DIR [--check NAME ...] [--json]
    python -m mml_judge --list

The checks, their order, kinds and notebook cells are one table (table.py).

Where the work happens (DESIGN.md, "student code is untrusted"):

- the trusted parent never imports student code. It loads the instructor's
  reference ``mml`` (the repository that holds this ``autograder/``) by
  explicit path, privately, as ``_mml_reference`` (see private_import), even
  when the current directory holds a student's ``mml/``;
- the student's ``mml`` (in ``student_dir``, else $MML_JUDGE_STUDENT_DIR,
  else the current directory) is imported only in a child process started as
  ``python -I -S`` with an explicit sys.path (standard library, numpy, the
  student folder; no editable install of the reference), which checks that
  every ``mml`` module comes from the student folder, computes on inputs sent
  as an .npz and sends its outputs back as an .npz (allow_pickle=False);
- the child runs under limits (sandbox.Limits: wall time, address space, CPU
  time, file size, no core dumps; env MML_JUDGE_TIMEOUT, MML_JUDGE_TRAIN_TIMEOUT,
  MML_JUDGE_MEMORY_MB, MML_JUDGE_OUTPUT_MB or keyword arguments), and is
  killed with its whole process group on timeout;
- the comparison with the reference and the verdict happen in the parent.

``check`` is what notebook cells call. A notebook kernel has imported the
student's code (which may have rebound numpy), so check() itself runs the
judgement in a fresh trusted process (``python -I``) and only reports its
verdict; the CLI and ``judge`` / ``judge_all`` judge in the calling process,
which must then be one the student's code never ran in (the autograder's).
"""
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["check", "judge", "judge_all", "check_names", "checks_for_cell"]

AUTOGRADER_DIR = Path(__file__).resolve().parents[1]
# Set by the CLI: this interpreter is a fresh trusted process.
_TRUSTED_PROCESS = False
# Slack for the trusted process around the child's own limits (imports, reference).
_TRUSTED_SLACK_S = 30


def check_names():
    """Every check name, in the order of the assignment."""
    from .table import check_names as names
    return names()


def checks_for_cell(grade_id):
    """The check names a notebook test cell (by its grade_id) stands for."""
    from .table import checks_for_cell as for_cell
    return for_cell(grade_id)


def _student_dir(student_dir):
    """student_dir, else $MML_JUDGE_STUDENT_DIR, else the current folder; a
    source notebook's folder (source_assignments/<assignment>/, which has no
    mml/ of its own) is judged on the reference mml next to it."""
    folder = Path(student_dir or os.environ.get("MML_JUDGE_STUDENT_DIR") or os.getcwd()).resolve()
    sources = AUTOGRADER_DIR.parent / "source_assignments"
    if not (folder / "mml").is_dir() and folder.is_relative_to(sources):
        return _reference_submission()
    return folder


@functools.lru_cache(maxsize=None)
def _reference_submission():
    """A submission folder holding a copy of the reference mml/ (removed at exit)."""
    import atexit
    import shutil
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="mml-reference-"))
    atexit.register(shutil.rmtree, folder, True)
    shutil.copytree(AUTOGRADER_DIR.parent / "mml", folder / "mml",
                    ignore=shutil.ignore_patterns("__pycache__", ".*", "*_captioning"))
    return folder


def judge(name, student_dir=None, **limits):
    """Judge one check in this process; returns a messages.Verdict."""
    from . import table
    from .judging import Context
    from .sandbox import Limits
    row = table.get(name)
    ctx = Context(_student_dir(student_dir), Limits.from_env(**limits))
    verdict = row.function(ctx)
    verdict.details.setdefault("training", row.training)
    return verdict


def judge_all(student_dir=None, names=None, **limits):
    """Judge several checks (all by default) in this process; a list of Verdicts."""
    return [judge(name, student_dir, **limits) for name in (names or check_names())]


def _judge_in_fresh_process(name, student_dir, limits):
    from . import table
    from .sandbox import Limits
    lim = Limits.from_env(**limits)
    seconds = (lim.train_timeout if table.get(name).training else lim.timeout) + _TRUSTED_SLACK_S
    code = (f"import sys; sys.path.insert(0, {str(AUTOGRADER_DIR)!r}); "
            "from mml_judge.cli import main; sys.exit(main())")
    args = [sys.executable, "-I", "-c", code, "--student", str(student_dir), "--check", name, "--json",
            *(f"--{k.replace('_', '-')}={v}" for k, v in limits.items() if v is not None)]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=seconds,
                              cwd=str(AUTOGRADER_DIR), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"[{name}] 评分进程在 {seconds:g} 秒内没有结束 / the judging process did not "
                             f"finish within {seconds:g} s") from None
    try:
        return json.loads(proc.stdout)[0]
    except (ValueError, IndexError, KeyError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"mml_judge: the judging process failed ({last})") from None


def check(name, student_dir=None, **limits):
    """Judge one check; print one bilingual pass line or raise AssertionError.

    limits: timeout, train_timeout, memory_mb, output_mb (see sandbox)."""
    student_dir = _student_dir(student_dir)
    if _TRUSTED_PROCESS:
        result = judge(name, student_dir, **limits).as_dict()
    else:
        result = _judge_in_fresh_process(name, student_dir, limits)
    if not result["passed"]:
        raise AssertionError(result["message"])
    print(result["message"])
