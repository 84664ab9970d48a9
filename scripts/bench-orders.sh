#!/usr/bin/env bash
# `make bench-orders`: builds the release server (cargo leptos) and the load generator, then runs
# `bench-orders`: a shop with 100,000 orders and 10,000 products, 64 keep-alive connections
# against the release server on loopback (orders list and order detail), and a 50,000-row CSV
# import.   scripts/bench-orders.sh [bench-orders args]   e.g. --orders 20000 --seconds 5
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" --no-browser
say "cargo leptos build --release"
cargo leptos build --release
say "cargo build --release -p server --bin bench-orders   (in target/bench)"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --release -p server --bin bench-orders
say "bench-orders $*"
"$BENCH_TARGET_DIR/release/bench-orders" "$@"
