"""Writes the benchmark inputs (run with Debian's /usr/bin/python3, which has GDAL and numpy):
a Sentinel-2-sized 10980x10980 uint16 band (smooth field plus noise, EPSG:32633, 10 m) and a 3-band uint8 scene
of the same size, both uncompressed striped GeoTIFFs, written strip by strip to keep memory low."""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
out_dir = sys.argv[1]
N = 10980
rng = np.random.default_rng(42)
x = np.arange(N, dtype=np.float64)
for name, bands, dtype, gdt in (("band-uint16.tif", 1, np.uint16, gdal.GDT_UInt16), ("rgb-uint8.tif", 3, np.uint8, gdal.GDT_Byte)):
    ds = gdal.GetDriverByName("GTiff").Create(f"{out_dir}/{name}", N, N, bands, gdt)
    ds.SetGeoTransform([300000, 10, 0, 5000040, 0, -10])
    ds.SetProjection("EPSG:32633")
    for y0 in range(0, N, 512):
        h = min(512, N - y0)
        yy = np.arange(y0, y0 + h, dtype=np.float64)[:, None]
        field = np.sin(x[None, :] / 350.0) * np.cos(yy / 280.0)
        for b in range(bands):
            if dtype == np.uint16:
                v = 3000 + 2500 * field + rng.integers(0, 400, size=(h, N))
            else:
                v = 128 + 90 * field * (1 - 0.3 * b) + rng.integers(0, 24, size=(h, N))
            ds.GetRasterBand(b + 1).WriteArray(v.astype(dtype), 0, y0)
    ds = None
    print(f"wrote {out_dir}/{name}")
