"""Train Digitpad's network. With no arguments it reproduces the bundled weights' recipe.

    python train.py --strokes unipen1a-raw.tar.gz unipen1bcd-raw.tar.gz   # the bundled weights
    (UNIPEN's digits and its letters and symbols; bit for bit with OPENBLAS_NUM_THREADS=1, as they
    were trained: thread counts change float sums)
    python train.py --recipe quick                 # about a minute, >= 98% on MNIST
    python train.py --recipe original --lr 0.02    # the school project's recipe, one value changed
    python train.py --finetune weights/digitpad-925.npz --strokes my-digits.jsonl --out mine.npz

New weights go to runs/digitpad-<recipe>-<time>.npz unless --out says otherwise. Every field of the
Recipe dataclass is a flag (`--help` shows each default); the run prints what it overrode, checks
that it can write its output before it starts, and ends with how to use the result.
MNIST is found through --data, $DIGITPAD_MNIST or the user cache, and downloaded when missing.
Validation comes from the training set (the last 5,000 of a fixed shuffle, plus the validation
writers of any stroke data set); the MNIST test set is scored once, at the end.
"""

from __future__ import annotations

from model.interrupt import loaded, one_line_interrupts

one_line_interrupts("train.py", hold=__name__ == "__main__")  # first: a Ctrl-C while the rest loads is held

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model.atomic import check_writable
from model.augment import Augmenter
from model.cli import command, memory_available_now, positive_int
from model.config import BUNDLED_WEIGHTS, CLASSES, FIELD, INPUTS, NOT_A_DIGIT, REPO
from model.coverage import (
    LETTER_COPIES,
    render_samples,
    style_variants,
    training_letters,
    training_non_digits,
    validation_letters,
    validation_non_digits,
)
from model.data import DataError, load_mnist, mnist_parts
from model.jsonl import describe_skipped
from model.letters import char_of, letters_of
from model.mlp import ACTIVATIONS, INITS, LOSSES, MLP
from model.nondigits import KINDS, SEEDS
from model.pipeline import conclude, finetune_recipe, network_for, write
from model.preprocess import Style, mnist_to_input
from model.sample import Sample, StrokeDataError
from model.split import SPLITS, split_samples
from model.strokes import read_strokes
from model.styles import listed
from model.trainer import (
    RECIPES,
    RULES,
    SCHEDULES,
    Diverged,
    EpochReport,
    Recipe,
    confusion_table,
    logits_of,
    train,
)
from model.weights import MAX_PARAMS, Meta, WeightsError, load, save

loaded()  # a Ctrl-C pressed while the imports loaded arrives here

RUNS = REPO / "runs"  # ignored by git: where new models go unless --out says otherwise

# One line of help per Recipe field; the flags themselves are generated from the dataclass.
FIELD_HELP = {
    "hidden": f"hidden layer sizes (input {INPUTS} is fixed; output {CLASSES}, plus one with --not-digits)",
    "activation": "hidden-layer activation",
    "init": "weight initialisation",
    "loss": "training loss",
    "epochs": "passes over the training data",
    "batch": "mini-batch size",
    "lr": "peak learning rate",
    "schedule": "learning-rate schedule: cosine to zero, or exp (lr * decay**epoch)",
    "decay": "per-epoch factor of the exp schedule",
    "momentum": "SGD momentum",
    "weight_decay": "L2 weight decay",
    "dropout": "inverted dropout on hidden units while training (0 = off)",
    "grad_sum": "sum (not average) batch gradients, as the original project did",
    "augment": "augment MNIST images (elastic, rotate, scale, shear, shift, thickness)",
    "stroke_copies": "renderings per training stroke sample, each with its own pen width",
    "mnist_copies": "times each MNIST training image is in an epoch (each augmented anew)",
    "stroke_jitter": "renderings of a stroke sample after the first have their strokes moved, turned and "
                     "slanted this much (1: strokes moved ~5%% of the digit's height, turned ~6 degrees)",
    "styles": f"add {listed()} made from training writers' digits",
    "not_digits": "generated non-digit drawings per kind, for an 11th output 'not a digit' (0: none)",
    "letters": "real pen letters and symbols per character that no digit is written like, from the training "
               "writers of a UNIPEN 1b-1d release given with --strokes, for 'not a digit' too (0: none)",
    "seed": "random seed (initialisation, shuffling, augmentation)",
}
CHOICES = {"activation": list(ACTIVATIONS), "init": list(INITS), "loss": list(LOSSES), "schedule": list(SCHEDULES)}


