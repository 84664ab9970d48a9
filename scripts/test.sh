#!/usr/bin/env bash
# `make test` (and CI): every test suite, in order
#   1. setup            scripts/setup.sh (installs what is missing)
#   2. lint             scripts/lint.sh: cargo fmt --check, cargo clippy -D warnings
#   3. advisories       scripts/audit.sh --self-test: cargo audit of Cargo.lock against a RustSec
#                       advisory database snapshot, offline (a vulnerable fixture must fail first)
#   4. app tests        cargo test -p app --features ssr
#   5. server tests     cargo test -p server, with CARTWRIGHT_TEST_PG_URL pointing at a
#                       throw-away PostgreSQL 15 (scripts/pg.sh; stopped on exit)
#   6. release build    cargo leptos build --release
#   7. end-to-end       Playwright in Debian chromium against the release build (scripts/e2e.sh)
# A failing suite does not stop the later ones (except: no build, no end-to-end run);
# FAIL_FAST=1 stops at the first failure. Logs go to target/test-logs/. The run ends with the
# runners' own summary lines and exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT" || exit 1

LOG_DIR="$ROOT/target/test-logs"
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"

STEPS=()   # "name|status|seconds|log"
FAILED=0

# step NAME LOGFILE CMD...: runs CMD with output shown and copied to LOGFILE, records the result.
step() {
    local name="$1" log="$LOG_DIR/$2" t0=$SECONDS rc
    shift 2
    say "$name: $*"
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 0 ]; then
        STEPS+=("$name|ok|$((SECONDS - t0))|$log")
    else
        STEPS+=("$name|FAILED (exit $rc)|$((SECONDS - t0))|$log")
        FAILED=1
    fi
    return "$rc"
}

skip() {
    STEPS+=("$1|skipped: $2|0|")
    FAILED=1
}

stop_pg() { "$ROOT/scripts/pg.sh" stop || true; }
trap stop_pg EXIT
trap 'exit 130' INT TERM

# Sums cargo's "test result:" lines of one log into one line.
cargo_totals() {
    awk '
        /^test result:/ {
            n++
            for (i = 1; i <= NF; i++) {
                v = $i; sub(/;$/, "", $(i + 1))
                if ($(i + 1) == "passed") p += v
                if ($(i + 1) == "failed") f += v
                if ($(i + 1) == "ignored") ig += v
            }
        }
        END {
            if (n == 0) print "no test results (did it compile?)"
            else printf "%d passed; %d failed; %d ignored (%d test targets)\n", p, f, ig, n
        }' "$1"
}

summary() {
    local line name status secs log
    say "summary"
    for line in "${STEPS[@]}"; do
        IFS='|' read -r name status secs log <<<"$line"
        printf '  %-16s %-22s %5ss\n' "$name" "$status" "$secs"
    done
    for line in "${STEPS[@]}"; do
        IFS='|' read -r name status secs log <<<"$line"
        [ -n "$log" ] && [ -f "$log" ] || continue
        case "$name" in
            "app tests" | "server tests")
                echo
                echo "$name (cargo test): $(cargo_totals "$log")"
                grep -E '^test result:' "$log" | sed 's/^/    /'
                ;;
            advisories)
                echo
                echo "advisories (cargo audit):"
                # The self-test's verdict, then what the audit of Cargo.lock reported, one line each.
                grep -E 'self-test: (the vulnerable|cargo audit (passed|failed))|no RustSec|cargo-audit not found' "$log" |
                    sed 's/^ *//; s/^/  /'
                sed -n '/^==> cargo audit --file /,$p' "$log" | awk '
                    function flush() {
                        if (c != "") printf "  %s %s: %s%s\n", c, v, id, (w != "" ? " (" w ")" : "")
                        c = v = w = id = ""
                    }
                    /^Crate:/ { flush(); c = $2 }
                    /^Version:/ { v = $2 }
                    /^Warning:/ { w = $2 }
                    /^ID:/ { id = $2 }
                    /^$/ { flush() }
                    /^(error|warning): / { flush(); print "  " $0 }
                    END { flush() }'
                ;;
            end-to-end)
                echo
                echo "end-to-end (playwright):"
                # Playwright's closing block ("N failed" + the failed tests, "N passed (12.3s)", ...).
                sed 's/\x1b\[[0-9;]*m//g' "$log" |
                    sed -n '/^ *[0-9][0-9]* \(failed\|flaky\|interrupted\|passed\|skipped\|did not run\)/,$p' |
                    sed '/^--- last lines of the test server/,$d' | sed 's/^/  /'
                ;;
        esac
    done
    echo
    if [ "$FAILED" -eq 0 ]; then
        echo "ALL TESTS PASSED (logs in target/test-logs/)"
    else
        echo "TESTS FAILED (logs in target/test-logs/, e2e server log in target/e2e/server.log)"
    fi
}

finish() {
    summary
    exit "$FAILED"
}

fail_fast() {
    if [ "${FAIL_FAST:-0}" = 1 ] && [ "$FAILED" -ne 0 ]; then
        finish
    fi
}

# A clean CI checkout builds everything once: incremental compilation only costs time and disk.
if [ "${CI:-}" = true ]; then
    export CARGO_INCREMENTAL=0
fi

step setup setup.log "$ROOT/scripts/setup.sh" || finish

step lint lint.log "$ROOT/scripts/lint.sh"
fail_fast

step advisories advisories.log "$ROOT/scripts/audit.sh" --self-test
fail_fast

step "app tests" app.log cargo test --no-fail-fast -p app --features ssr
fail_fast

PG_URL=""
if step postgres postgres.log "$ROOT/scripts/pg.sh" start; then
    PG_URL="$("$ROOT/scripts/pg.sh" url)"
fi
fail_fast

if [ -n "$PG_URL" ]; then
    step "server tests" server.log env CARTWRIGHT_TEST_PG_URL="$PG_URL" cargo test --no-fail-fast -p server
else
    step "server tests" server.log cargo test --no-fail-fast -p server
fi
stop_pg
fail_fast

if step "release build" build.log "$ROOT/scripts/build.sh"; then
    step end-to-end e2e.log "$ROOT/scripts/e2e.sh"
else
    skip end-to-end "no build"
fi

finish
