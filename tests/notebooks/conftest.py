"""Fixtures for the tests of the two assignment notebooks."""
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "source_assignments" / "rnn_captioning"
NOTEBOOK_NAMES = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
NBGRADER = ROOT / ".venv" / "bin" / "nbgrader"
COURSE_CONFIG = ROOT / "autograder" / "nbgrader_config.py"


@pytest.fixture(scope="session")
def notebooks():
    """{file name: parsed source notebook}."""
    return {name: nbformat.read(SOURCE_DIR / name, as_version=4) for name in NOTEBOOK_NAMES}


@pytest.fixture(scope="session")
def embedded_data_dir():
    """The embedded offline dataset, built first if needed (python -m mml.datasets build)."""
    from mml.datasets import ensure_embedded
    return ensure_embedded(verbose=False)


def _nbgrader_env(data_dir, **extra):
    """Environment of an nbgrader run: the trusted judge importable, the dataset fixed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "autograder")] + [p for p in [env.get("PYTHONPATH")] if p])
    env["MML_COCO_DIR"] = str(data_dir)
    env.pop("MML_JUDGE_STUDENT_DIR", None)
    env.pop("NBGRADER_EXECUTION", None)
    env.update(extra)
    return env


def _run_validate(notebook, cwd, env, invert=False):
    """`nbgrader validate` (the real command, with the course config); returns its combined output."""
    # nbgrader 0.9 ignores --config; JupyterApp.config_file takes the path without ".py".
    cmd = [str(NBGRADER), "validate", str(notebook),
           f"--JupyterApp.config_file={COURSE_CONFIG.with_suffix('')}"]
    if invert:
        cmd.append("--invert")
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="session")
def nbgrader_env():
    """nbgrader_env(data_dir, **extra) -> the environment of an nbgrader run."""
    return _nbgrader_env


@pytest.fixture(scope="session")
def run_validate():
    """run_validate(notebook, cwd, env, invert=False) -> (returncode, output) of `nbgrader validate`."""
    return _run_validate


@pytest.fixture(scope="session")
def source_dir():
    """source_assignments/rnn_captioning."""
    return SOURCE_DIR
