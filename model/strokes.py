"""Pen-stroke digit samples: read and append JSON lines, read the public UNIPEN release, split by writer.

A sample is a label and a list of strokes; a stroke is a float32 array of shape (n, 2) holding (x, y)
points in screen orientation (x right, y DOWN), like the app's canvas.

Two on-disk forms:

* JSON lines (``.jsonl`` or ``.jsonl.gz``), one sample a line:
  ``{"label": 7, "writer": "syn/jel-dig14", "source": "syn", "strokes": [[[x, y], ...], ...]}``.
  The app appends the digits users draw to such a file, so appending is crash-safe and reading
  tolerates the partial line a crash can leave behind.
* The UNIPEN ``train_r01_v07`` release (section 1a, isolated digits) in its own text format, as a
  ``.tar.gz`` or an extracted directory, so anyone can rebuild the data from the public release.
  `read_unipen` reproduces the project's JSONL conversion exactly.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import tarfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Sample",
    "StrokeDataError",
    "append_sample",
    "read_jsonl",
    "read_strokes",
    "read_unipen",
    "split_samples",
    "writer_split",
]

SPLITS = ("train", "val", "test")


class StrokeDataError(Exception):
    """A stroke file is malformed; the message names the file (and line) and the problem."""


@dataclass
class Sample:
    label: int
    strokes: list[np.ndarray]  # each float32 (n, 2): x right, y down
    writer: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict, repr=False, compare=False)  # other JSON keys, kept as is


# ---------------------------------------------------------------------------------------------
# JSON lines


def _check_label(label: object) -> str | None:
    # bool is an int subclass; `true` is not a digit label.
    if type(label) is not int or not 0 <= label <= 9:
        return f"label must be an integer 0-9, got {label!r}"
    return None


def _strokes_problem(strokes: object) -> str | None:
    """Why `strokes` is not a non-empty list of non-empty lists of [x, y] finite numbers, or None."""
    if not isinstance(strokes, list) or not strokes:
        return "strokes must be a non-empty list of strokes"
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list) or not stroke:
            return f"stroke {i} must be a non-empty list of [x, y] points"
        for point in stroke:
            if not isinstance(point, list) or len(point) != 2:
                return f"stroke {i} has a point that is not [x, y]: {point!r}"
            for v in point:
                # type() rather than isinstance(): bool is an int subclass but no coordinate.
                if type(v) not in (int, float) or not math.isfinite(v):
                    return f"stroke {i} has a coordinate that is not a finite number: {v!r}"
    return None


def _looks_truncated(line: str) -> bool:
    """True if `line` is invalid JSON only because it stops early, as an interrupted append leaves it.

    The decoder then runs out of input (error at the end, or a string never closed) instead of
    meeting a wrong character, which is what tells crash debris apart from a malformed line.
    """
    try:
        json.loads(line)
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


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":  # gzip magic: trust the content, not the file name
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise StrokeDataError(f"{path}: not a readable gzip file ({e})") from None
    return data


def read_jsonl(path: str | os.PathLike) -> list[Sample]:
    """Read samples from a .jsonl or .jsonl.gz file (gzip is detected from the content).

    Raises StrokeDataError naming file:line for a malformed line. A line that is a cut-off prefix of
    JSON, as a crash during `append_sample` leaves it, is skipped with a warning instead: as the last
    line (no newline) it is plain invalid JSON; further up it is one that a later append terminated.
    """
    path = Path(path)
    try:
        text = _read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as e:
        raise StrokeDataError(f"{path}: not UTF-8 text ({e})") from None
    lines = text.split("\n")  # the last item is "" when the file ends with a newline
    samples = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        final_unterminated = lineno == len(lines)
        try:
            # parse_constant rejects NaN/Infinity, which Python's json accepts but JSON does not have.
            obj = json.loads(line, parse_constant=_reject_constant)
        except ValueError as e:  # JSONDecodeError, or NaN/Infinity, or an absurdly long integer
            cut_off = isinstance(e, json.JSONDecodeError) and (final_unterminated or _looks_truncated(line))
            if cut_off:
                warnings.warn(
                    f"{path}:{lineno}: skipping a truncated line (left by an interrupted write)",
                    stacklevel=2,
                )
                continue
            raise StrokeDataError(f"{path}:{lineno}: invalid JSON ({e})") from None
        if not isinstance(obj, dict):
            raise StrokeDataError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
        problem = _check_label(obj.get("label")) or _strokes_problem(obj.get("strokes"))
        for key in ("writer", "source"):
            if not isinstance(obj.get(key, ""), str):
                problem = problem or f"{key} must be a string, got {obj[key]!r}"
        if problem:
            raise StrokeDataError(f"{path}:{lineno}: {problem}")
        label, strokes = obj.pop("label"), obj.pop("strokes")
        samples.append(
            Sample(
                label=label,
                strokes=[np.array(s, dtype=np.float32) for s in strokes],
                writer=obj.pop("writer", ""),
                source=obj.pop("source", ""),
                extra=obj,
            )
        )
    return samples


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _count_complete_lines(fd: int) -> int:
    # Every line append_sample writes ends in "}\n"; a crash fragment that a later append closed
    # with a bare "\n" does not, so counting "}\n" counts samples, not debris. Read in chunks,
    # carrying one byte so a "}" and "\n" split across chunks still count.
    count, prev, offset = 0, b"", 0
    while chunk := os.pread(fd, 1 << 20, offset):
        count += (prev + chunk).count(b"}\n")
        prev, offset = chunk[-1:], offset + len(chunk)
    return count


def append_sample(
    path: str | os.PathLike, label: int, strokes: Iterable[Sequence[Sequence[float]]], **extra: object
) -> int:
    """Append one sample as a JSON line to a plain .jsonl file and return the samples now in it.

    `strokes` is a list of (n, 2) arrays or lists of [x, y] (y down); coordinates are rounded to
    2 decimals. `extra` keys (writer, source, ...) are stored too. Crash-safe: the whole line goes out
    in one O_APPEND write followed by fsync, so a crash leaves at most one partial last line, which
    `read_jsonl` skips and the next append closes off first.
    """
    problem = _check_label(label)
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
    # Build the complete line before touching the file: label and metadata first, bulky strokes last.
    line = json.dumps({"label": label, **extra, "strokes": rows}, separators=(",", ":")) + "\n"
    data = line.encode("utf-8")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if os.pread(fd, 2, 0) == b"\x1f\x8b":
            raise ValueError(f"{path} is gzip-compressed; append_sample writes plain .jsonl files only")
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # A crash left a partial line: end it, so our line is not glued onto the garbage.
            data = b"\n" + data
        written = os.write(fd, data)
        while written < len(data):  # short writes only happen when e.g. the disk is full
            written += os.write(fd, data[written:])
        os.fsync(fd)
        count = _count_complete_lines(fd)
    finally:
        os.close(fd)
    if created:
        # Make the new directory entry durable too, or a crash could lose the whole file.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return count


# ---------------------------------------------------------------------------------------------
# UNIPEN
#
# A section-1a data file (data/1a/<lab>/...dat) holds no ink itself: it `.INCLUDE`s the lab's header
# and ink files (include/<lab>/..., paths relative to the include/ directory, as the release's tools
# resolve them) and then names digits with `.SEGMENT CHARACTER <ids> <quality> "<label>"` (the type
# word is not checked: a one-digit label is what makes a digit sample). Ink is a
# sequence of `.PEN_DOWN` / `.PEN_UP` blocks of "x y" lines; every non-empty block is one component,
# numbered from 0 across the whole expanded stream. <ids> are comma-separated components or ranges
# "a-b", where an end may be "component:point" (inclusive, 0-based) to cut inside a component.

_KEYWORD = re.compile(r"^\.([A-Z_]+)[ \t]*([^\n]*)", re.MULTILINE)
_SEGMENT = re.compile(r'(\S+)\s+(\S+)\s+(\S+)\s+"(.*)"')
_ENDPOINT = re.compile(r"(\d+)(?::(\d+))?$")


class _Release:
    """The release's files by path (relative to the archive or directory), from a tarball or a directory."""

    def __init__(self, path: Path):
        self.path = path
        self._files: dict[str, bytes | Path] = {}  # a directory's files are read when first needed
        if path.is_dir():
            for p in path.rglob("*"):
                if p.is_file():
                    self._files[p.relative_to(path).as_posix()] = p
        else:
            # gzip has no random access, so read the members (about 50 MB for section 1a) in one pass.
            try:
                with tarfile.open(path, "r:*") as tar:
                    for member in tar:
                        f = tar.extractfile(member) if member.isfile() else None
                        if f:
                            self._files[member.name.removeprefix("./")] = f.read()
            except (tarfile.TarError, OSError, EOFError) as e:
                raise StrokeDataError(f"{path}: cannot read the tarball ({e})") from None
        # The root is the directory that holds data/ and include/, however deep the archive nests it.
        data_files = [name for name in self._files if re.search(r"(^|/)data/1a/.*\.dat$", name)]
        if not data_files:
            raise StrokeDataError(f"{path}: no UNIPEN section 1a files (data/1a/**/*.dat)")
        self.root = data_files[0][: data_files[0].index("data/1a/")]
        self.data_files = sorted(data_files)

    def text(self, name: str) -> str:
        content = self._files[name]
        if isinstance(content, Path):
            content = content.read_bytes()
        # The release is ASCII; latin-1 maps any stray byte to a character instead of failing.
        return content.decode("latin-1")

    def resolve(self, target: str, including: str) -> str:
        for candidate in (self.root + "include/" + target, _join(including, target)):
            if candidate in self._files:
                return candidate
        raise StrokeDataError(f"{self.path}: {including}: .INCLUDE {target} not found")


