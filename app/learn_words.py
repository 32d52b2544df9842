"""The Learn view's counts and words: the class's drawings per digit, and how results are said.

Pure functions without pygame, shared by its state (app/learn_state.py) and its pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.readout import CROSS, pct  # noqa: F401 (pct: the state and pages say shares with it)
from model.config import CLASSES, INPUTS
from model.jobs import FinetuneSpec

# Half of each digit's drawings is held out to measure adapting on: at least 2 of each and 20 in
# all, so that one drawing read differently moves the figure by 5 points, not 10 (or 50 for a digit).
MIN_DRAWINGS, MIN_PER_DIGIT = 40, 4
HOLDOUT = FinetuneSpec.holdout  # the share of each digit's drawings held out to measure adapting on


@dataclass(frozen=True)
class Drawings:
    """The class's labelled drawings: how many of each digit, and whether that is enough to adapt."""

    per_digit: tuple[int, ...] = (0,) * CLASSES
    problem: str = ""  # the file could not be read: one line

    @property
    def total(self) -> int:
        return sum(self.per_digit)

    @property
    def enough(self) -> bool:
        return not self.problem and self.total >= MIN_DRAWINGS and min(self.per_digit) >= MIN_PER_DIGIT

    def missing(self) -> str:
        """What is still needed, in plain words ("" when enough)."""
        if self.problem:
            return self.problem
        if self.enough:
            return ""
        short = [d for d in range(CLASSES) if self.per_digit[d] < MIN_PER_DIGIT]
        parts = []
        if self.total < MIN_DRAWINGS:
            parts.append(f"{MIN_DRAWINGS - self.total} more drawings")
        if short:
            which = f" (short: {', '.join(map(str, short))})" if len(short) < CLASSES else ""
            parts.append(f"at least {MIN_PER_DIGIT} of each digit{which}")
        return "Needs " + " and ".join(parts)


def count_drawings(path: Path) -> Drawings:
    """Per-digit counts of the labelled drawings in `path` (none if it does not exist yet)."""
    from model.jsonl import read_jsonl
    from model.sample import StrokeDataError

    if not path.exists():
        return Drawings()
    try:
        samples = read_jsonl(path)
    except StrokeDataError as e:
        return Drawings(problem=str(e).splitlines()[0])
    counts = np.bincount([s.label for s in samples], minlength=CLASSES)
    return Drawings(tuple(int(c) for c in counts))


def download_failed(message: str, data: str | None = None) -> list[str]:
    """A failed download in words for the teacher: what went wrong, briefly, then what to do here
    (model.data's message is written for train.py, whose --data the app does not take)."""
    import re

    from model.data import ENV_VAR

    got = re.match(r"could not download (\S+) into (.+?): tried (.*?)\. To use local files", message)
    if got:
        reasons = list(dict.fromkeys(re.findall(r"\(([^()]*)\)", got.group(3))))
        why = f" ({'; '.join(reasons)})" if reasons else ""
        what = f"Download failed: {got.group(1)} could not be fetched from any mirror{why}."
    else:
        what = f"Download failed: {message.split('. To use local files')[0].rstrip('.')}."
    if data:
        where = f"put MNIST's four files into {data}, the folder Digitpad was told to use"
    else:
        where = (f"copy MNIST's four files into a folder and start Digitpad with {ENV_VAR} set to it "
                 "(see the README)")
    return [what, f"Check the internet connection and press Download MNIST again; or {where}; or adapt "
                  "the bundled model to your class's drawings, which needs no MNIST."]


def held_out_count(per_digit: tuple[int, ...] | list[int]) -> int:
    """How many drawings adapting holds out (model/jobs.split_drawings' rule, for the words before it runs)."""
    return sum(max(round(n * HOLDOUT), 1) if n >= 2 else 0 for n in per_digit)


def right_of(h) -> tuple[int, int]:
    """(right, of how many) on the held-out drawings, from a HeldOut report."""
    n = sum(h.counts)
    right = sum(round(p * c) for p, c in zip(h.per_digit, h.counts) if c)
    return right, n


def network_words(hidden: int, not_digit: bool) -> str:
    """The network's shape as both pages say it: "784 → 925 → 10 + ✖" (the cross: the "not a
    digit" output, which a job trains unless told not to)."""
    outputs = f"{CLASSES} + {CROSS}" if not_digit else f"{CLASSES}"
    return f"{INPUTS} → {hidden:,} → {outputs}"


def duration(seconds: float) -> str:
    s = max(round(seconds), 0)
    return f"{s} s" if s < 90 else f"{s // 60} min {s % 60:02d} s"
