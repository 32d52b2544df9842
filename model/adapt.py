"""Few-shot adaptation to one writer's (or one class's) handwriting that helps or stays out of the way.

Fine-tuning every weight on twenty drawings (the old `train.py --finetune` path) was a gamble: on
held-out writers as many lost as gained (issue 26). Here only the output layer moves, and it is
pulled back toward the bundled weights (L2-SP, Li et al. 2018), so a handful of drawings can shift
the decision between the digits a writer's hand confuses but cannot rebuild the features the
network learnt from MNIST and the training writers. Digits the network already knows (MNIST and
generated non-digits, `replay`) stay in the mix, so the classes the drawings do not show, and the
"not a digit" output, keep their place.

Whether to adapt at all is decided on the drawings themselves: they are dealt into folds, each fold
is read by a network adapted on the others and by the bundled one, and the adapted network is kept
only if it read more of them right (`AdaptConfig.gate`). Otherwise the bundled model is returned as
it is. The before/after figures returned are these cross-validated ones: every drawing counted was
read by a network that did not learn from it.

Pure NumPy; `model/adapt_bench.py` measures it on held-out writers, `model/jobs.py` runs it for
the Learn view.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from model.config import CLASSES
from model.coverage import render_samples
from model.mlp import MLP, loss_and_dlogits
from model.recognise import Recogniser
from model.sample import Sample
from model.weights import Meta

GATES = ("accuracy", "loss", "always")


@dataclass(frozen=True)
class AdaptConfig:
    """How to adapt. The defaults were chosen on validation writers (README, "Adapting to a class")."""

    # Full-batch gradient steps on the output layer. They, not a clock, bound the time: one step
    # costs (drawings x copies + replay rows) x hidden x outputs multiply-adds, a few ms.
    steps: int = 150
    lr: float = 1.0  # per step, divided by the mean squared length of the hidden features (dimensionless)
    momentum: float = 0.9
    l2sp: float = 0.001  # pull toward the bundled output layer: l2sp / 2 * ||W - W_bundled||^2
    copies: int = 4  # renderings of each drawing, with pen widths drawn around the style's
    replay_per_class: int = 100  # MNIST training digits of each class kept in the mix (replay_inputs)
    replay_non_digits: int = 10  # generated non-digits of each kind, for a "not a digit" output
    # Real letters and symbols of each no-digit character (training writers, when the UNIPEN 1b-1d
    # release is given): without them, adapting to a writer's digits let the validation writers'
    # letters show as a sure digit 3.5-3.9% of the time instead of 3.1%.
    replay_letters: int = 5
    replay_weight: float = 1.0  # the replayed rows' share of the loss, against the drawings'
    folds: int = 2  # the drawings are dealt into this many folds to decide whether adapting helps
    # "accuracy": adopt only if the folds read more drawings right; "loss": no fewer right and a lower
    # loss on them; "always": adopt whatever the folds say. On the validation writers "always" gained
    # most and no writer lost more than 0.1 point; "accuracy" almost never adopted (K drawings of each
    # digit are mostly read right already). The Learn view decides on its held-out half instead.
    gate: str = "always"

    def __post_init__(self) -> None:
        if self.gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {self.gate!r}")
        if self.steps < 0 or self.copies < 1 or self.folds < 2 or self.lr <= 0 or self.l2sp < 0:
            raise ValueError(f"invalid adaptation settings: {self}")


@dataclass(frozen=True)
class Adapted:
    """What adapting did. `model` is the adapted network, or the bundled one itself when it was kept."""

    model: MLP
    adopted: bool
    candidate: MLP  # the network adapted on all the drawings, kept or not (to show what it would read)
    right_before: int  # drawings read right by the bundled model...
    right_after: int  # ...and by networks adapted on the other folds (so on drawings they did not learn from)
    n: int  # drawings read in the folds
    loss_before: float  # their mean cross-entropy (digit probabilities), a finer-grained tie-breaker
    loss_after: float
    seconds: float

    @property
    def before(self) -> float:
        return self.right_before / self.n if self.n else float("nan")

    @property
    def after(self) -> float:
        return self.right_after / self.n if self.n else float("nan")


def deal_folds(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """The fold of each drawing: each digit's drawings shuffled and dealt in turn, continuing from
    one digit to the next, so every fold holds every digit the drawings have at least `folds` of,
    and with one drawing per digit the digits are shared out between the folds."""
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(np.flatnonzero(labels == d)) for d in np.unique(labels)])
    fold = np.empty(len(labels), np.int64)
    fold[order] = np.arange(len(order)) % folds
    return fold


def hidden_features(model: MLP, x: np.ndarray) -> np.ndarray:
    """The last hidden layer's output for rows of inputs: what the output layer reads."""
    if len(x) == 0:
        return np.zeros((0, model.sizes[-2]), model.weights[0].dtype)
    return model.layers(x)[-2]


