#!/usr/bin/env bash
# `make bench`: Baton over HTTP against PostgreSQL itself, side by side, on this machine.
#
#   1. installs wrk, postgresql and postgresql-contrib when missing (Debian, as root);
#   2. builds the release `baton` into .build-release when it is missing or older than
#      the sources (BENCH_NO_BUILD=1 skips this);
#   3. starts a private PostgreSQL cluster under bench/data/pg (loopback and a unix
#      socket, as the postgres OS user);
#   4. generates the data once into the database baton_seed (bench/generate.sql; kept
#      while bench/generate.sql and sql/*.sql are unchanged) and copies it into a fresh
#      baton_bench for every run, so each run starts from the same data;
#   5. starts `baton serve` (release) on baton_bench and times its start-up;
#   6. runs bench/bench.py: wrk and pgbench cases, the import against \copy, the table;
#   7. stops what it started, by PID.
#
# Knobs (environment): BENCH_DURATION (seconds per measured run, default 12),
# BENCH_CONNECTIONS (default 4), BENCH_IMPORT_ROWS (default 200000), BENCH_CASES
# (comma-separated case names, default all), BENCH_KEEP=1 (leave the cluster running),
# BENCH_NO_BUILD=1, BENCH_REGENERATE=1 (make the data again), BENCH_OPPORTUNITIES (how many
# opportunities to generate, default 1000000; a smaller set iterates faster but is not the
# figure of record), BENCH_BATON (another `baton` binary to measure, such as the release
# build of an earlier commit, side by side with the same data), BENCH_REUSE_SEED=1 (keep
# the generated data although sql/*.sql changed: `baton serve` migrates the copy forward),
# BENCH_URL_OPTIONS (added to the server's DATABASE_URL, e.g. prepared_statements=off),
# BENCH_STATEMENTS=1 (load pg_stat_statements into the cluster, for profiling a slow page),
# BENCH_DEMO=1 (instead of the million deals: a fresh demo firm, and every page each of its
# roles reaches timed one request at a time by bench/demo_pages.py against issue 19's
# 50 ms; BENCH_ROUNDS requests a page, default 30).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
DATA=$BENCH/data
RUNDIR=$DATA/run
PGDATA_DIR=$DATA/pg
RESULTS=$BENCH/results
BATON=${BENCH_BATON:-$ROOT/.build-release/release/baton}
PASSWORD=bench-password-2026
STARTED=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- 1. packages
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
for p in postgresql postgresql-contrib; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages: ${missing[*]} (run as root, or install them)"
        exit 1
    fi
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { log "PostgreSQL's initdb not found under /usr/lib/postgresql"; exit 1; }
PGBENCH=$PGBIN/pgbench
[ -x "$PGBENCH" ] || PGBENCH=/usr/bin/pgbench

# ---------------------------------------------------------------- 2. release binary
mkdir -p "$DATA" "$RESULTS"
if [ "${BENCH_NO_BUILD:-0}" != 1 ] && [ -z "${BENCH_BATON:-}" ]; then
    if [ ! -x "$BATON" ] || [ -n "$(find Sources Package.swift -newer "$BATON" -print -quit 2>/dev/null)" ]; then
        log "building the release baton (swift build -c release --scratch-path .build-release --product baton)"
        build_started=$(date +%s)
        swift build -c release --scratch-path .build-release --product baton >"$DATA/build.log" 2>&1 || {
            tail -30 "$DATA/build.log" >&2; log "release build failed (log: $DATA/build.log)"; exit 1; }
        log "release build took $(( $(date +%s) - build_started )) s"
        rm -f "$DATA/build.log"
    fi
fi
[ -x "$BATON" ] || { log "no release binary at $BATON"; exit 1; }

