"""The help: the key map on a card over the shaded frame, never cut off.

Its rows are app/keys.py's BINDINGS, the same table the key handler reads, so the help says what
the keys do. Lines wrap to the window's width and the type shrinks until the card fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from app.keys import BINDINGS
from app.kit import Drawn, Painter, Sizes
from app.theme import TextCache

if TYPE_CHECKING:
    from app.scene import Scene


class HelpCard:
    """Draws the help over a frame; `draw` returns where the card went (always inside the window)."""

    def __init__(self, text: TextCache) -> None:
        self.text = text
        self._shade: pygame.Surface | None = None  # the frame darkened under the card, made once per size

    def draw(self, surface: pygame.Surface, scene: Scene, drawn: Drawn, sizes: Sizes) -> pygame.Rect:
        """The help card over a shaded frame; returns where it went (always inside the window)."""
        lay, th = scene.layout, scene.theme
        w, h = surface.get_size()
        if self._shade is None or self._shade.get_size() != (w, h):
            self._shade = pygame.Surface((w, h), pygame.SRCALPHA)
            self._shade.fill((0, 0, 0, 190))
        surface.blit(self._shade, (0, 0))
        # The help must never be cut off: lines wrap to the window's width, and the type shrinks
        # until the card is no taller than the window.
        size, mark = lay.type.body, len(drawn)
        while True:
            del drawn[mark:]  # only the card that is shown is remembered
            card = self._card(scene, size, round(w * 0.94), drawn, sizes)
            if card.get_height() <= h * 0.94 or size <= 8:
                break
            size -= 1
        rect = card.get_rect(center=(w // 2, h // 2)).clamp(surface.get_rect())
        surface.blit(card, rect)
        pygame.draw.rect(surface, th.border, rect, width=1, border_radius=lay.radius)
        drawn[mark:] = [(what, where.move(rect.topleft), rect) for what, where, _ in drawn[mark:]]
        return rect

    def _card(self, scene: Scene, size: int, max_w: int, drawn: Drawn, sizes: Sizes) -> pygame.Surface:
        th = scene.theme
        p = Painter(pygame.Surface((1, 1)), self.text, th)  # measures; the card gets its own painter below
        pad, line = round(size * 1.4), round(size * 1.75)
        fonts = self.text.fonts
        key_font, font, foot_font = fonts.get(size, True), fonts.get(size), fonts.get(round(size * 0.85))
        room = max_w - 2 * pad
        rows = [(b.plain_keys, b.does) for b in BINDINGS]  # the same table the key handler reads
        gap = round(size * 1.5)
        # The keys take what they need up to two fifths of the room; the rest is the words' column.
        keys_w = min(max(key_font.size(k)[0] for k, _ in rows), round(room * 0.4)) + gap
        desc_w = min(max(font.size(d)[0] for _, d in rows), room - keys_w)
        # Whole words: a key wider than its column stays whole, never broken in two.
        cells = [(p.lines(k, size, keys_w - gap, bold=True, break_words=False),
                  p.lines(d, size, desc_w, break_words=False)) for k, d in rows]
        title_h = round(size * 1.5 * 1.6)
        footer = [part for text in (f"Drawings are saved in {scene.data_dir}", "Press any key or click to close")
                  for part in p.lines(text, round(size * 0.85), room, break_words=False)]
        foot_w = max(foot_font.size(f)[0] for f in footer)
        width = max(keys_w + desc_w, foot_w) + 2 * pad
        body_h = sum(line * max(len(k), len(d)) for k, d in cells)
        height = pad + title_h + body_h + round(size * 0.8) + len(footer) * round(size * 1.4) + pad
        card = pygame.Surface((width, height))
        card.fill(th.panel)
        inside = card.get_rect()  # what is drawn on the card is remembered in its own coordinates
        p = Painter(card, self.text, th, sizes, drawn)
        y = pad
        p.put_large("Keys and mouse", round(size * 1.5), th.text, "topleft", (pad, y), bold=True, max_w=room,
                    card=inside)
        y += title_h
        for key_lines, desc_lines in cells:
            for i, text in enumerate(key_lines):
                p.put_large(text, size, th.accent, "topleft", (pad, y + i * line), bold=True, card=inside)
            for i, text in enumerate(desc_lines):
                p.put_large(text, size, th.text, "topleft", (pad + keys_w, y + i * line), card=inside)
            y += line * max(len(key_lines), len(desc_lines))
        y += round(size * 0.8)
        for text in footer:
            p.put_large(text, round(size * 0.85), th.muted, "topleft", (pad, y), card=inside)
            y += round(size * 1.4)
        return card
