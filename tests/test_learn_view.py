"""The Learn panel for real: real pygame events on the dummy driver, real training processes on the
real MNIST (from DIGITPAD_MNIST; those tests skip without it), real drawings files."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pygame
import pytest
from pygame import Rect

from app.demo import three
from app.kit import wrap
from app.learn_view import LearnPanel
from app.learn_words import MIN_DRAWINGS, MIN_PER_DIGIT, duration, held_out_count
from app.panels import UseBundled, UseModel
from app.store import samples_path
from app.theme import CLASSROOM, DESK
from model.config import BUNDLED_WEIGHTS, CLASSES
from model.data import CACHE_ENV_VAR, ENV_VAR
from model.jobs import mnist_available
from model.jsonl import append_sample
from model.sketches import sketch
from tests.test_jobs import gone

MNIST = os.environ.get("DIGITPAD_MNIST")
needs_mnist = pytest.mark.skipif(not (MNIST and mnist_available(MNIST)),
                                 reason="real MNIST not found: set DIGITPAD_MNIST to its folder")
RECT = Rect(20, 20, 1240, 760)


@pytest.fixture
def screen():
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode((1280, 800))
    pygame.event.clear()
    yield surface
    pygame.quit()


def frame(panel: LearnPanel, screen: pygame.Surface, theme=DESK, scale: float = 1.0) -> None:
    """What the app does once a frame: poll, then draw."""
    assert panel.update() is None
    screen.fill(theme.background)
    panel.draw(screen, RECT, theme, scale)


def post_and_handle(panel: LearnPanel, *events: pygame.event.Event):
    """Post real events, take them off pygame's queue as the app does, hand them to the panel."""
    for e in events:
        pygame.event.post(e)
    actions = [panel.handle(e) for e in pygame.event.get()]
    return [a for a in actions if a is not None]


def click(panel: LearnPanel, name: str):
    found = panel.button(name)
    assert found is not None, f"no {name!r} button on the {panel.page} page"
    rect, _ = found
    actions = post_and_handle(panel, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=rect.center, button=1),
                              pygame.event.Event(pygame.MOUSEBUTTONUP, pos=rect.center, button=1))
    return actions[0] if actions else None


def key(panel: LearnPanel, k: int):
    actions = post_and_handle(panel, pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0))
    return actions[0] if actions else None


def pixels_of(screen: pygame.Surface, colour) -> int:
    rgb = pygame.surfarray.pixels3d(screen)
    return int((rgb == np.array(colour, np.uint8)).all(axis=2).sum())


def label_drawings(path: Path, per_digit: list[int]) -> None:
    rng = np.random.default_rng(0)
    for d, n in enumerate(per_digit):
        for _ in range(n):
            strokes = sketch(d, shear=rng.uniform(-0.3, 0.3))
            append_sample(path, d, [s * 560 for s in strokes], source="digitpad", canvas=560)


