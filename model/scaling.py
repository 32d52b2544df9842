"""The scaling lab's arithmetic: sweep configurations, parameter and FLOP counts, power-law fits, seed
statistics. Pure NumPy/SciPy, no files and no plotting, so every number a plot shows is tested here.

The question behind it: the school report picked 925 hidden neurons as "the best MLP for 15 epochs"
from one seed per width, reading differences of 0.01 points. Whether such a difference means
anything depends on how much the same width varies from seed to seed, which is what these helpers
measure.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.optimize import least_squares

from model.config import HIDDEN, layer_sizes

REPORT_PICK = {"hidden": HIDDEN, "epochs": 15}  # the report's single-seed choice, marked on the plots


# ---------------------------------------------------------------------------------------------
# Counting


def parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a fully connected network with these layer sizes."""
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def training_flops(sizes: Sequence[int], samples_seen: int) -> int:
    """Floating-point operations to train on `samples_seen` examples (epochs x training set size).

    Per example and layer of a x b weights: the forward product is 2ab FLOPs (a multiply and an add
    per weight), the weight gradient another 2ab, and the error passed down to the layer below 2ab
    more, except for the first layer, whose inputs need no error. Activations, losses and the
    optimiser's update are O(units), not O(weights), and are left out, as in Kaplan et al. (2020).
    """
    macs = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    per_example = 6 * sum(macs) - 2 * macs[0]
    return int(per_example) * int(samples_seen)


def sizes_for(hidden: Sequence[int]) -> tuple[int, ...]:
    """A swept network's layer sizes: MNIST alone, so ten outputs."""
    return layer_sizes(hidden)


def config_key(config: dict) -> str:
    """A short stable name for a run's configuration: the same settings always give the same key."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Power laws: error = a * N^-alpha + c


@dataclass(frozen=True)
class PowerLaw:
    a: float
    alpha: float
    c: float  # the error no size removes (label noise, the data's own ambiguity, the recipe's limits)
    full: bool  # False when too few sizes forced c = 0 (a straight line on log-log axes)

    def __call__(self, n: np.ndarray | float) -> np.ndarray:
        return self.a * np.asarray(n, dtype=np.float64) ** -self.alpha + self.c

    def label(self) -> str:
        if self.full:
            return f"fit: {self.a:.3g}·N^-{self.alpha:.2f} + {self.c:.2%}  (α = {self.alpha:.2f})"
        return f"fit: {self.a:.3g}·N^-{self.alpha:.2f}  (α = {self.alpha:.2f}; c = 0, too few sizes for c)"


def fit_power_law(n: Iterable[float], error: Iterable[float]) -> PowerLaw | None:
    """Fit `error = a * n^-alpha + c` by least squares on log(error), every run a point.

    Fitting the logarithm weighs a 1% error as much as a 10% one, which is what log-log axes show.
    With four or more distinct sizes all three parameters are fitted (c >= 0, below the smallest
    error); with two or three, c is fixed at 0; with fewer, or non-positive data, None.
    """
    n = np.asarray(list(n), dtype=np.float64)
    e = np.asarray(list(error), dtype=np.float64)
    ok = (n > 0) & (e > 0) & np.isfinite(n) & np.isfinite(e)
    n, e = n[ok], e[ok]
    distinct = len(np.unique(n))
    if distinct < 2:
        return None
    ln, le = np.log(n), np.log(e)
    slope, intercept = np.polyfit(ln, le, 1)
    if distinct < 4:
        return PowerLaw(a=float(math.exp(intercept)), alpha=float(-slope), c=0.0, full=False)

    c_max = float(e.min()) * (1 - 1e-6)

    def residuals(p: np.ndarray) -> np.ndarray:
        log_a, alpha, c = p
        return np.log(np.exp(log_a) * n**-alpha + c) - le

    best = None
    # A few starting points for c: the fit is not convex in c, and a start at the boundary (c = 0)
    # alone can get stuck where the straight-line fit already looks fine.
    for frac in (0.0, 0.3, 0.6, 0.9):
        c0 = frac * c_max
        s, i = np.polyfit(ln, np.log(np.maximum(e - c0, 1e-12)), 1)
        start = np.array([i, max(-s, 1e-3), c0])
        lo, hi = np.array([-np.inf, 0.0, 0.0]), np.array([np.inf, 10.0, max(c_max, 1e-12)])
        r = least_squares(residuals, np.clip(start, lo, hi - 1e-12), bounds=(lo, hi))
        if best is None or r.cost < best.cost:
            best = r
    log_a, alpha, c = best.x
    return PowerLaw(a=float(math.exp(log_a)), alpha=float(alpha), c=float(c), full=True)


# ---------------------------------------------------------------------------------------------
# Seed statistics


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    sd: float  # sample standard deviation (ddof=1); 0 for a single seed
    lo: float
    hi: float


def spread(values: Iterable[float]) -> Spread:
    v = np.asarray(list(values), dtype=np.float64)
    if len(v) == 0:
        raise ValueError("spread of no values")
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return Spread(n=len(v), mean=float(v.mean()), sd=sd, lo=float(v.min()), hi=float(v.max()))


def group_by(rows: Iterable[dict], key: str, value: str) -> dict:
    """{row[key]: Spread of row[value]} over the rows (one row per run and seed), keys sorted."""
    groups: dict = {}
    for r in rows:
        groups.setdefault(r[key], []).append(float(r[value]))
    return {k: spread(groups[k]) for k in sorted(groups)}


@dataclass(frozen=True)
class Comparison:
    difference: float  # mean(a) - mean(b)
    p_value: float  # Welch's t-test; nan with fewer than two seeds on either side
    seed_sd: float  # the larger of the two seed standard deviations, for scale


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Is the difference between two settings' means larger than seed-to-seed noise?"""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return Comparison(diff, float("nan"), float("nan"))
    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return Comparison(diff, p, float(max(a.std(ddof=1), b.std(ddof=1))))


def pareto_front(x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """Indices of the points no other point beats on both (lower x and lower y), by increasing x.

    On a compute plot these are the runs that reached the lowest loss for their budget: the frontier.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    order = np.lexsort((y, x))
    front, best = [], np.inf
    for i in order:
        if y[i] < best:
            front.append(i)
            best = y[i]
    return np.array(front, dtype=np.int64)
