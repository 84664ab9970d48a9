#!/usr/bin/env bash
# Release build of the whole site: target/release/server + target/site (wasm, css, assets).
#   scripts/build.sh [extra cargo-leptos args]
# Expects the tools from scripts/setup.sh (run `scripts/setup.sh --no-system` first on a new machine).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
say "cargo leptos build --release $*"
cargo leptos build --release "$@"

# cargo-leptos 0.3.10 does not run wasm-opt here; shrink the Wasm (npm `binaryen`) ourselves.
# The feature flags match what rustc's wasm32 target emits by default.
WASM="$ROOT/target/site/pkg/cartwright.wasm"
if command -v wasm-opt >/dev/null 2>&1 && [ -f "$WASM" ]; then
    before=$(wc -c <"$WASM")
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$WASM" -o "$WASM.opt" && mv "$WASM.opt" "$WASM"
    say "wasm-opt -Oz: $before -> $(wc -c <"$WASM") bytes"
fi
