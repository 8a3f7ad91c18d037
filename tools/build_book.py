"""Build the course book into _build/html (`make book`).

    python tools/build_book.py [--clean] [--no-notebooks]

1. Copy the student-release notebooks, release/rnn_captioning/*.ipynb, into
   book/notebooks/, alone: without the stripped mml/ that sits beside them in
   the release, so when the book executes them `import mml` finds the
   reference mml installed in .venv and the pages show real outputs.
2. Point MML_COCO_DIR at the embedded offline dataset (building it once if
   needed), unless it is already set: the book's images are then local files
   and nothing is fetched from the network.
3. Run jupyter-book; executed outputs are cached in _build/.jupyter_cache by
   the content of the code cells, so a rebuild only runs what changed.
4. Scan every file of the built site for leaks: a line of a solution region
   (mml/*.py and the source notebooks), a hidden test, an nbgrader marker, a
   line of mml source, a viewcode page or a .py file. A leak deletes the site.

构建课程书：复制学生版笔记本（不带旁边的 mml/），用参考实现执行，
再扫描整个网站，确认没有任何参考答案、隐藏测试或 mml 源代码。
"""
import argparse
import ast
import fcntl
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from leak_policy import course_policy, squash

ROOT = Path(__file__).resolve().parent.parent
RELEASE_DIR = ROOT / "release" / "rnn_captioning"
ASSIGNMENT_DIR = ROOT / "source_assignments" / "rnn_captioning"
MML_DIR = ROOT / "mml"
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
BOOK_NOTEBOOK_DIR = ROOT / "book" / "notebooks"
BUILD_DIR = ROOT / "_build"
SITE_DIR = BUILD_DIR / "html"
CACHE_DIR = BUILD_DIR / ".jupyter_cache"

# Provided mml code is matched on its longer lines only, so that a notebook
# line such as `import numpy as np` is not mistaken for mml source.
MIN_SOURCE_LINE = 40
# Third-party files copied verbatim into the site (MathJax, the theme).
VENDORED = ("_static/mathjax/", "_static/scripts/", "_static/vendor/", "_static/styles/")


class BookError(RuntimeError):
    """A problem that stops the build, said in one line with its fix."""


# ---------------------------------------------------------------------------
# What must never be in the site
# ---------------------------------------------------------------------------

def _normalise(text):
    """Collapse runs of whitespace, so code matches however it was wrapped."""
    return re.sub(r"\s+", " ", text).strip()


def _code_part(line):
    """A line of Python without its trailing comment."""
    return line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""


def leak_policy(mml_dir=MML_DIR, assignment_dir=ASSIGNMENT_DIR):
    """What is secret (tools/leak_policy.py, the release guard's policy too)."""
    return course_policy(Path(assignment_dir), Path(mml_dir))


def _docstring_lines(tree):
    """Line numbers (1-based) covered by docstrings."""
    covered = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                covered.update(range(body[0].lineno, body[0].end_lineno + 1))
    return covered


def mml_source_lines(mml_dir=MML_DIR):
    """Long code lines of every mml module (not docstrings, comments or
    imports), normalised: if one shows up in the site, mml source leaked."""
    lines = set()
    for path in sorted(Path(mml_dir).rglob("*.py")):
        if path.name == "__main__.py":  # a usage demo: its lines are how anyone calls mml
            continue
        text = path.read_text(encoding="utf-8")
        docstrings = _docstring_lines(ast.parse(text))
        for number, line in enumerate(text.splitlines(), start=1):
            code = _code_part(line)
            if number in docstrings or code.startswith(("import ", "from ")) or len(code) < MIN_SOURCE_LINE:
                continue
            lines.add(_normalise(code))
    return lines


def _site_text(path):
    """A file's text as a reader could see it: HTML without its tags."""
    raw = path.read_text(encoding="utf-8", errors="ignore")
    if path.suffix == ".html":
        return _normalise(html.unescape(re.sub(r"<[^>]+>", "", raw)) + " " + html.unescape(raw))
    return _normalise(raw)


