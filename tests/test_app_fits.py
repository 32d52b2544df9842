"""Nothing in the plain view or the Learn view is cut or lies on something else, at any window the
app allows: the real App on the dummy driver, driven by posted events, at nine sizes from the
smallest (560x420) to 1920x1080, square and portrait included, in the desk and classroom looks.

The views record what they draw as they draw it (app/kit.py); tests/drawn.py checks that list.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pygame
import pytest

from app.app import App
from app.panels import LEARN
from app.startup import load_recogniser
from model.config import BUNDLED_WEIGHTS
from model.jobs import mnist_available
from tests.drawn import draw, drawings, misfits

SIZES = [(560, 420), (640, 480), (800, 600), (1024, 768), (560, 560), (600, 800), (600, 900), (1280, 720),
         (1920, 1080)]
LOOKS = pytest.mark.parametrize("classroom", [False, True], ids=["desk", "classroom"])
needs_bundled = pytest.mark.skipif(not BUNDLED_WEIGHTS.is_file(), reason=f"{BUNDLED_WEIGHTS.name} not trained yet")
MNIST = os.environ.get("DIGITPAD_MNIST")


def _resize(a: App, size: tuple[int, int]) -> None:
    a.resize(*size)
    pygame.event.clear()  # the dummy driver's own resize events would size the window back
    a.step()
    assert a.screen.get_size() == size


@needs_bundled
@LOOKS
def test_nothing_in_the_plain_view_is_cut_or_overlaps_at_any_allowed_size(home: Path, user_of,
                                                                          classroom: bool) -> None:
    """The prediction card in its three looks, the bars, the network's input, the toolbar, the
    header, the status line with a message, and the help card: each inside its card, on nothing else."""
    a = App(load_recogniser(BUNDLED_WEIGHTS), classroom=classroom, fullscreen=False, size=SIZES[0])
    try:
        pygame.event.clear()
        user, problems = user_of(a), []
        for size in SIZES:
            _resize(a, size)
            window = a.screen.get_rect()
            problems += [f"{size}, empty: {p}" for p in misfits(a.view.drawn, window)]
            for kind, strokes in drawings(a.layout.canvas.w).items():
                draw(a, user, kind, strokes)
                assert any(what == "headline" for what, _, _ in a.view.drawn), "the view says what it drew"
                problems += [f"{size}, {kind}: {p}" for p in misfits(a.view.drawn, window)]
            user.key(pygame.K_3, "3")  # saved as a 3: the status line says so, at length
            a.step()
            assert a.status()[0].startswith("Saved as 3")
            problems += [f"{size}, message: {p}" for p in misfits(a.view.drawn, window)]
            user.key(pygame.K_h, "h")
            a.step()
            card = a.view.help_rect
            shown = [d for d in a.view.drawn if d[2] == card]
            assert len(shown) > 20, "the help card says what it drew"
            problems += [f"{size}, help: {p}" for p in misfits(shown, window)]
            user.key(pygame.K_h, "h")
            a.step()
            assert not a.show_help
        assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:12])
    finally:
        pygame.quit()


def _learn_misfits(a: App, what: str) -> list[str]:
    """The whole frame with the Learn view open: the canvas column and the panel's cards."""
    drawn = a.view.drawn + a.panels[LEARN].learn._drawn
    assert a.panels[LEARN].learn._drawn, "the Learn view says what it drew"
    return [f"{a.screen.get_size()}, {what}: {p}" for p in misfits(drawn, a.screen.get_rect())]


@needs_bundled
@LOOKS
def test_nothing_in_the_learn_view_is_cut_or_overlaps_at_any_allowed_size(home: Path, user_of, monkeypatch,
                                                                          classroom: bool) -> None:
    """Its setup page (with and without MNIST), a real tiny training job while it runs, and the
    finished page, before and after "use this model" and "save"; beside the canvas column with
    the prediction card in its three looks."""
    have_mnist = bool(MNIST and mnist_available(MNIST))
    monkeypatch.setenv("DIGITPAD_MNIST", MNIST if have_mnist else str(home / "no-mnist"))
    a = App(load_recogniser(BUNDLED_WEIGHTS), classroom=classroom, fullscreen=False, size=SIZES[0])
    try:
        pygame.event.clear()
        user, problems = user_of(a), []
        user.key(pygame.K_t, "t")
        a.step()
        assert a.mode == LEARN
        learn = a.panels[LEARN].learn
        learn.limit, learn.hidden, learn.epochs = 2000, 16, 1  # a job of a second or two
        for size in SIZES:  # the setup page, with the three answers in the card beside it
            _resize(a, size)
            for kind, strokes in drawings(a.layout.canvas.w).items():
                draw(a, user, kind, strokes)
                problems += _learn_misfits(a, f"setup, {kind}")
        real = learn.mnist
        learn.mnist = not real  # the other setup page: MNIST to download (or, without it, there)
        for size in SIZES:
            _resize(a, size)
            problems += _learn_misfits(a, f"setup, mnist={learn.mnist}")
        learn.mnist = real
        if not real:
            assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:12])
            pytest.skip("no MNIST here (DIGITPAD_MNIST): the training pages were not drawn")
        user.key(pygame.K_RETURN)  # start training
        a.step()
        frames, deadline = 0, time.monotonic() + 60
        while learn.busy and time.monotonic() < deadline:  # each frame at the next size
            _resize(a, SIZES[frames % len(SIZES)])
            problems += _learn_misfits(a, "training")
            frames += 1
            time.sleep(0.02)
        assert learn.result is not None, learn.message
        for step in ("finished", "used", "saved"):
            for size in SIZES:
                _resize(a, size)
                problems += _learn_misfits(a, step)
            if step == "finished":
                user.key(pygame.K_RETURN)  # use this model
                a.step()
            elif step == "used":
                learn.press("save")  # the message with the path, on two lines
        assert a.recogniser.model.sizes[1] == 16 and learn.message[0].startswith("Saved")
        user.key(pygame.K_b, "b")  # back to the bundled model, then the setup page again
        a.step()
        assert a.model_label is None
        learn.press("again")
        learn.in_use = "your 16-neuron model, 63.8%"  # the way back first on the setup page
        for size in SIZES:
            _resize(a, size)
            problems += _learn_misfits(a, "setup after a job")
        assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:12])
    finally:
        a.quit()
        pygame.quit()


