"""Autograde many submissions at once, each in its own worker.

nbgrader grades one submission after another. Here each submission gets a
private course folder under autograder/work/autograde/<student>/ holding a copy of the
course gradebook; a worker runs the real `nbgrader autograde --student` there
under the per-submission limits (settings.py). When every worker is done,
results are merged into the course gradebook in student order (merge.py) and
the autograded notebooks moved into autograder/autograded/.
"""
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from nbgrader.api import Gradebook

from .inbound import ID_RULE, valid_student_id
from .limits import run_limited
from .merge import merge_submission
from .settings import COURSE_ID, nbgrader_command


@dataclass
class AutogradeOutcome:
    student: str
    seconds: float
    status: str  # "ok", "timed out", "nbgrader error", "no submission recorded"
    log: str
    note: str = ""  # e.g. notebooks missing from the submission


def missing_notebooks(settings, assignment, student):
    """One line naming the assignment's notebooks the submission lacks (they
    score 0; nbgrader skips notebooks of other names), or ""."""
    folder = settings.student_dir("submitted", student, assignment)
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        expected = sorted(f"{nb.name}.ipynb" for nb in gb.find_assignment(assignment).notebooks)
    missing = [name for name in expected if not (folder / name).is_file()]
    if not missing:
        return ""
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in expected)
    missing, extra = ", ".join(missing), ", ".join(extra) or "-"
    return (f"未提交 {missing}（提交中的其他笔记本：{extra}），记 0 分 / "
            f"{missing} not submitted (other notebooks in it: {extra}): scored 0")


def submitted_students(settings, assignment):
    """Students with a collected submission of assignment, sorted. A folder whose
    name is not a student id (nbgrader would read `--student=*` as a pattern) is
    skipped with one line saying so."""
    base = settings.grading_dir / "submitted"
    if not base.is_dir():
        return []
    students = []
    for folder in sorted(base.iterdir()):
        if not (folder / assignment).is_dir():
            continue
        if valid_student_id(folder.name):
            students.append(folder.name)
        else:
            print(f"skipped {folder}: {folder.name!r} is not a student id ({ID_RULE}); fix: rename the "
                  "folder to the student's id, or collect it again with grade.py collect", file=sys.stderr)
    return students


def _autograde_one(settings, assignment, student):
    work = settings.work_dir / "autograde" / student
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    worker_db = work / "gradebook.db"
    shutil.copyfile(settings.db_path, worker_db)
    cmd = nbgrader_command() + ["autograde", assignment, f"--student={student}", "--force"] \
        + settings.nbgrader_args(CourseDirectory__db_url=f"sqlite:///{worker_db}",
                                 CourseDirectory__submitted_directory=settings.grading_dir / "submitted",
                                 CourseDirectory__autograded_directory=work / "autograded")
    log_path = settings.work_dir / "logs" / f"autograde-{student}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result = run_limited(cmd, timeout=settings.submission_timeout, memory_mb=settings.nbgrader_memory_mb,
                         cwd=work, env=settings.kernel_env(), log_path=log_path)
    status = "ok" if result.ok else ("timed out" if result.timed_out else "nbgrader error")
    return AutogradeOutcome(student, result.seconds, status, str(log_path),
                            "; ".join(filter(None, [missing_notebooks(settings, assignment, student),
                                                    judge_notes(log_path)])))


def judge_notes(log_path):
    """What the judge said in a worker's log (judge_verdicts logs one line per event)."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    notes = []
    if "the judge failed (" in text:  # judge_verdicts: "...: the judge failed (<error>); ..."
        notes.append("judge failed: its cells scored 0, notebook flagged")
    overruled = text.count("the judge failed it (overruled)")
    if overruled:
        notes.append(f"{overruled} kernel pass(es) overruled by the judge")
    return "; ".join(notes)


def autograde_parallel(settings, assignment, students, log=print):
    """Autograde students' submissions in parallel; merge into the course gradebook."""
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        outcomes = list(pool.map(lambda s: _autograde_one(settings, assignment, s), students))
    for outcome in outcomes:  # same order as students: deterministic merge
        work = settings.work_dir / "autograde" / outcome.student
        recorded = merge_submission(f"sqlite:///{work / 'gradebook.db'}", settings.db_url,
                                    COURSE_ID, assignment, outcome.student)
        if not recorded:
            outcome.status = "no submission recorded"
        target = settings.student_dir("autograded", outcome.student, assignment)
        shutil.rmtree(target, ignore_errors=True)
        produced = work / "autograded" / outcome.student / assignment
        if produced.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(produced), str(target))
        shutil.rmtree(work, ignore_errors=True)
        log(f"  {outcome.student:<24} {outcome.status:<22} {outcome.seconds:6.1f} s  (log: {outcome.log})"
            + (f"\n  {'':<24} {outcome.note}" if outcome.note else ""))
    return outcomes
