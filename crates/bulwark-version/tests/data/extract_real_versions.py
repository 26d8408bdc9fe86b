#!/usr/bin/env python3
"""Regenerates tests/data/real-<scheme>.txt from real version strings (see README.md)."""
import json, os, random, subprocess, sys, zipfile, glob

FIX = os.environ.get("BULWARK_FIXTURES", "/work/shared/fixtures")
OUT = os.path.dirname(os.path.abspath(__file__))
random.seed(440)


def osv_versions(zip_name, ecosystems=None):
    out = set()
    with zipfile.ZipFile(os.path.join(FIX, "vulndata/osv", zip_name)) as z:
        for name in z.namelist():
            rec = json.loads(z.read(name))
            for aff in rec.get("affected", []):
                out.update(aff.get("versions", []))
                for r in aff.get("ranges", []):
                    if r.get("type") == "GIT":
                        continue
                    for ev in r.get("events", []):
                        for k, v in ev.items():
                            if k in ("introduced", "fixed", "last_affected") and v != "0":
                                out.add(v)
    return out


def write(scheme, versions, n=1500):
    versions = sorted(v for v in versions if v and "\t" not in v and "\n" not in v)
    if len(versions) > n:
        versions = sorted(random.sample(versions, n))
    with open(os.path.join(OUT, f"real-{scheme}.txt"), "w") as f:
        f.write("".join(v + "\n" for v in versions))
    print(scheme, len(versions))


def lines(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.split()


write("pep440", osv_versions("PyPI-all.zip"))
write("rpm", osv_versions("AlmaLinux-all.zip"))
write("go", osv_versions("Go-all.zip"))
write("semver", osv_versions("crates.io-all.zip") | set(lines(
    "cat /usr/share/nodejs/*/package.json /usr/lib/node_modules/npm/node_modules/*/package.json 2>/dev/null"
    " | python3 -c \"import sys,re; [print(m) for m in re.findall(r'\\\"version\\\": \\\"([^\\\"]+)\\\"', sys.stdin.read())]\"")))
write("dpkg", set(lines("dpkg-query -W -f '${Version}\\n'")) | set(lines("apt-cache dumpavail | sed -n 's/^Version: //p'")))
apk = set()
for path in glob.glob(os.path.join(FIX, "vulndata/alpine-secdb/*/*.json")):
    for p in json.load(open(path)).get("packages") or []:
        apk.update((p["pkg"].get("secfixes") or {}).keys())
write("apk", apk)
write("maven", set(lines("ls -d /usr/share/maven-repo/*/*/* /usr/share/maven-repo/*/*/*/* 2>/dev/null | xargs -n1 basename")))
write("rubygems", set(lines("gem list --local 2>/dev/null | tr -d '(),' | tr ' ' '\\n' | grep '^[0-9]'")))


def osv_pypi_enumerated(n=200, cap=25):
    """OSV PyPI records whose versions[] (OSV's enumeration of affected releases) agrees with
    their ECOSYSTEM ranges for every release of the package seen in any record; expected
    answers are OSV's lists, not ours."""
    from collections import defaultdict
    from packaging.version import InvalidVersion, Version

    def in_range(v, events):
        evs = []
        for e in events:
            ((k, s),) = e.items()
            evs.append((k, s, None if (k == "introduced" and s == "0") else Version(s)))
        evs.sort(key=lambda e: (e[2] is not None, e[2] or Version("0")))
        hit = False
        for k, s, ev in evs:
            if k == "introduced" and (ev is None or v >= ev):
                hit = True
            elif k == "fixed" and v >= ev:
                hit = False
            elif k == "last_affected" and v > ev:
                hit = False
        return hit

    z = zipfile.ZipFile(os.path.join(FIX, "vulndata/osv/PyPI-all.zip"))
    releases = defaultdict(set)
    records = []
    for name in sorted(z.namelist()):
        rec = json.loads(z.read(name))
        if rec.get("withdrawn"):
            continue
        for aff in rec.get("affected", []):
            pkg = aff.get("package", {}).get("name")
            releases[pkg].update(aff.get("versions", []))
            ranges = [r for r in aff.get("ranges", []) if r["type"] == "ECOSYSTEM"]
            if ranges and aff.get("versions"):
                records.append((rec["id"], pkg, ranges, set(aff["versions"])))
    good = []
    for rid, pkg, ranges, listed in records:
        try:
            yes, no = [], []
            for c in sorted(releases[pkg]):
                hit = any(in_range(Version(c), r["events"]) for r in ranges)
                if hit != (c in listed):
                    raise ValueError
                (yes if hit else no).append(c)
        except (ValueError, InvalidVersion):
            continue
        good.append({
            "id": rid,
            "package": pkg,
            "ranges": [{"type": r["type"], "events": r["events"]} for r in ranges],
            "affected_versions": sorted(random.sample(yes, min(cap, len(yes)))),
            "unaffected_versions": sorted(random.sample(no, min(cap, len(no)))),
        })
    good = sorted(random.sample(good, min(n, len(good))), key=lambda g: g["id"])
    with open(os.path.join(OUT, "osv-pypi-enumerated.json"), "w") as f:
        json.dump(good, f, indent=0, sort_keys=True)
        f.write("\n")
    print("osv-pypi-enumerated", len(good))


osv_pypi_enumerated()