def checked(name: str, kind: type):
    """An argparse type that parses `kind` and applies the Recipe's own rule for `name`."""
    ok, what = RULES.get(name, (lambda v: True, ""))

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            expected = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok((value,) if name == "hidden" else value):  # one hidden size, checked as a list of them
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def recipe_help(name: str) -> str:
    """'<what it is> (default X; quick Y, original Z)': the default recipe's value and where presets differ."""
    show = (lambda v: " ".join(map(str, v))) if name == "hidden" else str
    base = getattr(RECIPES["default"], name)
    others = [f"{r} {show(getattr(rec, name))}" for r, rec in RECIPES.items()
              if r != "default" and show(getattr(rec, name)) != show(base)]
    return f"{FIELD_HELP[name]} (default {show(base)}{'; ' + ', '.join(others) if others else ''})"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", choices=sorted(RECIPES), default=None,
                   help="preset the values below start from (default: default, or finetune with --finetune)")
    p.add_argument("--data", help="folder with the four MNIST IDX files (.gz or not)")
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.add_argument("--strokes", nargs="*", default=[], help="stroke data sets (.jsonl[.gz] or UNIPEN .tar.gz)")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip malformed lines in stroke files (and say which) instead of stopping")
    p.add_argument("--finetune", metavar="WEIGHTS", help="start from these weights instead of random ones")
    p.add_argument("--out", help=f"where to write the weights (.npz) (default: {RUNS.name}/digitpad-RECIPE-TIME.npz)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    recipe = p.add_argument_group("recipe", "each overrides the chosen --recipe; train.py prints what it overrode")
    for f in fields(Recipe):
        name, flag, default = f.name, "--" + f.name.replace("_", "-"), getattr(RECIPES["default"], f.name)
        if name == "hidden":
            recipe.add_argument(flag, type=checked(name, int), nargs="+", metavar="N",
                                default=None, help=recipe_help(name))
        elif isinstance(default, bool):
            recipe.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=recipe_help(name))
        else:
            recipe.add_argument(flag, type=checked(name, type(default)), choices=CHOICES.get(name),
                                default=None, help=recipe_help(name))
    p.add_argument("--deskew", action="store_true", help="deskew training images and drawings alike")
    p.add_argument("--limit", type=positive_int(), help="use only this many MNIST training images (smoke tests)")
    p.add_argument("--augment-sheet", metavar="PNG", help="write a sheet of augmented samples and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.recipe is None:
        args.recipe = "finetune" if args.finetune else "default"
    if args.out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        args.out = str(RUNS / f"digitpad-{args.recipe}-{stamp}.npz")
    return args


def make_recipe(args: argparse.Namespace) -> tuple[Recipe, dict]:
    """The chosen recipe with the flags given on top, and {field: (recipe value, new value)} changed.
    Changes are named as the weights file records a recipe (Recipe.to_dict), so new hidden widths or
    a new output for "not a digit" show as the layer sizes they make."""
    recipe = RECIPES[args.recipe]
    overrides = {f.name: getattr(args, f.name) for f in fields(Recipe) if getattr(args, f.name) is not None}
    new = replace(recipe, **overrides)
    old_fields, new_fields = recipe.to_dict(), new.to_dict()
    changed = {k: (old_fields[k], v) for k, v in new_fields.items() if old_fields[k] != v}
    return new, changed


def fail(message: str, code: int = 2) -> int:
    print(f"train.py: {message}", file=sys.stderr)
    return code


def model_bytes(sizes: tuple[int, ...]) -> int:
    """About what the .npz of a float32 network of these sizes takes on disk."""
    return 4 * sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])) + 65536


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """Which file is at `path` now (device, inode, size, mtime), or None if none: tells a replaced file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def interrupted(out: Path, before: tuple[int, int, int, int] | None) -> str:
    """What a Ctrl-C left at `out`, truthfully: the new model may already have been renamed into place."""
    now = file_identity(out)
    if now is not None and now != before:
        return f"interrupted after the new model was written to {out} (it is complete)"
    return f"interrupted; {out} left as it was" if before else f"interrupted; nothing written to {out}"


MNIST_TRAINING_IMAGES = 55_000  # MNIST's 60,000 less the 5,000 held out for validation


def training_bytes(recipe: Recipe, mnist_images: int, stroke_samples: int = 0, finetune: bool = False) -> int:
    """About the memory a training run needs at its peak: the rendered images (float32, copied once
    when the parts are joined), the network with its gradients and optimizer state, one batch's layers."""
    mnist = mnist_images * recipe.mnist_copies
    strokes = stroke_samples * recipe.stroke_copies
    if finetune and strokes:  # drawings are repeated up to a fifth of an epoch (see run)
        strokes *= int(np.clip(round(0.25 * mnist / strokes), 1, 50))
    images = mnist + strokes + len(KINDS) * recipe.not_digits * recipe.stroke_copies
    params = sum((a + 1) * b for a, b in zip(recipe.sizes[:-1], recipe.sizes[1:]))
    batch = min(recipe.batch, max(images, 1)) * sum(recipe.sizes)
    return 2 * images * (INPUTS * 4 + 8) + 4 * 4 * params + 4 * 4 * batch


