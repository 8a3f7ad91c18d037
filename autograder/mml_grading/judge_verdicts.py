"""The judge's verdict is each test cell's outcome, inside nbgrader's own autograde.

nbgrader scores a test cell by whether it raised in the notebook's kernel, and
a student's cell shares that kernel: it can rebind ``check``, ``rel_error`` or
``np.allclose``, or swallow every exception, and then every later test
"passes". ``JudgeVerdicts`` runs in ``Autograde.autograde_preprocessors`` after
the kernel has run the notebook and before ``SaveAutoGrades`` records the
scores. For each notebook it

1. finds the notebook's judged test cells: the gradebook's grade cells (the
   instructor's, never the student's copy) that stand for judge checks
   (``cell_checks``, by grade_id);
2. judges those checks once, in this trusted nbgrader process, on a fresh copy
   of only the submitted ``mml/`` (``mml_judge.judge_all``; the judge runs the
   student's code in its own limited children);
3. rewrites each judged cell's outputs: a pass is one stdout stream with the
   judge's bilingual message, a failure one error whose text is the judge's
   bilingual reason. A judged cell the student deleted is put back (with a
   bilingual note) and judged all the same.

nbgrader then scores the cells as usual, so plain ``nbgrader autograde``, the
formgrader's Autograde button and ``grade.py autograde`` give the same scores.
If the judge itself fails (no dataset, a bug), every judged cell of the
notebook scores 0 with a message saying so, and the submitted notebook is
flagged in the gradebook for the teaching assistant; the kernel's outcome is
never used.
"""
import os
import shutil
import stat
import tempfile
from pathlib import Path

from nbformat import from_dict
from nbformat.v4 import new_output
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from .report import save_verdicts

RESTORED_NOTE = ("此测试单元在提交中被删除，评分时已恢复并照常评判 / this test cell was missing from the "
                 "submission; it was put back for grading and judged all the same (id: {cell_id})\n")
JUDGE_FAILED = ("评分器未能运行（{error}），此单元记 0 分，提交已标记给助教复查 / "
                "the judge could not run ({error}); this cell scores 0 and the submission is flagged "
                "for the teaching assistant")


def checks_for_cell(grade_id):
    """The judge checks a test cell stands for, by its grade_id (none: not judged)."""
    try:
        from mml_judge.table import checks_for_cell as from_table
    except ImportError:  # a judge without its table: the grade_id convention
        from mml_judge import check_names
        return [name for name in check_names() if grade_id == "test-" + name.replace("_", "-")]
    return list(from_table(grade_id))


def cell_checks(gradebook, notebook, assignment):
    """{grade_id: (points, [check names])} of the notebook's judged test cells, in gradebook order."""
    table = {}
    for cell in gradebook.find_notebook(notebook, assignment).grade_cells:
        if cell.cell_type == "code":
            names = checks_for_cell(cell.name)
            if names:
                table[cell.name] = (float(cell.max_score), names)
    return table


def copy_student_mml(submission, dest):
    """Copy submission/mml into dest/mml: regular files and folders only (no
    links, no caches, no data); a missing mml/ stays missing."""
    source = Path(submission) / "mml"

    def skipped(folder, names):
        out = {"__pycache__", "datasets"}
        for name in names:
            mode = os.lstat(os.path.join(folder, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) or name.endswith(".pyc"):
                out.add(name)
        return out

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, Path(dest) / "mml", ignore=skipped)
    return Path(dest)


def judge_checks(submission, names):
    """{check name: Verdict} for the submission's mml/; raises when the judge fails."""
    import mml_judge  # the trusted judge (autograder/ is on sys.path through the course config)

    with tempfile.TemporaryDirectory(prefix="mml-judge-") as tmp:
        student = copy_student_mml(submission, Path(tmp) / "student")
        student.mkdir(parents=True, exist_ok=True)
        return {v.name: v for v in mml_judge.judge_all(str(student), list(names))}


