"""MNIST: read IDX files, find them on disk (or download them once), split off a validation set.

The four MNIST files are looked for, in order, in an explicit directory (`--data DIR`), in
$DIGITPAD_MNIST, then in the per-user cache; only if none has them are they downloaded into the cache.
Every problem a user can cause (missing, corrupt or truncated files, no network) is raised as a
`DataError` whose message is one line naming the file, so the command-line tools can print it and exit
instead of showing a traceback.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import os
import struct
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs
from tqdm import tqdm

from model.atomic import atomic_write, clean_stale_temps
from model.config import CLASSES, FIELD

ENV_VAR = "DIGITPAD_MNIST"
CACHE_ENV_VAR = "DIGITPAD_CACHE"

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

# SHA-256 of the *decompressed* files: the same bytes can be gzipped differently by each mirror, so
# hashing the .gz would reject perfectly good copies.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Tried in order. yann.lecun.com is not listed: it has been intermittently offline or login-walled.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dims: (n, rows, cols)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dim: (n,)
GZIP_MAGIC = b"\x1f\x8b"
TIMEOUT_S = 30  # per socket operation, not per file: a slow but live mirror still finishes
CHUNK = 1 << 16

HOW_TO_PROVIDE = (
    f"pass --data DIR or set {ENV_VAR} to a folder with the four IDX files "
    f"({', '.join(MNIST_FILES)}; .gz or not)"
)


class DataError(Exception):
    """A problem with the data the user can fix; the message is one line naming the file."""


# ---------------------------------------------------------------------------------------------
# Reading


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) as a uint8 array: (n, rows, cols) or (n,)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from None
    # Sniff the content rather than trust the suffix: files get renamed, and browsers sometimes
    # decompress a download but keep ".gz".
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
            raise DataError(f"{path}: corrupt gzip data ({str(e) or type(e).__name__})") from None

    if not data:
        raise DataError(f"{path}: file is empty")
    if len(data) < 4:
        raise DataError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    (magic,) = struct.unpack(">i", data[:4])
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise DataError(
            f"{path}: not an MNIST IDX file (magic number 0x{magic & 0xFFFFFFFF:08x}, "
            f"expected 0x{IMAGES_MAGIC:08x} for images or 0x{LABELS_MAGIC:08x} for labels)"
        )
    ndim = magic & 0xFF  # the low byte of the magic number is the number of dimensions
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: truncated header ({len(data)} bytes, need {header})")
    dims = struct.unpack(f">{ndim}i", data[4:header])
    if any(d <= 0 for d in dims):
        raise DataError(f"{path}: bad dimensions {dims} in header")

    # Python ints, so an absurd header cannot overflow; exact equality catches both a truncated
    # download and a file with something glued on the end.
    expected = 1
    for d in dims:
        expected *= d
    payload = len(data) - header
    if payload < expected:
        raise DataError(f"{path}: truncated (header promises {expected} data bytes, found {payload})")
    if payload > expected:
        raise DataError(f"{path}: {payload - expected} trailing bytes after the {expected} data bytes")
    # Copy so the caller gets a writable array that owns its memory instead of a read-only view
    # pinning the whole decompressed buffer.
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


# ---------------------------------------------------------------------------------------------
# Finding (and downloading) the files


def cache_dir() -> Path:
    """Where downloaded MNIST files live: $DIGITPAD_CACHE/mnist if set, else the user cache."""
    root = os.environ.get(CACHE_ENV_VAR) or platformdirs.user_cache_dir("digitpad")
    return Path(root) / "mnist"


def _file_in(directory: Path, name: str) -> Path | None:
    """The path of NAME.gz or NAME in `directory`, whichever exists (.gz preferred), else None."""
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    return None


def _missing(directory: Path) -> list[str]:
    return [name for name in MNIST_FILES if _file_in(directory, name) is None]


def find_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] = MIRRORS,
    checksums: Mapping[str, str] = SHA256,
) -> Path:
    """Return a directory holding all four MNIST files, downloading them into the cache if needed.

    Order: `data_dir`, then $DIGITPAD_MNIST, then `cache_dir()`. An explicit `data_dir` that lacks a
    file is an error rather than a reason to look elsewhere: the user asked for that folder.
    """
    if data_dir is not None:
        directory = Path(data_dir)
        if not directory.is_dir():
            raise DataError(f"{directory}: not a directory (expected a folder with the MNIST IDX files)")
        missing = _missing(directory)
        if missing:
            raise DataError(f"{directory}: missing {', '.join(n + '[.gz]' for n in missing)}")
        return directory

    env = os.environ.get(ENV_VAR)
    if env and Path(env).is_dir() and not _missing(Path(env)):
        return Path(env)

    cache = cache_dir()
    tampered = _verify_cache(cache, checksums)
    missing = _missing(cache)
    if not missing:
        return cache
    if not download:
        if tampered:
            raise DataError(f"{cache / tampered[0]}[.gz] did not match its checksum and was removed; "
                            f"run again without --no-download to fetch it, or {HOW_TO_PROVIDE}")
        raise DataError(f"MNIST not found (looked in {_looked_in(env, cache)}); {HOW_TO_PROVIDE}")
    _download(missing, cache, mirrors, checksums)
    return cache


# The cache is re-verified before every use, cheaply: after a file's SHA-256 checks out, its size and
# modification time go into this stamp, and a file whose size and time still match is not hashed
# again. A file changed in any way (tampered, half-overwritten, replaced) is hashed, and removed if
# it no longer matches, so it is downloaded again instead of silently used.
# The stamp sits beside the cache folder, not in it, so the folder holds exactly the MNIST files.
STAMP_SUFFIX = ".verified.json"


def _stamp_path(cache: Path) -> Path:
    return cache.with_name(cache.name + STAMP_SUFFIX)


def _read_stamps(cache: Path) -> dict:
    try:
        stamps = json.loads(_stamp_path(cache).read_text())
        return stamps if isinstance(stamps, dict) else {}
    except (OSError, ValueError):
        return {}


def _fingerprint(path: Path) -> list:
    st = path.stat()
    return [path.name, st.st_size, st.st_mtime_ns]


def _write_stamps(cache: Path, stamps: dict) -> None:
    # A read-only cache still works; it is only hashed again next time.
    with contextlib.suppress(OSError):
        atomic_write(_stamp_path(cache), lambda f: f.write(json.dumps(stamps, sort_keys=True).encode()))


def _verify_cache(cache: Path, checksums: Mapping[str, str]) -> list[str]:
    """Check every cached file against its checksum (or its stamp); remove and return those that fail."""
    stamps, changed, bad = _read_stamps(cache), False, []
    for name in MNIST_FILES:
        path = _file_in(cache, name)
        if path is None:
            continue
        try:
            if stamps.get(name) == _fingerprint(path):
                continue
            digest = _sha256_of(path)
        except (OSError, _FetchError):
            digest = None
        if digest == checksums[name]:
            stamps[name], changed = _fingerprint(path), True
            continue
        print(f"{path}: does not match the published checksum (changed since it was downloaded); "
              "removing it", file=sys.stderr)
        path.unlink(missing_ok=True)
        stamps.pop(name, None)
        changed = True
        bad.append(name)
    if changed:
        _write_stamps(cache, stamps)
    return bad


def _looked_in(env: str | None, cache: Path) -> str:
    return f"${ENV_VAR}={env} and {cache}" if env else f"{cache}; ${ENV_VAR} is not set"


def _download(names: list[str], cache: Path, mirrors: Sequence[str], checksums: Mapping[str, str]) -> None:
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"{cache}: cannot create the cache directory ({e.strerror or e})") from None
    clean_stale_temps(cache)  # downloads killed outright (kill -9, power cut) leave .part files
    stamps = _read_stamps(cache)
    for name in names:
        failures = []
        for base in mirrors:
            url = f"{base}{name}.gz"
            try:
                _fetch(url, cache / f"{name}.gz", checksums[name])
                stamps[name] = _fingerprint(cache / f"{name}.gz")  # verified by _fetch just now
                _write_stamps(cache, stamps)
                break
            except _FetchError as e:
                failures.append(f"{url} ({e})")
        else:
            # Stop at the first file no mirror could supply: when offline, every other file would
            # fail the same way, only slower.
            raise DataError(
                f"could not download {name}.gz into {cache}: tried {'; '.join(failures) or 'no mirrors'}. "
                f"To use local files instead, {HOW_TO_PROVIDE}"
            )


class _FetchError(Exception):
    """One mirror failed for one file; the message is the short reason."""


def _fetch(url: str, dest: Path, sha256: str) -> None:
    """Download `url` to `dest` if its decompressed content hashes to `sha256`; atomic."""
    # Write to a temp file in the same directory and os.replace() it into place only once verified:
    # the rename is atomic on one filesystem, so a crash or Ctrl-C never leaves a half file under the
    # real name (which the next run would then trust).
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, out, dest.name)
        digest = _decompressed_sha256(tmp)
        if digest != sha256:
            raise _FetchError(f"checksum mismatch: got {digest[:12]}..., expected {sha256[:12]}...")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)  # no-op after a successful replace


def _stream(url: str, out: BinaryIO, label: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "digitpad"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            print(f"downloading {url}", file=sys.stderr)
            total = int(response.headers.get("Content-Length") or 0) or None
            # disable=None: tqdm turns itself off when stderr is not a terminal (CI logs, tests).
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, disable=None, leave=False
            ) as bar:
                received = 0
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as e:
        raise _FetchError(f"HTTP {e.code}") from None
    except urllib.error.URLError as e:
        raise _FetchError(str(e.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as e:
        # OSError covers timeouts and resets; HTTPException an IncompleteRead; ValueError a bad URL.
        raise _FetchError(str(e) or type(e).__name__) from None
    # urllib returns a short body without complaint when the server hangs up early; say so plainly
    # rather than leaving it to surface later as "bad gzip data".
    if total is not None and received != total:
        raise _FetchError(f"incomplete transfer, got {received} of {total} bytes")


def _sha256_of(path: Path) -> str:
    """SHA-256 of a cached file's content, decompressed if it is gzip (the checksums are of the raw IDX)."""
    with open(path, "rb") as f:
        gz = f.read(2) == GZIP_MAGIC
    if gz:
        return _decompressed_sha256(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decompressed_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
        raise _FetchError(f"not valid gzip data: {str(e) or type(e).__name__}") from None
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading and splitting


def _read_role(directory: Path, name: str, ndim: int) -> np.ndarray:
    path = _file_in(directory, name)
    if path is None:  # deleted between find_mnist() and now
        raise DataError(f"{directory}: missing {name}[.gz]")
    array = read_idx(path)
    if array.ndim != ndim:
        kind = "images" if ndim == 3 else "labels"
        raise DataError(f"{path}: expected an IDX {kind} file, found {array.ndim} dimensions")
    return array


def _check_pair(images: np.ndarray, labels: np.ndarray, directory: Path, prefix: str) -> None:
    where = directory / f"{prefix}-*"
    if images.shape[1:] != (FIELD, FIELD):
        raise DataError(f"{where}: images are {images.shape[1]}x{images.shape[2]}, expected {FIELD}x{FIELD}")
    if len(images) != len(labels):
        raise DataError(f"{where}: {len(images)} images but {len(labels)} labels")
    if labels.max() >= CLASSES:
        raise DataError(f"{where}: label {int(labels.max())} is not a digit 0-{CLASSES - 1}")


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None, *, download: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (x_train, y_train, x_test, y_test) as uint8: (60000, 28, 28), (60000,), (10000, 28, 28),
    (10000,). See `find_mnist` for where the files are looked for."""
    directory = find_mnist(data_dir, download=download)
    x_train = _read_role(directory, MNIST_FILES[0], 3)
    y_train = _read_role(directory, MNIST_FILES[1], 1)
    x_test = _read_role(directory, MNIST_FILES[2], 3)
    y_test = _read_role(directory, MNIST_FILES[3], 1)
    _check_pair(x_train, y_train, directory, "train")
    _check_pair(x_test, y_test, directory, "t10k")
    return x_train, y_train, x_test, y_test


def split_validation(n: int, fraction: float = 1 / 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split range(n) into (train_idx, val_idx) by a fixed seeded permutation.

    Hyper-parameters (and the softmax temperature) are tuned on this validation slice of the training
    set, never on the test set. The default keeps 5,000 of MNIST's 60,000 training images aside. The
    same seed always gives the same split, so runs are comparable.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    n_val = round(n * fraction)
    perm = np.random.default_rng(seed).permutation(n)
    # Sorted, so indexing the big image array walks memory forwards; the trainer shuffles each
    # epoch anyway.
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def mnist_parts(
    data_dir: str | os.PathLike[str] | None = None, *, download: bool = True, limit: int | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """MNIST as train.py, the Learn view, research.py and evaluate.py all split it, as (uint8 images,
    int64 labels): "train", the training set less its validation slice (its first `limit` images, if
    given); "val", the slice held out to choose with (`split_validation`); "test"."""
    x_all, y_all, x_test, y_test = load_mnist(data_dir, download=download)
    tr, va = split_validation(len(x_all))
    tr = tr[:limit] if limit else tr
    return {"train": (x_all[tr], y_all[tr].astype(np.int64)), "val": (x_all[va], y_all[va].astype(np.int64)),
            "test": (x_test, y_test.astype(np.int64))}
