"""Where the user's drawings go: PNG snapshots and labelled strokes in the user's data directory.

Nothing here knows about pygame: the app hands over pixels as NumPy arrays and strokes as point
arrays, so saving is tested without a window.
"""

from __future__ import annotations

import errno
import json
import os
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import platformdirs
from PIL import Image

from model import jsonl
from model.atomic import atomic_write
from model.jsonl import append_line, append_sample, sample_line, take_back

ENV_HOME = "DIGITPAD_HOME"  # overrides the data directory (tests, portable installs, classrooms)
SAMPLES_FILE = "my-digits.jsonl"
CRASH_LOG = "crash.log"


def data_dir() -> Path:
    """The directory for saved drawings: $DIGITPAD_HOME if set, else the platform's user data dir."""
    home = os.environ.get(ENV_HOME, "").strip()
    return Path(home).expanduser() if home else Path(platformdirs.user_data_dir("digitpad", appauthor=False))


def samples_path(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / SAMPLES_FILE


def save_labelled(path: Path, label: int, strokes: list[np.ndarray], canvas_side: int) -> int:
    """Append a labelled drawing (points in canvas pixels) to the strokes file; returns the sample count."""
    return append_sample(path, label, strokes, source="digitpad", canvas=int(canvas_side))


@dataclass
class Appended:
    """One labelled drawing as it went into the strokes file, so that it can be taken back."""

    path: Path
    label: int
    strokes: list[np.ndarray]
    canvas_side: int
    start: int = 0  # where our line landed in the file
    data: bytes = b""  # exactly our line's bytes (never another writer's)


def append_labelled(record: Appended) -> int:
    """Append `record`'s drawing (again, for a redo), noting exactly where it went; returns the sample count.

    The offset and bytes come from the locked append itself, so with two Digitpads sharing the
    folder, a line the other one wrote meanwhile is never taken for ours.
    """
    line = sample_line(record.label, record.strokes, source="digitpad", canvas=int(record.canvas_side))
    done = append_line(record.path, line)
    record.start, record.data = done.start, done.line
    return done.count


def remove_appended(record: Appended) -> bool:
    """Take back an append: remove exactly our line from the file. Returns True if it did.

    Lines other writers (another Digitpad, a script) added before or after it stay as they are; if
    our line is no longer in the file, nothing changes. See `model.jsonl.take_back`.
    """
    return take_back(record.path, jsonl.Appended(record.start, record.data, 0))


def save_error(path: Path, e: OSError) -> str:
    """A failed save in plain words: what failed and what to do, no errno codes or temp file names."""
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the folder is read-only",
        errno.ENOSPC: "the disk is full",
        getattr(errno, "EDQUOT", -1): "the disk quota is full",  # no EDQUOT on Windows
        errno.ENOENT: "the folder does not exist",
        errno.ENOTDIR: "a file is in the way of the folder",
        errno.EISDIR: "a folder is in the way of the file",
    }
    text = e.strerror or "it could not be written"
    reason = reasons.get(e.errno or 0) or text[:1].lower() + text[1:]  # (never lower-case a path in it)
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        advice = "Free some space, or set DIGITPAD_HOME to a folder on another disk."
    else:
        advice = f"Set {ENV_HOME} to a writable folder."
    return f"Could not save to {path}: {reason}. {advice}"


def write_crash_report(directory: Path, strokes: list[np.ndarray], error: BaseException) -> Path:
    """Keep what went wrong (appended to crash.log) and the drawing (a JSON file); returns the log.

    The last-resort guard calls this: the drawing on screen is the one thing the user would miss.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    drawing = {"strokes": [np.round(np.asarray(s, dtype=np.float64), 2).tolist() for s in strokes]}
    if strokes:
        atomic_write(directory / f"unsaved-drawing-{stamp}.json", lambda f: f.write(json.dumps(drawing).encode()))
    log = directory / CRASH_LOG
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n{text}")
    return log


def save_pngs(
    directory: Path, canvas_rgb: np.ndarray, image28: np.ndarray, when: datetime | None = None
) -> tuple[Path, Path]:
    """Save the canvas as seen and the network's 28x28 input as two PNGs; returns their paths.

    `canvas_rgb` is (h, w, 3) uint8; `image28` is the float input in [0, 1]. Names carry the time to
    the second, with -2, -3, ... added if that second is taken, so nothing is ever overwritten.
    """
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    directory.mkdir(parents=True, exist_ok=True)
    grey = np.clip(np.asarray(image28, dtype=np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    canvas = Image.fromarray(np.ascontiguousarray(canvas_rgb, dtype=np.uint8), "RGB")
    stem, n = f"drawing-{stamp}", 2
    # Each name is taken with a write that fails if the file exists, so two Digitpads saving in the
    # same second into one folder each get their own names: checking first and then writing would
    # let both pick the same free name and one replace the other's picture.
    while True:
        canvas_path, input_path = directory / f"{stem}.png", directory / f"{stem}-input.png"
        try:
            _write_png(canvas_path, canvas)
        except FileExistsError:
            stem, n = f"drawing-{stamp}-{n}", n + 1
            continue
        try:
            _write_png(input_path, Image.fromarray(grey, "L"))
        except FileExistsError:  # an old lone input picture has this name: ours moves on
            canvas_path.unlink()
            stem, n = f"drawing-{stamp}-{n}", n + 1
            continue
        except BaseException:
            canvas_path.unlink(missing_ok=True)
            raise
        return canvas_path, input_path


def _write_png(path: Path, image: Image.Image) -> None:
    """Write a new file atomically (a crash leaves no half PNG); FileExistsError if the name is taken."""
    atomic_write(path, lambda f: image.save(f, format="PNG"), replace=False)
