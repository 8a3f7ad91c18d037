"""What a student release holds, and where its parts come from.

release/rnn_captioning/
    RNN_Captioning.ipynb, LSTM_Captioning.ipynb   nbgrader generate_assignment
    README.md                                     copied by nbgrader from source_assignments/
    mml/**/*.py                                   mml/ with the solution regions stubbed
    mml/datasets/README.md                        copied as it is, when present

Nothing else: no datasets, caches, tests or autograder configuration.

学生发布包只包含：笔记本、去掉解答的 mml、学生 README；不含数据集、缓存、测试或评分配置。
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "rnn_captioning"
MML_DIR = ROOT / "mml"
DEFAULT_OUT = ROOT / "release"

# Inside mml/, folders never released: generated or downloaded data, caches, tests.
SKIPPED_DIRS = {"__pycache__", "coco_captioning", "shapes_captioning", "tests"}
# Git-ignored leftovers of using a release in place (bytecode, checkpoints, a dataset
# built there): never committed and never built, so checks of a release skip them.
LOCAL_LEFTOVER_DIRS = {"__pycache__", ".ipynb_checkpoints", "coco_captioning", "shapes_captioning"}
# Non-Python files of mml/ that a student needs, relative to mml/.
MML_EXTRA_FILES = ("datasets/README.md",)
# Files nbgrader may copy from source_assignments/<assignment>/ next to the notebooks
# (figures the notebooks show); anything else there stops the build.
ASSET_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg"}


def mml_release_files(mml_dir=MML_DIR):
    """Paths relative to mml_dir of the files copied into the release, sorted."""
    mml_dir = Path(mml_dir)
    found = []
    for path in sorted(mml_dir.rglob("*")):
        rel = path.relative_to(mml_dir)
        if not path.is_file() or any(part in SKIPPED_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if path.suffix == ".py" or rel.as_posix() in MML_EXTRA_FILES:
            found.append(rel)
    return found


def release_files(release_dir):
    """Every file of a built release, sorted, local leftovers (LOCAL_LEFTOVER_DIRS) skipped."""
    release_dir = Path(release_dir)
    return [p for p in sorted(release_dir.rglob("*")) if p.is_file()
            and not LOCAL_LEFTOVER_DIRS.intersection(p.relative_to(release_dir).parts[:-1])]
