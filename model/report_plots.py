"""The report's plots, one per finding (matplotlib, an optional extra: imported only when drawing).

Rules every plot keeps: tick labels in plain numbers (0.3%, 10 G FLOPs, 0.003), legends outside the
axes so they never cover a point, axes fitted to the data, and a title with the finding, the recipe
and the number of seeds. Runs that failed are drawn as crosses at chance (90% error), not dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.atomic import atomic_write
from model.report import DEEP_LRS, LRS, REPORT_LR, Finding, at_epoch, by_width, failed, frontier_points, select
from model.scaling import REPORT_PICK, parameters, pareto_front, sizes_for

CHANCE_ERROR = 0.9
ERROR_FLOOR = 1e-4
COLORS = {"relu": "tab:blue", "leaky_relu": "tab:orange", "sigmoid": "tab:green", "tanh": "tab:purple"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    return plt


def _figure(title: str, subtitle: str, panels: int = 1):
    plt = _plt()
    fig, axes = plt.subplots(1, panels, figsize=(6.2 * panels + 3.2, 5.0), layout="constrained", squeeze=False)
    fig.suptitle(f"{title}\n{subtitle}", fontsize=10.5)
    return fig, list(axes[0])


def _save(fig, path: Path) -> Path:
    handles, labels = [], []
    for ax in fig.axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)  # beside, never over points
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100))
    _plt().close(fig)
    return path


def _percent(v: float, _=None) -> str:
    text = f"{v * 100:.3g}"
    return f"{text}%"


def _error_axis(ax, errors: list[float]) -> None:
    """Test error on a log axis labelled in plain percentages (0.5%, 1%, 2%, ...), fitted to the data."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    errors = [e for e in errors if np.isfinite(e)] or [0.01, 0.1]
    lo, hi = max(min(errors), ERROR_FLOOR) / 1.25, min(max(errors) * 1.25, 1.0)
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    ticks = [m * 10.0**k for k in range(-5, 1) for m in (1, 2, 5)]
    shown = [t for t in ticks if lo <= t <= hi]
    if len(shown) < 3:  # a narrow range: finer steps
        shown = [m * 10.0**k for k in range(-5, 1) for m in range(1, 10) if lo <= m * 10.0**k <= hi]
    ax.yaxis.set_major_locator(FixedLocator(shown))
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("MNIST test error (log scale)")
    ax.grid(True, which="major", alpha=0.3)


def _plain_log_x(ax, values: list[float], fmt) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    ax.set_xscale("log")
    ax.set_xlim(min(values) / 1.35, max(values) * 1.35)  # room beside the first and last points
    ax.xaxis.set_major_locator(FixedLocator(sorted(set(values))))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _err(r: dict) -> float:
    return CHANCE_ERROR if failed(r) and r["status"] != "ok" else max(1 - r["test_accuracy"], ERROR_FLOOR)


def _si(v: float) -> str:
    for scale, unit in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M")):
        if v >= scale:
            return f"{v / scale:g} {unit}"
    return f"{v:g}"


def draw_all(out: Path, rows: dict[str, list[dict]], findings: list[Finding], variant: str, seeds: int,
             images: int, epochs: int) -> list[Path]:
    recipe = (f"recipe 'original' (batch 50, lr 0.01 summed, decay 0.9/epoch), {images:,} MNIST images, "
              f"{seeds} seeds per point ({variant} variant)")
    verdict = {f.number: f.verdict for f in findings}
    return [
        _activations(out, rows["depth"], recipe, verdict),
        _size(out, rows["size"], recipe, verdict, epochs),
        _epochs(out, rows["size"], recipe, verdict),
        _lr(out, rows["lr"], recipe, verdict),
        _loss(out, rows["loss"], recipe, verdict),
        _pick(out, rows["size"], recipe, verdict, epochs),
        _frontier(out, rows["size"], recipe, verdict),
    ]