def fit_output_layer(
    base: MLP, h: np.ndarray, y: np.ndarray, h_replay: np.ndarray, y_replay: np.ndarray, config: AdaptConfig
) -> MLP:
    """A copy of `base` whose output layer is fitted to the features `h` (labels `y`), with the replayed
    features in the mix and an L2 pull toward `base`'s output layer. The other layers are shared."""
    # The network's own float32: a step costs half the time of float64, and the few hundred steps of
    # a small learning rate lose nothing measurable to rounding.
    w0, b0 = base.weights[-1], base.biases[-1]
    w, b = w0.astype(np.float32), b0.astype(np.float32)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    hf, hrf = h.astype(np.float32), h_replay.astype(np.float32)
    rows = np.concatenate([hf, hrf]) if len(hrf) else hf
    # Dividing by the features' mean squared length makes `lr` mean the same for any network (a
    # normalised LMS step), so the setting chosen on one model carries over to a retrained one.
    step = config.lr / max(float((rows * rows).sum(axis=1).mean()), 1e-12)
    for _ in range(config.steps):
        _, d = loss_and_dlogits(hf @ w + b, y)
        gw, gb = hf.T @ d, d.sum(axis=0)
        if len(hrf) and config.replay_weight:
            _, dr = loss_and_dlogits(hrf @ w + b, y_replay)
            gw += config.replay_weight * (hrf.T @ dr)
            gb += config.replay_weight * dr.sum(axis=0)
        gw += config.l2sp * (w - w0)
        gb += config.l2sp * (b - b0)
        vw = config.momentum * vw - step * gw
        vb = config.momentum * vb - step * gb
        w += vw
        b += vb
    dtype = w0.dtype
    return MLP.from_arrays([*base.weights[:-1], w.astype(dtype)], [*base.biases[:-1], b.astype(dtype)],
                           base.activation)


def _readings(model: MLP, meta: Meta, samples: list[Sample]) -> np.ndarray:
    """Digit probabilities of each drawing, read as the app reads it (model/recognise.py)."""
    rec = Recogniser(model, meta)
    return np.array([rec.read(s.strokes).probs for s in samples]).reshape(len(samples), CLASSES)


def _score(probs: np.ndarray, labels: np.ndarray) -> tuple[int, float]:
    right = int((probs.argmax(axis=1) == labels).sum())
    loss = float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None)).sum())
    return right, loss


