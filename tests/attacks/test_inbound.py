"""The exchange trusts no name: malformed inbound folders, wildcard ids, forged
times, links and impersonation, through real nbgrader submit/collect on a
temporary exchange (a small assignment: the checks do not depend on it)."""
import json
import os
import shutil

import pytest

from attack_course import Classroom, run, student_env

ASSIGNMENT = "toy"
NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def make_classroom(base):
    room = Classroom(base, ASSIGNMENT)
    release = room.releases / ASSIGNMENT
    (release / "mml").mkdir(parents=True)
    (release / "a.ipynb").write_text(json.dumps(NOTEBOOK))
    (release / "mml" / "x.py").write_text("ANSWER = None\n")
    room.release_files()
    return room


def hand_in(room, student, answer, user=None, as_student=None):
    """Write answer into mml/x.py of the student's copy (fetched with nbgrader
    for a local account, copied from the release otherwise), submit; returns
    the new inbound folder's name."""
    folder = room.homes / student / ASSIGNMENT
    if not folder.is_dir():
        if user is None:
            shutil.copytree(room.releases / ASSIGNMENT, room.home(student) / ASSIGNMENT)
        else:
            room.fetch(student, user)
    before = set(os.listdir(room.inbound))
    (folder / "mml" / "x.py").write_text(f"ANSWER = {answer!r}\n")
    room.submit(student, user, as_student)
    (new,) = set(os.listdir(room.inbound)) - before
    return new


def answer_of(room, student):
    return (room.submitted(student) / "mml" / "x.py").read_text()


def forge(room, source_name, name, stamp=None):
    """A copy of inbound/source_name made by hand as inbound/name, with timestamp.txt = stamp."""
    dest = room.inbound / name
    shutil.copytree(room.inbound / source_name, dest, symlinks=True)
    if stamp is not None:
        (dest / "timestamp.txt").write_text(stamp)
    return dest


def refusal_lines(output, name):
    return [line for line in output.splitlines() if f"inbound/{name}: not collected:" in line]


FUTURE = "2099-01-01 00:00:00.000000 UTC"


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """Honest submissions (alice twice, bob) and a set of bad inbound folders,
    collected once with plain `nbgrader collect` (the course configuration)."""
    base = tmp_path_factory.mktemp("inbound")
    base.parent.chmod(0o755)
    room = make_classroom(base)
    first = hand_in(room, "alice", "first")
    second = hand_in(room, "alice", "second")
    hand_in(room, "bob", "bob's")
    stamp = first.split("+")[2]
    secret = base / "grader-secret.txt"
    secret.write_text("GRADER ONLY")
    secret.chmod(0o600)
    room.bad = {
        "carol+toy+not-a-timestamp+x": "not a time",
        f"*+toy+{stamp}+abcdefabcdef": "is not valid",
        f"a[b]+toy+{stamp}+abcdefabcdef": "is not valid",
        f"--student=x+toy+{stamp}+abcdefabcdef": "is not valid",
        f"ivan+toy+{stamp}+a b": "not nbgrader's random string",
        "garbage-without-plus": "the name is not",
        f"dave+toy+{FUTURE}+abcdefabcdef": "later than the folder last changed",
        f"alice+toy+{FUTURE}+abcdefabcdef": "later than the folder last changed",
        "alice+toy+2098-01-01 00:00:00.000000 UTC+zzzzzzzzzzzz": "the name says",
        f"erin+toy+{stamp}+abcdefabcdef": "no readable timestamp.txt",
        f"frank+toy+{stamp}+abcdefabcdef": "not a folder",
    }
    for name in room.bad:
        if name.startswith("frank"):
            (room.inbound / name).symlink_to(room.inbound / first)
        elif name.startswith("erin"):
            forge(room, first, name).joinpath("timestamp.txt").unlink()
        elif FUTURE in name:
            forge(room, first, name, FUTURE)  # name and time from the future, to win "newest"
        else:
            forge(room, first, name)
    gina = forge(room, first, f"gina+toy+{stamp}+abcdefabcdef")
    (gina / "mml" / "x.py").unlink()
    (gina / "mml" / "x.py").symlink_to(secret)  # the grader could read it
    (gina / "link-to-the-course").symlink_to(room.root)
    os.mkfifo(gina / "pipe")  # would block a naive copy
    room.second = second
    room.code, room.out = room.nbgrader("collect", ASSIGNMENT, "--update")
    return room


