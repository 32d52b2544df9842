"""The Class view: the whole class draws from their phones, the projector shows every drawing.

`ClassSession` is the view's state, without pygame: the Classroom (model/classroom.py), the web
server (app/class_server.py), which starts when the view opens and stops when it closes, and the
"adapt to this class" job (model/jobs.py, the Learn view's machinery). `ClassPanel` paints it into
the side panel: a QR code, the address and join code big enough for the back row, the round's
buttons, the class's accuracy and confusions, and the wall of drawings. Clicking a drawing puts it
on the canvas, where the inside view can explain it.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame
import segno

from app.class_server import ClassServer
from app.drawn import Drawn
from app.theme import Theme
from model.classroom import (
    DEFAULT_PORT,
    GIVEN,
    SIDE,
    Classroom,
    Entry,
    Look,
    Tallier,
    delete_class,
    export_labelled,
    save_entry,
    students_with_labels,
    tally,
)
from model.recognise import Recogniser

Rect = pygame.Rect
CLASS_NEWS = pygame.event.custom_type()  # posted by the server's thread: wake the loop, a drawing came


def reader(recogniser: Recogniser) -> Callable[[list[np.ndarray]], Look]:
    """Read pad strokes (0..1) the way the app reads its canvas: Recogniser.read, then its answer."""

    def read(strokes: list[np.ndarray]) -> Look:
        r = recogniser.read([s * SIDE for s in strokes], side=SIDE)
        a = recogniser.answer(r)
        return Look(a.kind, a.top, a.runner_up, a.confidence)

    return read


@dataclass
class AdaptResult:
    before: float | None  # held-out students' accuracy before / after (model/jobs.py HeldOut)
    after: float | None
    weights: str


class ClassSession:
    """The Class view's state. `open()` starts listening, `close()` stops; the class itself persists."""

    def __init__(self, samples_file: Path, recogniser: Recogniser, host: str = "0.0.0.0",
                 port: int = DEFAULT_PORT, notify: Callable[[], None] | None = None) -> None:
        self.samples_file = samples_file
        self.host, self.port = host, port
        self.notify = notify
        self.classroom: Classroom | None = None
        self._recogniser = recogniser
        self.server: ClassServer | None = None
        self.error: str | None = None  # why the server cannot listen, one line
        self.job = None  # the adapt job (model.jobs.Job)
        self.adapted: AdaptResult | None = None
        self.adapt_error: str | None = None
        self.adapt_kept = ""  # why adapting kept the model (model/jobs.py keep_reason), "" otherwise
        self.before_adapting: float | None = None  # the wall's accuracy when the adapted model took over
        self.url = ""
        self.with_mnist: bool | None = None  # adapt with MNIST in the mix; None: if it is on this machine

    def use(self, recogniser: Recogniser) -> None:
        """The app reads with another model: new drawings are read with it too."""
        self._recogniser = recogniser
        if self.classroom is not None:
            self.classroom.read = reader(recogniser)

    def open(self) -> str | None:
        """Start the class (once) and its server; returns the one-line reason if it cannot listen."""
        if self.classroom is None:
            self.classroom = Classroom(reader(self._recogniser), save=self._save)
            self.classroom.notify = self.notify
        if self.server is None or not self.server.running:
            self.server = ClassServer(self.classroom, self.host, self.port)
            self.error = self.server.start()
            if self.error:
                self.server = None
            else:
                self.port = self.server.port
                self.url = self.server.url()
                if self.url.startswith("http://127.") and self.host not in ("127.0.0.1", "localhost"):
                    return ("No network found: phones cannot reach this computer. Join the school Wi-Fi "
                            "(or a hotspot), then press W twice")
        return self.error

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def shutdown(self) -> None:
        self.close()
        if self.job is not None and self.job.running:
            self.job.cancel()

    @property
    def listening(self) -> bool:
        return self.server is not None and self.server.running

    def _save(self, entry: Entry, session: str) -> None:
        save_entry(self.samples_file, entry, session)

    def join_url(self) -> str:
        """The address with the code after '#': a phone that scans the QR code has it filled in."""
        return f"{self.url}#{self.classroom.code}" if self.classroom and self.url else self.url

    # -- the teacher's buttons ------------------------------------------------------------------

    def delete(self) -> int:
        """Delete this class's drawings from the data set and the wall, in one step; returns how many."""
        c = self.classroom
        if c is None:
            return 0
        with c.disk:  # no drawing is being written meanwhile
            removed = delete_class(self.samples_file, c.session)
            c.forget()
        return removed

    def adapt(self) -> str:
        """Start fine-tuning on the class's labelled drawings, held out by student; returns a message."""
        from model.jobs import FinetuneSpec, Job, mnist_available

        c = self.classroom
        if c is None:
            return "Open the class first"
        if self.job is not None and self.job.running:
            return "Already adapting"
        entries = c.wall()
        if students_with_labels(entries) < 3:
            return "Adapting needs labelled drawings from at least 3 students: run a \u201cdraw the digit\u201d round"
        folder = Path(tempfile.gettempdir()) / "digitpad-class"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"class-{c.session}.jsonl"
        n = export_labelled(entries, c.session, path)
        spec = FinetuneSpec(drawings=str(path), holdout_by="writer", holdout=0.3,
                            with_mnist=mnist_available() if self.with_mnist is None else self.with_mnist,
                            weights=self._weights_path())
        self.adapted, self.adapt_error, self.adapt_kept = None, None, ""
        self.job = Job.start(spec)
        return f"Adapting to the class on {n} drawings (held out by student)\u2026"

    def _weights_path(self) -> str:
        """The model the app reads with now, written out for the job to start from."""
        from model.weights import save

        path = Path(tempfile.gettempdir()) / "digitpad-class" / f"start-{self.classroom.session}.npz"
        save(path, self._recogniser.model, self._recogniser.meta)
        return str(path)

    def poll(self) -> bool:
        """The adapt job's news (never waits); True when it has just finished."""
        if self.job is None or not self.job.running:
            return False
        self.job.poll()
        view = self.job.view
        if not view.done:
            return False
        if view.error is not None:
            self.adapt_error = view.error.message
        elif view.result is not None and getattr(view.held_out.get("after"), "kept", False):
            self.adapt_kept = view.held_out["after"].why  # nothing to use: the model in use stays
        elif view.result is not None:
            held = view.held_out
            self.adapted = AdaptResult(
                held["before"].accuracy if "before" in held else None,
                held["after"].accuracy if "after" in held else None,
                view.result.weights,
            )
        return True

    @property
    def adapt_progress(self) -> str:
        if self.job is None or not self.job.running:
            return ""
        v = self.job.view
        if v.started is None:
            return "Adapting: preparing the drawings\u2026"
        done = v.losses[-1][0] if v.losses else 0.0
        return f"Adapting: epoch {min(done, v.started.epochs):.1f} of {v.started.epochs}"

    def use_adapted(self) -> Recogniser | None:
        """Read with the adapted model from now on, and read the whole wall again with it (in the background)."""
        if self.adapted is None or self.classroom is None:
            return None
        recogniser = Recogniser.from_file(self.adapted.weights)
        self.before_adapting = tally(self.classroom.latest).accuracy
        self._recogniser = recogniser
        threading.Thread(target=self.classroom.reread, args=(reader(recogniser),), daemon=True,
                         name="digitpad-class-reread").start()
        return recogniser


