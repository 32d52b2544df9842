"""How fast the app responds: python benchmarks/bench_app.py [--weights PATH] [--runs N] [--only long]

Prints figures (this is not a test):

* network update: preprocessing + prediction for one reading of the drawing, median and p99,
  measured inside the app while a stroke is replayed (target: median <= 2 ms);
* frame time while drawing: one `App.step()` = handle that frame's mouse events, read the drawing,
  render and flip, median and p99 (target: p99 <= 16.7 ms, one 60 Hz frame); the same while the
  eraser is dragged through the digit (each erasing frame repaints the whole canvas);
* long drawings: preprocessing + prediction for one reading of a scribble of 250, 2,000 and 20,000
  points at a mouse's density (target: median <= 2 ms, p99 <= 5 ms at every length);
* the same frame times with the inside view open (issue 11: the reading explained every frame the
  drawing changes, the six panels painted; target p99 <= 16.7 ms);
* switching views: pressing N with a digit on the canvas, until that frame is on screen (the layout,
  the reading explained, the first inside-view frame; target <= 50 ms), both ways;
* launch to first frame: `main.py --exit-after-first-frame` in a fresh process, from spawn to
  exit, so it includes interpreter start, imports, loading and checking the model, opening the
  window and drawing one frame (target: <= 1.5 s).

The stroke is a synthetic "3" replayed at a real mouse's density: points about 4 px apart on the
canvas, two motion events per 60 Hz frame (a 125 Hz mouse). Headless (SDL dummy driver), so
flip() costs what a software-rendered window costs, not what a compositor adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pygame  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from app import demo  # noqa: E402
from app.app import App  # noqa: E402
from app.loop import APP_BLAS_THREADS  # noqa: E402
from app.panels import LEARN  # noqa: E402
from model.config import BUNDLED_WEIGHTS as BUNDLED  # noqa: E402

WINDOW = (1280, 800)
EVENTS_PER_FRAME = 2
SPACING_PX = 4.0
LONG_DRAWINGS = (250, 2_000, 20_000)
ROW = "  {:<32}: median {:6.2f} ms   p99 {:6.2f} ms   ({})"


def replay(app: App, path: list[tuple[float, float]], button: int = 1) -> list[float]:
    """Drag along the path through the event queue (button 1 draws, 3 erases); returns every frame's
    duration, in seconds."""
    c = app.layout.canvas
    held = (1, 0, 0) if button == 1 else (0, 0, 1)

    def at(p: tuple[float, float]) -> tuple[int, int]:
        return round(c.x + p[0] * c.w), round(c.y + p[1] * c.h)

    frames = []
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=at(path[0]), button=button))
    for i in range(1, len(path), EVENTS_PER_FRAME):
        for p in path[i : i + EVENTS_PER_FRAME]:
            pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=at(p), rel=(0, 0), buttons=held))
        t0 = time.perf_counter()
        app.step()
        frames.append(time.perf_counter() - t0)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=at(path[-1]), button=button))
    app.step()
    return frames


def eraser_path(side: int) -> list[tuple[float, float]]:
    """A horizontal drag through the middle of the 3, with the pen's event spacing."""
    n = max(2, round(0.8 * side / SPACING_PX))
    return [(0.1 + 0.8 * i / (n - 1), 0.48) for i in range(n)]


def scribble(points: int, side: int = 600, seed: int = 0) -> list[np.ndarray]:
    """A long, wandering pen path in canvas pixels, SPACING_PX between points, in strokes of at most
    500 points: what a child scribbling over the whole canvas for a while produces."""
    rng = np.random.default_rng(seed)
    heading = np.cumsum(rng.normal(0, 0.25, points))
    steps = SPACING_PX * np.column_stack([np.cos(heading), np.sin(heading)])
    path = np.cumsum(steps, axis=0)
    # fold the walk back into the canvas, as the window's edges would
    path = np.abs((path + side / 2) % (2 * side) - side)
    return [path[i : i + 500] for i in range(0, points, 500)]


def read_latencies(rec, runs: int) -> dict[int, tuple[float, float]]:
    """Median and p99 (ms) of `Recogniser.read` for scribbles of each length."""
    out = {}
    for n in LONG_DRAWINGS:
        strokes = scribble(n)
        rec.read(strokes)  # warm-up
        times = []
        for _ in range(max(runs, 1) * 40):
            t0 = time.perf_counter()
            rec.read(strokes)
            times.append(time.perf_counter() - t0)
        out[n] = (ms(times, 50), ms(times, 99))
    return out


