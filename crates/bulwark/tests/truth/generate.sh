#!/usr/bin/env bash
# Regenerates the inventory truth files from the shared fixture images with the real tools, never with
# Bulwark: skopeo (reads docker-archives), umoci (unpacks OCI layouts, applying whiteouts), dpkg-query, and
# for Alpine an awk read of apk's own database (apk-tools is not packaged in Debian).
#   apt-get install -y skopeo umoci dpkg
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fx=${BULWARK_FIXTURES:-$here/../../../../../shared/fixtures}/images
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
policy=$tmp/policy.json; echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$policy"
QF='${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Status}\n'

unpack() { # layout tag -> rootfs dir
  umoci --log error unpack --rootless --image "$1:$2" "$tmp/b-$3" >/dev/null
  echo "$tmp/b-$3/rootfs"
}
dpkg_truth() { # rootfs out
  dpkg-query --admindir="$1/var/lib/dpkg" -W -f="$QF" | awk -F'\t' '$6!="not-installed" && $6!="config-files" {print $1"\t"$2"\t"$3"\t"$4"\t"$5}' | LC_ALL=C sort > "$2"
}
apk_truth() { # rootfs out
  awk -F: '/^P:/{p=substr($0,3)} /^V:/{v=substr($0,3)} /^A:/{a=substr($0,3)} /^o:/{o=substr($0,3)}
           /^$/{if(p!="")print p"\t"v"\t"a"\t"o"\t"v; p=v=a=o=""} END{if(p!="")print p"\t"v"\t"a"\t"o"\t"v}' \
      "$1/lib/apk/db/installed" | LC_ALL=C sort > "$2"
}

# OCI layout, both tags.
cp -r "$fx/oci-mini" "$tmp/oci"
dpkg_truth "$(unpack "$tmp/oci" bookworm-app oci-bw)" "$here/oci-mini-bookworm-app.tsv"
apk_truth "$(unpack "$tmp/oci" alpine-3.14 oci-al)" "$here/oci-mini-alpine-3.14.tsv"
# docker-archives, converted by skopeo (an independent reader of the docker-archive format).
for a in bookworm-app-mini alpine314 alpine314-mini; do
  skopeo --policy "$policy" copy -q "docker-archive:$fx/$a.docker.tar" "oci:$tmp/da-$a:t"
  root=$(unpack "$tmp/da-$a" t "da-$a")
  if [ -d "$root/var/lib/dpkg" ]; then dpkg_truth "$root" "$here/$a.docker.tsv"; else apk_truth "$root" "$here/$a.docker.tsv"; fi
done
wc -l "$here"/*.tsv

# Layer attribution for bookworm-app: dpkg-query over the dpkg status file that each layer ships (layers
# without one leave the database unchanged). A package is attributed to the first layer from which it is
# present, at its final version, in every later status file.
i=0
for d in $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(l["digest"].split(":")[1] for l in m["layers"]))' \
           "$fx/oci-mini/blobs/sha256/$(python3 -c 'import json,sys; print([m for m in json.load(open(sys.argv[1]))["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"]=="bookworm-app"][0]["digest"].split(":")[1])' "$fx/oci-mini/index.json")"); do
  mkdir -p "$tmp/l$i/var/lib/dpkg"
  if tar -xzf "$fx/oci-mini/blobs/sha256/$d" -C "$tmp/l$i" var/lib/dpkg/status 2>/dev/null; then
    dpkg-query --admindir="$tmp/l$i/var/lib/dpkg" -W -f="$QF" | awk -F'\t' -v L=$i '$6!="not-installed" && $6!="config-files" {print L"\t"$1"\t"$2}'
  fi
  i=$((i+1))
done > "$tmp/per-layer.tsv"
awk -F'\t' '{ if (!($2 in ver) || ver[$2]!=$3 || last[$2]!=$1-1) first[$2]=$1; ver[$2]=$3; last[$2]=$1; max=$1 }
  END { for (p in first) if (last[p]==max) print p"\t"first[p] }' "$tmp/per-layer.tsv" | LC_ALL=C sort > "$here/bookworm-app-layers.tsv"
cut -f2 "$here/bookworm-app-layers.tsv" | sort | uniq -c
