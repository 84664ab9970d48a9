#!/usr/bin/env bash
# Installs whatever Cartwright's build and tests need and is not there yet.
# Idempotent: every step checks first and skips what is present at the right version,
# so a second run takes a few seconds.
#
#   scripts/setup.sh               everything (what `make test` needs)
#   scripts/setup.sh --no-system   skip the Debian packages chromium + postgresql (what `make run` needs)
#   scripts/setup.sh --no-browser  skip chromium only (what `make bench` needs)
#   scripts/setup.sh --no-pg       skip postgresql only
#   SETUP_SYSTEM=0 / SETUP_BROWSER=0 / SETUP_PG=0 in the environment do the same.
#
# Only package registries are reachable on the project's machines (crates.io, npm, Debian):
# nothing here downloads from anywhere else. See /work/shared/TOOLCHAIN.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

CARGO_LEPTOS_VERSION=0.3.10
CARGO_AUDIT_VERSION=0.22.2
WASM_TARGET=wasm32-unknown-unknown
WANT_BROWSER="${SETUP_BROWSER:-${SETUP_SYSTEM:-1}}"
WANT_PG="${SETUP_PG:-${SETUP_SYSTEM:-1}}"

for arg in "$@"; do
    case "$arg" in
        --no-system) WANT_BROWSER=0 WANT_PG=0 ;;
        --no-browser) WANT_BROWSER=0 ;;
        --no-pg) WANT_PG=0 ;;
        -h | --help)
            sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument: $arg (try --help)" ;;
    esac
done

start=$SECONDS

# --- Rust -------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first"

if command -v rustup >/dev/null 2>&1; then
    if rustup target list --installed | grep -qx "$WASM_TARGET"; then
        note "rust target $WASM_TARGET: present"
    else
        say "rustup target add $WASM_TARGET"
        rustup target add "$WASM_TARGET"
    fi
else
    warn "rustup not found; assuming the $WASM_TARGET standard library is installed"
fi

# Waits while another process is already running `cargo install <crate>` (for example a
# background install started by hand), instead of starting a second, competing build.
wait_for_other_install() {
    local crate="$1" waited=0
    while pgrep -f "cargo install.* $crate( |$)" >/dev/null 2>&1; do
        if [ $((waited % 60)) -eq 0 ]; then
            note "another 'cargo install $crate' is running; waiting for it (${waited}s so far)"
        fi
        sleep 10
        waited=$((waited + 10))
    done
}

cargo_leptos_ok() {
    cargo leptos --version 2>/dev/null | grep -qw "$CARGO_LEPTOS_VERSION"
}

if ! cargo_leptos_ok; then
    wait_for_other_install cargo-leptos
fi
if cargo_leptos_ok; then
    note "cargo-leptos $CARGO_LEPTOS_VERSION: present"
else
    # 0.3.11+ needs a newer rustc than the machines have; --locked keeps its tested deps.
    say "cargo install cargo-leptos --version $CARGO_LEPTOS_VERSION --locked (about 15 min on 2 cores)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
    cargo_leptos_ok || die "cargo-leptos $CARGO_LEPTOS_VERSION still not reported by 'cargo leptos --version'"
fi

# cargo-audit: the advisories step (scripts/audit.sh). 0.22.2 needs rustc 1.88; --locked keeps its
# tested deps. Built at low priority so that it does not starve a build running beside it.
cargo_audit_ok() {
    cargo audit --version 2>/dev/null | grep -qw "$CARGO_AUDIT_VERSION"
}

if ! cargo_audit_ok; then
    wait_for_other_install cargo-audit
fi
if cargo_audit_ok; then
    note "cargo-audit $CARGO_AUDIT_VERSION: present"
else
    say "cargo install cargo-audit --version $CARGO_AUDIT_VERSION --locked (about 10 min on 2 cores)"
    nice -n 10 cargo install cargo-audit --version "$CARGO_AUDIT_VERSION" --locked
    cargo_audit_ok || die "cargo-audit $CARGO_AUDIT_VERSION still not reported by 'cargo audit --version'"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
