"""The Learn view: train a network from scratch or adapt the bundled one, live, in front of a class.

The training runs in a background process (`model/jobs.py`); this panel only starts it, polls it once
a frame without waiting and draws what it reported. It lives in one rectangle of the window:

  choose     train from scratch (hidden neurons, epochs, Start) and adapt to this class (the labelled
             drawings in the data folder); without MNIST on the machine, the download instead;
  running    the live loss curve with the validation accuracy after each epoch, the ETA and a grid of
             validation digits that turn from wrong (orange, the wrong answer in the corner) to right;
             adapting also shows the held-out drawings' accuracy per digit, before and after; Cancel;
  finished   the same pictures with the result, and Use this model / Back to the bundled model /
             Save (into <data>/models, loadable with --weights) / Start over.

The app's whole contract:

    panel = LearnPanel(data_directory, BUNDLED_WEIGHTS, text_cache)   # once
    action = panel.handle(event)   # events while the view is open; panel.handled: it used the event
    action = panel.update()        # every frame; never blocks
    panel.draw(surface, rect, theme, scale, pointer)
    panel.busy                     # a job runs: keep drawing frames
    panel.shutdown()               # on quit: no process left behind
    # actions: UseModel(recogniser, label) -> read with it; UseBundled() -> back to the bundled model
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame
from pygame import Rect

from app.drawn import Drawn, fits
from app.readout import CROSS
from app.theme import CLASSROOM, LINE, SMALLEST_TYPE, Colour, Fonts, TextCache, Theme
from model.atomic import atomic_write
from model.cli import command
from model.config import BUNDLED_WEIGHTS, CLASSES, INPUTS
from model.jobs import (
    MNIST_DOWNLOAD_BYTES,
    NICE,
    DownloadSpec,
    FinetuneSpec,
    Finished,
    Job,
    Measured,
    ProbeSpec,
    ScratchSpec,
    mnist_available,
)

HIDDEN_CHOICES = (16, 64, 256, 925, 2048)
EPOCH_CHOICES = (1, 2, 4, 8)
DEFAULT_HIDDEN, DEFAULT_EPOCHS = 925, 8  # train.py's quick recipe: about a minute on 2 cores
# Half of each digit's drawings is held out to measure adapting on: at least 2 of each and 20 in
# all, so that one drawing read differently moves the figure by 5 points, not 10 (or 50 for a digit).
MIN_DRAWINGS, MIN_PER_DIGIT = 40, 4
HOLDOUT = FinetuneSpec.holdout  # the share of each digit's drawings held out to measure adapting on
MNIST_TRAIN = 55_000  # MNIST's 60,000 training digits less the 5,000 kept for validation
# Seconds per (hidden neuron x epoch x training image) and of start-up, used only if measuring this
# computer fails: the view measures it when it opens (ProbeSpec: a short training at the jobs'
# priority, so it sees what other programs leave), and again from each finished training.
SECONDS_PER_UNIT = 1.7e-7
STARTUP_S = 6.0
MESSAGE_LINES = 6  # the most lines of messages under a page (a failed download's advice needs five)
SMALLEST_SCALE = 0.45  # a page is not shrunk further to fit: there the type is at its floors (_Frame)
CHECK_EVERY_S = 1.0  # how often the drawings file is looked at for new labels


# ---------------------------------------------------------------------------------------------
# What the panel asks of the app


@dataclass(frozen=True)
class UseModel:
    """Read with this model from now on; `label` says which one (for the status line)."""

    recogniser: object  # model.recognise.Recogniser (imported lazily: loading is on the click)
    label: str


@dataclass(frozen=True)
class UseBundled:
    """Go back to the bundled model."""


Action = UseModel | UseBundled | None


@dataclass(frozen=True)
class Drawings:
    """The class's labelled drawings: how many of each digit, and whether that is enough to adapt."""

    per_digit: tuple[int, ...] = (0,) * CLASSES
    problem: str = ""  # the file could not be read: one line

    @property
    def total(self) -> int:
        return sum(self.per_digit)

    @property
    def enough(self) -> bool:
        return not self.problem and self.total >= MIN_DRAWINGS and min(self.per_digit) >= MIN_PER_DIGIT

    def missing(self) -> str:
        """What is still needed, in plain words ("" when enough)."""
        if self.problem:
            return self.problem
        if self.enough:
            return ""
        short = [d for d in range(CLASSES) if self.per_digit[d] < MIN_PER_DIGIT]
        parts = []
        if self.total < MIN_DRAWINGS:
            parts.append(f"{MIN_DRAWINGS - self.total} more drawings")
        if short:
            which = f" (short: {', '.join(map(str, short))})" if len(short) < CLASSES else ""
            parts.append(f"at least {MIN_PER_DIGIT} of each digit{which}")
        return "Needs " + " and ".join(parts)


def count_drawings(path: Path) -> Drawings:
    """Per-digit counts of the labelled drawings in `path` (none if it does not exist yet)."""
    from model.jsonl import read_jsonl
    from model.sample import StrokeDataError

    if not path.exists():
        return Drawings()
    try:
        samples = read_jsonl(path)
    except StrokeDataError as e:
        return Drawings(problem=str(e).splitlines()[0])
    counts = np.bincount([s.label for s in samples], minlength=CLASSES)
    return Drawings(tuple(int(c) for c in counts))


