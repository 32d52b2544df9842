"""Training jobs for the Learn view: train from scratch or adapt the bundled model, in a background
process, reporting progress through a queue the app drains once a frame without ever blocking.

The view's whole contract:

    if not mnist_available(): offer Job.start(DownloadSpec()) or FinetuneSpec(..., with_mnist=False)
    job = Job.start(ScratchSpec(hidden=64, epochs=3))     # or FinetuneSpec(drawings=path)
    every frame:   for event in job.poll(): ...          # never blocks; job.view holds the state so far
    any time:      job.cancel()                           # returns with no process left behind
    when done:     job.view.result.weights                # a .npz that model.weights.load reads
                   job.view.error                         # or a Failed / NoMnist with a one-line message

The app's main module must keep its `if __name__ == "__main__":` guard: "spawn" imports it in the
child (without running the guarded part).

Why a process and not a thread: NumPy releases the GIL inside BLAS but not between calls, and the
training loop makes thousands of small calls; a thread would make the window stutter. The child is
started with the "spawn" method (the only one on Windows and the default on macOS), runs at low
priority, and exits by itself if the app dies, so no orphan keeps a classroom laptop busy.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path

import numpy as np
import platformdirs

from model.config import BUNDLED_WEIGHTS, CLASSES, FIELD, HIDDEN
from model.letters import release_letters

MNIST_DOWNLOAD_BYTES = 11_594_722  # the four .gz files MNIST's mirrors serve, for the download's progress
GRID_PER_DIGIT = 3  # validation digits per class shown in the view's grid (30 in all)
NICE = 10  # how much lower the child's priority is than the app's (POSIX niceness)


# ---------------------------------------------------------------------------------------------
# What to run


@dataclass(frozen=True)
class ScratchSpec:
    """Train a new network on MNIST. The defaults are what `train.py --recipe quick --not-digits 100`
    trains: the quick recipe (the bundled model's size, 8 epochs; about a minute on 2 cores, >= 98% on
    MNIST) with the bundled model's 11th output, "not a digit" (see `scratch_recipe`)."""

    hidden: int = HIDDEN
    epochs: int | None = None  # None: the recipe's
    limit: int | None = None  # MNIST training images to use (None: all 55,000)
    recipe: str = "quick"
    # Generated non-digits per kind for an 11th output, "not a digit", as the bundled model has
    # (model/coverage.py); 0: the ten digit outputs only.
    not_digits: int = 100
    seed: int = 0
    data: str | None = None  # MNIST folder; None: $DIGITPAD_MNIST or the download cache (never downloads)
    out: str | None = None  # where the weights go; None: a fresh file in learn_folder()


@dataclass(frozen=True)
class FinetuneSpec:
    """Adapt trained weights to a class's labelled drawings (model/adapt.py: the last layer only).

    Part of the drawings (`holdout`, per digit) is kept aside and read before and after, so the view
    can show what adapting did on drawings it never trained on. Half: with a class's few dozen
    drawings a quarter was ten drawings, where one drawing moves the figure by ten points.
    """

    drawings: str  # the .jsonl the app appends labelled drawings to
    weights: str = str(BUNDLED_WEIGHTS)
    epochs: int | None = None  # not used since adapting became one short fit (model/adapt.py); kept for callers
    holdout: float = 0.5
    # "digit": hold out a share of each digit's drawings; "writer": a share of the writers (the class
    # view's students), so "after" is measured on people the model did not learn from.
    holdout_by: str = "digit"
    with_mnist: bool = True  # keep MNIST in the mix so nothing is forgotten; False: the drawings alone
    mnist_limit: int | None = 20_000
    seed: int = 0
    data: str | None = None
    out: str | None = None


@dataclass(frozen=True)
class ProbeSpec:
    """Measure what this computer does now, at the jobs' priority: how long a job takes to read
    MNIST, and the seconds one (hidden neuron x training image) of training costs, by training the
    chosen network for one short epoch the way a scratch job does. The Learn view's estimates
    come from this, not from a constant measured on another machine on another day."""

    hidden: int = HIDDEN
    images: int = 3000
    data: str | None = None


@dataclass(frozen=True)
class DownloadSpec:
    """Fetch MNIST into the user cache (SHA-256 checked by model.data), for a machine without it."""

    data: str | None = None
    mirrors: tuple[str, ...] | None = None  # None: model.data's