def _series(ax, rows: list[dict], x, label: str, color: str, style: str, shift: float = 0.0,
            log: bool = False) -> list[float]:
    """Seeds as dots (failed runs as crosses at chance), their mean as a line; returns the errors drawn.
    `shift` moves the series sideways a little (times x on a log axis) so that series do not hide each other."""
    xs = sorted({x(r) for r in rows})
    at = (lambda v: v * (1 + shift)) if log else (lambda v: v + shift)
    means, drawn = [], []
    for v in xs:
        errs = [_err(r) for r in rows if x(r) == v]
        good = [e for r, e in zip([r for r in rows if x(r) == v], errs) if not failed(r)]
        bad = [e for r, e in zip([r for r in rows if x(r) == v], errs) if failed(r)]
        ax.plot([at(v)] * len(good), good, "o", ms=3.5, alpha=0.5, color=color)
        ax.plot([at(v)] * len(bad), bad, "x", ms=7, mew=1.6, color=color)
        means.append(float(np.mean(errs)))
        drawn += errs
    ax.plot([at(v) for v in xs], means, linestyle=style, lw=1.8, color=color, label=label)
    return drawn


def _activations(out: Path, rows: list[dict], recipe: str, verdict: dict) -> Path:
    fig, (ax,) = _figure(f"Finding 1: activations and depth (1a {verdict['1a']}, 1b {verdict['1b']}, "
                         f"1c {verdict['1c']})", recipe)
    drawn = []
    styles = {"he": "-", "xavier": ":"}
    for i, (act, init) in enumerate(sorted({(r["activation"], r["init"]) for r in rows})):
        runs = select(rows, activation=act, init=init, lr=REPORT_LR["relu"])
        drawn += _series(ax, runs, lambda r: r["layers"], f"{act}, {init} init, lr 0.01", COLORS[act],
                         styles[init], shift=(i - 2.5) * 0.03)
    for j, lr in enumerate(DEEP_LRS):
        for k, act in enumerate(("relu", "leaky_relu", "sigmoid")):
            runs = [r for r in rows if r["activation"] == act and r["lr"] == lr]
            if runs:
                drawn += _series(ax, runs, lambda r: r["layers"], f"{act}, {runs[0]['init']} init, lr {lr:g}",
                                 COLORS[act], ("--", "-.", (0, (1, 1)))[j], shift=0.1 + 0.04 * j + 0.015 * k)
    ax.set_xticks([1, 2, 3], ["1", "2", "3"])
    ax.set_xlabel("hidden layers (x: diverged or failed to learn, drawn at chance)")
    _error_axis(ax, drawn)
    return _save(fig, out / "f1-activations.png")


def _size(out: Path, rows: list[dict], recipe: str, verdict: dict, epochs: int) -> Path:
    fig, (ax,) = _figure(f"Finding 2: test error against model size after {epochs} epochs ({verdict['2']})", recipe)
    w = by_width(rows)
    params = {h: parameters(sizes_for([h])) for h in w}
    drawn = []
    for h, rs in w.items():
        errs = [1 - a for a in at_epoch(rs, epochs)]
        ax.plot([params[h]] * len(errs), errs, "o", ms=4, alpha=0.5, color="tab:blue")
        drawn += errs
    means = [1 - np.mean(at_epoch(rs, epochs)) for rs in w.values()]
    ax.plot(list(params.values()), means, "-", color="tab:blue", lw=2, label="test error, mean of seeds (dots: seeds)")
    if REPORT_PICK["hidden"] in params:
        ax.axvline(params[REPORT_PICK["hidden"]], color="crimson", ls=":", lw=1,
                   label=f"the report's pick, {REPORT_PICK['hidden']} neurons")
    _plain_log_x(ax, list(params.values()), lambda v: _width_label(v, params))
    ax.set_xlabel("hidden neurons (parameters)")
    _error_axis(ax, drawn)
    return _save(fig, out / "f2-size.png")


def _width_label(v: float, params: dict[int, int]) -> str:
    for h, p in params.items():
        if abs(p - v) < 0.5:
            return f"{h}\n({p / 1000:,.0f}k)"
    return ""


