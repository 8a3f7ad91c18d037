"""The similarity report: which submissions share unusually much code.

    python autograder/grade.py similarity

Every student's ``mml/**/*.py`` (collected submissions in autograder/submitted/)
is compared with every other student's file of the same name, using
copydetect (tokenised code, names replaced by placeholders, so renamed
variables still match; k-gram fingerprints with winnowing). The starter code
of the release is boilerplate: what a student got for free never counts. The
instructor's reference solution is compared separately ("too close to the
key"). The page, autograder/reports/<assignment>/similarity.html (ignored by
git, never published), lists:

- pairs of students where at least THRESHOLD of one student's own code (the
  tokens left after removing the starter code) also appears in the other's,
  and at least MIN_SHARED_TOKENS tokens are shared; the shared regions are
  highlighted for the DETAILED most similar pairs;
- students where at least THRESHOLD of their own code is the reference's.

It never changes a grade: it is a pointer for a human to look at two
submissions, and honest solutions of a short numpy function can look alike.
Student files are read as untrusted text: regular files only (no links), at
most MAX_FILE_BYTES each, shown escaped.

How the work scales: identical files are fingerprinted once; candidate pairs
come from one matrix product of shared fingerprints per file name, and the
exact copydetect comparison runs only for pairs near the threshold.
"""
import hashlib
import html
import io
import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from .settings import ROOT

# Documented thresholds (the page repeats them).
THRESHOLD = 0.6          # share of a student's own code found in the other submission
MIN_SHARED_TOKENS = 150  # and at least this many shared tokens (one short function is not enough)
NOISE_TOKENS = 25        # copydetect: k-grams of this many tokens (shorter matches are noise)
GUARANTEE_TOKENS = 30    # copydetect: every match this long is found (winnowing window 6)
DETAILED = 40            # pairs shown with their code highlighted
MAX_FILE_BYTES = 512 * 1024
WINDOW = GUARANTEE_TOKENS - NOISE_TOKENS + 1


@dataclass
class Document:
    """One file's fingerprint (shared by every student with the same text)."""
    path: str
    fingerprint: object
    index: int = -1                     # row among the documents of this path

    @property
    def coverage(self):
        return float(self.fingerprint.token_coverage)


@dataclass
class Pair:
    a: str
    b: str
    share_a: float                      # of a's own code, found in b
    share_b: float
    tokens: int
    files: list = field(default_factory=list)   # [(path, doc a, doc b, slices a, slices b)]

    @property
    def score(self):
        return max(self.share_a, self.share_b)


def python_files(folder):
    """{relative path: text} of the regular .py files under folder/mml, links and big files skipped."""
    found = {}
    base = Path(folder) / "mml"
    if base.is_symlink() or not base.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "datasets")
                             and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.endswith(".py"):
                continue
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                continue
            with open(path, "rb") as fh:
                found[path.relative_to(base).as_posix()] = fh.read(MAX_FILE_BYTES).decode("utf-8", "replace")
    return found


def _fingerprint(path, text, boilerplate):
    return CodeFingerprint(path, NOISE_TOKENS, WINDOW, boilerplate=boilerplate, fp=io.StringIO(text))


class Corpus:
    """The class's documents, fingerprinted once per distinct text."""

    def __init__(self, starter_files):
        self.starter = starter_files
        prints = [_fingerprint(p, t, None).hashes for p, t in sorted(starter_files.items())]
        self.boilerplate = np.array(sorted(set().union(*prints)) if prints else [], dtype=np.int64)
        self.by_text = {}
        self.docs = defaultdict(list)   # path -> [Document]

    def document(self, path, text):
        """The Document of path with this text; None when it is the starter code or has no own code."""
        if self.starter.get(path) == text:
            return None
        key = (path, hashlib.sha256(text.encode("utf-8", "replace")).hexdigest())
        if key not in self.by_text:
            fp = _fingerprint(path, text, self.boilerplate)
            doc = None
            if fp.hashes:
                doc = Document(path, fp, len(self.docs[path]))
                self.docs[path].append(doc)
            self.by_text[key] = doc
        return self.by_text[key]


