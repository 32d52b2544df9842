"""research.py's faults from the second fault hunt (issue 24, items 8 and 11), each through the real script:
every run diverging, a full disk, an ASCII-only terminal, --lr inf, damaged cache entries, and sweeps too
big for this computer. Nothing thrown, nothing lost."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.fakedata import default_sigint, rows

ROOT = Path(__file__).resolve().parents[1]


WORKERS = ["--workers", "1"]  # one process: these runs take well under a second each


def research(*args, data=None, env=None, timeout=120):
    full_env = {**os.environ, "DIGITPAD_CACHE": str(Path(data or ".").parent / "cache"), **(env or {})}
    full_env.pop("DIGITPAD_MNIST", None)
    full_env.pop("DASK_SCHEDULER_ADDRESS", None)
    data_args = ["--data", str(data), "--no-download"] if data else []
    return subprocess.run([sys.executable, "research.py", *map(str, args), *data_args, *WORKERS], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def no_traceback(r) -> None:
    assert "Traceback" not in r.stderr, r.stderr


def test_every_run_diverging_still_writes_the_csv_and_a_plot_that_says_so(tmp_path, data):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    r = research("width", "--widths", "8,16", "--seeds", "2", "--epochs", "1", "--lr", "1000", "--out", out, data=data)
    no_traceback(r)
    assert r.returncode == 0
    assert {t["status"] for t in rows(out / "width.csv")} == {"diverged"}
    assert (out / "width.png").stat().st_size > 10_000


def test_an_ascii_only_terminal_gets_plain_stand_ins_for_the_plus_minus_sign(tmp_path, data):
    out = tmp_path / "out"
    r = research("width", "--widths", "8,16", "--seeds", "2", "--epochs", "1", "--out", out, data=data,
                 env={"PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"})
    no_traceback(r)
    assert r.returncode == 0
    assert "+/-" in r.stdout  # the summary's ±
    r.stdout.encode("ascii")


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
def test_a_learning_rate_that_is_no_number_is_refused_by_the_parser(tmp_path, value):
    r = research("width", f"--lr={value}", "--out", tmp_path / "out", data=None, timeout=30)
    no_traceback(r)
    assert r.returncode == 2 and "--lr" in r.stderr and value in r.stderr


def test_damaged_cache_entries_are_run_again_and_said_so_with_the_same_numbers(tmp_path, data):
    out = tmp_path / "out"
    args = ("width", "--widths", "8,16", "--seeds", "2", "--epochs", "1", "--out", out)
    assert research(*args, data=data).returncode == 0
    before = rows(out / "width.csv")
    entries = {t["run"]: out / "runs" / f"{t['run']}.json" for t in before}
    a, b, c, d = (entries[t["run"]] for t in before)
    saved = json.loads(a.read_text())
    del saved["result"]["hidden"]  # was a KeyError
    a.write_text(json.dumps(saved))
    saved = json.loads(b.read_text())
    saved["result"]["seconds"] = "fast"  # was "Unknown format code 'f' for object of type 'str'"
    b.write_text(json.dumps(saved))
    c.unlink()
    c.mkdir()  # was IsADirectoryError on writing the rerun
    d.write_bytes(b"\xff\xfe{not json")
    r = research(*args, data=data)
    no_traceback(r)
    assert r.returncode == 0
    said = r.stdout + r.stderr
    assert said.count("damaged cache entry") == 4 and "running it again" in said
    assert "4 trained now, 0 from the cache" in r.stdout
    after = rows(out / "width.csv")
    # Recomputed bit for bit: the same configuration and seed give the same numbers.
    assert [(t["run"], t["test_accuracy"], t["val_loss"]) for t in after] == [
        (t["run"], t["test_accuracy"], t["val_loss"]) for t in before]
    assert all(json.loads(p.read_text())["result"]["run"] == p.stem for p in entries.values())
    assert len(list((out / "runs").glob("*.damaged-*"))) == 4  # kept aside, never deleted


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB tmpfs (root only): a disk that fills."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:  # unbuffered: the write that fills the disk fails here
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_full_disk_keeps_the_finished_runs_says_so_in_one_line_and_resumes(small_disk, data):
    out = small_disk / "out"
    args = ("width", "--widths", "8", "--seeds", "3", "--epochs", "1", "--out", out)
    # First one run on a disk with room, then the disk is full for the next ones.
    assert research("width", "--widths", "8", "--seeds", "1", "--epochs", "1", "--out", out, data=data).returncode == 0
    filler = fill(small_disk)
    r = research(*args, data=data)
    no_traceback(r)
    assert r.returncode != 0
    err = r.stderr.strip()
    assert err.count("\n") == 0 and "cannot save" in err and "run the same command" in err, err
    assert "seed 1: val" in r.stdout  # the run just trained: its numbers were printed before the save failed
    assert len(list((out / "runs").glob("*.json"))) == 1  # the finished run is kept
    assert not [p for p in (out / "runs").iterdir() if p.suffix != ".json"]  # and no half-written file
    filler.unlink()
    r = research(*args, data=data)
    assert r.returncode == 0, r.stderr
    assert "2 trained now, 1 from the cache" in r.stdout


def test_a_sweep_too_big_for_this_computer_is_refused_at_once_with_the_size_needed(tmp_path):
    r = research("width", "--widths", "3000000", "--seeds", "100000000", "--out", tmp_path / "a", timeout=30)
    no_traceback(r)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "100,000,000 runs" in r.stderr
    r = research("width", "--widths", "3000000", "--seeds", "1", "--out", tmp_path / "b", timeout=30)
    no_traceback(r)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "GB of memory" in r.stderr
    assert not (tmp_path / "b").exists()  # refused before anything was made


def test_ctrl_c_with_local_workers_is_one_line_leaves_no_process_and_resumes(tmp_path, data):
    """A terminal's Ctrl+C reaches the whole process group: the sweep, its worker processes and
    multiprocessing's resource tracker. One line, status 130, nobody left running, every cached run
    whole, and the same command goes on from there."""
    import signal
    import time

    out = tmp_path / "out"
    args = ["research.py", "width", "--widths", "8,16,24,32", "--seeds", "10", "--epochs", "3", "--out", str(out),
            "--data", str(data), "--no-download", "--workers", "2"]
    env = {**os.environ, "DIGITPAD_CACHE": str(tmp_path / "cache")}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    p = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True, preexec_fn=default_sigint)
    for line in p.stdout:  # the first finished run: the workers are busy with the next ones
        if line.startswith("["):
            break
    os.killpg(p.pid, signal.SIGINT)
    rest, err = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, err)
    assert err.strip().splitlines() == [
        f"research.py: interrupted; finished runs are cached in {out / 'runs'}, run the same command to resume"], err
    deadline = time.monotonic() + 10
    while True:  # the workers and the resource tracker are gone too
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a process of the sweep was left running"
        time.sleep(0.1)
    cached = list((out / "runs").glob("*.json"))
    assert cached and all(json.loads(f.read_text())["result"]["status"] for f in cached)
    assert not list((out / "runs").glob(".*.tmp"))  # no half-written entry left beside them
    again = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    no_traceback(again)
    assert again.returncode == 0
    assert f"{40 - len(cached)} trained now, {len(cached)} from the cache" in again.stdout
