"""Open any supported stroke file: a UNIPEN release (.tar.gz, .tgz or a directory) or JSON lines.

The pieces live one job per module: `model.sample` (the Sample type and its checks), `model.jsonl`
(JSON lines), `model.unipen` (the UNIPEN reader), `model.split` (writer-disjoint splits). Their
public names are re-exported here for callers that want one import.
"""

from __future__ import annotations

import os
from pathlib import Path

from model.jsonl import append_sample, count_samples, read_jsonl
from model.safefile import file_problem
from model.sample import Sample, StrokeDataError
from model.split import SPLITS, person, split_samples, writer_split
from model.unipen import read_unipen

__all__ = [
    "SPLITS",
    "Sample",
    "StrokeDataError",
    "append_sample",
    "count_samples",
    "person",
    "read_jsonl",
    "read_strokes",
    "read_unipen",
    "split_samples",
    "writer_split",
]


def read_strokes(
    path: str | os.PathLike, policy: str = "debris", skipped: list[tuple[int, str]] | None = None
) -> list[Sample]:
    """Read samples from a UNIPEN release (.tar.gz, .tgz or a directory) or a .jsonl[.gz] file.

    `policy` and `skipped` apply to JSON lines (see `model.jsonl.read_jsonl`); a UNIPEN release is
    all or nothing. Every problem is one StrokeDataError line naming the file.
    """
    p = Path(path)
    why = file_problem(p, directory_ok=True)  # before anything opens it: a FIFO would block forever
    if why:
        raise StrokeDataError(f"{p}: {why}")
    if p.is_dir() or p.name.endswith((".tar.gz", ".tgz")):
        samples = read_unipen(p)
        if not samples:
            raise StrokeDataError(f"{p}: no digit samples in the release")
        return samples
    return read_jsonl(p, policy, skipped)