def test_a_long_path_in_a_message_is_broken_into_lines_that_fit() -> None:
    from app.kit import wrap

    text = "Use it next time: python main.py --weights /home/teacher/.local/share/digitpad/models/digitpad-16.npz"
    lines = wrap(text, 30, len)
    assert all(len(line) <= 30 for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert any(line.endswith("/") for line in lines), "a path breaks after a slash where it can"


# What each view records that is not text (app/kit.py): pictures, bars, marks and cards.
NOT_TEXT = {"bar", "picture", "grid", "swatch", "legend swatch", "progress", "x axis", "y axis", "digit", "brush dot",
            "input picture", "headline", "no scores"}


def _small_text(drawn, least: int) -> list[str]:
    return [f"{what!r} {where.h} px" for what, where, _ in drawn
            if what not in NOT_TEXT and not what.startswith("bar ") and where.h < least]


@needs_bundled
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_classroom_type_and_pictures_are_big_enough_for_the_back_row(home: Path, user_of, monkeypatch, size) -> None:
    """Classroom mode on a projector: every text line, the voters' pictures, the hidden layer's
    squares and the validation digits at least theme.classroom_minimums, in every view; the model's
    name whole; a wrong answer beside its validation digit, not over it."""
    from app.panels import INSIDE
    from app.theme import classroom_minimums

    least = classroom_minimums(size[1])
    have_mnist = bool(MNIST and mnist_available(MNIST))
    monkeypatch.setenv("DIGITPAD_MNIST", MNIST if have_mnist else str(home / "no-mnist"))
    a = App(load_recogniser(BUNDLED_WEIGHTS), classroom=True, fullscreen=False, size=size)
    try:
        pygame.event.clear()
        user, problems = user_of(a), []
        a.use_recogniser(a.recogniser, "Model: your 925-neuron model, 98.4%")
        for kind, strokes in drawings(a.layout.canvas.w).items():
            draw(a, user, kind, strokes)
            problems += [f"plain, {kind}: {p}" for p in _small_text(a.view.drawn, least["text"])]
            assert any("your 925-neuron model, 98.4%" in w for w, _, _ in a.view.drawn), "the model's name, whole"
            a.show_view(INSIDE)
            a.step()
            st = a.panels[INSIDE].state
            problems += [f"inside, {kind}: {p}" for p in _small_text(a.view.drawn + st._drawn, least["text"])]
            voters = [r for w, r, c in st._drawn if w == "picture" and c == st._cards["voters"]]
            problems += [f"inside, {kind}: a voter's picture {r.w} px" for r in voters if r.w < least["picture"]]
            problems += [f"inside, {kind}: hidden squares {p.step_x} px" for p in st._units[:1]
                         if p.step_x < least["unit"]]
            a.show_view("plain")
            a.step()
        a.show_view(LEARN)
        a.step()
        learn = a.panels[LEARN].learn
        problems += [f"learn, setup: {p}" for p in _small_text(a.view.drawn + learn._drawn, least["text"])]
        if have_mnist:
            learn.limit, learn.hidden, learn.epochs = 2000, 16, 1
            user.key(pygame.K_RETURN)
            a.step()
            deadline = time.monotonic() + 180
            while learn.busy and time.monotonic() < deadline:
                a.step()
                time.sleep(0.02)
            a.step()
            assert learn.result is not None, learn.message
            problems += [f"learn, finished: {p}" for p in _small_text(a.view.drawn + learn._drawn, least["text"])]
            tiles = [r for w, r, _ in learn._drawn if w == "digit"]
            assert tiles, "the validation digits are drawn"
            problems += [f"learn: a validation digit {r.w} px" for r in tiles if r.w < least["tile"]]
            answers = [r for w, r, _ in learn._drawn if w == "wrong answer"]
            problems += [f"learn: a wrong answer {r} lies on a digit" for r in answers
                         if any(r.colliderect(t) for t in tiles)]
        problems = list(dict.fromkeys(problems))
        assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:30])
    finally:
        a.quit()
        pygame.quit()
