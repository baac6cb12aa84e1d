#!/usr/bin/env bash
# Sourced by the end-to-end scripts: the test virtual environment (made once, in the
# git-ignored .venv), and `start_baton`, which starts `baton serve` with the demo firm
# on a private data folder and a free loopback port, waits until it is ready, and
# stops it (and removes its folder) when the calling script exits.

if [ ! -x .venv/bin/st ] || [ ! -x .venv/bin/pytest ] || ! .venv/bin/python -c 'import icalendar, selenium, axe_selenium_python, yaml, aiosmtpd, cryptography' 2>/dev/null; then
  echo "creating the test virtual environment in .venv ..."
  /usr/bin/python3 -m venv .venv 2>/dev/null || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'schemathesis>=4,<5' 'icalendar>=5' 'pytest>=8' 'selenium>=4.10' 'axe-selenium-python>=2.1' 'pyyaml>=6' 'aiosmtpd>=1.4' 'cryptography>=42'
fi

start_baton() {
  baton_data=$(mktemp -d /tmp/baton-e2e.XXXXXX)
  chmod 755 "$baton_data"
  baton_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  BATON_DATA="$baton_data" PORT="$baton_port" HOST=127.0.0.1 LOG_LEVEL=warning .build/debug/baton serve >"$baton_data/serve.log" 2>&1 &
  baton_pid=$!
  trap 'kill -TERM "$baton_pid" 2>/dev/null || true; wait "$baton_pid" 2>/dev/null || true; rm -rf "$baton_data"' EXIT
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$baton_port/readyz" >/dev/null 2>&1 && break
    kill -0 "$baton_pid" 2>/dev/null || { cat "$baton_data/serve.log"; echo "baton serve died" >&2; exit 1; }
    sleep 0.5
  done
  BATON_URL="http://127.0.0.1:$baton_port"
  export BATON_URL
}
