#!/usr/bin/env bash
# The advisories step of `make test`: cargo audit against the RustSec advisory database, offline.
#
#   scripts/audit.sh [LOCKFILE]   audits LOCKFILE (default: the workspace's Cargo.lock); exits
#                                 non-zero if a package has a vulnerability that .cargo/audit.toml
#                                 does not ignore. Warnings (unmaintained, unsound, yanked) are
#                                 printed and do not fail.
#   scripts/audit.sh --self-test  .ci/audit-fixture/Cargo.lock (smallvec 1.6.0, RUSTSEC-2021-0003)
#                                 must fail with that advisory, then the workspace's Cargo.lock
#                                 must pass. This is what `make test` runs.
#
# The machines reach only the package registries, so the database is never fetched: a snapshot
# is read from the first of
#   $ADVISORY_DB                       a snapshot directory, or an advisory-db checkout/git dir
#   ../shared/advisory-db              shared/ beside the repository (CI's clone has one beside it)
#   ~/.cache/cartwright/advisory-db    this machine's copy
# scripts/refresh-advisory-db.sh makes or replaces one. The snapshot is copied to a temporary
# directory first (shared/ is read-only) and accepted however old it is (--stale); its upstream
# commit and date are printed with every run.
set -euo pipefail
. "$(dirname "$0")/env.sh"

FIXTURE="$ROOT/.ci/audit-fixture/Cargo.lock"
FIXTURE_ADVISORY=RUSTSEC-2021-0003

[ $# -le 1 ] || die "too many arguments (try --help)"
self_test=0
lock="$ROOT/Cargo.lock"
case "${1:-}" in
    -h | --help)
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    --self-test) self_test=1 ;;
    "") ;;
    -*) die "unknown argument: $1 (try --help)" ;;
    *)
        [ -f "$1" ] || die "no such lock file: $1"
        lock="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
        ;;
esac

command -v cargo-audit >/dev/null 2>&1 || die "cargo-audit not found: run scripts/setup.sh"

# Prints the first place that holds a database, or fails with where it looked.
find_db() {
    local d
    for d in "${ADVISORY_DB:-}" "$ROOT/../shared/advisory-db" "$HOME/.cache/cartwright/advisory-db"; do
        [ -n "$d" ] || continue
        if [ -d "$d/crates" ] || { [ -f "$d/HEAD" ] && [ -d "$d/objects" ]; } || [ -d "$d/.git" ]; then
            (cd "$d" && pwd)
            return 0
        fi
    done
    return 1
}

src="$(find_db)" || die "no RustSec advisory database snapshot found (looked at \
${ADVISORY_DB:-\$ADVISORY_DB (unset)}, $ROOT/../shared/advisory-db, $HOME/.cache/cartwright/advisory-db); make one with \
scripts/refresh-advisory-db.sh PATH-TO-ADVISORY-DB (see README, Security)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
db="$tmp/advisory-db"
mkdir -p "$db"
gitdir=""
[ -f "$src/HEAD" ] && [ -d "$src/objects" ] && gitdir="$src"
[ -d "$src/.git" ] && gitdir="$src/.git"
if [ -n "$gitdir" ]; then
    git --git-dir="$gitdir" archive --format=tar HEAD -- crates rust support.toml | tar -xf - -C "$db"
    origin="$src, commit $(git --git-dir="$gitdir" log -1 --format='%H' HEAD | cut -c1-7) of \
$(git --git-dir="$gitdir" log -1 --format='%cs' HEAD)"
else
    cp -R "$src/crates" "$src/rust" "$db/"
    cp "$src/support.toml" "$db/" 2>/dev/null || true
    origin="$src, commit $(sed -n 's/^commit: *//p' "$src/SNAPSHOT" 2>/dev/null | cut -c1-7) of \
$(sed -n 's/^date: *//p' "$src/SNAPSHOT" 2>/dev/null | cut -c1-10)"
fi
note "advisory database: $origin ($(find "$db" -name '*.md' | wc -l) advisories)"

# run_audit LOCKFILE: cargo audit, offline; its exit status is the result (1 on a vulnerability
# or on any error). Run from the root so that it reads .cargo/audit.toml (the ignores and their
# reasons). --no-fetch reads the directory as it is, and the yanked check uses cargo's local index
# cache; with --no-fetch cargo-audit 0.22 checks no age, and --stale keeps it that way should a
# later version start to.
run_audit() {
    (cd "$ROOT" && cargo audit --db "$db" --no-fetch --stale --file "$1")
}

if [ "$self_test" = 0 ]; then
    say "cargo audit --file ${lock#"$ROOT"/}"
    run_audit "$lock"
    exit
fi

say "self-test: cargo audit --file ${FIXTURE#"$ROOT"/} (must fail with $FIXTURE_ADVISORY)"
rc=0
out="$(run_audit "$FIXTURE" 2>&1)" || rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
    die "self-test: cargo audit passed a lock file with a known vulnerability ($FIXTURE_ADVISORY)"
fi
if ! grep -q "$FIXTURE_ADVISORY" <<<"$out"; then
    die "self-test: cargo audit failed (exit $rc) but did not report $FIXTURE_ADVISORY"
fi
note "self-test: the vulnerable fixture fails as it must (exit $rc, $FIXTURE_ADVISORY reported)"

say "cargo audit --file ${lock#"$ROOT"/}"
run_audit "$lock"
