"""nbgrader's solution markers applied to Python files, with the input checked.

nbgrader's ``generate_assignment`` clears the solution regions of notebooks but
copies ``.py`` files as they are. This module does the same job for
``mml/**/*.py``, with nbgrader's own settings read from the course
configuration (autograder/nbgrader_config.py), so a course that changes a
delimiter or the stub changes it in one place:

- ``ClearSolutions.begin_solution_delimeter`` / ``end_solution_delimeter``
  (nbgrader's spelling) mark a region;
- ``ClearSolutions.code_stub['python']`` replaces it, each stub line indented
  like the BEGIN line, exactly as nbgrader indents it in a code cell;
- the hidden-test and mark-scheme delimiters are read too: the leak guard
  looks for all of them in the release.

Unlike nbgrader, which only matches substrings, a region here must be sound
Python: both markers are comment lines inside the same function body, at the
indentation of the code they enclose, and the function still parses after the
stub goes in. Anything else stops the build with ``file:line: reason``.

nbgrader 的解答标记同样用于 ``mml/**/*.py``：分隔符和占位代码都从课程的 nbgrader
配置中读取；不合规范的标记会让构建停止，并给出 ``文件:行号: 原因``。
"""
import ast
import io
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_CONFIG = ROOT / "autograder" / "nbgrader_config.py"


class ReleaseError(Exception):
    """A problem that stops the release build; str() is one line: ``file:line: reason``."""


@dataclass(frozen=True)
class MarkerSettings:
    """nbgrader's marker and stub settings, as the course configuration sets them."""
    begin_solution: str
    end_solution: str
    python_stub: str
    begin_hidden_tests: str
    end_hidden_tests: str
    begin_mark_scheme: str
    end_mark_scheme: str

    @property
    def all_markers(self):
        """Every delimiter text; none may remain anywhere in a release."""
        return (self.begin_solution, self.end_solution, self.begin_hidden_tests,
                self.end_hidden_tests, self.begin_mark_scheme, self.end_mark_scheme)


