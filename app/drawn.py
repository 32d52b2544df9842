"""What a view drew in its last frame, for the tests that check nothing is cut or overlaps.

Each view keeps a list it refills every frame: one entry per text, picture, bar or button it drew,
(what, where, the card or panel it belongs to). Appending a tuple costs nothing next to a blit, and
tests/drawn.py checks the list: each thing inside its card, each card inside the window, no two
things on each other.
"""

from __future__ import annotations

from pygame import Rect

Drawn = list[tuple[str, Rect, Rect]]  # (what, where, the card it belongs to)


def fits(drawn: Drawn, bounds: Rect) -> bool:
    """Whether every card lies inside `bounds` and everything drawn inside its card (overlaps
    between things are not looked for here: that is the tests' business, tests/drawn.py)."""
    return all(bounds.contains(card) and card.contains(where) for _, where, card in drawn)