if [ ! -f Cargo.lock ]; then
    warn "Cargo.lock missing; resolving dependencies to create it"
    cargo metadata --format-version 1 >/dev/null
fi
wb_versions="$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = /         { name = $3 }
    /^version = /      { if (name == "\"wasm-bindgen\"") { gsub(/"/, "", $3); print $3 } }
' Cargo.lock | sort -u)"
[ -n "$wb_versions" ] || die "no wasm-bindgen package in Cargo.lock"
if [ "$(printf '%s\n' "$wb_versions" | wc -l)" -gt 1 ]; then
    die "several wasm-bindgen versions in Cargo.lock ($(printf '%s ' "$wb_versions")); the wasm build needs exactly one"
fi
WASM_BINDGEN_VERSION="$wb_versions"

wasm_bindgen_ok() {
    [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$WASM_BINDGEN_VERSION" ]
}
if ! wasm_bindgen_ok; then
    wait_for_other_install wasm-bindgen-cli
fi
if wasm_bindgen_ok; then
    note "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
else
    # Not --locked: wasm-bindgen-cli's own lock file names a crate version the registry lacks.
    say "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION (about 2 min)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
    wasm_bindgen_ok || die "wasm-bindgen --version does not report $WASM_BINDGEN_VERSION after install"
fi

# --- npm: tailwindcss + wasm-opt (binaryen) for cargo-leptos, @playwright/test for end2end/ --
# package.json sits at the repository root so that style/tailwind.css's @import "tailwindcss"
# resolves (Tailwind looks for node_modules upwards from the css file).
command -v npm >/dev/null 2>&1 || die "npm not found (Debian: apt-get install nodejs npm)"
npm_stamp_file="$ROOT/node_modules/.cartwright-stamp"
npm_stamp() {
    cat "$ROOT/package.json" "$ROOT/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1
}
if [ -f "$npm_stamp_file" ] && [ "$(cat "$npm_stamp_file")" = "$(npm_stamp)" ] &&
    [ -x "$ROOT/node_modules/.bin/tailwindcss" ] &&
    [ -x "$ROOT/node_modules/.bin/wasm-opt" ] &&
    [ -x "$ROOT/node_modules/.bin/playwright" ]; then
    note "npm packages: up to date"
else
    if [ -f "$ROOT/package-lock.json" ]; then
        say "npm ci"
        npm ci --no-audit --no-fund
    else
        say "npm install (no package-lock.json yet)"
        npm install --no-audit --no-fund
    fi
    npm_stamp >"$npm_stamp_file"
fi

# --- Debian packages: chromium (Playwright's browser), postgresql (test database) --------
pkgs=()
if [ "$WANT_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    pkgs+=(chromium)
fi
if [ "$WANT_PG" = 1 ] && ! pg_bin_dir >/dev/null; then
    pkgs+=(postgresql)
fi
if [ "${#pkgs[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install ${pkgs[*]}"
        sudo=(sudo -n)
    fi
    say "apt-get install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The lock timeout lets this wait for another apt run instead of failing.
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y "${pkgs[@]}"
fi
if [ "$WANT_BROWSER" = 1 ]; then
    [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
    note "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
else
    note "chromium: skipped"
fi
if [ "$WANT_PG" = 1 ]; then
    pgdir="$(pg_bin_dir)" || die "initdb/pg_ctl not found after installing postgresql"
    if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
        die "user 'postgres' missing (PostgreSQL refuses to run as root; the Debian package creates it)"
    fi
    note "postgresql: $("$pgdir/pg_ctl" --version) in $pgdir"
else
    note "postgresql: skipped"
fi

say "setup done in $((SECONDS - start))s: cargo-leptos $CARGO_LEPTOS_VERSION, cargo-audit $CARGO_AUDIT_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION, $(tailwindcss --help 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'tailwindcss v[0-9.]*' | head -n1), wasm-opt $(wasm-opt --version | awk '{print $3}'), playwright $(playwright --version | awk '{print $2}')"
