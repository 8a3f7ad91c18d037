"""The judge inside nbgrader's autograde (mml_grading.judge_verdicts), on real
gradebooks, real submissions and the real judge: a deleted test cell is put
back and judged, every judged cell gets the judge's bilingual verdict, nbgrader's
own SaveAutoGrades then records the judge's score, and a judge that cannot run
scores 0 and flags the notebook (never the kernel's outcome)."""
import os
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]

from fixtures.submissions import make_submission
from mml_grading.judge_verdicts import JudgeVerdicts, checks_for_cell

ASSIGNMENT, NOTEBOOK, STUDENT = "hw", "RNN_Captioning", "alice"


def test_cells_map_to_checks_by_grade_id():
    assert checks_for_cell("test-rnn-step-forward") == ["rnn_step_forward"]
    assert checks_for_cell("test-captioning-lstm-sample") == ["captioning_lstm_sample"]
    assert checks_for_cell("a-word-vs-char") == []


def grade_cell(grade_id, source, points):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                              "points": points, "schema_version": 3, "task": False}
    cell.metadata.nbgrader["checksum"] = utils.compute_checksum(cell)
    return cell


def locked_cell(grade_id, text):
    cell = new_markdown_cell(text)
    cell.metadata.nbgrader = {"grade": False, "solution": False, "locked": True, "grade_id": grade_id,
                              "schema_version": 3, "task": False}
    cell.metadata.nbgrader["checksum"] = utils.compute_checksum(cell)
    return cell


def instructor_cells():
    hidden = '### BEGIN HIDDEN TESTS\nfrom mml_judge import check\ncheck("{}")\n### END HIDDEN TESTS'
    return [locked_cell("intro", "# RNN"),
            grade_cell("test-rnn-step-forward", hidden.format("rnn_step_forward"), 5),
            locked_cell("between", "## Embedding"),
            grade_cell("test-word-embedding-forward", hidden.format("word_embedding_forward"), 5)]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A gradebook recording instructor_cells(), and alice's submission (the reference solution)."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(NOTEBOOK, ASSIGNMENT)
        for cell in instructor_cells():
            meta = cell.metadata.nbgrader
            if meta["grade"]:
                gb.add_grade_cell(meta["grade_id"], NOTEBOOK, ASSIGNMENT, max_score=meta["points"],
                                  cell_type="code")
            gb.add_source_cell(meta["grade_id"], NOTEBOOK, ASSIGNMENT, cell_type=cell.cell_type,
                               locked=True, source=cell.source, checksum=meta["checksum"])
        gb.add_student(STUDENT)
        gb.add_submission(ASSIGNMENT, STUDENT)
    make_submission("reference", tmp_path / "submitted" / STUDENT / ASSIGNMENT)
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.submitted_directory = "submitted"
    resources = {"nbgrader": {"notebook": NOTEBOOK, "assignment": ASSIGNMENT, "student": STUDENT,
                              "db_url": url}}
    return config, resources, url


def autograde_steps(config, resources, nb):
    """The tail of nbgrader's autograde: the judge, then nbgrader's own score keeping."""
    nb, resources = JudgeVerdicts(config=config).preprocess(nb, resources)
    return SaveAutoGrades(config=config).preprocess(nb, resources)[0]


def scores(url):
    with Gradebook(url) as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT)
        return {g.name: g.auto_score for g in notebook.grades}, notebook.flagged


def test_deleted_cell_put_back_judged_and_scored(course):
    config, resources, url = course
    cells = instructor_cells()
    wrong = new_output("error", ename="ModuleNotFoundError", evalue="No module named 'mml_judge'",
                       traceback=["ModuleNotFoundError: No module named 'mml_judge'"])
    cells[3].outputs = [wrong]  # what the sandboxed kernel gives every hidden check
    del cells[1]  # the student deleted test-rnn-step-forward
    nb = autograde_steps(config, resources, new_notebook(cells=cells))

    ids = [c.metadata.nbgrader.get("grade_id") for c in nb.cells]
    assert ids == ["intro", "test-rnn-step-forward", "between", "test-word-embedding-forward"]
    restored = nb.cells[1]
    assert "此测试单元在提交中被删除" in restored.source and "was missing from the submission" in restored.source
    for cell, name in [(nb.cells[1], "rnn_step_forward"), (nb.cells[3], "word_embedding_forward")]:
        assert [o.output_type for o in cell.outputs] == ["stream"], cell.outputs
        assert cell.outputs[0].text.startswith(f"[{name}] 通过 / passed: ")
        assert " / " in cell.outputs[0].text.split("passed: ", 1)[1]  # 中文 / English
    assert scores(url) == ({"test-rnn-step-forward": 5.0, "test-word-embedding-forward": 5.0}, False)


def test_kernel_pass_overruled_by_the_judge(course):
    config, resources, url = course
    sub = Path(config.CourseDirectory.root) / "submitted" / STUDENT / ASSIGNMENT
    make_submission("tampered", sub)  # rnn_step_forward wrong
    cells = instructor_cells()
    cells[1].outputs = [new_output("stream", name="stdout", text="passed\n")]  # the kernel was fooled
    nb = autograde_steps(config, resources, new_notebook(cells=cells))
    error = nb.cells[1].outputs[-1]
    assert error.output_type == "error" and error.ename == "AssertionError"
    assert error.evalue.startswith("[rnn_step_forward] 未通过 / failed: 期望：")
    assert "expected: next_h to match the reference" in error.evalue
    assert scores(url) == ({"test-rnn-step-forward": 0.0, "test-word-embedding-forward": 5.0}, False)


def test_judge_that_cannot_run_scores_zero_and_flags(course, tmp_path, monkeypatch):
    config, resources, url = course
    monkeypatch.setenv("MML_JUDGE_TIMEOUT", "not-a-number")  # the judge's own setup is broken
    cells = instructor_cells()
    for cell in cells[1::2]:
        cell.outputs = [new_output("stream", name="stdout", text="all good\n")]  # the kernel says pass
    nb = autograde_steps(config, resources, new_notebook(cells=cells))
    for cell in nb.cells[1::2]:
        (error,) = cell.outputs
        assert error.ename == "JudgeError" and "评分器未能运行" in error.evalue and "the judge could not run" in error.evalue
    assert scores(url) == ({"test-rnn-step-forward": 0.0, "test-word-embedding-forward": 0.0}, True)
