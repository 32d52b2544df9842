"""The app's views: the plain one, and the ones that open a side panel beside the canvas.

A view mode is a name here, a `Panel` in `App.panels` (none for the plain view) and a key in
app/keys.py. The App lays the window out with room for the panel (`compute_layout(..., panel=True)`),
draws the panel into `layout.panel` after the rest of the frame, and hands it the clicks that land
there. To add a view ("learn", say): a name in VIEWS, a Panel, a key binding and an action.

Kept free of pygame, so app/startup.py can offer the names as `--view` choices before a window opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pygame

    from app.view import Scene

PLAIN, INSIDE, LEARN, CLASS = "plain", "inside", "learn", "class"
VIEWS = (PLAIN, INSIDE, LEARN, CLASS)  # --view's choices, in this order


class Panel(Protocol):
    explains: bool  # whether it shows model/inside's explanation (the app then computes it per reading)

    def draw(self, surface: pygame.Surface, scene: Scene) -> None:
        """Paint into scene.layout.panel."""

    def click(self, pos: tuple[int, int]) -> bool:
        """A left click inside the panel; True if it hit something."""