def download_failed(message: str, data: str | None = None) -> list[str]:
    """A failed download in words for the teacher: what went wrong, briefly, then what to do here
    (model.data's message is written for train.py, whose --data the app does not take)."""
    import re

    from model.data import ENV_VAR

    got = re.match(r"could not download (\S+) into (.+?): tried (.*?)\. To use local files", message)
    if got:
        reasons = list(dict.fromkeys(re.findall(r"\(([^()]*)\)", got.group(3))))
        why = f" ({'; '.join(reasons)})" if reasons else ""
        what = f"Download failed: {got.group(1)} could not be fetched from any mirror{why}."
    else:
        what = f"Download failed: {message.split('. To use local files')[0].rstrip('.')}."
    if data:
        where = f"put MNIST's four files into {data}, the folder Digitpad was told to use"
    else:
        where = (f"copy MNIST's four files into a folder and start Digitpad with {ENV_VAR} set to it "
                 "(see the README)")
    return [what, f"Check the internet connection and press Download MNIST again; or {where}; or adapt "
                  "the bundled model to your class's drawings, which needs no MNIST."]


def held_out_count(per_digit: tuple[int, ...] | list[int]) -> int:
    """How many drawings adapting holds out (model/jobs.split_drawings' rule, for the words before it runs)."""
    return sum(max(round(n * HOLDOUT), 1) if n >= 2 else 0 for n in per_digit)


def right_of(h) -> tuple[int, int]:
    """(right, of how many) on the held-out drawings, from a HeldOut report."""
    n = sum(h.counts)
    right = sum(round(p * c) for p, c in zip(h.per_digit, h.counts) if c)
    return right, n


def network_words(hidden: int, not_digit: bool) -> str:
    """The network's shape as both pages say it: "784 → 925 → 10 + ✖" (the cross: the "not a
    digit" output, which a job trains unless told not to)."""
    outputs = f"{CLASSES} + {CROSS}" if not_digit else f"{CLASSES}"
    return f"{INPUTS} → {hidden:,} → {outputs}"


def pct(x: float | None, digits: int = 1) -> str:
    return "\u2013" if x is None or not np.isfinite(x) else f"{x * 100:.{digits}f}%"


def duration(seconds: float) -> str:
    s = max(round(seconds), 0)
    return f"{s} s" if s < 90 else f"{s // 60} min {s % 60:02d} s"


# ---------------------------------------------------------------------------------------------
# The panel: state and actions


