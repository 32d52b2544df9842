"""Measure how well Digitpad reads drawn digits, through exactly the app's code path.

    python evaluate.py ../shared/datasets/unipen1a/unipen1a-digits.jsonl.gz --sizes --sheet errors.png
    python evaluate.py my-digits.jsonl --weights mine.npz
    python evaluate.py --mnist [DIR]

Each stroke sample is replayed as a user would draw it: scaled to a realistic size on a canvas,
placed somewhere on it, its points rounded to whole pixels as mouse events are, fed into the app's
own `Drawing` (which joins consecutive events into segments and drops jitter), and read by the app's
own `Recogniser`. Data sets with writer ids are scored on their held-out test writers only (those
that training and tuning never see); `--split` chooses another part.

The last line is always `accuracy: 0.9731 (3404/3498)`.
"""

from __future__ import annotations

import argparse
import atexit
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.atomic import atomic_write, check_writable
from model.config import BUNDLED_WEIGHTS, CLASSES, FIELD
from model.data import DataError, load_mnist
from model.drawing import Drawing
from model.jsonl import describe_skipped
from model.preprocess import mnist_to_input
from model.recognise import Recogniser
from model.sample import Sample, StrokeDataError
from model.split import split_samples
from model.strokes import read_strokes
from model.trainer import confusion_table, expected_calibration_error
from model.weights import WeightsError

SHEET_BYTES = 4 << 20  # a generous size for the contact sheet PNG
CANVAS = 560  # pixels: the app's canvas on a laptop screen
SIZES = (0.2, 0.4, 0.6, 0.9)  # digit height as a fraction of the canvas
PENS = {"thin": 0.012, "normal": 0.035, "thick": 0.07}  # ink width as a fraction of the canvas


@dataclass
class Condition:
    name: str
    height: float = 0.6
    pen: float = PENS["normal"]


