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


def test_a_judge_child_copies_the_top_level_files_and_mml_only(tmp_path, sandbox, probe):
    """So the instructor's repository (or a submission with a large folder of
    its own) can be judged: only mml/ and the top-level files are copied."""
    sandbox.setenv("MML_SANDBOX_SUBMISSION_MB", "1")
    student = probe.make(tmp_path, "import os\nreturn np.frombuffer(' '.join(sorted(os.listdir('.'))).encode(), "
                                   "dtype=np.uint8)")
    (student / "RNN_Captioning.ipynb").write_text("{}")
    (student / "big").mkdir()
    (student / "big" / "weights.bin").write_bytes(b"x" * (2 << 20))
    assert probe.text(probe.run(student)) == "RNN_Captioning.ipynb mml"
