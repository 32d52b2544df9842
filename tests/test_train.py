"""train.py end to end on small data written to disk: real processes, real files."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from model.weights import load
from tests.fakedata import write_fake_mnist

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--recipe", "quick", "--epochs", "2", "--quiet", "--no-download"]


def run_train(args, data, timeout=120, **kw):
    env = {**os.environ, "DIGITPAD_CACHE": str(data.parent / "cache")}
    env.pop("DIGITPAD_MNIST", None)
    return subprocess.run([sys.executable, "train.py", "--data", str(data), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture
def data(tmp_path):
    return write_fake_mnist(tmp_path / "mnist")


def test_smoke_training_writes_loadable_weights_with_metadata(tmp_path, data):
    out = tmp_path / "w.npz"
    r = run_train([*SMALL, "--hidden", "32", "--out", str(out)], data)
    assert r.returncode == 0, r.stderr
    assert "epoch   2/2" in r.stdout + r.stderr and "confusion matrix" in r.stdout + r.stderr
    model, meta = load(out)
    assert model.sizes == [784, 32, 10]
    for key in ("recipe", "seed", "data", "test_accuracy", "date", "temperature", "input", "calibration_error"):
        assert key in meta.to_dict(), key
    assert meta.data["mnist"]["validation"] == 100  # held out of the 1,200 training images
    assert meta.test_accuracy > 0.9  # the fake classes are easy, but only if learning works


def test_same_seed_gives_the_same_weights(tmp_path, data):
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        assert run_train([*SMALL, "--hidden", "16", "--out", str(out)], data).returncode == 0
    (a, _), (b, _) = load(outs[0]), load(outs[1])
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))


def test_refuses_to_overwrite_without_force(tmp_path, data):
    out = tmp_path / "w.npz"
    out.write_bytes(b"precious")
    r = run_train([*SMALL, "--out", str(out)], data)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--force" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"precious"


def test_divergence_stops_with_advice(tmp_path, data):
    r = run_train([*SMALL, "--lr", "1e6", "--out", str(tmp_path / "w.npz")], data)
    assert r.returncode == 1
    assert "diverged" in r.stderr and "--lr" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "w.npz").exists()


def test_missing_data_gives_one_line(tmp_path):
    r = run_train([*SMALL, "--out", str(tmp_path / "w.npz")], tmp_path / "nowhere")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def start_long_training(out, data):
    env = {**os.environ, "DIGITPAD_CACHE": str(data.parent / "cache")}
    args = [sys.executable, "train.py", "--data", str(data), "--recipe", "quick", "--epochs", "100000",
            "--hidden", "64", "--force", "--no-download", "--out", str(out)]
    # A shell that starts a job in the background without job control (nohup, `cmd &` in a script)
    # ignores SIGINT in it, and Python then never turns Ctrl-C into KeyboardInterrupt: give the child
    # the default handler a terminal would, so the test does not depend on how pytest was started.
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in proc.stdout:  # wait until it is really training, then a little more
        if line.startswith("epoch"):
            break
    time.sleep(0.3)
    return proc


@pytest.mark.parametrize("sig,code", [(signal.SIGKILL, -9), (signal.SIGINT, 130)])
def test_interrupted_training_leaves_the_previous_weights_intact(tmp_path, data, sig, code):
    out = tmp_path / "w.npz"
    assert run_train([*SMALL, "--hidden", "8", "--out", str(out)], data).returncode == 0
    before = out.read_bytes()
    proc = start_long_training(out, data)
    proc.send_signal(sig)
    rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == code
    assert out.read_bytes() == before
    load(out)
    if sig == signal.SIGINT:  # Ctrl-C: a clean one-line goodbye, no traceback
        assert "interrupted" in rest and "Traceback" not in rest


def test_augmentation_sheet_is_written(tmp_path, data):
    sheet = tmp_path / "aug.png"
    r = run_train(["--augment-sheet", str(sheet), "--no-download"], data)
    assert r.returncode == 0, r.stderr
    from PIL import Image

    with Image.open(sheet) as im:
        assert im.size[0] > 500 and np.asarray(im).std() > 10
