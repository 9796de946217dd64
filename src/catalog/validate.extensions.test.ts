/**
 * catalog.validateExtensions: the item stac-api-validator PUTs in its transaction class declares the eo
 * extension v1.0.0 and sets "eo:cloud_cover" to the string "3.14", which that schema (type number) forbids.
 * By default it is refused, naming the field; with extension checks off it is stored as sent, while the
 * core schema and the geometry are still checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateItem } from './validate.ts';
import { item } from './testing.fixtures.ts';

const EO = 'https://stac-extensions.github.io/eo/v1.0.0/schema.json';
const validatorPut = () => ({
  ...item('S2A_47XNF_20230423_0_L2A', { x: 99, y: 76.5 }),
  stac_extensions: [EO],
  collection: 'txn-test',
  links: [{ rel: 'collection', href: 'collections/txn-test' }],
  properties: { datetime: '2023-04-23T06:47:03.048000Z', 'eo:cloud_cover': '3.14', foo: 'bar' },
});

test('an eo item with a string eo:cloud_cover is refused by default, naming the field', () => {
  assert.throws(
    () => validateItem(validatorPut()),
    (e: Error & { code?: string; details?: { path?: string } }) =>
      e.code === 'TH_STAC_INVALID_ITEM' && e.details?.path === '$.properties["eo:cloud_cover"]',
  );
  const ok = validatorPut();
  ok.properties['eo:cloud_cover'] = 3.14 as never;
  assert.doesNotThrow(() => validateItem(ok));
});

test('with extension checks off it is accepted, but the core schema and geometry are still checked', () => {
  assert.equal(validateItem(validatorPut(), { extensions: false }).properties['eo:cloud_cover'], '3.14');
  const badTime = validatorPut();
  badTime.properties.datetime = 'yesterday';
  assert.throws(() => validateItem(badTime, { extensions: false }), /properties.datetime/);
  const outside = { ...validatorPut(), bbox: [0, 0, 1, 1] };
  assert.throws(() => validateItem(outside, { extensions: false }), /does not contain the geometry/);
});
