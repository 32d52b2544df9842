"""The scaling lab: rerun the report's investigation with several seeds per point.

    python research.py width --out runs/                  # test error against parameters, power-law fit
    python research.py width --quick --out runs/          # a lesson-sized sweep, about two minutes
    python research.py width --dropout 0,0.2 --out runs/  # the same sweep with and without dropout
    python research.py frontier --out runs/               # training FLOPs against loss
    python research.py epochs|lr|depth|activation|loss --out runs/

Every option that takes values takes a comma-separated list; the runs are every combination of them
times --seeds seeds. The swept quantity is the x axis; any other list with several values draws one
curve per value. Each finished run is cached as one JSON file under OUT/runs/, keyed by its full
configuration, so an interrupted sweep resumes where it stopped and sweeps share their runs.

Validation accuracy and loss come from the validation slice of MNIST's training set; the test set
is scored once per finished run and never used to choose anything.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from model.atomic import atomic_write
from model.cli import memory_available_now, positive_int
from model.config import HIDDEN
from model.data import DataError
from model.mlp import ACTIVATIONS, INITS, LOSSES
from model.scaling import (
    REPORT_PICK,
    compare,
    fit_power_law,
    group_by,
    parameters,
    pareto_front,
    sizes_for,
)
from model.sweep import SCHEDULER_ENV, Cache, SweepError, grid, run_all, scheduler_address
from model.trainer import RECIPES

SWEEPS = ("width", "depth", "lr", "epochs", "activation", "loss", "frontier")
INSTALL_HINT = "pip install -e '.[research]'"

# Per sweep: the lists it varies unless the command line says otherwise, full and --quick.
FULL = {
    "width": {"widths": [16, 32, 64, 128, 256, 512, HIDDEN, 2048]},
    "depth": {"depths": [1, 2, 3, 4], "widths": [256]},
    "lr": {"lr": [0.001, 0.003, 0.01, 0.03], "widths": [256]},
    "epochs": {"epochs": [1, 2, 4, 8, 15, 30]},
    "activation": {"activation": list(ACTIVATIONS)},
    "loss": {"loss": list(LOSSES)},
    "frontier": {"widths": [16, 64, 256, HIDDEN, 2048], "epochs": [1, 2, 4, 8, 15]},
}
QUICK = {
    "width": {"widths": [16, 64, 256, HIDDEN, 2048], "epochs": [5], "seeds": 3},
    "depth": {"depths": [1, 2, 3], "widths": [64], "epochs": [4]},
    "lr": {"lr": [0.003, 0.01, 0.03], "widths": [64], "epochs": [4]},
    "epochs": {"epochs": [1, 2, 4, 8], "widths": [64]},
    "activation": {"activation": list(ACTIVATIONS), "widths": [64], "epochs": [4]},
    "loss": {"loss": list(LOSSES), "widths": [64], "epochs": [4]},
    "frontier": {"widths": [16, 64, 256], "epochs": [1, 2, 4]},
}
QUICK_LIMIT, QUICK_SEEDS, FULL_SEEDS = 10_000, 2, 3
# The swept quantity of each sweep: (CSV column on the x axis, axis label, log scale).
X_AXIS = {
    "width": ("params", "parameters N (hidden neurons on top)", True),
    "depth": ("layers", "hidden layers", False),
    "lr": ("lr", "learning rate", True),
    "epochs": ("epochs", "epochs", True),
    "activation": ("activation", "hidden activation", False),
    "loss": ("loss", "training loss function", False),
    "frontier": ("train_flops", "training FLOPs", True),
}
COLUMNS = [
    "sweep", "run", "hidden", "layers", "activation", "init", "loss", "epochs", "lr", "batch", "dropout",
    "weight_decay", "recipe", "train_images", "seed", "params", "train_flops", "seconds", "status",
    "train_loss", "val_loss", "val_accuracy", "test_accuracy",
]


# ---------------------------------------------------------------------------------------------
# Arguments


def _list_of(kind, check, what: str):
    def parse(text: str) -> list:
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}") from None
        # inf and nan are floats too: a learning rate of inf passes "> 0" and trains nothing.
        if not values or not all((kind is not float or math.isfinite(v)) and check(v) for v in values):
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}")
        return values

    return parse


MAX_RUNS = 100_000  # a sweep's runs are listed before they start; the full report is under 1,000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Rerun the report's scaling investigation with several seeds per point.",
        epilog="Lists are comma-separated, e.g. --widths 16,64,256. Example: "
        "python research.py width --widths 16,64 --seeds 2 --epochs 1 --limit 5000 --out runs/",
    )
    p.add_argument("sweep", choices=(*SWEEPS, "report"),
                   help="what to vary; report: every sweep the school report's seven findings need, and a table")
    p.add_argument("--out", required=True, help="folder for the CSV, the plot and the cached runs")
    p.add_argument("--widths", type=_list_of(int, lambda v: v > 0, "positive integers"),
                   help="hidden neurons (for report: the widths of its size grid)")
    p.add_argument("--depths", type=_list_of(int, lambda v: v > 0, "positive integers"), help="hidden layers")
    p.add_argument("--epochs", type=_list_of(int, lambda v: v > 0, "positive integers"))
    p.add_argument("--lr", type=_list_of(float, lambda v: v > 0, "positive numbers"), help="learning rates")
    p.add_argument("--activation", type=_list_of(str, ACTIVATIONS.__contains__, f"names from {', '.join(ACTIVATIONS)}"))
    p.add_argument("--init", type=_list_of(str, INITS.__contains__, f"names from {', '.join(INITS)}"),
                   help="weight initialisation (he, xavier)")
    p.add_argument("--loss", type=_list_of(str, LOSSES.__contains__, f"names from {', '.join(LOSSES)}"))
    p.add_argument("--dropout", type=_list_of(float, lambda v: 0 <= v < 1, "rates in [0, 1)"), default=[0.0])
    p.add_argument("--weight-decay", type=_list_of(float, lambda v: v >= 0, "numbers >= 0"), default=[0.0])
    p.add_argument("--seeds", type=positive_int(), help=f"seeds per point (default {FULL_SEEDS}, quick {QUICK_SEEDS})")
    p.add_argument("--limit", type=positive_int(), help="use only this many MNIST training images")
    p.add_argument("--recipe", choices=sorted(RECIPES), default="original",
                   help="base recipe (default: original, the report's 15-epoch recipe)")
    p.add_argument("--quick", action="store_true", help=f"lesson-sized: fewer points, {QUICK_LIMIT} images")
    p.add_argument("--workers", type=positive_int(), default=os.cpu_count() or 1,
                   help="runs side by side on this computer, one process each (default: one per core)")
    p.add_argument("--scheduler", help=f"run on the Dask cluster whose scheduler is here, e.g. tcp://host:8786 "
                   f"(default: ${SCHEDULER_ENV} if set, else this computer)")
    p.add_argument("--data", help="folder with the four MNIST IDX files (.gz or not)")
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    args = p.parse_args(argv)
    if args.sweep == "report":
        return args
    defaults = (QUICK if args.quick else FULL)[args.sweep]
    base = RECIPES[args.recipe]
    fallback = {"widths": [HIDDEN], "depths": [1], "epochs": [base.epochs], "lr": [base.lr],
                "activation": [base.activation], "init": [base.init], "loss": [base.loss]}
    for name, value in fallback.items():
        if getattr(args, name) is None:
            setattr(args, name, defaults.get(name, value))
    if args.seeds is None:
        args.seeds = defaults.get("seeds", QUICK_SEEDS if args.quick else FULL_SEEDS)
    if args.limit is None and args.quick:
        args.limit = QUICK_LIMIT
    return args


LISTS = ("widths", "depths", "epochs", "lr", "activation", "init", "loss", "dropout", "weight_decay")


def configurations(args: argparse.Namespace) -> list[dict]:
    """Every run of the sweep: the product of all lists, times the seeds. Plain JSON-able dicts."""
    return grid(args.recipe, args.limit, args.seeds, **{k: getattr(args, k) for k in LISTS})


def run_memory(width: int, depth: int, images: int) -> int:
    """About how many bytes one run needs: float32 weights, gradients and momentum (x4 with room for
    the fused step's temporaries), a batch's activations, and MNIST as float32 inputs."""
    params = parameters(sizes_for([width] * depth))
    return 16 * params + 4 * 100 * width * depth * 4 + 4 * 784 * (images + 15_000)


def too_big(args: argparse.Namespace) -> str | None:
    """Why the sweep cannot start here (too many runs, too large a network), or None; before any work."""
    count = math.prod(len(getattr(args, k)) for k in LISTS) * args.seeds
    if count > MAX_RUNS:
        return (f"this sweep is {count:,} runs (the lists' combinations x {args.seeds:,} seeds); at most "
                f"{MAX_RUNS:,} are listed: use fewer --seeds or shorter lists")
    width, depth = max(args.widths), max(args.depths)
    need = run_memory(width, depth, args.limit or 55_000)
    have = memory_available_now("SC_PHYS_PAGES") or 1 << 62  # unknown: no limit
    if need > have:
        return (f"--widths {width} with {depth} hidden layer(s) needs about {need / 1e9:,.1f} GB of memory per run, "
                f"and {have / 1e9:,.1f} GB is free here: use smaller --widths")
    return None


# ---------------------------------------------------------------------------------------------
# Files


def write_csv(path: Path, rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, lambda f: f.write(text.getvalue().encode("utf-8")))


# ---------------------------------------------------------------------------------------------
# Plots


def plot(sweep: str, rows: list[dict], path: Path) -> None:
    """DIR/<sweep>.png: runs as dots, the seed mean as a line, the min-max over seeds as a band."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [3, 2]})
    ok = [r for r in rows if r["status"] == "ok"]
    groups = _groups(sweep, ok)
    seeds = len({r["seed"] for r in rows})
    title = {
        "width": "Test error against model size",
        "depth": "Test error against depth",
        "lr": "Test error against learning rate",
        "epochs": "Longer training: test error and losses",
        "activation": "Hidden activations",
        "loss": "Loss functions",
        "frontier": "Compute frontier: training FLOPs against validation loss",
    }[sweep]
    images = rows[0]["train_images"]
    fig.suptitle(f"{title}   ({images:,} MNIST training images, recipe '{rows[0]['recipe']}', "
                 f"{seeds} seed{'s' if seeds != 1 else ''} per point; band = min-max over seeds)")
    if not ok:
        axes[0].text(0.5, 0.5, "no run finished (all diverged): try a smaller --lr", ha="center",
                     transform=axes[0].transAxes)
        axes[0].set_xticks([])
        axes[0].set_yticks([])
    elif sweep == "frontier":
        _frontier(axes[0], ok)
    elif X_AXIS[sweep][0] in ("activation", "loss"):
        _categories(axes[0], sweep, groups)
    else:
        _curves(axes[0], sweep, groups)
    _seconds(axes[1], sweep, ok)
    if len(ok) < len(rows):
        axes[0].text(0.01, 0.01, f"{len(rows) - len(ok)} run(s) diverged and are not shown",
                     transform=axes[0].transAxes, fontsize=8, color="crimson")
    if any(r["test_accuracy"] >= 1 for r in ok) and sweep != "frontier":
        axes[0].text(0.01, 0.05, f"runs with no test errors are drawn at {ERROR_FLOOR:.2%}",
                     transform=axes[0].transAxes, fontsize=8, color="0.3")
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)


