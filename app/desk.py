"""The desk: what the pen and the edit keys do to the drawing and to the labelled drawings.

`Desk` is the part of the App (app/app.py) that works on the canvas: strokes and erasing from the
mouse, undo and redo (which take a saved label back out of the file, or save it again), clear,
the brush, labelling a drawing for training and saving it as a picture. It keeps no state of its
own: the App's drawing, brush, eraser, layout, saved count and message line are what it changes.
"""

from __future__ import annotations

import contextlib

import pygame

from app import store
from app.panels import PutOnCanvas
from model.jsonl import count_samples

REFERENCE_SIDE = 560  # brush widths are given in pixels on a canvas this size (MNIST's 28 x 20)
BRUSHES = (8, 12, 16, 20, 26, 32, 40, 50)
DEFAULT_BRUSH = 3  # 20 px on a 560 px canvas: a felt-tip line, bold like MNIST's ink
ERASER_RADIUS = 0.04  # of the canvas side
LEFT, RIGHT = 1, 3


class Desk:
    """The App's canvas work (a mixin: App sets up the attributes it uses)."""

    # -- the pen -----------------------------------------------------------------------------------

    def _pen_down(self, pos: tuple[int, int], button: int) -> None:
        """A button pressed on the canvas: a stroke begins, or (right button, eraser) erasing."""
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

    def _to_canvas(self, pos: tuple[int, int]) -> tuple[float, float]:
        """Window pixels to normalised canvas coordinates, clamped: ink stays on the canvas."""
        c = self.layout.canvas
        x = (pos[0] - c.x + 0.5) / c.w
        y = (pos[1] - c.y + 0.5) / c.h
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

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

    # -- edits -------------------------------------------------------------------------------------

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
