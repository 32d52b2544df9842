"""The drawing as vector strokes, with erasing and undo. Pure Python/NumPy: no pygame, no pixels.

The app draws with it and evaluate.py replays saved drawings through it, so it lives in `model/`.

Points are stored in *normalised* canvas coordinates: (0, 0) is the canvas's top-left corner and
(1, 1) its bottom-right, y down. The window can then be resized (or go fullscreen) without touching
the drawing, and the recogniser, which is scale-invariant, gets the same strokes at any canvas size.

Every change bumps `version`, so the app knows when to ask the network again, and destructive
changes (erase, undo, clear) also bump `revision`, so the ink cache knows when it must repaint from
scratch rather than just add the newest segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_STEP = 1 / 400  # ignore pointer moves shorter than this: mouse jitter adds points, not shape
HISTORY = 200  # undo steps kept; each is a tuple of references to immutable strokes, so it is cheap


@dataclass(frozen=True, eq=False)
class Stroke:
    points: np.ndarray  # (n, 2) float64, normalised canvas coordinates, read-only
    width: float  # ink width as a fraction of the canvas side
    lo: tuple[float, float] = (0.0, 0.0)  # bounding box of the points, so the eraser can skip
    hi: tuple[float, float] = (0.0, 0.0)  # strokes far away without looking at their points

    @staticmethod
    def make(points: np.ndarray | list, width: float) -> Stroke:
        a = np.array(points, dtype=np.float64).reshape(-1, 2)
        a.flags.writeable = False  # strokes are shared between undo states, so nobody may edit one
        lo, hi = a.min(axis=0), a.max(axis=0)
        return Stroke(a, float(width), (float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1])))


class Drawing:
    """Strokes being drawn, erased and undone; the model behind the canvas."""

    def __init__(self, min_step: float = MIN_STEP, history: int = HISTORY) -> None:
        self.strokes: tuple[Stroke, ...] = ()  # finished strokes, oldest first
        self.current: list[tuple[float, float]] = []  # the stroke under the pen, if any
        self.current_width = 0.0
        self.version = 0
        self.revision = 0
        self._min_step = min_step
        self._history = history
        # Undo steps: the strokes before (or after) a step, and the step's tag (see `clear`).
        self._undo: list[tuple[tuple[Stroke, ...], object]] = []
        self._redo: list[tuple[tuple[Stroke, ...], object]] = []
        self.last_tag: object = None  # the tag of the step the last undo()/redo() moved over
        self._erase_start: tuple[Stroke, ...] | None = None  # state before the erase gesture in progress

    # -- queries ----------------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return not self.strokes and not self.current

    @property
    def drawing(self) -> bool:
        """True while a stroke is in progress (pen down)."""
        return bool(self.current)

    @property
    def erasing(self) -> bool:
        return self._erase_start is not None

    def all_strokes(self) -> list[Stroke]:
        """Finished strokes plus the one in progress, as the user sees them right now."""
        if not self.current:
            return list(self.strokes)
        return [*self.strokes, Stroke.make(self.current, self.current_width)]

    def point_arrays(self, side: float) -> list[np.ndarray]:
        """Every stroke's points scaled to a canvas of `side` pixels: what the recogniser reads."""
        return [s.points * side for s in self.all_strokes()]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) or self.drawing

    # -- drawing ----------------------------------------------------------------------------------

    def begin(self, x: float, y: float, width: float) -> None:
        """Pen down at (x, y): start a stroke. A stroke still open (a lost button-up) is finished first."""
        self.end()
        self.end_erase()
        self.current = [(x, y)]
        self.current_width = width
        self._changed()

    def extend(self, x: float, y: float) -> bool:
        """Pen moved to (x, y): add a point if it is far enough from the last one. Returns True if added.

        Points are joined by straight segments when drawn, so however fast the pointer moves and
        however far apart its events land, the ink has no gaps.
        """
        if not self.current:
            return False
        lx, ly = self.current[-1]
        if math.hypot(x - lx, y - ly) < self._min_step:
            return False
        self.current.append((x, y))
        self._changed()
        return True

    def end(self, x: float | None = None, y: float | None = None) -> None:
        """Pen up (optionally at a final position): the stroke joins the drawing as one undo step."""
        if not self.current:
            return
        if x is not None and y is not None and (x, y) != self.current[-1]:
            self.current.append((x, y))  # keep the exact end point, however close
        stroke = Stroke.make(self.current, self.current_width)
        self.current = []
        self._commit((*self.strokes, stroke), destructive=False)

    # -- erasing ----------------------------------------------------------------------------------

    def begin_erase(self) -> None:
        """Start an erase gesture: everything it removes is undone in one step."""
        self.end()
        if self._erase_start is None:
            self._erase_start = self.strokes

    def erase(self, x0: float, y0: float, x1: float, y1: float, radius: float) -> bool:
        """Erase along the pointer's path from (x0, y0) to (x1, y1); True if any ink was removed.

        The eraser is a disc; sampling its centre every half radius along the path sweeps a band at
        least 1.9 radii wide, so a fast drag erases a continuous track rather than separate dots.
        """
        if radius <= 0:
            return False
        steps = math.ceil(math.hypot(x1 - x0, y1 - y0) / (radius / 2))
        strokes = self.strokes
        # The start was erased by the previous call (or is the press itself, when steps == 0).
        for i in range(1 if steps else 0, steps + 1):
            t = i / steps if steps else 1.0
            strokes = erase_disc(strokes, (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t), radius)
        if strokes is self.strokes:
            return False
        self.strokes = strokes
        self._changed(destructive=True)
        return True

    def end_erase(self) -> None:
        if self._erase_start is None:
            return
        before, self._erase_start = self._erase_start, None
        if before is not self.strokes:
            self._push_undo(before)

    # -- whole-drawing actions --------------------------------------------------------------------

    def clear(self, tag: object = None) -> bool:
        """Remove everything (undoable). Returns False if there was nothing to clear.

        `tag` rides along with this undo step: after an undo or redo moves over it, `last_tag` is
        it, so the app can take back (or redo) what the clear stood for, such as saving a label.
        """
        self.end()
        self.end_erase()
        if not self.strokes:
            return False
        self._commit((), destructive=True, tag=tag)
        return True

    @property
    def undo_depth(self) -> int:
        """Steps undo() can take back (not counting a stroke in progress)."""
        return len(self._undo)

    @property
    def redo_depth(self) -> int:
        return len(self._redo)

    def undo(self) -> bool:
        """Undo the last stroke, erase gesture or clear. A stroke still being drawn is dropped."""
        self.last_tag = None
        if self.current:
            self.current = []
            self._changed(destructive=True)
            return True
        self.end_erase()
        return self._travel(self._undo, self._redo)

    def redo(self) -> bool:
        """Redo the last undone step. Returns False if there is none (or a stroke is in progress)."""
        self.last_tag = None
        if self.current:
            return False
        # An erase gesture still open is a new action: finishing it forks history and empties the
        # redo list, so it must be finished *before* the list is looked at.
        self.end_erase()
        return self._travel(self._redo, self._undo)

    def _travel(self, source: list, dest: list) -> bool:
        """One step through history: the drawing becomes `source`'s last state (with its tag), and
        the state it leaves goes onto `dest`, so the opposite step can bring it back."""
        if not source:
            return False
        strokes, self.last_tag = source.pop()
        dest.append((self.strokes, self.last_tag))
        self.strokes = strokes
        self._changed(destructive=True)
        return True

    # -- internals --------------------------------------------------------------------------------

    def _commit(self, strokes: tuple[Stroke, ...], destructive: bool, tag: object = None) -> None:
        self._push_undo(self.strokes, tag)
        self.strokes = strokes
        self._changed(destructive)

    def _push_undo(self, state: tuple[Stroke, ...], tag: object = None) -> None:
        self._undo.append((state, tag))
        del self._undo[: -self._history]
        self._redo.clear()  # a new action forks history: the undone future is gone

    def _changed(self, destructive: bool = False) -> None:
        self.version += 1
        if destructive:
            self.revision += 1


