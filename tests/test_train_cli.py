"""train.py's command line is generated from the Recipe dataclass: every field, typed, with its default."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

import train
from model.augment import Augment
from model.config import BUNDLED_WEIGHTS, REPO
from model.coverage import VARIANTS
from model.mlp import ACTIVATIONS, INITS, LOSSES
from model.trainer import RECIPES, Recipe
from model.weights import load
from tests.fakedata import write_fake_mnist


def test_help_shows_every_recipe_field_with_its_default():
    r = subprocess.run([sys.executable, "train.py", "--help"], cwd=REPO, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0
    # One block per option: from a line starting with "  --" to the next one.
    blocks = [" ".join(b.split()) for b in ("\n" + r.stdout.split("options:", 1)[1]).split("\n  -")]
    for f in fields(Recipe):
        flag = "--" + f.name.replace("_", "-")  # the hidden widths' field is --hidden too
        line = next((b for b in blocks if b.startswith(flag[1:] + " ") or b.startswith(flag[1:] + ",")), None)
        assert line is not None, flag
        default = getattr(RECIPES["default"], f.name)
        shown = "925" if f.name == "hidden" else str(default)
        assert f"(default {shown}" in line, line
    assert "--no-augment" in r.stdout and "--no-grad-sum" in r.stdout
    assert "{" + ",".join(ACTIVATIONS) + "}" in r.stdout


def test_every_field_is_settable_and_typed():
    args = train.parse_args(["--recipe", "quick", "--grad-sum", "--stroke-copies", "3", "--dropout", "0.25",
                             "--hidden", "64", "32", "--init", INITS[-1], "--loss", LOSSES[-1], "--no-augment"])
    recipe, changed = train.make_recipe(args)
    assert recipe == Recipe(hidden=(64, 32), init=INITS[-1], loss=LOSSES[-1], epochs=8, lr=0.1,
                            grad_sum=True, augment=False, stroke_copies=3, dropout=0.25)
    assert set(changed) == {"sizes", "init", "loss", "grad_sum", "stroke_copies", "dropout"}  # augment: as quick
    assert changed["stroke_copies"] == (1, 3)


def test_no_flag_means_the_recipe_unchanged():
    for name in RECIPES:
        recipe, changed = train.make_recipe(train.parse_args(["--recipe", name]))
        assert recipe == RECIPES[name] and changed == {}


def test_default_out_is_an_ignored_runs_folder_not_the_bundled_file():
    out = Path(train.parse_args(["--recipe", "quick"]).out)
    assert out.parent == REPO / "runs" and out.name.startswith("digitpad-quick-") and out.suffix == ".npz"
    assert out != BUNDLED_WEIGHTS
    assert "/runs/" in (REPO / ".gitignore").read_text().splitlines()


def test_training_prints_overrides_and_how_to_use_the_result(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))
    data = write_fake_mnist(tmp_path / "mnist", n_train=300, n_test=50)
    out = tmp_path / "w.npz"
    code = train.main(["--data", str(data), "--recipe", "quick", "--hidden", "8", "--epochs", "1",
                       "--out", str(out), "--quiet"])
    text = "".join(capsys.readouterr())
    assert code == 0, text
    assert "overriding recipe quick: sizes (784, 925, 10) -> (784, 8, 10), epochs 8 -> 1" in text
    assert f"python main.py --weights {out}" in text and BUNDLED_WEIGHTS.name in text
    # Ten outputs: the answers line names no "not a digit" threshold the model does not have.
    assert load(out)[0].sizes[-1] == 10 and "answers chosen on" in text and "'not a digit' from" not in text
    recipe = load(out)[1].recipe
    assert recipe["epochs"] == 1
    # The file says what the recipe's switches stood for when it was trained, so a later change of a
    # default (another style, other augmentation) shows against it.
    assert recipe["style_variants"] == VARIANTS and recipe["augment_params"] == Augment().to_dict()


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_are_valid(name):
    assert Recipe.from_dict(RECIPES[name].to_dict()) == RECIPES[name]
