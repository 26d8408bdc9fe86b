#!/usr/bin/env bash
# Builds the Rust fixtures with cargo from crates.io:
#   cargo install cargo-auditable --locked      (0.7.7 here)
# tiny/Cargo.lock is cargo's own; tiny-auditable is `cargo auditable build --release` of tiny/, stripped;
# cargo-metadata.truth.json is `cargo metadata --format-version 1` of the same crate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CARGO_TARGET_DIR=$(mktemp -d)
cd "$here/tiny"
cargo generate-lockfile
cargo auditable build --release --locked
cp "$CARGO_TARGET_DIR/release/tiny" "$here/tiny-auditable"
cargo metadata --format-version 1 --locked > "$here/cargo-metadata.truth.json"
rm -rf "$CARGO_TARGET_DIR"