def replay(sample: Sample, cond: Condition, rng: np.random.Generator, side: int = CANVAS) -> Drawing:
    """Draw `sample` on a fresh canvas as mouse events would: whole pixels, one stroke per drag."""
    pts = np.concatenate(sample.strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = np.maximum(hi - lo, 1e-9)
    scale = min(cond.height * side / h, 0.95 * side / w)  # a wide digit must still fit
    size = (hi - lo) * scale
    offset = rng.uniform(0.02 * side, np.maximum(side - size - 0.02 * side, 0.02 * side + 1e-9))
    drawing = Drawing()
    for stroke in sample.strokes:
        px = np.round((stroke - lo) * scale + offset) / side  # integer mouse positions, normalised
        drawing.begin(*px[0], cond.pen)
        for x, y in px[1:]:
            drawing.extend(x, y)
        drawing.end(*px[-1])
    return drawing


def read_all(rec: Recogniser, samples: list[Sample], cond: Condition, seed: int = 0,
             workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Replay and read every sample: (inputs the network saw, probabilities), in the samples' order.

    Thousands of samples are shared out between worker processes (one per core); the result is the
    same as reading them one after another in this process, placements included.
    """
    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    if workers < 2 or len(samples) < PARALLEL_FROM:
        return _read_range(rec, samples, cond, seed, 0)
    size = -(-len(samples) // (4 * workers))  # a few parts per worker, so none waits for a slow one
    starts = range(0, len(samples), size)
    parts = list(_pool(rec, workers).map(_read_part, [(samples[k : k + size], cond, seed, k) for k in starts]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


PARALLEL_FROM = 1500  # samples; fewer are read in this process (starting workers costs about a second)
_pools: dict[tuple[int, int], tuple[Recogniser, ProcessPoolExecutor]] = {}
_worker_recogniser: Recogniser | None = None


def _pool(rec: Recogniser, workers: int) -> ProcessPoolExecutor:
    """Worker processes holding `rec`, started once and kept for the next conditions (--sizes reads
    the same drawings seven times)."""
    key = (id(rec), workers)
    if key not in _pools or _pools[key][0] is not rec:  # (the recogniser is kept, so its id stays its own)
        context = multiprocessing.get_context("spawn")  # the same on Windows, macOS and Linux
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_set_recogniser, initargs=(rec,))
        atexit.register(pool.shutdown)
        _pools[key] = (rec, pool)
    return _pools[key][1]


def close_pools() -> None:
    """Stop the worker processes (evaluate's main does when it ends; a caller of read_all may too)."""
    for _, pool in _pools.values():
        pool.shutdown()
    _pools.clear()


def _set_recogniser(rec: Recogniser) -> None:
    global _worker_recogniser
    _worker_recogniser = rec


def _read_part(task: tuple[list[Sample], Condition, int, int]) -> tuple[np.ndarray, np.ndarray]:
    return _read_range(_worker_recogniser, *task)


def _read_range(rec: Recogniser, samples: list[Sample], cond: Condition, seed: int, start: int):
    """Read samples[start:] of a sequence whose placements are drawn from `seed` in order."""
    rng = np.random.default_rng(seed)
    rng.random(PLACEMENT_DRAWS * start)  # skip the placements of the samples before this part
    images = np.empty((len(samples), 28, 28), np.float32)
    probs = np.empty((len(samples), 10))
    for k, s in enumerate(samples):
        reading = rec.read(replay(s, cond, rng).point_arrays(CANVAS))
        images[k], probs[k] = reading.image, reading.probs
    return images, probs


PLACEMENT_DRAWS = 2  # random numbers `replay` draws per sample (x and y offset)


def report(y: np.ndarray, probs: np.ndarray) -> str:
    pred = probs.argmax(axis=1)
    lines = ["digit  accuracy      n"]
    for c in range(CLASSES):
        m = y == c
        lines.append(f"{c:>5}  {(pred[m] == c).mean() if m.any() else float('nan'):8.4f}  {m.sum():5d}")
    lines.append(confusion_table(y, pred))
    lines.append(f"expected calibration error: {expected_calibration_error(probs, y):.4f}")
    lines.append(f"accuracy: {(pred == y).mean():.4f} ({int((pred == y).sum())}/{len(y)})")
    return "\n".join(lines)


def contact_sheet(path: Path, images: np.ndarray, y: np.ndarray, probs: np.ndarray, limit: int = 300) -> int:
    """Tiles of the misread inputs, labelled 'true>predicted pp%'. Returns how many are shown."""
    from PIL import Image, ImageDraw

    wrong = np.flatnonzero(probs.argmax(axis=1) != y)[:limit]
    cols, zoom, label = 15, 3, 14
    rows = max(1, -(-len(wrong) // cols))
    tile = FIELD * zoom
    sheet = Image.new("L", (cols * (tile + 4), rows * (tile + label + 4)), 40)
    draw = ImageDraw.Draw(sheet)
    for k, i in enumerate(wrong):
        x, yy = (k % cols) * (tile + 4) + 2, (k // cols) * (tile + label + 4) + 2
        img = Image.fromarray((images[i] * 255).astype(np.uint8)).resize((tile, tile), Image.Resampling.NEAREST)
        sheet.paste(img, (x, yy))
        p = probs[i]
        draw.text((x + 2, yy + tile + 1), f"{y[i]}>{p.argmax()} {p.max():.0%}", fill=255)
    atomic_write(path, lambda f: sheet.save(f, format="PNG"))
    return len(wrong)


def write_sheet(path: str, images: np.ndarray, y: np.ndarray, probs: np.ndarray) -> str:
    """The contact sheet, or one line saying why it could not be written (the scores still print)."""
    try:
        return str(contact_sheet(Path(path), images, y, probs))
    except OSError as e:
        print(f"evaluate.py: could not write {path}: {(e.strerror or str(e)).lower()}", file=sys.stderr)
        return "none (not written)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?", help="stroke data set: .jsonl, .jsonl.gz or a UNIPEN .tar.gz")
    p.add_argument("--mnist", nargs="?", const="", metavar="DIR", help="score the MNIST test set instead")
    p.add_argument("--weights", default=str(BUNDLED_WEIGHTS),
                   help=f"trained model (.npz) (default: the bundled {BUNDLED_WEIGHTS.name})")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip malformed lines in the stroke file (and say which) instead of stopping")
    p.add_argument("--split", choices=["test", "val", "train", "all"], default="test",
                   help="which writers of a writer-split data set (default: the held-out test writers)")
    p.add_argument("--sizes", action="store_true", help="repeat at 20/40/60/90%% of the canvas and thin/thick pens")
    p.add_argument("--sheet", metavar="PNG", help="write a contact sheet of the misread digits")
    p.add_argument("--seed", type=int, default=0, help="seed for where digits are placed on the canvas")
    args = p.parse_args(argv)
    if (args.file is None) == (args.mnist is None):
        p.error("give a stroke data set FILE or --mnist [DIR], not both")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        close_pools()


def _main(argv: list[str] | None) -> int:
    args = parse_args(argv)
    problem = args.sheet and check_writable(args.sheet, SHEET_BYTES)
    if problem:  # before the work, not after it
        print(f"evaluate.py: cannot write the sheet: {problem}", file=sys.stderr)
        return 2
    skipped: list[tuple[int, str]] = []
    try:
        rec = Recogniser.from_file(args.weights)
        if args.mnist is not None:
            _, _, x, y = load_mnist(args.mnist or None)
            inputs = mnist_to_input(x, rec.style)
            imgs = inputs.reshape(-1, FIELD, FIELD)
            probs = rec.model.predict_proba(inputs, rec.temperature)
            y = y.astype(np.int64)
            if args.sheet:
                print(f"misread digits shown in {args.sheet}: {write_sheet(args.sheet, imgs, y, probs)}")
            print(f"MNIST test set, {args.weights}")
            print(report(y, probs))
            return 0
        samples = read_strokes(args.file, "skip" if args.skip_bad else "strict", skipped)
        if skipped:
            print(describe_skipped(args.file, skipped))
    except (WeightsError, DataError, StrokeDataError, OSError) as e:
        print(f"evaluate.py: {e}", file=sys.stderr)
        return 2
    if args.split != "all" and any(s.writer for s in samples):
        samples = split_samples(samples, args.split)
    if not samples:
        print(f"evaluate.py: {args.file}: no samples to evaluate", file=sys.stderr)
        return 2
    y = np.array([s.label for s in samples])

    if args.sizes:
        conditions = [Condition(f"height {h:.0%}", height=h) for h in SIZES]
        conditions += [Condition(f"pen {name}", pen=w) for name, w in PENS.items() if name != "normal"]
        print("condition       accuracy")
        for cond in conditions:
            _, probs = read_all(rec, samples, cond, args.seed)
            print(f"{cond.name:<14}  {(probs.argmax(1) == y).mean():.4f}")
    images, probs = read_all(rec, samples, Condition("standard"), args.seed)
    if args.sheet:
        print(f"misread digits shown in {args.sheet}: {write_sheet(args.sheet, images, y, probs)}")
    print(f"{args.file}: {len(samples)} samples ({args.split} writers), drawn at 60% of a {CANVAS} px canvas")
    print(report(y, probs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
