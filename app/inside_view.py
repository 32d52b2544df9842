"""The inside view: how the network reaches its answer, drawn into one rectangle of the window.

It paints what `model/inside.py` computed (an `Inside` for the current drawing, the `Units` of the
model) and nothing else: no network call happens here. Two pages share the rectangle:

  overview   the way in (preprocessing steps, and the answer without them) across the top; the
             hidden layer as a grid of all units and the units voting for and against the answer;
             the evidence map ("why 3 and not 8") and the output (logits -> softmax = the bars);
  gallery    every unit's incoming weights, most important first, a page at a time; click one to
             see how it responds to the drawing.

`InsideState` remembers the page, the selected unit and where things were drawn, so the app can
route clicks (`InsideState.click`, `InsideState.unit_at`). Everything that does not change from
one frame to the next (weight pictures, the pictures of a reading) is cached as surfaces, so a
frame costs a few blits and the text that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pygame
from pygame import Rect

from app import marks
from app.kit import Drawn, Painter, Sizes, grey_picture, rgb_picture
from app.panels import INSIDE, Action, QuietPanel, Setup, ShowView, toggle
from app.readout import CROSS, HATCHED, SOLID, Verdict, output_rows, percentages
from app.readout import verdict as judge
from app.theme import (
    CLASSROOM,
    CLASSROOM_LEAST_SCALE,
    SMALLEST_TYPE,
    Colour,
    Fonts,
    TextCache,
    Theme,
    classroom_minimums_at,
)
from model.answer import Thresholds
from model.config import CLASSES, FIELD, NOT_A_DIGIT
from model.inside import DIVERGING, Inside, Units, to_rgb
from model.recognise import Reading

ORANGE: Colour = tuple(int(c) for c in DIVERGING[int(len(DIVERGING) * 0.80)])  # "pushes towards"
BLUE: Colour = tuple(int(c) for c in DIVERGING[int(len(DIVERGING) * 0.20)])  # "pushes against"
FRAME = 1  # the line round a picture, outside it: the space it takes
# Type and spacing at scale 1 and their floors (app/kit.py): headings smaller than the plain view's
# (26/19/15 at scale 1), since six panels share the room.
SIZES = {"title": (22, 9), "body": (18, 8), "small": (15, SMALLEST_TYPE), "gap": (12, 4), "pad": (9, 3),
         "radius": (8, 3)}
WEIGHT_CACHE = 600  # weight pictures kept (a gallery page or two, plus the voters)
# The output panel's rows want this many body sizes of height each (type as big as the headings,
# read from the back of a classroom): the row of the evidence and the output grows for them, as
# long as the voters above keep their pictures `_Frame.voter_tile` px high, with their votes.
OUTPUT_ROW = 1.25


# ---------------------------------------------------------------------------------------------
# State: which page, which unit, and where the clickable things were last drawn.


@dataclass
class InsideState:
    gallery: bool = False  # False: the overview page
    page: int = 0
    selected: int | None = None  # a unit index, picked in the grid or the gallery
    per_page: int = 1  # units per gallery page, set by the view from the space it has
    pages: int = 1
    _buttons: dict[str, Rect] = field(default_factory=dict)
    _units: list[_Pitch] = field(default_factory=list)  # where units were drawn last frame
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


# ---------------------------------------------------------------------------------------------
# The view.


class InsideView:
    def __init__(self, text: TextCache | None = None) -> None:
        self.text = text or TextCache(Fonts())
        self._units: Units | None = None  # the model's units the caches below belong to
        self._weights: dict[tuple[int, int], pygame.Surface] = {}  # (unit, side)
        self._for: Inside | None = None  # the reading the per-reading cache below belongs to
        self._pictures: dict[tuple, pygame.Surface] = {}
        self._static: dict[tuple, object] = {}  # things that depend on the model and layout only

    def draw(
        self,
        surface: pygame.Surface,
        rect: Rect,
        inside: Inside | None,
        units: Units,
        theme: Theme,
        scale: float,
        state: InsideState,
        pointer: tuple[int, int] | None = None,
        verdict: Verdict | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        """Paint the inside view into `rect`. `inside` is None while nothing is drawn; `pointer`
        (the mouse position, if over the window) lights the button under it and labels the unit;
        `verdict` is the answer the app shows for this reading (app/readout.py), which the view marks
        as the plain view does (None: judged with `thresholds`, default: model/answer.py's)."""
        thresholds = thresholds or Thresholds()
        if units is not self._units:  # another model (the Learn view trained one): start afresh
            self._units, self._weights, self._static = units, {}, {}
            if state.selected is not None and not 0 <= state.selected < units.count:
                state.selected = None
        if inside is not self._for:
            self._for, self._pictures = inside, {}
        if verdict is None and inside is not None:
            f = inside.forward
            verdict = judge(Reading(f.image, f.probs, f.not_digit), thresholds)
        state._buttons, state._units, state._cards, state._output_rows = {}, [], {}, []
        state._drawn = []  # before the frame: its painter records into this list
        f = _Frame(self, surface, rect, inside, units, theme, scale, state, pointer, verdict, thresholds)
        f.paint()
        if pointer is not None and (unit := state.unit_at(pointer)) is not None:
            f.label_unit(unit, pointer)

    # -- cached pictures ----------------------------------------------------------------------------

    def weight_picture(self, units: Units, unit: int, side: int) -> pygame.Surface:
        """A unit's incoming weights as a side x side picture, its own largest |weight| saturating."""
        key = (int(unit), side)
        surf = self._weights.get(key)
        if surf is None:
            if len(self._weights) >= WEIGHT_CACHE:
                self._weights.clear()
            surf = rgb_picture(to_rgb(units.images[unit]), side)
            self._weights[key] = surf
        return surf

    def ranks(self, units: Units) -> np.ndarray:
        """Each unit's place in the gallery order (the inverse of units.order), computed once."""
        key = ("ranks",)
        if key not in self._static:
            self._static[key] = np.argsort(units.order)
        return self._static[key]

    def gaps(self, cols: int, rows: int, cell: int, colour: Colour) -> pygame.Surface:
        """Lines between the grid's cells, transparent elsewhere: laid over the scaled-up grid."""
        key = ("gaps", cols, rows, cell, colour)
        if key not in self._static:
            key_colour = (255, 0, 255) if colour != (255, 0, 255) else (0, 255, 0)
            surf = pygame.Surface((cols * cell, rows * cell))
            surf.fill(key_colour)
            for c in range(1, cols + 1):
                surf.fill(colour, (c * cell - 1, 0, 1, rows * cell))
            for r in range(1, rows + 1):
                surf.fill(colour, (0, r * cell - 1, cols * cell, 1))
            surf.set_colorkey(key_colour)
            self._static[key] = surf
        return self._static[key]

    def reading_picture(self, name: str, side: int, make) -> pygame.Surface:
        """A picture of the current reading, made once per reading and size."""
        key = (name, side)
        surf = self._pictures.get(key)
        if surf is None:
            surf = self._pictures[key] = make()
        return surf


def name(output: int) -> str:
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
    top, other = name(e.top), name(e.other)
    orange, blue = float(e.map[e.map > 0].sum()), float(-e.map[e.map < 0].sum())
    if abs(e.baseline) < 0.05:
        start = "no head start for either"
    else:
        start = f"head start {abs(e.baseline):.1f} for {top if e.baseline > 0 else other}"
    return [f"orange: {orange:.1f} for {top}", f"blue: {blue:.1f} for {other}", start,
            f"{top} {'wins' if won else 'leads'} by {e.difference:.1f}"]


class _Frame:
    """One frame of the inside view: sizes from the scale, then each panel in turn."""

    def __init__(
        self, view, surface, rect, inside, units, theme, scale, state, pointer=None, verdict=None, thresholds=None
    ) -> None:
        self.v, self.s, self.r = view, surface, Rect(rect)
        self.verdict: Verdict | None = verdict
        self.thresholds: Thresholds = thresholds or Thresholds()
        self.ins: Inside | None = inside
        self.u: Units = units
        self.th: Theme = theme
        self.st: InsideState = state
        self.pointer = pointer
        sizes = Sizes.at(scale, SIZES)
        self.title, self.body, self.small = sizes.title, sizes.body, sizes.small
        self.gap, self.pad, self.radius = sizes.gap, sizes.pad, sizes.radius
        # What is drawn is remembered with its card in the state (tests/drawn.py reads it).
        self.k = Painter(surface, view.text, theme, sizes, state._drawn, area=rect, pointer=pointer)
        # The voters' smallest pictures when the output takes height from them: 40 px (1.4 px per
        # weight) on a 1920x1080 projector, 28 px (the same size on the wall) at 1280x720.
        self.voter_tile = max(FIELD, round(23 * scale))
        # Classroom mode: nothing smaller than a person in the back row makes out (app/theme.py).
        # (Projector-sized windows, 720 px high and more: a smaller one cannot hold them.)
        self.least = classroom_minimums_at(scale) if theme == CLASSROOM and scale >= CLASSROOM_LEAST_SCALE else None
        if self.least:
            self.voter_tile = max(self.voter_tile, self.least["picture"])

    # -- the whole --------------------------------------------------------------------------------

    def paint(self) -> None:
        r, g = self.r, self.gap
        strip_h = self._strip_height()
        strip = Rect(r.x, r.y, r.w, strip_h)
        rest = Rect(r.x, strip.bottom + g, r.w, max(r.bottom - strip.bottom - g, 1))
        self.way_in(strip)
        if self.st.gallery:
            self.gallery(rest)
            return
        if rest.h - g < self._output_least() + self._voters_least() and rest.w >= rest.h * 2:
            # A wide, short panel (under the canvas in a squarish window): two rows would leave the
            # output's rows lower than its type, so the output and the voters each take the full
            # height, beside the hidden layer over the evidence.
            left_w, mid_w = (rest.w - 2 * g) * 3 // 10, (rest.w - 2 * g) * 7 // 20
            half = (rest.h - g) // 2
            self.hidden(Rect(rest.x, rest.y, left_w, half))
            self.evidence(Rect(rest.x, rest.y + half + g, left_w, rest.h - half - g))
            self.voters(Rect(rest.x + left_w + g, rest.y, mid_w, rest.h))
            self.output(Rect(rest.x + left_w + mid_w + 2 * g, rest.y, rest.w - left_w - mid_w - 2 * g, rest.h))
            return
        low = self._bottom_row_height(rest.h - g)
        row1 = Rect(rest.x, rest.y, rest.w, max(rest.h - g - low, 1))
        row2 = Rect(rest.x, row1.bottom + g, rest.w, max(rest.bottom - row1.bottom - g, 1))
        left_w = (rest.w - g) * 9 // 20
        self.hidden(Rect(row1.x, row1.y, left_w, row1.h))
        self.voters(Rect(row1.x + left_w + g, row1.y, row1.w - left_w - g, row1.h))
        ev_w = min((rest.w - g) // 2, max((rest.w - g) * 2 // 5, round(row2.h * 1.6)))
        self.evidence(Rect(row2.x, row2.y, ev_w, row2.h))
        self.output(Rect(row2.x + ev_w + g, row2.y, row2.w - ev_w - g, row2.h))

    def _bottom_row_height(self, room: int) -> int:
        """The evidence and output row's share of `room` px: half, or more so that each output row
        gets OUTPUT_ROW body sizes, leaving the voters two rows of `voter_tile` px pictures."""
        outputs = self.u.out_weights.shape[1]
        want = self.k.card_top() + self.pad + self._not_digit_gap(outputs) + outputs * round(self.body * OUTPUT_ROW)
        voters = self.k.card_top() + self.pad + 2 * (FRAME + self.voter_tile + self._vote_h())
        return max(room // 2, min(want, room - voters))

    def _line(self, size: int, spacing: float, bold: bool = False) -> int:
        """A line of type `size` px: `spacing` times the size, and never less than the font's height
        (small type is taller than its size)."""
        return max(round(size * spacing), self.v.text.fonts.get(size, bold).get_height())

    def _output_least(self) -> int:
        """The output card's least height: a row per output no lower than its smallest type."""
        outputs = self.u.out_weights.shape[1]
        line = self.v.text.fonts.get(SMALLEST_TYPE, True).get_height()
        return self.k.card_top() + self.pad + self._not_digit_gap(outputs) + outputs * line

    def _voters_least(self) -> int:
        """The voters' card's least height: two rows of the smallest pictures with their votes."""
        return self.k.card_top() + self.pad + 2 * (FRAME + FIELD + self._vote_h())

    def _vote_h(self) -> int:
        """The height of a vote's number under its picture, just below the picture's frame."""
        return self.v.text.fonts.get(self.body, True).get_height() + FRAME

    def _not_digit_gap(self, outputs: int) -> int:
        """Space between the digits' rows and the "not a digit" row, when the network has one."""
        return max(2, self.pad // 3) if outputs > CLASSES else 0

    def _strip_height(self) -> int:
        tile = self._tile()
        return tile + self.pad * 2 + round(self.small * 1.5) + round(self.body * 1.6)

    def _tile(self) -> int:
        """The way-in pictures' side: a whole multiple of 28 px (every input pixel the same size),
        five pictures and the answers across the width, about a sixth of the height."""
        room = min(self.r.w / 6.6, self.r.h * 0.16)
        if self.least:  # classroom: a little over the least picture, so the rows below get the height
            room = min(room, -(-self.least["picture"] * 1.4 // FIELD) * FIELD)
        return max(int(room) // FIELD, 1) * FIELD

    # -- helpers (the kit's, app/kit.py, plus the inside view's framed pictures and bars) ---------

    def card(self, rect: Rect, heading: str | tuple[str, ...], right: str = "", reserve: int = 0) -> Rect:
        """A card with its heading (app/kit.py); steady: six cards side by side keep one line of headings."""
        return self.k.card(rect, heading, right, reserve, steady=True)

    def framed(self, img: pygame.Surface | None, t: Rect, colour: Colour, out: int = FRAME, width: int = 1) -> Rect:
        """A picture (None: an empty canvas) at `t` in a frame `out` px outside it; remembered, frame
        and all, with the card it is drawn in."""
        if img is None:
            pygame.draw.rect(self.s, self.th.canvas, t)
        else:
            self.s.blit(img, t)
        outer = t.inflate(2 * out, 2 * out)
        pygame.draw.rect(self.s, colour, outer, width=width)
        return self.k.note("picture", outer)

    def bar(self, where: Rect, colour: Colour) -> None:
        """A bar (or its empty track), remembered with its card like a picture."""
        pygame.draw.rect(self.s, colour, where)
        self.k.note("bar", where)

    def button(self, name: str, label: str, right: int, cy: int) -> Rect:
        """A small button as wide as its label, its right edge at `right`; remembered for clicks."""
        img = self.k.img(label, self.small, self.th.text, bold=True)
        rect = Rect(0, 0, img.get_width() + 2 * self.pad, img.get_height() + self.pad // 2)
        rect.midright = (right, cy)
        fill = self.th.button_hover if self.k.hovered(rect) else self.th.button
        self.k.button(rect, label, self.small, fill, self.th.text, as_card=False)
        self.st._buttons[name] = rect
        return rect

    def label_unit(self, unit: int, pos: tuple[int, int]) -> None:
        """A small label by the pointer: which unit this is and how it responds to the drawing."""
        rank = int(self.v.ranks(self.u)[unit]) + 1
        text = f"unit {unit} \u00b7 #{rank}"
        if self.ins is not None and self.ins.forward.hidden:
            a = float(self.ins.forward.hidden[-1][unit])
            text += f" \u00b7 fires {a:.2f}" if a > 0 else " \u00b7 silent"
        img = self.k.img(text, self.small, self.th.text, bold=True)
        box = Rect(0, 0, img.get_width() + 2 * self.pad, img.get_height() + self.pad)
        box.bottomleft = (pos[0] + self.pad, pos[1] - self.pad)
        box.clamp_ip(self.r)
        pygame.draw.rect(self.s, self.th.button, box, border_radius=self.radius)
        pygame.draw.rect(self.s, self.th.border, box, width=1, border_radius=self.radius)
        self.s.blit(img, img.get_rect(center=box.center))

    def _heading_cy(self, rect: Rect) -> int:
        return rect.y + self.pad + self.v.text.fonts.get(self.body, True).get_height() // 2

    def empty(self, area: Rect, text: str = "draw a digit") -> None:
        self.k.put(text, self.body, self.th.faint, "center", area.center, max_w=area.w)

    # -- 1. the way in ------------------------------------------------------------------------------

    def way_in(self, rect: Rect) -> None:
        body = self.card(rect, "The way in", "what preprocessing does before the network sees it")
        tile = self._tile()
        steps = self.ins.steps if self.ins else ()
        names = [s.name for s in steps] or ["as drawn", "cropped", "fitted 20\u00d720", "centred"]
        arrow = round(self.body * 1.6)
        if self.least:  # classroom: small pictures; the arrows make room for the labels at full size
            widest = max(self.k.img(n, self.small, self.th.muted).get_width() for n in [*names, "the input"])
            arrow = max(arrow, widest - tile + self.pad)
        # The labels are centred under their pictures and may be wider: the first must not leave the card.
        first = self.k.img(names[0], self.small, self.th.muted, max_w=tile + arrow - 4).get_width()
        x, y = body.x + max(0, (first - tile + 1) // 2), body.y
        for i, name in enumerate(names):
            t = Rect(x, y, tile, tile)
            last = i == len(names) - 1
            img = None  # nothing drawn yet: an empty canvas
            if steps:
                img = self.v.reading_picture(f"step{i}", tile, lambda i=i: grey_picture(steps[i].image, tile))
            self.framed(img, t, self.th.accent if last else self.th.border)
            label = "the input" if last else name
            self.k.put(
                label,
                self.small,
                self.th.accent if last else self.th.muted,
                "midtop",
                (t.centerx, t.bottom + 3),
                bold=last,
                max_w=tile + arrow - 4,
            )
            if not last:
                self.k.put("\u2192", self.body, self.th.muted, "center", (t.right + arrow / 2, t.centery))
            x = t.right + arrow
        # Beside the strip: what the network says without the steps, and with them.
        ans = Rect(x + self.gap // 2, y, max(body.right - x - self.gap // 2, 1), body.h)
        pygame.draw.line(self.s, self.th.border, (ans.x - self.gap // 2, y), (ans.x - self.gap // 2, body.bottom))
        f = self.ins.forward if self.ins else None
        if f is None or f.raw_probs is None:
            self.k.put("answers appear here", self.small, self.th.faint, "midleft", (ans.x, ans.centery), max_w=ans.w)
            return
        raw_top, top = f.raw_top, f.top
        raw_pct, pct = percentages(f.raw_probs), percentages(f.probs)
        y = ans.y
        # With the steps: the app's answer, worded and coloured as in the prediction card. Without
        # them: what the network says of the raw canvas, "not a digit" included (ink size aside).
        v = self.verdict
        nd = f"{CROSS} not a digit"
        with_them = {"sure": f"{top}  ({pct[top]}%)", "unsure": v.headline}.get(v.kind, nd)
        raw = judge(Reading(f.raw_x, f.raw_probs, f.raw_not_digit), self.thresholds)
        without = nd if raw.kind == "not-digit" else f"{raw_top}  ({raw_pct[raw_top]}%)"
        colour = self.th.warn if (raw.kind == "not-digit") != (v.kind == "not-digit") or (
            v.scores and raw_top != top) else self.th.text
        # The short labels name the strip's first and last pictures, which is what they mean.
        pairs = (
            (("without the steps:", "as drawn:"), without, colour),
            (("with them:", "the input:"), with_them, self.mark_colour(v.kind)),
        )
        short, stacked, size = self._answers_fit(ans, pairs)
        for labels, answer, c in pairs:
            label = labels[short]
            if stacked:  # the label, and the answer under it
                y = self.k.put(label, self.small, self.th.muted, "topleft", (ans.x, y), max_w=ans.w).bottom
                y = self.k.put(answer, size, c, "topleft", (ans.x, y), bold=True, max_w=ans.w).bottom + self.pad
                continue
            line = max(self.v.text.fonts.get(size, True).get_height(), self.v.text.fonts.get(self.small).get_height())
            lab = self.k.put(label, self.small, self.th.muted, "midleft", (ans.x, y + line // 2), max_w=ans.w)
            room = ans.right - lab.right - self.pad
            self.k.put(answer, size, c, "midleft", (lab.right + self.pad, y + line // 2), bold=True, max_w=room)
            y += line + self.pad

    def _answers_fit(self, ans: Rect, pairs) -> tuple[int, bool, int]:
        """How the way in's two answers fit `ans`: (which labels: 0 long, 1 short; stacked: each
        label above its answer, else beside it; the answers' type size). The first that fits, in
        this order: answers from the headings' size down to the body's, long labels before short,
        stacked before beside; then the same with answers down to the small type. Else the most compact."""
        fonts = self.v.text.fonts
        small = fonts.get(self.small)
        bands = (range(self.title, self.body - 1, -1), range(self.body - 1, self.small - 1, -1))
        for sizes, short, stacked in product(bands, (0, 1), (True, False)):
            for size in sizes:
                big = fonts.get(size, True)
                if stacked:
                    high = 2 * (small.get_height() + big.get_height()) + self.pad
                    wide = max(max(small.size(ls[short])[0], big.size(a)[0]) for ls, a, _ in pairs)
                else:
                    high = 2 * max(small.get_height(), big.get_height()) + self.pad
                    wide = max(small.size(ls[short])[0] + self.pad + big.size(a)[0] for ls, a, _ in pairs)
                if high <= ans.h and wide <= ans.w:
                    return short, stacked, size
        return 1, False, self.small

    # -- 2. the hidden layer ------------------------------------------------------------------------

    def hidden(self, rect: Rect) -> None:
        n = self.u.count
        active = self.ins.forward.active if self.ins else 0
        label = "gallery \u25b8"
        reserve = self.k.img(label, self.small, self.th.text, bold=True).get_width() + 3 * self.pad
        body = self.card(rect, "Hidden layer", "click a unit", reserve=reserve)
        self.button("gallery", label, rect.right - self.pad, self._heading_cy(rect))
        cap_h = round(self.body * 1.5)
        ring = 3  # the rings round the voters and the selected unit reach this far out of the grid
        area = Rect(body.x + ring, body.y + ring, body.w - 2 * ring, max(body.h - cap_h - ring, 1))
        cols, rows, cell = _grid_shape(n, area.w, area.h)
        if self.least and cell < self.least["unit"]:
            # Too small to make out on a projector: the squares at the least size, as many of the
            # most important units as fit (the count below still counts all of them).
            cell = self.least["unit"]
            cols, rows = max(area.w // cell, 1), max(area.h // cell, 1)
            n = min(n, cols * rows)
            rows = -(-n // cols)
        grid = Rect(area.x + (area.w - cols * cell) // 2, area.y, cols * cell, rows * cell)
        img = self.v.reading_picture(f"grid{cell}x{cols}x{n}", cell,
                                     lambda: self._grid_picture(cols, rows, cell, n))
        self.s.blit(img, grid)
        self.k.note("grid", grid.inflate(2 * ring, 2 * ring))
        self.st._units.append(_Pitch(grid.x, grid.y, cell, cell, cols, rows, self.u.order[:n]))
        shown = "" if n == self.u.count else f" \u00b7 top {n} shown"  # the classroom's bigger squares
        count = self.k.put(
            f"{active} of {self.u.count} fire{shown}",
            self.body,
            self.th.accent if active else self.th.faint,
            "topleft",
            (body.x, grid.bottom + 3),
            bold=True,
            max_w=body.w,
        )
        room = body.right - count.right - self.pad
        words = "brighter = fires harder" if n == self.u.count else f"the {n} that matter most"
        hint = self.k.img(words, self.small, self.th.muted)
        if hint.get_width() <= room:
            self.k.blit(hint, hint.get_rect(bottomright=(body.right, count.bottom - 2)), words)
        # Ring the units that vote most for the answer, so the class can find them in the grid.
        if self.ins:
            where = self.v.ranks(self.u)
            for vt in self.ins.votes.voters_for:
                i = int(where[vt.unit])
                if i >= n:
                    continue  # not among the units shown
                c = Rect(grid.x + (i % cols) * cell, grid.y + (i // cols) * cell, cell, cell)
                pygame.draw.rect(self.s, self.th.accent, c.inflate(2 * ring - 2, 2 * ring - 2), width=max(1, cell // 5))
        if self.st.selected is not None and int(np.flatnonzero(self.u.order == self.st.selected)[0]) < n:
            i = int(np.flatnonzero(self.u.order == self.st.selected)[0])
            c = Rect(grid.x + (i % cols) * cell, grid.y + (i // cols) * cell, cell, cell)
            pygame.draw.rect(self.s, self.th.text, c.inflate(2 * ring, 2 * ring), width=max(1, cell // 5))

    def _grid_picture(self, cols: int, rows: int, cell: int, n: int) -> pygame.Surface:
        """One pixel per unit (the first `n` by importance), scaled up to cells (nearest neighbour),
        with the gaps laid over."""
        rgb = np.empty((rows * cols, 3), np.uint8)
        rgb[:] = self.th.panel
        rgb[:n] = self.th.track
        if self.ins:
            f = self.ins.forward
            act = (f.hidden[-1] if f.hidden else f.x)[self.u.order[:n]]
            on = np.flatnonzero(act > 0)
            # Even a weakly firing unit must stand out from a silent one: start a third up the ramp.
            rgb[on] = to_rgb(0.33 + 0.67 * np.minimum(act[on] / self.u.scale, 1.0), 1.0)
        small = pygame.surfarray.make_surface(rgb.reshape(rows, cols, 3).transpose(1, 0, 2))
        big = pygame.transform.scale(small, (cols * cell, rows * cell))
        if cell >= 4:  # a gap between cells, unless they are too small to spare it
            big.blit(self.v.gaps(cols, rows, cell, self.th.panel), (0, 0))
        return big

    # -- 3. the voters ------------------------------------------------------------------------------

    def voters(self, rect: Rect) -> None:
        cls = self.ins.votes.cls if self.ins else None
        top = None if cls is None else name(cls)
        if cls is None:
            heading = "Who votes for the answer"
        elif cls == NOT_A_DIGIT:
            heading = "Who votes for \u201cnot a digit\u201d"
        elif self.verdict.kind == "not-digit":  # ink too small: the network's best digit did not win
            heading = f"Votes for {top}, its best digit"
        else:
            heading = f"Who votes for {top}"
        body = self.card(rect, heading, "vote = fires \u00d7 weight")
        self.st._cards["voters"] = Rect(rect)
        if not self.ins:
            self.empty(body)
            return
        v = self.ins.votes
        n = len(v.voters_for) or 1
        label_w = self.v.text.fonts.get(self.small, True).size(f"against {top}:")[0] + self.pad
        # "for 3:" above each row, or left of it when that makes the pictures clearly bigger
        # (short, wide cards: a projector at 1280x720), still showing at least four voters.
        label_h = self._line(self.small, 1.3, bold=True)
        above = self._voter_rows(body, n, 0, label_h)
        left = self._voter_rows(body, n, label_w, 0)
        cramped = FRAME + above[0] + self._vote_h() > above[3]  # labels above leave no room for a picture
        # Labels left when that makes the pictures clearly bigger, or when labels above leave no room
        # (a small window): then two voters a row are enough.
        beside = left[1] >= min(4, n) and left[0] >= above[0] * 1.2 or cramped and left[1] >= min(2, n)
        tile, per_row, pitch, row_h, show_fires = left if beside else above
        label_h = 0 if beside else label_h
        x0 = body.x + (label_w if beside else 0)
        vote_h = self._vote_h()
        room = max(tile + self.pad, pitch - self.pad)  # a vote's numbers may use its picture's pitch
        y = body.y
        for title, group, colour in (("for", v.voters_for, ORANGE), ("against", v.voters_against, BLUE)):
            self.k.put(f"{title} {top}:", self.small, colour, "topleft", (body.x, y), bold=True)
            y += label_h
            x = x0
            for vt in group[:per_row]:
                t = Rect(x + (pitch - self.pad - tile) // 2, y + FRAME, tile, tile)
                self.framed(self.v.weight_picture(self.u, vt.unit, tile), t, self.th.border)
                self.k.put(f"{vt.vote:+.1f}", self.body, colour, "midtop", (t.centerx, t.bottom + FRAME), bold=True,
                         max_w=room)
                if not show_fires:
                    x += pitch
                    continue
                self.k.put(f"fires {vt.activation:.1f}", self.small, self.th.muted, "midtop",
                         (t.centerx, t.bottom + vote_h), max_w=room)  # vote_h counts the frame over the vote
                x += pitch
            if not group:
                self.k.put("nobody", self.small, self.th.faint, "topleft", (x0, y))
            y += row_h

    def _voter_rows(self, body: Rect, n: int, label_w: int, label_h: int) -> tuple[int, int, int, int, bool]:
        """(picture side, pictures per row, pitch, row height, show "fires") for two rows of voters
        with their labels `label_w` px to the left or `label_h` px above."""
        vote_h, fires_h = self._vote_h(), self._line(self.small, 1.25)
        row_h = (body.h - 2 * label_h) // 2
        # "fires 3.2" under the vote only if the pictures can still be 2 px per weight.
        show_fires = row_h - FRAME - vote_h - fires_h >= 2 * FIELD
        under = FRAME + vote_h + (fires_h if show_fires else 0)  # the frame above, the numbers below
        text_w = self.v.text.fonts.get(self.small).size("fires 8.8")[0] if show_fires else 0
        w = body.w - label_w
        # Pictures as big as the rows allow; as many as fit across.
        tile = max(min(row_h - under, w // 3 - self.pad), FIELD)
        per_row = max(1, min(n, (w + self.pad) // (max(tile, text_w) + self.pad)))
        pitch = (w + self.pad) // per_row
        return min(tile, pitch - self.pad), per_row, pitch, row_h, show_fires

    # -- 4. the evidence ----------------------------------------------------------------------------

    def evidence(self, rect: Rect) -> None:
        e = self.ins.evidence if self.ins else None
        body = self.card(rect, self._evidence_heading(e))
        if e is None:
            self.empty(body)
            return
        line = round(self.small * 1.45)
        won = self.verdict.sure or e.top == NOT_A_DIGIT  # the explained output is the answer
        words = evidence_words(e, won)
        legend = [(ORANGE, words[0]), (BLUE, words[1]), (None, words[2]), (None, words[3])]
        beside = body.w - body.h > self.small * 7  # room for the legend right of the picture
        # The whole legend, or (a small card) just the colours': the sum is a detail.
        for shown in (len(legend), 2):
            lines = line * shown + (line // 3 if shown > 2 else 0)  # a gap before the sum
            if (lines <= body.h) if beside else (body.h - lines - 4 >= FIELD):
                break
        legend, under = legend[:shown], lines + 4
        side = min(body.h, body.w * 3 // 5) if beside else min(body.w, body.h - under)
        if beside and self.least:  # classroom: the picture leaves the key room for its words at full size
            words_w = max(self.k.img(t, self.small, self.th.text).get_width() for _, t in legend)
            side = min(side, body.w - self.pad - round(self.small * 0.9) - 6 - words_w)
        side = max(side, FIELD)
        m = Rect(body.x, body.y, side, side) if beside else Rect(body.x + (body.w - side) // 2, body.y, side, side)
        img = self.v.reading_picture("evidence", side, lambda: rgb_picture(self._evidence_rgb(), side))
        self.framed(img, m, self.th.border)
        x, y = (m.right + self.pad, body.y) if beside else (body.x, m.bottom + 4)
        room = body.right - x
        sw = round(self.small * 0.9)
        for colour, text in legend:
            tx = x
            if colour is not None:
                swatch = Rect(x, y + (self.small - sw) // 2 + 2, sw, sw)
                pygame.draw.rect(self.s, colour, swatch)
                self.k.note("swatch", swatch)
                tx += sw + 6
            elif text == legend[2][1]:
                y += line // 3  # a gap between the colours and the outcome
            shade = self.th.text if colour else self.th.muted
            self.k.put(text, self.small, shade, "topleft", (tx, y), max_w=room - (tx - x))
            y += line

    def _evidence_heading(self, e) -> str:
        """Says what the map explains without pretending a digit won when none did."""
        if e is None:
            return "Why this answer?"
        other = "not a digit" if e.other == NOT_A_DIGIT else str(e.other)
        if e.top == NOT_A_DIGIT:
            return f"Why not a digit, rather than {other}?"
        if self.verdict.kind == "not-digit":
            return f"What pushes to {e.top}, what to {other}"
        if not self.verdict.sure:
            return f"{e.top} or {other}? What pushes which way"
        return f"Why {e.top} and not {other}?"

    def mark_colour(self, mark_or_kind: str) -> Colour:
        """The colour of an answer's mark: the accent for sure, the "not sure" colour, else the text's."""
        return {SOLID: self.th.accent, "sure": self.th.accent, HATCHED: self.th.unsure,
                "unsure": self.th.unsure}.get(mark_or_kind, self.th.text)

    def _evidence_rgb(self) -> np.ndarray:
        return evidence_rgb(self.ins.evidence.map, self.ins.forward.image)

    # -- 5. the output ------------------------------------------------------------------------------

    def output(self, rect: Rect) -> None:
        f = self.ins.forward if self.ins else None
        t = f"{f.temperature:.2f}" if f else "T"
        v = self.verdict
        extra = f is not None and len(f.logits) > CLASSES  # an 11th output: "not a digit"
        right = "" if v is not None and not v.scores else "digits \u2192 the bars" if extra else "= the bars"
        body = self.card(rect, f"Output: logit \u00f7 {t} \u2192 softmax", right)
        self.st._cards["output"] = Rect(rect)
        if f is None:
            self.empty(body)
            return
        # The answer marked as in the prediction card and the plain view's bars (app/readout.py):
        # solid for sure, hatched top two for not sure; for "not a digit" no digit is marked.
        rows = output_rows(f.logits, f.probs, f.not_digit, v)
        plain = self.th.muted if v.kind == "not-digit" else self.th.text
        sep = self._not_digit_gap(len(rows))
        row_h = (body.h - sep) / len(rows)
        # The type as big as a row holds (a line of text no higher than the row), up to the body size.
        fonts = self.v.text.fonts
        size = fonts.largest(int(row_h), self.body)
        bold = fonts.get(size, True)  # widths of the widest texts: the marked rows are bold
        label_w = round(size * 1.2)
        value_w = bold.size("-00.0")[0] + 4
        pct_w = bold.size("100%")[0] + 4
        bars_w = body.w - label_w - value_w - pct_w - 3 * self.pad
        logit_w, prob_w = bars_w * 11 // 20, bars_w * 9 // 20
        lx = body.x + label_w
        logit_w -= self.pad  # keep the longest bar clear of its number
        zero = lx + logit_w // 2
        limit = max(float(np.abs(f.logits).max()), 1e-6)
        px = lx + logit_w + value_w + 2 * self.pad
        thick = max(3, round(row_h * 0.55))
        for k, row in enumerate(rows):
            top = body.y + row_h * k + (sep if k >= NOT_A_DIGIT else 0)
            band = Rect(body.x, round(top), body.w, round(top + row_h) - round(top))
            cy = band.centery
            hl = bool(row.mark)
            # "Not a digit" is marked in the text's colour, like the card's cross: a plain answer.
            colour = (self.mark_colour(row.mark) if v.kind != "not-digit" else self.th.text) if hl else plain
            label = self.k.put(row.label, size, colour, "midleft", (body.x, cy), bold=hl)
            z = row.logit
            w = round(abs(z) / limit * (logit_w // 2))
            bar = Rect(zero if z >= 0 else zero - w, cy - thick // 2, max(w, 1), thick)
            self.bar(bar, ORANGE if z >= 0 else BLUE)
            value = self.k.put(f"{z:+.1f}", size, colour, "midright", (lx + logit_w + self.pad + value_w, cy), bold=hl)
            track = Rect(px, cy - thick // 2, prob_w, thick)
            self.bar(track, self.th.track)
            fill = round(prob_w * row.share) if row.shown else 0
            if fill:
                paint = colour if hl else self.th.bar
                marks.bar(self.s, Rect(px, track.y, fill, thick), paint, row.mark, self.th.track)
            pct = self.k.put(f"{row.pct}%" if row.shown else "\u2013", size, colour, "midright", (body.right, cy),
                           bold=hl)
            self.st._output_rows.append(dict(row=band, label=label, logit=bar, value=value, track=track, pct=pct))
            if k == NOT_A_DIGIT:  # the extra output: set apart from the digits by space and a line
                y = band.y - sep // 2 - 1
                pygame.draw.line(self.s, self.th.border, (body.x, y), (body.right, y))
        pygame.draw.line(self.s, self.th.muted, (zero, body.y), (zero, body.bottom - 1))

    # -- 6. the gallery -----------------------------------------------------------------------------

    def gallery(self, rect: Rect) -> None:
        g = self.gap
        side_w = min(rect.w * 2 // 5, max(rect.h, 1))
        grid_rect = Rect(rect.x, rect.y, rect.w - side_w - g, rect.h)
        st, n = self.st, self.u.count
        cy = self._heading_cy(grid_rect)
        labels = (("gallery", "overview"), ("prev", "\u25c0"), ("next", "\u25b6"))
        widths = [self.k.img(t, self.small, self.th.text, bold=True).get_width() + 3 * self.pad for _, t in labels]
        body = self.card(grid_rect, ("Units by importance", "Units"), reserve=sum(widths) + self.pad)
        right = grid_rect.right - self.pad
        for name, text in reversed(labels):
            right = self.button(name, text, right, cy).x - self.pad
        # "#12" under each picture, clear of its frame (2 px when selected) and the next row's.
        label_h = self._line(self.small, 1.3) + 4 * FRAME + 1
        foot = round(self.small * 1.5)
        # The biggest pictures (at least 2 px per weight) that still fit 24 on a page.
        tile = 2 * FIELD
        for t in range(8 * FIELD, 2 * FIELD - 1, -2):
            if ((body.w + self.pad) // (t + self.pad)) * ((body.h - foot) // (t + label_h)) >= 24:
                tile = t
                break
        step_x, step_y = tile + self.pad, tile + label_h
        cols = max(1, (body.w + self.pad) // step_x)
        rows = max(1, (body.h - foot) // step_y)
        st.per_page = cols * rows
        st.pages = -(-n // st.per_page)
        if st._jump and st.selected is not None:
            st.page = int(np.flatnonzero(self.u.order == st.selected)[0]) // st.per_page
            st._jump = False
        st.page %= st.pages
        first = st.page * st.per_page
        shown = self.u.order[first : first + st.per_page]
        for i, unit in enumerate(shown):
            t = Rect(body.x + (i % cols) * step_x, body.y + (i // cols) * step_y, tile, tile)
            sel = unit == st.selected
            firing = self.ins is not None and self.ins.forward.hidden and self.ins.forward.hidden[-1][unit] > 0
            self.framed(
                self.v.weight_picture(self.u, int(unit), tile),
                t,
                self.th.text if sel else self.th.accent if firing else self.th.border,
                out=2 * FRAME if sel else FRAME,
                width=2 if sel or firing else 1,
            )
            self.k.put(
                f"#{first + i + 1}",
                self.small,
                self.th.accent if firing else self.th.muted,
                "midtop",
                (t.centerx, t.bottom + 2 * FRAME + 1),  # clear of the selected picture's frame
                max_w=tile,
            )
        # Hit-testing uses the pitch of the tiles, so each picture's label counts as part of it.
        st._units.append(_Pitch(body.x, body.y, step_x, step_y, cols, rows, shown))
        self.k.put(
            f"page {st.page + 1} of {st.pages}  \u00b7  lit: fires now",
            self.small,
            self.th.muted,
            "bottomleft",
            (body.x, grid_rect.bottom - self.pad // 2),
            max_w=body.w,
        )
        self.unit_panel(Rect(grid_rect.right + g, rect.y, side_w, rect.h))

    def unit_panel(self, rect: Rect) -> None:
        j = self.st.selected
        if j is None:
            body = self.card(rect, "One unit")
            self.empty(body, "click a unit")
            return
        rank = int(np.flatnonzero(self.u.order == j)[0])
        body = self.card(rect, f"Unit {j}", f"#{rank + 1} of {self.u.count}")
        half = (body.w - self.pad) // 2
        side = max(min(half, body.h // 3) // FIELD, 1) * FIELD
        a = Rect(body.x + (half - side) // 2, body.y, side, side)  # each picture centred over its label
        self.k.blit(self.v.weight_picture(self.u, j, side), a)
        self.k.put("looks for", self.small, self.th.muted, "midtop", (a.centerx, a.bottom + 2), max_w=half)
        if self.ins is None:
            self.empty(Rect(body.x, a.bottom + self.body * 2, body.w, body.bottom - a.bottom - self.body * 2))
            return
        r = self.ins.response(j)
        b = Rect(body.x + half + self.pad + (half - side) // 2, body.y, side, side)
        self.k.blit(self.v.reading_picture(f"resp{j}", side, lambda: rgb_picture(to_rgb(r.map), side)), b)
        self.k.put("on this drawing", self.small, self.th.muted, "midtop", (b.centerx, b.bottom + 2), max_w=half)
        y = a.bottom + round(self.small * 1.6) + self.pad
        fires = f"fires {r.activation:.2f}" if r.activation > 0 else f"silent ({r.preactivation:+.2f} < 0)"
        self.k.put(
            fires,
            self.title,
            self.th.accent if r.activation > 0 else self.th.muted,
            "topleft",
            (body.x, y),
            bold=True,
            max_w=body.w,
        )
        y += round(self.title * 1.5)
        self.k.put("its votes:", self.small, self.th.muted, "topleft", (body.x, y))
        y += round(self.small * 1.5)
        chart = Rect(body.x, y, body.w, max(body.bottom - y, 1))
        lab = round(self.small * 1.4)
        col = chart.w / len(r.votes)  # ten digits, and "not a digit" for a network with that output
        chart.h -= self.pad // 2  # a little air between the lowest bar and the digits
        mid = chart.y + (chart.h - lab) // 2
        lim = max(float(np.abs(r.votes).max()), 1e-6)
        for d, vote in enumerate(r.votes):
            x = round(chart.x + col * (d + 0.25))
            h = round(float(vote) / lim * (chart.h - lab) / 2)
            bar = Rect(x, mid - max(h, 0), max(round(col / 2), 2), abs(h) or 1)
            self.bar(bar, ORANGE if h >= 0 else BLUE)
            self.k.put(name(d), self.small, self.th.text, "midbottom", (x + col / 4, chart.bottom))
        pygame.draw.line(self.s, self.th.muted, (chart.x, mid), (chart.right, mid))


@dataclass(frozen=True)
class _Pitch:
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


def _grid_shape(n: int, w: int, h: int) -> tuple[int, int, int]:
    """(cols, rows, cell) with cols x rows >= n square cells as large as fit in w x h."""
    cell = max(int(np.sqrt(w * h / max(n, 1))), 1)
    while cell > 1 and (w // cell) * (h // cell) < n:
        cell -= 1
    cols = max(w // cell, 1)
    return cols, -(-n // cols), cell


class InsidePanel(QuietPanel):
    """The inside view as one of the app's side panels (app/panels.py): the view, its state (page,
    selected unit; kept across view switches) and the click routing."""

    explains = True
    hint = "N: plain view   \u00b7   G: gallery   \u00b7   click a unit to see it   \u00b7   H: help"

    def __init__(self, setup: Setup | None = None) -> None:
        self.view = InsideView(setup.text if setup is not None else None)
        self.state = InsideState()

    def draw(self, surface: pygame.Surface, scene) -> None:
        lay = scene.layout
        pointer = None if scene.show_help else scene.pointer
        self.view.draw(
            surface, lay.panel, scene.inside, scene.units, scene.theme, lay.scale, self.state,
            pointer=pointer, verdict=scene.answer, thresholds=scene.thresholds,
        )

    def click(self, pos: tuple[int, int]) -> list[Action]:
        self.state.click(pos)
        return []

    def act(self, action: str, shown: bool) -> list[Action] | None:
        """N opens and closes it; G opens it on the gallery (or turns the gallery on and off); the
        page keys turn the gallery's pages while it is open."""
        if action == "inside_gallery":
            if shown:
                self.state.toggle_gallery()
                return []
            self.state.gallery = True
            return [ShowView(INSIDE)]
        if action in ("inside_previous", "inside_next"):
            if shown:
                self.state.turn(-1 if action == "inside_previous" else 1)
            return []
        return toggle(action, "toggle_inside", INSIDE, shown)
