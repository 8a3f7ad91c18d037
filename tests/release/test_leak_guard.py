"""The leak guard passes a clean release and fails, saying where, on every kind of planted leak."""
import json

import pytest
from release_toy import BEGIN, HIDDEN_BEGIN, SETTINGS

from leak_policy import fingerprints
from release_guard import check_release, check_student_functions_raise

pytestmark = pytest.mark.xdist_group(name="release_toy_build")

STUB_RAISE = SETTINGS.python_stub.split("\n")[1]


def guard(course_root, mml_dir, release_dir):
    return check_release(release_dir, course_root=course_root, mml_dir=mml_dir)


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def plant_in_notebook(notebook, cell_index, extra_line):
    """Append a line to one cell of a release notebook; returns the new line's number in that cell."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    source = "".join(nb["cells"][cell_index]["source"]) + "\n" + extra_line
    nb["cells"][cell_index]["source"] = source
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return source.count("\n") + 1


def test_clean_release_passes(built_toy):
    course_root, mml_dir, release_dir = built_toy
    assert guard(course_root, mml_dir, release_dir) == []


def test_copied_solution_line_is_found_even_respaced(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    readme = release / "README.md"
    append(readme, "Tip:   out=np.multiply( x, 2.0 ) + 0.0\n")
    problems = guard(course_root, mml_dir, release)
    assert problems == [f"{readme}:2: solution or hidden-test line leaked: "
                        f"'out = np.multiply(x, 2.0) + 0.0  # the doubled input'"]


def test_solution_line_in_a_provided_docstring_is_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    layers = release / "mml" / "layers.py"
    text = layers.read_text(encoding="utf-8")
    layers.write_text(text.replace('"""Provided: half of x."""',
                                   '"""Provided: half of x. Compare y = double_forward(x) * 1.0"""'), encoding="utf-8")
    line = text.split("\n").index('    """Provided: half of x."""') + 1
    assert guard(course_root, mml_dir, release) == [
        f"{layers}:{line}: solution or hidden-test line leaked: 'y = double_forward(x) * 1.0'",
        f"{layers}: provided code differs from the reference (halve_provided()); rebuild the release"]


def test_leftover_marker_is_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    append(release / "mml" / "datasets" / "README.md", f"{BEGIN}\n")
    problems = guard(course_root, mml_dir, release)
    assert problems == [f"{release / 'mml' / 'datasets' / 'README.md'}:2: marker text "
                        f"'{SETTINGS.begin_solution}' left in the release; reword or remove it at the source"]


def test_hidden_test_line_in_a_notebook_is_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    notebook = release / "Toy.ipynb"
    line = plant_in_notebook(notebook, 0, 'We will run check("toy_secret_check") later.')
    assert guard(course_root, mml_dir, release) == [
        f"{notebook} cell 0 line {line}: solution or hidden-test line leaked: 'check(\"toy_secret_check\")'"]


def test_judge_import_and_hidden_marker_in_a_notebook_are_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    notebook = release / "Toy.ipynb"
    plant_in_notebook(notebook, 3, HIDDEN_BEGIN)
    line = plant_in_notebook(notebook, 3, "from mml_judge import check")
    problems = guard(course_root, mml_dir, release)
    assert any(f"cell 3 line {line - 1}: marker text '{SETTINGS.begin_hidden_tests}'" in p for p in problems)
    assert any(f"cell 3 line {line}: names the hidden judge" in p for p in problems)
    assert any(f"cell 3 line {line}: solution or hidden-test line leaked" in p for p in problems)


def test_inline_answer_and_notebook_solution_are_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    readme = release / "README.md"
    append(readme, "Inline answer, the whole cell is secret: the doubling keeps the sign of x.\n"
                   "result_of_triple = 3 * x + 0\n")
    problems = guard(course_root, mml_dir, release)
    assert [p.split(": solution")[0] for p in problems] == [f"{readme}:2", f"{readme}:3"]


def test_changed_provided_code_is_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    layers = release / "mml" / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8").replace("return x / 2.0", "return x / 3.0"), encoding="utf-8")
    assert guard(course_root, mml_dir, release) == [
        f"{layers}: provided code differs from the reference (halve_provided()); rebuild the release"]


def test_student_function_without_the_stub_is_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    layers = release / "mml" / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8").replace(f"    {STUB_RAISE}\n    return out",
                                                                 "    out = x\n    return out"), encoding="utf-8")
    assert guard(course_root, mml_dir, release) == [
        f"{layers}: student function double_forward() is not the reference with its solution replaced "
        f"by the stub; rebuild the release"]
    # The probe, run on its own, sees the function return instead of raising.
    assert check_student_functions_raise(release, ["mml.layers:double_forward", "mml.layers:Doubler.apply"]) == [
        f"{release / 'mml'}: mml.layers.double_forward() returned instead of raising NotImplementedError: "
        f"the solution is still there or the stub is missing"]


def test_probe_refuses_modules_that_do_not_come_from_the_release(toy_release_copy):
    _, _, release = toy_release_copy
    # The reference mml is installed in the virtualenv; a release module importing a
    # module the release lacks must fail, never quietly use the reference's.
    append(release / "mml" / "__init__.py", "from mml import rnn_layers  # only the reference has it\n")
    problems = check_student_functions_raise(release, [])
    assert problems and all("mml" in p for p in problems)
    assert any("import mml failed: " in p for p in problems)


def test_unexpected_and_missing_files_are_found(toy_release_copy):
    course_root, mml_dir, release = toy_release_copy
    (release / "gradebook.db").write_bytes(b"SQLite format 3\x00")
    (release / "mml" / "datasets" / "__init__.py").unlink()
    problems = guard(course_root, mml_dir, release)
    assert problems[0].startswith(f"{release / 'gradebook.db'}: unexpected file in the release")
    assert problems[1].startswith(f"{release / 'mml' / 'datasets' / '__init__.py'}: missing from the release")


@pytest.mark.parametrize("line, counted", [
    ("    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)", True),
    ("    x, W_shape = cache  # unpack", True),
    ("", False), ("    pass", False), ("    ))", False), ("    return dx, dh0, dWx", False),
    ("    else:", False), ("    for t in range(T):", False), ("    dW = 0", False),
])
def test_what_counts_as_a_secret_line(line, counted):
    assert bool(fingerprints(line)) is counted
