"""nbgrader preprocessors for the feedback HTML, one job each.

Order in autograder/nbgrader_config.py: GetGrades, ScrubTestTracebacks,
ClearHiddenTests, AddVerdicts. Students see every test's name, its points and a
bilingual pass/fail line; never a hidden test's source, not even inside a
traceback (IPython prints the lines around the failing line of a cell).
"""
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


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
