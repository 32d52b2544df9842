"""Atomic file writes: readers see the old file or the whole new one, never half of it.

Also the check that a long job's output can be written at all, made before the job starts.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
# mkstemp's names: "." + the target's name + "." + 8 random characters + ".tmp" (".part" for the
# MNIST downloads in model/data.py).
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.(tmp|part)")
STALE_AFTER_S = 600.0  # our writes take well under a second; a temp file this old lost its writer


def _default_mode() -> int:
    # The mode open() would give a new file: 0666 less the umask. Reading the umask means setting it;
    # it is set straight back.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def clean_stale_temps(folder: Path, now: float | None = None) -> list[Path]:
    """Delete this module's temp files in `folder` older than STALE_AFTER_S; returns what went.

    A writer killed with SIGKILL (or a power cut) cannot clean up after itself, so the next write
    into the same folder does. The age keeps a concurrent writer's fresh temp file safe.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (_TEMP_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass  # gone already, or not ours to delete: never a reason to fail the real write
    return removed


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object], replace: bool = True) -> Path:
    """Call `write(f)` on a temp file beside `path`, flush it to disk, then rename it over `path`.

    The rename is atomic on POSIX and Windows, so an interrupted writer (a crash, Ctrl-C, a full
    disk, a killed training) leaves the previous file intact. A temp file left by a writer that was
    killed outright is removed by a later write into the same folder (`clean_stale_temps`). The new
    file gets the permissions of the file it replaces, or the user's normal ones (umask) if new.

    With `replace=False` an existing `path` is never replaced, not even one another process
    created a moment ago: FileExistsError instead. The temp file is hard-linked into place, which
    fails atomically if the name is taken; where the file system has no hard links, the name is
    claimed with O_EXCL first (a crash there can leave an empty file, never someone's data lost).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path.parent)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = _default_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600, private beyond what the user asked for
        if replace:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _place_new(tmp: str, path: Path) -> None:
    """Move `tmp` to `path` only if no file is there (FileExistsError otherwise)."""
    try:
        os.link(tmp, path)  # atomic, and fails if the name exists
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares): claim the name, then fill it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def check_writable(path: str | os.PathLike, size: int = 0) -> str | None:
    """Why `path` cannot be written (with about `size` bytes), or None if it can; nothing is left behind.

    Checked for real, by creating and deleting a temp file where the output will go, after making the
    folder if needed: permission bits alone mislead (root, ACLs, read-only mounts).
    """
    path = Path(path)
    if path.is_dir():
        return f"{path} is a directory; give a file name"
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"cannot create folder {folder}: a file of that name is in the way"
    except OSError as e:
        return f"cannot create folder {folder}: {(e.strerror or str(e)).lower()}"
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"cannot write in {folder}: {(e.strerror or str(e)).lower()}"
    free = shutil.disk_usage(folder).free
    if size and free < size:
        return f"not enough space in {folder}: {free / 1e6:.1f} MB free, about {size / 1e6:.1f} MB needed"
    return None


def sync_directory(folder: str | os.PathLike) -> None:
    """Make a file just created in `folder` durable as a directory entry too, or a crash could lose the
    whole file. (Windows cannot open a directory this way; NTFS journals the entry itself.)"""
    if not hasattr(os, "O_DIRECTORY"):
        return
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
