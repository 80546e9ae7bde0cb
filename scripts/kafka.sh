#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller in one JVM), fetched
# from Maven Central with mvn and run with plain `java` -- no Docker, no tarball.
#
# Usage: scripts/kafka.sh <command> [args]
#   fetch                  download the Kafka jars into $KAFKA_HOME_DIR/libs (idempotent)
#   start                  fetch if needed, format storage if needed, start, wait until ready
#   stop                   SIGTERM, wait up to $KAFKA_STOP_TIMEOUT s, then SIGKILL
#   status                 exit 0 if running and answering, 3 otherwise
#   reset                  stop and delete the data dir (next start formats fresh storage)
#   run-class <class> ...  run a Java class on the Kafka classpath, e.g.
#                            scripts/kafka.sh run-class org.apache.kafka.tools.ProducerPerformance \
#                              --topic t --num-records 1000 --record-size 300 --throughput -1 \
#                              --producer-props bootstrap.servers=127.0.0.1:9092 acks=all
#   classpath              print the classpath (for callers that run java themselves)
#   logs [n]               print the last n (default 50) lines of the server log
#
# Environment:
#   KAFKA_HOME_DIR          cache dir (default: <repo>/.cache/kafka)
#   KAFKA_PORT              PLAINTEXT port (default 9092)
#   KAFKA_CONTROLLER_PORT   CONTROLLER port (default 9093)
#   KAFKA_HEAP_OPTS         broker heap (default "-Xms256m -Xmx1g")
#   KAFKA_JVM_OPTS          extra broker JVM options
#   KAFKA_TOOL_HEAP_OPTS    heap for run-class / probes (default "-Xmx512m")
#   KAFKA_START_TIMEOUT     seconds to wait for readiness (default 90)
#   KAFKA_STOP_TIMEOUT      seconds to wait for a clean shutdown (default 30)
#   KAFKA_MVN_OPTS          extra mvn arguments for fetch (e.g. -Dmaven.repo.local=...)
set -euo pipefail

# Kafka release to fetch and run. 4.1.1 works with kafkajs 2.2.4 (admin,
# idempotent produce, consumer groups, offset commits) -- see scripts/kafka/README.md.
KAFKA_VERSION="4.1.1"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
KAFKA_SUPPORT_DIR="$SCRIPT_DIR/kafka"

KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.cache/kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
KAFKA_TOOL_HEAP_OPTS="${KAFKA_TOOL_HEAP_OPTS:--Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_MVN_OPTS="${KAFKA_MVN_OPTS:-}"

