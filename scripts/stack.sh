#!/usr/bin/env bash
# Runs the four services as local processes against the real stack (scripts/infra.sh).
#   scripts/stack.sh start    infra up, build, start ingestion/scoring/alerting/playbook, wait until ready
#   scripts/stack.sh stop     stop the services (SIGTERM, graceful) and Kafka
#   scripts/stack.sh status   readiness of each service
# Logs: .cache/run/<service>.log (JSON lines). Ports: 3000-3003.
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=.cache/run
services=(ingestion scoring alerting playbook)
declare -A ports=([ingestion]=3000 [scoring]=3001 [alerting]=3002 [playbook]=3003)
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bellwether}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export CLOCK_MODE="${CLOCK_MODE:-wall}"

log() { printf '[stack] %s\n' "$*"; }

is_running() { [ -f "$run_dir/$1.pid" ] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

wait_ready() { # wait_ready SERVICE
  local service=$1 deadline=$((SECONDS + 90))
  until curl -sf "http://127.0.0.1:${ports[$service]}/readyz" >/dev/null; do
    if ! is_running "$service"; then log "$service exited; last log lines:"; tail -n 20 "$run_dir/$service.log" >&2; return 1; fi
    if ((SECONDS >= deadline)); then log "$service not ready after 90 s; see $run_dir/$service.log"; return 1; fi
    sleep 0.5
  done
  log "$service ready on :${ports[$service]}"
}

start_service() {
  local service=$1
  if is_running "$service"; then log "$service already running"; return; fi
  PORT=${ports[$service]} nohup node -r ./tools/runtime/register-paths.js "dist/apps/$service/src/main.js" >>"$run_dir/$service.log" 2>&1 &
  echo $! >"$run_dir/$service.pid"
}

case "${1:-}" in
  start)
    mkdir -p "$run_dir"
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      log "installing dependencies (npm ci)"; npm ci --no-audit --no-fund
    fi
    bash scripts/infra.sh up bellwether
    log "building"; npx tsc -p tsconfig.build.json
    # Ingestion first: it creates the contract's topics the others subscribe to.
    start_service ingestion && wait_ready ingestion
    for service in scoring alerting playbook; do start_service "$service"; done
    for service in scoring alerting playbook; do wait_ready "$service"; done
    ;;
  stop)
    for service in "${services[@]}"; do
      if is_running "$service"; then
        pid=$(cat "$run_dir/$service.pid"); kill -TERM "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
        log "$service stopped"
      fi
      rm -f "$run_dir/$service.pid"
    done
    bash scripts/infra.sh down
    ;;
  status)
    for service in "${services[@]}"; do
      printf '%-10s %s\n' "$service" "$(curl -s "http://127.0.0.1:${ports[$service]}/readyz" || echo 'not running')"
    done
    ;;
  *)
    echo "usage: scripts/stack.sh start|stop|status" >&2; exit 64 ;;
esac
