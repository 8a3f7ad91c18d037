"""python -m mml_judge --student DIR [--check NAME ...] [--json] [limits]
python -m mml_judge --list

Runs the checks (all by default) on the student's mml in DIR and prints one
bilingual line per check, or with --json a JSON list of
{"name", "passed", "message", ...}. Exit status 0 when every check passed,
1 when one failed, 2 for a usage error.
"""
import argparse
import json
import sys

import mml_judge

# Limit options: fields of sandbox.Limits; default, environment variable and
# help come from the grading settings table (sandbox.limit_setting).
LIMIT_OPTIONS = ("timeout", "train_timeout", "memory_mb", "output_mb")


def _parser():
    from mml_judge.sandbox import limit_setting
    p = argparse.ArgumentParser(prog="python -m mml_judge", description=__doc__.split("\n\n")[1])
    p.add_argument("--student", help="folder that holds the student's mml/ package (required unless --list)")
    p.add_argument("--check", action="append", dest="checks", metavar="NAME",
                   help="run only this check (repeatable); default: every check")
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--list", action="store_true", help="print the check names and exit")
    for field in LIMIT_OPTIONS:
        row = limit_setting(field)
        p.add_argument("--" + field.replace("_", "-"), type=float,
                       help=f"{row.help}, {row.unit} (default {row.default:g}, ${row.env})")
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
    if args.student is None:
        print("python -m mml_judge: --student is missing; fix: pass --student DIR (the submission folder "
              "that holds mml/), or --list for the check names", file=sys.stderr)
        return 2
    if not Path(args.student).is_dir():
        print(f"python -m mml_judge: --student {args.student}: no such folder; fix: pass the submission "
              "folder that holds mml/", file=sys.stderr)
        return 2
    limits = {field: getattr(args, field) for field in LIMIT_OPTIONS}
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
