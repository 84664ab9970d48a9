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
# The client side of three server functions with 8-11 arguments (create_order, transition_order,
# portal_sign_up) cannot carry their `allow`; they become form structs in the code-health issue.
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings -A clippy::too_many_arguments
