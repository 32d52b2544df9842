"""The public UNIPEN release (train_r01_v07) in its own text format: section 1a (isolated digits) and
sections 1b, 1c and 1d (isolated upper-case letters, lower-case letters, symbols: drawings that are no
digit, model/letters.py).

Read from the ``.tar.gz`` or an extracted directory, so anyone can rebuild the data from the public
release; `read_unipen` reproduces the project's JSONL conversion of section 1a exactly. Which writer
ids are one person is `model.split.person`'s job.
"""

from __future__ import annotations

import os
import re
import tarfile
from pathlib import Path

import numpy as np

from model.config import NOT_A_DIGIT
from model.sample import FLOAT32_MAX, Sample, StrokeDataError

DIGIT_SECTION = "1a"
CHARACTER_SECTIONS = ("1b", "1c", "1d")  # upper-case letters, lower-case letters, symbols

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
        sections = "|".join((DIGIT_SECTION, *CHARACTER_SECTIONS))
        found = [(m.group(1), m.group(2), name) for name in self._files
                 if (m := re.search(rf"(^|/)data/({sections})/.*\.dat$", name))]
        if not found:
            raise StrokeDataError(f"{path}: no UNIPEN section 1a-1d files (data/1a/**/*.dat and the like)")
        head, section, name = found[0]
        self.root = name[: name.index(f"data/{section}/")]
        self.data_files = sorted(name for _, _, name in found)

    def section(self, name: str) -> str:
        """The section ("1a" ... "1d") a data file belongs to."""
        return name[len(self.root) + len("data/") :].split("/")[0]

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
        self.components: list[tuple[bool, str, int]] = []  # (pen_down, body text, columns), parsed on demand
        self.columns = 2  # numbers a point: `.COORD X Y` or `.COORD X Y T` (sie's letters carry a time)
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
                    self.components.append((keyword == "PEN_DOWN", body, self.columns))
            elif keyword == "COORD":
                self.columns = max(2, len(arg.split()))
            elif keyword == "INCLUDE":
                self._read(self.release.resolve(arg.strip(), name), depth + 1)
            elif keyword == "WRITER_ID":
                self.writer = arg.strip()
            elif keyword == "SEGMENT":
                line = text.count("\n", 0, m.start()) + 1
                seg = _SEGMENT.match(arg)
                if not seg:
                    raise StrokeDataError(f"{self.release.path}: {name}:{line}: malformed .SEGMENT {arg}")
                label = unescape(seg.group(4).strip())
                if len(label) == 1:  # one character: a full release also segments words etc.
                    self.segments.append((seg.group(2), label, self.writer, line))

    def points(self, index: int) -> np.ndarray:
        _, body, columns = self.components[index]
        try:
            values = np.array(body.split(), dtype=np.float64)
        except ValueError:
            raise ValueError(f"component {index} has a non-numeric coordinate") from None
        if values.size % columns:
            raise ValueError(f"component {index} has {values.size} numbers, not a multiple of the {columns}"
                             " a point has (.COORD)")
        values = values.reshape(-1, columns)[:, :2].reshape(-1)  # x and y; a time column is left out
        if not np.isfinite(values).all() or (np.abs(values) > FLOAT32_MAX).any():
            raise ValueError(f"component {index} has a coordinate that is not a finite float32 number")
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


def unescape(label: str) -> str:
    """A label as the release writes it, unescaped: section 1d writes a backslash and a double quote
    as "\\\\" and "\\"" (the raw text), and "\\@" for the at sign (1,585 of them, beside 283
    plain "@")."""
    return re.sub(r"\\(.)", r"\1", label)


def read_unipen(path: str | os.PathLike) -> list[Sample]:
    """Read the samples of UNIPEN train_r01_v07 from its .tar.gz or an extracted directory: the digits
    of section 1a and, where the release holds them, the letters and symbols of sections 1b-1d.

    Digits come as the project's JSONL conversion has them: data files in path order, segments in
    file order; writer "<lab>/<.WRITER_ID>", source "<lab>"; y flipped to grow downward (every lab
    records it growing upward) and each sample shifted so its min x and min y are 0, in the lab's own
    units. A sample whose shifted ink repeats an earlier one exactly is dropped, whatever its label or
    writer: of section 1a's 486 repeats, 287 sit under another writer id (IBM's sessions rNN-WW of one
    writer WW, gmd alek/kast) and 2 are a 3-point dot labelled differently.
    Letters and symbols are labelled NOT_A_DIGIT, with the character in `extra["char"]` and the
    section in `extra["section"]` (which of them count as no digit is model/letters.py's call).
    """
    release = _Release(Path(path))
    samples, seen = [], set()
    for name in release.data_files:
        section = release.section(name)
        lab = name[len(release.root) + len(f"data/{section}/") :].split("/")[0]
        stream = _Stream(release, name)
        for ids, label, writer_id, line in stream.segments:
            if (section == DIGIT_SECTION) != (label in "0123456789"):
                continue  # a digit outside section 1a, or anything but a digit in it
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
            if section == DIGIT_SECTION:
                sample = Sample(int(label), strokes, writer=f"{lab}/{writer_id}", source=lab)
            else:
                sample = Sample(NOT_A_DIGIT, strokes, writer=f"{lab}/{writer_id}", source=lab,
                                extra={"char": label, "section": section})
            key = tuple(s.tobytes() for s in strokes)
            if key not in seen:
                seen.add(key)
                samples.append(sample)
    return samples
