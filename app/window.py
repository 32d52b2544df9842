"""The window: opening the display, its identity (title, class, icon), windowed and fullscreen modes.

A launch either shows a window or fails with one line. SDL quietly falls back to its invisible
"offscreen" driver when it finds no display (no DISPLAY, or a DISPLAY with no server behind it),
and the app would then run forever with nothing on screen; that is caught here and reported.
Tests ask for SDL's "dummy" driver explicitly (SDL_VIDEODRIVER=dummy), which stays allowed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import pygame

from app.layout import Layout, compute_layout
from app.theme import CLASSROOM, DESK

TITLE = "Digitpad"
ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
MIN_SIZE = (560, 420)
HEADLESS_DRIVERS = ("offscreen", "dummy")  # draw into memory: no window anyone can see


class NoDisplayError(RuntimeError):
    """No screen to show the window on; the message is one line for the user."""


def open_display() -> None:
    """Start SDL's video with the window's identity set; NoDisplayError if nothing can be shown."""
    asked = os.environ.get("SDL_VIDEODRIVER", "").strip().lower()
    # The class is what task bars and docks group windows by; SDL reads it when the display opens.
    # `import pygame` already set it to the script's name ("main.py"); a user's own value stays.
    if os.environ.get("SDL_VIDEO_X11_WMCLASS") in (None, os.path.basename(sys.argv[0])):
        os.environ["SDL_VIDEO_X11_WMCLASS"] = TITLE
    os.environ.setdefault("SDL_APP_NAME", TITLE)
    if not asked and sys.platform.startswith("linux"):
        x11, wayland = os.environ.get("DISPLAY"), os.environ.get("WAYLAND_DISPLAY")
        if not x11 and not wayland:
            raise NoDisplayError(_no_display("neither DISPLAY nor WAYLAND_DISPLAY is set"))
        if not wayland:
            # Only X is offered: ask SDL for it alone, so a dead DISPLAY is one clear error rather
            # than a Wayland probe's complaint followed by the silent offscreen fallback.
            os.environ["SDL_VIDEODRIVER"] = "x11"
    try:
        pygame.display.init()
    except pygame.error as e:
        why = str(e).strip() or "SDL could not open the video"
        if os.environ.get("SDL_VIDEODRIVER") == "x11" and not asked:
            why = f"cannot open the X display {os.environ.get('DISPLAY')!r} ({why})"
        raise NoDisplayError(_no_display(why)) from None
    driver = (pygame.display.get_driver() or "").lower()
    if driver in HEADLESS_DRIVERS and asked not in HEADLESS_DRIVERS:
        pygame.display.quit()
        where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "none"
        raise NoDisplayError(_no_display(f"SDL fell back to its invisible {driver!r} driver (display: {where})"))
    pygame.display.set_caption(TITLE, TITLE)
    # A missing or unreadable icon is cosmetic: then pygame's default it is.
    with contextlib.suppress(pygame.error, FileNotFoundError):
        pygame.display.set_icon(pygame.image.load(str(ICON)))


REOPEN_TRIES = 8  # about 0.7 s of waiting in all before a closed display counts as gone


def reopen_display() -> None:
    """`open_display` after the app closed the display itself (to go fullscreen).

    An X server sometimes refuses the new connection for a moment: under Xvfb about one reopening
    in 75 failed with "x11 not available" and the next try 20 ms later worked. Unretried, that one
    failure ended the app in front of the class; so try again, waiting a little longer each time.
    """
    for attempt in range(1, REOPEN_TRIES + 1):
        try:
            open_display()
            return
        except NoDisplayError:
            if attempt == REOPEN_TRIES:
                raise
            time.sleep(0.02 * attempt)


def _no_display(why: str) -> str:
    return f"no display found: {why}; for headless tests set SDL_VIDEODRIVER=dummy"


def headless() -> bool:
    """True when drawing into memory (tests): no window manager, no real cursor."""
    return (pygame.display.get_driver() or "").lower() in HEADLESS_DRIVERS


def set_mode(fullscreen: bool, windowed_size: tuple[int, int]) -> tuple[pygame.Surface, bool, str | None]:
    """Open the window; returns (surface, fullscreen as granted, a warning to show or None).

    Fullscreen asks for the desktop's own size, so it fills the screen with or without a window
    manager (SDL sizes the window itself rather than waiting for one to do it).
    """
    warning = None
    if fullscreen:
        # pygame re-creates the window where the last one was, and with no window manager to
        # move it (a bare X server in a classroom kiosk) a fullscreen window would sit off the
        # corner. A fresh display starts it at the screen's corner instead.
        os.environ["SDL_VIDEO_WINDOW_POS"] = "0,0"
        if pygame.display.get_surface() is not None:
            pygame.display.quit()
            reopen_display()
        try:
            size = _desktop_size() or (0, 0)
            return pygame.display.set_mode(size, pygame.FULLSCREEN), True, None
        except pygame.error as e:
            warning = f"Fullscreen is not available here ({e})"
        finally:
            del os.environ["SDL_VIDEO_WINDOW_POS"]
    os.environ.setdefault("SDL_VIDEO_CENTERED", "1")
    return pygame.display.set_mode(clamp(windowed_size), pygame.RESIZABLE), False, warning


def clamp(size: tuple[int, int]) -> tuple[int, int]:
    """`size`, grown to the smallest window the layout is made for."""
    return max(int(size[0]), MIN_SIZE[0]), max(int(size[1]), MIN_SIZE[1])


def resize(size: tuple[int, int]) -> pygame.Surface:
    """The display surface after the user resized the window to `size`.

    A window dragged smaller than MIN_SIZE is set back to it. (pygame-ce's only way to give SDL a
    minimum size goes through a deprecated call, so the app enforces it itself.)
    """
    size = clamp(size)
    surface = pygame.display.get_surface()
    if surface is not None and surface.get_size() == size:
        return surface
    # pygame resizes the display surface itself; this path is for drivers that do not (dummy,
    # in tests) and for resize requests made by the app.
    return pygame.display.set_mode(size, pygame.RESIZABLE)


def default_size() -> tuple[int, int]:
    """1280x800, shrunk to fit smaller screens (a 1366x768 laptop has room for less)."""
    desktop = _desktop_size()
    if desktop is None:
        return 1280, 800
    dw, dh = desktop
    return max(MIN_SIZE[0], min(1280, int(dw * 0.92))), max(MIN_SIZE[1], min(800, int(dh * 0.86)))


def _desktop_size() -> tuple[int, int] | None:
    try:
        w, h = pygame.display.get_desktop_sizes()[0]
    except (pygame.error, IndexError):
        return None
    return (w, h) if w > 0 and h > 0 else None


class Windowed:
    """The App's window: the look, fullscreen, the size, and the layout that follows them (a mixin:
    App has the state it changes)."""

    def toggle_classroom(self) -> None:
        """The classroom look (large, high-contrast type) on or off; the drawing, view and window stay."""
        self.classroom = not self.classroom
        self.theme = CLASSROOM if self.classroom else DESK
        self._relayout(force=True)
        self.toast("Classroom look: large type for a projector \u2014 P for the desk look" if self.classroom
                   else "Desk look \u2014 P for the classroom look")

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        self.screen = self._set_mode()
        self._relayout()

    def resize(self, width: int, height: int) -> None:
        """The window changed size: lay out again. The strokes are in canvas units, so they follow."""
        if not self.fullscreen:
            self.screen = resize((width, height))
            self.windowed_size = self.screen.get_size()
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        self.screen = pygame.display.get_surface() or self.screen
        if force or self.screen.get_size() != self.layout.size:
            layout = self._compute_layout()
            if layout.canvas.size != self.layout.canvas.size:
                self.reader.invalidate()  # the strokes in canvas pixels changed scale; cheap to re-read
            self.layout = layout

    def _compute_layout(self) -> Layout:
        return compute_layout(*self.screen.get_size(), classroom=self.classroom, panel=self.panel is not None)

    def _set_mode(self) -> pygame.Surface:
        screen, self.fullscreen, warning = set_mode(self.fullscreen, self.windowed_size)
        if warning:
            self.toast(warning, "warn")
        return screen
