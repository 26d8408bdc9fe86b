#!/usr/bin/python3
"""Reference driver for the rpm scheme (Debian's python3-rpm, so /usr/bin/python3).

Reads "A<TAB>B" lines and prints rpm.labelCompare's answer (-1, 0, 1), or err when rpm refuses
a version (ValueError: an empty version part). rpm.ver() splits each string into
(epoch, version, release) with rpm's own EVR parser.
"""
import sys

import rpm

out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    va, vb = rpm.ver(a), rpm.ver(b)
    try:
        out.append(str(rpm.labelCompare((va.e, va.v, va.r), (vb.e, vb.v, vb.r))))
    except ValueError:
        out.append("err")
sys.stdout.write("\n".join(out) + "\n")
