#!/usr/bin/env bash
# Truth for the language packages of the bookworm-app fixture image, made with the real tools, never with
# Bulwark: umoci unpacks the OCI layout (applying whiteouts), pip lists each dist-packages directory, npm
# lists /app, and tar lists each layer blob to tell which layer wrote each package's metadata file.
#   apt-get install -y umoci python3-pip npm   (any pip >= 21 and npm >= 7 do)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fx=${BULWARK_FIXTURES:-$here/../../../../../../../shared/fixtures}/images
tmp=$(mktemp -d); trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
cp -r "$fx/oci-mini" "$tmp/oci"
umoci --log error unpack --rootless --image "$tmp/oci:bookworm-app" "$tmp/b" >/dev/null
root=$tmp/b/rootfs
python3 -m pip list --format json --path "$root/usr/local/lib/python3.11/dist-packages" > "$here/pip-usr-local.json"
python3 -m pip list --format json --path "$root/usr/lib/python3/dist-packages" > "$here/pip-debian.json"
(cd "$root/app" && npm ls --all --json > "$here/npm-ls-app.json" || true)
# Which layer wrote each metadata file: the layer blobs in manifest order (0 = bottom).
manifest=$(python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/index.json"))
m=[x for x in idx["manifests"] if x.get("annotations",{}).get("org.opencontainers.image.ref.name")=="bookworm-app"][0]
print(m["digest"].split(":")[1])' "$tmp/oci")
python3 -c 'import json,sys
m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2]))
for l in m["layers"]: print(l["digest"].split(":")[1])' "$tmp/oci" "$manifest" > "$tmp/layers"
i=0; : > "$here/layer-files.tsv"
while read -r d; do
  tar -tzf "$tmp/oci/blobs/sha256/$d" | grep -E '(\.dist-info/METADATA|\.egg-info(/PKG-INFO)?|node_modules/.*/package\.json|nodejs/[^/]+/package\.json)$' \
    | sed "s|^\./||; s|^|$i\t/|" >> "$here/layer-files.tsv" || true
  i=$((i+1))
done < "$tmp/layers"
wc -l "$here"/*.json "$here/layer-files.tsv"
