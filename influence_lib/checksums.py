"""Checksums of input files (a CRC-32 per 32 MB block, blocks in parallel), which a command can start before its imports.

A snapshot is keyed by a checksum of every byte of every input (:mod:`influence_lib.snapshot`).
On 10^7 posts that is 0.2 s of reading, which a command would otherwise wait for after its
imports: :func:`prefetch` starts it first, in threads (zlib releases the GIL), and the next
:func:`file_checksum` of that file takes the result. A prefetched result serves once: any later
call reads the file again, so a file rewritten in place is never taken for its old self. Only the
standard library is imported here, so the prefetch starts before pandas is imported.
"""

from __future__ import annotations

import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

BLOCK = 32 << 20  # bytes per CRC-32: blocks are summed in parallel, and listed (not combined)
PREFETCHED_SUFFIXES = (".csv", ".parquet", ".yml", ".yaml")
HIVE_FOLDER = "posts"  # a folder of Parquet files, prefetched whole (influence_lib.hive_folder.POSTS_FOLDER)
_WORKERS = 2
_CHUNK = 1 << 20  # bytes read at a time, into a buffer each thread keeps

_buffers = threading.local()

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_prefetched: dict[tuple, Future] = {}


def _identity(path: Path) -> tuple:
    stat = path.stat()
    return (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _block_crc(path: Path, offset: int) -> int:
    # read 1 MB at a time into one buffer per thread, the CRC carried over: reading each block into
    # fresh memory cost more than the CRC itself (page faults: 0.25 s against 0.07 s for 250 MB)
    view = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(_CHUNK))
    crc, left = 0, BLOCK
    with path.open("rb", buffering=0) as fh:
        fh.seek(offset)
        while left > 0:
            n = fh.readinto(view[:min(_CHUNK, left)])
            if not n:
                break
            crc = zlib.crc32(view[:n], crc)
            left -= n
    return crc


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="influence-checksum")
        return _pool


def _compute(path: Path, size: int) -> tuple[int, ...]:
    offsets = range(0, max(size, 1), BLOCK)
    if len(offsets) == 1:
        return (_block_crc(path, 0),)
    return tuple(f.result() for f in [_executor().submit(_block_crc, path, o) for o in offsets])


def file_checksum(path: str | Path) -> tuple[int, ...]:
    """The CRC-32 of each 32 MB block of a file, in order.

    Taken from :func:`prefetch` when it computed this very version of the file (same device,
    inode, size and modification time) and nobody took it yet; read now otherwise.

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    path = Path(path)
    key = _identity(path)
    with _lock:
        ahead = _prefetched.pop(key, None)
    if ahead is not None:
        try:
            return ahead.result()
        except Exception:  # noqa: BLE001 (read it again: the error, if any, is raised from here)
            pass
    return _compute(path, key[3])


def prefetch(folder: str | Path) -> None:
    """Start computing, in a background thread, the checksums of a dataset folder's likely inputs.

    The ``.csv``, ``.parquet`` and ``.yml`` files at the top of the folder and every file of its
    ``posts/`` folder, largest first. Errors are left for :func:`file_checksum` to raise when the
    file is really needed. Meant for a command's short process, which checks its inputs once.
    """
    folder = Path(folder)

    def run():
        try:
            paths = [p for p in folder.iterdir() if p.suffix in PREFETCHED_SUFFIXES and p.is_file()]
            hive = folder / HIVE_FOLDER
            if hive.is_dir():
                paths += [p for p in hive.rglob("*") if p.is_file()]
            keys = sorted((_identity(p) for p in paths), key=lambda k: -k[3])
        except OSError:
            return
        for key in keys:
            future = Future()
            with _lock:
                _prefetched[key] = future
            try:
                future.set_result(_compute(Path(key[0]), key[3]))
            except Exception as exc:  # noqa: BLE001 (best effort: the caller reads the file again)
                future.set_exception(exc)

    threading.Thread(target=run, name="influence-prefetch", daemon=True).start()
