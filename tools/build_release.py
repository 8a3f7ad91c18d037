"""Build the student release: release/rnn_captioning/, notebooks and mml stripped of solutions.

    python tools/build_release.py [--out DIR]      (make release; DIR defaults to release/)

1. mml/**/*.py are copied into a temporary folder with every solution region
   replaced by nbgrader's own Python stub (strip_solutions, in release_markers.py).
2. ``nbgrader generate_assignment rnn_captioning`` with the course configuration
   (autograder/nbgrader_config.py) writes the student notebooks and README.md
   next to them, with its gradebook in a temporary sqlite file.
3. The leak guard (release_guard.py) checks the result.
4. Only then does the new folder replace DIR/rnn_captioning; on any failure
   the previous release is left exactly as it was.

构建学生发布包：先在临时目录中生成并通过泄露检查，再整体替换 release/rnn_captioning；
任何一步失败，原有的发布包都保持不变。
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from release_guard import check_release
from release_layout import ASSIGNMENT, DEFAULT_OUT, MML_DIR, ROOT, mml_release_files
from release_markers import COURSE_CONFIG, ReleaseError, load_settings, strip_solutions

__all__ = ["build_release", "strip_solutions", "ReleaseError"]


def run_nbgrader(course_root, work_dir, config_file=COURSE_CONFIG):
    """nbgrader generate_assignment into work_dir/nbgrader/<assignment>; returns that folder.

    The gradebook goes to a sqlite file in work_dir and nbgrader runs from
    work_dir with no user or system Jupyter configuration, so the repository
    gains no gradebook.db or log and every machine builds the same bytes.
    """
    bin_dir = Path(sys.executable).parent  # nbgrader calls `alembic` from PATH
    out_root = Path(work_dir) / "nbgrader"
    config_base = Path(config_file).with_suffix("")  # jupyter_core appends the .py itself
    command = [
        str(bin_dir / "nbgrader"), "generate_assignment", ASSIGNMENT,
        f"--JupyterApp.config_file={config_base}",
        f"--CourseDirectory.root={Path(course_root).resolve()}",
        f"--CourseDirectory.release_directory={out_root}",
        f"--CourseDirectory.db_url=sqlite:///{Path(work_dir) / 'gradebook.db'}",
        "--force", "--log-level=WARN",
    ]
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", JUPYTER_NO_CONFIG="1")
    done = subprocess.run(command, cwd=work_dir, env=env, capture_output=True, text=True)
    assignment_dir = out_root / ASSIGNMENT
    if done.returncode != 0 or not assignment_dir.is_dir():
        reason = _nbgrader_reason(done.stderr) or f"exit code {done.returncode}"
        source = Path(course_root) / "source_assignments" / ASSIGNMENT
        raise ReleaseError(f"{source}: nbgrader generate_assignment failed: {reason} "
                           f"(run it by hand for the full log)")
    return assignment_dir


def _nbgrader_reason(log):
    """The most telling line of a failed nbgrader run: the exception raised, else its first error."""
    lines = [line.strip() for line in log.splitlines()]
    raised = [line for line in lines if re.match(r"^[\w.]*(Error|Exception): ", line)]
    errors = [line.split("ERROR]", 1)[-1].strip() for line in lines if "| ERROR]" in line]
    return (raised or errors or [""])[-1 if raised else 0]


def copy_stripped_mml(mml_dir, dest_dir, settings=None):
    """Copy the release files of mml_dir into dest_dir/mml, solution regions stubbed."""
    mml_dir = Path(mml_dir)
    for rel in mml_release_files(mml_dir):
        source = mml_dir / rel
        text = source.read_text(encoding="utf-8")
        target = Path(dest_dir) / "mml" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip_solutions(text, str(source), settings), encoding="utf-8")


def _swap_into_place(new_dir, final_dir):
    """Replace final_dir by new_dir (same file system) with two renames; restore on failure."""
    old_dir = final_dir.with_name(f".{final_dir.name}.old")
    if old_dir.exists():
        shutil.rmtree(old_dir)
    had_old = final_dir.exists()
    if had_old:
        os.rename(final_dir, old_dir)
    try:
        os.rename(new_dir, final_dir)
    except OSError:
        if had_old:
            os.rename(old_dir, final_dir)
        raise
    if had_old:
        shutil.rmtree(old_dir)


def build_release(out_dir=DEFAULT_OUT, course_root=ROOT, mml_dir=MML_DIR, config_file=COURSE_CONFIG):
    """Build out_dir/<assignment>/ and return its path; raises ReleaseError and leaves it untouched on failure."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(Path(config_file))
    final_dir = out_dir / ASSIGNMENT
    with tempfile.TemporaryDirectory(prefix="mml-release-") as work, \
            tempfile.TemporaryDirectory(prefix=f".{ASSIGNMENT}.new-", dir=out_dir) as staging:
        new_dir = Path(staging) / ASSIGNMENT
        copy_stripped_mml(mml_dir, new_dir, settings)  # first: bad markers fail fast
        notebooks_dir = run_nbgrader(course_root, work, config_file)
        if (notebooks_dir / "mml").exists():
            raise ReleaseError(f"{Path(course_root) / 'source_assignments' / ASSIGNMENT / 'mml'}: the release's "
                               f"mml/ comes from {mml_dir} only; remove this folder")
        shutil.copytree(notebooks_dir, new_dir, dirs_exist_ok=True)
        problems = check_release(new_dir, course_root=course_root, mml_dir=mml_dir, settings=settings)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ReleaseError(f"leak guard: {problems[0]}{more}")
        _swap_into_place(new_dir, final_dir)
    return final_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder that receives {ASSIGNMENT}/ (default: release/)")
    args = parser.parse_args(argv)
    try:
        final_dir = build_release(args.out)
    except ReleaseError as err:
        print(f"发布包未更新 / release not updated: {err}", file=sys.stderr)
        return 1
    shown = final_dir.relative_to(ROOT) if final_dir.is_relative_to(ROOT) else final_dir
    print(f"发布包已生成，泄露检查通过 / release built, leak guard passed: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
