"""Shared test setup: a headless display for every test, and the fixtures the app tests share.

SDL reads SDL_VIDEODRIVER when pygame's display starts, so it is set here, before any test module
imports pygame: the whole suite runs without a screen (CI, SSH). Subprocesses inherit it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402

from model.config import CLASSES, INPUTS  # noqa: E402


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random network saved as weights: the app works with it, nothing needs the bundled model."""
    from model.mlp import MLP
    from model.weights import save

    path = tmp_path_factory.mktemp("model") / "w.npz"
    save(path, MLP([INPUTS, 32, CLASSES], seed=0), {"input": {}, "temperature": 1.0})
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user data folder (DIGITPAD_HOME), so no test touches the real one."""
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def app(model_file: Path, home: Path) -> Iterator[object]:
    """The real App in a 1280x800 window on the dummy driver, one frame drawn, event queue empty."""
    import pygame

    from app.app import App
    from model.recognise import Recogniser

    a = App(Recogniser.from_file(model_file), size=(1280, 800))
    pygame.event.clear()
    a.step()
    yield a
    pygame.quit()
