"""The one training pipeline (model/pipeline.py): train.py, the Learn view's jobs and the sweeps build,
finish and write a network the same way, and choose the answer thresholds by one rule."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

import train
from model import jobs
from model.answer import Kind, kinds
from model.config import HIDDEN, NOT_A_DIGIT
from model.mlp import MLP
from model.pipeline import answer_digits, conclude, finetune_recipe, network_for, write
from model.recognise import Recogniser
from model.sweep import grid, run_one
from model.trainer import RECIPES, Recipe
from model.trainer import train as train_loop
from model.weights import load
from tests.fakedata import digits


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = digits(n, seed)
    return (x.reshape(n, -1) / 255).astype(np.float32), y.astype(np.int64)


SMALL = Recipe(hidden=(16,), epochs=2, batch=50, lr=0.1, augment=False)


def test_the_recipe_holds_the_hidden_widths_and_the_sizes_follow():
    assert RECIPES["default"].hidden == (HIDDEN,) and RECIPES["default"].sizes == (784, HIDDEN, 11)
    assert Recipe(hidden=[64, 32]).hidden == (64, 32)  # a list from JSON or argparse becomes a tuple
    with pytest.raises(ValueError, match="hidden"):
        Recipe(hidden=(0,))
    model = network_for(Recipe(hidden=(8, 4), not_digits=3, seed=5))
    assert model.sizes == [784, 8, 4, 11]
    again = network_for(Recipe(hidden=(8, 4), not_digits=3, seed=5))
    assert all(np.array_equal(a, b) for a, b in zip(model.params, again.params))  # the seed decides


def test_the_learn_views_scratch_job_trains_what_train_py_would_with_the_same_flags():
    spec = jobs.ScratchSpec()
    via_train, _ = train.make_recipe(train.parse_args(["--recipe", spec.recipe, "--not-digits", str(spec.not_digits)]))
    assert jobs.scratch_recipe(spec) == via_train
    assert jobs.scratch_recipe(spec).sizes == (784, HIDDEN, 11)  # the bundled model's outputs
    small = jobs.ScratchSpec(hidden=8, epochs=1, seed=3, not_digits=0)
    via_train, _ = train.make_recipe(train.parse_args(["--recipe", "quick", "--hidden", "8", "--epochs", "1",
                                                       "--seed", "3", "--not-digits", "0"]))
    assert jobs.scratch_recipe(small) == via_train and via_train.sizes == (784, 8, 10)


def test_fine_tuning_keeps_the_network_it_starts_from():
    eleven, ten = MLP([784, 12, 11], "tanh"), MLP([784, 12, 10])
    tuned = finetune_recipe(RECIPES["finetune"], eleven)
    assert tuned.sizes == (784, 12, 11) and tuned.activation == "tanh" and tuned.not_digits > 0
    assert finetune_recipe(RECIPES["finetune"], ten).sizes == (784, 12, 10)  # no non-digits to train
    with pytest.raises(ValueError, match="above 0"):
        finetune_recipe(replace(RECIPES["finetune"], not_digits=0), eleven)


def test_thresholds_are_chosen_on_pen_drawn_validation_digits_when_there_are_any():
    mnist, strokes, drawings = data(50, 1), data(30, 2), data(20, 3)
    assert answer_digits({"mnist": mnist, "strokes": strokes}) is strokes
    assert answer_digits({"mnist": mnist, "drawings": drawings}) is drawings
    assert answer_digits({"mnist": mnist, "strokes": (strokes[0][:0], strokes[1][:0])}) is mnist
    assert answer_digits({"mnist": mnist}) is mnist
    assert answer_digits({"non-digits": (mnist[0], np.full(50, NOT_A_DIGIT))}) is None


def test_conclude_fits_on_validation_data_chooses_by_the_rule_and_write_gives_what_the_app_loads(tmp_path):
    x, y = data(600, 1)
    model = network_for(SMALL)
    reports = train_loop(model, SMALL, x, y, {"mnist": data(100, 2)}, progress=False)
    val = {"mnist": data(100, 2), "drawings": data(40, 3)}
    meta = conclude(model, SMALL, "quick", reports, val, time.perf_counter(), 0.5)
    assert meta.answers["on"] == "40 validation digits"  # the drawings, not MNIST's 100
    assert meta.recipe["name"] == "quick" and meta.recipe["sizes"] == (784, 16, 10) and meta.test_accuracy == 0.5
    assert meta.temperature > 0 and set(meta.calibration_error) == {"before", "after"}
    out = tmp_path / "m.npz"
    write(out, model, meta)
    loaded, back = load(out)
    assert loaded.sizes == model.sizes and back.thresholds == meta.thresholds
    assert Recipe.from_dict({k: v for k, v in back.recipe.items() if k not in ("name", "augment_params",
                                                                               "style_variants")}) == SMALL


def test_a_sweep_run_builds_its_network_through_the_pipeline_from_its_stored_configuration():
    config = grid("quick", 300, 1, widths=[8], depths=[2], epochs=[1])[0]
    assert config["sizes"] == [784, 8, 8, 10] and "hidden" not in config  # the cache's keys are unchanged
    assert Recipe.from_dict({k: v for k, v in config.items() if k not in ("recipe_name", "limit")}).hidden == (8, 8)

    class Data:
        x, y = data(300, 1)
        vx, vy = data(50, 2)
        tx, ty = data(50, 3)

    row = run_one(config, Data())
    assert row["hidden"] == "8-8" and row["layers"] == 2 and row["status"] == "ok"
    assert row["params"] == (784 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 10


def test_a_reading_carries_its_forward_pass_and_its_answer_judged_once(model_file):
    r = Recogniser.from_file(model_file)
    strokes = [np.array([[100.0, 50.0], [120.0, 200.0], [140.0, 300.0]])]
    reading = r.read(strokes, side=400.0)
    assert reading.judged == reading.answer(r.thresholds) == r.answer(reading)
    assert isinstance(reading.judged.kind, Kind) and reading.judged.kind in ("sure", "unsure", "not-digit")
    np.testing.assert_array_equal(reading.forward.probs, reading.probs)
    assert reading.forward.raw_probs is None
    assert r.read(strokes, side=400.0, raw=True).forward.raw_probs is not None  # the same call answers it
    many = kinds(reading.probs[None], np.array([reading.not_digit]), np.array([reading.extent]), r.thresholds)
    assert many[0] is reading.judged.kind  # one rule: one reading or many
