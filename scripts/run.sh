#!/usr/bin/env bash
# `make run`: installs what is missing (no browser, no PostgreSQL), builds the release site and
# serves it with demo data on http://127.0.0.1:3000 (data in ./data, kept between runs).
#   ADDR=127.0.0.1:8080 scripts/run.sh     another address
#   DATA_DIR=/tmp/cw scripts/run.sh        another data directory
#   NO_BUILD=1 scripts/run.sh              skip setup + build, serve what is built
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

ADDR="${ADDR:-127.0.0.1:3000}"
DATA_DIR="${DATA_DIR:-data}"

if [ "${NO_BUILD:-0}" != 1 ]; then
    "$ROOT/scripts/setup.sh" --no-system
    "$ROOT/scripts/build.sh"
fi
[ -x target/release/server ] || die "target/release/server missing: the build did not produce it"
[ -d target/site ] || die "target/site missing: the build did not produce it"

mkdir -p "$DATA_DIR"
export LEPTOS_OUTPUT_NAME=cartwright
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="$ADDR"
export LEPTOS_ENV=PROD
export CARTWRIGHT_DEV=1
export RUST_LOG="${RUST_LOG:-info}"

say "Cartwright on http://$ADDR  (demo data in $DATA_DIR/, Ctrl-C to stop)"
# RUN_ARGS: extra server flags, e.g. "--demo-products 10000 --demo-orders 100000".
# shellcheck disable=SC2086
exec target/release/server --demo --data-dir "$DATA_DIR" --addr "$ADDR" ${RUN_ARGS:-} "$@"