def _join(including: str, target: str) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(including), target)).replace(os.sep, "/")


class _Stream:
    """The expanded keyword stream of one data file: its ink components and its digit segments."""

    def __init__(self, release: _Release, name: str):
        self.release = release
        self.components: list[tuple[bool, str]] = []  # (pen_down, body text), parsed on demand
        self.segments: list[tuple[str, str, str, int]] = []  # (ids, label, writer id, line number)
        self.writer = ""
        self._read(name, depth=0)

    def _read(self, name: str, depth: int) -> None:
        if depth > 10:
            raise StrokeDataError(f"{self.release.path}: {name}: .INCLUDE nested too deeply")
        text = self.release.text(name)
        matches = list(_KEYWORD.finditer(text))
        for i, m in enumerate(matches):
            keyword, arg = m.group(1), m.group(2)
            if keyword in ("PEN_DOWN", "PEN_UP"):
                end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
                body = text[m.end() : end]
                if body.strip():  # empty blocks are not numbered
                    self.components.append((keyword == "PEN_DOWN", body))
            elif keyword == "INCLUDE":
                self._read(self.release.resolve(arg.strip(), name), depth + 1)
            elif keyword == "WRITER_ID":
                self.writer = arg.strip()
            elif keyword == "SEGMENT":
                line = text.count("\n", 0, m.start()) + 1
                seg = _SEGMENT.match(arg)
                if not seg:
                    raise StrokeDataError(f"{self.release.path}: {name}:{line}: malformed .SEGMENT {arg}")
                label = seg.group(4).strip()
                if len(label) == 1 and label in "0123456789":  # a full release also segments words etc.
                    self.segments.append((seg.group(2), label, self.writer, line))

    def points(self, index: int) -> np.ndarray:
        body = self.components[index][1]
        try:
            values = np.array(body.split(), dtype=np.float64)
        except ValueError:
            raise ValueError(f"component {index} has a non-numeric coordinate") from None
        if values.size % 2:
            raise ValueError(f"component {index} has an odd number of coordinates")
        return values.reshape(-1, 2)

    def ink(self, ids: str) -> list[np.ndarray]:
        """The pen-down strokes a segment's <ids> name; pen-up (hover) components are left out."""
        strokes = []
        for part in ids.split(","):
            ends = [_ENDPOINT.match(e) for e in part.split("-")]
            if len(ends) > 2 or not all(ends):
                raise ValueError(f"bad component reference {part!r}")
            first, last = ends[0], ends[-1]
            c0, c1 = int(first.group(1)), int(last.group(1))
            if not 0 <= c0 <= c1 < len(self.components):
                raise ValueError(f"components {part!r} out of range (the file has {len(self.components)})")
            for c in range(c0, c1 + 1):
                if not self.components[c][0]:
                    continue
                pts = self.points(c)
                lo = int(first.group(2)) if c == c0 and first.group(2) else 0
                hi = int(last.group(2)) + 1 if c == c1 and last.group(2) else len(pts)
                if len(pts[lo:hi]):
                    strokes.append(pts[lo:hi])
        return strokes


