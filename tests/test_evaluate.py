"""evaluate.py: replaying strokes like mouse events, and its report, on files written here."""

import multiprocessing as mp
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import evaluate
from evaluate import CANVAS, Condition, contact_sheet, read_all, replay
from model.answer import tally
from model.config import BUNDLED_WEIGHTS, NOT_A_DIGIT
from model.mlp import MLP
from model.nondigits import KINDS
from model.recognise import Recogniser
from model.split import writer_split
from model.strokes import Sample, append_sample, read_strokes
from model.styles import STYLES
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


def test_mnist_split_scores_the_validation_slice_train_py_holds_out(files, tmp_path, capsys):
    weights, _ = files
    data = str(write_fake_mnist(tmp_path / "mnist", n_train=1200, n_test=300))
    counts = {}
    for part in ("test", "val", "train", "all"):
        assert evaluate.main(["--mnist", data, "--split", part, "--weights", str(weights)]) == 0
        out = capsys.readouterr().out
        last = out.strip().splitlines()[-1]
        assert LAST_LINE.match(last)
        counts[part] = int(last.rsplit("/", 1)[1].rstrip(")"))  # "accuracy: 0.1000 (10/100)" -> 100
        assert ("MNIST test set" in out) == (part == "test")
    # train.py's validation slice is a twelfth of the training images; the rest and the test set add up
    assert counts == {"test": 300, "val": 100, "train": 1100, "all": 1500}


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
    weights, data = files
    samples, rec, cond = read_strokes(data), Recogniser.from_file(weights), Condition("x", height=0.4)
    one = evaluate.read_all(rec, samples, cond, seed=3, workers=1)
    monkeypatch.setattr(evaluate, "PARALLEL_FROM", 1)  # 12 samples in parallel, as thousands would be
    two = evaluate.read_all(rec, samples, cond, seed=3, workers=2)
    evaluate.close_pools()
    assert not mp.active_children(), "the workers are gone once the pools are closed"
    assert all(np.array_equal(a, b) for a, b in zip(one, two))  # images, probabilities, not_digit, extent
    assert np.array_equal(one.not_digit, np.zeros(12))  # a network without the extra output
    assert np.all(one.extent >= 0.4 - 1 / CANVAS) and np.all(one.extent <= 0.95)  # drawn 40% high, or wider
    # placements follow the order of the samples: the same samples reversed are placed differently
    reversed_order = evaluate.read_all(rec, samples[::-1], cond, seed=3, workers=1)
    assert not np.array_equal(reversed_order[0][::-1], one[0])


# --- issue 13: honest answers, styles, non-digits ----------------------------------------------


def test_replay_in_a_box_keeps_a_drawings_own_size():
    dash = Sample(NOT_A_DIGIT, [np.array([[0.1, 0.5], [0.2, 0.5]])])
    pts = np.concatenate(replay(dash, Condition("x", box=1.0), np.random.default_rng(0)).point_arrays(CANVAS))
    assert np.allclose(pts, np.round(pts)) and pts.min() >= 0 and pts.max() <= CANVAS
    assert abs(np.ptp(pts[:, 0]) - 0.1 * 0.6 * CANVAS) <= 1  # a tenth of a frame drawn 60% of the canvas high
    pts = np.concatenate(replay(dash, Condition("x"), np.random.default_rng(0)).point_arrays(CANVAS))
    assert np.ptp(pts[:, 0]) > 0.9 * CANVAS  # as a digit, its ink would be blown up to fill the canvas


def noisy_network(tmp_path, outputs: int, not_digit_bias: float = 0.0, **meta) -> Path:
    """A small random network; with 11 outputs, the 'not a digit' output's bias decides how often it wins."""
    model = MLP([784, 16, outputs], seed=0)
    if outputs == 11:
        model.biases[-1][NOT_A_DIGIT] = not_digit_bias
    return save(tmp_path / f"w{outputs}.npz", model, {"input": {}, "temperature": 1.0, **meta})


def figures(out: str) -> dict[str, tuple[int, int]]:
    """The honest-confidence counts evaluate printed, by name."""
    names = {"right": "accuracy", "wrong and shown sure": "wrong_and_sure",
             "right but shown not sure": "right_but_unsure", "real digits answered 'not a digit'": "flagged"}
    got = {}
    for line in out.splitlines():
        m = re.match(r"^  (.+?) +\d+\.\d\d%  \((\d+)/(\d+) ", line)
        if m and m[1] in names:
            got[names[m[1]]] = (int(m[2]), int(m[3]))
    return got


