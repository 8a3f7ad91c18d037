"""Grading end to end with the real nbgrader commands on a temporary exchange.

The instructor builds the student release (tools/build_release.py, the
command behind `make release`; tests/release keeps the committed copy equal to
it) into the temporary course and releases it; one student per
fixture (autograder/fixtures/submissions.py) fetches it with their own HOME
(and so their own nbgrader cache), turns it into that fixture and submits; the
TA collects, autogrades (parallel workers, the judge deciding each test cell
inside nbgrader's autograde), generates feedback and exports the CSV. Every
student's exact score is checked against the points of the source notebooks'
test cells whose checks the fixture must pass; plain `nbgrader autograde` with
the repository's configuration gives the same scores; the feedback pages,
opened in chromium with no network, show typeset math and the judge's reasons.
"""
import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[2]

from fixtures.submissions import FIXTURES, fails, make_submission

pytestmark = pytest.mark.xdist_group(name="autograder_end_to_end")

PYTHON = sys.executable
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
COURSE = "mml-rnn-captioning"
ASSIGNMENT = "rnn_captioning"
SOURCE = ROOT / "source_assignments" / ASSIGNMENT
EXTRA_CREDIT = {"LSTM_Captioning"}
# The honest notebooks' slowest cell (training, shortened while grading) takes a
# few seconds on one core; 30 s keeps the infinite-loop fixture cheap.
CELL_TIMEOUT = 30
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_]+)["']""")


def student_id(kind):
    return kind.replace("_", "-")


def source_test_cells():
    """{notebook: [(grade_id, points, [checks])]} of autograded test cells, and
    {notebook: points of manually graded cells}, read from the source notebooks."""
    tests, manual = {}, {}
    for path in sorted(SOURCE.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        tests[path.stem], manual[path.stem] = [], 0.0
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            if meta.get("solution") or cell["cell_type"] != "code":
                manual[path.stem] += meta["points"]
            else:
                checks = CHECK_CALL.findall("".join(cell["source"]))
                tests[path.stem].append((meta["grade_id"], float(meta["points"]), checks))
    return tests, manual


def expected_row(kind):
    """(score, max_score, extra_credit, extra_credit_max) the CSV must show for fixture kind."""
    tests, manual = source_test_cells()
    totals = dict.fromkeys(["score", "max_score", "extra_credit", "extra_credit_max"], 0.0)
    for notebook, cells in tests.items():
        extra = notebook in EXTRA_CREDIT
        totals["extra_credit_max" if extra else "max_score"] += manual[notebook]
        for _, points, checks in cells:
            totals["extra_credit_max" if extra else "max_score"] += points
            if not any(fails(kind, c) for c in checks):
                totals["extra_credit" if extra else "score"] += points
    return tuple(f"{totals[k]:.2f}" for k in ("score", "max_score", "extra_credit", "extra_credit_max"))


def run(cmd, cwd, env=None, timeout=900):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd[:3]))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


class Course:
    """A temporary course folder and exchange, graded with autograder/grade.py."""

    def __init__(self, base):
        self.root = base / "course"
        self.exchange = base / "exchange"
        self.homes = base / "homes"
        self.releases = base / "release"
        self.release = self.releases / ASSIGNMENT
        self.root.mkdir()
        run([PYTHON, str(ROOT / "tools" / "build_release.py"), "--out", str(self.releases)], cwd=ROOT)
        assert (self.release / "mml" / "rnn_layers.py").is_file(), "the release has no mml/"

    def grade(self, *args):
        return run([PYTHON, str(ROOT / "autograder" / "grade.py"), *args,
                    "--course-root", str(self.root), "--exchange", str(self.exchange),
                    "--release-dir", str(self.releases),
                    "--workers", "2", "--cell-timeout", str(CELL_TIMEOUT)], cwd=ROOT, timeout=3000)

    def as_student(self, kind):
        """Fetch with a private HOME, turn the assignment into fixture kind, submit."""
        sid = student_id(kind)
        home = self.homes / sid
        home.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MML_", "NBGRADER"))}
        env.update(HOME=str(home), USER=sid, LOGNAME=sid)
        common = [f"--course={COURSE}", f"--Exchange.root={self.exchange}"]
        run([NBGRADER, "fetch_assignment", ASSIGNMENT, *common], cwd=home, env=env)
        fetched = home / ASSIGNMENT
        assert (fetched / "mml" / "rnn_layers.py").is_file(), "the fetched assignment has no mml/"
        make_submission(kind, fetched, self.release)
        run([NBGRADER, "submit", ASSIGNMENT, *common, f"--student={sid}"], cwd=home, env=env)
        cache = home / ".local" / "share" / "jupyter" / "nbgrader_cache" / COURSE
        assert any(cache.glob(f"{sid}+{ASSIGNMENT}+*")), f"{sid}: no submission in the student's own cache"

    def path(self, step, kind):
        return self.root / "autograder" / step / student_id(kind) / ASSIGNMENT


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("grading"))
    course.grade("release")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(course.as_student, FIXTURES))
    course.grade("collect")
    course.log = course.grade("autograde")
    course.grade("feedback")
    course.grade("export")
    course.csv_bytes = (course.root / "autograder" / "grades.csv").read_bytes()
    course.rows = {r["student_id"]: r for r in csv.DictReader(course.csv_bytes.decode().splitlines())}
    return course


