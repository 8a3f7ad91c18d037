"""Where grading happens and the limits it runs under, each default explained.

Every limit can be set by an environment variable (shown) or a grade.py option.
"""
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parents[1]
ROOT = AUTOGRADER.parent
CONFIG = AUTOGRADER / "nbgrader_config.py"
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_ASSIGNMENT = "rnn_captioning"
COURSE_ID = "mml-rnn-captioning"


def _env_number(name, default, kind=int):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise SystemExit(f"${name}={value!r} is not a number; fix: export {name}=<number> or unset it") from None


@dataclass
class GradingSettings:
    # Grading runs for the course folder below: autograder/{submitted,autograded,
    # feedback,gradebook.db} inside it. The repository itself by default; tests
    # point it at a temporary copy.
    course_root: Path = ROOT
    # The instructor's source notebooks and the committed student release.
    source_dir: Path = ROOT / "source_assignments"
    release_dir: Path = ROOT / "release"
    # The nbgrader exchange (students fetch from and submit to it).
    exchange_root: Path = field(default_factory=lambda: Path(
        os.environ.get("MML_EXCHANGE_ROOT", AUTOGRADER / "exchange")))
    # Submissions graded at once: one per core (each runs one kernel at a time).
    workers: int = field(default_factory=lambda: _env_number("MML_GRADING_WORKERS", os.cpu_count() or 1))
    # Seconds one notebook cell may run before nbgrader interrupts it. The
    # slowest honest cell (training, shortened under NBGRADER_EXECUTION) needs
    # well under a minute on one core.
    cell_timeout: int = field(default_factory=lambda: _env_number("MML_GRADING_CELL_TIMEOUT", 120))
    # Wall clock for one submission's `nbgrader autograde` (both notebooks);
    # past it the whole process group is killed and the judge alone scores it.
    submission_timeout: float = field(default_factory=lambda: _env_number(
        "MML_GRADING_SUBMISSION_TIMEOUT", 1800, float))
    # Address-space caps (MiB), per process: the grading kernel, and the
    # nbgrader process that drives it. A huge allocation fails in its own cell.
    kernel_memory_mb: int = field(default_factory=lambda: _env_number("MML_GRADING_KERNEL_MEMORY_MB", 3072))
    nbgrader_memory_mb: int = field(default_factory=lambda: _env_number("MML_GRADING_NBGRADER_MEMORY_MB", 4096))
    # The out-of-kernel judge run for one submission (every check; the judge
    # also limits each check itself).
    judge_timeout: float = field(default_factory=lambda: _env_number("MML_GRADING_JUDGE_TIMEOUT", 1200, float))
    judge_memory_mb: int = field(default_factory=lambda: _env_number("MML_GRADING_JUDGE_MEMORY_MB", 4096))

    @property
    def grading_dir(self):
        return Path(self.course_root) / "autograder"

    @property
    def db_path(self):
        return self.grading_dir / "gradebook.db"

    @property
    def db_url(self):
        return f"sqlite:///{self.db_path}"

    @property
    def work_dir(self):
        """Scratch space of the runner (ignored by git): worker copies, judge verdicts."""
        return self.grading_dir / "work"

    def student_dir(self, step, student, assignment):
        """autograder/<step>/<student>/<assignment> inside the course folder."""
        return self.grading_dir / step / student / assignment

    def nbgrader_args(self, **overrides):
        """Command-line options that point nbgrader at this course folder;
        overrides are more of them, e.g. CourseDirectory__db_url="sqlite:///..."."""
        values = {
            "CourseDirectory.root": self.course_root,
            "CourseDirectory.source_directory": self.source_dir,
            "CourseDirectory.release_directory": self.release_dir,
            "CourseDirectory.db_url": self.db_url,
            "Exchange.root": self.exchange_root,
        }
        values.update({key.replace("__", "."): value for key, value in overrides.items()})
        # nbgrader has no --config alias on every command; JupyterApp.config_file
        # (the path without .py, jupyter_core adds it) works for all of them.
        return [f"--JupyterApp.config_file={CONFIG.with_suffix('')}"] + [
            f"--{key}={value}" for key, value in values.items()]

    def kernel_env(self):
        """Environment every nbgrader run passes down to the grading kernel."""
        env = dict(os.environ)
        env["PATH"] = tool_path()
        env["MML_GRADING_CELL_TIMEOUT"] = str(self.cell_timeout)
        env["MML_GRADING_KERNEL_MEMORY_MB"] = str(self.kernel_memory_mb)
        env.setdefault("MML_COCO_DIR", str(instructor_data_dir()))
        return env


@functools.lru_cache(maxsize=None)
def instructor_data_dir():
    """The dataset the grading kernel and the judge read: $MML_COCO_DIR, the real
    COCO features when downloaded, else the embedded dataset (built once here,
    by the trusted reference, never inside a submission)."""
    from mml.coco_utils import find_data_dir  # the reference: this process is trusted

    return find_data_dir()[0]


def tool_path():
    """$PATH with the venv's tools first: nbgrader runs `alembic` from PATH when it creates a gradebook."""
    return f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def nbgrader_command():
    return [str(VENV_BIN / "nbgrader")] if (VENV_BIN / "nbgrader").exists() else ["nbgrader"]