def _curves(rows: list[dict], key: str = "test_accuracy") -> np.ndarray:
    done = [r for r in rows if r["status"] == "ok" and len(r.get("curve", [])) == r["epochs"]]
    return np.array([[p[key] for p in r["curve"]] for r in done])


def _epochs(out: Path, rows: list[dict], recipe: str, verdict: dict) -> Path:
    fig, (ax,) = _figure(f"Finding 3: longer training, by model size ({verdict['3']})", recipe)
    plt = _plt()
    w = by_width(rows)
    cmap = plt.get_cmap("viridis")
    drawn = []
    for i, (h, rs) in enumerate(w.items()):
        test, val = 1 - _curves(rs), _curves(rs, "val_accuracy")
        if not len(test):
            continue
        color = cmap(i / max(len(w) - 1, 1) * 0.9)
        e = np.arange(1, test.shape[1] + 1)
        ax.fill_between(e, test.min(axis=0), test.max(axis=0), color=color, alpha=0.15, lw=0)
        ax.plot(e, test.mean(axis=0), "-", color=color, lw=1.8, label=f"{h} neurons (band: min-max of seeds)")
        chosen = int(val.mean(axis=0).argmax())
        ax.plot(e[chosen], test.mean(axis=0)[chosen], "D", ms=7, mfc="white", color=color)
        drawn += list(test.ravel())
    ax.plot([], [], "D", mfc="white", color="0.3", label="epoch validation accuracy chooses")
    ax.set_xticks(range(1, 16))
    ax.set_xlabel("epochs")
    _error_axis(ax, drawn)
    return _save(fig, out / "f3-epochs.png")


def _lr(out: Path, rows: list[dict], recipe: str, verdict: dict) -> Path:
    fig, axes = _figure(f"Finding 4: learning rates (4a {verdict['4a']}, 4b {verdict['4b']})", recipe, panels=2)
    plt = _plt()
    widths = sorted({int(r["hidden"]) for r in rows})
    drawn = []
    for ax, act in zip(axes, ("sigmoid", "relu")):
        for i, h in enumerate(widths):
            runs = select(rows, activation=act, hidden=str(h))
            color = plt.get_cmap("tab10")(i)
            drawn += _series(ax, runs, lambda r: r["lr"], f"{h} neurons", color, "-", shift=(i - 0.5) * 0.04,
                             log=True)
        ax.axvline(REPORT_LR[act], color="crimson", ls=":", lw=1, label="the report's maximum stable lr")
        ax.set_title(f"{act} ({'xavier' if act == 'sigmoid' else 'he'} init)", fontsize=10)
        _plain_log_x(ax, LRS, lambda v: f"{v:g}")
        ax.set_xlabel("learning rate (on gradients summed over 50 images; x: diverged)")
    for ax in axes:
        _error_axis(ax, drawn)
    return _save(fig, out / "f4-lr.png")


def _loss(out: Path, rows: list[dict], recipe: str, verdict: dict) -> Path:
    h = rows[0]["hidden"]
    fig, (ax,) = _figure(f"Finding 5: cross-entropy against mean squared error, {h} neurons ({verdict['5']})", recipe)
    drawn = []
    for loss, color, name in (("xent", "tab:blue", "cross-entropy"), ("mse", "tab:red", "mean squared error")):
        test = 1 - _curves(select(rows, loss=loss))
        if not len(test):
            continue
        e = np.arange(1, test.shape[1] + 1)
        ax.fill_between(e, test.min(axis=0), test.max(axis=0), color=color, alpha=0.18, lw=0)
        ax.plot(e, test.mean(axis=0), "-", color=color, lw=1.8, label=f"{name} (band: min-max of seeds)")
        drawn += list(test.ravel())
    ax.set_xticks(range(1, 16))
    ax.set_xlabel("epochs")
    _error_axis(ax, drawn)
    return _save(fig, out / "f5-loss.png")


