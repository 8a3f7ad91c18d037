"""Collect submissions from the exchange's inbound without trusting any name in it.

Every student can write into the inbound folder, so nothing there is taken on
its word. `InboundCollect` replaces nbgrader's collect plugin (the course
configuration sets `ExchangeFactory.collect` to it), so `nbgrader collect`,
`grade.py collect` and `make grade` all go through it. For each entry of the
inbound it checks, and skips with one line naming the folder when a check fails
(everyone else is still collected):

- the name is `<student>+<assignment>+<timestamp>[+<random>]` (entries of other
  assignments are left alone);
- the student id matches `STUDENT_ID` (letters, digits, `_`, `.`, `-`; no `*`,
  `?`, `[`, `+`, `/`, space), so an id can never act as a glob or an option;
- the student is on the roster: the gradebook's students when it has any (an
  empty gradebook roster means every well-formed id is accepted; add students
  with `nbgrader db student add` to close the class list);
- the folder is a real folder, and it and every file in it belong to the
  grading account (or root) or to the account named like the student: on a hub
  where each student submits from their own account, a submission made by
  another account in someone else's name is refused;
- its recorded time (`timestamp.txt`, written by `nbgrader submit`) is readable,
  equals the time in its name, and is not later than the folder last changed
  (the kernel sets that time, no user can), so a time in the future cannot be
  forged to win "newest".

Of a student's accepted submissions the newest by recorded time is collected
(or, with `--before-duedate`, the newest before the due date). It is copied by
this code, never following a link: symbolic links and special files are left
out (and reported), files too large are left out as nbgrader does, and so is
a file another account put into the folder (nbgrader submit leaves the folder
writable by all). A submission that changes while it is copied is refused and
the student's next newest is tried.
"""
import datetime
import os
import pwd
import re
import shutil
import stat
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
RANDOM_SUFFIX = re.compile(r"[A-Za-z0-9_=-]{1,64}")
ID_RULE = "1-64 letters, digits, '_', '.', '-', starting with a letter or digit"
# How much later than its folder's last change a recorded time may be: clocks of
# the machines students submit from and of the file server differ a little.
CLOCK_SLACK = datetime.timedelta(minutes=10)
MAX_DEPTH = 32
TRUSTED_UIDS = frozenset({0, os.geteuid()})


def valid_student_id(student):
    return isinstance(student, str) and STUDENT_ID.fullmatch(student) is not None


def check_student_id(student, where="--student"):
    """Return student when it is a valid id; else raise ValueError with one line and the fix."""
    if not valid_student_id(student):
        raise ValueError(f"{where}: {student!r} is not a student id ({ID_RULE}); "
                         "fix: give one existing student id, no wildcards")
    return student


class Refusal(Exception):
    """A submission that is not collected; str() is the reason."""


@dataclass(frozen=True)
class Refused:
    name: str
    reason: str

    def line(self):
        return f"inbound/{self.name}: not collected: {self.reason}"


@dataclass(frozen=True)
class Candidate:
    name: str
    path: Path
    student: str
    recorded: datetime.datetime
    owner: int
    changed: float  # the folder's ctime

    @property
    def order(self):
        return (self.recorded, self.changed, self.name)


@dataclass
class Copied:
    skipped: list = field(default_factory=list)
    size: int = 0


def utc(moment):
    """moment as a naive UTC datetime (nbgrader's convention), None stays None."""
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def account_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def owner_problem(uid, student, trusted=TRUSTED_UIDS):
    """None when a file owned by uid may be part of student's submission, else why not."""
    if uid in trusted:
        return None
    name = account_name(uid)
    if name == student:
        return None
    return f"made by account {name or f'uid {uid}'}, not by {student}"


