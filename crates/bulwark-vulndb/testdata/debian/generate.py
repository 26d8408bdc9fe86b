#!/usr/bin/env python3
"""Writes a Debian security tracker feed (https://security-tracker.debian.org/tracker/data/json format) from the
shared fixture debian-bookworm-app-delta/expected-os-findings.json.

    python3 generate.py ../../../../../shared/fixtures/vulndata/debian-bookworm-app-delta/expected-os-findings.json \
        > bookworm-app-tracker.json

One entry per (source package, CVE) for release `bookworm`: status `resolved`, fixed_version = the fixture's
`fixed` (the newest bookworm-security version, an upper bound of the real fix version; every CVE listed lies
between the installed and this version), urgency = the highest urgency among the package's bookworm-security
changelog entries newer than the installed version (the changelog does not say which upload fixed which CVE).
"""
import json
import sys

RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4, "emergency": 4}


def main(path):
    entries = json.load(open(path))
    feed = {}
    for e in entries:
        urgencies = [c["urgency"] for c in e["changelog_entries"] if c["dist"] == "bookworm-security"]
        urgency = max(urgencies, key=lambda u: RANK.get(u.rstrip("*"), 0)) if urgencies else "not yet assigned"
        src = feed.setdefault(e["source"], {})
        for cve in e["cves"]:
            rel = {
                "status": "resolved",
                "repositories": {"bookworm": e["fixed"]},
                "fixed_version": e["fixed"],
                "urgency": urgency,
            }
            old = src.get(cve)
            if old and old["releases"]["bookworm"] != rel:
                sys.exit(f"{e['source']} {cve}: binaries disagree: {old['releases']['bookworm']} vs {rel}")
            src[cve] = {
                "description": f"{cve} in {e['source']} (fixed in bookworm-security {e['fixed']})",
                "scope": "remote",
                "releases": {"bookworm": rel},
            }
    json.dump(feed, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
