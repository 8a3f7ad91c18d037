"""build_release on a toy course: real nbgrader, the stripped mml, reproducible bytes, atomic swap."""
import json
import shutil
from pathlib import Path

import pytest
from release_toy import BEGIN, END, SETTINGS, write_toy_notebook

from build_release import ReleaseError, build_release

pytestmark = pytest.mark.xdist_group(name="release_toy_build")

STUB = SETTINGS.python_stub.split("\n")


def snapshot(folder):
    """{relative path: bytes} of every file under folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def test_release_holds_exactly_the_student_files(built_toy):
    _, _, release_dir = built_toy
    assert sorted(snapshot(release_dir)) == [
        "README.md", "Toy.ipynb", "mml/__init__.py", "mml/datasets/README.md",
        "mml/datasets/__init__.py", "mml/layers.py"]
    assert release_dir.parent.name == "release" and sorted(p.name for p in release_dir.parent.iterdir()) == [
        "rnn_captioning"]  # no staging folder left behind


def test_mml_regions_become_nbgrader_stubs(built_toy):
    _, mml_dir, release_dir = built_toy
    released = (release_dir / "mml" / "layers.py").read_text(encoding="utf-8")
    assert f"    # 提示：乘以 2。Hint: multiply by two.\n    {STUB[0]}\n    {STUB[1]}\n    return out\n" in released
    assert f"        if twice:\n            {STUB[0]}\n            {STUB[1]}\n        return y\n" in released
    assert "np.multiply" not in released and SETTINGS.begin_solution not in released
    assert (release_dir / "mml" / "datasets" / "__init__.py").read_bytes() == (
        mml_dir / "datasets" / "__init__.py").read_bytes()


def test_notebook_is_nbgrader_output_without_answers_or_hidden_tests(built_toy):
    _, _, release_dir = built_toy
    cells = json.loads((release_dir / "Toy.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    assert sources[2] == f"def triple(x):\n    {STUB[0]}\n    {STUB[1]}\n    return result_of_triple"
    assert sources[3] == "assert triple(2) == 6"
    assert sources[4] == "YOUR ANSWER HERE"
    assert cells[3]["metadata"]["nbgrader"]["grade"] is True and "checksum" in cells[3]["metadata"]["nbgrader"]


def test_rebuild_changes_no_byte(built_toy, tmp_path):
    course_root, mml_dir, release_dir = built_toy
    again = build_release(tmp_path / "again", course_root=course_root, mml_dir=mml_dir)
    assert snapshot(again) == snapshot(release_dir)


def test_rebuild_replaces_the_old_release(built_toy, toy_course, tmp_path):
    course_root, mml_dir = toy_course
    out = tmp_path / "release"
    shutil.copytree(built_toy[2], out / "rnn_captioning")
    (out / "rnn_captioning" / "stale_file.txt").write_text("from an older build\n")
    build_release(out, course_root=course_root, mml_dir=mml_dir)
    assert not (out / "rnn_captioning" / "stale_file.txt").exists()
    assert snapshot(out / "rnn_captioning") == snapshot(built_toy[2])


def _build_fails_and_leaves_release_untouched(course_root, mml_dir, out, expected):
    before = snapshot(out)
    with pytest.raises(ReleaseError, match=expected) as caught:
        build_release(out, course_root=course_root, mml_dir=mml_dir)
    assert "\n" not in str(caught.value)
    assert snapshot(out) == before and sorted(p.name for p in out.iterdir()) == ["rnn_captioning"]
    return str(caught.value)


@pytest.fixture
def toy_with_release(built_toy, toy_course, tmp_path):
    """A fresh toy course (to break) with a good release already in tmp_path/release."""
    course_root, mml_dir = toy_course
    out = tmp_path / "release"
    shutil.copytree(built_toy[2], out / "rnn_captioning")
    return course_root, mml_dir, out


def test_bad_marker_in_mml_stops_the_build(toy_with_release):
    course_root, mml_dir, out = toy_with_release
    layers = mml_dir / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8").replace(f"    {END}\n    return out", "    return out", 1),
                      encoding="utf-8")
    message = _build_fails_and_leaves_release_untouched(course_root, mml_dir, out, "nested")
    nested_at = layers.read_text(encoding="utf-8").split("\n").index(f"            {BEGIN}") + 1
    assert message.startswith(f"{layers}:{nested_at}: ")


def test_bad_marker_in_a_notebook_stops_the_build(toy_with_release):
    course_root, mml_dir, out = toy_with_release
    notebook = course_root / "source_assignments" / "rnn_captioning" / "Toy.ipynb"
    write_toy_notebook(notebook, [("code", f"def f():\n    {BEGIN}\n    return 1",
                                   {"solution": True, "grade": False, "locked": False, "grade_id": "f",
                                    "schema_version": 3})])
    _build_fails_and_leaves_release_untouched(course_root, mml_dir, out, "nbgrader generate_assignment failed")


def test_leak_found_by_the_guard_stops_the_build(toy_with_release):
    course_root, mml_dir, out = toy_with_release
    # mml/datasets/README.md is copied as it is: a solution line pasted there would ship.
    (mml_dir / "datasets" / "README.md").write_text("Try: out = np.multiply(x, 2.0) + 0.0\n", encoding="utf-8")
    message = _build_fails_and_leaves_release_untouched(course_root, mml_dir, out, "^leak guard: ")
    assert "out = np.multiply(x, 2.0) + 0.0" in message and "README.md:1" in message


def test_missing_notebooks_stop_the_build(toy_with_release):
    course_root, mml_dir, out = toy_with_release
    (course_root / "source_assignments" / "rnn_captioning" / "Toy.ipynb").unlink()
    _build_fails_and_leaves_release_untouched(course_root, mml_dir, out, "No notebooks were matched")
