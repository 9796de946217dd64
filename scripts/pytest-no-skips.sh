#!/usr/bin/env bash
# Runs pytest on the given paths and fails when any test was skipped. The tests skip themselves when a
# client they need (rclone, GDAL, Chromium) is missing; in CI that is a broken install step, not a pass.
set -uo pipefail
report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
.venv/bin/python -m pytest -q -rs -p no:cacheprovider --junitxml="$report/junit.xml" "$@"
status=$?
skipped=$(.venv/bin/python -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(sum(int(s.get("skipped", 0)) for s in root.iter("testsuite")))
' "$report/junit.xml" 2>/dev/null || echo 0)
if [ "$skipped" != "0" ]; then
  echo "$skipped test(s) skipped (listed above); CI forbids skips"
  exit 1
fi
exit $status
