import assert from 'node:assert/strict';
import { it } from 'node:test';
import { geoJsonToEwkt } from './wkt.postgres.ts';

const ewkt = (g: unknown) => geoJsonToEwkt(JSON.stringify(g));

it('writes every GeoJSON geometry type as 2D EWKT in SRID 4326', () => {
  assert.equal(ewkt({ type: 'Point', coordinates: [1.5, -2, 30] }), 'SRID=4326;POINT(1.5 -2)');
  assert.equal(
    ewkt({
      type: 'MultiPoint',
      coordinates: [
        [1, 2],
        [3, 4],
      ],
    }),
    'SRID=4326;MULTIPOINT((1 2),(3 4))',
  );
  assert.equal(ewkt({ type: 'MultiPoint', coordinates: [] }), 'SRID=4326;MULTIPOINT EMPTY');
  assert.equal(
    ewkt({
      type: 'LineString',
      coordinates: [
        [0, 0],
        [1e-7, 1],
      ],
    }),
    'SRID=4326;LINESTRING(0 0,1e-7 1)',
  );
  assert.equal(
    ewkt({
      type: 'MultiLineString',
      coordinates: [
        [
          [0, 0],
          [1, 1],
        ],
        [
          [2, 2],
          [3, 3],
        ],
      ],
    }),
    'SRID=4326;MULTILINESTRING((0 0,1 1),(2 2,3 3))',
  );
  const ring = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 0],
  ];
  const hole = [
    [0.5, 0.2],
    [0.8, 0.2],
    [0.8, 0.5],
    [0.5, 0.2],
  ];
  assert.equal(
    ewkt({ type: 'Polygon', coordinates: [ring, hole] }),
    'SRID=4326;POLYGON((0 0,1 0,1 1,0 0),(0.5 0.2,0.8 0.2,0.8 0.5,0.5 0.2))',
  );
  assert.equal(
    ewkt({ type: 'MultiPolygon', coordinates: [[ring], [hole]] }),
    'SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((0.5 0.2,0.8 0.2,0.8 0.5,0.5 0.2)))',
  );
  assert.equal(ewkt({ type: 'MultiPolygon', coordinates: [] }), 'SRID=4326;MULTIPOLYGON EMPTY');
  assert.equal(
    ewkt({
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [1, 2] },
        { type: 'GeometryCollection', geometries: [] },
      ],
    }),
    'SRID=4326;GEOMETRYCOLLECTION(POINT(1 2),GEOMETRYCOLLECTION EMPTY)',
  );
});
