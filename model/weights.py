"""Saving and loading a trained network as a plain `.npz` archive with JSON metadata.

Layout: arrays W0, b0, W1, b1, ... and `meta`, a 0-d string array holding JSON (format version,
layer sizes, activation, input convention, training recipe and seed, data, accuracy, date). No
object arrays, so no pickle is ever loaded and a weights file can never run code.

`load` is the one way into Digitpad for a weights file: the app, `evaluate.py --weights` and
`train.py --finetune` all use it, and `train.py` runs the same `check` on a model before it writes
it, so nothing it writes can be refused later. Every way a file can be wrong ends in one
`WeightsError` line naming the file and the problem, and a hostile archive is refused from the
.npy headers inside the zip, before any array data is read.
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model.answer import MIN_INK, NOT_DIGIT, SURE, Thresholds
from model.atomic import atomic_write
from model.config import CLASSES, FIELD, INPUTS, OUTPUTS
from model.mlp import ACTIVATIONS, MLP
from model.preprocess import Style, strokes_to_input
from model.safefile import describe_os_error, file_problem
from model.sample import bounded_int, short

FORMAT_VERSION = 1
MAX_PARAMS = 50_000_000  # 200 MB of float32; Digitpad's model has 735,185. More is a hostile file.
MAX_META_CHARS = 1_000_000
MAX_TTA_PENS = 16
# The largest value any layer may reach for some input in [0, 1]. Digitpad's model reaches 1.6e4; a
# network past this would overflow float32 (3.4e38) in the inside view's products and sums.
MAX_REACH = 1e15
_ARRAY_NAME = re.compile(r"[Wb](\d{1,3})")


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line: '<path>: <what is wrong>'."""


def _number(v: object) -> bool:
    # type() rather than isinstance(): bool is an int subclass, but `true` is no pen width.
    # The size check first: math.isfinite overflows on an integer beyond float range.
    return type(v) in (int, float) and abs(v) < 1e300 and math.isfinite(v)


