"""The inside view's numbers (model/inside.py): exact identities on the bundled and on random networks,
and how they behave for the drawings a lesson uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from model import inside
from model.config import BUNDLED_WEIGHTS, CLASSES, FIELD, INPUTS
from model.mlp import MLP
from model.preprocess import BOX, Style, strokes_to_input
from model.recognise import Recogniser
from model.sketches import SKETCHES, sketch
from model.weights import load, save

SIDE = 560  # canvas side in pixels, as in the app at 1280x800


def on_canvas(s: list[np.ndarray]) -> list[np.ndarray]:
    return [p * SIDE for p in s]


@pytest.fixture(scope="module")
def bundled() -> Recogniser:
    if not Path(BUNDLED_WEIGHTS).is_file():
        pytest.skip(f"{BUNDLED_WEIGHTS} not present")
    return Recogniser(*load(BUNDLED_WEIGHTS))


def random_recogniser(tmp_path: Path, sizes: list[int], activation: str = "relu", pens=None) -> Recogniser:
    """A random network saved and loaded through model.weights, as the Learn view's models are."""
    model = MLP(sizes, activation=activation, seed=3)
    for b in model.biases:  # non-zero biases, so the bias terms of the identities are exercised
        b += np.random.default_rng(4).normal(0, 0.1, b.shape).astype(b.dtype)
    inp = {"style": Style(pen=2.2).to_dict()} | ({"tta_pens": pens} if pens else {})
    path = save(tmp_path / "m.npz", model, {"input": inp, "temperature": 1.7})
    return Recogniser(*load(path))


def read(r: Recogniser, strokes, raw: bool = True) -> inside.Forward:
    return inside.read(r.model, strokes, r.style, r.temperature, r.pens, raw_side=SIDE if raw else None)


NETS = [([784, 16, 10], "relu"), ([784, 12, 9, 10], "relu"), ([784, 20, 10], "leaky_relu")]


# -- exact identities ---------------------------------------------------------------------------------


def check_identities(r: Recogniser, f: inside.Forward) -> None:
    u = inside.units(r.model)
    v = inside.votes(f, u, r.model.biases[-1])
    # The units' contributions plus the output bias are the logits.
    np.testing.assert_allclose(v.contributions.sum(axis=0) + v.bias, f.logits, rtol=1e-5, atol=1e-4)
    # Input x gradient plus the biases through the units that fired is the logit difference, for
    # the default pair (top vs runner-up) and for every other pair.
    for top, other in [(None, None), (0, CLASSES - 1), (f.runner_up, f.top)]:
        e = inside.evidence(r.model, f, top, other)
        assert e.exact
        assert e.difference == pytest.approx(float(f.logits[e.top] - f.logits[e.other]))
        assert float(e.map.sum()) + e.baseline == pytest.approx(e.difference, rel=1e-4, abs=1e-4)


def test_identities_on_the_bundled_model(bundled: Recogniser) -> None:
    for d in (3, 4, 8):
        check_identities(bundled, read(bundled, on_canvas(sketch(d))))


@pytest.mark.parametrize("sizes,activation", NETS)
def test_identities_on_random_models(tmp_path: Path, sizes: list[int], activation: str) -> None:
    r = random_recogniser(tmp_path, sizes, activation)
    f = read(r, on_canvas(sketch(5)))
    assert len(f.hidden) == len(sizes) - 2 and f.hidden[-1].shape == (sizes[-2],)
    check_identities(r, f)


def test_evidence_is_the_gradient_of_the_logit_difference(tmp_path: Path) -> None:
    """Not just summing right: each pixel's gradient matches a finite difference of the network."""
    r = random_recogniser(tmp_path, [784, 24, 10])
    f = read(r, on_canvas(sketch(2)))
    e = inside.evidence(r.model, f)
    x = f.x.astype(np.float64)
    w0, b0 = (a.astype(np.float64) for a in (r.model.weights[0], r.model.biases[0]))
    w1, b1 = (a.astype(np.float64) for a in (r.model.weights[1], r.model.biases[1]))

    def diff(v: np.ndarray) -> float:
        z = np.maximum(v @ w0 + b0, 0) @ w1 + b1
        return float(z[e.top] - z[e.other])

    ink = np.flatnonzero(x > 0.5)[:25]
    h = 1e-4  # small enough that no unit changes sides
    for i in ink:
        step = np.zeros(INPUTS)
        step[i] = h
        grad = (diff(x + step) - diff(x - step)) / (2 * h)
        assert e.map.ravel()[i] == pytest.approx(x[i] * grad, rel=1e-3, abs=1e-5)