# ---------------------------------------------------------------------------------------------
# What the child reports (small picklable records; the queue carries nothing else)


@dataclass(frozen=True)
class Started:
    kind: str  # "scratch" or "finetune"
    sizes: list[int]
    epochs: int
    train_images: int
    grid_images: np.ndarray  # (k, 28, 28) float32: the fixed digits the view shows
    grid_labels: np.ndarray  # (k,) true digits
    non_digits: str = ""  # what "not a digit" learns from, in words ("" for a network without that output)
    letters_missing: bool = False  # it has that output, but the real letters were not on this computer


@dataclass(frozen=True)
class Progress:
    epochs_done: float  # fractional
    loss: float  # running training loss (nan in the first report, sent before any step)
    eta_seconds: float | None
    grid_predictions: np.ndarray  # (k,) the network's current reading of each grid digit


@dataclass(frozen=True)
class EpochDone:
    epoch: int
    loss: float
    val_accuracy: dict[str, float]  # "mnist", "drawings": accuracy on validation data after this epoch


@dataclass(frozen=True)
class HeldOut:
    """Accuracy on the held-out drawings, overall and per digit (nan where a digit has none)."""

    stage: str  # "before" or "after"
    accuracy: float
    per_digit: list[float]
    counts: list[int]
    kept: bool = False  # "after": adapting would not help, so the bundled model was kept...
    why: str = ""  # ...and why, in words (jobs.keep_reason)


@dataclass(frozen=True)
class Finished:
    weights: str  # path of the written .npz
    val_accuracy: dict[str, float]
    test_accuracy: float | None  # MNIST test, scored once at the end (None without MNIST)
    seconds: float


@dataclass(frozen=True)
class Measured:
    startup_seconds: float  # starting the process and reading MNIST
    seconds_per_unit: float  # training: seconds per (hidden neuron x training image x epoch)


@dataclass(frozen=True)
class Downloading:
    received: int  # bytes of MNIST in the cache so far (files done and the one arriving)
    total: int = MNIST_DOWNLOAD_BYTES


@dataclass(frozen=True)
class Downloaded:
    folder: str  # where MNIST now is; later jobs find it there by themselves


@dataclass(frozen=True)
class Failed:
    message: str  # one line for the view


@dataclass(frozen=True)
class NoMnist(Failed):
    """MNIST is not on this machine: offer the download, or adapting on the class's drawings alone."""


@dataclass(frozen=True)
class Cancelled:
    pass


Event = (Started | Progress | EpochDone | HeldOut | Finished | Measured | Downloading | Downloaded | Failed
         | Cancelled)
TERMINAL = (Finished, Measured, Downloaded, Failed, Cancelled)
ETA_AFTER_S = 2.0  # the time left is "estimating..." until the job has trained this long...
ETA_AFTER_DONE = 0.02  # ...and done this share of its epochs
ETA_WINDOW = 0.3  # the speed is measured over this share of the training so far (at least ETA_MIN_WINDOW_S)
ETA_MIN_WINDOW_S = 4.0


def eta_seconds(samples: list[tuple[float, float]], total: float, now: float) -> float | None:
    """Seconds of training left, from (time, epochs done) samples as they arrived; None until known.

    The speed is what the job did recently (the last ETA_WINDOW of its time so far), not since it
    began: when other programs take the CPU, or give it back, the estimate follows within seconds,
    and as the end comes near the estimate converges on it."""
    if total <= 0 or len(samples) < 2:
        return None
    t0, t_last, done = samples[0][0], samples[-1][0], samples[-1][1]
    if t_last - t0 < ETA_AFTER_S or done < ETA_AFTER_DONE * total:
        return None
    since = t_last - max(ETA_MIN_WINDOW_S, ETA_WINDOW * (t_last - t0))
    t_then, d_then = next(((t, d) for t, d in samples if t >= since), samples[0])
    if t_last <= t_then or done <= d_then:
        t_then, d_then = samples[0]
    rate = (done - d_then) / (t_last - t_then)  # epochs per second
    if rate <= 0:
        return None
    return max((total - done) / rate - (now - t_last), 0.0)