# ---------------------------------------------------------------- 3. cluster
mkdir -p "$RUNDIR"
chown postgres:postgres "$DATA" "$RUNDIR"
as_pg() { runuser -u postgres -- "$@"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

BATON_PID=
PG_STARTED=0
cleanup() {
    local status=$?
    if [ -n "$BATON_PID" ] && kill -0 "$BATON_PID" 2>/dev/null; then
        kill "$BATON_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$BATON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$BATON_PID" 2>/dev/null || true
    fi
    if [ "$PG_STARTED" = 1 ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
        # The run's copy goes (the next run makes a fresh one from baton_seed): 2 GB less on disk.
        "$PGBIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS baton_bench" -c "DROP DATABASE IF EXISTS baton_demo_pages" >/dev/null 2>&1 || true
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
    exit $status
}
trap cleanup EXIT INT TERM

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "creating the bench cluster in bench/data/pg"
    rm -rf "$PGDATA_DIR"
    as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    cat >>"$PGDATA_DIR/postgresql.conf" <<EOF
# bench/run.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUNDIR'
max_connections = 50
shared_buffers = 1GB
effective_cache_size = 4GB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
checkpoint_timeout = 15min
log_min_messages = warning
EOF
fi
if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    # Left running by an earlier run with BENCH_KEEP=1: ours, so reuse it.
    PGPORT=$(sed -n 4p "$PGDATA_DIR/postmaster.pid")
    log "reusing the running bench cluster on port $PGPORT"
else
    PGPORT=$(free_port)
    # BENCH_STATEMENTS=1 loads pg_stat_statements, to see which statements a slow page
    # spends its time in (CREATE EXTENSION pg_stat_statements in baton_bench, then read
    # the view); off by default, since it costs both sides of every comparison a little.
    options="-p $PGPORT"
    [ "${BENCH_STATEMENTS:-}" = 1 ] && options="$options -c shared_preload_libraries=pg_stat_statements"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$DATA/postgres.log" -w -o "$options" start >/dev/null
    log "bench cluster started on 127.0.0.1:$PGPORT and $RUNDIR"
fi
PG_STARTED=1
export PGHOST=$RUNDIR PGPORT PGUSER=postgres
psql_q() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
url_for() { echo "postgres:///$1?host=$RUNDIR&port=$PGPORT&user=postgres"; }

# ---------------------------------------------------------------- the demo firm's pages
serve() {  # serve DATABASE DEMO-MODE: starts baton serve on a free port, sets BATON_PID and HTTP_PORT
    HTTP_PORT=$(free_port)
    DATABASE_URL="$(url_for "$1")${BENCH_URL_OPTIONS:+&$BENCH_URL_OPTIONS}" HOST=127.0.0.1 PORT=$HTTP_PORT BATON_DEMO=$2 LOG_LEVEL=warning \
        POOL_SIZE=${BENCH_CONNECTIONS:-4} "$BATON" serve >"$DATA/baton.log" 2>&1 &
    BATON_PID=$!
    for _ in $(seq 3000); do
        if curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; then return 0; fi
        kill -0 "$BATON_PID" 2>/dev/null || break
        sleep 0.02
    done
    tail -20 "$DATA/baton.log" >&2; log "baton serve did not become ready"; exit 1
}
if [ "${BENCH_DEMO:-0}" = 1 ]; then
    psql_q -d postgres -c "DROP DATABASE IF EXISTS baton_demo_pages" -c "CREATE DATABASE baton_demo_pages"
    serve baton_demo_pages auto
    log "baton serve (pid $BATON_PID) loaded the demo firm; timing every page of each role"
    out=$RESULTS/demo-pages-$(date +%Y%m%d-%H%M%S)
    mkdir -p "$out"
    status=0
    python3 "$BENCH/demo_pages.py" --base-url "http://127.0.0.1:$HTTP_PORT" --rounds "${BENCH_ROUNDS:-30}" \
        --json "$out/pages.json" | tee "$out/table.md" || status=$?
    log "results in $out; make bench took $(( $(date +%s) - STARTED )) s in all"
    exit $status
fi

# ---------------------------------------------------------------- 4. data
OPPORTUNITIES=${BENCH_OPPORTUNITIES:-1000000}
TIME_ENTRIES=${BENCH_TIME_ENTRIES:-5000000}
STAMP=$( (cat "$BENCH/generate.sql" "$BENCH/time-entries.sql" sql/*.sql; echo "$PASSWORD $OPPORTUNITIES $TIME_ENTRIES") | sha256sum | cut -c1-16)
if [ "${BENCH_REUSE_SEED:-0}" = 1 ] && [ -f "$DATA/seed.stamp" ]; then STAMP=$(cat "$DATA/seed.stamp"); fi
seed_exists=$(psql_q -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = 'baton_seed'")
if [ "${BENCH_REGENERATE:-0}" = 1 ] || [ "$seed_exists" != 1 ] || [ "$(cat "$DATA/seed.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "generating the data into baton_seed ($OPPORTUNITIES opportunities, $TIME_ENTRIES time entries; a few minutes)"
    gen_started=$(date +%s)
    rm -f "$DATA/seed.stamp"
    psql_q -d postgres -c "DROP DATABASE IF EXISTS baton_seed" -c "CREATE DATABASE baton_seed"
    DATABASE_URL=$(url_for baton_seed) LOG_LEVEL=warning "$BATON" migrate >/dev/null
    printf '%s\n' "$PASSWORD" | DATABASE_URL=$(url_for baton_seed) LOG_LEVEL=warning \
        "$BATON" user add --email admin@bench.test --name "Bench Admin" --roles admin --password-stdin >/dev/null
    psql_q -d baton_seed -v opportunities="$OPPORTUNITIES" -f "$BENCH/generate.sql" >"$DATA/generate.log"
    # Issue 22: a year of time entries on the projects' assignments, for the profitability report.
    psql_q -d baton_seed -v time_entries="$TIME_ENTRIES" -f "$BENCH/time-entries.sql" >>"$DATA/generate.log"
    gen_seconds=$(( $(date +%s) - gen_started ))
    echo "$gen_seconds" >"$DATA/seed.seconds"
    echo "$STAMP" >"$DATA/seed.stamp"
    log "data generated in ${gen_seconds} s (timings: bench/data/generate.log)"
else
    log "reusing the generated data (baton_seed, made in $(cat "$DATA/seed.seconds" 2>/dev/null || echo '?') s)"
fi
log "copying baton_seed into a fresh baton_bench"
psql_q -d postgres -c "DROP DATABASE IF EXISTS baton_bench" \
    -c "CREATE DATABASE baton_bench TEMPLATE baton_seed STRATEGY FILE_COPY"
psql_q -d baton_bench -c "CHECKPOINT" >/dev/null

# ---------------------------------------------------------------- 5. server
CONNECTIONS=${BENCH_CONNECTIONS:-4}
serve_started=$(python3 -c 'import time; print(time.monotonic())')
serve baton_bench off
STARTUP_MS=$(python3 -c "import time; print(round((time.monotonic() - $serve_started) * 1000))")
log "baton serve (pid $BATON_PID) ready on 127.0.0.1:$HTTP_PORT in ${STARTUP_MS} ms"

# ---------------------------------------------------------------- 6. the cases
python3 "$BENCH/bench.py" \
    --base-url "http://127.0.0.1:$HTTP_PORT" --baton "$BATON" --baton-pid "$BATON_PID" \
    --pg-host "$RUNDIR" --pg-port "$PGPORT" --pg-data "$PGDATA_DIR" --database baton_bench --pgbench "$PGBENCH" --psql "$PGBIN/psql" \
    --password "$PASSWORD" --duration "${BENCH_DURATION:-12}" --connections "$CONNECTIONS" \
    --import-rows "${BENCH_IMPORT_ROWS:-200000}" --cases "${BENCH_CASES:-all}" \
    --startup-ms "$STARTUP_MS" --generate-seconds "$(cat "$DATA/seed.seconds" 2>/dev/null || echo 0)" \
    --results "$RESULTS" --data "$DATA"

log "make bench took $(( $(date +%s) - STARTED )) s in all"