@needs_mnist
def test_train_watch_use_return_and_save(screen, tmp_path):
    panel = LearnPanel(tmp_path / "home", BUNDLED_WEIGHTS, data=MNIST, limit=3000, nice=0)
    frame(panel, screen)
    assert panel.page == "choose" and panel.button("start")[1]
    click(panel, "hidden:16")
    frame(panel, screen)
    click(panel, "epochs:2")
    frame(panel, screen)
    assert (panel.hidden, panel.epochs) == (16, 2)
    shape = "784 \u2192 16 \u2192 10 + \u2716"  # the choose page says the network the job trains
    assert any(w.startswith(shape) for w, *_ in panel._drawn), [w for w, *_ in panel._drawn]
    click(panel, "start")
    assert panel.busy
    pages, coloured, deadline = set(), 0, time.monotonic() + 90
    while panel.busy:
        if panel.page == "running":
            assert any(shape in w for w, *_ in panel._drawn), "and the running page says the same"
        assert time.monotonic() < deadline, "training did not finish"
        t0 = time.perf_counter()
        frame(panel, screen)
        assert time.perf_counter() - t0 < 0.25  # a frame never waits for the training
        pages.add(panel.page)
        if panel.page == "running":
            # The grid's right/wrong frames are drawn as soon as the first readings arrive.
            coloured = max(coloured, pixels_of(screen, DESK.good) + pixels_of(screen, DESK.warn))
        time.sleep(0.02)
    frame(panel, screen)
    assert pages >= {"running"} and panel.page == "finished", (pages, panel.message)
    assert coloured > 0
    assert len(panel.job.view.epochs) == 2 and len(panel.job.view.losses) >= 2
    result = panel.result
    assert result.test_accuracy > 0.5
    assert pixels_of(screen, DESK.accent) > 0  # the loss curve, and the lit "Use this model"
    frame(panel, screen, CLASSROOM, 1.17)  # the classroom look draws too

    action = click(panel, "use")
    assert isinstance(action, UseModel) and "16-neuron" in action.label and f"{result.test_accuracy:.1%}" in \
        action.label.replace(" ", "")
    assert action.recogniser.model.sizes == [784, 16, 11]  # with "not a digit", as the bundled model
    reading = action.recogniser.read([np.array(three()) * 560])  # the canvas reads with it
    assert reading.probs.shape == (CLASSES,) and abs(reading.probs.sum() - 1) < 1e-6
    frame(panel, screen)
    assert isinstance(click(panel, "bundled"), UseBundled) and panel.in_use is None

    frame(panel, screen)
    click(panel, "save")
    saved = list((tmp_path / "home" / "models").glob("digitpad-16-*.npz"))
    assert len(saved) == 1 and saved[0].read_bytes() == Path(result.weights).read_bytes()
    assert f"--weights {saved[0]}" in " ".join(panel.message)
    assert not mp.active_children()

    frame(panel, screen)
    assert isinstance(click(panel, "use"), UseModel)
    frame(panel, screen)
    click(panel, "again")
    frame(panel, screen)
    # Back on the choose page, the model in use is named, with the way back (a button, or B).
    assert panel.page == "choose" and panel.button("bundled") is not None
    assert isinstance(key(panel, pygame.K_b), UseBundled)
    frame(panel, screen)
    assert panel.button("bundled") is None and key(panel, pygame.K_b) is None


@needs_mnist
def test_cancel_at_any_time_leaves_no_process(screen, tmp_path):
    panel = LearnPanel(tmp_path / "home", data=MNIST, nice=0)  # the default: 925 neurons, 8 epochs, all of MNIST
    frame(panel, screen)
    key(panel, pygame.K_RETURN)  # Enter starts the chosen training
    assert panel.busy
    deadline = time.monotonic() + 60
    while panel.job.view.started is None:  # the child is past start-up and training
        assert time.monotonic() < deadline and panel.busy, panel.message
        frame(panel, screen)
        time.sleep(0.02)
    frame(panel, screen)
    pid = panel.job.pid
    t0 = time.perf_counter()
    key(panel, pygame.K_ESCAPE)
    assert panel.handled and time.perf_counter() - t0 < 5
    frame(panel, screen)
    assert not panel.busy and panel.page == "choose" and "Cancelled" in panel.message[0]
    assert not mp.active_children() and gone(pid)


def test_adapting_needs_enough_labelled_drawings(screen, tmp_path, monkeypatch):
    home = tmp_path / "home"
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    label_drawings(samples_path(home), [MIN_PER_DIGIT] * 9 + [1])  # one 9 only, one short of the total
    assert 9 * MIN_PER_DIGIT + 1 == MIN_DRAWINGS - 3
    panel = LearnPanel(home, data=str(empty), nice=0)
    frame(panel, screen)
    assert panel.drawings.total == MIN_DRAWINGS - 3 and not panel.drawings.enough
    assert panel.button("adapt") == (panel.button("adapt")[0], False)
    assert "3 more" in panel.drawings.missing() and "short: 9" in panel.drawings.missing()
    click(panel, "adapt")
    assert panel.job is None  # disabled: nothing starts

    # The class labels a few more; the panel notices by itself (the app just keeps drawing frames).
    monkeypatch.setattr("app.learn_state.CHECK_EVERY_S", 0.0)
    label_drawings(samples_path(home), [0] * 9 + [MIN_PER_DIGIT - 1])
    frame(panel, screen)
    assert panel.drawings.total == MIN_DRAWINGS and panel.drawings.enough
    frame(panel, screen)
    assert panel.button("adapt")[1]
    words = " ".join(w for w, *_ in panel._drawn)
    assert f"({held_out_count(panel.drawings.per_digit)} of {MIN_DRAWINGS})" in words
    assert held_out_count(panel.drawings.per_digit) == MIN_DRAWINGS // 2 >= 20, "enough held out to measure"
    click(panel, "adapt")  # no MNIST here: it adapts on the drawings alone
    assert panel.busy and panel.task == "finetune" and not panel.job.view.error
    pid = panel.job.pid
    panel.shutdown()
    assert not mp.active_children() and gone(pid)


