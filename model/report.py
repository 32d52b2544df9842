"""`research.py report`: the school report's seven findings, each rerun with several seeds and judged.

What each finding needs is a small grid of runs (`plan`); the grids share runs where they can (the
loss comparison's cross-entropy runs are the size grid's), and the size grid records a learning
curve per run, so one 15-epoch run answers for every epoch count up to 15 (findings 2, 3, 5, 6, 7).
Each finding is then judged by a test written down before any run (`judge_*`): a Welch t-test
between two settings' seeds, a paired t-test between two epochs of the same runs, or a count of
runs that failed to learn, at ALPHA. The verdict is one of three: it holds, it does not hold (the
opposite is measured), or the difference cannot be told apart from seed-to-seed noise at this many
seeds. Everything here but the plots is pure and tested on made-up rows.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from model.atomic import atomic_write
from model.config import HIDDEN
from model.scaling import REPORT_PICK, compare, pareto_front, sizes_for, spread, training_flops
from model.sweep import grid

HOLDS, FAILS, UNCLEAR = "holds", "does not hold", "cannot be told apart"
ALPHA = 0.05
FAILED_BELOW = 0.5  # test accuracy under which a run "fails to learn" (chance is 10%)
RECIPE = "original"  # the report's recipe: batch 50, lr 0.01 on summed gradients, decay 0.9 an epoch, 15 epochs

# The two variants. Quick: a lesson's worth of CPU (10,000 training images, 3 seeds, small nets);
# full: the report's 55,000 images, 5 seeds, its sizes and 15 epochs everywhere.
VARIANTS = {
    "quick": {"limit": 10_000, "seeds": 3, "size_widths": [16, 64, 256, 512, HIDDEN, 2048], "epochs": 15,
              "depth_width": 128, "depth_epochs": 5, "lr_widths": [32, 512], "lr_epochs": 5, "loss_width": 256},
    "full": {"limit": None, "seeds": 5, "size_widths": [16, 32, 64, 128, 256, 512, HIDDEN, 2048], "epochs": 15,
             "depth_width": 256, "depth_epochs": 15, "lr_widths": [64, HIDDEN], "lr_epochs": 15, "loss_width": HIDDEN},
}
LRS = [0.003, 0.01, 0.03, 0.1, 0.3]
REPORT_LR = {"sigmoid": 0.1, "relu": 0.01}  # the report's "maximum stable learning rate"
# Deep networks at other steps than the report's: smaller ones (do they fix a failure?) and a larger one
# (does ReLU fail where sigmoid does not?). The learning rate is the first suspect when a net fails.
DEEP_LRS = [0.001, 0.003, 0.03]


def plan(variant: str, seeds: int | None = None, limit: int | None = None,
         widths: list[int] | None = None) -> dict[str, list[dict]]:
    """Named grids of run configurations for a variant (`seeds`, `limit` and the size grid's `widths`
    override its own)."""
    v = {**VARIANTS[variant], **({"size_widths": widths} if widths else {})}
    seeds = seeds or v["seeds"]
    limit = limit if limit is not None else v["limit"]
    size = grid(RECIPE, limit, seeds, v["size_widths"], epochs=[v["epochs"]], curve=True)
    loss = grid(RECIPE, limit, seeds, [v["loss_width"]], epochs=[v["epochs"]], loss=["xent", "mse"], curve=True)
    depth = [c for act in ("relu", "leaky_relu", "sigmoid") for c in grid(
        RECIPE, limit, seeds, [v["depth_width"]], [1, 2, 3], epochs=[v["depth_epochs"]], activation=[act],
        init=["he", "xavier"])]
    steps = [c for act, init, lrs in (("relu", "he", DEEP_LRS), ("leaky_relu", "he", DEEP_LRS),
                                      ("sigmoid", "xavier", DEEP_LRS[-1:])) for c in grid(
        RECIPE, limit, seeds, [v["depth_width"]], [2, 3], epochs=[v["depth_epochs"]], activation=[act],
        init=[init], lr=lrs)]
    lr = [c for act, init in (("sigmoid", "xavier"), ("relu", "he")) for c in grid(
        RECIPE, limit, seeds, v["lr_widths"], epochs=[v["lr_epochs"]], activation=[act], init=[init], lr=LRS)]
    return {"size": size, "loss": loss, "depth": depth + steps, "lr": lr}


# ---------------------------------------------------------------------------------------------
# Reading rows


def ok(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["status"] == "ok"]


def failed(r: dict) -> bool:
    return r["status"] != "ok" or r["test_accuracy"] < FAILED_BELOW


def accs(rows: list[dict]) -> list[float]:
    return [r["test_accuracy"] for r in ok(rows)]


def pct(v: float) -> str:
    return f"{v:.2%}"


def described(values: list[float], n_all: int | None = None) -> str:
    """'97.12% ± 0.08 (3 seeds)': mean ± sample sd in points; failures counted when some runs failed."""
    n_all = len(values) if n_all is None else n_all
    if not values:
        return f"no run finished ({n_all} diverged)"
    s = spread(values)
    text = f"{s.mean:.2%} ± {s.sd * 100:.2f} ({s.n} seed{'s' if s.n != 1 else ''})"
    return text + (f", {n_all - s.n} diverged" if n_all > s.n else "")


def welch(a: list[float], b: list[float]) -> float:
    """Welch's t-test p-value (nan with fewer than two seeds a side). Seeds that agree to the last digit
    make scipy warn about precision; the p-value it gives then is still the right answer (nan or 0/1)."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return compare(a, b).p_value


