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
bash scripts/kafka.sh status >/dev/null 2>&1 || started_kafka=1
bash scripts/infra.sh up "$BENCH_DB"
harness_private_build
date -u +%Y-%m-%dT%H:%M:%SZ >"$build/built-at"
export BENCH_BUILD_DIR="$build"
harness_reset_state "$BENCH_DB" "$BENCH_REDIS_DB"
harness_run_driver -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/bench/bench.main.js"
