"""Digitpad: draw a digit with the mouse and watch a from-scratch NumPy network recognise it live.

    python main.py                      the bundled model
    python main.py --weights PATH       another trained model
    python main.py --classroom          fullscreen, large high-contrast type for a projector
    python main.py --view inside        open with the inside view: how the network reaches its answer

The model is loaded and checked before any window opens: a bad file is one line on stderr and exit
code 2, never a traceback. So is a missing display (no X server, no Wayland): a launch either shows
a window or says why it cannot.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from model.config import BUNDLED_WEIGHTS


def main(argv: Sequence[str] | None = None) -> int:
    # Imported here, not at the top, so that a Ctrl-C while NumPy and SciPy load is caught below.
    from app.startup import load_recogniser, parse_args
    from model.weights import WeightsError

    args = parse_args(argv)
    try:
        recogniser = load_recogniser(args.weights)
    except WeightsError as e:
        hint = " (train one with train.py, or pass --weights PATH)" if args.weights == BUNDLED_WEIGHTS else ""
        print(f"digitpad: {e}{hint}", file=sys.stderr)
        return 2
    from app.app import App  # pygame is imported only once there is a model to show
    from app.window import NoDisplayError

    try:
        app = App(
            recogniser,
            classroom=args.classroom,
            size=args.size,
            fullscreen=args.classroom and not args.windowed,
            view=args.view,
            host=args.host,
            port=args.port,
            model_label=None if args.weights == BUNDLED_WEIGHTS else f"Model: {args.weights.name}",
        )
    except NoDisplayError as e:
        print(f"digitpad: {e}", file=sys.stderr)
        return 2
    return app.run(max_frames=1 if args.exit_after_first_frame else None)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C in the terminal: leave quietly, with the shell's usual code
        sys.exit(130)
