"""Checks what a view says it drew (app/kit.py): nothing cut by its card, nothing on anything else.

Cards may nest (a button in the toolbar, the Learn view's cards in its panel); then the inner one
must lie wholly inside the outer, and nothing of the outer card's may lie on the inner one.
"""

from __future__ import annotations

from itertools import combinations

from pygame import Rect

from app import demo
from app.kit import Drawn
from app.readout import verdict
from app.screenshots import four_or_nine, scribble


def drawings(side: int) -> dict[str, list]:
    """A sure 3, a 4 that might be a 9, and a crossing-out: the three answers the views show."""
    return {"sure": [demo.three(side=side)], "unsure": four_or_nine(), "not-digit": [scribble()]}


def draw(app, user, kind: str, strokes: list) -> None:
    """Clear the canvas, draw `strokes` with posted mouse events, and check the app reads `kind`
    ("nothing" for no strokes): a fit checked on the wrong answer's look would prove nothing."""
    app.drawing.clear()
    for stroke in strokes:
        user.stroke(stroke)
    app.step()
    got = verdict(app.reading, app.recogniser.thresholds).kind if app.reading is not None else "nothing"
    assert got == kind, f"the drawing meant to be {kind!r} reads {got!r}"


def misfits(drawn: Drawn, window: Rect) -> list[str]:
    """Every way `drawn` breaks the rules, one line each (empty: all is well)."""
    bad = []
    cards = [Rect(c) for c in {tuple(card) for _, _, card in drawn}]
    for card in cards:
        if not window.contains(card):
            bad.append(f"card {card} leaves the window {window}")
    for c1, c2 in combinations(cards, 2):
        if c1.colliderect(c2) and not (c1.contains(c2) or c2.contains(c1)):
            bad.append(f"cards {c1} and {c2} overlap")
    for what, where, card in drawn:
        if not card.contains(where):
            bad.append(f"{what!r} {where} is cut by its card {card}")
        for other in cards:
            if other != card and other.colliderect(where) and not other.contains(card):
                bad.append(f"{what!r} {where} of card {card} lies on the card {other}")
    for (w1, r1, _), (w2, r2, _) in combinations(drawn, 2):
        if r1.colliderect(r2):
            bad.append(f"{w1!r} {r1} overlaps {w2!r} {r2}")
    return bad
