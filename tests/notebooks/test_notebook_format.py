"""The source notebooks as files: nbgrader metadata, hidden tests, points, bilingual text.

Fast: nothing is executed here (test_nbgrader_validate.py runs them).
"""
import re
import subprocess
import sys

import pytest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_NAMES = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")

# The judge's check names (team facts), split by notebook.
RNN_CHECKS = {
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward", "captioning_rnn_loss",
    "captioning_rnn_gradient", "captioning_rnn_sample", "captioning_rnn_dtype", "rnn_overfit",
}
LSTM_CHECKS = {
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "captioning_lstm_loss", "captioning_lstm_gradient", "lstm_overfit", "captioning_lstm_sample",
}
EXPECTED_CHECKS = {"RNN_Captioning.ipynb": RNN_CHECKS, "LSTM_Captioning.ipynb": LSTM_CHECKS}
# "**总分 / total** | **100**" in the RNN intro, "**附加分合计 / extra credit in total** | **65**" in the LSTM one
TOTAL_ROW = re.compile(r"\*\*(?:总分 / total|附加分合计 / extra credit in total)\*\* \| \*\*(\d+)\*\*")
MARKER_WORDS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                "YOUR CODE HERE", "YOUR ANSWER HERE")
CJK = re.compile(r"[\u4e00-\u9fff]")
# an English sentence fragment: four Latin words in a row
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']*(?:,? [A-Za-z][a-z']*){3,}")
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\nfrom mml_judge import check\ncheck\(\"(\w+)\"\)\n### END HIDDEN TESTS$")

pytestmark = pytest.mark.parametrize("name", NOTEBOOK_NAMES)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def graded_code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]


def test_nbformat_and_nbgrader_schema(notebooks, name):
    import nbformat
    nb = notebooks[name]
    nbformat.validate(nb)
    assert nb.nbformat == 4
    ids = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            assert cell.cell_type == "code", f"{name}: markdown cell {cell.id} has no nbgrader metadata (lock it)"
            continue
        assert meta["schema_version"] == 3, f"{name}: cell {cell.id} uses schema {meta['schema_version']}"
        assert set(meta) >= {"grade", "grade_id", "locked", "solution", "task"}, f"{name}: {cell.id} {meta}"
        ids.append(meta["grade_id"])
        if meta["grade"]:
            assert meta["points"] > 0, f"{name}: graded cell {cell.id} has no points"
    assert len(ids) == len(set(ids)), f"{name}: grade_ids repeat"


def test_setup_and_instruction_cells_are_read_only(notebooks, name):
    nb = notebooks[name]
    assert nb.cells[1].id == "setup" and nbgrader_meta(nb.cells[1])["locked"]
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and not meta.get("solution"):
            assert meta.get("locked"), f"{name}: instruction cell {cell.id} is not read-only"


def test_every_graded_cell_has_a_visible_check_then_the_judge(notebooks, name):
    used = []
    for cell in graded_code_cells(notebooks[name]):
        meta = nbgrader_meta(cell)
        assert meta["locked"] and not meta["solution"], f"{name}: {cell.id} must be a locked test cell"
        match = HIDDEN.search(cell.source)
        assert match, f"{name}: {cell.id} does not end with the hidden judge region"
        visible = cell.source[:match.start()]
        assert "assert " in visible, f"{name}: {cell.id} has no visible assert before the hidden tests"
        assert "请复习" in visible and "Revisit" in visible, f"{name}: {cell.id} message is not bilingual"
        assert cell.source.count("### BEGIN HIDDEN TESTS") == 1
        used.append(match.group(1))
    assert sorted(used) == sorted(EXPECTED_CHECKS[name]), f"{name}: judge checks {sorted(used)}"


def test_check_names_exist_in_the_judge(name):
    """The names the notebooks call are the judge's (asked in a separate interpreter)."""
    out = subprocess.run(
        [sys.executable, "-c", "import mml_judge; print(' '.join(mml_judge.check_names()))"],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT / "autograder"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True).stdout.split()
    assert EXPECTED_CHECKS[name] <= set(out)


