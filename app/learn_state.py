"""The Learn view's state: what a teacher chose, the training job, the class's drawings. No pygame.

The view (app/learn_view.py) paints it and turns keys and clicks into its calls:

    state.press("start")     # a button: hidden:<n>, epochs:<n>, start, adapt, download, cancel,
                             # use, bundled, save, again; returns UseModel / UseBundled / None
    state.key("enter")       # a key by name; state.handled says whether it was the view's
    state.update()           # once a frame: the job's news (never waits)
    state.page               # "choose", "running" or "finished"
    state.busy, state.measuring, state.hint, state.shutdown()

The training runs in a background process (model/jobs.py); the state only starts it and polls it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.learn_words import Drawings, count_drawings, download_failed, pct
from app.panels import UseBundled, UseModel
from model.atomic import atomic_write
from model.cli import command
from model.config import BUNDLED_WEIGHTS, HIDDEN
from model.jobs import (
    NICE,
    DownloadSpec,
    FinetuneSpec,
    Finished,
    Job,
    Measured,
    ProbeSpec,
    ScratchSpec,
    mnist_available,
)

HIDDEN_CHOICES = (16, 64, 256, HIDDEN, 2048)  # the bundled width among them
EPOCH_CHOICES = (1, 2, 4, 8)
DEFAULT_HIDDEN, DEFAULT_EPOCHS = HIDDEN, 8  # train.py's quick recipe: about a minute on 2 cores
MNIST_TRAIN = 55_000  # MNIST's 60,000 training digits less the 5,000 kept for validation
# Seconds per (hidden neuron x epoch x training image) and of start-up, used only if measuring this
# computer fails: the view measures it when it opens (ProbeSpec: a short training at the jobs'
# priority, so it sees what other programs leave), and again from each finished training.
SECONDS_PER_UNIT = 1.7e-7
STARTUP_S = 6.0
CHECK_EVERY_S = 1.0  # how often the drawings file is looked at for new labels

Reply = UseModel | UseBundled | None  # what an event or a frame asks of the app (app/panels.py)


class LearnState:
    """The Learn view's state and actions, without pygame: the choices, the job, the class's drawings."""

    def __init__(
        self,
        data_directory: Path,
        bundled: Path = BUNDLED_WEIGHTS,
        data: str | None = None,
        *,
        limit: int | None = None,
        nice: int = NICE,
        mirrors: tuple[str, ...] | None = None,
    ) -> None:
        """`data`: the MNIST folder (None: $DIGITPAD_MNIST or the download cache); `limit`: MNIST
        training images a job uses (None: all; tests and previews pass a few thousand); `nice`: how
        much lower the training process's priority is; `mirrors`: where to download MNIST from
        (None: model.data's list)."""
        from app.store import samples_path

        self.data_directory = Path(data_directory)
        self.drawings_file = samples_path(self.data_directory)
        self.bundled = Path(bundled)
        self.data, self.limit, self.nice, self.mirrors = data, limit, nice, mirrors
        self.hidden, self.epochs = DEFAULT_HIDDEN, DEFAULT_EPOCHS
        self.job: Job | None = None
        self.task = ""  # "scratch", "finetune" or "download": what self.job is doing
        self.task_hidden = 0  # the hidden size of the job's network
        self.started_at = 0.0
        self.message: list[str] = []  # one or two plain lines under the page
        self.message_kind = "info"  # "info", "good" or "warn"
        self.handled = False  # whether the last key or click was the view's
        # The label of the model the panel last handed over (None: the bundled one). The app sets it
        # too if it switches models by other means, so the panel offers the way back when it should.
        self.in_use: str | None = None
        self.seconds_per_unit = SECONDS_PER_UNIT
        self.startup_s = STARTUP_S
        self.measured = False  # the two figures above were measured on this computer, now
        self.probe: Job | None = None  # the measuring job (ProbeSpec), while it runs
        self.probe_outcome: object = None  # its last result or error
        self.mnist = False
        self.drawings = Drawings()
        self._drawings_stamp: tuple | None = None
        self._checked = 0.0
        self._rated = False  # this machine's speed was learnt from the current job
        self.refresh()

    # -- state -------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A job is running: the app must keep drawing frames (no idle waiting)."""
        return self.job is not None and self.job.running

    @property
    def measuring(self) -> bool:
        """This computer's speed is being measured (the estimate then appears: keep drawing frames)."""
        return self.probe is not None

    @property
    def page(self) -> str:
        if self.job is None:
            return "choose"
        return "running" if self.job.running else "finished"

    @property
    def result(self) -> Finished | None:
        r = self.job.view.result if self.job is not None else None
        return r if isinstance(r, Finished) else None

    def refresh(self) -> None:
        """Look again for MNIST and the class's drawings (call when the view opens)."""
        self.mnist = mnist_available(self.data)
        self._drawings_stamp = None
        self._check_drawings()
        if self.mnist and not self.measured and self.probe is None and not self.busy:
            self.probe = Job.start(ProbeSpec(hidden=self.hidden, data=self.data), nice=self.nice)

    def drawings_changed(self) -> None:
        """The app saved or took back a labelled drawing: count again now, so every counter on screen
        (the status line's, this view's) says the same in the same frame."""
        self._drawings_stamp = None
        if self.job is None:
            self._check_drawings()

    def _check_drawings(self) -> None:
        try:
            st = os.stat(self.drawings_file)
            stamp: tuple | None = (st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None
        if stamp != self._drawings_stamp or stamp is None:
            self._drawings_stamp = stamp
            self.drawings = count_drawings(self.drawings_file)
        self._checked = time.monotonic()

    def estimate(self, hidden: int | None = None, epochs: int | None = None) -> float | None:
        """Roughly how long training from scratch takes here, in seconds, at this computer's speed as
        measured now; None while that is being measured."""
        if not self.measured:
            return None
        images = min(self.limit or MNIST_TRAIN, MNIST_TRAIN)
        work = (hidden or self.hidden) * (epochs or self.epochs) * images
        return self.startup_s + self.seconds_per_unit * work

    def _poll_probe(self) -> None:
        if self.probe is None:
            return
        self.probe.poll()
        if self.probe.running:
            return
        r = self.probe.view.result
        self.probe_outcome = r if r is not None else self.probe.view.error  # (what the tests report)
        if isinstance(r, Measured):
            self.startup_s, self.seconds_per_unit = r.startup_seconds, r.seconds_per_unit
        self.measured = True  # measured, or (it failed) the figures above: an estimate either way
        self.probe = None

    def _stop_probe(self) -> None:
        if self.probe is not None:
            self.probe.cancel()
            self.probe = None

    # -- the app's calls ---------------------------------------------------------------------------

    def key(self, key: str) -> Reply:
        """A key by name ("enter", "escape", "b", "left", "right", "up", "down"); `self.handled` says
        whether the view used it."""
        self.handled = False
        page = self.page
        name = None
        if key == "enter":
            name = {"choose": "start" if self.mnist else "download",
                    "finished": "bundled" if self.kept else "use"}.get(page)
        elif key == "escape" and page == "running":
            name = "cancel"
        elif key == "b" and page != "running" and (self.in_use is not None or page == "finished"):
            name = "bundled"
        elif page == "choose" and key in ("left", "right", "up", "down"):
            step = 1 if key in ("right", "up") else -1
            if key in ("left", "right"):
                self.hidden = _step(HIDDEN_CHOICES, self.hidden, step)
            else:
                self.epochs = _step(EPOCH_CHOICES, self.epochs, step)
            self.handled = True
            return None
        if name is None:
            return None
        self.handled = True
        return self.press(name)

    def update(self) -> Reply:
        """Once a frame: take the job's news (never waits) and notice newly labelled drawings."""
        self._poll_probe()
        if self.job is not None:
            self.job.poll()
            if self.job.running:
                return None
            v = self.job.view
            if v.error is not None:
                failed = (download_failed(v.error.message, self.data) if self.task == "download"
                          else [f"Training failed: {v.error.message}"])
                self._say(failed, "warn")
                self.job = None
            elif v.cancelled:
                self._say(["Cancelled \u2014 nothing was kept"], "info")
                self.job = None
            elif self.task == "download" and v.result is not None:
                self.mnist = mnist_available(self.data)
                self._say([f"MNIST downloaded and checked (SHA-256) in {getattr(v.result, 'folder', '')}"], "good")
                self.job = None
            elif isinstance(v.result, Finished) and self.task == "scratch" and not self._rated:
                self._rated = True  # learn this machine's speed for the next estimate
                work = self.task_hidden * v.started.epochs * v.started.train_images if v.started else 0
                if work and v.result.seconds > self.startup_s:
                    self.seconds_per_unit = (v.result.seconds - self.startup_s) / work
                    self.measured = True
        if self.job is None and time.monotonic() - self._checked > CHECK_EVERY_S:
            self._check_drawings()
        return None

    def shutdown(self) -> None:
        """Stop any job; returns when no process is left."""
        self._stop_probe()
        if self.job is not None and self.job.running:
            self.job.cancel()

    # -- actions -----------------------------------------------------------------------------------

    def press(self, name: str) -> Reply:
        """What a button does (also used by the keys)."""
        if name.startswith("hidden:"):
            self.hidden = int(name.split(":")[1])
        elif name.startswith("epochs:"):
            self.epochs = int(name.split(":")[1])
        elif name == "start":
            self.start_scratch()
        elif name == "adapt":
            self.start_adapt()
        elif name == "download":
            self.start_download()
        elif name == "cancel":
            self.cancel()
        elif name == "use":
            return self.use()
        elif name == "bundled":
            self.in_use = None
            self._say(["The canvas reads with the bundled model again"], "info")
            return UseBundled()
        elif name == "save":
            self.save()
        elif name == "again":
            self.job = None
            self.message = []
            self._check_drawings()
        return None

    def start_scratch(self) -> None:
        if self.busy:
            return
        spec = ScratchSpec(hidden=self.hidden, epochs=self.epochs, limit=self.limit, data=self.data)
        self._start(spec, "scratch", self.hidden)

    def start_adapt(self) -> None:
        if self.busy or not self.drawings.enough:
            return
        spec = FinetuneSpec(drawings=str(self.drawings_file), weights=str(self.bundled), with_mnist=self.mnist,
                            mnist_limit=min(self.limit or 20_000, 20_000), data=self.data)
        self._start(spec, "finetune", 0)

    def start_download(self) -> None:
        if not self.busy:
            self._start(DownloadSpec(data=self.data, mirrors=self.mirrors), "download", 0)

    def _start(self, spec, task: str, hidden: int) -> None:
        self._stop_probe()  # the job needs the CPU; its own progress measures the speed from here on
        self.job = Job.start(spec, nice=self.nice)
        self.task, self.task_hidden, self.started_at = task, hidden, time.monotonic()
        self._rated = False
        self.message = []

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        self.update()

    def use(self) -> Reply:
        """UseModel for the finished job's weights (None, with a message, if they cannot be read)."""
        from model.recognise import Recogniser
        from model.weights import WeightsError

        r = self.result
        if r is None:
            return None
        try:
            recogniser = Recogniser.from_file(r.weights)
        except WeightsError as e:
            self._say([str(e).splitlines()[0]], "warn")
            return None
        label = self.model_label()
        self.in_use = label
        self._say([f"The canvas now reads with {label}"], "good")
        return UseModel(recogniser, label)

    @property
    def hint(self) -> str:
        """The status line's keys for what the view shows now."""
        page = self.page
        if page == "running":
            return "Esc: cancel   \u00b7   the canvas still reads with the model in use"
        if page == "finished" and self.kept:
            return "Enter: keep the bundled model   \u00b7   T or Esc: close"
        if page == "finished":
            return "Enter: use this model   \u00b7   B: bundled model   \u00b7   T or Esc: close"
        return ("T or Esc: close   \u00b7   Enter: start   \u00b7   \u2190 \u2192 neurons, \u2191 \u2193 epochs"
                "   \u00b7   keep drawing to try it")

    @property
    def kept(self) -> bool:
        """Adapting finished but would not have helped: the bundled model stays, there is nothing new
        to use or save (the finished page offers to keep the bundled model, Enter does that)."""
        v = self.job.view if self.job else None
        return (self.task == "finetune" and self.result is not None and v is not None
                and bool(getattr(v.held_out.get("after"), "kept", False)))

    def model_label(self) -> str:
        r, v = self.result, self.job.view if self.job else None
        if r is None or v is None:
            return ""
        if self.task == "finetune":
            after = v.held_out.get("after")
            if after is not None and after.kept:
                return "the bundled model (adapting would not help)"  # Finished.weights is the bundled file
            return f"the model adapted to your class, {pct(after.accuracy if after else None, 0)} on held-out drawings"
        return f"your {self.task_hidden}-neuron model, {pct(r.test_accuracy)}"

    def save(self) -> Path | None:
        """Copy the finished model's weights into <data>/models (atomically); says where and how to load it."""
        r = self.result
        if r is None:
            return None
        name = f"digitpad-{self.task_hidden}" if self.task == "scratch" else "digitpad-adapted"
        dest = self.data_directory / "models" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.npz"
        try:
            data = Path(r.weights).read_bytes()
            atomic_write(dest, lambda f: f.write(data))
        except OSError as e:
            self._say([f"Could not save to {dest.parent}: {(e.strerror or str(e)).lower()}"], "warn")
            return None
        self._say([f"Saved {dest}", f"Use it next time: {command('python', 'main.py', '--weights', dest)}"], "good")
        return dest

    def _say(self, lines: list[str], kind: str) -> None:
        self.message, self.message_kind = lines, kind


def _step(choices: tuple[int, ...], value: int, step: int) -> int:
    i = choices.index(value) if value in choices else 0
    return choices[min(max(i + step, 0), len(choices) - 1)]
