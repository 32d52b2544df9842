"""Where everything goes, computed from the window size alone.

One pure function, `compute_layout`, turns (width, height, classroom) into rectangles and type
sizes. Drawing code never invents a coordinate, so a resize is just "compute the layout again".

Wide windows put the canvas on the left and the readout on the right; tall or narrow ones put the
readout under the canvas. The canvas is always square, because digits are drawn in a square and
the network's input is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pygame import Rect

from model.preprocess import FIELD

CLASSROOM_BOOST = 1.3  # type and spacing grow this much more in classroom mode: read from the back row


@dataclass(frozen=True)
class TypeScale:
    """Font sizes in pixels."""

    title: int
    body: int
    small: int
    label: int  # digit labels beside the bars
    prompt: int  # "Draw a digit" on the empty canvas


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    scale: float
    classroom: bool
    type: TypeScale
    margin: int
    radius: int  # corner radius of cards and buttons
    canvas: Rect
    toolbar: Rect  # under the canvas: brush indicator and buttons
    brush: Rect  # left part of the toolbar
    buttons: dict[str, Rect] = field(default_factory=dict)  # "undo", "eraser", "clear"
    header: Rect = field(default_factory=Rect)  # title row; zero height when there is no room
    prediction: Rect = field(default_factory=Rect)
    preview: Rect = field(default_factory=Rect)  # the 28x28 input, a whole multiple of 28 px square
    preview_caption: Rect = field(default_factory=Rect)
    bars: Rect = field(default_factory=Rect)
    bars_vertical: bool = False  # ten columns side by side instead of ten rows
    status: Rect = field(default_factory=Rect)


BUTTONS = ("undo", "eraser", "clear")  # left to right


def compute_layout(width: int, height: int, classroom: bool = False) -> Layout:
    """The layout for a window of width x height pixels. Never fails, however small the window."""
    w, h = max(int(width), 1), max(int(height), 1)
    # Scale type and spacing with the window: 1.0 at 1280x800, the same in portrait at 800x1280.
    s = min(max(w, h) / 1280, min(w, h) / 800)
    s = min(max(s, 0.55), 3.0) * (CLASSROOM_BOOST if classroom else 1.0)
    types = TypeScale(
        title=round(26 * s),
        body=round(19 * s),
        small=round(15 * s),
        label=round(22 * s),
        prompt=round(34 * s),
    )
    m = round(20 * s)
    gap = m
    toolbar_h = round(50 * s)
    status_h = round(34 * s)
    content_h = h - 2 * m - status_h - gap // 2  # everything above the status line

    wide = w >= h * 1.15
    if wide:
        panel_min = round(360 * s)
        side = min(content_h - gap // 2 - toolbar_h, w - 2 * m - gap - panel_min)
        side = max(side, 40)
        panel_w = min(w - 2 * m - gap - side, round(680 * s))
        panel_w = max(panel_w, 1)
        group_w = side + gap + panel_w
        x0 = max((w - group_w) // 2, m)  # very wide windows: keep the group together, centred
        canvas = Rect(x0, m, side, side)
        panel = Rect(canvas.right + gap, m, panel_w, side + gap // 2 + toolbar_h)
        status = Rect(x0, h - m - status_h, group_w, status_h)
    else:
        readout_min = max(round(230 * s), round(h * 0.3))
        side = min(w - 2 * m, content_h - gap // 2 - toolbar_h - gap - readout_min)
        side = max(side, 40)
        canvas = Rect((w - side) // 2, m, side, side)
        group_w = min(w - 2 * m, max(side, round(640 * s)))
        x0 = (w - group_w) // 2
        top = canvas.bottom + gap // 2 + toolbar_h + gap
        panel = Rect(x0, top, group_w, max(h - m - status_h - gap // 2 - top, 1))
        status = Rect(x0, h - m - status_h, group_w, status_h)

    toolbar = Rect(canvas.x, canvas.bottom + gap // 2, canvas.w, toolbar_h)
    buttons, brush = _toolbar(toolbar, s)
    parts = _panel(panel, s, gap, types)
    return Layout(
        size=(w, h),
        scale=s,
        classroom=classroom,
        type=types,
        margin=m,
        radius=max(3, round(10 * s)),
        canvas=canvas,
        toolbar=toolbar,
        brush=brush,
        buttons=buttons,
        status=status,
        **parts,
    )


def _toolbar(toolbar: Rect, s: float) -> tuple[dict[str, Rect], Rect]:
    pad = round(8 * s)
    bw = min(round(112 * s), (toolbar.w - 3 * pad) // 5)  # leave the brush indicator two fifths
    bh = toolbar.h - round(6 * s)
    buttons = {}
    x = toolbar.right
    for name in reversed(BUTTONS):
        x -= bw
        buttons[name] = Rect(x, toolbar.y + (toolbar.h - bh) // 2, bw, bh)
        x -= pad
    brush = Rect(toolbar.x, toolbar.y, max(x - toolbar.x, 0), toolbar.h)
    return buttons, brush


def _panel(panel: Rect, s: float, gap: int, types: TypeScale) -> dict:
    """Header, prediction card, input preview and bars inside the readout panel."""
    caption_h = round(types.small * 1.9)
    if panel.w >= panel.h * 1.6:
        # Short and wide (narrow windows, readout under the canvas): prediction and preview on the
        # left, the bars as ten columns on the right; no title row, the window title says it.
        preview_side = _whole_cells(min(panel.h - caption_h, panel.w * 0.25))
        pred_w = max(round(panel.w * 0.24), 1)
        prediction = Rect(panel.x, panel.y, pred_w, panel.h)
        preview = Rect(prediction.right + gap, panel.y, preview_side, preview_side)
        bars_x = preview.right + gap
        bars = Rect(bars_x, panel.y, max(panel.right - bars_x, 1), panel.h)
        return dict(
            header=Rect(panel.x, panel.y, panel.w, 0),
            prediction=prediction,
            preview=preview,
            preview_caption=Rect(preview.x, preview.bottom, preview.w, caption_h),
            bars=bars,
            bars_vertical=True,
        )
    header = Rect(panel.x, panel.y, panel.w, round(types.title * 1.6))
    readout_h = min(round(panel.w * 0.44), round((panel.h - header.h) * 0.40))
    preview_side = _whole_cells(min(readout_h - caption_h, panel.w * 0.42))
    top = header.bottom + gap // 2
    preview = Rect(panel.right - preview_side, top, preview_side, preview_side)
    prediction = Rect(panel.x, top, max(preview.x - gap - panel.x, 1), preview_side + caption_h)
    bars_top = prediction.bottom + gap
    return dict(
        header=header,
        prediction=prediction,
        preview=preview,
        preview_caption=Rect(preview.x, preview.bottom, preview.w, caption_h),
        bars=Rect(panel.x, bars_top, panel.w, max(panel.bottom - bars_top, 1)),
        bars_vertical=False,
    )


def _whole_cells(side: float) -> int:
    """The largest multiple of 28 not above `side` (at least 28): every input pixel the same size."""
    return max(int(side) // FIELD, 1) * FIELD
