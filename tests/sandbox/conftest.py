"""Helpers of the sandbox tests: a submission whose mml/rnn_layers.py holds
the code under test, run through the judge's real child (mml_judge.sandbox)
with the sandbox on or off."""
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mml_judge.sandbox import Limits, run_in_child

ROOT = Path(__file__).resolve().parents[2]


def make_submission(folder, probe_source):
    """folder/rnn_captioning with mml/rnn_layers.py defining probe() from probe_source."""
    student = Path(folder) / "rnn_captioning"
    (student / "mml").mkdir(parents=True)
    (student / "mml" / "__init__.py").write_text("")
    (student / "mml" / "rnn_layers.py").write_text(
        "import numpy as np\n\ndef probe():\n" + textwrap.indent(textwrap.dedent(probe_source), "    "))
    return student


PROBE_TASK = {"kind": "call", "module": "rnn_layers", "function": "probe", "args": [], "outputs": ["out"]}


def run_probe(student, *, timeout=30, memory_mb=2048):
    """The judge child's result of probe() in student (a ChildResult)."""
    return run_in_child(student, PROBE_TASK, {"unused": np.zeros(1)},
                        Limits(timeout=timeout, train_timeout=timeout, memory_mb=memory_mb, output_mb=64))


@pytest.fixture
def data_dir(tmp_path):
    """A stand-in dataset folder (the probes only look at it)."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "marker.txt").write_text("dataset\n")
    return folder


@pytest.fixture
def sandbox(monkeypatch, data_dir):
    """Sandbox on (the default)."""
    monkeypatch.setenv("MML_SANDBOX", "on")
    monkeypatch.setenv("MML_COCO_DIR", str(data_dir))
    return monkeypatch


@pytest.fixture
def no_sandbox(monkeypatch, data_dir):
    """Sandbox off: shows that each attack works where its defence is missing."""
    monkeypatch.setenv("MML_SANDBOX", "off")
    monkeypatch.setenv("MML_COCO_DIR", str(data_dir))
    return monkeypatch


def text(result):
    """The probe's returned bytes (an uint8 array) as text."""
    assert result.status == "ok", (result.status, result.detail)
    return bytes(result.outputs["out"].astype(np.uint8)).decode()


class Probe:
    """What the tests use: make(folder, source), run(student, ...), text(result), ROOT."""
    ROOT = ROOT
    make = staticmethod(make_submission)
    run = staticmethod(run_probe)
    text = staticmethod(text)


@pytest.fixture
def probe():
    return Probe
