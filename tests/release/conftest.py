"""Fixtures of the release tests: a built toy course (release_toy.py)."""
import shutil

import pytest
from release_toy import make_toy_course


@pytest.fixture
def toy_course(tmp_path):
    """(course_root, mml_dir) of a fresh toy course."""
    return make_toy_course(tmp_path / "course")


@pytest.fixture(scope="module")
def built_toy(tmp_path_factory):
    """A toy course and its release, built once per module: (course_root, mml_dir, release_dir)."""
    from build_release import build_release
    course_root, mml_dir = make_toy_course(tmp_path_factory.mktemp("toy") / "course")
    release_dir = build_release(course_root / "release", course_root=course_root, mml_dir=mml_dir)
    return course_root, mml_dir, release_dir


@pytest.fixture
def toy_release_copy(built_toy, tmp_path):
    """A private copy of the built toy release, to plant leaks in: (course_root, mml_dir, copy)."""
    course_root, mml_dir, release_dir = built_toy
    copy = tmp_path / "rnn_captioning"
    shutil.copytree(release_dir, copy)
    return course_root, mml_dir, copy
