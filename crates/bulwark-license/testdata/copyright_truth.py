"""Writes, for each installed dpkg package of an unpacked rootfs, the License short names that its
/usr/share/doc/<pkg>/copyright declares, read with python-debian's DEP-5 parser (debian.copyright), which is
independent of Bulwark. Usage: python3 copyright_truth.py ROOTFS > bookworm-app-copyright.json"""
import json
import os
import subprocess
import sys

from debian import copyright as dep5

root = sys.argv[1]
out = subprocess.run(
    ["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W",
     "-f=${Package}\t${source:Package}\t${db:Status-Status}\n"],
    check=True, capture_output=True, text=True).stdout
truth = {}
for line in out.splitlines():
    name, source, status = line.split("\t")
    if status in ("not-installed", "config-files"):
        continue
    entry = {"source": source, "copyright": None, "machineReadable": False, "licenses": []}
    path = os.path.join(root, "usr/share/doc", name, "copyright")
    if os.path.exists(path):
        # Symlinks (node-acorn-*, doc-dir links) are followed inside the rootfs.
        entry["copyright"] = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
        with open(path, encoding="utf-8", errors="replace") as f:
            try:
                c = dep5.Copyright(f, strict=False)
            except dep5.NotMachineReadableError:
                c = None
        if c is not None:
            entry["machineReadable"] = True
            names = set()
            if c.header.license is not None:
                names.add(c.header.license.synopsis)
            for p in c.all_files_paragraphs():
                if p.license is not None:
                    names.add(p.license.synopsis)
            entry["licenses"] = sorted(names)
    truth[name] = entry
json.dump(truth, sys.stdout, indent=1, sort_keys=True)
print()
