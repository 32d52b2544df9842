"""The Learn view's running and finished page: the loss chart, the validation digits turning right,
the accuracy after each epoch, and (adapting) the held-out drawings before and after.

`TrainingPages` is the part of the Learn view's frame (app/learn_pages.py) that paints them.
"""

from __future__ import annotations

import numpy as np
import pygame
from pygame import Rect

from app.chart import LossChart
from app.learn_words import duration, network_words, pct, right_of
from app.readout import CROSS
from app.theme import LINE, SMALLEST_TYPE
from model.config import CLASSES
from model.jobs import Finished, ScratchSpec


class TrainingPages:
    """The running and finished page (a mixin of the frame, which has the kit and the sizes)."""

    def training(self, area: Rect) -> None:
        p, g = self.p, self.gap
        head_h = self.header(area)
        rest = Rect(area.x, area.y + head_h + g, area.w, max(area.h - head_h - g, 1))
        # In classroom mode the digits get the larger share: a projector shows them from the back row.
        left_w = (rest.w - g) * (8 if self.classroom else 11) // 20
        chart = Rect(rest.x, rest.y, left_w, rest.h)
        side = Rect(chart.right + g, rest.y, rest.w - left_w - g, rest.h)
        v = p.job.view
        if p.task == "finetune":  # one short fit of the last layer: no loss curve to watch
            half = (rest.w - g) // 2
            self.grid(Rect(rest.x, rest.y, half, rest.h), "held-out drawings")
            self.before_after(Rect(rest.x + half + g, rest.y, rest.w - half - g, rest.h))
        else:
            epochs = v.started.epochs if v.started else max(p.epochs, 1)
            LossChart(epochs).draw(self.k, chart, v.losses, {e.epoch: e.val_accuracy.get("mnist") for e in v.epochs})
            self.grid(side, "validation digits")

    def header(self, area: Rect) -> int:
        """Title, progress and the buttons of a running or finished job; returns its height."""
        p, v = self.p, self.p.job.view
        started = v.started
        if p.task == "finetune":
            title = f"Adapting the bundled model to your class's {p.drawings.total} drawings"
        else:
            # The outputs: the ten digits, and "not a digit" (the cross, as in the output panel)
            # once the job says its network has that output.
            other = started.sizes[-1] > CLASSES if started is not None else ScratchSpec().not_digits > 0
            title = f"Training a {network_words(p.task_hidden, other)} network from scratch"
        x, y = area.x, area.y
        self.k.put(title, self.title, self.th.text, "topleft", (x, y), bold=True, max_w=area.w)
        y += round(self.title * 1.45)
        r = p.result
        if r is not None:
            y = self.result_lines(r, x, y, area.w)
            # Lit while it is the next thing to do: not once the canvas already reads with it.
            in_use = p.in_use is not None and p.in_use == p.model_label()
            items = [("use", "Use this model", {"primary": not in_use}), ("bundled", "Back to the bundled model", {}),
                     ("save", "Save", {}), ("again", "Start over", {})]
            if p.kept:  # adapting would not help: nothing new to use or save, only the bundled model to keep
                items = [("bundled", "Keep the bundled model", {"primary": True}), ("again", "Start over", {})]
            return self.row(items, x, y + self.pad // 2, area.right) - area.y
        total = started.epochs if started else (p.epochs if p.task == "scratch" else 0)
        done = v.losses[-1][0] if v.losses else 0.0
        if started is None:
            status = "starting: reading the data\u2026"
        elif not v.losses:
            status = f"epoch 0 of {total} \u00b7 {started.train_images:,} training images"
        elif done >= total:
            status = f"epoch {total} of {total} \u00b7 finishing: testing on MNIST's test digits\u2026"
        else:
            left = v.eta()
            eta = f"about {duration(max(left, 1))} left" if left is not None else "estimating the time left\u2026"
            status = f"epoch {done:.1f} of {total} \u00b7 {eta}"
        bw, bh = self.button_size("Cancel", self.title)
        cancel = Rect(area.right - bw, area.y + round(self.title * 1.45), bw, bh)
        self.k.put(status, self.body, self.th.text, "topleft", (x, y), max_w=cancel.x - x - self.pad)
        bar_y = y + round(self.body * 1.6)
        bar = Rect(x, bar_y, cancel.x - x - self.pad, max(6, round(self.body * 0.6)))
        pygame.draw.rect(self.s, self.th.track, bar, border_radius=bar.h // 2)
        self.k.note("progress", bar)
        if total:
            fill = Rect(bar.x, bar.y, round(bar.w * min(done / total, 1.0)), bar.h)
            if fill.w >= 2:
                pygame.draw.rect(self.s, self.th.accent, fill, border_radius=bar.h // 2)
        self.button("cancel", "Cancel", cancel, self.title)
        return max(bar.bottom, cancel.bottom) - area.y

    def result_lines(self, r: Finished, x: int, y: int, w: int) -> int:
        v = self.p.job.view
        if self.p.task == "finetune":
            b, a = v.held_out.get("before"), v.held_out.get("after")
            if b is not None and a is not None:
                (rb, n), (ra, _) = right_of(b), right_of(a)
                text = (f"Done in {duration(r.seconds)}: of {n} held-out drawings, {rb} \u2192 {ra} read right "
                        f"({pct(b.accuracy, 0)} \u2192 {pct(a.accuracy, 0)})")
                if a.kept:  # the figures are what adapting would have done; the model stays as it was
                    text = f"{a.why[0].upper()}{a.why[1:]}. The bundled model is kept"
            else:
                text = f"Done in {duration(r.seconds)}"
            if r.test_accuracy is not None:
                text += f" \u00b7 MNIST test {pct(r.test_accuracy)}"
        elif r.test_accuracy is not None:
            text = f"Done in {duration(r.seconds)}: {pct(r.test_accuracy)} right on 10,000 test digits it never saw"
        else:
            text = f"Done in {duration(r.seconds)}"
        kept = self.p.task == "finetune" and getattr(v.held_out.get("after"), "kept", False)
        self.k.put(text, self.body, self.th.warn if kept else self.th.good, "topleft", (x, y), bold=True, max_w=w)
        return y + round(self.body * 1.6)

    def grid(self, rect: Rect, what: str) -> None:
        v = self.p.job.view
        s = v.started
        n = len(s.grid_labels) if s is not None else 0
        preds = v.grid_predictions
        right = int((preds == s.grid_labels).sum()) if s is not None and preds is not None else 0
        heading = f"{right} of {n} {what} right" if preds is not None and n else f"The {what}"
        body = self.k.card(rect, heading, "orange: wrong, its answer under it")
        if n == 0:
            self.k.put("waiting for the first digits\u2026", self.small, self.th.faint, "center", body.center,
                     max_w=body.w)
            return
        # Digits of one class in a column: 10 columns, as many rows as the grid has per class.
        labels = s.grid_labels
        rows = max(int(np.bincount(labels, minlength=CLASSES).max()), 1)
        # Under each digit a line for the network's wrong answer, so it never covers the digit.
        answer_h = round(self.small * LINE)
        frame = max(4, self.line * 2)
        table = self._table_least() if self.p.task != "finetune" else 0
        step = max(min((body.w + 2) // CLASSES, (body.h - table) // rows - answer_h), 8)
        cell = max(step - frame, 4)
        pics = self.p.grid_pictures(cell)
        x0 = body.x + (body.w - step * CLASSES) // 2
        y0 = body.y + self.pad // 2
        pitch_y = step + answer_h
        seen = [0] * CLASSES
        for i, lab in enumerate(labels):
            t = Rect(x0 + int(lab) * step, y0 + seen[int(lab)] * pitch_y, cell, cell)
            seen[int(lab)] += 1
            self.s.blit(pics[i], t)
            if preds is None:
                self.k.note("digit", t)
                continue
            ok = int(preds[i]) == int(lab)
            pygame.draw.rect(self.s, self.th.good if ok else self.th.warn, t.inflate(4, 4), width=max(2, self.line))
            self.k.note("digit", t.inflate(4, 4))
            if not ok:  # the wrong answer under the picture, where it covers nothing
                answer = str(int(preds[i])) if int(preds[i]) < CLASSES else CROSS  # the cross: "not a digit"
                img = self.k.img(answer, self.small, self.th.warn, True, max_w=step)
                self.k.blit(img, img.get_rect(midtop=(t.centerx, t.bottom + 2)), "wrong answer")
        if self.p.task != "finetune":
            top = y0 + rows * pitch_y + self.gap
            self.epoch_table(Rect(body.x, top, body.w, body.bottom - top))

    def _table_least(self) -> int:
        """The height the epoch table under the grid needs for its caption and two epochs."""
        return self.gap + round(self.small * 1.7) + 2 * round(self.title * 1.35)

    def epoch_table(self, rect: Rect) -> None:
        """Validation accuracy after each epoch, big, the latest at the bottom (as many as fit)."""
        epochs = self.p.job.view.epochs
        size = self.title
        line = round(size * 1.35)
        if rect.h < self.small * 2 + line:
            return
        caption = "validation accuracy (5,000 digits it does not train on)"
        if self.p.text.fonts.get(self.small).size(caption)[0] > rect.w:
            caption = "validation accuracy"  # a narrow card: the short form, at a readable size
        self.k.put(caption, self.small, self.th.muted, "topleft", rect.topleft, max_w=rect.w)
        y = rect.y + round(self.small * 1.7)
        fit = max((rect.bottom - y) // line, 1)
        for e in epochs[-fit:]:
            figure = pct(e.val_accuracy.get("mnist"))
            right = self.k.put(figure, size, self.th.good, "topright", (rect.right, y), bold=True)
            self.k.put(f"after epoch {e.epoch}", size, self.th.text, "topleft", (rect.x, y),
                     max_w=right.x - rect.x - self.pad)  # a narrow card: the words shrink, the figure stays
            y += line
        if not epochs:
            self.k.put("after the first epoch\u2026", size, self.th.faint, "topleft", (rect.x, y), max_w=rect.w)

    def before_after(self, rect: Rect) -> None:
        v = self.p.job.view
        b, a = v.held_out.get("before"), v.held_out.get("after")
        body = self.k.card(rect, "Held-out drawings read right, per digit")
        if b is None:
            self.k.put("measuring the bundled model\u2026", self.small, self.th.faint, "center", body.center,
                     max_w=body.w)
            return
        # The legend: a swatch and its words for each bar, on a line of its own.
        x, sw = body.x, max(self.small * 2 // 3, 6)
        for words, colour in (("before", self.th.bar), ("after adapting", self.th.good)):
            swatch = Rect(x, body.y + (round(self.small * LINE) - sw) // 2, sw, sw)
            pygame.draw.rect(self.s, colour, swatch)
            self.k.note("legend swatch", swatch)
            where = self.k.put(words, self.small, self.th.text, "topleft", (swatch.right + self.pad // 2, body.y),
                             max_w=max(body.right - swatch.right - self.pad, 1))
            x = where.right + self.gap
        top = body.y + round(self.small * LINE) + self.pad // 2
        # Per digit: its two bars, each with how many it read right on top, the digit and "of n" under.
        num = max(self.small - 2, SMALLEST_TYPE)
        label_h, of_h, num_h = round(self.body * LINE), round(num * LINE), round(num * LINE)
        plot = Rect(body.x, top + num_h, body.w, max(body.bottom - top - num_h - label_h - of_h, 4))
        col = plot.w / CLASSES
        bar_w = max(2, round(col * 0.34))
        pygame.draw.line(self.s, self.th.muted, plot.bottomleft, plot.bottomright)
        self.k.note("x axis", Rect(plot.x, plot.bottom, plot.w, 1))
        for k in range(CLASSES):
            cx = plot.x + col * (k + 0.5)
            x = cx - (2 * bar_w + 2) / 2
            n = b.counts[k]
            for j, (stage, colour) in enumerate(((b, self.th.bar), (a, self.th.good))):
                if stage is None or not n or not np.isfinite(stage.per_digit[k]):
                    continue
                h = round(plot.h * stage.per_digit[k])
                bar = Rect(round(x + j * (bar_w + 2)), plot.bottom - h, bar_w, max(h, 1))
                pygame.draw.rect(self.s, colour, bar)
                self.k.note("bar", bar)
            if n:  # how many of this digit's held-out drawings it read right, before -> after
                counts = [round(stage.per_digit[k] * n) for stage in (b, a) if stage is not None]
                self.k.put(" \u2192 ".join(map(str, counts)), num, self.th.text, "midbottom", (cx, plot.y - 1),
                         bold=True, max_w=col - 2)
            self.k.put(str(k), self.body, self.th.text, "midtop", (cx, plot.bottom + 2), bold=True)
            self.k.put(f"of {n}" if n else "none", num, self.th.muted if n else self.th.faint, "midtop",
                     (cx, plot.bottom + 2 + label_h), max_w=col)
