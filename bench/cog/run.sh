#!/usr/bin/env bash
# cog create vs gdal_translate -of COG on the same inputs, same options, one run each, side by side.
# Prints wall time, peak RSS and output size of both and the ratios (TerraHub / GDAL).
# Usage: bash bench/cog/run.sh [workdir]   (needs gdal-bin and python3-gdal: scripts/setup-test-env.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${1:-/tmp/terrahub-bench-cog}
mkdir -p "$W"
[ -f "$W/band-uint16.tif" ] && [ -f "$W/rgb-uint8.tif" ] || /usr/bin/python3 bench/cog/make_scene.py "$W"

measure() { # label, command...: runs it under /usr/bin/time, prints "wall-seconds kilobytes cpu-seconds"
  local log="$W/time.$1.log"; shift
  /usr/bin/time -v "$@" 2> "$log" >/dev/null
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$log")
  echo "$wall $rss $cpu"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %-10s %10s %10s %10s %12s\n' input tool 'wall s' 'CPU s' 'peak MiB' 'bytes'
for input in band-uint16 rgb-uint8; do
  src="$W/$input.tif"
  rm -f "$W/$input.th.tif" "$W/$input.gdal.tif"
  read -r th_s th_kb th_cpu < <(measure "th-$input" node bin/terrahub.js cog create -q --compress DEFLATE --blocksize 512 --overview-resampling NEAREST "$src" "$W/$input.th.tif")
  read -r g_s g_kb g_cpu < <(measure "gdal-$input" gdal_translate -q -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=512 -co RESAMPLING=NEAREST -co NUM_THREADS=ALL_CPUS "$src" "$W/$input.gdal.tif")
  th_b=$(stat -c %s "$W/$input.th.tif"); g_b=$(stat -c %s "$W/$input.gdal.tif")
  printf '%-16s %-10s %10s %10s %10d %12d\n' "$input" terrahub "$th_s" "$th_cpu" $((th_kb / 1024)) "$th_b"
  printf '%-16s %-10s %10s %10s %10d %12d\n' "$input" gdal "$g_s" "$g_cpu" $((g_kb / 1024)) "$g_b"
  awk -v a="$th_s" -v b="$g_s" -v c="$th_kb" -v d="$g_kb" -v e="$th_b" -v f="$g_b" -v g="$th_cpu" -v h="$g_cpu" -v n="$input" \
    'BEGIN { printf "%-16s ratio      wall %.2fx   CPU %.2fx   peak RSS %.2fx   size %.3fx\n", n, a/b, g/h, c/d, e/f }'
  /usr/bin/python3 -m osgeo_utils.samples.validate_cloud_optimized_geotiff -q "$W/$input.th.tif" && echo "$input: TerraHub output is a valid COG (GDAL's validator)"
done
