#!/usr/bin/env bash
# Starts `baton serve` on a private data folder and a free loopback port, signs in
# as the demo admin, and runs schemathesis over every operation in the OpenAPI
# document: no 5xx, no response outside the schema. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
examples=${FUZZ_EXAMPLES:-60}

if [ ! -x .venv/bin/st ] || [ ! -x .venv/bin/pytest ] || ! .venv/bin/python -c 'import icalendar, selenium, axe_selenium_python' 2>/dev/null; then
  echo "creating the test virtual environment in .venv ..."
  /usr/bin/python3 -m venv .venv 2>/dev/null || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'schemathesis>=4,<5' 'icalendar>=5' 'pytest>=8' 'selenium>=4.10' 'axe-selenium-python>=2.1'
fi

data=$(mktemp -d /tmp/baton-fuzz.XXXXXX)
chmod 755 "$data"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BATON_DATA="$data" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warning .build/debug/baton serve >"$data/serve.log" 2>&1 &
server=$!
cleanup() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$data/serve.log"; echo "baton serve died" >&2; exit 1; }
  sleep 0.5
done
# Checks that need the demo firm as it was loaded run before fuzzing changes it.
echo "== live checks: the calendar feed through a real iCalendar parser, the pages in headless Chromium"
BATON_URL="http://127.0.0.1:$port" .venv/bin/pytest -q -p no:cacheprovider tests/live browser

# A session token: fuzzed token deletions cannot touch it, a fuzzed password change
# keeps the session it came from, and signing out is the one operation left out.
token=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/sessions" -H 'Content-Type: application/json' \
  -d '{"email":"admin@demo.test","password":"baton-demo"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

.venv/bin/st run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" --seed 1 --no-color \
  --exclude-path /api/v1/sessions/current
