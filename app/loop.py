"""The App's loop: frames only when something changed, and a frame's error never the end of the demo.

`Loop.run()` calls `step()` (app/app.py) in a loop, skips frames when nothing changed (an idle
window uses no CPU) and guards each frame: an unexpected error is logged to the user data folder,
the drawing is kept and saved there, and the app carries on.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

import pygame
from threadpoolctl import threadpool_limits

from app import store

FPS = 60
# The app multiplies one drawing at a time: BLAS threads cost more to wake than such products, and on
# a busy machine a thread that lost its core stalls the frame (bench_app.py, inside view open, load 5:
# 32 ms a frame with two threads, 3.6 ms with one). Training in the Learn view runs in its own
# process, which keeps every thread.
APP_BLAS_THREADS = 1
IDLE_WAIT_MS = 250  # idle: wait this long for an event before checking whether a message expired
IDLE_POLL_S = 0.02  # idle: look at the event queue 50 times a second (see _wait_for_event)
CRASH_LIMIT = 10  # frames failing in a row: past this, recovering is hopeless; stop with one line


class Loop:
    """The App's main loop and its guard (a mixin: App has the state it reads)."""

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