def _recorded_time(dir_fd, owner):
    """The parsed contents of timestamp.txt inside the folder open at dir_fd."""
    try:
        fd = os.open("timestamp.txt", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        raise Refusal("no readable timestamp.txt (not made by nbgrader submit)") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refusal("timestamp.txt is not a regular file")
        if st.st_uid != owner:
            raise Refusal(f"timestamp.txt belongs to {account_name(st.st_uid) or st.st_uid}, not to the folder's owner")
        text = os.read(fd, 256).decode("utf-8", "replace").strip()
    finally:
        os.close(fd)
    try:
        return parse_utc(text)
    except Exception:  # dateutil raises several kinds on garbage
        raise Refusal(f"timestamp.txt holds {text[:40]!r}, not a time") from None


def examine(inbound, name, assignment, roster=None, trusted=TRUSTED_UIDS):
    """A Candidate for inbound entry `name`, None when it belongs to another
    assignment; raises Refusal for everything that cannot be trusted."""
    parts = name.split("+")
    if len(parts) not in (3, 4):
        if len(parts) >= 2 and parts[1] != assignment:
            return None
        raise Refusal("the name is not <student>+<assignment>+<timestamp>[+<random>]")
    student, assignment_id, stamp = parts[:3]
    if assignment_id != assignment:
        return None
    if not valid_student_id(student):
        raise Refusal(f"student id {student!r} is not valid ({ID_RULE})")
    if len(parts) == 4 and not RANDOM_SUFFIX.fullmatch(parts[3]):
        raise Refusal(f"the suffix {parts[3]!r} after the time is not nbgrader's random string")
    if roster is not None and student not in roster:
        raise Refusal(f"student {student} is not on the course roster (the gradebook's students); "
                      f"fix: `nbgrader db student add {student}` if they belong to the course")
    try:
        named = parse_utc(stamp)
    except Exception:
        raise Refusal(f"{stamp!r} in the name is not a time") from None
    path = Path(inbound) / name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise Refusal("not a folder (a link, a file, or unreadable)") from None
    try:
        st = os.fstat(fd)
        problem = owner_problem(st.st_uid, student, trusted)
        if problem:
            raise Refusal(problem)
        recorded = _recorded_time(fd, st.st_uid)
    finally:
        os.close(fd)
    recorded, named = utc(recorded), utc(named)
    if recorded != named:
        raise Refusal(f"timestamp.txt says {recorded}, the name says {named}")
    changed = utc(datetime.datetime.fromtimestamp(st.st_ctime, datetime.timezone.utc))
    if recorded > changed + CLOCK_SLACK:
        raise Refusal(f"recorded time {recorded} is later than the folder last changed ({changed:%Y-%m-%d %H:%M:%S} UTC)")
    return Candidate(name, path, student, recorded, st.st_uid, st.st_ctime)


def scan(inbound, assignment, roster=None, students=None, trusted=TRUSTED_UIDS):
    """(candidates, refusals) of the inbound for assignment, in name order;
    students (a set) limits the scan to those ids."""
    candidates, refused = [], []
    for name in sorted(os.listdir(inbound)):
        if students is not None and name.split("+", 1)[0] not in students:
            continue
        try:
            found = examine(inbound, name, assignment, roster, trusted)
        except Refusal as why:
            refused.append(Refused(name, str(why)))
            continue
        if found is not None:
            candidates.append(found)
    return candidates, refused


def newest_first(candidates, duedate=None):
    """{student: [candidates, the one to collect first]}: newest by recorded time,
    or, given a due date, the newest on time before any late one."""
    by_student = {}
    for cand in candidates:
        by_student.setdefault(cand.student, []).append(cand)
    ordered = {}
    for student, group in sorted(by_student.items()):
        group = sorted(group, key=lambda c: c.order, reverse=True)
        if duedate is not None:
            group = [c for c in group if c.recorded <= duedate] + [c for c in group if c.recorded > duedate]
        ordered[student] = group
    return ordered


def _excluded(name, is_file, size, ignore, include, max_file_kb):
    if any(fnmatch(name, pattern) for pattern in ignore):
        return None  # nbgrader ignores these silently (checkpoints, caches)
    if is_file and include and not any(fnmatch(name, pattern) for pattern in include):
        return "not included (CourseDirectory.include)"
    if is_file and max_file_kb and size > 1000 * max_file_kb:
        return f"{size} bytes, over CourseDirectory.max_file_size"
    return False


def _copy_dir(src_fd, dest, rel, owner, limits, done, depth, trusted):
    if depth > MAX_DEPTH:
        raise Refusal(f"folders nested deeper than {MAX_DEPTH} at {rel}")
    with os.scandir(src_fd) as entries:
        names = sorted(e.name for e in entries)
    for name in names:
        where = f"{rel}{name}"
        st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        if st.st_uid != owner and owner_problem(st.st_uid, "", trusted) is not None:
            # the submission folder is writable by all (nbgrader submit makes it so)
            done.skipped.append(f"{where} (made by account {account_name(st.st_uid) or st.st_uid}, "
                                "not by the submission's owner)")
            continue
        if stat.S_ISLNK(st.st_mode):
            done.skipped.append(f"{where} (a symbolic link)")
            continue
        if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            done.skipped.append(f"{where} (not a file or folder)")
            continue
        is_file = stat.S_ISREG(st.st_mode)
        excluded = _excluded(name, is_file, st.st_size, *limits[:3])
        if excluded is None:
            continue
        if excluded:
            done.skipped.append(f"{where} ({excluded})")
            continue
        flags = os.O_RDONLY | os.O_NOFOLLOW | (0 if is_file else os.O_DIRECTORY) | os.O_NONBLOCK
        fd = os.open(name, flags, dir_fd=src_fd)
        try:
            now = os.fstat(fd)
            if (now.st_ino, now.st_dev, now.st_uid) != (st.st_ino, st.st_dev, st.st_uid):
                raise Refusal(f"{where} changed while it was being collected")
            if is_file:
                _copy_file(fd, dest / name, limits[3], done, where)
            else:
                (dest / name).mkdir()
                _copy_dir(fd, dest / name, f"{where}/", owner, limits, done, depth + 1, trusted)
        finally:
            os.close(fd)


def _copy_file(fd, dest, max_total, done, where):
    with open(dest, "xb") as out:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            done.size += len(chunk)
            if done.size > max_total:
                raise Refusal(f"larger than CourseDirectory.max_dir_size ({max_total} bytes) at {where}")
            out.write(chunk)
    os.chmod(dest, 0o644)


def copy_submission(src, dest, owner, ignore=(), include=("*",), max_file_kb=None, max_dir_kb=None,
                    trusted=TRUSTED_UIDS):
    """Copy the submission folder src to dest (replaced only when the copy
    succeeds) without following links; returns Copied (what was left out).
    Raises Refusal when something in it cannot be trusted."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.collecting-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    done = Copied()
    max_total = 1000 * max_dir_kb if max_dir_kb else float("inf")
    try:
        fd = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            if os.fstat(fd).st_uid != owner:
                raise Refusal("the folder changed owner while it was being collected")
            _copy_dir(fd, staging, "", owner, (list(ignore), list(include), max_file_kb, max_total),
                      done, 0, trusted)
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)
    return done


def gradebook_roster(db_url, course_id):
    """The gradebook's student ids, or None when it has none (every valid id accepted)."""
    with Gradebook(db_url, course_id) as gb:
        ids = {s.id for s in gb.students}
    return ids or None


class InboundCollect(ExchangeCollect):
    """nbgrader's collect, with the checks and the copy of this module."""

    def _requested_students(self):
        wanted = self.coursedir.student_id
        if wanted in ("", "*"):
            return None
        try:
            return {check_student_id(wanted)}
        except ValueError as err:
            self.fail(str(err))

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        students = self._requested_students()
        roster = gradebook_roster(self.coursedir.db_url, self.coursedir.course_id)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except Exception:
                self.duedate = None
        candidates, self.refused = scan(self.inbound_path, self.coursedir.assignment_id, roster, students)
        excluded = {s.strip() for s in self.coursedir.student_id_exclude.split(",") if s.strip()}
        candidates = [c for c in candidates if c.student not in excluded]
        duedate = utc(self.duedate) if self.before_duedate else None
        self.ordered = newest_first(candidates, duedate)
        for refusal in self.refused:
            self.log.warning(refusal.line())

    def copy_files(self):
        assignment = self.coursedir.assignment_id
        collected = 0
        for student, group in self.ordered.items():
            dest = Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment))
            for cand in group:
                if dest.is_dir():
                    existing = utc(self.coursedir.get_existing_timestamp(str(dest)))
                    newer = existing is None or cand.recorded > existing
                    if not ((self.update and newer) or (self.before_duedate and existing != cand.recorded)):
                        self.log.info(f"No newer submission to collect: {student} {assignment}" if self.update
                                      else f"Submission already exists, use --update to update: {student} {assignment}")
                        break
                try:
                    done = copy_submission(cand.path, dest, cand.owner, self.coursedir.ignore,
                                           self.coursedir.include, self.coursedir.max_file_size,
                                           self.coursedir.max_dir_size)
                except Refusal as why:
                    self.refused.append(Refused(cand.name, str(why)))
                    self.log.warning(self.refused[-1].line())
                    continue
                for item in done.skipped:
                    self.log.warning(f"inbound/{cand.name}: left out {item}")
                self.log.info(f"Collecting submission: {student} {assignment} ({cand.recorded})")
                collected += 1
                break
        self.log.info(f"collected {collected} submission(s) of {assignment}; "
                      f"{len(self.refused)} inbound folder(s) not collected")
