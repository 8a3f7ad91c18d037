"""The course on a real JupyterHub, driven in chromium as its users do it.

The teaching assistant releases the assignment from the formgrader; two
students log in, fetch it from the Assignments tab, put their solution into
mml/ (one correct, copied from the reference; one whose sample() picks the
least likely word), run the notebook, validate and submit from the tab (the
correct one twice: the newest is collected; the other first with a checkpoint
over nbgrader's size limit left in the folder: refused with a clear reason); the
TA collects, autogrades and grades the written answers by hand in the
formgrader, generates and releases the feedback; each student fetches their own
feedback; the exported CSV holds the expected scores. A screenshot of every
step goes to _build/hub-screenshots/ (printed at the end of the run).
"""
import csv
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The accounts tests/hub/conftest.py creates.
TA, STUDENTS = "mmlta", ("mmlstu1", "mmlstu2")
pytestmark = pytest.mark.xdist_group(name="hub")

ASSIGNMENT = "rnn_captioning"
NOTEBOOK = "RNN_Captioning"
# Generous: the machine runs other tests at the same time.
STEP_TIMEOUT_MS = 180_000
RUN_TIMEOUT_S = 900
GOOD, WRONG = STUDENTS
# Points of the RNN notebook: 90 autograded, two written answers of 5.
WRITTEN_ANSWERS = {"a-word-vs-char": 5, "a-train-vs-val": 5}
MANUAL_SCORES = {GOOD: {"a-word-vs-char": 5, "a-train-vs-val": 5},
                 WRONG: {"a-word-vs-char": 2, "a-train-vs-val": 3}}


class Shots:
    """Numbered screenshots, one per step."""

    def __init__(self, folder):
        self.folder, self.count = folder, 0

    def __call__(self, page, name):
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def log_in(browser, hub, user):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=STEP_TIMEOUT_MS)
    page.wait_for_selector("#jp-main-dock-panel .lm-TabBar-tab")
    return page


def open_assignments_tab(page):
    page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Nbgrader")').click()
    page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
    page.wait_for_selector("#released_assignments_list")


def assignment_rows(page, name, count):
    """The rows of one list of the Assignments tab (released, fetched, submitted), once loaded."""
    for state in ("loading", "placeholder", "error"):
        page.locator(f"#{name}_assignments_list_{state}").wait_for(state="hidden")
    rows = page.locator(f"#{name}_assignments_list > .list_item")
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while rows.count() != count:
        assert time.monotonic() < deadline, f"{name} list: {rows.count()} rows, expected {count}"
        time.sleep(0.3)
    return rows


def close_dialog(page, kind):
    dialog = page.locator(f".nbgrader-{kind}Dialog")
    dialog.wait_for(timeout=STEP_TIMEOUT_MS)
    text = dialog.inner_text()
    dialog.locator("button.jp-Dialog-button").first.click()
    dialog.wait_for(state="detached")
    return text


def put_solution(hub, user, wrong):
    """The reference of every mml/ file the release ships with stubs (YOUR CODE
    HERE), into the student's fetched assignment: what a student who solved it
    has. wrong=True breaks sample(): it picks the least likely word."""
    target = hub.home(user) / ASSIGNMENT / "mml"
    stubs = [path for path in target.rglob("*.py") if "YOUR CODE HERE" in path.read_text()]
    assert stubs, f"no stub in {target}"
    for stub in stubs:
        rel = stub.relative_to(target)
        text = (ROOT / "mml" / rel).read_text()
        if wrong and rel.as_posix() == "classifiers/rnn.py":
            broken = text.replace("word = scores.argmax(axis=1)", "word = scores.argmin(axis=1)")
            assert broken != text, "the reference sample() changed; update the wrong solution"
            text = broken
        stub.write_text(text)
    subprocess.run(["chown", "-R", f"{user}:{user}", str(target)], check=True)


def notebook_panel(page):
    return ".jp-NotebookPanel:not(.lm-mod-hidden)"


def find_cell(page, selector):
    """The first cell matching selector, scrolling through the notebook: JupyterLab
    renders only the cells near the visible part of a long notebook."""
    scroll = (f"() => {{ const o = document.querySelector('{notebook_panel(page)} .jp-WindowedPanel-outer');"
              " const top = o.scrollTop; o.scrollTop += 400; if (o.scrollTop === top) o.scrollTop = 0; }")
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while not page.locator(selector).count():
        assert time.monotonic() < deadline, f"no cell {selector} in the notebook"
        page.evaluate(scroll)
        page.wait_for_timeout(150)
    cell = page.locator(selector).first
    cell.scroll_into_view_if_needed()
    return cell


