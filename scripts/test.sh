#!/usr/bin/env bash
# `make test`: the whole suite.
#   1. Swift tests (Postgres wrapper, pure rules, HTTP routes) against a real,
#      throwaway PostgreSQL cluster started by the tests themselves;
#   2. API fuzzing: schemathesis against a live `baton serve` and its OpenAPI document.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh test

echo "== building"
swift build --build-tests

echo "== Swift tests"
swift test --skip-build --parallel 2>&1 | tee .build/swift-test.log | grep -vE '^(◇|􀟈) ' || true
# swift test's own exit status is lost in the pipe; read it from its summary.
if ! grep -qE '(Test run with [0-9]+ tests? .*passed|All tests passed)' .build/swift-test.log \
   || grep -qE '(✘|􀢄) Test run|failed after|with [0-9]+ issues?|error:' .build/swift-test.log; then
  echo "Swift tests failed" >&2
  exit 1
fi

echo "== API fuzzing"
scripts/fuzz-api.sh
