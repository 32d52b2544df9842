"""The pen-stroke digit sample and the checks every stroke file's samples must pass.

A sample is a label and a list of strokes; a stroke is a float32 array of shape (n, 2) holding (x, y)
points in screen orientation (x right, y DOWN), like the app's canvas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Strokes are stored as float32: a coordinate beyond it would pass as "finite" in JSON and become
# inf on conversion, overflowing later in rendering. Checking the bound here names the line instead.
FLOAT32_MAX = float(np.finfo(np.float32).max)


class StrokeDataError(Exception):
    """A stroke file is malformed; the message names the file (and line) and the problem."""


@dataclass
class Sample:
    label: int
    strokes: list[np.ndarray]  # each float32 (n, 2): x right, y down
    writer: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict, repr=False, compare=False)  # other JSON keys, kept as is


def short(v: object, limit: int = 40) -> str:
    """`repr(v)` cut to `limit` characters, so a 400-digit number does not fill the message."""
    text = repr(v)
    return text if len(text) <= limit else f"{text[: limit - 12]}... ({len(text)} characters)"


MAX_INT_DIGITS = 40  # far more than any coordinate, label or count in Digitpad's files


def bounded_int(text: str) -> int:
    """json's parse_int: refuses absurdly long integers with a plain reason (Python's own limit
    error would advise calling sys.set_int_max_str_digits)."""
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer with {len(text.lstrip('-'))} digits is too long to be a number Digitpad uses")
    return int(text)


def label_problem(label: object) -> str | None:
    """Why `label` is not a digit label, or None."""
    # bool is an int subclass; `true` is not a digit label.
    if type(label) is not int or not 0 <= label <= 9:
        return f"label must be an integer 0-9, got {short(label)}"
    return None


def strokes_problem(strokes: object) -> str | None:
    """Why `strokes` is not a non-empty list of non-empty lists of [x, y] float32-sized numbers, or None."""
    if not isinstance(strokes, list) or not strokes:
        return "strokes must be a non-empty list of strokes"
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list) or not stroke:
            return f"stroke {i} must be a non-empty list of [x, y] points"
        for point in stroke:
            if not isinstance(point, list) or len(point) != 2:
                return f"stroke {i} has a point that is not [x, y]: {point!r}"
            for v in point:
                # type() rather than isinstance(): bool is an int subclass but no coordinate.
                if type(v) not in (int, float):
                    return f"stroke {i} has a coordinate that is not a finite number: {v!r}"
                # Integers by size alone: math.isfinite would overflow on a 400-digit one.
                if type(v) is float and not math.isfinite(v):
                    return f"stroke {i} has a coordinate that is not a finite number: {v!r}"
                if abs(v) > FLOAT32_MAX:
                    return f"stroke {i} has a coordinate too large for float32: {short(v)}"
    return None
