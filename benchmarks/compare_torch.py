"""Digitpad's training loop against PyTorch CPU doing the same recipe, side by side in one run.

    python benchmarks/compare_torch.py [--repeat 3] [--recipes original,default,quick]

PyTorch is not a dependency: without it this prints how to install it and exits 0. With it, every
recipe (with and without augmentation) runs one epoch of 60,000 images in each library in turn,
Digitpad, PyTorch, Digitpad, PyTorch, ..., so both see the same machine load; it prints the median
seconds per epoch, the ratio PyTorch / Digitpad (above 1: Digitpad is faster), Digitpad's matmul
share, and how busy the machine was. Prints figures; asserts nothing.

"The same recipe" means: the 784-925-10 ReLU network in float32, the recipe's batch size, learning
rate schedule (per batch), momentum, weight decay and summed or averaged gradients, a fresh shuffle
per epoch, and with augmentation the same NumPy augmenter, with the same threads, feeding PyTorch's
loop chunk by chunk as it feeds Digitpad's. Validation is not timed in either.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_train import Busy, epoch, images, matmul_floor  # noqa: E402

from model.augment import Augment, Augmenter  # noqa: E402
from model.trainer import CHUNK, RECIPES, Recipe, augment_workers, lr_at  # noqa: E402

INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def torch_epoch(torch, x: np.ndarray, y: np.ndarray, recipe: Recipe) -> float:
    """Seconds for one epoch of `recipe` written the usual PyTorch way."""
    torch.manual_seed(recipe.seed)
    sizes = recipe.sizes
    net = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(), torch.nn.Linear(sizes[1], sizes[2]))
    opt = torch.optim.SGD(net.parameters(), lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum" if recipe.grad_sum else "mean")
    rng = np.random.default_rng(recipe.seed)
    augmenter = Augmenter(Augment(), seed=recipe.seed + 1, workers=augment_workers()) if recipe.augment else None
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    t0 = time.perf_counter()
    order = torch.from_numpy(rng.permutation(len(x)))
    for c in range(0, len(x), CHUNK):
        idx = order[c : c + CHUNK]
        xc = torch.from_numpy(augmenter(x[idx.numpy()])) if augmenter else None
        for b in range(0, len(idx), recipe.batch):
            xb = xc[b : b + recipe.batch] if augmenter else xt[idx[b : b + recipe.batch]]
            for group in opt.param_groups:
                group["lr"] = lr_at(replace(recipe, epochs=1), (c + b) / len(x))  # as bench_train.epoch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yt[idx[b : b + recipe.batch]])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    if augmenter:
        augmenter.close()
    if not math.isfinite(loss.item()):
        raise SystemExit("PyTorch's run diverged: the comparison is not valid")
    return seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="epochs per library and configuration")
    p.add_argument("--recipes", default="original,default,quick")
    p.add_argument("--images", type=int, default=60_000,
                   help="time this many images per epoch (fewer on a busy machine; seconds are scaled to 60,000)")
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        print(f"SKIPPED: PyTorch is not installed (it is not a Digitpad dependency). To compare, run: {INSTALL}")
        return 0

    x, y = images()
    x, y = x[: args.images], y[: args.images]
    per_epoch = 60_000 / len(x)  # seconds for this many images -> seconds for a 60,000-image epoch
    configs = []
    for name in args.recipes.split(","):
        base = RECIPES[name]
        for aug in (False, True):
            configs.append((f"{name}{' + augmentation' if aug else ''}", replace(base, augment=aug)))
    batches = {r.batch for _, r in configs}
    floors = {b: statistics.median(matmul_floor(x, b) for _ in range(args.repeat)) * per_epoch for b in batches}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; PyTorch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; 784-925-10 float32, {len(x)} images timed per epoch, "
          f"{args.repeat} epochs each")
    print("matmul floor: " + ", ".join(f"batch {b} {s:.2f} s" for b, s in sorted(floors.items())))
    print("\n| recipe | Digitpad s/epoch | PyTorch s/epoch | PyTorch / Digitpad | Digitpad matmul share | other load |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, recipe in configs:
        ours, theirs, ratios = [], [], []
        with Busy() as busy:
            for _ in range(args.repeat):
                ours.append(epoch(x, y, recipe) * per_epoch)
                theirs.append(torch_epoch(torch, x, y, recipe) * per_epoch)
                ratios.append(theirs[-1] / ours[-1])
        share = floors[recipe.batch] / statistics.median(ours)
        print(f"| {name} | {statistics.median(ours):.2f} | {statistics.median(theirs):.2f} | "
              f"{statistics.median(ratios):.2f}x (pairs: {', '.join(f'{r:.2f}' for r in ratios)}) | "
              f"{share:.0%} | {busy.others:.0%} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
