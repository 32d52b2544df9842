"""The training step of `model/mlp.py`'s SGD, computed with fused BLAS calls: same maths, less memory
traffic. `tests/test_fast.py` checks it against the textbook step. The training loop uses
`SkipBlankSGD`, which also skips the input pixels blank in a whole batch (see its docstring).

Three tricks, all about the 784x925 first layer, whose 2.9 MB weight matrix dominates the step:

* gemm's `beta` applies the momentum inside the product that makes the weight gradient,
  v <- -lr * x.T @ d + momentum * v, so the gradient matrix is never materialised; without momentum
  the product is added straight into the weights;
* the velocity is added to the weights in place, by NumPy without threads (memory-bound work that
  BLAS threads do not speed up, and that stalls when another process holds a core);
* every product goes through SciPy's BLAS. NumPy and SciPy wheels each bundle their own OpenBLAS, and
  alternating between the two in one step makes their thread pools spin against each other (on two
  cores a training step ran ten times slower). One library, one pool.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import get_blas_funcs

from model.mlp import ACTIVATIONS, MLP, SGD, dropout_mask, loss_and_dlogits


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b as a C-ordered array, via SciPy's BLAS gemm without copying C- or Fortran-ordered operands."""
    gemm = get_blas_funcs("gemm", (a, b))
    # BLAS is column-major: compute (a @ b).T = b.T @ a.T in Fortran order, which is a @ b in C order.
    bt, trans_b = (b.T, 0) if b.flags.c_contiguous else (b, 1)
    at, trans_a = (a.T, 0) if a.flags.c_contiguous else (a, 1)
    return gemm(1.0, bt, at, trans_a=trans_b, trans_b=trans_a).T


def logits(model: MLP, x: np.ndarray, batch: int = 2000) -> np.ndarray:
    """`model.logits(x)` in batches through SciPy's BLAS, for scoring during training."""
    act = ACTIVATIONS[model.activation][0]
    out = []
    for s in range(0, len(x), batch):
        h = np.asarray(x[s : s + batch], dtype=model.weights[0].dtype)
        for i, (w, b) in enumerate(zip(model.weights, model.biases)):
            h = matmul(h, w)
            h += b
            if i < len(model.weights) - 1:
                h = act(h)
        out.append(h)
    return np.concatenate(out) if out else np.zeros((0, model.sizes[-1]), model.weights[0].dtype)


