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

Its parts: the state, without pygame (app/learn_state.py, its words in app/learn_words.py); this
module, which turns events into the state's calls and paints it; the pages (app/learn_pages.py,
app/learn_training.py) and the loss chart (app/chart.py). As one of the app's panels:

    panel = LearnPanel(data_directory, BUNDLED_WEIGHTS, text_cache)   # once
    action = panel.handle(event)   # events while the view is open; panel.handled: it used the event
    action = panel.update()        # every frame; never blocks
    panel.draw(surface, rect, theme, scale, pointer)
    panel.busy                     # a job runs: keep drawing frames
    panel.shutdown()               # on quit: no process left behind
    # actions: UseModel(recogniser, label) -> read with it; UseBundled() -> back to the bundled model
"""

from __future__ import annotations

from pathlib import Path

import pygame
from pygame import Rect

from app.kit import Drawn, fits, grey_picture
from app.learn_pages import Frame
from app.learn_state import LearnState, Reply
from app.panels import LEARN, Action, QuietPanel, Setup, toggle
from app.theme import Fonts, TextCache, Theme
from model.config import BUNDLED_WEIGHTS
from model.jobs import NICE

SMALLEST_SCALE = 0.45  # a page is not shrunk further to fit: there the type is at its floors (learn_pages)
KEY_NAMES = {pygame.K_RETURN: "enter", pygame.K_KP_ENTER: "enter", pygame.K_ESCAPE: "escape", pygame.K_b: "b",
             pygame.K_LEFT: "left", pygame.K_RIGHT: "right", pygame.K_UP: "up", pygame.K_DOWN: "down"}


class LearnPanel(LearnState):
    """The Learn view: its state (LearnState), the events that change it, and its painting."""

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
        """`text`: the app's rendered text; the rest as LearnState's."""
        self.text = text or TextCache(Fonts())
        self._buttons: dict[str, tuple[Rect, bool]] = {}  # name -> (where, enabled), from the last frame
        self._drawn: Drawn = []  # what the last frame drew where, in which card (app/kit.py)
        self._fitted: tuple[tuple, float] = ((), 1.0)  # (the page and panel it was for, the scale that fitted)
        self._grid: tuple[object, int, list[pygame.Surface]] | None = None  # (started, cell, pictures)
        super().__init__(data_directory, bundled, data, limit=limit, nice=nice, mirrors=mirrors)

    # -- events ------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> Reply:
        """Apply one pygame event; `self.handled` says whether it was the panel's."""
        self.handled = False
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self.click(event.pos)
        if event.type == pygame.KEYDOWN:
            return self._key(event.key)
        return None

    def click(self, pos: tuple[int, int]) -> Reply:
        """A left click; `self.handled` says whether it hit a button."""
        self.handled = False
        for name, (rect, enabled) in self._buttons.items():
            if rect.collidepoint(pos):
                self.handled = True
                return self.press(name) if enabled else None
        return None

    def _key(self, key: int) -> Reply:
        return self.key(KEY_NAMES.get(key, ""))

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
            Frame(self, surface, rect, theme, s, pointer).paint()
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
            self._grid = (started, cell, [grey_picture(img, cell) for img in started.grid_images])
        return self._grid[2]


class LearnSidePanel(QuietPanel):
    """The Learn view as one of the app's side panels (app/panels.py). The LearnPanel itself is made
    when the view first opens, since looking for MNIST may hash the download cache once."""

    actions = ("toggle_learn",)
    button, header = "learn", "T  close"

    def __init__(self, setup: Setup) -> None:
        self._data_directory, self._text = setup.data_directory, setup.text
        self._learn: LearnPanel | None = None

    @property
    def started(self) -> bool:
        return self._learn is not None

    @property
    def learn(self) -> LearnPanel:
        if self._learn is None:
            self._learn = LearnPanel(self._data_directory, BUNDLED_WEIGHTS, self._text)
        return self._learn

    @property
    def hint(self) -> str:
        return self.learn.hint

    def draw(self, surface: pygame.Surface, scene) -> None:
        lay = scene.layout
        self.learn.draw(surface, lay.panel, scene.theme, lay.scale, None if scene.show_help else scene.pointer)

    def click(self, pos: tuple[int, int]) -> list[Action]:
        return _listed(self.learn.click(pos))

    def key(self, event: pygame.event.Event, fullscreen: bool) -> list[Action] | None:
        if event.key == pygame.K_ESCAPE and fullscreen:
            return None  # Esc leaves fullscreen first (App.escape); a second Esc cancels a training
        action = self.learn.handle(event)
        return _listed(action) if self.learn.handled else None  # Esc it did not use closes the view (App.escape)

    def act(self, action: str, shown: bool) -> list[Action]:
        return toggle(LEARN, shown)  # T

    def update(self) -> list[Action]:
        return _listed(self.learn.update()) if self.started else []  # the training job's news; never waits

    def busy(self, shown: bool) -> bool:
        # A job's progress is worth frames, and so is the estimate the measuring brings.
        return self.started and (self.learn.busy or self.learn.measuring)

    def would_lose(self) -> str:
        return "the training is stopped" if self.started and self.learn.busy else ""

    def opened(self) -> list[Action]:
        if self.started:
            self.learn.refresh()  # MNIST may have arrived, the class may have labelled more
        else:
            self.learn  # noqa: B018 - made now, which looks for both
        return []

    def drawings_changed(self) -> None:
        if self.started:
            self.learn.drawings_changed()  # every counter on screen says the same in the same frame

    def shutdown(self) -> None:
        if self.started:
            self.learn.shutdown()  # however the app ended, no training process stays behind


def _listed(action: Reply) -> list[Action]:
    return [] if action is None else [action]
