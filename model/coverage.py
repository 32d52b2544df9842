"""Training data beyond MNIST's hands: the styles it lacks, and drawings that are no digit at all.

- `style_variants`: for every training writer's 7, 1, 4 and 9, the same digit in the style that
  MNIST-trained networks misread (crossbar 7, flag 1, one-stroke 4, curled 9; see model/styles.py).
  Only ever applied to *training* writers: evaluate.py tests on variants of held-out writers.
- `non_digit_inputs`: rendered drawings of model/nondigits.py's kinds (scribbles, hearts, words...),
  labelled NOT_A_DIGIT, for the network's 11th output. Short marks are left out: preprocessing
  scales every drawing to the same size, so a tick would look like a 1; they are caught by their
  size on the canvas instead (model/answer.py MIN_INK), before the network is asked. Dots stay: a
  single dab is caught by its size too, but a few dabs spread over the canvas are as wide as a digit.
- `letter_inputs`: real pen letters and symbols of UNIPEN's writers that no digit is written like
  (model/letters.py), for the same output.
- `render_samples`: any of these, or pen-drawn digits, through the app's own preprocessing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.config import NOT_A_DIGIT
from model.letters import pick
from model.nondigits import KINDS, SEEDS, make
from model.preprocess import Style, strokes_to_input
from model.sample import Sample
from model.styles import STYLES

SIZE_CAUGHT = ("short-mark",)  # kinds answered by ink size alone, not by the network
TRAINED_KINDS = tuple(k for k in KINDS if k not in SIZE_CAUGHT)


# Variants made of each sample, per style: the flag 1 gets two (two flags of their own length and
# angle), as it is the style validation writers' variants were least often read right in.
VARIANTS = {"crossbar-7": 1, "flag-1": 2, "one-stroke-4": 1, "curl-9": 1, "slashed-0": 1}


def style_variants(samples: list[Sample], seed: int = 0) -> list[Sample]:
    """VARIANTS[style] variants in each style of every sample of that style's digit (same writer,
    new strokes)."""
    rng = np.random.default_rng(seed)
    out = []
    for name, (digit, restyle) in STYLES.items():
        for s in samples * VARIANTS[name]:
            if s.label == digit:
                strokes = restyle([np.asarray(p, np.float64) for p in s.strokes], rng)
                out.append(Sample(digit, [p.astype(np.float32) for p in strokes], s.writer, f"style:{name}"))
    return out


def jitter(strokes: list[np.ndarray], rng: np.random.Generator, strength: float) -> list[np.ndarray]:
    """The same digit as its writer might write it another time: each stroke moved and turned a
    little on its own (where the bar of a 7, the flag of a 1 or the stem of a 4 lands), and the whole
    drawing slanted. Image augmentation moves whole images; only the points can move one stroke
    against another. `strength` 1 moves a stroke by about 5% of the digit's height and turns it by
    about 6 degrees (standard deviations), and slants by up to 0.2; 0 returns copies of the strokes."""
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = max(float((hi - lo).max()), 1e-9)
    centre = (lo + hi) / 2
    slant = strength * rng.uniform(-0.2, 0.2)
    out = []
    for s in strokes:
        s = np.array(s, np.float64)  # a copy: the input is never edited
        if len(strokes) > 1:  # a single stroke has nothing to move against
            mid = s.mean(axis=0)
            a = np.deg2rad(strength * 6.0 * rng.standard_normal())
            turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
            s = (s - mid) @ turn.T + mid + strength * 0.05 * size * rng.standard_normal(2)
        s[:, 0] += slant * (centre[1] - s[:, 1])  # y grows down: a positive slant leans right
        out.append(s.astype(np.float32))
    return out


_jitter = jitter  # render_samples' parameter of the same name hides the function there


def non_digit_samples(per_kind: int, seed: int, kinds: tuple[str, ...] = TRAINED_KINDS) -> list[Sample]:
    """`per_kind` drawings of each kind as samples labelled NOT_A_DIGIT (reproducible for a seed)."""
    rng = np.random.default_rng(seed)
    return [Sample(NOT_A_DIGIT, [p.astype(np.float32) for p in make(kind, rng)], "", f"non-digit:{kind}")
            for kind in kinds for _ in range(per_kind)]


def render_samples(
    samples: list[Sample], style: Style, copies: int = 1, seed: int = 0, jitter: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Strokes -> (n * copies, 784) float32 inputs through the app's own preprocessing.

    Each copy uses a pen width drawn around the style's, so the network also learns to ignore
    stroke weight; the app then renders at exactly the style's width. With `jitter`, every copy
    but the first also has its strokes moved against each other (`jitter` above).
    """
    if not samples:
        return np.zeros((0, 784), np.float32), np.zeros(0, np.int64)
    rng = np.random.default_rng(seed)
    jitter_rng = np.random.default_rng([seed, 11])  # its own stream: the pens stay as without jitter
    images, labels = [], []
    for s in samples:
        for c in range(copies):
            pen = style.pen if copies == 1 or c == 0 else style.pen * rng.uniform(0.75, 1.3)
            strokes = s.strokes if c == 0 or not jitter else _jitter(s.strokes, jitter_rng, jitter)
            images.append(strokes_to_input(strokes, replace(style, pen=pen)).reshape(-1))
            labels.append(s.label)
    return np.array(images, np.float32), np.array(labels, np.int64)


def non_digit_inputs(per_kind: int, seed: int, style: Style, copies: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Rendered non-digits and their labels, through the app's own preprocessing (as render_samples)."""
    return render_samples(non_digit_samples(per_kind, seed), style, copies, seed=seed)


def training_non_digits(per_kind: int, style: Style, copies: int) -> tuple[np.ndarray, np.ndarray]:
    """The non-digits a network with the extra output trains on (the training seed)."""
    return non_digit_inputs(per_kind, SEEDS["train"], style, copies)


VAL_PER_KIND = 40  # validation non-digits per kind: enough to place the threshold, quick to render


def validation_non_digits(style: Style, per_kind: int = VAL_PER_KIND) -> np.ndarray:
    """Non-digits to choose the "not a digit" threshold on (the validation seed: never trained on)."""
    return non_digit_inputs(per_kind, SEEDS["val"], style)[0]


# Real letters and symbols (UNIPEN 1b-1d, model/letters.py). Each is rendered twice with its own pen
# width: writers' pens vary as much as their letters do. Per character, so "e" (5,900 samples) does
# not drown "`" (144); the validation set is balanced the same way, so the share of it caught is the
# mean over characters that the targets are stated in.
LETTER_COPIES = 2
VAL_LETTERS_PER_CHAR = 40


def letter_inputs(letters: list[Sample], per_char: int, seed: int, style: Style,
                  copies: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """At most `per_char` of every no-digit character among `letters` (one writer split's letters),
    rendered through the app's preprocessing and labelled NOT_A_DIGIT."""
    return render_samples(pick(letters, per_char, seed), style, copies, seed=seed)


def training_letters(letters: list[Sample], per_char: int, style: Style) -> tuple[np.ndarray, np.ndarray]:
    """The training writers' letters a network with the extra output trains on."""
    return letter_inputs(letters, per_char, SEEDS["train"], style, LETTER_COPIES)


def validation_letters(letters: list[Sample], style: Style) -> np.ndarray:
    """Validation writers' letters to choose the "not a digit" threshold on (never trained on)."""
    return letter_inputs(letters, VAL_LETTERS_PER_CHAR, SEEDS["val"], style)[0]
