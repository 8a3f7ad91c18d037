"""The isolated kernel that nbgrader's autograde runs the notebooks in.

``GradingExecute`` is nbgrader's Execute preprocessor with one change: every
notebook runs in the ``grading_kernel`` kernelspec shipped next to this file
(``grading_kernel/launch.py`` explains the isolation), whatever kernel the
submitted notebook names, and a kernel that dies (``os._exit``, the memory
cap, a segfault) costs only the cells from there on: they get an error output
(so nbgrader scores them 0 and the notebook is still saved for feedback)
instead of aborting the student's whole autograde. It is configured only for
``autograde`` in autograder/nbgrader_config.py, so ``nbgrader validate`` keeps
the normal kernel.
"""
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Unicode, default

KERNELSPEC_DIR = Path(__file__).resolve().parent  # holds grading_kernel/kernel.json
KERNEL_NAME = "grading_kernel"


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that sees only the course's grading kernelspec."""

    @default("kernel_spec_manager")
    def _only_grading_kernelspec(self):
        return KernelSpecManager(kernel_dirs=[str(KERNELSPEC_DIR)])


class GradingExecute(Execute):
    """nbgrader's Execute, always in the isolated grading kernel."""

    kernel_name = Unicode(KERNEL_NAME, help="The grading kernelspec (do not change).")

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = GradingKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        # The notebook's own kernelspec (whatever a student wrote) is ignored.
        self.kernel_name = KERNEL_NAME
        self._died_at = None
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died_at is None:
            try:
                return super().preprocess_cell(cell, resources, index)
            except DeadKernelError:
                self._died_at = index
                message = ("内核在运行此单元时退出（os._exit、内存上限或崩溃）",
                           "the kernel died while running this cell (os._exit, the memory cap or a crash)")
        else:
            message = (f"未运行：内核已在第 {self._died_at} 个单元退出",
                       f"not run: the kernel died in cell {self._died_at}")
        cell.outputs.append(new_output("error", ename="DeadKernelError",
                                       evalue=f"{message[0]} / {message[1]}",
                                       traceback=[f"DeadKernelError: {message[0]} / {message[1]}"]))
        return cell, resources
