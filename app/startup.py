"""Command line and model loading: everything that must succeed before a window opens.

Kept free of pygame, so a bad weights file or a typo in the arguments is reported in a fraction
of a second, as one line, without a window flashing up.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path

from app.panels import PLAIN, VIEWS
from model.classroom import DEFAULT_PORT
from model.config import BUNDLED_WEIGHTS
from model.recognise import Recogniser


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); argparse turns the ValueError into a usage error (exit code 2)."""
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX\u00d7]\s*(\d{2,5})\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (320 <= w <= 16384 and 240 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"window size {w}x{h} is outside 320x240 .. 16384x16384")
    return w, h


def parse_args(argv: Sequence[str] | None, default_weights: Path = BUNDLED_WEIGHTS) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="digitpad",
        description="Draw a digit with the mouse and watch a from-scratch NumPy network recognise it live.",
        epilog="Press H in the app for every shortcut.",
    )
    p.add_argument(
        "--weights",
        type=Path,
        default=default_weights,
        metavar="PATH",
        help=f"trained model (.npz) to use (default: {default_weights.name} bundled with Digitpad)",
    )
    p.add_argument(
        "--classroom",
        action="store_true",
        help="fullscreen, large high-contrast type for a projector",
    )
    p.add_argument(
        "--windowed",
        action="store_true",
        help="with --classroom: keep the classroom look but start in a window",
    )
    p.add_argument("--size", type=parse_size, metavar="WxH", help="initial window size, e.g. 1280x800")
    p.add_argument(
        "--view",
        choices=VIEWS,
        default=PLAIN,
        help="start in this view: plain, inside (how the network reaches its answer), learn, or class "
        "(phones join and draw; starts the class server); N switches",
    )
    p.add_argument("--host", default="0.0.0.0", metavar="ADDRESS",
                   help="Class view: the address the class server listens on (default: every network)")
    p.add_argument("--port", type=parse_port, default=DEFAULT_PORT,
                   help=f"Class view: the port it listens on (default: {DEFAULT_PORT})")
    # For the start-up benchmark: draw one frame with the model loaded, then exit.
    p.add_argument("--exit-after-first-frame", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def parse_port(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return int(text)


def load_recogniser(path: str | os.PathLike) -> Recogniser:
    """Load a model and prove it can read a drawing; every failure is one WeightsError line.

    The checks live in `model.weights.load`, the one loader main.py, evaluate.py and train.py share.
    """
    return Recogniser.from_file(path)
