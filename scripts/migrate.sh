#!/usr/bin/env bash
# Applies (or, with "revert", undoes the last of) every service's migrations against
# DATABASE_URL, one schema per service. Needs a build (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bellwether}"
for service in ingestion scoring alerting playbook; do
  node -r ./tools/runtime/register-paths.js "dist/apps/$service/src/migrate.js" "${1:-up}"
done
