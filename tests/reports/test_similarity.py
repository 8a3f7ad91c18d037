"""The similarity report on the generated class: near-copies with renamed
variables and the copy of the reference are flagged, honest different
solutions are not, student files are read safely, grades never change."""
import os

from generated_class import ARTIFACTS, ASSIGNMENT
from mml_grading import similarity
from mml_grading.report import report_dir
from mml_grading.settings import COURSE_ID
from nbgrader.api import Gradebook


def analysed(cls):
    students = similarity.submissions(cls.settings, ASSIGNMENT)
    starter = similarity.python_files(cls.settings.release_dir / ASSIGNMENT)
    reference = similarity.python_files(similarity.ROOT)
    return similarity.analyse(students, starter, reference)


def flagged_pairs(pairs):
    return {frozenset((p.a, p.b)): p for p in pairs}


def test_near_copies_flagged_honest_solutions_not(generated_class):
    pairs, key_share, _, _ = analysed(generated_class)
    found = flagged_pairs(pairs)
    for a, b in [("honest-a", "near-copy-a"), ("honest-b", "near-copy-b")]:
        pair = found.get(frozenset((a, b)))
        assert pair is not None, f"{a} / {b} (renamed variables) not flagged"
        assert pair.share_a > 0.9 and pair.share_b > 0.9 and pair.tokens >= similarity.MIN_SHARED_TOKENS
    honest = {"honest-a", "honest-b", "near-copy-a", "near-copy-b"}
    for a in ("honest-a", "near-copy-a"):
        for b in ("honest-b", "near-copy-b"):
            assert frozenset((a, b)) not in found, f"honest, different solutions flagged: {a} / {b}"
    for student in honest:
        assert key_share[student] < similarity.THRESHOLD, (student, key_share[student])


def test_the_copy_of_the_key_is_flagged(generated_class):
    _, key_share, key_files, _ = analysed(generated_class)
    assert key_share["key-copy"] > 0.95
    assert key_files["key-copy"], "no shared region to show for the copy of the key"
    # the starter code alone is boilerplate: a blank submission has no own code to compare
    assert "blank-1" not in key_share


def test_the_page_lists_pairs_and_says_it_never_changes_a_grade(generated_class, chromium):
    path = report_dir(generated_class.settings, ASSIGNMENT) / "similarity.html"
    text = path.read_text(encoding="utf-8")
    assert "never changes a grade" in text and "从不改变任何成绩" in text
    assert f"{similarity.THRESHOLD:.0%}" in text and str(similarity.MIN_SHARED_TOKENS) in text
    assert "similar pair(s)" in generated_class.similarity_log and "grades unchanged" in generated_class.similarity_log
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(path.as_uri())
    table = page.locator("#pair-table")
    assert table.is_visible()
    rows = table.locator("tbody tr").all_inner_texts()
    assert any("honest-a" in r and "near-copy-a" in r for r in rows)
    assert not any("honest-a" in r and "honest-b" in r for r in rows)
    assert "key-copy" in page.locator("#key-table").inner_text()
    marks = page.locator("mark")
    assert marks.count() > 10 and marks.first.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "similarity.png"
    page.screenshot(path=str(shot), full_page=False)
    print(f"similarity report screenshot: {shot}")
    page.close()


def test_it_never_changes_a_grade(generated_class):
    def scores():
        with Gradebook(generated_class.settings.db_url, COURSE_ID) as gb:
            return {(s.student.id, s.name): s.score for s in gb.find_assignment(ASSIGNMENT).submissions}

    before = scores()
    db = generated_class.settings.db_path.read_bytes()
    generated_class.grade("similarity")
    assert scores() == before and generated_class.settings.db_path.read_bytes() == db


def test_student_files_are_read_safely(tmp_path):
    sub = tmp_path / "sub"
    (sub / "mml" / "classifiers").mkdir(parents=True)
    (sub / "mml" / "rnn_layers.py").write_text("def f(x):\n    return x\n")
    (sub / "mml" / "classifiers" / "rnn.py").write_bytes(b"x = '\xff\xfe not utf-8'\n")
    os.symlink("/etc/passwd", sub / "mml" / "secret.py")
    os.symlink(tmp_path, sub / "mml" / "loop")
    (sub / "mml" / "big.py").write_bytes(b"#" * (similarity.MAX_FILE_BYTES + 1))
    found = similarity.python_files(sub)
    assert sorted(found) == ["classifiers/rnn.py", "rnn_layers.py"]
    assert "\ufffd" in found["classifiers/rnn.py"]
