"""The fused training step (model/fast.py) computes the textbook SGD step of model/mlp.py."""

import numpy as np
import pytest

from model.fast import FusedSGD, SkipBlankSGD, logits, matmul
from model.mlp import MLP, SGD


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize(
    "momentum,weight_decay,dropout", [(0.0, 0.0, 0.0), (0.0, 0.01, 0.0), (0.9, 0.0, 0.0), (0.9, 0.01, 0.0),
                                      (0.9, 0.0, 0.3), (0.0, 0.01, 0.5), (0.5, 0.001, 0.2)]
)
def test_fused_step_equals_textbook_step(activation, momentum, weight_decay, dropout):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)), rng.integers(0, 3, 16)
    fast = MLP([6, 7, 5, 3], activation=activation, seed=1, dtype=np.float64)
    slow = MLP([6, 7, 5, 3], activation=activation, seed=1, dtype=np.float64)
    # The same seed for the dropout masks: both draw them in the same order and shapes.
    fused = FusedSGD(fast, momentum, weight_decay, dropout, np.random.default_rng(3))
    plain = SGD(slow, momentum, weight_decay, dropout, np.random.default_rng(3))
    for step in range(5):
        lr = 0.1 / (1 + step)
        b = slice(4 * (step % 4), 4 * (step % 4) + 8)
        assert fused.step(x[b], y[b], lr) == pytest.approx(plain.step(x[b], y[b], lr), rel=1e-12)
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not np.allclose(fast.weights[0], MLP([6, 7, 5, 3], seed=1, dtype=np.float64).weights[0])


def test_fused_step_in_float32_stays_close_to_the_textbook_step():
    rng = np.random.default_rng(0)
    x, y = rng.random((50, 784), dtype=np.float32), rng.integers(0, 10, 50)
    fast, slow = MLP([784, 64, 10], seed=1), MLP([784, 64, 10], seed=1)
    fused = FusedSGD(fast, 0.9, 1e-4, 0.1, np.random.default_rng(0))
    plain = SGD(slow, 0.9, 1e-4, 0.1, np.random.default_rng(0))
    for _ in range(5):
        fused.step(x, y, 0.05)
        plain.step(x, y, 0.05)
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape_a,shape_b,ta,tb", [((5, 7), (7, 3), False, False), ((7, 5), (7, 3), True, False),
                                                   ((5, 7), (3, 7), False, True), ((7, 5), (3, 7), True, True)])
def test_matmul_matches_numpy_for_every_memory_order(shape_a, shape_b, ta, tb):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    a, b = (a.T if ta else a), (b.T if tb else b)
    out = matmul(a, b)
    assert out.flags.c_contiguous
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)


def test_batched_logits_equal_the_model_logits():
    model = MLP([12, 9, 4], activation="sigmoid", seed=0, dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(23, 12))
    np.testing.assert_allclose(logits(model, x, batch=5), model.logits(x), rtol=1e-12)
    assert logits(model, x[:0]).shape == (0, 4)


def blank_columns(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """x with a random half of the input columns zero in every row, plus a few zero pixels elsewhere."""
    x = x.copy()
    x[:, rng.random(x.shape[1]) < 0.5] = 0
    x[rng.random(x.shape) < 0.2] = 0
    return x


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize(
    "momentum,weight_decay,dropout", [(0.0, 0.0, 0.0), (0.0, 0.01, 0.0), (0.9, 0.0, 0.0), (0.9, 0.01, 0.0),
                                      (0.9, 0.0, 0.3), (0.5, 0.001, 0.2)]
)
def test_skipping_blank_inputs_equals_the_textbook_step(activation, momentum, weight_decay, dropout):
    rng = np.random.default_rng(0)
    sparse_x = blank_columns(rng.normal(size=(16, 30)), rng)
    # Ink everywhere: the dense path, in the same run; the sparse steps after it must still move the
    # rows they do not ink by momentum (and shrink them by weight decay), or the weights part ways.
    dense_x = rng.normal(size=(16, 30))
    y = rng.integers(0, 3, 16)
    fast = MLP([30, 7, 5, 3], activation=activation, seed=1, dtype=np.float64)
    slow = MLP([30, 7, 5, 3], activation=activation, seed=1, dtype=np.float64)
    skip = SkipBlankSGD(fast, momentum, weight_decay, dropout, np.random.default_rng(3))
    plain = SGD(slow, momentum, weight_decay, dropout, np.random.default_rng(3))
    paths = []
    for step in range(8):
        x = dense_x if step in (3, 6) else sparse_x
        b = slice(4 * (step % 3), 4 * (step % 3) + 8)
        lr = 0.1 / (1 + step)
        assert skip.step(x[b], y[b], lr) == pytest.approx(plain.step(x[b], y[b], lr), rel=1e-12)
        paths.append(skip._cols is not None)
    assert paths == [True, True, True, False, True, True, False, True]  # both paths were taken
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_skipping_blank_inputs_in_float32_on_digits_stays_close_to_the_textbook_step():
    from tests.fakedata import digits

    x = digits(100, 4)[0].reshape(100, -1).astype(np.float32) / 255
    x[x < 0.2] = 0  # the noise off: blank margins, as in MNIST
    y = np.random.default_rng(0).integers(0, 10, 100)
    fast, slow = MLP([784, 64, 10], seed=1), MLP([784, 64, 10], seed=1)
    skip = SkipBlankSGD(fast, 0.9, 1e-4, 0.1, np.random.default_rng(0))
    plain = SGD(slow, 0.9, 1e-4, 0.1, np.random.default_rng(0))
    for b in range(0, 100, 20):
        skip.step(x[b : b + 20], y[b : b + 20], 0.05)
        plain.step(x[b : b + 20], y[b : b + 20], 0.05)
        assert skip._cols is not None
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
