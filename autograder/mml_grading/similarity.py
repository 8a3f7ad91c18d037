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
import csv
import difflib
import functools
import hashlib
import io
import os
import re
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import copydetect.utils
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from .report import PAGE_CSS, report_dir
from .report import bilingual as _bi
from .report import escape as _e
from .settings import ROOT

# Documented thresholds (the page repeats them).
THRESHOLD = 0.6          # share of a student's own code found in the other submission
MIN_SHARED_TOKENS = 150  # and at least this many shared tokens (one short function is not enough)
NOISE_TOKENS = 25        # copydetect: k-grams of this many tokens (shorter matches are noise)
GUARANTEE_TOKENS = 30    # copydetect: every match this long is found (winnowing window 6)
DETAILED = 40            # pairs shown with their code highlighted
LISTED = 1000            # pairs listed on the page (all of them in similarity.csv)
MAX_FILE_BYTES = 512 * 1024
WINDOW = GUARANTEE_TOKENS - NOISE_TOKENS + 1


def stable_kgram_hashes(string, k):
    """The hashes of every k-character substring (copydetect's k-grams), the same in
    every process: copydetect hashes them with Python's hash(), which changes from run
    to run, so its winnowing (and the numbers on the page) would too. A polynomial
    rolling hash over the characters, computed with numpy."""
    codes = np.frombuffer(string.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    if n <= 0:
        return np.array([], dtype=np.int64)
    hashes = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            hashes = hashes * np.uint64(1000003) + codes[j:j + n]
    return hashes.view(np.int64)


copydetect.utils.hashed_kgrams = stable_kgram_hashes  # used by get_document_fingerprints


@dataclass
class Document:
    """One file's fingerprint (shared by every student with the same text)."""
    path: str
    text: str                           # as submitted
    fingerprint: object
    starts: list                        # own_code's map back into text
    index: int = -1                     # row among the documents of this path

    @functools.cached_property
    def digest(self):
        return hashlib.sha256(self.fingerprint.filtered_code.encode("utf-8", "replace")).digest()

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


# Docstrings and whole-line comments: never code, and most of the starter's text.
_NOT_CODE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|^[ \t]*#[^\n]*$', re.M)


def _code_lines(text):
    """[(start, end)] of the non-blank lines of text outside docstrings and comment lines."""
    spans, at = [], 0
    for gap in list(_NOT_CODE.finditer(text)) + [None]:
        stop = gap.start() if gap else len(text)
        for line in re.finditer(r"[^\n]*\n?", text[at:stop]):
            if line.group().strip():
                spans.append((at + line.start(), at + line.end()))
        at = gap.end() if gap else stop
    return spans


def own_code(text, starter_text):
    """(code, starts): the student's code lines that are not in the starter file
    (docstrings and comment lines left out), and [(position in code, position in
    text, length)] of each kept line. Lexing only these is several times faster
    than the whole file (the starter's bilingual docstrings are most of it);
    copydetect's boilerplate filter still removes any starter code left."""
    lines = _code_lines(text)
    keep = range(len(lines))
    if starter_text:
        starter = [starter_text[a:b].strip() for a, b in _code_lines(starter_text)]
        matcher = difflib.SequenceMatcher(None, starter, [text[a:b].strip() for a, b in lines], autojunk=False)
        keep = [j for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal" for j in range(j1, j2)]
    parts, starts, at = [], [], 0
    for j in keep:
        a, b = lines[j]
        piece = text[a:b] if text[a:b].endswith("\n") else text[a:b] + "\n"
        starts.append((at, a, b - a))
        parts.append(piece)
        at += len(piece)
    return "".join(parts), starts


def to_text(slices, starts):
    """Slices (2 x n: starts, ends) in own_code's code, as slices of the submitted
    text: a region running over several kept lines is cut at the lines left out."""
    slices = np.asarray(slices, dtype=np.int64).reshape(2, -1)
    pieces = []
    for begin, end in slices.T:
        for code_at, text_at, length in starts:
            lo, hi = max(begin, code_at), min(end, code_at + length)
            if lo < hi:
                pieces.append((text_at + lo - code_at, text_at + hi - code_at))
    return np.array(sorted(pieces), dtype=np.int64).T.reshape(2, -1)


def _fingerprint(path, text, boilerplate, starter_text=None):
    """(copydetect fingerprint of the student's own code, starts for to_text)."""
    code, starts = own_code(text, starter_text)
    fp = CodeFingerprint(path, NOISE_TOKENS, WINDOW, boilerplate=boilerplate, language="python",
                         fp=io.StringIO(code))
    return fp, starts


def _fingerprint_many(jobs):
    """[_fingerprint(*job)] in this process (a worker of Corpus.prepare)."""
    return [_fingerprint(*job) for job in jobs]


class Corpus:
    """The class's documents, fingerprinted once per distinct text."""

    def __init__(self, starter_files, workers=1):
        self.starter = starter_files
        self.workers = max(1, workers)
        # every k-gram of the starter's code (copydetect's own boilerplate uses window 1 too)
        prints = [CodeFingerprint(p, NOISE_TOKENS, 1, language="python", fp=io.StringIO(own_code(t, None)[0])).hashes
                  for p, t in sorted(starter_files.items())]
        self.boilerplate = np.array(sorted(set().union(*prints)) if prints else [], dtype=np.int64)
        self.by_text = {}
        self.docs = defaultdict(list)   # path -> [Document]

    @staticmethod
    def _key(path, text):
        return path, hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()

    def prepare(self, files):
        """Fingerprint the distinct texts of files [(path, text)] at once, on `workers`
        forked processes."""
        todo = {}
        for path, text in files:
            key = self._key(path, text)
            if self.starter.get(path) != text and key not in self.by_text:
                todo[key] = (path, text, self.boilerplate, self.starter.get(path))
        keys, jobs = list(todo), list(todo.values())
        if self.workers > 1 and len(jobs) >= 40:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            chunks = [jobs[i::self.workers] for i in range(self.workers)]
            with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork")) as pool:
                done = list(pool.map(_fingerprint_many, chunks))
            results = {}
            for i, chunk in enumerate(done):
                for k, result in zip(keys[i::self.workers], chunk):
                    results[k] = result
        else:
            results = dict(zip(keys, _fingerprint_many(jobs)))
        for key in keys:  # in a fixed order: document indices do not depend on the workers
            self._add(key, todo[key][1], *results[key])

    def _add(self, key, text, fp, starts):
        path = key[0]
        doc = None
        if fp.hashes:
            doc = Document(path, text, fp, starts, len(self.docs[path]))
            self.docs[path].append(doc)
        self.by_text[key] = doc

    def document(self, path, text):
        """The Document of path with this text; None when it is the starter code or has no own code."""
        if self.starter.get(path) == text:
            return None
        key = self._key(path, text)
        if key not in self.by_text:
            self._add(key, text, *_fingerprint(path, text, self.boilerplate, self.starter.get(path)))
        return self.by_text[key]


def shared_counts(prints):
    """Matrix of fingerprints shared by every two of the fingerprint sets `prints`
    (its diagonal: each set's size)."""
    owner, hashes = [], []
    for i, found in enumerate(prints):
        h = np.fromiter(found, dtype=np.int64, count=len(found))
        hashes.append(h)
        owner.append(np.full(len(h), i))
    if not hashes:
        return np.zeros((0, 0), np.float32)
    hashes, owner = np.concatenate(hashes), np.concatenate(owner)
    _, column, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    sizes = np.bincount(owner, minlength=len(prints)).astype(np.float32)
    keep = counts[column] > 1           # a fingerprint in one set is shared by nobody
    column = np.unique(column[keep], return_inverse=True)[1]
    matrix = np.zeros((len(prints), int(column.max()) + 1 if column.size else 0), np.float32)
    matrix[owner[keep], column] = 1.0
    shared = matrix @ matrix.T
    np.fill_diagonal(shared, sizes)
    return shared


class Comparer:
    """copydetect's exact comparison, once per pair of distinct filtered documents
    (renamed copies of one text are one document here)."""

    def __init__(self):
        self.numbers = {}

    def __call__(self, doc_a, doc_b):
        """(tokens of a found in b, tokens of b found in a, shared tokens)."""
        key = (doc_a.digest, doc_b.digest)
        if key not in self.numbers:
            tokens, (sim_a, sim_b), _ = compare_files(doc_a.fingerprint, doc_b.fingerprint)
            self.numbers[key] = (float(sim_a * doc_a.coverage), float(sim_b * doc_b.coverage), int(tokens))
        return self.numbers[key]


def shared_regions(doc_a, doc_b):
    """The shared regions (2 x n slices) in each submitted text, for the page."""
    _, _, (slices_a, slices_b) = compare_files(doc_a.fingerprint, doc_b.fingerprint)
    return to_text(slices_a, doc_a.starts), to_text(slices_b, doc_b.starts)


def analyse(students, starter_files, reference_files, workers=1):
    """(flagged pairs, {student: key share}, {student: [(path, doc, key doc)]}, own tokens
    per student) for students = {student: {path: text}}.

    Students whose own code is the same after copydetect's filtering (copies,
    renamed or not) form one group: groups are compared once, then every pair
    of their members gets the group's numbers."""
    corpus = Corpus(starter_files, workers)
    corpus.prepare((p, t) for _, files in sorted(students.items()) for p, t in sorted(files.items()))
    own = {s: {p: d for p, t in sorted(files.items()) if (d := corpus.document(p, t)) is not None}
           for s, files in sorted(students.items())}
    total = {s: sum(d.coverage for d in docs.values()) for s, docs in own.items()}
    groups = defaultdict(list)
    for s in sorted(own):
        if total[s] > 0:
            groups[tuple((p, d.digest) for p, d in own[s].items())].append(s)
    reps = [members[0] for members in groups.values()]
    members = list(groups.values())
    # candidate pairs of groups: shared fingerprints, summed over file names
    n = len(reps)
    shared = np.zeros((n, n), np.float32)
    for path in sorted({p for s in reps for p in own[s]}):
        distinct, rows = {}, []
        for i, s in enumerate(reps):
            if path in own[s]:
                doc = own[s][path]
                rows.append((i, distinct.setdefault(doc.digest, (len(distinct), doc))[0]))
        counts = shared_counts([doc.fingerprint.hashes for _, doc in distinct.values()])
        who, which = map(np.array, zip(*rows))
        shared[np.ix_(who, who)] += counts[np.ix_(which, which)]
    prints = np.diag(shared).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.nan_to_num(shared / np.minimum.outer(prints, prints))
    # winnowed fingerprints estimate the token share; look exactly at anything near the threshold
    candidates = [(i, j) for i, j in np.argwhere(np.triu(fraction >= THRESHOLD / 2, k=1))]
    candidates += [(i, i) for i in range(n) if len(members[i]) > 1]
    compare = Comparer()
    pairs = []
    for i, j in candidates:
        a, b = reps[i], reps[j]
        over_a = over_b = tokens = 0
        for path in sorted(set(own[a]) & set(own[b])):
            oa, ob, tk = compare(own[a][path], own[b][path])
            over_a, over_b, tokens = over_a + oa, over_b + ob, tokens + tk
        share_a, share_b = over_a / total[a], over_b / total[b]
        if max(share_a, share_b) < THRESHOLD or tokens < MIN_SHARED_TOKENS:
            continue
        if i == j:  # copies of one another
            pairs += [Pair(x, y, share_a, share_b, tokens)
                      for k, x in enumerate(members[i]) for y in members[i][k + 1:]]
            continue
        for x in members[i]:
            for y in members[j]:
                pairs.append(Pair(x, y, share_a, share_b, tokens) if x < y else Pair(y, x, share_b, share_a, tokens))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    for pair in pairs[:DETAILED]:  # the code shown on the page
        pair.files = [(path, own[pair.a][path], own[pair.b][path])
                      for path in sorted(set(own[pair.a]) & set(own[pair.b]))
                      if compare(own[pair.a][path], own[pair.b][path])[2]]
    # the key: each student's own code against the reference file of the same name
    key_docs = {}
    for path, text in reference_files.items():
        if starter_files.get(path) != text:
            fp, starts = _fingerprint(path, text, corpus.boilerplate, starter_files.get(path))
            if fp.hashes:
                key_docs[path] = Document(path, text, fp, starts)
    key_share, key_files = {}, {}
    for s in (s for group in members for s in group):
        over, files = 0.0, []
        for path, doc in own[s].items():
            if path in key_docs:
                oa, _, tk = compare(doc, key_docs[path])
                over += oa
                if tk:
                    files.append((path, doc, key_docs[path]))
        key_share[s] = over / total[s]
        key_files[s] = files
    return pairs, key_share, key_files, total


# --- the page -----------------------------------------------------------------

CSS = PAGE_CSS + """
.warn { background: #fff4d6; border: 1px solid #e0b84d; padding: .6em 1em; }
.code { display: flex; gap: 1em; } .code > div { flex: 1; min-width: 0; }
pre { background: #f8f8f8; border: 1px solid #ddd; padding: .5em; overflow-x: auto; font-size: .8em; line-height: 1.4; }
mark { background: #ffb3b3; }
"""


def _highlighted(doc, slices):
    if slices is None or np.size(slices) == 0:
        return _e(doc.text)
    marked, _ = highlight_overlap(doc.text, np.asarray(slices, dtype=int),
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
        if len(pairs) > LISTED:
            parts.append("<p>" + _bi(f"只列出最相似的 {LISTED} 对；全部 {len(pairs)} 对见 similarity.csv。",
                                     f"Only the {LISTED} most similar pairs are listed; all {len(pairs)} "
                                     "are in similarity.csv.") + "</p>")
        for k, p in enumerate(pairs[:LISTED]):
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
        for path, doc_a, doc_b in p.files:
            sa, sb = shared_regions(doc_a, doc_b)
            parts.append(f"<h4>mml/{_e(path)}</h4><div class='code'>"
                         f"<div><b>{_e(p.a)}</b><pre>{_highlighted(doc_a, sa)}</pre></div>"
                         f"<div><b>{_e(p.b)}</b><pre>{_highlighted(doc_b, sb)}</pre></div></div>")
    for s, v in close[:DETAILED]:
        parts.append(f"<h3 id='key-{_e(s)}'>{_e(s)} ({v:.0%}) — " + "与答案相同的部分 · the parts found in the key</h3>")
        for path, doc, key_doc in key_files[s]:
            slices = shared_regions(doc, key_doc)[0]
            parts.append(f"<h4>mml/{_e(path)}</h4><pre>{_highlighted(doc, slices)}</pre>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


CSV_COLUMNS = ["student_a", "student_b", "share_a", "share_b", "shared_tokens", "key_share_a", "key_share_b"]


def write_csv(path, pairs, key_share):
    """Every flagged pair, then every student's share of the key (student_b = "(key)")."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for p in pairs:
            writer.writerow([p.a, p.b, f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.tokens,
                             f"{key_share.get(p.a, 0):.3f}", f"{key_share.get(p.b, 0):.3f}"])
        for student, share in sorted(key_share.items()):
            writer.writerow([student, "(key)", f"{share:.3f}", "", "", f"{share:.3f}", ""])
    tmp.replace(path)


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
    students = submissions(settings, assignment)
    if not students:
        raise SystemExit(f"no submissions in {settings.grading_dir / 'submitted'}/*/{assignment}; "
                         "fix: run `python autograder/grade.py collect` first")
    starter = settings.release_dir / assignment if (settings.release_dir / assignment).is_dir() else settings.release_dir
    if not (starter / "mml").is_dir():
        raise SystemExit(f"{starter}/mml not found: the starter code is needed as boilerplate; "
                         "fix: run `make release` or pass --release-dir")
    pairs, key_share, key_files, total = analyse(students, python_files(starter), python_files(ROOT),
                                                 settings.workers)
    out = report_dir(settings, assignment)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "similarity.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(assignment, students, pairs, key_share, key_files, total), encoding="utf-8")
    tmp.replace(path)
    write_csv(out / "similarity.csv", pairs, key_share)
    close = sum(v >= THRESHOLD for v in key_share.values())
    log(f"similarity report: {path} ({len(students)} students, {len(pairs)} similar pair(s), "
        f"{close} too close to the key; grades unchanged)")
    return path, pairs, key_share
