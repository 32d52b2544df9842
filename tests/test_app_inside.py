"""The inside view in the real app (issue 11): switching views by key, button and command line,
the explanation following the drawing, clicks routed to the unit grid and the gallery, and a model
swapped in while the app runs (`App.use_recogniser`).

Real App on the dummy display, driven with posted pygame events (tests/conftest.py's `user`).
"""

from __future__ import annotations

import math
import subprocess
import sys
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pygame
import pytest

import main as main_module
from app import keys
from app.app import App
from app.panels import INSIDE, PLAIN
from app.readout import CROSS
from app.startup import load_recogniser
from app.window import MIN_SIZE
from model.config import BUNDLED_WEIGHTS, CLASSES, INPUTS
from model.mlp import MLP
from model.recognise import Recogniser
from tests.drawn import draw, drawings, misfits

REPO = Path(__file__).resolve().parent.parent


def three() -> list[tuple[float, float]]:
    top = [(0.5 + 0.2 * math.cos(a), 0.32 + 0.14 * math.sin(a)) for a in np.linspace(-2.7, 1.6, 30)]
    bottom = [(0.5 + 0.22 * math.cos(a), 0.62 + 0.16 * math.sin(a)) for a in np.linspace(-1.6, 2.7, 30)]
    return top + bottom


def grid_cell(app: App, unit: int) -> tuple[int, int]:
    """Window position of a unit's square in the inside view's hidden-layer grid (as last drawn)."""
    grid = app.panels[INSIDE].state._units[0]
    i = int(np.flatnonzero(grid.shown == unit)[0])
    return grid.x + (i % grid.cols) * grid.step_x + grid.step_x // 2, grid.y + (i // grid.cols) * grid.step_y + 1


class CountingModel:
    """The real network, counting its forward passes."""

    def __init__(self, real: MLP) -> None:
        self.real, self.calls = real, 0

    # Prediction goes through `layers` (every layer's output, one pass); count both entry points.
    def layers(self, x: np.ndarray):
        self.calls += 1
        return self.real.layers(x)

    def forward(self, x: np.ndarray):
        self.calls += 1
        return self.real.forward(x)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_n_switches_views_and_keeps_the_drawing(app: App, user) -> None:
    assert app.mode == PLAIN and app.layout.panel.w == 0 and app.inside is None
    user.stroke(three())
    app.step()
    strokes = [s.points.copy() for s in app.drawing.strokes]
    plain = app.reading.probs.copy()
    user.key(pygame.K_n, "n")
    app.step()
    assert app.mode == INSIDE and app.layout.panel.w > app.layout.canvas.w
    assert app.inside is not None, "opening the view explains the drawing already there"
    np.testing.assert_allclose(app.inside.forward.probs, app.reading.probs, rtol=1e-6)
    np.testing.assert_allclose(app.reading.probs, plain, rtol=1e-5)
    assert not app.layout.canvas.colliderect(app.layout.panel)
    user.key(pygame.K_n, "n")
    app.step()
    assert app.mode == PLAIN and app.layout.panel.w == 0 and app.inside is None
    assert all(np.array_equal(a, b.points) for a, b in zip(strokes, app.drawing.strokes, strict=True))
    np.testing.assert_allclose(app.reading.probs, plain, rtol=1e-5)


def test_the_toolbar_button_switches_views(app: App, user) -> None:
    user.post(pygame.MOUSEBUTTONDOWN, pos=app.layout.buttons["view"].center, button=1)
    user.post(pygame.MOUSEBUTTONUP, pos=app.layout.buttons["view"].center, button=1)
    app.step()
    assert app.mode == INSIDE
    # The button moved with the layout; it is lit (the "on" colour) while the view is open.
    button = app.layout.buttons["view"]
    assert app.screen.get_at((button.centerx, button.y + 3))[:3] == app.theme.button_on  # above its label
    user.post(pygame.MOUSEBUTTONDOWN, pos=button.center, button=1)
    app.step()
    assert app.mode == PLAIN and app.drawing.is_empty, "a click on the button draws nothing"


