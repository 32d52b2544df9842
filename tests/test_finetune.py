"""Learning from your own drawings: fine-tuning on one distinctive hand helps that hand, keeps MNIST.

Uses the UNIPEN validation writer `val/val01` (712 digits the bundled model reads at about 95%) as
"a class's handwriting": half of its digits are fine-tuned on, the other half are held out.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from model.strokes import append_sample, read_jsonl, writer_split
from tests.test_bundled import WEIGHTS, mnist, unipen_file  # noqa: F401  (mnist is a fixture)

ROOT = Path(__file__).resolve().parents[1]
STYLE = "val/val01"


def last_accuracy(*args) -> float:
    r = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return float(r.stdout.strip().splitlines()[-1].split()[1])


def test_finetuning_on_one_hand_helps_that_hand_and_keeps_mnist(tmp_path, mnist):  # noqa: F811
    data = unipen_file()
    if data is None:
        pytest.skip("UNIPEN not on this machine (set DIGITPAD_UNIPEN to the unipen1a folder)")
    assert writer_split(STYLE) == "val"  # never a held-out test writer
    samples = [s for s in read_jsonl(data) if s.writer == STYLE]
    assert len(samples) > 500
    for i, s in enumerate(samples):
        append_sample(tmp_path / ("mine.jsonl" if i % 2 == 0 else "held.jsonl"), s.label, s.strokes)
    tuned = tmp_path / "mine.npz"
    r = subprocess.run([sys.executable, "train.py", "--finetune", WEIGHTS, "--strokes", tmp_path / "mine.jsonl",
                        "--out", tuned, "--quiet", "--no-download"], cwd=ROOT, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr

    held_before = last_accuracy("evaluate.py", tmp_path / "held.jsonl", "--weights", WEIGHTS)
    held_after = last_accuracy("evaluate.py", tmp_path / "held.jsonl", "--weights", tuned)
    mnist_before = last_accuracy("evaluate.py", "--mnist", "--weights", WEIGHTS)
    mnist_after = last_accuracy("evaluate.py", "--mnist", "--weights", tuned)
    assert held_after > held_before + 0.01, (held_before, held_after)
    assert mnist_before - mnist_after <= 0.002, (mnist_before, mnist_after)
