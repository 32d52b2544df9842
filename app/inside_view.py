"""The inside view: how the network reaches its answer, drawn into one rectangle of the window.

It paints what `model/inside.py` computed (an `Inside` for the current drawing, the `Units` of the
model) and nothing else: no network call happens here. Two pages share the rectangle:

  overview   the way in (preprocessing steps, and the answer without them) across the top; the
             hidden layer as a grid of all units and the units voting for and against the answer;
             the evidence map ("why 3 and not 8") and the output (logits -> softmax = the bars);
  gallery    every unit's incoming weights, most important first, a page at a time; click one to
             see how it responds to the drawing.

Its state, without pygame, is app/inside_state.py's `InsideState`: the page, the selected unit and
where things were drawn, so the app can route clicks (`click`, `unit_at`); its cards are
app/inside_units.py's and app/inside_answer.py's. Everything that does not change from
one frame to the next (weight pictures, the pictures of a reading) is cached as surfaces, so a
frame costs a few blits and the text that changed.
"""

from __future__ import annotations

import numpy as np
import pygame
from pygame import Rect

from app.inside_answer import AnswerCards
from app.inside_state import InsideState
from app.inside_units import FRAME, UnitCards
from app.kit import Painter, Sizes, rgb_picture
from app.panels import INSIDE, Action, QuietPanel, Setup, ShowView, toggle
from app.readout import HATCHED, SOLID, Verdict
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
from model.config import FIELD
from model.inside import Inside, Units, to_rgb
from model.recognise import Reading

# Type and spacing at scale 1 and their floors (app/kit.py): headings smaller than the plain view's
# (26/19/15 at scale 1), since six panels share the room.
SIZES = {"title": (22, 9), "body": (18, 8), "small": (15, SMALLEST_TYPE), "gap": (12, 4), "pad": (9, 3),
         "radius": (8, 3)}
WEIGHT_CACHE = 600  # weight pictures kept (a gallery page or two, plus the voters)
# The output panel's rows want this many body sizes of height each (type as big as the headings,
# read from the back of a classroom): the row of the evidence and the output grows for them, as
# long as the voters above keep their pictures `_Frame.voter_tile` px high, with their votes.
OUTPUT_ROW = 1.25



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


class _Frame(UnitCards, AnswerCards):
    """One frame of the inside view: sizes from the scale, then each card in turn (the cards:
    app/inside_units.py and app/inside_answer.py)."""

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

    def mark_colour(self, mark_or_kind: str) -> Colour:
        """The colour of an answer's mark: the accent for sure, the "not sure" colour, else the text's."""
        return {SOLID: self.th.accent, "sure": self.th.accent, HATCHED: self.th.unsure,
                "unsure": self.th.unsure}.get(mark_or_kind, self.th.text)


class InsidePanel(QuietPanel):
    """The inside view as one of the app's side panels (app/panels.py): the view, its state (page,
    selected unit; kept across view switches) and the click routing."""

    explains = True
    actions = ("toggle_inside", "inside_gallery", "inside_previous", "inside_next")
    button, header = "view", "N  plain view"
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

    def act(self, action: str, shown: bool) -> list[Action]:
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
        return toggle(INSIDE, shown)  # N
