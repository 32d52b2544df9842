"""Imported first by the command-line scripts: a Ctrl-C at any moment is one line, never a traceback.

The scripts catch KeyboardInterrupt around their work, but a Ctrl-C can also land while NumPy and
SciPy are still loading (the first 0.3 s) or between the steps: this hook turns every uncaught one
into "<script>: interrupted". Python still exits as killed by SIGINT, so the shell sees status 130.

While the imports load, Ctrl-C is held (blocked) and `loaded()` lets it through: a KeyboardInterrupt
raised inside a C extension's initialisation comes out as whatever that extension makes of it
(NumPy: "ImportError: PyCapsule_Import could not import module 'datetime'", with no trace of the
Ctrl-C), or inside an import lock's callback, where Python prints "Exception ignored" and carries on.
Held, it arrives after the last import, at one known line.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import time
from types import TracebackType

_HOLDS = hasattr(signal, "pthread_sigmask")  # POSIX; on Windows a Ctrl-C during imports is left as it is


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


_held: list = []  # the signal mask from before Ctrl-C was held, until loaded() puts it back


def one_line_interrupts(program: str, hold: bool = True) -> None:
    """Install the one-line hook, and with `hold` hold Ctrl-C until `loaded()`.

    `hold` only when the script runs as the program (`__name__ == "__main__"`): imported by a test, or
    by a worker process whose parent started it with Ctrl-C blocked, it must leave the mask as it is.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if _interrupted(value):
            # A worker process (which imports the script too) leaves the saying to the main one. (A
            # starting worker is already named, but knows its parent only once it runs.) Not imported
            # here: an import in this hook makes Python exit with status 1 rather than as killed by
            # SIGINT, and a process that never loaded multiprocessing is no worker of it.
            mp = sys.modules.get("multiprocessing")
            if mp is None or (mp.parent_process() is None and mp.current_process().name == "MainProcess"):
                print(f"{program}: interrupted", file=sys.stderr)
        else:
            previous(kind, value, tb)

    sys.excepthook = hook

    def unraisable(args: sys.UnraisableHookArgs) -> None:
        # A Ctrl-C that lands in a callback (a weakref's, an import lock's) is "ignored" by Python, which
        # would go on as if it never came: press it again, a moment later from a bare thread, so that it
        # arrives once this hook has returned, in the script's own code (raised here, it would be
        # "ignored" once more; threading.Thread's start() would wait, and be interrupted itself).
        if isinstance(args.exc_value, KeyboardInterrupt):
            _thread.start_new_thread(_press_again, ())
        else:
            previous_unraisable(args)

    previous_unraisable = sys.unraisablehook
    sys.unraisablehook = unraisable
    if hold and _HOLDS and threading.current_thread() is threading.main_thread():
        _held.append(signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}))


def _press_again() -> None:
    time.sleep(0.02)
    _thread.interrupt_main()


def loaded() -> None:
    """Put back the signal mask one_line_interrupts found: a Ctrl-C pressed while the imports loaded
    becomes a KeyboardInterrupt here. (Not simply "unblock": a worker started with Ctrl-C blocked, which
    imports the script too, must keep it blocked.)"""
    if _held:
        signal.pthread_sigmask(signal.SIG_SETMASK, _held.pop())
