"""The Learn view inside the real App: T and the Learn button open it, a real training job runs in
the background while the window keeps drawing, "use this model" makes the canvas read with it, and
the way back to the bundled model works. Real posted events on the dummy driver, real MNIST."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import numpy as np
import pygame
import pytest

from app.panels import LEARN, PLAIN
from model.jobs import mnist_available

MNIST = os.environ.get("DIGITPAD_MNIST")
needs_mnist = pytest.mark.skipif(not (MNIST and mnist_available(MNIST)),
                                 reason="real MNIST not found: set DIGITPAD_MNIST to its folder")


def test_t_and_the_button_open_the_learn_view_and_esc_closes_it_not_the_app(app, user) -> None:
    user.stroke([(0.5, 0.2), (0.5, 0.8)])
    user.key(pygame.K_t, "t")
    app.step()
    assert app.mode == LEARN and app.layout.panel.w > 0
    assert app.drawing.strokes, "the drawing stays while the Learn view is open"
    user.key(pygame.K_ESCAPE)
    app.step()
    assert app.running and app.mode == PLAIN
    centre = app.layout.buttons["learn"].center
    user.post(pygame.MOUSEBUTTONDOWN, pos=centre, button=1)
    user.post(pygame.MOUSEBUTTONUP, pos=centre, button=1)
    app.step()
    assert app.mode == LEARN
    user.key(pygame.K_t, "t")
    app.step()
    assert app.mode == PLAIN


@needs_mnist
def test_train_use_and_return_to_the_bundled_model(app, user, monkeypatch) -> None:
    monkeypatch.setenv("DIGITPAD_MNIST", MNIST)
    user.key(pygame.K_t, "t")
    app.step()
    learn = app.panels[LEARN].learn
    learn.limit, learn.hidden, learn.epochs = 3000, 16, 1  # a lesson-sized job a test can wait for
    before = app.recogniser
    user.stroke([(0.5, 0.2), (0.5, 0.8)])
    app.step()
    probs_before = app.reading.probs.copy()
    user.key(pygame.K_RETURN)
    app.step()
    assert learn.busy and not app._idle(), "while it trains the app keeps drawing frames"
    frames, deadline = app.frames, time.monotonic() + 90
    while learn.busy and time.monotonic() < deadline:
        app.step()
        time.sleep(0.02)
    assert not learn.busy and learn.result is not None, learn.message
    assert app.frames - frames > 10, "the window kept drawing while the job trained"
    user.key(pygame.K_RETURN)  # "use this model"
    app.step()
    assert app.recogniser is not before and app.recogniser.model.sizes == [784, 16, 11]
    assert app.model_label.startswith("Model: your 16-neuron model")
    assert not np.allclose(app.reading.probs, probs_before), "the canvas now reads with the new model"
    user.key(pygame.K_b, "b")  # back to the bundled model
    app.step()
    assert app.recogniser is before and app.model_label is None
    np.testing.assert_allclose(app.reading.probs, probs_before, rtol=1e-6)
    assert not mp.active_children()


def test_quitting_while_a_job_runs_leaves_no_process(app, user, monkeypatch, tmp_path) -> None:
    user.key(pygame.K_t, "t")
    app.step()
    learn = app.panels[LEARN].learn
    if not learn.mnist:
        pytest.skip("no MNIST here: nothing to train")
    user.key(pygame.K_RETURN)
    app.step()
    assert learn.busy
    user.key(pygame.K_q, "q")
    app.step()
    assert app.running and learn.busy and "training is stopped" in app.status()[0], "Q asks first"
    user.key(pygame.K_q, "q")
    app.step()
    assert not app.running and not learn.busy and not mp.active_children()


def test_the_learn_views_counter_keeps_step_with_the_status_line(app, user) -> None:
    user.key(pygame.K_t, "t")
    app.step()
    learn = app.panels[LEARN].learn
    for i in range(1, 6):
        user.stroke([(0.5, 0.2), (0.5, 0.8)])
        user.key(pygame.K_1, "1")  # label it: saved, and the canvas cleared
        app.step()
        assert app.saved == i and learn.drawings.total == i, "the same count in the same frame"
        assert app.status()[0].startswith(f"Saved as 1 \u2014 {i} drawing")
    user.key(pygame.K_z, "\x1a", pygame.KMOD_LCTRL)  # take the last one back
    app.step()
    assert app.saved == 4 and learn.drawings.total == 4
