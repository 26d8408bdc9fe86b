#!/usr/bin/env bash
# Regenerates bookworm-app-copyright.json from the shared fixture image with tools independent of Bulwark:
# umoci unpacks the OCI layout (applying whiteouts), dpkg-query lists the installed packages, and python-debian's
# debian.copyright module parses each DEP-5 copyright file.
#   apt-get install -y umoci dpkg python3-debian
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fx=${BULWARK_FIXTURES:-$here/../../../../shared/fixtures}/images
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$fx/oci-mini" "$tmp/oci"; chmod -R u+w "$tmp/oci"
umoci --log error unpack --rootless --image "$tmp/oci:bookworm-app" "$tmp/b" >/dev/null
/usr/bin/python3 "$here/copyright_truth.py" "$tmp/b/rootfs" > "$here/bookworm-app-copyright.json"
