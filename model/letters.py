"""Real letters and symbols as "not a digit": which of them count, and the samples a network trains on.

UNIPEN sections 1b, 1c and 1d hold real pen-written upper-case letters, lower-case letters and
symbols (model/unipen.py reads them, labelled NOT_A_DIGIT with the character in `extra["char"]`).
Some of them *are* digits in many hands, and a network told they are not would learn to refuse real
digits. The rule, one line per digit: a character is left out (neither trained as "not a digit" nor
counted in the "not a digit" targets; evaluate.py still reports it, as "like a digit") when a digit
is commonly written the same way:

- a closed oval is a 0 (O o D Q, and Q's tail is a slashed zero's stroke);
- a single straight stroke is a 1, or a part of a digit drawn alone (l I | / \\ - _);
- a Z is a 2, an S a 5, a b or a G a 6, a B or an & an 8, a g, q or a a 9;
- brackets, parentheses and braces are a 1 or a part of a 0 ( ) [ ] { }, and specks and ticks
  (. , ' ` : ; ~ ^ ") are too small or too simple to be anything.

Everything else is no digit: any letter or sign with a separate dot (i j ! ?: no digit has one),
crossings no digit has (+ t x X * # @ $ %), and the rest of the alphabet. Some of those look a
little like a digit (a 4 and a y, a 7 and a T); training on them is how the network learns the
difference, and the thresholds, chosen on validation writers' digits, keep real digits read.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import platformdirs

from model.sample import Sample

RELEASE = "unipen1bcd-raw.tar.gz"  # UNIPEN train_r01_v07 sections 1b-1d, as the public release packs them
ENV_VAR = "DIGITPAD_UNIPEN_LETTERS"  # that file, or a folder holding it

# The digit each look-alike is written like, or "part" for marks that are a piece of a digit or too
# small to be read (README: Honest about what is not a digit).
LIKE_A_DIGIT: dict[str, str] = {
    "0": "OoDQ",
    "1": "lI|/\\",
    "2": "Zz",
    "5": "Ss",
    "6": "bG",
    "8": "B&",
    "9": "gqa",
    "part": "()[]{}-_.,'`:;~^\"",
}
LOOKALIKES = {c: digit for digit, chars in LIKE_A_DIGIT.items() for c in chars}


def char_of(sample: Sample) -> str:
    return sample.extra.get("char", "")


def is_no_digit(char: str) -> bool:
    """True for a character no digit is written like (the ones trained and scored as "not a digit")."""
    return len(char) == 1 and not char.isdigit() and char not in LOOKALIKES


def kind(char: str) -> str:
    """A character's group in reports: upper-case, lower-case or symbol."""
    return "upper" if char.isupper() else "lower" if char.islower() else "symbol"


# Labs whose letters are not letters as a person draws one. kai (KAIST) cut its letters out of cursive
# words and labelled "all delayed strokes" (the dot of an i, the bar of a t, the second stroke of an x)
# and every ligature and bit of noise '\@' (its include/kai/kai1.doc): its i is a bare stroke, a 1,
# and 1,130 of the release's 1,585 '\@' are kai's pen lines, not at signs. Trained as "not a digit",
# they taught a first network that a plain stroke is no digit (20 of MNIST's 1,135 test 1s went to it).
LEFT_OUT_LABS = ("kai",)


def release_letters(part: str) -> list[Sample]:
    """One writer split's letters and symbols of the UNIPEN 1b-1d release on this computer
    (find_release); [] when it is not there, or cannot be read."""
    from model.sample import StrokeDataError
    from model.split import split_samples

    path = find_release()
    if path is None:
        return []
    try:
        stat = path.stat()
        return split_samples(_read_release(path, stat.st_mtime_ns, stat.st_size), part)
    except (StrokeDataError, OSError):
        return []


@functools.lru_cache(maxsize=1)
def _read_release(path: Path, mtime_ns: int, size: int) -> tuple[Sample, ...]:
    """The release's letters, read once per process (about 7 s): a Learn job asks for the training and
    the validation writers' letters both. Keyed by the file's time and size, so a new copy is read."""
    from model.unipen import read_unipen

    return tuple(letters_of(read_unipen(path)))


def letters_of(samples: list[Sample]) -> list[Sample]:
    """The letter and symbol samples among `samples` (those read from UNIPEN sections 1b-1d), but
    those of LEFT_OUT_LABS."""
    return [s for s in samples if char_of(s) and s.source not in LEFT_OUT_LABS]


def pick(samples: list[Sample], per_char: int, seed: int) -> list[Sample]:
    """At most `per_char` samples of every no-digit character, chosen at random (reproducibly), in a
    fixed order: common letters (e: 5,900 samples) must not drown rare signs (`: 144)."""
    rng = np.random.default_rng([seed, 23])
    by_char: dict[str, list[Sample]] = {}
    for s in samples:
        if is_no_digit(char_of(s)):
            by_char.setdefault(char_of(s), []).append(s)
    out = []
    for char in sorted(by_char):
        group = by_char[char]
        take = rng.permutation(len(group))[:per_char]
        out += [group[i] for i in sorted(take)]
    return out


def find_release() -> Path | None:
    """The UNIPEN 1b-1d release on this computer, for the Learn view's jobs (train.py and evaluate.py
    take it as a stroke file): $DIGITPAD_UNIPEN_LETTERS (the file or its folder), then the user cache
    ($DIGITPAD_CACHE or the platform's, under unipen/). None when it is in neither place."""
    cache = Path(os.environ.get("DIGITPAD_CACHE") or platformdirs.user_cache_dir("digitpad")) / "unipen"
    for place in (os.environ.get(ENV_VAR), cache):
        if place:
            path = Path(place)
            path = path / RELEASE if path.is_dir() else path
            if path.is_file():
                return path
    return None
