"""What counts as a secret of the course, and how a copy of one is recognised.

One policy for both scanners: the release guard (release_guard.py, on
release/) and the book's scanner (build_book.py, on the built site).

Secret:
  - a line inside a solution region of mml/**/*.py;
  - the whole source of a notebook solution cell written without markers
    (an inline answer: nbgrader replaces the whole cell), or the lines inside
    its solution region;
  - the lines inside hidden-test and mark-scheme regions of the notebooks;
  - nbgrader's marker words themselves, read from the course's nbgrader
    configuration (release_markers.load_settings), so a course that renames a
    delimiter changes it in one place;
  - GRADER_NAMES: names that only the grading side uses.

A secret line is recognised with all whitespace removed (a re-indented or
re-spaced copy is still a copy); a code line with a trailing comment also
counts without it. Not secret:
  - trivial lines: shorter than MIN_SECRET_CHARS, only brackets and
    punctuation, a bare keyword (pass, else:, return, ...), ``return``
    followed by names only, or a loop header ``for t in range(T):``;
  - ALLOWED_OVERLAPS: lines students see on purpose, each with its reason.

保密内容的唯一定义：解答区、隐藏测试、评分方案中的行，nbgrader 标记词和仅评分端使用的名字；
发布包检查与课程书扫描共用这一份规则。
"""
import json
import re
from functools import lru_cache
from pathlib import Path

from release_layout import mml_release_files
from release_markers import load_settings, solution_regions

# Names that only the grading side uses: a hidden test calls the trusted judge.
GRADER_NAMES = ("mml_judge",)
MIN_SECRET_CHARS = 6

_TRIVIAL = re.compile(
    r"[\W_]*"                                                    # brackets, commas, colons
    r"|(pass|break|continue|return|else:|try:|finally:|raise)"   # bare keywords
    r"|return[A-Za-z_][\w,.]*"                                   # return a, b (whitespace removed)
    r"|for\w+inrange\(\w+\):"                                   # for t in range(T):
)
# Solution lines that students see on purpose (a formula in a docstring,
# provided code doing the same thing). Each entry is a reviewed decision:
# line -> where students see it and why that is fine.
ALLOWED_OVERLAPS = {
    "next_c = f * prev_c + i * g":
        "the lstm_step_forward docstring states the LSTM equations, as the original assignment does",
    "done = np.zeros(N, dtype=bool)":
        "mml/decoding.py (provided) tracks finished captions the same way in sample_with_temperature",
    "if done.all():":
        "mml/decoding.py (provided) stops its sampling loop the same way",
}


def squash(text):
    """text with all whitespace removed: the form in which copies are compared."""
    return re.sub(r"\s+", "", text)


def fingerprints(line):
    """The whitespace-free forms under which a secret line is looked for (trivial ones dropped)."""
    forms = {squash(line)}
    if "#" in line.lstrip()[1:] and not re.search(r"['\"]", line):  # a trailing comment, not in a string
        forms.add(squash(line.partition("#")[0]))
    return {f for f in forms if len(f) >= MIN_SECRET_CHARS and not _TRIVIAL.fullmatch(f)}


def _region_lines(text, begin, end):
    """The lines strictly inside begin/end regions of text."""
    inside, in_region = [], False
    for line in text.split("\n"):
        if begin in line:
            in_region = True
        elif end in line:
            in_region = False
        elif in_region:
            inside.append(line)
    return inside


def notebook_secret_lines(notebook_path, settings):
    """The secret lines of one instructor notebook: answers, hidden tests, mark schemes."""
    notebook = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    secret = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and settings.begin_solution not in source:
            secret.extend(source.split("\n"))  # nbgrader replaces the whole cell: all of it is the answer
            continue
        for begin, end in ((settings.begin_solution, settings.end_solution),
                           (settings.begin_hidden_tests, settings.end_hidden_tests),
                           (settings.begin_mark_scheme, settings.end_mark_scheme)):
            secret.extend(_region_lines(source, begin, end))
    return secret


def reference_secret_lines(source_dir, mml_dir, settings):
    """The secret lines of the whole reference: mml/ and the instructor notebooks."""
    secret = []
    for rel in mml_release_files(mml_dir):
        path = Path(mml_dir) / rel
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
            lines = text.split("\n")
            for region in solution_regions(text, str(path), settings):
                secret.extend(lines[region.begin:region.end - 1])
    for notebook in sorted(Path(source_dir).glob("*.ipynb")):
        secret.extend(notebook_secret_lines(notebook, settings))
    return secret


class LeakPolicy:
    """The secrets of one course tree, ready to be looked for.

    secrets: {whitespace-free fingerprint: the secret line as written};
    words: [(word, kind)] for the marker words and grader-only names, which
    must not appear anywhere (case-sensitive for markers, as nbgrader matches).
    """

    def __init__(self, source_dir, mml_dir, settings=None):
        self.settings = settings or load_settings()
        allowed = set().union(*(fingerprints(line) for line in ALLOWED_OVERLAPS))
        self.secrets = {}
        for line in reference_secret_lines(source_dir, mml_dir, self.settings):
            for form in fingerprints(line) - allowed:
                self.secrets.setdefault(form, line.strip())
        self.words = ([(marker, "nbgrader marker") for marker in self.settings.all_markers]
                      + [(name, "grader-only name") for name in GRADER_NAMES])

    def secrets_in(self, squashed_text):
        """The fingerprints (keys of secrets) that occur in an already squashed text."""
        return [form for form in self.secrets if form in squashed_text]

    def words_in(self, text):
        """(word, kind) of every marker word or grader-only name that occurs in text."""
        return [(word, kind) for word, kind in self.words if word in text]


@lru_cache(maxsize=None)
def course_policy(source_dir, mml_dir):
    """The LeakPolicy of a course tree (cached: building it reads every solution)."""
    return LeakPolicy(Path(source_dir), Path(mml_dir))
