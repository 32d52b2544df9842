"""The from-scratch network: gradients (with and without dropout), learning, the textbook update, probabilities."""

import numpy as np
import pytest

from model.mlp import ACTIVATIONS, LOSSES, MLP, SGD, loss_and_dlogits, softmax


def numeric_grads(model: MLP, x, y, loss, eps=1e-6, dropout=0.0):
    def value():  # the same dropout masks at every evaluation: a fresh generator with one seed
        return model.loss_and_grads(x, y, loss, dropout, np.random.default_rng(5))[0]

    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = value()
            p[idx] = old - eps
            down = value()
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


@pytest.mark.parametrize("momentum,weight_decay", [(0.0, 0.0), (0.9, 0.01)])
def test_sgd_step_is_the_textbook_update(momentum, weight_decay):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)), rng.integers(0, 3, 16)
    model = MLP([6, 5, 3], seed=1, dtype=np.float64)
    before = [p.copy() for p in model.params]
    opt = SGD(model, momentum=momentum, weight_decay=weight_decay)
    _, grads = model.loss_and_grads(x, y)
    opt.step(x, y, lr=0.1)
    for i, (p, p0, g) in enumerate(zip(model.params, before, grads)):
        decay = weight_decay * p0 if i % 2 == 0 else 0  # weights decay, biases do not
        np.testing.assert_allclose(p, p0 - 0.1 * (g + decay), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_dropout_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(2)
    model = MLP([5, 9, 8, 4], activation=activation, seed=3, dtype=np.float64)
    for b in model.biases:  # a row whose units are all dropped would sit exactly on ReLU's kink at b = 0
        b[:] = rng.normal(0, 0.1, b.shape)
    x, y = rng.normal(size=(8, 5)), rng.integers(0, 4, 8)
    _, analytic = model.loss_and_grads(x, y, "xent", 0.4, np.random.default_rng(5))
    numeric = numeric_grads(model, x, y, "xent", dropout=0.4)
    for a, n in zip(analytic, numeric):
        assert np.allclose(a, n, rtol=1e-4, atol=1e-7), np.abs(a - n).max()
    # and dropout really drops: the gradient differs from the one without it
    _, plain = model.loss_and_grads(x, y)
    assert not np.allclose(plain[0], analytic[0])


def test_dropout_is_inverted_seeded_and_off_at_prediction():
    model = MLP([20, 400, 3], seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(50, 20))
    _, tape = model.forward(x, dropout=0.25, rng=np.random.default_rng(1))
    mask = tape.masks[0]
    assert set(np.unique(mask)) == {0.0, 1 / 0.75}
    assert abs((mask == 0).mean() - 0.25) < 0.02  # 20,000 units: the rate is what was asked
    np.testing.assert_allclose(tape.inputs[1], tape.hidden[0] * mask)
    _, again = model.forward(x, dropout=0.25, rng=np.random.default_rng(1))
    assert np.array_equal(again.masks[0], mask)
    # prediction never drops anything: deterministic, and the same as a forward pass without dropout
    assert np.array_equal(model.logits(x), model.forward(x)[0])


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


def test_from_arrays_keeps_the_given_parameters():
    source = MLP([6, 4, 3], activation="tanh", seed=2, dtype=np.float64)
    model = MLP.from_arrays(source.weights, source.biases, "tanh")
    assert model.sizes == [6, 4, 3] and model.activation == "tanh"
    assert all(p is q for p, q in zip(model.params, source.params))
    x = np.random.default_rng(0).normal(size=(3, 6))
    np.testing.assert_array_equal(model.logits(x), source.logits(x))
    with pytest.raises(ValueError, match="activation"):
        MLP.from_arrays(source.weights, source.biases, "swish")


def test_rejects_bad_configuration():
    with pytest.raises(ValueError, match="activation"):
        MLP([4, 2], activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        MLP([4])
    with pytest.raises(ValueError, match="loss"):
        loss_and_dlogits(np.zeros((1, 2)), np.array([0]), loss="hinge")


@pytest.mark.parametrize("rows", [1, 3, 16, 17, 40])
def test_prediction_for_few_or_many_rows_equals_the_forward_pass(rows):
    model = MLP([30, 20, 10], activation="tanh", seed=0)
    x = np.random.default_rng(0).random((rows, 30), dtype=np.float32)
    np.testing.assert_allclose(model.logits(x), model.forward(x)[0], rtol=1e-5, atol=1e-6)
    assert model.logits(x[0]).shape == (1, 10)
