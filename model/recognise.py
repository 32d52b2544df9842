"""From a drawing to class probabilities: the one code path shared by the app and evaluate.py.

Keeping it in one place is what makes evaluation honest: a drawing replayed from a data set goes
through exactly the preprocessing, rendering style, temperature and averaging the live app uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from model.mlp import MLP
from model.preprocess import Strokes, strokes_to_input
from model.weights import Meta, load

NOT_SURE = 0.6  # below this top probability the app says "not sure" and names the runner-up


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
    probs: np.ndarray  # 10 probabilities summing to 1

    def sure(self, threshold: float = NOT_SURE) -> bool:
        return bool(self.probs.max() >= threshold)


class Recogniser:
    def __init__(self, model: MLP, meta: Meta) -> None:
        self.model, self.meta = model, meta
        self.style = meta.style
        self.temperature = meta.temperature
        # Pen widths to render and average over: a prediction that holds for slightly thinner and
        # thicker ink is steadier while the user draws. One entry means a single rendering.
        self.pens = list(meta.pens)
        self.not_sure = NOT_SURE

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Recogniser:
        """The recogniser for a weights file; every problem is one `WeightsError` line."""
        return cls(*load(path))

    def read(self, strokes: Strokes) -> Reading:
        """Probabilities for a drawing (strokes in any units, y down); ValueError if empty."""
        images = [strokes_to_input(strokes, replace(self.style, pen=p)) for p in self.pens]
        x = np.stack(images).reshape(len(images), -1)
        probs = self.model.predict_proba(x, self.temperature).mean(axis=0)
        return Reading(image=images[0], probs=probs / probs.sum())
