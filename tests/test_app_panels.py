"""The panel contract (app/panels.py): a new view is one module and one line in the registry.

`QuizPanel` below is such a module's panel; the test adds its line to PANELS and drives the real
App with posted pygame events: the view opens by name and by its key, paints into the panel's
rectangle, gets its clicks and keys first, asks for actions (a message, a count of drawings, a
drawing on the canvas), keeps frames coming while busy, and is shut down with the app.
"""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from app import keys
from app.app import App
from app.panels import PANELS, PLAIN, PutOnCanvas, QuietPanel, Saved, Setup, ShowView, Toast
from model.recognise import Recogniser


class QuizPanel(QuietPanel):
    """A made-up view: a card with a question; a click answers, Esc closes it, news every frame."""

    actions = ("toggle_quiz",)
    button, header, hint = "", "Z  close", "Z: close the quiz"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.drawn_into: pygame.Rect | None = None
        self.news: list = []
        self.jobs, self.stopped, self.opens = 0, False, 0

    def draw(self, surface: pygame.Surface, scene) -> None:
        self.drawn_into = pygame.Rect(scene.layout.panel)
        surface.fill((200, 30, 30), scene.layout.panel)

    def click(self, pos: tuple[int, int]) -> list:
        return [PutOnCanvas([np.array([[0.3, 0.3], [0.7, 0.7]])], "the answer drawn"), Toast("right!", "good")]

    def key(self, event: pygame.event.Event, fullscreen: bool) -> list | None:
        return [ShowView(PLAIN)] if event.key == pygame.K_ESCAPE else None

    def act(self, action: str, shown: bool) -> list:
        return [ShowView(PLAIN if shown else "quiz")]

    def update(self) -> list:
        news, self.news = self.news, []
        return news

    def busy(self, shown: bool) -> bool:
        return self.jobs > 0

    def would_lose(self) -> str:
        return "the quiz is lost" if self.jobs else ""

    def opened(self) -> list:
        self.opens += 1
        return []

    def shutdown(self) -> None:
        self.stopped = True


@pytest.fixture
def quiz_app(model_file, home, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(PANELS, "quiz", f"{__name__}:QuizPanel")  # the one registry line
    monkeypatch.setattr(keys, "BINDINGS", (*keys.BINDINGS, keys.Binding(
        "`Z`", "the quiz", (keys.Trigger("toggle_quiz", (pygame.K_z,)),))))
    a = App(Recogniser.from_file(model_file), size=(1280, 800))
    pygame.event.clear()
    a.step()
    yield a
    a.quit()
    pygame.quit()


def test_a_new_view_is_one_module_and_one_registry_line(quiz_app: App, user_of) -> None:
    a, user = quiz_app, user_of(quiz_app)
    quiz = a.panels["quiz"]
    assert isinstance(quiz, QuizPanel) and quiz.setup.samples_file == a.samples_file
    user.key(pygame.K_z, "z")
    a.step()
    assert a.mode == "quiz" and quiz.opens == 1 and quiz.drawn_into == a.layout.panel
    assert tuple(a.screen.get_at(a.layout.panel.center))[:3] == (200, 30, 30), "it paints its rectangle"
    assert a.status() == ("Z: close the quiz", "info")
    # A click in the panel: its actions, carried out by the App in order (the last message shows).
    user.post(pygame.MOUSEBUTTONDOWN, pos=a.layout.panel.center, button=1)
    a.step()
    assert not a.drawing.is_empty and a.status() == ("right!", "good")
    # News from its update: the labelled drawings counted.
    saved = a.saved
    quiz.news.append(Saved(added=2))
    a.step()
    assert a.saved == saved + 2
    # Busy: no idle frames skipped; something to lose on quitting.
    quiz.jobs = 1
    assert not a._idle() and "the quiz is lost" in a.would_lose()
    quiz.jobs = 0
    # Its key first: Esc closes it.
    user.key(pygame.K_ESCAPE)
    a.step()
    assert a.mode == PLAIN
    a.quit()
    assert quiz.stopped