@lru_cache(maxsize=None)
def load_settings(config_file=COURSE_CONFIG):
    """Read the marker settings from nbgrader's preprocessors configured by config_file."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions
    from traitlets.config.loader import PyFileConfigLoader

    config_file = Path(config_file)
    config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    solutions = ClearSolutions(config=config)
    hidden = ClearHiddenTests(config=config)
    scheme = ClearMarkScheme(config=config)
    return MarkerSettings(
        begin_solution=solutions.begin_solution_delimeter,
        end_solution=solutions.end_solution_delimeter,
        python_stub=solutions.code_stub["python"],
        begin_hidden_tests=hidden.begin_test_delimeter,
        end_hidden_tests=hidden.end_test_delimeter,
        begin_mark_scheme=scheme.begin_mark_scheme_delimeter,
        end_mark_scheme=scheme.end_mark_scheme_delimeter,
    )


@dataclass(frozen=True)
class SolutionRegion:
    """One solution region of a Python file; line numbers are 1-based."""
    begin: int          # line of the BEGIN marker
    end: int            # line of the END marker
    indent: str         # indentation of the BEGIN marker, given to the stub
    function: str       # qualified name of the function holding it, e.g. "CaptioningRNN.loss"


def _indent(line):
    return line[: len(line) - len(line.lstrip())]


def _comment_lines(source_text, filename):
    """Line numbers whose only token is a comment (a marker must be one)."""
    code_lines, comment_lines = set(), set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source_text).readline):
            if tok.type == tokenize.COMMENT:
                comment_lines.add(tok.start[0])
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER):
                # A multi-line string covers every line it spans.
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError) as err:
        raise ReleaseError(f"{filename}: not valid Python ({err}); fix the file") from None
    return comment_lines - code_lines


def qualified_functions(tree):
    """{qualified name: FunctionDef} of every function in tree, methods as ``Class.method``."""
    found = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + child.name] = child
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _function_bodies(tree):
    """(qualified name, last header line, last line, body indentation column) of every function."""
    found = []
    for name, node in qualified_functions(tree).items():
        signature = [node.args, *([node.returns] if node.returns else [])]
        header_end = max([node.lineno] + [getattr(n, "end_lineno", None) or node.lineno
                                          for part in signature for n in ast.walk(part)])
        found.append((name, header_end, node.end_lineno, node.body[0].col_offset))
    return found


def solution_regions(source_text, filename, settings=None):
    """The solution regions of a Python file, checked; raises ReleaseError on bad markers."""
    settings = settings or load_settings()
    begin, end = settings.begin_solution, settings.end_solution
    lines = source_text.split("\n")
    marker_lines = [n for n, line in enumerate(lines, 1) if begin in line or end in line]
    if not marker_lines:
        return []

    try:
        tree = ast.parse(source_text, filename=filename)
    except SyntaxError as err:
        raise ReleaseError(f"{filename}:{err.lineno}: not valid Python ({err.msg}); fix the file") from None
    comments = _comment_lines(source_text, filename)
    functions = _function_bodies(tree)

    regions, open_line = [], None
    for n in marker_lines:
        line = lines[n - 1]
        is_begin = begin in line
        word = begin if is_begin else end
        if n not in comments:
            raise ReleaseError(
                f"{filename}:{n}: '{word}' inside code or a string; only a comment line such as "
                f"'### {word}' may hold a marker (reword the text)")
        if is_begin and open_line is not None:
            raise ReleaseError(
                f"{filename}:{n}: nested '{begin}' (the region opened at line {open_line} is not "
                f"closed); add '### {end}' before it")
        if not is_begin and open_line is None:
            raise ReleaseError(f"{filename}:{n}: '{end}' without a '{begin}' before it; remove it or add the BEGIN line")
        if is_begin:
            open_line = n
            continue
        regions.append(_checked_region(lines, open_line, n, functions, filename, settings))
        open_line = None
    if open_line is not None:
        raise ReleaseError(f"{filename}:{open_line}: '{begin}' is never closed; add '### {end}' after the solution")
    return regions


def _checked_region(lines, first, last, functions, filename, settings):
    """A SolutionRegion for markers at lines first..last, or a ReleaseError saying what is wrong."""
    code = [n for n in range(first + 1, last)
            if lines[n - 1].strip() and not lines[n - 1].strip().startswith("#")]
    if not code:
        raise ReleaseError(f"{filename}:{first}: empty solution region; "
                           f"put the solution between the markers or remove them")
    # The function whose body holds the region's code (a region may end a function, so
    # its END line can lie after the last statement); the innermost one wins.
    holders = [f for f in functions if f[1] < first and code[-1] <= f[2]]
    if not holders:
        raise ReleaseError(
            f"{filename}:{first}: solution region outside a function body; markers belong inside "
            f"the body of a student function, after its docstring")
    name, _, _, body_col = max(holders, key=lambda f: f[1])
    indent = _indent(lines[first - 1])
    if _indent(lines[last - 1]) != indent:
        raise ReleaseError(f"{filename}:{last}: '{settings.end_solution}' is indented differently "
                           f"from its '{settings.begin_solution}' at line {first}; align them")
    if len(indent) < body_col or _indent(lines[code[0] - 1]) != indent:
        raise ReleaseError(
            f"{filename}:{first}: the markers are not indented like the code they enclose in {name}(); "
            f"the stub would leave the function without a body: indent them like that code")
    return SolutionRegion(begin=first, end=last, indent=indent, function=name)


def strip_solutions(source_text, filename, settings=None):
    """source_text with every solution region replaced by nbgrader's Python stub.

    Lines outside the regions (signatures, docstrings, hints, the fixed return)
    are kept byte for byte; the stub takes the indentation of the BEGIN line.
    A file without markers is returned unchanged. Raises ReleaseError
    (``file:line: reason``) on an unbalanced or nested marker, a marker
    outside a function body or inside code or a string, or a region whose stub
    would not leave valid Python.
    """
    settings = settings or load_settings()
    if not str(filename).endswith(".py"):
        for n, line in enumerate(source_text.split("\n"), 1):
            if any(marker in line for marker in settings.all_markers):
                raise ReleaseError(f"{filename}:{n}: marker text in a file that is not Python; "
                                   f"reword it (markers belong only in mml/**/*.py)")
        return source_text

    lines = source_text.split("\n")
    out, previous_end = [], 0
    for region in solution_regions(source_text, filename, settings):
        out.extend(lines[previous_end:region.begin - 1])
        out.extend(region.indent + stub_line for stub_line in settings.python_stub.split("\n"))
        previous_end = region.end
    out.extend(lines[previous_end:])
    stripped = "\n".join(out)

    try:
        ast.parse(stripped, filename=filename)
    except SyntaxError as err:
        raise ReleaseError(f"{filename}: the stubbed file is not valid Python (stub line {err.lineno}: "
                           f"{err.msg}); check the markers' placement") from None
    return stripped

