#!/usr/bin/env bash
# Starts `baton serve` on a private data folder and a free loopback port, signs in
# as the demo admin, and runs schemathesis over every operation in the OpenAPI
# document: no 5xx, no response outside the schema. Stops what it started. (The live
# checks and the browser tests run from scripts/e2e.sh, on a server of their own.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
examples=${FUZZ_EXAMPLES:-60}

. scripts/e2e-env.sh
start_baton
port=$baton_port

# A session token: fuzzed token deletions cannot touch it, a fuzzed password change
# keeps the session it came from, and signing out is the one operation left out.
token=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"email":"admin@demo.test","password":"baton-demo"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

.venv/bin/st run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" --seed 1 --no-color \
  --exclude-path /api/v1/sessions/current
