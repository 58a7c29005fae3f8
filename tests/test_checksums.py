"""Input checksums: a CRC-32 per block, the same whether prefetched or read on demand, a prefetched one served once."""

from __future__ import annotations

import time
import zlib

from influence_lib import checksums


def test_a_checksum_lists_the_crc_of_each_block(tmp_path, monkeypatch):
    monkeypatch.setattr(checksums, "BLOCK", 1000)
    path = tmp_path / "posts.csv"
    data = bytes(range(256)) * 20  # 5,120 bytes: 6 blocks, the last one short
    path.write_bytes(data)
    expected = tuple(zlib.crc32(data[i:i + 1000]) for i in range(0, len(data), 1000))
    assert checksums.file_checksum(path) == expected
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert checksums.file_checksum(empty) == (zlib.crc32(b""),)
    path.write_bytes(data[:-1] + b"\x00")  # one byte changed
    assert checksums.file_checksum(path)[-1] != expected[-1]
    path.write_bytes(data)
    monkeypatch.setattr(checksums, "_CHUNK", 300)  # each block read in pieces, the CRC carried over
    assert checksums.file_checksum(path) == expected


def test_a_prefetched_checksum_is_the_same_and_serves_once(tmp_path, monkeypatch):
    (tmp_path / "posts.csv").write_bytes(b"post_id\n" + b"p1\n" * 1000)
    (tmp_path / "notes.txt").write_bytes(b"not an input")
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "part-0.parquet").write_bytes(b"PAR1")
    computed = []
    original = checksums._compute
    monkeypatch.setattr(checksums, "_compute", lambda path, size: computed.append(path.name) or original(path, size))
    checksums.prefetch(tmp_path)
    deadline = time.monotonic() + 10
    while len(computed) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert sorted(computed) == ["part-0.parquet", "posts.csv"]  # the likely inputs only
    assert checksums.file_checksum(tmp_path / "posts.csv") == (zlib.crc32(b"post_id\n" + b"p1\n" * 1000),)
    assert computed.count("posts.csv") == 1  # taken from the prefetch
    checksums.file_checksum(tmp_path / "posts.csv")
    assert computed.count("posts.csv") == 2  # read again: a prefetched result serves once
