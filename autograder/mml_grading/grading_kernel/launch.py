"""Start the grading kernel inside the sandbox (mml_sandbox).

Run by jupyter_client as ``python -I launch.py -f CONNECTION_FILE`` with the
submission folder as the working directory (nbgrader's autograde does that),
in the trusted grader's environment. The kernel manager
(mml_grading.kernel.GradingKernelManager) chose ZMQ's ipc transport with its
sockets in ``<folder of CONNECTION_FILE>/sandbox/``; that folder is bound into
the sandbox (the sandbox's network namespace cannot reach the grader's
loopback), and the kernel inside reads a copy of the connection file whose
socket paths are the ones it sees there.

The kernel then runs as every piece of student code does at grading time: a
private copy of the submission as its working folder, only the submission's
own ``mml`` importable (the reference is not in the sandbox), the dataset
read-only at $MML_COCO_DIR, whole-tree memory and process caps, no network.
This launcher waits for it and, when it ends or is told to stop, kills every
process it started. If the sandbox cannot start, it prints one line and
exits 1 (nbgrader then reports the notebook as failed to run).

The dataset is the settings table's data_dir ($MML_COCO_DIR, else the
reference locator's folder), the address space of each kernel process its
kernel_memory_mb ($MML_GRADING_KERNEL_MEMORY_MB: a huge allocation fails in
its own cell); the other limits are the sandbox's rows of that table.
"""
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parents[2]


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def watch_size(folder, box, limit=1 << 20):
    """Where the socket folder is no tiny tmpfs: stop the sandbox when the
    kernel writes more than limit bytes into it."""
    from mml_sandbox.processes import folder_size

    def loop():
        while box.proc is None or box.proc.poll() is None:
            if folder_size(folder) > limit:
                print(f"launch.py: the kernel wrote more than {limit >> 10} KiB into its socket folder; stopped",
                      file=sys.stderr)
                box.kill()
                return
            time.sleep(0.5)
    threading.Thread(target=loop, daemon=True).start()


def main(argv):
    if len(argv) != 2 or argv[0] != "-f":
        sys.exit("launch.py: usage: launch.py -f CONNECTION_FILE")
    sys.path.insert(0, str(AUTOGRADER))
    from mml_sandbox import SandboxSettings, SandboxUnavailable, open_sandbox
    from mml_sandbox.bubblewrap import KERNEL_DIR

    connection = Path(argv[1])
    sockets = connection.parent / "sandbox"
    sockets.mkdir(exist_ok=True)
    from mml_grading.settings import value

    settings = SandboxSettings.from_env()
    info = json.loads(connection.read_text(encoding="utf-8"))
    if info.get("transport") != "ipc" or Path(info["ip"]).parent != sockets:
        sys.exit(f"launch.py: {connection}: expected ipc sockets in {sockets}; "
                 f"fix: start it through mml_grading.kernel.GradingKernelManager")
    inside = KERNEL_DIR if settings.enabled else str(sockets)
    info["ip"] = f"{inside}/{Path(info['ip']).name}"
    (sockets / "kernel.json").write_text(json.dumps(info), encoding="utf-8")
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        with open_sandbox(os.getcwd(), settings=settings, data_dir=value("data_dir"), kernel_dir=sockets,
                          process_memory_mb=value("kernel_memory_mb")) as box:
            proc = box.popen({"mode": "kernel"}, stdout=None, stderr=None)
            if not os.path.ismount(sockets):
                watch_size(sockets, box)
            sys.exit(proc.wait())
    except SandboxUnavailable as err:
        sys.exit(str(err))


if __name__ == "__main__":
    main(sys.argv[1:])
