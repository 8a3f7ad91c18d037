"""The real `nbgrader validate` on the two source notebooks.

1. Against the reference mml every autograded cell passes (the hidden tests call the
   trusted judge, autograder/mml_judge, on the reference).
2. With the solutions cleared every autograded cell fails: the notebooks run in a
   temporary folder beside a copy of mml/ whose solution regions are replaced by the
   release tool's own strip_solutions (tools/build_release.py), and
   `nbgrader validate --invert` must report that no cell passes.

Both runs execute whole notebooks (about a minute each on 2 busy cores), so they
share one xdist worker.
"""
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_NAMES = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
PASSES = "Success! Your notebook passes all the tests."
NONE_PASS = "Success! The notebook does not pass any tests."

pytestmark = [pytest.mark.xdist_group(name="notebooks-nbgrader"),
              pytest.mark.parametrize("name", NOTEBOOK_NAMES)]


def load_strip_solutions():
    """strip_solutions(source_text, filename) from the release tool, imported by path."""
    path = ROOT / "tools" / "build_release.py"
    spec = importlib.util.spec_from_file_location("_build_release_for_notebook_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.strip_solutions


def stripped_mml_copy(dest):
    """dest/mml: every mml/**/*.py with its solution regions replaced by nbgrader's stub."""
    strip_solutions = load_strip_solutions()
    stripped = 0
    for source in sorted((ROOT / "mml").rglob("*.py")):
        rel = source.relative_to(ROOT)
        if "__pycache__" in rel.parts:
            continue
        text = source.read_text(encoding="utf-8")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        new_text = strip_solutions(text, str(source))
        stripped += new_text != text
        target.write_text(new_text, encoding="utf-8")
    return stripped


def test_validate_passes_against_the_reference(name, source_dir, embedded_data_dir, nbgrader_env, run_validate):
    # the judge grades the reference mml of this repository (a source notebook's default)
    env = nbgrader_env(embedded_data_dir)
    code, output = run_validate(source_dir / name, cwd=ROOT, env=env)
    assert code == 0 and PASSES in output, output[-4000:]


def test_every_autograded_cell_fails_with_solutions_cleared(name, source_dir, embedded_data_dir, nbgrader_env,
                                                            run_validate, tmp_path):
    assert stripped_mml_copy(tmp_path) >= 2  # rnn_layers.py and classifiers/rnn.py hold student code
    assert "raise NotImplementedError" in (tmp_path / "mml" / "rnn_layers.py").read_text(encoding="utf-8")
    shutil.copy(source_dir / name, tmp_path / name)
    # the kernel runs in tmp_path, so `import mml` finds the stripped copy first;
    # the judge would judge it too (MML_JUDGE_STUDENT_DIR unset, cwd = tmp_path)
    code, output = run_validate(tmp_path / name, cwd=tmp_path, env=nbgrader_env(embedded_data_dir), invert=True)
    assert NONE_PASS in output, output[-4000:]
