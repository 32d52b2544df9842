"""The Digitpad app, driven the way a user drives it: real pygame events through the real event loop.

Runs headless on SDL's dummy video driver (tests/conftest.py sets it, and holds the shared fixtures).
The model is a small random network written to a temporary file, so nothing here depends on the
bundled weights; the one test that needs correct answers uses them and is skipped when they are absent.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from app import keys
from app.app import App
from app.kit import wrap
from app.layout import compute_layout
from app.readout import percentages
from app.startup import load_recogniser
from model.config import BUNDLED_WEIGHTS
from model.drawing import Drawing, Stroke, erase_disc
from model.mlp import MLP
from model.recognise import Recogniser
from model.weights import save

REPO = Path(__file__).resolve().parent.parent
BUNDLED = BUNDLED_WEIGHTS


# -- fixtures and helpers ---------------------------------------------------------------------------


def at(app: App, u: float, v: float) -> tuple[int, int]:
    """Window pixel of the point (u, v) of the canvas, both in 0..1."""
    c = app.layout.canvas
    return round(c.x + u * c.w), round(c.y + v * c.h)


def post(kind: int, **attrs) -> None:
    pygame.event.post(pygame.event.Event(kind, **attrs))


def press_key(key: int, unicode: str = "", mod: int = 0) -> None:
    post(pygame.KEYDOWN, key=key, mod=mod, unicode=unicode, scancode=0)
    post(pygame.KEYUP, key=key, mod=mod, unicode=unicode, scancode=0)


def stroke(app: App, points: list[tuple[float, float]], button: int = 1, release: bool = True) -> None:
    """Post a pen-down, a motion per further point and (optionally) a pen-up, in canvas units."""
    held = (1, 0, 0) if button == 1 else (0, 0, 1)
    post(pygame.MOUSEBUTTONDOWN, pos=at(app, *points[0]), button=button)
    for p in points[1:]:
        post(pygame.MOUSEMOTION, pos=at(app, *p), rel=(0, 0), buttons=held)
    if release:
        post(pygame.MOUSEBUTTONUP, pos=at(app, *points[-1]), button=button)


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 60) -> list[tuple[float, float]]:
    return [
        (cx + rx * math.sin(2 * math.pi * i / n), cy - ry * math.cos(2 * math.pi * i / n))
        for i in range(n + 1)
    ]


def three() -> list[tuple[float, float]]:
    top = [(0.5 + 0.2 * math.cos(a), 0.32 + 0.14 * math.sin(a)) for a in np.linspace(-2.7, 1.6, 30)]
    bottom = [(0.5 + 0.22 * math.cos(a), 0.62 + 0.16 * math.sin(a)) for a in np.linspace(-1.6, 2.7, 30)]
    return top + bottom


def highlighted_pixels(app: App) -> int:
    """Pixels in the bars area drawn in a highlight colour (top class, or the not-sure pair)."""
    area = app.layout.bars
    pixels = pygame.surfarray.pixels3d(app.screen)[area.left : area.right, area.top : area.bottom]
    count = 0
    for colour in (app.theme.accent, app.theme.unsure):
        count += int(np.all(pixels == np.array(colour, dtype=np.uint8), axis=-1).sum())
    del pixels  # release the surface lock
    return count


# -- drawing and the live readout ----------------------------------------------------------------------


def test_empty_canvas_shows_no_prediction_and_no_bars(app: App) -> None:
    assert app.drawing.is_empty
    assert app.reading is None
    assert highlighted_pixels(app) == 0
    assert "help" in app.status()[0].lower()


def test_drawing_produces_a_prediction_and_highlighted_bars(app: App) -> None:
    stroke(app, three())
    app.step()
    assert not app.drawing.is_empty and len(app.drawing.strokes) == 1
    assert app.reading is not None
    assert app.reading.probs.shape == (10,)
    assert math.isclose(float(app.reading.probs.sum()), 1.0, rel_tol=1e-5)
    assert highlighted_pixels(app) > 50


def test_bars_update_while_the_stroke_is_drawn(app: App) -> None:
    pts = three()
    stroke(app, pts[:12], release=False)
    app.step()
    assert app.drawing.drawing, "the pen is still down"
    first = app.reading
    assert first is not None, "a reading must appear before the button is released"
    assert highlighted_pixels(app) > 0
    for p in pts[12:]:
        post(pygame.MOUSEMOTION, pos=at(app, *p), rel=(0, 0), buttons=(1, 0, 0))
    app.step()
    assert app.drawing.drawing
    assert app.reading is not first
    assert not np.allclose(app.reading.probs, first.probs), "the bars follow the pen"
    assert not np.array_equal(app.reading.image, first.image)
    post(pygame.MOUSEBUTTONUP, pos=at(app, *pts[-1]), button=1)
    app.step()
    assert not app.drawing.drawing and len(app.drawing.strokes) == 1


def test_network_reads_at_most_once_per_frame(app: App) -> None:
    before = len(app.read_times)
    stroke(app, three())  # 60 events in one frame
    app.step()
    assert len(app.read_times) == before + 1
    app.step()  # nothing changed: no new reading
    assert len(app.read_times) == before + 1


def test_fast_stroke_leaves_no_gap(app: App) -> None:
    # Two events far apart, as a quick flick produces: the ink must be continuous between them.
    stroke(app, [(0.1, 0.5), (0.9, 0.5)])
    app.step()
    ink = app.view.ink.surface
    side = ink.get_width()
    y = round(0.5 * side)
    row = [ink.get_at((round(u * side), y))[:3] for u in np.linspace(0.15, 0.85, 30)]
    assert all(px == app.theme.ink for px in row)


def test_displayed_percentages_sum_to_100(app: App) -> None:
    stroke(app, ellipse(0.5, 0.5, 0.2, 0.3))
    app.step()
    shown = percentages(app.reading.probs)
    assert sum(shown) == 100 and all(v >= 0 for v in shown)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=10, max_size=10))
def test_percentages_always_sum_to_100(raw: list[float]) -> None:
    shown = percentages(raw)
    assert sum(shown) == 100
    total = sum(raw)
    if total > 0:
        # Largest remainder never moves a class by a whole point or more from its exact share.
        for v, p in zip(shown, raw):
            assert abs(v - 100 * p / total) < 1


def test_odd_input_does_not_crash(app: App) -> None:
    c = app.layout.canvas
    post(pygame.MOUSEBUTTONDOWN, pos=(c.right + 50, c.bottom + 50), button=1)  # off the canvas
    post(pygame.MOUSEBUTTONUP, pos=(5, 5), button=1)
    post(pygame.MOUSEBUTTONDOWN, pos=at(app, 0.5, 0.5), button=2)  # middle button: nothing
    post(pygame.MOUSEBUTTONDOWN, pos=at(app, 0.5, 0.5), button=4)  # old-style wheel
    post(pygame.MOUSEWHEEL, x=0, y=1, flipped=False)
    post(pygame.MOUSEBUTTONUP, pos=at(app, 0.5, 0.5), button=1)  # up without down
    post(pygame.MOUSEMOTION, pos=(-10_000, 99_999), rel=(0, 0), buttons=(1, 0, 0))
    post(pygame.KEYDOWN, key=pygame.K_F5, mod=0, unicode="", scancode=0)
    post(pygame.KEYDOWN, key=pygame.K_x, mod=pygame.KMOD_CTRL, unicode="\x18", scancode=0)
    app.step()
    assert app.running and app.drawing.is_empty and app.reading is None
    # A single click is a dot: a valid, readable drawing.
    stroke(app, [(0.5, 0.5)])
    # Dragging far outside the canvas keeps the ink on the canvas.
    stroke(app, [(0.2, 0.2), (5.0, -3.0)])
    app.step()
    assert len(app.drawing.strokes) == 2 and app.reading is not None
    pts = np.concatenate([s.points for s in app.drawing.strokes])
    assert pts.min() >= 0 and pts.max() <= 1


def test_lost_button_up_ends_the_stroke(app: App) -> None:
    stroke(app, [(0.3, 0.3), (0.4, 0.4)], release=False)
    app.step()
    assert app.drawing.drawing
    post(pygame.MOUSEMOTION, pos=at(app, 0.6, 0.6), rel=(0, 0), buttons=(0, 0, 0))
    app.step()
    assert not app.drawing.drawing and len(app.drawing.strokes) == 1


# -- editing ---------------------------------------------------------------------------------------------


def test_c_key_clears(app: App) -> None:
    stroke(app, three())
    app.step()
    press_key(pygame.K_c, "c")
    app.step()
    assert app.drawing.is_empty and app.reading is None
    assert highlighted_pixels(app) == 0


@pytest.mark.parametrize("key", [pygame.K_BACKSPACE, pygame.K_DELETE])
def test_backspace_and_delete_clear(app: App, key: int) -> None:
    stroke(app, three())
    press_key(key)
    app.step()
    assert app.drawing.is_empty


def test_clear_button_click_clears(app: App) -> None:
    stroke(app, three())
    app.step()
    button = app.layout.buttons["clear"]
    post(pygame.MOUSEBUTTONDOWN, pos=button.center, button=1)
    post(pygame.MOUSEBUTTONUP, pos=button.center, button=1)
    app.step()
    assert app.drawing.is_empty and app.reading is None


def test_ctrl_z_undoes_strokes_and_clear(app: App) -> None:
    stroke(app, [(0.2, 0.2), (0.2, 0.8)])
    stroke(app, [(0.6, 0.2), (0.6, 0.8)])
    app.step()
    assert len(app.drawing.strokes) == 2
    press_key(pygame.K_z, "\x1a", pygame.KMOD_LCTRL)
    app.step()
    assert len(app.drawing.strokes) == 1
    assert app.drawing.strokes[0].points[0][0] == pytest.approx(0.2, abs=0.01)
    press_key(pygame.K_c, "c")
    press_key(pygame.K_z, "\x1a", pygame.KMOD_LCTRL)  # a clear is undoable too
    app.step()
    assert len(app.drawing.strokes) == 1 and app.reading is not None
    press_key(pygame.K_y, "\x19", pygame.KMOD_LCTRL)  # redo the clear
    app.step()
    assert app.drawing.is_empty


def test_right_drag_erases_and_splits_a_stroke(app: App) -> None:
    stroke(app, [(0.1, 0.5), (0.9, 0.5)])  # one long segment: only two points
    app.step()
    stroke(app, [(0.5, 0.2), (0.5, 0.5), (0.5, 0.8)], button=3)
    app.step()
    pieces = app.drawing.strokes
    assert len(pieces) == 2, "erasing the middle splits the line in two"
    left, right = sorted(pieces, key=lambda s: s.points[0][0])
    assert left.points[:, 0].max() < 0.45 and right.points[:, 0].min() > 0.55
    assert left.points[:, 0].min() == pytest.approx(0.1, abs=0.01)
    # The middle of the canvas is background again.
    side = app.view.ink.surface.get_width()
    assert app.view.ink.surface.get_at((side // 2, side // 2))[:3] == app.theme.canvas
    # The whole erase gesture is one undo step.
    press_key(pygame.K_z, "\x1a", pygame.KMOD_LCTRL)
    app.step()
    assert len(app.drawing.strokes) == 1 and len(app.drawing.strokes[0].points) == 2


def test_eraser_mode_erases_with_the_left_button(app: App) -> None:
    stroke(app, [(0.5, 0.1), (0.5, 0.9)])
    press_key(pygame.K_e, "e")
    app.step()
    assert app.eraser_mode
    stroke(app, [(0.3, 0.5), (0.7, 0.5)])
    app.step()
    assert len(app.drawing.strokes) == 2
    press_key(pygame.K_e, "e")
    stroke(app, [(0.1, 0.1), (0.2, 0.2)])
    app.step()
    assert not app.eraser_mode and len(app.drawing.strokes) == 3


def test_erasing_everything_empties_the_readout(app: App) -> None:
    stroke(app, [(0.5, 0.5), (0.52, 0.5)])
    app.step()
    assert app.reading is not None
    stroke(app, [(0.45, 0.5), (0.6, 0.5)], button=3)
    app.step()
    assert app.drawing.is_empty and app.reading is None


def test_brush_keys_change_the_width(app: App) -> None:
    width = app.brush_px
    press_key(pygame.K_RIGHTBRACKET, "]")
    app.step()
    assert app.brush_px > width
    for _ in range(20):
        press_key(pygame.K_LEFTBRACKET, "[")
    app.step()
    smallest = app.brush_px
    press_key(pygame.K_LEFTBRACKET, "[")
    app.step()
    assert app.brush_px == smallest > 0
    assert "Brush" in app.status()[0]
    stroke(app, [(0.3, 0.3), (0.6, 0.6)])
    app.step()
    assert app.drawing.strokes[-1].width == pytest.approx(smallest / app.layout.canvas.w)
    assert "Brush" not in app.status()[0], "the next stroke retires the message"


# -- window ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["VIDEORESIZE", "WINDOWRESIZED"])
def test_resize_keeps_the_drawing_and_adapts_the_layout(app: App, event: str) -> None:
    stroke(app, three())
    app.step()
    before = [s.points.copy() for s in app.drawing.strokes]
    old_canvas = app.layout.canvas.copy()
    if event == "VIDEORESIZE":
        post(pygame.VIDEORESIZE, w=800, h=1000, size=(800, 1000))
    else:
        post(pygame.WINDOWRESIZED, x=800, y=1000)
    app.step()
    assert app.screen.get_size() == (800, 1000) == app.layout.size
    c = app.layout.canvas
    assert c.w == c.h and c != old_canvas
    assert app.screen.get_rect().contains(c)
    assert app.layout.bars.top > c.bottom, "a tall window puts the readout under the canvas"
    assert all(np.array_equal(a, b.points) for a, b in zip(before, app.drawing.strokes))
    assert app.view.ink.surface.get_size() == c.size
    assert app.reading is not None and highlighted_pixels(app) > 0


@settings(max_examples=60, deadline=None)
@given(st.integers(200, 4000), st.integers(150, 3000), st.booleans())
def test_layout_fits_any_window(w: int, h: int, classroom: bool) -> None:
    lay = compute_layout(w, h, classroom)
    window = pygame.Rect(0, 0, w, h)
    assert lay.canvas.w == lay.canvas.h > 0
    assert lay.preview.w == lay.preview.h and lay.preview.w % 28 == 0
    if w >= 560 and h >= 420:  # the smallest window the app allows
        for rect in (lay.canvas, lay.toolbar, lay.prediction, lay.bars, lay.status, *lay.buttons.values()):
            assert window.contains(rect), rect
        assert not lay.canvas.colliderect(lay.bars) and not lay.canvas.colliderect(lay.prediction)
        assert not lay.bars.colliderect(lay.status) and not lay.toolbar.colliderect(lay.status)


def test_help_overlay_toggles(app: App) -> None:
    press_key(pygame.K_h, "h")
    app.step()
    assert app.show_help
    press_key(pygame.K_h, "h")  # any key closes it
    app.step()
    assert not app.show_help
    press_key(pygame.K_SLASH, "?", pygame.KMOD_LSHIFT)
    app.step()
    assert app.show_help
    press_key(pygame.K_ESCAPE)  # Esc closes the help rather than quitting
    app.step()
    assert not app.show_help and app.running


def test_fullscreen_toggle_does_not_crash(app: App) -> None:
    stroke(app, three())
    press_key(pygame.K_F11)
    app.step()
    assert app.layout.size == app.screen.get_size()
    press_key(pygame.K_f, "f")
    app.step()
    assert not app.fullscreen
    assert app.screen.get_size() == (1280, 800) == app.layout.size
    assert len(app.drawing.strokes) == 1


@pytest.mark.parametrize("how", ["q", "quit"])
def test_q_and_window_close_end_the_loop_when_nothing_would_be_lost(app: App, how: str) -> None:
    if how == "q":
        press_key(pygame.K_q, "q")
    else:
        post(pygame.QUIT)
    assert app.run(max_frames=50) == 0  # returns as soon as the event is handled
    assert not app.running and app.frames < 5


@pytest.mark.parametrize("view", ["plain", "inside", "learn"])
@pytest.mark.parametrize("how", ["q", "quit"])
def test_quitting_with_a_drawing_asks_first_in_every_view(app: App, view: str, how: str) -> None:
    app.show_view(view)
    stroke(app, three())
    app.step()

    def ask() -> None:
        press_key(pygame.K_q, "q") if how == "q" else post(pygame.QUIT)
        app.step()

    ask()
    assert app.running, "the first request only asks"
    text, kind = app.status()
    assert kind == "warn" and "drawing" in text and "again" in text
    assert app.drawing.strokes
    ask()
    assert not app.running, "a second request soon after quits"


def test_esc_never_quits_it_leaves_fullscreen_then_the_view(app: App) -> None:
    stroke(app, three())
    app.step()
    app.show_view("inside")
    app.toggle_fullscreen()
    app.step()
    assert app.fullscreen
    press_key(pygame.K_ESCAPE, "\x1b")
    app.step()
    assert app.running and not app.fullscreen and app.mode == "inside", "Esc left fullscreen only"
    press_key(pygame.K_ESCAPE, "\x1b")
    app.step()
    assert app.running and app.mode == "plain", "then it closed the view"
    for _ in range(3):
        press_key(pygame.K_ESCAPE, "\x1b")
        app.step()
    assert app.running and app.drawing.strokes
    assert "Q quits" in app.status()[0]


def test_p_and_the_big_button_switch_the_classroom_look_keeping_drawing_and_view(app: App) -> None:
    desk_body = app.layout.type.body
    stroke(app, three())
    app.show_view("inside")
    app.step()
    strokes = len(app.drawing.strokes)
    press_key(pygame.K_p, "p")
    app.step()
    assert app.classroom and app.theme.background == (0, 0, 0)
    assert app.layout.type.body > desk_body
    assert app.mode == "inside" and len(app.drawing.strokes) == strokes and app.reading is not None
    centre = app.layout.buttons["look"].center
    post(pygame.MOUSEBUTTONDOWN, pos=centre, button=1)
    post(pygame.MOUSEBUTTONUP, pos=centre, button=1)
    app.step()
    assert not app.classroom and app.layout.type.body == desk_body
    assert app.mode == "inside" and len(app.drawing.strokes) == strokes
    assert any(b.keys.startswith("`P`") for b in keys.BINDINGS), "the key table lists it"


def test_classroom_mode_has_bigger_type(model_file: Path, home: Path) -> None:
    rec = Recogniser.from_file(model_file)
    desk = compute_layout(1920, 1080)
    a = App(rec, classroom=True, fullscreen=False, size=(1920, 1080))
    try:
        a.step()
        assert a.layout.type.body > desk.type.body and a.layout.type.label > desk.type.label
        assert a.theme.text == (255, 255, 255) and a.theme.background == (0, 0, 0)
    finally:
        pygame.quit()


# -- saving ----------------------------------------------------------------------------------------------


def test_digit_key_labels_and_appends_the_drawing(app: App, home: Path) -> None:
    stroke(app, [(0.5, 0.1), (0.5, 0.9)])
    press_key(pygame.K_7, "7")
    app.step()
    path = home / "my-digits.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    sample = json.loads(lines[0])
    assert sample["label"] == 7
    side = app.layout.canvas.w
    (points,) = sample["strokes"]
    assert points[0][0] == pytest.approx(side / 2, abs=2) and points[-1][1] == pytest.approx(
        0.9 * side, abs=2
    )
    assert app.drawing.is_empty, "cleared for the next digit"
    assert app.saved == 1 and "Saved as 7" in app.status()[0]
    stroke(app, ellipse(0.5, 0.5, 0.2, 0.3))
    press_key(pygame.K_KP0, "0")
    app.step()
    labels = [json.loads(line)["label"] for line in path.read_text().splitlines()]
    assert labels == [7, 0] and app.saved == 2 and "2 drawings" in app.status()[0]


def test_saved_count_is_read_at_startup(model_file: Path, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "my-digits.jsonl").write_text('{"label":1,"strokes":[[[0,0],[0,1]]]}\n' * 3)
    a = App(Recogniser.from_file(model_file), size=(1000, 700))
    try:
        assert a.saved == 3
    finally:
        pygame.quit()


def test_digit_key_on_empty_canvas_does_nothing(app: App, home: Path) -> None:
    press_key(pygame.K_3, "3")
    press_key(pygame.K_s, "s")
    app.step()
    assert not home.exists() or not any(home.iterdir())
    assert app.saved == 0 and app.running
    assert "Nothing to save" in app.status()[0]


def test_s_saves_the_canvas_and_the_input_as_png(app: App, home: Path) -> None:
    stroke(app, three())
    press_key(pygame.K_s, "s")
    app.step()
    files = sorted(home.glob("drawing-*.png"))
    assert len(files) == 2
    canvas_png = next(f for f in files if not f.name.endswith("-input.png"))
    input_png = next(f for f in files if f.name.endswith("-input.png"))
    with Image.open(canvas_png) as im:
        assert im.size == app.layout.canvas.size and im.mode == "RGB"
        pixels = np.asarray(im)
        assert im.getpixel((0, 0)) == app.theme.canvas and tuple(pixels.max(axis=(0, 1))) == app.theme.ink
    with Image.open(input_png) as im:
        assert im.size == (28, 28)
        assert np.array_equal(np.asarray(im), np.round(app.reading.image * 255).astype(np.uint8))
    assert not list(home.glob(".*.tmp")), "no temporary files left behind"
    press_key(pygame.K_s, "s")  # same second: a second pair, nothing overwritten
    app.step()
    assert len(list(home.glob("drawing-*.png"))) == 4


# -- the drawing model on its own ----------------------------------------------------------------------


def test_erase_disc_cuts_a_segment_exactly() -> None:
    line = (Stroke.make([(0.0, 0.0), (1.0, 0.0)], width=0.0),)
    pieces = erase_disc(line, (0.5, 0.0), 0.1)
    assert len(pieces) == 2
    assert pieces[0].points[-1] == pytest.approx([0.4, 0.0])
    assert pieces[1].points[0] == pytest.approx([0.6, 0.0])
    assert erase_disc(line, (0.5, 0.5), 0.1) is line, "untouched strokes are left as they are"
    assert erase_disc(line, (0.5, 0.0), 2.0) == ()


def test_drawing_undo_redo_history() -> None:
    d = Drawing()
    d.begin(0.1, 0.1, 0.02)
    d.extend(0.1, 0.1)  # too close: ignored
    d.extend(0.2, 0.2)
    d.end(0.3, 0.3)
    assert len(d.strokes) == 1 and len(d.strokes[0].points) == 3
    d.begin(0.5, 0.5, 0.02)
    assert d.undo() and len(d.strokes) == 1 and not d.drawing, "undo mid-stroke drops that stroke"
    assert d.undo() and d.is_empty
    assert not d.undo()
    assert d.redo() and len(d.strokes) == 1
    d.begin(0.6, 0.6, 0.02)
    d.end()
    assert not d.redo(), "a new stroke forgets the undone future"


# -- main.py ---------------------------------------------------------------------------------------------


def run_main(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.parametrize("kind", ["missing", "empty", "garbage", "wrong-shape"])
def test_main_rejects_bad_weights_with_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "w.npz"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(os.urandom(3000))
    elif kind == "wrong-shape":
        save(path, MLP([100, 8, 10], seed=0), {"input": {}})  # a valid file, but not for 28x28 images
    result = run_main("--weights", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitpad: ") and str(path) in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_main_rejects_bad_arguments(tmp_path: Path) -> None:
    result = run_main("--size", "huge")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_main_starts_and_draws_a_frame(model_file: Path, home: Path) -> None:
    result = run_main("--weights", str(model_file), "--exit-after-first-frame")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_load_recogniser_accepts_a_valid_model(model_file: Path) -> None:
    assert load_recogniser(model_file).model.sizes == [784, 32, 10]


# -- with the trained model --------------------------------------------------------------------------------


@pytest.mark.skipif(not BUNDLED.is_file(), reason=f"{BUNDLED.name} not trained yet (train.py writes it)")
def test_trained_model_reads_a_one_and_a_zero(home: Path) -> None:
    a = App(load_recogniser(BUNDLED), size=(1280, 800))
    try:
        stroke(a, [(0.5, 0.15 + 0.7 * t) for t in np.linspace(0, 1, 25)])
        a.step()
        assert a.reading.top == 1, a.reading.probs
        press_key(pygame.K_c, "c")
        stroke(a, ellipse(0.5, 0.5, 0.22, 0.32))
        a.step()
        assert a.reading.top == 0, a.reading.probs
    finally:
        pygame.quit()


@pytest.mark.parametrize("size", [(560, 420), (1280, 720), (1920, 1080)])
def test_the_help_card_fits_every_window_with_every_row(app: App, size: tuple[int, int]) -> None:
    app.resize(*size)
    press_key(pygame.K_h, "h")
    app.step()
    rect = app.view.help_rect
    assert rect is not None and app.screen.get_rect().contains(rect), (rect, app.screen.get_size())
    # Every row is there: the card is at least one line per binding tall, whatever wraps.
    assert rect.h >= len(keys.BINDINGS) * 8


def _wrap(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """The help card's wrap (app/kit.py): whole words, a word too wide for a line kept whole."""
    return wrap(text, width, lambda s: font.size(s)[0], break_words=False)


