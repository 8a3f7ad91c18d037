"""Where the captioning datasets live, and how to get them.

Two datasets share the classic COCO 2014 file format (see mml.coco_utils):
- the real COCO 2014 features, about 1 GB, fetched by
      python -m mml.datasets download coco
  into COCO_DIR;
- the embedded offline dataset of simple shape scenes, built from a fixed
  seed (the same bytes on every machine) by
      python -m mml.datasets build
  into EMBEDDED_DIR, or on first use.

Set $MML_COCO_DIR to read a dataset folder from anywhere else.

数据集位置：真实 COCO 数据（python -m mml.datasets download coco）与内置离线数据集
（python -m mml.datasets build，首次使用时自动生成）。设置 MML_COCO_DIR 可指定其他文件夹。
"""
import os
import shutil
from pathlib import Path

ENV_DATA_DIR = "MML_COCO_DIR"
DATASETS_DIR = Path(__file__).resolve().parent
COCO_DIR = DATASETS_DIR / "coco_captioning"
EMBEDDED_DIR = DATASETS_DIR / "shapes_captioning"

EXPECTED_FILES = (
    "coco2014_captions.h5",
    "coco2014_vocab.json",
    "train2014_vgg16_fc7.h5",
    "train2014_vgg16_fc7_pca.h5",
    "val2014_vgg16_fc7.h5",
    "val2014_vgg16_fc7_pca.h5",
    "train2014_urls.txt",
    "val2014_urls.txt",
)


def is_complete(folder):
    """True when every expected file of the format is in folder."""
    folder = Path(folder)
    return all((folder / name).is_file() for name in EXPECTED_FILES)


def fix_hint(folder):
    """The command that repairs a dataset folder, for error messages."""
    folder = Path(folder).resolve()
    if folder == COCO_DIR:
        return "fix: python -m mml.datasets download coco"
    if folder == EMBEDDED_DIR:
        return "fix: python -m mml.datasets build --force"
    return (f"fix: point base_dir or ${ENV_DATA_DIR} at a complete dataset folder "
            "(python -m mml.datasets build makes one)")


def temporary_sibling(folder, tag):
    """A hidden path beside folder for work in progress; .gitignore ignores
    the pattern (.*.tmp*) and the loader never looks there."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.tmp-{tag}-{os.getpid()}"


def move_into_place(new, folder):
    """Rename the finished folder new to folder, replacing an older one.

    Both renames are atomic, so folder is always the old dataset, briefly
    absent, or the new one: never a mixture or a half-written folder.
    """
    folder = Path(folder)
    if folder.exists():
        old = temporary_sibling(folder, "old")
        folder.rename(old)
        shutil.rmtree(old)
    Path(new).rename(folder)


def ensure_embedded(verbose=True):
    """The embedded dataset's folder, built first if it is not there yet."""
    if not is_complete(EMBEDDED_DIR):
        from mml.datasets.shapes import build  # deferred: only a first use builds
        if verbose:
            print(f"首次使用，正在生成内置离线数据集 / building the embedded offline dataset (once) in {EMBEDDED_DIR}")
        build(EMBEDDED_DIR)
    return EMBEDDED_DIR
