#!/usr/bin/env bash
# PostgreSQL 15 + PostGIS for the catalog's postgres driver (tests, benchmarks, or a small deployment):
# installs Debian's packages when missing, starts the cluster (no systemd needed), creates a role and a UTF-8
# database with the postgis extension, and prints the connection URL on stdout (all else goes to stderr).
# Idempotent: a second run only prints the URL.
#
#   bash scripts/postgres.sh [database] [user] [password]     (defaults: terrahub terrahub terrahub)
#   export TH_TEST_POSTGRES_URL=$(bash scripts/postgres.sh)
#
# The default password is for local test clusters only; pass your own for anything else.
set -euo pipefail

DB=${1:-terrahub}
USER_NAME=${2:-terrahub}
PASSWORD=${3:-terrahub}
VERSION=15
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log() { echo "postgres.sh: $*" >&2; }

for name in "$DB" "$USER_NAME"; do
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || { log "'$name' is not a plain SQL name ([a-z_][a-z0-9_]*)"; exit 2; }
done
[[ $PASSWORD != *"'"* ]] || { log "the password may not contain a single quote"; exit 2; }

if ! dpkg -s "postgresql-$VERSION" "postgresql-$VERSION-postgis-3" >/dev/null 2>&1; then
  log "installing postgresql-$VERSION and PostGIS from Debian's packages"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "postgresql-$VERSION" "postgresql-$VERSION-postgis-3" >&2
fi

# Debian creates the "main" cluster at install time; without systemd, pg_ctlcluster starts it directly.
if ! pg_lsclusters -h "$VERSION" main 2>/dev/null | grep -q .; then
  log "creating cluster $VERSION/main"
  $SUDO pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h "$VERSION" main | awk '{print $4}' | grep -q online; then
  log "starting cluster $VERSION/main"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start >&2
fi
PORT=$(pg_lsclusters -h "$VERSION" main | awk '{print $3}')

AS_POSTGRES=(runuser -u postgres --)
[ "$(id -u)" -eq 0 ] || AS_POSTGRES=(sudo -u postgres)
psql_su() { PGOPTIONS="-c client_min_messages=warning" "${AS_POSTGRES[@]}" psql -p "$PORT" -v ON_ERROR_STOP=1 -qtA "$@"; }
# The server accepts connections a moment after pg_ctlcluster returns on a loaded machine.
for _ in $(seq 1 60); do psql_su -c 'select 1' >/dev/null 2>&1 && break; sleep 1; done

if [ -z "$(psql_su -c "select 1 from pg_roles where rolname = '$USER_NAME'")" ]; then
  log "creating role $USER_NAME"
  psql_su -c "create role $USER_NAME login password '$PASSWORD'" >&2
fi
if [ -z "$(psql_su -c "select 1 from pg_database where datname = '$DB'")" ]; then
  log "creating database $DB"
  # C.UTF-8: UTF-8 text (normalize() for CQL2 ACCENTI needs it) sorted by code point, as SQLite sorts.
  psql_su -c "create database $DB owner $USER_NAME encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8' template template0" >&2
fi
# PostGIS needs a superuser to install; the driver's migrations only check that it is there.
psql_su -d "$DB" -c 'create extension if not exists postgis' >&2

echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB"
