# shellcheck shell=bash
# Common environment for Cartwright's scripts. Source it, don't run it:
#     . "$(dirname "$0")/env.sh"
# Sets ROOT (the repository root) and puts the project's tools on PATH:
#   ~/.cargo/bin                 cargo-leptos, wasm-bindgen
#   node_modules/.bin            tailwindcss, wasm-opt (binaryen), playwright (package.json at the root)
#   the PostgreSQL bin dir       initdb, pg_ctl, postgres (Debian keeps them off PATH)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Prints the directory holding initdb/pg_ctl, or nothing. Prefers PostgreSQL 15,
# then whatever initdb is on PATH, then the newest /usr/lib/postgresql/*/bin.
pg_bin_dir() {
    local d
    if [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

_cw_path_prepend() {
    case ":$PATH:" in
        *":$1:"*) ;;
        *) PATH="$1:$PATH" ;;
    esac
}

_cw_pg_dir="$(pg_bin_dir || true)"
if [ -n "$_cw_pg_dir" ]; then
    _cw_path_prepend "$_cw_pg_dir"
fi
_cw_path_prepend "$ROOT/node_modules/.bin"
_cw_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
unset _cw_pg_dir
export PATH

# The benchmark binaries build in a target directory of their own. Built in target/ with plain
# `cargo build`, they invalidated the server binary `cargo leptos build` made there: a second
# `make bench-orders` in a row rebuilt the server (fat LTO, about 7 minutes) before measuring.
BENCH_TARGET_DIR="$ROOT/target/bench"
export BENCH_TARGET_DIR

# Never let tools try to download browsers; we use Debian's chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Helpers for log lines that stand out among cargo's output (colour only on a terminal).
if [ -t 2 ]; then
    _cw_b=$'\033[1m' _cw_y=$'\033[33m' _cw_r=$'\033[31m' _cw_0=$'\033[0m'
else
    _cw_b='' _cw_y='' _cw_r='' _cw_0=''
fi
say() { printf '\n%s==> %s%s\n' "$_cw_b" "$*" "$_cw_0" >&2; }
note() { printf '    %s\n' "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_cw_y" "$_cw_0" "$*" >&2; }
die() { printf '%serror:%s %s\n' "$_cw_r" "$_cw_0" "$*" >&2; exit 1; }
