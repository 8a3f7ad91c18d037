"""Set up and start the course hub: python hub/launch.py setup | run.

setup   the proxy (npm ci --prefix hub: configurable-http-proxy, pinned in
        hub/package-lock.json) and the users' Python environment (Debian's
        python3, hub/requirements.txt at the versions of constraints.txt), with
        the students' configuration folder copied into it. Quick when nothing
        changed.
run     (as root) create the state folder and the nbgrader exchange (mode 0777,
        as nbgrader asks), build the course-wide dataset once if it is missing,
        then start JupyterHub on 127.0.0.1 (`make hub`). Accounts are the
        machine's own: create them with useradd and set a password with passwd.
Settings (port, graders, course folder, exchange, data): hub/hub_settings.py.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hub_settings  # noqa: E402

HUB_DIR = hub_settings.HUB_DIR
ROOT = hub_settings.ROOT
CONSTRAINTS = ROOT / "constraints.txt"
REQUIREMENTS = HUB_DIR / "requirements.txt"
# Pins of constraints.txt whose release needs a newer Python than Debian's
# python3 (3.11.2): the users' environment takes the newest release that runs.
FOR_DEBIAN_PYTHON = {"soupsieve": "soupsieve<3"}


def fail(message):
    raise SystemExit(f"hub/launch.py: {message}")


def run(cmd, **kwargs):
    print("+", " ".join(str(part) for part in cmd), flush=True)
    result = subprocess.run([str(part) for part in cmd], **kwargs)
    if result.returncode != 0:
        fail(f"{Path(str(cmd[0])).name} failed (exit {result.returncode}); see the lines above")


def setup_proxy():
    proxy = hub_settings.CHP
    lock = HUB_DIR / "package-lock.json"
    if proxy.exists() and proxy.stat().st_mtime >= lock.stat().st_mtime:
        return
    if not shutil.which("npm"):
        fail("npm not found; fix: bash tools/install_system_deps.sh (installs nodejs and npm)")
    run(["npm", "ci", "--prefix", HUB_DIR, "--no-audit", "--no-fund"])
    proxy.touch()


def user_constraints():
    """constraints.txt, with the pins Debian's python3 cannot install replaced."""
    lines = []
    for line in CONSTRAINTS.read_text().splitlines():
        name = line.split("==")[0].strip().lower().replace("_", "-")
        lines.append(FOR_DEBIAN_PYTHON.get(name, line))
    return "\n".join(lines) + "\n"


def setup_user_env():
    env_dir = hub_settings.user_env_dir()
    constraints = user_constraints()
    wanted = hashlib.sha256((constraints + REQUIREMENTS.read_text()).encode()).hexdigest()
    stamp = env_dir / ".mml-hub-installed"
    if not (stamp.exists() and stamp.read_text() == wanted):
        python = hub_settings.USER_PYTHON
        if not python.exists():
            fail(f"{python} not found; fix: bash tools/install_system_deps.sh (installs python3-venv)")
        if not (env_dir / "bin" / "python").exists():
            env_dir.parent.mkdir(parents=True, exist_ok=True)
            run([python, "-m", "venv", env_dir])
        pip = [env_dir / "bin" / "python", "-m", "pip", "--quiet", "--disable-pip-version-check"]
        run([*pip, "install", "--upgrade", "pip"])
        constraints_file = env_dir / "constraints.txt"
        constraints_file.write_text(constraints)
        run([*pip, "install", "-c", constraints_file, "-r", REQUIREMENTS])
        for path in [env_dir, *env_dir.rglob("*")]:  # every account runs it, only its owner changes it
            if not path.is_symlink():
                mode = path.stat().st_mode
                path.chmod((mode | 0o444 | (0o111 if mode & 0o100 else 0)) & ~0o022)
        stamp.write_text(wanted)
    name, line = hub_settings.COURSE_PATH_FILE
    for site_packages in env_dir.glob("lib/python3*/site-packages"):
        (site_packages / name).write_text(line)
        (site_packages / name).chmod(0o644)
    # JupyterLab without the "news" prompt: the hub's users have no use for it.
    overrides = env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}))
    target = hub_settings.student_config_dir()
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(hub_settings.STUDENT_CONFIG_SOURCE, target)
    shutil.copy(hub_settings.STUDENT_NBGRADER_CONFIG, target / "nbgrader_config.py")
    shutil.copy(hub_settings.STUDENTS_SUBMIT, target / "mml_submit.py")
    if not hub_settings.reachable_by_all(env_dir):
        fail(f"{env_dir} is not reachable by other accounts; fix: export MML_HUB_USER_ENV=<a folder "
             "every account can enter> and run it again")


def setup():
    setup_proxy()
    setup_user_env()
    print(f"hub: proxy {hub_settings.CHP}, users' environment {hub_settings.user_env_dir()}")


def prepare_folders():
    """The hub's own state (root only), the exchange (0777) and the course data."""
    if os.geteuid() != 0:
        fail("the hub starts each user's server as that user, so it runs as root; fix: sudo make hub")
    state = hub_settings.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    exchange = hub_settings.exchange_root()
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)
    data_root = hub_settings.data_root()
    run([sys.executable, "-m", "mml.datasets", "build", "--into", data_root], cwd=ROOT)
    for path in [data_root, *data_root.rglob("*")]:  # read-only for students
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))


def start():
    setup()
    prepare_folders()
    print(f"hub: http://127.0.0.1:{hub_settings.port()}/  graders: {', '.join(hub_settings.graders())}; "
          f"course folder {hub_settings.course_dir()}; exchange {hub_settings.exchange_root()}", flush=True)
    jupyterhub = Path(sys.executable).parent / "jupyterhub"
    os.chdir(hub_settings.state_dir())
    os.execv(jupyterhub, [str(jupyterhub), "-f", str(HUB_DIR / "jupyterhub_config.py")])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["setup", "run"])
    args = parser.parse_args(argv)
    setup() if args.command == "setup" else start()


if __name__ == "__main__":
    main()
