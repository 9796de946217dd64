#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Node.js 20 (run as root, or with
# sudo available): npm packages, Debian packages, and the Python venv of test clients. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: one list, each line "package  # why".
apt_pkgs=$(sed -e 's/#.*//' scripts/test-apt-packages.txt | tr -s ' \n' ' ')
missing=()
for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  # One retry: a download cut off midway (or a cache entry another npm is writing) fails npm ci with
  # nothing but "A complete log of this run can be found in ..."; a second attempt starts clean.
  npm ci --no-audit --no-fund --loglevel=error || {
    echo "setup: npm ci failed; retrying once"
    npm ci --no-audit --no-fund --loglevel=error
  }
fi

# The native addons: the proxy's WebSocket relay and the storage's zero-copy body sender (npm ci builds them;
# this rebuilds one when its source changed).
node scripts/build-native.js

# Python venv of test clients (boto3, pystac-client, ...), rebuilt when tests/requirements.txt changes.
VENV=.venv
stamp="$VENV/.requirements.sha256"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: Python test venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
echo "setup: done"
