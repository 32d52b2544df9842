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
from scipy.linalg import get_blas_funcs

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
LOSSES = ("xent", "mse")


# ---------------------------------------------------------------------------------------------
# Matrix products. All of them go through SciPy's BLAS: NumPy and SciPy wheels each bundle their own
# OpenBLAS, and alternating between the two makes their thread pools spin against each other (on
# two cores a training step ran ten times slower). One library, one pool.


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b as a C-ordered array, via BLAS gemm without copying C- or Fortran-ordered operands."""
    gemm = get_blas_funcs("gemm", (a, b))
    # BLAS is column-major: compute (a @ b).T = b.T @ a.T in Fortran order, which is a @ b in C order.
    bt, trans_b = (b.T, 0) if b.flags.c_contiguous else (b, 1)
    at, trans_a = (a.T, 0) if a.flags.c_contiguous else (a, 1)
    return gemm(1.0, bt, at, trans_a=trans_b, trans_b=trans_a).T


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
# The network.


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
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITS)}")
        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            # He keeps the variance of ReLU activations constant through depth (only half the units
            # pass); Xavier does the same for symmetric activations such as tanh.
            std = np.sqrt(2.0 / fan_in) if init == "he" else np.sqrt(2.0 / (fan_in + fan_out))
            self.weights.append((rng.standard_normal((fan_in, fan_out)) * std).astype(dtype))
            self.biases.append(np.zeros(fan_out, dtype=dtype))

    @classmethod
    def from_arrays(cls, weights: list[np.ndarray], biases: list[np.ndarray], activation: str = "relu") -> MLP:
        """A network with the given (already validated) parameters, skipping random initialisation."""
        model = cls.__new__(cls)
        model.sizes = [weights[0].shape[0], *(w.shape[1] for w in weights)]
        model.activation, model.weights, model.biases = activation, list(weights), list(biases)
        return model

    @property
    def params(self) -> list[np.ndarray]:
        """Weights and biases interleaved: W0, b0, W1, b1, ... (the order of `backward`'s grads)."""
        return [p for wb in zip(self.weights, self.biases) for p in wb]

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Logits for a batch, plus each layer's input (what `backward` needs)."""
        act = ACTIVATIONS[self.activation][0]
        inputs = []
        h = np.asarray(x, dtype=self.weights[0].dtype)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            inputs.append(h)
            z = matmul(h, w)
            z += b
            h = z if i == last else act(z)
        return h, inputs

    def backward(self, inputs: list[np.ndarray], dlogits: np.ndarray, apply=None) -> list[np.ndarray]:
        """Gradients of the loss for every parameter, in the order of `params`.

        With `apply`, each layer's gradient is handed over instead of collected: `apply(i, x_i, d_i)`
        is called from the last layer down, where dW_i = x_i.T @ d_i and db_i = sum(d_i). The error
        for the layer below is computed first, so `apply` may update layer i in place.
        """
        act_grad = ACTIVATIONS[self.activation][1]
        grads: list[np.ndarray] = [np.empty(0)] * (2 * len(self.weights))
        d = dlogits.astype(self.weights[0].dtype, copy=False)
        for i in reversed(range(len(self.weights))):
            # The input layer needs no error signal: nothing upstream learns from it.
            below = act_grad(inputs[i], matmul(d, self.weights[i].T)) if i > 0 else None
            if apply is None:
                grads[2 * i], grads[2 * i + 1] = matmul(inputs[i].T, d), d.sum(axis=0)
            else:
                apply(i, inputs[i], d)
            d = below
        return grads

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, loss: str = "xent") -> tuple[float, list[np.ndarray]]:
        logits, inputs = self.forward(x)
        value, dlogits = loss_and_dlogits(logits, y, loss)
        return value, self.backward(inputs, dlogits)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.forward(np.atleast_2d(x))[0]

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


class SGD:
    """v <- momentum * v - lr * (grad + weight_decay * W);  W <- W + v.

    The update is written with BLAS calls because at batch 50 it is most of the non-matmul time:
    gemm's `beta` applies the momentum inside the matmul that produces the weight gradient, so the
    2.9 MB gradient matrix of the 784x925 layer is never materialised, and axpy adds in place on
    both cores. Biases are small and are not decayed (decaying them only costs accuracy).
    """

    def __init__(self, model: MLP, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        self.model, self.momentum, self.weight_decay = model, momentum, weight_decay
        self.velocity = [np.zeros_like(p) for p in model.params]
        self._gemm, self._axpy = get_blas_funcs(("gemm", "axpy"), (model.weights[0],))

    def step(self, x: np.ndarray, y: np.ndarray, lr: float, loss: str = "xent") -> float:
        """One forward/backward/update on a batch; returns the batch's mean loss."""
        logits, inputs = self.model.forward(x)
        value, dlogits = loss_and_dlogits(logits, y, loss)
        self.model.backward(inputs, dlogits, apply=lambda i, xi, d: self._update(i, xi, d, lr))
        return value

    def _update(self, i: int, xi: np.ndarray, d: np.ndarray, lr: float) -> None:
        w, b = self.model.weights[i], self.model.biases[i]
        vw, vb = self.velocity[2 * i], self.velocity[2 * i + 1]
        xt = np.ascontiguousarray(xi).T
        wd, mu = self.weight_decay, self.momentum
        if mu:
            if wd:  # pre-divided by mu so that gemm's beta=mu below turns it into -lr * wd * w
                self._axpy(w.reshape(-1), vw.reshape(-1), a=-lr * wd / mu)
            # vw.T is Fortran-ordered, which BLAS overwrites in place: vw.T <- -lr d.T @ x + mu vw.T
            self._gemm(-lr, d.T, xt, beta=mu, c=vw.T, trans_b=1, overwrite_c=1)
            self._axpy(vw.reshape(-1), w.reshape(-1))
        else:  # plain SGD writes straight into the weights: the step costs no more than its matmuls
            if wd:
                w *= 1 - lr * wd
            self._gemm(-lr, d.T, xt, beta=1.0, c=w.T, trans_b=1, overwrite_c=1)
        vb *= self.momentum
        vb -= lr * d.sum(axis=0)
        b += vb