def find_leaks(site_dir, mml_dir=MML_DIR, assignment_dir=ASSIGNMENT_DIR):
    """Scan every file under site_dir; return one line per leak found.

    A leak is anything the leak policy calls secret (a solution or hidden-test
    line, an nbgrader marker in any letter case, a grader-only name), a line
    of mml source (the book never renders mml), or a source file."""
    site_dir = Path(site_dir)
    policy = leak_policy(mml_dir, assignment_dir)
    source_lines = sorted(mml_source_lines(mml_dir))
    leaks = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        if rel.startswith("_modules/") or path.suffix == ".py":
            leaks.append(f"{rel}: source file in the site (viewcode or a .py download)")
            continue
        if rel.startswith(VENDORED) or path.suffix in (".png", ".jpg", ".svg", ".woff", ".woff2", ".ico", ".gif"):
            continue
        text = _site_text(path)
        upper = text.upper()
        leaks += [f"{rel}: {kind} {word!r}" for word, kind in policy.words if word.upper() in upper]
        leaks += [f"{rel}: solution line: {policy.secrets[form]}" for form in policy.secrets_in(squash(text))]
        leaks += [f"{rel}: mml source line: {line}" for line in source_lines if line in text]
    return leaks


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------

def copy_release_notebooks(release_dir=RELEASE_DIR, dest=BOOK_NOTEBOOK_DIR):
    """Copy the release notebooks alone into dest; only changed files are
    written, so Sphinx and the execution cache see unchanged pages as such."""
    missing = [name for name in NOTEBOOKS if not (release_dir / name).is_file()]
    if missing:
        raise BookError(f"{release_dir / missing[0]}: not found; fix: make release "
                        "(python tools/build_release.py), or build without the notebooks with --no-notebooks")
    dest.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        text = (release_dir / name).read_text(encoding="utf-8")
        for word, kind in leak_policy().words_in(text):
            raise BookError(f"{release_dir / name}: contains the {kind} {word!r}, so it is not a "
                            "student release; fix: make release")
        target = dest / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for stale in dest.glob("*.ipynb"):
        if stale.name not in NOTEBOOKS:
            stale.unlink()


def toc_without_notebooks():
    """A copy of _toc.yml without the notebook chapters (and without a part
    they leave empty), written to _build/."""
    text = "".join(line for line in (ROOT / "_toc.yml").read_text(encoding="utf-8").splitlines(keepends=True)
                   if "file: book/notebooks/" not in line)
    text = re.sub(r"  - caption: [^\n]*\n    chapters:\n(?=  - caption|\Z)", "", text)
    BUILD_DIR.mkdir(exist_ok=True)
    path = BUILD_DIR / "_toc_no_notebooks.yml"
    path.write_text(text, encoding="utf-8")
    return path


def execution_fingerprint(data_dir):
    """A hash of everything executed outputs depend on besides the code cells
    (which jupyter-cache already keys on): the mml sources, the book's own
    helper modules (book/*.py) and the dataset."""
    digest = hashlib.sha256()
    files = (sorted(MML_DIR.rglob("*.py")) + sorted((ROOT / "book").glob("*.py"))
             + sorted(p for p in Path(data_dir).glob("*") if p.is_file()))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.suffix in (".py", ".json", ".txt") else
                      f"{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()


def drop_stale_cache(fingerprint):
    """Executed outputs computed with another mml or another dataset are
    stale: delete the cache so every page is executed again."""
    stamp = BUILD_DIR / ".jupyter_cache.fingerprint"
    if not stamp.is_file() or stamp.read_text() != fingerprint:
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
        BUILD_DIR.mkdir(exist_ok=True)
        stamp.write_text(fingerprint)


