#!/usr/bin/env bash
# The whole test suite from a fresh machine: install what the tests need, then static checks, the
# TypeScript tests (node's test runner) and the Python real-client tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh
echo "== npm run check"
npm run check
echo "== TypeScript tests"
node_status=0
npm test || node_status=$?
echo "== Python client tests"
py_status=0
.venv/bin/python -m pytest -q tests/python || py_status=$?
[ "$node_status" -eq 0 ] && [ "$py_status" -eq 0 ]
