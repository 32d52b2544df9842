"""Imported first by the command-line scripts: a Ctrl-C at any moment is one line, never a traceback.

The scripts catch KeyboardInterrupt around their work, but a Ctrl-C can also land while NumPy and
SciPy are still loading (the first 0.3 s) or between the steps: this hook turns every uncaught one
into "<script>: interrupted". Python still exits as killed by SIGINT, so the shell sees status 130.
"""

from __future__ import annotations

import sys
from types import TracebackType


def one_line_interrupts(program: str) -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            import multiprocessing

            # A worker process (which imports the script too) leaves the saying to the main one.
            # (A starting worker is already named, but knows its parent only once it runs.)
            if multiprocessing.parent_process() is None and multiprocessing.current_process().name == "MainProcess":
                print(f"{program}: interrupted", file=sys.stderr)
        else:
            previous(kind, value, tb)

    sys.excepthook = hook
