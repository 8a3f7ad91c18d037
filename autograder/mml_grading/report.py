"""The class report: what the class got right and wrong, on one offline page.

    python autograder/grade.py report      (also the last step of `make grade`)

Reads the course gradebook (scores, test cells, manual grading, flags) and
the judge's verdicts that autograding saved next to each autograded
submission, and writes into autograder/reports/<assignment>/ (ignored by git,
never part of the release, the book or feedback):

- class_report.html: one self-contained bilingual page (plots embedded as
  PNG): score distributions of the required part and the extra credit; pass
  rate per test cell, most failed first; per check, how many students hit each
  diagnosis with one anonymised example message; the class's top mistakes,
  each linked to the book section that explains the idea; flagged submissions
  and cells that need manual grading;
- class_report.csv: the per-test and per-mistake table for spreadsheets.

A diagnosis is the judge's name for what went wrong: for a failed check whose
outputs reproduce a classic mistake (verdict status "mistake") it is the
mistake's idea key (``bptt_carry``, ``mask``, ...), else the status of the
failure (``wrong``, ``error``, ``timeout``, ...). Student text inside a verdict
(an exception message) is treated as untrusted: escaped, shortened, and names
and paths removed from the example shown.
"""
import base64
import csv
import html
import io
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import (Assignment, Gradebook, Grade, GradeCell, Notebook, SolutionCell,
                          SubmittedAssignment, SubmittedNotebook)

from .settings import AUTOGRADER, COURSE_ID, ROOT

VERDICTS_FILE = "judge_verdicts.json"
BOOK_HTML = ROOT / "_build" / "html"
# Largest verdicts file read (a file written by trusted code; larger means something is wrong).
MAX_VERDICTS_BYTES = 4 << 20
EXAMPLE_CHARS = 400

# Where the book explains each idea of the judge (mml_judge.messages.IDEAS):
# (chapter file under book/, heading as written there). tests/reports checks
# every key of IDEAS has a row and every heading exists in the book.
BOOK_SECTIONS = {
    "rnn_step_forward": ("rnn_step", "一个时间步 · One timestep"),
    "rnn_step_backward": ("rnn_step", "一个时间步 · One timestep"),
    "rnn_forward": ("rnn_step", "按时间展开 · Unrolled over time"),
    "bptt_carry": ("rnn_step", "随时间反向传播 · Backpropagation through time"),
    "bptt_dh0": ("rnn_step", "随时间反向传播 · Backpropagation through time"),
    "bptt": ("rnn_step", "随时间反向传播 · Backpropagation through time"),
    "embedding_forward": ("word_embedding", "查表 · A table lookup"),
    "embedding_repeats": ("word_embedding", "梯度按单词累加 · The gradient adds up per word"),
    "embedding_backward": ("word_embedding", "梯度按单词累加 · The gradient adds up per word"),
    "model_loss": ("captioning_model", "五个步骤 · Five steps"),
    "mask": ("temporal_affine_softmax", "填充与掩码 · Padding and the mask"),
    "sample": ("sampling", "逐步采样 · Step by step"),
    "sample_indices": ("sampling", "逐步采样 · Step by step"),
    "sample_update": ("sampling", "逐步采样 · Step by step"),
    "sample_start": ("sampling", "逐步采样 · Step by step"),
    "sample_positions": ("sampling", "逐步采样 · Step by step"),
    "special_indices": ("temporal_affine_softmax", "填充与掩码 · Padding and the mask"),
    "dtype": ("captioning_model", "参数 · Parameters"),
    "lstm_step_forward": ("lstm", "门 · The gates"),
    "lstm_cell_path": ("lstm", "梯度为什么走得更远 · Why the gradient travels further"),
    "lstm_step_backward": ("lstm", "门 · The gates"),
    "lstm_forward": ("lstm", "门 · The gates"),
    "lstm_bptt": ("lstm", "梯度为什么走得更远 · Why the gradient travels further"),
    "overfit": ("training", "先在小数据上过拟合 · Overfit a small dataset first"),
}

# Diagnoses that are not a named mistake: the status of the failed check.
STATUS_LABELS = {
    "wrong": ("结果错误（不是已知的典型错误）", "wrong result (not one of the classic mistakes)"),
    "error": ("学生代码抛出异常", "the student code raised an exception"),
    "import": ("无法导入学生的 mml", "the student's mml cannot be imported"),
    "timeout": ("超时（时间上限）", "timed out (time limit)"),
    "crash": ("进程崩溃或超出资源上限", "crashed or went over a resource limit"),
    "exit": ("进程提前退出", "the process ended early"),
    "unknown": ("未说明的失败", "a failure without a status"),
}
# Statuses that flag a submission for the teaching assistant (sandbox limits hit).
FLAG_STATUSES = {"timeout", "crash", "exit"}


