"""How smooth the Learn view stays while a network trains: python benchmarks/bench_learn.py [options]

Prints figures (this is not a test). Runs the Learn panel's frame loop (poll the job, draw the
panel, flip) at 60 fps, App-independent, first for a few seconds on the choose page (the baseline),
then while a real training job runs in its background process (default: the panel's default
choice, 925 hidden neurons, 8 epochs of the quick recipe, all of MNIST), and prints the frame time
median and p99 of each (target p99 <= 16.7 ms), frames that missed 16.7 ms, the job's wall time and
the machine's load before and after. MNIST comes from $DIGITPAD_MNIST or the download cache.
Headless (SDL dummy driver): blits cost what a software-rendered window costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygame  # noqa: E402

from app.learn_preview import where  # noqa: E402
from app.learn_state import DEFAULT_EPOCHS, DEFAULT_HIDDEN  # noqa: E402
from app.learn_view import LearnPanel  # noqa: E402
from app.theme import CLASSROOM, DESK  # noqa: E402
from model.jobs import NICE, mnist_available  # noqa: E402

FRAME_S = 1 / 60


def summary(times: list[float]) -> str:
    t = sorted(times)
    p99 = t[min(len(t) - 1, int(0.99 * len(t)))]
    late = sum(x > FRAME_S for x in t)
    return (f"{len(t):5d} frames: median {statistics.median(t) * 1e3:5.2f} ms, p99 {p99 * 1e3:5.2f} ms, "
            f"max {t[-1] * 1e3:5.1f} ms, {late} over 16.7 ms")


def frames(panel: LearnPanel, screen: pygame.Surface, args, until) -> list[float]:
    """Frame times (update + draw + flip) at 60 fps until `until()`."""
    theme = CLASSROOM if args.classroom else DESK
    rect, scale = where(*screen.get_size(), args.classroom)
    times, next_at = [], time.perf_counter()
    while not until():
        t0 = time.perf_counter()
        pygame.event.pump()
        panel.update()
        screen.fill(theme.background)
        panel.draw(screen, rect, theme, scale)
        pygame.display.flip()
        times.append(time.perf_counter() - t0)
        next_at += FRAME_S
        time.sleep(max(next_at - time.perf_counter(), 0))
        next_at = max(next_at, time.perf_counter() - FRAME_S)  # after a long frame, do not race to catch up
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", type=int, default=DEFAULT_HIDDEN)
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    p.add_argument("--limit", type=int, help="MNIST training images (default: all 55,000)")
    p.add_argument("--size", default="1280x720", help="window size (default 1280x720, the projector)")
    p.add_argument("--desk", dest="classroom", action="store_false", help="the desk look (default: classroom)")
    p.add_argument("--baseline", type=float, default=3.0, help="seconds of frames before the job starts")
    args = p.parse_args()
    if not mnist_available():
        print("MNIST not found: set DIGITPAD_MNIST to its folder", file=sys.stderr)
        return 2
    w, h = (int(v) for v in args.size.lower().split("x"))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((w, h))
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15-min averages, "
          f"{os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as home:
        panel = LearnPanel(Path(home), limit=args.limit, nice=NICE)
        panel.hidden, panel.epochs = args.hidden, args.epochs
        end = time.perf_counter() + args.baseline
        idle = frames(panel, screen, args, lambda: time.perf_counter() > end)
        started = time.perf_counter()
        panel.press("start")
        try:
            training = frames(panel, screen, args, lambda: not panel.busy)
        finally:
            panel.shutdown()
        wall = time.perf_counter() - started
        result = panel.result
    print(f"window {w}x{h} {'classroom' if args.classroom else 'desk'}; job: {args.hidden} hidden, "
          f"{args.epochs} epochs, {args.limit or 55_000} images, child niceness +{NICE}")
    print(f"choose page, no job : {summary(idle)}")
    print(f"while training      : {summary(training)}")
    if result is None:
        print(f"the job did not finish: {' '.join(panel.message)}")
        return 1
    print(f"job wall time {wall:.1f} s (the child's own count: {result.seconds:.1f} s); "
          f"MNIST test accuracy {result.test_accuracy:.2%}")
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
