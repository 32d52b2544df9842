"""Training data that covers more hands (model/coverage.py) and the 11-output network train.py makes."""

import json

import numpy as np
import pytest

import train
from model.config import BUNDLED_WEIGHTS, NOT_A_DIGIT
from model.coverage import (
    SIZE_CAUGHT,
    TRAINED_KINDS,
    VARIANTS,
    jitter,
    non_digit_samples,
    render_samples,
    style_variants,
)
from model.nondigits import KINDS, SEEDS
from model.sample import Sample
from model.split import writer_split
from model.styles import STYLES
from model.trainer import RECIPES, Recipe
from model.weights import load
from tests.fakedata import write_fake_mnist

# One simple shape per digit, in a 0..10 box (y down): enough for the mechanics, not for learning.
SHAPES = {
    0: [[[5, 0], [9, 5], [5, 10], [1, 5], [5, 0]]],
    1: [[[5, 0], [5, 10]]],
    2: [[[1, 2], [5, 0], [9, 3], [1, 10], [9, 10]]],
    3: [[[1, 1], [9, 2], [4, 5], [9, 8], [1, 10]]],
    4: [[[6, 0], [1, 7], [9, 7]], [[6, 3], [6, 10]]],
    5: [[[9, 0], [2, 0], [1, 5], [8, 6], [2, 10]]],
    6: [[[8, 0], [2, 6], [5, 10], [8, 7], [2, 6]]],
    7: [[[1, 0], [9, 0], [4, 10]]],
    8: [[[5, 5], [1, 2], [5, 0], [9, 2], [1, 8], [5, 10], [9, 8], [5, 5]]],
    9: [[[8, 4], [5, 0], [1, 3], [8, 4], [7, 10]]],
}


def writer_in(part: str) -> str:
    return next(f"lab/w{i}" for i in range(1000) if writer_split(f"lab/w{i}") == part)


def samples(writer: str = "lab/w0") -> list[Sample]:
    return [Sample(d, [np.array(s, np.float32) for s in strokes], writer) for d, strokes in SHAPES.items()]


def test_style_variants_restyle_their_digit_only_and_leave_the_originals_alone():
    originals = samples() * 3
    before = [[s.copy() for s in x.strokes] for x in originals]
    variants = style_variants(originals, seed=0)
    assert len(variants) == 3 * sum(VARIANTS.values())  # for each of the three copies of its digit
    assert sorted({v.label for v in variants}) == sorted(d for d, _ in STYLES.values())
    for v in variants:
        name = v.source.removeprefix("style:")
        assert STYLES[name][0] == v.label and v.writer == "lab/w0"
        assert all(s.dtype == np.float32 and s.shape[1] == 2 for s in v.strokes)
        plain = [np.asarray(s) for s in SHAPES[v.label]]
        assert not (len(plain) == len(v.strokes) and all(np.array_equal(a, b) for a, b in zip(plain, v.strokes)))
    assert all(all(np.array_equal(a, b) for a, b in zip(x.strokes, b4)) for x, b4 in zip(originals, before))
    again = style_variants(originals, seed=0)
    assert all(all(np.array_equal(a, b) for a, b in zip(p.strokes, q.strokes)) for p, q in zip(variants, again))


def test_non_digits_for_training_leave_out_what_ink_size_catches():
    assert set(TRAINED_KINDS) | set(SIZE_CAUGHT) == set(KINDS) and not set(TRAINED_KINDS) & set(SIZE_CAUGHT)
    got = non_digit_samples(2, SEEDS["train"])
    assert len(got) == 2 * len(TRAINED_KINDS) and {s.label for s in got} == {NOT_A_DIGIT}
    assert {s.source.removeprefix("non-digit:") for s in got} == set(TRAINED_KINDS)
    other = non_digit_samples(2, SEEDS["val"])  # the validation ones are other drawings
    assert not np.array_equal(got[0].strokes[0], other[0].strokes[0])


def test_the_output_count_follows_the_non_digits():
    assert RECIPES["default"].sizes[-1] == 11 and RECIPES["default"].not_digits > 0
    assert RECIPES["quick"].sizes[-1] == 10 and RECIPES["original"].sizes[-1] == 10
    # Sizes are derived, so a Recipe cannot contradict itself; a stored one that does is refused.
    assert Recipe(hidden=(16,), not_digits=5).sizes == (784, 16, 11) and Recipe(hidden=(16,)).sizes == (784, 16, 10)
    with pytest.raises(ValueError, match="11 outputs"):
        Recipe.from_dict({"sizes": (784, 16, 10), "not_digits": 5})
    with pytest.raises(ValueError, match="10 outputs"):
        Recipe.from_dict({"sizes": (784, 16, 11)})
    recipe, _ = train.make_recipe(train.parse_args(["--not-digits", "0"]))
    assert recipe.sizes == (784, 925, 10)
    recipe, changed = train.make_recipe(train.parse_args(["--recipe", "quick", "--not-digits", "4", "--hidden", "8"]))
    assert recipe.sizes == (784, 8, 11) and changed["not_digits"] == (0, 4)


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))
    mnist = write_fake_mnist(tmp_path / "mnist", n_train=400, n_test=60)
    strokes = tmp_path / "strokes.jsonl"
    with strokes.open("w") as f:
        for part, copies in (("train", 4), ("val", 3), ("test", 1)):
            for s in samples(writer_in(part)) * copies:
                f.write(json.dumps({"label": s.label, "strokes": [x.tolist() for x in s.strokes],
                                    "writer": s.writer}) + "\n")
    return mnist, strokes