LIBS_DIR="$KAFKA_HOME_DIR/libs"
DATA_DIR="$KAFKA_HOME_DIR/data"
LOG_DIR="$KAFKA_HOME_DIR/logs"
PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
SERVER_PROPS="$KAFKA_HOME_DIR/server.properties"
PROBE_PROPS="$KAFKA_HOME_DIR/probe-admin.properties"
FETCH_MARKER="$LIBS_DIR/.kafka-version"
SERVER_LOG4J="$KAFKA_SUPPORT_DIR/log4j2-server.xml"
TOOLS_LOG4J="$KAFKA_SUPPORT_DIR/log4j2-tools.xml"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { printf '[kafka] ERROR: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

now() { date +%s; }

classpath() { printf '%s/*' "$LIBS_DIR"; }

# --- fetch ------------------------------------------------------------------

is_fetched() {
  [[ -f "$FETCH_MARKER" && "$(cat "$FETCH_MARKER")" == "$KAFKA_VERSION" \
    && -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" \
    && -f "$LIBS_DIR/kafka-tools-$KAFKA_VERSION.jar" ]]
}

cmd_fetch() {
  if is_fetched; then
    log "Kafka $KAFKA_VERSION already fetched ($LIBS_DIR)"
    return 0
  fi
  need mvn "install Maven 3.8+"
  need "$JAVA" "install a JDK 17+"
  mkdir -p "$KAFKA_HOME_DIR"
  local tmp="$KAFKA_HOME_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  log "fetching Apache Kafka $KAFKA_VERSION jars with Maven into $LIBS_DIR ..."
  local t0; t0=$(now)
  local fetch_log="$KAFKA_HOME_DIR/fetch.log"
  # shellcheck disable=SC2086  # KAFKA_MVN_OPTS is intentionally word-split
  if ! mvn -B -q -Dstyle.color=never $KAFKA_MVN_OPTS -f "$KAFKA_SUPPORT_DIR/pom.xml" \
      dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" \
      -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$fetch_log" 2>&1; then
    tail -n 40 "$fetch_log" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed for Kafka $KAFKA_VERSION (full output: $fetch_log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  printf '%s\n' "$KAFKA_VERSION" >"$tmp/.kafka-version"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l | tr -d ' ') jars in $(( $(now) - t0 ))s"
}

# --- process helpers --------------------------------------------------------

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(tr -d '[:space:]' <"$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}

# True if the pid file names a live JVM running kafka.Kafka (guards against pid reuse).
is_running() {
  local pid; pid="$(read_pid)" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'
}

port_open() {
  local port="$1"
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
  else
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
  fi
}

# Metadata round-trip through the real client: proves the broker serves requests.
broker_answers() {
  local -a heap probe
  read -r -a heap <<<"$KAFKA_TOOL_HEAP_OPTS"
  probe=("$JAVA" "${heap[@]}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -cp "$(classpath)" -Dlog4j2.configurationFile="$TOOLS_LOG4J"
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP"
    --command-config "$PROBE_PROPS" --list)
  if command -v timeout >/dev/null 2>&1; then
    timeout 30 "${probe[@]}" >/dev/null 2>&1
  else
    "${probe[@]}" >/dev/null 2>&1
  fi
}

file_size() { if [[ -f "$1" ]]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# Byte offset of server.log when this start launched the JVM, so a failed start
# shows what *this* attempt logged rather than the previous run's shutdown.
SERVER_LOG_OFFSET=0

show_logs() {
  local n="${1:-50}" log="$LOG_DIR/server.log"
  if [[ -f "$log" ]]; then
    local size; size="$(file_size "$log")"
    if (( SERVER_LOG_OFFSET > 0 && size > SERVER_LOG_OFFSET )); then
      echo "----- last $n lines of $log (this start) -----" >&2
      tail -c +"$(( SERVER_LOG_OFFSET + 1 ))" "$log" | tail -n "$n" >&2
    elif (( SERVER_LOG_OFFSET > 0 && size == SERVER_LOG_OFFSET )); then
      echo "(nothing written to $log by this start)" >&2
    else
      echo "----- last $n lines of $log -----" >&2
      tail -n "$n" "$log" >&2
    fi
  else
    echo "(no $log)" >&2
  fi
  if [[ -s "$LOG_DIR/kafka.out" ]]; then
    echo "----- last 20 lines of $LOG_DIR/kafka.out (stdout/stderr) -----" >&2
    tail -n 20 "$LOG_DIR/kafka.out" >&2
  fi
}

# --- config + storage -------------------------------------------------------

write_config() {
  mkdir -p "$KAFKA_HOME_DIR" "$DATA_DIR" "$LOG_DIR"
  local tpl; tpl="$(cat "$KAFKA_SUPPORT_DIR/server.properties.template")"
  tpl="${tpl//@KAFKA_PORT@/$KAFKA_PORT}"
  tpl="${tpl//@KAFKA_CONTROLLER_PORT@/$KAFKA_CONTROLLER_PORT}"
  tpl="${tpl//@KAFKA_DATA_DIR@/$DATA_DIR}"
  printf '%s\n' "$tpl" >"$SERVER_PROPS"
  cat >"$PROBE_PROPS" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage_if_needed() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  cluster_id="$("$JAVA" -cp "$(classpath)" -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
    kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/format.log" | tail -n 1)"
  [[ -n "$cluster_id" ]] || die "could not generate a cluster id (see $LOG_DIR/format.log)"
  log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
  if ! "$JAVA" -cp "$(classpath)" -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" \
      >>"$LOG_DIR/format.log" 2>&1; then
    tail -n 20 "$LOG_DIR/format.log" >&2
    die "storage format failed (see $LOG_DIR/format.log)"
  fi
  printf '%s\n' "$cluster_id" >"$KAFKA_HOME_DIR/cluster-id"
}

# --- commands ---------------------------------------------------------------

wait_ready() {
  local pid="$1" t0="$2"
  local deadline=$(( t0 + KAFKA_START_TIMEOUT ))
  while (( $(now) < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker process $pid exited during startup"
      rm -f "$PID_FILE"
      show_logs 50
      exit 1
    fi
    if port_open "$KAFKA_PORT" && broker_answers; then
      log "Kafka $KAFKA_VERSION ready on $BOOTSTRAP (pid $pid, $(( $(now) - t0 ))s)"
      return 0
    fi
    sleep 0.5
  done
  log "broker did not become ready within ${KAFKA_START_TIMEOUT}s; stopping it"
  show_logs 50
  stop_pid "$pid" || true
  rm -f "$PID_FILE"
  exit 1
}

cmd_start() {
  local t0; t0=$(now)
  if is_running; then
    local pid; pid="$(read_pid)"
    if port_open "$KAFKA_PORT"; then
      log "Kafka already running (pid $pid) on $BOOTSTRAP -- nothing to do"
      return 0
    fi
    log "Kafka process $pid exists but $BOOTSTRAP does not answer yet; waiting"
    wait_ready "$pid" "$t0"
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open "$KAFKA_PORT"; then
    die "port $KAFKA_PORT is already in use by another process (set KAFKA_PORT)"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
  fi
  need "$JAVA" "install a JDK 17+"
  cmd_fetch
  write_config
  format_storage_if_needed

  log "starting Kafka $KAFKA_VERSION (KRaft broker+controller) on $BOOTSTRAP, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT"
  : >"$LOG_DIR/kafka.out"
  SERVER_LOG_OFFSET="$(file_size "$LOG_DIR/server.log")"
  # The wrapper records its own pid and then execs java, so the pid file always
  # names the JVM. setsid detaches it from the caller's process group/terminal.
  local -a launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # shellcheck disable=SC2086,SC2016  # opts are word-split; $$/$@ expand in the child
  "${launcher[@]}" nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" $KAFKA_HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" \
    -Dlog4j2.configurationFile="$SERVER_LOG4J" \
    $KAFKA_JVM_OPTS \
    -cp "$(classpath)" kafka.Kafka "$SERVER_PROPS" \
    >>"$LOG_DIR/kafka.out" 2>&1 </dev/null &

  local pid="" _
  for _ in $(seq 1 50); do
    pid="$(read_pid 2>/dev/null)" && break
    sleep 0.1
  done
  [[ -n "$pid" ]] || { show_logs 50; die "broker did not record its pid"; }
  wait_ready "$pid" "$t0"
}

stop_pid() {
  local pid="$1" t0; t0=$(now)
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(now) - t0 >= KAFKA_STOP_TIMEOUT )); then
      log "no clean shutdown after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  log "stopped (pid $pid, $(( $(now) - t0 ))s)"
}

cmd_stop() {
  if ! is_running; then
    rm -f "$PID_FILE"
    log "Kafka is not running"
    return 0
  fi
  local pid; pid="$(read_pid)"
  log "stopping Kafka (pid $pid) ..."
  stop_pid "$pid"
  rm -f "$PID_FILE"
}

cmd_status() {
  if is_running; then
    local pid; pid="$(read_pid)"
    if port_open "$KAFKA_PORT"; then
      echo "Kafka $KAFKA_VERSION running (pid $pid) on $BOOTSTRAP; data $DATA_DIR"
      return 0
    fi
    echo "Kafka process running (pid $pid) but $BOOTSTRAP is not accepting connections"
    return 3
  fi
  echo "Kafka is not running"
  return 3
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA_DIR" "$KAFKA_HOME_DIR/cluster-id"
  log "deleted $DATA_DIR; the next start formats fresh storage"
}

cmd_run_class() {
  [[ $# -ge 1 ]] || die "usage: $0 run-class <main-class> [args...]"
  is_fetched || cmd_fetch
  # shellcheck disable=SC2086
  exec "$JAVA" $KAFKA_TOOL_HEAP_OPTS -cp "$(classpath)" \
    -Dlog4j2.configurationFile="$TOOLS_LOG4J" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
  local command="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$command" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    run-class) cmd_run_class "$@" ;;
    classpath) is_fetched || cmd_fetch; classpath; echo ;;
    logs) show_logs "${1:-50}" 2>&1 ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
