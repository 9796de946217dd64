import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ColormapError, colormapNames, lookup, namedColormap, parseColormap } from './colormap.ts';

test('named maps: viridis runs from dark purple to yellow; _r reverses it', () => {
  const v = namedColormap('viridis')!;
  assert.equal(v.length, 1024);
  assert.deepEqual([...v.subarray(0, 4)], [68, 1, 84, 255]);
  assert.deepEqual([...v.subarray(1020, 1024)], [253, 231, 36, 255]);
  const r = namedColormap('VIRIDIS_R')!;
  assert.deepEqual([...r.subarray(0, 4)], [253, 231, 36, 255]);
  for (const n of ['magma', 'terrain', 'rdylgn', 'greys', 'tab10']) assert.ok(namedColormap(n), n);
  assert.equal(namedColormap('nope'), undefined);
  assert.equal(namedColormap('__proto__'), undefined);
  assert.ok(colormapNames().includes('rdylgn_r'));
});

test('user maps: discrete values and intervals', () => {
  const d = parseColormap('{"1": [255, 0, 0], "2": "#00ff0080"}');
  assert.deepEqual(lookup(d, 1), [255, 0, 0, 255]);
  assert.deepEqual(lookup(d, 2), [0, 255, 0, 128]);
  assert.equal(lookup(d, 3), null);
  const iv = parseColormap('[[[0, 10], [0, 0, 255, 255]], [[10, 20], [255, 255, 0, 255]]]');
  assert.deepEqual(lookup(iv, 15), [255, 255, 0, 255]);
  assert.equal(lookup(iv, 25), null);
  assert.throws(() => parseColormap('{bad'), ColormapError);
  assert.throws(() => parseColormap('{"1": [300, 0, 0]}'), ColormapError);
  assert.throws(() => parseColormap('[[1, 2]]'), ColormapError);
});
