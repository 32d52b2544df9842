"""Drawing one frame: canvas, toolbar, prediction, the network's input, the bars, status and help.

The view reads a `Scene` (a snapshot of what the app knows) and paints it; it never changes app
state, so what is on screen is a pure function of the scene plus a few caches that only save time.
"""

from __future__ import annotations

import numpy as np
import pygame
import pygame.gfxdraw

from app import marks
from app.help_card import HelpCard
from app.ink import InkLayer
from app.kit import Drawn, Painter, Sizes, grey_picture
from app.panels import Panel
from app.readout import CROSS, HATCHED, SOLID, Verdict, percentages
from app.scene import Scene
from app.theme import CLASSROOM_LEAST_SCALE, DESK, SMALLEST_TYPE, Colour, Fonts, TextCache, Theme
from model.config import CLASSES, FIELD
from model.drawing import Drawing
from model.inside import raw_canvas
from model.recognise import Reading

# The header's reminder of the key that leaves (or opens) a view, per view mode (app/panels.py).
PLAIN_KEYS = "N  look inside"  # the header's reminder of the key that opens a view (a panel says its own)


class View:
    def __init__(self) -> None:
        self.fonts = Fonts()
        self.text = TextCache(self.fonts)
        self.ink = InkLayer()
        self._preview_key: tuple | None = None
        self._preview_for: Reading | None = None  # the reading the preview below shows
        self._preview: pygame.Surface | None = None
        self.preview_image: np.ndarray | None = None  # the 28x28 picture the preview shows, and its caption
        self.preview_caption = SEES
        self.help = HelpCard(self.text)
        self.help_rect: pygame.Rect | None = None  # where the help card was last drawn, if it was
        self.drawn: Drawn = []  # what the last frame drew where, in which card (app/kit.py)
        self.p = Painter(pygame.Surface((1, 1)), self.text, DESK)  # each frame draws with a painter of its own

    # -- the frame ---------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, scene: Scene, panel: Panel | None = None) -> None:
        """Paint the frame; `panel` (the open side panel, if any) paints into `layout.panel`."""
        lay, th = scene.layout, scene.theme
        surface.fill(th.background)
        self.drawn = []
        # The plain view's type comes from the layout; the kit records what goes where in self.drawn.
        sizes = Sizes(title=lay.type.title, body=lay.type.body, small=lay.type.small, gap=0, pad=0, radius=lay.radius)
        self.p = Painter(surface, self.text, th, sizes, self.drawn)
        self._canvas(surface, scene)
        self._toolbar(surface, scene)
        if lay.header.h:
            self._header(surface, scene)
        self._prediction(surface, scene)
        if lay.preview.w:  # with a panel open, the panel shows the input and the bars
            self._input_preview(surface, scene)
        if lay.bars.w:
            self._bars(surface, scene)
        self._status(surface, scene)
        if panel is not None:
            panel.draw(surface, scene)
        self.help_rect = self.help.draw(surface, scene, self.drawn, self.p.sizes) if scene.show_help else None

    def canvas_pixels(self, drawing: Drawing, side: int, theme: Theme) -> np.ndarray:
        """The canvas with `drawing` on it, (side, side, 3) uint8: what 'save picture' writes."""
        ink = self.ink.sync(drawing, side, theme.canvas, theme.ink)
        return pygame.surfarray.array3d(ink).transpose(1, 0, 2)

    # -- pieces ------------------------------------------------------------------------------------

    def _canvas(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th, rect = scene.layout, scene.theme, scene.layout.canvas
        ink = self.ink.sync(scene.drawing, rect.w, th.canvas, th.ink)
        surface.blit(ink, rect)
        pygame.draw.rect(surface, th.border, rect.inflate(2, 2), width=max(1, round(lay.scale)))
        if scene.drawing.is_empty:
            self.p.put_large("Draw a digit", lay.type.prompt, th.muted, "center", rect.center, max_w=rect.w * 0.9,
                             card=rect)
            hint = "right button or E erases" if rect.w > 260 else ""
            self.p.put_large(hint, lay.type.small, th.faint, "midtop", (rect.centerx, rect.centery + lay.type.prompt),
                             max_w=rect.w * 0.9, card=rect)
        p = scene.pointer
        if p is None or not rect.collidepoint(p) or scene.show_help:
            return
        clip = surface.get_clip()
        surface.set_clip(rect)
        if scene.eraser_mode or scene.erasing_now:
            r = max(2, round(scene.eraser_radius_px))
            pygame.gfxdraw.aacircle(surface, p[0], p[1], r, th.eraser)
            pygame.gfxdraw.aacircle(surface, p[0], p[1], max(r - 1, 1), th.eraser)
        elif not scene.drawing.drawing:
            # The pen's footprint, so the user sees how thick the ink will be before drawing.
            pygame.gfxdraw.aacircle(surface, p[0], p[1], max(1, scene.brush_px // 2), th.faint)
        surface.set_clip(clip)

    def _toolbar(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th = scene.layout, scene.theme
        dot, text = lay.brush_dot, lay.brush_label
        dot_r = max(2, min(scene.brush_px // 2, dot.h // 2 - 4))
        if dot.w > 2 * dot_r + 4:
            pygame.gfxdraw.aacircle(surface, dot.centerx, dot.centery, dot_r, th.ink)
            pygame.gfxdraw.filled_circle(surface, dot.centerx, dot.centery, dot_r, th.ink)
            self.drawn.append(("brush dot", pygame.Rect(0, 0, 2 * dot_r + 1, 2 * dot_r + 1).move(
                dot.centerx - dot_r, dot.centery - dot_r), lay.toolbar))
        colour = th.muted if not scene.eraser_mode else th.eraser
        # The longest wording that fits (the toolbar is narrow with the inside view open).
        words = (f"Brush {scene.brush_px} px", f"{scene.brush_px} px") if not scene.eraser_mode else ("Eraser on", "")
        label = next((t for t in words if self.text.render(t, lay.type.body, colour).get_width() <= text.w), "")
        self.p.put_large(label, lay.type.body, colour, "midleft", text.midleft, card=lay.toolbar)
        # The keys that change it, if there is room for them: a reminder, not essential.
        hint = "[ ]" if not scene.eraser_mode else "E: pen"
        used = self.text.render(label, lay.type.body, colour).get_width() + lay.type.body * 3 // 4
        hint_img = self.text.render(hint, lay.type.body, th.faint)
        if used + hint_img.get_width() <= text.w:
            self.p.blit(hint_img, hint_img.get_rect(midleft=(text.x + used, text.centery)), hint, card=lay.toolbar)
        # Each button's label, then its key for a toolbar too narrow for words (a small window with a panel).
        names = {"look": ("Big", "P"), "view": ("Inside", "N"), "learn": ("Learn", "T"), "class": ("Class", "W"),
                 "undo": ("Undo", "Z"), "eraser": ("Eraser", "E"), "clear": ("Clear", "C")}
        enabled = {
            "look": True,
            "view": True,
            "learn": True,
            "class": True,
            "undo": scene.drawing.can_undo,
            "eraser": True,
            "clear": not scene.drawing.is_empty,
        }
        # One type size for every label, the largest at which each fits its button: no "Eraser"
        # smaller than its neighbours.
        size, floor = lay.type.body, max(SMALLEST_TYPE, round(lay.type.body * 0.6))
        if scene.classroom and lay.scale >= CLASSROOM_LEAST_SCALE:
            floor = size  # on a projector a word too wide for its button gives way to its key, never shrinks
        size = self.p.row_size([names[n][0] for n in lay.buttons], [r.w - 6 for r in lay.buttons.values()], size,
                               floor)
        for name, rect in lay.buttons.items():
            lit = scene.mode_button  # the open view's button
            on = (name == "eraser" and scene.eraser_mode) or name == lit or (name == "look" and scene.classroom)
            fill = (
                th.button_on
                if on
                else th.button_hover
                if scene.hover == name and enabled[name]
                else th.button
            )
            colour = th.text if enabled[name] else th.faint
            # A button is a card of its own (inside the toolbar), its label in it.
            # The word at the toolbar's one size, or the key where even the smallest type will not fit it.
            label = self.p.wording(names[name], size, rect.w - 6)
            self.p.button(rect, label, size, fill, colour, bold=False, max_w=rect.w - 6, large=True)

    def _header(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th = scene.layout, scene.theme
        r = lay.header
        self.p.put_large("Digitpad", lay.type.title, th.text, "midleft", (r.x, r.centery), bold=True, card=r)
        x = r.x + self.text.render("Digitpad", lay.type.title, th.text, True).get_width() + lay.type.body
        # Then the keys on the right and which model is reading (unless the layout put that in the
        # prediction card), in the first wording that fits.
        label = "" if lay.model_label.w else scene.model_label
        keys = f"{scene.mode_keys or PLAIN_KEYS}   \u00b7   H  help"
        sizes = (lay.type.body, lay.type.small)
        for hint, size in [(keys, sizes[0]), (keys, sizes[1]), ("H  help", sizes[1]), ("", sizes[1])]:
            right = self.text.render(hint, lay.type.small, th.muted)
            room = r.right - right.get_width() - lay.type.body - x
            if right.get_width() <= r.right - x and self.text.render(label, size, th.muted).get_width() <= room:
                break
        if hint:
            self.p.blit(right, right.get_rect(midright=(r.right, r.centery)), hint, card=r)
        if label:
            self.p.put_large(label, size, th.muted, "midleft", (x, r.centery), max_w=max(room, 1), card=r)

    def _prediction(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th, rect = scene.layout, scene.theme, scene.layout.prediction
        pygame.draw.rect(surface, th.panel, rect, border_radius=lay.radius)
        # The card's frame is the first thing that tells the answers apart, colour or not: solid
        # for sure, dashed for not sure, none for "not a digit" (app/readout.py). Whatever the
        # answer, the card's words stay inside where the frame would be.
        frame = max(2, round(3 * lay.scale))
        inner = rect.inflate(-2 * frame, -2 * frame)
        title = lay.prediction_title
        if lay.model_label.w and scene.model_label:
            # The header had no room for the model's name: it takes the card's title line instead of
            # "Prediction", at the title's size (the name matters more than the word), cut short
            # only if even that line is too narrow.
            name = scene.model_label.removeprefix("Model: ")
            name = self.text.shorten(name, lay.type.small, title.w)
            self.p.put_large(name, lay.type.small, th.muted, "topleft", title.topleft, max_w=title.w, card=inner)
        else:
            self.p.put_large("Prediction", lay.type.small, th.muted, "topleft", title.topleft, card=inner)
        body = lay.prediction_body
        if scene.reading is None:
            self.p.put_large("no digit yet", lay.type.body, th.faint, "center", body.center, max_w=body.w, card=inner)
            return
        v = scene.answer
        if v.sure:
            marks.solid_frame(surface, rect, th.accent, frame, lay.radius)
        elif v.kind == "unsure":
            marks.dashed_frame(surface, rect, th.unsure, frame, lay.radius)
        caption_size = lay.type.body
        gap = round(4 * lay.scale)
        # The caption first (on two lines if the card is narrow); the headline gets the height left,
        # with half a caption's height of air when there is room for it.
        caption_colour = {"sure": th.text, "unsure": th.unsure}.get(v.kind, th.muted)
        captions = self._wrapped(v.caption, caption_size, caption_colour, body.w)
        room = body.h - sum(img.get_height() + gap for img in captions)
        short = room < caption_size * 3  # a short card (a small window): all of it for the headline
        big = self.fonts.largest(room if short else room - caption_size // 2, round(body.w * 0.9))
        colour = {"sure": th.accent, "unsure": th.unsure}.get(v.kind, th.text)
        if v.kind == "not-digit":
            lines = self._not_a_digit(big, caption_size, body.w, th.text)
        else:
            if not v.sure and not short:
                big = round(big * 0.55)  # "4 or 9?" is four glyphs wide: smaller, and less shouty
            lines = [self._fit(v.headline, big, colour, body.w, bold=True)]
        lines += captions
        y = body.centery - (sum(img.get_height() for img in lines) + gap * (len(lines) - 1)) // 2
        for img, what in zip(lines, ["headline"] * (len(lines) - len(captions)) + ["caption"] * len(captions)):
            self.p.blit(img, img.get_rect(midtop=(body.centerx, y)), what, card=inner)
            y += img.get_height() + gap

    def _not_a_digit(self, big: int, caption_size: int, width: int, colour: Colour) -> list[pygame.Surface]:
        """The "not a digit" headline: a large cross over the words where the card has the height,
        else the cross and the words on one line."""
        cross, words = round(big * 0.42), round(big * 0.38)
        if words >= caption_size:
            return [self._fit(CROSS, cross, colour, width, bold=True),
                    self._fit("not a digit", words, colour, width, bold=True)]
        return [self._fit(f"{CROSS}  not a digit", big, colour, width, bold=True)]

    def _fit(self, text: str, size: int, colour: Colour, max_w: float, bold: bool = False) -> pygame.Surface:
        """Text rendered at `size`, or smaller (not below SMALLEST_TYPE) until it is no wider than max_w."""
        return self.p.img(text, max(size, SMALLEST_TYPE), colour, bold, max_w)

    def _wrapped(self, text: str, size: int, colour: Colour, max_w: int) -> list[pygame.Surface]:
        """`text` on one line at `size` (or a little smaller); if that is wider than max_w, broken at
        spaces into two lines (each then fitted to max_w)."""
        font = self.fonts.get(size)
        if font.size(text)[0] * 0.8 <= max_w or " " not in text:
            return [self._fit(text, size, colour, max_w)]
        words = text.split(" ")
        # The break that makes the longer line shortest.
        cut = min(range(1, len(words)), key=lambda i: max(font.size(" ".join(words[:i]))[0],
                                                          font.size(" ".join(words[i:]))[0]))
        return [self._fit(" ".join(part), size, colour, max_w) for part in (words[:cut], words[cut:])]

    def _input_preview(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th, rect = scene.layout, scene.theme, scene.layout.preview
        # Made again for another reading: told by the object, not its id(), since a new reading often
        # reuses the old one's address (the preview then showed the drawing before: seen in screenshots).
        key = (rect.size, th.grid)
        if scene.reading is not self._preview_for or key != self._preview_key:
            self.preview_image, self.preview_caption = preview(scene.reading, scene.answer, scene.drawing,
                                                               lay.canvas.w)
            self._preview = _magnify(self.preview_image, rect.w, th.grid)
            self._preview_for, self._preview_key = scene.reading, key
        assert self._preview is not None
        surface.blit(self._preview, rect)
        pygame.draw.rect(surface, th.border, rect.inflate(2, 2), width=1)
        cap = lay.preview_caption
        self.drawn.append(("input picture", rect.inflate(2, 2), rect.inflate(2, 2)))
        self.p.put_large(self.preview_caption, lay.type.small, th.muted, "center", cap.center, max_w=cap.w, card=cap)

    def _bars(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th = scene.layout, scene.theme
        reading = scene.reading
        v = scene.answer
        # "Not a digit": the tracks stay empty and no percentage is shown; a note says why.
        pct = percentages(reading.probs) if v is not None and v.scores else None
        mark_colour = {SOLID: th.accent, HATCHED: th.unsure}
        highlight = {d: mark_colour[m] for d, m in v.marks.items() if d < CLASSES} if pct is not None else {}
        th_text = th.text if pct is not None else th.faint
        for slot in lay.bar_slots:
            d = slot.digit
            bold = d in highlight
            self.p.put_large(str(d), lay.label_size, highlight.get(d, th_text), slot.label_anchor, slot.label_at,
                             bold=bold, card=lay.bars)
            radius = min(slot.track.w, slot.track.h) // 2
            pygame.draw.rect(surface, th.track, slot.track, border_radius=radius)
            if pct is not None or reading is None:  # "not a digit": the note lies over the empty tracks
                self.drawn.append((f"bar {d}", pygame.Rect(slot.track), lay.bars))
            if reading is None or pct is None:
                if not slot.vertical and reading is None:  # nothing drawn yet; "not a digit" shows no numbers
                    self.p.put_large("\u2013", lay.pct_size, th.faint, slot.pct_anchor, slot.pct_at, card=lay.bars)
                continue
            fill = slot.fill(float(reading.probs[d]))
            if min(fill.size) >= 2:
                radius = min(fill.w, fill.h) // 2
                marks.bar(surface, fill, highlight.get(d, th.bar), v.marks.get(d, SOLID), th.track, radius)
            self.p.put_large(f"{pct[d]}%", lay.pct_size, highlight.get(d, th.muted), slot.pct_anchor, slot.pct_at,
                             bold=bold, card=lay.bars)
        if v is not None and not v.scores:
            self._no_scores(surface, scene)

    def _no_scores(self, surface: pygame.Surface, scene: Scene) -> None:
        """Over the empty bars: why they are empty. Over the tracks only, never the percentages'
        column, which stays blank."""
        lay, th = scene.layout, scene.theme
        slots = lay.bar_slots
        tracks = slots[0].track.unionall([s.track for s in slots[1:]])
        size = lay.type.body
        pad = round(size * 0.7)
        words = (f"{CROSS}  not a digit, so no digit gets a score", f"{CROSS}  not a digit: no scores")
        img = next((img for t in words if (img := self.text.render(t, size, th.text)).get_width() + 2 * pad
                    <= tracks.w), None)
        if img is None:
            img = self._fit(words[-1], size, th.text, tracks.w - 2 * pad)
        box = img.get_rect(center=tracks.center).inflate(2 * pad, pad)
        pygame.draw.rect(surface, th.panel, box, border_radius=lay.radius)
        pygame.draw.rect(surface, th.border, box, width=1, border_radius=lay.radius)
        self.p.blit(img, img.get_rect(center=box.center), "no scores", card=box)  # the box: a card in the bars

    def _status(self, surface: pygame.Surface, scene: Scene) -> None:
        lay, th, r = scene.layout, scene.theme, scene.layout.status
        colour = {"good": th.good, "warn": th.warn}.get(scene.status_kind, th.muted)
        right = f"{scene.saved} saved for training" if scene.saved != 1 else "1 saved for training"
        right_img = self.text.render(right, lay.type.small, th.muted)
        self.p.blit(right_img, right_img.get_rect(midright=(r.right, r.centery)), right, card=r)
        room = r.w - right_img.get_width() - round(20 * lay.scale)
        self.p.put_large(scene.status, lay.type.body, colour, "midleft", (r.x, r.centery), max_w=room, card=r)


SEES = "what the network sees"
TOO_SMALL = "as drawn: too small"


def preview(reading: Reading | None, answer: Verdict | None, drawing: Drawing,
            side: int) -> tuple[np.ndarray | None, str]:
    """The 28x28 picture beside the bars and its caption: the network's input, or, when the ink is
    too small to read, the drawing as drawn (the canvas shrunk to 28x28). The input would show a
    dot blown up to a digit's size, a long stroke, beside an answer that says "too small": the
    answer is not the network's then, so neither is the picture."""
    if reading is None:
        return None, SEES
    if answer is not None and answer.too_small:
        return raw_canvas(drawing.point_arrays(side), side), TOO_SMALL
    return reading.image, SEES


def _magnify(image: np.ndarray | None, side: int, grid: Colour) -> pygame.Surface:
    """The 28x28 input as a side x side surface, each input pixel a square cell with a grid line."""
    cells = FIELD
    big = grey_picture(np.zeros((cells, cells)) if image is None else image, side)
    k = side // cells
    if k >= 4:  # thinner cells would be all grid
        for i in range(1, cells):
            pygame.draw.line(big, grid, (i * k, 0), (i * k, side - 1))
            pygame.draw.line(big, grid, (0, i * k), (side - 1, i * k))
    return big