def book_link(idea, report_dir):
    """(relative href into the built book, section title) for an idea key, or None."""
    if idea not in BOOK_SECTIONS:
        return None
    from docutils.nodes import make_id  # the anchor Sphinx gives a section heading

    page, heading = BOOK_SECTIONS[idea]
    target = BOOK_HTML / "book" / f"{page}.html"
    href = Path(os.path.relpath(target, report_dir)).as_posix() + "#" + make_id(heading)
    return href, heading


def idea_text(idea):
    from mml_judge.messages import IDEAS

    return IDEAS.get(idea, (idea, idea))


def diagnosis(verdict):
    """The diagnosis id of one failed verdict dict (see the module docstring)."""
    status = verdict.get("status")
    idea = verdict.get("idea")
    if idea and status in (None, "mistake"):
        return str(idea)
    return str(status) if status in STATUS_LABELS else "unknown"


def hit_limit(verdict):
    """True when a failed check ran into a sandbox limit (time, memory, CPU, file size, exit)."""
    if verdict.get("passed"):
        return False
    status = verdict.get("status")
    return status in FLAG_STATUSES or (status == "error" and "MiB limit" in str(verdict.get("message", "")))


def diagnosis_label(diag):
    if diag in STATUS_LABELS:
        return STATUS_LABELS[diag]
    return idea_text(diag)


# --- reading ------------------------------------------------------------------

@dataclass
class TestCell:
    notebook: str
    name: str
    points: float
    checks: list
    passed: set = field(default_factory=set)    # students with full points
    failed: set = field(default_factory=set)


@dataclass
class ClassData:
    assignment: str
    students: list                      # with a submission, sorted
    extra_notebooks: set
    required: dict                      # student -> required score
    extra: dict                         # student -> extra-credit score
    max_required: float
    max_extra: float
    tests: list                         # TestCell, in notebook order
    manual: dict                        # (notebook, cell) -> students needing manual grading
    flags: dict                         # student -> [(notebook, reason zh, reason en)]
    verdicts: dict                      # student -> {notebook: [verdict dict]}

    @property
    def checks_judged(self):
        """{check: (notebook, students judged)} in the judge's order."""
        from mml_judge.table import CHECKS

        seen = defaultdict(set)
        where = {}
        for student, books in self.verdicts.items():
            for notebook, found in books.items():
                for v in found:
                    seen[v["name"]].add(student)
                    where.setdefault(v["name"], notebook)
        order = [c.name for c in CHECKS] + sorted(set(seen) - {c.name for c in CHECKS})
        return {name: (where[name], seen[name]) for name in order if name in seen}


