"""The grading kernel, run for real through nbgrader's executor: a huge
allocation fails in its cell, a dying kernel costs only the cells from there
on, a hanging cell is interrupted. (What the kernel can import and see is
tested in tests/sandbox.)"""
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mml_grading.kernel import GradingExecute

pytestmark = pytest.mark.xdist_group(name="grading_kernel")


def run_cells(folder, *sources, timeout=60):
    """Execute sources as one notebook in folder with the grading kernel; return the cells."""
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = GradingExecute(timeout=timeout)
    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(folder)}})
    return nb.cells


def text_of(cell):
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", "") or f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)


def errors(cell):
    return [out.ename for out in cell.outputs if out.output_type == "error"]


def test_huge_allocation_fails_in_its_own_cell(tmp_path):
    # 3.5 GiB: fine for this machine, over the kernel's 3 GiB cap (default).
    cells = run_cells(tmp_path, "hog = bytearray(3584 << 20)", "print('still alive', 6 * 7)")
    assert errors(cells[0]) == ["MemoryError"], text_of(cells[0])
    assert "still alive 42" in text_of(cells[1])


def test_a_dying_kernel_costs_only_the_following_cells(tmp_path):
    cells = run_cells(tmp_path, "print('before')", "import os\nos._exit(0)", "print('after')")
    assert "before" in text_of(cells[0])
    assert errors(cells[1]) == ["DeadKernelError"]
    assert errors(cells[2]) == ["DeadKernelError"]
    assert "not run" in text_of(cells[2]) and "未运行" in text_of(cells[2])


def test_a_hanging_cell_is_interrupted(tmp_path):
    cells = run_cells(tmp_path, "while True:\n    pass", "print('next')", timeout=5)
    assert errors(cells[0]), "the infinite loop was not stopped"
    assert "next" in text_of(cells[1])
