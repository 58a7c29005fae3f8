"""Input files read with care: plain files only, inside their folder, decoded as UTF-8 or UTF-16 with a clear message.

Every file a command reads from a dataset folder (the tables, ``dataset.yml``) and every settings
file goes through :func:`read_input_bytes`, so that a device (a link to ``/dev/zero``), a named
pipe (which would block the read forever), a folder, or a link that leaves the dataset folder
(a dataset from a stranger pointing at other files of this computer) is refused with a message
instead of a hang or a traceback.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from influence_lib.errors import InfluenceError

_KINDS = (  # what a path is when it is not a plain file, as a user would name it
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)

_BOMS = (  # longest first: the UTF-32 little-endian mark begins with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
)


def _kind(mode: int) -> str | None:
    """How to name a file that is not a plain file (``None`` for a plain file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a plain file")


def check_input_file(path: Path, folder: Path | None = None, error: type[InfluenceError] = InfluenceError) -> None:
    """Refuse a path that is not a plain file, or that a symbolic link takes out of ``folder``.

    Parameters
    ----------
    path : Path
        The file about to be read.
    folder : Path, optional
        The folder the file must stay in once symbolic links are followed (the dataset folder).
    error : type
        The exception to raise (a subclass of :class:`~influence_lib.errors.InfluenceError`).

    Raises
    ------
    error
        The path is a device, a named pipe, a folder or a socket, or leads out of ``folder``.
    """
    if folder is not None:
        target, home = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
        if not target.is_relative_to(home):
            raise error(
                f"{path}: a symbolic link to {target}, outside the dataset folder {home}; links that leave "
                f"the dataset folder are refused (a dataset must not make a command read other files): "
                f"copy the file into the folder instead."
            )
    kind = _kind(os.stat(path).st_mode)
    if kind is not None:
        raise error(f"{path}: {kind}, not a plain file; give a regular file saved on disk (a table, or "
                    f"settings, copied into the folder).")


def read_input_bytes(path: Path, folder: Path | None = None, error: type[InfluenceError] = InfluenceError,
                     limit: int | None = None, what: str = "this file") -> bytes:
    """The bytes of an input file, once :func:`check_input_file` accepts it.

    The file is opened without blocking and checked again once open, so a file swapped for a
    named pipe or a device between the check and the read is refused too, never waited on.

    Parameters
    ----------
    path : Path
    folder : Path, optional
        See :func:`check_input_file`.
    error : type
        The exception to raise.
    limit : int, optional
        Refuse a file larger than this many bytes.
    what : str
        How to name the file in the message about ``limit`` ("a settings file").

    Returns
    -------
    bytes

    Raises
    ------
    error
        See :func:`check_input_file`; or the file is larger than ``limit``.
    """
    check_input_file(path, folder, error)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        kind = _kind(os.fstat(fh.fileno()).st_mode)
        if kind is not None:
            raise error(f"{path}: {kind}, not a plain file; give a regular file saved on disk.")
        raw = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(raw) > limit:
        size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit:,} bytes"
        raise error(f"{path}: larger than {size}, more than {what} may hold; check that this is the right file.")
    return raw


def line_of(raw: bytes, offset: int) -> int:
    """The line (1-based) of byte ``offset``: a line ends with LF, CR LF or a lone CR (old Mac files)."""
    before = raw[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without a byte-order mark), or UTF-16/32 marked by one.

    Parameters
    ----------
    raw : bytes

    Returns
    -------
    text : str
        Without the byte-order mark.
    encoding : str
        ``UTF-8``, ``UTF-16`` or ``UTF-32``.

    Raises
    ------
    UnicodeDecodeError
        Bytes that are not text in the encoding found (its ``encoding`` names that encoding).
    """
    codec, name = "utf-8", "UTF-8"
    for mark, mark_codec, mark_name in _BOMS:
        if raw.startswith(mark):
            codec, name = mark_codec, mark_name
            break
    return raw.decode(codec), name


def looks_like_utf16(raw: bytes) -> bool:
    """True when the start of ``raw`` looks like UTF-16 text without a byte-order mark (every other byte 0)."""
    head = raw[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return False
    return head[0::2].count(0) > len(head) // 4 or head[1::2].count(0) > len(head) // 4
