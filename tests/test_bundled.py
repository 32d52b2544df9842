"""The bundled model, scored on real data when it is on this machine (skipped, with the reason, when not)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.answer import Thresholds
from model.augment import Augment
from model.coverage import VARIANTS
from model.data import DataError, load_mnist
from model.trainer import RECIPES, Recipe
from model.weights import load

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "weights" / "digitpad-925.npz"


def unipen_file() -> Path | None:
    for folder in (os.environ.get("DIGITPAD_UNIPEN"), ROOT.parent / "shared" / "datasets" / "unipen1a"):
        if folder and (Path(folder) / "unipen1a-digits.jsonl.gz").is_file():
            return Path(folder) / "unipen1a-digits.jsonl.gz"
    return None


@pytest.fixture(scope="module")
def mnist():
    try:
        return load_mnist(download=False)
    except DataError as e:
        pytest.skip(f"MNIST not on this machine (set DIGITPAD_MNIST): {e}")


def test_bundled_weights_are_the_925_model_with_full_metadata():
    model, meta = load(WEIGHTS)
    assert model.sizes == [784, 925, 11] and model.activation == "relu"  # ten digits and "not a digit"
    assert meta.recipe["name"] == "default" and meta.temperature > 0
    assert {"style", "tta_pens"} <= set(meta.to_dict()["input"]) and meta.tta_pens == (meta.style.pen,)
    # train.py's defaults are the recipe the bundled weights were trained with, augmentation included.
    # (Stored as Recipe.to_dict writes it: the layer sizes in place of the hidden widths.)
    stored = {k: v for k, v in meta.recipe.items() if k in {*Recipe.__dataclass_fields__, "sizes"} - {"hidden"}}
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
    assert Recipe.from_dict(fields) == RECIPES["default"] and tuple(fields["sizes"]) == (784, 925, 11)
    assert meta.recipe["augment_params"] == Augment().to_dict()
    assert meta.recipe["style_variants"] == VARIANTS  # the styles and how many variants of each
    # Its answer thresholds were chosen on validation writers, and say what they gave there.
    assert meta.answers["on"].endswith("validation digits")
    assert meta.answers["wrong_and_sure"] <= 0.01 and meta.answers["right_but_unsure"] <= 0.03
    assert meta.thresholds != Thresholds()  # chosen, not the defaults for models that store none


def test_bundled_model_scores_at_least_99_percent_on_mnist_test(mnist):
    model, _ = load(WEIGHTS)
    _, _, x, y = mnist
    # The digit the bars show (the ten digit outputs; "not a digit" is an answer, not a digit read).
    pred = model.predict_proba(x.reshape(len(x), -1).astype(np.float32) / 255.0)[:, :10].argmax(axis=1)
    assert (pred == y).mean() >= 0.990


def test_bundled_model_reads_held_out_unipen_writers_through_the_app_path():
    data = unipen_file()
    if data is None:
        pytest.skip("UNIPEN not on this machine (set DIGITPAD_UNIPEN to the unipen1a folder)")
    r = subprocess.run([sys.executable, "evaluate.py", str(data)], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("accuracy: ")
    assert float(last.split()[1]) >= 0.96, last


def test_bundled_model_answers_not_a_digit_to_drawings_that_are_none():
    r = subprocess.run([sys.executable, "evaluate.py", "--non-digits", "10"], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("answered 'not a digit': ") and float(last.split()[4]) >= 0.9, last


@pytest.mark.parametrize("shape", ["heart", "smiley", "R", "question"])
def test_the_bundled_model_answers_not_a_digit_to_what_a_class_doodles(shape, home, user_of):
    # Drawn in the real app with posted mouse events, desk and classroom, plain and inside view: the
    # model before this one said "0, 100% sure" to the heart and "not sure" to the others.
    import pygame

    from app.app import App
    from app.readout import verdict
    from app.screenshots import no_digits
    from model.recognise import Recogniser

    desk, classroom = {"size": (1280, 800)}, {"classroom": True, "fullscreen": False, "size": (1280, 720)}
    for kw, inside in ((desk, False), (classroom, True)):
        app = App(Recogniser.from_file(WEIGHTS), **kw)
        pygame.event.clear()
        app.step()
        user = user_of(app)
        if inside:
            user.key(pygame.K_n, "n")
            app.step()
        for stroke in no_digits()[shape]:
            user.stroke(stroke)
        app.step()
        v = verdict(app.reading, app.recogniser.thresholds)
        assert v.kind == "not-digit", (shape, kw, v.headline, v.caption)
        app.quit()
        pygame.quit()
