"""Anti-aliased, round-capped ink on a cached canvas surface.

pygame's thick lines are not anti-aliased, and its anti-aliased wide lines come out beaded. Each
segment is drawn as an anti-aliased filled quad (gfxdraw) plus an anti-aliased disc at its end: the
discs round every joint and cap, the quads fill between them, and the edges are smooth.

Repainting every stroke each frame would cost time proportional to the drawing; instead the ink
lives on a surface that only gets the new segments while a stroke is drawn, and is repainted from
scratch only when something was removed (erase, undo, clear) or the canvas changed size.
"""

from __future__ import annotations

import math

import numpy as np
import pygame
import pygame.gfxdraw

from app.theme import Colour
from model.drawing import Drawing

OVERLAP = 1.0  # pixels each quad reaches past its segment's ends


def draw_segments(
    surface: pygame.Surface, pts: np.ndarray, width: float, colour: Colour, start: int = 0
) -> None:
    """Draw the polyline `pts` (pixels) from point `start` on; points before it are already drawn."""
    n = len(pts)
    if n == 0 or start >= n:
        return
    # The discs are pygame.draw.aacircle, which takes a sub-pixel centre: rounding centres to whole
    # pixels (as gfxdraw's discs need) leaves visible notches wherever a disc meets a quad.
    r = max(1.0, width / 2)
    half = r
    discs = _joints_needing_discs(pts, half)
    if start == 0:
        _disc(surface, pts[0], r, colour)
        start = 1
    for i in range(start, n):
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        if length > 0.5:  # shorter segments are covered by the two discs
            nx, ny = -dy / length * half, dx / length * half
            # gfxdraw truncates corners to whole pixels, so neighbouring quads can miss each other by
            # a pixel at a joint; reaching one pixel further each way makes them overlap instead.
            ex, ey = dx / length * OVERLAP, dy / length * OVERLAP
            x0, y0, x1, y1 = x0 - ex, y0 - ey, x1 + ex, y1 + ey
            quad = [(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)]
            pygame.gfxdraw.aapolygon(surface, quad, colour)
            pygame.gfxdraw.filled_polygon(surface, quad, colour)
        if discs[i]:
            _disc(surface, pts[i], r, colour)


def _joints_needing_discs(pts: np.ndarray, half: float) -> np.ndarray:
    """Which points need a disc: the ends, sharp turns, and joints next to very short segments.

    Where the line turns by a small angle, the two quads leave a wedge on the outside of the turn
    only half * (1 - cos(angle / 2)) deep; below a quarter pixel the anti-aliased edges hide it.
    Skipping those discs halves the cost of repainting a long drawing (which happens on every
    erase), since a smooth stroke is almost all gentle turns.
    """
    n = len(pts)
    need = np.ones(n, dtype=bool)
    if n < 3:
        return need
    seg = np.diff(np.asarray(pts, dtype=np.float64), axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    cos_turn = np.einsum("ij,ij->i", seg[:-1], seg[1:]) / np.maximum(lengths[:-1] * lengths[1:], 1e-12)
    limit = math.cos(2 * math.acos(max(1 - 0.25 / half, -1.0)))
    gentle = (cos_turn > limit) & (lengths[:-1] > 0.5) & (lengths[1:] > 0.5)
    need[1:-1] = ~gentle
    return need


def _disc(surface: pygame.Surface, p: np.ndarray, r: float, colour: Colour) -> None:
    pygame.draw.aacircle(surface, colour, (float(p[0]), float(p[1])), r)


class InkLayer:
    """The canvas as pixels: background plus every stroke, kept in step with a Drawing."""

    def __init__(self) -> None:
        self.surface: pygame.Surface | None = None
        self._key: tuple | None = None
        self._strokes_done = 0  # finished strokes already on the surface
        self._live_done = 0  # points of the stroke in progress already on the surface

    def sync(self, drawing: Drawing, side: int, background: Colour, ink: Colour) -> pygame.Surface:
        """Bring the surface up to date with the drawing at `side` x `side` pixels and return it."""
        key = (side, drawing.revision, background, ink)
        if self.surface is None or key != self._key:
            self._repaint(drawing, side, background, ink)
            self._key = key
        assert self.surface is not None
        while self._strokes_done < len(drawing.strokes):
            # A stroke finished since the last sync: usually the live one, partly drawn already.
            stroke = drawing.strokes[self._strokes_done]
            draw_segments(self.surface, stroke.points * side, stroke.width * side, ink, start=self._live_done)
            self._strokes_done += 1
            self._live_done = 0
        if drawing.current:
            done = self._live_done
            # Only the tail is converted: one earlier point to join onto, plus the new ones.
            tail = np.array(drawing.current[max(done - 1, 0) :], dtype=np.float64) * side
            draw_segments(self.surface, tail, drawing.current_width * side, ink, start=1 if done else 0)
            self._live_done = len(drawing.current)
        return self.surface

    def _repaint(self, drawing: Drawing, side: int, background: Colour, ink: Colour) -> None:
        if self.surface is None or self.surface.get_size() != (side, side):
            self.surface = pygame.Surface((side, side))
        self.surface.fill(background)
        for stroke in drawing.strokes:
            draw_segments(self.surface, stroke.points * side, stroke.width * side, ink)
        self._strokes_done = len(drawing.strokes)
        self._live_done = 0
