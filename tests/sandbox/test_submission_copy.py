"""The sandbox's private copy of a submission: links that leave it are left
out (so a link to the reference solution imports nothing), links inside it
are resolved, and the judge then finds no student code where a link was."""
import os

from mml_sandbox import copy_submission


def test_links_leaving_the_submission_are_left_out(tmp_path, probe):
    student = tmp_path / "rnn_captioning"
    (student / "mml" / "classifiers").mkdir(parents=True)
    (student / "mml" / "__init__.py").write_text("")
    os.symlink(probe.ROOT / "mml" / "rnn_layers.py", student / "mml" / "rnn_layers.py")
    os.symlink(probe.ROOT / "mml", student / "reference")
    os.symlink("/root", student / "home")
    (student / "notes.md").write_text("mine\n")
    os.symlink("notes.md", student / "inside_link.md")
    os.symlink("missing", student / "dangling")
    skipped = dict(copy_submission(student, tmp_path / "copy"))
    copy = tmp_path / "copy"
    assert set(skipped) == {"mml/rnn_layers.py", "reference", "home", "dangling"}
    assert not (copy / "mml" / "rnn_layers.py").exists()
    assert (copy / "inside_link.md").read_text() == "mine\n" and not (copy / "inside_link.md").is_symlink()
    assert not any(p.is_symlink() for p in copy.rglob("*"))


def test_a_link_to_the_reference_earns_nothing(tmp_path, sandbox, probe):
    import mml_judge

    student = tmp_path / "rnn_captioning"
    (student / "mml").mkdir(parents=True)
    (student / "mml" / "__init__.py").write_text("")
    os.symlink(probe.ROOT / "mml" / "rnn_layers.py", student / "mml" / "rnn_layers.py")
    verdict = mml_judge.judge("rnn_step_forward", student)
    assert not verdict.passed and verdict.details["status"] == "import", verdict