def test_the_report_gives_the_honest_figures_at_the_stored_thresholds(files, tmp_path, capsys):
    _, data = files
    weights = noisy_network(tmp_path, 10, sure_threshold=0.123)
    assert evaluate.main([str(data), "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    assert LAST_LINE.match(out.strip().splitlines()[-1]) and "sure from 0.123," in out
    rec = Recogniser.from_file(weights)
    r = read_all(rec, read_strokes(data), Condition("standard"), seed=0)
    assert figures(out) == tally(r.probs, r.not_digit, np.arange(12) % 10, r.extent, rec.thresholds)
    curve = [line for line in out.splitlines() if re.match(r"^[* ] +0\.\d{3} ", line)]
    assert len(curve) == 13 and [line for line in curve if line.startswith("*")] == [curve[0]]  # 0.123 first


def test_an_eleven_output_network_that_always_says_no_digit_is_reported_so(files, tmp_path, capsys):
    _, data = files
    weights = noisy_network(tmp_path, 11, not_digit_bias=50.0)
    assert evaluate.main([str(data), "--weights", str(weights), "--non-digits", "2"]) == 0
    out = capsys.readouterr().out
    assert figures(out)["flagged"] == (12, 12) and figures(out)["wrong_and_sure"][0] == 0
    n = 2 * len(KINDS)
    assert f"answered 'not a digit': 1.0000 ({n}/{n})" in out
    assert LAST_LINE.match(out.strip().splitlines()[-1])


def test_mnist_mode_reads_an_eleven_output_network_by_its_digits(tmp_path, capsys):
    weights = noisy_network(tmp_path, 11, not_digit_bias=50.0)
    assert evaluate.main(["--mnist", str(write_fake_mnist(tmp_path / "mnist")), "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    assert figures(out)["flagged"] == (300, 300) and out.strip().endswith("/300)")


def row_of(out: str, name: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(name + " "))


def test_styles_are_made_from_the_chosen_writers_digits(tmp_path, capsys):
    data = tmp_path / "writers.jsonl"
    writers = [f"lab/w{k}" for k in range(40)]
    for k, w in enumerate(writers):
        append_sample(data, (1, 4, 7, 9)[k % 4], seven(), writer=w)
    assert evaluate.main([str(data), "--styles", "--split", "val", "--weights", str(noisy_network(tmp_path, 10))]) == 0
    out = capsys.readouterr().out
    assert "made from the digits of the val writers" in out
    for style, (digit, _) in STYLES.items():
        n = sum(writer_split(w) == "val" and (1, 4, 7, 9)[k % 4] == digit for k, w in enumerate(writers))
        assert row_of(out, style)[4] == str(n)
    assert LAST_LINE.match(out.strip().splitlines()[-1])


@pytest.mark.parametrize("outputs", [10, 11])
def test_non_digits_alone_need_no_stroke_file(tmp_path, capsys, outputs):
    weights = BUNDLED_WEIGHTS if outputs == 10 else noisy_network(tmp_path, 11, not_digit_bias=-50.0)
    assert evaluate.main(["--non-digits", "3", "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    for kind in KINDS:
        assert len(row_of(out, kind)) >= 2
    # a short mark drawn at its natural size is too little ink for a digit, whatever the network says
    assert row_of(out, "short-mark")[1] == "100.0%"
    flagged = re.search(rf"answered 'not a digit': \d\.\d{{4}} \((\d+)/{3 * len(KINDS)}\)$", out.strip())
    assert flagged and int(flagged[1]) >= 3 and "accuracy" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--styles"], "give a stroke data set FILE"), (["--non-digits", "--styles"], "--styles needs a stroke"),
     (["--mnist", "--non-digits"], "not --mnist"), (["--non-digits", "0"], "at least 1"),
     (["--non-digits", "digits.jsonl"], "a stroke FILE goes before --non-digits")])
def test_new_options_that_cannot_work_are_one_clear_error(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        evaluate.parse_args(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_the_contact_sheet_shows_wrong_and_sure_first(tmp_path):
    from PIL import Image

    images = np.zeros((4, 28, 28), np.float32)
    y = np.array([0, 1, 2, 3])
    probs = np.stack([np.eye(10)[d] * 0.9 + 0.01 for d in (5, 1, 6, 7)])  # the 1 is read right
    answered = np.array(["unsure", "sure", "not-digit", "sure"], dtype=object)
    assert contact_sheet(tmp_path / "s.png", images, y, probs, answered, np.full(4, 0.9)) == 3
    with Image.open(tmp_path / "s.png") as im:
        frames = [im.getpixel((k * (28 * 3 + 4), 16)) for k in range(3)]  # each tile's top-left frame corner
    assert frames == [evaluate.MARKS[k][1] for k in ("sure", "unsure", "not-digit")]


def test_real_pen_digits_with_the_bundled_model_give_every_section(tmp_path, capsys):
    """The first 120 digits of the UNIPEN release (a few writers), through the whole report."""
    import gzip
    import itertools
    import os

    folder = os.environ.get("DIGITPAD_UNIPEN")
    source = Path(folder or "-") / "unipen1a-digits.jsonl.gz"
    if not source.is_file():
        pytest.skip("UNIPEN not on this machine (set DIGITPAD_UNIPEN to the unipen1a folder)")
    data = tmp_path / "real.jsonl"
    with gzip.open(source, "rt") as f:
        data.write_text("".join(itertools.islice(f, 120)))
    assert evaluate.main([str(data), "--split", "all", "--styles", "--non-digits", "2"]) == 0
    out = capsys.readouterr().out
    samples = read_strokes(data)
    y = np.array([s.label for s in samples])
    rec = Recogniser.from_file(BUNDLED_WEIGHTS)
    r = read_all(rec, samples, Condition("standard"), seed=0)
    assert figures(out) == tally(r.probs, r.not_digit, y, r.extent, rec.thresholds)
    for style, (digit, _) in STYLES.items():
        assert row_of(out, style)[4] == str((y == digit).sum())
    assert re.search(rf"answered 'not a digit': \d\.\d{{4}} \(\d+/{2 * len(KINDS)}\)", out)
    right = int((r.probs.argmax(1) == y).sum())
    assert out.strip().splitlines()[-1] == f"accuracy: {right / 120:.4f} ({right}/120)"
