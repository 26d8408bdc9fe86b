#!/usr/bin/env python3
"""Exec-to-alert latency of `bulwark runtime watch`: N execs of a marker binary, each matched by a rule on
`spawned_process`; prints p50/p90/p99/max in ms from the moment just before the exec is started (Popen, so the
fork is included) to the arrival of the alert line on watch's stdout.

usage: runtime_latency.py BULWARK N

The marker is a copy of `sleep` named `bwmark` (it lives 50 ms, so /proc still has it when the exec event is
enriched); watch is given `--pid-tree` of this script, so the other processes of the machine are not watched.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    bw, n = sys.argv[1], int(sys.argv[2])
    tmp = tempfile.mkdtemp()
    marker = os.path.join(tmp, "bwmark")
    shutil.copy(shutil.which("sleep"), marker)
    rules = os.path.join(tmp, "r.yaml")
    with open(rules, "w") as f:
        f.write(
            "- macro: spawned_process\n  condition: (evt.type in (execve, execveat) and evt.dir=<)\n"
            "- rule: Marker exec\n  desc: bench marker\n  condition: spawned_process and proc.name = bwmark\n"
            "  output: \"%proc.cmdline\"\n  priority: INFO\n"
        )
    w = subprocess.Popen(
        [bw, "runtime", "watch", "--rules", rules, "--pid-tree", str(os.getpid()), "-f", "falco-json",
         "--learn-events", "0", "--learn-for", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )
    line = w.stderr.readline()
    if "watching" not in line:
        raise SystemExit(f"watch did not start: {line}{w.stderr.read()}")
    threading.Thread(target=lambda: [None for _ in w.stderr], daemon=True).start()
    arrived = {}
    done = threading.Event()

    def read():
        for l in w.stdout:
            t = time.monotonic_ns()
            try:
                out = json.loads(l)["output"]
            except (ValueError, KeyError):
                continue
            arg = out.rsplit(" ", 1)[-1]
            if arg.startswith("0.05"):
                arrived[arg] = t
                if len(arrived) >= n:
                    done.set()
                    return

    threading.Thread(target=read, daemon=True).start()
    started, procs = {}, []
    for i in range(n):
        arg = f"0.05{i:06d}"
        started[arg] = time.monotonic_ns()
        procs.append(subprocess.Popen([marker, arg]))
        time.sleep(0.005)
        if len(procs) > 50:
            procs.pop(0).wait()
    for p in procs:
        p.wait()
    done.wait(30)
    w.terminate()
    w.wait()
    lat = sorted((arrived[a] - started[a]) / 1e6 for a in arrived if a in started)
    if not lat:
        raise SystemExit("no alerts arrived")
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"execs {n} alerts {len(lat)} p50_ms {pick(0.5):.2f} p90_ms {pick(0.9):.2f} p99_ms {pick(0.99):.2f} max_ms {lat[-1]:.2f}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
