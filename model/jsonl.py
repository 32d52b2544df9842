"""Stroke samples as JSON lines (``.jsonl`` or ``.jsonl.gz``), one sample a line:

    {"label": 7, "writer": "syn/jel-dig14", "source": "syn", "strokes": [[[x, y], ...], ...]}

The app appends the digits users draw to such a file, so appending is crash-safe and reading can
tell the partial line a crash leaves behind from a malformed one.

Reading has three policies for a bad line:
* "debris" (the default): crash debris (a line cut short) is skipped with a warning, anything else
  is a StrokeDataError naming file:line;
* "strict" (training and evaluation): every bad line, debris included, is a StrokeDataError;
* "skip" (``--skip-bad``): every bad line is skipped and its number and reason handed back.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.atomic import atomic_write, sync_directory
from model.safefile import FileProblem, read_limited
from model.sample import Sample, StrokeDataError, bounded_int, label_problem, strokes_problem

POLICIES = ("debris", "strict", "skip")

# Where the OS can refuse a symlink at open() (POSIX), it does so atomically; elsewhere (Windows)
# append_sample checks with lstat before and after opening. Tests switch this off to run the fallback.
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]
_WINDOWS_LOCK_AT = 1 << 62


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped if the content is gzip; every failure is one StrokeDataError line.

    Bounded (model/safefile.py): no FIFO, device, huge file or gzip bomb gets past it.
    """
    try:
        return read_limited(path)
    except FileProblem as e:
        raise StrokeDataError(f"{path}: {e}") from None


def _looks_truncated(line: str) -> bool:
    """True if `line` is invalid JSON only because it stops early, as an interrupted append leaves it.

    The decoder then runs out of input (error at the end, or a string never closed) instead of
    meeting a wrong character, which is what tells crash debris apart from a malformed line.
    """
    try:
        json.loads(line)
        return False
    except RecursionError:
        return False
    except json.JSONDecodeError as e:
        if e.msg.startswith("Unterminated string"):
            return True
        tail = line[e.pos :].rstrip()
        # Cut inside a token, the error points at the token's start: the tail is a piece of
        # true/false/null, of a number ("-", "1." or "1e-" leave "-", "." or "e-"), or of a \uXXXX escape.
        return (
            not tail
            or any(w.startswith(tail) for w in ("true", "false", "null"))
            or re.fullmatch(r"-|\.|[eE][-+]?", tail) is not None
            or (e.msg.startswith("Invalid \\uXXXX") and len(tail) < 6)
        )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _parse(line: str, final_unterminated: bool) -> tuple[Sample | None, str | None, bool]:
    """(sample, None, _) for a good line, else (None, why, is_crash_debris)."""
    try:
        # parse_constant rejects NaN/Infinity, which Python's json accepts but JSON does not have.
        obj = json.loads(line, parse_constant=_reject_constant, parse_int=bounded_int)
    except RecursionError:
        return None, "nested too deeply to be a sample", False
    except ValueError as e:  # JSONDecodeError, or NaN/Infinity, or an absurdly long integer
        cut_off = isinstance(e, json.JSONDecodeError) and (final_unterminated or _looks_truncated(line))
        if cut_off:
            return None, "truncated line (left by an interrupted write)", True
        return None, f"invalid JSON ({e})", False
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, got {type(obj).__name__}", False
    problem = label_problem(obj.get("label")) or strokes_problem(obj.get("strokes"))
    for key in ("writer", "source"):
        if not isinstance(obj.get(key, ""), str):
            problem = problem or f"{key} must be a string, got {obj[key]!r}"
    if problem:
        return None, problem, False
    label, strokes = obj.pop("label"), obj.pop("strokes")
    sample = Sample(
        label=label,
        strokes=[np.array(s, dtype=np.float32) for s in strokes],
        writer=obj.pop("writer", ""),
        source=obj.pop("source", ""),
        extra=obj,
    )
    return sample, None, False