def read_unipen(path: str | os.PathLike) -> list[Sample]:
    """Read the digits of UNIPEN train_r01_v07 section 1a from its .tar.gz or an extracted directory.

    Gives the same samples, in the same order, as the project's JSONL conversion: data files in path
    order, segments in file order; writer "<lab>/<.WRITER_ID>", source "<lab>"; y flipped to grow
    downward (every lab records it growing upward) and each sample shifted so its min x and min y are
    0, in the lab's own units. A sample whose shifted ink repeats an earlier one exactly is dropped,
    whatever its label or writer: of the 486 repeats, 287 sit under another writer id (IBM's
    sessions rNN-WW of one writer WW, gmd alek/kast) and 2 are a 3-point dot labelled differently.
    """
    release = _Release(Path(path))
    samples, seen = [], set()
    for name in release.data_files:
        lab = name[len(release.root) + len("data/1a/") :].split("/")[0]
        stream = _Stream(release, name)
        for ids, label, writer_id, line in stream.segments:
            try:
                strokes = stream.ink(ids)
            except ValueError as e:
                raise StrokeDataError(f"{release.path}: {name}:{line}: {e}") from None
            if not strokes:
                continue  # a segment of hover alone has no ink to draw
            allpts = np.concatenate(strokes)
            x0, y1 = allpts[:, 0].min(), allpts[:, 1].max()
            # y' = max_y - y flips to screen orientation and shifts min y' to 0 in one step.
            strokes = [np.stack([s[:, 0] - x0, y1 - s[:, 1]], axis=1).astype(np.float32) for s in strokes]
            sample = Sample(int(label), strokes, writer=f"{lab}/{writer_id}", source=lab)
            key = tuple(s.tobytes() for s in strokes)
            if key not in seen:
                seen.add(key)
                samples.append(sample)
    return samples


