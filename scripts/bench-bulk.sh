#!/usr/bin/env bash
# `make bench-bulk`: the server time to validate and price a 5,000-line bulk order for a verified
# business customer of a shop with 10,000 products (target < 200 ms), in-process on SQLite.
#   scripts/bench-bulk.sh [bench-bulk args]   e.g. --lines 10000 --runs 50
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" --no-browser
say "cargo build --release -p server --bin bench-bulk   (in target/bench)"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --release -p server --bin bench-bulk
say "bench-bulk $*"
"$BENCH_TARGET_DIR/release/bench-bulk" "$@"
