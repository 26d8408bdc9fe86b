#!/usr/bin/env bash
# Builds Bulwark's container image as an OCI image layout, with no Docker daemon and no shell in the image.
#
# Usage:
#   scripts/build-image.sh BINARY OUT_DIR [TAG]
#
#   BINARY    a static bulwark binary (x86_64 or aarch64 musl: `cargo build --target x86_64-unknown-linux-musl`);
#             the architecture written in the image config is read from its ELF header.
#   OUT_DIR   the OCI image layout to create (must not exist, or be empty).
#   TAG       the tag in the layout's index.json [default: latest]. `bulwark scan image oci:OUT_DIR:TAG`.
#
# Environment:
#   SOURCE_DATE_EPOCH  every timestamp in the image (file mtimes, config `created`, history, the
#                      org.opencontainers.image.created label) [default: the commit time of HEAD of the
#                      repository this script is in, else 0]. Same binary + same epoch + same tag = same digests.
#   CA_BUNDLE          the CA certificates file to ship [default: /etc/ssl/certs/ca-certificates.crt, Debian's
#                      ca-certificates].
#   IMAGE_VERSION      org.opencontainers.image.version [default: TAG].
#   IMAGE_REVISION     org.opencontainers.image.revision [default: the HEAD commit, if any].
#
# The image (one layer, distroless-like): /usr/local/bin/bulwark, /etc/ssl/certs/ca-certificates.crt,
# /etc/passwd and /etc/group with root and nonroot (65532), /home/nonroot (65532, 0700), /tmp (1777). Nothing
# else: no /bin/sh, no package manager. Config: User 65532:65532, Entrypoint [/usr/local/bin/bulwark], no Cmd,
# Env PATH, SSL_CERT_FILE and HOME, org.opencontainers.image.* labels.
#
# How: the layer tar is written by Python's tarfile (sorted entries, fixed owners, modes and mtimes, ustar
# format, so the bytes depend only on the inputs; GNU tar cannot give one file a different owner than its
# stat says without root), then `umoci init`, `umoci new`, `umoci raw add-layer` and `umoci config` write the
# layout (umoci runs rootless: it only writes files). umoci's gzip output is deterministic.
set -euo pipefail

die() { echo "build-image.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: scripts/build-image.sh BINARY OUT_DIR [TAG]"
binary=$1
out=$2
tag=${3:-latest}
command -v umoci >/dev/null || die "umoci not found (Debian: apt-get install umoci)"
command -v python3 >/dev/null || die "python3 not found"
[ -f "$binary" ] || die "$binary: no such file"
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca" ] || die "$ca: no CA bundle (Debian: apt-get install ca-certificates, or set CA_BUNDLE)"
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then die "$out exists and is not empty"; fi
case "$tag" in
    *[!A-Za-z0-9._-]* | "" | [.-]*) die "bad tag '$tag' (letters, digits, . _ -)" ;;
esac

# The ELF header says what the binary is: 64-bit little-endian, e_machine 62 (x86-64) or 183 (AArch64), and
# whether it is dynamically linked (a PT_INTERP program header).
read -r arch linking < <(python3 - "$binary" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
if b[:4] != b"\x7fELF" or b[4] != 2 or b[5] != 1:
    sys.exit(f"{sys.argv[1]}: not a 64-bit little-endian ELF file")
machine = struct.unpack_from("<H", b, 18)[0]
arch = {62: "amd64", 183: "arm64"}.get(machine)
if arch is None:
    sys.exit(f"{sys.argv[1]}: ELF machine {machine} is neither x86-64 nor AArch64")
phoff, = struct.unpack_from("<Q", b, 32)
phentsize, phnum = struct.unpack_from("<HH", b, 54)
dynamic = any(struct.unpack_from("<I", b, phoff + i * phentsize)[0] == 3 for i in range(phnum))
print(arch, "dynamic" if dynamic else "static")
EOF
) || die "cannot read $binary as an ELF binary"
[ -n "${arch:-}" ] || die "cannot read $binary as an ELF binary"

# A dynamically linked binary (the glibc build CI tests with, see ARCHITECTURE.md "Packaging") only with
# IMAGE_ALLOW_DYNAMIC=1: its ELF interpreter and libraries (as `ldd` resolves them on this Debian host) are
# copied in, with their Debian packages' dpkg stanzas in var/lib/dpkg/status.d/ (as distroless images carry
# them), file lists in var/lib/dpkg/info/, copyright files and /etc/os-release, so an SBOM accounts for every file.
extras=$(mktemp)
trap 'rm -f "$extras"' EXIT
if [ "$linking" = dynamic ]; then
    [ "${IMAGE_ALLOW_DYNAMIC:-}" = 1 ] ||
        die "$binary is dynamically linked: build it with --target x86_64-unknown-linux-musl (or aarch64-…), or set IMAGE_ALLOW_DYNAMIC=1 for a test image that carries its libraries"
    command -v dpkg-query >/dev/null || die "a dynamic binary needs a Debian host (dpkg-query) to name its libraries' packages"
    meta=$(mktemp -d)
    trap 'rm -f "$extras"; rm -rf "$meta"' EXIT
    # The distro the stanzas belong to, as distroless images say it.
    printf 'etc/os-release\t%s\t644\n' "$(readlink -f /etc/os-release)" >> "$extras"
    libs=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
    [ -n "$libs" ] || die "ldd found no libraries for $binary"
    declare -A owned=()
    for lib in $libs; do
        printf '%s\t%s\t755\n' "${lib#/}" "$(readlink -f "$lib")" >> "$extras"
        pkg=""
        # merged /usr: the package may list /usr/lib/… for /lib/…, or only the file a symlink points to.
        for p in "$lib" "/usr$lib" "$(readlink -f "$lib")"; do
            pkg=$(dpkg-query -S "$p" 2>/dev/null | head -1 | sed 's/: .*//') && [ -n "$pkg" ] && break
        done
        [ -n "$pkg" ] || die "$lib belongs to no Debian package"
        owned[$pkg]+="$lib"$'\n'
    done
    for pkg in "${!owned[@]}"; do
        name=${pkg%%:*}
        dpkg-query -s "$pkg" | grep -v '^Conffiles:' > "$meta/$name.status"
        printf '%s' "${owned[$pkg]}" > "$meta/$pkg.list"
        printf 'var/lib/dpkg/status.d/%s\t%s\t644\n' "$name" "$meta/$name.status" >> "$extras"
        printf 'var/lib/dpkg/info/%s.list\t%s\t644\n' "$pkg" "$meta/$pkg.list" >> "$extras"
        [ ! -f "/usr/share/doc/$name/copyright" ] ||
            printf 'usr/share/doc/%s/copyright\t%s\t644\n' "$name" "/usr/share/doc/$name/copyright" >> "$extras"
    done
