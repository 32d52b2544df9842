"""research.py on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1, started with
Dask's own commands. A tiny sweep through it gives the same numbers as on this process; one cache
serves both; a worker killed mid-sweep loses no finished run and its run runs again; the scheduler
going away ends the sweep in one line with the finished runs kept."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakedata import rows

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[1]
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and two single-threaded worker processes (no nanny: a killed worker stays dead)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{free_port()}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("DASK_SCHEDULER_ADDRESS", None)
        log = lambda name: open(folder / f"{name}.log", "wb")  # noqa: E731, SIM115 (the process keeps it)
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                                          stdout=log("scheduler"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.workers = [subprocess.Popen([*WORKER, self.address, "--nthreads", "1", "--no-nanny", "--host",
                                          "127.0.0.1", "--no-dashboard", "--name", f"w{i}"],
                                         stdout=log(f"worker{i}"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
                        for i in range(2)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)

    def close(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def command(*args, data) -> list[str]:
    return [sys.executable, "research.py", *map(str, args), "--data", str(data), "--no-download"]


def env(**extra) -> dict:
    e = {**os.environ, **extra}
    e.pop("DIGITPAD_MNIST", None)
    if "DASK_SCHEDULER_ADDRESS" not in extra:
        e.pop("DASK_SCHEDULER_ADDRESS", None)
    return e


def run(*args, data, timeout=300, **extra):
    return subprocess.run(command(*args, data=data), cwd=ROOT, env=env(**extra), capture_output=True, text=True,
                          timeout=timeout)


NUMBERS = ("run", "seed", "train_loss", "val_loss", "val_accuracy", "test_accuracy")


def test_a_sweep_on_the_cluster_matches_this_computer_bit_for_bit_and_shares_its_cache(cluster, tmp_path, data):
    sweep = ("width", "--widths", "8,32", "--seeds", "2", "--epochs", "2")
    there = run(*sweep, "--out", tmp_path / "cluster", "--scheduler", cluster.address, data=data)
    assert there.returncode == 0, there.stderr
    assert there.stdout.count("on the cluster)") == 4
    here = run(*sweep, "--out", tmp_path / "here", "--workers", "1", data=data)
    assert here.returncode == 0, here.stderr
    a, b = rows(tmp_path / "cluster" / "width.csv"), rows(tmp_path / "here" / "width.csv")
    assert [[t[k] for k in NUMBERS] for t in a] == [[t[k] for k in NUMBERS] for t in b]
    # One cache for both: runs finished on the cluster are never run again here, and the other way
    # round, through Dask's own environment variable this time.
    again = run(*sweep, "--out", tmp_path / "cluster", "--workers", "2", data=data)
    assert "0 trained now, 4 from the cache" in again.stdout
    shutil.rmtree(tmp_path / "here" / "runs")
    (tmp_path / "here" / "runs").mkdir()
    for p in sorted((tmp_path / "cluster" / "runs").glob("*.json"))[:2]:
        shutil.copy(p, tmp_path / "here" / "runs")
    more = run(*sweep, "--out", tmp_path / "here", data=data, DASK_SCHEDULER_ADDRESS=cluster.address)
    assert more.returncode == 0, more.stderr
    assert "2 trained now, 2 from the cache" in more.stdout and more.stdout.count("on the cluster)") == 2


def wait_for_lines(proc: subprocess.Popen, text: str, count: int, lines: list[str], timeout: float = 300) -> None:
    """Read the sweep's output until `count` lines contain `text` (a thread reads, so a hang fails the test)."""
    import queue
    import threading

    got: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [got.put(line) for line in proc.stdout] and None, daemon=True).start()
    deadline = time.monotonic() + timeout
    while sum(text in line for line in lines) < count:
        try:
            lines.append(got.get(timeout=max(deadline - time.monotonic(), 0.1)))
        except queue.Empty:
            proc.kill()
            pytest.fail(f"no {count} lines with {text!r} in {timeout} s: {''.join(lines)}")
    proc.lines = got  # the rest, for the caller


def rest_of(proc: subprocess.Popen, lines: list[str]) -> str:
    while True:
        try:
            lines.append(proc.lines.get(timeout=1))
        except Exception:
            if proc.poll() is not None:
                return "".join(lines)


def test_a_worker_killed_mid_sweep_loses_no_finished_run_and_its_run_runs_again(cluster, tmp_path, data):
    out = tmp_path / "out"
    # 8 runs of about a second each on two workers: the kill lands while both are busy.
    proc = subprocess.Popen(command("width", "--widths", "64,128", "--seeds", "4", "--epochs", "15", "--out", out,
                                    "--scheduler", cluster.address, data=data),
                            cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    wait_for_lines(proc, "on the cluster)", 2, lines)
    victim = cluster.workers[0]
    victim.kill()  # SIGKILL: no goodbye to the scheduler
    victim.wait(10)
    before = {p.name: p.read_bytes() for p in (out / "runs").glob("*.json")}
    assert proc.wait(300) == 0, proc.stderr.read()
    output = rest_of(proc, lines)
    table = rows(out / "width.csv")
    assert len(table) == 8 and all(t["status"] == "ok" for t in table)
    assert output.count("on the cluster)") == 8
    # The runs finished before the kill were kept as they were; every entry is whole JSON.
    assert all((out / "runs" / name).read_bytes() == data_ for name, data_ in before.items())
    assert all(json.loads(p.read_text())["result"]["status"] == "ok" for p in (out / "runs").glob("*.json"))
    assert not [p for p in (out / "runs").iterdir() if p.suffix != ".json"]


def test_the_scheduler_going_away_ends_the_sweep_in_one_line_with_finished_runs_kept(cluster, tmp_path, data):
    out = tmp_path / "out"
    proc = subprocess.Popen(command("width", "--widths", "64,128", "--seeds", "6", "--epochs", "15", "--out", out,
                                    "--scheduler", cluster.address, data=data),
                            cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    wait_for_lines(proc, "on the cluster)", 2, lines)
    cluster.scheduler.kill()
    cluster.scheduler.wait(10)
    assert proc.wait(180) != 0
    err = proc.stderr.read()
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    assert "lost the Dask scheduler" in err and "run the same command" in err
    kept = list((out / "runs").glob("*.json"))
    assert 2 <= len(kept) < 12 and all(json.loads(p.read_text())["result"]["status"] == "ok" for p in kept)
    assert not [p for p in (out / "runs").iterdir() if p.suffix != ".json"]


def test_no_scheduler_there_is_one_line_before_any_run(tmp_path, data):
    r = run("width", "--widths", "8", "--seeds", "1", "--epochs", "1", "--out", tmp_path / "out",
            "--scheduler", f"tcp://127.0.0.1:{free_port()}", data=data, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip().count("\n") == 0, r.stderr
    assert "cannot reach the Dask scheduler" in r.stderr
    assert not list((tmp_path / "out" / "runs").glob("*.json"))
