#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and benchmarks.
#
#   scripts/pg.sh start    initdb a fresh cluster in a temp dir, start it on 127.0.0.1 on a free
#                          port (stopping a stale one left by an earlier run first); prints the URL
#   scripts/pg.sh url      prints postgres://cartwright@127.0.0.1:PORT/postgres (fails if not running)
#   scripts/pg.sh stop     stops it and deletes its files (no-op if none is running)
#   scripts/pg.sh status   exit 0 if running
#   scripts/pg.sh psql [ARGS...]   psql against it
#
# The state (temp dir, port) lives in target/pg-test/state, so each checkout has its own.
# Auth is "trust" for user cartwright, listening on 127.0.0.1 only. fsync is off (test data is
# throw-away) unless PG_DURABLE=1, which the benchmark sets so its numbers mean something.
# PostgreSQL refuses to run as root: as root the server runs as user "postgres" via runuser.
set -euo pipefail
. "$(dirname "$0")/env.sh"

STATE_DIR="$ROOT/target/pg-test"
STATE="$STATE_DIR/state"
PG_USER=cartwright

as_pg() {
    # Runs a PostgreSQL binary as the right user, from a directory that user can read.
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

load_state() {
    PG_DIR="" PG_PORT="" PG_BIN=""
    [ -f "$STATE" ] || return 1
    # shellcheck disable=SC1090
    . "$STATE"
    [ -n "$PG_DIR" ]
}

write_state() {
    mkdir -p "$STATE_DIR"
    printf 'PG_DIR=%q\nPG_PORT=%q\nPG_BIN=%q\n' "$PG_DIR" "$PG_PORT" "$PG_BIN" >"$STATE.tmp"
    mv "$STATE.tmp" "$STATE"
}

is_running() {
    [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] &&
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1 || return 1
    if [ -n "${PG_PORT:-}" ] && [ -x "$PG_BIN/pg_isready" ]; then
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 5
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local p _
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    die "no free TCP port found"
}

url() {
    echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/postgres"
}

cmd_stop() {
    if ! load_state; then
        return 0
    fi
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        note "stopping PostgreSQL in $PG_DIR (port $PG_PORT)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m fast -w -t 30 >/dev/null 2>&1; then
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate -w -t 10 >/dev/null 2>&1 || true
        fi
        # Last resort: the postmaster's pid is the first line of postmaster.pid.
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            local pid
            pid="$(head -n1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)"
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                kill -9 "$pid" 2>/dev/null || true
                sleep 1
            fi
        fi
    fi
    case "$PG_DIR" in
        */cartwright-pg.*) rm -rf -- "$PG_DIR" ;;
        *) warn "not deleting unexpected directory $PG_DIR" ;;
    esac
    rm -f "$STATE"
}

cmd_start() {
    if load_state; then
        warn "found a PostgreSQL from an earlier run ($PG_DIR); stopping it"
        cmd_stop
    fi
    PG_BIN="$(pg_bin_dir)" || die "initdb/pg_ctl not found; run scripts/setup.sh (Debian package postgresql)"
    if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
        die "running as root but there is no 'postgres' user to run the server as"
    fi

    # /tmp rather than target/: the postgres user must be able to reach it, and unix socket
    # paths are limited to ~100 characters.
    PG_DIR="$(mktemp -d "${CARTWRIGHT_PG_TMP:-/tmp}/cartwright-pg.XXXXXX")"
    PG_PORT=""
    chmod 700 "$PG_DIR"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR"
    write_state

    if ! as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U "$PG_USER" -E UTF8 --locale=C --no-sync \
        >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        cmd_stop
        die "initdb failed"
    fi

    local opts attempt
    opts="-c listen_addresses=127.0.0.1 -c max_connections=300 -k $PG_DIR"
    if [ "${PG_DURABLE:-0}" != 1 ]; then
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    for attempt in 1 2 3 4 5; do
        PG_PORT="$(free_port)"
        write_state
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT $opts" -l "$PG_DIR/log" start -w -t 60 \
            >/dev/null 2>&1; then
            break
        fi
        if grep -q "Address already in use\|could not bind\|could not create any TCP/IP sockets" "$PG_DIR/log" 2>/dev/null &&
            [ "$attempt" -lt 5 ]; then
            note "port $PG_PORT was taken; retrying"
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1 || true
            : >"$PG_DIR/log" 2>/dev/null || true
            continue
        fi
        tail -n 30 "$PG_DIR/log" >&2 || true
        cmd_stop
        die "PostgreSQL did not start"
    done

    if [ -x "$PG_BIN/pg_isready" ] && ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 30; then
        tail -n 30 "$PG_DIR/log" >&2 || true
        cmd_stop
        die "PostgreSQL started but does not accept connections on 127.0.0.1:$PG_PORT"
    fi
    note "PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') running on 127.0.0.1:$PG_PORT (data in $PG_DIR$([ "${PG_DURABLE:-0}" = 1 ] && echo ', durable' || echo ', fsync off'))"
    url
}

cmd_url() {
    load_state || die "no test PostgreSQL running (scripts/pg.sh start)"
    if [ -z "$PG_PORT" ] || ! is_running; then
        die "test PostgreSQL in $PG_DIR is not running (scripts/pg.sh start)"
    fi
    url
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status)
        if load_state && is_running; then
            echo "running: $(url) (data in $PG_DIR)"
        else
            echo "not running"
            exit 1
        fi
        ;;
    psql)
        shift
        u="$(cmd_url)"
        psql_bin="$(command -v psql || echo "$(pg_bin_dir)/psql")"
        exec "$psql_bin" "$u" "$@"
        ;;
    *)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
