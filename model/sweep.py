"""Running a sweep's runs and caching them: one at a time, on this computer's cores, or on a Dask cluster.

A run is a plain JSON-able configuration (research.py `configurations`); its result is a plain dict.
Every way of running goes through `run_task`, so a run gives the same numbers wherever it ran: the
same configuration and seed give bit-identical results on one core, in a local worker process or on
a Dask worker on another machine (BLAS is limited to one thread per run, whose sums do not depend on
how many threads a machine has; see `threads_for`).

Only the process that started the sweep writes the cache, one atomic file per finished run, as each
run comes back. A worker that dies mid-run therefore cannot leave a half-written file, and loses
nothing but the run it was doing, which is run again elsewhere.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import numpy as np

from model.atomic import atomic_write
from model.data import mnist_parts
from model.mlp import MLP, log_softmax
from model.pipeline import network_for
from model.preprocess import mnist_to_input
from model.scaling import config_key, parameters, training_flops
from model.trainer import RECIPES, Diverged, Recipe, bars_in_a_stoppable_process, logits_of, train

# Keys of a configuration that are not Recipe fields: which recipe it starts from, how many training
# images, and whether to record validation and test figures after every epoch (a learning curve).
NOT_RECIPE = ("recipe_name", "limit", "curve")
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"  # Dask's own variable for `distributed.Client()`
CLUSTER_HINT = "pip install -e '.[cluster]'"


class SweepError(RuntimeError):
    """A sweep cannot go on (no scheduler, no space for the cache); the message is one line for the user."""


# ---------------------------------------------------------------------------------------------
# Configurations


def grid(recipe_name: str, limit: int | None, seeds: int, widths: list[int], depths: list[int] = (1,),
         curve: bool = False, **lists: list) -> list[dict]:
    """The product of the lists (recipe field -> values; widths x depths give the layer sizes) x seeds."""
    base = RECIPES[recipe_name]
    runs = []
    for width, depth, *values, seed in itertools.product(widths, depths, *lists.values(), range(seeds)):
        # MNIST alone, ten outputs: a sweep measures the network's size, not the data's coverage.
        recipe = replace(base, hidden=(width,) * depth, seed=seed, styles=False, not_digits=0,
                         **dict(zip(lists, values)))
        config = {"recipe_name": recipe_name, "limit": limit, **recipe.to_dict()}
        if curve:
            config["curve"] = True
        # Through JSON and back, so a configuration equals its cached copy (tuples become lists).
        runs.append(json.loads(json.dumps(config)))
    return runs


# ---------------------------------------------------------------------------------------------
# One run


class Data:
    """MNIST split once into training, validation and test inputs, shared by every run in a process."""

    def __init__(self, folder: str | None, download: bool, limit: int | None) -> None:
        parts = mnist_parts(folder, download=download, limit=limit)
        (self.x, self.y), (self.vx, self.vy), (self.tx, self.ty) = (
            (mnist_to_input(x), y) for x, y in (parts["train"], parts["val"], parts["test"]))


_DATA: dict[tuple, Data] = {}  # per process: a worker loads MNIST once for all the runs it is given


def data_for(source: tuple[str | None, bool, int | None]) -> Data:
    """(folder, download, limit) -> Data, loaded once per process (per limit)."""
    if source not in _DATA:
        _DATA.clear()  # one data set at a time is plenty; a worker may live through many sweeps
        _DATA[source] = Data(*source)
    return _DATA[source]


def _figures(model: MLP, data: Data) -> dict:
    val_logits = logits_of(model, data.vx)
    return {"val_accuracy": float((val_logits.argmax(axis=1) == data.vy).mean()),
            "val_loss": float(-log_softmax(val_logits)[np.arange(len(data.vy)), data.vy].mean()),
            "test_accuracy": float((logits_of(model, data.tx).argmax(axis=1) == data.ty).mean())}


def run_one(config: dict, data: Data) -> dict:
    """Train one configuration; the result row without the sweep name.

    With `config["curve"]`, the row also has `curve`: training loss, validation loss and accuracy and
    test accuracy after every epoch. With the report's exponential schedule (whose learning rate at
    an epoch does not depend on how many epochs follow) epoch k of a 15-epoch run is exactly a
    k-epoch run, so one run answers for every epoch count up to its own.
    """
    # The named preset, with what the configuration says on top (grid writes every field).
    fields = {k: v for k, v in config.items() if k not in NOT_RECIPE}
    recipe = Recipe.from_dict({**RECIPES[config["recipe_name"]].to_dict(), **fields})
    model = network_for(recipe)
    started = time.perf_counter()
    result = {"status": "ok", "train_loss": float("nan"), "val_loss": float("nan"),
              "val_accuracy": float("nan"), "test_accuracy": float("nan")}
    curve: list[dict] = []

    def on_epoch(report) -> None:
        # Validation and test figures of every epoch: reading a curve chooses nothing by itself.
        curve.append({"epoch": report.epoch, "train_loss": report.loss, **_figures(model, data)})

    try:
        reports = train(model, recipe, data.x, data.y, {}, progress=False,
                        on_epoch=on_epoch if config.get("curve") else lambda r: None)
        result["train_loss"] = reports[-1].loss
    except Diverged:
        result["status"] = "diverged"
    seconds = time.perf_counter() - started
    if result["status"] == "ok":
        # The test set, once, after every decision about this run has been made.
        result.update(curve[-1] if curve else _figures(model, data))
        result.pop("epoch", None)
        result["train_loss"] = reports[-1].loss
    hidden = recipe.sizes[1:-1]
    row = {
        "run": config_key(config),
        "hidden": "-".join(map(str, hidden)),
        "layers": len(hidden),
        "activation": recipe.activation,
        "init": recipe.init,
        "loss": recipe.loss,
        "epochs": recipe.epochs,
        "lr": recipe.lr,
        "batch": recipe.batch,
        "dropout": recipe.dropout,
        "weight_decay": recipe.weight_decay,
        "recipe": config["recipe_name"],
        "train_images": len(data.x),
        "seed": recipe.seed,
        "params": parameters(recipe.sizes),
        "train_flops": training_flops(recipe.sizes, recipe.epochs * len(data.x)),
        "seconds": round(seconds, 3),
        **result,
    }
    if config.get("curve"):
        row["curve"] = curve  # as far as it got, if it diverged
    return row


def run_task(config: dict, source: tuple, threads: int = 1) -> dict:
    """What a worker runs (a top-level function, so processes and Dask can pickle it). `source` is
    where MNIST is, (folder, download); how many training images comes from the configuration itself,
    so that a run's cache key always says what it was trained on."""
    from threadpoolctl import threadpool_limits

    folder, download = source[:2]
    with threadpool_limits(threads, user_api="blas"):
        return run_one(config, data_for((folder, download, config["limit"])))


