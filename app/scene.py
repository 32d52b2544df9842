"""The Scene: everything one frame shows, as the App knows it; the views paint it and change nothing.

Layouts and themes are plain values (app/layout.py, app/theme.py); the answer a reading gets is
judged once per frame here, for the prediction card, the bars and the inside view alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from app.readout import Verdict, verdict
from model.answer import Thresholds
from model.drawing import Drawing
from model.inside import Inside, Units
from model.recognise import Reading

if TYPE_CHECKING:
    from app.layout import Layout
    from app.theme import Theme


@dataclass
class Scene:
    """Everything one frame shows."""

    layout: Layout
    theme: Theme
    drawing: Drawing
    reading: Reading | None
    thresholds: Thresholds  # when a reading is sure, not sure, or not a digit (model/answer.py)
    brush_px: int
    eraser_mode: bool
    erasing_now: bool
    eraser_radius_px: float
    pointer: tuple[int, int] | None
    hover: str | None  # the button under the pointer
    status: str
    status_kind: str  # "info", "good" or "warn"
    saved: int
    show_help: bool
    data_dir: str
    inside: Inside | None = None  # the reading explained, while the inside view is open
    units: Units | None = None  # the model's hidden units (pictures, gallery order)
    panel_open: bool = False  # a side panel (the inside view, the Learn view) is open
    mode: str = "plain"  # the view mode (app/panels.py)
    mode_button: str = ""  # the open view's toolbar button, lit ("" : none)
    mode_keys: str = ""  # the header's reminder of the key that leaves the open view ("" : the plain view's)
    model_label: str = ""  # which model reads the drawing, in the header ("" : the bundled one)
    classroom: bool = False  # the classroom look: its toolbar button is lit

    @cached_property
    def answer(self) -> Verdict | None:
        """What the frame says about the reading (sure, not sure, not a digit): decided once per
        frame, for the prediction card, the bars and the inside view alike."""
        return None if self.reading is None else verdict(self.reading, self.thresholds)
