#!/usr/bin/env python3
"""A TUF repository publisher for Bulwark's tests, written with python-tuf's Metadata API (the reference
implementation) and securesystemslib's signers. Pinned: tuf==7.0.1, securesystemslib[crypto]==1.6.0.

State lives in STATE/: keys/NAME.pem (PKCS#8 private keys), current/ROLE.json (the latest metadata of each
role) and repo/ (what is served: repo/metadata/, repo/targets/). Consistent snapshots are on: metadata is
published as N.root.json, V.snapshot.json, V.targets.json, V.ROLE.json (and timestamp.json); targets as
targets/SHA256.NAME.

Commands (each prints nothing on success):
  init STATE [--target NAME=FILE]... [--delegate ROLE=PATTERN]...
      root (2 keys: ed25519 + ecdsa, threshold 2), timestamp (ed25519), snapshot (ecdsa), targets (ed25519);
      a delegated targets role per --delegate (its own ed25519 key) trusted for PATTERN.
  publish STATE [--target NAME=FILE]...      add or replace targets; new targets (and delegated role),
                                             snapshot and timestamp versions
  timestamp STATE [--expires-days N] [--snapshot-version V]
                                             a new timestamp only (N may be negative: already expired)
  snapshot STATE --targets-version V         a new snapshot (and timestamp) listing targets version V
  rotate-root STATE --replace OLD=NEW [--sign-with K1,K2,...] [--threshold N]
                                             root version+1 with key OLD replaced by a new key NEW, signed by
                                             the listed keys (default: every old and new root key)
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import sys

from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

ROLES = ["root", "timestamp", "snapshot", "targets"]


def expiry(days):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now + datetime.timedelta(days=days)


def key_path(state, name):
    return os.path.join(state, "keys", name + ".pem")


def new_key(state, name, kind):
    signer = CryptoSigner.generate_ecdsa() if kind == "ecdsa" else CryptoSigner.generate_ed25519()
    pem = signer._private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    os.makedirs(os.path.join(state, "keys"), exist_ok=True)
    with open(key_path(state, name), "wb") as f:
        f.write(pem)
    return signer


def signer(state, name):
    with open(key_path(state, name), "rb") as f:
        priv = serialization.load_pem_private_key(f.read(), None)
    return CryptoSigner(priv)


def current(state, role):
    return Metadata.from_file(os.path.join(state, "current", role + ".json"))


def key_names(state):
    with open(os.path.join(state, "keys.json")) as f:
        return json.load(f)


def save_key_names(state, names):
    with open(os.path.join(state, "keys.json"), "w") as f:
        json.dump(names, f, indent=1)


def write(state, md, name, published):
    """Signs nothing; writes current/NAME.json and the published file repo/metadata/PUBLISHED."""
    ser = JSONSerializer(compact=False)
    os.makedirs(os.path.join(state, "current"), exist_ok=True)
    md.to_file(os.path.join(state, "current", name + ".json"), ser)
    os.makedirs(os.path.join(state, "repo", "metadata"), exist_ok=True)
    md.to_file(os.path.join(state, "repo", "metadata", published), ser)
    with open(os.path.join(state, "repo", "metadata", published), "rb") as f:
        data = f.read()
    return MetaFile(
        version=md.signed.version,
        length=len(data),
        hashes={"sha256": hashlib.sha256(data).hexdigest()},
    )


def sign(state, md, names):
    md.signatures.clear()
    for n in names:
        md.sign(signer(state, n), append=True)


def add_target(state, targets_md, name, path):
    with open(path, "rb") as f:
        data = f.read()
    tf = TargetFile.from_data(name, data, ["sha256"])
    targets_md.signed.targets[name] = tf
    digest = tf.hashes["sha256"]
    d, base = os.path.split(name)
    out = os.path.join(state, "repo", "targets", d, digest + "." + base)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(data)


def owner(state, name):
    """The role that should list target NAME: the first delegated role whose pattern matches, else targets."""
    top = current(state, "targets")
    if top.signed.delegations and top.signed.delegations.roles:
        for role in top.signed.delegations.roles.values():
            if role.is_delegated_path(name):
                return role.name
    return "targets"


def publish_snapshot_and_timestamp(state, changed_roles, ts_days=7):
    names = key_names(state)
    snap = current(state, "snapshot")
    for role, mf in changed_roles.items():
        snap.signed.meta[role + ".json"] = MetaFile(version=mf.version, length=mf.length, hashes=mf.hashes)
    snap.signed.version += 1
    snap.signed.expires = expiry(7)
    sign(state, snap, names["snapshot"])
    smf = write(state, snap, "snapshot", f"{snap.signed.version}.snapshot.json")
    ts = current(state, "timestamp")
    ts.signed.snapshot_meta = smf
    ts.signed.version += 1
    ts.signed.expires = expiry(ts_days)
    sign(state, ts, names["timestamp"])
    write(state, ts, "timestamp", "timestamp.json")


def cmd_init(a):
    state = a.state
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    names = {"root": ["root1", "root2"], "timestamp": ["ts1"], "snapshot": ["snap1"], "targets": ["targets1"]}
    kinds = {"root1": "ed25519", "root2": "ecdsa", "ts1": "ed25519", "snap1": "ecdsa", "targets1": "ed25519"}
    signers = {n: new_key(state, n, k) for n, k in kinds.items()}
    root = Metadata(Root(expires=expiry(365), consistent_snapshot=True))
    for role in ROLES:
        for n in names[role]:
            root.signed.add_key(signers[n].public_key, role)
    root.signed.roles["root"].threshold = 2
    targets = Metadata(Targets(expires=expiry(30)))
    delegated = {}
    for spec in a.delegate:
        role, pattern = spec.split("=", 1)
        s = new_key(state, role, "ed25519")
        names[role] = [role]
        if targets.signed.delegations is None:
            targets.signed.delegations = Delegations(keys={}, roles={})
        targets.signed.delegations.keys[s.public_key.keyid] = s.public_key
        targets.signed.delegations.roles[role] = DelegatedRole(
            name=role, keyids=[s.public_key.keyid], threshold=1, terminating=True, paths=[pattern]
        )
        delegated[role] = Metadata(Targets(expires=expiry(30)))
    save_key_names(state, names)
    for spec in a.target:
        name, path = spec.split("=", 1)
        md = targets
        for role, dmd in delegated.items():
            if targets.signed.delegations.roles[role].is_delegated_path(name):
                md = dmd
                break
        add_target(state, md, name, path)
    sign(state, root, names["root"])
    write(state, root, "root", "1.root.json")
    shutil.copy(os.path.join(state, "repo", "metadata", "1.root.json"), os.path.join(state, "root.json"))
    snap = Metadata(Snapshot(expires=expiry(7)))
    for role, dmd in delegated.items():
        sign(state, dmd, names[role])
        mf = write(state, dmd, role, f"1.{role}.json")
        snap.signed.meta[role + ".json"] = MetaFile(version=1, length=mf.length, hashes=mf.hashes)
    sign(state, targets, names["targets"])
    tmf = write(state, targets, "targets", "1.targets.json")
    snap.signed.meta["targets.json"] = MetaFile(version=1, length=tmf.length, hashes=tmf.hashes)
    sign(state, snap, names["snapshot"])
    smf = write(state, snap, "snapshot", "1.snapshot.json")
    ts = Metadata(Timestamp(expires=expiry(1), snapshot_meta=smf))
    sign(state, ts, names["timestamp"])
    write(state, ts, "timestamp", "timestamp.json")


def cmd_publish(a):
    state = a.state
    names = key_names(state)
    changed = {}
    mds = {}
    for spec in a.target:
        name, path = spec.split("=", 1)
        role = owner(state, name)
        md = mds.get(role) or current(state, role)
        mds[role] = md
        add_target(state, md, name, path)
    for role, md in mds.items():
        md.signed.version += 1
        md.signed.expires = expiry(30)
        sign(state, md, names[role])
        changed[role] = write(state, md, role, f"{md.signed.version}.{role}.json")
    publish_snapshot_and_timestamp(state, changed)


def cmd_timestamp(a):
    state = a.state
    names = key_names(state)
    ts = current(state, "timestamp")
    ts.signed.version += 1
    ts.signed.expires = expiry(a.expires_days)
    if a.snapshot_version is not None:
        published = os.path.join(state, "repo", "metadata", f"{a.snapshot_version}.snapshot.json")
        with open(published, "rb") as f:
            data = f.read()
        ts.signed.snapshot_meta = MetaFile(
            version=a.snapshot_version, length=len(data), hashes={"sha256": hashlib.sha256(data).hexdigest()}
        )
    sign(state, ts, names["timestamp"])
    write(state, ts, "timestamp", "timestamp.json")


def cmd_snapshot(a):
    state = a.state
    published = os.path.join(state, "repo", "metadata", f"{a.targets_version}.targets.json")
    with open(published, "rb") as f:
        data = f.read()
    mf = MetaFile(version=a.targets_version, length=len(data), hashes={"sha256": hashlib.sha256(data).hexdigest()})
    publish_snapshot_and_timestamp(state, {"targets": mf})


def cmd_rotate_root(a):
    state = a.state
    names = key_names(state)
    root = current(state, "root")
    old, new = a.replace.split("=", 1)
    kind = "ecdsa" if old == "root2" else "ed25519"
    s = new_key(state, new, kind)
    old_id = signer(state, old).public_key.keyid
    root.signed.revoke_key(old_id, "root")
    root.signed.add_key(s.public_key, "root")
    if a.threshold:
        root.signed.roles["root"].threshold = a.threshold
    root.signed.version += 1
    signers = a.sign_with.split(",") if a.sign_with else sorted(set(names["root"] + [new]))
    names["root"] = [n for n in names["root"] if n != old] + [new]
    sign(state, root, signers)
    write(state, root, "root", f"{root.signed.version}.root.json")
    save_key_names(state, names)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init")
    i.add_argument("state")
    i.add_argument("--target", action="append", default=[])
    i.add_argument("--delegate", action="append", default=[])
    pb = sub.add_parser("publish")
    pb.add_argument("state")
    pb.add_argument("--target", action="append", default=[])
    t = sub.add_parser("timestamp")
    t.add_argument("state")
    t.add_argument("--expires-days", type=int, default=1)
    t.add_argument("--snapshot-version", type=int)
    sn = sub.add_parser("snapshot")
    sn.add_argument("state")
    sn.add_argument("--targets-version", type=int, required=True)
    r = sub.add_parser("rotate-root")
    r.add_argument("state")
    r.add_argument("--replace", required=True)
    r.add_argument("--sign-with")
    r.add_argument("--threshold", type=int)
    a = p.parse_args()
    {"init": cmd_init, "publish": cmd_publish, "timestamp": cmd_timestamp, "snapshot": cmd_snapshot, "rotate-root": cmd_rotate_root}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