def book_environment():
    """The environment the notebooks execute in: offline data, no stray output."""
    env = dict(os.environ)
    if not env.get("MML_COCO_DIR"):
        from mml.datasets import ensure_embedded
        env["MML_COCO_DIR"] = str(ensure_embedded())
    # One BLAS thread per kernel: the small matrices of these models gain
    # nothing from threads, and on a busy machine threads fight for the cores
    # (measured: 30x slower training with the default thread count).
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # a debugger warning on stderr
    # The LSTM notebook's decoder evaluation is optional for students (off by
    # default, to keep their run short); the book shows it in full.
    env["MML_FULL_EVALUATION"] = "1"
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def run_jupyter_book(toc=None, env=None):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        raise BookError(f"{jupyter_book}: not found; fix: make setup")
    cmd = [str(jupyter_book), "build", str(ROOT), "--path-output", str(ROOT), "--builder", "html",
           "-W", "-n", "--keep-going"]
    if toc is not None:
        cmd += ["--toc", str(toc)]
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        # No half-built site: keep only the execution reports that say what failed.
        for child in SITE_DIR.iterdir() if SITE_DIR.is_dir() else []:
            if child.name != "reports":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise BookError(f"jupyter-book build failed (exit {result.returncode}); fix: read the warnings above; "
                        f"executed-cell tracebacks are in {BUILD_DIR}/html/reports/")


def rerun_offline(args):
    """Run this script again in a network namespace of its own, with only the
    loopback interface up (Jupyter kernels talk over 127.0.0.1)."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        print("build_book: --offline needs unshare (util-linux) and ip (iproute2); fix: install them "
              "or build without --offline", file=sys.stderr)
        return 1
    inner = " ".join([f"{ip} link set lo up &&", "exec", sys.executable, str(Path(__file__).resolve())] + args)
    env = dict(os.environ, MML_BOOK_OFFLINE="1")
    result = subprocess.run([unshare, "--net", "--map-root-user", "sh", "-c", inner] if os.geteuid() != 0
                            else [unshare, "--net", "sh", "-c", inner], env=env)
    return result.returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true",
                        help="delete the site and the execution cache first (a build from scratch)")
    parser.add_argument("--no-notebooks", action="store_true",
                        help="leave out the assignment notebooks (only while release/ is not built yet)")
    parser.add_argument("--offline", action="store_true",
                        help="build inside a new network namespace that has only loopback: proof that "
                             "the build needs no network (needs root or user namespaces, and iproute2)")
    args = parser.parse_args(argv)
    if args.offline and not os.environ.get("MML_BOOK_OFFLINE"):
        return rerun_offline([a for a in (argv if argv is not None else sys.argv[1:]) if a != "--offline"])
    start = time.perf_counter()
    try:
        BUILD_DIR.mkdir(exist_ok=True)
        lock = open(BUILD_DIR / ".build_book.lock", "w")
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time: tests and `make book` may overlap
        if args.clean:
            shutil.rmtree(SITE_DIR, ignore_errors=True)
            shutil.rmtree(CACHE_DIR, ignore_errors=True)
            shutil.rmtree(BUILD_DIR / ".doctrees", ignore_errors=True)
            shutil.rmtree(BUILD_DIR / "jupyter_execute", ignore_errors=True)
        toc = None
        if args.no_notebooks:
            toc = toc_without_notebooks()
            shutil.rmtree(BOOK_NOTEBOOK_DIR, ignore_errors=True)
        else:
            copy_release_notebooks()
        env = book_environment()
        drop_stale_cache(execution_fingerprint(env["MML_COCO_DIR"]))
        run_jupyter_book(toc, env)
        leaks = find_leaks(SITE_DIR)
        if leaks:
            shutil.rmtree(SITE_DIR, ignore_errors=True)
            for leak in leaks[:20]:
                print(f"build_book: leak: {leak}", file=sys.stderr)
            raise BookError(f"{leaks[0]} (and {len(leaks) - 1} more); the site was deleted; "
                            "fix: remove that text from the book or the release notebooks")
    except BookError as err:
        print(f"build_book: {err}", file=sys.stderr)
        return 1
    print(f"build_book: {SITE_DIR / 'index.html'} built and scanned in {time.perf_counter() - start:.0f} s "
          "/ 课程书已构建并通过泄漏扫描")
    return 0


if __name__ == "__main__":
    sys.exit(main())
