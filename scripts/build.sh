#!/usr/bin/env bash
# Release build of the whole site: target/release/server + target/site (wasm, css, assets).
#   scripts/build.sh [extra cargo-leptos args]
# Expects the tools from scripts/setup.sh (run `scripts/setup.sh --no-system` first on a new machine).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
say "cargo leptos build --release $*"
cargo leptos build --release "$@"

