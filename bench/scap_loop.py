#!/usr/bin/env python3
"""Write a capture that repeats another capture's event blocks until it holds at least N events.

usage: scap_loop.py IN.scap[.gz] OUT.scap N

The blocks before the first event block (section header, machine info, interface/user/process/fd lists) are
written once, then the event blocks (EV 0x204, EV_V2 0x216, EVF 0x208, EVF_V2 0x217, and the large variants) are
written again and again, in order, until N events are out. Everything else in the file keeps its bytes: the
replayed events are the same syscalls of the same threads, so both readers (sysdig and Bulwark) see the same
input and build the same state. Output is uncompressed, so that neither reader spends its time in gunzip.
"""
import gzip
import struct
import sys

EVENT_BLOCKS = {0x204, 0x216, 0x208, 0x217, 0x221, 0x222}


def blocks(data):
    off = 0
    while off < len(data):
        if off + 8 > len(data):
            raise SystemExit(f"truncated block header at byte {off}")
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12 or off + blen > len(data):
            raise SystemExit(f"bad block length {blen} at byte {off}")
        yield btype, data[off:off + blen]
        off += blen


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    raw = open(src, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    head, events = [], []
    for btype, b in blocks(raw):
        if btype in EVENT_BLOCKS:
            events.append(b)
        elif not events:
            head.append(b)
        # Blocks after the first event (none in the fixtures) are dropped: they would repeat state.
    if not events:
        raise SystemExit(f"{src}: no event blocks")
    chunk = b"".join(events)
    written = 0
    with open(dst, "wb") as out:
        out.write(b"".join(head))
        while written < want:
            out.write(chunk)
            written += len(events)
    print(written)


if __name__ == "__main__":
    main()
