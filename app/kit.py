"""The widget kit every view draws with: type sizes, cards, text, buttons, pictures, and the record.

A view makes one `Painter` per frame (the surface, the shared text cache, the theme, its `Sizes`)
and draws through it; the painter remembers what went where, in which card (`Drawn`). That record
is how the Learn view knows its page fit (`fits`), and what tests/drawn.py checks in full: each
thing inside its card, each card inside the window, no two things on each other. Appending a tuple
costs nothing next to a blit.

    sizes = Sizes.at(scale, INSIDE_SIZES)   # type and spacing from the frame's scale
    p = Painter(surface, text_cache, theme, sizes, drawn, area=rect, pointer=pointer)
    body = p.card(rect, "Hidden layer", "click a unit")   # the space under the heading
    p.put("3 of 925 fire", p.sizes.body, theme.text, "topleft", body.topleft, max_w=body.w)
    p.button(Rect(...), "Start", p.sizes.body, theme.accent, theme.background)
    p.blit(grey_picture(image, 56), where)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pygame
from pygame import Rect

from app.theme import SMALLEST_TYPE, Colour, TextCache, Theme

Drawn = list[tuple[str, Rect, Rect]]  # (what, where, the card it belongs to)


def fits(drawn: Drawn, bounds: Rect) -> bool:
    """Whether every card lies inside `bounds` and everything drawn inside its card (overlaps
    between things are not looked for here: that is the tests' business, tests/drawn.py)."""
    return all(bounds.contains(card) and card.contains(where) for _, where, card in drawn)


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Sizes:
    """A frame's type sizes and spacing, in px."""

    title: int
    body: int
    small: int
    gap: int  # between cards
    pad: int  # inside a card, round its contents
    radius: int  # corner radius of cards and buttons
    line: int = 1  # the width of a drawn line (a chart's curve, a lit button's outline)

    @classmethod
    def at(cls, scale: float, base: dict[str, tuple[int, int]]) -> Sizes:
        """Each size `base` names as (px at scale 1, least px) at `scale`: a view states its own
        proportions once, and every frame derives its sizes from the window's scale."""
        return cls(**{name: max(least, round(px * scale)) for name, (px, least) in base.items()})


# ---------------------------------------------------------------------------------------------
# Pictures


def grey_rgb(image: np.ndarray) -> np.ndarray:
    """A grey image in 0..1, (h, w), as (h, w, 3) uint8."""
    g = np.clip(np.asarray(image) * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(g[:, :, None], 3, axis=2)


def rgb_picture(rgb: np.ndarray, side: int) -> pygame.Surface:
    """An (n, n, 3) uint8 image as a side x side surface, each pixel a crisp square (nearest neighbour)."""
    small = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))  # surfarray is [x, y]
    return pygame.transform.scale(small, (side, side))


def grey_picture(image: np.ndarray, side: int) -> pygame.Surface:
    """A grey image in 0..1 (a digit, the network's input) as a side x side picture."""
    return rgb_picture(grey_rgb(image), side)


# ---------------------------------------------------------------------------------------------
# Words


def wrap(text: str, width: float, measure: Callable[[str], float], break_words: bool = True) -> list[str]:
    """`text` in lines no wider than `width` (as `measure` says), broken between words; a word
    wider than that on its own (a path) is broken where it must be, after a "/" if it can (unless
    `break_words` is False: then it stays whole, for the caller to shrink)."""
    out: list[str] = []
    for word in text.split(" ") if break_words else text.split():
        if out and measure(f"{out[-1]} {word}") <= width:
            out[-1] = f"{out[-1]} {word}"
            continue
        while break_words and measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            slash = word.rfind("/", 0, cut) + 1
            cut = slash if slash > cut // 2 else cut
            out.append(word[:cut])
            word = word[cut:]
        out.append(word)
    return out or [""]


# ---------------------------------------------------------------------------------------------
# The painter


