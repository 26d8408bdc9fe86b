#!/usr/bin/env python3
"""Reference driver for PEP 440: PyPI `packaging` (`packaging.version.Version`).

Reads "A<TAB>B" lines and prints -1, 0, 1, or err when either does not parse.
"""
import sys

from packaging.version import InvalidVersion, Version

out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        out.append("err")
        continue
    out.append("-1" if va < vb else "0" if va == vb else "1")
sys.stdout.write("\n".join(out) + "\n")
