"""Render the Learn view to PNGs, off-screen: python -m app.learn_preview [--out DIR] [--limit N]

For looking at legibility and layout without the app, at 1280x800 (desk), 1920x1080 and 1280x720
(classroom), in each state a teacher meets: choosing (with enough and with too few drawings), no
MNIST on the machine, a real short training in progress and finished (then saved), a real
adaptation to made-up class drawings, and a failed job's one line. The jobs are real (MNIST from
$DIGITPAD_MNIST or the cache), made short with --limit; a few tens of seconds in all.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # off-screen unless the caller chose a driver
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
from pygame import Rect  # noqa: E402

from app.layout import compute_layout  # noqa: E402
from app.learn_view import LearnPanel  # noqa: E402
from app.store import samples_path  # noqa: E402
from app.theme import CLASSROOM, DESK  # noqa: E402
from model.config import CLASSES  # noqa: E402
from model.jobs import mnist_available  # noqa: E402
from model.jsonl import append_sample  # noqa: E402
from model.sketches import sketch  # noqa: E402

SIZES = ((1280, 800, False), (1920, 1080, True), (1280, 720, True))
CANVAS = 560  # the drawings' canvas side in pixels, as the app saves them


# This class's own hand: 1s with a long flag, 7s crossed, 4s closed at the top, which MNIST's
# (mostly American) writers rarely draw.
HAND = {
    1: np.array([[0.53, 0.20], [0.30, 0.42]]),
    7: np.array([[0.40, 0.52], [0.70, 0.50]]),
    4: np.array([[0.38, 0.20], [0.62, 0.22]]),
}


def class_drawings(path: Path, per_digit: int, seed: int = 0) -> None:
    """Made-up class drawings: each digit's sketch in this class's hand, slanted, sized and placed a
    little differently each time."""
    rng = np.random.default_rng(seed)
    for i in range(per_digit * CLASSES):
        d = i % CLASSES
        at, size, shear = tuple(rng.uniform(0.42, 0.58, 2)), rng.uniform(0.7, 1.05), rng.uniform(-0.35, 0.35)
        strokes = sketch(d, at=at, size=size, shear=shear)
        if d in HAND:  # the extra stroke, moved and slanted like the rest
            extra = HAND[d] - 0.5
            extra = np.column_stack([extra[:, 0] - shear * extra[:, 1], extra[:, 1]]) * size + np.asarray(at)
            strokes.append(extra)
        jitter = [s * CANVAS + rng.normal(0, 2.0, s.shape) for s in strokes]
        append_sample(path, d, jitter, source="preview")


def where(w: int, h: int, classroom: bool) -> tuple[Rect, float]:
    """The panel's rectangle (the window less the layout's margin) and the type scale."""
    lay = compute_layout(w, h, classroom)
    m = round(20 * lay.scale)
    return Rect(m, m, w - 2 * m, h - 2 * m), lay.scale


def render(panel: LearnPanel, w: int, h: int, classroom: bool, pointer=None) -> pygame.Surface:
    theme = CLASSROOM if classroom else DESK
    rect, scale = where(w, h, classroom)
    surface = pygame.Surface((w, h))
    surface.fill(theme.background)
    panel.draw(surface, rect, theme, scale, pointer)
    return surface


def shoot(panel: LearnPanel, out: Path, name: str) -> None:
    for w, h, classroom in SIZES:
        path = out / f"learn-{name}-{w}x{h}.png"
        pygame.image.save(render(panel, w, h, classroom), str(path))
        print(f"wrote {path}")


def run(panel: LearnPanel, until, timeout: float = 300) -> None:
    """Poll the panel's job like the app's frames do, until `until()` or the job ends."""
    deadline = time.monotonic() + timeout
    while not until() and panel.busy and time.monotonic() < deadline:
        panel.update()
        time.sleep(0.05)
    panel.update()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.learn_preview", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("learn-preview"))
    p.add_argument("--limit", type=int, default=10_000, help="MNIST training images for the real jobs")
    args = p.parse_args(argv)
    if not mnist_available():
        print("MNIST not found: set DIGITPAD_MNIST to its folder (the training states need it)", file=sys.stderr)
        return 2
    pygame.display.init()
    pygame.font.init()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home, few, empty = Path(tmp) / "home", Path(tmp) / "few", Path(tmp) / "empty"
        empty.mkdir()
        class_drawings(samples_path(home), per_digit=8)
        class_drawings(samples_path(few), per_digit=1)

        shoot(LearnPanel(home), args.out, "choose")
        shoot(LearnPanel(few), args.out, "choose-few")
        shoot(LearnPanel(few, data=str(empty)), args.out, "no-mnist")
        failed = LearnPanel(few, data=str(empty))
        failed.press("download")  # an explicit folder without MNIST: the job fails with one line
        run(failed, lambda: False)
        shoot(failed, args.out, "failed")

        panel = LearnPanel(home, limit=args.limit)
        panel.hidden, panel.epochs = 256, 4
        panel.press("start")
        run(panel, lambda: len(panel.job.view.epochs) >= 2)
        shoot(panel, args.out, "training")
        run(panel, lambda: False)
        shoot(panel, args.out, "finished")
        panel.press("save")
        shoot(panel, args.out, "saved")
        panel.press("use")
        panel.press("again")
        shoot(panel, args.out, "choose-in-use")

        adapt = LearnPanel(home, limit=args.limit)
        adapt.press("adapt")
        run(adapt, lambda: False)
        shoot(adapt, args.out, "adapted")
        for q in (panel, adapt, failed):
            q.shutdown()
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
