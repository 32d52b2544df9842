"""When to ask the network, and what to ask: at most once per frame, only if the drawing changed.

Events are handled as they come, but a fast mouse sends several per frame; reading after each
would make the app fall behind the pen. The scheduler remembers which `Drawing.version` its
reading belongs to, so a frame with no change costs nothing.

One forward pass per change serves both views: `Recogniser.read` (which runs `model.inside.read`)
gives the probabilities, the answer judged once, and the hidden activations, and while a view
that explains the answer is open (`explaining`), `model.inside.explain` turns that same pass into the
inside view's numbers without calling the network again. The units' pictures and importance depend
on the model only, so they are computed once per model (`use`), not per frame or per view switch.
"""

from __future__ import annotations

import time
from collections import deque

from model import inside
from model.drawing import Drawing
from model.recognise import Reading, Recogniser


class ReadScheduler:
    def __init__(self, recogniser: Recogniser) -> None:
        self.reading: Reading | None = None
        self.inside: inside.Inside | None = None  # the explanation, while `explaining`
        self.explaining = False
        self.read_times: deque[float] = deque(maxlen=10_000)  # seconds per network reading
        self._version = -1  # drawing.version the reading belongs to
        self.use(recogniser)

    def use(self, recogniser: Recogniser) -> None:
        """Read with another model from now on (its units computed now: ~15 ms); re-reads next update."""
        self.recogniser = recogniser
        self.units: inside.Units = inside.units(recogniser.model)
        self.inside = None
        self.invalidate()

    def explain(self, on: bool) -> None:
        """Explain each reading (the inside view is open) or not; turning it on re-reads the drawing."""
        if on and not self.explaining:
            self.invalidate()
        elif not on:
            self.inside = None
        self.explaining = on

    def invalidate(self) -> None:
        """Read again at the next update (the canvas changed scale, say)."""
        self._version = -1

    def is_current(self, drawing: Drawing) -> bool:
        return self._version == drawing.version

    def update(self, drawing: Drawing, side: int) -> bool:
        """Read `drawing` (on a canvas `side` px wide) if it changed; True if the reading changed."""
        if self._version == drawing.version:
            return False
        # Marked as read before reading: if the network raises, the next frame does not retry the
        # same drawing forever (the app's guard reports it once).
        self._version = drawing.version
        self.reading = self.inside = None
        if drawing.is_empty:
            return True
        t0 = time.perf_counter()
        strokes = drawing.point_arrays(side)
        r = self.recogniser
        try:
            # The one read path (evaluate.py's too), judged once; with the inside view open the same
            # call also answers the raw canvas ("without the steps").
            self.reading = r.read(strokes, side, raw=self.explaining)
        except ValueError:
            return True  # nothing readable (e.g. every point erased mid-gesture)
        finally:
            self.read_times.append(time.perf_counter() - t0)
        if self.explaining:
            # The explanation follows the answer the app shows: "not a digit" is explained as such.
            f = self.reading.forward
            classes = inside.explained(r.answer(self.reading), len(f.logits), f.probs)
            self.inside = inside.explain(r.model, f, self.units, strokes, side, r.style, classes=classes)
        return True
