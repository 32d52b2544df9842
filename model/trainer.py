"""Training recipes and the training loop (no argument parsing here: that is train.py's job)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar
from threadpoolctl import threadpool_info
from tqdm import tqdm

from model.augment import Augment, Augmenter
from model.config import CLASSES, HIDDEN, INPUTS, layer_sizes
from model.fast import SkipBlankSGD
from model.fast import logits as fast_logits
from model.mlp import ACTIVATIONS, INITS, LOSSES, MLP, log_softmax, softmax


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a training run. The layer sizes are derived, never stored: 784 inputs,
    the `hidden` widths, and ten outputs plus "not a digit" exactly when non-digits are trained."""

    hidden: tuple[int, ...] = (HIDDEN,)  # hidden layer widths, input side first
    activation: str = "relu"
    init: str = "he"
    loss: str = "xent"
    epochs: int = 100
    batch: int = 100
    lr: float = 0.05
    schedule: str = "cosine"  # "cosine" (to zero) or "exp" (lr * decay**epoch)
    decay: float = 0.9
    momentum: float = 0.9
    weight_decay: float = 0.0
    dropout: float = 0.0  # inverted dropout on hidden units while training (0 = off)
    grad_sum: bool = False  # the original project summed (not averaged) batch gradients
    augment: bool = True
    stroke_copies: int = 2  # renderings per training stroke sample, each with its own pen width
    mnist_copies: int = 1  # times each MNIST training image is in an epoch (each augmented anew)
    stroke_jitter: float = 0.0  # renderings after the first move, turn and slant strokes this much
    styles: bool = False  # add model/styles.py's handwriting styles, made from training writers' digits
    not_digits: int = 0  # non-digit drawings per kind for an 11th output, "not a digit" (0: ten outputs)
    # Real pen letters and symbols per character (model/letters.py), from the training writers of a
    # UNIPEN 1b-1d release given as stroke data; for the "not a digit" output too (0: none).
    letters: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.hidden, tuple):  # a list from JSON or argparse: frozen means hashable
            object.__setattr__(self, "hidden", tuple(self.hidden))
        for name, (ok, what) in RULES.items():
            value = getattr(self, name)
            if not ok(value):
                raise ValueError(f"recipe {name} must be {what}, got {value!r}")

    @property
    def outputs(self) -> int:
        return outputs_for(self.not_digits)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Every layer's width, input to output: what MLP and the weights file take."""
        return layer_sizes(self.hidden, self.outputs)

    def to_dict(self) -> dict:
        """The recipe as weights files and the sweep cache store it: `sizes` (the whole network, as
        it was written before the hidden widths were a field of their own) in place of `hidden`."""
        fields = asdict(self)
        del fields["hidden"]
        return {"sizes": self.sizes, **fields}

    @classmethod
    def from_dict(cls, fields: dict) -> Recipe:
        """The recipe `to_dict` wrote. ValueError when its sizes do not fit it: another input size,
        or an output count that does not follow its non-digits."""
        fields = dict(fields)
        sizes = fields.pop("sizes", None)
        if sizes is None:
            return cls(**fields)
        recipe = cls(hidden=tuple(sizes[1:-1]), **fields)
        if tuple(sizes) != recipe.sizes:
            raise ValueError(f"recipe sizes must be {INPUTS} inputs, hidden layers and {recipe.outputs} outputs with "
                             f"not_digits {recipe.not_digits} (an 11th output only when there are non-digits to "
                             f"train it), got {tuple(sizes)}")
        return recipe


def outputs_for(not_digits: int) -> int:
    """The output layer's size: ten digits, plus "not a digit" when non-digits are trained."""
    return CLASSES + (not_digits > 0)


SCHEDULES = ("cosine", "exp")


def _finite(v: float) -> bool:
    return math.isfinite(v)


