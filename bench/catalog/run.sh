#!/usr/bin/env bash
# Catalog benchmark: TerraHub (sqlite driver, and postgres driver) against pgstac + stac-fastapi-pgstac, on
# the same PostgreSQL, the same generated items (Sentinel-2- and NAIP-shaped, bench/catalog/items.generate.ts)
# and the same searches (bench/catalog/queries.ts). Prints ingest rates and search p50/p99 with ratios.
#
#   bash bench/catalog/run.sh [items=100000] [requests=100]
#
# Needs: Node (npm ci done), python3 -m venv; scripts/postgres.sh installs and starts PostgreSQL+PostGIS.
# The anchors go into their own venv ($WORK/venv: pypgstac, stac-fastapi-pgstac, uvicorn from PyPI), never
# into tests/requirements.txt. Work files (items, data directories, logs) are kept in $WORK.
set -euo pipefail
N=${1:-100000}
REQUESTS=${2:-100}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
WORK=${WORK:-$ROOT/bench/results/catalog}
ITEMS=$WORK/items-$N
VENV=$WORK/venv
mkdir -p "$WORK"
log() { echo "[bench/catalog $(date -u +%H:%M:%S)] $*" >&2; }

# Disk: the ndjson (about 4.3 KB an item) and three catalogs of the same items (pgstac, TerraHub on
# PostgreSQL, TerraHub on SQLite) need about KB_PER_ITEM in all (see docs/benchmarks.md, "## catalog").
KB_PER_ITEM=25
for d in "$WORK" /var/lib/postgresql; do
  [ -d "$d" ] || continue
  avail=$(df -Pk "$d" | awk 'NR == 2 {print $4}')
  if [ "$avail" -lt $((N * KB_PER_ITEM)) ]; then
    log "$d has $((avail / 1024)) MiB free; $N items need about $((N * KB_PER_ITEM / 1024)) MiB: not starting"
    exit 1
  fi
done
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1. The anchors' venv, and the items.
if [ ! -x "$VENV/bin/uvicorn" ]; then
  log "creating $VENV (pypgstac, stac-fastapi-pgstac, uvicorn)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "pypgstac[psycopg]==0.10.0" "stac-fastapi-pgstac==7.2.0" "uvicorn==0.54.0"
fi
if [ ! -s "$ITEMS/naip.ndjson" ]; then
  log "generating $N items in $ITEMS"
  node --import tsx bench/catalog/items.generate.ts "$N" "$ITEMS"
fi
FILES=("$ITEMS/sentinel-2-l2a.ndjson" "$ITEMS/naip.ndjson")

# 2. PostgreSQL (the project's script), a fresh database for each contender.
PG=$(bash scripts/postgres.sh catbench_terrahub catbench catbench)
PGPORT=$(python3 -c "import sys, urllib.parse as u; print(u.urlparse(sys.argv[1]).port)" "$PG")
psql_su() { runuser -u postgres -- psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qtA "$@"; }
# pgstac's migrations create roles and extensions: its loader connects as a superuser of its own.
[ -n "$(psql_su -c "select 1 from pg_roles where rolname = 'catbench_pgstac'")" ] ||
  psql_su -c "create role catbench_pgstac superuser login password 'catbench'"
psql_su -c "drop database if exists catbench_pgstac" -c "create database catbench_pgstac owner catbench_pgstac"
PGSTAC_DSN="postgresql://catbench_pgstac:catbench@127.0.0.1:$PGPORT/catbench_pgstac"
psql_su -d catbench_terrahub -c "drop schema if exists terrahub_bench cascade"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$WORK/cpu-$$.txt"
}
trap cleanup EXIT

