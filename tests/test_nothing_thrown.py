"""Issue 24, the second fault hunt: items 3-12 (data lost, tracebacks, misleading messages).

Every test runs the real thing: the CLIs as real processes (or their `main`), real files, real
signals. Each failed before its fix.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.fakedata import write_fake_mnist

REPO = Path(__file__).resolve().parent.parent


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def python(code: str, *args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


@pytest.fixture
def mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))
    return write_fake_mnist(tmp_path / "mnist", n_train=300, n_test=50)


# -- 3. train.py --force interrupted just after the rename ------------------------------------------


@pytest.mark.parametrize("existed", [True, False])
def test_an_interrupt_just_after_the_rename_says_the_model_was_written(tmp_path: Path, mnist: Path,
                                                                       existed: bool) -> None:
    # A real SIGINT, delivered the instant the new weights are renamed over --out.
    out = tmp_path / "w.npz"
    if existed:
        out.write_bytes(b"the old model")
    r = python("""
        import os, signal, sys
        import train
        real = os.replace
        def replace_then_ctrl_c(a, b):
            real(a, b)
            if str(b) == sys.argv[1]:
                os.kill(os.getpid(), signal.SIGINT)
        os.replace = replace_then_ctrl_c
        sys.exit(train.main(["--data", sys.argv[2], "--recipe", "quick", "--hidden", "8", "--epochs", "1",
                             "--out", sys.argv[1], "--force", "--quiet"]))
    """, str(out), str(mnist), env={"DIGITPAD_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 130
    line = one_line(r.stderr)
    assert "left as it was" not in line and f"written to {out}" in line
    assert out.read_bytes() != b"the old model"


def test_an_interrupt_before_the_write_says_the_file_is_untouched(tmp_path: Path) -> None:
    import train

    out = tmp_path / "w.npz"
    out.write_bytes(b"the old model")
    before = train.file_identity(out)
    assert train.interrupted(out, before).endswith("left as it was")
    assert train.interrupted(tmp_path / "new.npz", None).endswith("nothing written to " + str(tmp_path / "new.npz"))