@dataclass
class JobView:
    """Everything the Learn view draws, accumulated from the events so far."""

    started: Started | None = None
    losses: list[tuple[float, float]] = field(default_factory=list)  # (epochs done, running loss)
    epochs: list[EpochDone] = field(default_factory=list)
    eta_seconds: float | None = None  # the child's own estimate (since the start); the view uses eta()
    progress_times: list[tuple[float, float]] = field(default_factory=list)  # (monotonic time, epochs done)
    grid_predictions: np.ndarray | None = None
    held_out: dict[str, HeldOut] = field(default_factory=dict)  # "before"/"after"
    downloading: Downloading | None = None
    result: Finished | Measured | Downloaded | None = None
    error: Failed | None = None
    cancelled: bool = False

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None or self.cancelled

    def eta(self, now: float | None = None) -> float | None:
        """Seconds of training left, measured on this run as it goes (eta_seconds); None: estimating."""
        total = self.started.epochs if self.started is not None else 0
        return eta_seconds(self.progress_times, total, time.monotonic() if now is None else now)

    def update(self, event: Event, now: float | None = None) -> None:
        if isinstance(event, Started):
            self.started = event
        elif isinstance(event, Progress):
            self.progress_times.append((time.monotonic() if now is None else now, event.epochs_done))
            if np.isfinite(event.loss):  # the first report, before any step, has no loss yet
                self.losses.append((event.epochs_done, event.loss))
            self.eta_seconds, self.grid_predictions = event.eta_seconds, event.grid_predictions
        elif isinstance(event, EpochDone):
            self.epochs.append(event)
        elif isinstance(event, HeldOut):
            self.held_out[event.stage] = event
        elif isinstance(event, Downloading):
            self.downloading = event
        elif isinstance(event, (Finished, Measured, Downloaded)):
            self.result, self.eta_seconds = event, 0.0
        elif isinstance(event, Failed):
            self.error = event
        elif isinstance(event, Cancelled):
            self.cancelled = True


def mnist_available(data: str | None = None) -> bool:
    """True if MNIST can be read without downloading: lets the view offer the download up front."""
    from model.data import DataError, find_mnist

    try:
        find_mnist(data, download=False)
    except DataError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# The app's side


class Job:
    """A training job in a child process. Create with `Job.start`; call `poll()` once a frame."""

    def __init__(self, process, events, stop) -> None:
        self._process, self._events, self._stop = process, events, stop
        self._inbox: deque = deque()
        self._cancelling = False
        self.view = JobView()
        self.pid: int = process.pid
        # Reading the queue can block: a message larger than a pipe write arrives in pieces, and the
        # low-priority child may be descheduled between them. A reader thread takes that wait, so
        # poll() only ever looks at what has fully arrived.
        self._reader = threading.Thread(target=self._read, daemon=True, name="digitpad-learn-reader")
        self._reader.start()

    @classmethod
    def start(cls, spec: ScratchSpec | FinetuneSpec | DownloadSpec | ProbeSpec, nice: int = NICE) -> Job:
        """Start the child and return at once. `nice`: how much lower its priority is (POSIX only)."""
        ctx = mp.get_context("spawn")  # fork would copy the app's pygame state and is unsafe with threads
        events, stop = ctx.Queue(), ctx.Event()
        # daemon: a normally exiting app terminates it; the child's watchdog covers a crashed one.
        process = ctx.Process(target=_child, args=(spec, events, stop, nice), daemon=True, name="digitpad-learn")
        process.start()
        return cls(process, events, stop)

    def poll(self) -> list[Event]:
        """The events that arrived since the last call, already applied to `self.view`. Never blocks."""
        got: list[Event] = []
        while self._inbox:
            event = self._inbox.popleft()
            if not self.view.done:
                self.view.update(event)
                got.append(event)
        return got

    @property
    def running(self) -> bool:
        return not self.view.done

    def cancel(self, grace: float = 0.5) -> None:
        """Stop now: the child is terminated at once (waiting for it to finish its batch froze the
        window for half a second). Terminating is safe: the weights are only ever written atomically,
        at the very end.

        Returns only when the process has been joined, so none is left behind. The reader thread
        is not waited for: it ends by itself once it sees the child gone.
        """
        self._cancelling = True
        self._stop.set()
        self._process.terminate()
        self._process.join(timeout=grace)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self.poll()
        self.view.cancelled = not self.view.done or self.view.cancelled

    def _read(self) -> None:
        try:
            while True:
                try:
                    event = self._events.get(timeout=0.1)
                except queue.Empty:
                    if not wait([self._process.sentinel], timeout=0):
                        continue
                    # The child has ended; anything it sent is in the pipe by now.
                    try:
                        event = self._events.get(timeout=0.1)
                    except queue.Empty:
                        code = self._process.exitcode
                        self._inbox.append(Cancelled() if self._cancelling else Failed(
                            f"the training process stopped unexpectedly (exit code {code})"))
                        return
                if isinstance(event, TERMINAL):
                    # Report the end only once the process has really gone, so "done" means no child.
                    self._process.join(timeout=5)
                    if self._process.is_alive():
                        self._process.terminate()
                        self._process.join()
                    self._inbox.append(event)
                    return
                self._inbox.append(event)
        except (EOFError, OSError, ValueError):  # the pipe broke: the child died mid-message
            self._inbox.append(Cancelled() if self._cancelling else Failed("the training process broke off"))
        finally:
            self._events.close()