class LearnPanel:
    def __init__(
        self,
        data_directory: Path,
        bundled: Path = BUNDLED_WEIGHTS,
        text: TextCache | None = None,
        data: str | None = None,
        *,
        limit: int | None = None,
        nice: int = NICE,
        mirrors: tuple[str, ...] | None = None,
    ) -> None:
        """`data`: the MNIST folder (None: $DIGITPAD_MNIST or the download cache); `limit`: MNIST
        training images a job uses (None: all; tests and previews pass a few thousand); `nice`: how
        much lower the training process's priority is; `mirrors`: where to download MNIST from
        (None: model.data's list)."""
        from app.store import samples_path

        self.data_directory = Path(data_directory)
        self.drawings_file = samples_path(self.data_directory)
        self.bundled = Path(bundled)
        self.text = text or TextCache(Fonts())
        self.data, self.limit, self.nice, self.mirrors = data, limit, nice, mirrors
        self.hidden, self.epochs = DEFAULT_HIDDEN, DEFAULT_EPOCHS
        self.job: Job | None = None
        self.task = ""  # "scratch", "finetune" or "download": what self.job is doing
        self.task_hidden = 0  # the hidden size of the job's network
        self.started_at = 0.0
        self.message: list[str] = []  # one or two plain lines under the page
        self.message_kind = "info"  # "info", "good" or "warn"
        self.handled = False  # whether the last event passed to handle() was the panel's
        # The label of the model the panel last handed over (None: the bundled one). The app sets it
        # too if it switches models by other means, so the panel offers the way back when it should.
        self.in_use: str | None = None
        self.seconds_per_unit = SECONDS_PER_UNIT
        self.startup_s = STARTUP_S
        self.measured = False  # the two figures above were measured on this computer, now
        self.probe: Job | None = None  # the measuring job (ProbeSpec), while it runs
        self.mnist = False
        self.drawings = Drawings()
        self._drawings_stamp: tuple | None = None
        self._checked = 0.0
        self._rated = False  # this machine's speed was learnt from the current job
        self._buttons: dict[str, tuple[Rect, bool]] = {}  # name -> (where, enabled), from the last frame
        self._drawn: Drawn = []  # what the last frame drew where, in which card (app/drawn.py)
        self._fitted: tuple[tuple, float] = ((), 1.0)  # (the page and panel it was for, the scale that fitted)
        self._grid: tuple[object, int, list[pygame.Surface]] | None = None  # (started, cell, pictures)
        self.refresh()

    # -- state -------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A job is running: the app must keep drawing frames (no idle waiting)."""
        return self.job is not None and self.job.running

    @property
    def measuring(self) -> bool:
        """This computer's speed is being measured (the estimate then appears: keep drawing frames)."""
        return self.probe is not None

    @property
    def page(self) -> str:
        if self.job is None:
            return "choose"
        return "running" if self.job.running else "finished"

    @property
    def result(self) -> Finished | None:
        r = self.job.view.result if self.job is not None else None
        return r if isinstance(r, Finished) else None

    def refresh(self) -> None:
        """Look again for MNIST and the class's drawings (call when the view opens)."""
        self.mnist = mnist_available(self.data)
        self._drawings_stamp = None
        self._check_drawings()
        if self.mnist and not self.measured and self.probe is None and not self.busy:
            self.probe = Job.start(ProbeSpec(hidden=self.hidden, data=self.data), nice=self.nice)

    def drawings_changed(self) -> None:
        """The app saved or took back a labelled drawing: count again now, so every counter on screen
        (the status line's, this view's) says the same in the same frame."""
        self._drawings_stamp = None
        if self.job is None:
            self._check_drawings()

    def _check_drawings(self) -> None:
        try:
            st = os.stat(self.drawings_file)
            stamp: tuple | None = (st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None
        if stamp != self._drawings_stamp or stamp is None:
            self._drawings_stamp = stamp
            self.drawings = count_drawings(self.drawings_file)
        self._checked = time.monotonic()

    def estimate(self, hidden: int | None = None, epochs: int | None = None) -> float | None:
        """Roughly how long training from scratch takes here, in seconds, at this computer's speed as
        measured now; None while that is being measured."""
        if not self.measured:
            return None
        images = min(self.limit or MNIST_TRAIN, MNIST_TRAIN)
        work = (hidden or self.hidden) * (epochs or self.epochs) * images
        return self.startup_s + self.seconds_per_unit * work

    def _poll_probe(self) -> None:
        if self.probe is None:
            return
        self.probe.poll()
        if self.probe.running:
            return
        r = self.probe.view.result
        if isinstance(r, Measured):
            self.startup_s, self.seconds_per_unit = r.startup_seconds, r.seconds_per_unit
        self.measured = True  # measured, or (it failed) the figures above: an estimate either way
        self.probe = None

    def _stop_probe(self) -> None:
        if self.probe is not None:
            self.probe.cancel()
            self.probe = None

    # -- the app's calls ---------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> Action:
        """Apply one pygame event; `self.handled` says whether it was the panel's."""
        self.handled = False
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for name, (rect, enabled) in self._buttons.items():
                if rect.collidepoint(event.pos):
                    self.handled = True
                    return self.press(name) if enabled else None
        elif event.type == pygame.KEYDOWN:
            return self._key(event.key)
        return None

    def _key(self, key: int) -> Action:
        page = self.page
        name = None
        if key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            name = {"choose": "start" if self.mnist else "download", "finished": "use"}.get(page)
        elif key == pygame.K_ESCAPE and page == "running":
            name = "cancel"
        elif key == pygame.K_b and page != "running" and (self.in_use is not None or page == "finished"):
            name = "bundled"
        elif page == "choose" and key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN):
            step = 1 if key in (pygame.K_RIGHT, pygame.K_UP) else -1
            if key in (pygame.K_LEFT, pygame.K_RIGHT):
                self.hidden = _step(HIDDEN_CHOICES, self.hidden, step)
            else:
                self.epochs = _step(EPOCH_CHOICES, self.epochs, step)
            self.handled = True
            return None
        if name is None:
            return None
        self.handled = True
        return self.press(name)

    def update(self) -> Action:
        """Once a frame: take the job's news (never waits) and notice newly labelled drawings."""
        self._poll_probe()
        if self.job is not None:
            self.job.poll()
            if self.job.running:
                return None
            v = self.job.view
            if v.error is not None:
                failed = (download_failed(v.error.message, self.data) if self.task == "download"
                          else [f"Training failed: {v.error.message}"])
                self._say(failed, "warn")
                self.job = None
            elif v.cancelled:
                self._say(["Cancelled \u2014 nothing was kept"], "info")
                self.job = None
            elif self.task == "download" and v.result is not None:
                self.mnist = mnist_available(self.data)
                self._say([f"MNIST downloaded and checked (SHA-256) in {getattr(v.result, 'folder', '')}"], "good")
                self.job = None
            elif isinstance(v.result, Finished) and self.task == "scratch" and not self._rated:
                self._rated = True  # learn this machine's speed for the next estimate
                work = self.task_hidden * v.started.epochs * v.started.train_images if v.started else 0
                if work and v.result.seconds > self.startup_s:
                    self.seconds_per_unit = (v.result.seconds - self.startup_s) / work
                    self.measured = True
        if self.job is None and time.monotonic() - self._checked > CHECK_EVERY_S:
            self._check_drawings()
        return None

    def shutdown(self) -> None:
        """Stop any job; returns when no process is left."""
        self._stop_probe()
        if self.job is not None and self.job.running:
            self.job.cancel()

    # -- actions -----------------------------------------------------------------------------------

    def press(self, name: str) -> Action:
        """What a button does (also used by the keys)."""
        if name.startswith("hidden:"):
            self.hidden = int(name.split(":")[1])
        elif name.startswith("epochs:"):
            self.epochs = int(name.split(":")[1])
        elif name == "start":
            self.start_scratch()
        elif name == "adapt":
            self.start_adapt()
        elif name == "download":
            self.start_download()
        elif name == "cancel":
            self.cancel()
        elif name == "use":
            return self.use()
        elif name == "bundled":
            self.in_use = None
            self._say(["The canvas reads with the bundled model again"], "info")
            return UseBundled()
        elif name == "save":
            self.save()
        elif name == "again":
            self.job = None
            self.message = []
            self._check_drawings()
        return None

    def start_scratch(self) -> None:
        if self.busy:
            return
        spec = ScratchSpec(hidden=self.hidden, epochs=self.epochs, limit=self.limit, data=self.data)
        self._start(spec, "scratch", self.hidden)

    def start_adapt(self) -> None:
        if self.busy or not self.drawings.enough:
            return
        spec = FinetuneSpec(drawings=str(self.drawings_file), weights=str(self.bundled), with_mnist=self.mnist,
                            mnist_limit=min(self.limit or 20_000, 20_000), data=self.data)
        self._start(spec, "finetune", 0)

    def start_download(self) -> None:
        if not self.busy:
            self._start(DownloadSpec(data=self.data, mirrors=self.mirrors), "download", 0)

    def _start(self, spec, task: str, hidden: int) -> None:
        self._stop_probe()  # the job needs the CPU; its own progress measures the speed from here on
        self.job = Job.start(spec, nice=self.nice)
        self.task, self.task_hidden, self.started_at = task, hidden, time.monotonic()
        self._rated = False
        self.message = []

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        self.update()

    def use(self) -> Action:
        """UseModel for the finished job's weights (None, with a message, if they cannot be read)."""
        from model.recognise import Recogniser
        from model.weights import WeightsError

        r = self.result
        if r is None:
            return None
        try:
            recogniser = Recogniser.from_file(r.weights)
        except WeightsError as e:
            self._say([str(e).splitlines()[0]], "warn")
            return None
        label = self.model_label()
        self.in_use = label
        self._say([f"The canvas now reads with {label}"], "good")
        return UseModel(recogniser, label)

    @property
    def hint(self) -> str:
        """The status line's keys for what the view shows now."""
        page = self.page
        if page == "running":
            return "Esc: cancel   \u00b7   the canvas still reads with the model in use"
        if page == "finished":
            return "Enter: use this model   \u00b7   B: bundled model   \u00b7   T or Esc: close"
        return ("T or Esc: close   \u00b7   Enter: start   \u00b7   \u2190 \u2192 neurons, \u2191 \u2193 epochs"
                "   \u00b7   keep drawing to try it")

    def model_label(self) -> str:
        r, v = self.result, self.job.view if self.job else None
        if r is None or v is None:
            return ""
        if self.task == "finetune":
            after = v.held_out.get("after")
            if after is not None and after.kept:
                return "the bundled model (adapting would not help)"  # Finished.weights is the bundled file
            return f"the model adapted to your class, {pct(after.accuracy if after else None, 0)} on held-out drawings"
        return f"your {self.task_hidden}-neuron model, {pct(r.test_accuracy)}"

    def save(self) -> Path | None:
        """Copy the finished model's weights into <data>/models (atomically); says where and how to load it."""
        r = self.result
        if r is None:
            return None
        name = f"digitpad-{self.task_hidden}" if self.task == "scratch" else "digitpad-adapted"
        dest = self.data_directory / "models" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.npz"
        try:
            data = Path(r.weights).read_bytes()
            atomic_write(dest, lambda f: f.write(data))
        except OSError as e:
            self._say([f"Could not save to {dest.parent}: {(e.strerror or str(e)).lower()}"], "warn")
            return None
        self._say([f"Saved {dest}", f"Use it next time: {command('python', 'main.py', '--weights', dest)}"], "good")
        return dest

    def _say(self, lines: list[str], kind: str) -> None:
        self.message, self.message_kind = lines, kind

    # -- drawing -----------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, rect: Rect, theme: Theme, scale: float,
             pointer: tuple[int, int] | None = None) -> None:
        """Paint the panel into `rect`; remembers where its buttons went for `handle`."""
        # A small window: the whole page is drawn again with smaller type and spacing until all of
        # it lies inside its cards and the panel (the scale found is kept while the page stays).
        rect = Rect(rect)
        key = (rect.size, scale, self.page, self.task, len(self.message), self.in_use is not None)
        s = self._fitted[1] if self._fitted[0] == key else scale
        clip = surface.get_clip()
        surface.set_clip(rect.clip(clip))
        while True:
            self._buttons, self._drawn = {}, []
            surface.fill(theme.background, rect)
            _Frame(self, surface, rect, theme, s, pointer).paint()
            if fits(self._drawn, rect) or s <= SMALLEST_SCALE:
                break
            s = max(s * 0.9, SMALLEST_SCALE)
        surface.set_clip(clip)
        self._fitted = (key, s)

    def button(self, name: str) -> tuple[Rect, bool] | None:
        """Where button `name` was drawn in the last frame and whether it was enabled (None: not drawn)."""
        return self._buttons.get(name)

    def grid_pictures(self, cell: int) -> list[pygame.Surface]:
        """The job's grid digits as cell x cell pictures, made once per job and size."""
        started = self.job.view.started if self.job else None
        if started is None:
            return []
        if self._grid is None or self._grid[0] is not started or self._grid[1] != cell:
            pics = []
            for img in started.grid_images:
                g = np.clip(np.asarray(img) * 255 + 0.5, 0, 255).astype(np.uint8)
                small = pygame.surfarray.make_surface(np.repeat(g.T[:, :, None], 3, axis=2))
                pics.append(pygame.transform.scale(small, (cell, cell)))
            self._grid = (started, cell, pics)
        return self._grid[2]


