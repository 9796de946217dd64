import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  getTms,
  isValidTile,
  tileBounds,
  tileRange,
  tmsDocument,
  WebMercatorQuad,
  WorldCRS84Quad,
  zoomForResolution,
} from './tms.ts';

const M = 20037508.342789244;
const close = (a: number[], b: number[], eps = 1e-6) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < eps, `${a.join(',')} != ${b.join(',')}`));

test('WebMercatorQuad: zoom 0 is the whole square, zoom 1 splits it in four with y down', () => {
  close(tileBounds(WebMercatorQuad, 0, 0, 0), [-M, -M, M, M]);
  close(tileBounds(WebMercatorQuad, 1, 1, 0), [0, 0, M, M]);
  close(tileBounds(WebMercatorQuad, 1, 0, 1), [-M, -M, 0, 0]);
  assert.ok(Math.abs(WebMercatorQuad.matrices[0]!.scaleDenominator - 559082264.0287178) < 1e-3);
});

test('WorldCRS84Quad: two tiles at zoom 0, longitude first', () => {
  close(tileBounds(WorldCRS84Quad, 0, 0, 0), [-180, -90, 0, 90]);
  close(tileBounds(WorldCRS84Quad, 0, 1, 0), [0, -90, 180, 90]);
  assert.equal(WorldCRS84Quad.matrices[3]!.matrixWidth, 16);
  assert.equal(WorldCRS84Quad.matrices[3]!.matrixHeight, 8);
});

test('tile validity and lookup by id', () => {
  assert.ok(isValidTile(WebMercatorQuad, 2, 3, 3));
  assert.ok(!isValidTile(WebMercatorQuad, 2, 4, 0));
  assert.ok(!isValidTile(WebMercatorQuad, 2, -1, 0));
  assert.ok(!isValidTile(WebMercatorQuad, 40, 0, 0));
  assert.equal(getTms('WorldCRS84Quad'), WorldCRS84Quad);
  assert.equal(getTms('toString'), undefined);
});

test('tileRange covers exactly the tiles a bbox touches', () => {
  assert.deepEqual(tileRange(WebMercatorQuad, 1, [1, 1, 10, 10]), [1, 0, 1, 0]);
  assert.deepEqual(tileRange(WebMercatorQuad, 1, [-10, -10, 10, 10]), [0, 0, 1, 1]);
  assert.deepEqual(tileRange(WorldCRS84Quad, 1, [-180, -90, 180, 90]), [0, 0, 3, 1]);
});

test('zoomForResolution picks the first zoom at least as fine as the data', () => {
  const cell = WebMercatorQuad.matrices[10]!.cellSize;
  assert.equal(zoomForResolution(WebMercatorQuad, cell), 10);
  assert.equal(zoomForResolution(WebMercatorQuad, cell * 0.9), 11);
  assert.equal(zoomForResolution(WebMercatorQuad, cell * 1.5), 10);
});

test('the OGC document lists every matrix', () => {
  const doc = tmsDocument(WebMercatorQuad) as { tileMatrices: unknown[]; crs: string };
  assert.equal(doc.tileMatrices.length, 25);
  assert.match(doc.crs, /3857/);
});
