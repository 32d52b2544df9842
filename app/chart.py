"""The loss chart: a small widget with a tiny interface, like tensorflow/playground's AppendingLineChart.

    chart = LossChart(epochs=8)                   # the x axis: 0 .. 8 epochs
    chart.draw(painter, rect, losses, accuracies)  # losses: (epochs done, loss) as they came;
                                                   # accuracies: epoch -> validation accuracy

It draws a card (app/kit.py) with the loss curve falling over the epochs, a line at each labelled
epoch with the validation accuracy reached there, and the latest point marked. Drawn afresh each
frame from the job's news (model/jobs.py JobView), so it keeps no copy of the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame
from pygame import Rect

from app.kit import Painter
from app.readout import pct
from app.theme import LINE

HEADING = ("Training loss", "lower is better \u00b7 % = validation accuracy")
EMPTY_TOP = 2.5  # the y axis's top before the first loss: a fresh network's loss is about ln 10


@dataclass(frozen=True)
class LossChart:
    epochs: int  # the x axis runs from 0 to this many epochs

    def draw(self, k: Painter, rect: Rect, losses: list[tuple[float, float]],
             accuracies: dict[int, float | None]) -> None:
        """The chart in its card at `rect`; in words when the card is too low for a chart."""
        small, pad = k.sizes.small, k.sizes.pad
        body = k.card(rect, *HEADING)
        axis_w = k.fonts.get(small).size("0.00")[0] + pad // 2
        label_h = round(small * 1.5)
        if body.h < 4 * label_h:  # no room for a chart (a small window): the latest loss in words
            words = f"loss {losses[-1][1]:.2f} after epoch {losses[-1][0]:.1f}" if losses else "starting\u2026"
            k.put(words, small, k.th.text, "topleft", body.topleft, max_w=body.w)
            return
        plot = Rect(body.x + axis_w, body.y + label_h, max(body.w - axis_w - pad // 2, 1),
                    max(body.h - 2 * label_h - label_h, 1))
        top = max((loss for _, loss in losses), default=EMPTY_TOP) * 1.1
        self._axes(k, plot, top)
        # Label every `every` epochs, so that "100.0%" labels keep clear of each other.
        label_w = k.fonts.get(small, True).size("100.0%")[0] + pad
        every = max(1, -(-self.epochs * label_w // max(plot.w, 1)))
        self._epochs(k, plot, every)
        self._accuracies(k, plot, every, label_w, accuracies)
        k.put("epochs", small, k.th.muted, "bottomright", (plot.right, body.bottom))
        self._curve(k, plot, top, losses)

    def _x(self, plot: Rect, epochs: float) -> float:
        return plot.x + plot.w * epochs / self.epochs

    def _axes(self, k: Painter, plot: Rect, top: float) -> None:
        """The two axes and the loss at the bottom, middle and top (as many as the height holds)."""
        small = k.sizes.small
        pygame.draw.line(k.s, k.th.muted, plot.bottomleft, plot.bottomright)
        pygame.draw.line(k.s, k.th.muted, plot.topleft, plot.bottomleft)
        k.note("x axis", Rect(plot.x, plot.bottom, plot.w + 1, 1))
        k.note("y axis", Rect(plot.x, plot.y, 1, plot.h))
        line = round(small * LINE)
        for frac in (0.0, 0.5, 1.0) if plot.h >= 2 * line else (0.0, 1.0) if plot.h >= line else (1.0,):
            k.put(f"{top * frac:.2f}", small, k.th.muted, "midright", (plot.x - 4, plot.bottom - frac * plot.h))

    def _epochs(self, k: Painter, plot: Rect, every: int) -> None:
        """A line and a number at every `every`th epoch and the last."""
        for e in range(0, self.epochs + 1):
            xx = self._x(plot, e)
            if e and e % every == 0 or e == self.epochs:
                if e:
                    pygame.draw.line(k.s, k.th.grid, (xx, plot.y), (xx, plot.bottom - 1))
                k.put(str(e), k.sizes.small, k.th.muted, "midtop", (xx, plot.bottom + 3))

    def _accuracies(self, k: Painter, plot: Rect, every: int, label_w: int,
                    accuracies: dict[int, float | None]) -> None:
        """Over the labelled epochs' lines, the validation accuracy reached there: from the latest
        back, one that would touch the label after it is left out."""
        small, pad = k.sizes.small, k.sizes.pad
        left_of = plot.right + label_w
        for e in sorted((e for e in accuracies if e % every == 0 or e == self.epochs), reverse=True):
            img = k.img(pct(accuracies[e]), small, k.th.good, True)
            cx = min(self._x(plot, e), plot.right - img.get_width() / 2)  # inside the card
            if cx + img.get_width() / 2 > left_of - pad // 2:
                continue
            left_of = k.put(pct(accuracies[e]), small, k.th.good, "midbottom", (cx, plot.y - 2), bold=True).x

    def _curve(self, k: Painter, plot: Rect, top: float, losses: list[tuple[float, float]]) -> None:
        """The loss so far, its latest point marked; before the first, a word that it comes."""
        if not losses:
            room = plot.w - 2 * k.sizes.pad
            words = next((t for t in ("the curve starts after the first steps", "the curve starts soon")
                          if k.fonts.get(k.sizes.small).size(t)[0] <= room), "starts soon")
            k.put(words, k.sizes.small, k.th.faint, "center", plot.center, max_w=room)
            return
        line = k.sizes.line
        pts = [(plot.x + plot.w * min(d / self.epochs, 1.0), plot.bottom - plot.h * min(loss / top, 1.0))
               for d, loss in losses]
        if len(pts) > 1:
            pygame.draw.lines(k.s, k.th.accent, False, pts, max(2, line))
        pygame.draw.circle(k.s, k.th.accent, pts[-1], max(3, line * 2))