def test_train_makes_an_eleven_output_network_with_its_answer_thresholds(tmp_path, data, capsys):
    mnist, strokes = data
    out = tmp_path / "w.npz"
    code = train.main(["--data", str(mnist), "--strokes", str(strokes), "--recipe", "quick", "--hidden", "16",
                       "--epochs", "2", "--styles", "--not-digits", "6", "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    text = printed.out + printed.err
    assert f"style variants: {4 * sum(VARIANTS.values())} made" in text  # for each of the 4 copies of its digit
    assert f"non-digits: {6 * len(TRAINED_KINDS)} training drawings" in text
    assert "answers chosen on 30 validation digits" in text
    model, meta = load(out)
    assert model.sizes == [784, 16, 11]
    assert set(meta.validation_accuracy) == {"mnist", "styles", "strokes", "non-digits"}
    assert {"wrong_and_sure", "right_but_unsure", "flagged", "non_digits_flagged"} <= set(meta.answers)
    assert 0 < meta.sure_threshold < 1 and 0 < meta.not_digit_threshold <= 1
    # The thresholds were chosen so that at most 2% of the right validation answers are unsure.
    assert meta.answers["right_but_unsure"] <= 0.02 + 1e-9 or meta.answers["accuracy"] < 0.5


def test_fine_tuning_an_eleven_output_network_keeps_its_extra_output(tmp_path, data, capsys):
    mnist, strokes = data
    base = tmp_path / "base.npz"
    common = ["--data", str(mnist), "--hidden", "16", "--epochs", "1", "--quiet"]
    assert train.main([*common, "--recipe", "quick", "--not-digits", "3", "--out", str(base)]) == 0
    capsys.readouterr()
    code = train.main(["--data", str(mnist), "--finetune", str(base), "--strokes", str(strokes), "--not-digits", "0",
                       "--epochs", "1", "--quiet", "--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "--not-digits above 0" in err
    assert not (tmp_path / "x.npz").exists()
    tuned = tmp_path / "tuned.npz"
    assert train.main(["--data", str(mnist), "--finetune", str(base), "--strokes", str(strokes), "--epochs", "1",
                       "--quiet", "--out", str(tuned)]) == 0
    assert load(tuned)[0].sizes == [784, 16, 11]


def test_jitter_moves_strokes_against_each_other_and_leaves_the_input_alone():
    four = [np.array(s, np.float64) for s in SHAPES[4]]
    before = [s.copy() for s in four]
    rng = np.random.default_rng(3)
    moved = [jitter(four, rng, 1.0) for _ in range(50)]
    assert all(np.array_equal(a, b) for a, b in zip(four, before))
    # The stem's start relative to the "L"'s start varies from copy to copy: strokes move on their own.
    gaps = np.array([m[1][0] - m[0][0] for m in moved])
    assert gaps.std(axis=0).max() > 0.2
    # ... but a little: a 4 stays a 4 (5% of its height, about 0.5 here, per stroke and axis).
    assert np.abs(gaps - (four[1][0] - four[0][0])).max() < 3.0
    assert all(len(m) == 2 and [len(s) for s in m] == [3, 2] and m[0].dtype == np.float32 for m in moved)


def test_jitter_of_one_stroke_only_slants_it_and_strength_zero_is_a_copy():
    one = [np.array([[5.0, 0.0], [5.0, 10.0]])]
    tops, bottoms = [], []
    for _ in range(40):
        (s,) = jitter(one, np.random.default_rng(_), 1.0)
        assert np.array_equal(s[:, 1], one[0][:, 1])  # heights are kept: slant moves x by height only
        tops.append(s[0, 0] - 5.0)
        bottoms.append(s[1, 0] - 5.0)
    assert np.allclose(tops, np.negative(bottoms), atol=1e-5)  # about the centre: top and bottom opposite
    assert 0.3 < max(np.abs(tops)) <= 0.2 * 5 + 1e-6  # slants up to 0.2 (half height 5)
    same = jitter([np.array(s, np.float64) for s in SHAPES[4]], np.random.default_rng(0), 0.0)
    assert all(np.allclose(a, b) for a, b in zip(same, SHAPES[4]))


def test_rendering_with_jitter_keeps_the_first_copy_and_the_pens():
    style = load(BUNDLED_WEIGHTS)[1].style
    plain, y0 = render_samples(samples(), style, copies=3, seed=5)
    jittered, y1 = render_samples(samples(), style, copies=3, seed=5, jitter=1.0)
    assert np.array_equal(y0, y1)
    assert np.array_equal(plain[0::3], jittered[0::3])  # the first rendering of each sample is exact
    assert not np.array_equal(plain[1::3], jittered[1::3])
    # Digit "1" is one straight stroke: jitter only slants it, and its pen widths are the same as
    # without jitter (its own random stream), so the ink sums stay close.
    ink = lambda x: x[1 * 3 + 1 : 1 * 3 + 3].sum(axis=1)  # noqa: E731
    assert np.allclose(ink(plain), ink(jittered), rtol=0.15)
    with pytest.raises(ValueError, match="stroke_jitter"):
        Recipe(stroke_jitter=-1.0)
