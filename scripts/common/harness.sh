# The start and clean-up of a whole-stack run, shared by scripts/bench, scripts/chaos and
# scripts/backtest (their run.sh source this file from the repository root). A run:
#   harness_scratch_stores <PREFIX> <run> <redis db>
#                                           the run's database and Redis db (guarded), their URLs
#   harness_begin <name>                    log prefix, reports/<name>/{run,logs,build}, the EXIT trap
#   harness_install_dependencies            `npm ci` when the lock is newer (never through a link)
#   harness_broker_answers                  true when a broker (any, a shared one too) answers
#   harness_require_postgres_and_redis <db> beside a broker already up: Postgres and Redis must answer
#   harness_private_build                   tsc into reports/<name>/build, with the path resolver
#   harness_reset_state <db> <redis db>     the service schemas dropped, the Redis db flushed
#   harness_run_driver <node args…>         the run's driver, in the background, waited for
# On exit (also on failure or Ctrl-C) the driver is stopped, then the services it left running;
# then the script's own `run_cleanup`, if it defines one (topics, build, Redis, broker), with
# the helpers below. Sourcing this file runs nothing.

# The log line prefix and the run's folders (set by harness_begin).
harness_name=""
work=""
build=""
# The driver's pid while it runs, for the clean-up.
driver_pid=""

log() { printf '[%s] %s\n' "$harness_name" "$*"; }

# Exit 64 unless database name $1 contains $2: the runs drop schemas, so never a dev or test database.
harness_refuse_database() {
  case "$1" in
    *"$2"*) ;;
    *) echo "[$2] refusing to use database \"$1\": its name does not contain \"$2\"" >&2; exit 64 ;;
  esac
}

# Exit 64 for Redis db 0 (the dev stack's) or 1 (the tests'): the runs flush their db. $2: the log prefix.
harness_refuse_redis_db() {
  case "$1" in
    0|1) echo "[$2] refusing Redis db $1 (0 is the dev stack's, 1 the tests')" >&2; exit 64 ;;
  esac
}

# The run's stores, from <PREFIX>_DB (default bellwether_<run>) and <PREFIX>_REDIS_DB (default $3),
# both refused unless scratch: sets those two, exports <PREFIX>_DATABASE_URL (Postgres on
# 127.0.0.1:$PGPORT, default 5432), <PREFIX>_REDIS_URL and KAFKA_BROKERS (default 127.0.0.1:9092).
# `harness_scratch_stores CHAOS chaos 4` → CHAOS_DB, CHAOS_REDIS_DB, CHAOS_DATABASE_URL, CHAOS_REDIS_URL.
harness_scratch_stores() {
  local prefix="$1" run="$2" db_var="$1_DB" redis_var="$1_REDIS_DB"
  printf -v "$db_var" '%s' "${!db_var:-bellwether_$run}"
  harness_refuse_database "${!db_var}" "$run"
  printf -v "$redis_var" '%s' "${!redis_var:-$3}"
  harness_refuse_redis_db "${!redis_var}" "$run"
  export PGPORT="${PGPORT:-5432}"
  export "${prefix}_DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/${!db_var}"
  export "${prefix}_REDIS_URL=redis://127.0.0.1:6379/${!redis_var}"
  export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
}

