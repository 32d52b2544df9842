"""Regenerate the README screenshots: python -m app.screenshots [--weights PATH] [--out DIR]

Runs the real app in a real window (on Xvfb when there is no display: it starts one if the Xvfb
binary is installed), drives it with posted mouse and key events exactly as a user would, and saves
what was rendered: empty.png, drawing-3.png, classroom.png and help.png; the other answers,
not-sure.png (also in classroom mode at 1280x720) and not-a-digit.png; and the inside view
(inside-*.png): a 3 at 1280x800, its gallery, an ambiguous 4 / 9, a 1 turned into a 7 in classroom mode fullscreen at
1920x1080, a small 3 in the corner in classroom mode at 1280x720, and the smallest window, 560x420;
what a class draws that is no digit (no-digit-*.png): a heart, a smiley, an R and a question mark,
in the plain view at 1280x800, in classroom mode at 1920x1080 and in the inside view at 1280x720.

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

    def draw(app: App, points: list[tuple[float, float]], park: tuple[int, int] = (2, 2)) -> None:
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
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=park, rel=(0, 0), buttons=(0, 0, 0)))

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

    _answers(fresh, shoot, draw)

    _inside(fresh, shoot, draw)
    _no_digits(fresh, shoot, draw)
    print(note)
    return 0


def four_or_nine() -> list[list[tuple[float, float]]]:
    """A 4 with its top nearly closed, in canvas units: the bundled model is not sure what it is (4, 9
    or 7, by the canvas's size)."""
    # The lid's reach decides it (0.50 for the model before, 0.54 for this one: probed at every canvas
    # side the tests' and screenshots' windows give, each +-2 px: not sure at all of them, at most 60%).
    lid = [(0.54 - 0.14 * t, 0.22 + 0.02 * t) for t in (i / 20 for i in range(21))]
    body = (lid + [(0.40 - 0.05 * t, 0.24 + 0.28 * t) for t in (i / 30 for i in range(1, 31))]
            + [(0.35 + 0.35 * t, 0.52 - 0.02 * t) for t in (i / 40 for i in range(1, 41))])
    return [body, [(0.62 - 0.01 * t, 0.20 + 0.62 * t) for t in (i / 60 for i in range(61))]]


def scribble() -> list[tuple[float, float]]:
    """A crossing-out across the canvas: no digit at all."""
    return [(0.15 + 0.7 * (i % 2) + 0.02 * (i % 3), 0.12 + 0.075 * i) for i in range(11)]


def _expect(app, name: str, kind: str) -> None:
    """Warn when a screenshot does not show the answer its name promises (another model, say)."""
    from app.readout import verdict

    got = verdict(app.reading, app.recogniser.thresholds).kind if app.reading is not None else "nothing"
    if got != kind:
        print(f"WARNING: {name} shows {got!r}, not {kind!r}, with this model", file=sys.stderr)


def _answers(fresh, shoot, draw) -> None:
    """The plain view's three answers besides "sure" (drawing-3.png): not sure, and not a digit."""
    import pygame

    from model.config import CLASSES

    app = fresh(size=(1280, 800))
    for stroke in four_or_nine():
        draw(app, stroke)
    shoot(app, "not-sure.png")
    _expect(app, "not-sure.png", "unsure")
    app.drawing.clear()
    # A network with the 11th output says "not a digit" of a crossing-out; one without can only
    # say it of ink too small to read (a dot).
    eleven = len(app.recogniser.model.biases[-1]) > CLASSES
    draw(app, scribble() if eleven else [(0.5, 0.5), (0.505, 0.505)])
    shoot(app, "not-a-digit.png")
    _expect(app, "not-a-digit.png", "not-digit")
    pygame.quit()

    app = fresh(classroom=True, fullscreen=False, size=(1280, 720))
    for stroke in four_or_nine():
        draw(app, stroke)
    shoot(app, "not-sure-classroom-1280x720.png")
    _expect(app, "not-sure-classroom-1280x720.png", "unsure")
    pygame.quit()


def _inside(fresh, shoot, draw) -> None:
    """The inside view, opened as a user opens it (N), with the lesson's drawings."""
    import pygame

    from app import demo
    from app.panels import INSIDE

    def press(key: int, char: str = "") -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=char, scancode=0))

    app = fresh(size=(1280, 800))
    press(pygame.K_n, "n")
    app.step()
    draw(app, demo.three(side=app.layout.canvas.w))
    shoot(app, "inside-3.png")
    # The gallery, a unit picked, the pointer resting on another (its label shows).
    state = app.panels[INSIDE].state
    state.gallery, state.selected = True, int(app.reader.units.order[2])
    app.step()
    area = state._units[0]
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=(area.x + area.step_x * 3 // 2, area.y + area.step_y // 3),
                           rel=(0, 0), buttons=(0, 0, 0))
    )
    shoot(app, "inside-gallery.png")
    # An ambiguous 4 / 9 (a 4 with its top nearly closed): "not sure", the top two marked.
    state.gallery = False
    app.drawing.clear()
    for stroke in four_or_nine():
        draw(app, stroke)
    shoot(app, "inside-not-sure.png")
    _expect(app, "inside-not-sure.png", "unsure")
    pygame.quit()

    app = fresh(classroom=True)  # fullscreen, 1920x1080 on the virtual screen
    press(pygame.K_n, "n")
    app.step()
    side = app.layout.canvas.w
    one = [(0.52 + 0.03 * t, 0.2 + 0.62 * t) for t in (i / 60 for i in range(61))]
    draw(app, one)
    draw(app, [(0.28 + 0.25 * t, 0.21 + 0.01 * t) for t in (i / 25 for i in range(26))])  # the bar: a 7
    shoot(app, "inside-classroom.png")
    pygame.quit()

    app = fresh(classroom=True, fullscreen=False, size=(1280, 720))
    press(pygame.K_n, "n")
    app.step()
    small = [(0.08 + 0.28 * x, 0.06 + 0.28 * y) for x, y in demo.three(side=side)]  # a small 3, top left
    draw(app, small)
    shoot(app, "inside-classroom-1280x720.png")
    pygame.quit()

    app = fresh(size=(560, 420))
    press(pygame.K_n, "n")
    app.step()
    draw(app, demo.three(side=app.layout.canvas.w))
    shoot(app, "inside-560x420.png")
    pygame.quit()


