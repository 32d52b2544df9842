"""A QR code as a pygame picture: the Class view's join link, for phones' cameras."""

from __future__ import annotations

import pygame
import segno


class QrPicture:
    """The picture of a QR code for a URL, painted once per URL and size (segno gives the modules)."""

    def __init__(self) -> None:
        self._made: tuple[str, int, pygame.Surface] | None = None

    def surface(self, url: str, side: int) -> pygame.Surface:
        """Black modules on white, at most `side` px, with the quiet zone of 4 modules scanners want."""
        if self._made is not None and self._made[:2] == (url, side):
            return self._made[2]
        matrix = segno.make(url, error="m").matrix
        n = len(matrix) + 8
        module = max(side // n, 1)
        surf = pygame.Surface((module * n, module * n))
        surf.fill((255, 255, 255))
        for j, row in enumerate(matrix):
            for i, dark in enumerate(row):
                if dark:
                    surf.fill((0, 0, 0), pygame.Rect((i + 4) * module, (j + 4) * module, module, module))
        self._made = (url, side, surf)
        return surf
