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
# shellcheck source=../common/harness.sh
source scripts/common/harness.sh

harness_scratch_stores CHAOS chaos 4
export CHAOS_NAMESPACE="${CHAOS_NAMESPACE:-chaos-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').}"
export CHAOS_RESTART_BROKER="${CHAOS_RESTART_BROKER:-1}"
export CHAOS_RESTART_POSTGRES="${CHAOS_RESTART_POSTGRES:-1}"
command_line="npm run chaos"
[ "$CHAOS_RESTART_BROKER" = 1 ] || command_line="CHAOS_RESTART_BROKER=0 $command_line"
[ "$CHAOS_RESTART_POSTGRES" = 1 ] || command_line="CHAOS_RESTART_POSTGRES=0 $command_line"
[ -z "${CHAOS_KILLS_PER_SERVICE:-}" ] || command_line="CHAOS_KILLS_PER_SERVICE=$CHAOS_KILLS_PER_SERVICE $command_line"
export CHAOS_COMMAND="${CHAOS_COMMAND:-$command_line}"

# After the driver and its services: the shared broker up again, then the run's topics. The build
# stays (reports/chaos/build) for a look at what ran.
run_cleanup() {
  # A broker restart that the run interrupted must not leave the shared broker down.
  if [ "$CHAOS_RESTART_BROKER" = 1 ] && ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    log "the Kafka broker is down after the run; starting it again"
    bash scripts/kafka.sh start || true
  fi
  harness_delete_topics "$CHAOS_NAMESPACE" "${CHAOS_KEEP_TOPICS:-0}"
}
harness_begin chaos

harness_install_dependencies
bash scripts/infra.sh up "$CHAOS_DB"
harness_private_build
export CHAOS_BUILD_DIR="$build"
harness_reset_state "$CHAOS_DB" "$CHAOS_REDIS_DB"
harness_run_driver -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/chaos/chaos.main.js"
