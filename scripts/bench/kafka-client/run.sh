#!/usr/bin/env bash
# Kafka client comparison (issue 17, "The Kafka client"): kafkajs vs the librdkafka clients vs
# Kafka's own ProducerPerformance, interleaved and repeated. See docs/kafka-client.md.
#
# Usage: bash scripts/bench/kafka-client/run.sh [produce|consume|all]
# Environment:
#   KCLIENT_SCRATCH   where @confluentinc/kafka-javascript and node-rdkafka are installed (default /tmp/kclient-scratch)
#   KAFKA_BROKERS     default 127.0.0.1:9092
#   KAFKA_HOME_DIR    Kafka jars for ProducerPerformance (default: <repo>/.cache/kafka, as scripts/kafka.sh)
#   REPEATS           rounds of every configuration, in a rotated order each round (default 3)
#   RECORDS           records per produce run (default 200000)
#   KEY_COUNTS        distinct account ids per produce run (default "1000 100000")
#   CLIENTS           produce configurations client:batch:inflight (default: all below that are installed)
#   CONSUME_RECORDS   records for the consume runs (default 1000000)
#   CONSUMERS         consume clients (default "kafkajs ckjs rdkafka", those installed)
#   NICE              niceness of every run (default 19)
#   OUT               results file, JSON lines (default /tmp/kclient-scratch/results.jsonl)
# Topics are named kclient-bench-*, 6 partitions, and deleted at the end of each round.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
export KCLIENT_SCRATCH="${KCLIENT_SCRATCH:-/tmp/kclient-scratch}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
REPEATS="${REPEATS:-3}"
RECORDS="${RECORDS:-200000}"
KEY_COUNTS="${KEY_COUNTS:-1000 100000}"
CONSUME_RECORDS="${CONSUME_RECORDS:-1000000}"
NICE="${NICE:-19}"
OUT="${OUT:-$KCLIENT_SCRATCH/results.jsonl}"
WHAT="${1:-all}"
BENCH=(nice -n "$NICE" node "$HERE/client-bench.mjs")

installed() { [[ -d "$KCLIENT_SCRATCH/node_modules/$1/build/Release" ]]; }

if [[ -z "${CLIENTS:-}" ]]; then
  CLIENTS="kafkajs:100:12 kafkajs:1200:1"
  if installed @confluentinc/kafka-javascript; then CLIENTS+=" ckjs:100:12 ckjs:1200:1 ckjs-native:100:12"; fi
  if installed node-rdkafka; then CLIENTS+=" rdkafka:100:12 rdkafka:1200:1"; fi
  CLIENTS+=" producer-performance"
fi
if [[ -z "${CONSUMERS:-}" ]]; then
  CONSUMERS="kafkajs"
  if installed @confluentinc/kafka-javascript; then CONSUMERS+=" ckjs"; fi
  if installed node-rdkafka; then CONSUMERS+=" rdkafka"; fi
fi

log() { printf '[kafka-client] %s\n' "$*" >&2; }

# ProducerPerformance at the same record size (376 bytes, no key), acks=all, idempotent.
producer_performance() {
  local topic="$1" records="$2" keys="$3" line
  line="$(nice -n "$NICE" bash "$REPO_ROOT/scripts/kafka.sh" run-class org.apache.kafka.tools.ProducerPerformance \
    --topic "$topic" --num-records "$records" --record-size 376 --throughput -1 \
    --producer-props "bootstrap.servers=$KAFKA_BROKERS" acks=all enable.idempotence=true 2>&1 | grep 'records sent,' | tail -n 1)"
  node -e '
    const [line, records, keys] = process.argv.slice(1);
    const m = /([\d.]+) records\/sec/.exec(line);
    console.log(JSON.stringify({ op: "produce", client: "producer-performance", records: Number(records), keys: Number(keys), batch: null, inflight: null, recordsPerSecond: m ? Number(m[1]) : null, valueBytes: 376, summary: line }));
  ' "$line" "$records" "$keys"
}

rotate() { # rotate <n> words...: the list starting at its n-th element (interleaving across rounds)
  local n="$1"; shift
  local -a list=("$@")
  local count=${#list[@]} i
  for ((i = 0; i < count; i += 1)); do printf '%s ' "${list[$(( (i + n) % count ))]}"; done
}

run_produce() {
  local round keys topic config client batch inflight result
  for ((round = 1; round <= REPEATS; round += 1)); do
    for keys in $KEY_COUNTS; do
      topic="kclient-bench-produce-r${round}-k${keys}"
      "${BENCH[@]}" topic create --topic "$topic" --partitions 6 >/dev/null
      # shellcheck disable=SC2046 # word-split on purpose
      for config in $(rotate "$round" $CLIENTS); do
        if [[ "$config" == producer-performance ]]; then
          result="$(producer_performance "$topic" "$RECORDS" "$keys")"
        else
          IFS=: read -r client batch inflight <<<"$config"
          result="$("${BENCH[@]}" produce --client "$client" --topic "$topic" --records "$RECORDS" --keys "$keys" --batch "$batch" --inflight "$inflight" 2>>"$OUT.stderr")" || result="{\"op\":\"produce\",\"client\":\"$client\",\"batch\":$batch,\"inflight\":$inflight,\"keys\":$keys,\"failed\":true}"
        fi
        result="${result%\}},\"round\":$round}"
        printf '%s\n' "$result" >>"$OUT"
        log "$result"
      done
      "${BENCH[@]}" topic delete --topic "$topic" >/dev/null
    done
  done
}

run_consume() {
  local topic="kclient-bench-consume" round client result fill=kafkajs:1200:1
  installed node-rdkafka && fill=rdkafka:1200:1
  IFS=: read -r client batch inflight <<<"$fill"
  "${BENCH[@]}" topic delete --topic "$topic" >/dev/null
  "${BENCH[@]}" topic create --topic "$topic" --partitions 6 >/dev/null
  log "filling $topic with $CONSUME_RECORDS records ($fill)"
  "${BENCH[@]}" produce --client "$client" --topic "$topic" --records "$CONSUME_RECORDS" --keys 100000 --batch "$batch" --inflight "$inflight" >/dev/null
  for ((round = 1; round <= REPEATS; round += 1)); do
    # shellcheck disable=SC2046
    for client in $(rotate "$round" $CONSUMERS); do
      result="$("${BENCH[@]}" consume --client "$client" --topic "$topic" --records "$CONSUME_RECORDS" 2>>"$OUT.stderr")" || result="{\"op\":\"consume\",\"client\":\"$client\",\"failed\":true}"
      result="${result%\}},\"round\":$round}"
      printf '%s\n' "$result" >>"$OUT"
      log "$result"
    done
  done
  "${BENCH[@]}" topic delete --topic "$topic" >/dev/null
}

log "results -> $OUT; produce configurations: $CLIENTS; consumers: $CONSUMERS"
case "$WHAT" in
  produce) run_produce ;;
  consume) run_consume ;;
  all) run_produce; run_consume ;;
  *) echo "usage: $0 [produce|consume|all]" >&2; exit 2 ;;
esac
node "$HERE/summarize.mjs" "$OUT"
