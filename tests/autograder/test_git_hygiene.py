"""Student data never enters the repository: submissions, autograded and feedback
folders, the exchange, gradebooks and grade exports are ignored, and none is tracked."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STUDENT_DATA = re.compile(r"^autograder/(submitted|autograded|feedback|exchange|work|reports)/"
                          r"|^autograder/[^/]*\.db$|^autograder/grades[^/]*\.csv$")
EXAMPLES = [  # one path of each kind, as grading writes them
    "autograder/submitted/alice/rnn_captioning/RNN_Captioning.ipynb",
    "autograder/submitted/alice/rnn_captioning/mml/rnn_layers.py",
    "autograder/autograded/alice/rnn_captioning/RNN_Captioning.ipynb",
    "autograder/feedback/alice/rnn_captioning/RNN_Captioning.html",
    "autograder/exchange/mml-rnn-captioning/inbound/alice+rnn_captioning+x/RNN_Captioning.ipynb",
    "autograder/work/autograde/alice/gradebook.db",
    "autograder/gradebook.db",
    "autograder/grades.csv",
    "autograder/grades-2026.csv",
    "autograder/reports/rnn_captioning/class_report.html",
    "autograder/reports/rnn_captioning/class_report.csv",
    "autograder/reports/rnn_captioning/similarity.html",
    "autograder/work/verdicts/rnn_captioning/alice/RNN_Captioning.json",
]


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_no_student_data_is_tracked():
    tracked = git("ls-files").stdout.splitlines()
    assert tracked, "git ls-files listed nothing: is this a git checkout?"
    leaked = [path for path in tracked if STUDENT_DATA.search(path)]
    assert not leaked, f"student data is tracked by git; fix: git rm --cached {' '.join(leaked)}"


def test_every_kind_of_student_data_is_ignored():
    ignored = set(git("check-ignore", "--no-index", *EXAMPLES).stdout.splitlines())
    missing = [path for path in EXAMPLES if path not in ignored]
    assert not missing, f".gitignore does not ignore {missing}; fix: add their folder to .gitignore"