def autograded_cells(course, kind, notebook):
    nb = json.loads((course.path("autograded", kind) / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return nb["cells"]


def error_names(cell):
    return [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("kind", list(FIXTURES))
def test_every_student_gets_exactly_the_expected_score(course, kind):
    row = course.rows[student_id(kind)]
    got = (row["score"], row["max_score"], row["extra_credit"], row["extra_credit_max"])
    assert got == expected_row(kind), f"{kind} ({FIXTURES[kind].doc}): got {got}\n{course.log}"


def test_reference_full_marks_and_blank_zero(course):
    tests, _ = source_test_cells()
    required = sum(p for _, p, _ in tests["RNN_Captioning"])
    extra = sum(p for _, p, _ in tests["LSTM_Captioning"])
    assert required > 0 and extra > 0
    ref, blank = course.rows["reference"], course.rows["blank"]
    assert (float(ref["score"]), float(ref["extra_credit"])) == (required, extra)
    assert (float(blank["score"]), float(blank["extra_credit"])) == (0.0, 0.0)


def test_one_row_per_student_and_nothing_else(course):
    assert sorted(course.rows) == sorted(student_id(k) for k in FIXTURES)
    assert all(r["assignment"] == ASSIGNMENT and r["timestamp"] for r in course.rows.values())


def test_students_files_are_graded_never_the_instructors(course):
    for kind in FIXTURES:
        submitted, autograded = course.path("submitted", kind) / "mml", course.path("autograded", kind) / "mml"
        theirs = sorted(p.relative_to(submitted) for p in submitted.rglob("*.py"))
        graded = sorted(p.relative_to(autograded) for p in autograded.rglob("*.py"))
        assert graded == theirs, f"{kind}: autograde changed the set of mml files"
        for rel in theirs:
            assert (autograded / rel).read_bytes() == (submitted / rel).read_bytes(), f"{kind}: {rel} replaced"
    assert not (course.path("autograded", "missing_rnn_layers") / "mml" / "rnn_layers.py").exists()


def test_a_missing_file_never_imports_the_reference(course):
    setup = next(c for c in autograded_cells(course, "missing_rnn_layers", "RNN_Captioning")
                 if c["cell_type"] == "code")
    assert "ModuleNotFoundError" in error_names(setup), setup.get("outputs")


def test_kernel_tricks_cannot_raise_the_grade(course):
    """The tampered notebook bends the kernel's helpers; the judge's verdict is each test cell's outcome."""
    cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in autograded_cells(course, "tampered", "RNN_Captioning")
             if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c["cell_type"] == "code"}
    assert not any("all good" in "".join(c["source"]) for c in cells.values()), "edited test cells were not restored"
    (error,) = [o for o in cells["test-rnn-step-forward"]["outputs"] if o["output_type"] == "error"]
    assert error["evalue"].startswith("[rnn_step_forward] 未通过 / failed: 期望：")
    assert "expected: next_h to match the reference" in error["evalue"]
    passed = cells["test-word-embedding-forward"]["outputs"]
    assert [o["output_type"] for o in passed] == ["stream"]
    assert "".join(passed[0]["text"]).startswith("[word_embedding_forward] 通过 / passed: ")
    assert float(course.rows["tampered"]["score"]) < float(course.rows["reference"]["score"])


def test_a_deleted_test_cell_is_put_back_and_judged(course):
    cells = autograded_cells(course, "deleted_test_cell", "RNN_Captioning")
    (restored,) = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test-rnn-backward"]
    assert "此测试单元在提交中被删除" in "".join(restored["source"])
    (error,) = restored["outputs"]
    assert error["evalue"].startswith("[rnn_backward] 未通过 / failed: ")


def test_plain_nbgrader_autograde_gives_the_same_scores(course):
    """`nbgrader autograde` as a TA types it at the repository root (the root
    nbgrader_config.py; what the formgrader's Autograde button runs), pointed at
    this course, scores the tampered submission as grade.py did."""
    student = student_id("tampered")
    grading = course.root / "autograder"
    plain_db = grading / "plain-gradebook.db"
    shutil.copyfile(grading / "gradebook.db", plain_db)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MML_", "NBGRADER"))}
    run([NBGRADER, "autograde", ASSIGNMENT, f"--student={student}", "--force",
         f"--CourseDirectory.root={course.root}", f"--CourseDirectory.source_directory={ROOT / 'source_assignments'}",
         f"--CourseDirectory.db_url=sqlite:///{plain_db}",
         f"--CourseDirectory.autograded_directory={grading / 'plain-autograded'}",
         f"--Exchange.root={course.exchange}", f"--Execute.timeout={CELL_TIMEOUT}"], cwd=ROOT, env=env, timeout=1800)

    def cell_scores(db):
        with Gradebook(f"sqlite:///{db}", COURSE) as gb:
            return {(nb.name, g.name): g.score for nb in gb.find_submission(ASSIGNMENT, student).notebooks
                    for g in nb.grades}

    plain, graded = cell_scores(plain_db), cell_scores(grading / "gradebook.db")
    assert plain == graded
    assert plain[("RNN_Captioning", "test-rnn-step-forward")] == 0.0
    assert plain[("RNN_Captioning", "test-word-embedding-forward")] == 5.0


def test_crashes_hangs_and_hogs_stay_in_their_cells(course):
    def errors_in(kind, notebook):
        return {e for c in autograded_cells(course, kind, notebook) for e in error_names(c)}

    assert "DeadKernelError" in errors_in("os_exit", "RNN_Captioning")
    assert errors_in("infinite_loop", "RNN_Captioning") & {"CellTimeoutError", "KeyboardInterrupt"}
    assert "MemoryError" in errors_in("huge_memory", "LSTM_Captioning")


def visible_text(html_path):
    """What a student reads in a feedback page: tags (syntax highlighting) removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_path.read_text(encoding="utf-8")))


def test_feedback_shows_each_test_but_no_hidden_test(course):
    tests, _ = source_test_cells()
    for kind in FIXTURES:
        for notebook, cells in tests.items():
            text = visible_text(course.path("feedback", kind) / f"{notebook}.html")
            present = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                       for c in autograded_cells(course, kind, notebook)}
            for grade_id, points, _ in cells:  # a cell the student deleted is scored, not shown
                if grade_id in present:
                    assert f"测试 {grade_id}：得分" in text and f"Test {grade_id}: " in text, (kind, grade_id)
            assert "HIDDEN TESTS" not in text, f"{kind}/{notebook}: a hidden-test marker is in the feedback"
            assert "from mml_judge import check" not in text and not CHECK_CALL.search(text), \
                f"{kind}/{notebook}: a hidden test's source is in the feedback"
    partly = visible_text(course.path("feedback", "partly_correct") / "RNN_Captioning.html")
    assert "未通过 / failed" in partly and "通过 / passed" in partly


def test_grading_twice_gives_the_same_csv(course):
    course.grade("autograde", "--student", student_id("partly_correct"))
    course.grade("export")
    assert (course.root / "autograder" / "grades.csv").read_bytes() == course.csv_bytes


ARTIFACTS = Path(os.environ.get("AUTOGRADER_ARTIFACTS_DIR", "/tmp/artifacts/autograder"))


def test_feedback_in_a_browser_offline_math_and_judge_reasons(course, chromium):
    """Each page as a student opens it from disk, every request but file:// refused:
    MathJax (inside the page) typesets the math, the judge's reasons show, no hidden test."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    refused = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        refused.append(route.request.url)
        return route.abort()

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.route("**/*", only_files)
        for kind, notebook, reason in [
                ("tampered", "RNN_Captioning", "[rnn_step_forward] 未通过 / failed: 期望："),
                ("deleted_test_cell", "RNN_Captioning", "[rnn_backward] 未通过 / failed: 期望："),
                ("nans", "LSTM_Captioning", "[lstm_forward] 未通过 / failed: 期望：")]:
            page.goto((course.path("feedback", kind) / f"{notebook}.html").as_uri())
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=60_000)
            page.evaluate("MathJax.startup.promise")
            text = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / f"feedback-{kind}-{notebook}.png"), full_page=False)
            assert page.locator("mjx-container").count() > 10, f"{kind}/{notebook}: math not typeset"
            assert "$$" not in text and not re.search(r"\$[^$\n]{1,60}\$", text), \
                f"{kind}/{notebook}: raw TeX left in the page"
            assert reason in text and "expected: " in text, f"{kind}/{notebook}: the judge's reason is missing"
            assert "HIDDEN TESTS" not in text and not CHECK_CALL.search(text), f"{kind}/{notebook}: hidden test"
    finally:
        context.close()
    assert refused == [], f"the feedback pages asked the network for {refused[:3]}"