def extra_credit_notebooks():
    """The notebooks the course counts as extra credit (autograder/nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(AUTOGRADER)).load_config()
    return set(config.CourseCsvExport.extra_credit_notebooks)


def verdicts_path(course_root, assignment, student, notebook):
    """Where autograding saves the judge's verdicts of one submitted notebook:
    autograder/work/verdicts/<assignment>/<student>/<notebook>.json in the course
    folder. Not in autograded/, where nbgrader copies every submitted file."""
    return Path(course_root) / "autograder" / "work" / "verdicts" / assignment / student / f"{notebook}.json"


def save_verdicts(course_root, assignment, student, notebook, verdicts, error=None):
    """Save one notebook's verdicts ({name: Verdict} or [Verdict]) for the class report;
    error: the judge's own failure (one line), when it did not judge."""
    found = list(verdicts.values()) if isinstance(verdicts, dict) else list(verdicts)
    path = verdicts_path(course_root, assignment, student, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"student": student, "assignment": assignment, "notebook": notebook,
              "judge_ok": error is None, "error": error,
              "verdicts": [v.as_dict() if hasattr(v, "as_dict") else dict(v) for v in found]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def read_verdicts(path):
    """{"judge_ok": bool, "error": str|None, "verdicts": [dict]} from a verdicts file;
    None when there is none; ValueError when it cannot be read."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return None
    if path.stat().st_size > MAX_VERDICTS_BYTES:
        raise ValueError(f"{path}: larger than {MAX_VERDICTS_BYTES} bytes")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("verdicts"), list):
        raise ValueError(f"{path}: no 'verdicts' list")
    found = [v for v in data["verdicts"] if isinstance(v, dict) and isinstance(v.get("name"), str)]
    return {"judge_ok": bool(data.get("judge_ok", True)), "error": data.get("error"), "verdicts": found}


def load_class(settings, assignment):
    """Everything the report shows, read from the gradebook and the verdicts files."""
    if not settings.db_path.is_file():  # opening it would create an empty gradebook
        raise SystemExit(f"{settings.db_path}: no gradebook; fix: grade first (`python autograder/grade.py "
                         "autograde`) or pass --course-root")
    extra_books = extra_credit_notebooks()
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        db = gb.db
        notebooks = [n for (n,) in db.query(Notebook.name).join(Assignment)
                     .filter(Assignment.name == assignment).order_by(Notebook.id)]
        if not notebooks:
            raise SystemExit(f"assignment {assignment!r} is not in {settings.db_path}; fix: check "
                             "--assignment, or run `python autograder/grade.py autograde` first")
        solution_cells = {(nb, c) for nb, c in db.query(Notebook.name, SolutionCell.name)
                          .join(Notebook, SolutionCell.notebook_id == Notebook.id).join(Assignment)
                          .filter(Assignment.name == assignment)}
        cells = db.query(Notebook.name, GradeCell.name, GradeCell.cell_type, GradeCell.max_score) \
            .join(Notebook, GradeCell.notebook_id == Notebook.id).join(Assignment) \
            .filter(Assignment.name == assignment).order_by(Notebook.id, GradeCell.id).all()
        students = sorted(s for (s,) in db.query(SubmittedAssignment.student_id).join(Assignment)
                          .filter(Assignment.name == assignment))
        grades = db.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name, Grade.score,
                          Grade.needs_manual_grade) \
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id) \
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id) \
            .join(GradeCell, Grade.cell_id == GradeCell.id) \
            .join(Notebook, GradeCell.notebook_id == Notebook.id).join(Assignment, Notebook.assignment_id == Assignment.id) \
            .filter(Assignment.name == assignment).all()
        flagged = db.query(SubmittedAssignment.student_id, Notebook.name) \
            .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id) \
            .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id) \
            .join(Assignment, Notebook.assignment_id == Assignment.id) \
            .filter(Assignment.name == assignment, SubmittedNotebook.flagged.is_(True)).all()

    from mml_judge.table import checks_for_cell

    max_points = {}
    tests = {}
    for notebook, cell, cell_type, points in cells:
        max_points[(notebook, cell)] = float(points or 0)
        if cell_type == "code" and (notebook, cell) not in solution_cells:
            tests[(notebook, cell)] = TestCell(notebook, cell, float(points or 0), checks_for_cell(cell))
    required = dict.fromkeys(students, 0.0)
    extra = dict.fromkeys(students, 0.0)
    manual = defaultdict(set)
    for student, notebook, cell, score, needs_manual in grades:
        score = float(score or 0)
        (extra if notebook in extra_books else required)[student] += score
        if needs_manual:
            manual[(notebook, cell)].add(student)
        test = tests.get((notebook, cell))
        if test is not None:
            (test.passed if score >= test.points - 1e-9 else test.failed).add(student)
    max_required = sum(p for (nb, _), p in max_points.items() if nb not in extra_books)
    max_extra = sum(p for (nb, _), p in max_points.items() if nb in extra_books)

    flags = defaultdict(list)
    for student, notebook in flagged:
        flags[student].append((notebook, "成绩簿中已标记", "flagged in the gradebook"))
    judged_notebooks = {t.notebook for t in tests.values() if t.checks}  # the others have no verdicts
    verdicts = {}
    for student in students:
        verdicts[student] = {}
        for notebook in notebooks:
            try:
                entry = read_verdicts(verdicts_path(settings.course_root, assignment, student, notebook))
            except (ValueError, OSError) as err:
                flags[student].append((notebook, "评判结果无法读取", f"judge verdicts unreadable ({type(err).__name__})"))
                continue
            if entry is None:
                if notebook in judged_notebooks:
                    flags[student].append((notebook, "没有评判结果（评分未完成？）",
                                           "no judge verdicts (grading did not finish?)"))
                continue
            if not entry["judge_ok"]:
                flags[student].append((notebook, "评分器本身失败", "the judge itself failed"))
            verdicts[student][notebook] = entry["verdicts"]
            limited = sorted({v["name"] for v in entry["verdicts"] if hit_limit(v)})
            if limited:
                flags[student].append((notebook, "触及沙箱限制（时间、内存、崩溃或提前退出）：" + ", ".join(limited),
                                       "sandbox limit hit (time, memory, crash or early exit): " + ", ".join(limited)))
    return ClassData(assignment, students, extra_books, required, extra, max_required, max_extra,
                     list(tests.values()), dict(manual), dict(flags), verdicts)


# --- the analysis -------------------------------------------------------------

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[^\s/:'\"()\[\]<>]+)+/")


class Anonymiser:
    """One example message without student ids or folder paths, shortened
    (one pattern for the whole class; each distinct message done once)."""

    def __init__(self, students):
        ids = sorted((s for s in students if len(s) >= 2), key=len, reverse=True)
        self.ids = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w-])",
                              re.IGNORECASE) if ids else None
        self.done = {}

    def __call__(self, message):
        message = str(message)
        if message not in self.done:
            text = _PATH.sub("", message)
            if self.ids is not None:
                text = self.ids.sub("<student>", text)
            text = " ".join(text.split())
            self.done[message] = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…"
        return self.done[message]


def mistakes_by_check(data):
    """{check: (notebook, students judged, [(diagnosis, students with it, example)])},
    diagnoses most frequent first."""
    table = {}
    anonymise = Anonymiser(data.students)
    for check, (notebook, judged) in data.checks_judged.items():
        hit = defaultdict(set)
        messages = defaultdict(Counter)
        for student in judged:
            for found in data.verdicts[student].values():
                for v in found:
                    if v["name"] == check and not v.get("passed"):
                        diag = diagnosis(v)
                        hit[diag].add(student)
                        messages[diag][anonymise(v.get("message", ""))] += 1
        rows = []
        for diag, who in sorted(hit.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            example = min(messages[diag].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            rows.append((diag, who, example))
        table[check] = (notebook, judged, rows)
    return table


def top_mistakes(data):
    """[(idea, students, checks, named)]: the ideas behind the class's failed checks,
    by the number of students, named mistakes marked; sandbox failures left out."""
    students, checks, named = defaultdict(set), defaultdict(set), set()
    for student, books in data.verdicts.items():
        for found in books.values():
            for v in found:
                if v.get("passed") or not v.get("idea") or v.get("status") in FLAG_STATUSES | {"import"}:
                    continue
                idea = str(v["idea"])
                students[idea].add(student)
                checks[idea].add(v["name"])
                if diagnosis(v) == idea:
                    named.add(idea)
    return sorted(((idea, who, sorted(checks[idea]), idea in named) for idea, who in students.items()),
                  key=lambda row: (-len(row[1]), row[0]))


def tests_most_failed(data):
    return sorted(data.tests, key=lambda t: (-len(t.failed), t.notebook, t.name))


CSV_COLUMNS = ["kind", "notebook", "test_cell", "check", "diagnosis", "points", "students",
               "passed", "failed", "pass_rate"]


def csv_rows(data, by_check):
    for t in tests_most_failed(data):
        n = len(t.passed) + len(t.failed)
        yield {"kind": "test", "notebook": t.notebook, "test_cell": t.name, "check": " ".join(t.checks),
               "diagnosis": "", "points": f"{t.points:g}", "students": n, "passed": len(t.passed),
               "failed": len(t.failed), "pass_rate": f"{len(t.passed) / n:.3f}" if n else ""}
    for check, (notebook, judged, rows) in by_check.items():
        for diag, who, _ in rows:
            yield {"kind": "mistake", "notebook": notebook, "test_cell": "", "check": check, "diagnosis": diag,
                   "points": "", "students": len(judged), "passed": "", "failed": len(who), "pass_rate": ""}


# --- the page -----------------------------------------------------------------

def _png(fig):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _histogram(values, maximum, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    top = maximum if maximum > 0 else 1
    bins = [top * i / 20 for i in range(21)]
    ax.hist([min(max(v, 0), top) for v in values], bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel("分数 / score")
    ax.set_ylabel("学生数 / students")
    ax.set_title(title, fontsize=11)
    return _png(fig)


def _pass_rate_plot(tests):
    import matplotlib.pyplot as plt

    rows = [t for t in tests if t.passed or t.failed]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(rows) + 1.2))
    names = [f"{t.name} ({t.notebook.split('_')[0]})" for t in rows]
    rates = [100 * len(t.passed) / (len(t.passed) + len(t.failed)) for t in rows]
    ax.barh(range(len(rows)), rates, color=["#c44e52" if r < 50 else "#55a868" for r in rates])
    ax.set_yticks(range(len(rows)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("通过率 / pass rate (%)")
    ax.set_title("每个测试单元的通过率（失败最多的在上）· Pass rate per test cell, most failed first", fontsize=10)
    return _png(fig)


def _mistakes_plot(top):
    import matplotlib.pyplot as plt

    rows = top[:12]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    ax.barh(range(len(rows)), [len(r[1]) for r in rows], color="#dd8452")
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("学生数 / students")
    ax.set_title("全班最常见的错误 · The class's top mistakes", fontsize=10)
    return _png(fig)


# The look of both report pages (similarity.py adds its own rules).
PAGE_CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 2em auto; max-width: 75em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; } td.n { text-align: right; }
.note { color: #555; } .zh { display: block; } .en { display: block; color: #444; }
"""
CSS = PAGE_CSS + """
.plot { display: block; max-width: 100%; margin: .5em 0; }
.ex { font-family: monospace; font-size: .85em; max-width: 45em; }
"""


def escape(text):
    return html.escape(str(text), quote=True)


def bilingual(zh, en):
    """Chinese, then English, each escaped (one line each)."""
    return f'<span class="zh">{escape(zh)}</span><span class="en">{escape(en)}</span>'



def _table(head, rows):
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _td(value, numeric=False, raw=False):
    return f'<td class="n">{value}</td>' if numeric else f"<td>{value if raw else escape(value)}</td>"


def _stats(values):
    if not values:
        return "—"
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return f"{sum(values) / len(values):.1f} / {median:.1f}"


def render_html(data, by_check, top, report_dir, csv_name):
    from mml.visualize import use_cjk_font  # the reference package: this process is trusted

    use_cjk_font()
    n = len(data.students)
    parts = [f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>"
             f"<title>班级报告 · Class report: {escape(data.assignment)}</title><style>{CSS}</style></head><body>",
             f"<h1>班级报告 · Class report: {escape(data.assignment)}</h1>",
             "<p class='note'>" + bilingual(
                 f"{n} 份提交。仅供教师和助教使用：含学生数据，不要发布。CSV：{csv_name}",
                 f"{n} submissions. For teachers and teaching assistants only: it holds student data, "
                 f"never publish it. CSV: {csv_name}") + "</p>"]

    parts.append("<h2 id='scores'>分数分布 · Score distributions</h2>")
    parts.append(_table(["", "满分 · maximum", "平均 / 中位数 · mean / median"], [
        [_td(bilingual("必做部分", "required part"), raw=True), _td(f"{data.max_required:g}", True),
         _td(_stats(list(data.required.values())), True)],
        [_td(bilingual("附加分", "extra credit"), raw=True), _td(f"{data.max_extra:g}", True),
         _td(_stats(list(data.extra.values())), True)]]))
    for key, values, maximum, title in [
            ("required", data.required, data.max_required, "必做部分 · Required part"),
            ("extra", data.extra, data.max_extra, "附加分 · Extra credit")]:
        parts.append(f"<img class='plot' id='plot-{key}' alt='{escape(title)}' "
                     f"src='data:image/png;base64,{_histogram(list(values.values()), maximum, title)}'>")

    tests = tests_most_failed(data)
    parts.append("<h2 id='tests'>每个测试单元的通过率 · Pass rate per test cell</h2>")
    if any(t.passed or t.failed for t in tests):
        parts.append(f"<img class='plot' id='plot-tests' alt='pass rate per test cell' "
                     f"src='data:image/png;base64,{_pass_rate_plot(tests)}'>")
    rows = []
    for t in tests:
        total = len(t.passed) + len(t.failed)
        rows.append([_td(t.notebook), _td(t.name), _td(", ".join(t.checks)), _td(f"{t.points:g}", True),
                     _td(len(t.passed), True), _td(len(t.failed), True),
                     _td(f"{100 * len(t.passed) / total:.0f}%" if total else "—", True)])
    parts.append(_table(["笔记本 · notebook", "测试单元 · test cell", "检查 · checks", "分值 · points",
                         "通过 · passed", "未通过 · failed", "通过率 · pass rate"], rows))

    parts.append("<h2 id='top'>全班最常见的错误 · The class's top mistakes</h2>")
    parts.append("<p class='note'>" + bilingual(
        "每一行是未通过的检查背后要复习的概念，按学生人数排序；“典型错误”表示评分器认出了具体的错误。链接指向课程书（先运行 make book）。",
        "Each row is the idea behind failed checks, by number of students; \"named\" means the judge "
        "recognised the exact classic mistake. Links open the course book (build it with make book).") + "</p>")
    if top:
        parts.append(f"<img class='plot' id='plot-mistakes' alt='top mistakes' "
                     f"src='data:image/png;base64,{_mistakes_plot(top)}'>")
    rows = []
    for idea, who, checks, named in top:
        zh, en = idea_text(idea)
        link = book_link(idea, report_dir)
        where = f"<a href='{escape(link[0])}'>{escape(link[1])}</a>" if link else "—"
        rows.append([_td(idea), _td(bilingual(zh, en), raw=True), _td("是 · named" if named else ""),
                     _td(len(who), True), _td(", ".join(checks)), _td(where, raw=True)])
    parts.append(_table(["错误 · mistake", "要复习的概念 · idea to revisit", "典型错误 · named",
                         "学生 · students", "检查 · checks", "书中章节 · book section"], rows)
                 if rows else "<p>" + bilingual("没有未通过的检查。", "No failed check.") + "</p>")

    parts.append("<h2 id='checks'>每个检查的诊断 · Diagnoses per check</h2>")
    parts.append("<p class='note'>" + bilingual(
        "每个检查：评分器给出各个诊断的学生人数，以及一条匿名的示例信息（最常见的那条）。",
        "For each check: how many students got each of the judge's diagnoses, with one anonymised "
        "example message (the most common one).") + "</p>")
    for check, (notebook, judged, found) in by_check.items():
        failed = set().union(*(w for _, w, _ in found)) if found else set()
        parts.append(f"<h3 id='check-{escape(check)}'>{escape(check)} <small>({escape(notebook)}: "
                     f"{len(judged) - len(failed)}/{len(judged)} 通过 · passed)</small></h3>")
        if found:
            parts.append(_table(["诊断 · diagnosis", "说明 · meaning", "学生 · students", "示例 · example"], [
                [_td(diag), _td(bilingual(*diagnosis_label(diag)), raw=True), _td(len(who), True),
                 f"<td class='ex'>{escape(example)}</td>"] for diag, who, example in found]))

    parts.append("<h2 id='flagged'>需要助教查看 · For the teaching assistant</h2>")
    flagged = sorted(data.flags.items())
    parts.append(f"<h3>被标记的提交 · Flagged submissions: {len(flagged)}</h3>")
    parts.append("<p class='note'>" + bilingual(
        "评分器失败、超时、触及沙箱限制、没有评判结果，或在成绩簿中被标记的提交。",
        "Submissions where the judge failed, timed out, hit a sandbox limit, left no verdicts, or that "
        "are flagged in the gradebook.") + "</p>")
    rows = [[_td(student), _td(nb or "—"), _td(bilingual(zh, en), raw=True)]
            for student, reasons in flagged for nb, zh, en in reasons]
    if rows:
        parts.append(_table(["学生 · student", "笔记本 · notebook", "原因 · reason"], rows))
    total_manual = sum(len(s) for s in data.manual.values())
    parts.append(f"<h3>需要人工评分的单元 · Cells needing manual grading: {total_manual}</h3>")
    rows = [[_td(nb), _td(cell), _td(len(who), True)] for (nb, cell), who in sorted(data.manual.items())]
    if rows:
        parts.append(_table(["笔记本 · notebook", "单元 · cell", "学生 · students"], rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def report_dir(settings, assignment):
    """autograder/reports/<assignment>/ in the course folder (ignored by git)."""
    return settings.grading_dir / "reports" / assignment


def build_report(settings, assignment, log=print):
    """Write class_report.html and class_report.csv; returns their paths."""
    data = load_class(settings, assignment)
    out = report_dir(settings, assignment)
    out.mkdir(parents=True, exist_ok=True)
    by_check = mistakes_by_check(data)
    top = top_mistakes(data)
    csv_path = out / "class_report.csv"
    tmp = csv_path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_rows(data, by_check))
    tmp.replace(csv_path)
    html_path = out / "class_report.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data, by_check, top, out, csv_path.name), encoding="utf-8")
    tmp.replace(html_path)
    log(f"class report: {html_path} ({len(data.students)} submissions, {len(data.flags)} flagged); "
        f"table: {csv_path}")
    return html_path, csv_path
