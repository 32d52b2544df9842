"""Render the inside view to PNGs, off-screen: python -m app.inside_preview [--out DIR] [--weights PATH]

For looking at legibility and layout without the app: the real bundled weights, a drawing from
`model/sketches.py` on a canvas at the left and the inside view beside it, at 1280x800 (desk),
1920x1080 and 1280x720 (classroom), for each scene of the lesson. benchmarks/bench_inside.py
times the same frames.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # off-screen unless the caller chose a driver
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
from pygame import Rect  # noqa: E402

from app.inside_view import InsideState, InsideView  # noqa: E402
from app.layout import compute_layout  # noqa: E402
from app.readout import Verdict, verdict  # noqa: E402
from app.theme import CLASSROOM, DESK, Theme  # noqa: E402
from model import inside  # noqa: E402
from model.config import BUNDLED_WEIGHTS  # noqa: E402
from model.recognise import Reading, Recogniser  # noqa: E402
from model.sketches import Sketch, sketch  # noqa: E402

SIZES = ((1280, 800, False), (1920, 1080, True), (1280, 720, True))


def scenes() -> dict[str, Sketch]:
    """The lesson's drawings, in canvas units."""
    rng = np.random.default_rng(7)
    scribble = [np.cumsum(rng.normal(0, 0.06, (40, 2)), axis=0) * 0.8 + 0.5]
    closed_four = [
        np.array([[0.62, 0.22], [0.36, 0.24], [0.31, 0.52], [0.66, 0.50]]),
        np.array([[0.62, 0.20], [0.61, 0.82]]),
    ]
    return {
        "three": sketch(3, shear=0.1),
        "corner": sketch(3, at=(0.16, 0.15), size=0.24),
        "one": sketch(1),
        "seven": [*sketch(1), np.array([[0.30, 0.21], [0.53, 0.20]])],  # the 1 with a bar: a 7
        "four-or-nine": closed_four,
        "scribble": [np.clip(s, 0.05, 0.95) for s in scribble],
    }


def render(
    recogniser: Recogniser,
    units: inside.Units,
    drawing: Sketch,
    size: tuple[int, int],
    classroom: bool,
    view: InsideView | None = None,
    state: InsideState | None = None,
) -> pygame.Surface:
    """One frame at `size`: the canvas with the drawing and the inside view beside it."""
    w, h = size
    theme: Theme = CLASSROOM if classroom else DESK
    lay = compute_layout(w, h, classroom, panel=True)  # the app's own layout with the inside view open
    canvas, rect, scale = lay.canvas, lay.panel, lay.scale
    surface = pygame.Surface(size)
    surface.fill(theme.background)
    strokes = [p * canvas.w for p in drawing]
    reading, ins = explained(recogniser, units, strokes, canvas.w)
    v = None if reading is None else verdict(reading, recogniser.thresholds)
    _canvas(surface, canvas, drawing, theme, scale, v, lay.prediction)
    (view or InsideView()).draw(surface, rect, ins, units, theme, scale, state or InsideState(), verdict=v,
                                thresholds=recogniser.thresholds)
    return surface


def explained(recogniser: Recogniser, units: inside.Units, strokes,
              side: float) -> tuple[Reading | None, inside.Inside | None]:
    """What the app does per change of the drawing (app/recognition.py): one reading through the
    one read path, then the explanation of the answer it judged."""
    r = recogniser
    try:
        reading = r.read(strokes, side, raw=True)
    except ValueError:
        return None, None
    f = reading.forward
    classes = inside.explained(r.answer(reading), len(f.logits), f.probs)
    return reading, inside.explain(r.model, f, units, strokes, side, r.style, classes=classes)


def _canvas(
    surface: pygame.Surface, rect: Rect, drawing: Sketch, theme: Theme, scale: float, v: Verdict | None, answer: Rect
) -> None:
    pygame.draw.rect(surface, theme.canvas, rect)
    pygame.draw.rect(surface, theme.border, rect.inflate(2, 2), width=1)
    width = max(2, round(20 * rect.w / 560))
    for s in drawing:
        pts = [(rect.x + x * rect.w, rect.y + y * rect.h) for x, y in s]
        if len(pts) > 1:
            pygame.draw.lines(surface, theme.ink, False, pts, width)
        for p in pts:
            pygame.draw.circle(surface, theme.ink, p, width / 2)
    if v is None:
        return
    font = pygame.font.Font(str(Path(__file__).parent / "DejaVuSans-Bold.ttf"), round(30 * scale))
    colour = {"sure": theme.accent, "unsure": theme.unsure}.get(v.kind, theme.text)
    text = font.render(f"{v.headline}   {v.caption}", True, colour)
    surface.blit(text, text.get_rect(center=answer.center))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.inside_preview", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("inside-preview"))
    p.add_argument("--weights", type=Path, default=BUNDLED_WEIGHTS)
    p.add_argument("--scene", action="append", help="only these scenes (default: all)")
    args = p.parse_args(argv)
    if not args.weights.is_file():
        print(f"{args.weights}: no such weights file (pass --weights PATH)", file=sys.stderr)
        return 2
    pygame.display.init()
    pygame.font.init()
    recogniser = Recogniser.from_file(args.weights)
    units = inside.units(recogniser.model)
    args.out.mkdir(parents=True, exist_ok=True)
    all_scenes = scenes()
    for name in args.scene or list(all_scenes):
        for w, h, classroom in SIZES:
            surf = render(recogniser, units, all_scenes[name], (w, h), classroom)
            path = args.out / f"inside-{name}-{w}x{h}.png"
            pygame.image.save(surf, str(path))
            print(f"wrote {path}")
    # The gallery, with a unit picked, at each size.
    for w, h, classroom in SIZES:
        state = InsideState(gallery=True, selected=int(units.order[3]))
        surf = render(recogniser, units, all_scenes["three"], (w, h), classroom, state=state)
        path = args.out / f"inside-gallery-{w}x{h}.png"
        pygame.image.save(surf, str(path))
        print(f"wrote {path}")
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
