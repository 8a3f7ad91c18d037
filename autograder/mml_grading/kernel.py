"""The isolated kernel that nbgrader's autograde runs the notebooks in.

``GradingExecute`` is nbgrader's Execute preprocessor with one change: every
notebook runs in the ``grading_kernel`` kernelspec shipped next to this file,
whatever kernel the submitted notebook names: the kernel runs in the sandbox
(``grading_kernel/launch.py``, mml_sandbox), and it refuses to start, with one
line, where the sandbox cannot run (MML_SANDBOX=off allows an unsandboxed
run for a trusted demo). The kernel manager talks to it over ZMQ ipc sockets
in a private folder (the sandbox has no network). A kernel that dies (``os._exit``, the memory
cap, a segfault) costs only the cells from there on: they get an error output
(so nbgrader scores them 0 and the notebook is still saved for feedback)
instead of aborting the student's whole autograde. It is configured only for
``autograde`` in autograder/nbgrader_config.py, so ``nbgrader validate`` keeps
the normal kernel.
"""
import shutil
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Unicode, default

from mml_sandbox.processes import mount_small_tmpfs, unmount

KERNELSPEC_DIR = Path(__file__).resolve().parent  # holds grading_kernel/kernel.json
KERNEL_NAME = "grading_kernel"


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that sees only the course's grading kernelspec and
    connects over ipc sockets in a folder of its own (removed at cleanup)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._socket_root = tempfile.mkdtemp(prefix="mml_kernel_")
        sockets = Path(self._socket_root) / "sandbox"
        sockets.mkdir()
        # The kernel can write in its socket folder: a tiny tmpfs bounds it
        # (else launch.py watches its size).
        mount_small_tmpfs(sockets)
        self.transport = "ipc"
        self.connection_file = str(Path(self._socket_root) / "kernel.json")
        self.ip = str(Path(self._socket_root) / "sandbox" / "ipc")

    @default("kernel_spec_manager")
    def _only_grading_kernelspec(self):
        return KernelSpecManager(kernel_dirs=[str(KERNELSPEC_DIR)])

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            unmount(Path(self._socket_root) / "sandbox")
            shutil.rmtree(self._socket_root, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def scrub_outputs(cell, limit=None):
    """Make what student code printed in this cell safe for feedback
    (mml_sandbox.scrub: no grader path, no control characters, each text cut
    at MML_SANDBOX_OUTPUT_KB); images are kept, other rich data dropped."""
    from mml_sandbox import SandboxSettings, scrub

    limit = limit or SandboxSettings.from_env().output_kb * 1024
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            output["text"] = scrub(output.get("text", ""), limit)
        elif kind == "error":
            output["ename"] = scrub(output.get("ename", ""), 200)
            output["evalue"] = scrub(output.get("evalue", ""), limit)
            output["traceback"] = [scrub(line, limit) for line in output.get("traceback", [])][-50:]
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            for mime in list(data):
                if mime == "text/plain":
                    text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                    data[mime] = scrub(text, limit)
                elif not mime.startswith("image/") or len(str(data[mime])) > 8 * limit:
                    del data[mime]
    return cell


class GradingExecute(Execute):
    """nbgrader's Execute, always in the isolated grading kernel."""

    kernel_name = Unicode(KERNEL_NAME, help="The grading kernelspec (do not change).")

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = GradingKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        from mml_sandbox import SandboxSettings, check_available

        if SandboxSettings.from_env().enabled:
            check_available()  # SandboxUnavailable: one line saying why and the fix
        # The notebook's own kernelspec (whatever a student wrote) is ignored.
        self.kernel_name = KERNEL_NAME
        self._died_at = None
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died_at is None:
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
                return scrub_outputs(cell), resources
            except DeadKernelError:
                scrub_outputs(cell)
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
