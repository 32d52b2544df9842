"""A lesson where the whole class draws: join codes, rounds, checking what phones send, the wall's numbers.

Pure state and pure checks, no web server and no pygame: app/class_server.py turns HTTP requests
into calls here, app/class_view.py paints what `Classroom` holds. Everything a phone sends passes
through one of the `parse_*` functions first; anything wrong is a `Refused` with the HTTP status and
one plain line, and changes nothing.

Rounds come in two kinds:
* "given": each student is asked for digits in their own shuffled order, so drawings come labelled;
* "free": students draw what they like and see the network's answer on their phone.

Students are numbered 1, 2, 3 ... as they join; the number, never a name, goes into the data set
(a nickname only if the student typed one). A student's token is a random secret kept by their
browser: it identifies them when a phone reconnects, and nobody can send as someone else.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.answer import Kind
from model.atomic import atomic_write, sync_directory
from model.config import CLASSES
from model.sample import label_problem, strokes_problem

DEFAULT_PORT = 8421  # where the class server listens unless --port says otherwise
GIVEN, FREE = "given", "free"
ROUND_KINDS = (GIVEN, FREE)
CODE_LETTERS = "ACDEFHJKMNPRTUVWXY"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing to mistake on a projector
CODE_LENGTH = 4
SIDE = 560.0  # strokes arrive in 0..1 pad units; read and stored as on a 560 px canvas (the app's reference)

# Limits on what a phone may send (a finger drawing a digit uses 1-4 strokes of some 20-200 points).
MAX_BODY = 64 * 1024  # bytes in one request
MAX_STROKES = 30
MAX_POINTS = 1000  # per stroke
MAX_TOTAL_POINTS = 4000
MAX_NICKNAME = 20
MAX_STUDENTS = 200
MAX_DRAWINGS_PER_STUDENT = 300  # in one class: far more than a lesson, far less than a flood
NICKNAME = re.compile(r"[^\W_]([\w .'-]*[^\W_])?", re.UNICODE)  # letters/digits, inner spaces . ' - _
CLIENT_ID = re.compile(r"[0-9a-f]{8,32}")  # the phone's id for one drawing, so a resend is no duplicate
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")

FREE_FILE = "class-free-drawings.jsonl"  # free-round drawings (no label, so not training data)


class Refused(Exception):
    """A request that is wrong or not allowed now: `status` is its HTTP status, the message one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# -- checks on what phones send ------------------------------------------------------------------


def parse_json(body: bytes) -> dict:
    """The request body as a JSON object; Refused(413/400) if too big or not one."""
    if len(body) > MAX_BODY:
        raise Refused(413, f"request too large: at most {MAX_BODY} bytes")
    try:
        obj = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "the request is not valid JSON") from None
    if not isinstance(obj, dict):
        raise Refused(400, "the request must be a JSON object")
    return obj


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def parse_code(value: object) -> str:
    if not isinstance(value, str) or len(value) > 16:
        raise Refused(400, "the join code must be a short text")
    return value.strip().upper()


def parse_nickname(value: object) -> str:
    """'' for none; else letters, digits and inner spaces . ' - _, at most MAX_NICKNAME characters."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise Refused(400, "the nickname must be text")
    nick = " ".join(value.split())
    if len(nick) > MAX_NICKNAME:
        raise Refused(400, f"the nickname is too long: at most {MAX_NICKNAME} characters")
    if nick and not NICKNAME.fullmatch(nick):
        raise Refused(400, "the nickname may hold letters, digits, spaces and . ' - _ only")
    return nick


def parse_token(value: object) -> str:
    if not isinstance(value, str) or not TOKEN.fullmatch(value):
        raise Refused(401, "not joined: enter the join code first")
    return value


def parse_strokes(value: object) -> list[np.ndarray]:
    """Strokes as the pad sends them, [[[x, y], ...], ...] in 0..1 of the pad's side (y down)."""
    if not isinstance(value, list) or not value:
        raise Refused(400, "strokes must be a non-empty list of strokes")
    if len(value) > MAX_STROKES:
        raise Refused(400, f"too many strokes: at most {MAX_STROKES}")
    strokes, total = [], 0
    for i, stroke in enumerate(value):
        if not isinstance(stroke, list) or not stroke:
            raise Refused(400, f"stroke {i} must be a non-empty list of [x, y] points")
        if len(stroke) > MAX_POINTS:
            raise Refused(400, f"stroke {i} has too many points: at most {MAX_POINTS}")
        total += len(stroke)
        if total > MAX_TOTAL_POINTS:
            raise Refused(400, f"too many points: at most {MAX_TOTAL_POINTS} in a drawing")
        for p in stroke:
            if not isinstance(p, list) or len(p) != 2:
                raise Refused(400, f"stroke {i} has a point that is not [x, y]")
            for v in p:
                if type(v) not in (int, float) or not math.isfinite(v) or not 0.0 <= v <= 1.0:
                    raise Refused(400, f"stroke {i} has a coordinate outside 0..1")
        strokes.append(np.array(stroke, dtype=np.float64))
    return strokes