def _groups(sweep: str, rows: list[dict]) -> dict[str, list[dict]]:
    """Curves: runs split by every setting that varies in the sweep other than the x axis."""
    x = X_AXIS[sweep][0]
    owned = {"width": {"hidden", "params", "train_flops"}, "depth": {"layers", "hidden", "params", "train_flops"},
             "epochs": {"train_flops"}, "frontier": {"hidden", "params", "epochs"}}.get(sweep, set())
    settings = ["hidden", "layers", "activation", "loss", "epochs", "lr", "dropout", "weight_decay"]
    varying = [k for k in settings if k != x and k not in owned and len({r[k] for r in rows}) > 1]
    groups: dict[str, list[dict]] = {}
    for r in rows:
        label = ", ".join(f"{k.replace('_', ' ')} {r[k]}" for k in varying) or "all runs"
        groups.setdefault(label, []).append(r)
    return groups


def _band(ax, rows: list[dict], x: str, y, label: str, color) -> None:
    """Dots for runs, the mean over seeds as a line, min-max as a band."""
    xs = np.array([float(r[x]) for r in rows])
    ys = np.array([y(r) for r in rows])
    ax.plot(xs, ys, "o", ms=3.5, alpha=0.45, color=color)
    keys = sorted(set(xs))
    s = [ys[xs == k] for k in keys]
    ax.plot(keys, [v.mean() for v in s], "-", lw=2, color=color, label=label)
    ax.fill_between(keys, [v.min() for v in s], [v.max() for v in s], color=color, alpha=0.18, lw=0)


