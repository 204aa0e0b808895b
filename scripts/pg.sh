#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from Debian's packages (scripts/setup.sh --test).
#   bash scripts/pg.sh start    # initdb on first use, start on 127.0.0.1, create portal_test (idempotent)
#   bash scripts/pg.sh stop     # stop it (the data under build/pg stays; rm -rf build/pg to reset)
#   bash scripts/pg.sh status   # exit 0 when running
#   bash scripts/pg.sh url      # the SQLAlchemy URL of portal_test
# Port: 54329, or PORTAL_PG_PORT. Trust auth; listens on loopback only. Never for real data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd -P)"

PORT="${PORTAL_PG_PORT:-54329}"
DB=portal_test
PGDIR="$ROOT/build/pg"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"

say() { printf 'pg: %s\n' "$*"; }
die() { printf 'pg: %s\n' "$*" >&2; exit 1; }

cmd="${1:-}"
if [ "$cmd" = url ]; then echo "$URL"; exit 0; fi

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] ||
    die "PostgreSQL server binaries not found under /usr/lib/postgresql: run bash scripts/setup.sh --test"

# postgres refuses to run as root: as root, run the server as the postgres OS user.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user: is Debian's postgresql package installed?"
    AS=(env -C / runuser -u postgres --)
    OWNER=postgres
else
    AS=()
    OWNER="$(id -un)"
fi

# The postgres user must reach the data dir, and a unix socket path is limited to ~107 bytes;
# when the checkout is somewhere it can't (e.g. under /root) build/pg links to a dir in /tmp.
mkdir -p "$ROOT/build"
if [ ! -e "$PGDIR" ]; then
    if "${AS[@]}" test -x "$ROOT/build" 2>/dev/null && [ "${#PGDIR}" -lt 80 ]; then
        mkdir -p "$PGDIR"
    else
        alt="${TMPDIR:-/tmp}/portal311-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
        mkdir -p "$alt"
        ln -s "$alt" "$PGDIR"
        say "data dir $alt (linked from build/pg)"
    fi
fi
PGREAL="$(cd "$PGDIR" && pwd -P)"
DATA="$PGREAL/data"
SOCK="$PGREAL/run"
LOG="$PGREAL/server.log"

running() { [ -f "$DATA/PG_VERSION" ] && "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
    if running; then
        say "already running on 127.0.0.1:$PORT"
    else
        mkdir -p "$SOCK"
        chown -R "$OWNER" "$PGREAL"
        chmod 700 "$PGREAL"
        if [ ! -f "$DATA/PG_VERSION" ]; then
            say "initdb $DATA ($("$BIN/postgres" --version))"
            "${AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale \
                >"$PGREAL/initdb.log" 2>&1 || { cat "$PGREAL/initdb.log" >&2; die "initdb failed"; }
            # A test server: speed over durability.
            cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
        fi
        say "starting on 127.0.0.1:$PORT"
        "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null ||
            { tail -n 20 "$LOG" >&2; die "server did not start (see $LOG)"; }
    fi
    for _ in $(seq 1 60); do
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
        sleep 0.5
    done
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || die "not ready on 127.0.0.1:$PORT (see $LOG)"
    local psql=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
    if [ "$("${psql[@]}" -c "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
        "${psql[@]}" -c "create database $DB" >/dev/null
        say "created database $DB"
    fi
    say "ready: $URL"
}

stop() {
    if running; then
        "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    status) if running; then say "running on 127.0.0.1:$PORT"; else say "not running"; exit 1; fi ;;
    *) echo "usage: bash scripts/pg.sh start|stop|status|url" >&2; exit 2 ;;
esac
