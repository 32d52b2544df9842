"""Regenerate the README screenshots: python -m app.screenshots [--weights PATH] [--out DIR]

Runs the real app in a real window (on Xvfb when there is no display: it starts one if the Xvfb
binary is installed), drives it with posted mouse and key events exactly as a user would, and saves
what was rendered: empty.png, drawing-3.png, classroom.png and help.png.

Drawings saved during the run go to a temporary DIGITPAD_HOME, never into the user's own data.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WEIGHTS = REPO / "weights" / "digitpad-925.npz"
DEFAULT_OUT = REPO / "assets" / "screenshots"
SCREEN = (1920, 1080)


def three(wobble: float = 0.006) -> list[tuple[float, float]]:
    """A hand-drawn looking 3 in canvas units (0..1), at a mouse's event density (~1 event per 4 px)."""
    pts = []
    for a in _steps(-2.55, 1.55, 70):
        pts.append((0.50 + 0.19 * math.cos(a), 0.33 + 0.15 * math.sin(a)))
    for a in _steps(-1.55, 2.65, 80):
        pts.append((0.51 + 0.22 * math.cos(a), 0.63 + 0.17 * math.sin(a)))
    # A hand is not a compass: a slow, smooth wobble.
    return [(x + wobble * math.sin(i / 7), y + wobble * math.cos(i / 11)) for i, (x, y) in enumerate(pts)]


def seven() -> list[tuple[float, float]]:
    top = [(0.27 + 0.46 * t, 0.22 + 0.01 * math.sin(t * 3)) for t in _steps(0, 1, 50)]
    stem = [(0.73 - 0.26 * t, 0.22 + 0.60 * t) for t in _steps(0, 1, 70)]
    return top + stem


def _steps(a: float, b: float, n: int) -> list[float]:
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.screenshots", description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
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

    from app.app import App
    from app.startup import load_recogniser
    from model.mlp import MLP
    from model.weights import save

    if weights.is_file():
        recogniser = load_recogniser(weights)
        note = f"model: {weights}"
    else:
        random_model = Path(os.environ["DIGITPAD_HOME"]) / "random.npz"
        save(random_model, MLP([784, 32, 10], seed=0), {"input": {}, "temperature": 1.0})
        recogniser = load_recogniser(random_model)
        note = f"WARNING: {weights} not found; a RANDOM model was used - re-run once it is trained"
    out.mkdir(parents=True, exist_ok=True)

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
    draw(app, three())
    shoot(app, "drawing-3.png")
    app.show_help = True
    shoot(app, "help.png")
    pygame.quit()

    app = fresh(classroom=True)  # fullscreen on the (virtual) screen
    draw(app, seven())
    shoot(app, "classroom.png")
    pygame.quit()
    print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
