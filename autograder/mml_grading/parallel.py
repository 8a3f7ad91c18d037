"""Autograde many submissions at once, each in its own worker.

nbgrader grades one submission after another. Here each submission gets a
private course folder under autograder/work/<student>/ holding a copy of the
course gradebook; a worker runs the real `nbgrader autograde --student` there
under the per-submission limits (settings.py). When every worker is done,
results are merged into the course gradebook in student order (merge.py) and
the autograded notebooks moved into autograder/autograded/.
"""
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .limits import run_limited
from .merge import merge_submission
from .settings import COURSE_ID, nbgrader_command


@dataclass
class AutogradeOutcome:
    student: str
    seconds: float
    status: str  # "ok", "timed out", "nbgrader error", "no submission recorded"
    log: str


def submitted_students(settings, assignment):
    """Students with a collected submission of assignment, sorted."""
    base = settings.grading_dir / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


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
    return AutogradeOutcome(student, result.seconds, status, str(log_path))


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
        log(f"  {outcome.student:<24} {outcome.status:<22} {outcome.seconds:6.1f} s  (log: {outcome.log})")
    return outcomes
