"""Tests for model/data.py: real files in tmp_path and a real local HTTP server, no mocks."""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import struct
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from model.data import (
    ENV_VAR,
    MNIST_FILES,
    DataError,
    cache_dir,
    find_mnist,
    load_mnist,
    mnist_parts,
    read_idx,
    split_validation,
)
from tests.fakedata import write_fake_mnist

# Read before the isolation fixture below clears it for every test.
REAL_MNIST = os.environ.get(ENV_VAR)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test may see the developer's real MNIST folder or cache, or download into them."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))


# ---------------------------------------------------------------------------------------------
# Helpers that write IDX files by hand (independently of the code under test)


def idx_bytes(array: np.ndarray) -> bytes:
    magic = 0x803 if array.ndim == 3 else 0x801
    return struct.pack(f">i{array.ndim}i", magic, *array.shape) + array.astype(np.uint8).tobytes()


def write(path: Path, data: bytes, gz: bool) -> Path:
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def fake_mnist(n_train: int = 3, n_test: int = 2, seed: int = 1) -> dict[str, bytes]:
    """Tiny but well-formed stand-ins for the four MNIST files (28x28 images, digit labels)."""
    rng = np.random.default_rng(seed)
    return {
        MNIST_FILES[0]: idx_bytes(rng.integers(0, 256, (n_train, 28, 28))),
        MNIST_FILES[1]: idx_bytes(rng.integers(0, 10, n_train)),
        MNIST_FILES[2]: idx_bytes(rng.integers(0, 256, (n_test, 28, 28))),
        MNIST_FILES[3]: idx_bytes(rng.integers(0, 10, n_test)),
    }


def write_mnist(directory: Path, files: dict[str, bytes], gz: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write(directory / (name + ".gz" if gz else name), data, gz)
    return directory


def sha(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def assert_one_line(err: pytest.ExceptionInfo, *needles: str) -> None:
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


# ---------------------------------------------------------------------------------------------
# read_idx


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_roundtrip(tmp_path, gz):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 0, 255], dtype=np.uint8)
    got_images = read_idx(write(tmp_path / "i", idx_bytes(images), gz))
    got_labels = read_idx(write(tmp_path / "l", idx_bytes(labels), gz))
    assert got_images.dtype == np.uint8 and got_images.shape == (2, 3, 4)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    got_images[0, 0, 0] = 1  # callers own the array


def test_read_idx_sniffs_gzip_by_content_not_suffix(tmp_path):
    labels = np.array([1, 2, 3], dtype=np.uint8)
    gz_without_suffix = write(tmp_path / "labels", idx_bytes(labels), gz=True)
    raw_with_suffix = write(tmp_path / "labels.gz", idx_bytes(labels), gz=False)
    np.testing.assert_array_equal(read_idx(gz_without_suffix), labels)
    np.testing.assert_array_equal(read_idx(raw_with_suffix), labels)


GOOD = idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8))