@dataclass(frozen=True)
class Meta:
    """What a weights file says about its network besides the arrays, typed and validated.

    Written by train.py, read by the loader, the recogniser and evaluate.py. Constructing one checks
    it (ValueError naming the field), so an invalid Meta cannot exist.
    """

    style: Style = Style()  # how drawings are rendered for this network
    temperature: float = 1.0  # softmax temperature fitted on validation data
    tta_pens: tuple[float, ...] = ()  # pen widths to render and average over; () = the style's pen
    recipe: dict = field(default_factory=dict)
    seed: int | None = None
    finetuned_from: str | None = None
    data: dict = field(default_factory=dict)
    calibration_error: dict = field(default_factory=dict)
    validation_accuracy: dict = field(default_factory=dict)
    test_accuracy: float | None = None
    train_seconds: float | None = None
    date: str | None = None
    # When to say "sure", "not sure" and "not a digit" (model/answer.py), chosen on validation
    # writers after training; `answers` holds what those thresholds gave there.
    sure_threshold: float = SURE
    not_digit_threshold: float = NOT_DIGIT
    min_ink: float = MIN_INK
    answers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.style
        if not isinstance(s, Style):
            raise ValueError(f"style must be a Style, got {s!r}")
        if not (_number(s.pen) and 0 < s.pen <= FIELD):
            raise ValueError(f"style 'pen' must be a number in (0, {FIELD}], got {s.pen!r}")
        if not (_number(s.sigma) and 0 <= s.sigma <= FIELD):
            raise ValueError(f"style 'sigma' must be a number in [0, {FIELD}], got {s.sigma!r}")
        if not isinstance(s.deskew, bool):
            raise ValueError(f"style 'deskew' must be true or false, got {s.deskew!r}")
        if not (_number(self.temperature) and self.temperature > 0):
            raise ValueError(f"'temperature' must be a positive number, got {self.temperature!r}")
        pens = self.tta_pens
        if not (isinstance(pens, tuple) and len(pens) <= MAX_TTA_PENS and all(_number(p) and 0 < p <= FIELD
                                                                              for p in pens)):
            raise ValueError(f"'tta_pens' must be up to {MAX_TTA_PENS} pen widths in (0, {FIELD}], got {pens!r}")
        try:
            self.thresholds  # noqa: B018 (constructing it checks the three numbers)
        except ValueError as e:
            raise ValueError(str(e)) from None
        for name in ("recipe", "data", "calibration_error", "validation_accuracy", "answers"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"{name!r} must be a JSON object, got {getattr(self, name)!r}")
        for name, ok in (("seed", lambda v: type(v) is int), ("test_accuracy", _number),
                         ("train_seconds", _number), ("finetuned_from", lambda v: isinstance(v, str)),
                         ("date", lambda v: isinstance(v, str))):
            v = getattr(self, name)
            if v is not None and not ok(v):
                raise ValueError(f"{name!r} has the wrong type: {v!r}")

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.sure_threshold, self.not_digit_threshold, self.min_ink)

    @property
    def pens(self) -> tuple[float, ...]:
        """The pen widths a drawing is rendered with (one entry: a single rendering)."""
        return self.tta_pens or (self.style.pen,)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["input"] = {
            "shape": [FIELD, FIELD], "range": [0, 1], "ink": "white on black, MNIST convention",
            "style": d.pop("style"), "tta_pens": list(self.pens),
        }
        del d["tta_pens"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Meta:
        """Parse stored metadata (the one place that does); ValueError says what is wrong."""
        inp = d.get("input", {})
        if not isinstance(inp, dict):
            raise ValueError(f"'input' must be a JSON object, got {inp!r}")
        shape = inp.get("shape", [FIELD, FIELD])
        if shape != [FIELD, FIELD]:
            raise ValueError(f"input 'shape' must be [{FIELD}, {FIELD}], got {shape!r}")
        style = inp.get("style", {"pen": Style.pen, "sigma": Style.sigma, "deskew": Style.deskew})
        if not isinstance(style, dict) or set(style) != {"pen", "sigma", "deskew"}:
            raise ValueError(f"input 'style' must have exactly the keys pen, sigma, deskew, got {style!r}")
        pens = inp.get("tta_pens", [])
        if not isinstance(pens, list) or ("tta_pens" in inp and not pens):
            raise ValueError(f"input 'tta_pens' must be a non-empty list of pen widths, got {pens!r}")
        names = {f for f in cls.__dataclass_fields__ if f not in ("style", "tta_pens")}
        known = {k: d[k] for k in names if k in d and d[k] is not None}
        return cls(style=Style(**style), tta_pens=tuple(pens), **known)


def save(path: str | os.PathLike, model: MLP, meta: Meta | dict) -> Path:
    """Write model and metadata atomically: readers see the old file or the new one, never half."""
    meta = meta.to_dict() if isinstance(meta, Meta) else meta
    meta = {**meta, "format_version": FORMAT_VERSION, "sizes": model.sizes, "activation": model.activation}
    arrays = {}
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    payload = np.array(json.dumps(meta, sort_keys=True))
    return atomic_write(path, lambda f: np.savez(f, meta=payload, **arrays))


def check(model: MLP, meta: Meta, where: str | os.PathLike) -> None:
    """Everything Digitpad needs of a network, for a loaded file or a model about to be saved.

    The network must map INPUTS pixels to the CLASSES digits (plus, optionally, "not a digit") with
    finite parameters, and it must read a test drawing, rendered as its metadata says, into finite
    probabilities: a file can be well formed yet useless, and that must surface as a message now,
    not on a user's first stroke in class.
    """
    sizes = model.sizes
    if sizes[0] != INPUTS or sizes[-1] not in OUTPUTS:
        raise WeightsError(f"{where}: the network maps {sizes[0]} inputs to {sizes[-1]} classes;"
                           f" Digitpad needs {INPUTS} ({FIELD}x{FIELD}) inputs and {CLASSES} classes"
                           f" (or {CLASSES + 1}, the last one for 'not a digit')")
    for i, p in enumerate(model.params):
        if not np.isfinite(p).all():
            raise WeightsError(f"{where}: {'Wb'[i % 2]}{i // 2} contains NaN or infinite values")
    # What the network can compute, for any input at all (pixels in [0, 1]): the largest value each
    # layer can reach, by interval arithmetic (every activation is at most max(|z|, 1)). Finite but
    # absurd numbers (3e38 in a weight) pass the checks above yet overflow float32 on the first
    # stroke, and every figure after that is NaN.
    reach = np.ones(sizes[0])
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.abs(w).astype(np.float64).T @ reach + np.abs(b).astype(np.float64)
        worst = float(z.max())
        if not worst <= MAX_REACH:
            raise WeightsError(f"{where}: layer {i + 1} can reach {worst:.3g}, beyond the {MAX_REACH:.0e} a sound "
                               "network stays far below (damaged or absurd weights); train it again")
        reach = np.maximum(z, 1.0)
    try:
        stroke = [np.array([[0.0, 0.0], [0.0, 10.0]])]
        x = np.stack([strokes_to_input(stroke, Style(p, meta.style.sigma, meta.style.deskew)).ravel()
                      for p in meta.pens])
        probs = model.predict_proba(x, meta.temperature).mean(axis=0)
    except (ValueError, FloatingPointError, ArithmeticError) as e:
        raise WeightsError(f"{where}: the model fails on a test drawing ({type(e).__name__}: {e})") from None
    if probs.shape != (sizes[-1],) or not np.isfinite(probs).all():
        raise WeightsError(f"{where}: the model gives invalid probabilities (NaN or wrong shape)")


def load(path: str | os.PathLike) -> tuple[MLP, Meta]:
    """Read, validate and `check` a weights file; returns the network and its metadata."""
    path = Path(path)

    def fail(why: str) -> WeightsError:
        return WeightsError(f"{path}: {' '.join(why.splitlines())}")

    arrays, raw = _read_archive(path, fail)
    sizes, activation = raw["sizes"], raw["activation"]
    try:
        meta = Meta.from_dict(raw)
    except (ValueError, TypeError) as e:
        raise fail(f"metadata Digitpad cannot use: {e}") from None
    layers = range(len(sizes) - 1)
    model = MLP.from_arrays([arrays[f"W{i}"] for i in layers], [arrays[f"b{i}"] for i in layers], activation)
    check(model, meta, path)
    return model, meta


def _read_archive(path: Path, fail) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and raw metadata of a weights file; names, dtypes and shapes are checked from the
    .npy headers (and the zip's own sizes) before any array data is read, so a file claiming a
    200000 x 200000 matrix costs nothing to refuse."""
    why = file_problem(path)  # no such file, a folder that cannot be entered, a loop, a FIFO, ...
    if why:
        raise fail(why)
    try:
        with open(path, "rb") as f:
            f.read(1)
    except PermissionError:
        raise fail("permission denied (make the file readable, or pass another --weights)") from None
    except OSError as e:
        raise fail(describe_os_error(e)) from None
    if path.stat().st_size == 0:
        raise fail("the file is empty")
    if not zipfile.is_zipfile(path):
        raise fail("not an .npz weights archive (not a zip file; truncated or another format)")
    try:
        with zipfile.ZipFile(path) as zf:
            members = {}
            for info in zf.infolist():
                name = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy") or not (name == "meta" or _ARRAY_NAME.fullmatch(name)):
                    raise fail(f"unexpected entry {info.filename!r} in the archive")
                members[name] = info
            headers = {name: _header(zf, info, fail) for name, info in members.items()}
            for name, (_, _, _, dtype) in headers.items():
                if dtype.hasobject:
                    raise fail(f"{name} contains pickled objects, which are refused for safety")
            if "meta" not in members:
                raise fail("no JSON metadata ('meta' entry missing)")
            raw = _read_meta(zf, members.pop("meta"), headers.pop("meta"), fail)
            sizes = raw["sizes"]
            expected = {}
            for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                expected[f"W{i}"], expected[f"b{i}"] = (fan_in, fan_out), (fan_out,)
            missing, extra = sorted(set(expected) - set(members)), sorted(set(members) - set(expected))
            if missing or extra:
                raise fail(f"arrays do not match layer sizes {sizes}: missing {missing}, unexpected {extra}")
            for name, (_, shape, _, dtype) in headers.items():
                if shape != expected[name]:
                    raise fail(f"{name} has shape {shape}, expected {expected[name]} for layer sizes {sizes}")
                if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                    raise fail(f"{name} has dtype {dtype}, expected float32 or float64")
            arrays = {name: _read_data(zf, members[name], headers[name], name, fail) for name in expected}
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
        raise fail(f"truncated or corrupt npz archive ({e.__class__.__name__}: {e})") from None
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise fail(f"{name} contains NaN or infinite values")
    return arrays, raw


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, fail) -> tuple[int, tuple, bool, np.dtype]:
    """(header length, shape, fortran order, dtype) of one .npy member, from its header alone."""
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise fail(f"{info.filename}: unsupported .npy version {version}")
        except ValueError as e:
            if isinstance(e, WeightsError):
                raise
            raise fail(f"{info.filename}: unreadable array header ({e})") from None
        return f.tell(), shape, fortran, dtype


def _read_data(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: tuple, name: str, fail) -> np.ndarray:
    offset, shape, fortran, dtype = header
    nbytes = math.prod(shape) * dtype.itemsize
    if info.file_size != offset + nbytes:  # the zip's own size must agree with the header
        raise fail(f"{name}: {info.file_size - offset} data bytes, but its header promises {nbytes}")
    with zf.open(info) as f:
        f.seek(offset)
        data = f.read(nbytes)
    if len(data) != nbytes:
        raise fail(f"{name}: truncated array data")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C").copy()


def _read_meta(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: tuple, fail) -> dict:
    _, shape, _, dtype = header
    if shape != () or dtype.kind != "U" or dtype.itemsize > 4 * MAX_META_CHARS:
        raise fail("no JSON metadata ('meta' must be a single string of at most 1 MB)")
    try:
        meta = json.loads(str(_read_data(zf, info, header, "meta", fail)[()]), parse_int=bounded_int)
    except json.JSONDecodeError as e:
        raise fail(f"metadata is not valid JSON ({e.msg})") from None
    except ValueError as e:  # an integer too long to be a number Digitpad uses
        raise fail(f"metadata Digitpad cannot use: {e}") from None
    except RecursionError:
        raise fail("metadata is nested too deeply") from None
    if not isinstance(meta, dict):
        raise fail("metadata must be a JSON object")
    if meta.get("format_version") != FORMAT_VERSION:
        raise fail(f"unknown format version {meta.get('format_version')!r} (this Digitpad reads {FORMAT_VERSION})")
    sizes, activation = meta.get("sizes"), meta.get("activation")
    if not (isinstance(sizes, list) and 2 <= len(sizes) <= 100
            and all(type(s) is int and 0 < s <= MAX_PARAMS for s in sizes)):
        raise fail(f"metadata 'sizes' must be a list of positive layer sizes, got {short(sizes, 80)}")
    params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if params > MAX_PARAMS:
        raise fail(f"layer sizes {sizes} mean {params:,} parameters; Digitpad refuses more than {MAX_PARAMS:,}")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise fail(f"unknown activation {short(activation)}; Digitpad knows {', '.join(ACTIVATIONS)}")
    return meta
