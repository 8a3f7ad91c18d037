"""Every check and expected number of the original assignment is in the RNN notebook.

The original assignment (the course's specification, spec/RNN_Captioning.original.txt in the
shared folder beside the repository) is kept verbatim beside this file, so that a clean clone
can run the test; when the shared spec is present, the copy must equal it. Every number in the original's code
lines (inputs, shapes, seeds, expected arrays, the expected loss, hyperparameters)
must appear, with its sign, in the code of the RNN notebook, every tolerance its text
states must be asserted there, and the lines that compute the checked values are
carried over unchanged.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "source_assignments" / "rnn_captioning" / "RNN_Captioning.ipynb"
SPEC = Path(__file__).resolve().parent / "RNN_Captioning.original.txt"
SHARED_SPEC = ROOT.parent / "shared" / "spec" / "RNN_Captioning.original.txt"
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d*)?(?:e-?\d+)?")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Tolerances and targets the original states in its text, and how the notebook asserts them.
STATED = {
    "e-8": "< 1e-8", r"10^{-9}": "< 1e-9", r"10^{-7}": "< 1e-7", r"10^{-10}": "< 1e-10",
    "e-6": "< 1e-6", "小于 0.1": "threshold = 0.1",
}


def spec_code_lines(text):
    """Lines of the original's code cells: no CJK, not a comment, with code punctuation."""
    return [line for line in text.splitlines()
            if re.search(r"[=:()\[\]]", line) and not CJK.search(line)
            and not line.lstrip().startswith("#") and "In [None]" not in line]


def numbers(text):
    return {float(n) for n in NUMBER.findall(text)}


@pytest.fixture(scope="module")
def spec_text():
    text = SPEC.read_text(encoding="utf-8")
    if SHARED_SPEC.is_file():
        assert SHARED_SPEC.read_text(encoding="utf-8") == text, (
            f"{SPEC.name} differs from {SHARED_SPEC}; copy the shared specification over it")
    return text


@pytest.fixture(scope="module")
def notebook_code():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_the_parser_sees_the_original_checks(spec_text):
    """Guard against a parser that silently finds nothing."""
    lines = spec_code_lines(spec_text)
    found = numbers("\n".join(lines))
    for known in (-0.58172089, 0.99854353, 0.40333043, 0.78571429, 9.83235591003, 231, 5e-3, 0.95, 1e-6):
        assert known in found, known
    assert len(found) > 80


def test_every_number_of_the_original_code_is_in_the_notebook(spec_text, notebook_code):
    expected = numbers("\n".join(spec_code_lines(spec_text)))
    present = numbers(notebook_code)
    missing = sorted(expected - present)
    assert not missing, f"numbers of the original missing from {NOTEBOOK.name}: {missing}"


def test_every_stated_tolerance_is_asserted(spec_text, notebook_code):
    for phrase, assertion in STATED.items():
        assert phrase in spec_text, f"the original no longer says {phrase!r}"
        assert assertion in notebook_code, f"{NOTEBOOK.name} does not assert {assertion!r} (original: {phrase})"


def test_every_original_check_line_is_carried_over(spec_text, notebook_code):
    """The calls that produce the checked values are the original's, line for line."""
    code = {line.strip() for line in notebook_code.splitlines()}
    calls = [line.strip() for line in spec_code_lines(spec_text)
             if re.match(r"\s*(\w+(, \w+)*) = (np\.|rnn_|word_|temporal_|model\.|eval_)", line)]
    assert len(calls) > 40
    missing = [line for line in calls if line not in code]
    assert not missing, f"lines of the original checks missing from {NOTEBOOK.name}: {missing}"