def erase_disc(strokes: tuple[Stroke, ...], centre: tuple[float, float], radius: float) -> tuple[Stroke, ...]:
    """The strokes with the ink inside a disc removed; the same tuple object if nothing was touched.

    A stroke's ink reaches width/2 beyond its centre line, so the centre line is cut where it comes
    within radius + width/2 of the disc's centre: the round caps left behind then just touch the
    eraser's edge, and everything the user saw under the eraser is gone.
    """
    cx, cy = centre
    c = np.array(centre, dtype=np.float64)
    out: list[Stroke] = []
    touched = False
    for stroke in strokes:
        reach = radius + stroke.width / 2
        far = (
            cx < stroke.lo[0] - reach
            or cx > stroke.hi[0] + reach
            or cy < stroke.lo[1] - reach
            or cy > stroke.hi[1] + reach
        )
        pieces = None if far else _cut(stroke.points, c, reach)
        if pieces is None:
            out.append(stroke)
            continue
        touched = True
        out.extend(Stroke.make(p, stroke.width) for p in pieces)
    return tuple(out) if touched else strokes


def _cut(points: np.ndarray, c: np.ndarray, r: float) -> list[np.ndarray] | None:
    """The pieces of a polyline outside the disc (c, r), or None if the disc misses it.

    Segments are cut exactly where they cross the disc's edge, rather than by dropping whole
    points: a line drawn in one quick flick has only two points, and erasing its middle must split
    it. The crossings of all segments are solved at once (a quadratic per segment, vectorised);
    only the few segments the disc touches are visited one by one.
    """
    if len(points) == 1:
        return [] if np.hypot(*(points[0] - c)) < r else None
    a, d = points[:-1], np.diff(points, axis=0)
    f = a - c
    qa = np.einsum("ij,ij->i", d, d)
    qb = 2 * np.einsum("ij,ij->i", f, d)
    qc = np.einsum("ij,ij->i", f, f) - r * r
    disc = qb * qb - 4 * qa * qc
    moving = qa > 0
    safe_qa = np.where(moving, 2 * qa, 1.0)
    root = np.sqrt(np.maximum(disc, 0.0))
    t0 = np.where(moving, (-qb - root) / safe_qa, 0.0)
    t1 = np.where(moving, (-qb + root) / safe_qa, 1.0)
    # A moving segment is hit if its line crosses the circle within the segment; a zero-length one
    # (the pointer paused) if its point is inside.
    hit = np.where(moving, (disc > 0) & (t1 > 0) & (t0 < 1), qc < 0)
    hits = np.flatnonzero(hit)
    if hits.size == 0:
        return None

    pieces: list[np.ndarray] = []
    head: list[np.ndarray] = []  # where the previous cut left the disc, if it did
    start = 0  # first original point of the current piece
    for i in hits:
        enter, leave = max(float(t0[i]), 0.0), min(float(t1[i]), 1.0)
        # The piece runs up to this segment's start point, unless that point is itself inside.
        body = points[start : i + 1] if enter > 0 else points[start:i]
        tail = [points[i] + d[i] * enter] if enter > 0 else []
        pieces.append(np.array([*head, *body, *tail]).reshape(-1, 2))
        head = [points[i] + d[i] * leave] if leave < 1 else []
        start = i + 1
    pieces.append(np.array([*head, *points[start:]]).reshape(-1, 2))
    # A piece can shrink to a sliver where the disc grazed a corner; a speck of ink is not a stroke.
    return [p for p in pieces if len(p) > 1 and _length(p) > 1e-6]


def _length(piece: np.ndarray) -> float:
    return float(np.hypot(*np.diff(piece, axis=0).T).sum())
