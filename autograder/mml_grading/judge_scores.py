"""The authoritative scores: the trusted judge, run outside the notebook kernel.

Why: nbgrader scores a test cell by whether it raised in the kernel, and every
cell of a notebook shares one kernel with the student's own cells. A student
cell can rebind ``check``, ``rel_error`` or ``np.allclose`` and every later test
"passes". So after ``nbgrader autograde`` each submission's ``mml/`` is judged
again by ``python -m mml_judge --student DIR --json`` in a fresh process (the
judge runs each check in its own limited child and compares in its parent),
and every autograded test cell that calls ``check("<name>")`` gets its points
when, and only when, all of its checks pass here. Test cells are mapped to
checks by their instructor source in the gradebook (never the student's copy).
A cell the student deleted is judged all the same.
"""
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .limits import run_limited
from .settings import AUTOGRADER, COURSE_ID

CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_]+)["']""")


@dataclass
class CheckVerdict:
    passed: bool
    message: str


def cell_checks(gradebook, assignment):
    """{(notebook, grade cell): [check names]} from the instructor's test cells."""
    table = {}
    for notebook in gradebook.find_assignment(assignment).notebooks:
        for cell in notebook.grade_cells:
            if cell.cell_type != "code":
                continue
            try:
                source = gradebook.find_source_cell(cell.name, notebook.name, assignment).source
            except MissingEntry:  # a grade cell without stored source: nbgrader alone scores it
                continue
            names = CHECK_CALL.findall(source)
            if names:
                table[(notebook.name, cell.name)] = names
    return table


def parse_judge_output(text):
    """{check name: CheckVerdict} from the judge's --json output (its last line:
    a list of {"name", "passed", "message", ...})."""
    data = json.loads(text.strip().splitlines()[-1])
    if isinstance(data, dict):
        data = data.get("checks", data.get("results", data))
    entries = data.items() if isinstance(data, dict) else ((e.get("name"), e) for e in data)
    verdicts = {}
    for name, entry in entries:
        if isinstance(entry, bool):
            verdicts[name] = CheckVerdict(entry, "")
            continue
        message = entry.get("message") or " / ".join(x for x in (entry.get("zh"), entry.get("en")) if x)
        verdicts[name] = CheckVerdict(bool(entry.get("passed")), message or "")
    return verdicts


def judge_submission(submission_dir, settings, log_path):
    """Judge the student's mml/ in submission_dir; {check: CheckVerdict}, or None if the judge failed.

    The judge sees a fresh copy holding only the student's mml/ (a missing
    mml/ stays missing), so nothing it does can touch the submission.
    """
    with tempfile.TemporaryDirectory(prefix="mml-judge-") as tmp:
        student = Path(tmp) / "student"
        student.mkdir()
        if (Path(submission_dir) / "mml").is_dir():
            shutil.copytree(Path(submission_dir) / "mml", student / "mml",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "datasets"))
        env = settings.kernel_env()
        env.pop("PYTHONPATH", None)
        result = run_limited([sys.executable, "-m", "mml_judge", "--student", str(student), "--json"],
                             timeout=settings.judge_timeout, memory_mb=settings.judge_memory_mb,
                             cwd=AUTOGRADER, env=env, log_path=None)
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    Path(log_path).write_text(result.stdout + "\n--- stderr ---\n" + result.stderr, encoding="utf-8")
    if result.timed_out:
        return None
    try:
        return parse_judge_output(result.stdout)
    except (ValueError, AttributeError, TypeError):
        return None


def apply_verdicts(settings, assignment, student, verdicts):
    """Set each judged test cell's score; return a list of (cell, kernel score, judge score)."""
    changes = []
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        table = cell_checks(gb, assignment)
        for (notebook, cell), names in sorted(table.items()):
            grade = gb.find_grade(cell, notebook, assignment, student)
            ok = verdicts is not None and all(n in verdicts and verdicts[n].passed for n in names)
            score = grade.max_score if ok else 0.0
            changes.append((f"{notebook}/{cell}", grade.auto_score, score))
            grade.auto_score = score
            grade.needs_manual_grade = False
        if verdicts is None:  # the judge itself failed: flag for the TA, never trust the kernel
            for notebook in gb.find_submission(assignment, student).notebooks:
                notebook.flagged = True
        gb.db.commit()
    return changes
