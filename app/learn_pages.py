"""One frame of the Learn view: its kit, its buttons and lines, and its pages.

  choose     train from scratch (hidden neurons, epochs, Start) and adapt to this class (the labelled
             drawings in the data folder); without MNIST on the machine, the download instead;
  download   the bytes arriving, and Cancel;
  running    and finished: app/learn_training.py.
"""

from __future__ import annotations

import time

import pygame
from pygame import Rect

from app.kit import Painter, Sizes
from app.learn_state import EPOCH_CHOICES, HIDDEN_CHOICES, MNIST_TRAIN
from app.learn_training import TrainingPages
from app.learn_words import MIN_PER_DIGIT, duration, held_out_count, network_words
from app.theme import CLASSROOM, SMALLEST_TYPE, Colour, Theme
from model.config import CLASSES
from model.jobs import MNIST_DOWNLOAD_BYTES, ScratchSpec

MESSAGE_LINES = 6  # the most lines of messages under a page (a failed download's advice needs five)
# Type and spacing at scale 1 and their floors (app/kit.py).
SIZES = {"title": (26, 10), "body": (19, 9), "small": (16, 8), "gap": (16, 4), "pad": (14, 4), "radius": (10, 3),
         "line": (3, 1)}


class Frame(TrainingPages):
    """One frame of the Learn view: the kit (app/kit.py) at the frame's scale, the Learn view's
    buttons and lines, and its pages (the running and finished one: app/learn_training.py)."""

    def __init__(self, panel, surface: pygame.Surface, rect: Rect, theme: Theme, scale: float,
                 pointer) -> None:
        self.p, self.s, self.r, self.th, self.pointer = panel, surface, rect, theme, pointer
        self.classroom = theme == CLASSROOM
        sizes = Sizes.at(scale, SIZES)
        self.title, self.body, self.small = sizes.title, sizes.body, sizes.small
        self.gap, self.pad, self.radius, self.line = sizes.gap, sizes.pad, sizes.radius, sizes.line
        # The panel itself is the card outside the cards; what is drawn is remembered in panel._drawn.
        self.k = Painter(surface, panel.text, theme, sizes, panel._drawn, area=rect, pointer=pointer)

    # -- helpers -----------------------------------------------------------------------------------

    def button_size(self, label: str, size: int) -> tuple[int, int]:
        w, h = self.p.text.fonts.get(size, True).size(label)
        return w + 2 * self.pad, h + self.pad

    def button(self, name: str, label: str, rect: Rect, size: int | None = None, enabled: bool = True,
               selected: bool = False, primary: bool = False) -> Rect:
        size = size or self.body
        hover = enabled and self.k.hovered(rect)
        if selected or (primary and enabled):
            fill, colour = self.th.accent, self.th.background
        else:
            fill = self.th.button_hover if hover else self.th.button
            colour = self.th.text if enabled else self.th.faint
        outline, width = None, 1
        if hover and (selected or primary):
            outline, width = self.th.text, self.line
        elif not selected and not primary:
            outline = self.th.border
        # A button is a card of its own, its label in it.
        self.k.button(rect, label, size, fill, colour, outline=outline, outline_width=width,
                      max_w=rect.w - min(self.pad, 8))
        self.p._buttons[name] = (rect, enabled)
        return rect

    def row(self, items: list[tuple[str, str, dict]], x: int, y: int, right: int, size: int | None = None) -> int:
        """Buttons left to right from (x, y), each as wide as its label, continuing on a new line
        when the next one does not fit (a small window); returns the bottom of the last line."""
        size = size or self.body
        left, bottom = x, y
        for name, label, opts in items:
            w, h = self.button_size(label, size)
            if x > left and x + w > right:
                x, y = left, bottom + self.pad
            r = self.button(name, label, Rect(x, y, min(w, right - x), h), size, **opts)
            x, bottom = r.right + self.pad, max(bottom, r.bottom)
        return bottom

    def labelled(self, label: str, note: str, x: int, y: int, right: int) -> None:
        """A bold label from (x, y) and, right-aligned on its line, a note if there is room for it."""
        head = self.k.put(label, self.body, self.th.text, "topleft", (x, y), bold=True, max_w=right - x)
        room = right - head.right - self.pad
        if self.k.img(note, self.small, self.th.muted).get_width() <= room:
            self.k.put(note, self.small, self.th.muted, "topright", (right, y + 2))

    def choice_row(self, prefix: str, choices: tuple[int, ...], current: int, x: int, y: int, w: int) -> int:
        """Equal buttons across w, the current one lit; returns the bottom."""
        n = len(choices)
        bw = (w - (n - 1) * self.pad) // n
        h = round(self.title * 1.9)
        # One size for the row, the largest at which every label fits: no "2,048" smaller than "925".
        room = bw - min(self.pad, 8)
        size = self.k.row_size([f"{c:,}" for c in choices], [room] * n, self.title, bold=True)
        for i, c in enumerate(choices):
            self.button(f"{prefix}:{c}", f"{c:,}", Rect(x + i * (bw + self.pad), y, bw, h), size,
                        selected=c == current)
        return y + h

    def lines(self, texts: list[str], size: int, colour: Colour, x: int, y: int, w: int) -> int:
        """Each text from (x, y) down, wrapped at word boundaries to width w; returns the bottom."""
        for t in texts:
            for line in self.k.lines(t, size, w):
                self.k.put(line, size, colour, "topleft", (x, y), max_w=w)
                y += round(size * 1.45)
        return y

    def footer(self) -> int:
        """The message lines at the bottom of the panel; returns the height they take."""
        if not self.p.message:
            return 0
        colour = {"good": self.th.good, "warn": self.th.warn}.get(self.p.message_kind, self.th.muted)
        # The latest messages that fit in MESSAGE_LINES lines (a long path is broken into lines too).
        msg: list[str] = []
        for lines in reversed([self.k.lines(t, self.body, self.r.w) for t in self.p.message]):
            if msg and len(msg) + len(lines) > MESSAGE_LINES:
                break
            msg = lines + msg
        msg = msg[-MESSAGE_LINES:]
        h = round(self.body * 1.45) * len(msg)
        y = self.r.bottom - h
        for t in msg:
            self.k.put(t, self.body, colour, "topleft", (self.r.x, y), max_w=self.r.w)
            y += round(self.body * 1.45)
        return h + self.gap // 2

    # -- pages -------------------------------------------------------------------------------------

    def paint(self) -> None:
        foot = self.footer()
        area = Rect(self.r.x, self.r.y, self.r.w, max(self.r.h - foot, 1))
        if self.p.page == "choose":
            self.choose(area)
        elif self.p.task == "download":
            self.downloading(area)
        else:
            self.training(area)

    def choose(self, area: Rect) -> None:
        g = self.gap
        if self.p.in_use is not None:  # a trained model reads the canvas: the way back, first
            label = "Back to the bundled model"
            bw, bh = self.button_size(label, self.body)
            button = self.button("bundled", label, Rect(area.right - bw, area.y, bw, bh))
            room = button.x - area.x - self.pad  # cut short if need be: the button says what matters
            words = self.p.text.shorten(f"The canvas reads with {self.p.in_use}",
                                        max(round(self.body * 0.8), SMALLEST_TYPE), room, bold=True)
            self.k.put(words, self.body, self.th.good, "midleft", (area.x, button.centery), bold=True, max_w=room)
            area = Rect(area.x, button.bottom + g, area.w, max(area.bottom - button.bottom - g, 1))
        if area.w >= area.h * 1.2:
            w = (area.w - g) // 2
            left, right = Rect(area.x, area.y, w, area.h), Rect(area.x + w + g, area.y, area.w - w - g, area.h)
        else:
            h = (area.h - g) * 11 // 20
            left, right = Rect(area.x, area.y, area.w, h), Rect(area.x, area.y + h + g, area.w, area.h - h - g)
        self.scratch_card(left)
        self.adapt_card(right)

    def scratch_card(self, rect: Rect) -> None:
        p = self.p
        body = self.k.card(rect, "Train a new network from scratch")
        x, w = body.x, body.w
        images = min(p.limit or MNIST_TRAIN, MNIST_TRAIN)
        y = self.lines([f"on {images:,} handwritten MNIST digits, while you watch"], self.small, self.th.muted,
                       x, body.y, w)
        if not p.mnist:
            y = self.lines(["MNIST, the 70,000 handwritten digits a network learns from, is not on this computer.",
                            f"Download it once (about {MNIST_DOWNLOAD_BYTES / 1e6:.0f} MB, checked against its "
                            "SHA-256), or adapt the bundled "
                            "model on your class's drawings alone (Adapt to this class)."],
                           self.body, self.th.warn, x, y + self.pad, w)
            self.row([("download", "Download MNIST", {"primary": True})], x, y + self.pad, body.right,
                     size=self.title)
            return
        y += self.pad
        self.labelled("Hidden neurons", "more: slower, a little better", x, y, body.right)
        y = self.choice_row("hidden", HIDDEN_CHOICES, p.hidden, x, y + round(self.body * 1.5), w) + self.pad
        self.labelled("Epochs", "passes over the digits", x, y, body.right)
        y = self.choice_row("epochs", EPOCH_CHOICES, p.epochs, x, y + round(self.body * 1.5), w) + self.pad
        est = p.estimate()
        when = f"about {duration(est)} here" if est is not None else "time: estimating\u2026"
        self.k.put(f"{network_words(p.hidden, ScratchSpec().not_digits > 0)} \u00b7 {when}", self.body,
                 self.th.text, "topleft", (x, y), max_w=w)
        bw, bh = self.button_size("Start training", self.title)
        start = Rect(x, max(y + round(self.body * 1.6), body.bottom - bh), min(bw, w), bh)
        self.button("start", "Start training", start, self.title, primary=True)

    def adapt_card(self, rect: Rect) -> None:
        p, d = self.p, self.p.drawings
        body = self.k.card(rect, "Adapt to this class")
        x, w = body.x, body.w
        y = self.lines(["adapt the bundled model's last layer to the digits your class drew and labelled "
                        "(draw a digit, then press its number key): offered only if it reads the held-out half better"],
                       self.small, self.th.muted, x, body.y, w)
        y += self.pad
        self.k.put(f"{d.total} labelled drawing{'s' if d.total != 1 else ''}", self.body, self.th.text, "topleft",
                 (x, y), bold=True, max_w=w)
        y += round(self.body * 1.6)
        # How many of each digit: a column per digit, the count under it, faint where too few.
        col = w / CLASSES
        for k in range(CLASSES):
            cx = x + col * (k + 0.5)
            few = d.per_digit[k] < MIN_PER_DIGIT
            self.k.put(str(k), self.title, self.th.faint if few else self.th.text, "midtop", (cx, y), bold=True)
            self.k.put(str(d.per_digit[k]), self.small, self.th.warn if few else self.th.muted, "midtop",
                     (cx, y + round(self.title * 1.25)))
        y += round(self.title * 1.25) + round(self.small * 1.8)
        if d.enough:
            notes = [f"Half of each digit's drawings ({held_out_count(d.per_digit)} of {d.total}) are held out: "
                     "you see how many of them it reads right before and after."]
            if not p.mnist:
                notes.append("Without MNIST: on your drawings alone.")
            y = self.lines(notes, self.small, self.th.muted, x, y, w)
        else:
            y = self.lines([d.missing()], self.body, self.th.warn, x, y, w)
        bw, bh = self.button_size("Adapt the bundled model", self.title)
        start = Rect(x, max(y + self.pad, body.bottom - bh), min(bw, w), bh)
        self.button("adapt", "Adapt the bundled model", start, self.title, enabled=d.enough,
                    primary=not p.mnist)

    def downloading(self, area: Rect) -> None:
        body = self.k.card(area, "Downloading MNIST")
        elapsed = time.monotonic() - self.p.started_at
        got = self.p.job.view.downloading
        done, total = (got.received, got.total) if got else (0, MNIST_DOWNLOAD_BYTES)
        y = self.lines([f"downloading\u2026 {done / 1e6:.1f} of {total / 1e6:.1f} MB \u00b7 {elapsed:.0f} s",
                        "70,000 handwritten digits; each file is checked against its published SHA-256"],
                       self.body, self.th.text, body.x, body.y + self.pad, body.w)
        bar = Rect(body.x, y + self.pad, body.w, max(6, round(self.body * 0.6)))
        pygame.draw.rect(self.s, self.th.track, bar, border_radius=bar.h // 2)
        self.k.note("progress", bar)
        fill = Rect(bar.x, bar.y, round(bar.w * min(done / total, 1.0)), bar.h)
        if fill.w >= 2:
            pygame.draw.rect(self.s, self.th.accent, fill, border_radius=bar.h // 2)
        self.row([("cancel", "Cancel", {})], body.x, bar.bottom + self.gap, body.right, size=self.title)

    # -- the pictures ------------------------------------------------------------------------------
