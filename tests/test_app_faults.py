"""Issue 8, the app's cases from the fault hunt: each test failed before its fix.

Real parts throughout: the App on SDL's dummy driver driven by posted events, real files in a
temporary data folder, and real `python main.py` processes for the no-display cases.
"""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pygame
import pytest
from pygame import Rect
from scipy.ndimage import map_coordinates

import app.app as app_module
from app import keys, store, window
from app.app import TOAST_SECONDS, App, panel_class
from app.ink import draw_segments
from app.layout import compute_layout
from app.panels import PANELS
from app.theme import FONT_FILES
from model.recognise import Recogniser

REPO = Path(__file__).resolve().parent.parent
CTRL = pygame.KMOD_LCTRL


class FailingModel:
    """The real network, except that its next `times` forward passes raise (an injected fault)."""

    def __init__(self, real: object) -> None:
        self.real, self.times = real, 0

    def _fault(self) -> None:
        if self.times > 0:
            self.times -= 1
            raise RuntimeError("injected fault")

    def layers(self, x: np.ndarray):
        self._fault()
        return self.real.layers(x)

    def forward(self, x: np.ndarray):
        self._fault()
        return self.real.forward(x)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def failing_app(model_file: Path, times: int) -> App:
    """An App whose readings fail `times` times, from its first reading on."""
    recogniser = Recogniser.from_file(model_file)
    recogniser.model = model = FailingModel(recogniser.model)
    a = App(recogniser, size=(900, 640))
    model.times = times  # armed now: the App's start-up (the units' pictures) ran fine
    return a


# -- 1. the redo crash, and the last-resort guard ----------------------------------------------------


def test_redo_while_the_right_button_erases_does_not_crash(app: App, user) -> None:
    # The soak's crash: two strokes, Ctrl+Z, hold the right button on the remaining one, Ctrl+Y.
    user.stroke([(0.3, 0.2), (0.3, 0.8)])
    user.stroke([(0.7, 0.2), (0.7, 0.8)])
    user.key(pygame.K_z, "\x1a", CTRL)
    app.step()
    user.stroke([(0.3, 0.45), (0.3, 0.55)], button=3, release=False)
    app.step()
    assert app.drawing.erasing and app.drawing.redo_depth == 1
    user.key(pygame.K_y, "\x19", CTRL)
    app.step()  # IndexError: pop from empty list, before
    assert app.running and not app.drawing.erasing
    assert len(app.drawing.strokes) == 2, "the erase split the stroke and stays"
    assert app.status() == ("Nothing to redo", "warn"), "the erase forked history"


def test_a_fault_in_one_frame_is_logged_and_the_drawing_kept(model_file: Path, home: Path, user_of) -> None:
    a = failing_app(model_file, times=1)
    pygame.event.clear()
    user_of(a).stroke([(0.3, 0.3), (0.6, 0.7)])
    for _ in range(3):
        a._guarded(a.step)  # what run() does with each frame
    text, kind = a.status()
    assert "Something went wrong" in text and "crash.log" in text and kind == "warn"
    # The user closes the window a bit later: there is a drawing, so it asks, and a second close quits.
    pygame.time.set_timer(pygame.QUIT, 700, loops=2)
    assert a.run() == 0
    assert "RuntimeError: injected fault" in (home / "crash.log").read_text()
    (saved,) = home.glob("unsaved-drawing-*.json")
    assert len(json.loads(saved.read_text())["strokes"]) == 1
    assert len(a.drawing.strokes) == 1, "the drawing is kept"
    assert a.reading is not None, "the next frame reads it again"
    text, kind = a.status()  # the latest message: the close asked first, as a drawing was on the canvas
    assert text.startswith("Quit?") and kind == "warn"


def test_a_fault_in_every_frame_stops_with_one_line(model_file: Path, home: Path, user_of, capsys) -> None:
    a = failing_app(model_file, times=10**6)
    pygame.event.clear()
    user_of(a).stroke([(0.3, 0.3), (0.6, 0.7)])
    assert a.run() == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitpad: stopped after repeated errors")
    assert (home / "crash.log").is_file()


