"""Fixtures of the judge tests: student folders made from the reference mml
with planted edits, and a tiny dataset in the COCO file format."""
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def copy_reference_mml(dest):
    """The reference mml's .py files (no datasets, no caches) under dest/mml."""
    for src in (ROOT / "mml").rglob("*.py"):
        target = dest / "mml" / src.relative_to(ROOT / "mml")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return dest


def _plant(folder, relpath, old, new):
    """Replace `old` by `new` in folder/mml/relpath; the text must be there
    exactly once (so a hint comment is never edited instead of the code)."""
    path = folder / "mml" / relpath
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{relpath}: {old!r} occurs {text.count(old)} times, not once"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def plant():
    """plant(folder, relpath, old, new): edit a student file textually."""
    return _plant


@pytest.fixture
def student(tmp_path):
    """A fresh copy of the reference mml to plant mistakes in."""
    return copy_reference_mml(tmp_path / "student")


def tiny_coco_splits(num_images=120, dim=512, seed=0):
    """Vocabulary and arrays of a dataset with one random caption per image."""
    rng = np.random.default_rng(seed)
    words = ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"w{i}" for i in range(40)]
    splits = {}
    for split, n in (("train", num_images), ("val", 20)):
        caps = np.zeros((n, 17), dtype=np.int32)
        caps[:, 0] = 1
        for i, length in enumerate(rng.integers(4, 16, size=n)):
            caps[i, 1:length] = rng.integers(4, len(words), size=length - 1)
            caps[i, length] = 2
        splits[split] = {
            "captions": caps, "image_idxs": np.arange(n, dtype=np.int32),
            "fc7": rng.normal(size=(n, 4096)).astype(np.float32),
            "pca": rng.normal(size=(n, dim)).astype(np.float32),
            "urls": [f"img/{split}_{i}.png" for i in range(n)],
        }
    return words, splits


@pytest.fixture(scope="session")
def tiny_coco(tmp_path_factory, coco_writer):
    return coco_writer(tmp_path_factory.mktemp("tiny_coco"), *tiny_coco_splits())