# ---------------------------------------------------------------------------------------------
# The child's side


def _child(spec: ScratchSpec | FinetuneSpec | DownloadSpec, events, stop, nice: int) -> None:
    from model.trainer import bars_in_a_stoppable_process

    _lower_priority(nice)
    exit_with_parent()
    bars_in_a_stoppable_process()  # cancelled mid-run, it would leave a semaphore behind
    send = events.put
    try:
        if isinstance(spec, ScratchSpec):
            _scratch(spec, send, stop.is_set)
        elif isinstance(spec, FinetuneSpec):
            _finetune(spec, send, stop.is_set)
        elif isinstance(spec, ProbeSpec):
            _probe(spec, send, stop.is_set)
        else:
            _download(spec, send)
    except _Stop:
        events.cancel_join_thread()  # nobody waits for the rest: exit without flushing
        send(Cancelled())
    except _NoMnistError as e:
        send(NoMnist(str(e)))
    except Exception as e:  # noqa: BLE001 - the view shows one line, whatever went wrong
        known = _known_errors()
        message = str(e) if isinstance(e, known) else f"{type(e).__name__}: {e}"
        if not isinstance(e, known):
            traceback.print_exc()  # a bug: keep the details on the console for whoever reports it
        send(Failed(message.splitlines()[0] if message else type(e).__name__))


def _download(spec: DownloadSpec, send) -> None:
    """find_mnist's download, with progress: a thread watches the bytes arriving in the cache."""
    from model.data import MIRRORS, cache_dir, find_mnist

    cache, finished = cache_dir(), threading.Event()

    before = _bytes_in(cache)  # files already there (some may be fine) are not this download's

    def watch() -> None:
        last = 0
        while not finished.wait(0.25):
            received = max(_bytes_in(cache) - before, 0)
            if received != last:
                send(Downloading(received))
                last = received

    watcher = threading.Thread(target=watch, daemon=True, name="download-progress")
    watcher.start()
    try:
        folder = find_mnist(spec.data, download=True, mirrors=spec.mirrors or MIRRORS)
    finally:
        finished.set()
        watcher.join()
    send(Downloaded(str(folder)))


def _bytes_in(folder: Path) -> int:
    """Bytes of the finished .gz files and the partial .part ones in `folder` (0 if it is not there yet)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    total = 0
    for e in entries:
        if e.name.endswith((".gz", ".part")):
            with contextlib.suppress(OSError):
                total += e.stat().st_size
    return total


class _Stop(Exception):
    pass


class _NoMnistError(Exception):
    pass


def _known_errors() -> tuple[type[Exception], ...]:
    from model.data import DataError
    from model.strokes import StrokeDataError
    from model.trainer import Diverged
    from model.weights import WeightsError

    return (DataError, StrokeDataError, WeightsError, Diverged, ValueError, OSError)


def _lower_priority(nice: int) -> None:
    """Let the app's frames win the CPU: the training only needs what is left over.

    (Windows has no os.nice; there the child runs at normal priority.)
    """
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)


def exit_with_parent() -> None:
    """A watchdog thread: when the app's process ends (even killed), end this one too."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])  # ready when the parent exits, on every platform
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()


