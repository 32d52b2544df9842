"""The Class view's state, without pygame: the class, its web server, and adapting to it.

`ClassSession` holds the Classroom (model/classroom.py), the web server (app/class_server.py), which
starts when the view opens and stops when it closes, and the "adapt to this class" job
(model/jobs.py, the Learn view's machinery). The view (app/class_view.py) paints it.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.class_server import ClassServer
from model.classroom import (
    DEFAULT_PORT,
    SIDE,
    Classroom,
    Entry,
    Look,
    delete_class,
    export_labelled,
    save_entry,
    students_with_labels,
    tally,
)
from model.recognise import Recogniser


def reader(recogniser: Recogniser) -> Callable[[list[np.ndarray]], Look]:
    """Read pad strokes (0..1) the way the app reads its canvas: Recogniser.read, then its answer."""

    def read(strokes: list[np.ndarray]) -> Look:
        r = recogniser.read([s * SIDE for s in strokes], side=SIDE)
        a = recogniser.answer(r)
        return Look(a.kind, a.top, a.runner_up, a.confidence)

    return read


@dataclass
class AdaptResult:
    before: float | None  # held-out students' accuracy before / after (model/jobs.py HeldOut)
    after: float | None
    weights: str


class ClassSession:
    """The Class view's state. `open()` starts listening, `close()` stops; the class itself persists."""

    def __init__(self, samples_file: Path, recogniser: Recogniser, host: str = "0.0.0.0",
                 port: int = DEFAULT_PORT, notify: Callable[[], None] | None = None) -> None:
        self.samples_file = samples_file
        self.host, self.port = host, port
        self.notify = notify
        self.classroom: Classroom | None = None
        self._recogniser = recogniser
        self.server: ClassServer | None = None
        self.error: str | None = None  # why the server cannot listen, one line
        self.job = None  # the adapt job (model.jobs.Job)
        self.adapted: AdaptResult | None = None
        self.adapt_error: str | None = None
        self.adapt_kept = ""  # why adapting kept the model (model/jobs.py keep_reason), "" otherwise
        self.before_adapting: float | None = None  # the wall's accuracy when the adapted model took over
        self.url = ""
        self.with_mnist: bool | None = None  # adapt with MNIST in the mix; None: if it is on this machine

    def use(self, recogniser: Recogniser) -> None:
        """The app reads with another model: new drawings are read with it too."""
        self._recogniser = recogniser
        if self.classroom is not None:
            self.classroom.read = reader(recogniser)

    def open(self) -> str | None:
        """Start the class (once) and its server; returns the one-line reason if it cannot listen."""
        if self.classroom is None:
            self.classroom = Classroom(reader(self._recogniser), save=self._save)
            self.classroom.notify = self.notify
        if self.server is None or not self.server.running:
            self.server = ClassServer(self.classroom, self.host, self.port)
            self.error = self.server.start()
            if self.error:
                self.server = None
            else:
                self.port = self.server.port
                self.url = self.server.url()
                if self.url.startswith("http://127.") and self.host not in ("127.0.0.1", "localhost"):
                    return ("No network found: phones cannot reach this computer. Join the school Wi-Fi "
                            "(or a hotspot), then press W twice")
        return self.error

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def shutdown(self) -> None:
        self.close()
        if self.job is not None and self.job.running:
            self.job.cancel()

    @property
    def listening(self) -> bool:
        return self.server is not None and self.server.running

    def _save(self, entry: Entry, session: str) -> None:
        save_entry(self.samples_file, entry, session)

    def join_url(self) -> str:
        """The address with the code after '#': a phone that scans the QR code has it filled in."""
        return f"{self.url}#{self.classroom.code}" if self.classroom and self.url else self.url

    # -- the teacher's buttons ------------------------------------------------------------------

    def delete(self) -> int:
        """Delete this class's drawings from the data set and the wall, in one step; returns how many."""
        c = self.classroom
        if c is None:
            return 0
        with c.disk:  # no drawing is being written meanwhile
            removed = delete_class(self.samples_file, c.session)
            c.forget()
        return removed

    def adapt(self) -> str:
        """Start fine-tuning on the class's labelled drawings, held out by student; returns a message."""
        from model.jobs import FinetuneSpec, Job, mnist_available

        c = self.classroom
        if c is None:
            return "Open the class first"
        if self.job is not None and self.job.running:
            return "Already adapting"
        entries = c.wall()
        if students_with_labels(entries) < 3:
            return "Adapting needs labelled drawings from at least 3 students: run a \u201cdraw the digit\u201d round"
        folder = Path(tempfile.gettempdir()) / "digitpad-class"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"class-{c.session}.jsonl"
        n = export_labelled(entries, c.session, path)
        spec = FinetuneSpec(drawings=str(path), holdout_by="writer", holdout=0.3,
                            with_mnist=mnist_available() if self.with_mnist is None else self.with_mnist,
                            weights=self._weights_path())
        self.adapted, self.adapt_error, self.adapt_kept = None, None, ""
        self.job = Job.start(spec)
        return f"Adapting to the class on {n} drawings (held out by student)\u2026"

    def _weights_path(self) -> str:
        """The model the app reads with now, written out for the job to start from."""
        from model.weights import save

        path = Path(tempfile.gettempdir()) / "digitpad-class" / f"start-{self.classroom.session}.npz"
        save(path, self._recogniser.model, self._recogniser.meta)
        return str(path)

    def poll(self) -> bool:
        """The adapt job's news (never waits); True when it has just finished."""
        if self.job is None or not self.job.running:
            return False
        self.job.poll()
        view = self.job.view
        if not view.done:
            return False
        if view.error is not None:
            self.adapt_error = view.error.message
        elif view.result is not None and getattr(view.held_out.get("after"), "kept", False):
            self.adapt_kept = view.held_out["after"].why  # nothing to use: the model in use stays
        elif view.result is not None:
            held = view.held_out
            self.adapted = AdaptResult(
                held["before"].accuracy if "before" in held else None,
                held["after"].accuracy if "after" in held else None,
                view.result.weights,
            )
        return True

    @property
    def adapt_progress(self) -> str:
        if self.job is None or not self.job.running:
            return ""
        v = self.job.view
        if v.started is None:
            return "Adapting: preparing the drawings\u2026"
        done = v.losses[-1][0] if v.losses else 0.0
        return f"Adapting: epoch {min(done, v.started.epochs):.1f} of {v.started.epochs}"

    def use_adapted(self) -> Recogniser | None:
        """Read with the adapted model from now on, and read the whole wall again with it (in the background)."""
        if self.adapted is None or self.classroom is None:
            return None
        recogniser = Recogniser.from_file(self.adapted.weights)
        self.before_adapting = tally(self.classroom.latest).accuracy
        self._recogniser = recogniser
        threading.Thread(target=self.classroom.reread, args=(reader(recogniser),), daemon=True,
                         name="digitpad-class-reread").start()
        return recogniser


def tile_size(w: int, h: int, n: int, gap: int, min_side: int) -> int:
    """The largest square tile with which n tiles fit in w x h (not below min_side, not above h)."""
    best = 0
    for cols in range(1, min(n, w // max(min_side, 1) + 1) + 1):
        side = min((w - gap * (cols - 1)) // cols, h)
        rows = -(-n // cols)
        if side > 0 and rows * (side + gap) - gap <= h:
            best = max(best, side)
    return max(best, min(min_side, h, w), 1)
