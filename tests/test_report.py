"""research.py report: the judges on made-up runs (each verdict reachable, from the numbers alone), and the
whole report end to end on small fake MNIST through the real script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from model import report
from model.report import FAILS, HOLDS, UNCLEAR
from tests.fakedata import write_fake_mnist

ROOT = Path(__file__).resolve().parents[1]


def run(hidden="64", acc=0.97, seed=0, status="ok", curve=None, **kw) -> dict:
    layers = len(str(hidden).split("-"))
    r = {"hidden": str(hidden), "layers": layers, "activation": "relu", "init": "he", "loss": "xent", "epochs": 15,
         "lr": 0.01, "batch": 50, "seed": seed, "status": status, "train_images": 1000,
         "test_accuracy": acc if status == "ok" else float("nan"), "val_accuracy": acc, **kw}
    if curve is not None:
        r["curve"] = [{"epoch": e + 1, "test_accuracy": t, "val_accuracy": v, "val_loss": loss, "train_loss": loss}
                      for e, (t, v, loss) in enumerate(curve)]
        r["epochs"] = len(curve)
    return r


def sized(means: dict[int, float], noise=(0.0, 0.001, -0.001), epochs=3, drop=0.0) -> list[dict]:
    """Runs of several widths; each curve rises to its mean at the middle epoch, then loses `drop` x width rank."""
    rows = []
    for rank, (h, m) in enumerate(sorted(means.items())):
        for seed, n in enumerate(noise):
            a = m + n
            last = a - drop * rank
            rows.append(run(h, last, seed, curve=[(a - 0.01, a - 0.01, 0.3 / h**0.2), (a, a, 0.2 / h**0.2),
                                                   (last, last - 0.001, 0.25 / h**0.2)][:epochs]))
    return rows


def test_finding_2_rises_then_falls_only_when_the_largest_is_measurably_worse():
    falls = sized({16: 0.90, 64: 0.96, 256: 0.97, 925: 0.95})
    assert report.judge_size(falls, 3).verdict == HOLDS
    flat = sized({16: 0.90, 64: 0.96, 256: 0.97, 925: 0.9695}, noise=(0.0, 0.004, -0.004))
    assert report.judge_size(flat, 3).verdict == UNCLEAR
    rises = sized({16: 0.90, 64: 0.96, 256: 0.97, 925: 0.98})
    f = report.judge_size(rises, 3)
    assert f.verdict == FAILS and "no fall" in f.test


def test_finding_3_is_judged_at_the_epoch_validation_chooses_against_the_last():
    assert report.judge_epochs(sized({16: 0.9, 925: 0.97}, drop=0.01)).verdict == HOLDS
    still_rising = [run(h, 0.97, s, curve=[(0.95, 0.95, 0.3), (0.96, 0.96, 0.2), (0.97, 0.97, 0.1)])
                    for h in (16, 925) for s in range(3)]
    assert report.judge_epochs(still_rising).verdict == FAILS


def test_finding_5_at_few_and_many_epochs():
    rows = [run(256, 0.97, s, loss="xent", curve=[(0.95 + s / 1e3, 0, 0.2)] * 15) for s in range(3)]
    rows += [run(256, 0.93, s, loss="mse", curve=[(0.90 + s / 1e3, 0, 0.4)] * 15) for s in range(3)]
    f = report.judge_loss(rows)
    assert f.verdict == HOLDS and "2 epochs" in f.measured and "15 epochs" in f.measured
    swapped = [dict(r, loss={"xent": "mse", "mse": "xent"}[r["loss"]]) for r in rows]
    assert report.judge_loss(swapped).verdict == FAILS


def test_finding_6_one_run_each_cannot_tell_a_difference_within_seed_noise():
    rows = sized({512: 0.9831, 925: 0.9838, 2048: 0.9834}, noise=(0.0, 0.0008, -0.0008))
    f = report.judge_pick(rows, 3)
    assert f.verdict == UNCLEAR and "next best 2048" in f.measured and "0.16 points" in f.measured
    clear = sized({512: 0.975, 925: 0.985})
    assert report.judge_pick(clear, 3).verdict == HOLDS


def test_finding_7_needs_three_widths_on_the_frontier_in_order_of_size():
    f = report.judge_frontier(sized({16: 0.9, 64: 0.95, 256: 0.97}))
    assert f.verdict == HOLDS and "16 -> 64 -> 256" in f.measured
    one = [dict(r, curve=[dict(p, val_loss=p["val_loss"] * (1 if r["hidden"] == "16" else 5)) for p in r["curve"]])
           for r in sized({16: 0.9, 64: 0.95, 256: 0.97})]
    assert report.judge_frontier(one).verdict == FAILS
    # A smaller width taking the frontier back from a larger one: cannot be told apart, and where it happened.
    better = {("64", 1), ("32", 3)}  # 64 neurons take over after 1 epoch, then 32 neurons at 3 epochs come back
    back = [dict(r, curve=[dict(p, val_loss=p["val_loss"] * (0.7 if (r["hidden"], p["epoch"]) in better else 1))
                           for p in r["curve"]]) for r in sized({16: 0.9, 32: 0.93, 64: 0.95})]
    f = report.judge_frontier(back)
    assert f.verdict == UNCLEAR and "16 -> 64 -> 32, but a smaller width takes it back 1 time(s) (32 after 64 at" \
        in f.measured, f.measured


def test_finding_1_relu_failing_in_deep_networks_and_why():
    rows = []
    for s in range(3):
        for act, init in (("relu", "he"), ("leaky_relu", "he"), ("sigmoid", "xavier"), ("sigmoid", "he")):
            rows.append(run(925, {"relu": 0.98, "leaky_relu": 0.975}.get(act, 0.96) + s / 1e3, s, activation=act,
                            init=init))
            for depth in (2, 3):
                hidden = "-".join(["128"] * depth)
                deep_ok = act == "sigmoid"
                rows.append(run(hidden, (0.97 if init == "xavier" else 0.965) + s / 1e3 if deep_ok else 0.1, s,
                                activation=act, init=init, status="ok" if deep_ok else "diverged"))
                if not deep_ok:
                    rows.append(run(hidden, 0.96 + s / 1e3, s, activation=act, init=init, lr=0.001))
    f1a, f1b, f1c = report.judge_activations(rows)[0]
    assert (f1a.verdict, f1b.verdict, f1c.verdict) == (HOLDS, HOLDS, HOLDS)
    assert "12 of 12 runs failed (12 diverged)" in f1c.why
    assert "At lr 0.001" in f1c.why and "0 of 12 runs failed" in f1c.why
    fine = [dict(r, status="ok", test_accuracy=0.96) for r in rows]
    assert report.judge_activations(fine)[0][2].verdict == FAILS


def test_finding_4_stable_learning_rates_and_their_dependence_on_size():
    rows = []
    for act, top in (("sigmoid", 0.1), ("relu", 0.01)):
        for h, best in ((32, 0.1 if act == "sigmoid" else 0.01), (512, 0.01 if act == "sigmoid" else 0.003)):
            for lr in report.LRS:
                for s in range(3):
                    ok = lr <= top
                    acc = 0.97 - 0.02 * abs(report.LRS.index(lr) - report.LRS.index(best)) + s / 1e3
                    rows.append(run(h, acc, s, activation=act, lr=lr, status="ok" if ok else "diverged"))
    a, b = report.judge_lr(rows)
    assert a.verdict == HOLDS
    assert "sigmoid: 0.1 (fails at 0.3)" in a.measured and "relu: 0.01 (fails at 0.03)" in a.measured
    assert b.verdict == HOLDS
    shifted = [dict(r, status="diverged") if r["activation"] == "relu" and r["lr"] == 0.01 else r for r in rows]
    assert report.judge_lr(shifted)[0].verdict == FAILS
    # The same best step at both sizes: said so, not "p n/a: 512 neurons at 0.01 vs at 0.01".
    same = [dict(r, test_accuracy=0.97 - 0.02 * abs(report.LRS.index(r["lr"]) - 1) + r["seed"] / 1e3) for r in rows]
    b = report.judge_lr(same)[1]
    assert b.verdict == FAILS and "sigmoid: the same best lr, 0.01, at 32 and at 512 neurons" in b.measured
    assert "n/a" not in b.measured


def test_the_table_has_one_row_per_finding_in_the_reports_words():
    f = report.Finding("6", "a | b", "m", "t", UNCLEAR, "f6-pick.png")
    text = report.table([f])
    assert text.count("\n") == 3 and "a / b" in text and "**cannot be told apart**" in text


def test_the_quick_report_end_to_end_on_fake_mnist(tmp_path):
    pytest.importorskip("matplotlib")
    data = write_fake_mnist(tmp_path / "mnist", n_train=700, n_test=200)
    env = {**os.environ, "DIGITPAD_CACHE": str(tmp_path / "cache")}
    env.pop("DIGITPAD_MNIST", None)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    out = tmp_path / "out"
    cmd = [sys.executable, "research.py", "report", "--quick", "--seeds", "2", "--out", str(out), "--data", str(data),
           "--no-download"]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    findings = json.loads((out / "findings.json").read_text())
    assert [f["number"] for f in findings] == ["1a", "1b", "1c", "2", "3", "4a", "4b", "5", "6", "7"]
    assert all(f["verdict"] in (HOLDS, FAILS, UNCLEAR) for f in findings)
    table = (out / "findings.md").read_text()
    assert "2 seeds per point" in table and "**Why (1c).**" in table
    for f in {f["plot"] for f in findings}:
        with Image.open(out / f) as png:
            assert png.format == "PNG" and png.size[0] >= 900
    # Everything cached: a second report trains nothing and says the same.
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 trained now" in again.stdout
    assert json.loads((out / "findings.json").read_text()) == findings
