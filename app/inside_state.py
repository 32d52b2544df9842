"""The inside view's state and its numbers, without pygame.

`InsideState` remembers the page (overview or gallery), the selected unit and where the clickable
things were drawn last frame, so the app can route clicks (`click`, `unit_at`); `Pitch` finds the
unit under a point of a grid of units. The evidence map's colours and words are pure functions of
model/inside.py's numbers. The painting is app/inside_view.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from app.readout import CROSS
from model.config import NOT_A_DIGIT
from model.inside import DIVERGING

if TYPE_CHECKING:
    from pygame import Rect

    from app.kit import Drawn

Colour = tuple[int, int, int]
ORANGE: Colour = tuple(int(c) for c in DIVERGING[int(len(DIVERGING) * 0.80)])  # "pushes towards"
BLUE: Colour = tuple(int(c) for c in DIVERGING[int(len(DIVERGING) * 0.20)])  # "pushes against"


@dataclass
class InsideState:
    gallery: bool = False  # False: the overview page
    page: int = 0
    selected: int | None = None  # a unit index, picked in the grid or the gallery
    per_page: int = 1  # units per gallery page, set by the view from the space it has
    pages: int = 1
    _buttons: dict[str, Rect] = field(default_factory=dict)
    _units: list[Pitch] = field(default_factory=list)  # where units were drawn last frame
    # Where the crowded cards' contents were drawn last frame, so tests can check that they fit.
    _cards: dict[str, Rect] = field(default_factory=dict)  # "voters", "output"
    _output_rows: list[dict[str, Rect]] = field(default_factory=list)  # each row: "row" and its parts
    # Every text, picture and button of the last frame: (what, where, the card it belongs to).
    _drawn: Drawn = field(default_factory=list)  # app/kit.py
    _jump: bool = False  # show the selected unit's gallery page next time the gallery is drawn

    @property
    def _voters(self) -> list[Rect]:
        """Where the voters' card's heading, labels, pictures and numbers went last frame."""
        card = self._cards.get("voters")
        return [where for _, where, c in self._drawn if c == card]

    def unit_at(self, pos: tuple[int, int]) -> int | None:
        """The unit drawn at window position `pos` (grid cell or gallery picture), or None."""
        for area in self._units:
            unit = area.unit_at(pos)
            if unit is not None:
                return unit
        return None

    def click(self, pos: tuple[int, int]) -> bool:
        """Handle a left click; True if it hit something of the inside view."""
        for name, rect in self._buttons.items():
            if rect.collidepoint(pos):
                {"gallery": self.toggle_gallery, "prev": lambda: self.turn(-1), "next": lambda: self.turn(1)}[name]()
                return True
        unit = self.unit_at(pos)
        if unit is None:
            return False
        self.selected = unit
        if not self.gallery:  # picked in the overview's grid: show it in the gallery
            self.gallery = self._jump = True
        return True

    def toggle_gallery(self) -> None:
        self.gallery = not self.gallery

    def turn(self, delta: int) -> None:
        """Go `delta` gallery pages on (wrapping round), opening the gallery if it is closed."""
        self.gallery = True
        self.page = (self.page + delta) % max(self.pages, 1)


@dataclass(frozen=True)
class Pitch:
    """Units drawn row by row on a regular pitch from (x, y): which one is at a point."""

    x: int
    y: int
    step_x: int
    step_y: int
    cols: int
    rows: int
    shown: np.ndarray  # the units in drawing order

    def unit_at(self, pos: tuple[int, int]) -> int | None:
        col, row = (pos[0] - self.x) // self.step_x, (pos[1] - self.y) // self.step_y
        i = row * self.cols + col
        inside = 0 <= col < self.cols and 0 <= row < self.rows and pos[0] >= self.x and pos[1] >= self.y
        return int(self.shown[i]) if inside and i < len(self.shown) else None


def grid_shape(n: int, w: int, h: int) -> tuple[int, int, int]:
    """(cols, rows, cell) with cols x rows >= n square cells as large as fit in w x h."""
    cell = max(int(np.sqrt(w * h / max(n, 1))), 1)
    while cell > 1 and (w // cell) * (h // cell) < n:
        cell -= 1
    cols = max(w // cell, 1)
    return cols, -(-n // cols), cell


def output_name(output: int) -> str:
    """An output's short name: its digit, or the cross for "not a digit"."""
    return CROSS if output == NOT_A_DIGIT else str(output)


EVIDENCE_FLOOR = 0.4  # the weakest ink in the evidence map still shows its colour this bright


def evidence_rgb(emap: np.ndarray, image: np.ndarray) -> np.ndarray:
    """The evidence map in two colours a class reads at a glance: each stroke orange where it pushes
    to the answer, blue where it pushes to the other, black where there is no ink.

    Pixel by pixel the evidence is a speckle (neighbours often push opposite ways by a little), so
    each ink pixel takes the average evidence of the ink around it (3x3); every ink pixel is then
    one of the two colours, at least EVIDENCE_FLOOR bright, brighter for a stronger push."""
    from scipy.ndimage import uniform_filter

    img = np.asarray(image, np.float64)
    ink = img > 0.05
    e = np.where(ink, np.asarray(emap, np.float64), 0.0)
    weight = uniform_filter(ink.astype(np.float64), 3, mode="constant")
    smooth = np.where(ink, uniform_filter(e, 3, mode="constant") / np.maximum(weight, 1e-9), 0.0)
    strong = np.abs(smooth[ink])
    limit = float(np.percentile(strong, 95)) if strong.size else 0.0
    limit = limit or 1.0
    bright = EVIDENCE_FLOOR + (1 - EVIDENCE_FLOOR) * np.sqrt(np.clip(np.abs(smooth) / limit, 0, 1))
    bright *= np.clip(img / 0.5, 0, 1) * ink  # the pen's soft edge stays soft; no ink, black
    colour = np.where((smooth >= 0)[..., None], np.array(ORANGE, np.float64), np.array(BLUE, np.float64))
    return np.clip(colour * bright[..., None] + 0.5, 0, 255).astype(np.uint8)


def evidence_words(e, won: bool) -> list[str]:
    """The evidence's sums in words a class follows: how much the orange ink adds for the answer,
    the blue ink for the other, the head start one of them has before any ink counts (the biases
    of the units that fired), and the outcome. Exactly: orange - blue + head start = the lead."""
    top, other = output_name(e.top), output_name(e.other)
    orange, blue = float(e.map[e.map > 0].sum()), float(-e.map[e.map < 0].sum())
    if abs(e.baseline) < 0.05:
        start = "no head start for either"
    else:
        start = f"head start {abs(e.baseline):.1f} for {top if e.baseline > 0 else other}"
    return [f"orange: {orange:.1f} for {top}", f"blue: {blue:.1f} for {other}", start,
            f"{top} {'wins' if won else 'leads'} by {e.difference:.1f}"]
