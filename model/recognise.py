"""From a drawing to class probabilities: the one code path shared by the app and evaluate.py.

Keeping it in one place is what makes evaluation honest: a drawing replayed from a data set goes
through exactly the preprocessing, rendering style, temperature and averaging the live app uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from model.answer import Answer, Thresholds, answer, ink_extent, split
from model.mlp import MLP
from model.preprocess import Strokes, strokes_to_input
from model.weights import Meta, load


class Ranked:
    """The answer and the runner-up of anything holding class probabilities `probs`."""

    probs: np.ndarray

    @property
    def top(self) -> int:
        return int(self.probs.argmax())

    @property
    def runner_up(self) -> int:
        return int(np.argsort(self.probs)[-2])


@dataclass
class Reading(Ranked):
    image: np.ndarray  # the 28x28 input the network saw
    probs: np.ndarray  # 10 digit probabilities summing to 1 (what the bars show)
    not_digit: float = 0.0  # probability that this is no digit at all (networks with that output)
    extent: float | None = None  # the ink's size as a fraction of the canvas side, when known

    def answer(self, thresholds: Thresholds) -> Answer:
        """Sure, not sure or not a digit (model/answer.py)."""
        return answer(self.probs, self.not_digit, self.extent, thresholds)


class Recogniser:
    def __init__(self, model: MLP, meta: Meta) -> None:
        self.model, self.meta = model, meta
        self.style = meta.style
        self.temperature = meta.temperature
        # Pen widths to render and average over: a prediction that holds for slightly thinner and
        # thicker ink is steadier while the user draws. One entry means a single rendering.
        self.pens = list(meta.pens)
        self.thresholds: Thresholds = meta.thresholds

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Recogniser:
        """The recogniser for a weights file; every problem is one `WeightsError` line."""
        return cls(*load(path))

    def read(self, strokes: Strokes, side: float | None = None) -> Reading:
        """Probabilities for a drawing (strokes in any units, y down); ValueError if empty.

        `side`: the canvas side in the strokes' units. Given, the reading knows how large the ink is
        on the canvas, which is how a dot or a tick is told from a small digit."""
        images = [strokes_to_input(strokes, replace(self.style, pen=p)) for p in self.pens]
        x = np.stack(images).reshape(len(images), -1)
        probs = self.model.predict_proba(x, self.temperature).mean(axis=0)
        digits, other = split(probs / probs.sum())
        extent = None if side is None else ink_extent(strokes, side)
        return Reading(image=images[0], probs=digits, not_digit=float(other), extent=extent)

    def answer(self, reading: Reading) -> Answer:
        return reading.answer(self.thresholds)
