"""Issue 24, the second fault hunt: items 3-12 (data lost, tracebacks, misleading messages).

Every test runs the real thing: the CLIs as real processes (or their `main`), real files, real
signals. Each failed before its fix.
"""

from __future__ import annotations

import os
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


# -- 4. the Learn view for a second OS account ----------------------------------------------------

LEARN_JOB = """
    import json, os, sys, time
    from model.jobs import Job, ScratchSpec, Started
    job = Job.start(ScratchSpec(hidden=8, epochs=1, limit=None, data=sys.argv[1]), nice=0)
    events = []
    while job.running:
        events += job.poll()
        time.sleep(0.02)
    r = job.view.result
    print(json.dumps({"started": any(isinstance(e, Started) for e in events),
                      "weights": getattr(r, "weights", None), "failed": getattr(job.view.error, "message", None)}))
"""


def learn_job(mnist: Path, env: dict) -> dict:
    import json

    r = subprocess.run([sys.executable, "-c", textwrap.dedent(LEARN_JOB), str(mnist)], cwd=REPO,
                       capture_output=True, text=True, timeout=120, env={**env, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


def test_the_learn_view_keeps_each_accounts_models_apart_and_checks_first(tmp_path: Path) -> None:
    # Two accounts (two homes) on one machine share its temp folder; each one's models go to its own
    # cache folder, never to a folder in /tmp that whoever came first owns.
    mnist = write_fake_mnist(tmp_path / "mnist", n_train=300, n_test=50)
    env = {k: v for k, v in os.environ.items() if k not in ("DIGITPAD_CACHE", "XDG_CACHE_HOME")}
    env["TMPDIR"] = str(tmp_path / "shared-tmp")
    (tmp_path / "shared-tmp").mkdir()
    for who in ("first", "second"):
        home = tmp_path / who
        run = learn_job(mnist, {**env, "HOME": str(home)})
        assert run["failed"] is None and run["weights"].startswith(str(home)), run

    # A folder that cannot be made (a file in the way: no account, root included, can write there)
    # is found before the work, in one plain line.
    (tmp_path / "a-file").write_text("")
    run = learn_job(mnist, {**env, "HOME": str(tmp_path / "first"), "DIGITPAD_CACHE": str(tmp_path / "a-file")})
    assert not run["started"] and run["failed"].startswith("cannot write the new model: cannot create folder"), run
    assert "Errno" not in run["failed"] and ".tmp" not in run["failed"]


def test_finished_models_do_not_pile_up(tmp_path: Path) -> None:
    from model.jobs import LEARN_KEEP_COUNT, LEARN_KEEP_S, prune_learn_folder

    now = time.time()
    for i in range(LEARN_KEEP_COUNT + 3):
        p = tmp_path / f"scratch-{i}.npz"
        p.write_bytes(b"x")
        os.utime(p, (now - i, now - i))
    old = tmp_path / "old.npz"
    old.write_bytes(b"x")
    os.utime(old, (now - LEARN_KEEP_S - 1, now - LEARN_KEEP_S - 1))
    gone = prune_learn_folder(tmp_path, now)
    assert old in gone and len(list(tmp_path.glob("*.npz"))) == LEARN_KEEP_COUNT
    assert (tmp_path / "scratch-0.npz").exists(), "the newest stay"
