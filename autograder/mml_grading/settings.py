"""Every grading setting, declared once: SETTINGS is the table (name, default,
environment variable, help) that the nbgrader configuration, grade.py, the
grading kernel's launcher and the judge's command line read, and that
autograder/README.md's limits table shows (a test holds the two equal).
value(name) reads one setting: its environment variable when set, else its
default. The sandbox's own rows (mml_sandbox.settings) are listed here too.
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


@dataclass(frozen=True)
class Setting:
    name: str       # attribute of GradingSettings (or of the judge's / sandbox's limits)
    default: object  # a value, or a function giving it when it is read
    env: str        # environment variable that overrides it
    help: str       # what it limits, in both languages where people read it
    kind: type = int
    unit: str = ""  # shown after the default: s, MiB, ...
    option: str = ""  # grade.py's command-line option, if any
    zh: str = ""    # the help in Chinese, for autograder/README.md

    def default_value(self):
        return self.default() if callable(self.default) else self.default


def _cores():
    return os.cpu_count() or 1


def _data_dir():
    from mml.coco_utils import find_data_dir  # the reference: this process is trusted
    return find_data_dir()[0]


SETTINGS = (
    Setting("exchange_root", AUTOGRADER / "exchange", "MML_EXCHANGE_ROOT",
            "the nbgrader exchange folder students fetch from and submit to (on a hub: the same "
            "folder as the students' configuration, e.g. /srv/nbgrader/exchange)", Path,
            zh="nbgrader 交换区（学生获取和提交作业的文件夹）"),
    Setting("data_dir", _data_dir, "MML_COCO_DIR",
            "the dataset the grading kernel and the judge read, read-only (default: "
            "mml.coco_utils.find_data_dir())", Path,
            zh="评分内核和评判器只读使用的数据集"),
    Setting("workers", _cores, "MML_GRADING_WORKERS",
            "submissions graded at once (each runs one kernel at a time)", int, "", "--workers",
            zh="同时评分的提交份数"),
    Setting("cell_timeout", 120, "MML_GRADING_CELL_TIMEOUT",
            "time per notebook cell at autograde time (interrupted, the notebook goes on)", int, "s",
            "--cell-timeout", zh="每个单元的时间"),
    Setting("submission_timeout", 1800.0, "MML_GRADING_SUBMISSION_TIMEOUT",
            "wall clock of one submission's nbgrader autograde (its process tree is killed)", float, "s",
            "--submission-timeout", zh="每份提交的 nbgrader autograde 总时间"),
    Setting("kernel_memory_mb", 3072, "MML_GRADING_KERNEL_MEMORY_MB",
            "address space of the grading kernel (a huge allocation fails in its own cell)", int, "MiB",
            zh="评分内核的地址空间"),
    Setting("nbgrader_memory_mb", 4096, "MML_GRADING_NBGRADER_MEMORY_MB",
            "address space of the nbgrader process that drives a kernel", int, "MiB",
            zh="nbgrader 进程的地址空间"),
    # The judge's limits for each check's child process (mml_judge.sandbox.Limits).
    Setting("judge_check_timeout", 20.0, "MML_JUDGE_TIMEOUT",
            "wall time of one ordinary judge check", float, "s", zh="评判器每个普通检查的时间"),
    Setting("judge_train_timeout", 90.0, "MML_JUDGE_TRAIN_TIMEOUT",
            "wall time of one training judge check", float, "s", zh="评判器每个训练检查的时间"),
    Setting("judge_memory_mb", 2048.0, "MML_JUDGE_MEMORY_MB",
            "address space of a judge check's child", float, "MiB", zh="评判器子进程的地址空间"),
    Setting("judge_output_mb", 64.0, "MML_JUDGE_OUTPUT_MB",
            "largest file a judge check's child may write", float, "MiB", zh="评判器子进程可写的最大文件"),
)


def _sandbox_settings():
    """The sandbox's rows (declared in mml_sandbox.settings), as Settings."""
    try:
        from mml_sandbox.settings import ROWS, SandboxSettings
    except ImportError:  # autograder/ is not on sys.path
        return ()
    defaults = SandboxSettings()
    units = {"mb": "MiB", "kb": "KiB"}
    return tuple(Setting(f"sandbox_{name}", getattr(defaults, name), env, help,
                         type(getattr(defaults, name)), units.get(name.rsplit("_", 1)[-1], ""))
                 for name, env, help in ROWS)