class FusedSGD(SGD):
    """`model.mlp.SGD` with the update fused into BLAS calls; the same constructor and `step`."""

    def __init__(self, model: MLP, *args, **kwargs) -> None:
        super().__init__(model, *args, **kwargs)
        self._gemm, self._axpy = get_blas_funcs(("gemm", "axpy"), (model.weights[0],))

    def step(self, x: np.ndarray, y: np.ndarray, lr: float, loss: str = "xent") -> float:
        """One forward/backward/update on a batch; returns the batch's mean loss."""
        model = self.model
        act, act_grad = ACTIVATIONS[model.activation]
        last = len(model.weights) - 1
        # Forward, as MLP.forward, remembering each layer's input, activation and dropout mask.
        inputs, hidden, masks = [], [], []
        h = np.asarray(x, dtype=model.weights[0].dtype)
        for i, (w, b) in enumerate(zip(model.weights, model.biases)):
            inputs.append(h)
            h = self._product(i, h, w)
            h += b
            if i < last:
                h = act(h)
                hidden.append(h)
                masks.append(dropout_mask(self.rng, h.shape, self.dropout, h.dtype) if self.dropout else None)
                if masks[-1] is not None:
                    h = h * masks[-1]
        value, d = loss_and_dlogits(h, y, loss)
        d = d.astype(model.weights[0].dtype, copy=False)
        # Backward from the last layer down. The error for the layer below is computed before layer i
        # is updated in place, so it sees the same weights as the textbook version.
        for i in reversed(range(len(model.weights))):
            below = None
            if i > 0:
                dh = matmul(d, model.weights[i].T)
                if masks[i - 1] is not None:
                    dh *= masks[i - 1]
                below = act_grad(hidden[i - 1], dh)
            self._update(i, inputs[i], d, lr)
            d = below
        return value

    def _product(self, i: int, h: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Layer i's input times its weights (a hook for SkipBlankSGD)."""
        return matmul(h, w)

    def _update(self, i: int, xi: np.ndarray, d: np.ndarray, lr: float) -> None:
        w, vw = self.model.weights[i], self.velocity[2 * i]
        xt = np.ascontiguousarray(xi).T
        wd, mu = self.weight_decay, self.momentum
        if mu:
            if wd:  # pre-divided by mu so that gemm's beta=mu below turns it into -lr * wd * w
                self._axpy(w.reshape(-1), vw.reshape(-1), a=-lr * wd / mu)
            # vw.T is Fortran-ordered, which BLAS overwrites in place: vw.T <- -lr d.T @ x + mu vw.T
            self._gemm(-lr, d.T, xt, beta=mu, c=vw.T, trans_b=1, overwrite_c=1)
            # NumPy's single-threaded add, not BLAS axpy: the same sum (x + y, rounded once), and one
            # threaded BLAS call fewer per step, each of which stalls when another process has a core.
            w += vw
        else:  # plain SGD writes straight into the weights: the step costs no more than its matmuls
            if wd:
                w *= 1 - lr * wd
            self._gemm(-lr, d.T, xt, beta=1.0, c=w.T, trans_b=1, overwrite_c=1)
        self._update_bias(i, d, lr)

    def _update_bias(self, i: int, d: np.ndarray, lr: float) -> None:
        b, vb = self.model.biases[i], self.velocity[2 * i + 1]
        vb *= self.momentum
        vb -= lr * d.sum(axis=0)
        b += vb


class SkipBlankSGD(FusedSGD):
    """FusedSGD whose first layer skips the input pixels that are blank in the whole batch.

    A speed trick, equal to FusedSGD up to float rounding (the products sum in another order):
    in a batch of 100 MNIST digits only about two thirds of the 784 pixels have ink in any image.
    The rows of the first layer's weights that meet only zeros add nothing to the forward product,
    and their gradient is exactly zero, so both big products run over the inked columns alone:
    those rows of W0 (and of its velocity) are gathered into a buffer, multiplied, and written back.
    Momentum still decays every row (v *= momentum for the rows the batch does not touch) and weight
    decay still shrinks every row. Batches inked almost everywhere (augmented images) take the dense
    path: the gathers would cost more than the skipped work.
    """

    DENSE_ABOVE = 0.8  # fraction of inked columns from which the dense path is used

    def __init__(self, model: MLP, *args, **kwargs) -> None:
        super().__init__(model, *args, **kwargs)
        self._w_rows = np.empty_like(model.weights[0])  # W0's rows for the batch's inked columns
        self._v_rows = np.empty_like(model.weights[0])  # the same rows of its velocity
        self._cols: np.ndarray | None = None  # the inked columns of this step, None on the dense path
        self._x_inked: np.ndarray | None = None

    def _product(self, i: int, h: np.ndarray, w: np.ndarray) -> np.ndarray:
        if i > 0:
            return matmul(h, w)
        cols = np.flatnonzero(h.any(axis=0))
        if not 0 < len(cols) <= self.DENSE_ABOVE * len(w):
            self._cols = None
            return matmul(h, w)
        self._cols, self._x_inked = cols, h[:, cols]
        rows = np.take(w, cols, axis=0, out=self._w_rows[: len(cols)], mode="clip")  # "clip": no extra copy
        return matmul(self._x_inked, rows)

    def _update(self, i: int, xi: np.ndarray, d: np.ndarray, lr: float) -> None:
        if i > 0 or self._cols is None:
            return super()._update(i, xi, d, lr)
        cols, xt = self._cols, self._x_inked.T
        w, vw = self.model.weights[0], self.velocity[0]
        wd, mu = self.weight_decay, self.momentum
        if mu:
            if wd:  # every row, pre-divided by mu as in FusedSGD._update
                self._axpy(w.reshape(-1), vw.reshape(-1), a=-lr * wd / mu)
            rows = np.take(vw, cols, axis=0, out=self._v_rows[: len(cols)], mode="clip")
            self._gemm(-lr, d.T, xt, beta=mu, c=rows.T, trans_b=1, overwrite_c=1)
            vw *= mu  # the rows without ink: zero gradient, momentum only
            vw[cols] = rows
            w += vw
        else:
            rows = self._w_rows[: len(cols)]  # gathered by _product, unchanged since
            if wd:
                w *= 1 - lr * wd
                rows *= 1 - lr * wd
            self._gemm(-lr, d.T, xt, beta=1.0, c=rows.T, trans_b=1, overwrite_c=1)
            w[cols] = rows
        self._update_bias(0, d, lr)
