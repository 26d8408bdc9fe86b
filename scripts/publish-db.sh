#!/usr/bin/env bash
# Builds Bulwark's vulnerability DB from the feeds, signs it and pushes it as an OCI artifact: the artifact that
# `bulwark db update` and the first `bulwark scan` pull (ghcr.io/bulwark-security/bulwark-db:1 by default).
#
# Usage:
#   scripts/publish-db.sh --key KEY.pem [--repository REGISTRY/REPO:TAG] [--public-key KEY.pub]
#                         [--bulwark BIN] [--work DIR] [--dest-tls-verify=false] [FEED FLAGS...]
#
#   --key KEY.pem        ECDSA P-256 private key (PEM) that signs the DB; or $BULWARK_DB_SIGNING_KEY (a path).
#                        The project's key is a secret of the publishing workflow, never in the repository.
#   --repository REF     where to push [default: $BULWARK_DB_PUBLISH_REPOSITORY, else
#                        ghcr.io/bulwark-security/bulwark-db:1].
#   --public-key KEY.pub the signature must verify with this key before anything is pushed [default, when
#                        pushing to the default repository: crates/bulwark-vulndb/keys/bulwark-db.pub, the key
#                        built into Bulwark].
#   --bulwark BIN        the bulwark binary [default: $BULWARK, else target/release/bulwark, built if missing].
#   --work DIR           where the DB, its gzip, signature and OCI layout are written [default: a temp dir,
#                        removed at the end].
#   --dest-tls-verify=false   passed to skopeo (plain-HTTP registries).
#   FEED FLAGS           passed to `bulwark db update --from-feeds`: --osv-url, --debian-url, --secdb-url,
#                        --nvd-url, --epss-url, --kev-url (mirrors). Without them, the public feeds.
#
# Registry credentials: $REGISTRY_USERNAME and $REGISTRY_PASSWORD (skopeo --dest-creds), else skopeo's own
# auth file (`skopeo login`).
#
# The artifact: an OCI image manifest (artifactType application/vnd.bulwark.db.v1, empty config) with one layer,
# the gzip of the DB, media type application/vnd.bulwark.db.layer.v1.sqlite+gzip, whose annotation
# dev.bulwark.signature holds the base64 ECDSA P-256/SHA-256 signature over the layer bytes (what
# `cosign sign-blob --key` and `openssl dgst -sha256 -sign` make).
#
# Needs: bash, openssl, gzip, sha256sum, base64, skopeo.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_repo="ghcr.io/bulwark-security/bulwark-db:1"
key="${BULWARK_DB_SIGNING_KEY:-}"
repo="${BULWARK_DB_PUBLISH_REPOSITORY:-$default_repo}"
pub=""
bw="${BULWARK:-}"
work=""
tls=()
feeds=()

die() { echo "publish-db.sh: $*" >&2; exit 2; }

while (($#)); do
    case "$1" in
    --key) key="$2"; shift 2 ;;
    --repository) repo="$2"; shift 2 ;;
    --public-key) pub="$2"; shift 2 ;;
    --bulwark) bw="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --dest-tls-verify=*) tls=("$1"); shift ;;
    --osv-url | --debian-url | --secdb-url | --nvd-url | --epss-url | --kev-url)
        (($# >= 2)) || die "$1 needs a URL"
        feeds+=("$1" "$2"); shift 2 ;;
    -h | --help) sed -n '2,32p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done

[[ -n "$key" ]] || die "no signing key: pass --key KEY.pem or set BULWARK_DB_SIGNING_KEY"
[[ -r "$key" ]] || die "cannot read signing key $key"
for tool in openssl gzip sha256sum base64 skopeo; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y openssl gzip coreutils skopeo)"
done
if [[ -z "$pub" && "$repo" == "$default_repo" ]]; then
    pub="$root/crates/bulwark-vulndb/keys/bulwark-db.pub"
fi
if [[ -z "$bw" ]]; then
    bw="$root/target/release/bulwark"
    [[ -x "$bw" ]] || (cd "$root" && cargo build --release -q -p bulwark)
fi

cleanup=""
if [[ -z "$work" ]]; then
    work="$(mktemp -d)"
    cleanup="$work"
fi
trap '[[ -n "$cleanup" ]] && rm -rf "$cleanup"' EXIT
mkdir -p "$work"
db="$work/bulwark.db"

# 1. Build from the feeds; an unreadable or empty feed fails the build, so nothing stale or empty is pushed.
echo "publish-db.sh: building the DB from ${#feeds[@]} feed flags (none = the public feeds)" >&2
"$bw" db update --from-feeds -q --db "$db" "${feeds[@]}"
"$bw" db info --db "$db" >&2

# 2. Compress reproducibly (no name, no time stamp) and sign the exact bytes that are pushed.
gzip -n -9 -c "$db" >"$db.gz"
openssl dgst -sha256 -sign "$key" -out "$db.gz.sig" "$db.gz"
if [[ -n "$pub" ]]; then
    openssl dgst -sha256 -verify "$pub" -signature "$db.gz.sig" "$db.gz" >/dev/null ||
        die "the signature does not verify with $pub: is $key the matching private key?"
fi
sig_b64="$(base64 -w0 "$db.gz.sig")"

# 3. An OCI layout holding the artifact.
layout="$work/layout"
rm -rf "$layout"
mkdir -p "$layout/blobs/sha256"
put() { # FILE -> "DIGEST SIZE"; moves FILE into the layout
    local d s
    d="$(sha256sum "$1" | cut -d' ' -f1)"
    s="$(stat -c %s "$1")"
    mv "$1" "$layout/blobs/sha256/$d"
    echo "$d $s"
}
printf '{}' >"$work/config.json"
read -r config_d config_s < <(put "$work/config.json")
cp "$db.gz" "$work/layer"
read -r layer_d layer_s < <(put "$work/layer")
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.bulwark.db.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.bulwark.db.layer.v1.sqlite+gzip","digest":"sha256:%s","size":%s,"annotations":{"dev.bulwark.signature":"%s","org.opencontainers.image.title":"bulwark.db.gz"}}],"annotations":{"org.opencontainers.image.created":"%s"}}' \
    "$config_d" "$config_s" "$layer_d" "$layer_s" "$sig_b64" "$created" >"$work/manifest.json"
read -r manifest_d manifest_s < <(put "$work/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"db"}}]}' \
    "$manifest_d" "$manifest_s" >"$layout/index.json"

# 4. Push.
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
creds=()
if [[ -n "${REGISTRY_USERNAME:-}" ]]; then
    creds=(--dest-creds "$REGISTRY_USERNAME:${REGISTRY_PASSWORD:-}")
fi
skopeo --policy "$work/policy.json" copy -q "${tls[@]}" "${creds[@]}" "oci:$layout:db" "docker://$repo"
echo "publish-db.sh: pushed $repo (layer sha256:$layer_d, $layer_s bytes, signed)" >&2
