#!/usr/bin/env bash
# The lint step of `make test`: formatting, then clippy with every warning an error (the
# workspace denies `unwrap_used` / `expect_used` outside tests, see Cargo.toml). The browser
# side (`frontend`, `app` with `hydrate`) is type-checked for Wasm too.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

say "cargo fmt --all --check"
cargo fmt --all --check
say "cargo clippy (app with ssr, server; all targets; -D warnings)"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
say "cargo clippy (frontend for wasm32, -D warnings)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
