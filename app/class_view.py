"""The Class view: the whole class draws from their phones, the projector shows every drawing.

`ClassSession` (app/class_session.py) is the view's state, without pygame: the Classroom, the web
server, which starts when the view opens and stops when it closes, and the "adapt to this class"
job. `ClassPanel` paints it into
the side panel: a QR code, the address and join code big enough for the back row, the round's
buttons, the class's accuracy and confusions, and the wall of drawings. Clicking a drawing puts it
on the canvas, where the inside view can explain it.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import pygame

from app import store
from app.class_session import ClassSession, tile_size
from app.kit import Drawn, Painter, Sizes
from app.panels import CLASS, PLAIN, Action, PutOnCanvas, QuietPanel, Saved, Setup, ShowView, Toast, UseModel, toggle
from app.qr import QrPicture
from app.theme import Theme
from model.classroom import (
    DEFAULT_PORT,
    GIVEN,
    Classroom,
    Entry,
    Tallier,
    tally,
)
from model.jsonl import count_samples
from model.recognise import Recogniser

Rect = pygame.Rect
# Posted by the server's thread: wakes the app's idle loop, a drawing came (the app takes any custom
# event as news: the frame that follows shows it).
CLASS_NEWS = pygame.event.custom_type()


# -- painting -----------------------------------------------------------------------------------


BUTTON_LABELS = {  # longest first: each button says the longest that fits at the row's one type size
    "given": ("Draw the digit given", "Given digits", "Digits"),
    "free": ("Free drawing", "Free"),
    "stop": ("Stop round", "Stop"),
    "adapt": ("Adapt to this class", "Adapt to class", "Adapt"),
    "use": ("Use adapted model", "Use adapted", "Use"),
    "delete": ("Delete class drawings", "Delete drawings", "Delete"),
}


class ClassPanel(QuietPanel):
    """The Class view as a side panel (app/panels.py): its session (the class, the server, the
    adapt job) and its painting."""

    actions = ("toggle_class",)
    button, header = "class", "W  close"
    hint = "W: close the class (the server stops)   \u00b7   click a drawing to open it   \u00b7   N: look inside"

    def __init__(self, setup: Setup) -> None:
        # The server listens only while the view is open (the teacher's choice).
        self.session = ClassSession(setup.samples_file, setup.recogniser, setup.host,
                                    DEFAULT_PORT if setup.port is None else setup.port, post_news)
        self.samples_file, self.data_directory = setup.samples_file, setup.data_directory
        self.text = setup.text
        self._labelled = 0  # the class's labelled drawings the app has been told of (Saved)
        self.buttons: dict[str, Rect] = {}
        self.tiles: list[tuple[Rect, Entry]] = []
        self.drawn: Drawn = []
        self.shown_version = -1
        self.entries: list[Entry] = []
        self.tally = tally([])
        self.tally_before = None
        self._generation = -1
        self._talliers = (Tallier(), Tallier(before=True))
        self.seen: dict[int, float] = {}  # entry id -> when a frame first showed it (the benchmark reads this)
        self._qr = QrPicture()
        self._thumbs: dict[tuple[int, int], pygame.Surface] = {}
        self._confirm_delete = 0.0  # "Delete" asks once: a second click within 5 s deletes
        self._painted: pygame.Surface | None = None  # the last painting, and what it showed
        self._painted_key: tuple = ()
        self.k = Painter(pygame.Surface((1, 1)), self.text, None)  # each painting has a painter of its own

    # -- the app's calls (app/panels.py) ---------------------------------------------------------

    def click(self, pos: tuple[int, int]) -> list[Action]:
        for name, rect in self.buttons.items():
            if rect.collidepoint(pos):
                if name == "delete" and time.monotonic() > self._confirm_delete:
                    self._confirm_delete = time.monotonic() + 5
                    return [Toast("Click \u201cDelete class drawings\u201d again within 5 s to delete them", "warn")]
                return self.press(name)
        for rect, entry in self.tiles:
            if rect.collidepoint(pos):
                return [on_canvas(entry)]
        return []

    def key(self, event: pygame.event.Event, fullscreen: bool) -> list[Action] | None:
        if event.key == pygame.K_ESCAPE:
            return [ShowView(PLAIN)]  # in the Class view Esc closes the class, not the app
        return None

    def act(self, action: str, shown: bool) -> list[Action]:
        return toggle(CLASS, shown)  # W

    def press(self, name: str) -> list[Action]:
        """A button of the view."""
        s = self.session
        c = s.classroom
        if name in ("given", "free") and c is not None:
            r = c.start_round(name)
            return [Toast(f"Round {r.number} started: the phones show the pad", "good")]
        if name == "stop" and c is not None:
            c.stop_round()
            return [Toast("Round stopped")]
        if name == "adapt":
            return [Toast(s.adapt())]
        if name == "use":
            recogniser = s.use_adapted()
            if recogniser is not None:
                return [UseModel(recogniser, "adapted to this class"),
                        Toast("Reading the wall again with the adapted model", "good")]
        if name == "delete":
            try:
                n = s.delete()
            except OSError as e:
                return [Toast(store.save_error(self.samples_file, e), "warn")]
            return [Saved(count_samples(self.samples_file)),
                    Toast(f"Deleted this class's {n} drawings from {self.data_directory}", "good")]
        return []

    def update(self) -> list[Action]:
        """The adapt job's end, and the drawings the class labelled since the last frame."""
        s, out = self.session, []
        if s.job is not None and s.poll():
            if s.adapted is not None:
                out.append(Toast("Adapted to the class: \u201cUse adapted model\u201d reads the wall again with it",
                                 "good"))
            elif s.adapt_kept:
                out.append(Toast(f"Model kept: {s.adapt_kept}", "warn"))
            elif s.adapt_error:
                out.append(Toast(f"Adapting failed: {s.adapt_error}", "warn"))
        if (c := s.classroom) is not None and c.labelled != self._labelled:
            out.append(Saved(added=c.labelled - self._labelled))  # counted, not re-read: the file grows all lesson
            self._labelled = c.labelled
        return out

    def busy(self, shown: bool) -> bool:
        return (self.session.job is not None and self.session.job.running) or (shown and self.changed())

    def opened(self) -> list[Action]:
        error = self.session.open()
        return [Toast(error, "warn")] if error else []

    def closed(self) -> None:
        self.session.close()  # leaving the Class view stops listening

    def use(self, recogniser: Recogniser) -> None:
        self.session.use(recogniser)

    def shutdown(self) -> None:
        self.session.shutdown()  # the class server stops with the app

    @property
    def confirming_delete(self) -> bool:
        return time.monotonic() < self._confirm_delete

    def changed(self) -> bool:
        c = self.session.classroom
        return c is not None and c.version != self.shown_version

    # -- the frame ------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, scene) -> None:
        """Paint the panel; it is painted again only when something on it changed, else the last
        painting is blitted (a class of forty sending every 2 s changes it 20 times a second, not 60)."""
        lay = scene.layout
        sess, c = self.session, self.session.classroom
        key = (c.version if c is not None else -1, lay.size, id(scene.theme), self.confirming_delete,
               sess.adapt_progress, sess.adapted is not None, sess.adapt_error, sess.adapt_kept, sess.error,
               sess.listening, sess.url)
        if key != self._painted_key or self._painted is None or self._painted.get_size() != surface.get_size():
            self._painted = pygame.Surface(surface.get_size())
            self._paint(self._painted, scene)
            self._painted_key = key
        surface.blit(self._painted, lay.panel, lay.panel)

    def _paint(self, surface: pygame.Surface, scene) -> None:
        lay, th = scene.layout, scene.theme
        area: Rect = lay.panel
        surface.fill(th.background, area)
        self.buttons, self.tiles, self.drawn = {}, [], []
        s = lay.scale
        pad = round(12 * s)
        # Its type comes from the layout, like the plain view's; things outside a button belong to the panel.
        sizes = Sizes(title=lay.type.title, body=lay.type.body, small=lay.type.small, gap=round(8 * s), pad=pad,
                      radius=lay.radius)
        self.k = Painter(surface, self.text, th, sizes, self.drawn, area=area)
        pygame.draw.rect(surface, th.panel, area, border_radius=lay.radius)
        inner = area.inflate(-2 * pad, -2 * pad)
        c = self.session.classroom
        if c is not None and c.version != self.shown_version:
            self._snapshot(c)
        top = self._join_card(surface, inner, th, lay, s)
        y = self._controls(surface, Rect(inner.x, top + pad, inner.w, 0), th, lay, s)
        y = self._numbers(surface, Rect(inner.x, y + pad // 2, inner.w, 0), th, lay, s)
        self._wall(surface, Rect(inner.x, y + pad // 2, inner.w, inner.bottom - y - pad // 2), th, lay, s)

    def _snapshot(self, c: Classroom) -> None:
        """What the wall shows, taken when the class changed, not every frame: a lesson's thousands of
        drawings are counted once per change, and a frame only paints."""
        self.shown_version = c.version
        self._generation, restart, new = c.news(self._generation, len(self.entries))
        if restart:
            self.entries, self._talliers = [], (Tallier(), Tallier(before=True))
        now = time.perf_counter()
        for e in new:
            self.entries.append(e)
            self._talliers[0].add(e)
            self._talliers[1].add(e)
            self.seen.setdefault(e.id, now)
        self.tally = self._talliers[0].tally()
        self.tally_before = self._talliers[1].tally() if self.session.before_adapting is not None else None

    def _join_card(self, surface: pygame.Surface, area: Rect, th: Theme, lay, s: float) -> int:
        """QR code, address, code and count across the top; returns its bottom."""
        sess, c = self.session, self.session.classroom
        side = max(min(int(area.h * 0.36), int(area.w * 0.3)), 60)
        if sess.error or not sess.listening:
            msg = sess.error or "The class server is not running: press W to open the class again"
            self.k.put("Class", lay.type.title, th.text, "topleft", area.topleft, bold=True)
            lines = self.k.lines(msg, lay.type.body, area.w, break_words=False)
            y = area.y + round(lay.type.title * 1.6)
            for line in lines:
                r = self.k.put(line, lay.type.body, th.warn, "topleft", (area.x, y))
                y = r.bottom + 2
            return y
        qr = self._qr.surface(sess.join_url(), side)
        qr_rect = qr.get_rect(topleft=area.topleft)
        self.k.blit(qr, qr_rect, "qr")
        x = qr_rect.right + round(24 * s)
        w = area.right - x
        # The words beside the code stand as tall as the code: sizes follow its side, up to the type scale.
        fonts = self.text.fonts
        small = min(lay.type.body, fonts.largest(side * 0.11, lay.type.body, bold=False))
        big = fonts.largest(side * 0.18, round(lay.type.prompt * 1.05))
        code_size = fonts.largest(side * 0.33, round(120 * s))
        r = self.k.put("Join at", small, th.muted, "topleft", (x, area.y), max_w=w)
        r = self.k.put(sess.url.removeprefix("http://").rstrip("/"), big, th.text, "topleft", (x, r.bottom), max_w=w,
                       bold=True)
        r = self.k.put("code", small, th.muted, "topleft", (x, r.bottom), max_w=w)
        r = self.k.put(c.code, code_size, th.accent, "topleft", (x, r.bottom), max_w=w, bold=True)
        joined = f"{c.joined} joined"
        r = self.k.put(joined, big, th.text, "topleft", (x, r.bottom), max_w=w, bold=True)
        return max(qr_rect.bottom, r.bottom)

    def _controls(self, surface: pygame.Surface, area: Rect, th: Theme, lay, s: float) -> int:
        sess, c = self.session, self.session.classroom
        names = ["given", "free", "stop", "adapt", "delete"]
        if sess.adapted is not None:
            names.insert(4, "use")
        gap = round(8 * s)
        size = lay.type.body
        h = round(size * 2.1)
        bw = (area.w - gap * (len(names) - 1)) // len(names)
        running = c.round.kind if c is not None and c.round is not None else None
        room = bw - 8
        wordings = {n: ("Click again to delete", "Sure?") if n == "delete" and self.confirming_delete
                    else BUTTON_LABELS[n] for n in names}
        # One type size for the whole row (labels of three sizes side by side look broken): the body
        # size, or smaller until every button's shortest wording fits; each then says the longest
        # wording that fits at that size. None fits even at the smallest type: shapes alone.
        size = self.k.row_size([w[-1] for w in wordings.values()], [room] * len(wordings), size)
        for k, name in enumerate(names):
            rect = Rect(area.x + k * (bw + gap), area.y, bw, h)
            on = name == running
            fill = th.button_on if on or (name == "delete" and self.confirming_delete) else th.button
            label = self.k.wording(wordings[name], size, room)
            if room < 1 or self.k.fonts.get(size, False).size(label)[0] > room:
                label = ""
            self.k.button(rect, label, size, fill, th.text, bold=False, max_w=room)
            self.buttons[name] = rect
        return area.y + h

    def _numbers(self, surface: pygame.Surface, area: Rect, th: Theme, lay, s: float) -> int:
        sess, c = self.session, self.session.classroom
        if c is None:
            return area.y
        t = self.tally
        if c.round is None:
            what = "No round running: start one, the phones then show the pad"
        else:
            kind = "draw the digit given" if c.round.kind == GIVEN else "free drawing"
            what = f"Round {c.round.number}: {kind} \u00b7 {t.drawings} drawings"
        parts = [what]
        if t.accuracy is not None:
            acc = f"class accuracy {t.accuracy:.0%}"
            if self.tally_before is not None and self.tally_before.accuracy is not None:
                acc += f" (before adapting {self.tally_before.accuracy:.0%})"
            parts.append(acc)
        line1 = "  \u00b7  ".join(parts)
        r = self.k.put(line1, lay.type.label, th.text, "topleft", (area.x, area.y), max_w=area.w, bold=True)
        y = r.bottom + 2
        extra = []
        if t.confusions:
            top = ", ".join(f"{a}\u2192{'?' if b < 0 else b} \u00d7{n}" for a, b, n in t.confusions[:4])
            extra.append(f"confuses {top}  (\u2192? : read as not a digit)")
        if sess.adapt_progress:
            extra.append(sess.adapt_progress)
        elif sess.adapted is not None:
            a = sess.adapted
            if a.before is not None and a.after is not None:
                extra.append(f"Adapted: on students it did not learn from, {a.before:.0%} \u2192 {a.after:.0%}")
        elif sess.adapt_kept:
            extra.append(f"Model kept: {sess.adapt_kept} (students it did not learn from)")
        elif sess.adapt_error:
            extra.append(f"Adapting failed: {sess.adapt_error}")
        for line in extra:
            r = self.k.put(line, lay.type.body, th.muted, "topleft", (area.x, y), max_w=area.w)
            y = r.bottom + 2
        return y

    def _wall(self, surface: pygame.Surface, area: Rect, th: Theme, lay, s: float) -> None:
        c = self.session.classroom
        if c is None or area.h < 20:
            return
        entries = self.entries
        if not entries:
            return
        gap = round(8 * s)
        # The largest tile that fits every drawing; past ~60 the newest ones fill the wall.
        n = len(entries)
        tile = tile_size(area.w, area.h, n, gap, min_side=round(44 * s))
        cols = max((area.w + gap) // (tile + gap), 1)
        rows = max((area.h + gap) // (tile + gap), 1)
        shown = entries[-cols * rows:]
        label_size = max(round(tile * 0.22), 8)
        for k, e in enumerate(shown):
            rect = Rect(area.x + (k % cols) * (tile + gap), area.y + (k // cols) * (tile + gap), tile, tile)
            surface.blit(self._thumb(e, tile, th), rect)
            colour = {"sure": th.good, "unsure": th.unsure, "not-digit": th.warn}[e.look.kind]
            edge = max(round(tile * 0.06), 2)
            if e.misread:
                pygame.draw.rect(surface, th.button_on, rect, width=max(round(5 * s), 3), border_radius=lay.radius)
                self.k.put_if(f"asked {e.label}", round(label_size * 0.7), th.text, "topleft",
                              (rect.x + edge, rect.y + edge), tile - 2 * edge, card=rect)
            else:
                pygame.draw.rect(surface, th.border, rect, width=1, border_radius=lay.radius)
            words = "\u2717" if e.look.kind == "not-digit" else (
                f"{e.look.top}" if e.look.kind == "sure" else f"{e.look.top}?")
            answer = self.k.put_if(words, label_size, colour, "bottomright", (rect.right - edge, rect.bottom - 1),
                                   tile - 2 * edge, bold=True, card=rect)
            name = e.nickname or f"#{e.student}"
            room = (answer.left if answer else rect.right - edge) - 3 - (rect.x + edge)
            self.k.put_if(name, round(label_size * 0.55), th.muted, "bottomleft",
                          (rect.x + edge, rect.bottom - edge), room, card=rect)
            self.tiles.append((rect, e))

    def _thumb(self, e: Entry, side: int, th: Theme) -> pygame.Surface:
        key = (e.id, side)
        surf = self._thumbs.get(key)
        if surf is None:
            if len(self._thumbs) > 600:
                self._thumbs.clear()
            surf = pygame.Surface((side, side))
            surf.fill(th.canvas)
            width = max(round(side * 0.05), 2)
            for stroke in e.strokes:
                pts = [(float(x * side), float(y * side)) for x, y in stroke]
                if len(pts) == 1:
                    pygame.draw.circle(surf, th.ink, pts[0], width / 2)
                else:
                    pygame.draw.lines(surf, th.ink, False, pts, width)
                    for p in (pts[0], pts[-1]):
                        pygame.draw.circle(surf, th.ink, p, width / 2)
            self._thumbs[key] = surf
        return surf


def on_canvas(entry: Entry) -> PutOnCanvas:
    """A drawing from the wall, to go on the canvas (undoable), so the inside view can explain it."""
    who = entry.nickname or f"student {entry.student}"
    asked = f" (asked for {entry.label})" if entry.label is not None else ""
    return PutOnCanvas([np.asarray(s, float) for s in entry.strokes],
                       f"{who}'s drawing{asked} is on the canvas \u2014 N looks inside (the class pauses; W brings "
                       "it back)")


def post_news() -> None:
    """Called from the server's thread after a change: a pygame event wakes the app's idle loop."""
    with contextlib.suppress(pygame.error):
        pygame.event.post(pygame.event.Event(CLASS_NEWS))