# What each Recipe field may hold, as (test, words for the error). train.py's argument parser uses
# the same table, so a bad value is an argparse error there and a ValueError anywhere else.
RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "hidden": (lambda v: all(type(n) is int and n >= 1 for n in v), "hidden layer sizes >= 1"),
    "activation": (lambda v: v in ACTIVATIONS, f"one of {', '.join(ACTIVATIONS)}"),
    "init": (lambda v: v in INITS, f"one of {', '.join(INITS)}"),
    "loss": (lambda v: v in LOSSES, f"one of {', '.join(LOSSES)}"),
    "epochs": (lambda v: v >= 1, "at least 1"),
    "batch": (lambda v: v >= 1, "at least 1"),
    "lr": (lambda v: _finite(v) and v > 0, "a positive number"),
    "schedule": (lambda v: v in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
    "decay": (lambda v: _finite(v) and 0 < v <= 1, "in (0, 1]"),
    "momentum": (lambda v: _finite(v) and 0 <= v < 1, "in [0, 1)"),
    "weight_decay": (lambda v: _finite(v) and v >= 0, "zero or more"),
    "dropout": (lambda v: _finite(v) and 0 <= v < 1, "in [0, 1)"),
    "stroke_copies": (lambda v: v >= 1, "at least 1"),
    "mnist_copies": (lambda v: v >= 1, "at least 1"),
    "stroke_jitter": (lambda v: _finite(v) and 0 <= v <= 3, "in [0, 3]"),
    "not_digits": (lambda v: v >= 0, "zero or more"),
    "letters": (lambda v: v >= 0, "zero or more"),
    "seed": (lambda v: v >= 0, "zero or more"),
}


RECIPES = {
    # The bundled model: augmentation does the regularising, cosine decay anneals it at the end; the
    # styles MNIST lacks and drawings that are no digit cover the hands a class really has. Four
    # renderings of each pen-drawn digit and MNIST twice per epoch were chosen on validation data
    # (validation writers and MNIST's validation split) among 2/1, 4/1, 4/1 for 150 epochs and 4/2;
    # 200 epochs among 100 and 200; seed 0 among seeds 0-3 once slashed zeros joined the styles
    # (README: The bundled model).
    "default": Recipe(epochs=100, stroke_copies=4, mnist_copies=2, styles=True,
                      not_digits=200, letters=400, seed=0),
    # The school project this started from: 98.51% on MNIST.
    "original": Recipe(
        epochs=15, batch=50, lr=0.01, schedule="exp", decay=0.9, momentum=0.0, grad_sum=True, augment=False
    ),
    # Retraining live in a lesson: about a minute on a 2-core laptop, >= 98% on MNIST.
    "quick": Recipe(epochs=8, batch=100, lr=0.1, augment=False, stroke_copies=1),
    # Adapting a trained model to a class's handwriting, starting from its weights (their output
    # count wins: non-digits are mixed in only for a network that has the extra output).
    "finetune": Recipe(epochs=4, batch=100, lr=0.01, stroke_copies=4, not_digits=100),
}


def lr_at(recipe: Recipe, epoch: float) -> float:
    """Learning rate at a (fractional) epoch; per-batch for cosine, per-epoch for exponential."""
    if recipe.schedule == "exp":
        return recipe.lr * recipe.decay ** math.floor(epoch)
    if recipe.schedule == "cosine":
        return recipe.lr * 0.5 * (1 + math.cos(math.pi * min(epoch / recipe.epochs, 1.0)))
    raise ValueError(f"unknown schedule {recipe.schedule!r}; choose cosine or exp")


CHUNK = 10_000  # samples per chunk: big enough to vectorise augmentation, small enough for cache


def augment_workers() -> int:
    """Threads to augment a chunk with: as many as BLAS may use here (OPENBLAS_NUM_THREADS=1, or a
    limit set by the app, means one), at most 4. The images are the same however many."""
    threads = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return max(1, min(max(threads, default=os.cpu_count() or 1), 4))


class Diverged(RuntimeError):
    """Training loss became NaN or exploded; the message says what to try."""


class Cancelled(KeyboardInterrupt):
    """`should_stop()` asked training to stop. A KeyboardInterrupt, so code that already handles
    Ctrl+C (leave the model consistent, save nothing) handles a cancel the same way."""


