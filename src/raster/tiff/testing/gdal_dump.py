"""Test oracle: GDAL's own reading of a raster, for the raster tests (run with Debian's /usr/bin/python3).

Usage: gdal_dump.py FILE OUTDIR -> writes OUTDIR/meta.json and OUTDIR/b{band}_l{level}.raw (little-endian
samples as GDAL reads them; level 0 is full resolution, then each overview) and mask_l{level}.raw.
"""
import json
import sys

from osgeo import gdal

gdal.UseExceptions()
path, out = sys.argv[1], sys.argv[2]
ds = gdal.Open(path)
b1 = ds.GetRasterBand(1)
srs = ds.GetSpatialRef()
meta = {
    "width": ds.RasterXSize,
    "height": ds.RasterYSize,
    "bands": ds.RasterCount,
    "dtype": gdal.GetDataTypeName(b1.DataType),
    "geotransform": list(ds.GetGeoTransform(can_return_null=True) or []) or None,
    "epsg": int(srs.GetAuthorityCode(None)) if srs is not None and srs.GetAuthorityCode(None) else None,
    "nodata": b1.GetNoDataValue(),
    "overviews": [[b1.GetOverview(i).XSize, b1.GetOverview(i).YSize] for i in range(b1.GetOverviewCount())],
    "mask_flags": b1.GetMaskFlags(),
    "descriptions": [ds.GetRasterBand(i + 1).GetDescription() for i in range(ds.RasterCount)],
    "scales": [ds.GetRasterBand(i + 1).GetScale() for i in range(ds.RasterCount)],
    "offsets": [ds.GetRasterBand(i + 1).GetOffset() for i in range(ds.RasterCount)],
    "compression": ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"),
}
with open(f"{out}/meta.json", "w") as f:
    json.dump(meta, f)
for i in range(ds.RasterCount):
    band = ds.GetRasterBand(i + 1)
    levels = [band] + [band.GetOverview(k) for k in range(band.GetOverviewCount())]
    for lv, b in enumerate(levels):
        arr = b.ReadAsArray()
        with open(f"{out}/b{i + 1}_l{lv}.raw", "wb") as f:
            f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
        if i == 0:
            with open(f"{out}/mask_l{lv}.raw", "wb") as f:
                f.write(b.GetMaskBand().ReadAsArray().astype("uint8").tobytes())
