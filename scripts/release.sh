#!/usr/bin/env bash
# Builds Bulwark's release artifacts (not run in CI: two release builds take too long there).
#
# Usage:
#   scripts/release.sh VERSION OUT_DIR
#
# Writes to OUT_DIR (created; must be empty):
#   bulwark-VERSION-linux-amd64, bulwark-VERSION-linux-arm64   static musl binaries (release profile), with
#                                                              cargo-auditable's dependency list embedded
#   bulwark-VERSION-image-amd64.oci.tar, …-arm64.oci.tar       the container images (scripts/build-image.sh) as
#                                                              oci-archives (`skopeo copy oci-archive:F docker://…`)
#   bulwark-VERSION.cdx.json, bulwark-VERSION.spdx.json        the SBOM of the amd64 image, made by Bulwark
#   bulwark-VERSION-source.cdx.json                            the SBOM of the source tree (`bulwark scan fs .`)
#   bulwark-VERSION-self-scan.json                             Bulwark's scan of its image with its release
#                                                              policy (scripts/release-policy, stage release)
#   bulwark-VERSION-man.tar.gz, bulwark-VERSION-completions.tar.gz   man pages (docs/man) and shell completions
#   SHA256SUMS, SHA256SUMS.sig, bulwark-release.pub            checksums of all of the above, their signature
#                                                              by `bulwark sign-blob` (cosign's sign-blob form),
#                                                              and the public key that verifies it
#
# Environment:
#   RELEASE_SIGNING_KEY  the private key that signs SHA256SUMS (cosign's encrypted format with its password in
#                        BULWARK_PASSWORD, or a PEM) and RELEASE_SIGNING_PUB its public key. Without them an
#                        ephemeral ECDSA P-256 pair is generated and only its public key is kept: fine for a
#                        trial run, not for a published release.
#   RELEASE_DB           the vulnerability DB for the self-scan [default: the one `bulwark db update` fetches].
#   RELEASE_TARGETS      the Rust targets [default: "x86_64-unknown-linux-musl aarch64-unknown-linux-musl"].
#                        aarch64 links with `cargo zigbuild` (pip install ziglang cargo-zigbuild).
#   SOURCE_DATE_EPOCH    image timestamps [default: the HEAD commit's time].
#
# Needs: the musl targets (`rustup target add`), musl-tools (musl-gcc, for the C code of aws-lc-sys, SQLite,
# zstd and mimalloc on x86_64), cargo-auditable (`cargo install --locked cargo-auditable`), umoci, python3.
set -euo pipefail

die() { echo "release.sh: $*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: scripts/release.sh VERSION OUT_DIR"
version=$1
out=$2
case "$version" in *[!A-Za-z0-9._+-]* | "") die "bad version '$version'" ;; esac
cd "$(dirname "$0")/.."
repo=$PWD
mkdir -p "$out"
[ -z "$(ls -A "$out")" ] || die "$out is not empty"
out=$(cd "$out" && pwd)
export CARGO_INCREMENTAL=0
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
targets=${RELEASE_TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl}
cargo auditable --version >/dev/null 2>&1 || die "cargo-auditable missing: cargo install --locked cargo-auditable"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
log() { echo "release.sh [$(( $(date +%s) - t0 )) s]: $*" >&2; }

# A deterministic tar: sorted names, fixed owner and mtime.
dtar() { # OUT.tar[.gz] DIR
    local gz=()
    case "$1" in *.gz) gz=(--use-compress-program "gzip -n -9") ;; esac
    tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --format=posix \
        "${gz[@]}" -cf "$1" -C "$2" .
}

for target in $targets; do
    case "$target" in
        x86_64-unknown-linux-musl) arch=amd64; build=(build) ;;
        aarch64-unknown-linux-musl) arch=arm64; build=(zigbuild)
            command -v cargo-zigbuild >/dev/null || die "cargo-zigbuild missing (pip install ziglang cargo-zigbuild)" ;;
        *) die "unsupported target $target" ;;
    esac
    log "building $target (release)"
    s=$(date +%s)
    cargo auditable "${build[@]}" --release --locked -p bulwark --target "$target"
    log "built $target in $(( $(date +%s) - s )) s"
    cp "target/$target/release/bulwark" "$out/bulwark-$version-linux-$arch"
    IMAGE_VERSION=$version bash scripts/build-image.sh "$out/bulwark-$version-linux-$arch" "$work/image-$arch" "$version"
    dtar "$out/bulwark-$version-image-$arch.oci.tar" "$work/image-$arch"
done

# Bulwark describes and judges itself with the host's binary.
bin=$out/bulwark-$version-linux-amd64
[ -x "$bin" ] || die "the amd64 binary is needed to make the SBOMs and the signature"
image=oci:$work/image-amd64:$version
"$bin" sbom -q -f cyclonedx -o "$out/bulwark-$version.cdx.json" "$image"
"$bin" sbom -q -f spdx-json -o "$out/bulwark-$version.spdx.json" "$image"
"$bin" scan fs -q --no-vulns --skip-secrets --skip-malware -f cyclonedx -o "$out/bulwark-$version-source.cdx.json" .
db_args=()
[ -z "${RELEASE_DB:-}" ] || db_args=(--db "$RELEASE_DB" --offline)
log "self-scan with scripts/release-policy"
"$bin" scan image -q "${db_args[@]}" --policy scripts/release-policy --stage release -f json \
    -o "$out/bulwark-$version-self-scan.json" "$image" ||
    die "the release image fails its own policy (exit $?): see $out/bulwark-$version-self-scan.json"

mkdir -p "$work/man" "$work/completions"
cp docs/man/*.1 "$work/man/"
dtar "$out/bulwark-$version-man.tar.gz" "$work/man"
for sh in bash zsh fish powershell elvish; do
    "$bin" completions "$sh" > "$work/completions/bulwark.$sh"
done
dtar "$out/bulwark-$version-completions.tar.gz" "$work/completions"

(cd "$out" && sha256sum -- * | LC_ALL=C sort -k2 > SHA256SUMS)

if [ -n "${RELEASE_SIGNING_KEY:-}" ]; then
    key=$RELEASE_SIGNING_KEY
    pub=${RELEASE_SIGNING_PUB:?RELEASE_SIGNING_PUB: the public key of RELEASE_SIGNING_KEY}
else
    log "no RELEASE_SIGNING_KEY: signing with an ephemeral key (its private half is not kept)"
    export BULWARK_PASSWORD=${BULWARK_PASSWORD:-$(head -c 24 /dev/urandom | base64)}
    "$bin" keys generate --output-key-prefix "$work/ephemeral" >/dev/null
    key=$work/ephemeral.key
    pub=$work/ephemeral.pub
fi
cp "$pub" "$out/bulwark-release.pub"
"$bin" sign-blob --key "$key" --output-signature "$out/SHA256SUMS.sig" "$out/SHA256SUMS"
# The signature checks out with an independent verifier (what `cosign verify-blob --key` does for ECDSA).
base64 -d "$out/SHA256SUMS.sig" > "$work/sig.der"
openssl dgst -sha256 -verify "$out/bulwark-release.pub" -signature "$work/sig.der" "$out/SHA256SUMS" >/dev/null ||
    die "SHA256SUMS.sig does not verify with bulwark-release.pub"
(cd "$out" && sha256sum --quiet -c SHA256SUMS)
log "done: $out"
ls -l "$out" >&2
