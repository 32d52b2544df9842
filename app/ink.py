"""Anti-aliased, round ink on a cached canvas surface, smooth at any canvas size.

A stroke is the set of points within width/2 of its centre line. It is painted by stamping one
pre-rendered anti-aliased disc (the "nib") along the line, a fraction of its radius apart, with
`BLEND_MAX`: where stamps overlap, a pixel keeps its largest coverage, which is exactly the
coverage of the union of the discs. Joints and caps come out round by construction, the edge is
one clean anti-aliased boundary whatever the size, and nothing is drawn twice darker or lighter.
(Quads plus discs, the previous approach, left dark notches and lumpy edges on large canvases:
each quad's edge was rounded to whole pixels on its own.)

Stamps at spacing s leave scallops s^2 / (8 r) deep on the edge; at s = r / 6 that is under 1/250
of the radius, well below a pixel at any size the app draws. The nib is rendered per quarter-pixel
offset, so stamps sit at sub-pixel positions and a slow diagonal line does not stair-step.

Repainting every stroke each frame would cost time proportional to the drawing; instead the ink
lives on a surface that only gets the new segments while a stroke is drawn, and is repainted from
scratch only when something was removed (erase, undo, clear) or the canvas changed size.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from app.theme import Colour
from model.drawing import Drawing

SPACING = 1 / 6  # stamps per segment are this fraction of the radius apart (see above)
SUBPIXEL = 4  # nib positions per pixel in x and y
_NIBS: dict[tuple, pygame.Surface] = {}  # (radius, fx, fy, background, ink) -> rendered nib


def draw_segments(
    surface: pygame.Surface,
    pts: np.ndarray,
    width: float,
    background: Colour,
    ink: Colour,
    start: int = 0,
) -> None:
    """Draw the polyline `pts` (pixels) from point `start` on; points before it are already drawn.

    `surface` must be filled with `background` where nothing is drawn yet; the ink is composited by
    per-channel max, which is exact when the ink is at least as bright as the background in every
    channel (both themes: light ink on a dark canvas).
    """
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    n = len(pts)
    if n == 0 or start >= n:
        return
    r = max(1.0, width / 2)
    centres = _stamp_centres(pts[max(start - 1, 0) :], r, include_first=start == 0)
    if len(centres) == 0:
        return
    q = np.floor(centres * SUBPIXEL + 0.5) / SUBPIXEL  # quarter-pixel positions
    whole = np.floor(q).astype(int)
    frac = np.round((q - whole) * SUBPIXEL).astype(int)
    pad = math.ceil(r) + 1
    jobs = [
        (_nib(r, fx, fy, background, ink), (x - pad, y - pad), None, pygame.BLEND_MAX)
        for (x, y), (fx, fy) in zip(whole.tolist(), frac.tolist())
    ]
    surface.blits(jobs, doreturn=False)


def _stamp_centres(pts: np.ndarray, r: float, include_first: bool) -> np.ndarray:
    """Disc centres along the polyline, at most SPACING * r apart, every vertex included."""
    if len(pts) == 1:
        return pts.copy() if include_first else pts[:0]
    step = max(SPACING * r, 0.25)
    seg = np.diff(pts, axis=0)
    counts = np.maximum(np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / step).astype(int), 1)
    # For each segment, the fractions 1/k, 2/k, ..., 1 of the way along it (its end is a vertex).
    which = np.repeat(np.arange(len(seg)), counts)
    offsets = np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    t = (offsets / counts[which])[:, None]
    centres = pts[which] + seg[which] * t
    return np.vstack([pts[:1], centres]) if include_first else centres


def _nib(r: float, fx: int, fy: int, background: Colour, ink: Colour) -> pygame.Surface:
    """An anti-aliased disc of radius r, its centre (fx, fy) quarter pixels past a pixel corner."""
    key = (round(r * SUBPIXEL), fx, fy, background, ink)
    nib = _NIBS.get(key)
    if nib is None:
        if len(_NIBS) > 4096:  # brushes and canvas sizes come and go; keep the cache bounded
            _NIBS.clear()
        pad = math.ceil(r) + 1
        size = 2 * pad + 1
        # Coverage of each pixel by the disc: 1 inside, 0 outside, linear across the one-pixel rim,
        # measured from the pixel's centre (i + 0.5) to the disc's centre.
        xs = np.arange(size) + 0.5 - (pad + fx / SUBPIXEL)
        ys = np.arange(size) + 0.5 - (pad + fy / SUBPIXEL)
        dist = np.hypot(xs[:, None], ys[None, :])  # indexed [x, y], as surfarray is
        cover = np.clip(r + 0.5 - dist, 0.0, 1.0)
        bg, fg = np.array(background, dtype=np.float64), np.array(ink, dtype=np.float64)
        rgb = bg + (fg - bg) * cover[:, :, None]
        nib = pygame.surfarray.make_surface(np.round(rgb).astype(np.uint8))
        _NIBS[key] = nib
    return nib


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
            draw_segments(self.surface, stroke.points * side, stroke.width * side, background, ink, self._live_done)
            self._strokes_done += 1
            self._live_done = 0
        if drawing.current:
            done = self._live_done
            # Only the tail is converted: one earlier point to join onto, plus the new ones.
            tail = np.array(drawing.current[max(done - 1, 0) :], dtype=np.float64) * side
            draw_segments(self.surface, tail, drawing.current_width * side, background, ink, 1 if done else 0)
            self._live_done = len(drawing.current)
        return self.surface

    def _repaint(self, drawing: Drawing, side: int, background: Colour, ink: Colour) -> None:
        if self.surface is None or self.surface.get_size() != (side, side):
            self.surface = pygame.Surface((side, side))
        self.surface.fill(background)
        for stroke in drawing.strokes:
            draw_segments(self.surface, stroke.points * side, stroke.width * side, background, ink)
        self._strokes_done = len(drawing.strokes)
        self._live_done = 0