# Names the run ($1: bench, chaos, backtest), makes reports/$1/{run,logs}, empties the old logs and
# installs the clean-up on EXIT (INT and TERM exit 130, which runs it too).
harness_begin() {
  harness_name="$1"
  work="reports/$1"
  build="$work/build"
  mkdir -p "$work/run" "$work/logs"
  rm -f "$work"/logs/*.log
  trap harness_cleanup EXIT
  trap 'exit 130' INT TERM
}

harness_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  harness_stop_driver
  harness_stop_leftover_services
  if declare -F run_cleanup >/dev/null; then run_cleanup || true; fi
  exit "$rc"
}

# TERM to the driver, and up to 30 s for it to stop its services and write its report.
harness_stop_driver() {
  if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -TERM "$driver_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$driver_pid" 2>/dev/null || break; sleep 0.5; done
  fi
}

# Services the driver started, if it could not stop them itself: pid files under $work/run, each
# checked to run this build's dist/apps/ before it is signalled (TERM, 20 s, then KILL).
harness_stop_leftover_services() {
  local pid_file pid
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
}

# True when the first broker of KAFKA_BROKERS accepts a connection within 2 s: any broker, a shared
# one too (`kafka.sh status` only knows the one it started).
harness_broker_answers() {
  local broker="${KAFKA_BROKERS%%,*}"
  timeout 2 bash -c "exec 3<>/dev/tcp/${broker%:*}/${broker##*:}" 2>/dev/null
}

# Deletes the topics of namespace $1 (`bench-1712345678.`…) if the driver did not get to, unless
# $2 is 1 (the run's *_KEEP_TOPICS).
harness_delete_topics() {
  local namespace="$1" keep="${2:-0}" ns_regex
  [ "$keep" != 1 ] && harness_broker_answers || return 0
  ns_regex="$(printf '%s' "$namespace" | sed 's/\./\\./g').*"
  if bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --list 2>/dev/null | grep -q "^$namespace"; then
    log "deleting the run's leftover topics ($namespace*)"
    bash scripts/kafka.sh run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --delete --topic "$ns_regex" >/dev/null 2>&1 || true
  fi
}

# With a broker that already answers (not this run's to start or stop): exit 69 unless Postgres and
# Redis answer; creates database $1 if missing.
harness_require_postgres_and_redis() {
  pg_isready -h 127.0.0.1 -p "$PGPORT" -q || { log "PostgreSQL does not answer on 127.0.0.1:$PGPORT (scripts/infra.sh up starts it)"; exit 69; }
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { log "Redis does not answer on 127.0.0.1:6379 (scripts/infra.sh up starts it)"; exit 69; }
  if ! psql -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; then
    log "creating database $1"
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE \"$1\""
  fi
}

# Redis db $1 emptied, quietly: the run's dedup keys and rate-limit state are of no use afterwards.
harness_flush_redis() {
  redis-cli -h 127.0.0.1 -n "$1" FLUSHDB >/dev/null 2>&1 || true
}

# `npm ci` when node_modules is missing or older than the lock. A node_modules link (a git worktree
# sharing another checkout's install) is left alone: npm ci would replace the link with a fresh
# install, wiping the install it points to for everyone who shares it.
harness_install_dependencies() {
  if [ -L node_modules ]; then return 0; fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing dependencies (npm ci)"; npm ci --no-audit --no-fund
  fi
}

# A private build: other engineers rebuild the shared dist/ while they work, and a service restarted
# mid-run must run the same code as at the start (and our build must not change theirs). $1: what
# the log line adds after "the tree as it is now" (a commit, say).
harness_private_build() {
  log "building into $build/dist (a snapshot of the tree as it is now${1:+, $1})"
  mkdir -p "$build/tools/runtime"
  npx tsc -p tsconfig.build.json --outDir "$build/dist" --tsBuildInfoFile "$build/dist/.tsbuildinfo"
  cp tools/runtime/register-paths.js "$build/tools/runtime/register-paths.js"
  cp tsconfig.base.json "$build/tsconfig.base.json"
}

# The four services' schemas of database $1 dropped (their migrations run again at start) and
# Redis db $2 flushed. Postgres on 127.0.0.1:${PGPORT:-5432}.
harness_reset_state() {
  log "dropping the service schemas of $1 and flushing Redis db $2"
  PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres -d "$1" -v ON_ERROR_STOP=1 -qc \
    'DROP SCHEMA IF EXISTS ingestion CASCADE; DROP SCHEMA IF EXISTS scoring CASCADE; DROP SCHEMA IF EXISTS alerting CASCADE; DROP SCHEMA IF EXISTS playbook CASCADE;'
  redis-cli -h 127.0.0.1 -n "$2" FLUSHDB >/dev/null
}

# Runs `node <args…>` (the driver, from the private build) in the background so the clean-up can
# signal it, and waits for it: the run's exit status is the driver's.
harness_run_driver() {
  node "$@" &
  driver_pid=$!
  wait "$driver_pid"
}