def adapt(
    model: MLP,
    meta: Meta,
    samples: list[Sample],
    config: AdaptConfig = AdaptConfig(),
    replay: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int = 0,
) -> Adapted:
    """Adapt `model` to the labelled drawings `samples` (digits 0-9), or decide to keep it.

    `replay`: (inputs, labels) of digits and non-digits the network already reads, kept in the mix
    (None or empty: the drawings alone). `seed` fixes the folds and the rendering pens.
    """
    started = time.perf_counter()
    labels = np.array([s.label for s in samples], np.int64)
    if len(samples) == 0 or labels.min() < 0 or labels.max() >= CLASSES:
        raise ValueError("adapting needs labelled drawings of the digits 0-9")
    x, y = render_samples(samples, meta.style, config.copies, seed=seed)
    h = hidden_features(model, x)
    which = np.repeat(np.arange(len(samples)), config.copies)  # the drawing each rendered row comes from
    if replay is not None and len(replay[0]):
        hr, yr = hidden_features(model, replay[0]), np.asarray(replay[1], np.int64)
    else:
        hr, yr = h[:0], y[:0]

    folds = min(config.folds, len(samples))
    fold = deal_folds(labels, folds, seed) if folds >= 2 else np.zeros(len(samples), np.int64)
    probs_before = _readings(model, meta, samples)
    probs_after = np.empty_like(probs_before)
    for f in range(folds if folds >= 2 else 0):
        learn = np.isin(which, np.flatnonzero(fold != f))
        tuned = fit_output_layer(model, h[learn], y[learn], hr, yr, config)
        held = np.flatnonzero(fold == f)
        probs_after[held] = _readings(tuned, meta, [samples[i] for i in held])
    right_before, loss_before = _score(probs_before, labels)
    if folds < 2:  # one drawing: nothing to check adapting on, so keep the model
        right_after, loss_after = right_before, loss_before
    else:
        right_after, loss_after = _score(probs_after, labels)
    n = len(samples)
    adopt = folds >= 2 and (
        config.gate == "always"
        or right_after > right_before
        or (config.gate == "loss" and right_after == right_before and loss_after < loss_before)
    )
    candidate = fit_output_layer(model, h, y, hr, yr, config)
    return Adapted(candidate if adopt else model, adopt, candidate, right_before, right_after, n,
                   loss_before / n, loss_after / n, time.perf_counter() - started)


def replay_inputs(
    mnist: tuple[np.ndarray, np.ndarray] | None,
    per_class: int,
    meta: Meta,
    not_digits: int,
    seed: int = 0,
    letters: list[Sample] | None = None,
    per_char: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The replay mix: `per_class` MNIST training digits of each class (already network inputs) and,
    for a network with a "not a digit" output, `not_digits` generated non-digits of each kind and
    `per_char` of each no-digit character among `letters` (training writers' letters and symbols)."""
    from model.coverage import letter_inputs, non_digit_inputs
    from model.nondigits import SEEDS

    xs, ys = [], []
    if mnist is not None and per_class:
        x, y = mnist
        rng = np.random.default_rng(seed)
        pick = np.concatenate([rng.permutation(np.flatnonzero(y == d))[:per_class] for d in range(CLASSES)])
        xs.append(np.asarray(x[pick], np.float32))
        ys.append(np.asarray(y[pick], np.int64))
    if not_digits:
        xn, yn = non_digit_inputs(not_digits, SEEDS["train"], meta.style)
        xs.append(xn)
        ys.append(yn)
        if letters and per_char:
            xl, yl = letter_inputs(letters, per_char, SEEDS["train"], meta.style)
            xs.append(xl)
            ys.append(yl)
    if not xs:
        return np.zeros((0, 784), np.float32), np.zeros(0, np.int64)
    return np.concatenate(xs), np.concatenate(ys)


def with_config(config: AdaptConfig, settings: dict[str, str]) -> AdaptConfig:
    """`config` with some fields set from text (`--set l2sp=0.1`); ValueError names a bad one."""
    kinds = {f: type(getattr(config, f)) for f in config.__dataclass_fields__}
    values = {}
    for key, text in settings.items():
        if key not in kinds:
            raise ValueError(f"unknown adaptation setting {key!r}; choose from {', '.join(kinds)}")
        try:
            values[key] = kinds[key](text)
        except ValueError:
            raise ValueError(f"adaptation setting {key}={text!r} is not a {kinds[key].__name__}") from None
    return replace(config, **values)
