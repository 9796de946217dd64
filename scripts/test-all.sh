#!/usr/bin/env bash
# The whole test suite from a fresh machine: install what the tests need, then static checks, the
# TypeScript tests (node's test runner) and the Python real-client tests (pytest). Every stage runs even
# when an earlier one failed, so one run shows every failure; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh || exit 1
# PostgreSQL + PostGIS for the catalog's postgres driver tests (src/catalog/postgres), which read this URL.
TH_TEST_POSTGRES_URL=$(bash scripts/postgres.sh) || exit 1
export TH_TEST_POSTGRES_URL

failed=()
stage() {
  local name=$1
  shift
  echo "== $name"
  local t0=$SECONDS
  "$@" || failed+=("$name")
  echo "== $name took $((SECONDS - t0)) s"
}

stage "static checks (npm run check)" npm run check
# A test that skips itself for want of a tool (GDAL, Chromium, PostgreSQL, rclone) fails the run here:
# this script installed those tools, so a skip means an install step is broken. (Test-suite variables
# are named TH_TEST_*: TerraHub refuses unknown TERRAHUB_* variables as misspelt settings.)
export TH_TEST_FORBID_SKIPS=1
stage "TypeScript tests" npm test
stage "Python client tests" bash scripts/pytest-no-skips.sh tests/python
# The terrahub Python package and the quickstart notebooks; the first run builds the default user
# environment into .terrahub-test-envs/ (minutes; later runs reuse it while its lock file is unchanged).
stage "terrahub Python package and quickstart notebooks" bash scripts/pytest-no-skips.sh python/tests

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed"
