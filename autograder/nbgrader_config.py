"""nbgrader configuration of the course (instructor and grading side).

The repository root's nbgrader_config.py loads it, so every entry point started
at the root finds it: `.venv/bin/nbgrader <command>`, `jupyter lab` and its
formgrader, and `python autograder/grade.py`. From elsewhere pass
    --JupyterApp.config_file=<repository>/autograder/nbgrader_config
(nbgrader 0.9 ignores --config). The teaching-assistant flow is in
autograder/README.md; every limit (exchange folder, cell timeout, memory caps)
is a row of mml_grading.settings.SETTINGS, read here with value().
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER = ROOT / "autograder"
# The trusted grading helpers (mml_grading, mml_judge) live next to this file.
if str(AUTOGRADER) not in sys.path:
    sys.path.insert(0, str(AUTOGRADER))

from mml_grading.settings import COURSE_ID, tool_path, value  # noqa: E402 - needs the sys.path line above

# nbgrader runs alembic (gradebook migrations) from $PATH: the venv's tools come
# first even when the venv is not activated.
os.environ["PATH"] = tool_path()

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "source_assignments"
c.CourseDirectory.release_directory = "release"
# Student data lives under autograder/ (ignored by git, see .gitignore).
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
c.CourseDirectory.db_url = f"sqlite:///{AUTOGRADER / 'gradebook.db'}"

c.Exchange.root = str(value("exchange_root"))
# collect checks every inbound name, id, owner and time, and copies without
# following links (mml_grading/inbound.py): one bad folder is skipped, not fatal.
c.ExchangeFactory.collect = "mml_grading.inbound.InboundCollect"

# --- autograde -------------------------------------------------------------
# Trap 1: by default autograde copies every non-notebook file of the source
# assignment over the submission, which would grade the instructor's mml/.
# Every mml file the instructor has (now or in the source folder) is excluded,
# so a student's own file is graded and a missing one stays missing.
def _student_editable_files():
    """{assignment: [paths relative to its source folder]} that autograde must never overwrite."""
    reference = {p.relative_to(ROOT).as_posix()
                 for pattern in ("*.py", "*.md") for p in (ROOT / "mml").rglob(pattern)}
    table = {"rnn_captioning": sorted(reference)}
    for folder in (ROOT / "source_assignments").glob("*/"):
        shipped = {p.relative_to(folder).as_posix() for p in (folder / "mml").rglob("*") if p.is_file()}
        table[folder.name] = sorted(reference | shipped)
    return table


c.Autograde.exclude_overwriting = _student_editable_files()

# Trap 2: the notebooks run in the isolated grading kernel (mml_grading.kernel):
# only the submission's own mml/ can be imported, never the reference.
# Then the trusted judge sets every judged test cell's outcome
# (mml_grading.judge_verdicts) before nbgrader saves the scores.
c.Autograde.autograde_preprocessors = [
    "mml_grading.kernel.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "mml_grading.judge_verdicts.JudgeVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Limit per cell: a hanging cell is interrupted and the notebook goes on.
c.Execute.timeout = value("cell_timeout")
c.Execute.interrupt_on_timeout = True

# --- feedback --------------------------------------------------------------
# Trap 3: nbgrader's feedback keeps hidden tests. Scrub their tracebacks, then
# clear their source, then add a bilingual verdict line to every test cell.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "mml_grading.feedback.ScrubTestTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "mml_grading.feedback.AddVerdicts",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Each page carries MathJax itself (math renders offline) and sanitizes the notebook's HTML.
c.GenerateFeedback.exporter_class = "mml_grading.feedback.OfflineFeedback"

# --- export ----------------------------------------------------------------
# One row per student; the LSTM notebook counts as extra credit.
c.ExportApp.plugin_class = "mml_grading.export.CourseCsvExport"
c.CourseCsvExport.extra_credit_notebooks = ["LSTM_Captioning"]
