#!/usr/bin/env python3
"""Write a `db_load` input (bytevalue dump format) holding the N smallest header blobs of an
rpmdb.sqlite, keyed by rpm's 4-byte header number, plus rpm's key-0 record.

Usage: make_bdb.py rpmdb.sqlite N {little|big} | db5.3_load -c db_lorder=1234 Packages
Keys are written in the byte order of the database being made, as rpm on such a host would.
"""
import sqlite3
import struct
import sys

db, n, order = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fmt = "<I" if order == "little" else ">I"
c = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
rows = c.execute(
    "SELECT hnum, blob FROM Packages ORDER BY length(blob), hnum LIMIT ?", (n,)
).fetchall()
print("VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END")
# rpm < 4.16 keeps the last used header number under key 0.
print(" " + struct.pack(fmt, 0).hex())
print(" " + struct.pack(fmt, max(h for h, _ in rows)).hex())
for hnum, blob in sorted(rows):
    print(" " + struct.pack(fmt, hnum).hex())
    print(" " + blob.hex())
print("DATA=END")
