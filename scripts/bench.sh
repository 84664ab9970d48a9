#!/usr/bin/env bash
# `make bench`: the provisioning benchmark on SQLite and on a throw-away PostgreSQL 15
# (started with fsync on, so the numbers are durable ones, and stopped afterwards).
#   scripts/bench.sh [bench args]     passed after `provision`
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" --no-browser

trap '"$ROOT/scripts/pg.sh" stop' EXIT
PG_DURABLE=1 "$ROOT/scripts/pg.sh" start >/dev/null
CARTWRIGHT_BENCH_PG_URL="$("$ROOT/scripts/pg.sh" url)"
export CARTWRIGHT_BENCH_PG_URL

say "cargo run --release -p server --bin bench -- provision $*   (PostgreSQL: $CARTWRIGHT_BENCH_PG_URL)"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo run --release -p server --bin bench -- provision "$@"
