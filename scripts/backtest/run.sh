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

BACKTEST_DB="${BACKTEST_DB:-bellwether_backtest}"
case "$BACKTEST_DB" in
  *backtest*) ;;
  *) echo "[backtest] refusing to use database \"$BACKTEST_DB\": its name does not contain \"backtest\"" >&2; exit 64 ;;
esac
BACKTEST_REDIS_DB="${BACKTEST_REDIS_DB:-5}"
case "$BACKTEST_REDIS_DB" in
  0|1) echo "[backtest] refusing Redis db $BACKTEST_REDIS_DB (0 is the dev stack's, 1 the tests')" >&2; exit 64 ;;
esac
export PGPORT="${PGPORT:-5432}"
export BACKTEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/$BACKTEST_DB"
export BACKTEST_REDIS_URL="redis://127.0.0.1:6379/$BACKTEST_REDIS_DB"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
# One namespace per run: the run's topics and consumer groups never meet another run's or the tests'.
export BACKTEST_NAMESPACE="${BACKTEST_NAMESPACE:-backtest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').}"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
export BACKTEST_GIT_COMMIT="$commit"

log() { printf '[backtest] %s\n' "$*"; }
work=reports/backtest
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
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$build/dist/apps/"; then
      log "stopping leftover $(basename "$pid_file" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
  done
  # The run's topics, if the driver did not get to delete them.
  # Any broker that answers (a shared one too: `kafka.sh status` only knows the one it started).
  broker="${KAFKA_BROKERS%%,*}"
  if [ "${BACKTEST_KEEP_TOPICS:-0}" != 1 ] && timeout 2 bash -c "exec 3<>/dev/tcp/${broker%:*}/${broker##*:}" 2>/dev/null; then
    ns_regex="$(printf '%s' "$BACKTEST_NAMESPACE" | sed 's/\./\\./g').*"
    if bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --list 2>/dev/null | grep -q "^$BACKTEST_NAMESPACE"; then
      log "deleting the run's leftover topics ($BACKTEST_NAMESPACE*)"
      bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --delete --topic "$ns_regex" >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$build"
  # The run's dedup keys and rate-limit state are of no use afterwards; give Redis its memory back.
  redis-cli -h 127.0.0.1 -n "$BACKTEST_REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A node_modules link (a git worktree sharing another checkout's install) is left alone: npm ci
# would replace the link with a fresh install.
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "installing dependencies (npm ci)"; npm ci --no-audit --no-fund
fi
broker="${KAFKA_BROKERS%%,*}"
if timeout 2 bash -c "exec 3<>/dev/tcp/${broker%:*}/${broker##*:}" 2>/dev/null; then
  # A broker answers (perhaps another checkout's, shared): leave it alone. Postgres and Redis must be up.
  pg_isready -h 127.0.0.1 -p "$PGPORT" -q || { log "PostgreSQL does not answer on 127.0.0.1:$PGPORT (scripts/infra.sh up starts it)"; exit 69; }
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { log "Redis does not answer on 127.0.0.1:6379 (scripts/infra.sh up starts it)"; exit 69; }
  if ! psql -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$BACKTEST_DB'" | grep -q 1; then
    log "creating database $BACKTEST_DB"
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE \"$BACKTEST_DB\""
  fi
else
  bash scripts/infra.sh up "$BACKTEST_DB"
fi
# A private build: other engineers rebuild the shared dist/ while they work, and the services must run
# the same code from start to end (and our build must not change theirs). Removed at the end.
log "building into $build/dist (a snapshot of the tree as it is now, commit $BACKTEST_GIT_COMMIT)"
mkdir -p "$build/tools/runtime"
npx tsc -p tsconfig.build.json --outDir "$build/dist" --tsBuildInfoFile "$build/dist/.tsbuildinfo"
cp tools/runtime/register-paths.js "$build/tools/runtime/register-paths.js"
cp tsconfig.base.json "$build/tsconfig.base.json"
export BACKTEST_BUILD_DIR="$build"

log "dropping the service schemas of $BACKTEST_DB and flushing Redis db $BACKTEST_REDIS_DB"
PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$BACKTEST_DB" -v ON_ERROR_STOP=1 -qc \
  'DROP SCHEMA IF EXISTS ingestion CASCADE; DROP SCHEMA IF EXISTS scoring CASCADE; DROP SCHEMA IF EXISTS alerting CASCADE; DROP SCHEMA IF EXISTS playbook CASCADE;'
redis-cli -h 127.0.0.1 -n "$BACKTEST_REDIS_DB" FLUSHDB >/dev/null

# The history (about a third of a million events by default) is held in memory while it is posted.
node --max-old-space-size=6144 -r "./$build/tools/runtime/register-paths.js" "$build/dist/scripts/backtest/backtest.main.js" &
driver_pid=$!
wait "$driver_pid"
