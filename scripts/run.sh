#!/usr/bin/env bash
# `make run`: installs what is missing, builds, and serves Baton on the embedded
# PostgreSQL cluster (or DATABASE_URL), loading the demo firm into an empty database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
swift build --product baton
echo
echo "Baton: http://${HOST:-127.0.0.1}:${PORT:-8080}"
echo "Demo sign-in: admin@demo.test / baton-demo (every demo person's password is baton-demo)"
echo
exec .build/debug/baton serve
