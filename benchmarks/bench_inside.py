"""How fast the inside view is: python benchmarks/bench_inside.py [--weights PATH] [--frames N]

Prints figures (this is not a test), side by side in one run:

* per change of the drawing: `Recogniser.read` (today's reading) against `inside.read` (the same
  reading plus the raw-canvas answer, in one network call) and `inside.read` + `inside.explain`
  (everything the inside view shows), median and p99;
* per frame, the inside view alone (`InsideView.draw`) at 1280x800, 1920x1080 and 1280x720:
  while drawing (a new reading every frame, the worst case), idle (same reading) and while paging
  through the gallery (every page's pictures new). Target: p99 well under 16.7 ms.

The drawing is a "3" from model/sketches.py grown point by point, as a stroke grows under the pen.
Headless (SDL dummy driver): blits cost what a software-rendered window costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygame  # noqa: E402

from app.inside_preview import SIZES, explained, split  # noqa: E402
from app.inside_view import InsideState, InsideView  # noqa: E402
from app.theme import CLASSROOM, DESK  # noqa: E402
from model import inside  # noqa: E402
from model.config import BUNDLED_WEIGHTS  # noqa: E402
from model.recognise import Recogniser  # noqa: E402
from model.sketches import sketch  # noqa: E402


def summary(times: list[float]) -> str:
    t = sorted(times)
    p99 = t[min(len(t) - 1, int(0.99 * len(t)))]
    return f"median {statistics.median(t) * 1e3:6.2f} ms, p99 {p99 * 1e3:6.2f} ms"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def frames(view: InsideView, where: tuple, state: InsideState, shown: list, turn: bool = False) -> list[float]:
    """Seconds per InsideView.draw for each reading in `shown` (turning a gallery page first if asked)."""
    screen, rect, units, theme, scale = where
    times = []
    for ins in shown:
        if turn:
            state.turn(1)
        t0 = time.perf_counter()
        view.draw(screen, rect, ins, units, theme, scale, state)
        times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=BUNDLED_WEIGHTS)
    p.add_argument("--frames", type=int, default=300)
    args = p.parse_args()
    if not args.weights.is_file():
        print(f"{args.weights}: no such weights file (pass --weights PATH)", file=sys.stderr)
        return 2
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)")
    r = Recogniser.from_file(args.weights)
    units = inside.units(r.model)
    side = 560
    full = sketch(3)[0] * side
    growing = [[full[: 4 + i % (len(full) - 4)]] for i in range(args.frames)]

    # Per drawing change, interleaved so a busy machine slows all three alike.
    plain, read, both = [], [], []
    for s in growing:
        plain.append(timed(lambda s=s: r.read(s)))
        read.append(timed(lambda s=s: inside.read(r.model, s, r.style, r.temperature, r.pens, raw_side=side)))
        both.append(timed(lambda s=s: explained(r, units, s, side)))
    print(f"Recogniser.read            {summary(plain)}")
    print(f"inside.read (+ raw answer) {summary(read)}")
    print(f"inside.read + explain      {summary(both)}")

    pygame.display.init()
    pygame.font.init()
    for w, h, classroom in SIZES:
        screen = pygame.display.set_mode((w, h))
        canvas, rect, scale = split(w, h, classroom)
        theme = CLASSROOM if classroom else DESK
        readings = [explained(r, units, [p * canvas.w / side for p in s], canvas.w)[1] for s in growing]
        view, state = InsideView(), InsideState()
        where = (screen, rect, units, theme, scale)
        frames(view, where, state, readings[:1])  # fonts opened, first weight pictures cached
        drawing = frames(view, where, state, readings)
        idle = frames(view, where, state, [readings[-1]] * args.frames)
        paging = frames(view, where, state, [readings[-1]] * min(args.frames, 60), turn=True)
        name = f"{w}x{h}{' classroom' if classroom else ''}"
        print(
            f"draw {name:<20} drawing {summary(drawing)} | idle {summary(idle)} | gallery page turn {summary(paging)}"
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
