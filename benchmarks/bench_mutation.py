"""变异测试：隐藏测试能发现多少个被改坏的参考实现。
Mutation testing: how many broken copies of the reference solution the hidden tests catch.

Runs tools/mutate.py (every classic mistake, and every random operator mutant of
the solution regions unless --random N draws fewer) and prints its figures:
killed, equivalent (told apart by the tool's independent check) and missed
mutants, the share of non-equivalent mutants killed, and the time it took.
The goal: every classic mistake killed, at least 95% of the random mutants.

Usage:
    .venv/bin/python benchmarks/bench_mutation.py [--random N] [--jobs 2] [--json PATH]
Writes benchmarks/results/mutation.json (every mutant and its outcome).
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
GOAL = {"classic": 1.0, "random": 0.95}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].splitlines()[0])
    parser.add_argument("--random", type=int, help="judge this many random mutants (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants judged at once (default 2)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "mutation.json")
    args = parser.parse_args(argv)
    command = [sys.executable, str(ROOT / "tools" / "mutate.py"), "--jobs", str(args.jobs), "--json", str(args.json)]
    if args.random is not None:
        command += ["--random", str(args.random)]
    if subprocess.call(command, cwd=ROOT) != 0:
        sys.exit("tools/mutate.py failed")
    summary = json.loads(args.json.read_text(encoding="utf-8"))["summary"]
    short = [kind for kind, goal in GOAL.items() if summary[kind]["score"] < goal]
    for kind in short:
        print(f"below the goal: {kind} mutants {summary[kind]['score']:.1%} killed, goal {GOAL[kind]:.0%}")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
