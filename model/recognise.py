"""From a drawing to class probabilities and the answer: the one read path of the app, the inside
view and evaluate.py.

Keeping it in one place is what makes evaluation honest: a drawing replayed from a data set goes
through exactly the preprocessing, rendering style, temperature and averaging the live app uses.
`Recogniser.read` renders the drawing, runs the network once (`model.inside.read`: the same pass
the inside view explains, kept on the reading as `forward`) and judges the answer once, with the
model's own thresholds (`judged`), so no view has to judge it again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from model import inside
from model.answer import Answer, Ranked, Thresholds, answer, ink_extent
from model.mlp import MLP
from model.preprocess import Strokes
from model.weights import Meta, load


@dataclass
class Reading(Ranked):
    image: np.ndarray  # the 28x28 input the network saw
    probs: np.ndarray  # 10 digit probabilities summing to 1 (what the bars show)
    not_digit: float = 0.0  # probability that this is no digit at all (networks with that output)
    extent: float | None = None  # the ink's size as a fraction of the canvas side, when known
    # Sure, not sure or not a digit, judged once when `Recogniser.read` made the reading, with the
    # model's thresholds (None for a reading made by hand: `answer` judges it then).
    judged: Answer | None = None
    # The network's pass this reading came from: hidden activations and logits, what the inside view
    # explains (and the raw canvas's answer, when read with raw=True).
    forward: inside.Forward | None = None

    def answer(self, thresholds: Thresholds) -> Answer:
        """Sure, not sure or not a digit (model/answer.py) at these thresholds."""
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

    def read(self, strokes: Strokes, side: float | None = None, raw: bool = False) -> Reading:
        """Probabilities and the answer for a drawing (strokes in any units, y down); ValueError if empty.

        `side`: the canvas side in the strokes' units. Given, the reading knows how large the ink is
        on the canvas, which is how a dot or a tick is told from a small digit; with `raw` too, the
        same network call also answers the raw canvas shrunk to 28x28 (`forward.raw_probs`)."""
        f = inside.read(self.model, strokes, self.style, self.temperature, self.pens,
                        raw_side=side if raw else None)
        extent = None if side is None else ink_extent(strokes, side)
        return Reading(image=f.image, probs=f.probs, not_digit=f.not_digit, extent=extent,
                       judged=answer(f.probs, f.not_digit, extent, self.thresholds), forward=f)

    def answer(self, reading: Reading) -> Answer:
        """The answer of a reading this recogniser made (judged as it read it); a reading made by hand
        is judged now, at this model's thresholds."""
        return reading.judged if reading.judged is not None else reading.answer(self.thresholds)
