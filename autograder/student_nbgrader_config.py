"""nbgrader configuration of the students' side of the course (on the hub).

A hub administrator installs it once for every student, with the students'
submit (mml_grading/submit.py: one clear bilingual line for each mistake) beside it:
    install -D -m 644 autograder/student_nbgrader_config.py /etc/jupyter/nbgrader_config.py
    install -D -m 644 autograder/mml_grading/submit.py /etc/jupyter/mml_submit.py
(or both into a student's ~/.jupyter/). Then the JupyterLab Assignments tab and
`nbgrader fetch_assignment / submit rnn_captioning` find the course without
--course. The exchange folder must be the one the graders use: set
MML_EXCHANGE_ROOT to the same folder on both sides (the hub's spawner
environment and the graders' shell), e.g. /srv/nbgrader/exchange, the default
here. autograder/README.md ("JupyterHub") has the steps.

学生端的 nbgrader 配置：管理员安装一次（例如复制到 /etc/jupyter/nbgrader_config.py），
学生在 Assignments 页面或命令行获取、提交作业时就不必写 --course；
同一文件夹里的 mml_submit.py（即 mml_grading/submit.py）让提交时的错误各有一行清楚的中英文说明。
交换区必须与评分端相同：两边都设置 MML_EXCHANGE_ROOT（默认 /srv/nbgrader/exchange）。
"""
import importlib.util
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# The course id of autograder/mml_grading/settings.py (a test holds them equal);
# a hub serving several courses may set MML_COURSE_ID in the students' environment.
c.CourseDirectory.course_id = os.environ.get("MML_COURSE_ID") or "mml-rnn-captioning"
c.Exchange.root = os.environ.get("MML_EXCHANGE_ROOT") or "/srv/nbgrader/exchange"


def _students_submit():
    """ClearSubmit from mml_submit.py beside this file (as installed) or from
    mml_grading/submit.py (this file read from the repository); None if neither.
    Loaded from its file: the students' Python has no course package to import."""
    here = os.path.dirname(os.path.abspath(__file__))  # noqa: F821 - set by the config loader
    for path in (os.path.join(here, "mml_submit.py"), os.path.join(here, "mml_grading", "submit.py")):
        if os.path.isfile(path):
            spec = importlib.util.spec_from_file_location("mml_submit", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.ClearSubmit
    return None


_submit = _students_submit()
if _submit is not None:
    c.ExchangeFactory.submit = _submit