def read_strokes(path: str | os.PathLike) -> list[Sample]:
    """Read samples from a UNIPEN release (.tar.gz, .tgz or a directory) or a .jsonl[.gz] file."""
    p = Path(path)
    if p.is_dir() or p.name.endswith((".tar.gz", ".tgz")):
        return read_unipen(p)
    return read_jsonl(p)


# ---------------------------------------------------------------------------------------------
# Writer-disjoint splits


def person(writer: str) -> str:
    """The person behind a UNIPEN writer id, where the release gives one person several ids.

    IBM's ids are `rSS-WW`, recording session then writer (12 writers, three sessions each), and
    gmd's `kast` holds 51 digits identical to `alek`'s. Splitting by raw id would put the same hand
    in training and test; splitting by person keeps the held-out writers truly unseen.
    """
    lab, _, name = writer.partition("/")
    if lab == "ibm" and re.fullmatch(r"r\d\d-\d\d", name):
        return f"ibm/{name[-2:]}"
    if writer == "gmd/kast":
        return "gmd/alek"
    return writer


def writer_split(writer: str) -> str:
    """Return "train", "val" or "test" for a writer id: about 70/10/20, the same on every machine and run.

    A hash of the person (not Python's per-process randomised hash()) puts every sample of a person in
    one split, so accuracy on "test" is measured on writers that training and tuning never saw.
    """
    key = person(writer).encode("utf-8")
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % 100
    return "test" if bucket < 20 else "val" if bucket < 30 else "train"


def split_samples(samples: Iterable[Sample], part: str) -> list[Sample]:
    """The samples whose writer falls in `part` ("train", "val" or "test")."""
    if part not in SPLITS:
        raise ValueError(f"part must be one of {SPLITS}, got {part!r}")
    return [s for s in samples if writer_split(s.writer) == part]
