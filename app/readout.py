"""What to say about a reading: whole percentages and the headline. Pure functions, no pygame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.answer import Thresholds
from model.recognise import Reading


def percentages(probs: np.ndarray | list[float], total: int = 100) -> list[int]:
    """Whole percentages that add up to exactly `total` (largest remainder method).

    Rounding each probability on its own can show 99% or 101% in all; an audience adding up the
    bars notices. Each class gets its floor, then the classes with the largest remainders get one
    more point until the sum is right. Ties go to the more probable class, then the lower digit.
    """
    p = np.asarray(probs, dtype=np.float64).ravel()
    if p.size == 0:
        return []
    p = np.where(np.isfinite(p) & (p > 0), p, 0.0)
    s = p.sum()
    # No information at all (every entry zero or invalid): spread evenly rather than divide by zero.
    p = p / s if s > 0 else np.full(p.size, 1.0 / p.size)
    exact = p * total
    floors = np.floor(exact).astype(int)
    short = total - int(floors.sum())
    # lexsort sorts by the last key first: remainder descending, then probability, then index.
    order = np.lexsort((np.arange(p.size), -p, -(exact - floors)))
    floors[order[:short]] += 1
    return [int(v) for v in floors]


@dataclass(frozen=True)
class Verdict:
    headline: str  # shown large: "7", "4 or 9?" when not sure, "not a digit"
    caption: str  # shown under it
    kind: str  # "sure", "unsure" or "not-digit" (model/answer.py)
    top: int
    runner_up: int

    @property
    def sure(self) -> bool:
        return self.kind == "sure"


def verdict(reading: Reading, thresholds: Thresholds) -> Verdict:
    """The headline and caption for a reading: sure, not sure (naming the runner-up), or not a digit."""
    a = reading.answer(thresholds)
    pct = percentages(reading.probs)
    top, second = a.top, a.runner_up
    if a.kind == "not-digit":
        why = "too small to read \u2014 draw bigger" if a.too_small else "this does not look like a digit"
        return Verdict("not a digit", why, a.kind, top, second)
    if a.sure:
        return Verdict(str(top), f"{pct[top]}% sure", a.kind, top, second)
    caption = f"not sure \u2014 {pct[top]}% vs {pct[second]}%"
    return Verdict(f"{top} or {second}?", caption, a.kind, top, second)
