"""Where everything goes, computed from the window size alone.

One pure function, `compute_layout`, turns (width, height, classroom) into rectangles and type
sizes. Drawing code never invents a coordinate, so a resize is just "compute the layout again".

Wide windows put the canvas on the left and the readout on the right; tall or narrow ones put the
readout under the canvas. The canvas is always square, because digits are drawn in a square and
the network's input is one.

With a side panel open (`panel=True`: the inside view) the canvas, its toolbar and the prediction
card share a column on the left and the panel gets the rest (`Layout.panel`); the bars and the 28x28
input are then the panel's to show, so `bars` and `preview` are empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pygame import Rect

from app.theme import CLASSROOM_BOOST, LINE, SMALLEST_TYPE
from model.config import CLASSES, DIGITS, FIELD

CAPTION_EMS = 12  # "what the network sees" is 11.4 ems wide in DejaVu Sans, more when small
PCT_EMS = 3.25  # "100%" in the bold face is 3.0 to 3.25 ems wide (the most at the smallest sizes)


@dataclass(frozen=True)
class TypeScale:
    """Font sizes in pixels."""

    title: int
    body: int
    small: int
    label: int  # digit labels beside the bars
    prompt: int  # "Draw a digit" on the empty canvas


@dataclass(frozen=True)
class BarSlot:
    """One digit's bar: its label, its track (the fill grows from the start along it) and its %."""

    digit: int
    label_at: tuple[int, int]
    label_anchor: str  # pygame Rect attribute the label's text is placed by
    track: Rect
    pct_at: tuple[int, int]
    pct_anchor: str
    vertical: bool  # grows upwards from the bottom rather than rightwards from the left

    def fill(self, p: float) -> Rect:
        """The part of the track a probability p covers."""
        t = self.track
        if self.vertical:
            h = round(t.h * min(max(p, 0.0), 1.0))
            return Rect(t.x, t.bottom - h, t.w, h)
        return Rect(t.x, t.y, round(t.w * min(max(p, 0.0), 1.0)), t.h)


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    scale: float
    type: TypeScale
    radius: int  # corner radius of cards and buttons
    canvas: Rect
    toolbar: Rect  # under the canvas: brush indicator and buttons
    brush: Rect  # left part of the toolbar: the brush's dot, then its label
    brush_dot: Rect
    brush_label: Rect
    buttons: dict[str, Rect] = field(default_factory=dict)  # "undo", "eraser", "clear"
    header: Rect = field(default_factory=Rect)  # title row; zero height when there is no room
    prediction: Rect = field(default_factory=Rect)  # the card
    prediction_title: Rect = field(default_factory=Rect)  # "Prediction", in its top-left corner
    prediction_body: Rect = field(default_factory=Rect)  # where the headline and caption go
    preview: Rect = field(default_factory=Rect)  # the 28x28 input, a whole multiple of 28 px square
    preview_caption: Rect = field(default_factory=Rect)
    bars: Rect = field(default_factory=Rect)
    bars_vertical: bool = False  # ten columns side by side instead of ten rows
    bar_slots: tuple[BarSlot, ...] = ()  # one per digit, inside `bars`
    pct_size: int = 0  # type size of the percentages beside (or above) the bars
    label_size: int = 0  # type size of the digits beside (or under) the bars
    status: Rect = field(default_factory=Rect)
    panel: Rect = field(default_factory=Rect)  # the side panel (the inside view); empty in the plain view
    model_label: Rect = field(default_factory=Rect)  # which model reads, when the header has no room for it


# Left to right; "look": desk <-> classroom, "view": plain <-> inside.
BUTTONS = ("look", "view", "learn", "class", "undo", "eraser", "clear")
MIN_BUTTON = 32  # px: a toolbar button narrower than this cannot show its label
PANEL_CANVAS = 0.33  # with a panel open, the canvas takes this much of the width (0.30 in classroom)
PANEL_CANVAS_CLASSROOM = 0.30