def memory_problem(recipe: Recipe, mnist_images: int, stroke_samples: int = 0, finetune: bool = False) -> str | None:
    """Why this run cannot fit (too many parameters for the loader, or more memory than is free), or None."""
    params = sum((a + 1) * b for a, b in zip(recipe.sizes[:-1], recipe.sizes[1:]))
    if params > MAX_PARAMS:
        return (f"layer sizes {'-'.join(map(str, recipe.sizes))} mean {params:,} parameters; Digitpad loads at most "
                f"{MAX_PARAMS:,} (choose a smaller --hidden)")
    need, free = training_bytes(recipe, mnist_images, stroke_samples, finetune), memory_available_now("SC_AVPHYS_PAGES")
    if free is not None and need > free:
        return (f"this run needs about {need / 1e9:,.1f} GB of memory and {free / 1e9:.1f} GB is free "
                f"({mnist_images:,} MNIST images x {recipe.mnist_copies} copies, {stroke_samples:,} drawings and "
                f"{len(KINDS) * recipe.not_digits:,} non-digits x {recipe.stroke_copies} copies, "
                f"{params:,} parameters); lower --mnist-copies, --stroke-copies or --hidden")
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    before = file_identity(out)
    if out.is_dir() and not args.augment_sheet:  # --force cannot help here: say so first
        return fail(f"cannot write the output: {out} is a directory; give a file name, e.g. {out / 'model.npz'}")
    if out.exists() and not args.force and not args.augment_sheet:
        return fail(f"{out} exists; pass --force to overwrite it or choose another --out")
    if args.finetune and args.hidden is not None:  # fine-tuning keeps the network it starts from
        return fail(f"--hidden cannot be used with --finetune: fine-tuning keeps the layer sizes of {args.finetune}; "
                    "train a new network (without --finetune) to change them")
    try:
        recipe, changed = make_recipe(args)
        # Check where the result goes before the work: a typo must not cost an hour of training.
        target, size = (Path(args.augment_sheet), 4 << 20) if args.augment_sheet else (out, model_bytes(recipe.sizes))
        problem = check_writable(target, size)
        if problem:
            return fail(f"cannot write the output: {problem}")
        # What cannot fit is refused now, with the size it would need, not after minutes of loading.
        problem = None if args.augment_sheet else memory_problem(
            recipe, min(args.limit or MNIST_TRAINING_IMAGES, MNIST_TRAINING_IMAGES), finetune=bool(args.finetune))
        if problem:
            return fail(problem)
        if changed:
            tqdm.write(f"overriding recipe {args.recipe}: "
                       + ", ".join(f"{k} {old} -> {new}" for k, (old, new) in changed.items()))
        return run(args, recipe, out)
    except (DataError, StrokeDataError, WeightsError, ValueError) as e:
        return fail(str(e))
    except Diverged as e:
        return fail(str(e), 1)
    except KeyboardInterrupt:
        return fail(interrupted(out, before), 130)


