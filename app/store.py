"""Where the user's drawings go: PNG snapshots and labelled strokes in the user's data directory.

Nothing here knows about pygame: the app hands over pixels as NumPy arrays and strokes as point
arrays, so saving is tested without a window.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import numpy as np
import platformdirs
from PIL import Image

from model.atomic import atomic_write
from model.strokes import append_sample

ENV_HOME = "DIGITPAD_HOME"  # overrides the data directory (tests, portable installs, classrooms)
SAMPLES_FILE = "my-digits.jsonl"


def data_dir() -> Path:
    """The directory for saved drawings: $DIGITPAD_HOME if set, else the platform's user data dir."""
    home = os.environ.get(ENV_HOME, "").strip()
    return Path(home).expanduser() if home else Path(platformdirs.user_data_dir("digitpad", appauthor=False))


def samples_path(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / SAMPLES_FILE


def count_samples(path: Path) -> int:
    """How many samples a strokes file holds, counted the way `append_sample` counts them.

    Every complete line ends in "}\\n"; the debris a crash can leave does not. A missing or
    unreadable file counts as none: the counter is a courtesy, never a reason to fail at startup.
    """
    try:
        with open(path, "rb") as f:
            count, prev = 0, b""
            while chunk := f.read(1 << 20):
                count += (prev + chunk).count(b"}\n")
                prev = chunk[-1:]
            return count
    except OSError:
        return 0


def save_labelled(path: Path, label: int, strokes: list[np.ndarray], canvas_side: int) -> int:
    """Append a labelled drawing (points in canvas pixels) to the strokes file; returns the sample count."""
    return append_sample(path, label, strokes, source="digitpad", canvas=int(canvas_side))


def save_pngs(
    directory: Path, canvas_rgb: np.ndarray, image28: np.ndarray, when: datetime | None = None
) -> tuple[Path, Path]:
    """Save the canvas as seen and the network's 28x28 input as two PNGs; returns their paths.

    `canvas_rgb` is (h, w, 3) uint8; `image28` is the float input in [0, 1]. Names carry the time to
    the second, with -2, -3, ... added if that second is taken, so nothing is ever overwritten.
    """
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"drawing-{stamp}"
    n = 2
    while (directory / f"{stem}.png").exists() or (directory / f"{stem}-input.png").exists():
        stem = f"drawing-{stamp}-{n}"
        n += 1
    canvas_path, input_path = directory / f"{stem}.png", directory / f"{stem}-input.png"
    grey = np.clip(np.asarray(image28, dtype=np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    _write_png(canvas_path, Image.fromarray(np.ascontiguousarray(canvas_rgb, dtype=np.uint8), "RGB"))
    _write_png(input_path, Image.fromarray(grey, "L"))
    return canvas_path, input_path


def _write_png(path: Path, image: Image.Image) -> None:
    """Write atomically: a crash leaves the old state or the whole file, never half a PNG."""
    atomic_write(path, lambda f: image.save(f, format="PNG"))
