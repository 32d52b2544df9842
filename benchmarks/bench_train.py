"""Training speed of the 784-925-10 network on 60,000 images: prints figures, asserts nothing.

    python benchmarks/bench_train.py [--repeat 3] [--only augmenter]

For each configuration: seconds per epoch (median of the repeats), samples per second, and the share
of the time that is the unavoidable matrix work (this machine's measured BLAS throughput on the same
products). Also how busy the machine was with other processes meanwhile, because two BLAS threads
on a shared 2-core machine slow down sharply when anything else runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataclasses import replace  # noqa: E402

from model.augment import Augment, Augmenter  # noqa: E402
from model.fast import matmul  # noqa: E402
from model.mlp import MLP  # noqa: E402
from model.pipeline import network_for  # noqa: E402
from model.preprocess import mnist_to_input  # noqa: E402
from model.trainer import CHUNK, RECIPES, Recipe, augment_workers, train  # noqa: E402

N, SIZES = 60_000, list(RECIPES["quick"].sizes)  # 784-925-10


class Busy:
    """CPU used by *other* processes during a block, as a fraction of all cores."""

    def __enter__(self):
        self.t0, self.cpu0, self.own0 = time.perf_counter(), _cpu_busy(), _own_cpu()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        total = (_cpu_busy() - self.cpu0) / os.sysconf("SC_CLK_TCK")
        own = _own_cpu() - self.own0
        self.others = max(0.0, (total - own) / (wall * os.cpu_count()))


def _cpu_busy() -> float:
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all time minus idle and iowait


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def images() -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST if it can be found, else noise of its shape, and says so: content matters, since the
    trainer skips pixels blank in a whole batch (a third of them in MNIST, none in noise)."""
    from model.data import DataError, load_mnist

    try:
        x, y, _, _ = load_mnist(download=False)
        return mnist_to_input(x), y.astype(np.int64)
    except (DataError, OSError):
        print("MNIST not found: timing on random noise instead, where no pixel is blank, so the plain "
              "epochs are slower than on MNIST. Set DIGITPAD_MNIST to the MNIST folder for real figures.")
        rng = np.random.default_rng(0)
        return (rng.random((N, 784), np.float32) < 0.15).astype(np.float32), rng.integers(0, 10, N)


def epoch(x, y, recipe: Recipe) -> float:
    """Seconds for one epoch of the training loop train.py runs (validation not included)."""
    model = network_for(replace(recipe, seed=0))
    return train(model, replace(recipe, epochs=1), x, y, val={}, progress=False)[0].seconds


def matmul_floor(x, batch: int) -> float:
    """Seconds for the products a dense implementation cannot skip: the 784x925 layer's forward pass
    and its weight gradient, through the same BLAS. (The 925x10 layer's products are under 2% of the
    work.) The trainer skips the input pixels blank in a whole batch (model/fast.py SkipBlankSGD),
    about a third of them in plain MNIST, so its share of this dense floor can pass 100%."""
    w1 = MLP(SIZES, seed=0).weights[0]
    d1 = np.random.default_rng(0).standard_normal((batch, 925)).astype(np.float32)
    t = time.perf_counter()
    for b in range(0, len(x), batch):
        xb = x[b : b + batch]
        matmul(xb, w1)
        matmul(xb.T, d1[: len(xb)])
    return time.perf_counter() - t


def augmenter_seconds(x: np.ndarray, workers: int, repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds the augmenter takes for 10,000 images (one training chunk)."""
    aug = Augmenter(Augment(), seed=1, workers=workers)
    chunk = x[:CHUNK]
    aug(chunk)  # the first call allocates the buffers
    walls, cpus = [], []
    for _ in range(max(repeat, 5)):
        t, c = time.perf_counter(), _own_cpu()
        aug(chunk)
        walls.append(time.perf_counter() - t)
        cpus.append(_own_cpu() - c)
    aug.close()
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", choices=["augmenter"], help="time only the augmenter")
    args = p.parse_args()
    x, y = images()
    for workers in sorted({1, augment_workers()}):
        with Busy() as busy:
            wall, cpu = augmenter_seconds(x, workers, args.repeat)
        print(f"augmenter alone, {workers} thread{'s' if workers > 1 else ''}: {wall:.3f} s per 10,000 images "
              f"(CPU {cpu:.3f} s; other processes {busy.others:.0%} CPU)")
    if args.only:
        return
    original, default = RECIPES["original"], RECIPES["default"]
    configs = [
        ("original recipe: batch 50, plain SGD", original),
        ("batch 50, momentum 0.9", replace(default, batch=50, augment=False)),
        ("default recipe: batch 100, momentum 0.9", replace(default, augment=False)),
        ("default recipe + augmentation", default),
        ("original recipe + augmentation", replace(original, augment=True)),
        ("quick recipe: batch 100, momentum 0.9", RECIPES["quick"]),
        ("quick recipe + augmentation", replace(RECIPES["quick"], augment=True)),
    ]
    flops = 2 * N * 784 * 925 * 2
    print(f"machine: {os.cpu_count()} cores; 784-925-10, float32, {N} images per epoch, {args.repeat} repeats")
    floors = {}
    for batch in (50, 100):
        with Busy() as busy:
            floors[batch] = statistics.median(matmul_floor(x, batch) for _ in range(args.repeat))
        print(f"matmul work alone, batch {batch}: {floors[batch]:.2f} s per epoch "
              f"({flops / floors[batch] / 1e9:.0f} GFLOP/s; other processes {busy.others:.0%} CPU)")
    medians = {}
    for name, recipe in configs:
        with Busy() as busy:
            times = [epoch(x, y, recipe) for _ in range(args.repeat)]
        med = medians[name] = statistics.median(times)
        print(f"{name:<42} {med:6.2f} s/epoch  {N / med:8.0f} samples/s  "
              f"matmul share {floors[recipe.batch] / med:4.0%}  (runs {', '.join(f'{t:.2f}' for t in times)}; "
              f"other processes {busy.others:.0%} CPU)")
    for base in ("original", "default", "quick"):
        plain = next(n for n in medians if n.startswith(f"{base} recipe:"))
        print(f"augmentation costs {medians[f'{base} recipe + augmentation'] / medians[plain]:.2f}x the plain "
              f"epoch ({base} recipe; medians of runs in turn, not pairs)")

if __name__ == "__main__":
    main()
