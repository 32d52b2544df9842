"""Colours and fonts: the two looks of Digitpad (desk and classroom) in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygame

Colour = tuple[int, int, int]
SMALLEST_TYPE = 7  # px: text is never shrunk below this to fit, in any view
LINE = 1.3  # a line of text is this many ems tall at most (DejaVu Sans: 1.17, 1.29 at 7 px)

# Classroom mode on a projector: what a person in the back row must still read and make out, as a
# share of the window's height (1280x720 / 1920x1080): a line of text (its type about 85% of it)
# 18 / 27 px; a unit's weight picture 40 / 59 px, 1.4 px per input pixel or more; a validation
# digit 36 / 54 px; a square of the hidden layer 7 / 10 px. tests/test_app_fits.py checks them.
CLASSROOM_TEXT_LINE = 0.025
CLASSROOM_PICTURE = 0.055
CLASSROOM_TILE = 0.05
CLASSROOM_UNIT = 0.0095
CLASSROOM_BOOST = 1.3  # type and spacing grow this much more in classroom mode: read from the back row
CLASSROOM_LEAST_SCALE = 1.15  # the layout scale of a 720 px high classroom window: smaller ones cannot hold them


def classroom_minimums(height: float) -> dict[str, int]:
    """The smallest text line, weight picture, validation tile and hidden-unit square, in px, that
    classroom mode may draw in a window `height` px high."""
    return {name: round(share * height) for name, share in (("text", CLASSROOM_TEXT_LINE),
                                                             ("picture", CLASSROOM_PICTURE),
                                                             ("tile", CLASSROOM_TILE), ("unit", CLASSROOM_UNIT))}


def classroom_minimums_at(scale: float) -> dict[str, int]:
    """The same for a panel drawn at layout scale `scale` (a landscape window's scale is its height
    over 800, times the classroom boost: panels know their scale, not the window)."""
    return classroom_minimums(scale / CLASSROOM_BOOST * 800)


_HERE = Path(__file__).parent
# DejaVu Sans ships with the app (see FONTS-LICENSE.txt) so every machine renders the same, with
# the glyphs we use (en dash, em dash, ×, arrows) present. pygame's built-in font is the fallback.
FONT_FILES = {False: _HERE / "DejaVuSans.ttf", True: _HERE / "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class Theme:
    background: Colour
    panel: Colour  # cards behind the prediction, the input preview and the bars
    canvas: Colour  # MNIST convention: white ink on black
    ink: Colour
    border: Colour
    text: Colour
    muted: Colour  # secondary text
    faint: Colour  # text and marks that mean "nothing here yet"
    accent: Colour  # the top class
    unsure: Colour  # the two candidates when the network is not sure
    bar: Colour  # the other classes' bars
    track: Colour  # the empty part of a bar
    grid: Colour  # pixel grid over the magnified input
    button: Colour
    button_hover: Colour
    button_on: Colour  # a toggle that is on (eraser)
    eraser: Colour
    good: Colour  # "saved" messages
    warn: Colour  # "nothing to save" and errors


DESK = Theme(
    background=(22, 24, 30),
    panel=(32, 35, 44),
    canvas=(6, 7, 10),
    ink=(255, 255, 255),
    border=(60, 65, 80),
    text=(233, 235, 241),
    muted=(150, 156, 172),
    faint=(92, 98, 114),
    accent=(86, 163, 255),
    unsure=(255, 184, 76),
    bar=(104, 112, 132),
    track=(45, 49, 61),
    grid=(40, 43, 52),
    button=(47, 51, 64),
    button_hover=(63, 69, 86),
    button_on=(160, 72, 72),
    eraser=(255, 112, 112),
    good=(92, 214, 150),
    warn=(255, 184, 76),
)

# For a projector: pure black and white, a saturated yellow highlight, no low-contrast greys that
# wash out on a dim beamer.
CLASSROOM = Theme(
    background=(0, 0, 0),
    panel=(18, 18, 18),
    canvas=(0, 0, 0),
    ink=(255, 255, 255),
    border=(150, 150, 150),
    text=(255, 255, 255),
    muted=(215, 215, 215),
    faint=(120, 120, 120),
    accent=(255, 214, 0),
    unsure=(255, 140, 0),
    bar=(175, 175, 175),
    track=(55, 55, 55),
    grid=(45, 45, 45),
    button=(45, 45, 45),
    button_hover=(80, 80, 80),
    button_on=(190, 60, 60),
    eraser=(255, 90, 90),
    good=(80, 255, 140),
    warn=(255, 170, 0),
)


class Fonts:
    """Font objects by (size, bold), created once: opening a font costs far more than a frame allows.

    The most recently used `limit` are kept: one layout uses a dozen sizes, but resizing the window
    through hundreds of sizes would otherwise keep a font (and its glyph cache) for every one.
    """

    def __init__(self, limit: int = 64) -> None:
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._limit = limit

    def get(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (max(6, int(size)), bold)
        font = self._fonts.pop(key, None)  # re-inserted below: the dict's order is the use order
        if font is None:
            path = FONT_FILES[bold]
            font = pygame.font.Font(path if path.is_file() else None, key[0])
            if len(self._fonts) >= self._limit:
                del self._fonts[next(iter(self._fonts))]  # the least recently used
        self._fonts[key] = font
        return font

    def __len__(self) -> int:
        return len(self._fonts)

    def largest(self, height: float, cap: int, bold: bool = True) -> int:
        """The largest type size up to `cap` (not below SMALLEST_TYPE) whose line is no taller than
        `height` px: a headline or a table row as big as its room allows."""
        size = max(min(int(height), cap), SMALLEST_TYPE)  # a line is always taller than its size
        while size > SMALLEST_TYPE and self.get(size, bold).get_height() > height:
            size -= 1
        return size


def displayable(text: str) -> str:
    """`text` as SDL can show it. A path the file system encoding could not decode (a \\xff byte, or an
    accent under an ASCII locale) arrives with lone surrogates, which SDL's UTF-8 refuses with an
    exception: the original bytes are recovered and shown as UTF-8, anything undecodable as \ufffd."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are no escaped bytes
        return text.encode("utf-8", "replace").decode("utf-8")


