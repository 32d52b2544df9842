"""Train Digitpad's network. With no arguments it reproduces the bundled weights' recipe.

    python train.py --strokes ../shared/datasets/unipen1a/unipen1a-raw.tar.gz --out weights/new.npz
    python train.py --recipe quick --out /tmp/quick.npz          # about a minute, >= 98% on MNIST
    python train.py --recipe original --out /tmp/original.npz    # the school project's recipe
    python train.py --finetune weights/digitpad-925.npz --strokes my-digits.jsonl --out mine.npz

MNIST is found through --data, $DIGITPAD_MNIST or the user cache, and downloaded when missing.
Validation comes from the training set (the last 5,000 of a fixed shuffle, plus the validation
writers of any stroke data set); the MNIST test set is scored once, at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model.augment import Augment, Augmenter
from model.data import DataError, load_mnist, split_validation
from model.mlp import MLP
from model.preprocess import Style, mnist_to_input
from model.strokes import Sample, StrokeDataError, read_strokes, writer_split
from model.trainer import (
    RECIPES,
    Diverged,
    EpochReport,
    calibration,
    confusion_table,
    fit_temperature,
    logits_of,
    render_samples,
    train,
)
from model.weights import WeightsError, load, save

DEFAULT_OUT = Path(__file__).resolve().parent / "weights" / "digitpad-925.npz"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", choices=sorted(RECIPES), default=None, help="preset (default: default)")
    p.add_argument("--data", help="folder with the four MNIST IDX files (.gz or not)")
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.add_argument("--strokes", nargs="*", default=[], help="stroke data sets (.jsonl[.gz] or UNIPEN .tar.gz)")
    p.add_argument("--finetune", metavar="WEIGHTS", help="start from these weights instead of random ones")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="where to write the weights (.npz)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--hidden", type=int, nargs="*", help="hidden layer sizes (default 925)")
    p.add_argument("--activation", choices=["relu", "leaky_relu", "sigmoid", "tanh"])
    p.add_argument("--init", choices=["he", "xavier"])
    p.add_argument("--loss", choices=["xent", "mse"])
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--schedule", choices=["cosine", "exp"])
    p.add_argument("--decay", type=float, help="per-epoch factor of the exp schedule")
    p.add_argument("--momentum", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--seed", type=int)
    p.add_argument("--deskew", action="store_true", help="deskew training images and drawings alike")
    p.add_argument("--limit", type=int, help="use only this many MNIST training images (smoke tests)")
    p.add_argument("--augment-sheet", metavar="PNG", help="write a sheet of augmented samples and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.recipe is None:
        args.recipe = "finetune" if args.finetune else "default"
    return args


def make_recipe(args: argparse.Namespace):
    recipe = RECIPES[args.recipe]
    overrides = {
        k: getattr(args, k)
        for k in ("activation", "init", "loss", "epochs", "batch", "lr", "schedule", "decay", "momentum",
                  "weight_decay", "augment", "seed")
        if getattr(args, k) is not None
    }
    if args.hidden is not None:
        overrides["sizes"] = (784, *args.hidden, 10)
    return replace(recipe, **overrides)


def fail(message: str, code: int = 2) -> int:
    print(f"train.py: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.force and not args.augment_sheet:
        return fail(f"{out} exists; pass --force to overwrite it or choose another --out")
    try:
        recipe = make_recipe(args)
        return run(args, recipe, out)
    except (DataError, StrokeDataError, WeightsError, ValueError) as e:
        return fail(str(e))
    except Diverged as e:
        return fail(str(e), 1)
    except KeyboardInterrupt:
        return fail(f"interrupted; {out} left as it was", 130)


def run(args: argparse.Namespace, recipe, out: Path) -> int:
    started = time.perf_counter()
    say = tqdm.write
    if args.augment_sheet:
        x_train, *_ = load_mnist(args.data, download=not args.no_download)
        write_augment_sheet(x_train, Path(args.augment_sheet), recipe.seed)
        say(f"wrote {args.augment_sheet}")
        return 0

    base_meta: dict = {}
    if args.finetune:
        model, base_meta = load(args.finetune)
        style = Style.from_dict(base_meta["input"]["style"]) if "style" in base_meta.get("input", {}) else Style()
        recipe = replace(recipe, sizes=tuple(model.sizes), activation=model.activation)
    else:
        model = MLP(list(recipe.sizes), recipe.activation, recipe.init, seed=recipe.seed)
        style = Style(deskew=args.deskew)
    if recipe.sizes[0] != 784 or recipe.sizes[-1] != 10:
        raise ValueError("the network must map 784 inputs to 10 classes")

    # --- data: MNIST split into train/validation; the test set is touched once, at the end ---
    x_all, y_all, x_test, y_test = load_mnist(args.data, download=not args.no_download)
    tr, va = split_validation(len(x_all))
    if args.limit:
        tr = tr[: args.limit]
    x_tr, y_tr = mnist_to_input(x_all[tr], style), y_all[tr].astype(np.int64)
    x_va, y_va = mnist_to_input(x_all[va], style), y_all[va].astype(np.int64)
    val = {"mnist": (x_va, y_va)}
    data_meta: dict = {"mnist": {"train": len(tr), "validation": len(va), "test": len(x_test)}, "strokes": []}

    train_samples: list[Sample] = []
    val_samples: list[Sample] = []
    for path in args.strokes:
        samples = read_strokes(path)
        parts = {"train": [], "val": [], "test": []}
        for s in samples:
            # Writer-split data sets keep their validation and test writers out of training;
            # unattributed drawings (the user's own) are all for training.
            parts[writer_split(s.writer) if s.writer else "train"].append(s)
        train_samples += parts["train"]
        val_samples += parts["val"]
        data_meta["strokes"].append({"file": Path(path).name, **{k: len(v) for k, v in parts.items()}})
        say(f"{Path(path).name}: {len(parts['train'])} training, {len(parts['val'])} validation samples "
            f"({len(parts['test'])} held-out test samples left alone)")
    if train_samples:
        xs, ys = render_samples(train_samples, style, recipe.stroke_copies, seed=recipe.seed)
        if args.finetune:
            # A class's few drawings would drown among 55,000 MNIST digits: repeat them until they
            # are about a fifth of each epoch, and keep MNIST in the mix so nothing is forgotten.
            reps = int(np.clip(round(0.25 * len(x_tr) / max(len(xs), 1)), 1, 50))
            xs, ys = np.tile(xs, (reps, 1)), np.tile(ys, reps)
        x_tr, y_tr = np.concatenate([x_tr, xs]), np.concatenate([y_tr, ys])
    if val_samples:
        val["strokes"] = render_samples(val_samples, style)

    say(f"training {'-'.join(map(str, recipe.sizes))} {recipe.activation} on {len(x_tr)} images for "
        f"{recipe.epochs} epochs (recipe {args.recipe}, seed {recipe.seed})")

    def line(r: EpochReport) -> None:
        vals = "  ".join(f"val {k} {v:.2%}" for k, v in r.val.items())
        say(f"epoch {r.epoch:3d}/{recipe.epochs}  loss {r.loss:.4f}  {vals}  lr {r.lr:.4g}  {r.seconds:.1f} s")

    reports = train(model, recipe, x_tr, y_tr, val, on_epoch=line, progress=not args.quiet)

    # --- honest probabilities: temperature fitted on validation data only ---
    vx = np.concatenate([v[0] for v in val.values()])
    vy = np.concatenate([v[1] for v in val.values()])
    val_logits = logits_of(model, vx)
    temperature = fit_temperature(val_logits, vy)
    ece_before, ece_after = calibration(val_logits, vy, temperature)
    say(f"temperature {temperature:.3f}: validation calibration error {ece_before:.4f} -> {ece_after:.4f}")

    # --- the test set, once ---
    yt = y_test.astype(np.int64)
    pred = logits_of(model, mnist_to_input(x_test, style)).argmax(axis=1)
    test_acc = float((pred == yt).mean())
    say(f"MNIST test accuracy: {test_acc:.4f} ({int((pred == yt).sum())}/{len(yt)})")
    say(confusion_table(yt, pred))

    meta = {
        "input": {
            "shape": [28, 28], "range": [0, 1], "ink": "white on black, MNIST convention",
            "style": style.to_dict(), "tta_pens": base_meta.get("input", {}).get("tta_pens", [style.pen]),
        },
        "recipe": {**recipe.to_dict(), "name": args.recipe, "augment_params": Augment().to_dict()},
        "seed": recipe.seed,
        "finetuned_from": Path(args.finetune).name if args.finetune else None,
        "data": data_meta,
        "temperature": temperature,
        "calibration_error": {"before": ece_before, "after": ece_after},
        "validation_accuracy": reports[-1].val if reports else {},
        "test_accuracy": test_acc,
        "train_seconds": round(time.perf_counter() - started, 1),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if out.exists() and not args.force:  # it may have appeared while we trained
        return fail(f"{out} appeared during training; pass --force to overwrite it")
    save(out, model, meta)
    say(f"wrote {out} ({os.path.getsize(out) / 1e6:.1f} MB) in {meta['train_seconds']:.0f} s")
    return 0


def write_augment_sheet(x: np.ndarray, path: Path, seed: int, rows: int = 10, cols: int = 16) -> None:
    """Originals in the first column, augmented versions of the same digit beside them."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    picks = mnist_to_input(x[rng.choice(len(x), rows, replace=False)]).reshape(rows, 28, 28)
    aug = Augmenter(seed=seed)
    grid = np.zeros((rows * 30, cols * 30), np.float32)
    for r, img in enumerate(picks):
        tiles = [img, *aug(np.repeat(img[None], cols - 1, 0)).reshape(-1, 28, 28)]
        for c, t in enumerate(tiles):
            grid[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = t
    grid[:, 29:30] = 0.5  # a line between originals and augmentations
    big = Image.fromarray((grid * 255).astype(np.uint8)).resize((cols * 90, rows * 90), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    big.save(path)


if __name__ == "__main__":
    sys.exit(main())