def read_jsonl(
    path: str | os.PathLike, policy: str = "debris", skipped: list[tuple[int, str]] | None = None
) -> list[Sample]:
    """Read samples from a .jsonl or .jsonl.gz file (gzip is detected from the content).

    `policy` says what a bad line does (see the module docstring); with "skip", the (line number,
    reason) of every skipped line is appended to `skipped`. A file with no samples at all is an
    error under "strict" and "skip": training or scoring on nothing is never what was meant.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    path = Path(path)
    try:
        text = read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as e:
        raise StrokeDataError(f"{path}: not UTF-8 text ({e})") from None
    lines = text.split("\n")  # the last item is "" when the file ends with a newline
    samples = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        sample, why, debris = _parse(line, final_unterminated=lineno == len(lines))
        if sample is not None:
            samples.append(sample)
        elif policy == "skip":
            if skipped is not None:
                skipped.append((lineno, why))
        elif policy == "debris" and debris:
            warnings.warn(f"{path}:{lineno}: skipping a {why}", stacklevel=2)
        else:
            hint = "; pass --skip-bad to skip bad lines" if policy == "strict" else ""
            raise StrokeDataError(f"{path}:{lineno}: {why}{hint}")
    if not samples and policy != "debris":
        raise StrokeDataError(f"{path}: no samples in the file")
    return samples


def _read_at(fd: int, n: int, offset: int) -> bytes:
    # lseek + read rather than os.pread, which Windows lacks. With O_APPEND every write still goes
    # to the end, wherever reading left the offset.
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, n)


def _count_complete_lines(fd: int) -> int:
    # Every line append_sample writes ends in "}\n"; a crash fragment that a later append closed
    # with a bare "\n" does not, so counting "}\n" counts samples, not debris. Read in chunks,
    # carrying one byte so a "}" and "\n" split across chunks still count.
    count, prev, offset = 0, b"", 0
    while chunk := _read_at(fd, 1 << 20, offset):
        count += (prev + chunk).count(b"}\n")
        prev, offset = chunk[-1:], offset + len(chunk)
    return count


def count_samples(path: str | os.PathLike) -> int:
    """How many samples a strokes file holds, counted the way `append_sample` counts them.

    A missing or unreadable file counts as none: the counter is a courtesy, never a reason to fail.
    """
    try:
        # O_NONBLOCK: a FIFO at the name must not hang the app at start; only regular files count.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0
        return _count_complete_lines(fd)
    except OSError:
        return 0
    finally:
        os.close(fd)


def _not_a_link(path: Path) -> OSError:
    return OSError(errno.ELOOP, f"{path} is a symbolic link; Digitpad does not follow links in its data folder")


def _open_for_append(path: Path) -> int:
    """Open `path` for appending (created 0644 if new) without following a symlink at its name."""
    # O_NONBLOCK: a FIFO at the name opens at once and is then refused, instead of hanging the app.
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if NOFOLLOW:
        try:
            fd = os.open(path, flags | NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise _not_a_link(path) from None
            raise
        return _regular(fd, path)
    # Fallback without O_NOFOLLOW: refuse a link seen before opening, then make sure the file opened
    # is the one lstat saw, so a link swapped in between is caught too.
    if path.is_symlink():
        raise _not_a_link(path)
    fd = os.open(path, flags, 0o644)
    try:
        opened, named = os.fstat(fd), os.lstat(path)
        if stat.S_ISLNK(named.st_mode) or (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino):
            raise _not_a_link(path)
    except BaseException:
        os.close(fd)
        raise
    return _regular(fd, path)


def _regular(fd: int, path: Path) -> int:
    """`fd` if it is a regular file; otherwise it is closed and an OSError says what is in the way."""
    if stat.S_ISREG(os.fstat(fd).st_mode):
        return fd
    os.close(fd)
    raise OSError(errno.EINVAL, f"{path} is not a regular file; Digitpad appends to plain files only")


class _Lock:
    """An exclusive lock on an open file, held while one Digitpad appends to it or takes a line back.

    Two windows (or two accounts) sharing a data folder then never interleave a length check with
    another's write. POSIX: flock. Windows: a one-byte lock far beyond any real end of file, so
    reading the data stays possible while it is held.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _Lock:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        elif msvcrt is not None:  # pragma: no cover - Windows
            os.lseek(self.fd, _WINDOWS_LOCK_AT, os.SEEK_SET)
            msvcrt.locking(self.fd, msvcrt.LK_LOCK, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        elif msvcrt is not None:  # pragma: no cover - Windows
            os.lseek(self.fd, _WINDOWS_LOCK_AT, os.SEEK_SET)
            msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)


def _open_locked(path: Path) -> tuple[int, _Lock]:
    """Open `path` for appending and lock it; returns (fd, held lock). The caller unlocks and closes.

    A take-back may have replaced the file (a rename) while we waited for the lock on the old one,
    so after locking, the file is checked to still be the one at `path`; if not, open again.
    """
    while True:
        fd = _open_for_append(path)
        lock = _Lock(fd)
        try:
            lock.__enter__()
            opened = os.fstat(fd)
            try:
                named = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                named = None
            if named is not None and (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino):
                return fd, lock
            lock.__exit__()
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


@dataclass(frozen=True)
class Appended:
    """Where one append went: its line's offset, the line's exact bytes, and the samples then in the file."""

    start: int
    line: bytes
    count: int


