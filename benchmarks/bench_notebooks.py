"""How long the two assignment notebooks take to run top to bottom.

Target: each notebook runs in <= 30 s on one busy core on the embedded data (student mode).

Two ways of running each source notebook, in a fresh kernel (nbclient):
- student:  the hidden-test regions cleared by nbgrader's own ClearHiddenTests
            preprocessor, as in the student release; a normal run (full training).
- grading:  the source notebook as it is, hidden tests included, with
            NBGRADER_EXECUTION=autograde (shorter training) and
            the trusted judge (mml_judge, installed in the venv) judging the
            reference mml, as `nbgrader validate` of a source notebook does.

Prints one table (wall time, CPU time of the kernel and the processes it waited
for, the slowest cells) and writes benchmarks/results/notebooks.json. On a busy
shared machine the wall time is inflated; the CPU time is close to what an idle
machine takes, since the work is single-threaded.

    .venv/bin/python benchmarks/bench_notebooks.py [--mode student|grading|both] [--notebook NAME] [--repeats N]
                                                   [--cold-data]

--cold-data runs with an empty per-user cache and no course-wide data folder,
as a student's first run on their own machine: the first load_coco_data()
builds the embedded dataset; the table's first-load line gives that cell's time
and the notice it printed.

基准：两份作业笔记本从头到尾运行所需时间（学生版：去掉隐藏测试、完整训练；
评分版：含隐藏测试、NBGRADER_EXECUTION=autograde）。目标：学生版每份 <= 30 秒。
"""
import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.preprocessors import ClearHiddenTests

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source_assignments" / "rnn_captioning"
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
RESULTS = ROOT / "benchmarks" / "results" / "notebooks.json"
TARGET_SECONDS = 30.0
CELL_TIMEOUT = 600  # seconds; generous: this measures time, it does not grade
CPU_PROBE = "import os\nprint(sum(os.times()[:4]))"  # user + system, own and waited-for children


def _cell_seconds(cell):
    """Wall time of one executed cell from nbclient's timing metadata."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def run_notebook(path, mode, data_env=None):
    """Execute one notebook in a fresh kernel; return (wall seconds, CPU seconds, per-cell list, errors,
    the executed notebook)."""
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, **(data_env or {}))
    if mode == "student":
        nb, _ = ClearHiddenTests().preprocess(nb, {})
        env.pop("NBGRADER_EXECUTION", None)
    else:
        env["NBGRADER_EXECUTION"] = "autograde"
        env.pop("MML_JUDGE_STUDENT_DIR", None)  # a source notebook is judged on the reference mml
    # A last cell reports the CPU time of the kernel and of the processes it
    # waited for (judge, Java): on a busy machine wall time says little, while
    # CPU time is about what an idle machine would take (the work is single-threaded).
    nb.cells.append(nbformat.v4.new_code_cell(CPU_PROBE))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            record_timing=True, resources={"metadata": {"path": str(path.parent)}})
    # nbclient passes the environment of this process to the kernel it starts
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        start = time.perf_counter()
        client.execute()
        total = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    probe = nb.cells.pop()
    cpu = float(json.loads(probe.outputs[0]["text"])) if probe.get("outputs") else float("nan")
    cells, errors = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        label = cell.get("id", "?")
        cells.append((label, _cell_seconds(cell)))
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first_line = (str(out.get("evalue", "")).splitlines() or [""])[0]
                errors.append(f"{label}: {out.get('ename')}: {first_line[:300]}")
    return total, cpu, cells, errors, nb


def first_data_load(nb, cells):
    """The load-data cell's seconds and the first line it printed."""
    seconds = dict(cells).get("load-data", float("nan"))
    cell = next((c for c in nb.cells if c.get("id") == "load-data"), None)
    text = "".join(o.get("text", "") for o in (cell.get("outputs", []) if cell else []))
    return {"seconds": round(seconds, 2), "first_line": (text.splitlines() or [""])[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("student", "grading", "both"), default="both",
                        help="which way to run the notebooks (see the module docstring)")
    parser.add_argument("--notebook", choices=NOTEBOOKS, action="append",
                        help="run only this notebook (repeatable); default: both")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs per notebook and mode; the table reports the fastest")
    parser.add_argument("--cold-data", action="store_true",
                        help="empty data cache: the first load builds the embedded dataset (see above)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    modes = ["student", "grading"] if args.mode == "both" else [args.mode]
    notes = []
    if "grading" in modes and not (ROOT / "autograder" / "mml_judge" / "__init__.py").is_file():
        modes.remove("grading")
        notes.append("grading mode left out: autograder/mml_judge does not exist yet")

    rows = []
    for name in args.notebook or NOTEBOOKS:
        path = SOURCE / name
        if not path.is_file():
            sys.exit(f"bench_notebooks: {path} not found; run from a checkout that has the source notebooks")
        for mode in modes:
            runs = []
            for _ in range(args.repeats):
                with tempfile.TemporaryDirectory(prefix="bench-data-") as empty:
                    data_env = {"XDG_CACHE_HOME": empty, "MML_DATA_ROOT": empty, "MML_COCO_DIR": ""} \
                        if args.cold_data else None
                    runs.append(run_notebook(path, mode, data_env))
            total, cpu, cells, errors, nb = min(runs, key=lambda r: r[0])
            slowest = sorted(cells, key=lambda c: -c[1])[:3]
            rows.append({"notebook": name, "mode": mode, "seconds": round(total, 2), "cpu_seconds": round(cpu, 2),
                         "runs": [round(r[0], 2) for r in runs],
                         "within_target": total <= TARGET_SECONDS, "errors": errors,
                         "slowest_cells": [{"cell": c, "seconds": round(s, 2)} for c, s in slowest],
                         "first_data_load": first_data_load(nb, cells), "cold_data": args.cold_data})

    print(f"{'notebook':<24} {'mode':<8} {'seconds':>8} {'cpu s':>7}  {f'<={TARGET_SECONDS:g}s':<5}  {'errors':<6}  "
          "slowest cells")
    for r in rows:
        slow = ", ".join(f"{c['cell']} {c['seconds']:.1f}s" for c in r["slowest_cells"])
        print(f"{r['notebook']:<24} {r['mode']:<8} {r['seconds']:>8.1f} {r['cpu_seconds']:>7.1f}  "
              f"{str(r['within_target']):<5}  "
              f"{len(r['errors']):<6}  {slow}")
    for r in rows:
        load = r["first_data_load"]
        print(f"data load ({r['notebook']}, {'empty cache' if r['cold_data'] else 'data present'}): "
              f"{load['seconds']:.1f} s; {load['first_line'][:160]}")
    for note in notes:
        print(f"note: {note}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # the machine's load says how far the times are from those of an idle machine
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"cpus: {os.cpu_count()}, load average (1, 5, 15 min): {load}")
    RESULTS.write_text(json.dumps({"target_seconds": TARGET_SECONDS, "cpu_count": os.cpu_count(),
                                   "load_average": load, "results": rows, "notes": notes},
                                  indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    for r in rows:
        for error in r["errors"]:
            print(f"error in {r['notebook']} ({r['mode']}): {error}")
    if any(r["errors"] for r in rows):
        sys.exit("bench_notebooks: some cells raised errors (listed above)")


if __name__ == "__main__":
    main()
