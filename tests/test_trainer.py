"""The training loop: divergence stops at once, cancel and progress hooks, reproducible threaded
augmentation and dropout."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from model.augment import Augment, Augmenter
from model.mlp import MLP
from model.trainer import CHUNK, Cancelled, Chunks, Diverged, Recipe, train
from tests.fakedata import digits, write_fake_mnist

ROOT = Path(__file__).resolve().parents[1]
SMALL = Recipe(hidden=(16,), epochs=2, batch=50, lr=0.1, augment=False)


def data(n=1000):
    x, y = digits(n, 1)
    return (x.reshape(n, -1) / 255).astype(np.float32), y.astype(np.int64)


def test_divergence_stops_within_the_first_batches_and_names_real_flags():
    x, y = data()
    batches = []
    with pytest.raises(Diverged) as e:
        train(MLP([784, 16, 10]), replace(SMALL, lr=1e9, grad_sum=True), x, y, {}, progress=False,
              should_stop=lambda: batches.append(1) and False)
    assert len(batches) <= 6  # not after 10,000 samples: within a few batches
    assert "--lr" in str(e.value) and "--no-grad-sum" in str(e.value) and "--grad-mean" not in str(e.value)


def test_a_normal_run_is_not_taken_for_divergence():
    x, y = data()
    reports = train(MLP([784, 16, 10]), SMALL, x, y, {"v": (x, y)}, progress=False)
    assert reports[-1].val["v"] > 0.9


def test_train_py_exits_nonzero_and_writes_nothing_when_training_diverges(tmp_path):
    folder = write_fake_mnist(tmp_path / "mnist")
    out = tmp_path / "w.npz"
    args = ["--recipe", "quick", "--lr", "1e9", "--epochs", "2", "--hidden", "16", "--quiet", "--no-download"]
    env = {k: v for k, v in os.environ.items() if k != "DIGITPAD_MNIST"}
    r = subprocess.run([sys.executable, "train.py", "--data", str(folder), *args, "--out", str(out)], cwd=ROOT,
                       env={**env, "DIGITPAD_CACHE": str(tmp_path / "cache")}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stderr
    assert "diverged" in r.stderr and "--lr" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not any(p.suffix == ".npz" for p in tmp_path.iterdir())


def test_should_stop_cancels_between_batches_and_progress_reports_epochs():
    x, y = data()
    seen = []
    reports = train(MLP([784, 16, 10]), SMALL, x, y, {}, progress=False,
                    on_progress=lambda e, loss: seen.append((e, loss)))
    assert len(reports) == 2
    epochs = [e for e, _ in seen]
    assert epochs == sorted(epochs) and epochs[-1] == pytest.approx(2.0) and all(np.isfinite(v) for _, v in seen)
    calls = []
    stop = lambda: len(calls) > 3 or calls.append(1)  # noqa: E731  (yes after three batches)
    with pytest.raises(Cancelled) as e:
        train(MLP([784, 16, 10]), SMALL, x, y, {}, progress=False, should_stop=stop)
    assert isinstance(e.value, KeyboardInterrupt) and len(calls) == 4


def test_progress_comes_at_least_every_chunk():
    x, y = np.zeros((2 * CHUNK + 10, 784), np.float32), np.zeros(2 * CHUNK + 10, np.int64)
    seen = []
    train(MLP([784, 4, 10]), replace(SMALL, epochs=1, batch=500), x, y, {}, progress=False,
          on_progress=lambda e, loss: seen.append(e))
    assert len(seen) == 3 and np.all(np.diff([0, *seen]) * len(x) <= CHUNK + 1)


def test_threaded_augmentation_gives_the_chunks_of_the_plain_sequential_loop():
    x, y = data(2 * CHUNK + 500)
    recipe = replace(SMALL, epochs=2, augment=True)
    chunks = Chunks(x, y, recipe, np.random.default_rng(0), Augmenter(Augment(), seed=1, workers=2))
    got = [(c, xc.copy(), yc) for _ in range(2) for c, xc, yc in chunks.epoch()]
    chunks.close()
    rng, aug = np.random.default_rng(0), Augmenter(Augment(), seed=1)
    expected = []
    for _ in range(2):
        order = rng.permutation(len(x))
        expected += [(c, aug(x[order[c : c + CHUNK]]), y[order[c : c + CHUNK]]) for c in range(0, len(x), CHUNK)]
    assert len(got) == len(expected) == 6
    for (c, xc, yc), (c2, xe, ye) in zip(got, expected):
        assert c == c2 and np.array_equal(xc, xe) and np.array_equal(yc, ye)


@pytest.mark.parametrize("changes", [dict(augment=True), dict(dropout=0.3)])
def test_same_seed_same_weights_with_augmentation_or_dropout(changes):
    x, y = data(600)
    recipe = replace(SMALL, **changes)
    a, b, plain = MLP([784, 16, 10]), MLP([784, 16, 10]), MLP([784, 16, 10])
    train(a, recipe, x, y, {}, progress=False)
    train(b, recipe, x, y, {}, progress=False)
    train(plain, SMALL, x, y, {}, progress=False)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    assert not np.array_equal(a.weights[0], plain.weights[0])


def test_training_skips_blank_pixels_reproducibly_and_as_the_dense_step_would(monkeypatch):
    import model.trainer as trainer
    from model.fast import FusedSGD

    x, y = data(600)
    x[x < 0.2] = 0  # the noise off: blank margins, as in MNIST, so the skipping path runs
    a, b, dense = MLP([784, 16, 10]), MLP([784, 16, 10]), MLP([784, 16, 10])
    train(a, SMALL, x, y, {}, progress=False)
    train(b, SMALL, x, y, {}, progress=False)
    monkeypatch.setattr(trainer, "SkipBlankSGD", FusedSGD)
    train(dense, SMALL, x, y, {}, progress=False)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    for p, q in zip(a.params, dense.params):
        np.testing.assert_allclose(p, q, rtol=1e-3, atol=1e-5)
