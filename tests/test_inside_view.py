"""The inside view (app/inside_view.py) drawn off-screen with SDL's dummy driver: it draws at the
sizes the app uses, the unit grid follows the drawing, and clicks land on the right units and buttons.

A random 784-925-10 network stands in for the bundled one, so nothing here needs trained weights."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame initialises anything
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from app.inside_preview import SIZES, explained, main, render, scenes  # noqa: E402
from app.inside_view import InsideState, InsideView  # noqa: E402
from app.layout import compute_layout  # noqa: E402
from app.theme import CLASSROOM, DESK  # noqa: E402
from model import inside  # noqa: E402
from model.mlp import MLP  # noqa: E402
from model.recognise import Recogniser  # noqa: E402
from model.sketches import sketch  # noqa: E402
from model.weights import load, save  # noqa: E402


@pytest.fixture(scope="module")
def recogniser(tmp_path_factory: pytest.TempPathFactory) -> Recogniser:
    path = tmp_path_factory.mktemp("model") / "w.npz"
    model = MLP([784, 925, 10], seed=1)
    model.biases[0] -= 0.3  # like a trained net, most units stay silent for a given drawing
    save(path, model, {"input": {}, "temperature": 1.3})
    return Recogniser(*load(path))


@pytest.fixture(scope="module")
def units(recogniser: Recogniser) -> inside.Units:
    return inside.units(recogniser.model)


@pytest.fixture(autouse=True)
def display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.quit()


def frame(recogniser, units, drawing, size=(1280, 800), classroom=False, view=None, state=None):
    """Draw one frame; returns the surface, the state and the Inside it showed."""
    state = state or InsideState()
    view = view or InsideView()
    canvas, rect, scale = split(*size, classroom)
    strokes = [p * canvas.w for p in drawing] if drawing else []
    _, ins = explained(recogniser, units, strokes, canvas.w)
    surface = pygame.Surface(size)
    view.draw(surface, rect, ins, units, CLASSROOM if classroom else DESK, scale, state)
    return surface, state, ins


def split(w: int, h: int, classroom: bool) -> tuple[pygame.Rect, pygame.Rect, float]:
    """The app's canvas and inside-view rectangles (and scale) at this size."""
    lay = compute_layout(w, h, classroom, panel=True)
    return lay.canvas, lay.panel, lay.scale


def cell_centre(state: InsideState, unit: int) -> tuple[int, int]:
    grid = state._units[0]
    i = int(np.flatnonzero(grid.shown == unit)[0])
    return grid.x + (i % grid.cols) * grid.step_x + grid.step_x // 2, grid.y + (i // grid.cols) * grid.step_y + 1


@pytest.mark.parametrize("w,h,classroom", SIZES)
def test_draws_every_scene_and_the_empty_canvas_at_every_size(recogniser, units, w, h, classroom) -> None:
    view = InsideView()
    for drawing in [None, *scenes().values()]:
        for gallery in (False, True):
            state = InsideState(gallery=gallery, selected=int(units.order[2]) if gallery else None)
            surface, state, ins = frame(recogniser, units, drawing, (w, h), classroom, view, state)
            assert (ins is None) == (drawing is None)
            assert state._units, "the grid or the gallery registered where its units are"
            assert np.asarray(pygame.surfarray.pixels3d(surface)).std() > 10  # something was painted


def test_the_unit_grid_lights_the_units_that_fire(recogniser, units) -> None:
    view, state = InsideView(), InsideState()
    pictures = []
    for drawing in (sketch(1), sketch(8)):
        surface, state, ins = frame(recogniser, units, drawing, view=view, state=state)
        hidden = ins.forward.hidden[0]
        silent, firing = int(np.flatnonzero(hidden == 0)[0]), int(np.argmax(hidden))
        assert surface.get_at(cell_centre(state, silent))[:3] == DESK.track
        assert surface.get_at(cell_centre(state, firing))[:3] != DESK.track
        g = state._units[0]
        area = pygame.Rect(g.x, g.y, g.cols * g.step_x, g.rows * g.step_y)
        pictures.append(pygame.surfarray.array3d(surface.subsurface(area)))
    assert (pictures[0] != pictures[1]).any(), "a different drawing lights different units"


def test_clicks_select_units_open_the_gallery_and_turn_pages(recogniser, units) -> None:
    view = InsideView()
    _, state, _ = frame(recogniser, units, sketch(4), view=view)
    unit = int(units.order[40])
    pos = cell_centre(state, unit)
    assert state.unit_at(pos) == unit
    assert state.unit_at((0, 0)) is None
    assert state.click(pos) and state.selected == unit and state.gallery  # the grid opens the gallery
    _, state, _ = frame(recogniser, units, sketch(4), view=view, state=state)
    tiles = state._units[0]
    assert unit in tiles.shown, "the gallery opened on the selected unit's page"
    page = state.page
    assert state.click(state._buttons["next"].center) and state.page == (page + 1) % state.pages
    assert state.click(state._buttons["prev"].center) and state.page == page
    other = int(tiles.shown[0])
    assert state.click((tiles.x + 2, tiles.y + 2)) and state.selected == other
    assert state.click(state._buttons["gallery"].center) and not state.gallery
    assert not state.click((0, 0))
    state.turn(-1)  # from the first page backwards: wraps to the last
    assert state.gallery and state.page == (page - 1) % state.pages


