#!/usr/bin/env bash
# The live checks against a running Baton with the demo firm as it was loaded: the
# authorization matrix and the calendar feed (e2e/live), then the pages in headless
# Chromium (e2e/browser). Starts and stops its own server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/e2e-env.sh
start_baton
.venv/bin/pytest -q -p no:cacheprovider e2e/live e2e/browser