def threads_for(workers: int, cores: int | None = None) -> int:
    """BLAS threads per run: one. Measured here, a run's numbers differ in the last bits between one
    and two OpenBLAS threads, and a cache shared between machines must not depend on where a run
    was; two runs side by side on two cores are also faster than one run on both (benchmarks/
    bench_sweep.py). Kept as a function so that this choice has one place."""
    return 1


# ---------------------------------------------------------------------------------------------
# The cache: one JSON file per finished run, written only by the sweep's own process


NUMBER, TEXT, WHOLE = (int, float), (str,), (int,)
RESULT_FIELDS = {
    "run": TEXT, "hidden": TEXT, "layers": WHOLE, "activation": TEXT, "loss": TEXT,
    "epochs": WHOLE, "lr": NUMBER, "batch": WHOLE, "dropout": NUMBER, "weight_decay": NUMBER, "recipe": TEXT,
    "train_images": WHOLE, "seed": WHOLE, "params": WHOLE, "train_flops": WHOLE, "seconds": NUMBER, "status": TEXT,
    "train_loss": NUMBER, "val_loss": NUMBER, "val_accuracy": NUMBER, "test_accuracy": NUMBER,
}


def damage(saved: object, config: dict) -> str | None:
    """What is wrong with a cache entry for `config`, or None if it can be used as it is."""
    if not isinstance(saved, dict) or not isinstance(saved.get("result"), dict):
        return "not a cached run"
    if saved.get("config") != config:
        return "its configuration differs from its name"
    r = saved["result"]
    for name, kinds in RESULT_FIELDS.items():
        if name not in r:
            return f"no {name!r}"
        if isinstance(r[name], bool) or not isinstance(r[name], kinds):
            return f"{name!r} is {r[name]!r}"
    if r["run"] != config_key(config) or r["status"] not in ("ok", "diverged"):
        return "its run key or status is wrong"
    if r["status"] == "ok" and not all(0 <= r[k] <= 1 for k in ("val_accuracy", "test_accuracy")):
        return "an accuracy outside 0-1"
    if config.get("curve"):
        curve = r.get("curve")
        if not isinstance(curve, list) or not all(
                isinstance(p, dict) and all(isinstance(p.get(k), NUMBER) for k in ("epoch", "val_loss",
                                                                                   "val_accuracy", "test_accuracy"))
                for p in curve) or (r["status"] == "ok" and len(curve) != r["epochs"]):
            return "its learning curve is damaged"
    return None


