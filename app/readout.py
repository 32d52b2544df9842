"""What to say about a reading: whole percentages, the headline, and how each answer is marked.
Pure functions, no pygame: the views only draw what these return."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.answer import Answer, Kind, Thresholds, doubt
from model.config import CLASSES, DIGITS, NOT_A_DIGIT
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


# How the three answers look, wherever an answer is shown (the plain view's card and bars, the inside
# view's output panel): never by colour alone, so each has its own shape and words too.
#   sure        the digit, big; a solid frame round the card; the digit's bar solid
#   not sure    "4 or 9?"; a dashed frame; the two candidates' bars hatched
#   not a digit a cross and the words; no frame; no bar filled and no percentage at all
SOLID, HATCHED = "solid", "hatched"
CROSS = "\u2716"  # the "not a digit" mark (a heavy cross): the card's symbol, the 11th output row


@dataclass(frozen=True)
class Verdict:
    """model/answer.py's Answer as the views say it: the decision is the Answer's, held whole (not
    copied field by field); this adds only the words and the marks."""

    headline: str  # shown large: "7", "4 or 9?" when not sure, "not a digit"
    caption: str  # shown under it
    answer: Answer  # sure / not sure / not a digit, the top digit and the runner-up, too small
    doubt: str = ""  # when not sure, what the top digit might be instead: "digit" or "not-digit"
    # How each output is marked: digits 0-9 and NOT_A_DIGIT (10) -> SOLID or HATCHED; others plain.
    marks: dict[int, str] = field(default_factory=dict)

    @property
    def kind(self) -> Kind:
        return self.answer.kind

    @property
    def top(self) -> int:
        """The most probable digit (also when the answer is "not a digit": then it did not win)."""
        return self.answer.top

    @property
    def runner_up(self) -> int:
        return self.answer.runner_up

    @property
    def too_small(self) -> bool:
        return self.answer.too_small

    @property
    def sure(self) -> bool:
        return self.answer.sure

    @property
    def scores(self) -> bool:
        """Whether the digits' bars and percentages are shown: not for "not a digit", where a bar
        would pretend some digit had a claim."""
        return self.answer.is_digit


def verdict(reading: Reading, thresholds: Thresholds) -> Verdict:
    """The headline, caption and marks for a reading: sure, not sure (naming the runner-up, or that
    it may be no digit at all), or not a digit. The decision itself is model/answer.py's, made once
    when the recogniser read the drawing (`reading.judged`); a reading made by hand is judged here."""
    a = reading.judged if reading.judged is not None else reading.answer(thresholds)
    pct = percentages(reading.probs)
    top, second = a.top, a.runner_up
    if a.kind == Kind.NOT_DIGIT:
        why = "too small to read \u2014 draw bigger" if a.too_small else "this does not look like a digit"
        return Verdict("not a digit", why, a, marks={NOT_A_DIGIT: SOLID})
    if a.sure:
        return Verdict(str(top), f"{pct[top]}% sure", a, marks={top: SOLID})
    # Not sure: of what instead, the runner-up digit or no digit at all (model/answer.py).
    if doubt(a, reading.probs) == NOT_A_DIGIT:
        return Verdict(f"{top}?", "not sure \u2014 maybe not a digit", a, "not-digit",
                       {top: HATCHED, NOT_A_DIGIT: HATCHED})
    caption = f"not sure \u2014 {pct[top]}% vs {pct[second]}%"
    return Verdict(f"{top} or {second}?", caption, a, "digit", {top: HATCHED, second: HATCHED})


@dataclass(frozen=True)
class OutputRow:
    """One output unit in the inside view's output panel."""

    label: str  # "0".."9", or CROSS for "not a digit"
    logit: float
    share: float  # its part of the softmax (the probability bar's length)
    pct: int  # the same in whole percent; the rows add up to 100
    mark: str  # SOLID, HATCHED or "" (model/answer.py's answer, marked as in the plain view)
    shown: bool = True  # its share drawn as a bar and a percentage: no digit's when the answer is "not a digit"


def output_rows(logits: np.ndarray, probs: np.ndarray, not_digit: float, v: Verdict) -> list[OutputRow]:
    """The network's outputs as the inside view lists them: the ten digits, then "not a digit" for a
    network with that output. With it, the shares are the whole softmax (the digits' part is
    `probs` scaled by 1 - not_digit), so the rows are exactly "logit / T -> softmax"; the plain
    view's bars are the digit rows rescaled to 100%."""
    z = np.asarray(logits, np.float64).ravel()
    p = np.asarray(probs, np.float64).ravel()
    shares = p if len(z) <= CLASSES else np.append(p * (1.0 - not_digit), not_digit)
    pct = percentages(shares)
    labels = [str(d) for d in DIGITS] + [CROSS]
    # As in the plain view: for "not a digit" no digit gets a score (the logits stay: they are the
    # network's numbers; only the shares a viewer would read as "how much it is a 3" go).
    return [OutputRow(labels[k], float(z[k]), float(shares[k]), pct[k], v.marks.get(k, ""), v.scores or k >= CLASSES)
            for k in range(len(z))]


def pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage ("97.5%"), or a dash when there is none."""
    return "\u2013" if x is None or not np.isfinite(x) else f"{x * 100:.{digits}f}%"