def verdict_outputs(names, verdicts, judge_error=None):
    """The outputs of a judged cell: [stream] when every check passed, else [stream of passes, error]."""
    if judge_error is not None:
        text = JUDGE_FAILED.format(error=judge_error)
        return [new_output("error", ename="JudgeError", evalue=text, traceback=[f"JudgeError: {text}"])]
    found = [verdicts[n] for n in names]
    passes = "".join(v.message + "\n" for v in found if v.passed)
    outputs = [new_output("stream", name="stdout", text=passes)] if passes else []
    failures = "\n".join(v.message for v in found if not v.passed)
    if failures:
        outputs.append(new_output("error", ename="AssertionError", evalue=failures,
                                  traceback=[f"AssertionError: {failures}"]))
    return outputs


def kernel_passed(cell):
    return not any(o.get("output_type") == "error" for o in cell.get("outputs", []))


class JudgeVerdicts(NbGraderPreprocessor):
    """Set every judged test cell's outcome from the trusted judge (module docstring)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        notebook, assignment, student = info["notebook"], info["assignment"], info["student"]
        with Gradebook(info["db_url"]) as gb:
            table = cell_checks(gb, notebook, assignment)
            if not table:
                return nb, resources
            cells, lost = self.restore_missing(nb, gb, notebook, assignment, table)
        if lost:  # could not be put back: nbgrader records no score for them
            self.flag(info["db_url"], notebook, assignment, student)
        coursedir = CourseDirectory(config=self.config)
        submission = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        names = [n for _, checks in table.values() for n in checks]
        try:
            verdicts, error = judge_checks(submission, names), None
            missing = [n for n in names if n not in verdicts]
            if missing:
                raise RuntimeError(f"no verdict for {', '.join(missing)}")
        except (Exception, SystemExit) as err:  # the judge's own failure, never the student's score
            verdicts, error = {}, f"{type(err).__name__}: {err}"
            self.log.error("%s/%s/%s: the judge failed (%s); its cells score 0 and the notebook is flagged",
                           student, assignment, notebook, error)
            self.flag(info["db_url"], notebook, assignment, student)
        try:  # kept for the class report (report.py): which mistake each check diagnosed
            save_verdicts(coursedir.root, assignment, student, notebook, verdicts, error)
        except OSError as err:
            self.log.warning("%s/%s: verdicts not saved for the class report (%s)", student, notebook, err)
        for grade_id, cell in cells.items():
            points, checks = table[grade_id]
            was_passed = kernel_passed(cell)
            cell.outputs = verdict_outputs(checks, verdicts, error)
            meta = cell.metadata.nbgrader
            meta.update(grade=True, solution=False, locked=True, points=points)
            if error is None and was_passed and not kernel_passed(cell):
                self.log.warning("%s/%s: %s passed in the kernel, the judge failed it (overruled)",
                                 student, notebook, grade_id)
        return nb, resources

    def restore_missing(self, nb, gb, notebook, assignment, table):
        """({grade_id: cell} of the judged cells, [grade_ids that could not be put back]).

        A judged cell the student deleted is put back after the nearest earlier
        instructor cell still present (else at the end). OverwriteCells has
        already restored the source, type and lock of every cell still present."""
        present = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
        order = [c.name for c in gb.find_notebook(notebook, assignment).source_cells]
        rebuild = OverwriteCells(parent=self, missing_cell_notification=RESTORED_NOTE)
        lost = []
        for grade_id, (points, _) in table.items():
            if grade_id in present:
                continue
            try:
                cell = from_dict(rebuild.missing_cell_transform(
                    gb.find_source_cell(grade_id, notebook, assignment), points))
            except MissingEntry:
                self.log.error("%s: test cell %s is missing and has no source in the gradebook; "
                               "fix: run `python autograder/grade.py prepare`", notebook, grade_id)
                lost.append(grade_id)
                continue
            earlier = order[:order.index(grade_id)] if grade_id in order else []
            anchor = next((present[g] for g in reversed(earlier) if g in present), None)
            position = next((i + 1 for i, c in enumerate(nb.cells) if c is anchor), len(nb.cells))
            nb.cells.insert(position, cell)
            present[grade_id] = cell
            self.log.warning("%s: test cell %s was missing; put back and judged", notebook, grade_id)
        return {g: present[g] for g in table if g in present}, lost

    def flag(self, db_url, notebook, assignment, student):
        with Gradebook(db_url) as gb:
            try:
                gb.find_submission_notebook(notebook, assignment, student).flagged = True
            except MissingEntry:
                return
            gb.db.commit()

