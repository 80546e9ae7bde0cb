#!/usr/bin/env bash
# npm run backtest — issue 15's backtest of the alerts and incidents on the real stack, in isolation:
#   1. Kafka (scripts/kafka.sh), Postgres and Redis (scripts/infra.sh) up; a private build of the tree;
#      the service schemas of the backtest database dropped and its Redis db flushed;
#   2. the history: BACKTEST_FILE (NDJSON of contract events in arrival order, see
#      scripts/backtest/history-file.ts), or else a seeded labelled synthetic one written first
#      (libs/testing customer-base.ts) to reports/backtest/history-seed-<seed>.ndjson;
#   3. the history posted in its order to the four services on :5400-5403 (BACKTEST_BASE_PORT), in
#      their own Kafka namespace (backtest-<random>.), CLOCK_MODE=event; a wait until the pipeline drained;
#   4. alerts and incidents scored against the history's own outcomes: docs/signal-quality.md, section BACKTEST_LABEL.
# Everything it starts is stopped at the end, also on failure or Ctrl-C. Knobs: BACKTEST_* (see
# scripts/backtest/backtest.config.ts and docs/signal-quality.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../common/harness.sh
source scripts/common/harness.sh

harness_scratch_stores BACKTEST backtest 5
# One namespace per run: the run's topics and consumer groups never meet another run's or the tests'.
export BACKTEST_NAMESPACE="${BACKTEST_NAMESPACE:-backtest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').}"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
export BACKTEST_GIT_COMMIT="$commit"

# After the driver and its services: the run's topics, the build, Redis.
run_cleanup() {
  harness_delete_topics "$BACKTEST_NAMESPACE" "${BACKTEST_KEEP_TOPICS:-0}"
  rm -rf "$build"
  harness_flush_redis "$BACKTEST_REDIS_DB"
}
harness_begin backtest

harness_install_dependencies
if harness_broker_answers; then
  # A broker answers (perhaps another checkout's, shared): leave it alone. Postgres and Redis must be up.
  harness_require_postgres_and_redis "$BACKTEST_DB"
else
  bash scripts/infra.sh up "$BACKTEST_DB"
fi
harness_private_build "commit $BACKTEST_GIT_COMMIT"
export BACKTEST_BUILD_DIR="$build"
harness_reset_state "$BACKTEST_DB" "$BACKTEST_REDIS_DB"
# The history (about a third of a million events by default) is held in memory while it is posted.
harness_run_driver --max-old-space-size=6144 -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/backtest/backtest.main.js"