@dataclass
class EpochReport:
    epoch: int
    loss: float
    lr: float
    seconds: float
    val: dict[str, float] = field(default_factory=dict)  # name -> accuracy


def bars_in_a_stoppable_process() -> None:
    """Call first in a process that may be stopped mid-training (a Learn job, a sweep's worker).

    tqdm makes a cross-process lock (a named semaphore) with its first bar, even a disabled one; a
    process terminated mid-run never releases it, and multiprocessing then warns of "leaked semaphore
    objects" when the app or the sweep exits. Such a process draws no bars: a thread lock will do.
    """
    import threading

    tqdm.set_lock(threading.RLock())


def accuracy(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    if len(y) == 0:
        return float("nan")
    return float((logits_of(model, x).argmax(axis=1) == y).mean())


def train(
    model: MLP,
    recipe: Recipe,
    x: np.ndarray,
    y: np.ndarray,
    val: dict[str, tuple[np.ndarray, np.ndarray]],
    on_epoch: Callable[[EpochReport], None] = lambda r: None,
    progress: bool = True,
    on_progress: Callable[[float, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[EpochReport]:
    """Train in place on (n, 784) float32 inputs in [0, 1]; returns one report per epoch.

    `on_progress(epochs_done, running_loss)` is called after every chunk of at most 10,000 samples
    (a live loss curve); `should_stop()` is asked between batches and, when it says yes, training
    stops with `Cancelled`. Raises Diverged as soon as the loss is NaN/inf or explodes; a
    KeyboardInterrupt propagates after the current batch. Either way the model stays consistent.
    """
    rng = np.random.default_rng(recipe.seed)
    augmenter = Augmenter(Augment(), seed=recipe.seed + 1, workers=augment_workers()) if recipe.augment else None
    # Dropout draws from its own stream, so switching it on leaves the shuffling and augmentation alone.
    # SkipBlankSGD: model/mlp.py's SGD step, fused, skipping the input pixels blank in a whole batch.
    dropout_rng = np.random.default_rng([recipe.seed, 7])
    opt = SkipBlankSGD(model, recipe.momentum, recipe.weight_decay, recipe.dropout, dropout_rng)
    scale = recipe.batch if recipe.grad_sum else 1  # summed gradients = mean gradients * batch size
    steps = math.ceil(len(x) / recipe.batch)
    watch = DivergenceWatch(recipe)
    reports = []
    chunks = Chunks(x, y, recipe, rng, augmenter)
    try:
        for epoch in range(recipe.epochs):
            t0 = time.perf_counter()
            losses = []
            bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{recipe.epochs}", leave=False, disable=not progress)
            for c, xc, yc in chunks.epoch():
                for b in range(0, len(yc), recipe.batch):
                    if should_stop is not None and should_stop():
                        bar.close()
                        raise Cancelled(f"training cancelled in epoch {epoch + 1}")
                    lr = lr_at(recipe, epoch + (c + b) / len(x)) * scale
                    losses.append(opt.step(xc[b : b + recipe.batch], yc[b : b + recipe.batch], lr, recipe.loss))
                    watch.check(losses[-1], epoch, bar)
                    bar.update()
                if on_progress is not None:
                    on_progress(epoch + (c + len(yc)) / len(x), float(np.mean(losses[-50:])))
            bar.close()
            report = EpochReport(
                epoch=epoch + 1,
                loss=float(np.mean(losses)),
                lr=lr_at(recipe, epoch) * scale,
                seconds=time.perf_counter() - t0,
                val={name: accuracy(model, vx, vy) for name, (vx, vy) in val.items()},
            )
            reports.append(report)
            on_epoch(report)
    finally:
        chunks.close()
    return reports


class DivergenceWatch:
    """Stops training at the first sign of divergence: a NaN/inf loss, or a recent mean loss ten times
    that of the first batch. Checked after every batch, so a bad learning rate stops in a second."""

    def __init__(self, recipe: Recipe, window: int = 5) -> None:
        self.recipe, self.window = recipe, window
        self.first: float | None = None
        self.recent: list[float] = []

    def check(self, loss: float, epoch: int, bar: tqdm) -> None:
        self.first = loss if self.first is None else self.first
        self.recent = [*self.recent[-(self.window - 1) :], loss]
        running = sum(self.recent) / len(self.recent)
        if math.isfinite(running) and running <= 10 * max(self.first, 0.5):
            return
        bar.close()
        r = self.recent
        hint = f"try a smaller learning rate, e.g. --lr {self.recipe.lr / 10:.3g}"
        if self.recipe.grad_sum:
            hint += f" or --no-grad-sum (summed gradients are {self.recipe.batch}x larger than averaged ones)"
        raise Diverged(
            f"training diverged in epoch {epoch + 1} (batch loss {r[-1]:.3g}, first batch {self.first:.3g}); "
            f"{hint}. Nothing was saved."
        )


class Chunks:
    """An epoch as chunks of at most CHUNK shuffled samples: (offset in the epoch, inputs, labels).

    With augmentation a chunk is augmented when training reaches it, its blocks shared between the
    augmenter's threads (one per core) while BLAS waits. Augmenting in a background thread during
    training was tried: on two cores its thread took a core from BLAS's two, and every product then
    waited for its descheduled half (an augmented epoch cost 1.75-1.9x a plain one on a quiet machine).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, recipe: Recipe, rng: np.random.Generator,
                 augmenter: Augmenter | None) -> None:
        self.x, self.y, self.rng, self.augmenter = x, y, rng, augmenter

    def epoch(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        order = self.rng.permutation(len(self.x))
        for c in range(0, len(self.x), CHUNK):
            idx = order[c : c + CHUNK]
            if self.augmenter is None:
                # Gathering batch by batch avoids copying 30 MB per chunk (large fresh arrays cost page
                # faults, not just copying): a lazy view that gathers rows when sliced.
                yield c, _Rows(self.x, idx), self.y[idx]
            else:
                yield c, self.augmenter(self.x[idx]), self.y[idx]

    def close(self) -> None:
        if self.augmenter is not None:
            self.augmenter.close()


class _Rows:
    """x[idx][a:b] computed as x[idx[a:b]]: rows gathered only when a batch is taken."""

    def __init__(self, x: np.ndarray, idx: np.ndarray) -> None:
        self.x, self.idx = x, idx

    def __getitem__(self, s: slice) -> np.ndarray:
        return self.x[self.idx[s]]


# ---------------------------------------------------------------------------------------------
# Honest probabilities: temperature scaling (Guo et al. 2017) and the expected calibration error.


def logits_of(model: MLP, x: np.ndarray, batch: int = 2000) -> np.ndarray:
    """Logits of many inputs, in batches, through the training loop's BLAS (see model/fast.py)."""
    return fast_logits(model, x, batch)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The T > 0 minimising validation negative log-likelihood of softmax(logits / T)."""

    def nll(log_t: float) -> float:
        return -float(log_softmax(logits / math.exp(log_t))[np.arange(len(y)), y].mean())

    res = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return float(math.exp(res.x))


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Mean |confidence - accuracy| over equal-width confidence bins, weighted by bin size."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(ece)


def confusion_table(y: np.ndarray, pred: np.ndarray) -> str:
    """The confusion matrix as text: rows are true digits, columns predictions (a last column "none"
    when some drawings were answered "not a digit" by a network with that output)."""
    cols = CLASSES + 1 if len(pred) and pred.max() >= CLASSES else CLASSES
    m = np.zeros((CLASSES, cols), np.int64)
    np.add.at(m, (y, pred), 1)
    head = "      " + "".join(f"{c:>6}" for c in [*range(CLASSES), "none"][:cols])
    rows = [f"{r:>6}" + "".join(f"{v:>6}" for v in m[r]) for r in range(CLASSES)]
    return "\n".join(["confusion matrix (rows: true digit, columns: predicted)", head, *rows])


def calibration(logits: np.ndarray, y: np.ndarray, temperature: float) -> tuple[float, float]:
    """ECE at T=1 and at the given temperature."""
    return (
        expected_calibration_error(softmax(logits), y),
        expected_calibration_error(softmax(logits / temperature), y),
    )