def test_without_mnist_it_offers_the_download_and_a_failure_is_one_line(screen, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    panel = LearnPanel(tmp_path / "home", data=str(empty), nice=0)
    frame(panel, screen)
    assert not panel.mnist and panel.button("start") is None and panel.button("download")[1]
    key(panel, pygame.K_RETURN)  # Enter: the download
    assert panel.busy and panel.task == "download"
    deadline = time.monotonic() + 30
    while panel.busy:
        assert time.monotonic() < deadline
        frame(panel, screen)
        time.sleep(0.02)
    frame(panel, screen)
    # An explicit folder without the files is not downloaded into: the job says so, in one line,
    # and a second says what the teacher can do.
    assert panel.page == "choose" and panel.message_kind == "warn"
    assert len(panel.message) == 2 and "Download failed" in panel.message[0] and str(empty) in panel.message[0]
    assert "Traceback" not in " ".join(panel.message) and not mp.active_children()


@pytest.mark.parametrize("theme, scale, rect", [(DESK, 1.0, RECT), (CLASSROOM, 1.17, Rect(599, 23, 658, 620))],
                         ids=["desk", "classroom-1280x720"])
def test_a_failed_download_is_shown_whole_wrapped_with_what_to_do(screen, tmp_path, monkeypatch, theme, scale,
                                                                  rect):
    import socket

    monkeypatch.delenv(ENV_VAR, raising=False)  # no MNIST on this machine...
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))  # ...an empty cache, and no network:
    with socket.socket() as s:  # a port nobody listens on refuses the connection
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    panel = LearnPanel(tmp_path / "home", nice=0, mirrors=(f"http://127.0.0.1:{port}/",))
    frame(panel, screen, theme, scale)
    click(panel, "download")
    deadline = time.monotonic() + 30
    while panel.busy:
        assert time.monotonic() < deadline
        panel.update()
        time.sleep(0.02)
    assert panel.update() is None
    screen.fill(theme.background)
    panel.draw(screen, rect, theme, scale)
    said = " ".join(panel.message)
    assert panel.message_kind == "warn" and said.startswith("Download failed")
    assert "refused" in said.lower() or "connection" in said.lower(), said
    assert "--data" not in said, "main.py takes no --data"
    assert "Download MNIST again" in said and ENV_VAR in said and "adapt the bundled model" in said
    # All of it on screen, wrapped: the drawn lines put together are the whole message.
    words = [w for w, *_ in panel._drawn]
    start = next(i for i, w in enumerate(words) if w.startswith("Download failed"))
    shown = " ".join(words[start:start + len(words)])
    assert " ".join(said.split()) in " ".join(shown.split()), (said, shown)
    assert not mp.active_children()


class SlowMirror(BaseHTTPRequestHandler):
    """Serves the real MNIST files like a slow mirror: 64 KB at a time, so progress can be seen."""

    def do_GET(self) -> None:
        path = Path(MNIST) / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for i in range(0, len(data), 1 << 16):
            self.wfile.write(data[i : i + (1 << 16)])
            time.sleep(0.005)

    def log_message(self, *args) -> None:  # quiet
        pass


@needs_mnist
def test_the_download_shows_its_progress_then_offers_training(screen, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR)  # this machine has no MNIST...
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))  # ...and an empty cache
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowMirror)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        panel = LearnPanel(tmp_path / "home", nice=0, mirrors=(f"http://127.0.0.1:{server.server_port}/",))
        frame(panel, screen)
        assert not panel.mnist
        click(panel, "download")
        received, deadline = [], time.monotonic() + 60
        while panel.busy:
            assert time.monotonic() < deadline, "the download did not finish"
            frame(panel, screen)
            if panel.busy and panel.job.view.downloading:
                received.append(panel.job.view.downloading.received)
            time.sleep(0.02)
        frame(panel, screen)
    finally:
        server.shutdown()
    assert received and received == sorted(received) and 0 < received[0] < received[-1]
    assert panel.mnist and panel.message_kind == "good" and "SHA-256" in panel.message[0], panel.message
    assert panel.button("start")[1]  # now it can train
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(
        p.name for p in Path(MNIST).iterdir() if p.name.endswith(".gz"))
    assert not mp.active_children()


