"""Small, learnable MNIST-format data written to disk, for tests that must not need the real files, and
the few helpers several test files share."""

from __future__ import annotations

import csv
import gzip
import signal
import struct
from pathlib import Path

import numpy as np

NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def write_idx(path: Path, array: np.ndarray, gz: bool = True) -> Path:
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each class is a bright bar at its own place plus noise: easy, but only if the network learns."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(y):
        x[i, 4 + 2 * c : 6 + 2 * c, 4:24] = 255
    return x, y


def write_fake_mnist(folder: Path, n_train: int = 1200, n_test: int = 300) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    xtr, ytr = digits(n_train, 1)
    xte, yte = digits(n_test, 2)
    for name, arr in zip(NAMES, (xtr, ytr, xte, yte)):
        write_idx(folder / f"{name}.gz", arr)
    return folder


def rows(path: Path) -> list[dict]:
    """The rows of a CSV file a sweep wrote (research.py), as dicts."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def default_sigint() -> None:
    """preexec_fn: Ctrl-C as in a terminal. A test run in the background of a non-interactive shell has
    SIGINT ignored, children inherit that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
