"""The scaling lab's sweeps side by side: prints figures, asserts nothing.

    python benchmarks/bench_sweep.py [--tasks 200] [--only overhead]

1. The quick width sweep (`research.py width --quick`: 5 widths x 3 seeds on 10,000 MNIST images),
   each time from an empty cache: with one local worker (runs in the sweep's own process), with two
   local worker processes, and through a Dask cluster of two worker processes on this computer.
2. The per-task overhead of going through the Dask scheduler: `--tasks` runs of a task that does no
   work, submitted and gathered one by one and all at once; milliseconds per task.

Also how busy the machine was with other processes meanwhile: with two cores shared, every figure
depends on it. Needs MNIST (DIGITPAD_MNIST or --data) and Dask (pip install -e '.[cluster]').
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Busy:
    """CPU used by *other* processes during a block (not this one or its children), as a share of all cores."""

    def __enter__(self):
        self.t0, self.cpu0, self.own0 = time.perf_counter(), _cpu_busy(), _own_cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        total = (_cpu_busy() - self.cpu0) / os.sysconf("SC_CLK_TCK")
        own = _own_cpu() - self.own0
        self.others = max(0.0, (total - own) / (self.wall * (os.cpu_count() or 1)))


def _cpu_busy() -> float:
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all time minus idle and iowait


def _own_cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def sweep(extra: list[str], data: list[str]) -> tuple[float, float]:
    """Wall seconds of the quick width sweep from an empty cache, and the others' CPU share meanwhile."""
    with tempfile.TemporaryDirectory() as out, Busy() as busy:
        subprocess.run([sys.executable, "research.py", "width", "--quick", "--out", out, *extra, *data], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    return busy.wall, busy.others


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=200)
    p.add_argument("--only", choices=["overhead"], help="only part 2, the scheduler's per-task overhead")
    p.add_argument("--data", help="MNIST folder (default: DIGITPAD_MNIST or the user cache)")
    args = p.parse_args()
    data = ["--no-download"] + (["--data", args.data] if args.data else [])
    from distributed import LocalCluster

    print(f"{os.cpu_count()} cores; before: {load()}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        if not args.only:
            part_one(cluster, data)
        part_two(cluster, args.tasks)
    print(f"after: {load()}")


def part_one(cluster, data: list[str]) -> None:
    print("\n1. research.py width --quick (15 runs), from an empty cache")
    ways = [("1 local worker (in process)", ["--workers", "1"]),
            ("2 local worker processes", ["--workers", "2"]),
            ("Dask, 2 worker processes", ["--scheduler", cluster.scheduler_address])]
    times = {}
    for name, extra in ways:
        wall, others = sweep(extra, data)
        times[name] = wall
        print(f"   {name:<30} {wall:7.1f} s   (other processes used {others:.0%} of the CPU meanwhile)")
    one = times[ways[0][0]]
    for name, _ in ways[1:]:
        print(f"   speed-up of {name}: {one / times[name]:.2f}x")


def part_two(cluster, tasks: int) -> None:
    from distributed import Client

    print(f"\n2. per-task overhead through the scheduler ({tasks} tasks that do nothing)")
    with Client(cluster) as client:
        client.submit(int, 0, pure=False).result()  # warm up the connections
        each = []
        with Busy() as busy:
            for _ in range(tasks):
                t0 = time.perf_counter()
                client.submit(int, 0, pure=False).result()
                each.append(time.perf_counter() - t0)
        print(f"   one at a time (submit, wait for the result): median {statistics.median(each) * 1e3:.1f} ms "
              f"per task, 90th percentile {sorted(each)[int(0.9 * len(each))] * 1e3:.1f} ms "
              f"(others {busy.others:.0%})")
        with Busy() as busy:
            client.gather([client.submit(int, i, pure=False) for i in range(tasks)])
        print(f"   all at once (submit all, gather): {busy.wall / tasks * 1e3:.2f} ms per task "
              f"(others {busy.others:.0%})")


if __name__ == "__main__":
    main()
