#!/usr/bin/env python3
"""Which tables and indexes a SQLite WAL's frames belong to: where a workload's page writes go.

Usage: wal_pages.py DATABASE WAL_COPY

DATABASE is a copy of the database file and WAL_COPY a copy of its -wal file, both taken while the workload runs (copy the
WAL first, then the database, then read them here: opening the database next to a -wal file named after it would
checkpoint and delete that WAL). Every frame of WAL_COPY is counted, the older frames after a restart included (they are
whole commits too), and mapped to its table or index through SQLite's dbstat table (Python's sqlite3 module has it).
Pages allocated after the database copy was taken show as "(new page)".
"""
import collections
import sqlite3
import struct
import sys


def commits(wal_path):
    with open(wal_path, "rb") as wal:
        data = wal.read()
    page_size = struct.unpack(">I", data[8:12])[0]
    offset, current, found = 32, [], []
    while offset + 24 + page_size <= len(data):
        page, size_after_commit = struct.unpack(">2I", data[offset:offset + 8])
        current.append(page)
        if size_after_commit:
            found.append(current)
            current = []
        offset += 24 + page_size
    return found


def main():
    database, wal_copy = sys.argv[1], sys.argv[2]
    groups = commits(wal_copy)
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    owner = {page: name for name, page in connection.execute("SELECT name, pageno FROM dbstat")}
    counts = collections.Counter(owner.get(page, "(new page)") for group in groups for page in group)
    frames = sum(counts.values())
    print(f"{len(groups)} commits, {frames} frames, {frames / max(len(groups), 1):.1f} frames per commit")
    for name, n in counts.most_common():
        print(f"{name:32s} {n:8d} {n / len(groups):7.2f} per commit {100 * n / frames:6.1f} %")


if __name__ == "__main__":
    main()
