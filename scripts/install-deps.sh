#!/usr/bin/env bash
# Installs the Debian packages Baton needs, and only those that are missing.
#   scripts/install-deps.sh run    what `make run` needs
#   scripts/install-deps.sh test   what `make test` needs (browser and load tools too)
# As root it installs them; otherwise it says exactly what to install.
set -euo pipefail

case "${1:-run}" in
  run)  packages=(libpq-dev postgresql postgresql-contrib libjs-chart.js) ;;
  test) packages=(libpq-dev postgresql postgresql-contrib libjs-chart.js python3-venv chromium chromium-driver curl pgbouncer) ;;
  *)    echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Baton needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