def paired(a: np.ndarray, b: np.ndarray) -> float:
    """Paired t-test p-value over seeds (the same runs at two epochs); a difference every seed shares
    exactly is certain (p = 0), none at all is no evidence (p = 1)."""
    d = np.asarray(a) - np.asarray(b)
    if len(d) < 2:
        return float("nan")
    if d.std() == 0:
        return 0.0 if d.mean() != 0 else 1.0
    return float(stats.ttest_rel(a, b).pvalue)


def p_text(p: float) -> str:
    return "p n/a" if not math.isfinite(p) else f"p = {p:.2g}"


def select(rows: list[dict], **where) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def at_epoch(rows: list[dict], epoch: int, key: str = "test_accuracy") -> list[float]:
    """A figure of each finished run after `epoch` epochs, from its learning curve."""
    return [r["curve"][epoch - 1][key] for r in ok(rows) if len(r.get("curve", [])) >= epoch]


def by_width(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(int(r["hidden"].split("-")[0]), []).append(r)
    return dict(sorted(out.items()))


@dataclass
class Finding:
    number: str
    claim: str  # in the report's words
    measured: str
    test: str
    verdict: str
    plot: str
    why: str = ""


# ---------------------------------------------------------------------------------------------
# The judges, one per finding


def judge_activations(rows: list[dict]) -> tuple[list[Finding], str]:
    """Finding 1 in three parts, and why ReLU fails in deeper networks if it does."""
    base = [r for r in rows if r["lr"] == REPORT_LR["relu"]]
    combos = sorted({(r["activation"], r["init"]) for r in base})
    plot = "f1-activations.png"

    def best_at(depth: int) -> list[tuple[float, tuple[str, str], list[float]]]:
        ranked = []
        for combo in combos:
            runs = select(base, layers=depth, activation=combo[0], init=combo[1])
            a = [r["test_accuracy"] if not failed(r) else 0.0 for r in runs]  # a failed run counts as nothing learnt
            ranked.append((float(np.mean(a)) if a else -1.0, combo, a))
        return sorted(ranked, reverse=True)

    findings = []
    one = best_at(1)
    (_, c1, a1), (_, c2, a2) = one[0], next(x for x in one[1:] if x[1][0] != one[0][1][0])
    p = welch(a1, a2)
    name = "/".join
    if c1[0] == "relu":
        verdict = HOLDS if p < ALPHA else UNCLEAR
    else:
        relu = next(x for x in one if x[1][0] == "relu")
        verdict = FAILS if welch(a1, relu[2]) < ALPHA else UNCLEAR
    findings.append(Finding(
        "1a", "for one large hidden layer ReLU is the best activation",
        f"one layer: best {name(c1)} {described(a1)}, next {name(c2)} {described(a2)}",
        f"Welch t-test, best against the best other activation: {p_text(p)}", verdict, plot))

    parts, verdicts = [], []
    for depth in (2, 3):
        ranked = best_at(depth)
        (_, c, a), (_, cr, ar) = ranked[0], ranked[1]
        p = welch(a, ar)
        parts.append(f"{depth} layers: best {name(c)} {described(a)}, next {name(cr)} {described(ar)} ({p_text(p)})")
        if c == ("sigmoid", "xavier"):
            verdicts.append(HOLDS if p < ALPHA else UNCLEAR)
        else:
            sx = next(x for x in ranked if x[1] == ("sigmoid", "xavier"))
            verdicts.append(FAILS if welch(a, sx[2]) < ALPHA else UNCLEAR)
    verdict = FAILS if FAILS in verdicts else (HOLDS if all(v == HOLDS for v in verdicts) else UNCLEAR)
    findings.append(Finding("1b", "with several layers sigmoid with Xavier initialisation is best", "; ".join(parts),
                            "Welch t-test, best against the runner-up, at 2 and at 3 layers", verdict, plot))

    deep = [r for r in base if r["activation"] in ("relu", "leaky_relu") and r["layers"] >= 2 and r["init"] == "he"]
    bad = [r for r in deep if failed(r)]
    parts = []
    for act in ("relu", "leaky_relu"):
        for depth in (2, 3):
            runs = select(deep, activation=act, layers=depth)
            parts.append(f"{act} {depth} layers: {sum(map(failed, runs))}/{len(runs)} failed, "
                         f"{described(accs(runs), len(runs))}")
    share = len(bad) / max(len(deep), 1)
    verdict = HOLDS if share >= 0.5 else FAILS
    findings.append(Finding(
        "1c", "ReLU fails to learn at all with two or three layers (Leaky ReLU 14.4%)",
        "; ".join(parts), f"runs that diverged or ended below {FAILED_BELOW:.0%} test accuracy (He init, lr 0.01)",
        verdict, plot, why=_why_relu(rows, deep, bad)))
    return findings, findings[-1].why


def _why_relu(rows: list[dict], deep: list[dict], bad: list[dict]) -> str:
    """Why deep ReLU networks fail (at the report's step, or at which), from the runs: step size and init."""
    batch = deep[0]["batch"] if deep else 50
    relus = ("relu", "leaky_relu")

    def runs(lr: float, acts=relus, init: str | None = None) -> list[dict]:
        return [r for r in rows if r["lr"] == lr and r["activation"] in acts and r["layers"] >= 2
                and (init is None or r["init"] == init)]

    def failures(rs: list[dict]) -> str:
        if not rs:
            return "no runs"
        diverged = sum(r["status"] == "diverged" for r in rs)
        good = [r["test_accuracy"] for r in rs if not failed(r)]
        text = f"{len(rs) - len(good)} of {len(rs)} runs failed ({diverged} diverged, the rest stuck near chance)"
        if good:
            s = spread(good)
            text += f"; the others reach {s.mean:.2%} ± {s.sd * 100:.2f}"
        return text.replace(", the rest stuck near chance", "") if len(rs) - len(good) == diverged else text

    lr0 = REPORT_LR["relu"]
    lines = [f"The report's recipe sums the gradient over a batch of {batch} instead of averaging it, so its lr "
             f"{lr0:g} is a step of {lr0 * batch:g} on the mean gradient. Deep (2-3 layer) ReLU and Leaky ReLU "
             f"networks with He initialisation at that step: {failures(runs(lr0, init='he'))}."]
    xav = runs(lr0, init="xavier")
    if xav:
        lines.append(f"With Xavier initialisation (weights {math.sqrt(2):.2f}x smaller): {failures(xav)}.")
    for lr in DEEP_LRS:
        rs = runs(lr, init="he")
        if rs:
            lines.append(f"At lr {lr:g} (a step of {lr * batch:g}): {failures(rs)}.")
    sig = runs(DEEP_LRS[-1], acts=("sigmoid",))
    if sig:
        lines.append(f"Deep sigmoid networks (Xavier) at lr {DEEP_LRS[-1]:g}: {failures(sig)}.")
    lines.append("A sigmoid's output is at most 1 and its slope at most 1/4, so each layer shrinks what flows back "
                 "through it and a large step stays survivable; ReLU passes inputs and gradients on unshrunk, so "
                 "with every ReLU layer a large step grows the weights faster, until the loss explodes or every "
                 "unit's input is negative (a 'dead' network that gives one answer for every image). He "
                 "initialisation (variance 2/fan-in) keeps the signal's size through depth at the start; the step "
                 "must suit the network too. The fix is a smaller learning rate (or the mean gradient instead of "
                 "the sum), not another activation.")
    return " ".join(lines)


def judge_size(rows: list[dict], epochs: int) -> Finding:
    """Finding 2: rises with size, slows, then falls for too large a model."""
    w = by_width(rows)
    a = {h: at_epoch(rs, epochs) for h, rs in w.items()}
    means = {h: float(np.mean(v)) for h, v in a.items() if v}
    best = max(means, key=means.get)
    small, large = min(w), max(w)
    rise = welch(a[best], a[small])
    parts = [f"{h}: {described(v)}" for h, v in a.items()]
    if large == best:
        verdict, fall = FAILS, f"the largest ({large}) has the best mean: no fall (rise {p_text(rise)})"
    else:
        p = welch(a[best], a[large])
        fall = f"best {best} vs largest {large}: {means[best] - means[large]:+.2%}, {p_text(p)}"
        verdict = HOLDS if p < ALPHA and rise < ALPHA else UNCLEAR
    return Finding("2", "accuracy rises with model size, then slows, then falls for too large a model (overfitting)",
                   f"test accuracy after {epochs} epochs by hidden neurons: " + "; ".join(parts),
                   f"Welch t-test: {fall}", verdict, "f2-size.png")


def judge_epochs(rows: list[dict]) -> Finding:
    """Finding 3: more epochs eventually lower test accuracy, more so for larger models."""
    w = by_width(rows)
    parts, drops, ps = [], {}, {}
    for h, rs in w.items():
        done = [r for r in ok(rs) if len(r.get("curve", [])) == r["epochs"]]
        if not done:
            continue
        val = np.array([[p["val_accuracy"] for p in r["curve"]] for r in done])
        test = np.array([[p["test_accuracy"] for p in r["curve"]] for r in done])
        chosen = int(val.mean(axis=0).argmax())  # the epoch validation data would choose
        d = test[:, chosen] - test[:, -1]
        drops[h] = float(d.mean())
        ps[h] = paired(test[:, chosen], test[:, -1])
        parts.append(f"{h}: best validation epoch {chosen + 1}, test {test[:, chosen].mean():.2%} there vs "
                     f"{test[:, -1].mean():.2%} at {test.shape[1]} ({-drops[h]:+.2%}, {p_text(ps[h])})")
    large, small = max(drops), min(drops)
    if drops[large] <= 0:
        verdict = FAILS
    elif ps[large] < ALPHA and drops[large] > drops[small]:
        verdict = HOLDS
    else:
        verdict = UNCLEAR
    return Finding("3", "more epochs eventually lower test accuracy (overfitting), more so for larger models",
                   "; ".join(parts), "paired t-test over seeds: test accuracy at the epoch validation accuracy "
                   "chooses against the last epoch, per width", verdict, "f3-epochs.png")


def judge_lr(rows: list[dict]) -> list[Finding]:
    """Finding 4: the maximum stable learning rate per activation; the best one depends on size."""
    widths = sorted({int(r["hidden"]) for r in rows})
    stable_text, verdicts, best_text, depends = [], [], [], []
    for act in ("sigmoid", "relu"):
        runs = select(rows, activation=act)
        stable = [lr for lr in LRS if all(not failed(r) for r in runs if r["lr"] == lr)]
        top = max(stable) if stable else None
        above = [lr for lr in LRS if top is not None and lr > top]
        stable_text.append(f"{act}: {top:g}" + (f" (fails at {above[0]:g})" if above else " (the grid's largest)")
                           if top else f"{act}: none")
        verdicts.append(top == REPORT_LR[act])
        bests = {}
        for h in widths:
            per = {lr: accs(select(runs, lr=lr, hidden=str(h))) for lr in LRS}
            per = {lr: v for lr, v in per.items() if v and lr in stable}
            if per:
                bests[h] = (max(per, key=lambda lr: np.mean(per[lr])), per)
        if len(bests) == 2:
            (hs, (ls, ps_)), (hl, (ll, pl)) = sorted(bests.items())
            if ll == ls:  # nothing to test: the same step is best at both sizes
                best_text.append(f"{act}: the same best lr, {ls:g}, at {hs} and at {hl} neurons")
            else:
                p = welch(pl[ll], pl[ls])
                best_text.append(f"{act}: best lr {ls:g} at {hs} neurons, {ll:g} at {hl} ({p_text(p)}: {hl} neurons "
                                 f"at {ll:g} vs at {ls:g})")
            depends.append(HOLDS if ll != ls and p < ALPHA else (UNCLEAR if ll != ls else FAILS))
    a = Finding("4a", "the maximum stable learning rate is 0.1 for sigmoid and 0.01 for ReLU",
                "largest stable lr of " + ", ".join(f"{lr:g}" for lr in LRS) + ": " + "; ".join(stable_text),
                f"stable: no seed diverged or ended below {FAILED_BELOW:.0%}, at every width "
                f"({', '.join(map(str, widths))})", HOLDS if all(verdicts) else FAILS, "f4-lr.png")
    verdict = HOLDS if HOLDS in depends else (UNCLEAR if UNCLEAR in depends else FAILS)
    b = Finding("4b", "the best learning rate depends on the model's size", "; ".join(best_text),
                "Welch t-test, the larger model at its own best lr against the smaller model's best lr", verdict,
                "f4-lr.png")
    return [a, b]


def judge_loss(rows: list[dict], few: int = 2) -> Finding:
    """Finding 5: cross-entropy beats MSE at few and at many epochs."""
    many = max(r["epochs"] for r in rows)
    parts, verdicts = [], []
    for e in (few, many):
        x, m = at_epoch(select(rows, loss="xent"), e), at_epoch(select(rows, loss="mse"), e)
        p = welch(x, m)
        parts.append(f"{e} epochs: cross-entropy {described(x)}, MSE {described(m)} ({p_text(p)})")
        better = np.mean(x) > np.mean(m) if x and m else False
        verdicts.append(HOLDS if better and p < ALPHA else (FAILS if not better and p < ALPHA else UNCLEAR))
    verdict = FAILS if FAILS in verdicts else (HOLDS if all(v == HOLDS for v in verdicts) else UNCLEAR)
    return Finding("5", "cross-entropy is the best loss, at few and many epochs", "; ".join(parts),
                   f"Welch t-test at {few} and at {many} epochs", verdict, "f5-loss.png")


def judge_pick(rows: list[dict], epochs: int) -> Finding:
    """Finding 6: the final model (925 neurons) makes 9.4% fewer errors than the next best, from one run each."""
    w = by_width(rows)
    pick = REPORT_PICK["hidden"]
    a = {h: at_epoch(rs, epochs) for h, rs in w.items()}
    others = {h: v for h, v in a.items() if h != pick and v}
    if pick not in a or not others:
        return Finding("6", "the final model makes 9.4% fewer errors than the next best configuration",
                       f"no {pick} runs", "-", UNCLEAR, "f6-pick.png")
    rival = max(others, key=lambda h: np.mean(others[h]))
    p = welch(a[pick], a[rival])
    e_pick, e_rival = 1 - np.mean(a[pick]), 1 - np.mean(others[rival])
    fewer = (e_rival - e_pick) / e_rival
    same = [abs(x - y) for i, x in enumerate(a[pick]) for y in a[pick][i + 1:]]
    measured = (f"{pick} neurons {described(a[pick])}, next best {rival} {described(a[rival])}: {fewer:+.1%} fewer "
                f"errors on average; two runs of {pick} alone differ by up to {max(same, default=0) * 100:.2f} points "
                f"(the report's two configurations: 0.14)")
    verdict = HOLDS if fewer > 0 and p < ALPHA else (FAILS if fewer < 0 and p < ALPHA else UNCLEAR)
    return Finding("6", "its final model (98.51%) makes 9.4% fewer errors than the next best configuration (98.37%), "
                   "from one run of each", measured, f"Welch t-test, {pick} against the next best width: {p_text(p)}",
                   verdict, "f6-pick.png")


def frontier_points(rows: list[dict]) -> list[dict]:
    """(width, epoch) points averaged over seeds: training FLOPs and validation loss, from the curves."""
    pts = []
    for h, rs in by_width(rows).items():
        done = [r for r in ok(rs) if len(r.get("curve", [])) == r["epochs"]]
        if not done:
            continue
        images = done[0]["train_images"]
        for e in range(1, done[0]["epochs"] + 1):
            losses = [r["curve"][e - 1]["val_loss"] for r in done]
            pts.append({"hidden": h, "epoch": e, "flops": training_flops(sizes_for([h]), e * images),
                        "val_loss": float(np.mean(losses)), "lo": min(losses), "hi": max(losses)})
    return pts


def judge_frontier(rows: list[dict]) -> Finding:
    """Finding 7: a compute-efficiency frontier, as for language models."""
    pts = frontier_points(rows)
    front = [pts[i] for i in pareto_front([p["flops"] for p in pts], [p["val_loss"] for p in pts])]
    order = [p["hidden"] for p in front]
    widths = list(dict.fromkeys(order))
    slope = np.polyfit(np.log([p["flops"] for p in front]), np.log([p["val_loss"] for p in front]), 1)[0] \
        if len(front) > 1 else float("nan")
    monotone = all(a <= b for a, b in zip(order, order[1:]))
    verdict = HOLDS if len(widths) >= 3 and monotone else (FAILS if len(widths) == 1 else UNCLEAR)
    # Where a smaller width takes the frontier back from a larger one: why "in order of size" failed.
    back = [f"{b['hidden']} after {a['hidden']} at {b['flops']:.1e} FLOPs"
            for a, b in zip(front, front[1:]) if b["hidden"] < a["hidden"]]
    return Finding("7", "a compute-efficiency frontier exists for this MLP as for language models",
                   f"widths along the frontier (lowest mean validation loss per training FLOP), cheapest first: "
                   f"{' -> '.join(map(str, widths))}"
                   + (f", but a smaller width takes it back {len(back)} time(s) ({'; '.join(back)})" if back else "")
                   + f"; frontier slope {slope:.2f} (loss ~ compute^slope)",
                   "the frontier passes through 3 or more widths, each larger one taking over at a larger budget",
                   verdict, "f7-frontier.png")


def judge(results: dict[str, list[dict]], epochs: int) -> list[Finding]:
    f1, _ = judge_activations(results["depth"])
    return [*f1, judge_size(results["size"], epochs), judge_epochs(results["size"]), *judge_lr(results["lr"]),
            judge_loss(results["loss"]), judge_pick(results["size"], epochs), judge_frontier(results["size"])]


# ---------------------------------------------------------------------------------------------
# The table


def table(findings: list[Finding]) -> str:
    head = "| # | the report says | measured here (mean ± sd over seeds) | test | verdict | plot |\n"
    head += "| --- | --- | --- | --- | --- | --- |\n"
    cell = lambda s: s.replace("|", "/").replace("\n", " ")  # noqa: E731
    return head + "".join(f"| {f.number} | {cell(f.claim)} | {cell(f.measured)} | {cell(f.test)} | **{f.verdict}** | "
                          f"[{f.plot}]({f.plot}) |\n" for f in findings)


def write_findings(out: Path, findings: list[Finding], header: str) -> None:
    why = "\n\n".join(f"**Why ({f.number}).** {f.why}" for f in findings if f.why)
    text = f"{header}\n\n{table(findings)}\n{why}\n"
    atomic_write(out / "findings.md", lambda f: f.write(text.encode("utf-8")))
    data = json.dumps([asdict(f) for f in findings], indent=1, ensure_ascii=False)
    atomic_write(out / "findings.json", lambda f: f.write(data.encode("utf-8")))


def main(args, out: Path, execute: Callable[[list[dict]], tuple[list[dict], int]],
         draw: Callable[..., list[Path]] | None) -> int:
    """research.py report: run every grid (one task list, so the cluster sees all of it), judge, write.
    `draw`: model/report_plots.py's draw_all, or None without matplotlib (passed in, not imported
    here: the plots read this module's findings, so importing them here would close a circle)."""
    variant = "quick" if args.quick else "full"
    grids = plan(variant, args.seeds, args.limit, args.widths)
    flat, seen = [], set()
    for configs in grids.values():
        for c in configs:
            key = json.dumps(c, sort_keys=True)
            if key not in seen:
                seen.add(key)
                flat.append(c)
    print(f"research.py report ({variant}): {len(flat)} runs for the report's seven findings", flush=True)
    started = time.perf_counter()
    results, fresh = execute(flat)
    by_key = {json.dumps(c, sort_keys=True): r for c, r in zip(flat, results)}
    rows = {name: [by_key[json.dumps(c, sort_keys=True)] for c in configs] for name, configs in grids.items()}
    seconds = time.perf_counter() - started
    v = VARIANTS[variant]
    findings = judge(rows, v["epochs"])
    seeds = args.seeds or v["seeds"]
    images = rows["size"][0]["train_images"]
    header = (f"# The school report's findings, rerun ({variant} variant)\n\nRecipe '{RECIPE}' (the report's: "
              f"batch 50, lr 0.01 on summed gradients, decay 0.9 an epoch, no momentum), {images:,} MNIST training "
              f"images, {seeds} seeds per point, {len(flat)} runs ({fresh} trained now) in {seconds:.0f} s. "
              f"Verdicts at p < {ALPHA}; 'cannot be told apart' means the difference is within seed-to-seed noise "
              f"at {seeds} seeds.")
    if draw is not None:
        for path in draw(out, rows, findings, variant, seeds, images, v["epochs"]):
            print(f"wrote {path}")
    write_findings(out, findings, header)
    for f in findings:
        print(f"finding {f.number}: {f.verdict}  ({f.measured})")
    print(f"wrote {out / 'findings.md'} ({len(flat)} runs, {fresh} trained now, {seconds:.0f} s)")
    return 0
