"""Issue 24 items 1 and 2: nothing lost when two Digitpads share a data folder, or the disk fills up.

Real parts: two real app processes (the App on SDL's dummy driver, driven by posted events) started
together on one DIGITPAD_HOME; a real full disk (a 64 KiB tmpfs in a private mount namespace) and a
real file size limit (RLIMIT_FSIZE) for the failed append.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from app import store
from model.jsonl import append_sample, read_jsonl

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 30

# One Digitpad: waits for the start file, then labels ROUNDS drawings (taking every third back at
# once, as a user correcting a wrong key does), then saves ROUNDS pictures with S. Its drawings are
# told apart from the other's by where they are (u) and which round drew them (the stroke's end).
DRIVER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    import pygame
    from app.app import App
    from model.recognise import Recogniser
    from tests.conftest import User

    model, u, go, rounds = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    app = App(Recogniser.from_file(model), size=(900, 640))
    pygame.event.clear()
    app.step()
    user = User(app)
    while not go.exists():
        time.sleep(0.001)
    kept, taken, pictures = [], [], []
    for i in range(rounds):
        user.stroke([(u, 0.1), (u, 0.5 + 0.01 * i)])
        user.key(pygame.K_0 + i % 10, str(i % 10))
        app.step()
        if i % 3 == 1:
            user.key(pygame.K_z, "\\x1a", pygame.KMOD_LCTRL)
            app.step()
            (taken if "Took back" in app.status()[0] else kept).append(i)
            user.key(pygame.K_c, "c")  # the drawing came back: clear it for the next round
            app.step()
        else:
            kept.append(i)
    for i in range(rounds):
        user.stroke([(u, 0.1), (u, 0.5 + 0.01 * i)])
        user.key(pygame.K_s, "s")
        app.step()
        pictures.append(app.status()[0])
        user.key(pygame.K_c, "c")
        app.step()
    app.quit()
    print(json.dumps({"kept": kept, "taken": taken, "pictures": pictures}))
""")


def test_two_app_instances_sharing_a_folder_lose_nothing(model_file: Path, tmp_path: Path) -> None:
    home, go = tmp_path / "home", tmp_path / "go"
    env = {**os.environ, "DIGITPAD_HOME": str(home), "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", DRIVER, str(model_file), str(u), str(go), str(ROUNDS)],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for u in (0.3, 0.7)
    ]
    time.sleep(3)  # both windows open and waiting, then both start in the same instant
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.splitlines()[-1]))

    pictures = sorted(home.glob("drawing-*.png"))
    assert len(pictures) == 4 * ROUNDS, "every S in both windows kept its own canvas and input PNG"
    named = {line.split()[1] for r in results for line in r["pictures"]}
    assert len(named) == 2 * ROUNDS, "no two saves were told the same name"

    side = None
    found: dict[int, list[int]] = {0: [], 1: []}
    for sample in read_jsonl(home / "my-digits.jsonl", policy="strict"):
        side = sample.extra["canvas"]
        (x0, _), (_, y1) = sample.strokes[0][0], sample.strokes[0][-1]
        i = round((y1 / side - 0.5) / 0.01)
        assert sample.label == i % 10
        found[int(x0 > side / 2)].append(i)
    for who, result in enumerate(results):
        assert result["taken"] == [i for i in range(ROUNDS) if i % 3 == 1], "every take-back took back"
        assert sorted(found[who]) == result["kept"], f"instance {who}: exactly its kept labels, none lost"



def test_a_take_back_removes_exactly_its_own_line(tmp_path: Path) -> None:
    # The sequence the fault hunt saw: A appends, B appends, A takes back, B takes back.
    path = tmp_path / "my-digits.jsonl"
    a = store.Appended(path, 1, [np.array([[1.0, 2.0], [3.0, 4.0]])], 560)
    b = store.Appended(path, 2, [np.array([[5.0, 6.0], [7.0, 8.0]])], 560)
    c = store.Appended(path, 3, [np.array([[9.0, 6.0], [7.0, 8.0]])], 560)
    store.append_labelled(a), store.append_labelled(b), store.append_labelled(c)
    assert store.remove_appended(a), "A's line is taken out from under B's"
    assert [s.label for s in read_jsonl(path)] == [2, 3]
    assert store.remove_appended(c) and store.remove_appended(b) and path.read_bytes() == b""
    assert not store.remove_appended(b), "a line no longer there is not taken back twice"


FILL = textwrap.dedent("""
    import os, sys
    from model.jsonl import append_sample
    path = sys.argv[1]
    try:
        append_sample(path, 3, [[[float(i), float(i)] for i in range(3000)]])  # about 40 KB
    except OSError as e:
        print("refused", e.errno)
    else:
        print("written")
""")


SMALL = textwrap.dedent("""
    import sys
    from model.jsonl import append_sample
    append_sample(sys.argv[1], 7, [[[1.0, 2.0], [3.0, 4.0]]])
    append_sample(sys.argv[1], 7, [[[1.0, 2.0], [3.0, 4.0]]])
""")


def _file_exactly_as_before(run: list[str], folder: Path) -> None:
    path = folder / "my-digits.jsonl"
    append_sample(path, 7, [[[1.0, 2.0], [3.0, 4.0]]])
    append_sample(path, 7, [[[1.0, 2.0], [3.0, 4.0]]])
    before = path.read_bytes()
    out = subprocess.run([*run, sys.executable, "-c", FILL, str(path)], cwd=REPO, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused"), out.stdout
    assert path.read_bytes() == before, "a failed append leaves the file exactly as it was"
    assert [s.label for s in read_jsonl(path, policy="strict")] == [7, 7]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_an_append_past_the_file_size_limit_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes the kernel cut the write short at the limit, as a full disk does.
    limit = "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); " \
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
    wrapped = [sys.executable, "-c", limit + "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"]
    _file_exactly_as_before(wrapped, tmp_path)


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare") or sys.platform != "linux":
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and mount of a tmpfs (Linux user namespaces)")
def test_an_append_on_a_full_disk_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    # A real full disk: a 64 KiB tmpfs mounted over a folder in a private mount namespace. Two small
    # samples fit; the 40 KB one does not, and the write stops part-way with ENOSPC.
    disk = tmp_path / "disk"
    disk.mkdir()
    script = textwrap.dedent(f"""
        set -e
        mount -t tmpfs -o size=32k tmpfs {disk}
        {sys.executable} -c "$SMALL" {disk}/my-digits.jsonl
        cp {disk}/my-digits.jsonl {tmp_path}/before
        {sys.executable} -c "$FILL" {disk}/my-digits.jsonl
        df -k {disk} | tail -1
        cp {disk}/my-digits.jsonl {tmp_path}/after
    """)
    out = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=REPO, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "FILL": FILL, "SMALL": SMALL, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert "refused 28" in out.stdout, out.stdout  # ENOSPC: the disk really was full
    assert (tmp_path / "after").read_bytes() == (tmp_path / "before").read_bytes()
    assert [s.label for s in read_jsonl(tmp_path / "after", policy="strict")] == [7, 7]