class Painter:
    """Draws one frame of a view into `surface` and records each thing with the card it is in.

    `area` is the card things belong to outside any `card()` (the view's rectangle); `pointer`
    lights the button under it. Everything recorded lands in `drawn` (the view's own list)."""

    def __init__(self, surface: pygame.Surface, text: TextCache, theme: Theme, sizes: Sizes | None = None,
                 drawn: Drawn | None = None, area: Rect | None = None,
                 pointer: tuple[int, int] | None = None) -> None:
        self.s, self.text, self.th = surface, text, theme
        self.sizes = sizes
        self.drawn: Drawn = [] if drawn is None else drawn
        self.area = Rect(area) if area is not None else surface.get_rect()
        self.current = Rect(self.area)  # the card being drawn
        self.pointer = pointer

    @property
    def fonts(self):
        return self.text.fonts

    # -- the record ---------------------------------------------------------------------------

    def note(self, what: str, where: Rect, card: Rect | None = None) -> Rect:
        """Remember that `what` was drawn at `where`, in `card` (None: the card being drawn)."""
        self.drawn.append((what, Rect(where), Rect(self.current if card is None else card)))
        return where

    def blit(self, img: pygame.Surface, where: Rect, what: str = "picture", card: Rect | None = None) -> Rect:
        """A picture (or rendered text) at `where`, remembered with its card."""
        self.s.blit(img, where)
        return self.note(what, where, card)

    # -- text ---------------------------------------------------------------------------------

    def img(self, text: str, size: int, colour: Colour, bold: bool = False, max_w: float = 0) -> pygame.Surface:
        """Text at `size`, or smaller (not below SMALLEST_TYPE) until it is no wider than max_w (0: any)."""
        return self.text.fit(text, size, colour, bold, max_w)

    def put(self, text: str, size: int, colour: Colour, anchor: str, pos, bold: bool = False,
            max_w: float = 0, card: Rect | None = None) -> Rect:
        """Fitted text placed by `anchor` (a pygame Rect attribute) at `pos`; returns where it went."""
        img = self.img(text, size, colour, bold, max_w)
        return self.blit(img, img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))}), text, card)

    def put_if(self, text: str, size: int, colour: Colour, anchor: str, pos, max_w: float, bold: bool = False,
               card: Rect | None = None) -> Rect | None:
        """Like `put`, but nothing at all (None) if the text is wider than max_w even at the smallest type."""
        if max_w < 1 or self.img(text, size, colour, bold, max_w).get_width() > max_w:
            return None
        return self.put(text, size, colour, anchor, pos, bold, max_w, card)

    def put_large(self, text: str, size: int, colour: Colour, anchor: str, pos, bold: bool = False,
                  max_w: float | None = None, card: Rect | None = None) -> Rect | None:
        """Text as large as fits max_w, stepping down from `size` to 60% of it at most (never below
        SMALLEST_TYPE): the plain view's words stay big, a projector's back row reads them."""
        if not text:
            return None
        img = self.text.render(text, size, colour, bold)
        if max_w is not None and img.get_width() > max_w > 0:
            floor = max(SMALLEST_TYPE, round(size * 0.6))
            while img.get_width() > max_w and size > floor:
                size -= 1
                img = self.text.render(text, size, colour, bold)
        return self.blit(img, img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))}), text, card)

    def wording(self, texts: str | tuple[str, ...], size: int, room: float, bold: bool = False) -> str:
        """The first of `texts` (longest first) no wider than `room` px at `size`, else the last."""
        texts = (texts,) if isinstance(texts, str) else texts
        font = self.fonts.get(size, bold)
        return next((t for t in texts if font.size(t)[0] <= room), texts[-1])

    def row_size(self, texts: Sequence[str], rooms: Sequence[float], size: int, floor: int = SMALLEST_TYPE,
                 bold: bool = False) -> int:
        """One type size for a row of buttons (labels of several sizes side by side look broken):
        `size`, or smaller, not below `floor`, until each of `texts` fits its room in `rooms`."""
        while size > floor and any(self.fonts.get(size, bold).size(t)[0] > r for t, r in zip(texts, rooms)):
            size -= 1
        return size

    def lines(self, text: str, size: int, width: float, bold: bool = False, break_words: bool = True) -> list[str]:
        """`text` wrapped to `width` px at `size` (kit.wrap)."""
        font = self.fonts.get(size, bold)
        return wrap(text, width, lambda s: font.size(s)[0], break_words)

    # -- cards and buttons --------------------------------------------------------------------

    def card(self, rect: Rect, heading: str | tuple[str, ...], right: str = "", reserve: int = 0,
             steady: bool = False) -> Rect:
        """A card with a bold heading and, on its right if it fits, a note (keeping `reserve` px free
        there for buttons); returns the space under the heading. `heading` may be a few wordings,
        longest first: the first that fits. `steady`: the space starts a full heading line down even
        when the heading had to shrink, so that cards side by side line up."""
        sz = self.sizes
        pygame.draw.rect(self.s, self.th.panel, rect, border_radius=sz.radius)
        self.current = Rect(rect)
        p = sz.pad
        room = rect.w - 2 * p - reserve
        head = self.put(self.wording(heading, sz.body, room, bold=True), sz.body, self.th.text, "topleft",
                        (rect.x + p, rect.y + p), bold=True, max_w=room)
        if right:
            r_img = self.img(right, sz.small, self.th.muted)  # only if it fits: never shrunk
            if r_img.get_width() <= rect.w - 3 * p - head.w - reserve:
                self.blit(r_img, r_img.get_rect(bottomright=(rect.right - p - reserve, head.bottom - 2)), right)
        top = rect.y + self.card_top() if steady else head.bottom + p // 2
        return Rect(rect.x + p, top, rect.w - 2 * p, max(rect.bottom - p - top, 1))

    def card_top(self) -> int:
        """From a card's top to the space under its heading (a heading at full size)."""
        return self.sizes.pad + self.fonts.get(self.sizes.body, True).get_height() + self.sizes.pad // 2

    def hovered(self, rect: Rect) -> bool:
        return self.pointer is not None and rect.collidepoint(self.pointer)

    def button(self, rect: Rect, label: str, size: int, fill: Colour, colour: Colour, *,
               outline: Colour | None = None, outline_width: int = 1, bold: bool = True,
               max_w: float = 0, large: bool = False, as_card: bool = True, what: str = "") -> Rect:
        """A rounded button with its label centred. `as_card`: the button is a card of its own, its
        label recorded in it (else the button is recorded as one thing, `what`, in the card being
        drawn); `large`: the label shrinks only so far (put_large), else it is fitted to max_w."""
        pygame.draw.rect(self.s, fill, rect, border_radius=self.radius)
        if outline is not None:
            pygame.draw.rect(self.s, outline, rect, width=outline_width, border_radius=self.radius)
        if not label:
            return rect  # no wording fits (a tiny window): the button's shape alone
        if not as_card:
            img = self.img(label, size, colour, bold)
            self.s.blit(img, img.get_rect(center=rect.center))
            self.note(what or f"button {label}", rect)
        elif large:
            self.put_large(label, size, colour, "center", rect.center, bold, max_w, card=rect)
        else:
            self.put(label, size, colour, "center", rect.center, bold, max_w, card=rect)
        return rect

    @property
    def radius(self) -> int:
        return self.sizes.radius
