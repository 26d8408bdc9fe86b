#!/usr/bin/env python3
"""Convert an NDB Packages.db into `rpmdb --exportdb` format so Debian's rpm (which has no
NDB backend) can import it with `rpmdb --importdb` and answer queries about it.

Independent of the Rust reader: it follows rpm's lib/backend/ndb/rpmpkg.c layout directly
(slot pages of 16-byte "Slot" entries; blobs framed by "BlbS" head and "BlbE" tail).
Usage: ndb_export.py Packages.db > export.bin
"""
import struct
import sys
import zlib

HEADER_MAGIC = b"\x8e\xad\xe8\x01\x00\x00\x00\x00"  # rpm's header magic, as --exportdb writes

data = open(sys.argv[1], "rb").read()
assert data[:4] == b"RpmP", "not an NDB database"
slot_pages = struct.unpack_from("<I", data, 12)[0]
slots = []
for off in range(32, slot_pages * 4096, 16):
    magic, pkgidx, blkoff, blkcnt = struct.unpack_from("<4sIII", data, off)
    assert magic == b"Slot"
    if blkoff:
        slots.append((pkgidx, blkoff, blkcnt))
out = sys.stdout.buffer
for pkgidx, blkoff, blkcnt in sorted(slots):
    start = blkoff * 16
    magic, idx, _gen, length = struct.unpack_from("<4sIII", data, start)
    assert magic == b"BlbS" and idx == pkgidx
    end = start + blkcnt * 16
    adler, tlen, tmagic = struct.unpack_from("<II4s", data, end - 12)
    assert tmagic == b"BlbE" and tlen == length
    assert zlib.adler32(data[start:end - 12]) == adler, "checksum"
    out.write(HEADER_MAGIC + data[start + 16:start + 16 + length])