class Cache:
    """OUT/runs/<key>.json per finished run. A damaged entry is moved aside (never deleted) and run again."""

    def __init__(self, folder: Path, say: Callable[[str], None] = print) -> None:
        self.folder, self.say = Path(folder), say

    def path(self, config: dict) -> Path:
        return self.folder / f"{config_key(config)}.json"

    def get(self, config: dict) -> dict | None:
        path = self.path(config)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            problem = damage(json.loads(path.read_bytes().decode("utf-8")), config)
        except (OSError, ValueError, RecursionError) as e:
            problem = getattr(e, "strerror", None) or type(e).__name__
        if problem is None:
            result = json.loads(path.read_text("utf-8"))["result"]
            result.setdefault("init", config["init"])  # runs cached before the init was a column
            return result
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
            kept = f"moved to {aside.name}"
        except OSError:
            kept = "left in place"
        self.say(f"research.py: damaged cache entry {path} ({problem}); {kept}, running it again")
        return None

    def put(self, config: dict, result: dict) -> None:
        try:
            atomic_write(self.path(config), lambda f: f.write(
                json.dumps({"config": config, "result": result}, indent=1, sort_keys=True).encode("utf-8")))
        except OSError as e:
            raise SweepError(f"cannot save a finished run in {self.folder} ({e.strerror or e}); the runs "
                             "finished before it are saved: free some space (or choose another --out) and "
                             "run the same command again to go on") from None


# ---------------------------------------------------------------------------------------------
# Running many: here, on local worker processes, or on a Dask cluster


