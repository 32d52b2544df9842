"""The scaling lab: research.py end to end on small fake MNIST, and the arithmetic behind its plots."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.scaling import (
    compare,
    config_key,
    fit_power_law,
    parameters,
    pareto_front,
    spread,
    training_flops,
)
from tests.fakedata import rows

ROOT = Path(__file__).resolve().parents[1]


def research(*args, pre: str = "", data=None):
    env = {**os.environ, "DIGITPAD_CACHE": str(Path(data or ".").parent / "cache")}
    env.pop("DIGITPAD_MNIST", None)
    data_args = ["--data", str(data), "--no-download"] if data else []
    # The real script; `pre` runs first when given (e.g. to hide a package), then research.main.
    script = ["-c", f"import sys; {pre}; import research; sys.exit(research.main(sys.argv[1:]))"] if pre else [
        "research.py"]
    return subprocess.run([sys.executable, *script, *map(str, args), *data_args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)  # a loaded 2-core machine


def test_a_tiny_width_sweep_writes_csv_and_plot_and_resumes_from_its_cache(tmp_path, data):
    out = tmp_path / "runs"
    r = research("width", "--widths", "8,32", "--seeds", "2", "--epochs", "1", "--out", out, data=data)
    assert r.returncode == 0, r.stderr
    table = rows(out / "width.csv")
    assert len(table) == 4
    assert [(t["hidden"], t["seed"]) for t in table] == [("8", "0"), ("8", "1"), ("32", "0"), ("32", "1")]
    for t in table:
        h = int(t["hidden"])
        assert int(t["params"]) == parameters([784, h, 10])
        assert int(t["train_flops"]) == training_flops([784, h, 10], 1100)  # 1,200 minus 100 for validation
        assert t["status"] == "ok" and 0 <= float(t["test_accuracy"]) <= 1 and float(t["seconds"]) >= 0
        assert t["train_images"] == "1100" and float(t["val_accuracy"]) > 0.5  # fake classes: easy if it learns
    assert len({t["run"] for t in table}) == 4  # each seed is its own cached run
    assert len(list((out / "runs").glob("*.json"))) == 4
    pytest.importorskip("matplotlib")
    with Image.open(out / "width.png") as png:
        assert png.format == "PNG" and png.size[0] > 800

    # Interrupted and resumed: a missing run is trained again, the others come from the cache.
    cached = sorted((out / "runs").glob("*.json"))
    stamps = {p: p.stat().st_mtime_ns for p in cached}
    cached[0].unlink()
    r = research("width", "--widths", "8,32", "--seeds", "2", "--epochs", "1", "--out", out, data=data)
    assert r.returncode == 0, r.stderr
    assert "1 trained now, 3 from the cache" in r.stdout
    assert all(p.stat().st_mtime_ns == stamps[p] for p in cached[1:])
    assert [t["test_accuracy"] for t in rows(out / "width.csv")][1:] == [t["test_accuracy"] for t in table][1:]


def test_without_matplotlib_the_csv_is_still_written_and_the_fix_is_named(tmp_path, data):
    out = tmp_path / "runs"
    r = research("loss", "--widths", "8", "--seeds", "1", "--epochs", "1", "--out", out, data=data,
                 pre="sys.modules['matplotlib'] = None")
    assert r.returncode == 0, r.stderr
    assert len(rows(out / "loss.csv")) == 2 and not (out / "loss.png").exists()
    assert r.stderr.strip().count("\n") == 0 and "pip install -e '.[research]'" in r.stderr


def test_bad_arguments_and_unwritable_output_fail_in_one_line_before_any_training(tmp_path, capsys):
    import research

    with pytest.raises(SystemExit) as exit_:
        research.main(["width", "--widths", "16,0", "--out", str(tmp_path)])
    assert exit_.value.code == 2 and "--widths" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    # The output is checked first: the data folder does not exist either, yet the complaint is --out.
    code = research.main(["width", "--out", str(blocker / "runs"), "--data", str(tmp_path / "no-mnist")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err and str(blocker) in err
    nowhere = str(tmp_path / "no-mnist")
    code = research.main(["width", "--widths", "8", "--out", str(tmp_path / "ok"), "--data", nowhere])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no-mnist" in err


def test_the_fit_recovers_a_known_exponent_from_noisy_synthetic_data():
    rng = np.random.default_rng(0)
    n = np.repeat(np.geomspace(1e4, 3e6, 8), 3)  # eight sizes, three "seeds" each
    error = (3.0 * n**-0.4 + 0.01) * np.exp(rng.normal(0, 0.03, len(n)))
    law = fit_power_law(n, error)
    assert law.full and law.alpha == pytest.approx(0.4, abs=0.05) and law.c == pytest.approx(0.01, abs=0.003)
    assert "α = 0.4" in law.label()
    # Too few sizes for three parameters: a straight line on log-log axes, and it says so.
    line = fit_power_law([100, 1000, 100, 1000], [0.2, 0.02, 0.2, 0.02])
    assert not line.full and line.alpha == pytest.approx(1.0) and line.c == 0
    assert fit_power_law([100, 100], [0.1, 0.2]) is None


def test_flops_parameters_and_the_frontier_by_hand():
    assert parameters([784, 925, 10]) == 784 * 925 + 925 + 925 * 10 + 10
    # Forward 2ab and weight gradient 2ab per layer, plus 2ab for the error of every layer but the first.
    assert training_flops([784, 10], 1) == 4 * 7840
    assert training_flops([784, 925, 10], 3) == 3 * (4 * 784 * 925 + 6 * 925 * 10)
    assert list(pareto_front([1, 2, 3, 4, 5], [5, 6, 3, 4, 1])) == [0, 2, 4]
    assert config_key({"a": 1, "b": [2]}) == config_key({"b": [2], "a": 1}) != config_key({"a": 2, "b": [2]})


def test_seed_statistics():
    s = spread([0.97, 0.98, 0.99])
    assert (s.n, s.lo, s.hi) == (3, 0.97, 0.99) and s.mean == pytest.approx(0.98) and s.sd == pytest.approx(0.01)
    same = compare([0.981, 0.983, 0.979], [0.982, 0.980, 0.981])
    assert same.p_value > 0.5  # a 0.01-point difference is noise when seeds differ by 0.2 points
    apart = compare([0.99, 0.991, 0.989], [0.95, 0.951, 0.949])
    assert apart.difference == pytest.approx(0.04) and apart.p_value < 0.01


def test_a_run_trains_on_as_many_images_as_its_configuration_says(data):
    # The key of a cached run names its limit, so the data must come from the configuration itself,
    # never from a command-line default that another variant may not share.
    from model.sweep import grid, run_task

    for limit in (300, None):
        config = grid("original", limit, 1, [8], epochs=[1])[0]
        assert run_task(config, (str(data), False))["train_images"] == (limit or 1100)
