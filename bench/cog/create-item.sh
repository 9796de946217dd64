#!/usr/bin/env bash
# `stac create-item` (TerraHub) vs rio-stac's create_stac_item on the same COGs, in-process, side by side.
# The COGs are the shared test rasters converted by `terrahub cog create`; rio-stac is installed from PyPI into
# a venv under the work dir (not part of the project). Prints items/s of both and the ratio TerraHub / rio-stac.
# Usage: bash bench/cog/create-item.sh [workdir] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${1:-/tmp/terrahub-bench-create-item}
ROUNDS=${2:-20}
mkdir -p "$W/cogs"
[ -x "$W/venv/bin/python" ] || { python3 -m venv "$W/venv" && "$W/venv/bin/pip" install -q rio-stac==0.12.0; }
for f in ../shared/testdata/rasters/*.tif; do
  n=$(basename "$f")
  [ "$n" = float32.tif ] && continue # no georeferencing: neither tool makes an item of it
  [ -f "$W/cogs/$n" ] || node bin/terrahub.js cog create -q --blocksize 256 "$f" "$W/cogs/$n"
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files: $(ls "$W/cogs" | wc -l) COGs x $ROUNDS rounds"
th=$(npx tsx bench/cog/create-item-terrahub.ts "$ROUNDS" "$W"/cogs/*.tif)
rs=$("$W/venv/bin/python" bench/cog/create_item_riostac.py "$ROUNDS" "$W"/cogs/*.tif)
echo "$th"
echo "$rs"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print('ratio TerraHub / rio-stac items/s: %.2fx' % (a['itemsPerSecond']/b['itemsPerSecond']))" "$th" "$rs"