def shared_counts(docs):
    """Matrix of fingerprints shared by every two documents of one path."""
    owner, hashes = [], []
    for doc in docs:
        h = np.fromiter(doc.fingerprint.hashes, dtype=np.int64)
        hashes.append(h)
        owner.append(np.full(len(h), doc.index))
    if not hashes:
        return np.zeros((0, 0), np.float32)
    hashes, owner = np.concatenate(hashes), np.concatenate(owner)
    values, column, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    keep = counts[column] > 1           # a fingerprint in one document is shared by nobody
    column = np.unique(column[keep], return_inverse=True)[1]
    matrix = np.zeros((len(docs), int(column.max()) + 1 if column.size else 0), np.float32)
    matrix[owner[keep], column] = 1.0
    return matrix @ matrix.T


class Comparer:
    """copydetect's exact comparison, once per pair of distinct documents."""

    def __init__(self):
        self.cache = {}

    def __call__(self, doc_a, doc_b):
        key = (id(doc_a), id(doc_b))
        if key not in self.cache:
            tokens, (sim_a, sim_b), (slices_a, slices_b) = compare_files(doc_a.fingerprint, doc_b.fingerprint)
            over_a = sim_a * doc_a.coverage
            over_b = sim_b * doc_b.coverage
            self.cache[key] = (float(over_a), float(over_b), int(tokens), slices_a, slices_b)
        return self.cache[key]


