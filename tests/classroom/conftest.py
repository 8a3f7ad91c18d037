"""Fixtures of the classroom tests: a course folder like the repository, and
the environment of a fresh shell."""
import shutil
from pathlib import Path

import pytest

from mml import datasets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course_copy(tmp_path):
    """A course folder like the repository (configuration, grading helpers,
    notebooks, release, reference mml; the venv linked), without gradebook,
    exchange or student data."""
    copy = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", "gradebook.db", "exchange", "submitted", "autograded",
                                    "feedback", "work", "reports", "shapes_captioning", "coco_captioning", "node_modules",
                                    "grades*.csv")
    for name in ("autograder", "source_assignments", "release", "mml"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy(ROOT / "nbgrader_config.py", copy / "nbgrader_config.py")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


@pytest.fixture
def fresh_home(tmp_path):
    """fresh_home(name): a home folder whose per-user cache already holds the
    embedded dataset (as after `make data`), and the environment `env -i`
    leaves plus that home: no venv on PATH, nothing of the course set."""
    def make(name):
        home = tmp_path / "home" / name
        cache = home / ".cache" / "mml"
        cache.mkdir(parents=True)
        (cache / datasets.EMBEDDED_NAME).symlink_to(datasets.ensure_embedded(verbose=False))
        return home, {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return make
