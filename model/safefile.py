"""Reading a file a user named, safely: one place that says why it cannot be read, in words.

Every reader of user-given files (weights, stroke files, UNIPEN folders) asks `file_problem` first
and reads with `read_limited`, so a folder that cannot be entered, a symlink loop, a FIFO (which
would block forever), a device such as /dev/zero, a huge file or a small gzip that expands to
gigabytes each end in one line naming the problem, never a traceback, a hang or a MemoryError.
"""

from __future__ import annotations

import errno
import os
import stat
import zlib

MAX_FILE_BYTES = 256 << 20  # 256 MB: 30 times the largest stroke data set Digitpad reads (UNIPEN 1a, 7.7 MB)
MAX_UNPACKED_BYTES = 256 << 20  # what a .gz may expand to: a small file that unpacks to gigabytes is a bomb


class FileProblem(ValueError):
    """A file that cannot be read; the message is the reason alone (callers prefix the path)."""


def describe_os_error(e: OSError) -> str:
    """An OSError from opening or reading a file as a reason in plain words (no errno codes)."""
    reasons = {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied (the file, or a folder on its path, cannot be read or entered)",
        errno.EPERM: "permission denied",
        errno.ELOOP: "a loop of symbolic links",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "is a directory, not a file",
        errno.ENAMETOOLONG: "the name is too long",
    }
    return reasons.get(e.errno or 0) or f"cannot read ({(e.strerror or str(e)).lower()})"


def file_problem(path: str | os.PathLike, directory_ok: bool = False) -> str | None:
    """Why `path` cannot be read as a regular file (or a directory, if `directory_ok`), or None."""
    try:
        st = os.stat(path)
    except OSError as e:
        return describe_os_error(e)
    except ValueError:  # an embedded NUL byte
        return "not a valid file name"
    if stat.S_ISREG(st.st_mode) or (directory_ok and stat.S_ISDIR(st.st_mode)):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not a file"
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or \
        stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file"
    return f"not a regular file ({kind}); give a file"


def read_limited(path: str | os.PathLike, limit: int = MAX_FILE_BYTES, gunzip: bool = True) -> bytes:
    """The bytes of the regular file at `path`, gunzipped if the content is gzip (with `gunzip`).

    FileProblem (one line, no path) if it is not a readable regular file, is larger than `limit`,
    or unpacks to more than MAX_UNPACKED_BYTES. Opened without blocking, so a FIFO swapped in after
    the check cannot hang the caller either.
    """
    why = file_problem(path)
    if why:
        raise FileProblem(why)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise FileProblem(describe_os_error(e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem("not a regular file; give a file")
        if st.st_size > limit:
            raise FileProblem(f"{st.st_size / 1e6:,.0f} MB is more than the {limit / 1e6:,.0f} MB Digitpad reads")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise FileProblem(describe_os_error(e)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileProblem(f"more than the {limit / 1e6:,.0f} MB Digitpad reads")
    if gunzip and data[:2] == b"\x1f\x8b":  # gzip magic: trust the content, not the file name
        data = gunzip_limited(data)
    return data


def gunzip_limited(data: bytes, limit: int = MAX_UNPACKED_BYTES) -> bytes:
    """Decompress gzip `data` (every member), refusing to unpack more than `limit` bytes."""
    out, size = [], 0
    try:
        while data:
            d, todo = zlib.decompressobj(16 + zlib.MAX_WBITS), data
            while not d.eof:
                chunk = d.decompress(todo, 1 << 20)
                size += len(chunk)
                if size > limit:
                    raise FileProblem(f"the gzip file unpacks to more than {limit / 1e6:,.0f} MB; it is not a data set")
                out.append(chunk)
                todo = d.unconsumed_tail
                if not chunk and not todo:
                    break
            if not d.eof:
                raise FileProblem("not a readable gzip file (it ends early)")
            data = d.unused_data.lstrip(b"\x00")  # a further member, or zero padding
    except zlib.error as e:
        raise FileProblem(f"not a readable gzip file ({e})") from None
    return b"".join(out)