def run(args: argparse.Namespace, recipe: Recipe, out: Path) -> int:
    started = time.perf_counter()
    say = tqdm.write
    if args.augment_sheet:
        x_train, *_ = load_mnist(args.data, download=not args.no_download)
        write_augment_sheet(x_train, Path(args.augment_sheet), recipe.seed)
        say(f"wrote {args.augment_sheet}")
        return 0

    base = Meta()
    if args.finetune:
        model, base = load(args.finetune)
        style = base.style
        try:
            recipe = finetune_recipe(recipe, model)
        except ValueError as e:
            raise ValueError(f"{args.finetune}: {e}") from None
    else:
        model = network_for(recipe)
        style = Style(deskew=args.deskew)

    # --- stroke data first: a bad file is reported before MNIST is even loaded ---
    stroke_meta: list[dict] = []
    train_samples: list[Sample] = []
    val_samples: list[Sample] = []
    train_letters: list[Sample] = []
    val_letters: list[Sample] = []
    for path in args.strokes:
        skipped: list[tuple[int, str]] = []
        samples = read_strokes(path, "skip" if args.skip_bad else "strict", skipped)
        name = Path(path).name
        if skipped:
            say(describe_skipped(path, skipped))
        letters = letters_of(samples)
        if letters:  # a UNIPEN 1b-1d release: letters and symbols, for "not a digit"
            parts = {part: split_samples(letters, part) for part in SPLITS}
            train_letters += parts["train"]
            val_letters += parts["val"]
            stroke_meta.append({"file": name, "letters": True, **{k: len(v) for k, v in parts.items()}})
            say(f"{name}: {len(parts['train'])} training, {len(parts['val'])} validation letters and symbols "
                f"({len(parts['test'])} of held-out writers left alone)")
        samples = [s for s in samples if not char_of(s)]  # the digits (a release may hold both)
        if not samples:
            continue
        # Writer-split data sets keep their validation and test writers out of training;
        # unattributed drawings (the user's own) are all for training.
        parts = {part: split_samples(samples, part) for part in SPLITS}
        train_samples += parts["train"]
        val_samples += parts["val"]
        stroke_meta.append({"file": name, **{k: len(v) for k, v in parts.items()}})
        say(f"{name}: {len(parts['train'])} training, {len(parts['val'])} validation samples "
            f"({len(parts['test'])} held-out test samples left alone)")

    problem = train_samples and memory_problem(recipe, min(args.limit or MNIST_TRAINING_IMAGES, MNIST_TRAINING_IMAGES),
                                               len(train_samples), bool(args.finetune))
    if problem:  # now that the drawings are counted
        raise ValueError(problem)

    # --- data: MNIST split into train/validation; the test set is touched once, at the end ---
    mnist = mnist_parts(args.data, download=not args.no_download, limit=args.limit)
    (x_tr, y_tr), (x_va, y_va), (x_test, y_test) = mnist["train"], mnist["val"], mnist["test"]
    data_meta: dict = {"mnist": {"train": len(y_tr), "validation": len(y_va), "test": len(y_test)},
                       "strokes": stroke_meta}
    x_tr, x_va = mnist_to_input(x_tr, style), mnist_to_input(x_va, style)
    if recipe.mnist_copies > 1:  # MNIST's share of an epoch, against the stroke data and non-digits
        x_tr, y_tr = np.tile(x_tr, (recipe.mnist_copies, 1)), np.tile(y_tr, recipe.mnist_copies)
    val = {"mnist": (x_va, y_va)}

    if recipe.styles and train_samples:
        # Styles MNIST hardly has, made from the training writers' own digits (model/coverage.py).
        variants = style_variants(train_samples, seed=recipe.seed)
        say(f"style variants: {len(variants)} made from training writers' digits ({listed()})")
        train_samples = train_samples + variants
        if val_samples:
            val["styles"] = render_samples(style_variants(val_samples, seed=SEEDS["val"]), style)
    if train_samples:
        xs, ys = render_samples(train_samples, style, recipe.stroke_copies, seed=recipe.seed,
                                jitter=recipe.stroke_jitter)
        if args.finetune:
            # A class's few drawings would drown among 55,000 MNIST digits: repeat them until they
            # are about a fifth of each epoch, and keep MNIST in the mix so nothing is forgotten.
            reps = int(np.clip(round(0.25 * len(x_tr) / max(len(xs), 1)), 1, 50))
            xs, ys = np.tile(xs, (reps, 1)), np.tile(ys, reps)
        x_tr, y_tr = np.concatenate([x_tr, xs]), np.concatenate([y_tr, ys])
    if val_samples:
        val["strokes"] = render_samples(val_samples, style)
    non_digit_val = None
    if recipe.not_digits:
        xn, yn = training_non_digits(recipe.not_digits, style, recipe.stroke_copies)
        x_tr, y_tr = np.concatenate([x_tr, xn]), np.concatenate([y_tr, yn])
        non_digit_val = validation_non_digits(style)
        val["non-digits"] = (non_digit_val, np.full(len(non_digit_val), NOT_A_DIGIT))
        say(f"non-digits: {len(xn)} training drawings ({recipe.not_digits} per kind x {recipe.stroke_copies} pens)")
        if recipe.letters and train_letters:
            xl, yl = training_letters(train_letters, recipe.letters, style)
            x_tr, y_tr = np.concatenate([x_tr, xl]), np.concatenate([y_tr, yl])
            say(f"letters and symbols: {len(xl)} training drawings (at most {recipe.letters} of each character"
                f" no digit is written like x {LETTER_COPIES} pens)")
        elif recipe.letters:
            say("letters and symbols: none given, so 'not a digit' learns from generated drawings alone "
                "(pass the UNIPEN 1b-1d release, unipen1bcd-raw.tar.gz, with --strokes)")
        if val_letters:
            xv = validation_letters(val_letters, style)
            val["letters"] = (xv, np.full(len(xv), NOT_A_DIGIT))
            non_digit_val = np.concatenate([non_digit_val, xv])

    say(f"training {'-'.join(map(str, recipe.sizes))} {recipe.activation} on {len(x_tr)} images for "
        f"{recipe.epochs} epochs (recipe {args.recipe}, seed {recipe.seed})")

    def line(r: EpochReport) -> None:
        vals = "  ".join(f"val {k} {v:.2%}" for k, v in r.val.items())
        say(f"epoch {r.epoch:3d}/{recipe.epochs}  loss {r.loss:.4f}  {vals}  lr {r.lr:.4g}  {r.seconds:.1f} s")

    reports = train(model, recipe, x_tr, y_tr, val, on_epoch=line, progress=not args.quiet)

    # --- the test set, once ---
    pred = logits_of(model, mnist_to_input(x_test, style)).argmax(axis=1)
    test_acc = float((pred == y_test).mean())
    say(f"MNIST test accuracy: {test_acc:.4f} ({int((pred == y_test).sum())}/{len(y_test)})")
    say(confusion_table(y_test, pred))

    # --- honest probabilities and the answers' thresholds, on validation data only (model/pipeline.py) ---
    meta = conclude(
        model, recipe, args.recipe, reports, val, started, test_acc, non_digits=non_digit_val,
        style=style, tta_pens=base.tta_pens, data=data_meta,
        finetuned_from=Path(args.finetune).name if args.finetune else None,
    )
    ece = meta.calibration_error
    say(f"temperature {meta.temperature:.3f}: validation calibration error {ece['before']:.4f} -> {ece['after']:.4f}")
    if meta.answers:
        a = meta.answers
        # A network without the "not a digit" output has no threshold for it worth naming.
        nd = f", 'not a digit' from {meta.not_digit_threshold:.3f}" if model.sizes[-1] > CLASSES else ""
        say(f"answers chosen on {a['on']}: sure from {meta.sure_threshold:.3f}{nd}; "
            f"there {a['wrong_and_sure']:.2%} wrong and sure, "
            f"{a['right_but_unsure']:.2%} of right answers not sure, {a['flagged']:.2%} of digits flagged"
            + (f", {a['non_digits_flagged']:.2%} of non-digits flagged" if "non_digits_flagged" in a else ""))
    if out.exists() and not args.force:  # it may have appeared while we trained
        out = out.with_name(f"{out.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}{out.suffix}")
        say(f"{args.out} appeared during training; writing {out} instead")
    try:
        write(out, model, meta)
    except OSError as e:
        return save_elsewhere(out, model, meta, e)
    say(f"wrote {out} ({os.path.getsize(out) / 1e6:.1f} MB) in {meta.train_seconds:.0f} s")
    say(how_to_use(out, model, test_acc))
    return 0


