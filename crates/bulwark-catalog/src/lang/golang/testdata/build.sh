#!/usr/bin/env bash
# Builds testdata/hello-bin with Debian's golang-go (apt-get install golang-go; go1.19.8 in bookworm) and
# records `go version -m` as the truth. No network: example.com/lib v1.0.0 and v1.1.0 are served from a
# file:// module proxy made here, so the `replace example.com/lib v1.0.0 => example.com/lib v1.1.0` is a
# real versioned replacement; example.com/greet is replaced by a local directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
proxy="$work/proxy/example.com/lib/@v"
mkdir -p "$proxy"
for v in v1.0.0 v1.1.0; do
  echo "$v" >> "$proxy/list"
  echo "{\"Version\":\"$v\",\"Time\":\"2024-01-01T00:00:00Z\"}" > "$proxy/$v.info"
  printf 'module example.com/lib\n\ngo 1.19\n' > "$proxy/$v.mod"
  src="$work/src/example.com/lib@$v"
  mkdir -p "$src"
  cp "$proxy/$v.mod" "$src/go.mod"
  printf 'package lib\n\n// Name is the version of the library.\nfunc Name() string { return "lib %s" }\n' "$v" > "$src/lib.go"
  (cd "$work/src" && python3 -c 'import sys,zipfile,os
z=zipfile.ZipFile(sys.argv[1],"w")
for r,_,fs in os.walk(sys.argv[2]):
    for f in fs: z.write(os.path.join(r,f))' "$proxy/$v.zip" "example.com/lib@$v")
done
cd "$here/hello"
export GOPATH="$work/gopath" GOCACHE="$work/cache" GOTOOLCHAIN=local GOPROXY="file://$work/proxy" GOSUMDB=off GOFLAGS=-mod=mod
go mod tidy
CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" -o "$here/hello-bin" .
go version -m "$here/hello-bin" > "$here/hello-bin.truth.txt"
go version -m /usr/bin/docker-registry > "$here/docker-registry.truth.txt"
chmod -R u+w "$work"; rm -rf "$work"
