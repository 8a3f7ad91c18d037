"""Settings of the course hub, each read once from the environment, with its default.

| variable | default | what it is |
| --- | --- | --- |
| MML_HUB_PORT | 8000 | the hub's port on 127.0.0.1 (the hub's and the proxy's APIs take the next two) |
| MML_HUB_STATE_DIR | hub/state | the hub's database, cookie secret and logs (root only) |
| MML_HUB_USER_ENV | hub/user-env | the users' Python environment (see user_env_dir) |
| MML_HUB_GRADERS | grader | local accounts that grade (comma-separated); every other account is a student |
| MML_HUB_COURSE_DIR | the repository | the graders' notebook folder: the course root, with nbgrader_config.py |
| MML_EXCHANGE_ROOT | /srv/nbgrader/exchange | the nbgrader exchange (created with mode 0777, as nbgrader asks) |
| MML_DATA_ROOT | /srv/mml/data | the course-wide dataset folder (mml.datasets.shared_root) |

Every account must be a real local account (the hub runs as root, logs in with PAM
and starts each server as its user).
"""
import os
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
ROOT = HUB_DIR.parent
# The students' configuration folder (the JupyterLab extensions a student sees,
# and the course's student-side nbgrader configuration: course id, exchange),
# copied into the users' environment by `launch.py setup`; a student's server
# reads it through JUPYTER_CONFIG_PATH.
STUDENT_CONFIG_SOURCE = HUB_DIR / "student_config"
STUDENT_NBGRADER_CONFIG = ROOT / "autograder" / "student_nbgrader_config.py"
STUDENTS_SUBMIT = ROOT / "autograder" / "mml_grading" / "submit.py"  # loaded by the file above
CHP = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
# A graders' server runs the course's trusted grading code (the grading kernel's
# launcher, the sandbox, the judge), which imports the course's own mml, also
# under `python -I`; this line in the users' environment puts the course folder
# on sys.path when the hub sets MML_HUB_COURSE_DIR, which it does for graders only.
COURSE_PATH_FILE = ("mml_hub_course.pth",
                    'import os, sys; d = os.environ.get("MML_HUB_COURSE_DIR"); d and sys.path.append(d)\n')
# The users' Python runs Debian's interpreter: the instructor's own Python may
# live where other accounts cannot enter (e.g. under /root).
USER_PYTHON = Path("/usr/bin/python3")


def _env(name, default):
    return os.environ.get(name) or default


def port():
    value = _env("MML_HUB_PORT", "8000")
    if not value.isdigit():
        raise SystemExit(f"$MML_HUB_PORT={value!r} is not a port number; fix: export MML_HUB_PORT=8000")
    return int(value)


def state_dir():
    return Path(_env("MML_HUB_STATE_DIR", HUB_DIR / "state")).resolve()


def reachable_by_all(path):
    """True when every folder from / down to path lets other accounts pass (o+x)."""
    path = Path(path).resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [*reversed(path.parents), path] if p.exists())


def user_env_dir():
    """The users' Python environment: $MML_HUB_USER_ENV, else hub/user-env when
    every account can reach the repository, else /opt/mml-hub/user-env."""
    if os.environ.get("MML_HUB_USER_ENV"):
        return Path(os.environ["MML_HUB_USER_ENV"]).resolve()
    if reachable_by_all(HUB_DIR):
        return HUB_DIR / "user-env"
    return Path("/opt/mml-hub/user-env")


def student_config_dir():
    """The students' configuration folder inside the users' environment."""
    return user_env_dir() / "etc" / "mml-hub" / "student"


def graders():
    return [name.strip() for name in _env("MML_HUB_GRADERS", "grader").split(",") if name.strip()]


def course_dir():
    return Path(_env("MML_HUB_COURSE_DIR", ROOT)).resolve()


def exchange_root():
    return Path(_env("MML_EXCHANGE_ROOT", "/srv/nbgrader/exchange")).resolve()


def data_root():
    import sys
    sys.path.insert(0, str(ROOT))
    from mml.datasets import shared_root
    return shared_root()


def course_id():
    """The course id, from the grading settings (one place)."""
    import sys
    sys.path.insert(0, str(ROOT / "autograder"))
    from mml_grading.settings import COURSE_ID
    return COURSE_ID
