#!/usr/bin/env bash
# Start real OCI registries (Debian's `docker-registry`, the CNCF distribution server) on
# 127.0.0.1 and push Bulwark's fixture images into them with `skopeo`.
#
# Used by crates/bulwark-registry/tests/registry.rs and meant to be reused by the CLI's
# end-to-end tests. Needs: apt-get install -y docker-registry skopeo apache2-utils openssl
#
# Usage:
#   registry.sh check
#       exit 3 with the apt-get command when a tool is missing.
#   registry.sh start plain WORKDIR
#       plain HTTP, no auth.
#   registry.sh start tls WORKDIR
#       HTTPS with a throw-away CA (WORKDIR/ca.pem, server cert for 127.0.0.1) and htpasswd
#       (bcrypt) basic auth; user `bulwark`, password `bulwark-pass`.
#   registry.sh start token WORKDIR REALM_URL
#       plain HTTP with bearer-token auth: clients are sent to REALM_URL (service
#       `bulwark-test`); tokens must be made by `registry.sh token WORKDIR SCOPE`.
#   registry.sh token WORKDIR SCOPE
#       print a signed JWT (RS256, x5c) granting SCOPE, e.g. `repository:alpine:pull`.
#   registry.sh push WORKDIR HOST:PORT [USER:PASS]
#       push the fixtures (below) to that registry; TLS is verified with WORKDIR/ca.pem when
#       it exists (skopeo reads WORKDIR/certs.d), otherwise plain HTTP is used.
#   registry.sh stop WORKDIR
#
# Environment for `start`:
#   BULWARK_REGISTRY_STORAGE  storage root to use instead of WORKDIR/storage (lets several registries
#                     serve the same pushed content, e.g. a plain one and a token one).
#   WATCH_PID         when set, the registry is killed once that process has exited, so a test
#                     binary that dies (or keeps registries in statics) leaves nothing running.
#   WATCH_CLEANUP     with WATCH_PID: a directory to delete once that process has exited.
#
# `start` prints `key=value` lines: port, pid, url and, for tls, ca, username, password.
# The registry's log is WORKDIR/registry.log.
#
# Pushed by `push` (repository:tag, what it is):
#   bookworm:app         oci-mini:bookworm-app as an OCI manifest (3 gzip layers)
#   bookworm:app-v2s2    the same image as a Docker v2 schema 2 manifest
#   alpine:3.14          docker-archive alpine314.docker.tar (skopeo gzips the layer)
#   alpine:zstd          oci-mini:alpine-3.14 re-compressed with zstd (OCI)
#   multi:latest         an OCI index built in WORKDIR/multi: linux/amd64 = oci-mini:alpine-3.14,
#                        linux/arm64/v8 = the same rootfs as an uncompressed layer and a config
#                        whose architecture is arm64
#   multi:v2s2           the same two images as a Docker manifest list (v2 schema 2)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixtures="${BULWARK_FIXTURES:-$here/../../../../../shared/fixtures/images}"
apt_hint="apt-get update && apt-get install -y docker-registry skopeo apache2-utils openssl"

die() { echo "registry.sh: $*" >&2; exit 1; }

check() {
    local missing=()
    for tool in docker-registry skopeo htpasswd openssl; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        echo "registry.sh: missing ${missing[*]}; install with: $apt_hint" >&2
        exit 3
    fi
}

write_config() { # WORKDIR STORAGE EXTRA_YAML
    cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $2
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: bulwark-test-secret
$3
EOF
}

gen_tls() { # WORKDIR
    local d="$1"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=bulwark test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
    # skopeo's --dest-cert-dir wants *.crt files.
    mkdir -p "$d/certs.d"
    cp "$d/ca.pem" "$d/certs.d/ca.crt"
}

gen_token_key() { # WORKDIR
    local d="$1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$d/token.key" \
        -out "$d/token.pem" -subj "/CN=bulwark test token issuer" 2>/dev/null
}

start() { # MODE WORKDIR [REALM]
    check
    local mode="$1" d="$2" storage extra=""
    mkdir -p "$d"
    d="$(cd "$d" && pwd)"
    storage="${BULWARK_REGISTRY_STORAGE:-$d/storage}"
    mkdir -p "$storage"
    case "$mode" in
    plain) ;;
    tls)
        gen_tls "$d"
        htpasswd -Bbn bulwark bulwark-pass >"$d/htpasswd"
        extra="  tls:
    certificate: $d/server.pem
    key: $d/server.key
