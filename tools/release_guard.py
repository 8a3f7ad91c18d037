"""The leak guard: proves a built release gives away no answer and breaks no provided code.

check_release(release_dir) returns a list of one-line problems (empty = pass):

1. Layout: exactly the notebooks of source_assignments/<assignment>/, its
   README.md (and figures), and the release files of mml/; nothing else.
2. No marker text and no grader-only name (``mml_judge``) in any file.
3. No secret line, anywhere inside a release line (a line of a .py or .md
   file, or of any string in a notebook's JSON), provided code and prose
   included: a solution line pasted into a docstring, a README or a visible
   cell is a leak too. What is secret, how a copy is recognised and which
   overlaps are allowed: leak_policy.py, shared with the book's scanner.
4. Provided code is the reference: each released mml module, with the bodies
   of the student functions set aside, is AST-equal to the reference module
   treated the same way; each student function is AST-equal to the reference
   with its regions stubbed (docstring, hint and fixed return kept).
5. In a subprocess where only the release provides ``mml``, every module
   imports and every student function raises NotImplementedError
   (release_probe.py).

发布包泄露检查：不允许残留标记、解答行或隐藏测试行；已提供的代码必须与参考实现
完全一致（AST 相同）；每个学生函数都必须抛出 NotImplementedError。
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

from leak_policy import LeakPolicy, squash
from release_layout import ASSET_SUFFIXES, ASSIGNMENT, MML_DIR, ROOT, mml_release_files, release_files
from release_markers import ReleaseError, load_settings, qualified_functions, solution_regions, strip_solutions

TOOLS = Path(__file__).resolve().parent
PROBE = TOOLS / "release_probe.py"
PROBE_TIMEOUT_S = 300


def _strings(value):
    """Every string inside a JSON value (keys included), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def located_lines(path):
    """(location, line) of every line a student can read in a release file.

    A .py or .md file gives ``file:line``; a notebook gives ``file cell N line M``
    for cell sources and ``file cell N (outputs/metadata)`` for any other string.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return [(f"{path}:{n}", line) for n, line in enumerate(text.split("\n"), 1)]
    notebook = json.loads(text)
    found = []
    for i, cell in enumerate(notebook.get("cells", [])):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        found += [(f"{path} cell {i} line {n}", line) for n, line in enumerate(source.split("\n"), 1)]
        rest = {key: value for key, value in cell.items() if key != "source"}
        found += [(f"{path} cell {i} (outputs/metadata)", line)
                  for string in _strings(rest) for line in string.split("\n")]
    rest = {key: value for key, value in notebook.items() if key != "cells"}
    found += [(f"{path} (notebook metadata)", line) for string in _strings(rest) for line in string.split("\n")]
    return found


# -- the checks --------------------------------------------------------------

def check_layout(release_dir, source_dir, mml_dir):
    """Problems with the set of files in the release."""
    expected = {Path(p.name) for p in Path(source_dir).glob("*.ipynb")} | {Path("README.md")}
    expected |= {Path("mml") / rel for rel in mml_release_files(mml_dir)}
    assets = {p.relative_to(source_dir) for p in Path(source_dir).rglob("*")
              if p.is_file() and p.suffix.lower() in ASSET_SUFFIXES}
    found = {p.relative_to(release_dir) for p in release_files(release_dir)}
    problems = [f"{release_dir / rel}: unexpected file in the release (only notebooks, README.md, "
                f"figures and mml/ sources belong there); remove it from {source_dir}"
                for rel in sorted(found - expected - assets)]
    problems += [f"{release_dir / rel}: missing from the release; add it to {source_dir if rel.parent == Path('.') else mml_dir}"
                 for rel in sorted(expected - found)]
    return problems


def check_text(release_dir, policy):
    """Problems from marker words, grader-only names and secret lines in any release file."""
    problems = []
    for path in release_files(release_dir):
        try:
            lines = located_lines(path)
        except (UnicodeDecodeError, json.JSONDecodeError):
            if path.suffix.lower() in ASSET_SUFFIXES:
                continue  # a binary figure holds no readable source line
            problems.append(f"{path}: not readable as text or as a notebook; the release holds only text sources")
            continue
        squashed = [squash(line) for _, line in lines]
        present = policy.secrets_in("\n".join(squashed))  # one search per secret and file; lines for the report
        for (where, line), flat in zip(lines, squashed):
            for word, kind in policy.words_in(line):
                if kind == "nbgrader marker":
                    problems.append(f"{where}: marker text '{word}' left in the release; reword or remove it at the source")
                else:
                    problems.append(f"{where}: names the hidden judge ({word}); keep it inside a hidden-test region")
            leaked = next((form for form in present if form in flat), None)
            if leaked:
                problems.append(f"{where}: solution or hidden-test line leaked: {policy.secrets[leaked]!r}")
    return problems


def _set_aside(tree, student):
    """tree with the body of every student function replaced by `...`; returns ast.dump of it."""
    for name, node in qualified_functions(tree).items():
        if name in student:
            node.body = [ast.Expr(ast.Constant(...))]
    return ast.dump(tree)


def check_provided_code(release_dir, mml_dir, settings):
    """Problems where released mml code differs from the reference; also returns the student functions."""
    problems, student_functions = [], []
    for rel in mml_release_files(mml_dir):
        if rel.suffix != ".py":
            continue
        ref_path, rel_path = Path(mml_dir) / rel, Path(release_dir) / "mml" / rel
        if not rel_path.is_file():
            continue  # check_layout reports it
        ref_text = ref_path.read_text(encoding="utf-8")
        regions = solution_regions(ref_text, str(ref_path), settings)
        student = {r.function for r in regions}
        module = ".".join(("mml",) + rel.with_suffix("").parts).removesuffix(".__init__")
        student_functions += [f"{module}:{name}" for name in sorted(student)]
        released_text = rel_path.read_text(encoding="utf-8")
        try:
            released = ast.parse(released_text, filename=str(rel_path))
        except SyntaxError as err:
            problems.append(f"{rel_path}:{err.lineno}: not valid Python ({err.msg}); rebuild the release")
            continue
        if _set_aside(ast.parse(ref_text), student) != _set_aside(ast.parse(released_text), student):
            differing = _first_difference(ast.parse(ref_text), released, student)
            problems.append(f"{rel_path}: provided code differs from the reference ({differing}); rebuild the release")
        expected = qualified_functions(ast.parse(strip_solutions(ref_text, str(ref_path), settings)))
        released_functions = qualified_functions(released)
        for name in sorted(student):
            if name not in released_functions or ast.dump(expected[name]) != ast.dump(released_functions[name]):
                problems.append(f"{rel_path}: student function {name}() is not the reference with its "
                                f"solution replaced by the stub; rebuild the release")
    return problems, student_functions


def _first_difference(reference, released, student):
    """The name of the first provided function (or 'module-level code') that differs."""
    ref_fns, rel_fns = qualified_functions(reference), qualified_functions(released)
    for name in sorted(set(ref_fns) | set(rel_fns)):
        if name in student:
            continue
        if name not in rel_fns or name not in ref_fns or ast.dump(ref_fns[name]) != ast.dump(rel_fns[name]):
            return f"{name}()"
    return "module-level code"


def check_student_functions_raise(release_dir, student_functions):
    """Problems reported by release_probe.py, run where only release_dir provides mml."""
    command = [sys.executable, "-I", "-B", str(PROBE), str(release_dir), json.dumps(student_functions)]
    try:
        done = subprocess.run(command, cwd=release_dir, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return [f"{release_dir}: importing the released mml took over {PROBE_TIMEOUT_S} s; "
                f"module-level code must stay cheap"]
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"{release_dir}: the release probe crashed ({tail}); run tools/release_probe.py by hand"]


def check_release(release_dir, course_root=ROOT, mml_dir=MML_DIR, settings=None):
    """Every problem of the release in release_dir, one line each; empty when it passes."""
    settings = settings or load_settings()
    release_dir, mml_dir = Path(release_dir), Path(mml_dir)
    source_dir = Path(course_root) / "source_assignments" / ASSIGNMENT
    if not release_dir.is_dir():
        return [f"{release_dir}: no release there; build it with `make release`"]
    try:
        policy = LeakPolicy(source_dir, mml_dir, settings)
        problems = check_layout(release_dir, source_dir, mml_dir)
        problems += check_text(release_dir, policy)
        code_problems, student_functions = check_provided_code(release_dir, mml_dir, settings)
    except ReleaseError as err:
        return [str(err)]
    problems += code_problems
    if not code_problems:
        problems += check_student_functions_raise(release_dir, student_functions)
    return problems
