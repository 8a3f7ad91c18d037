"""The teaching assistant's wrapper: python autograder/grade.py <step> [options].

Each step is the standard nbgrader command, run for the course folder with the
course configuration; `autograde` grades the submissions in parallel workers.

    prepare    record the assignment in the gradebook (nbgrader generate_assignment)
    release    prepare, then nbgrader release_assignment (students can fetch)
    collect    nbgrader collect: the newest trusted submission of each student
               (inbound.py: a bad inbound folder is skipped with one line)
    autograde  nbgrader autograde, one worker per submission (the judge decides
               each test cell inside it: mml_grading/judge_verdicts.py)
    feedback   nbgrader generate_feedback (HTML without hidden tests)
    export     nbgrader export -> autograder/grades.csv
    report     the class report from the gradebook and the judge's verdicts
               (report.py -> autograder/reports/<assignment>/class_report.html, .csv)
    similarity the similarity report of the students' mml/*.py (similarity.py;
               never changes a grade)
    all        collect, autograde, feedback, export, report
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .inbound import check_student_id
from .parallel import autograde_parallel, submitted_students
from .settings import COURSE_ID, DEFAULT_ASSIGNMENT, GradingSettings, all_settings, nbgrader_command, tool_path


def nbgrader(settings, *args, **overrides):
    """Run one nbgrader command for the course folder; stop with its message on failure."""
    cmd = nbgrader_command() + list(args) + settings.nbgrader_args(**overrides)
    done = subprocess.run(cmd, cwd=settings.course_root, env=settings.kernel_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        raise SystemExit(f"nbgrader {args[0]} failed (exit {done.returncode}); see its log above")
    return done.stdout


def has_assignment(settings, assignment):
    if not settings.db_path.exists():
        return False
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def prepare(settings, assignment, refresh=True):
    """Record the assignment (notebooks, test cells, points) in the gradebook;
    with refresh=False only when it is not there yet.

    nbgrader generate_assignment reads source_assignments/; its student copy
    goes to autograder/work/generated (the committed release/ comes from
    tools/build_release.py and is not touched)."""
    if not (settings.source_dir / assignment).is_dir():
        raise SystemExit(f"{settings.source_dir / assignment}/ not found; fix: check --assignment "
                         "or build the source notebooks first")
    settings.grading_dir.mkdir(parents=True, exist_ok=True)
    if refresh or not has_assignment(settings, assignment):
        nbgrader(settings, "generate_assignment", assignment, "--force",
                 CourseDirectory__release_directory=settings.work_dir / "generated")


def autograde(settings, assignment, students=None):
    """Autograde in parallel (each nbgrader run lets the judge decide its test
    cells) and merge; returns (worker outcomes, seconds)."""
    from mml_sandbox import SandboxSettings, SandboxUnavailable, check_available

    if SandboxSettings.from_env().enabled:
        try:  # once here, rather than once per submission in every worker's log
            check_available()
        except SandboxUnavailable as err:
            raise SystemExit(str(err)) from None
    prepare(settings, assignment, refresh=False)
    students = students or submitted_students(settings, assignment)
    if not students:
        raise SystemExit(f"no submissions in {settings.grading_dir / 'submitted'}/*/{assignment}; "
                         "fix: run `python autograder/grade.py collect` first")
    print(f"autograde {assignment}: {len(students)} submission(s), {settings.workers} worker(s)")
    started = time.monotonic()
    outcomes = autograde_parallel(settings, assignment, students)
    return outcomes, time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python autograder/grade.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["prepare", "release", "collect", "autograde", "feedback",
                                         "export", "report", "similarity", "all"])
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT)
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    parser.add_argument("--course-root", type=Path, help="course folder (default: the repository)")
    parser.add_argument("--exchange", type=Path, help="nbgrader exchange root")
    parser.add_argument("--source-dir", type=Path, help="source assignments (default: source_assignments/)")
    parser.add_argument("--release-dir", type=Path, help="student releases (default: release/)")
    for row in all_settings():  # the limits with an option: help, default and variable from the table
        if row.option:
            default = "cores" if callable(row.default) else f"{row.default:g} {row.unit}"
            parser.add_argument(row.option, type=row.kind, dest=row.name,
                                help=f"{row.help} (default {default.strip()}, ${row.env})")
    args = parser.parse_args(argv)
    for student in args.student or []:  # an id is never a wildcard or an option
        try:
            check_student_id(student)
        except ValueError as err:
            print(err, file=sys.stderr)
            raise SystemExit(2) from None

    settings = GradingSettings()
    os.environ["PATH"] = tool_path()  # this process opens gradebooks too
    for field, value in [("course_root", args.course_root), ("exchange_root", args.exchange),
                         ("source_dir", args.source_dir), ("release_dir", args.release_dir),
                         *((row.name, getattr(args, row.name)) for row in all_settings() if row.option)]:
        if value is not None:
            setattr(settings, field, value.resolve() if isinstance(value, Path) else value)
    a = args.assignment
    steps = ["collect", "autograde", "feedback", "export", "report"] if args.step == "all" else [args.step]
    for step in steps:
        if step == "prepare":
            prepare(settings, a)
        elif step == "release":
            prepare(settings, a)
            print(nbgrader(settings, "release_assignment", a, "--force").strip())
        elif step == "collect":
            print(nbgrader(settings, "collect", a, "--update").strip())
        elif step == "autograde":
            autograde(settings, a, args.student)
        elif step == "feedback":
            print(nbgrader(settings, "generate_feedback", a, "--force").strip())
        elif step == "export":
            csv_path = settings.grading_dir / "grades.csv"
            nbgrader(settings, "export", f"--to={csv_path}")
            print(f"grades written to {csv_path}")
        elif step == "report":
            from .report import build_report
            build_report(settings, a)
        elif step == "similarity":
            from .similarity import build_similarity
            build_similarity(settings, a)


if __name__ == "__main__":
    main()
