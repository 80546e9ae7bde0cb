#!/usr/bin/env bash
# The real local stack without Docker: PostgreSQL and Redis (the machine's own servers,
# started if stopped) and a single-node Kafka from scripts/kafka.sh.
#
#   scripts/infra.sh up [DB ...]   start what is down; create the named databases if missing
#   scripts/infra.sh down          stop Kafka (Postgres and Redis belong to the machine: left running)
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST_ADDR="${PGHOST_ADDR:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
REDIS_PORT="${REDIS_PORT:-6379}"

log() { printf '[infra] %s\n' "$*"; }

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "timed out waiting for $what"; return 1; fi
    sleep 0.5
  done
}

postgres_up() {
  if pg_isready -h "$PGHOST_ADDR" -p "$PGPORT" -q; then return; fi
  log "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || { log "PostgreSQL is not installed and not reachable on $PGHOST_ADDR:$PGPORT"; exit 1; }
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_until 30 PostgreSQL pg_isready -h "$PGHOST_ADDR" -p "$PGPORT" -q
}

redis_up() {
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  command -v redis-server >/dev/null || { log "Redis is not installed and not reachable on 127.0.0.1:$REDIS_PORT"; exit 1; }
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
  wait_until 15 Redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

create_database() {
  local name=$1
  if ! psql -h "$PGHOST_ADDR" -p "$PGPORT" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    log "creating database $name"
    psql -h "$PGHOST_ADDR" -p "$PGPORT" -U "$PGUSER" -qc "CREATE DATABASE \"$name\""
  fi
}

case "${1:-}" in
  up)
    shift
    postgres_up
    redis_up
    for db in "$@"; do create_database "$db"; done
    bash scripts/kafka.sh start
    ;;
  down)
    bash scripts/kafka.sh stop
    ;;
  *)
    echo "usage: scripts/infra.sh up [DB ...] | down" >&2
    exit 64
    ;;
esac
