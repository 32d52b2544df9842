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
from tests.slow import SLOW  # noqa: E402


@pytest.fixture(autouse=True)
def ctrl_c_left_as_found() -> Iterator[None]:
    """Every subprocess inherits this process's signal mask: a test that left Ctrl-C blocked here (an
    in-process import of a script that holds it) would make every later Ctrl-C test pass or fail for
    the wrong reason. Fail the test that did it, by name."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    yield
    after = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert after == before, f"this test changed the test process's signal mask: {sorted(before)} -> {sorted(after)}"


@pytest.hookimpl(tryfirst=True)  # before -m and -k deselect: every collected test is seen here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests tests/slow.py lists `slow`; a listed name that matches no test stops the run."""
    seen: dict[str, set[str]] = {}
    for item in items:
        file, name = item.path.name, item.nodeid.split("::", 1)[1].split("[")[0]  # "Class::test" in a class
        seen.setdefault(file, set()).add(name)
        if file in SLOW and (SLOW[file] is None or name in SLOW[file]):
            item.add_marker(pytest.mark.slow)
    # Only where whole files were collected: `pytest tests/x.py::one_test` sees one name of its file.
    if not any("::" in arg for arg in config.args):
        stale = sorted(f"{file}::{name}" for file, names in SLOW.items() if file in seen
                       for name in (names or ()) if name not in seen[file])
        if stale:
            raise pytest.UsageError(f"tests/slow.py lists tests that do not exist (renamed?): {', '.join(stale)}")


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small fake MNIST folder (tests/fakedata.py), read-only, for the scripts' sweeps and trainings
    (a test file may define its own `data`)."""
    from tests.fakedata import write_fake_mnist

    return write_fake_mnist(tmp_path_factory.mktemp("data") / "mnist")


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
    a.quit()  # as closing the window does: a training job the test started leaves no process
    pygame.quit()


class User:
    """Posts the events a user's mouse and keyboard would, in canvas units (0..1) for positions."""

    def __init__(self, app: object) -> None:
        self.app = app

    def at(self, u: float, v: float) -> tuple[int, int]:
        c = self.app.layout.canvas
        return round(c.x + u * c.w), round(c.y + v * c.h)

    def post(self, kind: int, **attrs: object) -> None:
        import pygame

        pygame.event.post(pygame.event.Event(kind, **attrs))

    def key(self, key: int, char: str = "", mod: int = 0) -> None:
        import pygame

        self.post(pygame.KEYDOWN, key=key, mod=mod, unicode=char, scancode=0)
        self.post(pygame.KEYUP, key=key, mod=mod, unicode=char, scancode=0)

    def stroke(self, points: list[tuple[float, float]], button: int = 1, release: bool = True) -> None:
        import pygame

        held = (1, 0, 0) if button == 1 else (0, 0, 1)
        self.post(pygame.MOUSEBUTTONDOWN, pos=self.at(*points[0]), button=button)
        for p in points[1:]:
            self.post(pygame.MOUSEMOTION, pos=self.at(*p), rel=(0, 0), buttons=held)
        if release:
            self.post(pygame.MOUSEBUTTONUP, pos=self.at(*points[-1]), button=button)


@pytest.fixture
def user(app: object) -> User:
    """Drives the `app` fixture with real posted pygame events."""
    return User(app)


@pytest.fixture
def user_of() -> type[User]:
    """For tests that make their own App: `user_of(app)` drives it."""
    return User
