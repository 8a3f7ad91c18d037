"""Start an IPython kernel that can import only the submission's own ``mml``.

Run by jupyter_client as ``python -I launch.py -f CONNECTION_FILE`` with the
submission folder as the working directory (nbgrader's autograde does that).

Why each step:
- ``-I`` (isolated mode): PYTHONPATH, PYTHONSTARTUP and the user site are ignored,
  and neither the working directory nor this folder is put on sys.path by Python.
- The venv has the reference ``mml`` installed in editable mode: a meta-path
  finder (``__editable__...finder``) that would quietly import the instructor's
  ``mml/rnn_layers.py`` whenever the student's file is missing. It is removed,
  and so is every sys.path entry that holds an ``mml`` folder.
- sys.path then starts with the working directory (the student's ``mml``) and
  ``autograder/`` (the trusted judge the hidden tests call).
- Address space and core dumps are capped so a huge allocation fails with a
  MemoryError in that cell only (MML_GRADING_KERNEL_MEMORY_MB, default 3072).
- MML_COCO_DIR points at the instructor's dataset when unset, so the student's
  copy of mml never builds or downloads data inside the submission.
"""
import os
import resource
import sys
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parents[2]
ROOT = AUTOGRADER.parent


def cap_resources():
    mib = int(os.environ.get("MML_GRADING_KERNEL_MEMORY_MB", "3072"))
    resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def drop_reference_mml():
    def editable(hook):
        return "__editable__" in (getattr(hook, "__module__", "") or "")

    sys.meta_path[:] = [f for f in sys.meta_path if not editable(f)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not editable(h)]
    for name in [n for n in sys.modules if n == "mml" or n.startswith("mml.")]:
        del sys.modules[name]
    kept = [p for p in sys.path
            if p and "__editable__" not in p and not (Path(p) / "mml").exists()]
    sys.path[:] = [os.getcwd(), str(AUTOGRADER)] + kept
    sys.path_importer_cache.clear()


def default_data_dir():
    if os.environ.get("MML_COCO_DIR"):
        return
    datasets = ROOT / "mml" / "datasets"
    coco = datasets / "coco_captioning"
    chosen = coco if (coco / "coco2014_vocab.json").is_file() else datasets / "shapes_captioning"
    os.environ["MML_COCO_DIR"] = str(chosen)


if __name__ == "__main__":
    cap_resources()
    drop_reference_mml()
    default_data_dir()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