def _load_mnist(data: str | None, limit: int | None, style):
    """Training, validation and test inputs from MNIST, rendered in the network's `style`;
    _NoMnistError when MNIST is not on this machine."""
    from model.data import DataError, find_mnist, mnist_parts
    from model.preprocess import mnist_to_input

    try:
        folder = find_mnist(data, download=False)
    except DataError as e:
        raise _NoMnistError(f"MNIST is not on this computer ({e})") from None
    parts = mnist_parts(folder, download=False, limit=limit)
    return tuple((mnist_to_input(x, style), y) for x, y in (parts["train"], parts["val"], parts["test"]))


def grid_indices(labels: np.ndarray, per_digit: int = GRID_PER_DIGIT) -> np.ndarray:
    """The first `per_digit` examples of each digit, digit by digit: the same grid every run."""
    picks = [np.flatnonzero(labels == d)[:per_digit] for d in range(CLASSES)]
    return np.concatenate(picks).astype(np.int64)


class _Reporter:
    """Turns the trainer's callbacks into events: loss points, ETA, the grid's current predictions."""

    def __init__(self, model, recipe, send, should_stop, grid_x: np.ndarray) -> None:
        self.model, self.recipe, self.send, self.should_stop = model, recipe, send, should_stop
        self.grid_x = grid_x
        self.t0 = time.perf_counter()

    def predictions(self) -> np.ndarray:
        return self.model.predict(self.grid_x) if len(self.grid_x) else np.zeros(0, np.int64)

    def progress(self, epochs_done: float, loss: float) -> None:
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / epochs_done * (self.recipe.epochs - epochs_done) if epochs_done > 0 else None
        self.send(Progress(epochs_done, loss, eta, self.predictions()))

    def epoch(self, report) -> None:
        self.send(EpochDone(report.epoch, report.loss, dict(report.val)))

    def run(self, x: np.ndarray, y: np.ndarray, val: dict) -> list:
        from model.trainer import Cancelled as TrainingCancelled
        from model.trainer import train

        self.t0 = time.perf_counter()
        self.send(Progress(0.0, float("nan"), None, self.predictions()))  # the untrained readings
        try:
            return train(self.model, self.recipe, x, y, val, on_epoch=self.epoch, progress=False,
                         on_progress=self.progress, should_stop=self.should_stop)
        except TrainingCancelled:
            raise _Stop() from None


def scratch_recipe(spec: ScratchSpec):
    """The Recipe a scratch job trains: the spec's named recipe (train.py's --recipe) with its
    hidden width, non-digits, seed and epochs on top, as train.py's flags of those names would."""
    from model.trainer import RECIPES

    if spec.hidden < 1 or (spec.epochs is not None and spec.epochs < 1):
        raise ValueError("hidden size and epochs must be at least 1")
    recipe = RECIPES[spec.recipe]
    return replace(recipe, hidden=(spec.hidden,), not_digits=spec.not_digits, seed=spec.seed,
                   epochs=spec.epochs or recipe.epochs)


def _scratch(spec: ScratchSpec, send, should_stop) -> None:
    from model.pipeline import network_for
    from model.preprocess import Style
    from model.weights import Meta

    started = time.perf_counter()
    recipe = scratch_recipe(spec)
    out = _out_path(spec.out, f"scratch-{spec.hidden}")
    (x, y), (vx, vy), (tx, ty) = _load_mnist(spec.data, spec.limit, Style())
    if should_stop():
        raise _Stop()
    x, y, said = _with_non_digits(x, y, recipe, Style())
    model = network_for(recipe)
    grid = grid_indices(vy)
    send(Started("scratch", model.sizes, recipe.epochs, len(x), vx[grid].reshape(-1, FIELD, FIELD), vy[grid],
                 *said))
    reporter = _Reporter(model, recipe, send, should_stop, vx[grid])
    reports = reporter.run(x, y, {"mnist": (vx, vy)})
    _finish(model, recipe, spec.recipe, Meta(), {"mnist": (vx, vy)}, (tx, ty), reports, out, started, send,
            {"mnist": {"train": len(x), "validation": len(vx), "test": len(tx)}})


