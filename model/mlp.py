"""A multi-layer perceptron written from scratch in NumPy.

Read top to bottom: activations, losses, the network (forward, backward, predict), then the
optimiser. Nothing here knows about files, images or MNIST; `model/weights.py` saves and loads a
network, `model/trainer.py` feeds it data.

Conventions: inputs are rows (batch, features); weights are (fan_in, fan_out) so a layer is
`x @ W + b`; everything is float32 unless asked otherwise, because float32 halves memory traffic and
doubles BLAS throughput while the network loses nothing measurable in accuracy.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------------------------
# Hidden activations. Each backward takes the activation's *output* y (not its input): for all four
# the derivative can be written in terms of y, so the forward pass need not keep its inputs.

LEAKY_SLOPE = 0.01


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0, out=z)


def _relu_grad(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    dy *= y > 0
    return dy


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, z * LEAKY_SLOPE).astype(z.dtype, copy=False)


def _leaky_relu_grad(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    # y > 0 exactly where z > 0, since the slope is positive.
    return np.where(y > 0, dy, dy * LEAKY_SLOPE).astype(dy.dtype, copy=False)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # 0.5 * (1 + tanh(z / 2)) is the logistic function without exp overflow for large |z|.
    return (0.5 * (1.0 + np.tanh(0.5 * z))).astype(z.dtype, copy=False)


def _sigmoid_grad(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return dy * y * (1 - y)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def _tanh_grad(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return dy * (1 - y * y)


ACTIVATIONS = {
    "relu": (_relu, _relu_grad),
    "leaky_relu": (_leaky_relu, _leaky_relu_grad),
    "sigmoid": (_sigmoid, _sigmoid_grad),
    "tanh": (_tanh, _tanh_grad),
}
INITS = ("he", "xavier")
SMALL_BATCH = 16  # rows up to which prediction avoids BLAS (see MLP.logits)
LOSSES = ("xent", "mse")


# ---------------------------------------------------------------------------------------------
# Output layer and losses. The network emits logits; softmax turns them into probabilities.


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p = z - logsumexp(z), shifted by the row maximum so exp never overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_and_dlogits(logits: np.ndarray, y: np.ndarray, loss: str = "xent") -> tuple[float, np.ndarray]:
    """Mean loss over the batch and its gradient with respect to the logits.

    xent: cross-entropy of softmax(logits), computed from log-softmax, so a confident wrong answer
    gives a large finite loss instead of log(0). Its gradient is the familiar (p - onehot) / n.
    mse: 0.5 * sum_k (p_k - onehot_k)^2, the textbook alternative kept for comparison; its gradient
    goes back through the softmax Jacobian, which is why it learns more slowly.
    """
    n = logits.shape[0]
    rows = np.arange(n)
    if loss == "xent":
        logp = log_softmax(logits)
        value = -float(logp[rows, y].mean())
        d = np.exp(logp)
        d[rows, y] -= 1
        return value, d / n
    if loss == "mse":
        p = softmax(logits)
        err = p.copy()
        err[rows, y] -= 1
        value = 0.5 * float((err * err).sum()) / n
        # softmax Jacobian-vector product: dz_j = p_j * (err_j - sum_k p_k err_k)
        d = p * (err - (p * err).sum(axis=1, keepdims=True))
        return value, d / n
    raise ValueError(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}")


# ---------------------------------------------------------------------------------------------
# Dropout (Srivastava et al. 2014), the "inverted" form: while training, each hidden unit is zeroed
# with probability `rate` and the survivors are scaled by 1 / (1 - rate), so the expected input of
# the next layer is unchanged and prediction needs no rescaling at all.


def dropout_mask(rng: np.random.Generator, shape: tuple[int, ...], rate: float, dtype: np.dtype) -> np.ndarray:
    """0 or 1 / (1 - rate) per unit; multiply the hidden activations (and their gradients) by it."""
    keep = rng.random(shape, dtype=np.float32) >= rate
    return keep.astype(dtype) * np.dtype(dtype).type(1.0 / (1.0 - rate))


# ---------------------------------------------------------------------------------------------
# The network.


class Tape:
    """What the forward pass remembers for the backward pass, per layer."""

    def __init__(self) -> None:
        self.inputs: list[np.ndarray] = []  # the input of every layer (after dropout)
        self.hidden: list[np.ndarray] = []  # every hidden activation (before dropout)
        self.masks: list[np.ndarray | None] = []  # every hidden layer's dropout mask, or None


class MLP:
    """Fully connected layers `sizes[0] -> ... -> sizes[-1]`, one hidden activation, softmax out."""

    def __init__(
        self,
        sizes: list[int],
        activation: str = "relu",
        init: str = "he",
        seed: int = 0,
        dtype: type = np.float32,
    ) -> None:
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ValueError(f"layer sizes must be at least two positive integers, got {sizes}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITS)}")
        rng = np.random.default_rng(seed)
        weights, biases = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            # He keeps the variance of ReLU activations constant through depth (only half the units
            # pass); Xavier does the same for symmetric activations such as tanh.
            std = np.sqrt(2.0 / fan_in) if init == "he" else np.sqrt(2.0 / (fan_in + fan_out))
            weights.append((rng.standard_normal((int(fan_in), int(fan_out))) * std).astype(dtype))
            biases.append(np.zeros(int(fan_out), dtype=dtype))
        self._set(weights, biases, activation)

    @classmethod
    def from_arrays(cls, weights: list[np.ndarray], biases: list[np.ndarray], activation: str = "relu") -> MLP:
        """A network with the given (already validated) parameters, skipping random initialisation."""
        # Initialising a 1x1 network is free; its parameters are then replaced by the given ones.
        model = cls([1, 1], activation=activation, dtype=weights[0].dtype.type)
        model._set(list(weights), list(biases), activation)
        return model

    def _set(self, weights: list[np.ndarray], biases: list[np.ndarray], activation: str) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        self.weights, self.biases, self.activation = weights, biases, activation
        self.sizes = [int(weights[0].shape[0]), *(int(w.shape[1]) for w in weights)]

    @property
    def params(self) -> list[np.ndarray]:
        """Weights and biases interleaved: W0, b0, W1, b1, ... (the order of `backward`'s grads)."""
        return [p for wb in zip(self.weights, self.biases) for p in wb]

    def forward(
        self, x: np.ndarray, dropout: float = 0.0, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, Tape]:
        """Logits for a batch of rows, plus the tape `backward` needs.

        `dropout` > 0 (training only) drops hidden units at that rate, with masks drawn from `rng`.
        """
        act = ACTIVATIONS[self.activation][0]
        tape = Tape()
        h = np.asarray(x, dtype=self.weights[0].dtype)
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            tape.inputs.append(h)
            z = h @ w + b
            if i == len(self.weights) - 1:
                return z, tape
            h = act(z)
            tape.hidden.append(h)
            mask = dropout_mask(rng, h.shape, dropout, h.dtype) if dropout else None
            tape.masks.append(mask)
            if mask is not None:
                h = h * mask
        raise AssertionError("unreachable: a network has at least one layer")

    def backward(self, tape: Tape, dlogits: np.ndarray) -> list[np.ndarray]:
        """Gradients of the loss for every parameter, in the order of `params` (the chain rule,
        from the last layer down): dW_i = x_i.T @ d_i, db_i = sum(d_i), and the error below
        d_{i-1} = act'(d_i @ W_i.T), through the same dropout mask as the forward pass."""
        act_grad = ACTIVATIONS[self.activation][1]
        grads: list[np.ndarray] = [np.empty(0)] * (2 * len(self.weights))
        d = dlogits.astype(self.weights[0].dtype, copy=False)
        for i in reversed(range(len(self.weights))):
            grads[2 * i], grads[2 * i + 1] = tape.inputs[i].T @ d, d.sum(axis=0)
            if i > 0:  # the input layer needs no error signal: nothing upstream learns from it
                dh = d @ self.weights[i].T
                if tape.masks[i - 1] is not None:
                    dh *= tape.masks[i - 1]
                d = act_grad(tape.hidden[i - 1], dh)
        return grads

    def loss_and_grads(
        self,
        x: np.ndarray,
        y: np.ndarray,
        loss: str = "xent",
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> tuple[float, list[np.ndarray]]:
        logits, tape = self.forward(x, dropout, rng)
        value, dlogits = loss_and_dlogits(logits, y, loss)
        return value, self.backward(tape, dlogits)

    def layers(self, x: np.ndarray) -> list[np.ndarray]:
        """Every layer's output for prediction (no dropout): [input, hidden..., logits].

        The same sums as `forward`. For a few rows (the app reads one drawing at a time) they are
        written as einsum rather than `@`: `@` hands even a single row to BLAS, whose worker threads
        cost more to wake than the product itself, up to twenty times more on a busy machine.
        The inside view shows the hidden layers, so they are kept rather than thrown away.
        """
        x = np.atleast_2d(x)
        if len(x) > SMALL_BATCH:
            logits, tape = self.forward(x)
            return [*tape.inputs, logits]
        act = ACTIVATIONS[self.activation][0]
        h = x.astype(self.weights[0].dtype, copy=False)
        out = [h]
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = np.einsum("ij,jk->ik", h, w) + b
            if i < len(self.weights) - 1:
                h = act(h)
            out.append(h)
        return out

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The network's prediction (no dropout) for one input or a batch of rows."""
        return self.layers(x)[-1]

    def predict_proba(self, x: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        """Class probabilities, rows summing to 1. Softmax is applied exactly once, here.

        `temperature` > 1 softens over-confident outputs (fitted on validation data after training).
        A single 784-vector gives a single row.
        """
        return softmax(self.logits(x) / temperature)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.logits(x).argmax(axis=1)


# ---------------------------------------------------------------------------------------------
# Optimiser: mini-batch SGD with momentum and L2 weight decay, updating parameters in place.
# This is the textbook version; `model/fast.py` computes the same update with fused BLAS calls and
# is what the training loop uses.


class SGD:
    """v <- momentum * v - lr * (grad + weight_decay * W);  W <- W + v.

    Biases are not decayed (decaying them only costs accuracy). `dropout` is the rate of inverted
    dropout on hidden units during these steps, with masks drawn from `rng`.
    """

    def __init__(
        self,
        model: MLP,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.model, self.momentum, self.weight_decay = model, momentum, weight_decay
        self.dropout, self.rng = dropout, rng if rng is not None else np.random.default_rng(0)
        self.velocity = [np.zeros_like(p) for p in model.params]

    def step(self, x: np.ndarray, y: np.ndarray, lr: float, loss: str = "xent") -> float:
        """One forward/backward/update on a batch; returns the batch's mean loss."""
        value, grads = self.model.loss_and_grads(x, y, loss, self.dropout, self.rng)
        for k, (p, g, v) in enumerate(zip(self.model.params, grads, self.velocity)):
            if k % 2 == 0 and self.weight_decay:  # weights are at even positions, biases odd
                g = g + self.weight_decay * p
            v *= self.momentum
            v -= lr * g
            p += v
        return value
