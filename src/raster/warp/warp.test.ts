import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EPSG_3857, EPSG_4326, transformBounds, transformer, UnsupportedCrsError } from './crs.ts';
import { epsgDefinition } from './epsg.definitions.ts';
import { chooseLevel, downsamplingRatio, sourcePixelMap } from './reproject.ts';
import { resample } from './resample.ts';

test('shipped definitions transform known points', () => {
  const [x, y] = transformer(EPSG_4326, EPSG_3857)(10, 50);
  assert.ok(Math.abs(x - 1113194.9079) < 1e-3);
  assert.ok(Math.abs(y - 6446275.841) < 1e-3);
  // UTM 18N central meridian -75: (lon -75, lat 0) is (500000, 0).
  const [e, n] = transformer(EPSG_4326, { epsg: 32618, definition: null })(-75, 0);
  assert.ok(Math.abs(e - 500000) < 1e-6 && Math.abs(n) < 1e-6);
  assert.match(epsgDefinition(32760)!, /zone=60 \+south/);
  assert.match(epsgDefinition(26711)!, /zone=11/);
  assert.ok(epsgDefinition(3031));
  assert.throws(() => transformer({ epsg: 99999, definition: null }, EPSG_4326), UnsupportedCrsError);
});

test('transformBounds of the mercator square is the world in degrees', () => {
  const b = transformBounds(EPSG_3857, EPSG_4326, [-20037508.34, -20037508.34, 20037508.34, 20037508.34]);
  assert.ok(Math.abs(b[0] + 180) < 1e-6 && Math.abs(b[2] - 180) < 1e-6);
  assert.ok(Math.abs(b[3] - 85.0511) < 1e-3);
});

test('a grid in the raster CRS maps onto pixel centres', () => {
  const map = sourcePixelMap(
    { crs: EPSG_3857, bounds: [0, 0, 40, 40], width: 4, height: 4 },
    { crs: EPSG_3857, geoTransform: [0, 10, 0, 40, 0, -10] },
  );
  assert.deepEqual([...map.xs.subarray(0, 4)], [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(
    [...map.ys.subarray(0, 16)].filter((_, i) => i % 4 === 0),
    [0.5, 1.5, 2.5, 3.5],
  );
  assert.equal(downsamplingRatio(map), 1);
});

test('overview choice follows gdalwarp: coarsest level not coarser than the ratio', () => {
  const levels = [{ width: 1000 }, { width: 500 }, { width: 250 }, { width: 125 }];
  assert.equal(chooseLevel(levels, 1), 0);
  assert.equal(chooseLevel(levels, 1.9), 0);
  assert.equal(chooseLevel(levels, 1.95), 1);
  assert.equal(chooseLevel(levels, 3.9), 1);
  assert.equal(chooseLevel(levels, 4), 2);
  assert.equal(chooseLevel(levels, 100), 3);
});

test('nearest, bilinear and cubic sampling skip invalid pixels', () => {
  const src = {
    data: [new Uint8Array([0, 100, 200, 255])],
    mask: null,
    width: 2,
    height: 2,
    nodata: 255,
  };
  const xs = new Float64Array([0.5, 1.0, 1.5, 1.5, 5]);
  const ys = new Float64Array([0.5, 0.5, 0.5, 1.5, 0]);
  const near = resample(src, xs, ys, 'nearest');
  assert.deepEqual([...near.data[0]!], [0, 100, 100, 0, 0]);
  assert.deepEqual([...near.mask], [255, 255, 255, 0, 0]);
  const bil = resample(src, xs, ys, 'bilinear');
  assert.equal(bil.data[0]![0], 0);
  assert.equal(bil.data[0]![1], 50);
  const cub = resample(src, xs, ys, 'cubic');
  assert.equal(cub.data[0]![2], 100);
});
