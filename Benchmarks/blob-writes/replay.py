#!/usr/bin/env python3
"""The hub's attachment write pattern re-played on the system's SQLite, and the variants docs/performance.md
("Attachments: 20 uploads of 25 MiB at once") weighs: bytes written to storage per byte stored, write and read
system calls per MB, CPU per MB and wall time. Python's sqlite3 module links the same libsqlite3 as swarmd
(Debian's, built with SQLITE_SECURE_DELETE).

The schema is SQLiteEventStore's migration v7-blobs; the connection is set up as GRDB's DatabasePool sets up
its writer (WAL, then `synchronous = NORMAL`). FILES uploads of SIZE bytes are written a 256 KiB chunk per
transaction, interleaved as concurrent uploads are on the hub's one writer, then each is finished as
`finishUpload` does (INSERT … SELECT into blob_chunk, DELETE of the staged rows), then a TRUNCATE checkpoint.

    python3 Benchmarks/blob-writes/replay.py [FILES [SIZE]]      # 4 × 26214400 by default: about 10 s
"""

import hashlib
import os
import resource
import sqlite3
import sys
import tempfile
import time

CHUNK = 262_144
SCHEMA = """
CREATE TABLE blob (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, chunks INTEGER NOT NULL,
                   created_at INTEGER NOT NULL);
CREATE TABLE blob_chunk (sha256 TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256, n));
CREATE TABLE blob_upload (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL);
CREATE TABLE blob_upload_chunk (upload TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,
                                PRIMARY KEY (upload, n));
"""


def io(name):
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def replay(folder, files, size, label, direct=False, page_size=4096, secure_delete=1, synchronous="NORMAL"):
    """direct: each chunk written once where it stays (under its upload's key; finishing adds the blob row)."""
    path = os.path.join(folder, "replay.sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size = {page_size}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    db.execute(f"PRAGMA secure_delete = {secure_delete}")
    db.executescript(SCHEMA)
    source = memoryview(os.urandom(size + files * 4099))
    contents = [source[i * 4099:i * 4099 + size] for i in range(files)]
    written, writes, reads, cpu0, started = io("write_bytes"), io("syscw"), io("syscr"), cpu(), time.monotonic()
    for i in range(files):
        db.execute("INSERT INTO blob_upload VALUES (?, 0)", (f"u{i}",))
    table = "blob_chunk" if direct else "blob_upload_chunk"
    for n in range((size + CHUNK - 1) // CHUNK):
        for i in range(files):
            db.execute("BEGIN IMMEDIATE")
            db.execute(f"INSERT INTO {table} VALUES (?, ?, ?)", (f"u{i}", n, bytes(contents[i][n * CHUNK:(n + 1) * CHUNK])))
            db.execute("COMMIT")
    for i in range(files):
        sha256 = hashlib.sha256(contents[i]).hexdigest()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO blob VALUES (?, ?, ?, 0)", (sha256, size, (size + CHUNK - 1) // CHUNK))
        if not direct:
            db.execute("INSERT INTO blob_chunk (sha256, n, data) SELECT ?, n, data FROM blob_upload_chunk "
                       "WHERE upload = ? ORDER BY n", (sha256, f"u{i}"))
            db.execute("DELETE FROM blob_upload_chunk WHERE upload = ?", (f"u{i}",))
        db.execute("DELETE FROM blob_upload WHERE id = ?", (f"u{i}",))
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wall, spent = time.monotonic() - started, cpu() - cpu0
    megabytes = files * size / 1e6
    print(f"| {label} | {(io('write_bytes') - written) / (files * size):.2f} | {(io('syscw') - writes) / megabytes:,.0f} "
          f"| {(io('syscr') - reads) / megabytes:,.0f} | {spent * 1000 / megabytes:.1f} ms | {wall:.2f} s |", flush=True)
    db.close()
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 26_214_400
    print(f"{files} uploads of {size:,} bytes, SQLite {sqlite3.sqlite_version}")
    print("| write pattern | written / stored | write calls per MB | read calls per MB | CPU per MB | wall |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="blob-replay-", dir=os.environ.get("TMPDIR", "/var/tmp")) as folder:
        replay(folder, files, size, "as the hub: stage, copy, delete (secure delete on)")
        replay(folder, files, size, "the same, `PRAGMA secure_delete = OFF`", secure_delete=0)
        replay(folder, files, size, "each chunk written once where it stays (no copy, no delete)", direct=True)
        replay(folder, files, size, "the same with 64 KiB pages", direct=True, page_size=65536)
        replay(folder, files, size, "as the hub with `synchronous = FULL`", synchronous="FULL")


if __name__ == "__main__":
    main()
