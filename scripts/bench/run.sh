#!/usr/bin/env bash
# npm run bench — issue 7's benchmark, in one run on this machine:
#   1. the real stack: Kafka (scripts/kafka.sh), Postgres and Redis (scripts/infra.sh), a build, the
#      bench database's service schemas dropped, the four services as processes on :5000-5003;
#   2. Kafka's own ProducerPerformance and EndToEndLatency on the same broker as the baseline;
#   3. our figures (ingestion saturation, end-to-end latency, scoring throughput, memory, a CPU
#      profile of the hottest service), each with its ratio to the baseline;
#   4. docs/benchmarks.md and docs/benchmarks.json.
# Everything it starts is stopped at the end, also on failure or Ctrl-C. Knobs: BENCH_* (see
# scripts/bench/bench.config.ts and the end of docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

BENCH_DB="${BENCH_DB:-bellwether_bench}"
case "$BENCH_DB" in
  *bench*) ;;
  *) echo "[bench] refusing to use database \"$BENCH_DB\": its name does not contain \"bench\"" >&2; exit 64 ;;
esac
BENCH_REDIS_DB="${BENCH_REDIS_DB:-2}"
case "$BENCH_REDIS_DB" in
  0|1) echo "[bench] refusing Redis db $BENCH_REDIS_DB (0 is the dev stack's, 1 the tests')" >&2; exit 64 ;;
esac
export BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$BENCH_DB"
export BENCH_REDIS_URL="redis://127.0.0.1:6379/$BENCH_REDIS_DB"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
# One namespace per run: the run's topics and consumer groups never meet another run's or the tests'.
export BENCH_NAMESPACE="${BENCH_NAMESPACE:-bench-$(date +%s).}"

log() { printf '[bench] %s\n' "$*"; }
work=reports/bench
build=$work/build
mkdir -p "$work/run" "$work/logs"
rm -f "$work"/logs/*.log

started_kafka=0
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
  # The run's topics, if the driver did not get to delete them.
  if [ "${BENCH_KEEP_TOPICS:-0}" != 1 ] && bash scripts/kafka.sh status >/dev/null 2>&1; then
    ns_regex="$(printf '%s' "$BENCH_NAMESPACE" | sed 's/\./\\./g').*"
    if bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --list 2>/dev/null | grep -q "^$BENCH_NAMESPACE"; then
      log "deleting the run's leftover topics ($BENCH_NAMESPACE*)"
      bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --delete --topic "$ns_regex" >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$build"
  # The run's dedup keys and rate-limit state are of no use afterwards; give Redis its memory back.
  redis-cli -h 127.0.0.1 -n "$BENCH_REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  if [ "$started_kafka" = 1 ] && [ "${BENCH_KEEP_KAFKA:-0}" != 1 ]; then
    log "stopping the Kafka broker this run started"
    bash scripts/kafka.sh stop >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing dependencies (npm ci)"; npm ci --no-audit --no-fund
fi
bash scripts/kafka.sh status >/dev/null 2>&1 || started_kafka=1
bash scripts/infra.sh up "$BENCH_DB"
# A private build: other engineers rebuild the shared dist/ while they work, and a service restarted
# mid-run must run the same code as at the start (and our build must not change theirs). Removed at
# the end, so no compiled output is left under reports/.
log "building into $build/dist (a snapshot of the tree as it is now)"
mkdir -p "$build/tools/runtime"
npx tsc -p tsconfig.build.json --outDir "$build/dist" --tsBuildInfoFile "$build/dist/.tsbuildinfo"
cp tools/runtime/register-paths.js "$build/tools/runtime/register-paths.js"
cp tsconfig.base.json "$build/tsconfig.base.json"
date -u +%Y-%m-%dT%H:%M:%SZ >"$build/built-at"
export BENCH_BUILD_DIR="$build"

log "dropping the service schemas of $BENCH_DB and flushing Redis db $BENCH_REDIS_DB"
PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -v ON_ERROR_STOP=1 -qc \
  'DROP SCHEMA IF EXISTS ingestion CASCADE; DROP SCHEMA IF EXISTS scoring CASCADE; DROP SCHEMA IF EXISTS alerting CASCADE; DROP SCHEMA IF EXISTS playbook CASCADE;'
redis-cli -h 127.0.0.1 -n "$BENCH_REDIS_DB" FLUSHDB >/dev/null

node -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/bench/bench.main.js" &
driver_pid=$!
wait "$driver_pid"