def answer_written_questions(page, answers):
    """Type each answer into the next written-answer cell ("YOUR ANSWER HERE")."""
    for answer in answers:
        cell = find_cell(page, '.jp-MarkdownCell:has-text("YOUR ANSWER HERE")')
        cell.dblclick()
        editor = cell.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(answer)
        page.keyboard.press("Shift+Enter")


def save_notebook(page):
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")


def run_notebook(page, hub, user, answers):
    """Open the notebook in JupyterLab, answer the written questions, run every
    cell (Run > Run All Cells), save; the saved notebook and the run's seconds."""
    page.goto(f"{hub.url}/user/{user}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached")
    answer_written_questions(page, answers)
    page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text("Run")').click()
    page.locator('li[data-command="runmenu:run-all"]').click()
    started = time.monotonic()
    running = "() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    page.wait_for_function(running)
    page.wait_for_function(f"() => !({running})()", timeout=RUN_TIMEOUT_S * 1000)
    seconds = time.monotonic() - started
    save_notebook(page)
    saved = json.loads((hub.home(user) / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    return saved, seconds


def validate(page, notebook):
    """Validate one notebook from the Assignments tab; the dialog's kind and text."""
    open_assignments_tab(page)
    link = page.locator("#fetched_assignments_list a.assignment-notebooks-link")
    if link.get_attribute("aria-expanded") != "true":
        link.click()
    row = page.locator(f"#fetched_assignments_list .list_item:has-text('{notebook}')").last
    row.locator('button:text("Validate")').click()
    dialog = page.locator(".nbgrader-SuccessDialog, .nbgrader-ErrorDialog")
    dialog.wait_for(timeout=RUN_TIMEOUT_S * 1000)
    kind = "Success" if page.locator(".nbgrader-SuccessDialog").count() else "Error"
    return kind, dialog.inner_text()


def inbound(hub, user):
    return sorted((hub.exchange / "mml-rnn-captioning" / "inbound").glob(f"{user}+{ASSIGNMENT}+*"))


def wait_for(condition, what):
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.3)


def submit_over_the_size_limit(page, hub, user, shot):
    """A checkpoint left in the assignment folder (120 MB, sparse): Submit in the tab
    is refused with the course's one-line reason; nothing reaches the exchange."""
    big = hub.home(user) / ASSIGNMENT / "checkpoint.npz"
    with open(big, "wb") as fh:
        fh.truncate(120 * 1000 * 1000)
    shutil.chown(big, user, user)
    assignment_rows(page, "fetched", 1).first.locator('.item_status button:text("Submit")').click()
    message = page.locator("#submission-message")
    message.wait_for()
    text = message.inner_text()
    shot(page, f"{user}-submit-refused-over-the-size-limit")
    # nbgrader's tab shows the traceback; its last line is the course's message
    line = [line for line in text.splitlines() if line.strip()][-1]
    assert "超过提交上限 100 MB" in line and "checkpoint.npz (120.0 MB)" in line, text[-2000:]
    assert "over the 100 MB submission limit" in line and "then submit again" in line, line
    page.locator(".jp-Dialog button.jp-Dialog-button").first.click()
    message.wait_for(state="detached")
    assert inbound(hub, user) == []
    big.unlink()


def errors_of(notebook):
    """{grade_id or cell index: error name} of the cells that raised."""
    found = {}
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found[cell["metadata"].get("nbgrader", {}).get("grade_id", index)] = output["ename"]
    return found


def formgrader(page, hub, path):
    page.goto(f"{hub.url}/user/{TA}/formgrader/{path}")
    page.wait_for_load_state("networkidle")


def click_and_confirm(page, selector, timeout_ms=STEP_TIMEOUT_MS):
    """Click a formgrader action and wait for its success dialog (the log on failure)."""
    page.locator(selector).click()
    page.wait_for_selector("#success-modal, #error-modal", timeout=timeout_ms)
    if page.locator("#error-modal").count():
        raise AssertionError(f"{selector}: {page.locator('#error-modal').inner_text()[-4000:]}")
    text = page.locator("#success-modal").inner_text()
    page.locator("#success-modal .modal-footer button").click()
    page.locator("#success-modal").wait_for(state="detached")
    return text


def test_release_fetch_run_submit_grade_feedback(hub, chromium, screenshots):
    shot = Shots(screenshots)
    pages = {}
    started = time.monotonic()
    try:
        timings = classroom(hub, chromium, shot, pages)
    except Exception as err:
        for user, page in pages.items():
            try:
                shot(page, f"failure-{user}")
            except Exception:  # a page that is gone has nothing to show
                pass
        raise AssertionError(f"{err}\nscreenshots: {screenshots}\nhub log ({hub.log}), last lines:\n"
                             f"{hub.log.read_text()[-3000:]}") from err
    timings["total"] = time.monotonic() - started
    (screenshots / "timings.json").write_text(json.dumps({k: round(v, 1) for k, v in timings.items()}, indent=1))
    # Shown in the test report's warnings summary (a passing test prints nothing else).
    warnings.warn(HubReport(f"screenshots of every step in {screenshots}; seconds: "
                            + ", ".join(f"{k} {v:.0f}" for k, v in timings.items())))


class HubReport(UserWarning):
    """Where the hub test's screenshots are and how long its steps took."""


def classroom(hub, browser, shot, pages):
    """The whole flow; the seconds of its slow steps."""
    timings = {}

    # The instructor records the assignment in the gradebook (command line) and
    # releases the student version from the formgrader.
    hub.run_as(TA, ["nbgrader", "generate_assignment", ASSIGNMENT, "--force",
                    "--CourseDirectory.release_directory=autograder/work/generated"], cwd=hub.course)
    ta = pages[TA] = log_in(browser, hub, TA)
    formgrader(ta, hub, "manage_assignments")
    row = ta.locator(f"#main-table tr:has-text('{ASSIGNMENT}')")
    shot(ta, "ta-formgrader-before-release")
    click_and_confirm(ta, f"#main-table tr:has-text('{ASSIGNMENT}') td.release a")
    row.locator("td.status:has-text('released')").wait_for()
    shot(ta, "ta-released")
    assert (hub.exchange / "mml-rnn-captioning" / "outbound" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()

    # Two students fetch, solve, run, validate and submit.
    students = {}
    for user in STUDENTS:
        page = students[user] = pages[user] = log_in(browser, hub, user)
        open_assignments_tab(page)
        rows = assignment_rows(page, "released", 1)
        assert rows.first.locator(".item_name").inner_text() == ASSIGNMENT
        shot(page, f"{user}-released")
        rows.first.locator(".item_status button").click()
        assignment_rows(page, "fetched", 1)
        shot(page, f"{user}-fetched")
        assert (hub.home(user) / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
        put_solution(hub, user, wrong=user == WRONG)

        answers = [f"{user} a{i}: 词级模型 / a word-level model" for i in range(len(WRITTEN_ANSWERS))]
        saved, timings[f"run {user}"] = run_notebook(page, hub, user, answers)
        shot(page, f"{user}-notebook-run")
        errors = errors_of(saved)
        if user == GOOD:
            assert errors == {}, f"{user}: the correct solution raised in {errors}"
        else:
            assert list(errors) == ["test-captioning-rnn-sample"], f"{user}: errors {errors}"
        assert not list((hub.home(user) / ASSIGNMENT).rglob("*.h5")), "data written into the assignment"

        started_validate = time.monotonic()
        kind, text = validate(page, NOTEBOOK)
        timings[f"validate {user}"] = time.monotonic() - started_validate
        shot(page, f"{user}-validated")
        close_dialog(page, kind)
        if user == GOOD:
            assert kind == "Success" and "passes all the tests" in text, text[:2000]
        else:
            assert kind == "Error" and "sample" in text, text[:2000]

        if user == WRONG:
            submit_over_the_size_limit(page, hub, user, shot)
        # The correct student submits twice (nbgrader collects the newest).
        for count in range(1, 3 if user == GOOD else 2):
            rows = assignment_rows(page, "fetched", 1)
            rows.first.locator('.item_status button:text("Submit")').click()
            wait_for(lambda: len(inbound(hub, user)) == count, f"{user}: submission {count} in the exchange")
        shot(page, f"{user}-submitted")

    # The TA collects, autogrades each submission, grades the written answers.
    formgrader(ta, hub, "manage_assignments")
    click_and_confirm(ta, f"#main-table tr:has-text('{ASSIGNMENT}') td.collect a")
    shot(ta, "ta-collected")
    newest = inbound(hub, GOOD)[-1].name.split("+")[2]
    collected = (hub.course / "autograder" / "submitted" / GOOD / ASSIGNMENT / "timestamp.txt").read_text()
    assert collected.strip() == newest.strip(), (collected, newest)
    formgrader(ta, hub, f"manage_submissions/{ASSIGNMENT}")
    for user in STUDENTS:
        started_autograde = time.monotonic()
        click_and_confirm(ta, f"#main-table tr:has-text('{user}') td.autograde a", timeout_ms=RUN_TIMEOUT_S * 1000)
        timings[f"autograde {user}"] = time.monotonic() - started_autograde
    formgrader(ta, hub, f"manage_submissions/{ASSIGNMENT}")
    ta.locator("#main-table tr:has-text('needs manual grading')").nth(1).wait_for()
    shot(ta, "ta-autograded")

    for user in STUDENTS:
        formgrader(ta, hub, f"gradebook/{ASSIGNMENT}/{NOTEBOOK}")
        link = ta.locator(f"#main-table tr:has-text('{user}') a.name-shown")
        ta.goto(hub.url + link.get_attribute("href"))
        ta.wait_for_load_state("networkidle")
        for grade_id, points in MANUAL_SCORES[user].items():
            box = ta.locator(f"input.score#{grade_id}")
            box.scroll_into_view_if_needed()
            box.fill(str(points))
            box.press("Tab")
        ta.wait_for_load_state("networkidle")
        shot(ta, f"ta-manual-grade-{user}")
    formgrader(ta, hub, f"gradebook/{ASSIGNMENT}/{NOTEBOOK}")
    for user in STUDENTS:
        written = sum(MANUAL_SCORES[user].values())
        ta.locator(f"#main-table tr:has-text('{user}') td:text-is('{written} / {sum(WRITTEN_ANSWERS.values())}')"
                   ).wait_for()
    shot(ta, "ta-gradebook")

    formgrader(ta, hub, "manage_assignments")
    click_and_confirm(ta, f"#main-table tr:has-text('{ASSIGNMENT}') td.generate-feedback a",
                      timeout_ms=RUN_TIMEOUT_S * 1000)
    click_and_confirm(ta, f"#main-table tr:has-text('{ASSIGNMENT}') td.release-feedback a")
    shot(ta, "ta-feedback-released")

    # Each student fetches the feedback and sees their own.
    for user in STUDENTS:
        page = students[user]
        open_assignments_tab(page)
        page.locator("#refresh_assignments_list").click()
        rows = assignment_rows(page, "submitted", 1)
        rows.first.locator('button:text("Fetch Feedback")').click()
        page.locator("#submitted_assignments_list :text('view feedback')").first.wait_for()
        shot(page, f"{user}-feedback-fetched")
        feedback = sorted((hub.home(user) / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK}.html"))
        assert len(feedback) == 1, feedback
        rel = urllib.parse.quote(feedback[0].relative_to(hub.home(user)).as_posix())
        page.goto(f"{hub.url}/user/{user}/files/{rel}")
        page.wait_for_load_state("networkidle")
        shot(page, f"{user}-feedback")
        text = page.locator("body").inner_text()
        other = WRONG if user == GOOD else GOOD
        assert f"{user} a0" in text and f"{other} a0" not in text, "the feedback shows another student's answer"
        total = 100.0 if user == GOOD else 85.0
        assert f"{NOTEBOOK} (Score: {total} / 100.0)" in text, text[:1500]
        assert "BEGIN HIDDEN TESTS" not in feedback[0].read_text(), "hidden tests in the feedback"

    # The CSV holds the expected scores.
    out = hub.course / "autograder" / "grades.csv"
    hub.run_as(TA, ["nbgrader", "export", f"--to={out}"], cwd=hub.course)
    with open(out) as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(STUDENTS), rows
    shutil.copy(out, shot.folder / "grades.csv")

    # The correct solution: every autograded point and both written answers;
    # the LSTM notebook (extra credit, not run by the students) is autograded
    # all the same. The wrong sample() loses the RNN and the LSTM sample checks.
    expected = {GOOD: (100.0, 60.0), WRONG: (90.0 - 10.0 + 5.0, 60.0 - 5.0)}
    for user, (score, extra) in expected.items():
        row = rows[user]
        assert (float(row["score"]), float(row["max_score"])) == (score, 100.0), row
        assert (float(row["extra_credit"]), float(row["extra_credit_max"])) == (extra, 65.0), row
    return timings
