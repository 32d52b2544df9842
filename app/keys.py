"""Every key and mouse binding, in ONE table that the event handler, the help overlay and the README
read. Change a binding here and all three follow (a test checks the README's table against it).

Each row is what a user sees ("`Ctrl+Z` / `Ctrl+Y`", "undo / redo") plus the triggers that make it
happen: a trigger names an App action and the key (or typed character) that fires it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from model.config import DIGITS


@dataclass(frozen=True)
class Trigger:
    action: str  # an App method name; "label" gets the digit
    keys: tuple[int, ...] = ()  # pygame key codes
    chars: tuple[str, ...] = ()  # typed characters (layout-independent: "?" "[" "]")
    ctrl: bool = False  # Ctrl (or Cmd on macOS) held
    shift: bool | None = None  # None: either way


@dataclass(frozen=True)
class Binding:
    keys: str  # as the README shows it, `key` in backticks
    does: str
    triggers: tuple[Trigger, ...] = ()  # none: mouse-only, described for the user

    @property
    def plain_keys(self) -> str:
        """The keys without the README's backticks, as the help overlay shows them."""
        return self.keys.replace("`", "")


_K = pygame
_KEYPAD = (_K.K_KP0, _K.K_KP1, _K.K_KP2, _K.K_KP3, _K.K_KP4, _K.K_KP5, _K.K_KP6, _K.K_KP7, _K.K_KP8, _K.K_KP9)

BINDINGS: tuple[Binding, ...] = (
    Binding("left drag", "draw"),
    Binding(
        "right drag, or `E` then left drag",
        "erase (cuts strokes where the eraser passes)",
        (Trigger("toggle_eraser", (_K.K_e,)),),
    ),
    Binding(
        "`Ctrl+Z` / `Ctrl+Y`",
        "undo / redo",
        (
            Trigger("undo", (_K.K_z,), ctrl=True, shift=False),
            Trigger("redo", (_K.K_z,), ctrl=True, shift=True),
            Trigger("redo", (_K.K_y,), ctrl=True),
        ),
    ),
    Binding(
        "`C`, `Backspace`, `Delete`, or the Clear button",
        "clear",
        (Trigger("clear", (_K.K_c, _K.K_BACKSPACE, _K.K_DELETE)),),
    ),
    Binding(
        "`[` / `]`",
        "thinner / thicker brush",
        (
            Trigger("thinner", (_K.K_LEFTBRACKET,), ("[",)),
            Trigger("thicker", (_K.K_RIGHTBRACKET,), ("]",)),
        ),
    ),
    Binding(
        "`0`-`9`",
        "label the drawing with that digit, save it to your data set, clear",
        (Trigger("label", tuple(_K.K_0 + d for d in DIGITS) + _KEYPAD, tuple(str(d) for d in DIGITS)),),
    ),
    Binding(
        "`S`",
        "save the drawing as PNG (full canvas and the 28x28 input)",
        (Trigger("save_picture", (_K.K_s,)),),
    ),
    Binding(
        "`N` or the Inside button",
        "look inside: show how the network reaches its answer (press again for the plain view)",
        (Trigger("toggle_inside", (_K.K_n,)),),
    ),
    Binding(
        "`G`, `PgUp` / `PgDn` or `←` / `→`",
        "inside view: the gallery of all hidden units, its previous / next page",
        (
            Trigger("inside_gallery", (_K.K_g,)),
            Trigger("inside_previous", (_K.K_PAGEUP, _K.K_LEFT)),
            Trigger("inside_next", (_K.K_PAGEDOWN, _K.K_RIGHT)),
        ),
    ),
    Binding("click a unit", "inside view: see what it looks for and how it responds to the drawing"),
    Binding(
        "`T` or the Learn button",
        "learn: train a network while the class watches, or adapt it to the class's labelled drawings",
        (Trigger("toggle_learn", (_K.K_t,)),),
    ),
    Binding(
        "`W` or the Class button",
        "class: phones join with a code and draw; the projector shows the wall of their drawings",
        (Trigger("toggle_class", (_K.K_w,)),),
    ),
    # Handled by the Learn view itself (app/learn_view.py), listed here so that help and README say so.
    Binding(
        "`Enter`, `←` `→` / `↑` `↓`, `B`",
        "learn view: start, or use the new model; fewer / more neurons and epochs; back to the bundled model",
    ),
    Binding("`F11` or `F`", "fullscreen on / off", (Trigger("toggle_fullscreen", (_K.K_F11, _K.K_f)),)),
    Binding(
        "`P` or the Big button",
        "classroom look on / off: large, high-contrast type for a projector (the drawing and the view stay)",
        (Trigger("toggle_classroom", (_K.K_p,)),),
    ),
    Binding("`H` or `?`", "help", (Trigger("open_help", (_K.K_h, _K.K_F1), ("?",)),)),
    Binding(
        "`Esc`",
        "step back, never quits: close the help, leave fullscreen, cancel a training, close the view",
        (Trigger("escape", (_K.K_ESCAPE,)),),
    ),
    Binding(
        "`Q`",
        "quit (with a drawing on the canvas or a training running it asks first: press Q again)",
        (Trigger("ask_quit", (_K.K_q,)),),
    ),
)

# The toolbar's buttons (app/layout.py) fire the same actions as their keys.
BUTTONS = {
    "look": "toggle_classroom", "view": "toggle_inside", "learn": "toggle_learn", "class": "toggle_class",
    "undo": "undo",
    "eraser": "toggle_eraser", "clear": "clear",
}


def action_for(key: int, char: str, mods: int) -> tuple[str, int | None] | None:
    """The (action, digit or None) a key press fires, or None if it is not bound.

    Typed characters are matched first, so "?" works on every keyboard layout; a Ctrl chord never
    matches an unmodified binding (Ctrl+S is not "save").
    """
    ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
    shift = bool(mods & pygame.KMOD_SHIFT)
    for binding in BINDINGS:
        for t in binding.triggers:
            if t.ctrl != ctrl or (t.shift is not None and t.shift != shift):
                continue
            if char and char in t.chars:
                hit = t.chars.index(char)
            elif key in t.keys:
                hit = t.keys.index(key)
            else:
                continue
            return t.action, (hit % len(DIGITS) if t.action == "label" else None)
    return None


def markdown_table() -> str:
    """The README's key table, generated from BINDINGS."""
    rows = ["| key | action |", "| --- | --- |"]
    rows += [f"| {b.keys} | {b.does} |" for b in BINDINGS]
    return "\n".join(rows)
