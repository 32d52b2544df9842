"""The README's figures, measured: python benchmarks/readme_figures.py [--only NAMES] [--data DIR]

Prints figures (this is not a test), each with the machine it ran on and how busy that was, so the
README can quote them instead of numbers typed by hand that drift from the truth:

  bundled  the bundled model: MNIST test accuracy and epochs, read from its weights file
  learn    the Learn view's default job (925 neurons, 8 epochs, in its background process at the
           app's lower priority, as the app starts it): wall time and MNIST test accuracy
  quick    `python train.py --recipe quick`: wall time and the accuracy it prints
  sweep    `python research.py width --quick`: wall time

MNIST comes from --data, $DIGITPAD_MNIST or the download cache. `learn`, `quick` and `sweep` train
for real: minutes on a busy machine. Run it on a quiet machine for figures to quote as seconds; on a
busy one the load average it prints says how far to trust them.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FIGURES = ("bundled", "learn", "quick", "sweep")


def machine() -> str:
    """CPU model and cores, e.g. "AMD EPYC 7B13, 2 cores"."""
    model = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"{model}, {os.cpu_count()} cores"


def load() -> str:
    try:
        return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load unknown"


def bundled() -> str:
    from model.config import BUNDLED_WEIGHTS
    from model.weights import load as load_weights

    model, meta = load_weights(BUNDLED_WEIGHTS)
    epochs = meta.recipe.get("epochs")
    return (f"bundled model {BUNDLED_WEIGHTS.name}: {'-'.join(map(str, model.sizes))}, "
            f"MNIST test {meta.test_accuracy:.2%} (train.py's count, stored in the file), {epochs} epochs")


def learn(data: str | None) -> str:
    from app.learn_state import DEFAULT_EPOCHS, DEFAULT_HIDDEN
    from model.jobs import NICE, Finished, Job, ScratchSpec

    started = time.monotonic()
    job = Job.start(ScratchSpec(hidden=DEFAULT_HIDDEN, epochs=DEFAULT_EPOCHS, data=data), nice=NICE)
    try:
        while job.running:
            job.poll()
            time.sleep(0.2)
    finally:
        job.cancel() if job.running else None  # stopped early (Ctrl+C): no training process left behind
    wall = time.monotonic() - started
    r = job.view.result
    if not isinstance(r, Finished):
        return f"learn: the job did not finish ({job.view.error})"
    return (f"Learn view default job ({DEFAULT_HIDDEN} neurons, {DEFAULT_EPOCHS} epochs, niceness +{NICE}): "
            f"{wall:.1f} s, MNIST test {r.test_accuracy:.2%}")


def command(args: list[str], what: str, pattern: str | None = None) -> str:
    started = time.monotonic()
    run = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    if run.returncode != 0:
        return f"{what}: failed ({(run.stderr.strip().splitlines() or ['?'])[-1]})"
    found = re.findall(pattern, run.stdout + run.stderr) if pattern else []
    return f"{what}: {wall:.1f} s" + (f", {found[-1]}" if found else "")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated, of {', '.join(FIGURES)}")
    p.add_argument("--data", help="the MNIST folder (default: $DIGITPAD_MNIST or the download cache)")
    args = p.parse_args(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = sorted(set(only) - set(FIGURES))
    if unknown:
        p.error(f"unknown figure {', '.join(unknown)}: choose from {', '.join(FIGURES)}")
    data = ["--data", args.data] if args.data else []
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}, {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="digitpad-figures-") as tmp:
        for name in only:
            if name == "bundled":
                line = bundled()
            elif name == "learn":
                line = learn(args.data)
            elif name == "quick":
                line = command(["train.py", "--recipe", "quick", "--no-download", "--out", f"{tmp}/quick.npz",
                                *data], "train.py --recipe quick", r"MNIST test accuracy: \d\.\d+ \(\d+/\d+\)")
            else:
                line = command(["research.py", "width", "--quick", "--no-download", "--out", f"{tmp}/sweep", *data],
                               "research.py width --quick")
            print(f"{line}   ({load()})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