def test_smooth_activations_say_the_evidence_is_not_exact(tmp_path: Path) -> None:
    r = random_recogniser(tmp_path, [784, 16, 10], "tanh")
    e = inside.evidence(r.model, read(r, on_canvas(sketch(7))))
    assert not e.exact
    assert float(e.map.sum()) + e.baseline == pytest.approx(e.difference, abs=1e-4)


# -- the forward pass is the reading --------------------------------------------------------------------


def test_probabilities_are_the_bars(bundled: Recogniser) -> None:
    strokes = on_canvas(sketch(9, shear=0.2))
    f, reading = read(bundled, strokes), bundled.read(strokes)
    np.testing.assert_allclose(f.probs, reading.probs, rtol=1e-6, atol=1e-7)
    # With one rendering the bars are the softmax of the logits over the temperature: its digit
    # entries renormalised, the 11th output ("not a digit", when the network has it) set apart.
    z = f.logits / f.temperature
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(f.probs, p[:10] / p[:10].sum(), rtol=1e-5, atol=1e-7)
    assert f.not_digit == pytest.approx(p[10] if len(p) > 10 else 0.0, abs=1e-7)
    assert f.temperature == bundled.temperature != 1.0
    assert (f.top, f.runner_up) == (reading.top, reading.runner_up) == (9, f.runner_up)
    np.testing.assert_array_equal(f.image, reading.image)
    assert f.active == int((f.hidden[0] > 0).sum()) and 0 < f.active < 925


