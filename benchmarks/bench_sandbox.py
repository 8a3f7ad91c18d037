"""Grading cost of the sandbox: the same submissions graded by plain `nbgrader
autograde` (bench_grading's course and run) with MML_SANDBOX=on and off,
alternating so both see the same machine load.

    python benchmarks/bench_sandbox.py [--n 4] [--rounds 2]

Reports wall seconds and CPU seconds (every process of the run, user + system)
per submission, and the sandbox's extra cost in per cent. Figures go to
benchmarks/results/sandbox.json.
"""
import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_grading  # noqa: E402

RESULTS = bench_grading.RESULTS


def cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def graded(settings, base, mode):
    """(wall s, CPU s) of one sequential nbgrader autograde with MML_SANDBOX=mode."""
    os.environ["MML_SANDBOX"] = mode
    cpu = cpu_of_children()
    wall = bench_grading.sequential(settings, base)
    return wall, cpu_of_children() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4, help="submissions (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="on/off pairs (default 2)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.rounds < 1:
        sys.exit("--n and --rounds must be at least 1")
    os.environ["PATH"] = bench_grading.tool_path()
    base = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    runs = {"on": [], "off": []}
    try:
        settings, _ = bench_grading.make_course(base, args.n, 1, 60)
        for i in range(args.rounds):
            for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
                runs[mode].append(graded(settings, base, mode))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    n = args.n
    per = {mode: (sum(w for w, _ in r) / len(r) / n, sum(c for _, c in r) / len(r) / n) for mode, r in runs.items()}
    extra_wall = 100 * (per["on"][0] / per["off"][0] - 1)
    extra_cpu = 100 * (per["on"][1] / per["off"][1] - 1)
    print(f"\n{n} submissions x {args.rounds} rounds, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'MML_SANDBOX':<12} {'wall s/subm.':>13} {'CPU s/subm.':>12}")
    for mode in ("off", "on"):
        print(f"{mode:<12} {per[mode][0]:>13.1f} {per[mode][1]:>12.1f}")
    print(f"{'extra':<12} {extra_wall:>12.0f}% {extra_cpu:>11.0f}%")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sandbox.json").write_text(json.dumps({
        "submissions": n, "rounds": args.rounds, "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0], "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "runs": runs, "per_submission": {m: {"wall_s": w, "cpu_s": c} for m, (w, c) in per.items()},
        "extra_percent": {"wall": extra_wall, "cpu": extra_cpu},
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
