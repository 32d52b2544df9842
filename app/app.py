"""The App: pygame events in, one frame out.

Data flows one way: events change the Drawing (model/drawing.py); once per frame the read
scheduler (app/recognition.py) asks the network about the drawing if it changed (and explains the
answer while the inside view is open); `draw` paints a Scene with the View, and the open side
panel, if any (app/panels.py), beside the canvas. The window (app/window.py) and the key map
(app/keys.py) live in their own modules; this one holds the actions and the loop.

`step()` handles whatever is queued and renders one frame; `run()` calls it in a loop, skips frames
when nothing changed (an idle window uses no CPU) and guards each frame: an unexpected error is
logged to the user data folder, the drawing is kept and saved there, and the app carries on.
Tests and benchmarks post real pygame events and call `step()`, so they exercise what a user does.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import pygame
from threadpoolctl import threadpool_limits

from app import keys, store, window
from app.layout import Layout, compute_layout
from app.panels import (
    PANELS,
    PLAIN,
    VIEWS,
    Action,
    Panel,
    PutOnCanvas,
    Saved,
    Setup,
    ShowView,
    Toast,
    UseBundled,
    UseModel,
)
from app.recognition import ReadScheduler
from app.theme import CLASSROOM, DESK, Theme, displayable
from app.view import Scene, View
from model.config import BUNDLED_WEIGHTS
from model.drawing import Drawing
from model.inside import Inside
from model.jsonl import count_samples
from model.recognise import Reading, Recogniser

FPS = 60
# The app multiplies one drawing at a time: BLAS threads cost more to wake than such products, and on
# a busy machine a thread that lost its core stalls the frame (bench_app.py, inside view open, load 5:
# 32 ms a frame with two threads, 3.6 ms with one). Training in the Learn view runs in its own
# process, which keeps every thread.
APP_BLAS_THREADS = 1
REFERENCE_SIDE = 560  # brush widths are given in pixels on a canvas this size (MNIST's 28 x 20)
BRUSHES = (8, 12, 16, 20, 26, 32, 40, 50)
DEFAULT_BRUSH = 3  # 20 px on a 560 px canvas: a felt-tip line, bold like MNIST's ink
ERASER_RADIUS = 0.04  # of the canvas side
TOAST_SECONDS = 4.0
IDLE_WAIT_MS = 250  # idle: wait this long for an event before checking whether a message expired
IDLE_POLL_S = 0.02  # idle: look at the event queue 50 times a second (see _wait_for_event)
QUIT_CONFIRM_S = 5.0  # a second Q (or window close) within this long quits for sure
CRASH_LIMIT = 10  # frames failing in a row: past this, recovering is hopeless; stop with one line

LEFT, RIGHT = 1, 3
BUTTON_ACTIONS = {
    "look": "toggle_classroom", "view": "toggle_inside", "learn": "toggle_learn", "class": "toggle_class",
    "undo": "undo",
    "eraser": "toggle_eraser", "clear": "clear",
}
HINT = ("H: help   \u00b7   N: look inside   \u00b7   0\u20139: label for training   \u00b7   P: classroom   \u00b7   "
        "Q: quit")


class App:
    def __init__(
        self,
        recogniser: Recogniser,
        *,
        classroom: bool = False,
        size: tuple[int, int] | None = None,
        fullscreen: bool | None = None,
        data_directory: Path | None = None,
        view: str = PLAIN,
        model_label: str | None = None,
        host: str = "0.0.0.0",
        port: int | None = None,
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}: one of {', '.join(VIEWS)}")
        self.recogniser = recogniser
        self.model_label = model_label
        self.classroom = classroom
        self.theme: Theme = CLASSROOM if classroom else DESK
        self.data_directory = data_directory or store.data_dir()
        self.samples_file = store.samples_path(self.data_directory)
        self.saved = count_samples(self.samples_file)

        self.drawing = Drawing()
        self.reader = ReadScheduler(recogniser)
        self.brush = DEFAULT_BRUSH
        self.eraser_mode = False
        self.show_help = False
        self.pointer: tuple[int, int] | None = None
        self._last_erase: tuple[float, float] | None = None
        self._toast: tuple[str, str, float] | None = None  # text, kind, expiry (monotonic)
        self._cursor: int | None = None
        self.running = True
        self._quit_until = 0.0  # until then, a second quit request quits (monotonic; 0: not asked)
        self.frames = 0
        self._dirty = True  # something changed since the last frame was drawn
        self._shown_status: tuple[str, str] | None = None
        self.crashes = 0  # frames in a row that raised
        self.exit_code = 0

        # Only the subsystems the app uses: pygame.init() would also open audio, slow and noisy.
        window.open_display()
        pygame.font.init()
        self.fullscreen = classroom if fullscreen is None else fullscreen
        self.windowed_size = window.clamp(size or window.default_size())
        self.view = View()
        # One panel per view mode beyond the plain one (app/panels.py's registry); the mode picks
        # which is open.
        setup = Setup(self.data_directory, self.samples_file, recogniser, self.view.text, host, port)
        self.panels: dict[str, Panel] = {mode: _panel_class(where)(setup) for mode, where in PANELS.items()}
        self._bundled = recogniser if model_label is None else None  # for "back to the bundled model"
        self.mode = PLAIN
        self.reader.explain(False)
        self.screen = self._set_mode()
        self.layout: Layout = self._compute_layout()
        self._show_model_label()
        self.show_view(view)

    @property
    def reading(self) -> Reading | None:
        return self.reader.reading

    @property
    def read_times(self) -> deque[float]:
        return self.reader.read_times

    @property
    def inside(self) -> Inside | None:
        """The current reading explained (only while the inside view is open)."""
        return self.reader.inside

    @property
    def panel(self) -> Panel | None:
        """The side panel of the current view mode (None in the plain view)."""
        return self.panels.get(self.mode)

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, max_frames: int | None = None) -> int:
        """Run until the user quits (or after max_frames frames); closes pygame. Returns the exit code."""
        clock = pygame.time.Clock()
        blas = threadpool_limits(limits=APP_BLAS_THREADS)
        try:
            while self.running:
                if self._idle():
                    event = _wait_for_event(IDLE_WAIT_MS)
                    if event.type != pygame.NOEVENT:
                        self._guarded(self.handle, event)
                    if not self._needs_frame():
                        continue  # nothing to show: no frame, no CPU
                self._guarded(self.step)
                if max_frames is not None and self.frames >= max_frames:
                    break
                clock.tick(FPS)
        finally:
            for panel in self.panels.values():
                panel.shutdown()  # however the loop ended, no job or server stays behind
            blas.restore_original_limits()
            pygame.quit()
        return self.exit_code

    def step(self) -> None:
        """Handle every queued event, then update the reading and render one frame."""
        for event in pygame.event.get():
            self.handle(event)
        if not self.running:
            return
        for panel in self.panels.values():
            self._apply(panel.update())  # a job's news, a phone's drawing; never waits
        self.update()
        self.draw()
        pygame.display.flip()
        self.frames += 1
        self.crashes = 0
        self._dirty = False

    def update(self) -> None:
        """Read the drawing with the network if it changed since the last reading."""
        if self.reader.update(self.drawing, self.layout.canvas.w):
            self._dirty = True

    def draw(self) -> None:
        scene = self.scene()
        self._shown_status = (scene.status, scene.status_kind)
        self.view.draw(self.screen, scene, self.panel)

    def scene(self) -> Scene:
        status, kind = self.status()
        side = self.layout.canvas.w
        return Scene(
            layout=self.layout,
            theme=self.theme,
            drawing=self.drawing,
            reading=self.reading,
            thresholds=self.recogniser.thresholds,
            brush_px=self.brush_px,
            eraser_mode=self.eraser_mode,
            erasing_now=self.drawing.erasing,
            eraser_radius_px=ERASER_RADIUS * side,
            pointer=self.pointer,
            hover=self._button_at(self.pointer) if self.pointer else None,
            status=status,
            status_kind=kind,
            saved=self.saved,
            show_help=self.show_help,
            data_dir=str(self.data_directory),
            inside=self.inside,
            units=self.reader.units,
            panel_open=self.panel is not None,
            mode=self.mode,
            model_label=self.model_label or "",
            classroom=self.classroom,
        )

    def _guarded(self, work: Callable[..., object], *args: object) -> None:
        """Run one frame's work; an unexpected error is logged and shown, never the end of the demo."""
        try:
            work(*args)
        except Exception as e:  # the last resort: anything a frame can raise
            self._recover(e)

    def _recover(self, error: Exception) -> None:
        self.crashes += 1
        self._dirty = True
        try:
            strokes = self.drawing.point_arrays(self.layout.canvas.w)
        except Exception:
            strokes = []
        try:
            log = store.write_crash_report(self.data_directory, strokes, error)
            where = f"details in {log}"
        except OSError:
            log, where = None, "the crash log could not be written"
        if self.crashes > CRASH_LIMIT:
            print(f"digitpad: stopped after repeated errors ({type(error).__name__}: {error}); {where}",
                  file=sys.stderr)
            self.exit_code = 1
            self.running = False
            return
        # Leave no gesture half done: the next event starts from a sane drawing.
        with contextlib.suppress(Exception):
            self.drawing.end()
            self.drawing.end_erase()
        self._last_erase = None
        self.reader.invalidate()  # try reading once more: a one-off fault then costs one frame
        kept = "your drawing is kept and saved" if strokes else "nothing was lost"
        self.toast(f"Something went wrong \u2014 {kept}; {where}", "warn")

    # -- events ------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        """Apply one pygame event to the app's state."""
        self._dirty = True
        kind = event.type
        if kind >= pygame.USEREVENT:
            return  # a panel's news (a phone sent something): the frame that follows shows it
        if kind == pygame.QUIT:
            self.ask_quit("close the window again")
        elif kind == pygame.KEYDOWN:
            self._key(event)
        elif kind == pygame.MOUSEBUTTONDOWN:
            self._press(event)
        elif kind == pygame.MOUSEMOTION:
            self._motion(event)
        elif kind == pygame.MOUSEBUTTONUP:
            self._release(event)
        elif kind == pygame.MOUSEWHEEL:
            if not self.show_help and event.y:
                self.set_brush(self.brush + (1 if event.y > 0 else -1))
        elif kind == pygame.VIDEORESIZE:
            self.resize(event.w, event.h)
        elif kind in (pygame.WINDOWRESIZED, pygame.WINDOWSIZECHANGED):
            self.resize(event.x, event.y)
        elif kind == pygame.WINDOWLEAVE:
            self.pointer = None
        elif kind == pygame.WINDOWFOCUSLOST:
            # The button-up may never reach us now (alt-tab mid-stroke): finish what was going on.
            self._finish(None)

    def _key(self, event: pygame.event.Event) -> None:
        found = keys.action_for(event.key, getattr(event, "unicode", "") or "", getattr(event, "mod", 0))
        if self.show_help:
            # Any key closes the help; Q still quits from it (asking first, as anywhere).
            self.show_help = False
            if found is not None and found[0] == "ask_quit":
                self.ask_quit()
            return
        # The open panel has the keys first (the Learn view's Enter, say); the key map the rest.
        if self.panel is not None and (reply := self.panel.key(event, self.fullscreen)) is not None:
            self._apply(reply)
            return
        if found is None:
            return
        action, digit = found
        if action == "label" and digit is not None:
            self.label(digit)
        else:
            self.do(action)

    def _press(self, event: pygame.event.Event) -> None:
        pos, button = tuple(event.pos), event.button
        self.pointer = pos
        if self.show_help:
            self.show_help = False
            return
        if button == LEFT and (name := self._button_at(pos)):
            self.do(BUTTON_ACTIONS[name])
            return
        if self.panel is not None and self.layout.panel.collidepoint(pos):
            if button == LEFT:
                self._apply(self.panel.click(pos))
            return
        if button not in (LEFT, RIGHT) or not self.layout.canvas.collidepoint(pos):
            return
        self._toast = None  # a new gesture: the last message has been seen
        x, y = self._to_canvas(pos)
        if button == RIGHT or self.eraser_mode:
            self.drawing.begin_erase()
            self._last_erase = (x, y)
            self.drawing.erase(x, y, x, y, ERASER_RADIUS)
        else:
            self.drawing.begin(x, y, self.brush_px / self.layout.canvas.w)

    def _motion(self, event: pygame.event.Event) -> None:
        pos = tuple(event.pos)
        self.pointer = pos
        buttons = getattr(event, "buttons", None)
        if buttons is not None and not any(buttons) and (self.drawing.drawing or self.drawing.erasing):
            self._finish(pos)  # the button-up got lost (released outside the window)
            return
        if self.drawing.drawing:
            self.drawing.extend(*self._to_canvas(pos))
        elif self.drawing.erasing and self._last_erase is not None:
            x, y = self._to_canvas(pos)
            self.drawing.erase(*self._last_erase, x, y, ERASER_RADIUS)
            self._last_erase = (x, y)
        self._update_cursor(pos)

    def _release(self, event: pygame.event.Event) -> None:
        self.pointer = tuple(event.pos)
        if event.button in (LEFT, RIGHT):
            self._finish(self.pointer)

    def _finish(self, pos: tuple[int, int] | None) -> None:
        """End the gesture in progress (at `pos`, if known)."""
        if self.drawing.drawing:
            self.drawing.end(*self._to_canvas(pos)) if pos is not None else self.drawing.end()
        self.drawing.end_erase()
        self._last_erase = None

    # -- actions -----------------------------------------------------------------------------------

    def do(self, action: str) -> None:
        """A key map or toolbar action (app/keys.py): a panel's (opening its view, say), else the App's."""
        for mode, panel in self.panels.items():
            reply = panel.act(action, self.mode == mode)
            if reply is not None:
                self._apply(reply)
                return
        getattr(self, action)()

    def _apply(self, actions: list[Action]) -> None:
        """Carry out what a panel asked for (app/panels.py)."""
        for a in actions:
            if isinstance(a, Toast):
                self.toast(a.text, a.kind)
            elif isinstance(a, UseModel):
                self.use_recogniser(a.recogniser, f"Model: {a.label}")
            elif isinstance(a, UseBundled):
                if self._bundled is None:
                    self._bundled = Recogniser.from_file(BUNDLED_WEIGHTS)
                self.use_recogniser(self._bundled, None)
            elif isinstance(a, ShowView):
                self.show_view(a.mode)
            elif isinstance(a, PutOnCanvas):
                self._put_on_canvas(a)
            elif isinstance(a, Saved):
                self.saved = a.count if a.count is not None else self.saved + a.added

    def ask_quit(self, again: str = "press Q again") -> None:
        """Quit, unless something would be lost: then say what, and quit on a second request soon after."""
        loses = self.would_lose()
        if not loses or time.monotonic() < self._quit_until:
            self.quit()
            return
        self._quit_until = time.monotonic() + QUIT_CONFIRM_S
        self.toast(f"Quit? {loses} \u2014 {again} to quit; Esc only steps back", "warn")

    def would_lose(self) -> str:
        """What quitting now would lose, in words ("" if nothing)."""
        lost = []
        if not self.drawing.is_empty:
            lost.append("the drawing on the canvas is lost")
        lost += [words for panel in self.panels.values() if (words := panel.would_lose())]
        return " and ".join(lost).capitalize()

    def escape(self) -> None:
        """Esc steps back one level and never quits: out of fullscreen, then out of the open view."""
        if self.fullscreen:
            self.toggle_fullscreen()
            self.toast("Left fullscreen \u2014 F11 or F goes back; Q quits")
        elif self.mode != PLAIN:
            self.show_view(PLAIN)
        else:
            self.toast("Esc does not quit: Q quits")

    def quit(self) -> None:
        """Stop at once (no question: `ask_quit` is what the keys and the window's close use)."""
        self.running = False
        for panel in self.panels.values():
            panel.shutdown()  # a training job in the background, the class server: none left behind

    def open_help(self) -> None:
        self.show_help = True

    def undo(self) -> None:
        if not self.drawing.undo():
            self.toast("Nothing to undo", "warn")
            return
        record = self.drawing.last_tag
        if isinstance(record, store.Appended):  # the step was "label and clear": take the label back
            if store.remove_appended(record):
                self.saved = count_samples(self.samples_file)
                self._saved_changed()
                self.toast(f"Took back the {record.label} \u2014 {self.saved} saved; Ctrl+Y saves it again")
            else:
                self.toast(f"The drawing is back, but its sample is no longer in {record.path.name}", "warn")

    def redo(self) -> None:
        if not self.drawing.redo():
            self.toast("Nothing to redo", "warn")
            return
        record = self.drawing.last_tag
        if isinstance(record, store.Appended):  # redoing "label and clear": save it again
            try:
                self.saved = store.append_labelled(record)
            except OSError as e:
                self.drawing.undo()  # not saved, so not cleared either
                self.toast(store.save_error(record.path, e), "warn")
                return
            self._saved_changed()
            self.toast(f"Saved as {record.label} again \u2014 {self.saved} saved", "good")

    def clear(self) -> None:
        if self.drawing.clear():
            self.toast("Cleared \u2014 Ctrl+Z brings it back")

    def toggle_eraser(self) -> None:
        self.eraser_mode = not self.eraser_mode
        self.toast("Eraser on: drag over ink to remove it (E for the pen)" if self.eraser_mode else "Pen")

    def set_brush(self, index: int) -> None:
        self.brush = min(max(index, 0), len(BRUSHES) - 1)
        self.toast(f"Brush {self.brush_px} px")

    def thinner(self) -> None:
        self.set_brush(self.brush - 1)

    def thicker(self) -> None:
        self.set_brush(self.brush + 1)

    @property
    def brush_px(self) -> int:
        """The pen's width in pixels on the canvas as it is now."""
        return max(2, round(BRUSHES[self.brush] * self.layout.canvas.w / REFERENCE_SIDE))

    def label(self, digit: int) -> None:
        """Save the drawing as an example of `digit` for training, then clear for the next one.

        The clear carries the saved record, so Ctrl+Z takes the sample back out of the file.
        """
        self.drawing.end()
        if self.drawing.is_empty:
            self.toast(f"Nothing to save as {digit} \u2014 draw a digit first", "warn")
            return
        side = self.layout.canvas.w
        record = store.Appended(self.samples_file, digit, self.drawing.point_arrays(side), side)
        try:
            self.saved = store.append_labelled(record)
        except OSError as e:
            self.toast(store.save_error(self.samples_file, e), "warn")
            return
        except ValueError as e:
            self.toast(f"Could not save to {self.samples_file}: {e}", "warn")
            return
        self.drawing.clear(tag=record)
        self._saved_changed()
        plural = "drawing" if self.saved == 1 else "drawings"
        self.toast(f"Saved as {digit} \u2014 {self.saved} {plural} (Ctrl+Z takes it back)", "good")

    def _saved_changed(self) -> None:
        """The labelled drawings changed: the panels count them again now, in step with the status line."""
        for panel in self.panels.values():
            panel.drawings_changed()

    def save_picture(self) -> None:
        """Write the canvas and the network's 28x28 input as PNGs into the data directory."""
        if self.drawing.is_empty:
            self.toast("Nothing to save \u2014 the canvas is empty", "warn")
            return
        self.update()
        if self.reading is None:
            self.toast("Nothing to save \u2014 the drawing has no readable ink", "warn")
            return
        pixels = self.view.canvas_pixels(self.drawing, self.layout.canvas.w, self.theme)
        try:
            canvas_path, _ = store.save_pngs(self.data_directory, pixels, self.reading.image)
        except OSError as e:
            self.toast(store.save_error(self.data_directory, e), "warn")
            return
        self.toast(f"Saved {canvas_path.name} (+ its 28\u00d728 input) in {canvas_path.parent}", "good")

    # -- views and models ---------------------------------------------------------------------------

    def show_view(self, mode: str) -> None:
        """Switch to a view mode (app/panels.py); the drawing and each panel's state stay as they are."""
        if mode not in VIEWS:
            raise ValueError(f"unknown view {mode!r}: one of {', '.join(VIEWS)}")
        if mode == self.mode:
            return
        if self.panel is not None:
            self.panel.closed()
        self.mode = mode
        self.reader.explain(self.panel is not None and self.panel.explains)
        self._relayout(force=True)
        if self.panel is not None:
            self._apply(self.panel.opened())

    def toggle_view(self, mode: str) -> None:
        """Open view `mode`, or back to the plain view if it is open."""
        self.show_view(PLAIN if self.mode == mode else mode)

    def _put_on_canvas(self, put: PutOnCanvas) -> None:
        """Strokes a panel gave (a drawing from the Class view's wall) in place of the drawing, undoable."""
        self.drawing.end()
        self.drawing.clear()
        width = self.brush_px / self.layout.canvas.w
        for stroke in put.strokes:
            pts = [(float(x), float(y)) for x, y in stroke]
            self.drawing.begin(*pts[0], width)
            for p in pts[1:]:
                self.drawing.extend(*p)
            self.drawing.end(*pts[-1])
        self.toast(put.message)

    def use_recogniser(self, recogniser: Recogniser, label: str | None = None) -> None:
        """Read with another model from now on (the Learn view's freshly trained one, say).

        Its units are computed now (~15 ms), the drawing is read again at once, and `label` (e.g.
        "Model: your 256-neuron model, 97.1%") is shown in the header and the window title;
        None means the bundled model.
        """
        self.recogniser = recogniser
        self.reader.use(recogniser)
        for panel in self.panels.values():
            panel.use(recogniser)
        self.model_label = label
        self._show_model_label()
        self._dirty = True
        self.update()

    def _show_model_label(self) -> None:
        title = f"{window.TITLE} \u2014 {self.model_label}" if self.model_label else window.TITLE
        pygame.display.set_caption(displayable(title), window.TITLE)

    def toast(self, text: str, kind: str = "info") -> None:
        self._toast = (text, kind, time.monotonic() + TOAST_SECONDS)

    def status(self) -> tuple[str, str]:
        """The status line: a recent message while it is fresh, else a hint."""
        if self._toast is not None:
            text, kind, until = self._toast
            if time.monotonic() < until:
                return text, kind
            self._toast = None
        if self.eraser_mode:
            return "Eraser on \u2014 drag over ink to remove it; E switches back to the pen", "info"
        if self.panel is not None:
            return self.panel.hint, "info"
        return HINT, "info"

    # -- window ------------------------------------------------------------------------------------

    def toggle_classroom(self) -> None:
        """The classroom look (large, high-contrast type) on or off; the drawing, view and window stay."""
        self.classroom = not self.classroom
        self.theme = CLASSROOM if self.classroom else DESK
        self._relayout(force=True)
        self.toast("Classroom look: large type for a projector \u2014 P for the desk look" if self.classroom
                   else "Desk look \u2014 P for the classroom look")

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        self.screen = self._set_mode()
        self._relayout()

    def resize(self, width: int, height: int) -> None:
        """The window changed size: lay out again. The strokes are in canvas units, so they follow."""
        if not self.fullscreen:
            self.screen = window.resize((width, height))
            self.windowed_size = self.screen.get_size()
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        self.screen = pygame.display.get_surface() or self.screen
        if force or self.screen.get_size() != self.layout.size:
            layout = self._compute_layout()
            if layout.canvas.size != self.layout.canvas.size:
                self.reader.invalidate()  # the strokes in canvas pixels changed scale; cheap to re-read
            self.layout = layout

    def _compute_layout(self) -> Layout:
        return compute_layout(*self.screen.get_size(), classroom=self.classroom, panel=self.panel is not None)

    def _set_mode(self) -> pygame.Surface:
        screen, self.fullscreen, warning = window.set_mode(self.fullscreen, self.windowed_size)
        if warning:
            self.toast(warning, "warn")
        return screen

    # -- helpers -----------------------------------------------------------------------------------

    def _to_canvas(self, pos: tuple[int, int]) -> tuple[float, float]:
        """Window pixels to normalised canvas coordinates, clamped: ink stays on the canvas."""
        c = self.layout.canvas
        x = (pos[0] - c.x + 0.5) / c.w
        y = (pos[1] - c.y + 0.5) / c.h
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    def _button_at(self, pos: tuple[int, int] | None) -> str | None:
        if pos is None:
            return None
        for name, rect in self.layout.buttons.items():
            if rect.collidepoint(pos):
                return name
        return None

    def _idle(self) -> bool:
        return (
            # A panel's job, or news to show, is worth frames.
            not any(panel.busy(mode == self.mode) for mode, panel in self.panels.items())
            and not self.drawing.drawing
            and not self.drawing.erasing
            and self.reader.is_current(self.drawing)
            and not pygame.event.peek()
        )

    def _needs_frame(self) -> bool:
        """Whether the screen would change: an event came, or a message appeared or expired."""
        return self._dirty or self.status() != self._shown_status

    def _update_cursor(self, pos: tuple[int, int]) -> None:
        want = (
            pygame.SYSTEM_CURSOR_CROSSHAIR
            if self.layout.canvas.collidepoint(pos)
            else pygame.SYSTEM_CURSOR_ARROW
        )
        if want != self._cursor:
            self._cursor = want
            # Headless drivers have no system cursors: then the arrow it is.
            with contextlib.suppress(pygame.error):
                pygame.mouse.set_cursor(want)


def _panel_class(where: str) -> type:
    """A panel's class from the registry's "module:class" (app/panels.py)."""
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)


def _wait_for_event(timeout_ms: int) -> pygame.event.Event:
    """The next event, or a NOEVENT after timeout_ms; sleeps between looks at the queue.

    pygame-ce's own event.wait() polls every millisecond inside (about 1% of a core for a window
    nobody touches). Sleeping 20 ms between polls costs about 0.2%, and delays only the first
    event after a pause, by at most 20 ms; while the user draws, frames run at full rate.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        event = pygame.event.poll()
        if event.type != pygame.NOEVENT or time.monotonic() >= deadline:
            return event
        time.sleep(IDLE_POLL_S)
