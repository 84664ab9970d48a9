#!/usr/bin/env bash
# `make e2e`: the Playwright tests in end2end/ against an already built release
# (target/release/server + target/site). Playwright starts the server itself with a fresh
# data directory (target/e2e/data) and its log in target/e2e/server.log.
#   scripts/e2e.sh [playwright test args]      e.g. scripts/e2e.sh --grep "wrong password"
#   E2E_PORT=3411                              port the test server listens on
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

[ -x target/release/server ] || die "target/release/server missing: build first (make build)"
[ -d target/site/pkg ] || die "target/site/pkg missing: build first (make build)"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing: run scripts/setup.sh"
[ -x node_modules/.bin/playwright ] || die "Playwright missing: run scripts/setup.sh"

E2E_DIR="$ROOT/target/e2e"
rm -rf "$E2E_DIR"
mkdir -p "$E2E_DIR"
export E2E_DATA_DIR="$E2E_DIR/data"
export E2E_SERVER_LOG="$E2E_DIR/server.log"

say "playwright test $*   (server log: target/e2e/server.log)"
cd end2end
set +e
playwright test "$@"
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ -s "$E2E_SERVER_LOG" ]; then
    echo "--- last lines of the test server's log (target/e2e/server.log) ---"
    tail -n 40 "$E2E_SERVER_LOG"
    echo "--- end of server log ---"
fi
exit "$rc"