def _quiet_worker(parent: int) -> None:
    """Set up a local worker process: Ctrl+C reaches the whole process group, and the sweep's own
    process answers it (workers are stopped by it); and a worker whose sweep was killed outright
    (SIGKILL, a closed terminal) exits by itself instead of training on for nobody."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    bars_in_a_stoppable_process()  # stopped by Ctrl+C mid-run, it would leave a semaphore behind

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def run_all(
    configs: list[dict],
    source: tuple,
    cache: Cache,
    on_result: Callable[[int, dict, str], None],
    workers: int = 1,
    scheduler: str | None = None,
) -> list[dict]:
    """Every configuration's result, in order: from the cache, or run and cached as each finishes.

    `on_result(index, result, note)` is called as results arrive (cached ones first). `workers` local
    processes (1: in this process), or the Dask scheduler at `scheduler`.
    """
    results: dict[int, dict] = {}
    todo = []
    for i, config in enumerate(configs):
        hit = cache.get(config)
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
            on_result(i, hit, "cached")

    def done(i: int, result: dict, where: str) -> None:
        # Cached before it is said: a line on the screen means the run is kept (a Ctrl+C between the
        # two lost it); said even if the disk is full now, so its numbers are seen.
        try:
            cache.put(configs[i], result)
        finally:
            on_result(i, result, f"{result['seconds']:.1f} s{where}")
        results[i] = result

    if todo and scheduler:
        _on_dask(scheduler, todo, configs, source, done)
    elif todo and workers > 1:
        _on_processes(min(workers, len(todo)), todo, configs, source, done)
    else:
        for i in todo:
            done(i, run_task(configs[i], source, threads_for(1)), "")
    return [results[i] for i in range(len(configs))]


def _on_processes(workers: int, todo: list[int], configs: list[dict], source: tuple,
                  done: Callable[[int, dict, str], None]) -> None:
    """Local worker processes. One that dies (killed, out of memory) breaks the pool: a new pool runs
    what was not finished, up to three times."""
    import multiprocessing

    left, restarts = list(todo), 0
    threads = threads_for(workers)
    while left:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker,
                                   initargs=(os.getpid(),))
        futures = {pool.submit(run_task, configs[i], source, threads): i for i in left}
        try:
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    i = futures[f]
                    try:
                        result = f.result()
                    except BrokenProcessPool:
                        continue
                    done(i, result, "")
                    left.remove(i)
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        if left:
            restarts += 1
            if restarts > 3:
                raise SweepError(f"local worker processes kept dying (out of memory?); {len(left)} run(s) not "
                                 "finished, the others are saved: run the same command to go on")
            print(f"research.py: a worker process died; running its {len(left)} unfinished run(s) again", flush=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now (Ctrl+C, a full disk): its workers' runs are not waited for."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        p.terminate()
    for p in processes:
        p.join(5)
    pool.shutdown(wait=True, cancel_futures=True)


def scheduler_address(given: str | None) -> str | None:
    """--scheduler, else Dask's own environment variable, else None (run here)."""
    return given or os.environ.get(SCHEDULER_ENV) or None


def _on_dask(address: str, todo: list[int], configs: list[dict], source: tuple,
             done: Callable[[int, dict, str], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SweepError(f"--scheduler needs Dask, which is not installed: {CLUSTER_HINT}") from None
    import logging

    # Dask logs every reconnection attempt with a traceback, from its own threads; the user gets one line
    # from us instead. (Global, and not undone: research.py logs nothing else, and ends after the sweep.)
    logging.disable(logging.CRITICAL)
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as e:
        raise SweepError(f"cannot reach the Dask scheduler at {address} ({_line(e)}); is it running? "
                         "(start one with `dask scheduler`, or run without --scheduler)") from None
    finished = 0
    lost = (f"lost the Dask scheduler at {address}; the run(s) finished through it are saved: run the same command "
            "again to go on")
    try:
        # pure=False: a key is a run, never a result Dask may share between two submissions.
        futures = {client.submit(run_task, configs[i], source, threads_for(1), key=f"digitpad-{config_key(configs[i])}",
                                 pure=False): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as e:  # the scheduler went away, or the run killed worker after worker
                if type(e).__name__ == "KilledWorker":
                    raise SweepError(f"a run killed every worker it was given (out of memory?): {_line(e)}") from None
                raise SweepError(f"{lost} ({finished} of them; {type(e).__name__})") from None
            done(i, result, " on the cluster")
            finished += 1
    except OSError as e:
        raise SweepError(f"{lost} ({finished} of them; {_line(e)})") from None
    finally:
        with contextlib.suppress(Exception):  # closing a client whose scheduler is gone may fail too
            client.close(timeout=5)


def _line(e: BaseException) -> str:
    """An exception as one short line (Dask's messages run over several)."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) < 200 else text[:197] + "..."
