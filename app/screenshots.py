"""Regenerate the README screenshots: python -m app.screenshots [--weights PATH] [--out DIR]

Runs the real app in a real window (on Xvfb when there is no display: it starts one if the Xvfb
binary is installed), drives it with posted mouse and key events exactly as a user would, and saves
what was rendered: empty.png, drawing-3.png, classroom.png and help.png.

Drawings saved during the run go to a temporary DIGITPAD_HOME, never into the user's own data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.window import ICON
from model.config import BUNDLED_WEIGHTS, REPO

DEFAULT_OUT = REPO / "assets" / "screenshots"
SCREEN = (1920, 1080)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.screenshots", description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=BUNDLED_WEIGHTS)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)

    xvfb = _ensure_display()
    try:
        with tempfile.TemporaryDirectory(prefix="digitpad-screenshots-") as home:
            os.environ["DIGITPAD_HOME"] = home
            return _capture(args.weights, args.out)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)


def _ensure_display() -> subprocess.Popen | None:
    """Start Xvfb if there is no X display; returns the process we started (or None)."""
    if os.environ.get("DISPLAY") or os.environ.get("SDL_VIDEODRIVER"):
        return None
    if shutil.which("Xvfb") is None:
        print("no display and no Xvfb: rendering off-screen with SDL's dummy driver", file=sys.stderr)
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        return None
    display = ":97"
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # give the server a moment to accept clients
    os.environ["DISPLAY"] = display
    return proc


def _capture(weights: Path, out: Path) -> int:
    # Imported here, after the display is chosen: SDL reads DISPLAY / SDL_VIDEODRIVER when pygame starts.
    import pygame

    from app import demo
    from app.app import App

    recogniser, warning = demo.load_or_random(weights, Path(os.environ["DIGITPAD_HOME"]))
    note = f"WARNING: {warning}" if warning else f"model: {weights}"
    out.mkdir(parents=True, exist_ok=True)
    pygame.image.save(demo.icon(), str(ICON))
    print(f"wrote {ICON}")

    def shoot(app: App, name: str) -> None:
        app.step()
        app.step()  # a second frame: the window has surely been mapped and painted
        pygame.image.save(app.screen, str(out / name))
        print(f"wrote {out / name} ({app.screen.get_width()}x{app.screen.get_height()})")

    def draw(app: App, points: list[tuple[float, float]]) -> None:
        c = app.layout.canvas

        def at(u: float, v: float) -> tuple[int, int]:
            return round(c.x + u * c.w), round(c.y + v * c.h)

        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=at(*points[0]), button=1))
        for u, v in points[1:]:
            pygame.event.post(
                pygame.event.Event(pygame.MOUSEMOTION, pos=at(u, v), rel=(0, 0), buttons=(1, 0, 0))
            )
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=at(*points[-1]), button=1))
        # Park the pointer off the canvas so the brush ring does not sit on the ink.
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(2, 2), rel=(0, 0), buttons=(0, 0, 0)))

    def fresh(**kw) -> App:
        app = App(recogniser, **kw)
        pygame.event.clear()
        return app

    app = fresh(size=(1280, 800))
    shoot(app, "empty.png")
    draw(app, demo.three(side=app.layout.canvas.w))
    shoot(app, "drawing-3.png")
    app.show_help = True
    shoot(app, "help.png")
    pygame.quit()

    app = fresh(classroom=True)  # fullscreen on the (virtual) screen
    draw(app, demo.seven(side=app.layout.canvas.w))
    shoot(app, "classroom.png")
    pygame.quit()
    print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
