"""The one training pipeline. train.py, the Learn view's jobs (model/jobs.py) and the sweeps
(model/sweep.py, for research.py) all go through these steps, so a run means the same wherever it
was started:

    model = network_for(recipe)              # a new network; or, from trained weights,
    recipe = finetune_recipe(recipe, model)  # the recipe fitted to the network it starts from
    reports = train(model, recipe, x, y, val)                        # model/trainer.py
    meta = conclude(model, recipe, "quick", reports, val, started)   # temperature, thresholds, record
    write(out, model, meta)                                          # checked as the loader checks

`val` is the run's validation data by name, as `train` reports it ("mnist", "strokes", "drawings",
"non-digits"...). `conclude` fits the temperature on all of it together and chooses the answer
thresholds on `answer_digits(val)`: the one rule for which digits those are.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from model.answer import Thresholds, choose, honesty, split
from model.augment import Augment
from model.config import CLASSES
from model.coverage import VARIANTS
from model.mlp import MLP, softmax
from model.trainer import EpochReport, Recipe, calibration, fit_temperature, logits_of
from model.weights import Meta, check, save

# Pen-drawn validation digits, in the order they are preferred for choosing the thresholds: the
# validation writers of a writer-split data set (train.py --strokes), or a class's held-out drawings
# (the Learn view's adapting job). The answers are for drawings, and MNIST's scanned digits are
# drawn unlike any pen (README: The answer's three kinds); MNIST's are the fallback.
PEN_DRAWN = ("strokes", "drawings")
FALLBACK = "mnist"


def network_for(recipe: Recipe) -> MLP:
    """The untrained network a recipe describes: its sizes, activation, initialisation and seed."""
    return MLP(list(recipe.sizes), recipe.activation, recipe.init, seed=recipe.seed)


def finetune_recipe(recipe: Recipe, model: MLP) -> Recipe:
    """`recipe` made to fit trained weights it starts from: their layers and activation win, and
    non-digits are trained only for a network with the "not a digit" output (without them that output
    would fade while the digits are learnt; a network without it has nowhere to put them)."""
    has_other = model.sizes[-1] > CLASSES
    if has_other and not recipe.not_digits:
        raise ValueError("these weights have a 'not a digit' output: fine-tuning them needs non-digit drawings"
                         " (--not-digits above 0) to keep that output working")
    return replace(recipe, hidden=tuple(model.sizes[1:-1]), activation=model.activation,
                   not_digits=recipe.not_digits if has_other else 0)


def answer_digits(val: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray] | None:
    """The validation digits the answer thresholds are chosen on: the first pen-drawn set with any
    digits in it (PEN_DRAWN), else MNIST's validation digits; None when the run has neither."""
    for name in (*PEN_DRAWN, FALLBACK):
        if name in val and len(val[name][1]):
            return val[name]
    return None


def choose_answers(model: MLP, temperature: float, digits: tuple[np.ndarray, np.ndarray],
                   non_digits: np.ndarray | None = None) -> tuple[Thresholds, dict]:
    """When to say sure / not sure / not a digit, chosen on validation digits (`digits`: inputs and
    labels), with what the thresholds give there (and on validation non-digits)."""
    x, y = digits
    d, other = split(softmax(logits_of(model, x) / temperature))
    other_n = None
    if non_digits is not None and len(non_digits) and model.sizes[-1] > CLASSES:
        _, other_n = split(softmax(logits_of(model, non_digits) / temperature))
    th = choose(d, other, y, non_digits=other_n)
    figures = {"on": f"{len(y)} validation digits", **honesty(d, other, y, None, th)}
    if other_n is not None:
        figures["non_digits_flagged"] = float((other_n >= th.not_digit).mean())
        figures["non_digits_on"] = f"{len(non_digits)} validation non-digits (the network's kinds)"
    return th, figures


def conclude(
    model: MLP,
    recipe: Recipe,
    name: str,
    reports: list[EpochReport],
    val: dict[str, tuple[np.ndarray, np.ndarray]],
    started: float,
    test_accuracy: float | None = None,
    non_digits: np.ndarray | None = None,
    **fields: object,
) -> Meta:
    """The metadata of a network just trained: the temperature fitted on every validation set together
    (never the test set), the answer thresholds chosen on `answer_digits(val)` (and `non_digits`,
    validation non-digits, for the "not a digit" output), and the record of the run. `name`: the
    recipe's name; `started`: the perf_counter at the start; `fields`: the rest of Meta's fields
    (style, pen widths, data, origin)."""
    vx = np.concatenate([v[0] for v in val.values()])
    vy = np.concatenate([v[1] for v in val.values()])
    val_logits = logits_of(model, vx)  # once: the fit and both calibration errors use it
    temperature = fit_temperature(val_logits, vy)
    before, after = calibration(val_logits, vy, temperature)
    digits = answer_digits(val)
    if digits is not None:
        th, figures = choose_answers(model, temperature, digits, non_digits)
        fields = {"sure_threshold": th.sure, "not_digit_threshold": th.not_digit, "min_ink": th.min_ink,
                  "answers": figures, **fields}
    return Meta(
        # The tables the recipe's switches stand for, so that a changed default shows against a file.
        recipe={**recipe.to_dict(), "name": name, "augment_params": Augment().to_dict(),
                "style_variants": dict(VARIANTS)},
        seed=recipe.seed,
        temperature=temperature,
        calibration_error={"before": before, "after": after},
        validation_accuracy=reports[-1].val if reports else {},
        test_accuracy=test_accuracy,
        train_seconds=round(time.perf_counter() - started, 1),
        date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **fields,
    )


def write(out: Path, model: MLP, meta: Meta) -> None:
    """Write the weights and their metadata atomically, after the loader's own checks: the app must
    never refuse what a training run wrote. OSError when the write itself fails (the callers say so
    in their own words: train.py tries a temporary folder, a Learn job fails in one line)."""
    check(model, meta, out)
    save(out, model, meta)
