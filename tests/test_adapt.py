"""model/adapt.py on the bundled model and drawn digits: it adapts when that reads unseen drawings
better, keeps the bundled model otherwise, and moves only what it says it moves."""

from __future__ import annotations

import numpy as np
import pytest

import model.adapt as adapt_module
from model.adapt import AdaptConfig, adapt, deal_folds, replay_inputs, with_config
from model.config import BUNDLED_WEIGHTS, DIGITS, NOT_A_DIGIT
from model.coverage import jitter
from model.recognise import Recogniser
from model.sample import Sample
from model.sketches import sketch
from model.weights import load


@pytest.fixture(scope="module")
def bundled():
    return load(BUNDLED_WEIGHTS)


@pytest.fixture(scope="module")
def replay(bundled):
    model, meta = bundled
    return replay_inputs(None, 0, meta, not_digits=5)  # generated non-digits: no MNIST needed


def stroke_seven(rng: np.random.Generator) -> list[np.ndarray]:
    """A 7 as some hands write it: one slanted stroke, no bar. The bundled model reads it as 1."""
    top, bottom = (0.55 + rng.uniform(-0.03, 0.03), 0.2), (0.42 + rng.uniform(-0.03, 0.03), 0.8)
    return [np.linspace(top, bottom, 20)]


def hand(per_digit: int, seed: int, sevens_as_strokes: bool = False) -> list[Sample]:
    """A writer's labelled drawings: the sketches of model/sketches.py, each written a little
    differently (model/coverage.py jitter); with `sevens_as_strokes`, 7s without a bar and no 1s."""
    rng = np.random.default_rng(seed)
    out = []
    for d in DIGITS:
        if sevens_as_strokes and d == 1:
            continue
        for _ in range(per_digit):
            strokes = stroke_seven(rng) if sevens_as_strokes and d == 7 else sketch(d, shear=rng.uniform(-0.2, 0.2))
            out.append(Sample(d, [s.astype(np.float32) for s in jitter(strokes, rng, 0.5)]))
    return out


def test_folds_hold_every_digit_and_share_single_drawings_out():
    labels = np.repeat(np.arange(10), 2)
    fold = deal_folds(labels, 2, seed=0)
    for d in range(10):
        assert sorted(fold[labels == d]) == [0, 1]
    single = deal_folds(np.arange(10), 2, seed=0)
    assert sorted(np.bincount(single)) == [5, 5]


def test_a_hand_the_model_misreads_is_learnt_and_shown_on_drawings_it_did_not_learn_from(bundled, replay):
    model, meta = bundled
    rec = Recogniser(model, meta)
    drawings = hand(3, seed=1, sevens_as_strokes=True)
    sevens = [s for s in drawings if s.label == 7]
    assert all(rec.read(s.strokes).top == 1 for s in sevens), "the bundled model should misread these 7s as 1"
    result = adapt(model, meta, drawings, replay=replay, seed=0)
    assert result.adopted
    assert result.right_after > result.right_before and result.after > result.before
    assert result.n == len(drawings)
    tuned = Recogniser(result.model, meta)
    unseen = hand(3, seed=99, sevens_as_strokes=True)
    assert sum(tuned.read(s.strokes).top == s.label for s in unseen) > sum(rec.read(s.strokes).top == s.label
                                                                            for s in unseen)
    assert all(tuned.read(s.strokes).top == 7 for s in unseen if s.label == 7)


def test_when_adapting_cannot_help_the_bundled_model_itself_is_returned(bundled, replay):
    model, meta = bundled
    # Zero steps: the "adapted" network is the bundled one, so the folds read nothing better.
    config = with_config(AdaptConfig(), {"steps": "0", "gate": "accuracy"})
    result = adapt(model, meta, hand(2, seed=2), config, replay, seed=0)
    assert not result.adopted and result.model is model
    assert result.right_after == result.right_before


@pytest.mark.parametrize("gate", ["accuracy", "loss"])
@pytest.mark.parametrize("seed", [3, 4])
def test_a_gate_never_adopts_a_model_that_reads_the_held_out_drawings_worse(bundled, replay, seed, gate):
    model, meta = bundled
    rng = np.random.default_rng(seed)
    drawings = hand(2, seed=seed)
    for s in rng.choice(drawings, size=6, replace=False):  # a careless labeller: some labels wrong
        s.label = int((s.label + rng.integers(1, 10)) % 10)
    result = adapt(model, meta, drawings, with_config(AdaptConfig(), {"gate": gate}), replay, seed=seed)
    if result.adopted:
        assert result.right_after > result.right_before or (
            gate == "loss" and result.right_after == result.right_before and result.loss_after < result.loss_before)
        assert result.model is result.candidate
    else:
        assert result.model is model


