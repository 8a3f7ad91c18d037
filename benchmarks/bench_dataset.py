"""内置离线数据集的构建耗时、内存、磁盘占用与可重复性。
Build time, memory, disk size and byte-for-byte reproducibility of the embedded dataset.

Builds the full embedded dataset (mml.datasets.shapes.build, the same call as
`python -m mml.datasets build`) into a temporary folder, twice by default,
and reports for each build:
- wall seconds and CPU seconds (user + system, all threads): on a busy shared
  machine the wall time grows with the load, the CPU time does not; on an idle
  2-core machine the wall time is at most the CPU time;
- the peak resident memory of the process;
- the bytes on disk, by kind of file;
- the SHA-256 over all files: the two builds must agree.
Then the seconds load_coco_data takes to read it.

Targets: <= 60 s on 2 cores, <= 300 MB on disk.

Usage:
    .venv/bin/python benchmarks/bench_dataset.py [--once] [--json PATH]
Writes benchmarks/results/dataset.json and prints a table.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from mml.coco_utils import load_coco_data
from mml.datasets import shapes

RESULTS = Path(__file__).resolve().parent / "results" / "dataset.json"


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def disk_usage(folder):
    """Bytes on disk by kind: PNG images, fc7 files, PCA files, the rest."""
    sizes = {"images": 0, "fc7": 0, "fc7_pca": 0, "captions_vocab_urls": 0}
    for path in folder.rglob("*"):
        if path.is_file():
            kind = ("images" if path.suffix == ".png" else "fc7_pca" if path.name.endswith("_pca.h5")
                    else "fc7" if path.name.endswith("fc7.h5") else "captions_vocab_urls")
            sizes[kind] += path.stat().st_size
    sizes["total"] = sum(sizes.values())
    return sizes


def measure_build(folder):
    wall, cpu = time.perf_counter(), cpu_seconds()
    shapes.build(folder)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return {"wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "load_average_after": round(os.getloadavg()[0], 1),
            "bytes": disk_usage(folder), "sha256": shapes.digest(folder)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--once", action="store_true", help="build once (skip the reproducibility build)")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_dataset_") as tmp:
        builds = [measure_build(Path(tmp) / f"build{i}") for i in range(1 if args.once else 2)]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            load_coco_data(base_dir=Path(tmp) / "build0")
        load_seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    results = {
        "images": {"train": shapes.NUM_TRAIN, "val": shapes.NUM_VAL},
        "builds": builds, "identical": len({b["sha256"] for b in builds}) == 1,
        "peak_memory_mb": round(peak_mb), "load_coco_data_seconds": round(load_seconds, 2),
        "targets": {"cpu_seconds_2_cores": 60, "disk_mb": 300},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()},
    }
    print(f"\n{'build':6s} {'wall s':>7s} {'cpu s':>6s} {'load':>5s} {'disk MB':>8s} {'png MB':>7s} {'fc7 MB':>7s} sha256")
    for i, b in enumerate(builds):
        mb = {k: v / 1e6 for k, v in b["bytes"].items()}
        print(f"{i:<6d} {b['wall_seconds']:7.1f} {b['cpu_seconds']:6.1f} {b['load_average_after']:5.1f} "
              f"{mb['total']:8.1f} {mb['images']:7.1f} {mb['fc7']:7.1f} {b['sha256'][:16]}")
    print(f"identical bytes: {results['identical']}; peak memory {peak_mb:.0f} MB; "
          f"load_coco_data {load_seconds:.2f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
