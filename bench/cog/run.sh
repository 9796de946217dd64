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
printf '%-22s %-10s %10s %10s %10s %12s\n' input tool 'wall s' 'CPU s' 'peak MiB' 'bytes'
# Each case: input and codec (JPEG: quality 75 on both sides, GDAL's default; YCbCr 4:2:0 on both).
for case in band-uint16:DEFLATE rgb-uint8:DEFLATE rgb-uint8:JPEG; do
  input=${case%%:*}; codec=${case##*:}; name="$input-$codec"
  src="$W/$input.tif"
  rm -f "$W/$name.th.tif" "$W/$name.gdal.tif"
  read -r th_s th_kb th_cpu < <(measure "th-$name" node bin/terrahub.js cog create -q --compress "$codec" --blocksize 512 --overview-resampling NEAREST "$src" "$W/$name.th.tif")
  read -r g_s g_kb g_cpu < <(measure "gdal-$name" gdal_translate -q -of COG -co COMPRESS="$codec" -co BLOCKSIZE=512 -co RESAMPLING=NEAREST -co NUM_THREADS=ALL_CPUS "$src" "$W/$name.gdal.tif")
  th_b=$(stat -c %s "$W/$name.th.tif"); g_b=$(stat -c %s "$W/$name.gdal.tif")
  printf '%-22s %-10s %10s %10s %10d %12d\n' "$name" terrahub "$th_s" "$th_cpu" $((th_kb / 1024)) "$th_b"
  printf '%-22s %-10s %10s %10s %10d %12d\n' "$name" gdal "$g_s" "$g_cpu" $((g_kb / 1024)) "$g_b"
  awk -v a="$th_s" -v b="$g_s" -v c="$th_kb" -v d="$g_kb" -v e="$th_b" -v f="$g_b" -v g="$th_cpu" -v h="$g_cpu" -v n="$name" \
    'BEGIN { printf "%-22s ratio      wall %.2fx   CPU %.2fx   peak RSS %.2fx   size %.3fx\n", n, a/b, g/h, c/d, e/f }'
  /usr/bin/python3 -m osgeo_utils.samples.validate_cloud_optimized_geotiff -q "$W/$name.th.tif" && echo "$name: TerraHub output is a valid COG (GDAL's validator)"
done