def save_elsewhere(out: Path, model: MLP, meta: Meta, error: OSError) -> int:
    """The run is not lost when the final write fails (disk full, folder gone): try a temp folder."""
    why = (error.strerror or str(error)).lower()
    spare = Path(tempfile.gettempdir()) / out.name
    try:
        save(spare, model, meta)
    except OSError:
        return fail(f"could not write {out} ({why}), nor {spare}; the trained model is lost", 1)
    return fail(f"could not write {out} ({why}); the trained model was saved to {spare} instead", 1)


def how_to_use(out: Path, model: MLP, test_acc: float) -> str:
    """How to try the new model, and how it compares with the bundled one (a reproduction is bit-identical)."""
    try:
        bundled, meta = load(BUNDLED_WEIGHTS)
        same = bundled.sizes == model.sizes and all(np.array_equal(a, b) for a, b in zip(bundled.params, model.params))
        acc = "?" if meta.test_accuracy is None else f"{meta.test_accuracy:.4f}"
        versus = (f"bundled {BUNDLED_WEIGHTS.name}: {acc}; the weights are "
                  f"{'bit-identical to it' if same else 'not the bundled ones'}")
    except WeightsError as e:
        versus = f"bundled model not available ({e})"
    return (f"MNIST test accuracy {test_acc:.4f}; {versus}\n"
            f"  try it:   {command('python', 'main.py', '--weights', out)}\n"
            f"  compare:  {command('python', 'evaluate.py', 'STROKES', '--weights', out)}"
            "   (and without --weights for the bundled model)")

def write_augment_sheet(x: np.ndarray, path: Path, seed: int, rows: int = 10, cols: int = 16) -> None:
    """Originals in the first column, augmented versions of the same digit beside them."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    picks = mnist_to_input(x[rng.choice(len(x), rows, replace=False)]).reshape(rows, FIELD, FIELD)
    aug = Augmenter(seed=seed)
    grid = np.zeros((rows * 30, cols * 30), np.float32)
    for r, img in enumerate(picks):
        tiles = [img, *aug(np.repeat(img[None], cols - 1, 0)).reshape(-1, FIELD, FIELD)]
        for c, t in enumerate(tiles):
            grid[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = t
    grid[:, 29:30] = 0.5  # a line between originals and augmentations
    big = Image.fromarray((grid * 255).astype(np.uint8)).resize((cols * 90, rows * 90), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    big.save(path)


if __name__ == "__main__":
    sys.exit(main())
