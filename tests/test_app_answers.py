"""Sure, not sure and "not a digit" look different, in every view, without relying on colour.

The pure parts (app/readout.py's wording and marks, model/inside.py's choice of what to explain) are
tested headless; the rest drives the real App through its event loop on SDL's dummy driver, with real
weights files: small networks with an 11th "not a digit" output whose last bias decides the answer,
and the session's random ten-output network for ink too small to read. What is checked is what is
drawn: the card's frame (solid, dashed, none), the bars (solid, hatched, empty) and the percentages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from app.app import App
from app.readout import CROSS, HATCHED, SOLID, output_rows, verdict
from model import inside
from model.answer import Answer, Thresholds
from model.config import CLASSES, INPUTS, NOT_A_DIGIT
from model.mlp import MLP
from model.recognise import Reading, Recogniser
from model.weights import Meta, save

TH = Thresholds(sure=0.6, not_digit=0.5, min_ink=0.08)
ZIGZAG = [(0.2 + 0.6 * (i % 2), 0.15 + 0.07 * i) for i in range(11)]  # big enough to be read
DOT = [(0.5, 0.5), (0.505, 0.505)]


def reading(probs: dict[int, float], not_digit: float = 0.0, extent: float | None = 0.5) -> Reading:
    p = np.full(CLASSES, 0.0)
    for d, v in probs.items():
        p[d] = v
    p[p == 0] = (1 - sum(probs.values())) / max(int((p == 0).sum()), 1)
    return Reading(image=np.zeros((28, 28)), probs=p, not_digit=not_digit, extent=extent)


# -- what to say and how to mark it (pure) ------------------------------------------------------------


def test_a_sure_answer_is_the_digit_with_a_solid_mark() -> None:
    v = verdict(reading({7: 0.9, 1: 0.05}), TH)
    assert (v.kind, v.headline, v.caption) == ("sure", "7", "90% sure")
    assert v.marks == {7: SOLID} and v.scores


def test_not_sure_names_both_candidates_and_hatches_them() -> None:
    v = verdict(reading({4: 0.5, 9: 0.4}), TH)
    assert (v.kind, v.headline, v.doubt) == ("unsure", "4 or 9?", "digit")
    assert v.caption == "not sure \u2014 50% vs 40%"
    assert v.marks == {4: HATCHED, 9: HATCHED} and v.scores


def test_not_sure_because_it_may_be_no_digit_says_so() -> None:
    # 90% of the digit share is a 4, but 40% of the network's belief is "not a digit": the 4 is 54%,
    # not sure; "4 or 7? 90% vs 1%" would make no sense, the doubt is whether it is a digit at all.
    v = verdict(reading({4: 0.9}, not_digit=0.4), TH)
    assert (v.kind, v.headline, v.doubt) == ("unsure", "4?", "not-digit")
    assert "not a digit" in v.caption and "%" not in v.caption
    assert v.marks == {4: HATCHED, NOT_A_DIGIT: HATCHED}


@pytest.mark.parametrize(("not_digit", "extent", "why"), [(0.8, 0.5, "does not look like"), (0.0, 0.02, "too small")])
def test_not_a_digit_shows_no_scores_and_marks_no_digit(not_digit: float, extent: float, why: str) -> None:
    v = verdict(reading({1: 0.97}, not_digit=not_digit, extent=extent), TH)
    assert (v.kind, v.headline) == ("not-digit", "not a digit")
    assert why in v.caption
    assert not v.scores
    assert all(k == NOT_A_DIGIT for k in v.marks), "no digit may be marked as if it had won"


def test_output_rows_are_the_whole_softmax_with_the_extra_output_last() -> None:
    r = reading({3: 0.8, 5: 0.1}, not_digit=0.25)
    v = verdict(r, TH)
    logits = np.arange(11, dtype=float)
    rows = output_rows(logits, r.probs, r.not_digit, v)
    assert [row.label for row in rows] == [str(d) for d in range(10)] + [CROSS]
    assert sum(row.pct for row in rows) == 100
    assert rows[3].share == pytest.approx(0.8 * 0.75) and rows[10].share == pytest.approx(0.25)
    assert rows[3].mark == v.marks[3] and rows[10].logit == 10.0
    ten = output_rows(logits[:10], r.probs, 0.0, verdict(reading({3: 0.8, 5: 0.1}), TH))
    assert len(ten) == 10 and [row.pct for row in ten][3] == 80 and ten[3].mark == SOLID


def test_the_inside_view_explains_not_a_digit_as_such() -> None:
    nd = Answer("not-digit", 8, 0, 0.01, 0.98, False)
    small = Answer("not-digit", 1, 7, 0.9, 0.0, True)
    sure = Answer("sure", 3, 5, 0.9, 0.0, False)
    assert inside.explained(nd, 11) == (NOT_A_DIGIT, 8)
    assert inside.explained(small, 11) == (NOT_A_DIGIT, 1)  # the network's own view of "not a digit"
    assert inside.explained(small, 10) == (1, 7)  # no such output: the best digit, which the view says lost
    assert inside.explained(sure, 11) == (3, 5)


def test_evidence_for_the_extra_output_adds_up_exactly() -> None:
    model = MLP([INPUTS, 16, 11], seed=3)
    f = inside.read(model, [np.array([[5.0, 5.0], [60.0, 90.0], [100.0, 20.0]])], raw_side=120)
    e = inside.evidence(model, f, NOT_A_DIGIT, f.top)
    assert e.top == NOT_A_DIGIT and e.exact
    assert float(e.map.sum()) + e.baseline == pytest.approx(e.difference, abs=1e-4)
    assert e.difference == pytest.approx(float(f.logits[NOT_A_DIGIT] - f.logits[f.top]), abs=1e-5)
    assert f.raw_probs is not None and 0 <= f.raw_not_digit <= 1


# -- the real app ------------------------------------------------------------------------------------


def eleven(path: Path, **bias: float) -> Path:
    """An 11-output network whose last bias decides the answer (the drawing hardly matters)."""
    model = MLP([INPUTS, 16, CLASSES + 1], seed=0)
    model.weights[-1][:] *= 0.001
    model.biases[-1][:] = 0.0
    for k, b in bias.items():
        model.biases[-1][NOT_A_DIGIT if k == "x" else int(k[1:])] = b
    save(path, model, Meta())
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("eleven")
    return {
        "sure": eleven(d / "sure.npz", d3=8.0),
        "unsure": eleven(d / "unsure.npz", d4=5.0, d9=5.0),
        "not-digit": eleven(d / "nd.npz", x=8.0),
    }


def started(path: Path, user_of, points=ZIGZAG, **kw) -> App:
    app = App(Recogniser.from_file(path), size=kw.pop("size", (1280, 800)), **kw)
    pygame.event.clear()
    app.step()
    user_of(app).stroke(points)
    user_of(app).post(pygame.MOUSEMOTION, pos=(2, 2), rel=(0, 0), buttons=(0, 0, 0))
    app.step()
    return app


def pixels(app: App) -> np.ndarray:
    return pygame.surfarray.array3d(app.screen)  # [x, y, rgb], a copy: no lock held


def same(px: np.ndarray, colour) -> np.ndarray:
    return np.all(px == np.array(colour, np.uint8), axis=-1)


def runs(mask: np.ndarray) -> int:
    """How many separate stretches of True a 1-D mask has."""
    m = np.asarray(mask, int)
    return int(m[0] + np.count_nonzero(np.diff(m) == 1))


def top_edge(app: App) -> np.ndarray:
    """The prediction card's top edge, one pixel in from it, between the rounded corners."""
    r, radius = app.layout.prediction, app.layout.radius
    return pixels(app)[r.x + radius : r.right - radius, r.y + 1]