class TextCache:
    """Rendered text surfaces, reused across frames; most labels never change between frames."""

    def __init__(self, fonts: Fonts, limit: int = 512) -> None:
        self.fonts = fonts
        self._cache: dict[tuple, pygame.Surface] = {}
        self._limit = limit

    def render(self, text: str, size: int, colour: Colour, bold: bool = False) -> pygame.Surface:
        key = (text, int(size), colour, bold)
        surf = self._cache.get(key)
        if surf is None:
            if len(self._cache) >= self._limit:
                self._cache.clear()  # simplest eviction; refilling costs a few renders, once
            surf = self.fonts.get(size, bold).render(displayable(text), True, colour)
            self._cache[key] = surf
        return surf

    def fit(self, text: str, size: int, colour: Colour, bold: bool = False, max_w: float = 0,
            smallest: int = SMALLEST_TYPE) -> pygame.Surface:
        """Text at `size`, or smaller (not below `smallest`) until it is no wider than max_w (0: any)."""
        img = self.render(text, size, colour, bold)
        if max_w > 0 and img.get_width() > max_w:
            # Width is not quite proportional to size (hinting): a step or two more may be needed.
            size = max(smallest, int(size * max_w / img.get_width()))
            img = self.render(text, size, colour, bold)
            while img.get_width() > max_w and size > smallest:
                size -= 1
                img = self.render(text, size, colour, bold)
        return img

    def shorten(self, text: str, size: int, max_w: float, bold: bool = False) -> str:
        """`text`, cut short with an ellipsis if it is wider than max_w at `size` ("" if nothing fits)."""
        font = self.fonts.get(size, bold)
        text = displayable(text)
        if font.size(text)[0] <= max_w:
            return text
        while text and font.size(text + "\u2026")[0] > max_w:
            text = text[:-1]
        return text.rstrip() + "\u2026" if text else ""

    def put(self, surface: pygame.Surface, text: str, size: int, colour: Colour, anchor: str, pos,
            bold: bool = False, max_w: float = 0) -> pygame.Rect:
        """Fitted text blitted with its `anchor` (a pygame Rect attribute) at pos; returns where."""
        img = self.fit(text, size, colour, bold, max_w)
        r = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
        surface.blit(img, r)
        return r

