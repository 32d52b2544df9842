"""Writer-disjoint splits: every sample of one person lands in the same part, on every machine."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from model.sample import Sample

SPLITS = ("train", "val", "test")


def person(writer: str) -> str:
    """The person behind a UNIPEN writer id, where the release gives one person several ids.

    IBM's ids are `rSS-WW`, recording session then writer (12 writers, three sessions each), and
    gmd's `kast` holds 51 digits identical to `alek`'s. Splitting by raw id would put the same hand
    in training and test; splitting by person keeps the held-out writers truly unseen.
    """
    lab, _, name = writer.partition("/")
    if lab == "ibm" and re.fullmatch(r"r\d\d-\d\d", name):
        return f"ibm/{name[-2:]}"
    if writer == "gmd/kast":
        return "gmd/alek"
    return writer


def writer_split(writer: str) -> str:
    """Return "train", "val" or "test" for a writer id: about 70/10/20, the same on every machine and run.

    A hash of the person (not Python's per-process randomised hash()) puts every sample of a person in
    one split, so accuracy on "test" is measured on writers that training and tuning never saw.
    """
    key = person(writer).encode("utf-8")
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % 100
    return "test" if bucket < 20 else "val" if bucket < 30 else "train"


def split_samples(samples: Iterable[Sample], part: str) -> list[Sample]:
    """The samples whose writer falls in `part` ("train", "val" or "test").

    Samples without a writer (a user's own drawings) are never held out: they all count as "train".
    """
    if part not in SPLITS:
        raise ValueError(f"part must be one of {SPLITS}, got {part!r}")
    return [s for s in samples if (writer_split(s.writer) if s.writer else "train") == part]
