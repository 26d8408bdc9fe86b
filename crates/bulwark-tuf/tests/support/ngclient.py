#!/usr/bin/env python3
"""python-tuf's own client (tuf.ngclient.Updater, tuf==7.0.1) on the same repository, as an independent verdict:
  ngclient.py METADATA_URL TARGETS_URL ROOT.json CACHE_DIR TARGET OUT
Bootstraps from ROOT.json the first time (then from the root.json python-tuf keeps in CACHE_DIR), refreshes, downloads TARGET to OUT. Exit 0 on
success; exit 1 printing the exception's class and message when python-tuf refuses."""

import os
import sys

from tuf.ngclient import Updater


def main():
    metadata_url, targets_url, root, cache, target, out = sys.argv[1:7]
    os.makedirs(cache, exist_ok=True)
    bootstrap = None
    if not os.path.exists(os.path.join(cache, "root.json")):
        with open(root, "rb") as f:
            bootstrap = f.read()
    try:
        u = Updater(
            metadata_dir=cache,
            metadata_base_url=metadata_url,
            target_base_url=targets_url + "/",
            bootstrap=bootstrap,
        )
        u.refresh()
        info = u.get_targetinfo(target)
        if info is None:
            raise LookupError(f"no target {target}")
        u.download_target(info, out)
    except Exception as e:  # noqa: BLE001 - the verdict is the point
        print(f"{type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
