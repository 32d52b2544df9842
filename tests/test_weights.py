"""Weights files: exact round trip, and one clear line for every way a file can be wrong."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

from model.mlp import MLP
from model.weights import FORMAT_VERSION, WeightsError, load, save

META = {"input": {}, "temperature": 1.0, "recipe": {"name": "test"}}


def write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def good_arrays(sizes=(784, 3, 10), **meta_overrides):
    m = MLP(list(sizes), seed=0)
    meta = {"format_version": FORMAT_VERSION, "sizes": list(sizes), "activation": "relu", **meta_overrides}
    arrays = {"meta": np.array(json.dumps(meta))}
    for i, (w, b) in enumerate(zip(m.weights, m.biases)):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    return arrays


def test_round_trip_is_bit_for_bit(tmp_path):
    model = MLP([784, 16, 10], activation="tanh", seed=5)
    save(tmp_path / "w.npz", model, META)
    loaded, meta = load(tmp_path / "w.npz")
    assert loaded.sizes == [784, 16, 10] and loaded.activation == "tanh"
    for a, b in zip(model.params, loaded.params):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert meta.recipe == {"name": "test"}
    x = np.random.default_rng(0).uniform(0, 1, (3, 784)).astype(np.float32)
    assert np.array_equal(model.predict_proba(x), loaded.predict_proba(x))


def bad_file_cases(tmp_path):
    yield "missing", tmp_path / "nope.npz", "no such file"
    (tmp_path / "empty.npz").write_bytes(b"")
    yield "empty", tmp_path / "empty.npz", "empty"
    (tmp_path / "text.npz").write_text("these are not weights\n")
    yield "not npz", tmp_path / "text.npz", "not an .npz"
    good = write_npz(tmp_path / "good.npz", **good_arrays())
    data = good.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    yield "truncated", tmp_path / "trunc.npz", "npz"
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps({})), W0=np.array([object()], dtype=object))
    (tmp_path / "pickled.npz").write_bytes(buf.getvalue())
    yield "pickled", tmp_path / "pickled.npz", "pickled"
    arrays = good_arrays()
    arrays["W0"] = np.zeros((5, 3), np.float32)  # (784, 3) expected
    yield "shape", write_npz(tmp_path / "shape.npz", **arrays), "shape"
    arrays = good_arrays()
    arrays["W1"] = arrays["W1"].copy()
    arrays["W1"][0, 0] = np.nan
    yield "nan", write_npz(tmp_path / "nan.npz", **arrays), "NaN"
    arrays = good_arrays()
    arrays["b0"] = np.full(3, np.inf, np.float32)
    yield "inf", write_npz(tmp_path / "inf.npz", **arrays), "infinite"
    yield "version", write_npz(tmp_path / "v.npz", **good_arrays(format_version=99)), "format version"
    arrays = good_arrays()
    del arrays["meta"]
    yield "no meta", write_npz(tmp_path / "nometa.npz", **arrays), "metadata"
    arrays = good_arrays()
    del arrays["b1"]
    yield "missing array", write_npz(tmp_path / "missing.npz", **arrays), "missing"
    yield "activation", write_npz(tmp_path / "act.npz", **good_arrays(activation="swish")), "activation"
    yield "temperature", write_npz(tmp_path / "t.npz", **good_arrays(temperature=-1)), "temperature"


def test_every_bad_file_gives_one_clear_line(tmp_path):
    seen = 0
    for name, path, expected in bad_file_cases(tmp_path):
        with pytest.raises(WeightsError) as err:
            load(path)
        message = str(err.value)
        assert "\n" not in message, name
        assert message.startswith(f"{path}: "), (name, message)
        assert expected.lower() in message.lower(), (name, message)
        seen += 1
    assert seen == 13
    assert zipfile.is_zipfile(tmp_path / "good.npz")  # the fixture itself was valid
    load(tmp_path / "good.npz")


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    save(path, MLP([4, 3, 2], seed=0), META)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save(path, MLP([4, 3, 2], seed=1), META)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]  # no temp file left behind
