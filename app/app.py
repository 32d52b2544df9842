"""The App: pygame events in, one frame out.

Data flows one way: events change the Drawing (app/canvas.py); once per frame `update` asks the
recogniser about the drawing if it changed; `draw` paints a Scene with the View. Events are handled
as they come, but the network runs at most once per frame, however many mouse events arrived, so
the bars follow the pen live without the app falling behind a fast mouse.

`step()` handles whatever is queued and renders one frame; `run()` calls it in a loop. Tests and
benchmarks post real pygame events and call `step()`, so they exercise exactly what a user does.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections import deque
from pathlib import Path

import pygame

from app import store
from app.canvas import Drawing
from app.layout import Layout, compute_layout
from app.theme import CLASSROOM, DESK, Theme
from app.view import Scene, View
from model.recognise import Reading, Recogniser

FPS = 60
REFERENCE_SIDE = 560  # brush widths are given in pixels on a canvas this size (MNIST's 28 x 20)
BRUSHES = (8, 12, 16, 20, 26, 32, 40, 50)
DEFAULT_BRUSH = 3  # 20 px on a 560 px canvas: a felt-tip line, bold like MNIST's ink
ERASER_RADIUS = 0.04  # of the canvas side
TOAST_SECONDS = 4.0
MIN_WINDOW = (560, 420)
IDLE_WAIT_MS = 250  # idle: block on the event queue this long, so an untouched app uses no CPU

LEFT, RIGHT = 1, 3
HINT = "H: help   \u00b7   0\u20139: label and save for training   \u00b7   S: save picture"


class App:
    def __init__(
        self,
        recogniser: Recogniser,
        *,
        classroom: bool = False,
        size: tuple[int, int] | None = None,
        fullscreen: bool | None = None,
        data_directory: Path | None = None,
    ) -> None:
        self.recogniser = recogniser
        self.classroom = classroom
        self.theme: Theme = CLASSROOM if classroom else DESK
        self.data_directory = data_directory or store.data_dir()
        self.samples_file = store.samples_path(self.data_directory)
        self.saved = store.count_samples(self.samples_file)

        self.drawing = Drawing()
        self.reading: Reading | None = None
        self._read_version = -1  # drawing.version the reading belongs to
        self.read_times: deque[float] = deque(maxlen=10_000)  # seconds per network reading

        self.brush = DEFAULT_BRUSH
        self.eraser_mode = False
        self.show_help = False
        self.pointer: tuple[int, int] | None = None
        self._last_erase: tuple[float, float] | None = None
        self._toast: tuple[str, str, float] | None = None  # text, kind, expiry (monotonic)
        self._cursor: int | None = None
        self.running = True
        self.frames = 0

        # Only the subsystems the app uses: pygame.init() would also open audio, slow and noisy.
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Digitpad")
        self.fullscreen = classroom if fullscreen is None else fullscreen
        self.windowed_size = size or _default_window_size()
        self.view = View()
        self.screen = self._set_mode()
        self.layout: Layout = compute_layout(*self.screen.get_size(), classroom=classroom)

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, max_frames: int | None = None) -> int:
        """Run until the user quits (or after max_frames frames); closes pygame. Returns 0."""
        clock = pygame.time.Clock()
        try:
            while self.running:
                if self._idle():
                    event = pygame.event.wait(IDLE_WAIT_MS)
                    if event.type != pygame.NOEVENT:
                        self.handle(event)
                self.step()
                if max_frames is not None and self.frames >= max_frames:
                    break
                clock.tick(FPS)
        finally:
            pygame.quit()
        return 0

    def step(self) -> None:
        """Handle every queued event, then update the reading and render one frame."""
        for event in pygame.event.get():
            self.handle(event)
        if not self.running:
            return
        self.update()
        self.draw()
        pygame.display.flip()
        self.frames += 1

    def update(self) -> None:
        """Read the drawing with the network if it changed since the last reading."""
        if self._read_version == self.drawing.version:
            return
        self._read_version = self.drawing.version
        if self.drawing.is_empty:
            self.reading = None
            return
        t0 = time.perf_counter()
        try:
            self.reading = self.recogniser.read(self.drawing.point_arrays(self.layout.canvas.w))
        except ValueError:
            self.reading = None  # nothing readable (e.g. every point erased mid-gesture)
        self.read_times.append(time.perf_counter() - t0)

    def draw(self) -> None:
        self.view.draw(self.screen, self.scene())

    def scene(self) -> Scene:
        status, kind = self.status()
        side = self.layout.canvas.w
        return Scene(
            layout=self.layout,
            theme=self.theme,
            drawing=self.drawing,
            reading=self.reading,
            threshold=self.recogniser.not_sure,
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
        )

    # -- events ------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        """Apply one pygame event to the app's state."""
        kind = event.type
        if kind == pygame.QUIT:
            self.quit()
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
            self.drawing.end()
            self.drawing.end_erase()

    def _key(self, event: pygame.event.Event) -> None:
        key, mods = event.key, getattr(event, "mod", 0)
        ch = getattr(event, "unicode", "") or ""
        ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
        if key == pygame.K_q and not ctrl:
            self.quit()
            return
        if self.show_help:
            self.show_help = False  # any other key just closes the help
            return
        if ctrl:
            if key == pygame.K_z and mods & pygame.KMOD_SHIFT:
                self.redo()
            elif key == pygame.K_z:
                self.undo()
            elif key == pygame.K_y:
                self.redo()
            return
        if key == pygame.K_ESCAPE:
            self.quit()
        elif key in (pygame.K_h, pygame.K_F1) or ch == "?":
            self.show_help = True
        elif key in (pygame.K_f, pygame.K_F11):
            self.toggle_fullscreen()
        elif key in (pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE):
            self.clear()
        elif key == pygame.K_e:
            self.toggle_eraser()
        elif key == pygame.K_s:
            self.save_picture()
        elif ch == "[" or key == pygame.K_LEFTBRACKET:
            self.set_brush(self.brush - 1)
        elif ch == "]" or key == pygame.K_RIGHTBRACKET:
            self.set_brush(self.brush + 1)
        elif (digit := _digit(key, ch)) is not None:
            self.label(digit)

    def _press(self, event: pygame.event.Event) -> None:
        pos, button = tuple(event.pos), event.button
        self.pointer = pos
        if self.show_help:
            self.show_help = False
            return
        if button == LEFT and (name := self._button_at(pos)):
            {"undo": self.undo, "eraser": self.toggle_eraser, "clear": self.clear}[name]()
            return
        if button not in (LEFT, RIGHT) or not self.layout.canvas.collidepoint(pos):
            return
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

    def _finish(self, pos: tuple[int, int]) -> None:
        if self.drawing.drawing:
            self.drawing.end(*self._to_canvas(pos))
        if self.drawing.erasing:
            self.drawing.end_erase()
            self._last_erase = None

    # -- actions -----------------------------------------------------------------------------------

    def quit(self) -> None:
        self.running = False

    def undo(self) -> None:
        if not self.drawing.undo():
            self.toast("Nothing to undo", "warn")

    def redo(self) -> None:
        if not self.drawing.redo():
            self.toast("Nothing to redo", "warn")

    def clear(self) -> None:
        if self.drawing.clear():
            self.toast("Cleared \u2014 Ctrl+Z brings it back")

    def toggle_eraser(self) -> None:
        self.eraser_mode = not self.eraser_mode
        self.toast("Eraser on: drag over ink to remove it (E for the pen)" if self.eraser_mode else "Pen")

    def set_brush(self, index: int) -> None:
        self.brush = min(max(index, 0), len(BRUSHES) - 1)
        self.toast(f"Brush {self.brush_px} px")

    @property
    def brush_px(self) -> int:
        """The pen's width in pixels on the canvas as it is now."""
        return max(2, round(BRUSHES[self.brush] * self.layout.canvas.w / REFERENCE_SIDE))

    def label(self, digit: int) -> None:
        """Save the drawing as an example of `digit` for training, then clear for the next one."""
        self.drawing.end()
        if self.drawing.is_empty:
            self.toast(f"Nothing to save as {digit} \u2014 draw a digit first", "warn")
            return
        side = self.layout.canvas.w
        try:
            self.saved = store.save_labelled(self.samples_file, digit, self.drawing.point_arrays(side), side)
        except (OSError, ValueError) as e:
            self.toast(f"Could not save: {e}", "warn")
            return
        self.drawing.clear()
        plural = "drawing" if self.saved == 1 else "drawings"
        self.toast(f"Saved as {digit} \u2014 {self.saved} {plural}", "good")

    def save_picture(self) -> None:
        """Write the canvas and the network's 28x28 input as PNGs into the data directory."""
        if self.drawing.is_empty:
            self.toast("Nothing to save \u2014 the canvas is empty", "warn")
            return
        self.update()
        if self.reading is None:
            self.toast("Nothing to save \u2014 the drawing has no readable ink", "warn")
            return
        self.view.ink.sync(self.drawing, self.layout.canvas.w, self.theme.canvas, self.theme.ink)
        try:
            canvas_path, _ = store.save_pngs(
                self.data_directory, self.view.canvas_pixels(), self.reading.image
            )
        except OSError as e:
            self.toast(f"Could not save the picture: {e}", "warn")
            return
        self.toast(f"Saved {canvas_path.name} (+ its 28\u00d728 input) in {canvas_path.parent}", "good")

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
        return HINT, "info"

    # -- window ------------------------------------------------------------------------------------

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        self.screen = self._set_mode()
        self._relayout()

    def resize(self, width: int, height: int) -> None:
        """The window changed size: lay out again. The strokes are in canvas units, so they follow."""
        if self.fullscreen:
            self._relayout()
            return
        size = (max(int(width), 1), max(int(height), 1))
        if self.screen.get_size() != size:
            # pygame 2 resizes the display surface itself; this path is for drivers that do not
            # (dummy, in tests) and for resize requests made by the app.
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.windowed_size = self.screen.get_size()
        self._relayout()

    def _relayout(self) -> None:
        self.screen = pygame.display.get_surface() or self.screen
        size = self.screen.get_size()
        if size != self.layout.size:
            self.layout = compute_layout(*size, classroom=self.classroom)
            self._read_version = -1  # the strokes in canvas pixels changed scale; cheap to re-read

    def _set_mode(self) -> pygame.Surface:
        if self.fullscreen:
            try:
                return pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            except pygame.error as e:
                self.fullscreen = False
                self.toast(f"Fullscreen is not available here ({e})", "warn")
        screen = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
        _set_minimum_size(MIN_WINDOW)
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
            not self.drawing.drawing
            and not self.drawing.erasing
            and self._read_version == self.drawing.version
            and not pygame.event.peek()
        )

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


def _digit(key: int, ch: str) -> int | None:
    if len(ch) == 1 and ch.isdigit() and ch.isascii():
        return int(ch)
    if pygame.K_0 <= key <= pygame.K_9:
        return key - pygame.K_0
    keypad = (pygame.K_KP0, pygame.K_KP1, pygame.K_KP2, pygame.K_KP3, pygame.K_KP4)
    keypad += (pygame.K_KP5, pygame.K_KP6, pygame.K_KP7, pygame.K_KP8, pygame.K_KP9)
    return keypad.index(key) if key in keypad else None


def _default_window_size() -> tuple[int, int]:
    """1280x800, shrunk to fit smaller screens (a 1366x768 laptop has room for less)."""
    try:
        dw, dh = pygame.display.get_desktop_sizes()[0]
    except (pygame.error, IndexError):
        return 1280, 800
    return max(MIN_WINDOW[0], min(1280, int(dw * 0.92))), max(MIN_WINDOW[1], min(800, int(dh * 0.86)))


def _set_minimum_size(size: tuple[int, int]) -> None:
    """Stop the window being dragged smaller than the layout can use (best effort)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pygame.Window.from_display_module().minimum_size = size
    except (AttributeError, pygame.error):
        pass