def parse_client_id(value: object) -> str:
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise Refused(400, "each drawing needs an id of 8-32 hex digits")
    return value


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    r = rng or secrets.SystemRandom()
    return "".join(r.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


# -- the class ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """The network's answer for one drawing, as the app shows it (model/answer.py)."""

    kind: Kind  # a plain "sure" (say) too: a Kind is its word
    top: int
    runner_up: int
    confidence: float

    def words(self) -> str:
        if self.kind == Kind.NOT_DIGIT:
            return "not a digit"
        if self.kind == Kind.SURE:
            return f"{self.top}"
        return f"{self.top}? (or {self.runner_up})"


Reader = Callable[[list[np.ndarray]], Look]  # strokes in 0..1 pad units -> the answer


@dataclass
class Student:
    number: int
    token: str
    nickname: str
    order: list[int]  # the digits this student is asked for, shuffled
    asked: int = 0  # drawings accepted in the current "given" round
    drawings: int = 0
    mine: list = field(default_factory=list)  # their last few entries, for their phone (nobody else's)


@dataclass
class Entry:
    """One drawing on the wall."""

    id: int
    student: int
    nickname: str
    round: int
    kind: str  # the round's kind
    label: int | None  # the digit asked for ("given" rounds)
    strokes: list[np.ndarray]  # 0..1 pad units
    look: Look
    first_look: Look  # with the model the class started with: "before" for the wall's accuracy
    sent_id: str = ""  # the phone's id for it: in the files, so a lost reply can be matched later
    arrived: float = field(default_factory=time.monotonic)

    @property
    def misread(self) -> bool:
        return self.label is not None and (self.look.kind == Kind.NOT_DIGIT or self.look.top != self.label)


@dataclass(frozen=True)
class Round:
    number: int
    kind: str


@dataclass(frozen=True)
class Tally:
    """The wall's numbers for one set of drawings."""

    drawings: int
    labelled: int
    correct: int
    confusions: list[tuple[int, int, int]]  # (asked for, read as, how many), most frequent first

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labelled if self.labelled else None


class Tallier:
    """The wall's numbers kept up to date one drawing at a time: a lesson's thousands of drawings are
    never counted again from the start on each arrival (the wall takes them 20 times a second)."""

    def __init__(self, before: bool = False) -> None:
        self.before = before
        self.drawings = self.labelled = self.correct = 0
        self.pairs: Counter[tuple[int, int]] = Counter()

    def add(self, e: Entry) -> None:
        self.drawings += 1
        if e.label is None:
            return
        self.labelled += 1
        look = e.first_look if self.before else e.look
        read = -1 if look.kind == Kind.NOT_DIGIT else look.top  # read as "not a digit": -1
        if read == e.label:
            self.correct += 1
        else:
            self.pairs[(e.label, read)] += 1

    def tally(self) -> Tally:
        confusions = [(a, b, n) for (a, b), n in sorted(self.pairs.items(), key=lambda kv: (-kv[1], kv[0]))]
        return Tally(self.drawings, self.labelled, self.correct, confusions)


def tally(entries: list[Entry], before: bool = False) -> Tally:
    """Accuracy on the labelled drawings and the class's most common confusions, most frequent first."""
    t = Tallier(before)
    for e in entries:
        t.add(e)
    return t.tally()


class Classroom:
    """The lesson's state, shared by the server's thread and the app's: every method takes the lock.

    `save` is called with each accepted drawing before the phone is told it arrived (so an
    acknowledged drawing is on disk); `read` gives the network's answer.
    """

    def __init__(self, read: Reader, save: Callable[[Entry, str], None] | None = None,
                 session: str | None = None, code: str | None = None, seed: int | None = None) -> None:
        self.read = read
        self.save = save
        self.session = session or time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        self.code = code or new_code()
        self.lock = threading.RLock()  # the state: held for microseconds, the app's frames take it too
        self.disk = threading.Lock()  # the files: held while a drawing is saved or the class deleted
        self._next_id = 0
        self.labelled = 0  # labelled drawings accepted (saved to the data set) since the class began
        self.students: dict[str, Student] = {}
        self.entries: list[Entry] = []
        self.latest: list[Entry] = []  # the drawings of the running round, or of the last one: the wall's
        self.generation = 0  # bumped when `latest` changes other than by a drawing added at its end
        self.round: Round | None = None
        self.rounds = 0
        self.version = 0  # bumped on every change the wall shows
        self._done: dict[tuple[int, str], dict] = {}  # (student, drawing id) -> the reply it got
        self._rng = np.random.default_rng(seed)
        self.notify: Callable[[], None] | None = None  # called after each change (wakes the app's loop)

    # -- the teacher's side ---------------------------------------------------------------------

    def start_round(self, kind: str) -> Round:
        if kind not in ROUND_KINDS:
            raise ValueError(f"round kind must be one of {ROUND_KINDS}, got {kind!r}")
        with self.lock:
            self.rounds += 1
            self.round = Round(self.rounds, kind)
            for s in self.students.values():
                s.asked = 0
                s.order = self._order()
            self.latest = []
            self.generation += 1
            self.version += 1
            return self.round

    def stop_round(self) -> None:
        with self.lock:
            self.round = None
            self.version += 1

    def reread(self, read: Reader) -> None:
        """Read every drawing on the wall again with another model (after adapting); new ones too."""
        with self.lock:
            entries = list(self.entries)
        looks = [read(e.strokes) for e in entries]  # outside the lock: phones keep sending meanwhile
        with self.lock:
            self.read = read
            for e, look in zip(entries, looks):
                e.look = look
            self.generation += 1
            self.version += 1

    def forget(self) -> None:
        """Take every drawing off the wall (the teacher deleted the class's drawings)."""
        with self.lock:
            self.entries, self.latest = [], []
            for s in self.students.values():
                s.mine = []
            self._done = {}
            self.generation += 1
            self.version += 1

    @property
    def joined(self) -> int:
        return len(self.students)

    def wall(self) -> list[Entry]:
        """Every drawing of this class, oldest first."""
        with self.lock:
            return list(self.entries)

    def news(self, generation: int, seen: int) -> tuple[int, bool, list[Entry]]:
        """For a view that has shown `seen` of the latest round's drawings as of `generation`:
        (generation now, whether to start over, the drawings to add)."""
        with self.lock:
            if generation != self.generation:
                return self.generation, True, list(self.latest)
            return self.generation, False, self.latest[seen:]

    # -- the students' side ---------------------------------------------------------------------

    def join(self, body: dict) -> dict:
        """A phone joins with the code (and a nickname); a phone that kept its token rejoins as itself."""
        code = parse_code(body.get("code"))
        with self.lock:
            token = body.get("token")
            if isinstance(token, str) and token in self.students:
                return self._state(self.students[token], joined=True)
            if not secrets.compare_digest(code.encode(), self.code.encode()):
                raise Refused(403, "wrong join code: check the code on the projector")
            nickname = parse_nickname(body.get("nickname"))
            if len(self.students) >= MAX_STUDENTS:
                raise Refused(409, f"the class is full ({MAX_STUDENTS} students)")
            student = Student(len(self.students) + 1, secrets.token_urlsafe(24), nickname, self._order())
            self.students[student.token] = student
            self.version += 1
            state = self._state(student, joined=True)
        if self.notify is not None:
            self.notify()
        return state

    def student(self, token: object) -> Student:
        with self.lock:
            found = self.students.get(parse_token(token))
        if found is None:
            raise Refused(401, "not joined to this class: enter the join code again")
        return found

    def state(self, token: object) -> dict:
        """What one phone shows: the round, its prompt, and its own drawings' answers (nobody else's)."""
        student = self.student(token)
        with self.lock:
            return self._state(student)

    def submit(self, body: dict) -> dict:
        """A drawing from a phone: checked, read, saved, put on the wall; the reply says what was read.

        Sending the same drawing id again (the phone lost the reply) returns the first reply and adds
        nothing, so a phone on a bad connection can resend until it hears back.
        """
        student = self.student(body.get("token"))
        client_id = parse_client_id(body.get("id"))
        with self.lock:
            if (done := self._done.get((student.number, client_id))) is not None:
                return done
        strokes = parse_strokes(body.get("strokes"))
        with self.lock:
            if self.round is None:
                raise Refused(409, "no round is running: wait for the teacher to start one")
            if student.drawings >= MAX_DRAWINGS_PER_STUDENT:
                raise Refused(429, "that is enough drawings for one lesson")
            rnd = self.round
            label = self._prompt(student) if rnd.kind == GIVEN else None
            if rnd.kind == GIVEN and body.get("label") is not None and body.get("label") != label:
                raise Refused(409, "the round changed: look at the digit asked for now")
            read = self.read
        look = read(strokes)  # outside the lock: other phones' drawings are read meanwhile
        with self.disk:  # one drawing at a time to disk; the wall's lock is not held meanwhile
            with self.lock:
                if (done := self._done.get((student.number, client_id))) is not None:
                    return done  # the same drawing, sent twice at once: the first one won
                self._next_id += 1
                entry = Entry(self._next_id, student.number, student.nickname, rnd.number, rnd.kind, label,
                              strokes, look, look, client_id)
            if self.save is not None:
                self.save(entry, self.session)  # on disk before the phone hears "arrived"
            return self._accepted(student, client_id, entry, rnd)

    def _accepted(self, student: Student, client_id: str, entry: Entry, rnd: Round) -> dict:
        with self.lock:
            self.entries.append(entry)
            self.latest.append(entry)
            student.mine = [*student.mine[-11:], entry]
            self.labelled += entry.label is not None
            student.drawings += 1
            if rnd.kind == GIVEN and self.round == rnd:
                student.asked += 1
            reply = {"ok": True, "drawing": _mine(entry), **self._state(student)}
            self._done[(student.number, client_id)] = reply
            self.version += 1
        if self.notify is not None:
            self.notify()
        return reply

    # -- helpers --------------------------------------------------------------------------------

    def _order(self) -> list[int]:
        return [int(d) for d in self._rng.permutation(CLASSES)]

    def _prompt(self, student: Student) -> int:
        return student.order[student.asked % CLASSES]

    def _state(self, student: Student, joined: bool = False) -> dict:
        rnd = self.round
        state: dict = {
            "student": student.number,
            "nickname": student.nickname,
            "round": None if rnd is None else {"number": rnd.number, "kind": rnd.kind},
            "prompt": self._prompt(student) if rnd is not None and rnd.kind == GIVEN else None,
            "mine": [_mine(e) for e in student.mine],
        }
        if joined:
            state["token"] = student.token
        return state


def _mine(e: Entry) -> dict:
    return {"id": e.id, "round": e.round, "label": e.label, "kind": e.look.kind, "top": e.look.top,
            "runner_up": e.look.runner_up}


# -- keeping the class's drawings -------------------------------------------------------------------


def writer(session: str, student: int) -> str:
    """The data set's writer id for a student: anonymous, and one per student so splits keep them whole."""
    return f"class-{session}/s{student}"


def save_entry(samples_file: Path, entry: Entry, session: str) -> None:
    """Append a class drawing to the user's data set (labelled) or to the free drawings' file, fsynced.

    Labelled drawings go where the digit keys put drawings (the same append), so the Learn view and
    train.py use them; free drawings have no label, so they go beside it in FREE_FILE.
    """
    pixels = [s * SIDE for s in entry.strokes]
    meta = {"source": "class", "writer": writer(session, entry.student), "canvas": int(SIDE),
            "class": session, "round": entry.round, "student": entry.student, "sent_id": entry.sent_id}
    if entry.nickname:
        meta["nickname"] = entry.nickname
    rows = [[[round(float(x), 2), round(float(y), 2)] for x, y in s] for s in pixels]
    if entry.label is not None:
        # The line append_sample writes (label first, the same rounding, one O_APPEND write and an
        # fsync), without its count of every line in the file afterwards: a lesson adds thousands of
        # lines, and counting them all on each drawing made every send slower than the one before
        # (bench_class.py: p99 2.7 s after 5 minutes). The reader's own checks guard what goes in.
        problem = label_problem(entry.label) or strokes_problem(rows)
        if problem:
            raise ValueError(problem)
        line = {"label": entry.label, **meta, "strokes": rows}
        _append_line(samples_file, (json.dumps(line, separators=(",", ":")) + "\n").encode("utf-8"))
        return
    line = {**meta, "read": entry.look.top, "look": entry.look.kind, "strokes": rows}
    _append_line(samples_file.parent / FREE_FILE, (json.dumps(line, separators=(",", ":")) + "\n").encode("utf-8"))


def _append_line(path: Path, data: bytes) -> None:
    """One whole line in one O_APPEND write, then fsync, as model/jsonl.py's append_sample appends:
    a symlink at `path` or a gzip file is refused, half a line left by a crash is closed off first,
    and a new file's directory entry is made durable too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not os.path.lexists(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, f"{path} is a symbolic link; Digitpad does not follow links in its data "
                                       "folder") from None
        raise
    try:
        size = os.fstat(fd).st_size
        if size:
            os.lseek(fd, 0, os.SEEK_SET)
            if os.read(fd, 2) == b"\x1f\x8b":
                raise ValueError(f"{path} is gzip-compressed; class drawings are appended to plain .jsonl files")
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                data = b"\n" + data  # a crash left half a line: close it off first
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        sync_directory(path.parent)


def delete_class(samples_file: Path, session: str) -> int:
    """Remove one class's drawings from the data set and the free drawings' file; returns how many.

    Every other line is kept byte for byte (a line that does not parse is kept too: it is not ours
    to judge here); each file is replaced atomically, so a crash leaves it before or after.
    """
    removed = 0
    for path in (samples_file, samples_file.parent / FREE_FILE):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        kept = []
        for line in data.splitlines(keepends=True):
            if _class_of(line) == session:
                removed += 1
            else:
                kept.append(line)
        if len(kept) != len(data.splitlines()):
            atomic_write(path, lambda f, kept=kept: f.write(b"".join(kept)))
    return removed


def _class_of(line: bytes) -> str | None:
    if b'"class"' not in line:
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj.get("class") if isinstance(obj, dict) else None


def export_labelled(entries: list[Entry], session: str, path: Path) -> int:
    """Write the class's labelled drawings as a stroke file for the adapt job; returns how many."""
    lines = []
    for e in entries:
        if e.label is None:
            continue
        rows = [[[round(float(x), 2), round(float(y), 2)] for x, y in s * SIDE] for s in e.strokes]
        lines.append(json.dumps({"label": e.label, "writer": writer(session, e.student), "source": "class",
                                 "strokes": rows}, separators=(",", ":")) + "\n")
    atomic_write(path, lambda f: f.write("".join(lines).encode("utf-8")))
    return len(lines)


def students_with_labels(entries: list[Entry]) -> int:
    return len({e.student for e in entries if e.label is not None})
