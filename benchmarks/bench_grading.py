"""Grading speed: N generated submissions, plain sequential `nbgrader autograde`
against the parallel runner (autograder/grade.py autograde).

    python benchmarks/bench_grading.py [--n 40] [--workers CORES] [--cell-timeout 60]

Submissions cycle through the quick fixture kinds (reference, partly correct,
blank, an exception, wrong shapes, NaNs, a syntax error, a missing file). The
table gives seconds per submission and the speed-up of the runner over
sequential nbgrader (same gradebook, same grading kernel, the judge deciding
each test cell inside both). Figures go to benchmarks/results/grading.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "autograder"))

from fixtures.submissions import make_submission  # noqa: E402
from mml_grading import cli  # noqa: E402
from mml_grading.settings import DEFAULT_ASSIGNMENT as ASSIGNMENT  # noqa: E402
from mml_grading.settings import GradingSettings, nbgrader_command, tool_path  # noqa: E402

KINDS = ["reference", "partly_correct", "blank", "raises", "wrong_shapes", "nans",
         "syntax_error", "missing_rnn_layers"]
RESULTS = ROOT / "benchmarks" / "results"


def make_course(base, n, workers, cell_timeout):
    """A course folder with n collected submissions and its gradebook."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_release.py"), "--out", str(base / "release")],
                   cwd=ROOT, check=True, capture_output=True)
    settings = GradingSettings(course_root=base / "course", release_dir=base / "release",
                               exchange_root=base / "exchange", workers=workers, cell_timeout=cell_timeout)
    cli.prepare(settings, ASSIGNMENT)
    students = [f"s{i:03d}" for i in range(n)]
    for i, student in enumerate(students):
        folder = settings.student_dir("submitted", student, ASSIGNMENT)
        make_submission(KINDS[i % len(KINDS)], folder, base / "release" / ASSIGNMENT)
        (folder / "timestamp.txt").write_text("2026-11-01 12:00:00.000000 UTC")
    shutil.copyfile(settings.db_path, base / "empty-gradebook.db")
    return settings, students


def sequential(settings, base):
    """Plain `nbgrader autograde` over every submission, one after another."""
    db = base / "sequential.db"
    shutil.copyfile(base / "empty-gradebook.db", db)
    cmd = nbgrader_command() + ["autograde", ASSIGNMENT, "--force"] + settings.nbgrader_args(
        CourseDirectory__db_url=f"sqlite:///{db}", CourseDirectory__autograded_directory=base / "seq-autograded")
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=settings.course_root, env=settings.kernel_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"sequential nbgrader autograde failed:\n{done.stdout[-3000:]}")
    return time.monotonic() - start


def parallel(settings, base, students):
    shutil.copyfile(base / "empty-gradebook.db", settings.db_path)
    _, seconds = cli.autograde(settings, ASSIGNMENT, students)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="submissions to grade (default 40)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cell-timeout", type=int, default=60)
    args = parser.parse_args(argv)
    if args.n < 1 or args.workers < 1:
        sys.exit("--n and --workers must be at least 1")
    os.environ["PATH"] = tool_path()
    base = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        settings, students = make_course(base, args.n, args.workers, args.cell_timeout)
        seq = sequential(settings, base)
        par = parallel(settings, base, students)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    n = args.n
    rows = [
        ("nbgrader autograde (sequential)", 1, seq, seq / n, 1.0),
        (f"grade.py autograde ({args.workers} workers)", args.workers, par, par / n, seq / par),
    ]
    print(f"\n{n} submissions, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'mode':<42} {'workers':>7} {'total s':>9} {'s/subm.':>8} {'speed-up':>9}")
    for mode, workers, total, per, speedup in rows:
        print(f"{mode:<42} {workers:>7} {total:>9.1f} {per:>8.2f} {f'{speedup:.2f}x':>9}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "grading.json").write_text(json.dumps({
        "submissions": n, "cores": os.cpu_count(), "workers": args.workers,
        "rows": [dict(zip(["mode", "workers", "seconds", "seconds_per_submission", "speedup"], r)) for r in rows],
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
