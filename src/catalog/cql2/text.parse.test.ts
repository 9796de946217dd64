import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCql2Text } from './text.parse.ts';

const p = (s: string) => parseCql2Text(s);

test('comparisons, boolean logic and precedence', () => {
  assert.deepEqual(p("eo:cloud_cover < 10 AND platform = 'sentinel-2a' OR NOT id <> 'x'"), {
    op: 'or',
    args: [
      {
        op: 'and',
        args: [
          { op: '<', args: [{ property: 'eo:cloud_cover' }, 10] },
          { op: '=', args: [{ property: 'platform' }, 'sentinel-2a'] },
        ],
      },
      { op: 'not', args: [{ op: '<>', args: [{ property: 'id' }, 'x'] }] },
    ],
  });
  assert.deepEqual(p('(a = 1 OR b = 2) AND c = 3'), {
    op: 'and',
    args: [
      {
        op: 'or',
        args: [
          { op: '=', args: [{ property: 'a' }, 1] },
          { op: '=', args: [{ property: 'b' }, 2] },
        ],
      },
      { op: '=', args: [{ property: 'c' }, 3] },
    ],
  });
});

test('advanced comparison: LIKE, BETWEEN, IN, IS NULL, CASEI, ACCENTI', () => {
  assert.deepEqual(p("id NOT LIKE 'a%'"), {
    op: 'not',
    args: [{ op: 'like', args: [{ property: 'id' }, 'a%'] }],
  });
  assert.deepEqual(p('x BETWEEN 1 AND 2.5'), { op: 'between', args: [{ property: 'x' }, 1, 2.5] });
  assert.deepEqual(p("s IN ('a', 'b')"), { op: 'in', args: [{ property: 's' }, ['a', 'b']] });
  assert.deepEqual(p('s IS NOT NULL'), { op: 'not', args: [{ op: 'isNull', args: [{ property: 's' }] }] });
  assert.deepEqual(p("CASEI(s) = casei('ABC')"), {
    op: '=',
    args: [
      { op: 'casei', args: [{ property: 's' }] },
      { op: 'casei', args: ['ABC'] },
    ],
  });
  assert.deepEqual(p("'it''s' = \"my prop\""), { op: '=', args: ["it's", { property: 'my prop' }] });
});

test('arithmetic, temporal and spatial literals', () => {
  assert.deepEqual(p('a + 2 * b >= -3'), {
    op: '>=',
    args: [{ op: '+', args: [{ property: 'a' }, { op: '*', args: [2, { property: 'b' }] }] }, -3],
  });
  assert.deepEqual(p("T_INTERSECTS(datetime, INTERVAL('2020-01-01', '..'))"), {
    op: 't_intersects',
    args: [{ property: 'datetime' }, { interval: ['2020-01-01', '..'] }],
  });
  assert.deepEqual(p("datetime > TIMESTAMP('2020-01-01T00:00:00Z')"), {
    op: '>',
    args: [{ property: 'datetime' }, { timestamp: '2020-01-01T00:00:00Z' }],
  });
  assert.deepEqual(p('S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))'), {
    op: 's_intersects',
    args: [
      { property: 'geometry' },
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      },
    ],
  });
  assert.deepEqual(p('S_INTERSECTS(geometry, BBOX(-10, -5.5, 10, 5))'), {
    op: 's_intersects',
    args: [{ property: 'geometry' }, { bbox: [-10, -5.5, 10, 5] }],
  });
  assert.deepEqual((p('S_WITHIN(geometry, MULTIPOINT((1 2), (3 -4)))') as { args: unknown[] }).args[1], {
    type: 'MultiPoint',
    coordinates: [
      [1, 2],
      [3, -4],
    ],
  });
  assert.deepEqual(p("A_CONTAINS(tags, ('a', 'b'))"), {
    op: 'a_contains',
    args: [{ property: 'tags' }, ['a', 'b']],
  });
});

test('syntax errors are 400s naming the position', () => {
  assert.throws(() => p('a = '), { status: 400, code: 'TH_STAC_BAD_FILTER' });
  assert.throws(() => p("a = 'open"), /unterminated string/);
  assert.throws(() => p('a = 1 1'), /character 7/);
  assert.throws(() => p('a # 1'), /unexpected character/);
});