def test_only_the_output_layer_moves_and_the_pull_keeps_it_near(bundled, replay):
    model, meta = bundled
    drawings = hand(3, seed=1, sevens_as_strokes=True)
    loose = adapt(model, meta, drawings, with_config(AdaptConfig(), {"gate": "always", "l2sp": "0"}), replay)
    tight = adapt(model, meta, drawings, with_config(AdaptConfig(), {"gate": "always", "l2sp": "1.0"}), replay)
    for result in (loose, tight):
        assert all(a is b for a, b in zip(result.model.weights[:-1], model.weights[:-1]))
        assert all(a is b for a, b in zip(result.model.biases[:-1], model.biases[:-1]))
    moved = [float(np.linalg.norm(r.model.weights[-1] - model.weights[-1])) for r in (loose, tight)]
    assert 0 < moved[1] < moved[0]


def test_the_steps_bound_the_work(bundled, replay, monkeypatch):
    """The time budget is kept by a number of steps, not a clock: count the gradient evaluations."""
    model, meta = bundled
    calls = []
    real = adapt_module.loss_and_dlogits
    monkeypatch.setattr(adapt_module, "loss_and_dlogits", lambda *a, **k: calls.append(1) or real(*a, **k))
    config = with_config(AdaptConfig(), {"steps": "7", "gate": "always", "folds": "3"})
    adapt(model, meta, hand(3, seed=6), config, replay)
    # (3 folds + the fit on all the drawings) x 7 steps x (the drawings + the replayed rows)
    assert len(calls) == 4 * 7 * 2


def test_replay_keeps_not_a_digit_working(bundled, replay):
    model, meta = bundled
    result = adapt(model, meta, hand(3, seed=1, sevens_as_strokes=True), replay=replay)
    assert result.adopted
    x, y = replay
    rows = y == 10
    before = (model.predict(x[rows]) == 10).mean()
    after = (result.model.predict(x[rows]) == 10).mean()
    assert after >= before - 0.05


def test_bad_settings_and_labels_are_one_clear_error(bundled):
    model, meta = bundled
    with pytest.raises(ValueError, match="unknown adaptation setting 'speed'"):
        with_config(AdaptConfig(), {"speed": "1"})
    with pytest.raises(ValueError, match="gate must be one of"):
        AdaptConfig(gate="maybe")
    with pytest.raises(ValueError, match="labelled drawings of the digits"):
        adapt(model, meta, [])


def test_evaluate_adapt_prints_every_writer_and_the_pooled_figures(tmp_path):
    """evaluate.py --adapt for real: a stroke file of two writers, read through the script's own path."""
    import subprocess
    import sys
    from pathlib import Path

    from model.jsonl import append_sample
    from model.split import writer_split

    root = Path(__file__).resolve().parents[1]
    path = tmp_path / "two-writers.jsonl"
    names = [w for w in (f"lab/w{i}" for i in range(200)) if writer_split(w) == "test"][:2]
    for w, seed in zip(names, (7, 8)):
        for s in hand(3, seed=seed):
            append_sample(path, s.label, s.strokes, writer=w)
    r = subprocess.run([sys.executable, "evaluate.py", str(path), "--adapt", "1,2", "--draws", "2"], cwd=root,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.count("\n" + names[0]) == 1  # at K=1 only: at K=2 20 drawings are left, fewer than MIN_LEFT
    assert "K=1 pooled over 2 writers (40 drawings read per draw), mean over 2 draws" in out
    assert "K=2: no writer has 2 drawings of each digit and 20 more" in out
    bad = subprocess.run([sys.executable, "evaluate.py", str(path), "--adapt", "two"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "whole numbers of at least 1" in bad.stderr and "Traceback" not in bad.stderr


def test_replay_keeps_real_letters_when_given_and_only_for_a_not_a_digit_output(bundled):
    model, meta = bundled

    def letter(char: str, i: int) -> Sample:
        strokes = [np.array([[0.2, 0.1 + i / 50], [0.8, 0.5], [0.3, 0.9]], np.float32),
                   np.array([[0.2, 0.5], [0.7, 0.5]], np.float32)]
        return Sample(NOT_A_DIGIT, strokes, writer=f"lab/w{i}", extra={"char": char})

    letters = [letter(c, i) for c in "RYO" for i in range(4)]
    _, plain = replay_inputs(None, 0, meta, not_digits=1)
    x, y = replay_inputs(None, 0, meta, not_digits=1, letters=letters, per_char=3)
    # R and Y, 3 of each; O is written like a 0 in many hands, so it is never replayed as "not a digit".
    assert len(y) - len(plain) == 6 and (y[len(plain):] == NOT_A_DIGIT).all() and x.shape[1] == 784
    assert len(replay_inputs(None, 0, meta, not_digits=0, letters=letters, per_char=3)[1]) == 0
    assert AdaptConfig().replay_letters > 0