auth:
  htpasswd:
    realm: bulwark-test
    path: $d/htpasswd"
        ;;
    token)
        [[ $# -ge 3 ]] || die "start token WORKDIR REALM_URL"
        gen_token_key "$d"
        extra="auth:
  token:
    realm: $3
    service: bulwark-test
    issuer: bulwark-test-issuer
    rootcertbundle: $d/token.pem"
        ;;
    *) die "unknown mode $mode (plain|tls|token)" ;;
    esac
    write_config "$d" "$storage" "$extra"
    : >"$d/registry.log"
    docker-registry serve "$d/config.yml" >>"$d/registry.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$d/registry.pid"
    if [[ -n "${WATCH_PID:-}" ]]; then
        (
            while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
            kill "$pid" 2>/dev/null || true
            if [[ -n "${WATCH_CLEANUP:-}" ]] && ! kill -0 "$WATCH_PID" 2>/dev/null; then
                sleep 1
                rm -rf "$WATCH_CLEANUP"
            fi
        ) </dev/null >/dev/null 2>&1 &
    fi
    local port="" i
    for i in $(seq 1 100); do
        port="$(grep -o 'listening on 127.0.0.1:[0-9]*' "$d/registry.log" | grep -o '[0-9]*$' || true)"
        [[ -n "$port" ]] && break
        kill -0 "$pid" 2>/dev/null || { cat "$d/registry.log" >&2; die "registry exited"; }
        sleep 0.1
    done
    [[ -n "$port" ]] || { kill "$pid"; cat "$d/registry.log" >&2; die "registry did not start"; }
    echo "$port" >"$d/registry.port"
    echo "port=$port"
    echo "pid=$pid"
    if [[ "$mode" == tls ]]; then
        echo "url=https://127.0.0.1:$port"
        echo "ca=$d/ca.pem"
        echo "username=bulwark"
        echo "password=bulwark-pass"
    else
        echo "url=http://127.0.0.1:$port"
    fi
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

token() { # WORKDIR SCOPE
    local d="$1" scope="$2" type name actions x5c now header claims sig
    # scope = type:name:actions; the name may itself contain ':' (host:port), actions never.
    type="${scope%%:*}"
    actions="${scope##*:}"
    name="${scope#*:}"
    name="${name%:*}"
    x5c="$(openssl x509 -in "$d/token.pem" -outform DER | openssl base64 -A)"
    now="$(date +%s)"
    header="$(printf '{"typ":"JWT","alg":"RS256","x5c":["%s"]}' "$x5c" | b64url)"
    claims="$(printf '{"iss":"bulwark-test-issuer","sub":"bulwark","aud":"bulwark-test","exp":%d,"nbf":%d,"iat":%d,"jti":"%s-%s","access":[{"type":"%s","name":"%s","actions":["%s"]}]}' \
        $((now + 300)) $((now - 60)) "$now" "$now" "$RANDOM" "$type" "$name" "${actions//,/\",\"}" | b64url)"
    sig="$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$d/token.key" -binary | b64url)"
    printf '%s.%s.%s\n' "$header" "$claims" "$sig"
}

put_blob() { # LAYOUT FILE -> prints hex digest, moves FILE into the layout
    local h
    h="$(sha256sum "$2" | cut -d' ' -f1)"
    mv "$2" "$1/blobs/sha256/$h"
    echo "$h"
}

build_multi() { # DIR
    local m="$1" src="$fixtures/oci-mini/blobs/sha256"
    local amd_manifest=bbf52707596954c76910dbcd50033a9b8c359f9b45527df36cb61ae0c2111066
    local amd_config=b1b3efb072fed6ac209a3471d23a0d725230b9c2d718baaba962b6fe933e3a15
    local amd_layer=1f7fda6c1bc981a8d3817d54041b9ec12f58f7f136ddf8222271008b9c300de5
    rm -rf "$m"
    mkdir -p "$m/blobs/sha256"
    cp "$src/$amd_manifest" "$src/$amd_config" "$src/$amd_layer" "$m/blobs/sha256/"
    chmod u+w "$m"/blobs/sha256/*
    local layer lsize config csize manifest msize index isize
    gzip -dc "$src/$amd_layer" >"$m/layer.tar"
    lsize="$(stat -c %s "$m/layer.tar")"
    layer="$(put_blob "$m" "$m/layer.tar")"
    sed 's/"architecture":"amd64"/"architecture":"arm64","variant":"v8"/' "$src/$amd_config" >"$m/config.json"
    csize="$(stat -c %s "$m/config.json")"
    config="$(put_blob "$m" "$m/config.json")"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$config" "$csize" "$layer" "$lsize" >"$m/manifest.json"
    msize="$(stat -c %s "$m/manifest.json")"
    manifest="$(put_blob "$m" "$m/manifest.json")"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
        "$amd_manifest" "$(stat -c %s "$src/$amd_manifest")" "$manifest" "$msize" >"$m/index.blob.json"
    isize="$(stat -c %s "$m/index.blob.json")"
    index="$(put_blob "$m" "$m/index.blob.json")"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$m/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}' \
        "$index" "$isize" >"$m/index.json"
}

push() { # WORKDIR HOST:PORT [USER:PASS]
    check
    local d="$1" host="$2" creds="${3:-}"
    mkdir -p "$d"
    d="$(cd "$d" && pwd)"
    printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$d/policy.json"
    local tls=(--dest-tls-verify=false)
    [[ -f "$d/ca.pem" ]] && tls=(--dest-cert-dir "$d/certs.d")
    local auth=()
    [[ -n "$creds" ]] && auth=(--dest-creds "$creds")
    sk() { skopeo --policy "$d/policy.json" copy -q "${tls[@]}" "${auth[@]}" "$@"; }
    sk "oci:$fixtures/oci-mini:bookworm-app" "docker://$host/bookworm:app"
    sk --format v2s2 "oci:$fixtures/oci-mini:bookworm-app" "docker://$host/bookworm:app-v2s2"
    sk "docker-archive:$fixtures/alpine314.docker.tar" "docker://$host/alpine:3.14"
    sk --format oci --dest-compress-format zstd "oci:$fixtures/oci-mini:alpine-3.14" "docker://$host/alpine:zstd"
    build_multi "$d/multi"
    sk --all --preserve-digests "oci:$d/multi:multi" "docker://$host/multi:latest"
    sk --all --format v2s2 "oci:$d/multi:multi" "docker://$host/multi:v2s2"
}

stop() { # WORKDIR
    local pid
    pid="$(cat "$1/registry.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
}

cmd="${1:-}"
shift || true
case "$cmd" in
check) check ;;
start) start "$@" ;;
token) token "$@" ;;
push) push "$@" ;;
stop) stop "$@" ;;
*) sed -n '2,40p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
