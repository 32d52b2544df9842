"""Digitpad's pygame user interface: draw a digit, watch the network read it live."""

import os

# pygame prints a banner to stdout on import; a desktop app (and its tests) should stay quiet.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