def no_digits() -> dict[str, list[list[tuple[float, float]]]]:
    """What a class draws after a digit or two, in canvas units: a heart, a smiley, an R and a "?"
    (model/nondigits.py's shapes, as a steady hand draws them: no wobble)."""
    import numpy as np

    from model.nondigits import _print, heart, question, smiley

    rng = np.random.default_rng(0)
    shapes = {"heart": heart(rng), "smiley": smiley(rng), "R": _print("R", 0.0, 0.0, 0.7, 1.0),
              "question": question(rng)}
    out = {}
    for name, strokes in shapes.items():
        pts = np.concatenate(strokes)
        lo, size = pts.min(axis=0), (pts.max(axis=0) - pts.min(axis=0)).max()
        # 60% of the canvas high, in the middle, as a person draws on it.
        out[name] = [[(float(0.2 + 0.6 * (x - lo[0]) / size), float(0.2 + 0.6 * (y - lo[1]) / size)) for x, y in s]
                     for s in strokes]
    return out


def _no_digits(fresh, shoot, draw) -> None:
    """A heart, a smiley, an R and a "?": answered "not a digit" in the plain view, in classroom mode
    and in the inside view."""
    import pygame

    def press(key: int, char: str = "") -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=char, scancode=0))

    for where, kw, inside in (("", {"size": (1280, 800)}, False), ("-classroom", {"classroom": True}, False),
                              ("-inside-1280x720", {"classroom": True, "fullscreen": False, "size": (1280, 720)},
                               True)):
        app = fresh(**kw)
        if inside:
            press(pygame.K_n, "n")
            app.step()
        for name, strokes in no_digits().items():
            app.drawing.clear()
            for stroke in strokes:
                draw(app, stroke)
            shot = f"no-digit-{name}{where}.png"
            shoot(app, shot)
            _expect(app, shot, "not-digit")
        pygame.quit()


if __name__ == "__main__":
    sys.exit(main())
