"""Imported first by the command-line scripts: a Ctrl-C at any moment is one line, never a traceback.

The scripts catch KeyboardInterrupt around their work, but a Ctrl-C can also land while NumPy and
SciPy are still loading (the first 0.3 s) or between the steps: this hook turns every uncaught one
into "<script>: interrupted". Python still exits as killed by SIGINT, so the shell sees status 130.
"""

from __future__ import annotations

import sys
from types import TracebackType


def _interrupted(value: BaseException | None) -> bool:
    """Was this a Ctrl-C, perhaps wrapped? (SciPy's HiGHS module turns a Ctrl-C during its own
    initialisation into "ImportError: initialization failed", raised from the KeyboardInterrupt.)"""
    seen = 0
    while value is not None and seen < 20:
        if isinstance(value, KeyboardInterrupt):
            return True
        value = value.__cause__ or value.__context__
        seen += 1
    return False


def one_line_interrupts(program: str) -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if _interrupted(value):
            import multiprocessing

            # A worker process (which imports the script too) leaves the saying to the main one.
            # (A starting worker is already named, but knows its parent only once it runs.)
            if multiprocessing.parent_process() is None and multiprocessing.current_process().name == "MainProcess":
                print(f"{program}: interrupted", file=sys.stderr)
        else:
            previous(kind, value, tb)

    sys.excepthook = hook