def test_probabilities_average_the_pens_like_the_recogniser(tmp_path: Path) -> None:
    r = random_recogniser(tmp_path, [784, 16, 10], pens=[1.8, 2.2, 2.8])
    strokes = on_canvas(sketch(6))
    np.testing.assert_allclose(read(r, strokes).probs, r.read(strokes).probs, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(read(r, strokes, raw=False).probs, r.read(strokes).probs, rtol=1e-6, atol=1e-7)


def test_an_empty_canvas_is_nothing_drawn(bundled: Recogniser) -> None:
    for strokes in ([], [np.zeros((0, 2))]):
        with pytest.raises(ValueError, match="nothing to read"):
            read(bundled, strokes)
        with pytest.raises(ValueError, match="nothing to read"):
            inside.way_in(strokes, SIDE)


def test_a_single_dot_is_explained_without_dividing_by_zero(bundled: Recogniser) -> None:
    dot = [np.array([[280.0, 280.0]])]
    f = read(bundled, dot)
    ins = inside.explain(bundled.model, f, inside.units(bundled.model), dot, SIDE, bundled.style)
    assert np.isfinite(ins.evidence.map).all() and all(np.isfinite(s.image).all() for s in ins.steps)
    assert abs(f.probs.sum() - 1) < 1e-6


# -- the way in -------------------------------------------------------------------------------------------


def ink_box(img: np.ndarray, threshold: float = 0.3) -> tuple[int, int]:
    rows, cols = np.nonzero(img > threshold)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_way_in_ends_at_the_networks_input(bundled: Recogniser) -> None:
    strokes = on_canvas(sketch(3))
    steps = inside.way_in(strokes, SIDE, bundled.style)
    assert [s.image.shape for s in steps] == [(FIELD, FIELD)] * 4
    np.testing.assert_array_equal(steps[-1].image, strokes_to_input(strokes, bundled.style))
    np.testing.assert_array_equal(steps[-1].image, read(bundled, strokes).image)
    # Cropped fills the picture; fitted puts the longer side at 20 px (the pen's soft edge aside).
    assert max(ink_box(steps[1].image)) >= FIELD - 1
    assert BOX - 1 <= max(ink_box(steps[2].image)) <= BOX + 1
    cy, cx = ndimage.center_of_mass(steps[-1].image)
    assert abs(cy - FIELD / 2) < 0.3 and abs(cx - FIELD / 2) < 0.3
    # explain() reuses the renderings read() made; they are the same pictures.
    ins = inside.explain(
        bundled.model, read(bundled, strokes), inside.units(bundled.model), strokes, SIDE, bundled.style
    )
    for mine, theirs in zip(ins.steps, steps):
        assert mine.name == theirs.name
        np.testing.assert_array_equal(mine.image, theirs.image)


def test_a_small_digit_in_a_corner(bundled: Recogniser) -> None:
    """The lesson's first point: the raw canvas shows a speck in the corner and the network, given
    it, gets it wrong; after preprocessing the speck is the same digit as a big one."""
    corner = on_canvas(sketch(3, at=(0.15, 0.15), size=0.25))
    steps = inside.way_in(corner, SIDE, bundled.style)
    cy, cx = ndimage.center_of_mass(steps[0].image)
    assert cy < FIELD / 4 and cx < FIELD / 4
    assert max(ink_box(steps[0].image)) <= 9
    f = read(bundled, corner)
    assert f.top == 3 and f.probs[3] > 0.9
    assert f.raw_top != 3 and f.raw_probs is not None and f.raw_probs[3] < 0.2
    big = read(bundled, on_canvas(sketch(3)), raw=False)
    assert np.abs(f.image - big.image).max() < 0.05  # size and place no longer matter
    assert big.raw_probs is None and big.raw_top is None


def test_the_sketches_are_read_as_their_digits(bundled: Recogniser) -> None:
    for d in SKETCHES:
        assert bundled.read(on_canvas(sketch(d))).top == d


# -- units, votes, gallery ----------------------------------------------------------------------------------


def test_units_pictures_and_gallery_order(tmp_path: Path, bundled: Recogniser) -> None:
    u = inside.units(bundled.model)
    w0 = bundled.model.weights[0]
    assert u.images.shape == (925, FIELD, FIELD) and u.count == 925
    np.testing.assert_array_equal(u.images[17].ravel(), w0[:, 17])
    assert sorted(u.order) == list(range(925))
    assert (np.diff(u.importance[u.order]) <= 0).all()
    # Given inputs, the typical activation is measured on them.
    x = np.stack([strokes_to_input(on_canvas(sketch(d))) for d in (1, 7)]).reshape(2, -1)
    h = np.maximum(x @ w0 + bundled.model.biases[0], 0)
    np.testing.assert_allclose(
        inside.units(bundled.model, x).importance,
        h.mean(0) * np.abs(bundled.model.weights[1]).sum(1),
        rtol=1e-5,
        atol=1e-5,
    )
    # A deeper net: the last hidden layer's units, pictured through the weights below them.
    deep = random_recogniser(tmp_path, [784, 12, 9, 10]).model
    ud = inside.units(deep)
    assert ud.images.shape == (9, FIELD, FIELD)
    np.testing.assert_allclose(ud.images.reshape(9, -1), (deep.weights[0] @ deep.weights[1]).T, rtol=1e-5)


def test_voters_for_and_against(bundled: Recogniser) -> None:
    f = read(bundled, on_canvas(sketch(7)))
    u = inside.units(bundled.model)
    v = inside.votes(f, u, bundled.model.biases[-1], n=5)
    w1 = bundled.model.weights[1]
    assert v.cls == f.top == 7 and len(v.voters_for) == len(v.voters_against) == 5
    for voter in (*v.voters_for, *v.voters_against):
        assert voter.activation > 0  # a silent unit casts no vote
        assert voter.vote == pytest.approx(voter.activation * float(w1[voter.unit, 7]), rel=1e-5)
        np.testing.assert_array_equal(voter.image.ravel(), bundled.model.weights[0][:, voter.unit])
    ups = [x.vote for x in v.voters_for]
    downs = [x.vote for x in v.voters_against]
    assert ups == sorted(ups, reverse=True) and min(ups) > 0 and ups[0] == pytest.approx(v.contributions[:, 7].max())
    assert downs == sorted(downs) and max(downs) < 0
    assert inside.votes(f, u, bundled.model.biases[-1], cls=1).cls == 1


def test_a_units_response_follows_the_drawing(bundled: Recogniser) -> None:
    u = inside.units(bundled.model)
    w0, b0 = bundled.model.weights[0], bundled.model.biases[0]
    one, seven = read(bundled, on_canvas(sketch(1))), read(bundled, on_canvas(sketch(7)))
    j = int(np.argmax(seven.hidden[0] - one.hidden[0]))  # the unit the 7's top bar wakes most
    r1, r7 = inside.response(bundled.model, one, u, j), inside.response(bundled.model, seven, u, j)
    assert r7.activation > r1.activation
    for f, r in ((one, r1), (seven, r7)):
        assert r.preactivation == pytest.approx(float(f.x @ w0[:, j] + b0[j]), abs=1e-4)
        assert float(r.map.sum()) + float(b0[j]) == pytest.approx(r.preactivation, abs=1e-4)
        assert r.activation == pytest.approx(max(r.preactivation, 0.0), abs=1e-4)
        np.testing.assert_allclose(r.votes, r.activation * bundled.model.weights[1][j], rtol=1e-5, atol=1e-7)
    assert u.order[r1.rank] == j
    with pytest.raises(ValueError, match="out of range"):
        inside.response(bundled.model, one, u, 925)


# -- colour ----------------------------------------------------------------------------------------------


def test_diverging_colours_tell_sign_and_size_apart() -> None:
    v = np.linspace(-1, 1, 41)
    rgb = inside.to_rgb(v).astype(float)
    assert rgb.shape == (41, 3) and inside.to_rgb(np.zeros(3)).tolist() == [[0, 0, 0]] * 3
    neg, pos = rgb[:20], rgb[21:]
    assert (neg[:, 2] > neg[:, 0]).all() and (pos[:, 0] > pos[:, 2]).all()  # blue below zero, orange above
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722])
    assert (np.diff(luma[:21]) < 0).all() and (np.diff(luma[20:]) > 0).all()  # brighter with |value|
    # Both ends equally bright within 15%: neither sign looks "stronger" than the other.
    assert abs(luma[0] - luma[-1]) < 0.15 * luma[-1]
    assert inside.to_rgb(np.array([5.0, -5.0]), limit=1.0).tolist() == [
        inside.DIVERGING[-1].tolist(),
        inside.DIVERGING[0].tolist(),
    ]


