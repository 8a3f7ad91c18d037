"""The feedback HTML: nbgrader preprocessors, one job each, and the exporter.

Order in autograder/nbgrader_config.py: GetGrades, ScrubTestTracebacks,
ClearHiddenTests, AddVerdicts. Students see every test's name, its points, a
bilingual pass/fail line and, for a judged cell, the judge's bilingual reason
(the cell's output, set by judge_verdicts); never a hidden test's source, not
even inside a traceback (IPython prints the lines around the failing line of a
cell).

``OfflineFeedback`` (GenerateFeedback.exporter_class) writes each page with
MathJax inside it, so math renders with no network: a page opened from disk,
served by the hub, or fetched by the student (nbgrader's release_feedback and
fetch_feedback carry only the .html file, never a folder beside it). What the
student's notebook holds (markdown, outputs) is sanitized: no script of theirs
runs in the page.
"""
import functools
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool


class ScrubTestTracebacks(NbGraderPreprocessor):
    """Replace each error traceback of a test cell by its one-line message."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class AddVerdicts(NbGraderPreprocessor):
    """Append '测试 <name>：得分 x / y，通过 / passed' (or 未通过 / failed) to each autograded test cell."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        meta = cell.metadata.nbgrader
        score, points = meta.get("score"), meta.get("points")
        if score is None or points is None:
            return cell, resources
        zh, en = ("通过 / passed", "passed") if score >= points else ("未通过 / failed", "failed")
        text = (f"测试 {meta['grade_id']}：得分 {score:g} / {points:g}，{zh}\n"
                f"Test {meta['grade_id']}: {score:g} / {points:g} points, {en}\n")
        cell.outputs.append(new_output("stream", name="stdout", text=text))
        return cell, resources


# MathJax 3 (the copy the course book serves, from the sphinx-mathjax-offline
# package): the SVG build with every TeX extension, one self-contained file.
MATHJAX_PACKAGE, MATHJAX_FILE = "sphinx-mathjax-offline", "sphinx-mathjax-offline/static/mathjax/tex-svg-full.js"
COURSE_VENV = Path(__file__).resolve().parents[2] / ".venv"
# nbconvert's mathjax macro (MathJax 2 from a CDN), between its two comments.
CDN_BLOCK = ("<!-- Load mathjax -->", "<!-- End of mathjax configuration -->")
MATHJAX_CONFIG = r"""window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, tags: 'ams'},
  svg: {fontCache: 'global'}
};"""


@functools.lru_cache(maxsize=1)
def mathjax_script():
    """The local MathJax file's text; SystemExit naming the fix when it is missing."""
    candidates = list(COURSE_VENV.glob(f"lib/python*/site-packages/{MATHJAX_FILE}"))
    try:
        candidates.insert(0, Path(distribution(MATHJAX_PACKAGE).locate_file(MATHJAX_FILE)))
    except PackageNotFoundError:  # e.g. a hub's user environment: the course's venv has it
        pass
    found = next((path for path in candidates if path.is_file()), None)
    if found is None:
        raise SystemExit(f"feedback: the local MathJax ({MATHJAX_FILE}) is not installed; "
                         f"fix: pip install {MATHJAX_PACKAGE} (make setup installs it in the course's venv)")
    text = found.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise SystemExit(f"feedback: {MATHJAX_FILE} cannot be put inside a <script> element")
    return text


def with_local_mathjax(html):
    """html with nbconvert's MathJax-from-a-CDN block replaced by MathJax itself."""
    begin, end = html.find(CDN_BLOCK[0]), html.find(CDN_BLOCK[1])
    body = html.find("<body")
    if not 0 <= begin < end < (body if body >= 0 else len(html)):
        raise RuntimeError("feedback: the page template has no MathJax block in its head to replace")
    local = (f"<!-- MathJax 3, inside the page: math renders with no network -->\n"
             f"<script>\n{MATHJAX_CONFIG}\n</script>\n<script>\n{mathjax_script()}\n</script>\n")
    return html[:begin] + local + html[end + len(CDN_BLOCK[1]):]


class OfflineFeedback(HTMLExporter):
    """nbgrader's feedback page, with MathJax inside it and the notebook's HTML sanitized."""

    sanitize_html = Bool(True, help="Sanitize the notebook's markdown and HTML outputs.").tag(config=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        return with_local_mathjax(html), resources
