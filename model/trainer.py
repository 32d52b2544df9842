"""Training recipes and the training loop (no argument parsing here: that is train.py's job)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.optimize import minimize_scalar
from tqdm import tqdm

from model.augment import Augment, Augmenter
from model.config import CLASSES, INPUTS
from model.mlp import ACTIVATIONS, INITS, LOSSES, MLP, SGD, log_softmax, softmax
from model.preprocess import Style, strokes_to_input
from model.strokes import Sample


@dataclass(frozen=True)
class Recipe:
    sizes: tuple[int, ...] = (INPUTS, 925, CLASSES)
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
    seed: int = 0

    def __post_init__(self) -> None:
        for name, (ok, what) in RULES.items():
            value = getattr(self, name)
            if not ok(value):
                raise ValueError(f"recipe {name} must be {what}, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)


SCHEDULES = ("cosine", "exp")


def _finite(v: float) -> bool:
    return math.isfinite(v)


# What each Recipe field may hold, as (test, words for the error). train.py's argument parser uses
# the same table, so a bad value is an argparse error there and a ValueError anywhere else.
RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "sizes": (lambda v: len(v) >= 2 and all(type(n) is int and n >= 1 for n in v), "two or more layer sizes >= 1"),
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
    "seed": (lambda v: v >= 0, "zero or more"),
}


RECIPES = {
    # The bundled model: augmentation does the regularising, cosine decay anneals it at the end.
    "default": Recipe(),
    # The school project this started from: 98.51% on MNIST.
    "original": Recipe(
        epochs=15, batch=50, lr=0.01, schedule="exp", decay=0.9, momentum=0.0, grad_sum=True, augment=False
    ),
    # Retraining live in a lesson: about a minute on a 2-core laptop, >= 98% on MNIST.
    "quick": Recipe(epochs=8, batch=100, lr=0.1, augment=False, stroke_copies=1),
    # Adapting a trained model to a class's handwriting, starting from its weights.
    "finetune": Recipe(epochs=4, batch=100, lr=0.01, stroke_copies=4),
}


def lr_at(recipe: Recipe, epoch: float) -> float:
    """Learning rate at a (fractional) epoch; per-batch for cosine, per-epoch for exponential."""
    if recipe.schedule == "exp":
        return recipe.lr * recipe.decay ** math.floor(epoch)
    if recipe.schedule == "cosine":
        return recipe.lr * 0.5 * (1 + math.cos(math.pi * min(epoch / recipe.epochs, 1.0)))
    raise ValueError(f"unknown schedule {recipe.schedule!r}; choose cosine or exp")


class Diverged(RuntimeError):
    """Training loss became NaN or exploded; the message says what to try."""


class Cancelled(Exception):
    """`should_stop()` asked training to stop; the model holds the weights after the last batch."""


def render_samples(
    samples: list[Sample], style: Style, copies: int = 1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Strokes -> (n * copies, 784) float32 inputs through the app's own preprocessing.

    Each copy uses a pen width drawn around the style's, so the network also learns to ignore
    stroke weight; the app then renders at exactly the style's width.
    """
    if not samples:
        return np.zeros((0, 784), np.float32), np.zeros(0, np.int64)
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for s in samples:
        for c in range(copies):
            pen = style.pen if copies == 1 or c == 0 else style.pen * rng.uniform(0.75, 1.3)
            images.append(strokes_to_input(s.strokes, replace(style, pen=pen)).reshape(-1))
            labels.append(s.label)
    return np.array(images, np.float32), np.array(labels, np.int64)


@dataclass
class EpochReport:
    epoch: int
    loss: float
    lr: float
    seconds: float
    val: dict[str, float] = field(default_factory=dict)  # name -> accuracy


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

    Raises Diverged if the loss becomes NaN or grows far beyond its start; KeyboardInterrupt
    propagates after the current batch, leaving the model consistent.
    """
    rng = np.random.default_rng(recipe.seed)
    augmenter = Augmenter(Augment(), seed=recipe.seed + 1) if recipe.augment else None
    opt = SGD(model, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    scale = recipe.batch if recipe.grad_sum else 1  # summed gradients = mean gradients * batch size
    steps = math.ceil(len(x) / recipe.batch)
    chunk = 10_000  # augment this many at a time: big enough to vectorise, small enough for cache
    reports, first_loss = [], None
    for epoch in range(recipe.epochs):
        t0 = time.perf_counter()
        order = rng.permutation(len(x))
        losses = []
        bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{recipe.epochs}", leave=False, disable=not progress)
        for c in range(0, len(x), chunk):
            idx = order[c : c + chunk]
            # An augmented chunk is a new array anyway; without augmentation, gathering batch by batch
            # avoids copying 30 MB per chunk (large fresh arrays cost page faults, not just copying).
            xc = augmenter(x[idx]) if augmenter else None
            yc = y[idx]
            for b in range(0, len(idx), recipe.batch):
                if should_stop is not None and should_stop():
                    bar.close()
                    raise Cancelled(f"training cancelled in epoch {epoch + 1}")
                xb = xc[b : b + recipe.batch] if augmenter else x[idx[b : b + recipe.batch]]
                lr = lr_at(recipe, epoch + (c + b) / len(x)) * scale
                losses.append(opt.step(xb, yc[b : b + recipe.batch], lr, recipe.loss))
                bar.update()
            running = float(np.mean(losses[-50:]))
            if not np.isfinite(running) or (first_loss is not None and running > 10 * max(first_loss, 0.5)):
                bar.close()
                raise Diverged(
                    f"training diverged in epoch {epoch + 1} (loss {running:.3g}); "
                    f"try a smaller learning rate (--lr {recipe.lr / 3:.3g}) or --grad-mean"
                )
            first_loss = first_loss if first_loss is not None else running
            if on_progress is not None:
                on_progress(epoch + (c + len(idx)) / len(x), running)
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
    return reports


# ---------------------------------------------------------------------------------------------
# Honest probabilities: temperature scaling (Guo et al. 2017) and the expected calibration error.


def logits_of(model: MLP, x: np.ndarray, batch: int = 2000) -> np.ndarray:
    return np.concatenate([model.logits(x[i : i + batch]) for i in range(0, len(x), batch)])


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
    """The 10x10 confusion matrix as text: rows are true digits, columns predictions."""
    m = np.zeros((10, 10), np.int64)
    np.add.at(m, (y, pred), 1)
    head = "      " + "".join(f"{c:>6}" for c in range(10))
    rows = [f"{r:>6}" + "".join(f"{v:>6}" for v in m[r]) for r in range(10)]
    return "\n".join(["confusion matrix (rows: true digit, columns: predicted)", head, *rows])


def calibration(logits: np.ndarray, y: np.ndarray, temperature: float) -> tuple[float, float]:
    """ECE at T=1 and at the given temperature."""
    return (
        expected_calibration_error(softmax(logits), y),
        expected_calibration_error(softmax(logits / temperature), y),
    )