def test_bad_folders_are_skipped_one_line_each_and_everyone_else_collected(room):
    assert room.code == 0
    assert room.collected() == ["alice", "bob", "gina"], room.out
    assert answer_of(room, "bob") == "ANSWER = \"bob's\"\n"
    for name, reason in room.bad.items():
        lines = refusal_lines(room.out, name)
        assert len(lines) == 1 and reason in lines[0], (name, room.out)
    assert not (room.root / "autograder" / "submitted" / "*").exists()


def test_newest_by_recorded_time_not_by_a_forged_name(room):
    assert answer_of(room, "alice") == "ANSWER = 'second'\n", room.out
    assert (room.submitted("alice") / "timestamp.txt").read_text() == \
        (room.inbound / room.second / "timestamp.txt").read_text()


def test_links_and_special_files_are_left_out_never_followed(room):
    collected = room.submitted("gina")
    assert sorted(p.relative_to(collected).as_posix() for p in collected.rglob("*")) == \
        ["a.ipynb", "mml", "submission_secret.txt", "timestamp.txt"]
    assert not any("GRADER ONLY" in p.read_text() for p in collected.rglob("*") if p.is_file())
    for left_out in ("mml/x.py (a symbolic link)", "link-to-the-course (a symbolic link)",
                     "pipe (not a file or folder)"):
        assert f"left out {left_out}" in room.out, room.out


def test_a_student_id_is_never_a_wildcard(room):
    code, out = room.nbgrader("collect", ASSIGNMENT, "--student=al*", check=False)
    assert code != 0 and "'al*' is not a student id" in out
    code, out = room.grade("autograde", "--student", "*", check=False)
    assert code == 2 and out.strip() == out.strip().splitlines()[0], out
    assert "--student: '*' is not a student id" in out and "fix:" in out
    assert not (room.root / "autograder" / "autograded").exists()


def test_with_a_roster_only_its_students_are_collected_and_newer_ones_update(room):
    room.nbgrader("db", "student", "add", "alice")
    room.nbgrader("db", "student", "add", "bob")
    hand_in(room, "alice", "third")
    mallory = hand_in(room, "mallory", "not in this course")
    code, out = room.grade("collect")  # grade.py collect: --update
    assert code == 0 and answer_of(room, "alice") == "ANSWER = 'third'\n", out
    assert not room.submitted("mallory").exists()
    (line,) = refusal_lines(out, mallory)
    assert "not on the course roster" in line and "nbgrader db student add mallory" in line


def test_a_submission_in_a_classmates_name_is_refused(shared_tmp, accounts):
    """Real accounts fetch and submit with nbgrader as themselves; one also
    submits in the other's name and drops a file into the other's inbound
    folder (nbgrader makes it writable by all)."""
    victim, cheat = accounts(2)
    room = make_classroom(shared_tmp)
    honest = hand_in(room, victim, "victim's own", user=victim)
    hand_in(room, cheat, "cheat's own", user=cheat)
    forged = hand_in(room, cheat, "cheat wrote this", user=cheat, as_student=victim)
    assert forged.startswith(f"{victim}+")
    assert (room.inbound / forged).stat().st_uid != (room.inbound / honest).stat().st_uid
    planted = room.inbound / honest / "planted.py"
    run(["sh", "-c", f"echo 'ANSWER = 1' > '{planted}'"], cwd=shared_tmp,
        env=student_env(room.homes / cheat, cheat), user=cheat)
    code, out = room.grade("collect")
    assert code == 0 and room.collected() == sorted([victim, cheat]), out
    assert answer_of(room, victim) == "ANSWER = \"victim's own\"\n"
    assert answer_of(room, cheat) == "ANSWER = \"cheat's own\"\n"
    (line,) = refusal_lines(out, forged)
    assert f"made by account {cheat}, not by {victim}" in line
    assert not (room.submitted(victim) / "planted.py").exists()
    assert f"inbound/{honest}: left out planted.py (made by account {cheat}" in out
