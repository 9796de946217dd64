"""rio-stac's create_stac_item throughput on the same COGs as create-item-terrahub.ts (proj, raster statistics
and eo extensions, as `rio stac` makes them by default). Usage: python create_item_riostac.py ROUNDS FILE..."""
import datetime
import json
import os
import sys
import time

from rio_stac import create_stac_item

rounds, files = int(sys.argv[1]), sys.argv[2:]
when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
items = 0
t0 = time.perf_counter()
for _ in range(rounds):
    for f in files:
        create_stac_item(f, input_datetime=when, id=os.path.basename(f), with_proj=True, with_raster=True, with_eo=True)
        items += 1
s = time.perf_counter() - t0
print(json.dumps({"tool": "rio-stac", "items": items, "seconds": s, "itemsPerSecond": items / s}))