def test_the_inside_view_follows_the_stroke_with_one_forward_pass_per_frame(app: App, user) -> None:
    user.key(pygame.K_n, "n")
    app.step()
    assert app.inside is None, "nothing drawn: nothing to explain"
    counter = CountingModel(app.recogniser.model)
    app.recogniser.model = counter
    pts = three()
    user.stroke(pts[:15], release=False)
    app.step()
    first = app.inside
    assert first is not None and app.drawing.drawing, "explained while the pen is still down"
    assert counter.calls == 1
    for p in pts[15:]:
        user.post(pygame.MOUSEMOTION, pos=user.at(*p), rel=(0, 0), buttons=(1, 0, 0))
    app.step()
    later = app.inside
    assert counter.calls == 2, "45 motion events, one frame: one forward pass"
    assert later is not first
    assert not np.array_equal(later.forward.hidden[-1], first.forward.hidden[-1]), "the units follow the pen"
    for ins in (first, later):
        assert ins.forward.active == int((ins.forward.hidden[-1] > 0).sum())
        assert ins.votes.cls == ins.forward.top
        # The votes of every unit plus the bias are the logits: what the view shows adds up.
        np.testing.assert_allclose(
            ins.votes.contributions.sum(axis=0) + ins.votes.bias, ins.forward.logits, rtol=1e-4, atol=1e-4
        )
    assert later.forward.top == app.reading.top
    np.testing.assert_allclose(later.forward.probs, app.reading.probs)
    app.step()
    assert counter.calls == 2, "no change, no forward pass"
    user.key(pygame.K_c, "c")
    app.step()
    assert app.inside is None and app.reading is None


