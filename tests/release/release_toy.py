"""A small course of our own, to test the release machinery on.

The toy course has the shape of the real one (source_assignments/rnn_captioning/
with a notebook and README.md, an ``mml`` package with student and provided
functions, a dataset folder and caches that must stay out of the release), so
the release machinery is tested without waiting for the real notebooks.
"""
from pathlib import Path

import nbformat
from release_markers import load_settings

SETTINGS = load_settings()
# Marker lines are assembled from nbgrader's settings: test sources never spell them out.
BEGIN = "### " + SETTINGS.begin_solution
END = "### " + SETTINGS.end_solution
HIDDEN_BEGIN = "### " + SETTINGS.begin_hidden_tests
HIDDEN_END = "### " + SETTINGS.end_hidden_tests

TOY_LAYERS = f'''"""Toy layers."""
import numpy as np


def double_forward(x):
    """Twice x.

    Inputs:
    - x: array of shape (N, D)

    Returns:
    - out: array of shape (N, D)
    """
    out = None
    # 提示：乘以 2。Hint: multiply by two.
    {BEGIN}
    out = np.multiply(x, 2.0) + 0.0  # the doubled input
    {END}
    return out


def halve_provided(x):
    """Provided: half of x."""
    return x / 2.0


class Doubler:
    """A class whose student method sits in a branch."""

    def apply(self, x, twice=True):
        if twice:
            {BEGIN}
            y = double_forward(x) * 1.0
            {END}
        return y
'''

TOY_NOTEBOOK_CELLS = [
    ("markdown", "# 玩具作业 · Toy assignment\n先中文，再 English。", None),
    ("code", "from mml.layers import double_forward, halve_provided\nimport numpy as np", None),
    ("code",
     f"def triple(x):\n    {BEGIN}\n    result_of_triple = 3 * x + 0\n    {END}\n    return result_of_triple",
     {"solution": True, "grade": False, "locked": False, "grade_id": "triple", "schema_version": 3}),
    ("code",
     f"assert triple(2) == 6\n{HIDDEN_BEGIN}\nfrom mml_judge import check\ncheck(\"toy_secret_check\")\n{HIDDEN_END}",
     {"solution": False, "grade": True, "locked": True, "grade_id": "test_triple", "points": 1,
      "schema_version": 3}),
    ("markdown", "Inline answer, the whole cell is secret: the doubling keeps the sign of x.",
     {"solution": True, "grade": True, "locked": False, "grade_id": "explain", "points": 1,
      "schema_version": 3}),
]


def write_toy_notebook(path, cells=TOY_NOTEBOOK_CELLS):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, (kind, source, meta) in enumerate(cells):
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
        cell.id = f"cell-{i}"  # fixed ids: the build must be byte for byte reproducible
        if meta:
            cell.metadata["nbgrader"] = dict(meta)
        nb.cells.append(cell)
    nbformat.write(nb, str(path))


def make_toy_course(root):
    """A course in root: source_assignments/rnn_captioning/ and mml/. Returns (course_root, mml_dir)."""
    root = Path(root)
    source = root / "source_assignments" / "rnn_captioning"
    source.mkdir(parents=True)
    write_toy_notebook(source / "Toy.ipynb")
    (source / "README.md").write_text("# 学生说明 · Student README\n", encoding="utf-8")
    mml = root / "mml"
    (mml / "datasets" / "shapes_captioning").mkdir(parents=True)
    (mml / "__pycache__").mkdir()
    (mml / "__init__.py").write_text('"""Toy mml."""\n', encoding="utf-8")
    (mml / "layers.py").write_text(TOY_LAYERS, encoding="utf-8")
    (mml / "datasets" / "__init__.py").write_text("DATA = 'here'\n", encoding="utf-8")
    (mml / "datasets" / "README.md").write_text("# 数据 · Data\n", encoding="utf-8")
    (mml / "datasets" / "shapes_captioning" / "train.h5").write_bytes(b"\x89HDF\r\n")
    (mml / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\x00\x01")
    return root, mml
