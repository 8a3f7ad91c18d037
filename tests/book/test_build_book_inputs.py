"""tools/build_book.py refuses bad input with one clear line, before writing anything."""
import json

import pytest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _notebook(text):
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_missing_release_notebook_names_the_file_and_the_fix(build_book, tmp_path):
    with pytest.raises(build_book.BookError) as err:
        build_book.copy_release_notebooks(tmp_path / "release", tmp_path / "dest")
    message = str(err.value)
    assert "\n" not in message
    assert str(tmp_path / "release" / "RNN_Captioning.ipynb") in message and "fix: make release" in message
    assert not (tmp_path / "dest").exists()


def test_a_notebook_with_solution_markers_is_refused(build_book, tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    (release / "RNN_Captioning.ipynb").write_text(_notebook("### BEGIN SOLUTION\nx\n### END SOLUTION"))
    (release / "LSTM_Captioning.ipynb").write_text(_notebook("LSTM"))
    with pytest.raises(build_book.BookError, match="RNN_Captioning.ipynb: contains the nbgrader marker "
                                                    "'BEGIN SOLUTION', so it is not a student release"):
        build_book.copy_release_notebooks(release, tmp_path / "dest")
    assert not list((tmp_path / "dest").glob("*.ipynb"))


def test_release_notebooks_are_copied_alone_and_stale_ones_removed(build_book, tmp_path):
    release = tmp_path / "release"
    (release / "mml").mkdir(parents=True)
    (release / "mml" / "rnn_layers.py").write_text("raise NotImplementedError()\n")
    for name in build_book.NOTEBOOKS:
        (release / name).write_text(_notebook(name))
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "Old.ipynb").write_text(_notebook("old"))
    build_book.copy_release_notebooks(release, dest)
    assert sorted(p.name for p in dest.iterdir()) == sorted(build_book.NOTEBOOKS)

