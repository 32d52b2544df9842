"""What train.py, evaluate.py and research.py share on their command lines."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Callable


def positive_int(what: str = "a whole number", hint: str = "") -> Callable[[str], int]:
    """An argparse type for a whole number of at least 1; its error names `what` is expected
    ("a whole number of drawings per kind") and adds `hint` (how the command line was misread)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be {what}, at least 1, got {text!r}{hint}")
        return value

    parse.__name__ = "int"  # argparse says "invalid int value" if the error ever falls through
    return parse


def seed_int(text: str) -> int:
    """An argparse type for a random seed: a whole number, zero or more (NumPy refuses negative seeds)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number, zero or more, got {text!r}")
    return value


seed_int.__name__ = "int"


def command(*words: str | os.PathLike) -> str:
    """A command line to copy and paste, each word quoted for the shell if it needs it (spaces, quotes)."""
    if sys.platform == "win32":
        return subprocess.list2cmdline([os.fspath(w) for w in words])
    return " ".join(shlex.quote(os.fspath(w)) for w in words)


def memory_available_now(fallback_pages: str | None = None) -> int | None:
    """Bytes of memory the kernel says a new job can have now (Linux's MemAvailable). Where that is not
    known: `fallback_pages` pages (an os.sysconf name, each caller's choice: "SC_AVPHYS_PAGES" free
    now, "SC_PHYS_PAGES" all of it), else None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if fallback_pages is not None:
        try:
            return os.sysconf(fallback_pages) * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            pass
    return None
