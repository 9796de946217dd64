#!/usr/bin/env bash
# Runs Ceph's s3-tests (the S3 compatibility reference) against a fresh `terrahub up`, on the operations
# TerraHub claims (docs/storage.md, "Compatibility"). Clones and installs nothing itself:
#
#   bash bench/storage/s3-tests.sh <s3-tests checkout> [python with s3-tests' requirements] [pytest args...]
#
# The python defaults to <checkout>/.venv/bin/python (`python3 -m venv .venv && .venv/bin/pip install -r
# requirements.txt` in the checkout). Prints pytest's summary; the JUnit report is left in $OUT (default
# /tmp/terrahub-s3-tests) with the hub's log and the generated s3tests.conf.
set -euo pipefail
CHECKOUT=$(cd "${1:?usage: s3-tests.sh <s3-tests checkout> [python] [pytest args]}" && pwd)
PY=${2:-$CHECKOUT/.venv/bin/python}
shift $(($# < 2 ? $# : 2))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/terrahub-s3-tests}
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/terrahub-s3-tests-data.XXXXXX)
TOKEN=th_s3tests_admin_token_0123456789abcdefgh
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
S3PORT=$(free_port)

TERRAHUB_ADMIN_TOKEN=$TOKEN TERRAHUB_DATA_DIR=$DATA TERRAHUB_PORT=$PORT TERRAHUB_S3_PORT=$S3PORT \
  TERRAHUB_ENVS_BUILD_ON_START=false TERRAHUB_ENVS_DEMO_DATA=false TERRAHUB_LOG_LEVEL=warn \
  node "$ROOT/bin/terrahub.js" up >"$OUT/hub.log" 2>&1 &
HUB=$!
cleanup() {
  kill "$HUB" 2>/dev/null || true
  wait "$HUB" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
for i in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/hub/health" >/dev/null && break
  [ "$i" = 300 ] && { echo "terrahub up did not start; see $OUT/hub.log" >&2; exit 1; }
  sleep 0.5
done

# s3-tests needs three accounts (main, alt, tenant): TerraHub users with their S3 keys.
user_section() {
  local name=$1 section=$2
  curl -fs -X POST -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/hub/api/users/$name" >/dev/null
  "$PY" - "$name" "$section" <<EOF
import json, sys, urllib.request
name, section = sys.argv[1], sys.argv[2]
req = urllib.request.Request("http://127.0.0.1:$PORT/hub/api/users/%s/credentials" % name,
                             headers={"Authorization": "Bearer $TOKEN"})
c = json.load(urllib.request.urlopen(req))
print("[%s]\ndisplay_name = %s\nuser_id = %s\nemail = %s@example.com" % (section, name, name, name))
print("access_key = %s\nsecret_key = %s" % (c["access_key_id"], c["secret_access_key"]))
if section == "s3 tenant":
    print("tenant = %s" % name)
print()
EOF
}
{
  printf '[DEFAULT]\nhost = 127.0.0.1\nport = %s\nis_secure = False\nssl_verify = False\n\n' "$S3PORT"
  printf '[fixtures]\nbucket prefix = s3t-{random}-\n\n'
  user_section s3main 's3 main'
  user_section s3alt 's3 alt'
  user_section s3tenant 's3 tenant'
  # Sections s3-tests reads at start-up whether or not their tests run (IAM, STS: not TerraHub's).
  for s in 'iam' 'iam root' 'iam alt root'; do
    printf '[%s]\naccess_key = none\nsecret_key = none\nuser_id = none\nemail = none\ndisplay_name = none\n\n' "$s"
  done
} >"$OUT/s3tests.conf"

# The selection: test_s3.py and test_headers.py, less the features TerraHub does not claim (by s3-tests'
# own markers, then by name for the ones without a marker).
MARKERS='not (versioning or delete_marker or lifecycle or lifecycle_expiration or lifecycle_transition
  or object_lock or encryption or sse_s3 or bucket_encryption or tagging or bucket_policy or user_policy
  or group_policy or role_policy or session_policy or s3website or s3website_routing_rules
  or s3website_redirect_location or s3select or bucket_logging or bucket_logging_cleanup
  or fails_without_logging_rollover or cloud_transition or cloud_restore or storage_class or iam_account
  or iam_cross_account or iam_role or iam_tenant or iam_user or sns or test_of_sts or webidentity_test
  or abac_test or appendobject or object_ownership or fails_on_aws or fails_on_rgw or group)'
NAMES='not (acl or grant or cors or policy or website or logging or lifecycle or versioning or version
  or tagging or encryption or sse or lock or retention or legal_hold or torrent or ownership
  or public_access_block or notification or restore or object_attributes or storage_class or post_object
  or access_bucket or aws2)'
cd "$CHECKOUT"
S3TEST_CONF="$OUT/s3tests.conf" PYTHONUNBUFFERED=1 "$PY" -m pytest -v -p no:cacheprovider \
  s3tests/functional/test_s3.py s3tests/functional/test_headers.py \
  -m "$(echo $MARKERS)" -k "$(echo $NAMES)" --junitxml="$OUT/junit.xml" -o junit_family=xunit1 \
  -rfE "$@" >"$OUT/pytest.txt" 2>&1 || true
tail -n 1 "$OUT/pytest.txt"