@pytest.mark.parametrize(
    ("content", "gz", "problem"),
    [
        pytest.param(b"", False, "empty", id="empty"),
        pytest.param(b"", True, "empty", id="empty-gz"),
        pytest.param(b"\x00\x00", False, "too short", id="short-header"),
        pytest.param(struct.pack(">i", 0x0803) + b"\x00\x00\x00\x02", False, "truncated header", id="dims"),
        pytest.param(struct.pack(">i", 0x0804) + GOOD[4:], False, "magic number 0x00000804", id="magic"),
        pytest.param(b"PK\x03\x04 a zip file", False, "not an MNIST IDX file", id="zip"),
        pytest.param(GOOD[:-1], False, "truncated", id="truncated"),
        pytest.param(GOOD[:-1], True, "truncated", id="truncated-in-gz"),
        pytest.param(GOOD + b"\x00", False, "1 trailing bytes", id="trailing"),
        pytest.param(struct.pack(">iiii", 0x0803, 0, 28, 28), False, "bad dimensions", id="zero-dim"),
        pytest.param(struct.pack(">ii", 0x0801, -5), False, "bad dimensions", id="negative-dim"),
    ],
)
def test_read_idx_rejects_bad_files(tmp_path, content, gz, problem):
    path = write(tmp_path / "bad-file", content, gz)
    with pytest.raises(DataError) as err:
        read_idx(path)
    assert_one_line(err, str(path), problem)


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    rng = np.random.default_rng(0)
    data = bytearray(gzip.compress(idx_bytes(rng.integers(0, 256, (20, 28, 28)))))
    data[len(data) // 2] ^= 0xFF  # damage the deflate stream (or, failing that, the CRC check)
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as err:
        read_idx(path)
    assert_one_line(err, str(path), "corrupt gzip")


def test_read_idx_rejects_cut_off_gzip(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(GOOD)[:-10])  # an interrupted download
    with pytest.raises(DataError) as err:
        read_idx(path)
    assert_one_line(err, str(path), "corrupt gzip")


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(DataError) as err:
        read_idx(tmp_path / "nope")
    assert_one_line(err, str(tmp_path / "nope"), "cannot read")


# ---------------------------------------------------------------------------------------------
# find_mnist / load_mnist from local folders


def test_cache_dir_honours_env(tmp_path):
    assert cache_dir() == tmp_path / "cache" / "mnist"


def test_find_order_explicit_then_env_then_cache(tmp_path, monkeypatch):
    files = fake_mnist()
    explicit = write_mnist(tmp_path / "explicit", files)
    env = write_mnist(tmp_path / "env", files, gz=False)
    cache = write_mnist(cache_dir(), files)
    monkeypatch.setenv(ENV_VAR, str(env))
    assert find_mnist(explicit, download=False) == explicit
    assert find_mnist(download=False) == env
    monkeypatch.delenv(ENV_VAR)
    # Cached files are verified before use: these stand-ins against their own checksums.
    assert find_mnist(download=False, checksums=sha(files)) == cache


def test_env_var_without_the_files_falls_through_to_cache(tmp_path, monkeypatch):
    files = fake_mnist()
    cache = write_mnist(cache_dir(), files)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "empty"))
    assert find_mnist(download=False, checksums=sha(files)) == cache