def compute_layout(width: int, height: int, classroom: bool = False, panel: bool = False) -> Layout:
    """The layout for a window of width x height pixels, with or without the side panel (the inside
    view). Never fails, however small the window."""
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
    if panel:
        return _with_panel(w, h, s, types, m, gap, toolbar_h, status_h, classroom)

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
    parts.update(_bar_slots(parts["bars"], parts["bars_vertical"], s, types))
    parts.update(_card(parts["prediction"], s, types))
    if not parts["header"].h:
        parts["model_label"] = _beside_title(parts["prediction_title"], types)
    return Layout(**_common(w, h, s, types, canvas, toolbar, buttons, brush, status), **parts)


def _with_panel(
    w: int, h: int, s: float, types: TypeScale, m: int, gap: int, toolbar_h: int, status_h: int, classroom: bool
) -> Layout:
    """The canvas column (header, canvas, toolbar, prediction card) on the left, the side panel
    right of it from the top margin to the status line, which runs across the bottom: every row of
    height the panel gets makes its pictures bigger. Tall windows put the panel under the canvas."""
    status = Rect(m, h - m - status_h, max(w - 2 * m, 1), status_h)
    bottom = status.y - gap // 2  # everything else ends here
    header_h = round(types.title * 1.6)
    # The prediction card needs a big digit and a caption line: the canvas leaves it this much.
    card_min = round(types.prompt * 2 + types.body * 2.5)
    if w >= h * 1.15:
        share = PANEL_CANVAS_CLASSROOM if classroom else PANEL_CANVAS
        top = m + header_h + gap // 2
        side = min(int(w * share), bottom - top - toolbar_h - gap - card_min)
        side = max(side, 40)
        header = Rect(m, m, side, header_h)
        canvas = Rect(m, top, side, side)
        toolbar = Rect(m, canvas.bottom + gap // 2, side, toolbar_h)
        card_top = toolbar.bottom + gap // 2
        prediction = Rect(m, card_top, side, max(bottom - card_top, 1))
        panel = Rect(canvas.right + gap, m, max(w - m - canvas.right - gap, 1), max(bottom - m, 1))
    else:  # tall: header across, canvas and card side by side, the panel underneath
        header = Rect(m, m, max(w - 2 * m, 1), header_h)
        top = header.bottom + gap // 2
        side = min((w - 2 * m - gap) * 11 // 20, int((bottom - top) * 0.36))
        side = max(side, 40)
        canvas = Rect(m, top, side, side)
        toolbar = Rect(m, canvas.bottom + gap // 2, side, toolbar_h)
        prediction = Rect(canvas.right + gap, top, max(w - m - canvas.right - gap, 1), toolbar.bottom - top)
        panel_top = toolbar.bottom + gap
        panel = Rect(m, panel_top, max(w - 2 * m, 1), max(bottom - panel_top, 1))
    # The toolbar beside a panel is narrow: the look's button goes at the header's right end instead.
    buttons, brush = _toolbar(toolbar, s, brush_share=0.0, names=BUTTONS[1:])
    look_w = min(round(types.body * 3.2), header.w // 3)
    buttons["look"] = Rect(header.right - look_w, header.y + round(4 * s), look_w, header.h - round(8 * s))
    header = Rect(header.x, header.y, max(header.w - look_w - round(8 * s), 1), header.h)
    card = _card(prediction, s, types)
    return Layout(
        **_common(w, h, s, types, canvas, toolbar, buttons, brush, status),
        header=header,
        prediction=prediction,
        model_label=_beside_title(card["prediction_title"], types),
        preview=Rect(canvas.x, canvas.y, 0, 0),
        preview_caption=Rect(canvas.x, canvas.y, 0, 0),
        bars=Rect(canvas.x, canvas.y, 0, 0),
        panel=panel,
        **card,
    )


def _common(
    w: int, h: int, s: float, types: TypeScale, canvas: Rect, toolbar: Rect, buttons: dict, brush: Rect, status: Rect
) -> dict:
    """What every layout has, with or without a side panel."""
    return dict(
        size=(w, h), scale=s, type=types, radius=max(3, round(10 * s)), canvas=canvas, toolbar=toolbar,
        buttons=buttons, status=status, **_brush(brush, s),
    )


def _brush(brush: Rect, s: float) -> dict[str, Rect]:
    """The toolbar's brush indicator: a dot as wide as it is high, its label after it."""
    dot = Rect(brush.x, brush.y, min(brush.h, brush.w), brush.h)
    label_x = min(dot.right + round(8 * s), brush.right)
    return {"brush": brush, "brush_dot": dot, "brush_label": Rect(label_x, brush.y, brush.right - label_x, brush.h)}


def _card(card: Rect, s: float, types: TypeScale) -> dict[str, Rect]:
    """The prediction card's inside: "Prediction" in its top-left corner, the headline under it."""
    pad = round(12 * s)
    title = Rect(card.x + pad, card.y + pad, max(card.w - 2 * pad, 1), round(types.small * LINE))
    body = Rect(title.x, title.bottom, title.w, max(card.h - 2 * pad - title.h, 1))
    return {"prediction_title": title, "prediction_body": body}


def _beside_title(title: Rect, types: TypeScale) -> Rect:
    """Right of the card's "Prediction" (about 6 ems): where the model's name goes if the header
    has no room for it."""
    x = title.x + round(types.small * 6.5)
    return Rect(x, title.y, max(title.right - x, 0), title.h)


def _toolbar(toolbar: Rect, s: float, brush_share: float = 1.5,
             names: tuple[str, ...] = BUTTONS) -> tuple[dict[str, Rect], Rect]:
    """Buttons from the right; the brush indicator keeps `brush_share` buttons' width on the left
    (0: whatever the buttons leave; with a panel open the toolbar is narrow, the buttons come first)."""
    pad = round(8 * s)
    while True:
        n = len(names)
        bw = min(round(112 * s), int((toolbar.w - (n - 1) * pad - (pad if brush_share else 0)) / (n + brush_share)))
        # Too narrow for its label (the smallest windows): the look's button goes first; P still switches it.
        if bw >= max(MIN_BUTTON, round(44 * s)) or names[0] != "look":
            break
        names = names[1:]
    bh = toolbar.h - round(6 * s)
    buttons = {}
    x = toolbar.right
    for name in reversed(names):
        x -= bw
        buttons[name] = Rect(x, toolbar.y + (toolbar.h - bh) // 2, bw, bh)
        x -= pad
    brush = Rect(toolbar.x, toolbar.y, max(x - toolbar.x, 0), toolbar.h)
    return buttons, brush


def _panel(panel: Rect, s: float, gap: int, types: TypeScale) -> dict:
    """Header, prediction card, input preview and bars inside the readout panel.

    The caption under the preview ("what the network sees") is wider than a small preview; its
    rectangle is as wide as the text, so nothing else is placed where it goes.
    """
    caption_h = round(types.small * 1.9)
    caption_w = round(types.small * CAPTION_EMS)
    if panel.w >= panel.h * 1.6:
        # Short and wide (narrow windows, readout under the canvas): prediction and preview on the
        # left, the bars as ten columns on the right; no title row, the window title says it.
        preview_side = _whole_cells(min(panel.h - caption_h, panel.w * 0.25))
        pred_w = max(round(panel.w * 0.24), 1)
        prediction = Rect(panel.x, panel.y, pred_w, panel.h)
        cap_w = max(preview_side, caption_w)
        caption = Rect(prediction.right + gap, panel.y + preview_side + 1, cap_w, caption_h)
        preview = Rect(caption.centerx - preview_side // 2, panel.y, preview_side, preview_side)
        bars_x = caption.right + gap
        bars = Rect(bars_x, panel.y, max(panel.right - bars_x, 1), panel.h)
        return dict(
            header=Rect(panel.x, panel.y, panel.w, 0),
            prediction=prediction,
            preview=preview,
            preview_caption=caption,
            bars=bars,
            bars_vertical=True,
        )
    header = Rect(panel.x, panel.y, panel.w, round(types.title * 1.6))
    readout_h = min(round(panel.w * 0.44), round((panel.h - header.h) * 0.40))
    preview_side = _whole_cells(min(readout_h - caption_h, panel.w * 0.42))
    top = header.bottom + gap // 2
    preview = Rect(panel.right - preview_side, top, preview_side, preview_side)
    # The caption starts a pixel under the preview: the preview's border line is drawn there.
    if caption_w <= preview_side:
        caption = Rect(preview.x, preview.bottom + 1, preview_side, caption_h)
        card_h = preview_side + caption_h  # the card reaches down to the caption's baseline
    else:  # flush right under the preview, reaching left under the card, which stops above it
        caption = Rect(panel.right - caption_w, preview.bottom + 1, caption_w, caption_h)
        card_h = preview_side
    prediction = Rect(panel.x, top, max(preview.x - gap - panel.x, 1), card_h)
    bars_top = caption.bottom + gap
    return dict(
        header=header,
        prediction=prediction,
        preview=preview,
        preview_caption=caption,
        bars=Rect(panel.x, bars_top, panel.w, max(panel.bottom - bars_top, 1)),
        bars_vertical=False,
    )


def _bar_slots(area: Rect, vertical: bool, s: float, types: TypeScale) -> dict:
    """Where each digit's label, bar and percentage go: ten rows, or ten columns when vertical."""
    slots = []
    if vertical:
        col_w = area.w / CLASSES
        thick = max(4, round(min(col_w * 0.5, 40 * s)))
        # "100%" wider than its column (a narrow window): the percentages take two staggered rows,
        # the odd digits' a row lower, so each may be 1.6 columns wide; the outer two keep to the
        # area's edges.
        size = min(types.small, int(col_w * 0.9 / PCT_EMS))
        rows = 1 if size >= SMALLEST_TYPE else 2
        size = max(min(types.small, int(col_w * (0.9 if rows == 1 else 1.6) / PCT_EMS)), SMALLEST_TYPE)
        line = round(size * LINE)
        pct_h, label_h = line * rows + round(types.small * 0.3), round(types.label * 1.4)
        top, bottom = area.y + pct_h, area.bottom - label_h
        for d in DIGITS:
            cx = round(area.x + col_w * (d + 0.5))
            track = Rect(cx - thick // 2, top, thick, max(bottom - top, 4))
            pct_y = area.y + line * (d % rows)
            pct_at, anchor = (cx, pct_y), "midtop"
            if rows > 1 and d in (DIGITS[0], DIGITS[-1]):
                pct_at, anchor = ((area.x, pct_y), "topleft") if d == DIGITS[0] else ((area.right, pct_y), "topright")
            slots.append(BarSlot(d, (cx, area.bottom), "midbottom", track, pct_at, anchor, True))
        return dict(bar_slots=tuple(slots), pct_size=size, label_size=types.label)
    row_h = area.h / CLASSES
    thick = max(4, round(min(row_h * 0.56, 34 * s)))
    # The digits and percentages no taller than a row (a short window in classroom mode).
    label_size = max(min(types.label, int(row_h / LINE)), SMALLEST_TYPE)
    pct_size = max(min(types.body, int(row_h / LINE)), SMALLEST_TYPE)
    label_w = round(label_size * 1.3)
    # "100%" in the bold face, plus a little air before the bar.
    pct_w = round(pct_size * PCT_EMS) + round(10 * s)
    track_x = area.x + label_w
    track_w = max(area.w - label_w - pct_w, 4)
    for d in DIGITS:
        cy = round(area.y + row_h * (d + 0.5))
        track = Rect(track_x, cy - thick // 2, track_w, thick)
        slots.append(
            BarSlot(d, (area.x + label_w // 2, cy), "center", track, (area.right, cy), "midright", False)
        )
    return dict(bar_slots=tuple(slots), pct_size=pct_size, label_size=label_size)


def _whole_cells(side: float) -> int:
    """The largest multiple of 28 not above `side` (at least 28): every input pixel the same size."""
    return max(int(side) // FIELD, 1) * FIELD