def analyse(students, starter_files, reference_files):
    """(flagged pairs, {student: key share}, key files, own tokens per student) for
    students = {student: {path: text}}."""
    corpus = Corpus(starter_files)
    own = {s: {p: d for p, t in sorted(files.items()) if (d := corpus.document(p, t)) is not None}
           for s, files in sorted(students.items())}
    total = {s: sum(d.coverage for d in docs.values()) for s, docs in own.items()}
    names = [s for s in own if total[s] > 0]
    position = {s: i for i, s in enumerate(names)}
    # candidate pairs: shared fingerprints, summed over file names
    n = len(names)
    shared = np.zeros((n, n), np.float32)
    prints = np.zeros(n, np.float32)
    for path, docs in corpus.docs.items():
        counts = shared_counts(docs)
        rows = [(position[s], own[s][path].index) for s in names if path in own[s]]
        if not rows:
            continue
        who, which = map(np.array, zip(*rows))
        shared[np.ix_(who, who)] += counts[np.ix_(which, which)]
        prints[who] += np.diag(counts)[which]
    np.fill_diagonal(shared, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.nan_to_num(shared / np.minimum.outer(prints, prints))
    # winnowed fingerprints estimate the token share; look exactly at anything near the threshold
    candidates = np.argwhere(np.triu(fraction >= THRESHOLD / 2, k=1))
    compare = Comparer()
    pairs = []
    for i, j in candidates:
        a, b = names[i], names[j]
        over_a = over_b = tokens = 0
        files = []
        for path in sorted(set(own[a]) & set(own[b])):
            oa, ob, tk, sa, sb = compare(own[a][path], own[b][path])
            over_a, over_b, tokens = over_a + oa, over_b + ob, tokens + tk
            if tk:
                files.append((path, own[a][path], own[b][path], sa, sb))
        pair = Pair(a, b, over_a / total[a], over_b / total[b], tokens, files)
        if pair.score >= THRESHOLD and tokens >= MIN_SHARED_TOKENS:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    # the key: each student's own code against the reference file of the same name
    key_docs = {}
    for path, text in reference_files.items():
        if starter_files.get(path) != text:
            fp = _fingerprint(path, text, corpus.boilerplate)
            if fp.hashes:
                key_docs[path] = Document(path, fp)
    key_share, key_files = {}, {}
    for s in names:
        over, files = 0.0, []
        for path, doc in own[s].items():
            if path in key_docs:
                oa, _, tk, sa, _ = compare(doc, key_docs[path])
                over += oa
                if tk:
                    files.append((path, doc, sa))
        key_share[s] = over / total[s]
        key_files[s] = files
    return pairs, key_share, key_files, total


# --- the page -----------------------------------------------------------------

CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; }
.warn { background: #fff4d6; border: 1px solid #e0b84d; padding: .6em 1em; }
.code { display: flex; gap: 1em; } .code > div { flex: 1; min-width: 0; }
pre { background: #f8f8f8; border: 1px solid #ddd; padding: .5em; overflow-x: auto; font-size: .8em; }
mark { background: #ffb3b3; }
.zh { display: block; } .en { display: block; color: #444; }
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _bi(zh, en):
    return f'<span class="zh">{_e(zh)}</span><span class="en">{_e(en)}</span>'


def _highlighted(doc, slices):
    if slices is None or len(slices) == 0 or np.size(slices) == 0:
        return _e(doc.fingerprint.raw_code)
    marked, _ = highlight_overlap(doc.fingerprint.raw_code, np.asarray(slices, dtype=int),
                                  "<mark>", "</mark>", truncate=6, escape_html=True)
    return marked


def render_html(assignment, students, pairs, key_share, key_files, total):
    close = sorted(((s, v) for s, v in key_share.items() if v >= THRESHOLD), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>相似度报告 · "
             f"Similarity report: {_e(assignment)}</title><style>{CSS}</style></head><body>",
             f"<h1>相似度报告 · Similarity report: {_e(assignment)}</h1>",
             "<p class='warn' id='never-grades'>" + _bi(
                 "本报告从不改变任何成绩。它只提示人工去比较两份提交；简短的 numpy 函数，诚实的答案也可能相像。"
                 "仅供教师和助教使用，不要发布。",
                 "This report never changes a grade. It only points a human at submissions to compare; "
                 "honest solutions of a short numpy function can look alike. For teachers and teaching "
                 "assistants only: never publish it.") + "</p>",
             "<p>" + _bi(
                 f"比较了 {len(students)} 位学生的 mml/*.py（同名文件两两比较，copydetect：变量名被替换为占位符，"
                 f"{NOISE_TOKENS} 个词元以下的重合视为噪声）。发布的起始代码不计入。"
                 f"阈值：一位学生自己写的代码中至少 {THRESHOLD:.0%} 出现在另一份提交中，且至少共享 "
                 f"{MIN_SHARED_TOKENS} 个词元；与参考答案的比较单列一栏，阈值相同。",
                 f"Compared the mml/*.py of {len(students)} students (files of the same name, pairwise, with "
                 f"copydetect: names become placeholders, matches under {NOISE_TOKENS} tokens are noise). "
                 f"The release's starter code does not count. Threshold: at least {THRESHOLD:.0%} of one "
                 f"student's own code appears in the other submission, with at least {MIN_SHARED_TOKENS} "
                 "shared tokens; the comparison with the reference solution is a separate column with the "
                 "same threshold.") + "</p>",
             f"<h2 id='pairs'>相似的提交 · Similar pairs: {len(pairs)}</h2>"]
    if pairs:
        rows = []
        for k, p in enumerate(pairs):
            link = f"<a href='#pair-{k}'>{k + 1}</a>" if k < DETAILED else str(k + 1)
            rows.append(f"<tr><td>{link}</td><td>{_e(p.a)}</td><td>{_e(p.b)}</td>"
                        f"<td class='n'>{p.share_a:.0%}</td><td class='n'>{p.share_b:.0%}</td>"
                        f"<td class='n'>{p.tokens}</td><td class='n'>{key_share.get(p.a, 0):.0%}</td>"
                        f"<td class='n'>{key_share.get(p.b, 0):.0%}</td></tr>")
        parts.append("<table id='pair-table'><thead><tr><th>#</th><th>学生 A · student A</th><th>学生 B · student B</th>"
                     "<th>A 的代码在 B 中 · A's code in B</th><th>B 的代码在 A 中 · B's code in A</th>"
                     "<th>共享词元 · shared tokens</th><th>A 与答案 · A vs key</th><th>B 与答案 · B vs key</th>"
                     "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    else:
        parts.append("<p>" + _bi("没有超过阈值的学生对。", "No pair above the threshold.") + "</p>")
    parts.append(f"<h2 id='key'>与参考答案太接近 · Too close to the key: {len(close)}</h2>")
    if close:
        parts.append("<table id='key-table'><thead><tr><th>学生 · student</th><th>自己的代码中与答案相同的比例 · "
                     "share of own code found in the key</th><th>自己的词元 · own tokens</th></tr></thead><tbody>"
                     + "".join(f"<tr><td><a href='#key-{_e(s)}'>{_e(s)}</a></td><td class='n'>{v:.0%}</td>"
                               f"<td class='n'>{total[s]:.0f}</td></tr>" for s, v in close) + "</tbody></table>")
    else:
        parts.append("<p>" + _bi("没有学生超过阈值。", "No student above the threshold.") + "</p>")
    if pairs:
        parts.append("<h2>共享的代码 · Shared code</h2><p>" + _bi(
            f"相似度最高的 {min(DETAILED, len(pairs))} 对；标记的是共享的部分。",
            f"The {min(DETAILED, len(pairs))} most similar pairs; marked: the shared regions.") + "</p>")
    for k, p in enumerate(pairs[:DETAILED]):
        parts.append(f"<h3 id='pair-{k}'>{k + 1}. {_e(p.a)} · {_e(p.b)} ({p.score:.0%})</h3>")
        for path, doc_a, doc_b, sa, sb in p.files:
            parts.append(f"<h4>mml/{_e(path)}</h4><div class='code'>"
                         f"<div><b>{_e(p.a)}</b><pre>{_highlighted(doc_a, sa)}</pre></div>"
                         f"<div><b>{_e(p.b)}</b><pre>{_highlighted(doc_b, sb)}</pre></div></div>")
    for s, v in close[:DETAILED]:
        parts.append(f"<h3 id='key-{_e(s)}'>{_e(s)} ({v:.0%}) — " + "与答案相同的部分 · the parts found in the key</h3>")
        for path, doc, slices in key_files[s]:
            parts.append(f"<h4>mml/{_e(path)}</h4><pre>{_highlighted(doc, slices)}</pre>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def submissions(settings, assignment):
    """{student: {path: text}} of the collected submissions, sorted."""
    base = settings.grading_dir / "submitted"
    found = {}
    if base.is_dir():
        for folder in sorted(base.iterdir()):
            sub = folder / assignment
            if not folder.is_symlink() and sub.is_dir() and not sub.is_symlink():
                found[folder.name] = python_files(sub)
    return found


def build_similarity(settings, assignment, log=print):
    """Write autograder/reports/<assignment>/similarity.html; returns (path, pairs, key shares)."""
    from .report import report_dir

    students = submissions(settings, assignment)
    if not students:
        raise SystemExit(f"no submissions in {settings.grading_dir / 'submitted'}/*/{assignment}; "
                         "fix: run `python autograder/grade.py collect` first")
    starter = settings.release_dir / assignment if (settings.release_dir / assignment).is_dir() else settings.release_dir
    if not (starter / "mml").is_dir():
        raise SystemExit(f"{starter}/mml not found: the starter code is needed as boilerplate; "
                         "fix: run `make release` or pass --release-dir")
    pairs, key_share, key_files, total = analyse(students, python_files(starter), python_files(ROOT))
    out = report_dir(settings, assignment)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "similarity.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(assignment, students, pairs, key_share, key_files, total), encoding="utf-8")
    tmp.replace(path)
    close = sum(v >= THRESHOLD for v in key_share.values())
    log(f"similarity report: {path} ({len(students)} students, {len(pairs)} similar pair(s), "
        f"{close} too close to the key; grades unchanged)")
    return path, pairs, key_share