def wrap(text: str, width: int, measure) -> list[str]:
    """`text` in lines no wider than `width` (as `measure` says), broken between words; a word
    wider than that on its own (a path) is broken where it must be, after a "/" if it can."""
    out: list[str] = []
    for word in text.split(" "):
        if out and measure(f"{out[-1]} {word}") <= width:
            out[-1] = f"{out[-1]} {word}"
            continue
        while measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            slash = word.rfind("/", 0, cut) + 1
            cut = slash if slash > cut // 2 else cut
            out.append(word[:cut])
            word = word[cut:]
        out.append(word)
    return out or [""]


def _step(choices: tuple[int, ...], value: int, step: int) -> int:
    i = choices.index(value) if value in choices else 0
    return choices[min(max(i + step, 0), len(choices) - 1)]


# ---------------------------------------------------------------------------------------------
# One frame


class _Frame:
    def __init__(self, panel: LearnPanel, surface: pygame.Surface, rect: Rect, theme: Theme, scale: float,
                 pointer) -> None:
        self.p, self.s, self.r, self.th, self.pointer = panel, surface, rect, theme, pointer
        self.classroom = theme == CLASSROOM
        self._in = rect  # the card being drawn (the panel itself outside the cards)
        self.title = max(10, round(26 * scale))
        self.body = max(9, round(19 * scale))
        self.small = max(8, round(16 * scale))
        self.gap = max(4, round(16 * scale))
        self.pad = max(4, round(14 * scale))
        self.radius = max(3, round(10 * scale))
        self.line = max(1, round(3 * scale))

    # -- helpers -----------------------------------------------------------------------------------

    def img(self, text: str, size: int, colour: Colour, bold: bool = False, max_w: float = 0) -> pygame.Surface:
        """Text at `size`, or smaller until it fits in max_w."""
        return self.p.text.fit(text, size, colour, bold, max_w)

    def put(self, text: str, size: int, colour: Colour, anchor: str, pos, bold: bool = False,
            max_w: float = 0, card: Rect | None = None) -> Rect:
        """Text placed by `anchor`, remembered with `card` (None: the card being drawn)."""
        return self.note(text, self.p.text.put(self.s, text, size, colour, anchor, pos, bold, max_w), card)

    def note(self, what: str, where: Rect, card: Rect | None = None) -> Rect:
        """Remember that `what` was drawn at `where`, in `card` (None: the card being drawn)."""
        self.p._drawn.append((what, Rect(where), Rect(card or self._in)))
        return where

    def card(self, rect: Rect, heading: str, right: str = "") -> Rect:
        """A panel with a heading (and a note on its right if it fits); returns the space under it."""
        pygame.draw.rect(self.s, self.th.panel, rect, border_radius=self.radius)
        self._in = Rect(rect)
        p = self.pad
        head = self.put(heading, self.body, self.th.text, "topleft", (rect.x + p, rect.y + p), bold=True,
                        max_w=rect.w - 2 * p)
        if right:
            r_img = self.img(right, self.small, self.th.muted)
            if r_img.get_width() <= rect.w - 3 * p - head.w:
                where = r_img.get_rect(bottomright=(rect.right - p, head.bottom - 2))
                self.s.blit(r_img, where)
                self.note(right, where)
        top = head.bottom + p // 2
        return Rect(rect.x + p, top, rect.w - 2 * p, max(rect.bottom - p - top, 1))

    def button_size(self, label: str, size: int) -> tuple[int, int]:
        w, h = self.p.text.fonts.get(size, True).size(label)
        return w + 2 * self.pad, h + self.pad

    def button(self, name: str, label: str, rect: Rect, size: int | None = None, enabled: bool = True,
               selected: bool = False, primary: bool = False) -> Rect:
        size = size or self.body
        hover = enabled and self.pointer is not None and rect.collidepoint(self.pointer)
        if selected or (primary and enabled):
            fill, colour = self.th.accent, self.th.background
        else:
            fill = self.th.button_hover if hover else self.th.button
            colour = self.th.text if enabled else self.th.faint
        pygame.draw.rect(self.s, fill, rect, border_radius=self.radius)
        if hover and (selected or primary):
            pygame.draw.rect(self.s, self.th.text, rect, width=self.line, border_radius=self.radius)
        elif not selected and not primary:
            pygame.draw.rect(self.s, self.th.border, rect, width=1, border_radius=self.radius)
        # A button is a card of its own, its label in it.
        self.put(label, size, colour, "center", rect.center, bold=True, max_w=rect.w - min(self.pad, 8), card=rect)
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
        head = self.put(label, self.body, self.th.text, "topleft", (x, y), bold=True, max_w=right - x)
        room = right - head.right - self.pad
        if self.img(note, self.small, self.th.muted).get_width() <= room:
            self.put(note, self.small, self.th.muted, "topright", (right, y + 2))

    def choice_row(self, prefix: str, choices: tuple[int, ...], current: int, x: int, y: int, w: int) -> int:
        """Equal buttons across w, the current one lit; returns the bottom."""
        n = len(choices)
        bw = (w - (n - 1) * self.pad) // n
        h = round(self.title * 1.9)
        # One size for the row, the largest at which every label fits: no "2,048" smaller than "925".
        size, font, room = self.title, self.p.text.fonts, bw - min(self.pad, 8)
        while size > SMALLEST_TYPE and any(font.get(size, True).size(f"{c:,}")[0] > room for c in choices):
            size -= 1
        for i, c in enumerate(choices):
            self.button(f"{prefix}:{c}", f"{c:,}", Rect(x + i * (bw + self.pad), y, bw, h), size,
                        selected=c == current)
        return y + h

    def lines(self, texts: list[str], size: int, colour: Colour, x: int, y: int, w: int) -> int:
        """Each text from (x, y) down, wrapped at word boundaries to width w; returns the bottom."""
        font = self.p.text.fonts.get(size)
        for t in texts:
            for line in wrap(t, w, lambda s: font.size(s)[0]):
                self.put(line, size, colour, "topleft", (x, y), max_w=w)
                y += round(size * 1.45)
        return y

    def footer(self) -> int:
        """The message lines at the bottom of the panel; returns the height they take."""
        if not self.p.message:
            return 0
        colour = {"good": self.th.good, "warn": self.th.warn}.get(self.p.message_kind, self.th.muted)
        font = self.p.text.fonts.get(self.body)
        # The latest messages that fit in MESSAGE_LINES lines (a long path is broken into lines too).
        msg: list[str] = []
        for lines in reversed([wrap(t, self.r.w, lambda s: font.size(s)[0]) for t in self.p.message]):
            if msg and len(msg) + len(lines) > MESSAGE_LINES:
                break
            msg = lines + msg
        msg = msg[-MESSAGE_LINES:]
        h = round(self.body * 1.45) * len(msg)
        y = self.r.bottom - h
        for t in msg:
            self.put(t, self.body, colour, "topleft", (self.r.x, y), max_w=self.r.w)
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
            self.put(words, self.body, self.th.good, "midleft", (area.x, button.centery), bold=True, max_w=room)
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
        body = self.card(rect, "Train a new network from scratch")
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
        self.put(f"{network_words(p.hidden, ScratchSpec().not_digits > 0)} \u00b7 {when}", self.body,
                 self.th.text, "topleft", (x, y), max_w=w)
        bw, bh = self.button_size("Start training", self.title)
        start = Rect(x, max(y + round(self.body * 1.6), body.bottom - bh), min(bw, w), bh)
        self.button("start", "Start training", start, self.title, primary=True)

    def adapt_card(self, rect: Rect) -> None:
        p, d = self.p, self.p.drawings
        body = self.card(rect, "Adapt to this class")
        x, w = body.x, body.w
        y = self.lines(["adapt the bundled model's last layer to the digits your class drew and labelled "
                        "(draw a digit, then press its number key): offered only if it reads the held-out half better"],
                       self.small, self.th.muted, x, body.y, w)
        y += self.pad
        self.put(f"{d.total} labelled drawing{'s' if d.total != 1 else ''}", self.body, self.th.text, "topleft",
                 (x, y), bold=True, max_w=w)
        y += round(self.body * 1.6)
        # How many of each digit: a column per digit, the count under it, faint where too few.
        col = w / CLASSES
        for k in range(CLASSES):
            cx = x + col * (k + 0.5)
            few = d.per_digit[k] < MIN_PER_DIGIT
            self.put(str(k), self.title, self.th.faint if few else self.th.text, "midtop", (cx, y), bold=True)
            self.put(str(d.per_digit[k]), self.small, self.th.warn if few else self.th.muted, "midtop",
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
        body = self.card(area, "Downloading MNIST")
        elapsed = time.monotonic() - self.p.started_at
        got = self.p.job.view.downloading
        done, total = (got.received, got.total) if got else (0, MNIST_DOWNLOAD_BYTES)
        y = self.lines([f"downloading\u2026 {done / 1e6:.1f} of {total / 1e6:.1f} MB \u00b7 {elapsed:.0f} s",
                        "70,000 handwritten digits; each file is checked against its published SHA-256"],
                       self.body, self.th.text, body.x, body.y + self.pad, body.w)
        bar = Rect(body.x, y + self.pad, body.w, max(6, round(self.body * 0.6)))
        pygame.draw.rect(self.s, self.th.track, bar, border_radius=bar.h // 2)
        self.note("progress", bar)
        fill = Rect(bar.x, bar.y, round(bar.w * min(done / total, 1.0)), bar.h)
        if fill.w >= 2:
            pygame.draw.rect(self.s, self.th.accent, fill, border_radius=bar.h // 2)
        self.row([("cancel", "Cancel", {})], body.x, bar.bottom + self.gap, body.right, size=self.title)

    def training(self, area: Rect) -> None:
        p, g = self.p, self.gap
        head_h = self.header(area)
        rest = Rect(area.x, area.y + head_h + g, area.w, max(area.h - head_h - g, 1))
        # In classroom mode the digits get the larger share: a projector shows them from the back row.
        left_w = (rest.w - g) * (8 if self.classroom else 11) // 20
        chart = Rect(rest.x, rest.y, left_w, rest.h)
        side = Rect(chart.right + g, rest.y, rest.w - left_w - g, rest.h)
        if p.task == "finetune":  # one short fit of the last layer: no loss curve to watch
            half = (rest.w - g) // 2
            self.grid(Rect(rest.x, rest.y, half, rest.h), "held-out drawings")
            self.before_after(Rect(rest.x + half + g, rest.y, rest.w - half - g, rest.h))
        else:
            self.loss_chart(chart)
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
        self.put(title, self.title, self.th.text, "topleft", (x, y), bold=True, max_w=area.w)
        y += round(self.title * 1.45)
        r = p.result
        if r is not None:
            y = self.result_lines(r, x, y, area.w)
            # Lit while it is the next thing to do: not once the canvas already reads with it.
            in_use = p.in_use is not None and p.in_use == p.model_label()
            items = [("use", "Use this model", {"primary": not in_use}), ("bundled", "Back to the bundled model", {}),
                     ("save", "Save", {}), ("again", "Start over", {})]
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
        self.put(status, self.body, self.th.text, "topleft", (x, y), max_w=cancel.x - x - self.pad)
        bar_y = y + round(self.body * 1.6)
        bar = Rect(x, bar_y, cancel.x - x - self.pad, max(6, round(self.body * 0.6)))
        pygame.draw.rect(self.s, self.th.track, bar, border_radius=bar.h // 2)
        self.note("progress", bar)
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
        self.put(text, self.body, self.th.warn if kept else self.th.good, "topleft", (x, y), bold=True, max_w=w)
        return y + round(self.body * 1.6)

    # -- the pictures ------------------------------------------------------------------------------

    def loss_chart(self, rect: Rect) -> None:
        v = self.p.job.view
        key = "drawings" if self.p.task == "finetune" else "mnist"
        body = self.card(rect, "Training loss", "lower is better \u00b7 % = validation accuracy")
        total = v.started.epochs if v.started else max(self.p.epochs, 1)
        axis_w = self.p.text.fonts.get(self.small).size("0.00")[0] + self.pad // 2
        label_h = round(self.small * 1.5)
        if body.h < 4 * label_h:  # no room for a chart (a small window): the latest loss in words
            words = f"loss {v.losses[-1][1]:.2f} after epoch {v.losses[-1][0]:.1f}" if v.losses else "starting\u2026"
            self.put(words, self.small, self.th.text, "topleft", body.topleft, max_w=body.w)
            return
        plot = Rect(body.x + axis_w, body.y + label_h, max(body.w - axis_w - self.pad // 2, 1),
                    max(body.h - 2 * label_h - label_h, 1))
        top = max((loss for _, loss in v.losses), default=2.5) * 1.1
        pygame.draw.line(self.s, self.th.muted, plot.bottomleft, plot.bottomright)
        pygame.draw.line(self.s, self.th.muted, plot.topleft, plot.bottomleft)
        self.note("x axis", Rect(plot.x, plot.bottom, plot.w + 1, 1))
        self.note("y axis", Rect(plot.x, plot.y, 1, plot.h))
        line = round(self.small * LINE)
        for frac in (0.0, 0.5, 1.0) if plot.h >= 2 * line else (0.0, 1.0) if plot.h >= line else (1.0,):
            yy = plot.bottom - frac * plot.h
            self.put(f"{top * frac:.2f}", self.small, self.th.muted, "midright", (plot.x - 4, yy))
        # Epoch lines, each with the validation accuracy reached there.
        # Label every `every` epochs, so that "100.0%" labels keep clear of each other.
        label_w = self.p.text.fonts.get(self.small, True).size("100.0%")[0] + self.pad
        every = max(1, -(-total * label_w // max(plot.w, 1)))
        accs = {e.epoch: e.val_accuracy.get(key) for e in v.epochs}
        for e in range(0, total + 1):
            xx = plot.x + plot.w * e / total
            if e and e % every == 0 or e == total:
                if e:
                    pygame.draw.line(self.s, self.th.grid, (xx, plot.y), (xx, plot.bottom - 1))
                self.put(str(e), self.small, self.th.muted, "midtop", (xx, plot.bottom + 3))
        # The accuracies from the latest back: one that would touch the label after it is left out.
        left_of = plot.right + label_w
        for e in sorted((e for e in accs if e % every == 0 or e == total), reverse=True):
            img = self.img(pct(accs[e]), self.small, self.th.good, True)
            cx = min(plot.x + plot.w * e / total, plot.right - img.get_width() / 2)  # inside the card
            if cx + img.get_width() / 2 > left_of - self.pad // 2:
                continue
            left_of = self.put(pct(accs[e]), self.small, self.th.good, "midbottom", (cx, plot.y - 2), bold=True).x
        self.put("epochs", self.small, self.th.muted, "bottomright", (plot.right, body.bottom))
        if len(v.losses) >= 1:
            pts = [(plot.x + plot.w * min(d / total, 1.0), plot.bottom - plot.h * min(loss / top, 1.0))
                   for d, loss in v.losses]
            if len(pts) > 1:
                pygame.draw.lines(self.s, self.th.accent, False, pts, max(2, self.line))
            for pt in pts[-1:]:
                pygame.draw.circle(self.s, self.th.accent, pt, max(3, self.line * 2))
        else:
            room = plot.w - 2 * self.pad
            words = next((t for t in ("the curve starts after the first steps", "the curve starts soon")
                          if self.p.text.fonts.get(self.small).size(t)[0] <= room), "starts soon")
            self.put(words, self.small, self.th.faint, "center", plot.center, max_w=room)

    def grid(self, rect: Rect, what: str) -> None:
        v = self.p.job.view
        s = v.started
        n = len(s.grid_labels) if s is not None else 0
        preds = v.grid_predictions
        right = int((preds == s.grid_labels).sum()) if s is not None and preds is not None else 0
        heading = f"{right} of {n} {what} right" if preds is not None and n else f"The {what}"
        body = self.card(rect, heading, "orange: wrong, its answer under it")
        if n == 0:
            self.put("waiting for the first digits\u2026", self.small, self.th.faint, "center", body.center,
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
                self.note("digit", t)
                continue
            ok = int(preds[i]) == int(lab)
            pygame.draw.rect(self.s, self.th.good if ok else self.th.warn, t.inflate(4, 4), width=max(2, self.line))
            self.note("digit", t.inflate(4, 4))
            if not ok:  # the wrong answer under the picture, where it covers nothing
                answer = str(int(preds[i])) if int(preds[i]) < CLASSES else CROSS  # the cross: "not a digit"
                where = self.p.text.put(self.s, answer, self.small, self.th.warn, "midtop",
                                        (t.centerx, t.bottom + 2), True, max_w=step)
                self.note("wrong answer", where)
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
        self.put(caption, self.small, self.th.muted, "topleft", rect.topleft, max_w=rect.w)
        y = rect.y + round(self.small * 1.7)
        fit = max((rect.bottom - y) // line, 1)
        for e in epochs[-fit:]:
            figure = pct(e.val_accuracy.get("mnist"))
            right = self.put(figure, size, self.th.good, "topright", (rect.right, y), bold=True)
            self.put(f"after epoch {e.epoch}", size, self.th.text, "topleft", (rect.x, y),
                     max_w=right.x - rect.x - self.pad)  # a narrow card: the words shrink, the figure stays
            y += line
        if not epochs:
            self.put("after the first epoch\u2026", size, self.th.faint, "topleft", (rect.x, y), max_w=rect.w)

    def before_after(self, rect: Rect) -> None:
        v = self.p.job.view
        b, a = v.held_out.get("before"), v.held_out.get("after")
        body = self.card(rect, "Held-out drawings read right, per digit")
        if b is None:
            self.put("measuring the bundled model\u2026", self.small, self.th.faint, "center", body.center,
                     max_w=body.w)
            return
        # The legend: a swatch and its words for each bar, on a line of its own.
        x, sw = body.x, max(self.small * 2 // 3, 6)
        for words, colour in (("before", self.th.bar), ("after adapting", self.th.good)):
            swatch = Rect(x, body.y + (round(self.small * LINE) - sw) // 2, sw, sw)
            pygame.draw.rect(self.s, colour, swatch)
            self.note("legend swatch", swatch)
            where = self.put(words, self.small, self.th.text, "topleft", (swatch.right + self.pad // 2, body.y),
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
        self.note("x axis", Rect(plot.x, plot.bottom, plot.w, 1))
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
                self.note("bar", bar)
            if n:  # how many of this digit's held-out drawings it read right, before -> after
                counts = [round(stage.per_digit[k] * n) for stage in (b, a) if stage is not None]
                self.put(" \u2192 ".join(map(str, counts)), num, self.th.text, "midbottom", (cx, plot.y - 1),
                         bold=True, max_w=col - 2)
            self.put(str(k), self.body, self.th.text, "midtop", (cx, plot.bottom + 2), bold=True)
            self.put(f"of {n}" if n else "none", num, self.th.muted if n else self.th.faint, "midtop",
                     (cx, plot.bottom + 2 + label_h), max_w=col)


class LearnSidePanel:
    """The Learn view as one of the app's side panels (app/panels.py). The LearnPanel itself is made
    when the view first opens, since looking for MNIST may hash the download cache once."""

    explains = False

    def __init__(self, data_directory: Path, text: TextCache | None = None) -> None:
        self._data_directory, self._text = data_directory, text
        self._learn: LearnPanel | None = None

    @property
    def started(self) -> bool:
        return self._learn is not None

    @property
    def learn(self) -> LearnPanel:
        if self._learn is None:
            self._learn = LearnPanel(self._data_directory, BUNDLED_WEIGHTS, self._text)
        return self._learn

    def draw(self, surface: pygame.Surface, scene) -> None:
        lay = scene.layout
        self.learn.draw(surface, lay.panel, scene.theme, lay.scale, None if scene.show_help else scene.pointer)

    def click(self, pos: tuple[int, int]) -> bool:
        return False  # the App hands the Learn view whole events (LearnPanel.handle): they carry actions

