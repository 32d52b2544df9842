"""Measure how well Digitpad reads drawn digits, through exactly the app's code path.

    python evaluate.py ../shared/datasets/unipen1a/unipen1a-digits.jsonl.gz --sizes --sheet errors.png
    python evaluate.py my-digits.jsonl --weights mine.npz
    python evaluate.py --mnist [DIR]
    python evaluate.py --mnist --split val       # MNIST's validation slice: to choose between models
    python evaluate.py ../shared/datasets/unipen1a/unipen1a-digits.jsonl.gz --styles --non-digits
    python evaluate.py --non-digits 50
    python evaluate.py ../shared/datasets/unipen1a/unipen1a-digits.jsonl.gz --adapt 1,2,5

Each stroke sample is replayed as a user would draw it: scaled to a realistic size on a canvas,
placed somewhere on it, its points rounded to whole pixels as mouse events are, fed into the app's
own `Drawing` (which joins consecutive events into segments and drops jitter), and read by the app's
own `Recogniser`. Data sets with writer ids are scored on their held-out test writers only (those
that training and tuning never see); `--split` chooses another part.

Besides accuracy it reports how honest the answers are (model/answer.py): at the thresholds stored
in the weights, how many drawings are wrong yet shown sure, how many right answers are shown "not
sure", how many real digits are answered "not a digit", and the first two over a range of
thresholds. `--styles` scores the handwriting styles of model/styles.py, made from the same
writers' strokes; `--non-digits` scores drawings that are no digit (model/nondigits.py), also on
their own, without a stroke file. `--adapt K` measures adapting the model to each held-out writer
from K drawings of each digit (model/adapt_bench.py).

The last line of a digit report is always `accuracy: 0.9731 (3404/3498)`.
"""

from __future__ import annotations

from model.interrupt import loaded, one_line_interrupts

one_line_interrupts("evaluate.py", hold=__name__ == "__main__")  # first: a Ctrl-C while the rest loads is held

import argparse
import atexit
import contextlib
import multiprocessing
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from model.adapt_bench import DRAWS
from model.answer import CURVE, Kind, Thresholds, curve, kinds, split, tally
from model.atomic import atomic_write, check_writable
from model.cli import positive_int, seed_int
from model.config import BUNDLED_WEIGHTS, CLASSES, FIELD, NOT_A_DIGIT
from model.data import DataError, mnist_parts
from model.drawing import Drawing
from model.jobs import exit_with_parent
from model.jsonl import describe_skipped
from model.letters import ENV_VAR, LOOKALIKES, char_of, is_no_digit, letters_of, release_letters
from model.letters import kind as letter_kind
from model.nondigits import SEEDS, non_digits
from model.preprocess import mnist_to_input
from model.recognise import Recogniser
from model.sample import Sample, StrokeDataError
from model.split import split_samples
from model.strokes import read_strokes
from model.styles import STYLES, listed, variants
from model.trainer import confusion_table, expected_calibration_error
from model.weights import WeightsError

loaded()  # a Ctrl-C pressed while the imports loaded arrives here

SHEET_BYTES = 4 << 20  # a generous size for the contact sheet PNG
CANVAS = 560  # pixels: the app's canvas on a laptop screen
SIZES = (0.2, 0.4, 0.6, 0.9)  # digit height as a fraction of the canvas
PENS = {"thin": 0.012, "normal": 0.035, "thick": 0.07}  # ink width as a fraction of the canvas
STYLE_SEED = 0  # the style variants' random choices (bar length, flag angle, ...), fixed for comparisons
NON_DIGITS = 100  # drawings of each kind for --non-digits


@dataclass
class Condition:
    name: str
    height: float = 0.6  # as a fraction of the canvas: the ink's height, or with `box` the frame's
    pen: float = PENS["normal"]
    # None: every drawing is scaled so that its ink is `height` tall, as a digit is written. A number:
    # the drawings were made in a frame this tall (1.0 for model/nondigits.py's unit box), and the
    # frame is drawn `height` tall, so each keeps its own size within it: a dot stays a dot.
    box: float | None = None


