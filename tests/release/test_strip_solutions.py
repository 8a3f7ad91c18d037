"""strip_solutions: nbgrader's stub in place of every region of a .py file, and bad markers refused."""
import ast

import pytest
from release_toy import BEGIN, END, SETTINGS, TOY_LAYERS

from build_release import ReleaseError, strip_solutions

STUB = SETTINGS.python_stub.split("\n")


def test_settings_come_from_nbgrader_configuration():
    from nbgrader.preprocessors import ClearSolutions
    defaults = ClearSolutions()
    assert SETTINGS.python_stub == defaults.code_stub["python"] == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert (SETTINGS.begin_solution, SETTINGS.end_solution) == (
        defaults.begin_solution_delimeter, defaults.end_solution_delimeter)


def test_region_becomes_the_indented_stub_and_everything_else_stays():
    source = f'def f(x):\n    """Doc."""\n    y = None\n    # hint\n    {BEGIN}\n    y = x + 1\n    {END}\n    return y\n'
    assert strip_solutions(source, "f.py") == (
        'def f(x):\n    """Doc."""\n    y = None\n    # hint\n'
        f"    {STUB[0]}\n    {STUB[1]}\n    return y\n")


def test_toy_file_keeps_signatures_docstrings_and_provided_code():
    stripped = strip_solutions(TOY_LAYERS, "mml/layers.py")
    assert "np.multiply" not in stripped and "* 1.0" not in stripped
    assert stripped.count(STUB[1]) == 2
    assert f"            {STUB[1]}\n        return y" in stripped  # a region in a branch keeps its depth
    tree, reference = ast.parse(stripped), ast.parse(TOY_LAYERS)
    names = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert names == [n.name for n in ast.walk(reference) if isinstance(n, ast.FunctionDef)]
    provided = [ast.dump(n) for n in ast.walk(reference) if getattr(n, "name", "") == "halve_provided"]
    assert provided == [ast.dump(n) for n in ast.walk(tree) if getattr(n, "name", "") == "halve_provided"]
    assert '    """Twice x.' in stripped and "    return out\n" in stripped


def test_file_without_markers_is_returned_unchanged():
    source = "def g():\n    return 1  # provided\n"
    assert strip_solutions(source, "g.py") == source


@pytest.mark.parametrize("source, line, reason", [
    (f"def f():\n    {BEGIN}\n    x = 1\n    return x\n", 2, "never closed"),
    (f"def f():\n    x = 1\n    {END}\n    return x\n", 3, "without a"),
    (f"def f():\n    {BEGIN}\n    x = 1\n    {BEGIN}\n    y = 2\n    {END}\n    return x\n", 4, "nested"),
    (f"{BEGIN}\nX = 1\n{END}\n", 1, "outside a function body"),
    (f"class C:\n    {BEGIN}\n    x = 1\n    {END}\n", 2, "outside a function body"),
    (f'def f():\n    """Doc.\n    {BEGIN}\n    """\n    return 1\n', 3, "inside code or a string"),
    (f"def f():\n    x = 1  {BEGIN}\n    return x\n", 2, "inside code or a string"),
    (f"def f(x):\n{BEGIN}\n    return x\n{END}\n", 2, "without a body"),
    (f"def f(x):\n    {BEGIN}\n    # nothing yet\n    {END}\n    return x\n", 2, "empty solution region"),
    (f"def f():\n    return 1\n\n\n{BEGIN}\ndef g():\n    return 2\n{END}\n", 5, "outside a function body"),
    (f"def f(x):\n    if x:\n        {BEGIN}\n        x = 2\n    {END}\n    return x\n", 5, "indented differently"),
])
def test_bad_markers_stop_with_file_line_and_reason(source, line, reason):
    with pytest.raises(ReleaseError) as caught:
        strip_solutions(source, "mml/bad.py")
    message = str(caught.value)
    assert message.startswith(f"mml/bad.py:{line}: ") and reason in message
    assert "\n" not in message


def test_marker_text_in_a_non_python_file_is_refused():
    with pytest.raises(ReleaseError, match=r"^mml/datasets/README.md:2: marker text"):
        strip_solutions(f"# Data\n{BEGIN}\n", "mml/datasets/README.md")


def test_region_that_ends_a_function_belongs_to_it():
    source = f'def f(x):\n    """Doc."""\n    {BEGIN}\n    print(x)\n    {END}\n\n\ndef g():\n    return 2\n'
    assert strip_solutions(source, "f.py") == f'def f(x):\n    """Doc."""\n    {STUB[0]}\n    {STUB[1]}\n\n\ndef g():\n    return 2\n'
