"""An instructor validates a source notebook from the repository root in a
fresh shell, with nothing set by hand: the hidden tests import the judge
(installed in the venv) and judge the reference mml."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.xdist_group(name="classroom_nbgrader")


def test_instructor_validates_a_source_notebook_from_the_root(fresh_home):
    _, env = fresh_home("teacher")
    done = subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c",
         ".venv/bin/nbgrader validate source_assignments/rnn_captioning/RNN_Captioning.ipynb"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Success! Your notebook passes all the tests." in out
    assert "ModuleNotFoundError" not in out
