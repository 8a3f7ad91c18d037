"""JupyterHub configuration of the course (started by hub/launch.py run, i.e. `make hub`).

The hub runs as root on 127.0.0.1 behind configurable-http-proxy, logs local
accounts in with PAM and starts each user's JupyterLab as that user
(LocalProcessSpawner) from the users' Python environment, which holds nbgrader's
JupyterLab extensions and never the reference solution. Settings:
hub/hub_settings.py.

- Students (every account not in MML_HUB_GRADERS) start in their home folder;
  their nbgrader configuration (course id, exchange) comes from the students'
  configuration folder; the Assignments tab fetches, validates, submits and
  fetches feedback.
- Graders start in the course folder, whose nbgrader_config.py the formgrader
  reads (gradebook, exchange, the judge in autograde).
"""
import os
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hub_settings  # noqa: E402

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

STATE = hub_settings.state_dir()
USER_ENV = hub_settings.user_env_dir()
GRADERS = set(hub_settings.graders())

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = hub_settings.port()
# The hub's own API and the proxy's API listen on the next two ports.
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = hub_settings.port() + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub_settings.port() + 2}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [str(hub_settings.CHP)]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# Real local accounts, password checked by PAM; every local account may log in.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allow_all = True



class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that starts a grader's server inside the course folder:
    nbgrader (the formgrader) reads nbgrader_config.py from the current folder."""

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        folder = str(hub_settings.course_dir()) if name in GRADERS else None

        def preexec():
            become_user()
            if folder:
                os.chdir(folder)
        return preexec


c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.cmd = [str(USER_ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Nothing of the hub's own environment (its PATH may name the instructor's
# Python) reaches a user's server but these.
c.Spawner.env_keep = ["LANG", "LC_ALL", "TZ"]
c.Spawner.environment = {
    "PATH": f"{USER_ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "MML_COURSE_ID": hub_settings.course_id(),
    "MML_EXCHANGE_ROOT": str(hub_settings.exchange_root()),
    "MML_DATA_ROOT": str(hub_settings.data_root()),
    "OPENBLAS_NUM_THREADS": "1",
}


def per_role(spawner):
    """Graders work in the course folder; students read the students' configuration."""
    if spawner.user.name in GRADERS:
        spawner.notebook_dir = str(hub_settings.course_dir())
        # The trusted grading code imports the course's own mml (hub_settings.COURSE_PATH_FILE).
        spawner.environment = {**spawner.environment, "MML_HUB_COURSE_DIR": str(hub_settings.course_dir())}
    else:
        spawner.environment = {**spawner.environment,
                               "JUPYTER_CONFIG_PATH": str(hub_settings.student_config_dir())}


c.Spawner.pre_spawn_hook = per_role
