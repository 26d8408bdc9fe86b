#!/usr/bin/env python3
"""Write N Kubernetes audit events (JSON lines) by repeating the falco-k8saudit trace files, each copy with its
own auditID, so that a reader that deduplicates by auditID sees N distinct events.

usage: audit_gen.py TRACE_DIR OUT N

The events keep every other byte of the originals (the same rules match in every round).
"""
import os
import sys


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parts = []
    for name in sorted(os.listdir(src)):
        if not name.endswith(".json"):
            continue
        for line in open(os.path.join(src, name), encoding="utf-8"):
            line = line.strip()
            if not line:
                continue
            key = '"auditID":"'
            i = line.find(key)
            if i < 0:
                continue
            j = line.index('"', i + len(key))
            # prefix, the id's first 24 characters (kept), suffix; the last 12 characters become a counter.
            parts.append((line[: j - 12], line[j:] + "\n"))
    if not parts:
        raise SystemExit(f"{src}: no audit events")
    written = 0
    with open(dst, "w", encoding="utf-8", buffering=1 << 20) as out:
        while written < want:
            for pre, post in parts:
                out.write(f"{pre}{written:012x}{post}")
                written += 1
                if written >= want:
                    break
    print(written)


if __name__ == "__main__":
    main()