def test_help_lines_wrap_at_spaces_to_the_width() -> None:
    pygame.font.init()
    font = pygame.font.Font(None, 20)
    text = "learn view: start, or use the new model; fewer / more neurons and epochs; back to the bundled model"
    lines = _wrap(font, text, 150)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(font.size(line)[0] <= 150 for line in lines if " " in line)
    assert _wrap(font, "unbreakable", 5) == ["unbreakable"] and _wrap(font, "", 100) == [""]


def test_a_tiny_dot_shows_as_drawn_not_blown_up_beside_too_small(app: App) -> None:
    stroke(app, [(0.5, 0.5), (0.503, 0.506)])  # a dot: a click with a twitch of the mouse
    app.step()
    v = app.scene().answer
    assert v is not None and v.too_small
    ink = app.reading.image > 0.1
    assert np.ptp(np.argwhere(ink), axis=0).max() >= 10, "the network's input: the twitch blown up to 20 px"
    shown = app.view.preview_image > 0.1
    assert shown.any() and np.ptp(np.argwhere(shown), axis=0).max() <= 3, "the preview: a dot, as drawn"
    assert app.view.preview_caption == "as drawn: too small"
    assert any(what == "as drawn: too small" for what, _, _ in app.view.drawn)
    stroke(app, three())  # a real digit: the network's input again (by the frame after the reading)
    app.step()
    app.step()
    assert app.view.preview_image is app.reading.image and app.view.preview_caption == "what the network sees"
