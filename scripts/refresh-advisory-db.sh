#!/usr/bin/env bash
# Puts a snapshot of the RustSec advisory database where scripts/audit.sh reads it.
#
#   scripts/refresh-advisory-db.sh SOURCE [DEST]
#
# SOURCE  a checkout of the advisory-db repository, its git directory (bare or .git), or a
#         directory holding an earlier snapshot. From git, HEAD's tree is taken (not the work tree).
# DEST    where the snapshot goes, replaced whole; default: ~/.cache/cartwright/advisory-db,
#         this machine's copy. For every machine and CI, the steering repository keeps one in
#         shared/advisory-db (pass that path), where scripts/audit.sh looks first.
#
# The snapshot keeps crates/, rust/, support.toml, LICENSE.txt (CC0) and README.md, and gets a
# SNAPSHOT file naming the upstream commit and its date. The database itself is never committed
# to this repository: it is data from outside, kept in shared/ or on the machine (README, Security).
set -euo pipefail
. "$(dirname "$0")/env.sh"

case "${1:-}" in
    "" | -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        [ -n "${1:-}" ] && exit 0
        exit 2
        ;;
esac
SRC="$1"
DEST="${2:-$HOME/.cache/cartwright/advisory-db}"
[ -e "$SRC" ] || die "no such file or directory: $SRC"
SRC="$(cd "$SRC" && pwd)"
DEST="$(mkdir -p "$(dirname "$DEST")" && cd "$(dirname "$DEST")" && pwd)/$(basename "$DEST")"

KEEP=(crates rust support.toml LICENSE.txt README.md)
new="$DEST.new.$$"
trap 'rm -rf "$new"' EXIT
rm -rf "$new"
mkdir -p "$new"

gitdir=""
if [ -f "$SRC/HEAD" ] && [ -d "$SRC/objects" ]; then
    gitdir="$SRC"
elif [ -d "$SRC/.git" ]; then
    gitdir="$SRC/.git"
fi

if [ -n "$gitdir" ]; then
    git --git-dir="$gitdir" archive --format=tar HEAD -- "${KEEP[@]}" | tar -xf - -C "$new"
    commit="$(git --git-dir="$gitdir" log -1 --format=%H HEAD)"
    date="$(git --git-dir="$gitdir" log -1 --format=%cI HEAD)"
    subject="$(git --git-dir="$gitdir" log -1 --format=%s HEAD)"
elif [ -d "$SRC/crates" ]; then
    for f in "${KEEP[@]}"; do
        if [ -e "$SRC/$f" ]; then cp -R "$SRC/$f" "$new/"; fi
    done
    commit="$(sed -n 's/^commit: *//p' "$SRC/SNAPSHOT" 2>/dev/null || true)"
    date="$(sed -n 's/^date: *//p' "$SRC/SNAPSHOT" 2>/dev/null || true)"
    subject="$(sed -n 's/^subject: *//p' "$SRC/SNAPSHOT" 2>/dev/null || true)"
    [ -n "$commit" ] || commit="unknown (copied from $SRC, which is no git repository)"
    [ -n "$date" ] || date="unknown"
else
    die "$SRC is neither a git repository nor an advisory-db directory (no crates/)"
fi

if [ ! -d "$new/crates" ] || [ ! -d "$new/rust" ] || [ ! -f "$new/support.toml" ]; then
    die "$SRC lacks crates/, rust/ or support.toml: not the RustSec advisory database?"
fi
count="$(find "$new/crates" "$new/rust" -name '*.md' | wc -l)"
[ "$count" -gt 0 ] || die "no advisories (*.md) in $SRC"

cat >"$new/SNAPSHOT" <<EOF
RustSec advisory database snapshot, read offline by scripts/audit.sh (cargo audit --no-fetch).
upstream: https://github.com/rustsec/advisory-db
commit: $commit
date: $date
subject: ${subject:-}
advisories: $count
taken: $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/refresh-advisory-db.sh
licence: CC0-1.0 (LICENSE.txt)

To refresh it, bring a newer copy of the advisory-db repository onto the machine (a checkout or
its git directory) and run:
    scripts/refresh-advisory-db.sh PATH-TO-ADVISORY-DB [DEST]
DEST defaults to ~/.cache/cartwright/advisory-db; shared/advisory-db is the copy every machine
and CI gets. Then run scripts/audit.sh.
EOF

rm -rf "$DEST.old.$$"
if [ -e "$DEST" ]; then
    mv "$DEST" "$DEST.old.$$"
fi
mv "$new" "$DEST"
rm -rf "$DEST.old.$$"
say "advisory database at $DEST: $count advisories, upstream commit $commit ($date)"
