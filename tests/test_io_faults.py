"""Issue 8, items 8-11, 13, 14, 16-19: the fault cases of train.py, evaluate.py and the weights files.

Every case runs the real code on real files: hostile archives written byte by byte, an unreadable
file read by an unprivileged process, a symlink in the data folder, a leftover temp file, a tampered
download cache served over HTTP on 127.0.0.1. The tools run in-process through their `main(argv)`,
which is what their command lines call.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import evaluate
import train
from app.startup import load_recogniser
from model import jsonl
from model.atomic import STALE_AFTER_S, atomic_write, check_writable
from model.mlp import MLP
from model.strokes import StrokeDataError, append_sample, count_samples, read_jsonl, read_strokes
from model.trainer import Recipe
from model.weights import FORMAT_VERSION, Meta, WeightsError, check, load, save
from tests.fakedata import write_fake_mnist

ROOT = Path(__file__).resolve().parents[1]
GOOD = '{"label": 1, "strokes": [[[0, 0], [0, 9]]]}'


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def weights_file(path: Path, sizes=(784, 8, 10), **meta) -> Path:
    """A weights file written by hand (not by `save`), with any metadata at all."""
    model = MLP(list(sizes), seed=0)
    full = {"format_version": FORMAT_VERSION, "sizes": list(sizes), "activation": "relu", **meta}
    arrays = {"meta": np.array(json.dumps(full))}
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def all_three_refuse(path: Path, tmp_path: Path, capsys, needle: str) -> None:
    """main.py (through app.startup), evaluate.py --weights and train.py --finetune give the same line."""
    with pytest.raises(WeightsError) as err:
        load_recogniser(path)
    assert "\n" not in str(err.value) and needle in str(err.value)
    data = tmp_path / "d.jsonl"
    data.write_text(GOOD + "\n")
    assert evaluate.main([str(data), "--weights", str(path)]) == 2
    assert needle in one_line(capsys.readouterr().err)
    out = tmp_path / "out.npz"
    assert train.main(["--finetune", str(path), "--out", str(out), "--quiet", "--no-download"]) == 2
    assert needle in one_line(capsys.readouterr().err)
    assert not out.exists()


# --- 8: one loader ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sizes, meta, needle",
    [
        ((100, 8, 10), {}, "Digitpad needs 784"),
        ((784, 8, 3), {}, "10 classes"),
        ((784, 8, 10), {"input": {"style": {"pen": 2.4, "sigma": 0.3}}}, "style"),
        ((784, 8, 10), {"input": {"style": {"pen": "thick", "sigma": 0.3, "deskew": False}}}, "pen"),
        ((784, 8, 10), {"input": "28x28"}, "'input' must be a JSON object"),
        ((784, 8, 10), {"input": {"tta_pens": []}}, "tta_pens"),
        ((784, 8, 10), {"input": {"tta_pens": [float("nan")]}}, "tta_pens"),
        ((784, 8, 10), {"input": {"shape": [32, 32]}}, "shape"),
        ((784, 8, 10), {"temperature": "warm"}, "temperature"),
    ],
)
def test_one_loader_for_main_evaluate_and_finetune(tmp_path, capsys, sizes, meta, needle):
    path = weights_file(tmp_path / "w.npz", sizes, **meta)
    all_three_refuse(path, tmp_path, capsys, needle)


def test_keys_nothing_writes_are_not_read(tmp_path):
    # "not_sure" was read but never written: a stray value can no longer break loading.
    model, meta = load(weights_file(tmp_path / "w.npz", not_sure="high"))
    assert meta == Meta() and model.sizes == [784, 8, 10]


def test_a_model_main_would_refuse_is_never_saved_by_training(tmp_path):
    model = MLP([784, 8, 10], seed=0)
    model.weights[0][0, 0] = np.nan  # what a diverged fine-tune leaves
    with pytest.raises(WeightsError, match="NaN"):
        check(model, Meta(), tmp_path / "out.npz")
    with pytest.raises(ValueError, match="tta_pens"):
        Meta(tta_pens=(0.0,))  # and invalid metadata cannot even be built


def test_metadata_round_trips_through_the_typed_dataclass(tmp_path):
    meta = Meta(temperature=1.25, tta_pens=(2.0, 2.4), recipe={"name": "x"}, seed=3, test_accuracy=0.5)
    save(tmp_path / "w.npz", MLP([784, 8, 10], seed=0), meta)
    assert load(tmp_path / "w.npz")[1] == meta


# --- 9: hostile archives ---------------------------------------------------------------------


def npy_header_only(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + b"\0" * 64  # a few bytes of "data"; the header promises 160 GB


@pytest.mark.parametrize("where", ["array header", "metadata sizes"])
def test_absurd_shapes_are_refused_from_the_headers(tmp_path, capsys, where):
    path = tmp_path / "hostile.npz"
    sizes = [784, 200000, 10] if where == "metadata sizes" else [784, 8, 10]
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("meta.npy", "w") as f:
            np.lib.format.write_array(f, np.array(json.dumps(
                {"format_version": FORMAT_VERSION, "sizes": sizes, "activation": "relu"})))
        zf.writestr("W0.npy", npy_header_only((200000, 200000)))
        for name in ("b0", "W1", "b1"):
            zf.writestr(f"{name}.npy", npy_header_only((8,)))
    started = time.perf_counter()
    all_three_refuse(path, tmp_path, capsys, "200000")
    assert time.perf_counter() - started < 10  # nothing was allocated or read


def test_unexpected_entries_and_dtypes_are_refused(tmp_path):
    path = weights_file(tmp_path / "w.npz")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("evil.py", "print('hi')")
    with pytest.raises(WeightsError, match="unexpected entry 'evil.py'"):
        load(path)
    path = tmp_path / "ints.npz"
    model = MLP([784, 8, 10], seed=0)
    meta = {"format_version": FORMAT_VERSION, "sizes": [784, 8, 10], "activation": "relu"}
    np.savez(path, meta=np.array(json.dumps(meta)), W0=model.weights[0].astype(np.int64), b0=model.biases[0],
             W1=model.weights[1], b1=model.biases[1])
    with pytest.raises(WeightsError, match="W0 has dtype int64"):
        load(path)


# --- 10: permissions -------------------------------------------------------------------------


def run_unprivileged(imports: str, code: str) -> subprocess.CompletedProcess:
    """Run `code` as an ordinary user: as root (containers, CI images) permission bits are not checked.

    Everything is imported first, while the interpreter may still read its own (root-only) files."""
    drop = "import os; os.setgid(65534); os.setuid(65534)\n" if os.geteuid() == 0 else ""
    return subprocess.run([sys.executable, "-c", f"{imports}\n{drop}{code}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_weights_say_permission_denied():
    folder = Path(tempfile.mkdtemp())  # not under pytest's root-only tmp folder
    try:
        folder.chmod(0o755)
        path = weights_file(folder / "w.npz")
        path.chmod(0o000)
        r = run_unprivileged("from model.weights import load", f"load({str(path)!r})")
        assert "permission denied" in r.stderr and "zip" not in r.stderr
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_atomic_writes_use_the_users_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = atomic_write(tmp_path / "new.npz", lambda f: f.write(b"x"))
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0600
        os.umask(0o077)
        assert stat.S_IMODE(atomic_write(tmp_path / "private", lambda f: f.write(b"x")).stat().st_mode) == 0o600
        shared = tmp_path / "shared.npz"
        shared.write_bytes(b"old")
        shared.chmod(0o664)
        save(shared, MLP([784, 8, 10], seed=0), Meta())  # --force over a group-writable file
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    finally:
        os.umask(old)


# --- 11: the output is checked before the work -----------------------------------------------


@pytest.fixture
def mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))
    return write_fake_mnist(tmp_path / "mnist", n_train=300, n_test=50)


def test_train_checks_the_output_before_training(tmp_path, mnist, capsys):
    (tmp_path / "a-dir.npz").mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out, needle in ((tmp_path / "a-dir.npz", "is a directory"), (blocker / "w.npz", "cannot create folder")):
        code = train.main(["--data", str(mnist), "--recipe", "quick", "--hidden", "8", "--out", str(out),
                           "--force", "--quiet"])
        captured = capsys.readouterr()
        assert code == 2 and needle in one_line(captured.err)
        assert "training" not in captured.out + captured.err  # refused before any work
    assert check_writable(tmp_path / "w.npz", size=10**18).startswith("not enough space")


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_folder_is_refused_before_training():
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o555)
        r = run_unprivileged("import sys, train", f"sys.exit(train.main(['--out', {str(folder / 'w.npz')!r}]))")
        assert r.returncode == 2 and "permission denied" in one_line(r.stderr)
    finally:
        folder.rmdir()


def test_a_failed_final_write_keeps_the_model_elsewhere(tmp_path, capsys):
    blocker = tmp_path / "gone"
    blocker.write_text("the folder became a file while training ran")
    out = blocker / "w.npz"
    model = MLP([784, 8, 10], seed=0)
    assert train.save_elsewhere(out, model, Meta(), NotADirectoryError(20, "Not a directory")) == 1
    line = one_line(capsys.readouterr().err)
    spare = Path(line.rsplit(" saved to ", 1)[1].removesuffix(" instead"))
    try:
        assert str(out) in line and load(spare)[0].sizes == [784, 8, 10]
    finally:
        spare.unlink()


def test_evaluate_checks_the_sheet_before_the_work(tmp_path, capsys):
    (tmp_path / "sheet.png").mkdir()
    data = tmp_path / "d.jsonl"
    data.write_text(GOOD + "\n")
    assert evaluate.main([str(data), "--sheet", str(tmp_path / "sheet.png")]) == 2
    captured = capsys.readouterr()
    assert "is a directory" in one_line(captured.err) and "accuracy" not in captured.out


# --- 13: arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["--batch", "0"], ["--limit", "-5"], ["--epochs", "0"], ["--momentum", "5"], ["--weight-decay", "-1"],
     ["--lr", "0"], ["--lr", "nan"], ["--dropout", "1"], ["--stroke-copies", "0"], ["--hidden", "0"],
     ["--decay", "0"], ["--seed", "-1"], ["--batch", "ten"]],
)
def test_bad_numbers_are_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as e:
        train.parse_args(argv)
    assert e.value.code == 2
    assert f"argument {argv[0]}" in capsys.readouterr().err


def test_recipe_checks_itself():
    with pytest.raises(ValueError, match="batch must be at least 1"):
        Recipe(batch=0)
    with pytest.raises(ValueError, match="momentum"):
        Recipe(momentum=1.5)


# --- 14: stroke files ------------------------------------------------------------------------


def test_coordinates_beyond_float32_are_refused_with_file_and_line(tmp_path, capsys):
    path = tmp_path / "big.jsonl"
    path.write_text(f'{GOOD}\n{{"label": 1, "strokes": [[[0, 0], [1e39, 5]]]}}\n')
    with pytest.raises(StrokeDataError, match=r"big.jsonl:2: .*float32"):
        read_jsonl(path)
    assert evaluate.main([str(path)]) == 2
    assert "big.jsonl:2:" in one_line(capsys.readouterr().err)


def test_deeply_nested_line_is_one_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(GOOD + "\n" + "[" * 200_000 + "]" * 200_000 + "\n")
    with pytest.raises(StrokeDataError, match="deep.jsonl:2: nested too deeply"):
        read_jsonl(path)


@pytest.mark.parametrize("case", ["missing", "empty", "cut short mid-file"])
def test_training_is_strict_about_stroke_files(tmp_path, mnist, capsys, case):
    path = tmp_path / "strokes.jsonl"
    if case == "empty":
        path.write_text("")
    elif case == "cut short mid-file":
        path.write_text(f'{GOOD}\n{GOOD[:20]}\n{GOOD}\n')
    out = tmp_path / "w.npz"
    code = train.main(["--data", str(mnist), "--strokes", str(path), "--recipe", "quick", "--hidden", "8",
                       "--epochs", "1", "--out", str(out), "--quiet"])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and not out.exists()
    expected = {"missing": "strokes.jsonl: no such file", "empty": "strokes.jsonl: no samples",
                "cut short mid-file": "strokes.jsonl:2: truncated line"}[case]
    assert expected in line


def test_skip_bad_skips_and_says_which_lines(tmp_path, mnist, capsys):
    path = tmp_path / "strokes.jsonl"
    path.write_text(f'{GOOD}\n{GOOD[:20]}\n{GOOD}\n{{"label": 12}}\n{GOOD}\n')
    out = tmp_path / "w.npz"
    code = train.main(["--data", str(mnist), "--strokes", str(path), "--skip-bad", "--recipe", "quick",
                       "--hidden", "8", "--epochs", "1", "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "strokes.jsonl: skipped 2 bad line(s) (lines 2, 4;" in captured.out + captured.err
    assert load(out)[1].data["strokes"][0]["train"] == 3


# --- 16 and 19: no symlinks followed, with and without O_NOFOLLOW ----------------------------


@pytest.mark.parametrize("nofollow", ["O_NOFOLLOW", "lstat fallback"])
def test_append_does_not_follow_a_symlink(tmp_path, monkeypatch, nofollow):
    if nofollow == "O_NOFOLLOW" and not jsonl.NOFOLLOW:
        pytest.skip("this OS has no O_NOFOLLOW")
    if nofollow == "lstat fallback":
        monkeypatch.setattr(jsonl, "NOFOLLOW", 0)  # as on Windows: the portable path runs for real
    target = tmp_path / "elsewhere.txt"
    target.write_text("someone else's file\n")
    link = tmp_path / "my-digits.jsonl"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("cannot create symlinks here")
    with pytest.raises(OSError, match="symbolic link"):
        append_sample(link, 3, [[[0, 0], [1, 1]]])
    assert target.read_text() == "someone else's file\n"
    plain = tmp_path / "plain.jsonl"
    assert append_sample(plain, 3, [[[0, 0], [1, 1]]]) == 1 == count_samples(plain)


def test_count_samples_counts_samples_not_debris(tmp_path):
    path = tmp_path / "d.jsonl"
    assert count_samples(path) == 0  # missing
    path.write_text(f"{GOOD}\n{GOOD[:20]}\n{GOOD}\n")
    assert count_samples(path) == 2
    assert count_samples(tmp_path) == 0  # unreadable as a file


# --- 17: leftovers of a killed save ----------------------------------------------------------


def test_stale_temp_files_are_cleaned_on_the_next_write(tmp_path):
    model = MLP([784, 8, 10], seed=0)
    # What `kill -9` during a save leaves: mkstemp's name for the weights, with its 2.9 MB of data.
    stale = tmp_path / ".digitpad-925.npz.k2j4_x9q.tmp"
    stale.write_bytes(os.urandom(1 << 20))
    fresh = tmp_path / ".other.npz.abcd1234.tmp"  # another writer, still at work
    fresh.write_bytes(b"in progress")
    unrelated = tmp_path / ".notes.tmp"
    unrelated.write_text("not ours")
    old = time.time() - STALE_AFTER_S - 60
    os.utime(stale, (old, old))
    os.utime(unrelated, (old, old))
    save(tmp_path / "w.npz", model, Meta())
    assert not stale.exists() and fresh.exists() and unrelated.exists()


# --- stroke reading: the split modules and strokes.read_strokes agree ------------------------


def test_read_strokes_reports_missing_files_in_one_line(tmp_path):
    with pytest.raises(StrokeDataError, match="no such file"):
        read_strokes(tmp_path / "missing.tar.gz")
