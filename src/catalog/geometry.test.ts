import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bboxPolygon, geometryBbox, intersects, splitBbox, validateGeometry } from './geometry.ts';

const square = (x: number, y: number, s = 1) => bboxPolygon([x, y, x + s, y + s]);

test('validation names the failing path', () => {
  assert.throws(
    () =>
      validateGeometry({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      }),
    (e: Error & { details?: { path?: string } }) =>
      e.details?.path === 'geometry.coordinates[0]' && /closed/.test(e.message),
  );
  assert.throws(() => validateGeometry({ type: 'Point', coordinates: [200, 0] }), /longitude 200/);
  assert.throws(() => validateGeometry({ type: 'Point', coordinates: [0, -91] }), /latitude -91/);
  assert.throws(() => validateGeometry({ type: 'Blob' }), /unknown geometry type/);
  assert.doesNotThrow(() => validateGeometry(square(0, 0)));
});

test('intersection of points, lines and polygons', () => {
  assert.equal(intersects(square(0, 0), square(0.5, 0.5)), true);
  assert.equal(intersects(square(0, 0), square(1, 0)), true); // shared edge
  assert.equal(intersects(square(0, 0), square(2, 0)), false);
  assert.equal(intersects(square(0, 0, 10), square(4, 4)), true); // containment, no crossing
  assert.equal(intersects({ type: 'Point', coordinates: [0.5, 0.5] }, square(0, 0)), true);
  assert.equal(intersects({ type: 'Point', coordinates: [1.5, 0.5] }, square(0, 0)), false);
  const line = {
    type: 'LineString',
    coordinates: [
      [-1, 0.5],
      [2, 0.5],
    ],
  };
  assert.equal(intersects(line, square(0, 0)), true);
  // a polygon with a hole: a point in the hole does not intersect
  const holed = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
        [0, 0],
      ],
      [
        [4, 4],
        [6, 4],
        [6, 6],
        [4, 6],
        [4, 4],
      ],
    ],
  };
  assert.equal(intersects({ type: 'Point', coordinates: [5, 5] }, holed), false);
  assert.equal(intersects({ type: 'Point', coordinates: [2, 2] }, holed), true);
});

test('bboxes and antimeridian splitting', () => {
  assert.deepEqual(
    geometryBbox({
      type: 'LineString',
      coordinates: [
        [3, -1],
        [-2, 4],
      ],
    }),
    [-2, -1, 3, 4],
  );
  assert.deepEqual(splitBbox([170, -10, -170, 10]), [
    [170, -10, 180, 10],
    [-180, -10, -170, 10],
  ]);
  assert.deepEqual(splitBbox([0, 1, -5, 2, 3, 10]), [[0, 1, 2, 3]]);
});
