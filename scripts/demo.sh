#!/usr/bin/env bash
# One command for a fresh machine: start the whole stack (Kafka, Postgres, Redis, the four
# services), create an ingest key (with accounts:write: the demo sets owner CSMs), post a small demo load, and print the score changes, alerts
# and playbook tasks as they come out of the pipeline. The stack keeps running afterwards
# (stop it with: bash scripts/stack.sh stop).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack.sh start
# The demo load watches the topics on the stack's broker (KAFKA_PORT moves it, as for stack.sh).
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bellwether}"
key=$(node -r ./tools/runtime/register-paths.js dist/apps/ingestion/src/cli/keys.cli.js create --name "demo-$(date +%s)" --scopes ingest,accounts:write | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).key')
echo
node -r ./tools/runtime/register-paths.js dist/scripts/demo/demo-load.js --key "$key" --accounts "${DEMO_ACCOUNTS:-12}"
cat <<TXT

The stack is still running: ingestion :3000, scoring :3001, alerting :3002, playbook :3003
(/healthz, /readyz, /metrics on each; logs in .cache/run/). Post your own events with
  curl -X POST localhost:3000/v1/events -H "authorization: Bearer $key" -H 'content-type: application/json' -d '{"events":[...]}'
Stop everything with: bash scripts/stack.sh stop
TXT
