"""The inside view's unit cards: the way in (the preprocessing steps, and the answer without them),
the hidden layer as a grid of all units, and the gallery of every unit's weights with one unit's
close-up. A mixin of the inside view's frame (app/inside_view.py), which has the kit and the sizes.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pygame
from pygame import Rect

from app.inside_state import BLUE, ORANGE, Pitch, grid_shape, output_name
from app.kit import grey_picture, rgb_picture
from app.readout import CROSS, percentages
from app.readout import verdict as judge
from model.config import FIELD
from model.inside import to_rgb
from model.recognise import Reading

FRAME = 1  # the line round a picture, outside it: the space it takes


class UnitCards:
    """The way in, the hidden layer, the gallery and one unit (a mixin of the frame)."""

    def way_in(self, rect: Rect) -> None:
        body = self.card(rect, "The way in", "what preprocessing does before the network sees it")
        tile = self._tile()
        steps = self.ins.steps if self.ins else ()
        names = [s.name for s in steps] or ["as drawn", "cropped", "fitted 20\u00d720", "centred"]
        arrow = round(self.body * 1.6)
        if self.least:  # classroom: small pictures; the arrows make room for the labels at full size
            widest = max(self.k.img(n, self.small, self.th.muted).get_width() for n in [*names, "the input"])
            arrow = max(arrow, widest - tile + self.pad)
        # The labels are centred under their pictures and may be wider: the first must not leave the card.
        first = self.k.img(names[0], self.small, self.th.muted, max_w=tile + arrow - 4).get_width()
        x, y = body.x + max(0, (first - tile + 1) // 2), body.y
        for i, name in enumerate(names):
            t = Rect(x, y, tile, tile)
            last = i == len(names) - 1
            img = None  # nothing drawn yet: an empty canvas
            if steps:
                img = self.v.reading_picture(f"step{i}", tile, lambda i=i: grey_picture(steps[i].image, tile))
            self.framed(img, t, self.th.accent if last else self.th.border)
            label = "the input" if last else name
            self.k.put(
                label,
                self.small,
                self.th.accent if last else self.th.muted,
                "midtop",
                (t.centerx, t.bottom + 3),
                bold=last,
                max_w=tile + arrow - 4,
            )
            if not last:
                self.k.put("\u2192", self.body, self.th.muted, "center", (t.right + arrow / 2, t.centery))
            x = t.right + arrow
        # Beside the strip: what the network says without the steps, and with them.
        ans = Rect(x + self.gap // 2, y, max(body.right - x - self.gap // 2, 1), body.h)
        pygame.draw.line(self.s, self.th.border, (ans.x - self.gap // 2, y), (ans.x - self.gap // 2, body.bottom))
        f = self.ins.forward if self.ins else None
        if f is None or f.raw_probs is None:
            self.k.put("answers appear here", self.small, self.th.faint, "midleft", (ans.x, ans.centery), max_w=ans.w)
            return
        raw_top, top = f.raw_top, f.top
        raw_pct, pct = percentages(f.raw_probs), percentages(f.probs)
        y = ans.y
        # With the steps: the app's answer, worded and coloured as in the prediction card. Without
        # them: what the network says of the raw canvas, "not a digit" included (ink size aside).
        v = self.verdict
        nd = f"{CROSS} not a digit"
        with_them = {"sure": f"{top}  ({pct[top]}%)", "unsure": v.headline}.get(v.kind, nd)
        raw = judge(Reading(f.raw_x, f.raw_probs, f.raw_not_digit), self.thresholds)
        without = nd if raw.kind == "not-digit" else f"{raw_top}  ({raw_pct[raw_top]}%)"
        colour = self.th.warn if (raw.kind == "not-digit") != (v.kind == "not-digit") or (
            v.scores and raw_top != top) else self.th.text
        # The short labels name the strip's first and last pictures, which is what they mean.
        pairs = (
            (("without the steps:", "as drawn:"), without, colour),
            (("with them:", "the input:"), with_them, self.mark_colour(v.kind)),
        )
        short, stacked, size = self._answers_fit(ans, pairs)
        for labels, answer, c in pairs:
            label = labels[short]
            if stacked:  # the label, and the answer under it
                y = self.k.put(label, self.small, self.th.muted, "topleft", (ans.x, y), max_w=ans.w).bottom
                y = self.k.put(answer, size, c, "topleft", (ans.x, y), bold=True, max_w=ans.w).bottom + self.pad
                continue
            line = max(self.v.text.fonts.get(size, True).get_height(), self.v.text.fonts.get(self.small).get_height())
            lab = self.k.put(label, self.small, self.th.muted, "midleft", (ans.x, y + line // 2), max_w=ans.w)
            room = ans.right - lab.right - self.pad
            self.k.put(answer, size, c, "midleft", (lab.right + self.pad, y + line // 2), bold=True, max_w=room)
            y += line + self.pad

    def _answers_fit(self, ans: Rect, pairs) -> tuple[int, bool, int]:
        """How the way in's two answers fit `ans`: (which labels: 0 long, 1 short; stacked: each
        label above its answer, else beside it; the answers' type size). The first that fits, in
        this order: answers from the headings' size down to the body's, long labels before short,
        stacked before beside; then the same with answers down to the small type. Else the most compact."""
        fonts = self.v.text.fonts
        small = fonts.get(self.small)
        bands = (range(self.title, self.body - 1, -1), range(self.body - 1, self.small - 1, -1))
        for sizes, short, stacked in product(bands, (0, 1), (True, False)):
            for size in sizes:
                big = fonts.get(size, True)
                if stacked:
                    high = 2 * (small.get_height() + big.get_height()) + self.pad
                    wide = max(max(small.size(ls[short])[0], big.size(a)[0]) for ls, a, _ in pairs)
                else:
                    high = 2 * max(small.get_height(), big.get_height()) + self.pad
                    wide = max(small.size(ls[short])[0] + self.pad + big.size(a)[0] for ls, a, _ in pairs)
                if high <= ans.h and wide <= ans.w:
                    return short, stacked, size
        return 1, False, self.small

    def _tile(self) -> int:
        """The way-in pictures' side: a whole multiple of 28 px (every input pixel the same size),
        five pictures and the answers across the width, about a sixth of the height."""
        room = min(self.r.w / 6.6, self.r.h * 0.16)
        if self.least:  # classroom: a little over the least picture, so the rows below get the height
            room = min(room, -(-self.least["picture"] * 1.4 // FIELD) * FIELD)
        return max(int(room) // FIELD, 1) * FIELD

    def _strip_height(self) -> int:
        tile = self._tile()
        return tile + self.pad * 2 + round(self.small * 1.5) + round(self.body * 1.6)

    def hidden(self, rect: Rect) -> None:
        n = self.u.count
        active = self.ins.forward.active if self.ins else 0
        label = "gallery \u25b8"
        reserve = self.k.img(label, self.small, self.th.text, bold=True).get_width() + 3 * self.pad
        body = self.card(rect, "Hidden layer", "click a unit", reserve=reserve)
        self.button("gallery", label, rect.right - self.pad, self._heading_cy(rect))
        cap_h = round(self.body * 1.5)
        ring = 3  # the rings round the voters and the selected unit reach this far out of the grid
        area = Rect(body.x + ring, body.y + ring, body.w - 2 * ring, max(body.h - cap_h - ring, 1))
        cols, rows, cell = grid_shape(n, area.w, area.h)
        if self.least and cell < self.least["unit"]:
            # Too small to make out on a projector: the squares at the least size, as many of the
            # most important units as fit (the count below still counts all of them).
            cell = self.least["unit"]
            cols, rows = max(area.w // cell, 1), max(area.h // cell, 1)
            n = min(n, cols * rows)
            rows = -(-n // cols)
        grid = Rect(area.x + (area.w - cols * cell) // 2, area.y, cols * cell, rows * cell)
        img = self.v.reading_picture(f"grid{cell}x{cols}x{n}", cell,
                                     lambda: self._grid_picture(cols, rows, cell, n))
        self.s.blit(img, grid)
        self.k.note("grid", grid.inflate(2 * ring, 2 * ring))
        self.st._units.append(Pitch(grid.x, grid.y, cell, cell, cols, rows, self.u.order[:n]))
        shown = "" if n == self.u.count else f" \u00b7 top {n} shown"  # the classroom's bigger squares
        count = self.k.put(
            f"{active} of {self.u.count} fire{shown}",
            self.body,
            self.th.accent if active else self.th.faint,
            "topleft",
            (body.x, grid.bottom + 3),
            bold=True,
            max_w=body.w,
        )
        room = body.right - count.right - self.pad
        words = "brighter = fires harder" if n == self.u.count else f"the {n} that matter most"
        hint = self.k.img(words, self.small, self.th.muted)
        if hint.get_width() <= room:
            self.k.blit(hint, hint.get_rect(bottomright=(body.right, count.bottom - 2)), words)
        # Ring the units that vote most for the answer, so the class can find them in the grid.
        if self.ins:
            where = self.v.ranks(self.u)
            for vt in self.ins.votes.voters_for:
                i = int(where[vt.unit])
                if i >= n:
                    continue  # not among the units shown
                c = Rect(grid.x + (i % cols) * cell, grid.y + (i // cols) * cell, cell, cell)
                pygame.draw.rect(self.s, self.th.accent, c.inflate(2 * ring - 2, 2 * ring - 2), width=max(1, cell // 5))
        if self.st.selected is not None and int(np.flatnonzero(self.u.order == self.st.selected)[0]) < n:
            i = int(np.flatnonzero(self.u.order == self.st.selected)[0])
            c = Rect(grid.x + (i % cols) * cell, grid.y + (i // cols) * cell, cell, cell)
            pygame.draw.rect(self.s, self.th.text, c.inflate(2 * ring, 2 * ring), width=max(1, cell // 5))

    def _grid_picture(self, cols: int, rows: int, cell: int, n: int) -> pygame.Surface:
        """One pixel per unit (the first `n` by importance), scaled up to cells (nearest neighbour),
        with the gaps laid over."""
        rgb = np.empty((rows * cols, 3), np.uint8)
        rgb[:] = self.th.panel
        rgb[:n] = self.th.track
        if self.ins:
            f = self.ins.forward
            act = (f.hidden[-1] if f.hidden else f.x)[self.u.order[:n]]
            on = np.flatnonzero(act > 0)
            # Even a weakly firing unit must stand out from a silent one: start a third up the ramp.
            rgb[on] = to_rgb(0.33 + 0.67 * np.minimum(act[on] / self.u.scale, 1.0), 1.0)
        small = pygame.surfarray.make_surface(rgb.reshape(rows, cols, 3).transpose(1, 0, 2))
        big = pygame.transform.scale(small, (cols * cell, rows * cell))
        if cell >= 4:  # a gap between cells, unless they are too small to spare it
            big.blit(self.v.gaps(cols, rows, cell, self.th.panel), (0, 0))
        return big

    def gallery(self, rect: Rect) -> None:
        g = self.gap
        side_w = min(rect.w * 2 // 5, max(rect.h, 1))
        grid_rect = Rect(rect.x, rect.y, rect.w - side_w - g, rect.h)
        st, n = self.st, self.u.count
        cy = self._heading_cy(grid_rect)
        labels = (("gallery", "overview"), ("prev", "\u25c0"), ("next", "\u25b6"))
        widths = [self.k.img(t, self.small, self.th.text, bold=True).get_width() + 3 * self.pad for _, t in labels]
        body = self.card(grid_rect, ("Units by importance", "Units"), reserve=sum(widths) + self.pad)
        right = grid_rect.right - self.pad
        for name, text in reversed(labels):
            right = self.button(name, text, right, cy).x - self.pad
        # "#12" under each picture, clear of its frame (2 px when selected) and the next row's.
        label_h = self._line(self.small, 1.3) + 4 * FRAME + 1
        foot = round(self.small * 1.5)
        # The biggest pictures (at least 2 px per weight) that still fit 24 on a page.
        tile = 2 * FIELD
        for t in range(8 * FIELD, 2 * FIELD - 1, -2):
            if ((body.w + self.pad) // (t + self.pad)) * ((body.h - foot) // (t + label_h)) >= 24:
                tile = t
                break
        step_x, step_y = tile + self.pad, tile + label_h
        cols = max(1, (body.w + self.pad) // step_x)
        rows = max(1, (body.h - foot) // step_y)
        st.per_page = cols * rows
        st.pages = -(-n // st.per_page)
        if st._jump and st.selected is not None:
            st.page = int(np.flatnonzero(self.u.order == st.selected)[0]) // st.per_page
            st._jump = False
        st.page %= st.pages
        first = st.page * st.per_page
        shown = self.u.order[first : first + st.per_page]
        for i, unit in enumerate(shown):
            t = Rect(body.x + (i % cols) * step_x, body.y + (i // cols) * step_y, tile, tile)
            sel = unit == st.selected
            firing = self.ins is not None and self.ins.forward.hidden and self.ins.forward.hidden[-1][unit] > 0
            self.framed(
                self.v.weight_picture(self.u, int(unit), tile),
                t,
                self.th.text if sel else self.th.accent if firing else self.th.border,
                out=2 * FRAME if sel else FRAME,
                width=2 if sel or firing else 1,
            )
            self.k.put(
                f"#{first + i + 1}",
                self.small,
                self.th.accent if firing else self.th.muted,
                "midtop",
                (t.centerx, t.bottom + 2 * FRAME + 1),  # clear of the selected picture's frame
                max_w=tile,
            )
        # Hit-testing uses the pitch of the tiles, so each picture's label counts as part of it.
        st._units.append(Pitch(body.x, body.y, step_x, step_y, cols, rows, shown))
        self.k.put(
            f"page {st.page + 1} of {st.pages}  \u00b7  lit: fires now",
            self.small,
            self.th.muted,
            "bottomleft",
            (body.x, grid_rect.bottom - self.pad // 2),
            max_w=body.w,
        )
        self.unit_panel(Rect(grid_rect.right + g, rect.y, side_w, rect.h))

    def unit_panel(self, rect: Rect) -> None:
        j = self.st.selected
        if j is None:
            body = self.card(rect, "One unit")
            self.empty(body, "click a unit")
            return
        rank = int(np.flatnonzero(self.u.order == j)[0])
        body = self.card(rect, f"Unit {j}", f"#{rank + 1} of {self.u.count}")
        half = (body.w - self.pad) // 2
        side = max(min(half, body.h // 3) // FIELD, 1) * FIELD
        a = Rect(body.x + (half - side) // 2, body.y, side, side)  # each picture centred over its label
        self.k.blit(self.v.weight_picture(self.u, j, side), a)
        self.k.put("looks for", self.small, self.th.muted, "midtop", (a.centerx, a.bottom + 2), max_w=half)
        if self.ins is None:
            self.empty(Rect(body.x, a.bottom + self.body * 2, body.w, body.bottom - a.bottom - self.body * 2))
            return
        r = self.ins.response(j)
        b = Rect(body.x + half + self.pad + (half - side) // 2, body.y, side, side)
        self.k.blit(self.v.reading_picture(f"resp{j}", side, lambda: rgb_picture(to_rgb(r.map), side)), b)
        self.k.put("on this drawing", self.small, self.th.muted, "midtop", (b.centerx, b.bottom + 2), max_w=half)
        y = a.bottom + round(self.small * 1.6) + self.pad
        fires = f"fires {r.activation:.2f}" if r.activation > 0 else f"silent ({r.preactivation:+.2f} < 0)"
        self.k.put(
            fires,
            self.title,
            self.th.accent if r.activation > 0 else self.th.muted,
            "topleft",
            (body.x, y),
            bold=True,
            max_w=body.w,
        )
        y += round(self.title * 1.5)
        self.k.put("its votes:", self.small, self.th.muted, "topleft", (body.x, y))
        y += round(self.small * 1.5)
        chart = Rect(body.x, y, body.w, max(body.bottom - y, 1))
        lab = round(self.small * 1.4)
        col = chart.w / len(r.votes)  # ten digits, and "not a digit" for a network with that output
        chart.h -= self.pad // 2  # a little air between the lowest bar and the digits
        mid = chart.y + (chart.h - lab) // 2
        lim = max(float(np.abs(r.votes).max()), 1e-6)
        for d, vote in enumerate(r.votes):
            x = round(chart.x + col * (d + 0.25))
            h = round(float(vote) / lim * (chart.h - lab) / 2)
            bar = Rect(x, mid - max(h, 0), max(round(col / 2), 2), abs(h) or 1)
            self.bar(bar, ORANGE if h >= 0 else BLUE)
            self.k.put(output_name(d), self.small, self.th.text, "midbottom", (x + col / 4, chart.bottom))
        pygame.draw.line(self.s, self.th.muted, (chart.x, mid), (chart.right, mid))
