"""The marks that tell the three answers apart without colour: hatched bars and dashed frames.

A colour-blind viewer, a greyscale printout or a washed-out projector loses the difference between
the accent and the "not sure" colour; the pattern stays. app/readout.py says which mark goes where;
these only paint them, for the plain view and the inside view alike.
"""

from __future__ import annotations

import pygame
from pygame import Rect

from app.readout import HATCHED
from app.theme import Colour


def bar(surface: pygame.Surface, rect: Rect, colour: Colour, mark: str, gap: Colour, radius: int = 0) -> None:
    """A bar's filled part: solid, or hatched (diagonal stripes of `gap`, the track's colour, so
    the stripes read as holes in the bar)."""
    if rect.w <= 0 or rect.h <= 0:
        return
    pygame.draw.rect(surface, colour, rect, border_radius=radius)
    if mark != HATCHED:
        return
    # Stripes about a third of the bar's thickness apart, at least 3 px wide: visible on a projector
    # and in a thin bar alike. Thickness is the short side (vertical bars grow upwards).
    thick = min(rect.w, rect.h)
    period = max(6, round(thick * 0.55))
    width = max(2, period * 2 // 5)
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip) if clip else rect)
    span = rect.w + rect.h
    for k in range(-rect.h, span, period):
        x = rect.x + k
        # A parallelogram: one stripe at 45 degrees across the whole bar.
        corners = [(x, rect.bottom), (x + width, rect.bottom), (x + width + rect.h, rect.y), (x + rect.h, rect.y)]
        pygame.draw.polygon(surface, gap, corners)
    surface.set_clip(clip)


def dashed_frame(surface: pygame.Surface, rect: Rect, colour: Colour, width: int, radius: int = 0) -> None:
    """A rectangle's outline drawn as dashes along its straight sides (corners left open)."""
    dash, space = width * 4, width * 3
    x0, x1 = rect.x + radius, rect.right - radius
    y0, y1 = rect.y + radius, rect.bottom - radius
    for x in range(x0, x1, dash + space):
        w = min(dash, x1 - x)
        surface.fill(colour, (x, rect.y, w, width))
        surface.fill(colour, (x, rect.bottom - width, w, width))
    for y in range(y0, y1, dash + space):
        h = min(dash, y1 - y)
        surface.fill(colour, (rect.x, y, width, h))
        surface.fill(colour, (rect.right - width, y, width, h))


def solid_frame(surface: pygame.Surface, rect: Rect, colour: Colour, width: int, radius: int = 0) -> None:
    pygame.draw.rect(surface, colour, rect, width=width, border_radius=radius)
