#!/usr/bin/env bash
# Tiles benchmark: TerraHub's data API against TiTiler (PyPI titiler.application under uvicorn, one worker
# process each) on the same COGs and the same list of tiles, at concurrency 1 and 16. Prints tiles/s, p50 and
# p99 for both and the ratios, and the CPU time each server process (all its threads) spent per tile, read
# from /proc before and after each run: on a shared machine that is steadier than tiles/s. Needs Debian's gdal-bin (to make the COGs) and network access to PyPI once
# (TiTiler goes into its own venv under $WORK).
#
#   bash bench/tiles/run.sh            # 1,000 tiles per run (500 per COG)
#   TILES=200 bash bench/tiles/run.sh  # a quicker look
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
WORK=${WORK:-/tmp/terrahub-bench-tiles}
TILES=${TILES:-1000}
TOKEN=th_test_admin_token_0123456789abcdefghij
RASTERS="$ROOT/../shared/testdata/rasters"
mkdir -p "$WORK"

# 1. Data: a Sentinel-2-sized uint16 scene (10980 x 10980, UTM 18N, 10 m) and an RGB uint8 COG, both made
#    by GDAL from the shared test rasters, DEFLATE, 512 px blocks, with overviews.
if [ ! -f "$WORK/s2.tif" ]; then
  gdal_translate -q -outsize 10980 10980 -r bilinear -ot UInt16 -scale 0 255 0 10000 -a_srs EPSG:32618 \
    -a_ullr 300000 4000020 409800 3890220 -co TILED=YES -co COMPRESS=DEFLATE "$RASTERS/shade.tif" "$WORK/s2_src.tif"
  gdal_translate -q -of COG -co COMPRESS=DEFLATE -co OVERVIEWS=AUTO "$WORK/s2_src.tif" "$WORK/s2.tif"
  rm -f "$WORK/s2_src.tif"
fi
if [ ! -f "$WORK/rgb.tif" ]; then
  gdal_translate -q -outsize 800% 800% -r bilinear -of COG -co COMPRESS=DEFLATE "$RASTERS/RGB.byte.tif" "$WORK/rgb.tif"
fi

# 2. TiTiler in its own venv.
if [ ! -x "$WORK/venv/bin/uvicorn" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q titiler.application==2.4.0 uvicorn==0.54.0
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# 3. Servers: TerraHub (one Node process) and TiTiler (uvicorn, one worker).
# node itself (not npx) so that $! is the server and the EXIT trap stops it.
node --import tsx bench/tiles/serve-terrahub.ts "$WORK/s2.tif" "$WORK/rgb.tif" > "$WORK/terrahub.json" 2> "$WORK/terrahub.log" &
pids+=($!)
TPORT=$(free_port)
"$WORK/venv/bin/uvicorn" titiler.application.main:app --host 127.0.0.1 --port "$TPORT" --workers 1 \
  --log-level warning > "$WORK/titiler.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  [ -s "$WORK/terrahub.json" ] && curl -sf "http://127.0.0.1:$TPORT/healthz" > /dev/null && break
  sleep 1
done
TH=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['url'])" "$WORK/terrahub.json")
TT="http://127.0.0.1:$TPORT"

# 4. The same tiles for both: half over each COG, across its zoom range. Each phase (warm-up, c=1, c=16)
#    draws its own list (its own seeds), so the measured tiles are mostly ones not drawn before (the lowest
#    zooms have few tiles, which repeat): a repeated tile would be served from TerraHub's decoded-block
#    cache, which TiTiler (reopening the file per request) lacks.
half=$((TILES / 2))
tile_lists() { # name, seed of the s2 list, seed of the rgb list
  npx tsx bench/tiles/tile-list.ts "$WORK/s2.tif" "$half" "$2" > "$WORK/s2.tiles"
  npx tsx bench/tiles/tile-list.ts "$WORK/rgb.tif" "$half" "$3" > "$WORK/rgb.tiles"
  urls "$TH/api/data/v1" "s3://bench/s2.tif" "s3://bench/rgb.tif" | shuf --random-source=<(yes) > "$WORK/terrahub.$1.urls"
  urls "$TT" "$WORK/s2.tif" "$WORK/rgb.tif" | shuf --random-source=<(yes) > "$WORK/titiler.$1.urls"
}
urls() { # base, url-of-s2, url-of-rgb
  sed "s#^#$1/cog/tiles/WebMercatorQuad/#; s#\$#.png?url=$2\&rescale=0,10000#" "$WORK/s2.tiles"
  sed "s#^#$1/cog/tiles/WebMercatorQuad/#; s#\$#.png?url=$3#" "$WORK/rgb.tiles"
}
tile_lists warm 101 102
tile_lists c1 1 2
tile_lists c16 3 4

# 5. Warm both (headers, imports, the first blocks), then measure.
npx tsx bench/tiles/load.ts "$WORK/terrahub.warm.urls" 4 "$TOKEN" > /dev/null
npx tsx bench/tiles/load.ts "$WORK/titiler.warm.urls" 4 > /dev/null
# CPU ticks (user + system, every thread) of a process and its children.
ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
# One measured run: prints the load.ts JSON line with cpuMsPerTile added.
measure() { # pid urls concurrency [token]
  local t0 t1 out
  t0=$(ticks "$1")
  out=$(npx tsx bench/tiles/load.ts "$2" "$3" ${4:-})
  t1=$(ticks "$1")
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["cpuMsPerTile"]=round((int(sys.argv[2])*1000/int(sys.argv[3]))/d["requests"],2); print(json.dumps(d))' \
    "$out" "$((t1 - t0))" "$(getconf CLK_TCK)"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
for c in 1 16; do
  echo "concurrency $c, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  th=$(measure "${pids[0]}" "$WORK/terrahub.c$c.urls" "$c" "$TOKEN")
  tt=$(measure "${pids[1]}" "$WORK/titiler.c$c.urls" "$c")
  echo "concurrency $c terrahub: $th"
  echo "concurrency $c titiler:  $tt"
  python3 - "$th" "$tt" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"  ratio terrahub/titiler: tiles/s x{a['tilesPerSecond']/b['tilesPerSecond']:.2f}, "
      f"tiles per CPU-second x{b['cpuMsPerTile']/a['cpuMsPerTile']:.2f} "
      f"({a['cpuMsPerTile']} vs {b['cpuMsPerTile']} CPU ms per tile), "
      f"p50 {a['p50ms']} vs {b['p50ms']} ms, p99 {a['p99ms']} vs {b['p99ms']} ms")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