def test_wrap_breaks_between_words_within_the_width():
    lines = wrap("Needs 3 more drawings and at least 2 of each digit", 20, len)
    assert all(len(x) <= 20 for x in lines) and " ".join(lines) == "Needs 3 more drawings and at least 2 of each digit"


@needs_mnist
def test_the_time_estimate_is_measured_on_this_computer_now_and_says_estimating_until_then(screen, tmp_path):
    from app.learn_state import SECONDS_PER_UNIT, STARTUP_S

    panel = LearnPanel(tmp_path / "home", data=MNIST, nice=0)
    frame(panel, screen)
    words = " ".join(w for w, *_ in panel._drawn)
    assert panel.measuring and panel.estimate() is None and "estimating\u2026" in words, words
    assert "about" not in words, "no figure before this computer's speed is known"
    deadline = time.monotonic() + 300  # a few seconds on a quiet machine; minutes at load 10+ under nice 19
    while panel.measuring:
        assert time.monotonic() < deadline, "measuring did not finish"
        frame(panel, screen)
        time.sleep(0.05)
    frame(panel, screen)
    words = " ".join(w for w, *_ in panel._drawn)
    assert (panel.seconds_per_unit, panel.startup_s) != (SECONDS_PER_UNIT, STARTUP_S), (
        "measured, not the constant", panel.probe_outcome)
    est = panel.estimate()
    assert est is not None and f"about {duration(est)} here" in words
    assert panel.estimate(2048, 8) > panel.estimate(925, 8) > panel.estimate(16, 1) > panel.startup_s
    panel.shutdown()
    assert not mp.active_children()


@pytest.mark.parametrize("theme, scale, rect", [(DESK, 1.0, RECT), (CLASSROOM, 1.17, Rect(599, 23, 658, 620))],
                         ids=["desk", "classroom-1280x720"])
def test_adapting_shows_how_many_held_out_drawings_it_reads_before_and_after_with_a_legend(
        screen, tmp_path, theme, scale, rect):
    from tests.drawn import misfits

    home, empty = tmp_path / "home", tmp_path / "no-mnist"
    empty.mkdir()
    label_drawings(samples_path(home), [MIN_PER_DIGIT] * CLASSES)
    panel = LearnPanel(home, data=str(empty), nice=0)
    frame(panel, screen, theme, scale)
    click(panel, "adapt")  # on the drawings alone: no MNIST here
    deadline = time.monotonic() + 600  # about 30 s on a quiet machine; far longer at load 15 under nice 19
    while panel.busy:
        assert time.monotonic() < deadline, "adapting did not finish"
        assert panel.update() is None
        time.sleep(0.1)
    screen.fill(theme.background)
    panel.draw(screen, rect, theme, scale)
    assert panel.result is not None, panel.message
    words = [w for w, *_ in panel._drawn]
    before, after = panel.job.view.held_out["before"], panel.job.view.held_out["after"]
    n = sum(before.counts)
    assert n == CLASSES * MIN_PER_DIGIT // 2 == 20, "half of each digit's drawings held out"
    rb, ra = (round(sum(p * c for p, c in zip(h.per_digit, h.counts))) for h in (before, after))
    assert any(f"of {n} held-out drawings, {rb} \u2192 {ra} read right" in w for w in words), words
    assert {"before", "after adapting"} <= set(words), "the bars have a legend"
    assert words.count(f"of {MIN_PER_DIGIT // 2}") == CLASSES, "each digit says how many it was measured on"
    for k in range(CLASSES):  # and how many of them it read right, before -> after
        b, a = (round(h.per_digit[k] * h.counts[k]) for h in (before, after))
        assert f"{b} \u2192 {a}" in words
    assert words.count("legend swatch") == 2
    assert not misfits(panel._drawn, rect), misfits(panel._drawn, rect)
    panel.shutdown()
    assert not mp.active_children()
