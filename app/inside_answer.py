"""The inside view's answer cards: who votes for the answer and against it, why this answer and
not the other (the evidence map), and the output (logits, softmax: the bars). A mixin of the
inside view's frame (app/inside_view.py), which has the kit and the sizes.
"""

from __future__ import annotations

import numpy as np
import pygame
from pygame import Rect

from app import marks
from app.inside_state import BLUE, ORANGE, evidence_rgb, evidence_words, output_name
from app.inside_units import FRAME
from app.kit import rgb_picture
from app.readout import output_rows
from app.theme import SMALLEST_TYPE
from model.config import CLASSES, FIELD, NOT_A_DIGIT


class AnswerCards:
    """The voters, the evidence and the output (a mixin of the frame)."""

    def voters(self, rect: Rect) -> None:
        cls = self.ins.votes.cls if self.ins else None
        top = None if cls is None else output_name(cls)
        if cls is None:
            heading = "Who votes for the answer"
        elif cls == NOT_A_DIGIT:
            heading = "Who votes for \u201cnot a digit\u201d"
        elif self.verdict.kind == "not-digit":  # ink too small: the network's best digit did not win
            heading = f"Votes for {top}, its best digit"
        else:
            heading = f"Who votes for {top}"
        body = self.card(rect, heading, "vote = fires \u00d7 weight")
        self.st._cards["voters"] = Rect(rect)
        if not self.ins:
            self.empty(body)
            return
        v = self.ins.votes
        n = len(v.voters_for) or 1
        label_w = self.v.text.fonts.get(self.small, True).size(f"against {top}:")[0] + self.pad
        # "for 3:" above each row, or left of it when that makes the pictures clearly bigger
        # (short, wide cards: a projector at 1280x720), still showing at least four voters.
        label_h = self._line(self.small, 1.3, bold=True)
        above = self._voter_rows(body, n, 0, label_h)
        left = self._voter_rows(body, n, label_w, 0)
        cramped = FRAME + above[0] + self._vote_h() > above[3]  # labels above leave no room for a picture
        # Labels left when that makes the pictures clearly bigger, or when labels above leave no room
        # (a small window): then two voters a row are enough.
        beside = left[1] >= min(4, n) and left[0] >= above[0] * 1.2 or cramped and left[1] >= min(2, n)
        tile, per_row, pitch, row_h, show_fires = left if beside else above
        label_h = 0 if beside else label_h
        x0 = body.x + (label_w if beside else 0)
        vote_h = self._vote_h()
        room = max(tile + self.pad, pitch - self.pad)  # a vote's numbers may use its picture's pitch
        y = body.y
        for title, group, colour in (("for", v.voters_for, ORANGE), ("against", v.voters_against, BLUE)):
            self.k.put(f"{title} {top}:", self.small, colour, "topleft", (body.x, y), bold=True)
            y += label_h
            x = x0
            for vt in group[:per_row]:
                t = Rect(x + (pitch - self.pad - tile) // 2, y + FRAME, tile, tile)
                self.framed(self.v.weight_picture(self.u, vt.unit, tile), t, self.th.border)
                self.k.put(f"{vt.vote:+.1f}", self.body, colour, "midtop", (t.centerx, t.bottom + FRAME), bold=True,
                         max_w=room)
                if not show_fires:
                    x += pitch
                    continue
                self.k.put(f"fires {vt.activation:.1f}", self.small, self.th.muted, "midtop",
                         (t.centerx, t.bottom + vote_h), max_w=room)  # vote_h counts the frame over the vote
                x += pitch
            if not group:
                self.k.put("nobody", self.small, self.th.faint, "topleft", (x0, y))
            y += row_h

    def _voter_rows(self, body: Rect, n: int, label_w: int, label_h: int) -> tuple[int, int, int, int, bool]:
        """(picture side, pictures per row, pitch, row height, show "fires") for two rows of voters
        with their labels `label_w` px to the left or `label_h` px above."""
        vote_h, fires_h = self._vote_h(), self._line(self.small, 1.25)
        row_h = (body.h - 2 * label_h) // 2
        # "fires 3.2" under the vote only if the pictures can still be 2 px per weight.
        show_fires = row_h - FRAME - vote_h - fires_h >= 2 * FIELD
        under = FRAME + vote_h + (fires_h if show_fires else 0)  # the frame above, the numbers below
        text_w = self.v.text.fonts.get(self.small).size("fires 8.8")[0] if show_fires else 0
        w = body.w - label_w
        # Pictures as big as the rows allow; as many as fit across.
        tile = max(min(row_h - under, w // 3 - self.pad), FIELD)
        per_row = max(1, min(n, (w + self.pad) // (max(tile, text_w) + self.pad)))
        pitch = (w + self.pad) // per_row
        return min(tile, pitch - self.pad), per_row, pitch, row_h, show_fires

    def _vote_h(self) -> int:
        """The height of a vote's number under its picture, just below the picture's frame."""
        return self.v.text.fonts.get(self.body, True).get_height() + FRAME

    def _voters_least(self) -> int:
        """The voters' card's least height: two rows of the smallest pictures with their votes."""
        return self.k.card_top() + self.pad + 2 * (FRAME + FIELD + self._vote_h())

    def evidence(self, rect: Rect) -> None:
        e = self.ins.evidence if self.ins else None
        body = self.card(rect, self._evidence_heading(e))
        if e is None:
            self.empty(body)
            return
        line = round(self.small * 1.45)
        won = self.verdict.sure or e.top == NOT_A_DIGIT  # the explained output is the answer
        words = evidence_words(e, won)
        legend = [(ORANGE, words[0]), (BLUE, words[1]), (None, words[2]), (None, words[3])]
        beside = body.w - body.h > self.small * 7  # room for the legend right of the picture
        # The whole legend, or (a small card) just the colours': the sum is a detail.
        for shown in (len(legend), 2):
            lines = line * shown + (line // 3 if shown > 2 else 0)  # a gap before the sum
            if (lines <= body.h) if beside else (body.h - lines - 4 >= FIELD):
                break
        legend, under = legend[:shown], lines + 4
        side = min(body.h, body.w * 3 // 5) if beside else min(body.w, body.h - under)
        if beside and self.least:  # classroom: the picture leaves the key room for its words at full size
            words_w = max(self.k.img(t, self.small, self.th.text).get_width() for _, t in legend)
            side = min(side, body.w - self.pad - round(self.small * 0.9) - 6 - words_w)
        side = max(side, FIELD)
        m = Rect(body.x, body.y, side, side) if beside else Rect(body.x + (body.w - side) // 2, body.y, side, side)
        img = self.v.reading_picture("evidence", side, lambda: rgb_picture(self._evidence_rgb(), side))
        self.framed(img, m, self.th.border)
        x, y = (m.right + self.pad, body.y) if beside else (body.x, m.bottom + 4)
        room = body.right - x
        sw = round(self.small * 0.9)
        for colour, text in legend:
            tx = x
            if colour is not None:
                swatch = Rect(x, y + (self.small - sw) // 2 + 2, sw, sw)
                pygame.draw.rect(self.s, colour, swatch)
                self.k.note("swatch", swatch)
                tx += sw + 6
            elif text == legend[2][1]:
                y += line // 3  # a gap between the colours and the outcome
            shade = self.th.text if colour else self.th.muted
            self.k.put(text, self.small, shade, "topleft", (tx, y), max_w=room - (tx - x))
            y += line

    def _evidence_heading(self, e) -> str:
        """Says what the map explains without pretending a digit won when none did."""
        if e is None:
            return "Why this answer?"
        other = "not a digit" if e.other == NOT_A_DIGIT else str(e.other)
        if e.top == NOT_A_DIGIT:
            return f"Why not a digit, rather than {other}?"
        if self.verdict.kind == "not-digit":
            return f"What pushes to {e.top}, what to {other}"
        if not self.verdict.sure:
            return f"{e.top} or {other}? What pushes which way"
        return f"Why {e.top} and not {other}?"

    def _evidence_rgb(self) -> np.ndarray:
        return evidence_rgb(self.ins.evidence.map, self.ins.forward.image)

    def output(self, rect: Rect) -> None:
        f = self.ins.forward if self.ins else None
        t = f"{f.temperature:.2f}" if f else "T"
        v = self.verdict
        extra = f is not None and len(f.logits) > CLASSES  # an 11th output: "not a digit"
        right = "" if v is not None and not v.scores else "digits \u2192 the bars" if extra else "= the bars"
        body = self.card(rect, f"Output: logit \u00f7 {t} \u2192 softmax", right)
        self.st._cards["output"] = Rect(rect)
        if f is None:
            self.empty(body)
            return
        # The answer marked as in the prediction card and the plain view's bars (app/readout.py):
        # solid for sure, hatched top two for not sure; for "not a digit" no digit is marked.
        rows = output_rows(f.logits, f.probs, f.not_digit, v)
        plain = self.th.muted if v.kind == "not-digit" else self.th.text
        sep = self._not_digit_gap(len(rows))
        row_h = (body.h - sep) / len(rows)
        # The type as big as a row holds (a line of text no higher than the row), up to the body size.
        fonts = self.v.text.fonts
        size = fonts.largest(int(row_h), self.body)
        bold = fonts.get(size, True)  # widths of the widest texts: the marked rows are bold
        label_w = round(size * 1.2)
        value_w = bold.size("-00.0")[0] + 4
        pct_w = bold.size("100%")[0] + 4
        bars_w = body.w - label_w - value_w - pct_w - 3 * self.pad
        logit_w, prob_w = bars_w * 11 // 20, bars_w * 9 // 20
        lx = body.x + label_w
        logit_w -= self.pad  # keep the longest bar clear of its number
        zero = lx + logit_w // 2
        limit = max(float(np.abs(f.logits).max()), 1e-6)
        px = lx + logit_w + value_w + 2 * self.pad
        thick = max(3, round(row_h * 0.55))
        for k, row in enumerate(rows):
            top = body.y + row_h * k + (sep if k >= NOT_A_DIGIT else 0)
            band = Rect(body.x, round(top), body.w, round(top + row_h) - round(top))
            cy = band.centery
            hl = bool(row.mark)
            # "Not a digit" is marked in the text's colour, like the card's cross: a plain answer.
            colour = (self.mark_colour(row.mark) if v.kind != "not-digit" else self.th.text) if hl else plain
            label = self.k.put(row.label, size, colour, "midleft", (body.x, cy), bold=hl)
            z = row.logit
            w = round(abs(z) / limit * (logit_w // 2))
            bar = Rect(zero if z >= 0 else zero - w, cy - thick // 2, max(w, 1), thick)
            self.bar(bar, ORANGE if z >= 0 else BLUE)
            value = self.k.put(f"{z:+.1f}", size, colour, "midright", (lx + logit_w + self.pad + value_w, cy), bold=hl)
            track = Rect(px, cy - thick // 2, prob_w, thick)
            self.bar(track, self.th.track)
            fill = round(prob_w * row.share) if row.shown else 0
            if fill:
                paint = colour if hl else self.th.bar
                marks.bar(self.s, Rect(px, track.y, fill, thick), paint, row.mark, self.th.track)
            pct = self.k.put(f"{row.pct}%" if row.shown else "\u2013", size, colour, "midright", (body.right, cy),
                           bold=hl)
            self.st._output_rows.append(dict(row=band, label=label, logit=bar, value=value, track=track, pct=pct))
            if k == NOT_A_DIGIT:  # the extra output: set apart from the digits by space and a line
                y = band.y - sep // 2 - 1
                pygame.draw.line(self.s, self.th.border, (body.x, y), (body.right, y))
        pygame.draw.line(self.s, self.th.muted, (zero, body.y), (zero, body.bottom - 1))

    def _output_least(self) -> int:
        """The output card's least height: a row per output no lower than its smallest type."""
        outputs = self.u.out_weights.shape[1]
        line = self.v.text.fonts.get(SMALLEST_TYPE, True).get_height()
        return self.k.card_top() + self.pad + self._not_digit_gap(outputs) + outputs * line

    def _not_digit_gap(self, outputs: int) -> int:
        """Space between the digits' rows and the "not a digit" row, when the network has one."""
        return max(2, self.pad // 3) if outputs > CLASSES else 0