def test_deskewing_styles_and_networks_without_hidden_layers(tmp_path: Path) -> None:
    """The way in still ends at the real input when the style straightens slanted writing, and a
    network with no hidden layer (input straight to output) is explained without failing."""
    slanted = on_canvas(sketch(1, shear=0.5))
    style = Style(deskew=True)
    np.testing.assert_array_equal(inside.way_in(slanted, SIDE, style)[-1].image, strokes_to_input(slanted, style))
    model = MLP([784, 10], seed=2)
    f = inside.read(model, slanted, style, raw_side=SIDE)
    ins = inside.explain(model, f, inside.units(model), slanted, SIDE, style)
    assert f.hidden == () and ins.units.images.shape == (INPUTS, FIELD, FIELD)
    np.testing.assert_allclose(ins.votes.contributions.sum(0) + ins.votes.bias, f.logits, rtol=1e-5, atol=1e-5)
    assert float(ins.evidence.map.sum()) + ins.evidence.baseline == pytest.approx(ins.evidence.difference, abs=1e-5)
    assert ins.response(400).activation == pytest.approx(float(f.x[400]))


# Machado, Oliveira & Fernandes (2009), severity 1: how linear RGB looks to dichromats.
DICHROMACY = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def test_colour_blind_viewers_tell_for_from_against() -> None:
    """Simulated for each kind of dichromacy, a positive value and the equally large negative one
    stay at least 60% as far apart as for normal vision: the sign never hides. (A red-green map,
    the usual choice, keeps under 30% of it for deuteranopes, as checked at the end.)"""

    def linear(rgb: np.ndarray) -> np.ndarray:
        c = np.asarray(rgb, float) / 255
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    def kept(neg: np.ndarray, pos: np.ndarray, m) -> float:
        return float(np.linalg.norm(np.asarray(m) @ (neg - pos)) / np.linalg.norm(neg - pos))

    for v in (0.3, 0.6, 1.0):
        neg, pos = linear(inside.to_rgb(np.array([-v, v]), 1.0))
        for kind, m in DICHROMACY.items():
            assert kept(neg, pos, m) >= 0.6, (kind, v)
    red, green = linear([[200, 40, 40], [40, 160, 40]])
    assert kept(red, green, DICHROMACY["deuteranopia"]) < 0.3