def pct_column(app: App) -> np.ndarray:
    """Where the percentages go: right of the bars' tracks (horizontal bars)."""
    right = max(s.track.right for s in app.layout.bar_slots)
    b = app.layout.bars
    return pixels(app)[right + 2 : b.right, b.y : b.bottom]


def mid_row(app: App, digit: int) -> np.ndarray:
    """The pixels along the middle of a digit's filled bar."""
    slot = app.layout.bar_slots[digit]
    fill = slot.fill(float(app.reading.probs[digit]))
    return pixels(app)[fill.x + fill.h : fill.right - fill.h, fill.centery]  # clear of the round ends


@pytest.mark.parametrize("classroom", [False, True])
def test_the_three_answers_are_told_apart_by_shape_not_colour(models, home, user_of, classroom: bool) -> None:
    shown = {}
    for kind, path in models.items():
        app = started(path, user_of, classroom=classroom, fullscreen=False)
        th = app.theme
        v = verdict(app.reading, app.recogniser.thresholds)
        assert v.kind == kind
        edge, column = top_edge(app), pct_column(app)
        background = same(column, th.background)
        if kind == "sure":
            assert same(edge, th.accent).all(), "sure: a solid frame"
            assert same(mid_row(app, 3), th.accent).all(), "sure: the answer's bar is solid"
            assert not background.all(), "sure: percentages are shown"
        elif kind == "unsure":
            dashes = same(edge, th.unsure)
            assert dashes.any() and not dashes.all() and runs(dashes) >= 5, "not sure: a dashed frame"
            for d in (4, 9):
                stripes = same(mid_row(app, d), th.unsure)
                gaps = same(mid_row(app, d), th.track)
                assert runs(stripes) >= 3 and gaps.any(), f"not sure: {d}'s bar is hatched"
            assert not background.all()
        else:
            assert not (same(edge, th.accent) | same(edge, th.unsure)).any(), "not a digit: no frame"
            assert background.all(), "not a digit: no percentage, not even a dash"
            for slot in app.layout.bar_slots:
                track = pixels(app)[slot.track.x + 2 : slot.track.right - 2, slot.track.centery]
                lit = same(track, th.bar) | same(track, th.accent) | same(track, th.unsure)
                assert not lit.any(), f"not a digit: {slot.digit}'s bar is not filled"
        # The card as a whole differs in greyscale too (what a colour-blind viewer or a printout keeps).
        r = app.layout.prediction
        rgb = pixels(app)[r.x : r.right, r.y : r.bottom].astype(float)
        shown[kind] = rgb @ np.array([0.299, 0.587, 0.114])
        app.quit()
        pygame.quit()
    grey = {k: (g > 128) for k, g in shown.items()}
    for a, b in (("sure", "unsure"), ("sure", "not-digit"), ("unsure", "not-digit")):
        assert (grey[a] != grey[b]).mean() > 0.02, f"{a} and {b} look alike in greyscale"