def test_explicit_dir_missing_a_file_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    files = fake_mnist()
    monkeypatch.setenv(ENV_VAR, str(write_mnist(tmp_path / "env", files)))
    explicit = write_mnist(tmp_path / "explicit", files)
    (explicit / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as err:
        find_mnist(explicit)
    assert_one_line(err, str(explicit), "t10k-labels-idx1-ubyte")
    assert "train-images" not in str(err.value)


def test_explicit_path_that_is_not_a_directory(tmp_path):
    with pytest.raises(DataError) as err:
        find_mnist(tmp_path / "nowhere")
    assert_one_line(err, str(tmp_path / "nowhere"), "not a directory")


def test_not_found_without_download_says_how_to_fix(tmp_path):
    with pytest.raises(DataError) as err:
        find_mnist(download=False)
    assert_one_line(err, "--data", ENV_VAR, str(cache_dir()))


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_folder(tmp_path, gz):
    files = fake_mnist(n_train=4, n_test=3)
    x_train, y_train, x_test, y_test = load_mnist(write_mnist(tmp_path / "d", files, gz), download=False)
    assert x_train.shape == (4, 28, 28) and y_train.shape == (4,)
    assert x_test.shape == (3, 28, 28) and y_test.shape == (3,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_test.tobytes() == files[MNIST_FILES[3]][8:]


def test_load_mnist_rejects_count_mismatch(tmp_path):
    files = fake_mnist(n_train=3)
    files[MNIST_FILES[1]] = idx_bytes(np.arange(4))  # 3 images, 4 labels
    with pytest.raises(DataError) as err:
        load_mnist(write_mnist(tmp_path / "d", files), download=False)
    assert_one_line(err, str(tmp_path / "d"), "3 images but 4 labels")


def test_load_mnist_rejects_swapped_files(tmp_path):
    files = fake_mnist()
    files[MNIST_FILES[0]], files[MNIST_FILES[1]] = files[MNIST_FILES[1]], files[MNIST_FILES[0]]
    with pytest.raises(DataError) as err:
        load_mnist(write_mnist(tmp_path / "d", files), download=False)
    assert_one_line(err, "train-images-idx3-ubyte", "expected an IDX images file")


# ---------------------------------------------------------------------------------------------
# Downloading from a real local HTTP server


class _Handler(SimpleHTTPRequestHandler):
    truncate: set[str] = set()  # file names to send only half of, then hang up

    def log_message(self, *args):  # keep test output clean
        pass

    def copyfile(self, source, outputfile):
        if Path(self.path).name in self.truncate:
            data = source.read()
            outputfile.write(data[: len(data) // 2])
            self.close_connection = True
        else:
            super().copyfile(source, outputfile)


@pytest.fixture
def serve(tmp_path):
    """serve(files, truncate=()) -> base URL of a real HTTP server with those files gzipped."""
    servers = []

    def start(files: dict[str, bytes], truncate: tuple[str, ...] = ()) -> str:
        root = tmp_path / f"mirror{len(servers)}"
        write_mnist(root, files)
        handler = type("H", (_Handler,), {"truncate": set(truncate)})
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def cache_contents() -> list[str]:
    return sorted(p.name for p in cache_dir().iterdir()) if cache_dir().exists() else []


def test_download_into_cache_then_load(serve):
    files = fake_mnist()
    url = serve(files)
    directory = find_mnist(mirrors=(url,), checksums=sha(files))
    assert directory == cache_dir()
    assert cache_contents() == sorted(name + ".gz" for name in MNIST_FILES)
    for name, data in files.items():
        assert gzip.decompress((directory / (name + ".gz")).read_bytes()) == data
    # ...and the next lookup finds them without the network.
    assert find_mnist(download=False) == directory
    assert load_mnist()[0].shape == (3, 28, 28)


def test_download_fetches_only_missing_files(serve):
    files = fake_mnist()
    write_mnist(cache_dir(), {name: files[name] for name in MNIST_FILES[:3]})
    # This mirror only has the fourth file: any request for the others would 404 and fail.
    url = serve({MNIST_FILES[3]: files[MNIST_FILES[3]]})
    assert find_mnist(mirrors=(url,), checksums=sha(files)) == cache_dir()
    assert len(cache_contents()) == 4


@pytest.mark.parametrize("problem", ["bad-checksum", "404", "truncated"])
def test_bad_first_mirror_falls_back_to_second(serve, problem):
    files = fake_mnist()
    if problem == "bad-checksum":
        bad = serve(fake_mnist(seed=99))  # well-formed files, wrong content
    elif problem == "404":
        bad = serve({})
    else:
        bad = serve(files, truncate=tuple(name + ".gz" for name in MNIST_FILES))
    good = serve(files)
    find_mnist(mirrors=(bad, good), checksums=sha(files))
    assert cache_contents() == sorted(name + ".gz" for name in MNIST_FILES)
    x_train, y_train, _, _ = load_mnist()
    assert y_train.tobytes() == files[MNIST_FILES[1]][8:]


def test_all_mirrors_bad_leaves_no_partial_file(serve):
    files = fake_mnist()
    mirrors = (serve(fake_mnist(seed=99)), serve(files, truncate=(MNIST_FILES[0] + ".gz",)), serve({}))
    with pytest.raises(DataError) as err:
        find_mnist(mirrors=mirrors, checksums=sha(files))
    assert_one_line(err, "--data", ENV_VAR, "checksum mismatch", "incomplete transfer", "HTTP 404", *mirrors)
    assert cache_contents() == []


def test_unreachable_mirror(serve):
    files = fake_mnist()
    with pytest.raises(DataError) as err:
        find_mnist(mirrors=("http://127.0.0.1:1/",), checksums=sha(files))
    assert_one_line(err, "http://127.0.0.1:1/train-images-idx3-ubyte.gz", "--data", ENV_VAR)
    assert cache_contents() == []


# ---------------------------------------------------------------------------------------------
# split_validation


def test_split_validation_default_is_5000_of_60000_and_fixed():
    train, val = split_validation(60_000)
    assert len(train) == 55_000 and len(val) == 5_000
    assert np.intersect1d(train, val).size == 0
    np.testing.assert_array_equal(np.union1d(train, val), np.arange(60_000))
    again_train, again_val = split_validation(60_000)
    np.testing.assert_array_equal(val, again_val)
    np.testing.assert_array_equal(train, again_train)
    assert not np.array_equal(val, split_validation(60_000, seed=1)[1])
    assert not np.array_equal(val, np.arange(55_000, 60_000))  # shuffled, not just the tail


def test_mnist_parts_are_the_training_set_split_by_split_validation_and_the_test_set(tmp_path):
    folder = write_fake_mnist(tmp_path / "mnist", n_train=1200, n_test=300)
    x_train, y_train, x_test, y_test = load_mnist(folder, download=False)
    train, val = split_validation(len(x_train))
    parts = mnist_parts(folder, download=False)
    for (x, y), idx in ((parts["train"], train), (parts["val"], val)):
        np.testing.assert_array_equal(x, x_train[idx])
        np.testing.assert_array_equal(y, y_train[idx])
        assert x.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(parts["test"][0], x_test)
    np.testing.assert_array_equal(parts["test"][1], y_test)
    limited = mnist_parts(folder, download=False, limit=50)
    np.testing.assert_array_equal(limited["train"][0], x_train[train[:50]])  # the limit cuts training only
    np.testing.assert_array_equal(limited["val"][0], parts["val"][0])


def test_split_validation_arguments():
    assert len(split_validation(100, fraction=0.0)[1]) == 0
    assert len(split_validation(100, fraction=0.25)[1]) == 25
    with pytest.raises(ValueError):
        split_validation(100, fraction=1.0)


# ---------------------------------------------------------------------------------------------
# The real thing, when available


def test_real_mnist():
    if not REAL_MNIST:
        pytest.skip(f"set {ENV_VAR} to a folder with the real MNIST files to run this")
    try:
        find_mnist(REAL_MNIST, download=False)
    except DataError as e:
        pytest.skip(f"{ENV_VAR} does not hold the MNIST files: {e}")
    x_train, y_train, x_test, y_test = load_mnist(REAL_MNIST, download=False)
    assert x_train.shape == (60_000, 28, 28) and y_train.shape == (60_000,)
    assert x_test.shape == (10_000, 28, 28) and y_test.shape == (10_000,)
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]
    assert list(y_test[:5]) == [7, 2, 1, 0, 4]
    assert np.bincount(y_train).tolist()[:2] == [5923, 6742]


# ---------------------------------------------------------------------------------------------
# The cache is re-verified before use (issue 8, item 18)


def test_a_tampered_cache_file_is_downloaded_again(serve, capsys):
    files = fake_mnist()
    url = serve(files)
    find_mnist(mirrors=(url,), checksums=sha(files))
    labels = cache_dir() / (MNIST_FILES[1] + ".gz")
    # Someone (or a bad disk) changes a cached file: same size, other content.
    tampered = gzip.decompress(labels.read_bytes())[:-1] + b"\x09"
    labels.write_bytes(gzip.compress(tampered))
    with pytest.raises(DataError) as err:
        find_mnist(download=False, checksums=sha(files))
    assert_one_line(err, MNIST_FILES[1], "checksum")
    assert "does not match the published checksum" in capsys.readouterr().err
    # With the network, the bad file is replaced by a verified copy.
    find_mnist(mirrors=(url,), checksums=sha(files))
    assert gzip.decompress(labels.read_bytes()) == files[MNIST_FILES[1]]


def test_verified_cache_files_are_not_hashed_again(serve, monkeypatch):
    files = fake_mnist()
    find_mnist(mirrors=(serve(files),), checksums=sha(files))
    import model.data

    hashed = []
    monkeypatch.setattr(model.data, "_sha256_of", lambda p: hashed.append(p) or "")
    assert find_mnist(download=False, checksums=sha(files)) == cache_dir()
    assert hashed == []  # size and modification time match the stamp: nothing to re-read


def test_a_download_killed_outright_leaves_no_part_file_forever(serve):
    files = fake_mnist()
    cache_dir().mkdir(parents=True)
    leftover = cache_dir() / f".{MNIST_FILES[0]}.gz.x7k2q9za.part"  # what kill -9 mid-download leaves
    leftover.write_bytes(os.urandom(4096))
    old = os.path.getmtime(leftover) - 3600
    os.utime(leftover, (old, old))
    find_mnist(mirrors=(serve(files),), checksums=sha(files))
    assert cache_contents() == sorted(name + ".gz" for name in MNIST_FILES)