fi

repo_dir=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$repo_dir" log -1 --format=%ct 2>/dev/null || echo 0)
fi
case "$SOURCE_DATE_EPOCH" in *[!0-9]* | "") die "SOURCE_DATE_EPOCH must be a number of seconds" ;; esac
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
version=${IMAGE_VERSION:-$tag}
revision=${IMAGE_REVISION:-$(git -C "$repo_dir" rev-parse HEAD 2>/dev/null || true)}

work=$(mktemp -d)
trap 'rm -rf "$work" "$extras" "${meta:-}"' EXIT

python3 - "$work/layer.tar" "$binary" "$ca" "$SOURCE_DATE_EPOCH" "$extras" <<'EOF'
import io, os, sys, tarfile
out, binary, ca, epoch, extras = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
passwd = b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
group = b"root:x:0:\nnonroot:x:65532:\n"
# (path, type, mode, uid, content)
entries = [
    ("etc", "d", 0o755, 0, None),
    ("etc/group", "f", 0o644, 0, group),
    ("etc/passwd", "f", 0o644, 0, passwd),
    ("etc/ssl", "d", 0o755, 0, None),
    ("etc/ssl/certs", "d", 0o755, 0, None),
    ("etc/ssl/certs/ca-certificates.crt", "f", 0o644, 0, open(ca, "rb").read()),
    ("home", "d", 0o755, 0, None),
    ("home/nonroot", "d", 0o700, 65532, None),
    ("tmp", "d", 0o1777, 0, None),
    ("usr", "d", 0o755, 0, None),
    ("usr/local", "d", 0o755, 0, None),
    ("usr/local/bin", "d", 0o755, 0, None),
    ("usr/local/bin/bulwark", "f", 0o755, 0, open(binary, "rb").read()),
]
for line in open(extras):
    path, src, mode = line.rstrip("\n").split("\t")
    entries.append((path, "f", int(mode, 8), 0, open(src, "rb").read()))
    d = os.path.dirname(path)
    while d:
        entries.append((d, "d", 0o755, 0, None))
        d = os.path.dirname(d)
unique = {}
for e in entries:
    unique.setdefault(e[0], e)  # the first entry of a path wins: the fixed ones above keep their modes
entries = list(unique.values())
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
    for path, kind, mode, uid, content in sorted(entries, key=lambda e: e[0]):
        ti = tarfile.TarInfo(path)
        ti.mode, ti.uid, ti.gid, ti.mtime = mode, uid, uid, epoch
        ti.uname = ti.gname = ""
        if kind == "d":
            ti.type = tarfile.DIRTYPE
            t.addfile(ti)
        else:
            ti.size = len(content)
            t.addfile(ti, io.BytesIO(content))
EOF

umoci init --layout "$out"
umoci new --image "$out:$tag"
umoci raw add-layer --image "$out:$tag" \
    --history.created "$created" --history.created_by "scripts/build-image.sh (bulwark $version, static)" \
    "$work/layer.tar"
umoci config --image "$out:$tag" --no-history \
    --created "$created" --author "Bulwark" --os linux --architecture "$arch" \
    --config.user 65532:65532 \
    --config.entrypoint /usr/local/bin/bulwark \
    --config.env PATH=/usr/local/bin \
    --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --config.env HOME=/home/nonroot \
    --config.workingdir /home/nonroot \
    --config.label org.opencontainers.image.title=bulwark \
    --config.label "org.opencontainers.image.description=Continuous security for Kubernetes delivery: one binary from build to run." \
    --config.label org.opencontainers.image.version="$version" \
    --config.label org.opencontainers.image.created="$created" \
    --config.label org.opencontainers.image.licenses=Apache-2.0 \
    --config.label org.opencontainers.image.source=https://github.com/bulwark-security/bulwark \
    ${revision:+--config.label org.opencontainers.image.revision="$revision"}
# `umoci new` left an empty config and manifest behind; only what the tag reaches is kept.
umoci gc --layout "$out"

manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$out/index.json")
echo "build-image.sh: $out:$tag ($arch) manifest $manifest, created $created" >&2