def test_stated_total_is_the_sum_of_points(notebooks, name):
    nb = notebooks[name]
    totals = TOTAL_ROW.findall(nb.cells[0].source)
    assert len(totals) == 1, f"{name}: the intro must state the total once"
    points = sum(nbgrader_meta(c).get("points", 0) for c in nb.cells if nbgrader_meta(c).get("grade"))
    assert int(totals[0]) == points
    assert points == {"RNN_Captioning.ipynb": 100, "LSTM_Captioning.ipynb": 65}[name]


def test_lstm_notebook_says_extra_credit(notebooks, name):
    intro = notebooks[name].cells[0].source
    if name.startswith("LSTM"):
        assert "附加题" in intro and "extra credit" in intro
    else:
        assert "LSTM_Captioning.ipynb" in intro and "extra credit" in intro


def test_manually_graded_answers_sit_between_solution_markers(notebooks, name):
    answers = [c for c in notebooks[name].cells if nbgrader_meta(c).get("solution")]
    assert answers, f"{name}: no inline question"
    for cell in answers:
        meta = nbgrader_meta(cell)
        assert cell.cell_type == "markdown" and meta["grade"] and meta["points"] > 0
        lines = cell.source.splitlines()
        assert lines[0] == "### BEGIN SOLUTION" and lines[-1] == "### END SOLUTION"
        assert CJK.search(cell.source) and ENGLISH_RUN.search(cell.source)


def test_prose_never_contains_marker_words(notebooks, name):
    for cell in notebooks[name].cells:
        if nbgrader_meta(cell).get("solution") or nbgrader_meta(cell).get("grade"):
            continue  # real markers live only in answer and test cells
        for word in MARKER_WORDS:
            assert word not in cell.source, f"{name}: cell {cell.id} contains {word!r}"


def test_markdown_is_chinese_first_then_english(notebooks, name):
    for cell in notebooks[name].cells:
        if cell.cell_type != "markdown" or nbgrader_meta(cell).get("solution"):
            continue
        text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", " ", cell.source, flags=re.S)  # math and code
        cjk, english = CJK.search(text), ENGLISH_RUN.search(text)
        assert cjk and english, f"{name}: cell {cell.id} is not bilingual"
        assert cjk.start() < english.start(), f"{name}: cell {cell.id} starts in English: {english.group()!r}"


def test_plain_jupyter_markdown(notebooks, name):
    """No Jupyter Book (MyST) directives or roles: the notebooks must read well in plain Jupyter."""
    for cell in notebooks[name].cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"```\{|^:::|\{(math|eq|ref|doc|numref)\}`", cell.source, flags=re.M), cell.id
            # outside code spans, <NULL> would be swallowed as an HTML tag
            bare_tag = re.search(r"<[A-Za-z/][^>]*>", re.sub(r"`[^`]*`", "", cell.source))
            assert not bare_tag, f"{name}: cell {cell.id} shows {bare_tag.group()} outside backticks"
            # MathJax typesets \texttt{...} as text: next\_h would show its backslash
            assert "\\texttt" not in cell.source, f"{name}: cell {cell.id} uses \\texttt in math"


def test_student_messages_are_bilingual(notebooks, name):
    """Every cell that can fail with a message shows it in Chinese and English."""
    for cell in notebooks[name].cells:
        if cell.cell_type != "code" or "assert " not in cell.source:
            continue
        message = cell.source[cell.source.index("assert "):].split("### BEGIN HIDDEN TESTS")[0]
        assert CJK.search(message) and ENGLISH_RUN.search(message), f"{name}: {cell.id} message is not bilingual"


def test_training_cells_honour_nbgrader_execution(notebooks, name):
    nb = notebooks[name]
    setup = nb.cells[1].source
    assert "GRADING_RUN = bool(os.environ.get('NBGRADER_EXECUTION'))" in setup
    training = [c for c in nb.cells if c.cell_type == "code" and ".train()" in c.source]
    assert training
    for cell in training:
        assert "GRADING_RUN" in cell.source, f"{name}: training cell {cell.id} ignores NBGRADER_EXECUTION"


def test_images_come_from_the_data_urls(notebooks, name):
    sources = "\n".join(c.source for c in notebooks[name].cells if c.cell_type == "code")
    assert "image_from_url(url)" in sources and "sample_coco_minibatch(" in sources