def test_preview_writes_pngs(tmp_path: Path, recogniser: Recogniser) -> None:
    weights = tmp_path / "w.npz"
    save(weights, recogniser.model, recogniser.meta)
    assert main(["--out", str(tmp_path / "png"), "--weights", str(weights), "--scene", "corner"]) == 0
    names = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert len(names) == 6 and "inside-corner-1280x720.png" in names and "inside-gallery-1920x1080.png" in names
    assert pygame.image.load(str(tmp_path / "png" / "inside-corner-1920x1080.png")).get_size() == (1920, 1080)


def test_render_shows_the_drawing_and_its_answer(recogniser, units) -> None:
    a = render(recogniser, units, sketch(7), (1280, 720), True)
    b = render(recogniser, units, sketch(0), (1280, 720), True)
    assert a.get_size() == (1280, 720)
    assert (pygame.surfarray.array3d(a) != pygame.surfarray.array3d(b)).any()


def test_the_pointer_lights_buttons_and_names_the_unit_under_it(recogniser, units) -> None:
    view = InsideView()
    canvas, rect, scale = split(1280, 800, False)
    strokes = [p * canvas.w for p in sketch(3)]
    _, ins = explained(recogniser, units, strokes, canvas.w)
    state = InsideState()
    plain = pygame.Surface((1280, 800))
    view.draw(plain, rect, ins, units, DESK, scale, state)
    unit = int(units.order[0])
    over_unit, over_button = cell_centre(state, unit), state._buttons["gallery"].center
    for pointer, where in ((over_unit, "unit"), (over_button, "button")):
        lit = pygame.Surface((1280, 800))
        view.draw(lit, rect, ins, units, DESK, scale, state, pointer=pointer)
        changed = np.argwhere((pygame.surfarray.array3d(lit) != pygame.surfarray.array3d(plain)).any(axis=2))
        assert len(changed), where
        if where == "button":  # only the button changed colour
            assert state._buttons["gallery"].collidepoint(*changed.min(axis=0))
        else:  # a label appeared next to the pointer
            assert np.abs(changed - np.array(pointer)).max() < 400
    assert not state.gallery, "hovering changes nothing"


def test_the_evidence_map_is_two_colours_on_black_every_stroke_one_or_the_other(recogniser) -> None:
    from app.inside_state import BLUE, ORANGE, evidence_rgb

    f = inside.forward(recogniser.model, recogniser.read([s * 560 for s in sketch(3)]).image, 1.0)
    e = inside.evidence(recogniser.model, f)
    rgb = evidence_rgb(e.map, f.image).astype(np.float64)
    ink, blank = f.image > 0.5, f.image <= 0.05
    assert (rgb[blank] == 0).all(), "no ink: black"
    # Each inked pixel is orange or blue (at some brightness, never dark): two colours, no grey.
    hues = {tuple(np.round(np.array(c) / max(c), 1)) for c in (ORANGE, BLUE)}
    seen = {tuple(np.round(p / p.max(), 1)) for p in rgb[ink]}
    assert seen <= hues and len(seen) == 2, seen
    assert rgb[ink].max(axis=1).min() >= 0.35 * min(max(ORANGE), max(BLUE)), "the weakest ink still shows"


def test_the_evidence_sums_in_words_add_up_to_the_lead(recogniser) -> None:
    from app.inside_state import evidence_words

    f = inside.forward(recogniser.model, recogniser.read([s * 560 for s in sketch(7)]).image, 1.0)
    e = inside.evidence(recogniser.model, f)
    words = evidence_words(e, won=True)
    orange, blue = (float(w.split(": ")[1].split(" ")[0]) for w in words[:2])
    assert words[0].endswith(f"for {e.top}") and words[1].endswith(f"for {e.other}")
    head = 0.0 if words[2].startswith("no head start") else float(words[2].split()[2])
    sign = 1 if words[2].endswith(f"for {e.top}") else -1
    lead = float(words[3].rsplit(" ", 1)[1])
    assert words[3].startswith(f"{e.top} wins by")
    assert orange - blue + sign * head == pytest.approx(lead, abs=0.2), words
    assert not any(w in " ".join(words) for w in ("pixels", "biases", "-0.0")), "words, not terms"
