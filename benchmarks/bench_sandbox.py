"""Grading cost of the sandbox: the same submissions graded by plain `nbgrader
autograde` (bench_grading's course and run) with MML_SANDBOX=on and off,
alternating so both see the same machine load.

    python benchmarks/bench_sandbox.py [--n 4] [--rounds 2]

Reports wall seconds per submission and the sandbox's extra cost in per cent
(CPU time is not reported: processes killed inside the sandbox's pid
namespace are not counted in the grader's rusage). On a shared machine run
more rounds: the spread between runs is larger than the sandbox's cost.
Figures go to benchmarks/results/sandbox.json.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_grading  # noqa: E402

RESULTS = bench_grading.RESULTS


def graded(settings, base, mode):
    """Wall seconds of one sequential nbgrader autograde with MML_SANDBOX=mode."""
    os.environ["MML_SANDBOX"] = mode
    return bench_grading.sequential(settings, base)


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
    per = {mode: sum(r) / len(r) / n for mode, r in runs.items()}
    extra = 100 * (per["on"] / per["off"] - 1)
    print(f"\n{n} submissions x {args.rounds} rounds, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'MML_SANDBOX':<12} {'wall s/subm.':>13} {'runs (s, all n)':>24}")
    for mode in ("off", "on"):
        print(f"{mode:<12} {per[mode]:>13.1f} {', '.join(f'{r:.0f}' for r in runs[mode]):>24}")
    print(f"{'extra':<12} {extra:>12.0f}%")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sandbox.json").write_text(json.dumps({
        "submissions": n, "rounds": args.rounds, "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0], "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "runs_wall_s": runs, "per_submission_wall_s": per, "extra_percent": extra,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
