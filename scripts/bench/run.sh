#!/usr/bin/env bash
# npm run bench — issue 7's benchmark, in one run on this machine:
#   1. the real stack: Kafka (scripts/kafka.sh), Postgres and Redis (scripts/infra.sh), a build, the
#      bench database's service schemas dropped, the four services as processes on :5000-5003;
#   2. our figures, each repeated figure interleaved round by round with its baseline from Kafka's
#      own tools on the same broker (ProducerPerformance with our records, EndToEndLatency): ingestion
#      with the pipeline and alone, end-to-end latency per stage with the consumers' lag, scoring at
#      1k new and 100k warmed accounts, memory, the day-roll, a CPU profile of the hottest service;
#   3. docs/benchmarks.md and docs/benchmarks.json (issue 17's targets table first).
# A broker that already answers on KAFKA_BROKERS is used and left running; Kafka's tools then still
# run from this checkout's jars (KAFKA_HOME_DIR, fetched once by scripts/kafka.sh if missing: point it
# at the checkout that has them, e.g. KAFKA_HOME_DIR=/path/to/main/.cache/kafka, to skip the fetch).
# Everything it starts is stopped at the end, also on failure or Ctrl-C. Knobs: BENCH_* (see
# scripts/bench/bench.config.ts and the end of docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../common/harness.sh
source scripts/common/harness.sh

harness_scratch_stores BENCH bench 2
# One namespace per run: the run's topics and consumer groups never meet another run's or the tests'.
export BENCH_NAMESPACE="${BENCH_NAMESPACE:-bench-$(date +%s).}"

started_kafka=0
# After the driver and its services: the run's topics, the build (no compiled output is left under
# reports/), Redis, and the broker if this run started it.
run_cleanup() {
  harness_delete_topics "$BENCH_NAMESPACE" "${BENCH_KEEP_TOPICS:-0}"
  rm -rf "$build"
  harness_flush_redis "$BENCH_REDIS_DB"
  if [ "$started_kafka" = 1 ] && [ "${BENCH_KEEP_KAFKA:-0}" != 1 ]; then
    log "stopping the Kafka broker this run started"
    bash scripts/kafka.sh stop >/dev/null 2>&1 || true
  fi
}
harness_begin bench

harness_install_dependencies
if harness_broker_answers; then
  # A broker answers (perhaps another checkout's, shared): use it, never stop it. Postgres and Redis must be up.
  harness_require_postgres_and_redis "$BENCH_DB"
else
  # Ours to stop only if this checkout's broker was not already running (it may be starting, or
  # too busy to accept within 2 s): kafka.sh start then does nothing, and stopping it would take
  # down a broker another run is using.
  bash scripts/kafka.sh status >/dev/null 2>&1 || started_kafka=1
  bash scripts/infra.sh up "$BENCH_DB"
fi
harness_private_build
date -u +%Y-%m-%dT%H:%M:%SZ >"$build/built-at"
export BENCH_BUILD_DIR="$build"
harness_reset_state "$BENCH_DB" "$BENCH_REDIS_DB"
harness_run_driver -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/bench/bench.main.js"
