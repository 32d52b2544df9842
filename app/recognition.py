"""When to ask the network: at most once per frame, and only if the drawing changed since.

Events are handled as they come, but a fast mouse sends several per frame; reading after each
would make the app fall behind the pen. The scheduler remembers which `Drawing.version` its
reading belongs to, so a frame with no change costs nothing.
"""

from __future__ import annotations

import time
from collections import deque

from model.drawing import Drawing
from model.recognise import Reading, Recogniser


class ReadScheduler:
    def __init__(self, recogniser: Recogniser) -> None:
        self.recogniser = recogniser
        self.reading: Reading | None = None
        self.read_times: deque[float] = deque(maxlen=10_000)  # seconds per network reading
        self._version = -1  # drawing.version the reading belongs to

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
        if drawing.is_empty:
            self.reading = None
            return True
        t0 = time.perf_counter()
        try:
            self.reading = self.recogniser.read(drawing.point_arrays(side))
        except ValueError:
            self.reading = None  # nothing readable (e.g. every point erased mid-gesture)
        self.read_times.append(time.perf_counter() - t0)
        return True
