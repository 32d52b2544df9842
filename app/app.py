"""The App: pygame events in, one frame out.

Data flows one way: events change the Drawing (model/drawing.py); once per frame the read
scheduler (app/recognition.py) asks the network about the drawing if it changed (and explains the
answer while a panel that shows the explanation is open); `draw` paints a Scene (app/scene.py) with
the View, and the open side panel, if any, beside the canvas. The App knows its panels only
through their contract (app/panels.py): it hands them events and carries out the actions they
return. Its parts: the canvas work (app/desk.py), the loop and its guard (app/loop.py), the window
(app/window.py); the key map is app/keys.py.

`step()` handles whatever is queued and renders one frame; `run()` calls it in a loop, skipping
frames when nothing changed. Tests and benchmarks post real pygame events and call `step()`, so
they exercise what a user does.
"""

from __future__ import annotations

import importlib
import time
from collections import deque
from pathlib import Path

import pygame

from app import keys, store, window
from app.desk import DEFAULT_BRUSH, ERASER_RADIUS, LEFT, Desk
from app.layout import Layout
from app.loop import Loop
from app.panels import (
    PANELS,
    PLAIN,
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
from app.scene import Scene
from app.theme import CLASSROOM, DESK, Theme, displayable
from app.view import View
from app.window import Windowed
from model.config import BUNDLED_WEIGHTS
from model.drawing import Drawing
from model.inside import Inside
from model.jsonl import count_samples
from model.recognise import Reading, Recogniser

TOAST_SECONDS = 4.0
QUIT_CONFIRM_S = 5.0  # a second Q (or window close) within this long quits for sure

HINT = ("H: help   \u00b7   N: look inside   \u00b7   0\u20139: label for training   \u00b7   P: classroom   \u00b7   "
        "Q: quit")


class App(Loop, Desk, Windowed):
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
        if view != PLAIN and view not in PANELS:
            raise ValueError(f"unknown view {view!r}: one of {', '.join((PLAIN, *PANELS))}")
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
        self.panels: dict[str, Panel] = {mode: panel_class(where)(setup) for mode, where in PANELS.items()}
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
        """The current reading explained (only while a panel that explains is open)."""
        return self.reader.inside

    @property
    def panel(self) -> Panel | None:
        """The side panel of the current view mode (None in the plain view)."""
        return self.panels.get(self.mode)

    # -- the loop ----------------------------------------------------------------------------------

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
            mode_button=self.panel.button if self.panel is not None else "",
            mode_keys=self.panel.header if self.panel is not None else "",
            model_label=self.model_label or "",
            classroom=self.classroom,
        )

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
            self.do(keys.BUTTONS[name])
            return
        if self.panel is not None and self.layout.panel.collidepoint(pos):
            if button == LEFT:
                self._apply(self.panel.click(pos))
            return
        self._pen_down(pos, button)

    # -- actions -----------------------------------------------------------------------------------

    def do(self, action: str) -> None:
        """A key map or toolbar action (app/keys.py): a panel's (opening its view, say), else the App's."""
        for mode, panel in self.panels.items():
            if action in panel.actions:
                self._apply(panel.act(action, self.mode == mode))
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

    # -- views and models ---------------------------------------------------------------------------

    def show_view(self, mode: str) -> None:
        """Switch to a view mode (app/panels.py); the drawing and each panel's state stay as they are."""
        if mode != PLAIN and mode not in PANELS:
            raise ValueError(f"unknown view {mode!r}: one of {', '.join((PLAIN, *PANELS))}")
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

    # -- helpers -----------------------------------------------------------------------------------

    def _button_at(self, pos: tuple[int, int] | None) -> str | None:
        if pos is None:
            return None
        for name, rect in self.layout.buttons.items():
            if rect.collidepoint(pos):
                return name
        return None

def panel_class(where: str) -> type:
    """A panel's class from the registry's "module:class" (app/panels.py)."""
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)