ERROR_FLOOR = 1e-4  # below one MNIST test image in 10,000: where a run with no test errors is drawn


def _err(r: dict) -> float:
    """Test error for a log axis: a perfect run sits on the floor instead of vanishing."""
    return max(1 - float(r["test_accuracy"]), ERROR_FLOOR)


def _curves(ax, sweep: str, groups: dict[str, list[dict]]) -> None:
    x, xlabel, logx = X_AXIS[sweep]
    colors = _colors(len(groups))
    losses = ax.twinx() if sweep == "epochs" else None  # longer training: losses on their own axis
    for (label, rows), color in zip(groups.items(), colors):
        _band(ax, rows, x, _err, f"test error, {label}" if len(groups) > 1 else "test error (mean of seeds)", color)
        if sweep == "width":
            law = fit_power_law([r["params"] for r in rows], [1 - r["test_accuracy"] for r in rows])
            if law is not None:
                n = np.geomspace(min(r["params"] for r in rows), max(r["params"] for r in rows), 100)
                ax.plot(n, law(n), "--", color=color, lw=1.2, label=law.label())
        if losses is not None:
            _band(losses, rows, x, lambda r: float(r["train_loss"]), f"train loss, {label}", "0.45")
            _band(losses, rows, x, lambda r: float(r["val_loss"]), f"validation loss, {label}", "darkorange")
            losses.set_ylabel("cross-entropy (grey: train, orange: validation)")
            losses.set_yscale("log")
            losses.legend(fontsize=8, loc="lower left")
    if sweep == "width":
        _mark_report_pick(ax, groups)
        ax.set_yscale("log")
    if sweep == "epochs":
        ax.axvline(REPORT_PICK["epochs"], color="crimson", lw=1, ls=":")
        ax.text(REPORT_PICK["epochs"], 0.5, "report: 15 epochs ", color="crimson", fontsize=8,
                transform=ax.get_xaxis_transform(), va="center", ha="right", rotation=90)
    if sweep == "lr":
        base = RECIPES[next(iter(groups.values()))[0]["recipe"]].lr
        ax.axvline(base, color="crimson", lw=1, ls=":")
        ax.text(base, 0.5, f"recipe's lr {base:g} ", color="crimson", fontsize=8,
                transform=ax.get_xaxis_transform(), va="center", ha="right", rotation=90)
    if logx:
        ax.set_xscale("log")
    if sweep == "depth":
        ax.set_xticks(sorted({r["layers"] for rows in groups.values() for r in rows}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test error (1 - accuracy)")
    _tidy(ax, percent_y=True)
    ax.legend(fontsize=8, loc="lower left" if sweep == "width" else "upper right")


def _mantissa(v: float) -> int:
    return round(v / 10 ** np.floor(np.log10(v))) if v > 0 else 0


def _tidy(ax, percent_y: bool = False) -> None:
    """Major tick labels only (log axes otherwise label every minor tick), errors as percentages."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    if ax.get_xscale() == "log":
        ax.xaxis.set_minor_formatter(NullFormatter())
    if percent_y:
        lo, hi = ax.get_ylim()
        # Within one decade a log axis has one major tick or none: label the minor ticks, all of them
        # when the range is narrow, else only 2, 3 and 5.
        minor = range(1, 10) if ax.get_yscale() == "log" and hi < 4 * lo else (2, 3, 5)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.3g}%"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v * 100:.2g}%" if _mantissa(v) in minor else ""))
    ax.grid(True, which="both", alpha=0.25)


def _mark_report_pick(ax, groups: dict[str, list[dict]]) -> None:
    """The report's single-seed pick and, on top, the hidden-neuron scale for one hidden layer."""
    pick = parameters(sizes_for([REPORT_PICK["hidden"]]))
    ax.axvline(pick, color="crimson", lw=1, ls=":")
    ax.text(pick, 0.97, "report's pick: \n925 neurons, 15 epochs, \none seed ", color="crimson", fontsize=8,
            transform=ax.get_xaxis_transform(), va="top", ha="right")
    rows = [r for rs in groups.values() for r in rs]
    if rows and all(r["layers"] == 1 for r in rows):
        per = parameters(sizes_for([2])) - parameters(sizes_for([1]))  # parameters per hidden neuron
        fixed = parameters(sizes_for([1])) - per
        top = ax.secondary_xaxis("top", functions=(lambda n: (n - fixed) / per, lambda h: h * per + fixed))
        top.set_xlabel("hidden neurons")


def _categories(ax, sweep: str, groups: dict[str, list[dict]]) -> None:
    x = X_AXIS[sweep][0]
    names = sorted({r[x] for rows in groups.values() for r in rows})
    width = 0.8 / max(len(groups), 1)
    for g, ((label, rows), color) in enumerate(zip(groups.items(), _colors(len(groups)))):
        for i, name in enumerate(names):
            errs = [_err(r) for r in rows if r[x] == name]
            if not errs:
                continue
            pos = i - 0.4 + width * (g + 0.5)
            ax.plot([pos] * len(errs), errs, "o", ms=4, alpha=0.5, color=color)
            ax.errorbar(pos, np.mean(errs), yerr=np.std(errs, ddof=1) if len(errs) > 1 else 0, fmt="_",
                        ms=18, capsize=4, color=color, label=label if i == 0 else None)
    ax.set_xticks(range(len(names)), names)
    ax.set_yscale("log")
    ax.set_xlabel(X_AXIS[sweep][1])
    ax.set_ylabel("test error (dots: seeds; bar: mean ± sd)")
    _tidy(ax, percent_y=True)
    ax.legend(fontsize=8)


def _frontier(ax, rows: list[dict]) -> None:
    widths = sorted({r["hidden"] for r in rows}, key=lambda h: [int(v) for v in h.split("-")])
    for hidden, color in zip(widths, _colors(len(widths))):
        _band(ax, [r for r in rows if r["hidden"] == hidden], "train_flops", lambda r: float(r["val_loss"]),
              f"hidden {hidden}", color)
    xs = [float(r["train_flops"]) for r in rows]
    ys = [float(r["val_loss"]) for r in rows]
    front = pareto_front(xs, ys)
    ax.plot([xs[i] for i in front], [ys[i] for i in front], "k-", lw=1, alpha=0.7,
            label="frontier (best loss per budget)")
    for r in rows:
        if r["hidden"] == str(REPORT_PICK["hidden"]) and r["epochs"] == REPORT_PICK["epochs"]:
            ax.plot(float(r["train_flops"]), float(r["val_loss"]), "*", ms=12, color="crimson",
                    label="report's pick (925, 15 epochs)" if r["seed"] == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training FLOPs (epochs x images x 6 x weights)")
    ax.set_ylabel("validation cross-entropy")
    _tidy(ax)
    ax.legend(fontsize=8)


def _seconds(ax, sweep: str, rows: list[dict]) -> None:
    """Right panel: what each run cost, so a class sees the price of a better point."""
    ax.set_title("cost of each run", fontsize=10)
    if not rows:  # every run diverged: nothing to place on log axes (which would refuse an empty range)
        ax.text(0.5, 0.5, "no run finished", ha="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    ax.plot([float(r["train_flops"]) for r in rows], [float(r["seconds"]) for r in rows], "o", ms=4, alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training FLOPs")
    ax.set_ylabel("seconds on this machine")
    _tidy(ax)


def _colors(n: int) -> list:
    import matplotlib

    cmap = matplotlib.colormaps["viridis" if n > 3 else "tab10"]
    return [cmap(i / max(n - 1, 1) * 0.9) for i in range(n)] if n > 3 else [cmap(i) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Summary lines


def summary(sweep: str, rows: list[dict]) -> list[str]:
    ok = [r for r in rows if r["status"] == "ok"]
    lines = []
    if sweep == "width" and ok:
        law = fit_power_law([r["params"] for r in ok], [1 - r["test_accuracy"] for r in ok])
        if law is not None:
            lines.append(law.label())
        by = group_by(ok, "hidden", "test_accuracy")
        best = max(by, key=lambda k: by[k].mean)
        for hidden, s in sorted(by.items(), key=lambda kv: int(kv[0].split("-")[0])):
            lines.append(f"hidden {hidden:>5}: test accuracy {s.mean:.2%} ± {s.sd:.2%} (min {s.lo:.2%}, "
                         f"max {s.hi:.2%}, {s.n} seeds){'  <- best mean' if hidden == best else ''}")
        pick = str(REPORT_PICK["hidden"])
        if pick in by and best != pick:
            c = compare([r["test_accuracy"] for r in ok if r["hidden"] == best],
                        [r["test_accuracy"] for r in ok if r["hidden"] == pick])
            lines.append(f"best mean ({best}) beats 925 by {c.difference:.2%}; seed sd up to {c.seed_sd:.2%}; "
                         f"Welch p = {c.p_value:.2g}")
    return lines


# ---------------------------------------------------------------------------------------------
# Main


def fail(message: str, code: int = 2) -> int:
    print(f"research.py: {message}", file=sys.stderr)
    return code


def check_writable(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out):
        pass


# Some terminals and pipes take ASCII only (LANG=C, PYTHONIOENCODING=ascii): the lines with ±, α and
# · are then written with plain stand-ins rather than ending the sweep with a UnicodeEncodeError.
PLAIN = {"±": "+/-", "α": "alpha", "·": "*", "≈": "~", "×": "x", "→": "->", "–": "-", "—": "-"}


def _plain(error: UnicodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return "".join(PLAIN.get(ch, "?") for ch in bad), error.end


codecs.register_error("research-plain", _plain)


def plain_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="research-plain")


def main(argv: list[str] | None = None) -> int:
    plain_streams()
    args = parse_args(argv)
    out = Path(args.out)
    problem = None if args.sweep == "report" else too_big(args)
    if problem:
        return fail(problem)
    try:
        check_writable(out)  # before any data is loaded or any run trains
        check_writable(out / "runs")
    except OSError as e:
        return fail(f"{out}: cannot write there ({e.strerror or e}); choose another --out")
    try:
        if args.sweep == "report":
            from model import report

            draw = None
            if plot_available():  # matplotlib is an optional extra
                from model.report_plots import draw_all as draw
            return report.main(args, out, lambda configs: execute(args, configs, out), draw)
        return sweep(args, configurations(args), out)
    except (DataError, SweepError) as e:
        return fail(str(e))
    except KeyboardInterrupt:
        return fail(f"interrupted; finished runs are cached in {out / 'runs'}, run the same command to resume", 130)


def execute(args: argparse.Namespace, configs: list[dict], out: Path, label: str = "") -> tuple[list[dict], int]:
    """Run (or read from the cache) every configuration, here or on the cluster, printing a line per
    run; returns the results in the configurations' order and how many were trained now."""
    width = len(str(len(configs)))
    count = [0, 0]

    def on_result(i: int, result: dict, note: str) -> None:
        count[0] += 1
        count[1] += note != "cached"
        line = (f"hidden {result['hidden']} epochs {result['epochs']} lr {result['lr']:g} {result['activation']} "
                f"{result['init']} {result['loss']} dropout {result['dropout']:g} wd {result['weight_decay']:g} "
                f"seed {result['seed']}: ")
        line += (f"val {result['val_accuracy']:.2%} test {result['test_accuracy']:.2%}" if result["status"] == "ok"
                 else result["status"])
        print(f"{label}[{count[0]:>{width}}/{len(configs)}] {line} ({note})", flush=True)

    source = (args.data, not args.no_download)
    results = run_all(configs, source, Cache(out / "runs"), on_result, workers=args.workers,
                      scheduler=scheduler_address(args.scheduler))
    return results, count[1]


def plot_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def sweep(args: argparse.Namespace, configs: list[dict], out: Path) -> int:
    started = time.perf_counter()
    results, fresh = execute(args, configs, out)
    rows = [{"sweep": args.sweep, **r} for r in results]
    write_csv(out / f"{args.sweep}.csv", rows)
    print(f"wrote {out / f'{args.sweep}.csv'} ({len(rows)} runs, {fresh} trained now, "
          f"{len(rows) - fresh} from the cache) in {time.perf_counter() - started:.0f} s")
    for line in summary(args.sweep, rows):
        print(line)
    if not plot_available():
        print(f"research.py: no plot, matplotlib is not installed; {INSTALL_HINT}", file=sys.stderr)
        return 0
    plot(args.sweep, rows, out / f"{args.sweep}.png")
    print(f"wrote {out / f'{args.sweep}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
