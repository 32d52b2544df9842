"""What a view drew in its last frame: where each thing went and in which card.

Each view (app/view.py, app/inside_view.py, app/learn_view.py) keeps a list it refills every frame:
one entry per text, picture, bar or button it drew, (what, where, the card or panel it belongs to).
Appending a tuple costs nothing next to a blit. The Learn view asks `fits` whether its page fit
(else it draws it again smaller); tests/drawn.py checks the lists in full: each thing inside its
card, each card inside the window, no two things on each other.
"""

from __future__ import annotations

from pygame import Rect

Drawn = list[tuple[str, Rect, Rect]]  # (what, where, the card it belongs to)


def fits(drawn: Drawn, bounds: Rect) -> bool:
    """Whether every card lies inside `bounds` and everything drawn inside its card (overlaps
    between things are not looked for here: that is the tests' business, tests/drawn.py)."""
    return all(bounds.contains(card) and card.contains(where) for _, where, card in drawn)
