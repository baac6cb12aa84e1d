#!/usr/bin/env bash
# `make test`: the whole suite.
#   1. Swift tests (Postgres wrapper, pure rules, HTTP routes) against a real,
#      throwaway PostgreSQL cluster started by the tests themselves;
#   2. end to end (e2e/), against a live `baton serve` with the demo firm: the
#      authorization matrix, the calendar feed through a real iCalendar parser and the
#      pages in headless Chromium (scripts/e2e.sh); API fuzzing with schemathesis over
#      the OpenAPI document (scripts/fuzz-api.sh); the database faults (e2e/faults).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh test

echo "== request paths: nothing that can end the process"
python3 scripts/check-request-paths.py

echo "== building"
swift build --build-tests

echo "== Swift tests"
# swift test's own exit status decides (a stuck run fails after a bound, saying where
# it waits); the log keeps its summary for the closing line.
set +e
scripts/swift-tests.sh
swift_status=$?
set -e
[ "$swift_status" -eq 0 ] || { echo "Swift tests failed (exit $swift_status)" >&2; exit 1; }

echo "== end to end: the authorization matrix, the calendar feed, the pages in headless Chromium"
scripts/e2e.sh 2>&1 | tee .build/e2e.log
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "end-to-end tests failed" >&2; exit 1; }

echo "== API fuzzing"
scripts/fuzz-api.sh 2>&1 | tee .build/fuzz.log
fuzz_status=${PIPESTATUS[0]}
[ "$fuzz_status" -eq 0 ] || { echo "API fuzzing failed" >&2; exit 1; }

echo "== database faults (kill -9 under load, statement timeout, full disk), two servers, PgBouncer"
.venv/bin/pytest -q -p no:cacheprovider e2e/faults 2>&1 | tee .build/faults.log
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fault tests failed" >&2; exit 1; }

# One closing line for the whole suite, counted from the runners' own summaries.
swift_tests=$(grep -oE 'Test run with [0-9]+ tests?' .build/swift-test.log | grep -oE '[0-9]+' | tail -1 || true)
fuzz_cases=$(grep -oE '[0-9]+ generated, [0-9]+ passed' .build/fuzz.log | tail -1 | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
live_tests=$(grep -oE '^[0-9]+ passed in' .build/e2e.log | grep -oE '^[0-9]+' | tail -1 || true)
fault_tests=$(grep -oE '^[0-9]+ passed' .build/faults.log | grep -oE '^[0-9]+' | tail -1 || true)
echo "Swift tests: ${swift_tests:-0}; live and browser tests: ${live_tests:-0}; API fuzz cases: ${fuzz_cases:-0}; fault tests: ${fault_tests:-0}"
echo "$(( ${swift_tests:-0} + ${live_tests:-0} + ${fuzz_cases:-0} + ${fault_tests:-0} )) passed, 0 failed"