def test_clicks_in_the_grid_and_the_gallery_pick_units(app: App, user) -> None:
    user.stroke(three())
    user.key(pygame.K_n, "n")
    app.step()
    state = app.panels[INSIDE].state
    unit = int(app.reader.units.order[5])
    where = grid_cell(app, unit)
    user.post(pygame.MOUSEBUTTONDOWN, pos=where, button=1)
    user.post(pygame.MOUSEBUTTONUP, pos=where, button=1)
    app.step()
    assert state.selected == unit and state.gallery, "a click in the grid opens the gallery on the unit"
    assert len(app.drawing.strokes) == 1, "clicks in the panel never draw"
    tiles = state._units[0]
    assert unit in tiles.shown
    other = int(tiles.shown[0]) if int(tiles.shown[0]) != unit else int(tiles.shown[1])
    i = int(np.flatnonzero(tiles.shown == other)[0])
    pos = (tiles.x + (i % tiles.cols) * tiles.step_x + 3, tiles.y + (i // tiles.cols) * tiles.step_y + 3)
    user.post(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)
    app.step()
    assert state.selected == other
    user.key(pygame.K_g, "g")  # G: back to the overview
    app.step()
    assert not state.gallery
    user.key(pygame.K_PAGEDOWN)  # a page key opens the gallery on the next page
    app.step()
    assert state.gallery


def test_gallery_keys_page_through_the_units(model_file: Path, home: Path, user_of) -> None:
    big = Recogniser.from_file(model_file)
    big.model = MLP([INPUTS, 300, CLASSES], seed=2)  # enough units for several gallery pages
    a = App(big, size=(1280, 800))
    try:
        pygame.event.clear()
        user = user_of(a)
        user.key(pygame.K_RIGHT)  # page keys do nothing in the plain view
        a.step()
        assert a.mode == PLAIN
        user.key(pygame.K_g, "g")  # G opens the inside view on the gallery
        a.step()
        state = a.panels[INSIDE].state
        assert a.mode == INSIDE and state.gallery and state.pages > 1 and state.page == 0
        user.key(pygame.K_PAGEDOWN)
        a.step()
        assert state.page == 1
        user.key(pygame.K_LEFT)
        user.key(pygame.K_LEFT)
        a.step()
        assert state.page == state.pages - 1, "paging wraps round"
    finally:
        pygame.quit()


def inside_of_a_three(model_file: Path, user_of, classroom: bool, size: tuple[int, int]) -> App:
    """A real App in a window of `size`, a 3 drawn with posted mouse events, then N pressed."""
    a = App(Recogniser.from_file(model_file), classroom=classroom, fullscreen=False, size=size)
    pygame.event.clear()
    user = user_of(a)
    user.stroke(three())
    user.key(pygame.K_n, "n")
    a.step()
    return a


def test_classroom_mode_switches_too(model_file: Path, home: Path, user_of) -> None:
    a = inside_of_a_three(model_file, user_of, classroom=True, size=(1280, 720))
    try:
        assert a.mode == INSIDE and a.inside is not None
        assert a.layout.canvas.w >= 300, "the canvas stays big enough to draw on"
        assert pygame.Rect((0, 0), a.screen.get_size()).contains(a.layout.panel)
    finally:
        pygame.quit()


def test_use_recogniser_swaps_the_model_and_reads_again(app: App, user) -> None:
    user.stroke(three())
    user.key(pygame.K_n, "n")
    app.step()
    before = app.inside
    assert app.reader.units.count == 32
    rec = Recogniser(MLP([INPUTS, 48, CLASSES], seed=5), app.recogniser.meta)  # another network
    app.use_recogniser(rec, "Model: your 48-neuron model, 91.0%")
    assert app.recogniser is rec and app.reader.units.count == 48
    assert app.inside is not None and app.inside is not before and app.inside.forward.hidden[-1].shape == (48,)
    again = rec.read(app.drawing.point_arrays(app.layout.canvas.w))
    np.testing.assert_allclose(app.reading.probs, again.probs, rtol=1e-5)
    assert pygame.display.get_caption()[0] == "Digitpad \u2014 Model: your 48-neuron model, 91.0%"
    app.step()  # the view draws with the new units
    assert len(app.panels[INSIDE].state._units[0].shown) == 48
    app.use_recogniser(rec, None)
    assert pygame.display.get_caption()[0] == "Digitpad"


def test_the_model_label_is_drawn(model_file: Path, home: Path) -> None:
    """The header (or, without room there, the prediction card) names the model."""
    for panel in (False, True):
        a = App(Recogniser.from_file(model_file), size=(1280, 800), model_label="Model: w.npz")
        try:
            if panel:
                a.toggle_view(INSIDE)
            a.step()
            without = pygame.surfarray.array3d(a.screen).copy()
            a.model_label = None
            a.step()
            changed = (pygame.surfarray.array3d(a.screen) != without).any(axis=2)
            assert changed.any(), panel
            xs, ys = np.nonzero(changed)
            # In the card it takes the title line, in place of "Prediction".
            area = a.layout.header if not a.layout.model_label.w else a.layout.prediction_title
            assert area.inflate(4, 4).collidepoint(int(xs.min()), int(ys.min())), panel
        finally:
            pygame.quit()


def test_view_flag_starts_in_the_inside_view(model_file: Path, home: Path, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(App, "run", lambda self, max_frames=None: seen.append((self.mode, self.layout.panel.w)) or 0)
    assert main_module.main(["--weights", str(model_file), "--view", "inside"]) == 0
    assert seen[0][0] == INSIDE and seen[0][1] > 0
    pygame.quit()
    assert main_module.main(["--weights", str(model_file)]) == 0
    assert seen[1] == (PLAIN, 0)
    pygame.quit()


def test_view_flag_from_the_command_line(model_file: Path, home: Path) -> None:
    ok = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--weights", str(model_file), "--view", "inside",
         "--exit-after-first-frame"],
        capture_output=True, text=True, timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--view", "sideways"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "inside" in bad.stderr


def test_the_key_table_has_the_view_keys() -> None:
    rows = " ".join(b.plain_keys + " " + b.does for b in keys.BINDINGS)
    assert "N or the Inside button" in rows and "PgUp" in rows and "gallery" in rows
    assert keys.action_for(pygame.K_n, "n", 0) == ("toggle_inside", None)
    assert keys.action_for(pygame.K_g, "g", 0) == ("inside_gallery", None)
    assert keys.action_for(pygame.K_PAGEUP, "", 0) == ("inside_previous", None)


def test_the_help_overlay_and_the_inside_view_together(app: App, user) -> None:
    user.stroke(three())
    user.key(pygame.K_n, "n")
    app.step()
    user.key(pygame.K_h, "h")
    app.step()
    assert app.show_help and app.mode == INSIDE
    where = grid_cell(app, int(app.reader.units.order[0]))
    user.post(pygame.MOUSEBUTTONDOWN, pos=where, button=1)  # closes the help, picks nothing
    app.step()
    assert not app.show_help and app.panels[INSIDE].state.selected is None


@pytest.fixture(scope="module")
def eleven(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random network with the 11th output, "not a digit": the output panel has 11 rows."""
    from model.weights import save

    path = tmp_path_factory.mktemp("eleven") / "w.npz"
    save(path, MLP([INPUTS, 64, CLASSES + 1], seed=3), {"input": {}, "temperature": 1.0})
    return path


# (window, classroom, least row height px, least text height px). The old panel's rows were 22, 15,
# 19 and 11 px high (type 18, 12, 17 and 10 px) while the rest of the view's headings were 32, 21,
# 18 and 10 px: at the back of a classroom the output was the one panel nobody could read.
LEGIBLE = [
    ((1920, 1080), True, 28, 27),
    ((1280, 720), True, 19, 18),
    ((1280, 800), False, 21, 20),
    ((560, 420), False, 12, 11),
]


@pytest.mark.parametrize("size, classroom, row_min, text_min", LEGIBLE)
def test_the_output_panel_is_legible_and_everything_in_it_fits(
    eleven: Path, home: Path, user_of, size, classroom: bool, row_min: int, text_min: int
) -> None:
    a = inside_of_a_three(eleven, user_of, classroom, size)
    try:
        state = a.panels[INSIDE].state
        card, rows = state._cards["output"], state._output_rows
        assert a.layout.panel.contains(card)
        assert len(rows) == CLASSES + 1, "ten digits and 'not a digit'"
        for k, row in enumerate(rows):
            assert row["row"].h >= row_min, f"row {k} is {row['row'].h} px high"
            for part in ("label", "value", "pct"):
                assert row[part].h >= text_min, f"row {k}'s {part} is {row[part].h} px high"
            for name, rect in row.items():
                assert card.contains(rect), f"row {k}'s {name} {rect} spills out of the card {card}"
                if name != "row":
                    assert row["row"].contains(rect), f"row {k}'s {name} {rect} leaves its row {row['row']}"
            texts = [row[p] for p in ("label", "value", "pct")]
            for r1, r2 in combinations([*texts, row["track"]], 2):
                assert not r1.colliderect(r2), f"row {k}: {r1} overlaps {r2}"
            assert not row["logit"].colliderect(row["value"]) and not row["logit"].colliderect(row["label"])
        for upper, lower in pairwise(rows):
            assert upper["row"].bottom <= lower["row"].top, "rows never overlap"
        # The answer's rows stand out: their numbers in the answer's colour, no other row's.
        v = a.scene().answer
        mark = {"sure": a.theme.accent, "unsure": a.theme.unsure}.get(v.kind, a.theme.text)
        for k, row in enumerate(rows):
            colours = {tuple(c) for c in pygame.surfarray.array3d(a.screen.subsurface(row["pct"])).reshape(-1, 3)}
            assert (mark in colours) == (k in v.marks), f"row {k}, answer {v.headline!r}"
        # "Not a digit" is set apart: more space above it than between the digits.
        digits_gap = rows[1]["row"].top - rows[0]["row"].bottom
        assert rows[-1]["row"].top - rows[-2]["row"].bottom > digits_gap
        # The voters above gave up height for it, and still fit their card: labels, pictures and
        # votes inside it, none on another.
        voters = state._cards["voters"]
        assert len(state._voters) >= 2 + 2 * 2, "both labels and at least two voters a row"
        for r in state._voters:
            assert voters.contains(r), f"{r} spills out of the voters' card {voters}"
        for r1, r2 in combinations(state._voters, 2):
            assert not r1.colliderect(r2), f"the voters' {r1} and {r2} overlap"
    finally:
        pygame.quit()


# Small windows, in both looks: a teacher may run classroom mode in a window on a small projector.
# 560x420 is the smallest window the app allows; square and portrait windows put the panel under
# the canvas (wide and short at 560x560 and 600x800); 1280x720 is a common projector.
SMALL = [MIN_SIZE, (640, 480), (800, 600), (1024, 768), (560, 560), (600, 800), (600, 900), (1280, 720)]


def _misfits(a: App) -> list[str]:
    """What the inside view drew last frame outside its card, or on something else it drew."""
    return misfits(a.panels[INSIDE].state._drawn, a.layout.panel)


@pytest.mark.skipif(not BUNDLED_WEIGHTS.is_file(), reason=f"{BUNDLED_WEIGHTS.name} not trained yet")
@pytest.mark.parametrize("classroom", [False, True], ids=["desk", "classroom"])
@pytest.mark.parametrize("size", SMALL, ids=[f"{w}x{h}" for w, h in SMALL])
def test_nothing_in_the_inside_view_is_cut_or_overlaps_at_small_windows(
    home: Path, user_of, size: tuple[int, int], classroom: bool
) -> None:
    """Every text, picture and button of the overview and the gallery lies inside its card and on
    nothing else: empty, with a sure 3, a "not sure" 4 / 9 and a scribble that is no digit."""

    a = App(load_recogniser(BUNDLED_WEIGHTS), classroom=classroom, fullscreen=False, size=size)
    try:
        pygame.event.clear()
        user = user_of(a)
        user.key(pygame.K_n, "n")
        state = a.panels[INSIDE].state
        state.selected = int(a.reader.units.order[0])  # the gallery's unit panel shows a unit
        problems = []
        for kind, strokes in {"nothing": [], **drawings(a.layout.canvas.w)}.items():
            draw(a, user, kind, strokes)
            for gallery in (False, True):
                state.gallery = gallery
                a.step()
                assert state._drawn, "the view says what it drew"
                page = "gallery" if gallery else "overview"
                problems += [f"{kind}, {page}: {p}" for p in _misfits(a)]
        assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:12])
    finally:
        pygame.quit()


def test_a_units_votes_include_not_a_digit_when_the_network_has_that_output(eleven: Path, home: Path,
                                                                             user_of) -> None:
    """The gallery's unit panel draws one vote bar per output: with the 11-output network, the
    unit's vote for "not a digit" is there too, under the cross, as in the output panel."""
    a = inside_of_a_three(eleven, user_of, classroom=False, size=(1280, 800))
    try:
        state = a.panels[INSIDE].state
        unit = int(a.reader.units.order[0])
        state.selected, state.gallery = unit, True
        a.step()
        drawn = state._drawn
        start = next(i for i, (what, _, _) in enumerate(drawn) if what == "its votes:")
        card = drawn[start][2]
        chart = [what for what, _, c in drawn[start + 1 :] if c == card]
        assert chart == ["bar", "0", "bar", "1", "bar", "2", "bar", "3", "bar", "4", "bar", "5", "bar", "6",
                         "bar", "7", "bar", "8", "bar", "9", "bar", CROSS], chart
    finally:
        pygame.quit()
