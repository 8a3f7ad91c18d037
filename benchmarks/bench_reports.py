"""Report speed: the class report and the similarity report of N generated submissions.

    python benchmarks/bench_reports.py [--n 500]

The class cycles through every kind of autograder/fixtures/classroom.py (the
fixtures, the named mistakes, two honest styles, near-copies, copies of the
reference); each student's files carry a line of their own, so every file is
fingerprinted, and most of the class shares most of its code with the
reference: the worst case for the number of similar pairs. Submissions are
recorded in the gradebook and their verdicts saved as grading does
(classroom.record_graded; the verdict naming each planted mistake comes from
the real judge). Timed: `grade.py report` and `grade.py similarity`, each a
fresh process, as a teaching assistant runs them. Figures go to
benchmarks/results/reports.json.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "autograder"))

from fixtures.classroom import (MISTAKES, class_plan, judge_named_mistakes, make_student,  # noqa: E402
                                record_graded)
from mml_grading import cli  # noqa: E402
from mml_grading.settings import DEFAULT_ASSIGNMENT as ASSIGNMENT  # noqa: E402
from mml_grading.settings import GradingSettings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def make_class(base, n):
    """A course folder with n submissions recorded as graded; returns (settings, kinds)."""
    shutil.copytree(ROOT / "release", base / "release", ignore=shutil.ignore_patterns("__pycache__"))
    settings = GradingSettings(course_root=base / "course", release_dir=base / "release")
    settings.grading_dir.mkdir(parents=True)
    cli.prepare(settings, ASSIGNMENT)
    kinds = [kind for _, kind in class_plan(1)]
    templates = {}
    for kind in kinds:  # one folder per kind, then copied (building each from scratch is slow)
        templates[kind] = make_student(kind, base / "kinds" / kind, settings.release_dir / ASSIGNMENT)
    plan = {}
    for i in range(n):
        student, kind = f"s{i:03d}", kinds[i % len(kinds)]
        folder = settings.student_dir("submitted", student, ASSIGNMENT)
        shutil.copytree(templates[kind], folder)
        layers = folder / "mml" / "rnn_layers.py"
        if layers.exists():
            layers.write_text(layers.read_text(encoding="utf-8") + f"\n# {student}\n", encoding="utf-8")
        plan[student] = kind
    named = judge_named_mistakes({kind: templates[kind] for kind in MISTAKES})
    record_graded(settings, ASSIGNMENT, plan, named)
    return settings


def timed(step, settings):
    cmd = [sys.executable, str(ROOT / "autograder" / "grade.py"), step, "--course-root", str(settings.course_root),
           "--release-dir", str(settings.release_dir)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"grade.py {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stdout.strip().splitlines()[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="submissions (default 500)")
    parser.add_argument("--keep", type=Path, help="build the class in this folder and keep it; reused when "
                        "it already holds a class of --n submissions")
    args = parser.parse_args(argv)
    if args.n < 1:
        raise SystemExit(f"--n {args.n}: give at least one submission")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        base = args.keep or Path(tmp)
        started = time.monotonic()
        marker = base / f"class-of-{args.n}"
        if marker.exists():
            settings = GradingSettings(course_root=base / "course", release_dir=base / "release")
        else:
            shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True)
            settings = make_class(base, args.n)
            marker.touch()
        setup = time.monotonic() - started
        report_s, report_cpu, report_line = timed("report", settings)
        similarity_s, similarity_cpu, similarity_line = timed("similarity", settings)
    load = os.getloadavg()[0]
    result = {"submissions": args.n, "cores": os.cpu_count(), "load_average": round(load, 1),
              "setup_s": round(setup, 1), "report_s": round(report_s, 2), "report_cpu_s": round(report_cpu, 2),
              "similarity_s": round(similarity_s, 2), "similarity_cpu_s": round(similarity_cpu, 2),
              "total_s": round(report_s + similarity_s, 2), "report": report_line, "similarity": similarity_line}
    print(f"{args.n} submissions on {os.cpu_count()} core(s), load average {load:.1f} "
          f"(setup {setup:.0f} s, not timed); wall and CPU seconds:")
    print(f"  class report       {report_s:6.1f} s  cpu {report_cpu:6.1f} s   {report_line}")
    print(f"  similarity report  {similarity_s:6.1f} s  cpu {similarity_cpu:6.1f} s   {similarity_line}")
    print(f"  both               {report_s + similarity_s:6.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
