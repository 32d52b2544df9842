"""Facts the whole project shares, in one place: the network's input and output, and where the
bundled model lives. Everything else imports these names instead of repeating the numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

FIELD = 28  # side of the network's square input image, as in MNIST
INPUTS = FIELD * FIELD  # 784 pixels, one input unit each
CLASSES = 10  # the digits 0-9, one output unit each
DIGITS = tuple(range(CLASSES))
# A network may have one more output, trained on drawings that are no digit at all; its index is the
# label those drawings get in training. Networks with just the ten digit outputs still load.
NOT_A_DIGIT = CLASSES
OUTPUTS = (CLASSES, CLASSES + 1)  # output layer sizes Digitpad accepts
# The bundled network's hidden width: the school report's pick, 784-925-10 (model/scaling.py weighs it
# against other widths). Recipes, the Learn view's default and the sweeps take it from here.
HIDDEN = 925



def layer_sizes(hidden: Sequence[int], outputs: int = CLASSES) -> tuple[int, ...]:
    """Every layer's width, input to output, of a network with these hidden widths."""
    return (INPUTS, *(int(h) for h in hidden), outputs)


REPO = Path(__file__).resolve().parent.parent
BUNDLED_WEIGHTS = REPO / "weights" / f"digitpad-{HIDDEN}.npz"