def first_frame_seconds(weights: Path) -> float:
    t0 = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--weights", str(weights), "--exit-after-first-frame"],
        capture_output=True,
        text=True,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"main.py failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=BUNDLED)
    p.add_argument("--runs", type=int, default=5, help="repeat every measurement this many times")
    p.add_argument("--train-seconds", type=float, default=20, help="how long to draw while a model trains")
    p.add_argument("--only", choices=["long"], help="only the long-drawing reads (no window, no training)")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as home:
        os.environ["DIGITPAD_HOME"] = home
        rec, note = demo.load_or_random(args.weights, Path(home))
        weights = args.weights if note is None else Path(home) / "random.npz"
        if note:
            print(f"NOTE: {note}")
        print(f"model: {weights.name}, layers {rec.model.sizes}, {len(rec.pens)} rendering(s) per reading")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

        # As App.run does: one BLAS thread in the app's process (see APP_BLAS_THREADS).
        threadpool_limits(limits=APP_BLAS_THREADS)
        print(f"BLAS threads in the app: {APP_BLAS_THREADS}, as App.run sets them")
        if args.only == "long":
            for n, (median, p99) in read_latencies(rec, args.runs).items():
                print(ROW.format(f"read a {n:,}-point scribble", median, p99, "target median <= 2, p99 <= 5"))
            return 0

        app = App(rec, size=WINDOW)
        path = demo.three(SPACING_PX, app.layout.canvas.w, wobble=0)
        print(
            f"stroke: {len(path)} points, {EVENTS_PER_FRAME} mouse events per frame, "
            f"canvas {app.layout.canvas.w}px, window {WINDOW[0]}x{WINDOW[1]}"
        )
        replay(app, path)  # warm-up: first-use costs (BLAS threads, font glyphs) are not per-frame costs
        per_run = []
        for _ in range(args.runs):
            app.drawing.clear()
            app.step()
            app.read_times.clear()
            frames = replay(app, path)
            reads = list(app.read_times)
            erasing = replay(app, eraser_path(app.layout.canvas.w), button=3)
            per_run.append(
                (
                    ms(reads, 50),
                    ms(reads, 99),
                    ms(frames, 50),
                    ms(frames, 99),
                    ms(erasing, 50),
                    ms(erasing, 99),
                )
            )
        inside_runs, switches = [], {"plain -> inside": [], "inside -> plain": []}
        app.show_view("inside")
        replay(app, path)  # warm-up of the inside view's caches and glyphs
        for _ in range(args.runs):
            app.drawing.clear()
            app.step()
            frames = replay(app, path)
            inside_runs.append((ms(frames, 50), ms(frames, 99)))
            for _ in range(5):  # the digit stays on the canvas; N and back
                for name in switches:
                    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_n, mod=0, unicode="n"))
                    t0 = time.perf_counter()
                    app.step()
                    switches[name].append(time.perf_counter() - t0)
        # Frames while a model trains in the Learn view (issue 12): the Learn view's default job
        # runs in its own process while a digit is drawn over and over, for --train-seconds.
        app.show_view("learn")
        learn, training = app.panels[LEARN].learn, []
        if learn.mnist:
            learn.press("start")
            end = time.perf_counter() + args.train_seconds
            while time.perf_counter() < end and learn.busy:
                app.drawing.clear()
                training += replay(app, path)
            learn.shutdown()
        app.quit()
        pygame.quit()

        long_reads = read_latencies(rec, args.runs)
        launches = [first_frame_seconds(weights) for _ in range(args.runs)]

    med = [statistics.median(r[i] for r in per_run) for i in range(6)]
    inside_med = [statistics.median(r[i] for r in inside_runs) for i in range(2)]
    print(f"\nmedians over {args.runs} runs:")
    row = ROW
    print(row.format("preprocess + predict per update", med[0], med[1], "target median <= 2"))
    print(row.format("frame while drawing", med[2], med[3], "target p99 <= 16.7"))
    print(row.format("frame while erasing through it", med[4], med[5], "target p99 <= 16.7"))
    for n, (median, p99) in long_reads.items():
        print(row.format(f"read a {n:,}-point scribble", median, p99, "target median <= 2, p99 <= 5"))
    print(row.format("frame drawing, inside view open", inside_med[0], inside_med[1], "target p99 <= 16.7"))
    for name, times in switches.items():
        print(row.format(f"switch {name}", ms(times, 50), ms(times, 99), "target <= 50"))
    if training:
        print(row.format("frame drawing while training", ms(training, 50), ms(training, 99), "target p99 <= 16.7"))
    else:
        print("  frame drawing while training    : skipped (no MNIST here: set DIGITPAD_MNIST)")
    print(
        f"  launch to first frame           : median {statistics.median(launches):6.3f} s"
        f"    (runs: {', '.join(f'{t:.3f}' for t in launches)}; target <= 1.5 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
