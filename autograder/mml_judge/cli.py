"""python -m mml_judge --student DIR [--check NAME ...] [--json] [limits]

Runs the checks (all by default) on the student's mml in DIR and prints one
bilingual line per check, or with --json a JSON list of
{"name", "passed", "message", ...}. Exit status 0 when every check passed,
1 when one failed, 2 for a usage error.
"""
import argparse
import json
import sys

import mml_judge


def _parser():
    p = argparse.ArgumentParser(prog="python -m mml_judge", description=__doc__.split("\n\n")[1])
    p.add_argument("--student", required=True, help="folder that holds the student's mml/ package")
    p.add_argument("--check", action="append", dest="checks", metavar="NAME",
                   help="run only this check (repeatable); default: every check")
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--list", action="store_true", help="print the check names and exit")
    p.add_argument("--timeout", type=float, help="wall seconds per ordinary check (default 20, $MML_JUDGE_TIMEOUT)")
    p.add_argument("--train-timeout", type=float, help="wall seconds per training check (default 90, $MML_JUDGE_TRAIN_TIMEOUT)")
    p.add_argument("--memory-mb", type=float, help="address-space limit in MiB (default 2048, $MML_JUDGE_MEMORY_MB)")
    p.add_argument("--output-mb", type=float, help="largest file the child may write, MiB (default 64, $MML_JUDGE_OUTPUT_MB)")
    return p


def main(argv=None):
    mml_judge._TRUSTED_PROCESS = True
    args = _parser().parse_args(argv)
    names = mml_judge.check_names()
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [n for n in args.checks or [] if n not in names]
    if unknown:
        print(f"python -m mml_judge: unknown check(s) {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    from pathlib import Path
    if not Path(args.student).is_dir():
        print(f"python -m mml_judge: --student {args.student}: no such folder; fix: pass the submission "
              "folder that holds mml/", file=sys.stderr)
        return 2
    limits = {"timeout": args.timeout, "train_timeout": args.train_timeout,
              "memory_mb": args.memory_mb, "output_mb": args.output_mb}
    from mml_judge.checks_train import JudgeDataError
    verdicts = []
    for name in args.checks or names:
        try:
            verdict = mml_judge.judge(name, args.student, **limits)
        except (JudgeDataError, ValueError) as err:  # the grader's setup, not the student's work
            print(f"python -m mml_judge: {err}", file=sys.stderr)
            return 2
        verdicts.append(verdict)
        if not args.json:
            print(verdict.message, flush=True)
    if args.json:
        print(json.dumps([v.as_dict() for v in verdicts], ensure_ascii=False))
    return 0 if all(v.passed for v in verdicts) else 1
