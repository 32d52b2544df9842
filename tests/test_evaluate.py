"""evaluate.py: replaying strokes like mouse events, and its report, on files written here."""

import multiprocessing as mp
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evaluate import CANVAS, Condition, replay
from model.mlp import MLP
from model.strokes import Sample, append_sample
from model.weights import save
from tests.fakedata import write_fake_mnist

ROOT = Path(__file__).resolve().parents[1]
LAST_LINE = re.compile(r"^accuracy: \d\.\d{4} \(\d+/\d+\)$")


def seven() -> list[np.ndarray]:
    return [np.array([[0, 0], [30, 0], [12, 45]], np.float32), np.array([[8, 22], [24, 22]], np.float32)]


@pytest.mark.parametrize("height", [0.2, 0.4, 0.6, 0.9])
def test_replay_draws_whole_pixels_at_the_requested_size(height):
    drawing = replay(Sample(7, seven()), Condition("x", height=height), np.random.default_rng(0))
    pts = np.concatenate(drawing.point_arrays(CANVAS))
    assert np.allclose(pts, np.round(pts))  # mouse events land on whole pixels
    assert pts.min() >= 0 and pts.max() <= CANVAS
    drawn_height = pts[:, 1].max() - pts[:, 1].min()
    assert abs(drawn_height - height * CANVAS) <= 1
    assert len(drawing.strokes) == 2  # one drag per stroke


@pytest.fixture
def files(tmp_path):
    weights = save(tmp_path / "w.npz", MLP([784, 16, 10], seed=0), {"input": {}, "temperature": 1.0})
    data = tmp_path / "digits.jsonl"
    rng = np.random.default_rng(0)
    for i in range(12):
        append_sample(data, i % 10, [s * rng.uniform(0.5, 3) for s in seven()])
    return weights, data


def run(*args):
    return subprocess.run([sys.executable, "evaluate.py", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_report_ends_with_the_accuracy_line_and_writes_a_sheet(files, tmp_path):
    weights, data = files
    sheet = tmp_path / "errors.png"
    r = run(data, "--weights", weights, "--sizes", "--sheet", sheet)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert LAST_LINE.match(lines[-1]) and lines[-1].endswith("/12)")
    for name in ("height 20%", "height 90%", "pen thin", "pen thick", "confusion matrix", "calibration error"):
        assert name in r.stdout
    from PIL import Image

    with Image.open(sheet) as im:  # a random network misreads most of them, so there are tiles
        assert im.size[0] > 100 and im.size[1] > 50


def test_mnist_mode_has_the_same_last_line(files, tmp_path):
    weights, _ = files
    r = run("--mnist", write_fake_mnist(tmp_path / "mnist"), "--weights", weights)
    assert r.returncode == 0, r.stderr
    assert LAST_LINE.match(r.stdout.strip().splitlines()[-1]) and "/300)" in r.stdout


@pytest.mark.parametrize("problem", ["missing weights", "garbage weights", "missing data", "bad data"])
def test_bad_input_gives_one_line_and_exit_2(files, tmp_path, problem):
    weights, data = files
    if problem == "missing weights":
        weights = tmp_path / "nope.npz"
    elif problem == "garbage weights":
        weights = tmp_path / "junk.npz"
        weights.write_text("junk")
    elif problem == "missing data":
        data = tmp_path / "nope.jsonl"
    else:
        data = tmp_path / "bad.jsonl"
        data.write_text('{"label": 12, "strokes": []}\n')
    r = run(data, "--weights", weights)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_reading_in_worker_processes_equals_reading_in_order(files, monkeypatch):
    import evaluate
    from model.recognise import Recogniser
    from model.strokes import read_strokes

    weights, data = files
    samples, rec, cond = read_strokes(data), Recogniser.from_file(weights), Condition("x", height=0.4)
    one = evaluate.read_all(rec, samples, cond, seed=3, workers=1)
    monkeypatch.setattr(evaluate, "PARALLEL_FROM", 1)  # 12 samples in parallel, as thousands would be
    two = evaluate.read_all(rec, samples, cond, seed=3, workers=2)
    evaluate.close_pools()
    assert not mp.active_children(), "the workers are gone once the pools are closed"
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    # placements follow the order of the samples: the same samples reversed are placed differently
    reversed_order = evaluate.read_all(rec, samples[::-1], cond, seed=3, workers=1)
    assert not np.array_equal(reversed_order[0][::-1], one[0])