# -- 2. no display ---------------------------------------------------------------------------------------


def _free_display() -> str:
    """An X display number with no server behind it."""
    n = next(n for n in range(917, 999) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{n}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
@pytest.mark.parametrize("setting", ["no DISPLAY", "dead DISPLAY", "dead WAYLAND_DISPLAY"])
def test_no_display_is_one_line_and_exit_2(setting: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)  # an empty one: Wayland finds no compositor there
    if setting == "dead DISPLAY":
        env["DISPLAY"] = _free_display()
    elif setting == "dead WAYLAND_DISPLAY":
        env["WAYLAND_DISPLAY"] = "digitpad-test-no-compositor"
    # Before the fix this ran forever on SDL's invisible offscreen driver: the timeout fails it.
    r = subprocess.run(
        [sys.executable, "main.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("digitpad: no display found: ")
    assert lines[0].endswith("; for headless tests set SDL_VIDEODRIVER=dummy")


def test_the_offscreen_fallback_is_caught_on_every_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Windows and macOS have no DISPLAY to look at first: there the check after SDL starts is what
    # catches the invisible fallback. Pretend to be one, with no display SDL could use.
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "win32")
    pygame.display.quit()
    with pytest.raises(window.NoDisplayError, match="invisible 'offscreen' driver"):
        window.open_display()
    assert not pygame.display.get_init()


# -- 3. labels can be taken back -----------------------------------------------------------------------


def labels(path: Path) -> list[int]:
    return [json.loads(line)["label"] for line in path.read_text().splitlines()] if path.exists() else []


def test_undo_after_labelling_takes_the_sample_back_and_redo_saves_it_again(
    app: App, user, home: Path
) -> None:
    path = home / "my-digits.jsonl"
    user.stroke([(0.5, 0.1), (0.5, 0.9)])
    user.key(pygame.K_1, "1")
    user.stroke([(0.3, 0.3), (0.6, 0.7)])
    user.key(pygame.K_4, "4")  # the wrong label
    app.step()
    first = path.read_bytes().splitlines(keepends=True)[0]
    assert labels(path) == [1, 4] and app.saved == 2
    user.key(pygame.K_z, "\x1a", CTRL)
    app.step()
    assert path.read_bytes() == first, "the file is exactly as before the wrong label"
    assert app.saved == 1 and len(app.drawing.strokes) == 1, "the drawing is back"
    user.key(pygame.K_y, "\x19", CTRL)
    app.step()
    assert labels(path) == [1, 4] and app.saved == 2 and app.drawing.is_empty
    user.key(pygame.K_z, "\x1a", CTRL)
    user.key(pygame.K_9, "9")  # the right label
    app.step()
    assert labels(path) == [1, 9] and app.saved == 2


def test_undo_takes_back_only_its_own_line_when_others_appended_since(app: App, user, home: Path) -> None:
    path = home / "my-digits.jsonl"
    user.stroke([(0.5, 0.1), (0.5, 0.9)])
    user.key(pygame.K_1, "1")
    app.step()
    theirs = b'{"label":7,"strokes":[[[1,2],[3,4]]]}\n'
    with open(path, "ab") as f:  # another program appends a sample of its own
        f.write(theirs)
    user.key(pygame.K_z, "\x1a", CTRL)
    app.step()
    assert path.read_bytes() == theirs, "our line went, theirs stayed"
    assert len(app.drawing.strokes) == 1 and app.status()[1] == "info" and app.saved == 1


def test_undo_leaves_the_file_alone_if_its_line_is_gone(app: App, user, home: Path) -> None:
    path = home / "my-digits.jsonl"
    user.stroke([(0.5, 0.1), (0.5, 0.9)])
    user.key(pygame.K_1, "1")
    app.step()
    path.write_bytes(b'{"label":7,"strokes":[[[1,2],[3,4]]]}\n')  # the file was replaced meanwhile
    before = path.read_bytes()
    user.key(pygame.K_z, "\x1a", CTRL)
    app.step()
    assert path.read_bytes() == before
    assert len(app.drawing.strokes) == 1 and app.status()[1] == "warn"


def test_remove_appended_checks_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "my-digits.jsonl"
    record = store.Appended(path, 3, [np.array([[1.0, 2.0], [3.0, 4.0]])], 560)
    assert store.append_labelled(record) == 1 and record.start == 0
    path.write_bytes(record.data.replace(b'"label":3', b'"label":5'))  # same length, other bytes
    assert not store.remove_appended(record) and labels(path) == [5]
    path.unlink()
    assert not store.remove_appended(record), "a missing file is left missing, not an error"


# -- 4. smooth ink ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", [886, 1663])  # the canvas at 1920x1080 and at 3000x2000
def test_ink_edges_are_smooth_at_large_sizes(side: int) -> None:
    """A ring drawn as short segments, as a mouse makes them: its width, measured along 720 rays,
    is the brush width everywhere. Notches and lumps at the joints showed as a spread of 0.33 px and
    a width 1.2 px too large; the ink now keeps both under a sixth of a pixel."""
    width = side * 20 / 560
    surface = pygame.Surface((side, side))
    surface.fill((0, 0, 0))
    c, radius = side / 2, side * 0.3
    n = int(2 * math.pi * radius / 4)  # a point every 4 px
    a = 2 * math.pi * np.arange(n + 1) / n
    draw_segments(surface, np.c_[c + radius * np.cos(a), c + radius * np.sin(a)], width, (0, 0, 0), (255, 255, 255))
    coverage = pygame.surfarray.array3d(surface)[:, :, 0] / 255.0
    rays = np.linspace(0, 2 * math.pi, 720, endpoint=False)
    rs = np.arange(radius - width, radius + width, 0.25)
    xs, ys = c + np.outer(np.cos(rays), rs), c + np.outer(np.sin(rays), rs)
    along = map_coordinates(coverage, [xs.ravel() - 0.5, ys.ravel() - 0.5], order=1).reshape(xs.shape)
    widths = along.sum(axis=1) * 0.25
    assert abs(widths.mean() - width) < 1 / 6
    assert widths.std() < 1 / 6


# -- 5. messages -----------------------------------------------------------------------------------------


def test_messages_expire_after_a_few_seconds(app: App, user, monkeypatch: pytest.MonkeyPatch) -> None:
    user.key(pygame.K_RIGHTBRACKET, "]")
    app.step()
    assert "Brush" in app.status()[0]
    later = time.monotonic() + TOAST_SECONDS + 0.1
    monkeypatch.setattr(app_module.time, "monotonic", lambda: later)
    assert "Brush" not in app.status()[0]


def test_messages_expire_at_the_next_stroke(app: App, user) -> None:
    user.key(pygame.K_5, "5")  # nothing to save: a warning
    app.step()
    assert app.status()[1] == "warn"
    user.stroke([(0.3, 0.3), (0.6, 0.6)])
    app.step()
    assert app.status()[1] == "info"


@pytest.mark.parametrize(
    "code, reason",
    [
        (errno.EACCES, "permission denied. Set DIGITPAD_HOME to a writable folder."),
        (errno.EROFS, "the folder is read-only. Set DIGITPAD_HOME to a writable folder."),
        (errno.ENOSPC, "the disk is full. Free some space, or set DIGITPAD_HOME to a folder on another disk."),
    ],
)
def test_save_errors_are_plain_words(code: int, reason: str) -> None:
    target = Path("/data") / "my-digits.jsonl"
    e = OSError(code, os.strerror(code), "/data/.my-digits.jsonl.k2j3h4.tmp")
    assert str(e).startswith("[Errno")  # what the app used to show
    assert store.save_error(target, e) == f"Could not save to {target}: {reason}"


def test_save_errors_work_without_posix_only_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(errno, "EDQUOT", raising=False)  # Windows has no EDQUOT
    message = store.save_error(Path("x.jsonl"), OSError(errno.ENOSPC, "No space left on device"))
    assert "the disk is full" in message


def test_a_failed_label_save_says_what_to_do(model_file: Path, tmp_path: Path, user_of) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    a = App(Recogniser.from_file(model_file), size=(900, 640), data_directory=blocker / "digitpad")
    try:
        pygame.event.clear()
        u = user_of(a)
        u.stroke([(0.3, 0.3), (0.6, 0.6)])
        u.key(pygame.K_5, "5")
        a.step()
        text, kind = a.status()
        assert kind == "warn" and text.startswith(f"Could not save to {blocker / 'digitpad'}")
        assert "DIGITPAD_HOME" in text and "Errno" not in text and ".tmp" not in text
        assert len(a.drawing.strokes) == 1 and a.saved == 0, "nothing saved, nothing cleared"
    finally:
        pygame.quit()


# -- 6. window identity and idle cost -------------------------------------------------------------------


def test_window_is_called_digitpad_and_has_its_icon(app: App) -> None:
    assert pygame.display.get_caption()[0] == "Digitpad"
    assert os.environ.get("SDL_VIDEO_X11_WMCLASS") == "Digitpad"
    icon = pygame.surfarray.array3d(pygame.image.load(str(window.ICON)))
    assert icon.shape[0] == icon.shape[1] >= 32 and icon.std() > 20, "a picture, not a blank square"


def test_an_idle_app_draws_no_frames(model_file: Path, home: Path) -> None:
    a = App(Recogniser.from_file(model_file), size=(900, 640))
    pygame.event.clear()
    pygame.time.set_timer(pygame.QUIT, 1200, loops=1)
    a.run()
    # One frame to show the window, then nothing until the user does something (the old loop
    # repainted four times a second, ~8% of a core in a big window).
    assert a.frames <= 2


# -- 7. sizes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "w, h, classroom",
    [(560, 420, False), (560, 420, True), (640, 480, False), (600, 900, False), (1280, 720, True),
     (1280, 800, False), (1920, 1080, True), (3000, 2000, False)],
)
@pytest.mark.parametrize("panel", [False, True], ids=["plain", "inside"])
def test_layout_parts_never_overlap(w: int, h: int, classroom: bool, panel: bool) -> None:
    lay = compute_layout(w, h, classroom, panel)
    parts = {
        "canvas": lay.canvas,
        "brush": lay.brush,
        **lay.buttons,
        "prediction": lay.prediction,
        "preview": lay.preview,
        "caption": lay.preview_caption,
        "bars": lay.bars,
        "status": lay.status,
        "panel": lay.panel,
    }
    if lay.header.h:
        parts["header"] = lay.header
    if panel:
        # The inside view shows the input and the bars; the canvas stays big enough to draw on.
        assert lay.panel.w * lay.panel.h > 0.35 * w * h
        assert lay.canvas.w >= min(w, h) * 0.4
        del parts["preview"], parts["caption"], parts["bars"]
        if not lay.brush.w:
            del parts["brush"]  # the toolbar is narrow: the buttons come first
    else:
        del parts["panel"]
        assert not lay.panel.w
    screen = Rect(0, 0, w, h)
    for name, rect in parts.items():
        assert rect.w > 0 and rect.h > 0 and screen.contains(rect), name
    for (n1, r1), (n2, r2) in combinations(parts.items(), 2):
        assert not r1.colliderect(r2), f"{n1} {r1} overlaps {n2} {r2}"
    # The texts the layout reserves room for fit that room (at 560x420 the caption used to spill
    # over the prediction card).
    if lay.model_label.w:  # the model's name beside "Prediction", inside the card
        assert lay.prediction.contains(lay.model_label)
    if panel:
        return
    pygame.font.init()
    regular = pygame.font.Font(str(FONT_FILES[False]), lay.type.small)
    assert regular.size("what the network sees")[0] <= lay.preview_caption.w
    for slot in lay.bar_slots:
        if not slot.vertical:
            bold = pygame.font.Font(str(FONT_FILES[True]), lay.pct_size)
            assert bold.size("100%")[0] <= lay.bars.right - slot.track.right


def test_window_cannot_shrink_below_the_minimum(app: App, user) -> None:
    user.post(pygame.VIDEORESIZE, w=300, h=200, size=(300, 200))
    app.step()
    assert app.screen.get_size() == window.MIN_SIZE == app.layout.size


def test_fullscreen_fills_the_screen(model_file: Path, home: Path) -> None:
    a = App(Recogniser.from_file(model_file), classroom=True)
    try:
        a.step()
        assert a.fullscreen and a.screen.get_size() == tuple(pygame.display.get_desktop_sizes()[0])
    finally:
        pygame.quit()


class RefusingDisplay:
    """pygame.display.init as an X server that refuses the first `refusals` connections (as Xvfb
    does about once in 75 reopenings: "x11 not available"), then SDL's own."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.calls, self.real = refusals, 0, pygame.display.init

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise pygame.error("x11 not available")
        self.real()


def test_going_fullscreen_survives_a_display_that_refuses_for_a_moment(
    app: App, user, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Going fullscreen closes and reopens the display; one refused reopening used to end the app
    (found by random real X input under Xvfb: the 54th fullscreen switch)."""
    refusing = RefusingDisplay(refusals=2)
    monkeypatch.setattr(pygame.display, "init", refusing)
    user.stroke([(0.3, 0.3), (0.6, 0.7)])
    user.key(pygame.K_F11)
    app.step()
    assert refusing.calls == 3, "two refusals, then the display opened"
    assert app.running and app.fullscreen
    assert app.screen.get_size() == tuple(pygame.display.get_desktop_sizes()[0])
    assert len(app.drawing.strokes) == 1, "the drawing is kept"
    assert not (home / "crash.log").exists()
    user.key(pygame.K_F11)
    app.step()
    assert app.running and not app.fullscreen


def test_a_display_that_stays_gone_is_still_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    refusing = RefusingDisplay(refusals=10**6)
    monkeypatch.setattr(pygame.display, "init", refusing)
    monkeypatch.setattr(window.time, "sleep", lambda s: None)  # the waiting itself is not under test
    with pytest.raises(window.NoDisplayError, match="x11 not available"):
        window.reopen_display()
    assert refusing.calls == window.REOPEN_TRIES


# -- issue 9: one key table ------------------------------------------------------------------------------


def test_readme_key_table_is_the_binding_table() -> None:
    assert keys.markdown_table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_binding_fires_an_app_action() -> None:
    # An App method, or an action a view's panel claims (its own key: app/panels.py's contract).
    claimed = {action for where in PANELS.values() for action in panel_class(where).actions}
    for binding in keys.BINDINGS:
        for trigger in binding.triggers:
            assert callable(getattr(App, trigger.action, None)) or trigger.action in claimed, trigger


@pytest.mark.parametrize(
    "key, char, mods, expected",
    [
        (pygame.K_z, "\x1a", CTRL, ("undo", None)),
        (pygame.K_z, "\x1a", CTRL | pygame.KMOD_LSHIFT, ("redo", None)),
        (pygame.K_KP7, "", 0, ("label", 7)),
        (pygame.K_1, "&", 0, ("label", 1)),  # AZERTY: the key says 1, the character says &
        (pygame.K_SLASH, "?", pygame.KMOD_LSHIFT, ("open_help", None)),
        (pygame.K_s, "\x13", CTRL, None),  # Ctrl+S is not "save picture"
        (pygame.K_F5, "", 0, None),
    ],
)
def test_key_lookup(key: int, char: str, mods: int, expected: tuple | None) -> None:
    assert keys.action_for(key, char, mods) == expected