# -- painting -----------------------------------------------------------------------------------


BUTTON_LABELS = {  # the longest wording that fits is used: small windows get the short one
    "given": ("Draw the digit given", "Digits"),
    "free": ("Free drawing", "Free"),
    "stop": ("Stop round", "Stop"),
    "adapt": ("Adapt to this class", "Adapt"),
    "use": ("Use adapted model", "Use"),
    "delete": ("Delete class drawings", "Delete"),
}


class ClassPanel:
    """The Class view as a side panel (app/panels.py)."""

    explains = False

    def __init__(self, session: ClassSession, text, on_open: Callable[[Entry], None],
                 on_action: Callable[[str], None]) -> None:
        self.session = session
        self.text = text
        self.on_open, self.on_action = on_open, on_action
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
        self._qr: tuple[str, int, pygame.Surface] | None = None
        self._thumbs: dict[tuple[int, int], pygame.Surface] = {}
        self._confirm_delete = 0.0  # "Delete" asks once: a second click within 5 s deletes
        self._painted: pygame.Surface | None = None  # the last painting, and what it showed
        self._painted_key: tuple = ()
        self._area = Rect(0, 0, 0, 0)

    def click(self, pos: tuple[int, int]) -> bool:
        for name, rect in self.buttons.items():
            if rect.collidepoint(pos):
                if name == "delete" and time.monotonic() > self._confirm_delete:
                    self._confirm_delete = time.monotonic() + 5
                    self.on_action("confirm-delete")
                    return True
                self.on_action(name)
                return True
        for rect, entry in self.tiles:
            if rect.collidepoint(pos):
                self.on_open(entry)
                return True
        return False

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
               sess.adapt_progress, sess.adapted is not None, sess.adapt_error, sess.error, sess.listening, sess.url)
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
        self._area = area
        s = lay.scale
        pad = round(12 * s)
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

    def _put_if(self, surface: pygame.Surface, text: str, size: int, colour, where: tuple[int, int], anchor: str,
                max_w: float, bold: bool = False, card: Rect | None = None) -> Rect | None:
        """Like _put, but nothing at all (None) if the text is wider than max_w even at the smallest type."""
        if max_w < 1 or self.text.fit(text, size, colour, bold=bold, max_w=max_w).get_width() > max_w:
            return None
        return self._put(surface, text, size, colour, where, anchor, max_w=max_w, bold=bold, card=card)

    def _put(self, surface: pygame.Surface, text: str, size: int, colour, where: tuple[int, int], anchor: str,
             max_w: float = 0, bold: bool = False, card: Rect | None = None) -> Rect:
        img = self.text.fit(text, size, colour, bold=bold, max_w=max_w)
        rect = img.get_rect(**{anchor: where})
        surface.blit(img, rect)
        self.drawn.append((text, rect, card or self._area))
        return rect

    def _join_card(self, surface: pygame.Surface, area: Rect, th: Theme, lay, s: float) -> int:
        """QR code, address, code and count across the top; returns its bottom."""
        sess, c = self.session, self.session.classroom
        side = max(min(int(area.h * 0.36), int(area.w * 0.3)), 60)
        if sess.error or not sess.listening:
            msg = sess.error or "The class server is not running: press W to open the class again"
            self._put(surface, "Class", lay.type.title, th.text, area.topleft, "topleft", bold=True)
            lines = _wrap(msg, self.text, lay.type.body, area.w)
            y = area.y + round(lay.type.title * 1.6)
            for line in lines:
                r = self._put(surface, line, lay.type.body, th.warn, (area.x, y), "topleft")
                y = r.bottom + 2
            return y
        qr = self._qr_surface(sess.join_url(), side)
        qr_rect = qr.get_rect(topleft=area.topleft)
        surface.blit(qr, qr_rect)
        self.drawn.append(("qr", qr_rect, self._area))
        x = qr_rect.right + round(24 * s)
        w = area.right - x
        # The words beside the code stand as tall as the code: sizes follow its side, up to the type scale.
        fonts = self.text.fonts
        small = min(lay.type.body, fonts.largest(side * 0.11, lay.type.body, bold=False))
        big = fonts.largest(side * 0.18, round(lay.type.prompt * 1.05))
        code_size = fonts.largest(side * 0.33, round(120 * s))
        r = self._put(surface, "Join at", small, th.muted, (x, area.y), "topleft", max_w=w)
        r = self._put(surface, sess.url.removeprefix("http://").rstrip("/"), big, th.text, (x, r.bottom), "topleft",
                      max_w=w, bold=True)
        r = self._put(surface, "code", small, th.muted, (x, r.bottom), "topleft", max_w=w)
        r = self._put(surface, c.code, code_size, th.accent, (x, r.bottom), "topleft", max_w=w, bold=True)
        joined = f"{c.joined} joined"
        r = self._put(surface, joined, big, th.text, (x, r.bottom), "topleft", max_w=w, bold=True)
        return max(qr_rect.bottom, r.bottom)

    def _qr_surface(self, url: str, side: int) -> pygame.Surface:
        if self._qr is not None and self._qr[0] == url and self._qr[1] == side:
            return self._qr[2]
        matrix = segno.make(url, error="m").matrix
        n = len(matrix) + 8  # a quiet zone of 4 modules each side, as scanners want
        module = max(side // n, 1)
        surf = pygame.Surface((module * n, module * n))
        surf.fill((255, 255, 255))
        for j, row in enumerate(matrix):
            for i, dark in enumerate(row):
                if dark:
                    surf.fill((0, 0, 0), Rect((i + 4) * module, (j + 4) * module, module, module))
        self._qr = (url, side, surf)
        return surf

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
        for k, name in enumerate(names):
            rect = Rect(area.x + k * (bw + gap), area.y, bw, h)
            on = name == running
            labels = BUTTON_LABELS[name]
            if name == "delete" and self.confirming_delete:
                labels = ("Click again to delete", "Sure?")
            fill = th.button_on if on or (name == "delete" and self.confirming_delete) else th.button
            pygame.draw.rect(surface, fill, rect, border_radius=lay.radius)
            for label in labels:
                if self._put_if(surface, label, size, th.text, rect.center, "center", rect.w - 8, card=rect):
                    break
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
        r = self._put(surface, line1, lay.type.label, th.text, (area.x, area.y), "topleft", max_w=area.w, bold=True)
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
            r = self._put(surface, line, lay.type.body, th.muted, (area.x, y), "topleft", max_w=area.w)
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
        tile = _tile_size(area.w, area.h, n, gap, min_side=round(44 * s))
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
                self._put_if(surface, f"asked {e.label}", round(label_size * 0.7), th.text,
                             (rect.x + edge, rect.y + edge), "topleft", tile - 2 * edge, card=rect)
            else:
                pygame.draw.rect(surface, th.border, rect, width=1, border_radius=lay.radius)
            words = "\u2717" if e.look.kind == "not-digit" else (
                f"{e.look.top}" if e.look.kind == "sure" else f"{e.look.top}?")
            answer = self._put_if(surface, words, label_size, colour, (rect.right - edge, rect.bottom - 1),
                                  "bottomright", tile - 2 * edge, bold=True, card=rect)
            name = e.nickname or f"#{e.student}"
            room = (answer.left if answer else rect.right - edge) - 3 - (rect.x + edge)
            self._put_if(surface, name, round(label_size * 0.55), th.muted, (rect.x + edge, rect.bottom - edge),
                         "bottomleft", room, card=rect)
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


def _tile_size(w: int, h: int, n: int, gap: int, min_side: int) -> int:
    """The largest square tile with which n tiles fit in w x h (not below min_side, not above h)."""
    best = 0
    for cols in range(1, min(n, w // max(min_side, 1) + 1) + 1):
        side = min((w - gap * (cols - 1)) // cols, h)
        rows = -(-n // cols)
        if side > 0 and rows * (side + gap) - gap <= h:
            best = max(best, side)
    return max(best, min(min_side, h, w), 1)


def _wrap(text: str, cache, size: int, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and cache.render(trial, size, (0, 0, 0)).get_width() > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def post_news() -> None:
    """Called from the server's thread after a change: a pygame event wakes the app's idle loop."""
    with contextlib.suppress(pygame.error):
        pygame.event.post(pygame.event.Event(CLASS_NEWS))

