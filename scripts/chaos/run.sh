#!/usr/bin/env bash
# npm run chaos — issue 8's chaos run on the real stack, in isolation:
#   1. Kafka (scripts/kafka.sh), Postgres and Redis (scripts/infra.sh) up; a private build of the tree;
#      the service schemas of the chaos database dropped and its Redis db flushed;
#   2. the four services on :5100-5103 in their own Kafka namespace (chaos-<random>.), a steady load of
#      uniquely identified events, and the faults: kill -9 of every service (5 times each by default),
#      a broker restart, a Postgres restart, Redis flushes, poison on every consumed topic, redelivery;
#   3. the books checked, docs/reliability.md written; exit 1 if anything was lost, duplicated or failed.
# Everything it starts is stopped at the end, also on failure or Ctrl-C. Knobs: CHAOS_* (see
# scripts/chaos/chaos.config.ts and docs/reliability.md). The broker and Postgres are shared with the
# other engineers on the machine: CHAOS_RESTART_BROKER=0 / CHAOS_RESTART_POSTGRES=0 leave them alone.
set -euo pipefail
cd "$(dirname "$0")/../.."

CHAOS_DB="${CHAOS_DB:-bellwether_chaos}"
case "$CHAOS_DB" in
  *chaos*) ;;
  *) echo "[chaos] refusing to use database \"$CHAOS_DB\": its name does not contain \"chaos\"" >&2; exit 64 ;;
esac
CHAOS_REDIS_DB="${CHAOS_REDIS_DB:-4}"
case "$CHAOS_REDIS_DB" in
  0|1) echo "[chaos] refusing Redis db $CHAOS_REDIS_DB (0 is the dev stack's, 1 the tests')" >&2; exit 64 ;;
esac
export PGPORT="${PGPORT:-5432}"
export CHAOS_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/$CHAOS_DB"
export CHAOS_REDIS_URL="redis://127.0.0.1:6379/$CHAOS_REDIS_DB"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export CHAOS_NAMESPACE="${CHAOS_NAMESPACE:-chaos-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').}"
export CHAOS_RESTART_BROKER="${CHAOS_RESTART_BROKER:-1}"
export CHAOS_RESTART_POSTGRES="${CHAOS_RESTART_POSTGRES:-1}"
command_line="npm run chaos"
[ "$CHAOS_RESTART_BROKER" = 1 ] || command_line="CHAOS_RESTART_BROKER=0 $command_line"
[ "$CHAOS_RESTART_POSTGRES" = 1 ] || command_line="CHAOS_RESTART_POSTGRES=0 $command_line"
[ -z "${CHAOS_KILLS_PER_SERVICE:-}" ] || command_line="CHAOS_KILLS_PER_SERVICE=$CHAOS_KILLS_PER_SERVICE $command_line"
export CHAOS_COMMAND="${CHAOS_COMMAND:-$command_line}"

log() { printf '[chaos] %s\n' "$*"; }
work=reports/chaos
build=$work/build
mkdir -p "$work/run" "$work/logs"
rm -f "$work"/logs/*.log

driver_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -TERM "$driver_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$driver_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # Services the driver started, if it could not stop them itself (pid files, checked to be ours).
  for pid_file in "$work"/run/*.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$build/dist/apps/"; then
      log "stopping leftover $(basename "$pid_file" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
  done
  # A broker restart that the run interrupted must not leave the shared broker down.
  if [ "$CHAOS_RESTART_BROKER" = 1 ] && ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    log "the Kafka broker is down after the run; starting it again"
    bash scripts/kafka.sh start || true
  fi
  # The run's topics, if the driver did not get to delete them.
  if [ "${CHAOS_KEEP_TOPICS:-0}" != 1 ] && bash scripts/kafka.sh status >/dev/null 2>&1; then
    ns_regex="$(printf '%s' "$CHAOS_NAMESPACE" | sed 's/\./\\./g').*"
    if bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --list 2>/dev/null | grep -q "^$CHAOS_NAMESPACE"; then
      log "deleting the run's leftover topics ($CHAOS_NAMESPACE*)"
      bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --delete --topic "$ns_regex" >/dev/null 2>&1 || true
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing dependencies (npm ci)"; npm ci --no-audit --no-fund
fi
bash scripts/infra.sh up "$CHAOS_DB"
# A private build: other engineers rebuild the shared dist/ while they work, and a service restarted
# mid-run must run the same code as at the start (and our build must not change theirs).
log "building into $build/dist (a snapshot of the tree as it is now)"
mkdir -p "$build/tools/runtime"
npx tsc -p tsconfig.build.json --outDir "$build/dist" --tsBuildInfoFile "$build/dist/.tsbuildinfo"
cp tools/runtime/register-paths.js "$build/tools/runtime/register-paths.js"
cp tsconfig.base.json "$build/tsconfig.base.json"
export CHAOS_BUILD_DIR="$build"

log "dropping the service schemas of $CHAOS_DB and flushing Redis db $CHAOS_REDIS_DB"
PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$CHAOS_DB" -v ON_ERROR_STOP=1 -qc \
  'DROP SCHEMA IF EXISTS ingestion CASCADE; DROP SCHEMA IF EXISTS scoring CASCADE; DROP SCHEMA IF EXISTS alerting CASCADE; DROP SCHEMA IF EXISTS playbook CASCADE;'
redis-cli -h 127.0.0.1 -n "$CHAOS_REDIS_DB" FLUSHDB >/dev/null

node -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/chaos/chaos.main.js" &
driver_pid=$!
wait "$driver_pid"
