"""One course configuration: the root nbgrader_config.py, the formgrader and
grade.py's settings agree on course, gradebook and exchange; each grading
setting is declared once and autograder/README.md shows that table; every
command the READMEs give exists as written."""
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from mml_grading import settings  # installed in the venv with the course (pyproject.toml)

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"

READMES = (ROOT / "README.md", ROOT / "autograder" / "README.md")
# Commands a student types in a hub terminal, where nbgrader is on PATH.
STUDENT_COMMANDS = {"fetch_assignment", "validate", "submit", "fetch_feedback"}


def test_readme_limits_table_is_the_settings_table():
    text = (ROOT / "autograder" / "README.md").read_text(encoding="utf-8")
    assert settings.limits_table() in text
    rows = [line for line in text.splitlines() if line.startswith("| `") and "`MML_" in line]
    assert len(rows) == len(settings.all_settings()) >= 11


def test_a_setting_is_read_from_its_variable_and_a_bad_value_is_one_line(monkeypatch):
    monkeypatch.setenv("MML_GRADING_CELL_TIMEOUT", "45")
    monkeypatch.setenv("MML_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
    chosen = settings.GradingSettings()
    assert (chosen.cell_timeout, chosen.exchange_root) == (45, Path("/srv/nbgrader/exchange"))
    assert settings.value("judge_check_timeout") == 20.0
    monkeypatch.setenv("MML_GRADING_CELL_TIMEOUT", "two minutes")
    with pytest.raises(SystemExit) as err:
        settings.GradingSettings()
    assert str(err.value) == ("$MML_GRADING_CELL_TIMEOUT='two minutes' is not a int; "
                              "fix: export MML_GRADING_CELL_TIMEOUT=<int> or unset it")


def test_student_side_configuration_names_the_same_course():
    text = (ROOT / "autograder" / "student_nbgrader_config.py").read_text(encoding="utf-8")
    assert f'c.CourseDirectory.course_id = os.environ.get("MML_COURSE_ID") or "{settings.COURSE_ID}"' in text
    assert 'os.environ.get("MML_EXCHANGE_ROOT")' in text


FORMGRADER_CONFIG = """
import json, os
from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
ext = FormgradeExtension()
ext.root_dir = os.getcwd()
c = ext.load_config()
print(json.dumps([c.CourseDirectory.course_id, c.CourseDirectory.db_url, c.Exchange.root,
                  c.Execute.timeout, os.environ["PATH"].split(os.pathsep)[0]]))
"""


def test_root_nbgrader_formgrader_and_grade_py_see_one_course(course_copy, fresh_home):
    course = course_copy
    _, env = fresh_home("teacher")
    # The formgrader of a `jupyter lab` started at the root reads the same configuration.
    done = subprocess.run([BIN / "python", "-c", FORMGRADER_CONFIG], cwd=course, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    course_id, db_url, exchange, timeout, first_path = json.loads(done.stdout.splitlines()[-1])
    graded = settings.GradingSettings(course_root=course)
    graded.exchange_root = course / "autograder" / "exchange"
    assert course_id == settings.COURSE_ID
    assert db_url == graded.db_url == f"sqlite:///{course / 'autograder' / 'gradebook.db'}"
    assert exchange == str(graded.exchange_root)
    assert timeout == settings.setting("cell_timeout").default == 120
    assert first_path == str(course / ".venv" / "bin")  # alembic found without activating the venv
    # nbgrader from the root in a fresh shell: the gradebook is autograder/gradebook.db, none at the root.
    done = subprocess.run(["bash", "-c", ".venv/bin/nbgrader db student add alice --last-name=A"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (course / "gradebook.db").exists()
    assert (course / "autograder" / "gradebook.db").is_file()
    done = subprocess.run([".venv/bin/nbgrader", "db", "student", "list"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "alice (A, None) -- None, None" in done.stdout + done.stderr


def commands(path):
    """Every command line of the bash blocks of a README (continuations joined)."""
    text = path.read_text(encoding="utf-8")
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                yield line


def make_targets():
    text = (ROOT / "Makefile").read_text() + (ROOT / "autograder" / "grading.mk").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, flags=re.M))


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_readme_command_exists_as_written(readme):
    targets = make_targets()
    seen = 0
    for line in commands(readme):
        words = shlex.split(line)
        if words[0] == "sudo":
            words = words[1:]
        seen += 1
        if words[0] == "make":
            assert set(words[1:]) <= targets, f"{readme.name}: {line}: no such make target"
        elif words[0] == "nbgrader":
            assert words[1] in STUDENT_COMMANDS, f"{readme.name}: {line}: call the venv's tool by path"
        elif words[0].startswith(".venv/bin/"):
            assert (ROOT / words[0]).is_file(), f"{readme.name}: {line}: {words[0]} not found"
        elif words[0] == "install":  # a folder (-d), or a file of the repository
            assert "-d" in words or (ROOT / words[-2]).is_file(), f"{readme.name}: {line}: {words[-2]} not found"
        else:
            pytest.fail(f"{readme.name}: {line}: a command that a fresh shell after make course cannot run")
    assert seen >= 3


def test_grade_py_runs_from_any_python_and_its_options_come_from_the_table(fresh_home):
    _, env = fresh_home("teacher")
    # `python3 autograder/grade.py` in a fresh shell: a Python without nbgrader re-runs it in the venv.
    done = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c",
                           "python3 autograder/grade.py --help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    rows = [row for row in settings.all_settings() if row.option]
    assert [row.option for row in rows] == ["--workers", "--cell-timeout", "--submission-timeout"]
    for row in rows:
        assert f"{row.option} " in text and f"${row.env})" in text
    assert "(default 120 s, $MML_GRADING_CELL_TIMEOUT)" in text


def test_student_side_configuration_loads_the_clear_submit_beside_it(tmp_path):
    """As installed (README): the configuration and mml_submit.py in one folder; the class
    comes from that file (a student's Python has no course package to import it from)."""
    from traitlets.config.loader import PyFileConfigLoader

    shutil.copy(ROOT / "autograder" / "student_nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copy(ROOT / "autograder" / "mml_grading" / "submit.py", tmp_path / "mml_submit.py")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    submit = config.ExchangeFactory.submit
    assert submit.__name__ == "ClearSubmit" and submit.__module__ == "mml_submit"
    assert submit.do_copy.__code__.co_filename == str(tmp_path / "mml_submit.py")
    (tmp_path / "mml_submit.py").unlink()  # not installed: nbgrader's own submit, still working
    assert "submit" not in PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config().ExchangeFactory