# 3. Ingest: each contender loads the same ndjson files (timed from the shell, start-up included). Beside the
# rate: CPU seconds per 1,000 items of the loader's processes and of the PostgreSQL server (a measure the
# machine's other load disturbs less), and the load average.
CPUFILE=$WORK/cpu-$$.txt
pg_cpu() { python3 bench/catalog/cpu.py pg; }
timed() { python3 bench/catalog/cpu.py run "$CPUFILE" "$@"; }
BASE_RATE=""
report() { # name t0 t1 pg0 pg1
  local line
  line=$(python3 -c '
import sys
name, n, t0, t1, pg0, pg1, cpufile, base = sys.argv[1:9]
n, wall = int(n), float(t1) - float(t0)
client = sum(float(x) for x in open(cpufile).read().split())
rate = n / wall
ratio = f" = {rate / float(base):.2f}x pypgstac" if base else ""
load = " ".join(open("/proc/loadavg").read().split()[:3])
print(f"ingest {name}: {n} items in {wall:.1f} s = {rate:.0f} items/s{ratio}; CPU s per 1,000 items: "
      f"loader {1000 * client / n:.2f}, postgres {1000 * (float(pg1) - float(pg0)) / n:.2f}; load average {load}")
' "$1" "$N" "$2" "$3" "$4" "$5" "$CPUFILE" "$BASE_RATE")
  : > "$CPUFILE"
  echo "$line"
}
th_env() { env -u TERRAHUB_ADMIN_TOKEN TERRAHUB_DATA_DIR="$1" TERRAHUB_LOG_LEVEL=warn "${@:2}"; }
PG_ENV=(TERRAHUB_CATALOG_DRIVER=postgres "TERRAHUB_CATALOG_POSTGRES_URL=$PG" TERRAHUB_CATALOG_POSTGRES_SCHEMA=terrahub_bench)
load_terrahub() { # name datadir env...
  local name=$1 dir=$2
  shift 2
  rm -rf "$dir"
  for c in sentinel-2-l2a naip; do th_env "$dir" "$@" node bin/terrahub.js stac load "$ITEMS/$c.collection.json" --no-progress >&2; done
  local t0 t1 p0 p1
  : > "$CPUFILE"
  p0=$(pg_cpu)
  t0=$(now)
  for c in sentinel-2-l2a naip; do
    timed env -u TERRAHUB_ADMIN_TOKEN TERRAHUB_DATA_DIR="$dir" TERRAHUB_LOG_LEVEL=warn "$@" \
      node bin/terrahub.js stac load "$ITEMS/$c.ndjson" --collection "$c" --no-progress >&2
  done
  t1=$(now)
  p1=$(pg_cpu)
  report "$name" "$t0" "$t1" "$p0" "$p1"
}
log "pypgstac: migrate and load"
"$VENV/bin/pypgstac" migrate --dsn "$PGSTAC_DSN" >&2
"$VENV/bin/pypgstac" load collections "$ITEMS/collections.ndjson" --dsn "$PGSTAC_DSN" --method insert >&2
: > "$CPUFILE"
p0=$(pg_cpu)
t0=$(now)
for f in "${FILES[@]}"; do timed "$VENV/bin/pypgstac" load items "$f" --dsn "$PGSTAC_DSN" --method insert >&2; done
t1=$(now)
p1=$(pg_cpu)
BASE_RATE=$(python3 -c "import sys; print(int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])))" "$N" "$t0" "$t1")
report pypgstac "$t0" "$t1" "$p0" "$p1" | tee "$WORK/result-$N.txt"
log "terrahub (sqlite): load"
load_terrahub terrahub-sqlite "$WORK/th-sqlite" | tee -a "$WORK/result-$N.txt"
log "terrahub (postgres): load"
load_terrahub terrahub-postgres "$WORK/th-postgres" "${PG_ENV[@]}" | tee -a "$WORK/result-$N.txt"
rm -f "$CPUFILE"

# 4. Serve all three (node and uvicorn directly, so that the EXIT trap stops them), anonymous reads.
serve_terrahub() { # datadir port env...
  local dir=$1 port=$2
  shift 2
  # env itself in the background (not the th_env function, whose subshell would be the PID that the EXIT
  # trap kills, leaving the server running): env execs node, so $! is the server.
  env -u TERRAHUB_ADMIN_TOKEN TERRAHUB_DATA_DIR="$dir" TERRAHUB_LOG_LEVEL=warn TERRAHUB_PORT="$port" \
    TERRAHUB_S3_PORT="$(free_port)" TERRAHUB_ENVS_DEMO_DATA=false TERRAHUB_ENVS_BUILD_ON_START=false "$@" \
    node bin/terrahub.js up > "$dir.log" 2>&1 &
  PIDS+=($!)
}
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
serve_terrahub "$WORK/th-sqlite" "$P1"
serve_terrahub "$WORK/th-postgres" "$P2" "${PG_ENV[@]}"
PGUSER=catbench_pgstac PGPASSWORD=catbench PGHOST=127.0.0.1 PGPORT=$PGPORT PGDATABASE=catbench_pgstac \
  "$VENV/bin/uvicorn" stac_fastapi.pgstac.app:create_app --factory --host 127.0.0.1 --port "$P3" \
  --workers 1 --log-level warning > "$WORK/stac-fastapi-pgstac.log" 2>&1 &
PIDS+=($!)
for url in "http://127.0.0.1:$P1/api/stac/v1/" "http://127.0.0.1:$P2/api/stac/v1/" "http://127.0.0.1:$P3/"; do
  for _ in $(seq 1 120); do curl -sf "$url" > /dev/null && break; sleep 1; done
  curl -sf "$url" > /dev/null || { log "$url did not come up"; exit 1; }
done

# 5. Searches, interleaved across the three; the first named is the base of the ratios.
log "searches: $REQUESTS requests per query and server"
node --import tsx bench/catalog/queries.ts "$REQUESTS" "stac-fastapi-pgstac=http://127.0.0.1:$P3" \
  "terrahub-sqlite=http://127.0.0.1:$P1/api/stac/v1" "terrahub-postgres=http://127.0.0.1:$P2/api/stac/v1" |
  tee -a "$WORK/result-$N.txt"
