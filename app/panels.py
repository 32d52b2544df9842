"""The app's views: the plain one, and the ones that open a side panel beside the canvas.

`App` (app/app.py) knows a view only through the `Panel` contract below: events in, actions out.
Each frame it calls `update()` on every panel (a job's news, a phone's drawing) and `draw()` on the
open one, into `layout.panel`; it hands the open panel the keys (`key`) and the clicks that land
in it (`click`), and a panel the key map's actions it claims (`actions`, `act`). What a panel asks
for comes back as actions (`Toast`, `UseModel`, `ShowView`, ...), which App carries out. App holds
no code for any one view.

To add a view ("quiz", say):
  1. a module, app/quiz_view.py, with a class that keeps the `Panel` contract and takes a `Setup`;
  2. one line in PANELS below: `"quiz": "app.quiz_view:QuizPanel"`.
It is then a `--view` choice and `App.show_view("quiz")` opens it. A key that opens it is a
Trigger in app/keys.py whose action the panel lists in `actions` and answers in `act`
("toggle_quiz" -> `[ShowView("quiz")]`); a toolbar button is a name in app/layout.py's toolbar
and in keys.BUTTONS, which the panel gives as its `button` (lit while it is open).

Kept free of pygame, so app/startup.py can offer the names as `--view` choices before a window opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pygame

    from app.scene import Scene
    from app.theme import TextCache
    from model.recognise import Recogniser

PLAIN, INSIDE, LEARN, CLASS = "plain", "inside", "learn", "class"
# The registry: each view's panel, as "module:class" (imported when the app starts, not here).
PANELS = {
    INSIDE: "app.inside_view:InsidePanel",
    LEARN: "app.learn_view:LearnSidePanel",
    CLASS: "app.class_view:ClassPanel",
}
VIEWS = (PLAIN, *PANELS)  # --view's choices, in this order


# ---------------------------------------------------------------------------------------------
# What a panel asks of the app


@dataclass(frozen=True)
class Toast:
    """Say this in the status line for a few seconds ("info", "good" or "warn")."""

    text: str
    kind: str = "info"


@dataclass(frozen=True)
class UseModel:
    """Read with this model from now on; `label` says which one (the header and window title say
    "Model: <label>")."""

    recogniser: object  # model.recognise.Recogniser
    label: str


@dataclass(frozen=True)
class UseBundled:
    """Go back to the bundled model."""


@dataclass(frozen=True)
class ShowView:
    """Open this view (PLAIN: close the panel)."""

    mode: str


@dataclass(frozen=True)
class PutOnCanvas:
    """Put these strokes (canvas units, 0..1) on the canvas in place of the drawing (undoable),
    at the current brush width, and say `message`."""

    strokes: list[np.ndarray]
    message: str


@dataclass(frozen=True)
class Saved:
    """The labelled drawings changed: there are `count` now, or (count None) `added` more; counted
    by whoever added them, not read again (the class's file grows all lesson)."""

    count: int | None = None
    added: int = 0


Action = Toast | UseModel | UseBundled | ShowView | PutOnCanvas | Saved


@dataclass(frozen=True)
class Setup:
    """What the app gives every panel when it starts."""

    data_directory: Path
    samples_file: Path  # the labelled drawings (app/store.py)
    recogniser: Recogniser  # the model the app reads with at the start
    text: TextCache  # shared rendered text
    host: str = "0.0.0.0"  # the Class view's server
    port: int | None = None  # None: its default port


# ---------------------------------------------------------------------------------------------
# The contract


class Panel(Protocol):
    explains: bool  # whether it shows model/inside's explanation (the app then computes it per reading)
    actions: tuple[str, ...]  # the key map's actions (app/keys.py) it answers in `act` ("toggle_learn")
    button: str  # its toolbar button (app/layout.py), lit while it is open ("" : none)
    header: str  # the header's reminder of the key that leaves it ("T  close")

    @property
    def hint(self) -> str:
        """The status line's keys while it is open."""

    def draw(self, surface: pygame.Surface, scene: Scene) -> None:
        """Paint into scene.layout.panel."""

    def click(self, pos: tuple[int, int]) -> list[Action]:
        """A left click inside the panel."""

    def key(self, event: pygame.event.Event, fullscreen: bool) -> list[Action] | None:
        """A key while it is open, before the key map; None: not its key (the key map has it)."""

    def act(self, action: str, shown: bool) -> list[Action]:
        """One of its `actions` (a key map or toolbar action); `shown`: whether the panel is open."""

    def update(self) -> list[Action]:
        """Once a frame, open or not: a background job's or a phone's news. Never waits."""

    def busy(self, shown: bool) -> bool:
        """Whether the app must keep drawing frames (a job runs; or, `shown`, news arrived to show)."""

    def would_lose(self) -> str:
        """What quitting now would lose, in words ("" if nothing)."""

    def opened(self) -> list[Action]:
        """The view has just opened."""

    def closed(self) -> None:
        """The view has just closed (its state stays for next time)."""

    def use(self, recogniser: Recogniser) -> None:
        """The app reads with another model from now on."""

    def drawings_changed(self) -> None:
        """The app saved or took back a labelled drawing."""

    def shutdown(self) -> None:
        """The app quits: stop any job and server; returns when none is left."""


class QuietPanel:
    """The contract's defaults, for a panel to inherit what it does not need: no keys, no actions,
    no news, nothing to lose."""

    explains = False
    actions: tuple[str, ...] = ()
    button = ""
    header = ""
    hint = ""

    def click(self, pos: tuple[int, int]) -> list[Action]:
        return []

    def key(self, event: pygame.event.Event, fullscreen: bool) -> list[Action] | None:
        return None

    def act(self, action: str, shown: bool) -> list[Action]:
        return []

    def update(self) -> list[Action]:
        return []

    def busy(self, shown: bool) -> bool:
        return False

    def would_lose(self) -> str:
        return ""

    def opened(self) -> list[Action]:
        return []

    def closed(self) -> None:
        pass

    def use(self, recogniser: Recogniser) -> None:
        pass

    def drawings_changed(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


def toggle(mode: str, shown: bool) -> list[Action]:
    """The usual `act` for a view's own key ("toggle_learn"): open view `mode`, or close it."""
    return [ShowView(PLAIN if shown else mode)]