def _pick(out: Path, rows: list[dict], recipe: str, verdict: dict, epochs: int) -> Path:
    fig, (ax,) = _figure(f"Finding 6: is {REPORT_PICK['hidden']} neurons really better? ({verdict['6']}); the report: "
                         "98.51% vs 98.37%, one run each", recipe)
    # The best widths by mean and 925: the question is between neighbours, and the small networks far
    # below would squash them into one line.
    w = by_width(rows)
    means = {h: np.mean(at_epoch(rs, epochs)) for h, rs in w.items() if at_epoch(rs, epochs)}
    top = sorted(means, key=means.get)[-3:]
    w = {h: rs for h, rs in w.items() if h in top or h == REPORT_PICK["hidden"]}
    drawn = []
    for i, (h, rs) in enumerate(w.items()):
        a = np.array(at_epoch(rs, epochs))
        color = "crimson" if h == REPORT_PICK["hidden"] else "tab:blue"
        ax.plot([i] * len(a), a, "o", ms=5, alpha=0.6, color=color)
        if len(a):
            ax.errorbar(i, a.mean(), yerr=a.std(ddof=1) if len(a) > 1 else 0, fmt="_", ms=20, capsize=5, color=color)
        drawn += list(a)
    ax.plot([], [], "o", color="tab:blue", label="one seed each; bar: mean ± sd")
    ax.plot([], [], "o", color="crimson", label=f"{REPORT_PICK['hidden']} neurons, the report's pick")
    ax.set_xticks(range(len(w)), [str(h) for h in w])
    ax.set_xlabel(f"hidden neurons (the three best means, and {REPORT_PICK['hidden']})")
    ax.set_xlim(-0.6, len(w) - 0.4)
    from matplotlib.ticker import FuncFormatter

    lo, hi = min(drawn), max(drawn)
    pad = (hi - lo) * 0.15 + 1e-4
    ax.set_ylim(lo - pad, hi + pad)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.2f}%"))
    ax.set_ylabel(f"MNIST test accuracy after {epochs} epochs")
    ax.grid(True, alpha=0.3)
    return _save(fig, out / "f6-pick.png")


def _frontier(out: Path, rows: list[dict], recipe: str, verdict: dict) -> Path:
    fig, (ax,) = _figure(f"Finding 7: the compute frontier ({verdict['7']})", recipe)
    plt = _plt()
    pts = frontier_points(rows)
    widths = sorted({p["hidden"] for p in pts})
    cmap = plt.get_cmap("viridis")
    for i, h in enumerate(widths):
        mine = [p for p in pts if p["hidden"] == h]
        color = cmap(i / max(len(widths) - 1, 1) * 0.9)
        ax.plot([p["flops"] for p in mine], [p["val_loss"] for p in mine], "o-", ms=3, color=color,
                label=f"{h} neurons, epochs 1-{len(mine)}")
    front = [pts[i] for i in pareto_front([p["flops"] for p in pts], [p["val_loss"] for p in pts])]
    ax.plot([p["flops"] for p in front], [p["val_loss"] for p in front], "k-", lw=2.5, alpha=0.35,
            label="frontier: lowest loss for the compute")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    flops = [p["flops"] for p in pts]
    decades = [10.0**k for k in range(int(np.floor(np.log10(min(flops)))), int(np.ceil(np.log10(max(flops)))) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(decades))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _si(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    losses = [p["val_loss"] for p in pts]
    ax.set_ylim(min(losses) / 1.1, max(losses) * 1.1)
    ticks = [m * 10.0**k for k in range(-3, 2) for m in (1, 1.5, 2, 3, 5, 7)]
    ax.yaxis.set_major_locator(FixedLocator([t for t in ticks if min(losses) / 1.1 <= t <= max(losses) * 1.1]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("training FLOPs (epochs x images x 6 x weights)")
    ax.set_ylabel("validation cross-entropy, mean of seeds (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    return _save(fig, out / "f7-frontier.png")