def replay(sample: Sample, cond: Condition, rng: np.random.Generator, side: int = CANVAS) -> Drawing:
    """Draw `sample` on a fresh canvas as mouse events would: whole pixels, one stroke per drag,
    somewhere on the canvas."""
    # float64: stored points are float32, whose range the span of a drawing can exceed (-3e38..3e38).
    strokes = [np.asarray(s, dtype=np.float64) for s in sample.strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = np.maximum(hi - lo, 1e-9)
    frame = h if cond.box is None else cond.box
    scale = min(cond.height * side / frame, 0.95 * side / w, 0.95 * side / h)  # a wide drawing must still fit
    size = (hi - lo) * scale
    offset = rng.uniform(0.02 * side, np.maximum(side - size - 0.02 * side, 0.02 * side + 1e-9))
    drawing = Drawing()
    for stroke in strokes:
        px = np.round((stroke - lo) * scale + offset) / side  # integer mouse positions, normalised
        drawing.begin(*px[0], cond.pen)
        for x, y in px[1:]:
            drawing.extend(x, y)
        drawing.end(*px[-1])
    return drawing


class Readings(NamedTuple):
    """What the recogniser read from each of n replayed drawings, in the samples' order."""

    images: np.ndarray  # (n, 28, 28): the inputs the network saw
    probs: np.ndarray  # (n, 10): digit probabilities, renormalised (what the bars show)
    not_digit: np.ndarray  # (n,): probability of "not a digit" (0 for a network without that output)
    extent: np.ndarray  # (n,): the ink's size as a fraction of the canvas side


def read_all(rec: Recogniser, samples: list[Sample], cond: Condition, seed: int = 0,
             workers: int | None = None) -> Readings:
    """Replay and read every sample, in the samples' order.

    Thousands of samples are shared out between worker processes (one per core); the result is the
    same as reading them one after another in this process, placements included.
    """
    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    if workers < 2 or len(samples) < PARALLEL_FROM:
        return Readings(*_read_range(rec, samples, cond, seed, 0))
    size = -(-len(samples) // (4 * workers))  # a few parts per worker, so none waits for a slow one
    starts = range(0, len(samples), size)
    with _ctrl_c_held():  # workers start here (submitting spawns them): with Ctrl-C held, they never see it
        pending = _pool(rec, workers).map(_read_part, [(samples[k : k + size], cond, seed, k) for k in starts])
    parts = list(pending)
    return Readings(*(np.concatenate(column) for column in zip(*parts)))


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


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold back SIGINT while worker processes start: they inherit the blocked signal and never get it
    (a Ctrl-C in the terminal reaches the whole group, and a worker hit while NumPy loads prints a
    screenful), while this process gets a Ctrl-C pressed meanwhile as soon as the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: the workers' initializer ignores it instead
        yield
        return
    # multiprocessing starts its resource tracker with the first worker, and *unblocks* SIGINT when
    # that is done (resource_tracker.ensure_running), so every worker after it would start without the
    # block: a Ctrl-C then hits it while it imports (seen under load). Started first, it is left alone.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def close_pools(now: bool = False) -> None:
    """Stop the worker processes (evaluate's main does when it ends; a caller of read_all may too).

    `now` (after a Ctrl-C): end them at once rather than letting them finish the parts they hold.
    """
    for _, pool in _pools.values():
        if now:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=not now, cancel_futures=now)
    _pools.clear()


def _set_recogniser(rec: Recogniser) -> None:
    global _worker_recogniser
    _worker_recogniser = rec
    # A Ctrl-C in the terminal reaches every process of the group: the parent answers it, in one
    # line; workers printing a traceback each would bury that line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()  # killed with TERM or KILL, the parent cannot stop us: we stop ourselves


def _read_part(task: tuple[list[Sample], Condition, int, int]) -> tuple[np.ndarray, ...]:
    return _read_range(_worker_recogniser, *task)


def _read_range(rec: Recogniser, samples: list[Sample], cond: Condition, seed: int,
                start: int) -> tuple[np.ndarray, ...]:
    """Read samples[start:] of a sequence whose placements are drawn from `seed` in order.

    A plain tuple, not Readings: a class of the main script cannot come back from a worker process."""
    rng = np.random.default_rng(seed)
    rng.random(PLACEMENT_DRAWS * start)  # skip the placements of the samples before this part
    images = np.empty((len(samples), FIELD, FIELD), np.float32)
    probs = np.empty((len(samples), CLASSES))
    not_digit, extent = np.empty(len(samples)), np.empty(len(samples))
    for k, s in enumerate(samples):
        reading = rec.read(replay(s, cond, rng).point_arrays(CANVAS), side=CANVAS)
        images[k], probs[k], not_digit[k], extent[k] = reading.image, reading.probs, reading.not_digit, reading.extent
    return images, probs, not_digit, extent


PLACEMENT_DRAWS = 2  # random numbers `replay` draws per sample (x and y offset)


# What evaluate.py calls each part of MNIST (`--mnist --split`); "all" is every image of the three.
MNIST_PARTS = {"test": "MNIST test set", "val": "MNIST validation slice (what train.py holds out)",
               "train": "MNIST training set less its validation slice", "all": "all of MNIST"}


def mnist_part(folder: str | None, part: str) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST images and labels of one part (model/data.py `mnist_parts`), and what to call it."""
    parts = mnist_parts(folder)
    x, y = (np.concatenate(column) for column in zip(*parts.values())) if part == "all" else parts[part]
    return x, y, MNIST_PARTS[part]


def percent(count: int, total: int) -> str:
    return f"{count / total:7.2%}" if total else "    -  "


def honest_lines(y: np.ndarray, probs: np.ndarray, not_digit: np.ndarray, extent: np.ndarray | None,
                 th: Thresholds) -> list[str]:
    """How honest the answers are at the model's own thresholds, and the curve over sure thresholds."""
    t = tally(probs, not_digit, y, extent, th)
    small = "" if extent is None else f", ink under {th.min_ink:.0%} of the canvas too small"
    lines = [f"answers at the model's thresholds (sure from {th.sure:.3f},"
             f" not a digit from {th.not_digit:.3f}{small}):"]
    for key, name, of in (("accuracy", "right", "drawings"),
                          ("wrong_and_sure", "wrong and shown sure", "drawings"),
                          ("right_but_unsure", "right but shown not sure", "right answers"),
                          ("flagged", "real digits answered 'not a digit'", "drawings")):
        count, total = t[key]
        lines.append(f"  {name:<36} {percent(count, total)}  ({count}/{total} {of})")
    lines.append("sure from   wrong and sure   right but not sure")
    for sure, wrong_sure, right_unsure in curve(probs, not_digit, y, extent, th, CURVE):
        mark = "*" if sure == th.sure else " "
        lines.append(f"{mark} {sure:7.3f}   {wrong_sure:14.2%}   {right_unsure:18.2%}")
    lines.append("(* the model's own threshold)")
    return lines


def report(y: np.ndarray, probs: np.ndarray, not_digit: np.ndarray | None = None,
           extent: np.ndarray | None = None, th: Thresholds | None = None) -> str:
    """Per-digit accuracy, the confusion matrix, calibration and (given thresholds) the answers'
    honesty; the last line is always the accuracy."""
    pred = probs.argmax(axis=1)
    lines = ["digit  accuracy      n"]
    for c in range(CLASSES):
        m = y == c
        lines.append(f"{c:>5}  {(pred[m] == c).mean() if m.any() else float('nan'):8.4f}  {m.sum():5d}")
    lines.append(confusion_table(y, pred))
    lines.append(f"expected calibration error: {expected_calibration_error(probs, y):.4f}")
    if th is not None:
        lines += honest_lines(y, probs, np.zeros(len(y)) if not_digit is None else not_digit, extent, th)
    lines.append(f"accuracy: {(pred == y).mean():.4f} ({int((pred == y).sum())}/{len(y)})")
    return "\n".join(lines)


def style_samples(samples: list[Sample], seed: int = STYLE_SEED) -> list[tuple[str, Sample]]:
    """Every style's variants of the samples' digits of its class: [(style, variant)], style by style."""
    pairs = [(s.label, s.strokes) for s in samples]
    return [(style, Sample(digit, strokes))
            for style, (digit, _) in STYLES.items() for strokes in variants(pairs, style, seed)]


def style_report(rec: Recogniser, samples: list[Sample], seed: int, whose: str) -> str:
    """Accuracy and honesty on each handwriting style, made from these writers' digits of its class."""
    made = style_samples(samples)
    r = read_all(rec, [v for _, v in made], Condition("styles"), seed)
    names = np.array([name for name, _ in made], dtype=object)
    y = np.array([v.label for _, v in made], dtype=np.int64)
    answered = kinds(r.probs, r.not_digit, r.extent, rec.thresholds)
    pred = r.probs.argmax(axis=1)
    lines = [f"handwriting styles, made from the digits of {whose} (model/styles.py, seed {STYLE_SEED}):",
             "style          accuracy  wrong and sure  not a digit      n  misread mostly as"]
    for style in STYLES:
        m = names == style
        n = int(m.sum())
        if not n:
            lines.append(f"{style:<13}         -               -            -      0")
            continue
        right = pred[m] == y[m]
        wrong_sure = int((~right & (answered[m] == Kind.SURE)).sum())
        misread = Counter(pred[m][~right].tolist()).most_common(1)
        mostly = f"{misread[0][0]} ({misread[0][1] / (~right).sum():.0%} of errors)" if misread else "-"
        lines.append(f"{style:<13}  {right.mean():8.4f}  {percent(wrong_sure, n):>14}  "
                     f"{percent(int((answered[m] == Kind.NOT_DIGIT).sum()), n):>11}  {n:5d}  {mostly}")
    return "\n".join(lines)


def non_digit_report(rec: Recogniser, per_kind: int, seed: int) -> str:
    """How often each kind of non-digit drawing is answered "not a digit", and what else it is answered.

    Each drawing keeps its own size: its unit box is drawn 60% of the canvas high, like a digit, so a
    dot stays a dot and a scribble fills the digit's space."""
    made = non_digits(per_kind, seed=SEEDS["test"])
    r = read_all(rec, [Sample(NOT_A_DIGIT, strokes, source=kind) for kind, strokes in made],
                 Condition("non-digits", box=1.0), seed)
    names = np.array([kind for kind, _ in made], dtype=object)
    answered = kinds(r.probs, r.not_digit, r.extent, rec.thresholds)
    pred = r.probs.argmax(axis=1)
    lines = [f"drawings that are no digit ({per_kind} of each kind, model/nondigits.py seed {SEEDS['test']}),"
             f" in a frame {Condition('').height:.0%} of the canvas high:",
             "kind          not a digit  otherwise mostly  shown sure"]
    for kind in dict.fromkeys(names):
        m = names == kind
        flagged = answered[m] == Kind.NOT_DIGIT
        shown = Counter(pred[m][~flagged].tolist()).most_common(1)
        mostly = f"{shown[0][0]} ({shown[0][1] / m.sum():.0%})" if shown else "-"
        lines.append(f"{kind:<13}  {flagged.mean():10.1%}  {mostly:>16}  {(answered[m] == Kind.SURE).mean():10.1%}")
    sure_by_kind = [float((answered[names == k] == Kind.SURE).mean()) for k in dict.fromkeys(names)]
    lines.append(f"shown as a sure digit, mean over the {len(sure_by_kind)} kinds: {np.mean(sure_by_kind):.2%}")
    flagged = int((answered == Kind.NOT_DIGIT).sum())
    lines.append(f"answered 'not a digit': {flagged / len(made):.4f} ({flagged}/{len(made)})")
    return "\n".join(lines)


def letter_report(rec: Recogniser, letters: list[Sample], seed: int, whose: str) -> str:
    """How real pen letters and symbols (UNIPEN 1b-1d) are answered, character by character: shown as
    a sure digit (and which), not sure, or "not a digit". Each is drawn as a digit would be (its ink
    60% of the canvas high). The summary lines average over characters, so that common letters do not
    hide rare ones; the characters a digit is written like (model/letters.py) are listed on their own
    and left out of it."""
    r = read_all(rec, letters, Condition("letters"), seed)
    chars = np.array([char_of(s) for s in letters], dtype=object)
    answered = kinds(r.probs, r.not_digit, r.extent, rec.thresholds)
    pred = r.probs.argmax(axis=1)
    head = "char  group       n   sure digit  not sure  not a digit  sure ones read as"
    rows: dict[bool, list[str]] = {True: [], False: []}
    rates: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for char in sorted(set(chars), key=lambda c: (letter_kind(c), c)):
        m = chars == char
        sure, flagged = answered[m] == Kind.SURE, answered[m] == Kind.NOT_DIGIT
        read_as = " ".join(f"{d}:{k}" for d, k in Counter(pred[m][sure].tolist()).most_common(3)) or "-"
        no_digit = is_no_digit(char)
        like = "" if no_digit else f" (like {LOOKALIKES[char]})"
        rows[no_digit].append(f"{char!s:<4}  {letter_kind(char):<6}  {int(m.sum()):5d}  {sure.mean():10.1%}  "
                              f"{(~sure & ~flagged).mean():8.1%}  {flagged.mean():11.1%}  {read_as}{like}")
        rates[no_digit].append((float(sure.mean()), float(flagged.mean())))
    lines = [f"real letters and symbols of {whose} (UNIPEN 1b-1d), drawn at 60% of a {CANVAS} px canvas:",
             "no digit is written like these (model/letters.py):", head, *rows[True]]
    if rows[False]:
        lines += ["written like a digit in many hands (not in the figures below):", head, *rows[False]]
    if rates[True]:
        sure, flagged = np.mean(rates[True], axis=0)
        lines += [f"no-digit letters and symbols, mean over {len(rates[True])} characters: shown as a sure digit "
                  f"{sure:.2%}, answered 'not a digit' {flagged:.2%}"]
    return "\n".join(lines)


# How the contact sheet marks each misread digit: the letter after its label, and its frame's colour.
MARKS = {Kind.SURE: ("S", (230, 60, 60)), Kind.UNSURE: ("?", (240, 180, 40)), Kind.NOT_DIGIT: ("X", (90, 150, 240))}


def contact_sheet(path: Path, images: np.ndarray, y: np.ndarray, probs: np.ndarray, answered: np.ndarray,
                  confidence: np.ndarray, limit: int = 300) -> int:
    """Tiles of the misread inputs, labelled 'true>predicted pp% S': the dangerous ones, shown sure
    (S, red frame), first and most confident first, then those shown not sure (?, amber) and those
    answered not a digit (X, blue). Returns how many are shown."""
    from PIL import Image, ImageDraw

    wrong = np.flatnonzero(probs.argmax(axis=1) != y)
    rank = np.array([list(MARKS).index(k) for k in answered[wrong]], np.int64)
    wrong = wrong[np.lexsort((-confidence[wrong], rank))][:limit]
    cols, zoom, label, legend = 15, 3, 14, 16
    rows = max(1, -(-len(wrong) // cols))
    tile = FIELD * zoom
    sheet = Image.new("RGB", (cols * (tile + 4), legend + rows * (tile + label + 4)), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    draw.text((4, 2), "S: wrong and shown sure    ?: shown not sure    X: answered not a digit", fill=(255, 255, 255))
    for k, i in enumerate(wrong):
        x, yy = (k % cols) * (tile + 4) + 2, legend + (k // cols) * (tile + label + 4) + 2
        letter, colour = MARKS[answered[i]]
        draw.rectangle((x - 2, yy - 2, x + tile + 1, yy + tile + 1), fill=colour)
        img = Image.fromarray((images[i] * 255).astype(np.uint8)).resize((tile, tile), Image.Resampling.NEAREST)
        sheet.paste(img.convert("RGB"), (x, yy))
        draw.text((x + 2, yy + tile + 1), f"{y[i]}>{probs[i].argmax()} {confidence[i]:.0%} {letter}", fill=colour)
    atomic_write(path, lambda f: sheet.save(f, format="PNG"))
    return len(wrong)


def write_sheet(path: str, images: np.ndarray, y: np.ndarray, probs: np.ndarray, not_digit: np.ndarray,
                extent: np.ndarray | None, th: Thresholds) -> str:
    """The contact sheet, or one line saying why it could not be written (the scores still print)."""
    answered = kinds(probs, not_digit, extent, th)
    try:
        return str(contact_sheet(Path(path), images, y, probs, answered, probs.max(axis=1) * (1 - not_digit)))
    except OSError as e:
        print(f"evaluate.py: could not write {path}: {(e.strerror or str(e)).lower()}", file=sys.stderr)
        return "none (not written)"


def adapt_ks(text: str) -> list[int]:
    """--adapt's argument: drawings of each digit to adapt on, one number or several (1,2,5)."""
    try:
        ks = [int(k) for k in text.split(",")]
    except ValueError:
        ks = []
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"must be whole numbers of at least 1 separated by commas, got {text!r}")
    return ks


def adapt_report(rec: Recogniser, samples: list[Sample], ks: list[int], draws: int, whose: str) -> None:
    """--adapt: model/adapt.py's adaptation, writer by writer, read through this script's read_all."""
    from model.adapt import AdaptConfig
    from model.adapt_bench import MIN_LEFT, adapter, load_mnist_train, report

    mnist = load_mnist_train(None, rec.meta)
    config = AdaptConfig()
    letters = release_letters("train") if rec.model.sizes[-1] > CLASSES else []
    print(f"adapting to each of the {whose} ({config}); replay: "
          + ("MNIST training digits" if mnist is not None else "no MNIST on this computer")
          + ", generated non-digits, "
          + (f"real letters and symbols of the training writers ({config.replay_letters} of each character)"
             if letters else f"no real letters (the UNIPEN 1b-1d release is not found: {ENV_VAR})")
          + f"; writers with at least K drawings of each digit and {MIN_LEFT} more")

    def read(r: Recogniser, part: list[Sample], seed: int) -> np.ndarray:
        return read_all(r, part, Condition("standard"), seed, workers=1).probs.argmax(axis=1)

    report(samples, rec, adapter(rec.model, rec.meta, config, mnist, letters), read, ks, draws,
           say=lambda line: print(line, flush=True))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?", help="stroke data set: .jsonl, .jsonl.gz or a UNIPEN .tar.gz")
    p.add_argument("--mnist", nargs="?", const="", metavar="DIR",
                   help="score MNIST instead: its test set, or the part --split names")
    p.add_argument("--weights", default=str(BUNDLED_WEIGHTS),
                   help=f"trained model (.npz) (default: the bundled {BUNDLED_WEIGHTS.name})")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip malformed lines in the stroke file (and say which) instead of stopping")
    p.add_argument("--split", choices=["test", "val", "train", "all"], default="test",
                   help="which writers of a writer-split data set (default: the held-out test writers); with"
                        " --mnist: its test set, the validation slice of its training set that train.py"
                        " holds out, the rest of the training set, or all of it")
    p.add_argument("--sizes", action="store_true", help="repeat at 20/40/60/90%% of the canvas and thin/thick pens")
    p.add_argument("--styles", action="store_true",
                   help=f"also score {listed()} made from the same writers")
    per_kind = positive_int("a whole number of drawings per kind", " (a stroke FILE goes before --non-digits)")
    p.add_argument("--non-digits", nargs="?", type=per_kind, const=NON_DIGITS, metavar="N",
                   help=f"also score N generated drawings of each kind of non-digit (default {NON_DIGITS});"
                        " works without FILE too")
    p.add_argument("--sheet", metavar="PNG", help="write a contact sheet of the misread digits")
    p.add_argument("--seed", type=seed_int, default=0, help="seed for where drawings are placed on the canvas")
    p.add_argument("--adapt", type=adapt_ks, metavar="K[,K...]",
                   help="instead of the report: adapt the model to each writer from K drawings of each digit and"
                        " read the writer's other drawings before and after (model/adapt_bench.py), e.g. 1,2,5")
    p.add_argument("--draws", type=positive_int("a whole number of draws"), default=DRAWS,
                   help=f"with --adapt: random draws of the K drawings per writer (default {DRAWS})")
    args = p.parse_args(argv)
    if args.adapt and args.file is None:
        p.error("--adapt needs a stroke data set FILE with writer ids (the UNIPEN digits)")
    if args.file is not None and args.mnist is not None:
        p.error("give a stroke data set FILE or --mnist [DIR], not both")
    if args.file is None and args.mnist is None and args.non_digits is None:
        p.error("give a stroke data set FILE, --mnist [DIR] or --non-digits [N]")
    if args.mnist is not None and (args.styles or args.non_digits is not None):
        p.error("--styles and --non-digits replay pen strokes: use them with a stroke data set FILE, not --mnist")
    if args.file is None and args.mnist is None:
        for name in ("styles", "sizes", "sheet"):
            if getattr(args, name):
                p.error(f"--{name} needs a stroke data set FILE")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        close_pools(now=True)
        print("evaluate.py: interrupted", file=sys.stderr)
        return 130
    finally:
        close_pools()


def _main(argv: list[str] | None) -> int:
    args = parse_args(argv)
    problem = args.sheet and check_writable(args.sheet, SHEET_BYTES)
    if problem:  # before the work, not after it
        print(f"evaluate.py: cannot write the sheet: {problem}", file=sys.stderr)
        return 2
    skipped: list[tuple[int, str]] = []
    samples: list[Sample] = []
    try:
        rec = Recogniser.from_file(args.weights)
        if args.mnist is not None:
            x, y, name = mnist_part(args.mnist or None, args.split)
            inputs = mnist_to_input(x, rec.style)
            imgs = inputs.reshape(-1, FIELD, FIELD)
            probs, not_digit = split(rec.model.predict_proba(inputs, rec.temperature))
            y = y.astype(np.int64)
            if args.sheet:
                sheet = write_sheet(args.sheet, imgs, y, probs, not_digit, None, rec.thresholds)
                print(f"misread digits shown in {args.sheet}: {sheet}")
            print(f"{name}, {args.weights}")
            print(report(y, probs, not_digit, None, rec.thresholds))
            return 0
        if args.file is not None:
            samples = read_strokes(args.file, "skip" if args.skip_bad else "strict", skipped)
        if skipped:
            print(describe_skipped(args.file, skipped))
    except (WeightsError, DataError, StrokeDataError, OSError) as e:
        print(f"evaluate.py: {e}", file=sys.stderr)
        return 2
    if args.file is None:  # --non-digits alone
        print(non_digit_report(rec, args.non_digits, args.seed))
        return 0
    writers = any(s.writer for s in samples)
    if args.split != "all" and writers:
        samples = split_samples(samples, args.split)
    if args.adapt:
        if not writers:
            print(f"evaluate.py: {args.file}: --adapt needs writer ids, and this file has none", file=sys.stderr)
            return 2
        adapt_report(rec, [s for s in samples if not char_of(s)], args.adapt, args.draws, f"{args.split} writers")
        return 0
    letters = letters_of(samples)
    if letters:  # a UNIPEN 1b-1d release: letters and symbols, scored as non-digits
        whose = "all writers" if args.split == "all" else f"the {args.split} writers"
        print(letter_report(rec, letters, args.seed, whose))
    if letters or any(char_of(s) for s in samples):
        samples = [s for s in samples if not char_of(s)]  # the digits (a release may hold both)
        if not samples:
            if args.non_digits is not None:
                print(non_digit_report(rec, args.non_digits, args.seed))
            return 0
    if not samples:
        print(f"evaluate.py: {args.file}: no samples to evaluate", file=sys.stderr)
        return 2
    y = np.array([s.label for s in samples])

    if args.sizes:
        conditions = [Condition(f"height {h:.0%}", height=h) for h in SIZES]
        conditions += [Condition(f"pen {name}", pen=w) for name, w in PENS.items() if name != "normal"]
        print("condition       accuracy")
        for cond in conditions:
            probs = read_all(rec, samples, cond, args.seed).probs
            print(f"{cond.name:<14}  {(probs.argmax(1) == y).mean():.4f}")
    if args.styles:
        whose = "the file" if not writers else "all writers" if args.split == "all" else f"the {args.split} writers"
        print(style_report(rec, samples, args.seed, whose))
    if args.non_digits is not None:
        print(non_digit_report(rec, args.non_digits, args.seed))
    r = read_all(rec, samples, Condition("standard"), args.seed)
    if args.sheet:
        sheet = write_sheet(args.sheet, r.images, y, r.probs, r.not_digit, r.extent, rec.thresholds)
        print(f"misread digits shown in {args.sheet}: {sheet}")
    # A file without writer ids cannot be split: say it is all of it, not "(val writers)".
    whose = f"{args.split} writers" if writers and args.split != "all" else "all writers" if writers else \
        "all of the file: it has no writer ids to split by"
    print(f"{args.file}: {len(samples)} samples ({whose}), drawn at 60% of a {CANVAS} px canvas")
    print(report(y, r.probs, r.not_digit, r.extent, rec.thresholds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