def test_a_dot_is_not_a_digit_with_a_ten_output_network(model_file: Path, home: Path, user_of) -> None:
    app = started(model_file, user_of, points=DOT)
    v = verdict(app.reading, app.recogniser.thresholds)
    assert (v.kind, v.too_small) == ("not-digit", True)
    assert same(pct_column(app), app.theme.background).all()
    # The inside view: the network's best digit is explained, and labelled as not the answer.
    user_of(app).key(pygame.K_n, "n")
    app.step()
    assert app.inside is not None and app.inside.votes.cls == v.top
    app.quit()
    pygame.quit()


@pytest.mark.parametrize(("kind", "explained"), [("not-digit", NOT_A_DIGIT), ("sure", 3)])
def test_the_inside_view_follows_the_same_answer(models, home, user_of, kind: str, explained: int) -> None:
    app = started(models[kind], user_of, view="inside")
    ins = app.inside
    assert ins is not None and len(ins.forward.logits) == CLASSES + 1
    assert ins.votes.cls == explained and ins.evidence.top == explained
    assert verdict(app.reading, app.recogniser.thresholds).kind == kind
    # The output panel lists the 11th output; its rows are what output_rows says.
    v = verdict(app.reading, app.recogniser.thresholds)
    rows = output_rows(ins.forward.logits, ins.forward.probs, ins.forward.not_digit, v)
    assert rows[-1].label == CROSS and (rows[-1].mark == SOLID) == (kind == "not-digit")
    # As the plain view's empty bars: no digit gets a percentage when the answer is "not a digit".
    assert [r.shown for r in rows] == [kind != "not-digit"] * CLASSES + [True]
    # Smaller windows draw the 11 rows too (step() is unguarded: a drawing error fails the test here).
    for size in ((560, 420), (1280, 720)):
        app.resize(*size)
        app.step()
    app.quit()
    pygame.quit()


def test_not_sure_whether_it_is_a_digit_is_explained_against_not_a_digit(tmp_path: Path, home, user_of) -> None:
    # The 4 and "not a digit" nearly tie: not sure, and the doubt is the 11th output, not a digit.
    app = started(eleven(tmp_path / "w.npz", d4=5.0, x=4.9), user_of, view="inside")
    v = verdict(app.reading, app.recogniser.thresholds)
    assert (v.kind, v.doubt, v.headline) == ("unsure", "not-digit", "4?")
    assert (app.inside.votes.cls, app.inside.evidence.other) == (4, NOT_A_DIGIT)
    app.quit()
    pygame.quit()


def test_the_answer_is_judged_once_when_the_drawing_is_read() -> None:
    # A reading made by the recogniser carries its answer; the view says that one, not one judged
    # again at other thresholds (one place decides, once per reading).
    judged = Answer("sure", 3, 8, 0.9, 0.0, False)
    r = Reading(np.zeros((28, 28)), np.eye(CLASSES)[3] * 0.55 + 0.05, 0.0, 0.5, judged=judged)
    assert r.answer(Thresholds(sure=0.99)).kind == "unsure"  # judged again it would be "not sure"
    assert verdict(r, Thresholds(sure=0.99)).kind == "sure"


@pytest.mark.parametrize("view", ["plain", "inside"])
def test_the_app_reads_through_the_one_read_path(models, home, user_of, view: str) -> None:
    # The app's reading comes from Recogniser.read (as evaluate.py's does): judged, and in the inside
    # view the pass it explains is the reading's own.
    app = started(models["sure"], user_of, view=view)
    reading = app.reading
    assert reading is not None and reading.judged is not None and reading.forward is not None
    assert verdict(reading, app.recogniser.thresholds).answer is reading.judged
    if view == "inside":
        assert app.inside is not None and app.inside.forward is reading.forward
    app.quit()
    pygame.quit()
