"""The from-scratch network: gradients, learning, the optimiser's fused update, probabilities."""

import numpy as np
import pytest

from model.mlp import ACTIVATIONS, LOSSES, MLP, SGD, loss_and_dlogits, matmul, softmax


def numeric_grads(model: MLP, x, y, loss, eps=1e-6):
    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = model.loss_and_grads(x, y, loss)[0]
            p[idx] = old - eps
            down = model.loss_and_grads(x, y, loss)[0]
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", LOSSES)
def test_gradients_match_finite_differences(activation, loss):
    rng = np.random.default_rng(1)
    model = MLP([5, 7, 6, 4], activation=activation, init="xavier", seed=3, dtype=np.float64)
    x = rng.normal(size=(8, 5))
    y = rng.integers(0, 4, 8)
    _, analytic = model.loss_and_grads(x, y, loss)
    numeric = numeric_grads(model, x, y, loss)
    for a, n in zip(analytic, numeric):
        assert np.allclose(a, n, rtol=1e-4, atol=1e-7), np.abs(a - n).max()


def test_cross_entropy_is_finite_for_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-800.0, 800.0, 1.0]])
    value, d = loss_and_dlogits(logits, np.array([1, 0]))
    assert np.isfinite(value) and value > 1000  # confidently wrong: large, not inf or nan
    assert np.isfinite(d).all()


def test_learns_xor_like_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (600, 2)).astype(np.float32)
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)  # not linearly separable
    model = MLP([2, 32, 2], seed=0)
    opt = SGD(model, momentum=0.9)
    for _ in range(150):
        for b in range(0, 600, 30):
            opt.step(x[b : b + 30], y[b : b + 30], lr=0.1)
    assert (model.predict(x) == y).mean() > 0.95


@pytest.mark.parametrize("momentum,weight_decay", [(0.0, 0.0), (0.0, 0.01), (0.9, 0.0), (0.9, 0.01)])
def test_fused_sgd_equals_textbook_update(momentum, weight_decay):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)), rng.integers(0, 3, 16)
    fast = MLP([6, 5, 3], seed=1, dtype=np.float64)
    slow = MLP([6, 5, 3], seed=1, dtype=np.float64)
    opt = SGD(fast, momentum=momentum, weight_decay=weight_decay)
    velocity = [np.zeros_like(p) for p in slow.params]
    for _ in range(3):
        opt.step(x, y, lr=0.1)
        _, grads = slow.loss_and_grads(x, y)
        for i, (p, g, v) in enumerate(zip(slow.params, grads, velocity)):
            if i % 2 == 0:
                g = g + weight_decay * p
            v *= momentum
            v -= 0.1 * g
            p += v
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_predict_proba_is_a_distribution_and_applies_softmax_once():
    rng = np.random.default_rng(0)
    x = (rng.uniform(0, 1, (300, 784)) < 0.15).astype(np.float32)  # sparse, like ink
    y = rng.integers(0, 10, 300)
    model = MLP([784, 64, 10], seed=0)
    opt = SGD(model)
    for _ in range(40):
        for b in range(0, 300, 30):
            opt.step(x[b : b + 30], y[b : b + 30], lr=0.05)
    p = model.predict_proba(x)
    assert p.shape == (300, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
    # A second softmax squashes every probability towards 1/10 (the old demo's ~8.5% bars): the
    # memorised training points must get confident probabilities instead.
    assert np.median(p.max(axis=1)) > 0.9
    assert p.max() <= 1 and p.min() >= 0
    single = model.predict_proba(x[0])
    assert single.shape == (1, 10) and np.allclose(single, p[:1], atol=1e-6)


def test_temperature_softens_but_keeps_the_ranking():
    logits = np.array([[3.0, 1.0, 0.0]])
    assert softmax(logits / 2).max() < softmax(logits).max()
    assert softmax(logits / 2).argmax() == softmax(logits).argmax()


@pytest.mark.parametrize("shape_a,shape_b,ta,tb", [((5, 7), (7, 3), False, False), ((7, 5), (7, 3), True, False),
                                                   ((5, 7), (3, 7), False, True), ((7, 5), (3, 7), True, True)])
def test_matmul_matches_numpy_for_every_memory_order(shape_a, shape_b, ta, tb):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    a, b = (a.T if ta else a), (b.T if tb else b)
    out = matmul(a, b)
    assert out.flags.c_contiguous
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)


def test_rejects_bad_configuration():
    with pytest.raises(ValueError, match="activation"):
        MLP([4, 2], activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        MLP([4])
    with pytest.raises(ValueError, match="loss"):
        loss_and_dlogits(np.zeros((1, 2)), np.array([0]), loss="hinge")
