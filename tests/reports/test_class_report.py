"""The class report on a generated, graded class: its numbers are the gradebook's,
each planted mistake is counted under its name, flags and manual grading are
listed, student text is escaped, and the page shows every plot in chromium."""
import csv
import re
import subprocess
from collections import Counter

from generated_class import ARTIFACTS, ASSIGNMENT, COPIES, HOSTILE, JUDGE_FAILS, REAL_GRADED, ROOT
from fixtures.classroom import MISTAKES
from mml_grading import report
from mml_grading.settings import COURSE_ID, GradingSettings
from nbgrader.api import Gradebook


def report_files(cls):
    out = report.report_dir(cls.settings, ASSIGNMENT)
    return out / "class_report.html", out / "class_report.csv"


def csv_table(cls):
    with open(report_files(cls)[1], encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def gradebook_truth(cls):
    """Per test cell (passed, failed) students, per student (required, extra) score and
    the cells needing manual grading, read through nbgrader's own API."""
    from mml_judge.table import checks_for_cell

    extra_books = report.extra_credit_notebooks()
    tests, scores, manual = {}, {}, Counter()
    with Gradebook(cls.settings.db_url, COURSE_ID) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        for student in sorted(cls.plan):
            required = extra = 0.0
            for notebook in assignment.notebooks:
                scored = gb.find_submission_notebook(notebook.name, ASSIGNMENT, student)
                if notebook.name in extra_books:
                    extra += scored.score
                else:
                    required += scored.score
                for grade in scored.grades:
                    if grade.needs_manual_grade:
                        manual[(notebook.name, grade.name)] += 1
                    if checks_for_cell(grade.name):
                        row = tests.setdefault((notebook.name, grade.name), [0, 0])
                        row[0 if grade.score == grade.max_score else 1] += 1
            scores[student] = (required, extra)
    return tests, scores, manual


def test_every_student_is_in_the_report(generated_class):
    data = report.load_class(generated_class.settings, ASSIGNMENT)
    assert data.students == sorted(generated_class.plan)
    assert len(data.students) > 30


def test_counts_equal_the_gradebook(generated_class):
    tests, scores, manual = gradebook_truth(generated_class)
    rows = [r for r in csv_table(generated_class) if r["kind"] == "test"]
    got = {(r["notebook"], r["test_cell"]): [int(r["passed"]), int(r["failed"])] for r in rows}
    assert got == tests
    assert all(sum(v) == len(generated_class.plan) for v in got.values())
    assert any(v[0] and v[1] for v in got.values()), "the class should pass some cells and fail others"
    failed = [int(r["failed"]) for r in rows]
    assert failed == sorted(failed, reverse=True), "test cells are not ordered from the most failed"
    data = report.load_class(generated_class.settings, ASSIGNMENT)
    assert {s: (data.required[s], data.extra[s]) for s in data.students} == scores
    assert {k: len(v) for k, v in data.manual.items()} == dict(manual)
    html = report_files(generated_class)[0].read_text(encoding="utf-8")
    total_manual = sum(manual.values())
    assert total_manual > 0 and f"Cells needing manual grading: {total_manual}" in html


def test_scores_agree_with_the_course_csv(generated_class):
    generated_class.grade("export")
    with open(generated_class.settings.grading_dir / "grades.csv", encoding="utf-8") as fh:
        exported = {r["student_id"]: (float(r["score"]), float(r["extra_credit"])) for r in csv.DictReader(fh)}
    data = report.load_class(generated_class.settings, ASSIGNMENT)
    assert {s: (round(data.required[s], 2), round(data.extra[s], 2)) for s in data.students} == exported


def test_each_planted_mistake_is_counted_under_its_name(generated_class):
    rows = {(r["check"], r["diagnosis"]): int(r["failed"]) for r in csv_table(generated_class)
            if r["kind"] == "mistake"}
    for kind, (_, check, mistake) in MISTAKES.items():
        students = [s for s, k in generated_class.plan.items() if k == kind]
        assert len(students) == COPIES
        assert rows.get((check, mistake)) == COPIES, (kind, check, mistake, rows)
    html = report_files(generated_class)[0].read_text(encoding="utf-8")
    top = html[html.index("id='top'"):html.index("id='checks'")]
    for kind, (_, check, mistake) in MISTAKES.items():
        page, heading = report.BOOK_SECTIONS[mistake]
        link = report.book_link(mistake, report.report_dir(generated_class.settings, ASSIGNMENT))[0]
        assert f"_build/html/book/{page}.html#" in link and link in top, (mistake, link)


def test_the_real_grading_run_is_read_as_it_was_written(generated_class):
    """For the students graded by grade.py (nbgrader + the judge preprocessor): the
    verdicts files exist and every test cell's gradebook score follows its checks."""
    from mml_judge.table import checks_for_cell

    data = report.load_class(generated_class.settings, ASSIGNMENT)
    for student in REAL_GRADED:
        assert student not in data.flags, (student, data.flags.get(student), generated_class.grading_log[-3000:])
        verdicts = {v["name"]: v for found in data.verdicts[student].values() for v in found}
        assert len(verdicts) == 19, sorted(verdicts)
        for test in data.tests:
            checks = checks_for_cell(test.name)
            passed = all(verdicts[c]["passed"] for c in checks)
            assert (student in test.passed) == passed, (student, test.name)
    named = [report.diagnosis(v) for found in data.verdicts["bptt-no-carry-1"].values() for v in found
             if v["name"] == "rnn_backward"]
    assert named == ["bptt_carry"]
    assert all(v["passed"] for found in data.verdicts["key-copy"].values() for v in found)


def test_flagged_submissions_and_why(generated_class):
    data = report.load_class(generated_class.settings, ASSIGNMENT)
    reasons = {s: " ".join(en for _, _, en in r) for s, r in data.flags.items()}
    for i in range(1, COPIES + 1):
        assert "sandbox limit" in reasons[f"infinite-loop-{i}"] and "captioning_rnn_sample" in reasons[f"infinite-loop-{i}"]
        assert "sandbox limit" in reasons[f"os-exit-{i}"]
        assert "sandbox limit" in reasons[f"huge-memory-{i}"]
        assert f"reference-{i}" not in reasons and f"raises-{i}" not in reasons
    assert "the judge itself failed" in reasons[JUDGE_FAILS] and "flagged in the gradebook" in reasons[JUDGE_FAILS]
    html = report_files(generated_class)[0].read_text(encoding="utf-8")
    assert f"Flagged submissions: {len(data.flags)}</h3>" in html


def test_student_text_is_escaped_and_anonymised(generated_class):
    html = report_files(generated_class)[0].read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert" in html, "the hostile example message is not shown at all"
    example = re.search(r"<td class='ex'>([^<]*alert[^<]*)</td>", html).group(1)
    assert "raises-1" not in example and "raises-2" not in example and "/tmp/" not in example, example
    assert HOSTILE.split(" in ")[0].replace("<", "&lt;").replace(">", "&gt;")[:20] in example


def test_every_idea_of_the_judge_links_to_a_book_section():
    from docutils.nodes import make_id
    from mml_judge.messages import IDEAS

    assert set(IDEAS) <= set(report.BOOK_SECTIONS), set(IDEAS) - set(report.BOOK_SECTIONS)
    for idea, (page, heading) in report.BOOK_SECTIONS.items():
        source = (ROOT / "book" / f"{page}.md").read_text(encoding="utf-8")
        assert re.search(rf"^#+ {re.escape(heading)}\s*$", source, re.M), (idea, page, heading)
        href = report.book_link(idea, ROOT / "autograder" / "reports" / ASSIGNMENT)[0]
        assert href == f"../../../_build/html/book/{page}.html#{make_id(heading)}"


def test_reports_stay_in_ignored_student_data():
    out = report.report_dir(GradingSettings(), ASSIGNMENT)
    rel = [(out / name).relative_to(ROOT).as_posix()
           for name in ("class_report.html", "class_report.csv", "similarity.html")]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *rel], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert ignored == rel
    for forbidden in ("release", "book", "_build"):
        assert not out.is_relative_to(ROOT / forbidden)
    assert "feedback" not in out.parts


def test_the_page_shows_every_plot_in_chromium(generated_class, chromium):
    html_path = report_files(generated_class)[0]
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(html_path.as_uri())
    plots = page.locator("img.plot")
    assert plots.count() == 4  # required, extra credit, pass rate, top mistakes
    for i in range(plots.count()):
        plot = plots.nth(i)
        plot.scroll_into_view_if_needed()
        assert plot.is_visible()
        size = plot.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
        assert size[0] and size[1] > 100 and size[2] > 100, (plot.get_attribute("id"), size)
    assert page.locator("text=Class report").first.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "class_report.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"class report screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    page.close()


def test_without_grading_one_clear_line_and_nothing_created(tmp_path):
    import sys

    for step, words in [("report", "no gradebook"), ("similarity", "no submissions")]:
        done = subprocess.run([sys.executable, str(ROOT / "autograder" / "grade.py"), step,
                               "--course-root", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode != 0
        message = done.stderr.strip().splitlines()
        assert len(message) == 1 and words in message[0] and "fix:" in message[0], done.stderr
    assert not (tmp_path / "autograder" / "gradebook.db").exists()
    assert not (tmp_path / "autograder" / "reports").exists()
