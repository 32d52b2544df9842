"""Adapting to one writer, measured on held-out writers: `python evaluate.py FILE --adapt 1,2,5`.

For every writer with at least K drawings of each digit and MIN_LEFT more, K drawings of each digit
(drawn at random, several draws) adapt the bundled model; the writer's other drawings are read
before and after, replayed through evaluate.py's own path (the app's Drawing and Recogniser). It
prints each writer's figures (means over the draws and their spread), the pooled ones, and the
seconds each adaptation took. Every eligible writer of the split is measured: none is sampled out.

`method="finetune"` measures the old path instead (train.py --finetune as the Learn view ran it:
every weight, MNIST in the mix, four epochs); it is slow, so it is for a baseline on a few writers.
Choose settings on `--split val` only; the test writers are for the one final run.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from model.adapt import AdaptConfig, adapt, replay_inputs
from model.config import CLASSES
from model.mlp import MLP
from model.recognise import Recogniser
from model.sample import Sample
from model.split import person
from model.weights import Meta

MIN_LEFT = 20  # drawings left to read after the K of each digit: fewer, and one drawing is > 5 points
DRAWS = 3


@dataclass
class Row:
    """One writer at one K: per draw, drawings read right before and after, and the seconds taken."""

    writer: str
    read: list[int]
    before: list[int]
    after: list[int]
    adopted: list[bool]
    seconds: list[float]

    def acc(self, right: list[int]) -> np.ndarray:
        return np.array(right) / np.array(self.read)


def writers_of(samples: list[Sample]) -> dict[str, list[Sample]]:
    """Drawings by person (model/split.py person: one person's several UNIPEN ids are one writer)."""
    by: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        if s.writer and 0 <= s.label < CLASSES:
            by[person(s.writer)].append(s)
    return dict(sorted(by.items()))


def eligible(drawings: list[Sample], k: int) -> bool:
    counts = Counter(s.label for s in drawings)
    return min(counts.get(d, 0) for d in range(CLASSES)) >= k and len(drawings) - CLASSES * k >= MIN_LEFT


def draw_k(drawings: list[Sample], k: int, rng: np.random.Generator) -> tuple[list[Sample], list[Sample]]:
    """K drawings of each digit at random to adapt on, and the rest to read."""
    labels = np.array([s.label for s in drawings])
    pick = set(np.concatenate([rng.permutation(np.flatnonzero(labels == d))[:k] for d in range(CLASSES)]).tolist())
    return [drawings[i] for i in sorted(pick)], [s for i, s in enumerate(drawings) if i not in pick]


Adapter = Callable[[list[Sample], int], tuple[MLP, bool]]
# Reads drawings as evaluate.py does (its read_all: replayed on a canvas through the app's Drawing and
# Recogniser, placements drawn from the seed) and returns the digit each was read as. evaluate.py
# passes its own, so this module does not import the script.
Reader = Callable[[Recogniser, list[Sample], int], np.ndarray]


def adapter(model: MLP, meta: Meta, config: AdaptConfig, mnist: tuple[np.ndarray, np.ndarray] | None,
            letters: list[Sample] | None = None) -> Adapter:
    """The adaptation measured: model/adapt.py with `config`, the replay mix made once (`letters`: the
    training writers' letters and symbols, as the Learn view replays them when the release is here)."""
    not_digits = config.replay_non_digits if model.sizes[-1] > CLASSES else 0
    replay = replay_inputs(mnist, config.replay_per_class, meta, not_digits, letters=letters,
                           per_char=config.replay_letters)

    def run(drawings: list[Sample], seed: int) -> tuple[MLP, bool]:
        result = adapt(model, meta, drawings, config, replay, seed)
        return result.model, result.adopted

    return run


def finetune_adapter(model: MLP, meta: Meta, mnist: tuple[np.ndarray, np.ndarray], limit: int = 20_000) -> Adapter:
    """The old path, as model/jobs.py's _finetune trained: the finetune recipe on every weight, the
    drawings repeated to a fifth of the epoch among `limit` MNIST digits, non-digits for the 11th output."""
    from model.coverage import render_samples
    from model.jobs import _with_non_digits
    from model.trainer import RECIPES, train

    x_mnist, y_mnist = mnist[0][:limit], mnist[1][:limit]

    def run(drawings: list[Sample], seed: int) -> tuple[MLP, bool]:
        tuned = MLP.from_arrays([w.copy() for w in model.weights], [b.copy() for b in model.biases], model.activation)
        base = RECIPES["finetune"]
        recipe = replace(base, sizes=tuple(model.sizes), activation=model.activation, seed=seed,
                         not_digits=base.not_digits if model.sizes[-1] > CLASSES else 0)
        xs, ys = render_samples(drawings, meta.style, recipe.stroke_copies, seed=seed)
        reps = int(np.clip(round(0.25 * len(x_mnist) / max(len(xs), 1)), 1, 50))
        x, y = np.concatenate([x_mnist, np.tile(xs, (reps, 1))]), np.concatenate([y_mnist, np.tile(ys, reps)])
        x, y, _ = _with_non_digits(x, y, recipe, meta.style)
        train(tuned, recipe, x, y, {}, progress=False)
        return tuned, True

    return run


def measure(samples: list[Sample], rec: Recogniser, run: Adapter, read: Reader, k: int, draws: int = DRAWS,
            seed: int = 0, say: Callable[[str], None] = print) -> list[Row]:
    """Every eligible writer at one K, `draws` random draws each; one line per writer as it is done."""
    rows = []
    writers = {w: d for w, d in writers_of(samples).items() if eligible(d, k)}
    for i, (writer, drawings) in enumerate(writers.items()):
        row = Row(writer, [], [], [], [], [])
        for draw in range(draws):
            rng = np.random.default_rng([seed, k, i, draw])
            learn, rest = draw_k(drawings, k, rng)
            y = np.array([s.label for s in rest])
            started = time.perf_counter()
            tuned, adopted = run(learn, draw)
            row.seconds.append(time.perf_counter() - started)
            before = read(rec, rest, draw)
            # A kept model reads exactly as before; the same placements (seed) for both readings.
            after = read(Recogniser(tuned, rec.meta), rest, draw) if adopted else before
            row.read.append(len(rest))
            row.before.append(int((before == y).sum()))
            row.after.append(int((after == y).sum()))
            row.adopted.append(adopted)
        rows.append(row)
        say(line(row))
    return rows


def line(row: Row) -> str:
    b, a = row.acc(row.before), row.acc(row.after)
    gain = (a - b) * 100
    return (f"{row.writer:<20} {int(np.mean(row.read)):5d}  {b.mean():7.2%}  {a.mean():7.2%}  {gain.mean():+6.2f}"
            f"  {gain.min():+6.2f} .. {gain.max():+6.2f}  {sum(row.adopted):3d}/{len(row.adopted)}"
            f"  {np.median(row.seconds):6.2f}")


HEADER = "writer                read   before    after   gain   gain over draws  adopted  seconds (median)"


def pooled(rows: list[Row], k: int) -> str:
    """Pooled accuracy (all read drawings of all writers), per draw, then mean and spread over the draws."""
    if not rows:
        return f"K={k}: no writer has {k} drawings of each digit and {MIN_LEFT} more"
    draws = len(rows[0].read)
    read = np.array([sum(r.read[d] for r in rows) for d in range(draws)])
    before = np.array([sum(r.before[d] for r in rows) for d in range(draws)]) / read
    after = np.array([sum(r.after[d] for r in rows) for d in range(draws)]) / read
    gain = (after - before) * 100
    per_writer = np.array([((r.acc(r.after) - r.acc(r.before)) * 100).mean() for r in rows])
    worst = rows[int(per_writer.argmin())]
    seconds = np.concatenate([r.seconds for r in rows])
    return "\n".join([
        f"K={k} pooled over {len(rows)} writers ({int(read.mean())} drawings read per draw), mean over {draws} draws:"
        f" before {before.mean():.2%}, after {after.mean():.2%}, gain {gain.mean():+.2f} points"
        f" (sd {gain.std(ddof=1) if draws > 1 else 0.0:.2f}, min {gain.min():+.2f}, max {gain.max():+.2f})",
        f"K={k} writers gaining {int((per_writer > 0).sum())}, losing {int((per_writer < 0).sum())};"
        f" worst writer {worst.writer} {per_writer.min():+.2f} points (mean over draws);"
        f" adopted {sum(sum(r.adopted) for r in rows)}/{len(rows) * draws}",
        f"K={k} seconds per adaptation: median {np.median(seconds):.2f}, max {seconds.max():.2f}"
        f" ({len(seconds)} adaptations, one process, OPENBLAS_NUM_THREADS as set)",
    ])


def report(samples: list[Sample], rec: Recogniser, run: Adapter, read: Reader, ks: list[int], draws: int = DRAWS,
           seed: int = 0, say: Callable[[str], None] = print) -> dict[int, list[Row]]:
    """measure() at each K, printing the table and the pooled lines."""
    out = {}
    for k in ks:
        say(f"\nK={k}: {k} drawing(s) of each digit adapt the model, the writer's other drawings are read"
            f" before and after ({draws} random draws per writer)")
        say(HEADER)
        out[k] = measure(samples, rec, run, read, k, draws, seed, say)
        say(pooled(out[k], k))
    return out


def load_mnist_train(data: str | None, meta: Meta, limit: int = 20_000) -> tuple[np.ndarray, np.ndarray] | None:
    """The first `limit` digits of MNIST's training part (less its validation slice) as network inputs;
    None when MNIST is not on this computer."""
    from model.data import DataError, find_mnist, mnist_parts
    from model.preprocess import mnist_to_input

    try:
        x, y = mnist_parts(find_mnist(data, download=False), download=False, limit=limit)["train"]
    except DataError:
        return None
    return mnist_to_input(x, meta.style), y