def sample_line(label: int, strokes: Iterable[Sequence[Sequence[float]]], **extra: object) -> bytes:
    """One sample as the JSON line `append_sample` writes (checked; ValueError says what is wrong)."""
    problem = label_problem(label)
    rows = []
    for i, stroke in enumerate(strokes):
        a = np.asarray(stroke, dtype=np.float64)
        if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] != 2 or not np.isfinite(a).all():
            problem = problem or f"stroke {i} must be a non-empty (n, 2) array of finite numbers"
            continue
        rows.append([[round(float(x), 2), round(float(y), 2)] for x, y in a])
    if not rows:
        problem = problem or "strokes must not be empty"
    if "label" in extra or "strokes" in extra:
        problem = problem or "extra keys must not be named label or strokes"
    if problem:
        raise ValueError(problem)
    # Label and metadata first, bulky strokes last.
    return (json.dumps({"label": label, **extra, "strokes": rows}, separators=(",", ":")) + "\n").encode("utf-8")


def append_line(path: str | os.PathLike, line: bytes) -> Appended:
    """Append one complete sample line to a plain .jsonl file, exactly, even with other writers.

    The file is locked for the append, so the offset recorded is where this line landed and no other
    writer's line is counted as ours. Crash-safe: the line goes out in one O_APPEND write followed by
    fsync, so a crash leaves at most one partial last line, which `read_jsonl` skips and the next
    append closes off first. A failed write (a full disk) is cut back off: the file is left exactly
    as it was. A symlink at `path` is refused (OSError): in a shared folder it could point anywhere.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not os.path.lexists(path)
    fd, lock = _open_locked(path)
    try:
        with lock:
            size = os.fstat(fd).st_size
            if _read_at(fd, 2, 0) == b"\x1f\x8b":
                raise ValueError(f"{path} is gzip-compressed; Digitpad appends to plain .jsonl files only")
            data = line
            if size and _read_at(fd, 1, size - 1) != b"\n":
                # A crash left a partial line: end it, so our line is not glued onto the garbage.
                data = b"\n" + data
            try:
                written = os.write(fd, data)
                while written < len(data):  # short writes happen when the disk fills up
                    written += os.write(fd, data[written:])
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, size)  # all or nothing: never leave a fragment of our line
                with contextlib.suppress(OSError):
                    os.fsync(fd)
                raise
            result = Appended(size + len(data) - len(line), line, _count_complete_lines(fd))
    finally:
        os.close(fd)
    if created:
        sync_directory(path.parent)
    return result


def append_sample(
    path: str | os.PathLike, label: int, strokes: Iterable[Sequence[Sequence[float]]], **extra: object
) -> int:
    """Append one sample as a JSON line to a plain .jsonl file and return the samples now in it.

    `strokes` is a list of (n, 2) arrays or lists of [x, y] (y down); coordinates are rounded to
    2 decimals. `extra` keys (writer, source, ...) are stored too. See `append_line` for what is
    guaranteed (exact under concurrent writers, all or nothing on a full disk, no symlinks).
    """
    return append_line(path, sample_line(label, strokes, **extra)).count


def take_back(path: str | os.PathLike, appended: Appended) -> bool:
    """Remove exactly the line `appended` records, and nothing else; True if it was found and removed.

    Under the same lock as appends. The line is looked for at its offset first, then (if another
    writer took back a line before it) wherever it now starts a line. At the end of the file it is
    cut off (one truncate); with other writers' lines after it, the file is rewritten without it,
    atomically. If the line is gone or the file is not ours any more, nothing changes.
    """
    path, line = Path(path), appended.line
    if not line:
        return False
    try:
        fd, lock = _open_locked(path)
    except OSError:
        return False
    try:
        with lock:
            size = os.fstat(fd).st_size
            content = _read_all(fd, size)
            at = _find_line(content, line, appended.start)
            if at < 0:
                return False
            if at + len(line) == len(content):
                os.ftruncate(fd, at)
                os.fsync(fd)
            else:
                rest = content[:at] + content[at + len(line) :]
                atomic_write(path, lambda f: f.write(rest))
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _read_all(fd: int, size: int) -> bytes:
    parts, offset = [], 0
    while offset < size and (chunk := _read_at(fd, min(1 << 20, size - offset), offset)):
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _find_line(content: bytes, line: bytes, hint: int) -> int:
    """The offset of `line` as a whole line of `content`, the occurrence nearest `hint`; -1 if none."""
    if content[hint : hint + len(line)] == line and (hint == 0 or content[hint - 1 : hint] == b"\n"):
        return hint
    found, at = [], content.find(line)
    while at >= 0:
        if at == 0 or content[at - 1 : at] == b"\n":
            found.append(at)
        at = content.find(line, at + 1)
    return min(found, key=lambda a: abs(a - hint)) if found else -1


def describe_skipped(path: str | os.PathLike, skipped: list[tuple[int, str]], show: int = 5) -> str:
    """One line for what `--skip-bad` left out: how many lines, the first line numbers, the first reason."""
    first = ", ".join(str(n) for n, _ in skipped[:show]) + (", ..." if len(skipped) > show else "")
    line, why = skipped[0]
    return f"{Path(path).name}: skipped {len(skipped)} bad line(s) (lines {first}; line {line}: {why})"
