"""The app under random sequences of user actions (hypothesis stateful testing).

A random-event soak once crashed the app in `Drawing.redo` (Ctrl+Y while the right button held an
erase open). Here hypothesis drives the real App on the dummy display with posted pygame events in
random orders: strokes, erasing (right button and eraser mode), undo, redo, clear, labels saved to
a temporary data folder, resizes, brush changes, keys pressed mid-stroke, focus loss, switching to
the inside view and back, and clicks in its grid and gallery. After every step it checks that nothing
raised and that the state is consistent. Bounded to a few seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pygame
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.app import App
from app.panels import INSIDE, PLAIN
from model.config import CLASSES, INPUTS
from model.drawing import HISTORY, Drawing
from model.mlp import MLP
from model.recognise import Recogniser
from model.weights import save

_MODEL_DIR = tempfile.TemporaryDirectory(prefix="digitpad-state-model-")
_MODEL = Path(_MODEL_DIR.name) / "w.npz"
save(_MODEL, MLP([INPUTS, 16, CLASSES], seed=1), {"input": {}, "temperature": 1.0})
RECOGNISER = Recogniser.from_file(_MODEL)

# Mostly a coarse grid, so strokes and erasers often meet (the crash needed an erase that hit ink);
# sometimes anywhere, including off the canvas.
coord = st.one_of(st.sampled_from([0.3, 0.5, 0.7]), st.floats(-0.1, 1.1, allow_nan=False))
point = st.tuples(coord, coord)
path = st.lists(point, min_size=1, max_size=6)
CTRL = pygame.KMOD_LCTRL
# Keys a user might press while the button is still down: (key, typed character, modifiers).
KEYS = [
    (pygame.K_z, "\x1a", CTRL),  # undo
    (pygame.K_y, "\x19", CTRL),  # redo
    (pygame.K_z, "\x1a", CTRL | pygame.KMOD_LSHIFT),  # redo
    (pygame.K_c, "c", 0),  # clear
    (pygame.K_e, "e", 0),  # eraser mode
    (pygame.K_4, "4", 0),  # label
    (pygame.K_RIGHTBRACKET, "]", 0),  # brush
    (pygame.K_s, "s", 0),  # save picture
    (pygame.K_n, "n", 0),  # inside view on / off
    (pygame.K_g, "g", 0),  # its gallery
]


class AppUnderUse(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._home = tempfile.TemporaryDirectory(prefix="digitpad-state-home-")
        self.home = Path(self._home.name)
        self.app = App(RECOGNISER, size=(900, 640), data_directory=self.home)
        pygame.event.clear()
        self.held: int | None = None  # the mouse button held down, if any
        self.app.step()

    def teardown(self) -> None:
        self.app.quit()  # a click may have started a training job in the Learn view: stop it
        pygame.quit()
        self._home.cleanup()

    # -- posting events ------------------------------------------------------------------------

    def at(self, p: tuple[float, float]) -> tuple[int, int]:
        c = self.app.layout.canvas
        return round(c.x + p[0] * c.w), round(c.y + p[1] * c.h)

    def post(self, kind: int, **attrs: object) -> None:
        pygame.event.post(pygame.event.Event(kind, **attrs))

    def key(self, key: int, char: str = "", mod: int = 0) -> None:
        self.post(pygame.KEYDOWN, key=key, mod=mod, unicode=char, scancode=0)
        self.post(pygame.KEYUP, key=key, mod=mod, unicode=char, scancode=0)

    def frame(self) -> None:
        self.app.step()

    def history(self) -> tuple[int, int, bool]:
        d = self.app.drawing
        return d.undo_depth, d.redo_depth, d.drawing or d.erasing

    # -- rules ---------------------------------------------------------------------------------

    @rule(
        points=path,
        button=st.sampled_from([1, 3]),
        release=st.booleans(),
        key=st.none() | st.sampled_from(KEYS),
    )
    def drag(
        self, points: list[tuple[float, float]], button: int, release: bool, key: tuple | None
    ) -> None:
        """Press, move, maybe release: draws, or erases (right button or eraser mode); maybe a key
        is pressed half way, with the button still down."""
        held = (1, 0, 0) if button == 1 else (0, 0, 1)
        self.post(pygame.MOUSEBUTTONDOWN, pos=self.at(points[0]), button=button)
        for i, p in enumerate(points[1:] or points):
            if key is not None and i == len(points) // 2:
                self.key(*key)
            if i < len(points) - 1:
                self.post(pygame.MOUSEMOTION, pos=self.at(p), rel=(0, 0), buttons=held)
        if release:
            self.post(pygame.MOUSEBUTTONUP, pos=self.at(points[-1]), button=button)
        self.held = None if release else button
        self.frame()

    @precondition(lambda self: self.held is not None)
    @rule(points=path)
    def keep_dragging(self, points: list[tuple[float, float]]) -> None:
        held = (1, 0, 0) if self.held == 1 else (0, 0, 1)
        for p in points:
            self.post(pygame.MOUSEMOTION, pos=self.at(p), rel=(0, 0), buttons=held)
        self.frame()

    @precondition(lambda self: self.held is not None)
    @rule(p=point)
    def release(self, p: tuple[float, float]) -> None:
        self.post(pygame.MOUSEBUTTONUP, pos=self.at(p), button=self.held)
        self.held = None
        self.frame()

    @rule(times=st.integers(1, 3))
    def undo(self, times: int) -> None:
        for _ in range(times):
            undo, redo, busy = self.history()
            self.key(pygame.K_z, "\x1a", CTRL)
            self.frame()
            if not busy and undo:
                assert self.history()[:2] == (undo - 1, redo + 1)

    @rule(shift_z=st.booleans())
    def redo(self, shift_z: bool) -> None:
        undo, redo, busy = self.history()
        if shift_z:
            self.key(pygame.K_z, "\x1a", CTRL | pygame.KMOD_LSHIFT)
        else:
            self.key(pygame.K_y, "\x19", CTRL)
        self.frame()
        if not busy and redo:
            assert self.history()[:2] == (undo + 1, redo - 1)

    @rule(key=st.sampled_from([pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE]))
    def clear(self, key: int) -> None:
        self.key(key, "c" if key == pygame.K_c else "")
        self.frame()
        if self.held is None:
            assert self.app.drawing.is_empty

    @rule(digit=st.integers(0, 9))
    def label(self, digit: int) -> None:
        had_ink = not self.app.drawing.is_empty
        saved = self.app.saved
        self.key(pygame.K_0 + digit, str(digit))
        self.frame()
        assert self.app.saved == saved + (1 if had_ink else 0)
        assert self.app.drawing.is_empty and not self.app.drawing.drawing

    @rule()
    def eraser_mode(self) -> None:
        self.key(pygame.K_e, "e")
        self.frame()

    @rule(up=st.booleans(), wheel=st.booleans())
    def brush(self, up: bool, wheel: bool) -> None:
        if wheel:
            self.post(pygame.MOUSEWHEEL, x=0, y=1 if up else -1, flipped=False)
        else:
            self.key(pygame.K_RIGHTBRACKET if up else pygame.K_LEFTBRACKET, "]" if up else "[")
        self.frame()

    @rule(w=st.integers(300, 1700), h=st.integers(240, 1100))
    def resize(self, w: int, h: int) -> None:
        self.post(pygame.VIDEORESIZE, w=w, h=h, size=(w, h))
        self.frame()
        assert self.app.layout.size == self.app.screen.get_size()

    @rule()
    def focus_lost(self) -> None:
        self.post(pygame.WINDOWFOCUSLOST)
        self.held = None  # the app finished the gesture; a later button-up is a stray one
        self.frame()
        assert not self.app.drawing.drawing and not self.app.drawing.erasing

    @rule()
    def help_and_back(self) -> None:
        self.key(pygame.K_h, "h")
        self.frame()
        self.key(pygame.K_x, "x")  # any key closes it
        self.frame()
        assert not self.app.show_help

    @rule(by_button=st.booleans())
    def toggle_inside_view(self, by_button: bool) -> None:
        was, helping = self.app.mode, self.app.show_help
        if by_button:
            pos = self.app.layout.buttons["view"].center
            self.post(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)
            self.post(pygame.MOUSEBUTTONUP, pos=pos, button=1)
        else:
            self.key(pygame.K_n, "n")
        self.frame()
        if helping:  # the key or click only closed the help
            return
        assert self.app.mode == (PLAIN if was == INSIDE else INSIDE)
        assert (self.app.layout.panel.w > 0) == (self.app.mode == INSIDE)

    @rule(
        pick=st.none() | st.integers(0, 40),
        where=st.tuples(st.floats(0, 1), st.floats(0, 1)),
        page=st.sampled_from([None, pygame.K_PAGEUP, pygame.K_RIGHT]),
    )
    def gallery_click(self, pick: int | None, where: tuple[float, float], page: int | None) -> None:
        """In the inside view (opened first if need be), maybe a page key, then a click on the
        pick-th unit drawn (grid or gallery), or anywhere in the panel (buttons, gaps)."""
        if self.app.mode != INSIDE:
            self.key(pygame.K_n, "n")
        if page is not None:
            self.key(page)
        self.frame()
        state = self.app.panels[INSIDE].state
        if pick is not None and state._units:
            area = state._units[0]
            i = pick % len(area.shown)
            pos = (area.x + (i % area.cols) * area.step_x + 2, area.y + (i // area.cols) * area.step_y + 2)
        else:
            r = self.app.layout.panel
            pos = (round(r.x + where[0] * (r.w - 1)), round(r.y + where[1] * (r.h - 1)))
        expected = state.unit_at(pos) if not self.app.show_help else None
        self.post(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)
        self.post(pygame.MOUSEBUTTONUP, pos=pos, button=1)
        self.frame()
        if expected is not None:
            assert state.selected == expected

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_inside_view_explains_the_reading(self) -> None:
        a = self.app
        if a.mode != INSIDE or a.reading is None:
            assert a.mode == INSIDE or a.inside is None
            return
        if a.reader.is_current(a.drawing):
            assert a.inside is not None
            np.testing.assert_allclose(a.inside.forward.probs, a.reading.probs)

    @invariant()
    def still_running(self) -> None:
        assert self.app.running
        assert self.app.crashes == 0

    @invariant()
    def drawing_is_sane(self) -> None:
        d: Drawing = self.app.drawing
        assert not (d.drawing and d.erasing)
        assert 0 <= d.undo_depth <= HISTORY and d.redo_depth >= 0
        for s in d.all_strokes():
            assert s.points.ndim == 2 and s.points.shape[1] == 2 and len(s.points) >= 1
            assert np.isfinite(s.points).all() and s.points.min() >= 0 and s.points.max() <= 1
            assert s.width > 0
        if d.is_empty:  # the readout follows the drawing at every frame
            assert self.app.reading is None

    @invariant()
    def saved_count_matches_the_file(self) -> None:
        f = self.home / "my-digits.jsonl"
        lines = f.read_text().splitlines() if f.exists() else []
        assert self.app.saved == len(lines)


AppUnderUse.TestCase.settings = settings(
    max_examples=14,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_app_under_random_use = AppUnderUse.TestCase


# -- the drawing model alone: the same kind of search, thousands of steps a second --------------------

unit = st.sampled_from([0.3, 0.5, 0.7])


class DrawingUnderUse(RuleBasedStateMachine):
    """Drawing's gestures and history in random orders, checked against a plain list of states."""

    def __init__(self) -> None:
        super().__init__()
        self.d = Drawing()

    @rule(x=unit, y=unit, to=st.lists(st.tuples(unit, unit), max_size=3), finish=st.booleans())
    def stroke(self, x: float, y: float, to: list[tuple[float, float]], finish: bool) -> None:
        self.d.begin(x, y, 0.03)
        for p in to:
            self.d.extend(*p)
        if finish:
            self.d.end()

    @rule(x=unit, y=unit, to=st.lists(st.tuples(unit, unit), max_size=3), finish=st.booleans())
    def erase(self, x: float, y: float, to: list[tuple[float, float]], finish: bool) -> None:
        self.d.begin_erase()
        last = (x, y)
        for p in [last, *to]:
            self.d.erase(*last, *p, 0.04)
            last = p
        if finish:
            self.d.end_erase()

    @rule()
    def undo(self) -> None:
        busy, undo = self.d.drawing, self.d.undo_depth
        done = self.d.undo()
        if busy:
            assert done and not self.d.drawing, "undo drops the stroke in progress"
        elif done:
            assert self.d.redo_depth >= 1 and self.d.undo_depth <= undo
        assert not self.d.erasing
    @rule()
    def redo(self) -> None:
        if self.d.redo():
            assert self.d.undo_depth >= 1, "what was redone can be undone"
        assert not self.d.erasing
    @rule(tagged=st.booleans())
    def clear(self, tagged: bool) -> None:
        tag = object() if tagged else None
        if self.d.clear(tag=tag):
            assert self.d.is_empty and self.d.redo_depth == 0
            assert self.d.undo()
            assert self.d.last_tag is tag, "undo hands back the tag of the step it took back"
            assert self.d.redo() and self.d.last_tag is tag and self.d.is_empty

    @invariant()
    def consistent(self) -> None:
        d = self.d
        assert not (d.drawing and d.erasing)
        assert 0 <= d.undo_depth <= HISTORY
        for s in d.strokes:
            assert len(s.points) >= 1 and np.isfinite(s.points).all()


DrawingUnderUse.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_drawing_under_random_use = DrawingUnderUse.TestCase
