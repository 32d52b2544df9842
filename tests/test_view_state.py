"""The views' states without pygame (app/learn_state.py, app/inside_state.py, app/class_session.py),
the panel contract's registry, and the loss chart widget (app/chart.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from app.inside_state import InsideState, Pitch
from app.learn_state import DEFAULT_EPOCHS, DEFAULT_HIDDEN, EPOCH_CHOICES, HIDDEN_CHOICES, LearnState
from app.panels import PANELS, VIEWS, UseBundled

REPO = Path(__file__).resolve().parent.parent


def test_the_states_and_the_contract_import_without_pygame() -> None:
    code = ("import sys; import app.learn_state, app.inside_state, app.class_session, app.panels, app.learn_words; "
            "print('pygame' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "False", out.stderr


def test_every_registered_view_is_a_view_choice() -> None:
    assert ("plain", *PANELS) == VIEWS and all(":" in where for where in PANELS.values())


def no_mnist(tmp_path: Path) -> LearnState:
    """A Learn state on a machine without MNIST (an explicit empty folder): no job starts by itself."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return LearnState(tmp_path / "home", data=str(empty))


def test_the_learn_states_keys_by_name(tmp_path: Path) -> None:
    s = no_mnist(tmp_path)
    assert s.page == "choose" and not s.mnist and s.probe is None and not s.busy
    assert (s.hidden, s.epochs) == (DEFAULT_HIDDEN, DEFAULT_EPOCHS)
    s.key("right")
    assert s.handled and s.hidden == HIDDEN_CHOICES[HIDDEN_CHOICES.index(DEFAULT_HIDDEN) + 1]
    s.key("down")
    assert s.handled and s.epochs == EPOCH_CHOICES[EPOCH_CHOICES.index(DEFAULT_EPOCHS) - 1]
    for _ in range(len(HIDDEN_CHOICES) + 1):
        s.key("left")
    assert s.hidden == HIDDEN_CHOICES[0], "the choices stop at the ends"
    assert s.key("b") is None and not s.handled, "B means nothing while the bundled model reads"
    s.in_use = "your 16-neuron model, 90.0%"
    assert isinstance(s.key("b"), UseBundled) and s.handled and s.in_use is None
    assert s.key("x") is None and not s.handled
    assert "Enter: start" in s.hint


def test_the_inside_states_pages_and_clicks() -> None:
    st = InsideState(pages=3)
    st.turn(1)
    assert st.gallery and st.page == 1
    st.turn(-2)
    assert st.page == 2, "pages wrap round"
    st.toggle_gallery()
    assert not st.gallery
    # A 4 x 2 grid of units at (10, 20), 5 px apart, as the painting registers it.
    st._units.append(Pitch(10, 20, 5, 5, 4, 2, np.array([7, 3, 9, 1, 4, 0, 2, 8])))
    assert st.unit_at((16, 21)) == 3 and st.unit_at((9, 21)) is None and st.unit_at((10, 31)) is None
    assert st.click((26, 26)) and st.selected == 8 and st.gallery and st._jump, "picked in the overview: its page"
    assert not st.click((100, 100))


def test_the_loss_chart_draws_its_axes_curve_and_accuracies() -> None:
    import pygame

    from app.chart import LossChart
    from app.kit import Painter, Sizes
    from app.theme import DESK, Fonts, TextCache

    pygame.font.init()
    surface = pygame.Surface((600, 400))
    sizes = Sizes(title=26, body=19, small=16, gap=16, pad=14, radius=10, line=3)
    k = Painter(surface, TextCache(Fonts()), DESK, sizes)
    rect = pygame.Rect(10, 10, 580, 380)
    LossChart(4).draw(k, rect, [(0.5, 1.2), (1.0, 0.6), (2.0, 0.3)], {1: 0.91, 2: 0.95})
    what = [w for w, _, _ in k.drawn]
    assert {"x axis", "y axis", "Training loss", "91.0%", "95.0%", "epochs"} <= set(what), what
    assert all(rect.contains(card) and card.contains(where) for _, where, card in k.drawn)
    accent = np.all(pygame.surfarray.array3d(surface) == DESK.accent, axis=2)
    assert accent.sum() > 100, "the curve is drawn in the accent colour"
    # Too low for a chart: the latest loss in words.
    k.drawn.clear()
    LossChart(4).draw(k, pygame.Rect(10, 10, 580, 90), [(2.0, 0.3)], {})
    assert any(w.startswith("loss 0.30 after epoch 2.0") for w, _, _ in k.drawn)