def _probe(spec: ProbeSpec, send, should_stop) -> None:
    from model.pipeline import network_for
    from model.preprocess import Style
    from model.trainer import train

    started = time.perf_counter()
    (x, y), _, _ = _load_mnist(spec.data, spec.images, Style())
    recipe = scratch_recipe(ScratchSpec(hidden=spec.hidden, epochs=1))
    _with_non_digits(x[:0], y[:0], recipe, Style())  # made at every job's start: part of its start-up
    # The start-up as a job has it: the process's own start (interpreter, imports) and reading the data.
    startup = _since_spawn() or time.perf_counter() - started
    if should_stop():
        raise _Stop()
    model = network_for(recipe)
    t = time.perf_counter()
    train(model, recipe, x, y, {}, progress=False, should_stop=should_stop)  # the digits only: as fast
    send(Measured(startup, (time.perf_counter() - t) / (spec.hidden * len(x))))


def _since_spawn() -> float:
    """Seconds since this process was created (Linux: /proc); 0.0 where that cannot be read."""
    try:
        with open(f"/proc/{os.getpid()}/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return max(uptime - start_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def split_drawings(labels: np.ndarray, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, held_idx): `holdout` of each digit's drawings held out (at least one when a digit has two)."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for d in range(CLASSES):
        idx = rng.permutation(np.flatnonzero(labels == d))
        k = int(round(len(idx) * holdout))
        k = max(k, 1) if len(idx) >= 2 and holdout > 0 else k
        held += list(idx[:k])
        train += list(idx[k:])
    return np.sort(np.array(train, np.int64)), np.sort(np.array(held, np.int64))


def split_by_writer(writers: list[str], holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, held_idx): every drawing of a held-out writer is held out; at least one writer on
    each side when there are two or more."""
    people = sorted(set(writers))
    order = np.random.default_rng(seed).permutation(len(people))
    k = int(round(len(people) * holdout))
    k = min(max(k, 1), len(people) - 1) if len(people) >= 2 else 0
    held_people = {people[i] for i in order[:k]}
    held = np.array([i for i, w in enumerate(writers) if w in held_people], np.int64)
    train = np.array([i for i, w in enumerate(writers) if w not in held_people], np.int64)
    return train, held


def held_out_accuracy(stage: str, predictions: np.ndarray, labels: np.ndarray) -> HeldOut:
    per, counts = [], []
    for d in range(CLASSES):
        m = labels == d
        counts.append(int(m.sum()))
        per.append(float((predictions[m] == d).mean()) if m.any() else float("nan"))
    acc = float((predictions == labels).mean()) if len(labels) else float("nan")
    return HeldOut(stage, acc, per, counts)


def keep_reason(before: int, after: int, n: int, folds_before: int, folds_after: int) -> str:
    """Why the bundled model is kept, in words for the view; "" when the adapted one is used.

    The held-out drawings decide: the adapted model must read more of them right. The drawings it
    learnt from, each read in turn by a model adapted on the others (model/adapt.py's folds), can
    veto: fewer of them right means the gain on the held-out ones may be luck."""
    said = f"of {n} held-out drawings, {before} \u2192 {after} read right"
    if after <= before:
        return f"adapting would not help: {said}"
    if folds_after < folds_before:
        return (f"adapting may not help: {said}, but of the drawings it learnt from, each left out in turn, "
                f"{folds_before} \u2192 {folds_after}")
    return ""


def _finetune(spec: FinetuneSpec, send, should_stop) -> None:
    """Adapt with model/adapt.py on the drawings not held out; keep the bundled model unless the
    adapted one reads the held-out drawings better (keep_reason)."""
    from model.adapt import AdaptConfig, adapt, replay_inputs
    from model.coverage import render_samples
    from model.pipeline import finetune_recipe
    from model.recognise import Recogniser
    from model.strokes import read_jsonl
    from model.trainer import RECIPES, EpochReport, accuracy
    from model.weights import load

    started = time.perf_counter()
    if not 0 < spec.holdout < 1:
        raise ValueError(f"holdout must be between 0 and 1, got {spec.holdout}")
    out = _out_path(spec.out, "adapted")
    model, meta = load(spec.weights)
    samples = read_jsonl(spec.drawings)
    labels = np.array([s.label for s in samples], np.int64)
    if spec.holdout_by == "writer":
        tr, held = split_by_writer([s.writer for s in samples], spec.holdout, spec.seed)
    else:
        tr, held = split_drawings(labels, spec.holdout, spec.seed)
    if len(tr) == 0 or len(held) == 0:
        raise ValueError(f"{spec.drawings}: {len(samples)} labelled drawings are too few; draw and label some more")
    style = meta.style
    mnist = _load_mnist(spec.data, spec.mnist_limit, style) if spec.with_mnist else None
    if should_stop():
        raise _Stop()

    config = AdaptConfig()
    has_other = model.sizes[-1] > CLASSES
    recipe = replace(finetune_recipe(RECIPES["finetune"], model), seed=spec.seed, epochs=1)
    held_samples = [samples[i] for i in held]
    # "Before" and "after" read the held-out drawings exactly as the app will: same rendering, same
    # pen widths, same temperature.
    before = np.array([Recogniser(model, meta).read(s.strokes).top for s in held_samples])
    send(held_out_accuracy("before", before, labels[held]))

    hx, hy = render_samples(held_samples, style)
    grid = grid_indices(hy)
    send(Started("finetune", model.sizes, 1, len(tr), hx[grid].reshape(-1, FIELD, FIELD), hy[grid]))
    send(Progress(0.0, float("nan"), None, before[grid]))
    replay = replay_inputs(mnist[0] if mnist is not None else None, config.replay_per_class, meta,
                           config.replay_non_digits if has_other else 0, spec.seed,
                           release_letters("train") if has_other else None, config.replay_letters)
    result = adapt(model, meta, [samples[i] for i in tr], config, replay, spec.seed)
    if should_stop():
        raise _Stop()

    tuned, tuned_meta = result.candidate, replace(meta, finetuned_from=Path(spec.weights).name)
    after = np.array([Recogniser(tuned, tuned_meta).read(s.strokes).top for s in held_samples])
    why = keep_reason(int((before == labels[held]).sum()), int((after == labels[held]).sum()), len(held),
                      result.right_before, result.right_after)
    send(replace(held_out_accuracy("after", after, labels[held]), kept=bool(why), why=why))
    kept = bool(why)
    val = {"drawings": (hx, hy)}
    if mnist is not None:
        val["mnist"] = mnist[1]
    figures = {name: accuracy(tuned, vx, vy) for name, (vx, vy) in val.items()}
    loss = result.loss_after
    # The grid shows what the model in use from now on reads, as the figures above it count.
    send(Progress(1.0, loss, 0.0, (before if kept else after)[grid]))
    send(EpochDone(1, loss, figures))
    if kept:  # the bundled model stays as it is: nothing new to write
        send(Finished(spec.weights, {}, None, time.perf_counter() - started))
        return
    reports = [EpochReport(1, loss, 0.0, result.seconds, figures)]
    data_meta = {"drawings": {"file": Path(spec.drawings).name, "train": len(tr), "held_out": len(held)},
                 "adapt": asdict(config)}
    _finish(tuned, recipe, "finetune", tuned_meta, val, mnist[2] if mnist is not None else None, reports, out,
            started, send, data_meta)


def _validation_non_digits(recipe, style) -> np.ndarray | None:
    """Validation non-digits (their own seed) to choose the "not a digit" threshold on, if trained:
    generated drawings, and the validation writers' letters when the UNIPEN 1b-1d release is here."""
    if not recipe.not_digits:
        return None
    from model.coverage import validation_letters, validation_non_digits

    generated = validation_non_digits(style, VAL_NON_DIGITS_PER_KIND)
    letters = release_letters("val")
    return np.concatenate([generated, validation_letters(letters, style)]) if letters else generated


VAL_NON_DIGITS_PER_KIND = 20  # half train.py's: rendering them is part of the class's wait
LETTERS_PER_CHAR = 100  # real letters per character in a Learn job (train.py: the recipe's, 400)


def _with_non_digits(x: np.ndarray, y: np.ndarray, recipe, style) -> tuple[np.ndarray, np.ndarray, tuple[str, bool]]:
    """The training data plus non-digits when the network has a "not a digit" output, as train.py
    trains it (without them that output would fade while the class's digits are learnt): generated
    drawings always, and real letters and symbols when the UNIPEN 1b-1d release is on this computer.
    The third value says in words what was used, and whether the letters were missing, for the view."""
    if not recipe.not_digits:
        return x, y, ("", False)
    from model.coverage import LETTER_COPIES, letter_inputs, training_non_digits
    from model.letters import ENV_VAR
    from model.nondigits import SEEDS

    xn, yn = training_non_digits(recipe.not_digits, style, recipe.stroke_copies)
    said = f"'not a digit' learns from {len(xn):,} generated drawings (scribbles, hearts, words...)"
    letters = release_letters("train")
    if letters:
        xl, yl = letter_inputs(letters, LETTERS_PER_CHAR, SEEDS["train"], style, LETTER_COPIES)
        xn, yn = np.concatenate([xn, xl]), np.concatenate([yn, yl])
        said += f" and {len(xl):,} real letters and symbols (UNIPEN), as train.py does"
    else:
        said += (" only: real letters (UNIPEN 1b-1d) are not on this computer, so letters may pass as digits"
                 f" more often than with the bundled model (set {ENV_VAR} to unipen1bcd-raw.tar.gz)")
    return np.concatenate([x, xn]), np.concatenate([y, yn]), (said, not letters)


def _finish(model, recipe, name: str, base, val: dict, test, reports, out: Path, started: float, send,
            data_meta: dict) -> None:
    """Fit the temperature and choose the answer thresholds on validation data, score the test set
    once, write the weights atomically: train.py's ending, through the same pipeline (model/pipeline.py).

    `name`: the recipe's name, as train.py's --recipe; `base`: the Meta of the weights it started from
    (a fresh Meta() for a new network): its style, pen widths and origin carry over.
    """
    from model.config import NOT_A_DIGIT
    from model.pipeline import conclude, write
    from model.trainer import logits_of

    non_digits = _validation_non_digits(recipe, base.style)
    if non_digits is not None:  # as in train.py, the temperature is fitted on them too
        val = {**val, "non-digits": (non_digits, np.full(len(non_digits), NOT_A_DIGIT))}
    test_acc = None
    if test is not None:
        tx, ty = test
        test_acc = float((logits_of(model, tx).argmax(axis=1) == ty).mean())
    meta = conclude(
        model, recipe, name, reports, val, started, test_acc, non_digits=non_digits,
        style=base.style, tta_pens=base.tta_pens, finetuned_from=base.finetuned_from, data=data_meta,
    )
    try:
        write(out, model, meta)
    except OSError as e:  # checked before the work, so only a disk filled or a folder removed since
        raise ValueError(f"could not write the new model in {out.parent}: {(e.strerror or str(e)).lower()}") from None
    send(Finished(str(out), dict(meta.validation_accuracy), test_acc, meta.train_seconds))


LEARN_KEEP_S = 24 * 3600.0  # finished models not saved by then are old runs: they go
LEARN_KEEP_COUNT = 10  # and never more than this many wait in the folder


def learn_folder() -> Path:
    """Where the Learn view's finished models wait until saved: this user's own cache, never a folder
    shared by every account (a /tmp folder belongs to whoever made it first)."""
    from model.data import CACHE_ENV_VAR

    root = os.environ.get(CACHE_ENV_VAR) or platformdirs.user_cache_dir("digitpad")
    return Path(root) / "learn"


def prune_learn_folder(folder: Path, now: float | None = None) -> list[Path]:
    """Delete the folder's models older than LEARN_KEEP_S, and all but the newest LEARN_KEEP_COUNT."""
    now = time.time() if now is None else now
    try:
        models = sorted(((e.stat().st_mtime, Path(e.path)) for e in os.scandir(folder)
                         if e.name.endswith(".npz") and e.is_file(follow_symlinks=False)), reverse=True)
    except OSError:
        return []
    gone = [p for i, (t, p) in enumerate(models) if now - t > LEARN_KEEP_S or i >= LEARN_KEEP_COUNT]
    for p in gone:
        with contextlib.suppress(OSError):
            p.unlink()
    return gone


def _out_path(out: str | None, stem: str) -> Path:
    """The weights' destination, checked writable before any training starts (ValueError: one line)."""
    from model.atomic import check_writable

    if out is None:
        folder = learn_folder()
        prune_learn_folder(folder)
        path = folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
        hint = "; set DIGITPAD_CACHE to a folder of yours"
    else:
        path, hint = Path(out), ""
    problem = check_writable(path)
    if problem:
        raise ValueError(f"cannot write the new model: {problem}{hint}")
    return path