def all_settings():
    """SETTINGS and the sandbox's rows, in the order autograder/README.md lists them."""
    return SETTINGS + _sandbox_settings()


def setting(name):
    for row in all_settings():
        if row.name == name:
            return row
    raise KeyError(f"no grading setting {name!r}; the table is mml_grading.settings.SETTINGS")


def value(name):
    """One setting's value: its environment variable when set (and not empty), else its default.
    A bad number is one line naming the variable and the fix."""
    row = setting(name)
    raw = os.environ.get(row.env, "").strip()
    if not raw:
        return row.default_value()
    if row.kind is bool:
        if raw.lower() not in ("on", "off", "1", "0"):
            raise SystemExit(f"${row.env}={raw!r}: expected on or off; fix: export {row.env}=on")
        return raw.lower() in ("on", "1")
    try:
        return row.kind(raw)
    except ValueError:
        raise SystemExit(f"${row.env}={raw!r} is not a {row.kind.__name__}; "
                         f"fix: export {row.env}=<{row.kind.__name__}> or unset it") from None


def limits_table():
    """autograder/README.md's limits table, in Markdown, from the settings table."""
    lines = ["| 设置 / setting | 默认 / default | 环境变量 / variable | grade.py | 作用 / what it sets |",
             "| --- | --- | --- | --- | --- |"]
    for row in all_settings():
        if callable(row.default):
            default = {"_cores": "核数 / cores"}.get(row.default.__name__, "`find_data_dir()`")
        elif isinstance(row.default, Path):
            default = f"`{row.default.relative_to(ROOT)}`" if row.default.is_relative_to(ROOT) else f"`{row.default}`"
        elif isinstance(row.default, bool):
            default = "on" if row.default else "off"
        else:
            default = f"{row.default:g} {row.unit}".strip()
        what = f"{row.zh} / {row.help}" if row.zh else row.help
        option = f"`{row.option}`" if row.option else ""
        lines.append(f"| `{row.name}` | {default} | `{row.env}` | {option} | {what} |")
    return "\n".join(lines) + "\n"


def _read(name):
    return field(default_factory=lambda: value(name))


@dataclass
class GradingSettings:
    """The settings of one grading run: every limit from the table (value());
    the course folder and paths below. grade.py's options override fields."""
    # Grading runs for the course folder below: autograder/{submitted,autograded,
    # feedback,gradebook.db} inside it. The repository itself by default; tests
    # point it at a temporary copy.
    course_root: Path = ROOT
    # The instructor's source notebooks and the committed student release.
    source_dir: Path = ROOT / "source_assignments"
    release_dir: Path = ROOT / "release"
    exchange_root: Path = _read("exchange_root")
    workers: int = _read("workers")
    cell_timeout: int = _read("cell_timeout")
    submission_timeout: float = _read("submission_timeout")
    kernel_memory_mb: int = _read("kernel_memory_mb")
    nbgrader_memory_mb: int = _read("nbgrader_memory_mb")

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
        env[setting("cell_timeout").env] = str(self.cell_timeout)
        env[setting("kernel_memory_mb").env] = str(self.kernel_memory_mb)
        env.setdefault(setting("data_dir").env, str(instructor_data_dir()))
        return env


@functools.lru_cache(maxsize=None)
def instructor_data_dir():
    """The dataset the grading kernel and the judge read (the data_dir setting):
    $MML_COCO_DIR, else the reference locator's folder, built once here by the
    trusted reference, never inside a submission."""
    return value("data_dir")


def tool_path():
    """$PATH with the venv's tools first (once): nbgrader runs `alembic` from PATH
    when it creates a gradebook."""
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] == str(VENV_BIN):
        return path
    return f"{VENV_BIN}{os.pathsep}{path}" if path else str(VENV_BIN)


def nbgrader_command():
    return [str(VENV_BIN / "nbgrader")] if (VENV_BIN / "nbgrader").exists() else ["nbgrader"]
