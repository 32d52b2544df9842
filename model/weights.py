"""Saving and loading a trained network as a plain `.npz` archive with JSON metadata.

Layout: arrays W0, b0, W1, b1, ... and `meta`, a 0-d string array holding JSON (format version,
layer sizes, activation, input convention, training recipe and seed, data, accuracy, date). No
object arrays, so `allow_pickle=False` loads it and a weights file can never run code.

Every way a file can be wrong ends in one `WeightsError` line naming the file and the problem, so
the app and the command-line tools can print it and exit instead of showing a traceback.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from model.atomic import atomic_write
from model.mlp import ACTIVATIONS, MLP

FORMAT_VERSION = 1


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line: '<path>: <what is wrong>'."""


def save(path: str | os.PathLike, model: MLP, meta: dict) -> Path:
    """Write model and metadata atomically: readers see the old file or the new one, never half."""
    meta = {**meta, "format_version": FORMAT_VERSION, "sizes": model.sizes, "activation": model.activation}
    arrays = {}
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    payload = np.array(json.dumps(meta, sort_keys=True))
    return atomic_write(path, lambda f: np.savez(f, meta=payload, **arrays))


def load(path: str | os.PathLike) -> tuple[MLP, dict]:
    """Read and validate a weights file; returns the network and its metadata."""
    path = Path(path)

    def fail(why: str) -> WeightsError:
        return WeightsError(f"{path}: {why}")

    if not path.is_file():
        raise fail("no such file" if not path.exists() else "not a regular file")
    if path.stat().st_size == 0:
        raise fail("the file is empty")
    if not zipfile.is_zipfile(path):
        raise fail("not an .npz weights archive (not a zip file; truncated or another format)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise fail("contains pickled objects, which are refused for safety") from None
        raise fail(f"unreadable archive ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as e:
        raise fail(f"truncated or corrupt archive ({e.__class__.__name__})") from None

    if "meta" not in arrays or arrays["meta"].dtype.kind != "U" or arrays["meta"].ndim != 0:
        raise fail("no JSON metadata ('meta' entry missing)")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except json.JSONDecodeError as e:
        raise fail(f"metadata is not valid JSON ({e.msg})") from None
    if not isinstance(meta, dict):
        raise fail("metadata must be a JSON object")
    if meta.get("format_version") != FORMAT_VERSION:
        raise fail(f"unknown format version {meta.get('format_version')!r} (this Digitpad reads {FORMAT_VERSION})")
    sizes, activation = meta.get("sizes"), meta.get("activation")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(isinstance(s, int) and s > 0 for s in sizes)):
        raise fail(f"metadata 'sizes' must be a list of positive layer sizes, got {sizes!r}")
    if activation not in ACTIVATIONS:
        raise fail(f"unknown activation {activation!r}")
    temperature = meta.get("temperature", 1.0)
    if not (isinstance(temperature, (int, float)) and np.isfinite(temperature) and temperature > 0):
        raise fail(f"metadata 'temperature' must be a positive number, got {temperature!r}")

    expected = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        expected[f"W{i}"], expected[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise fail(f"arrays do not match layer sizes {sizes}: missing {missing}, unexpected {extra}")
    for name, shape in expected.items():
        a = arrays[name]
        if a.shape != shape:
            raise fail(f"{name} has shape {a.shape}, expected {shape} for layer sizes {sizes}")
        if a.dtype.kind != "f":
            raise fail(f"{name} has dtype {a.dtype}, expected floating point")
        if not np.isfinite(a).all():
            raise fail(f"{name} contains NaN or infinite values")

    layers = range(len(sizes) - 1)
    model = MLP.from_arrays([arrays[f"W{i}"] for i in layers], [arrays[f"b{i}"] for i in layers], activation)
    return model, meta
