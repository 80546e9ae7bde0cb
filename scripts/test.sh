#!/usr/bin/env bash
# The whole test command (README, .ci/run): dependencies, lint, types, unit tests, then the real
# stack (Kafka via scripts/kafka.sh, the machine's Postgres and Redis), integration and
# end-to-end tests. Ends red on any failure and prints one closing line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n[test] %s\n' "$*"; }
reports=reports/tmp
mkdir -p "$reports"
rm -f "$reports"/jest-*.json

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

started_kafka=0
cleanup() {
  if [ "$started_kafka" = 1 ] && [ "${KEEP_KAFKA:-0}" != 1 ]; then bash scripts/kafka.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

summarize() {
  node -e '
    const fs = require("fs");
    let passed = 0, failed = 0;
    for (const file of fs.readdirSync(process.argv[1]).filter((f) => /^jest-.*\.json$/.test(f))) {
      const report = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
      passed += report.numPassedTests; failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    }
    console.log(`\n${passed} passed, ${failed} failed`);
  ' "$reports"
}

run_jest() { # run_jest TIER CONFIG
  local tier=$1 config=$2
  log "$tier tests"
  if ! npx jest -c "$config" --json --outputFile="$reports/jest-$tier.json" --testLocationInResults=false 2>&1; then
    summarize
    exit 1
  fi
}

log "lint (zero warnings; module boundaries need the Nx project graph first)"
NX_DAEMON=false npx nx show projects >/dev/null
npx eslint . --max-warnings=0
log "type check"
npx tsc -p tsconfig.json --noEmit
log "deployment manifests"
node scripts/contracts/validate-manifests.js
run_jest unit jest.unit.config.js

log "starting the real stack"
bash scripts/kafka.sh status >/dev/null 2>&1 || started_kafka=1
bash scripts/infra.sh up bellwether_test
log "build"
npx tsc -p tsconfig.build.json

export KAFKA_BROKERS=127.0.0.1:${KAFKA_PORT:-9092}
export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bellwether_test
export REDIS_URL=redis://127.0.0.1:6379/1
run_jest integration jest.integration.config.js
run_jest e2e jest.e2e.config.js
summarize
