/**
 * The DE-9IM predicates on the textbook cases of the OGC Simple Features definitions (the same answers as
 * PostGIS's ST_Touches, ST_Overlaps, ST_Crosses, ST_Within, ST_Contains and ST_Equals), through the function
 * the sqlite driver calls, spatial().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spatial } from './cql2/ops.ts';
import { bboxPolygon } from './geometry.ts';
import { relate, relateMatrix, toJsts } from './geometry.relate.ts';
import type { Geometry } from './model.ts';

const sq = (x: number, y: number, s = 1) => bboxPolygon([x, y, x + s, y + s]);
const pt = (x: number, y: number): Geometry => ({ type: 'Point', coordinates: [x, y] });
const line = (...xy: Array<[number, number]>): Geometry => ({ type: 'LineString', coordinates: xy });
const mpt = (...xy: Array<[number, number]>): Geometry => ({ type: 'MultiPoint', coordinates: xy });
const poly = (...xy: Array<[number, number]>): Geometry => ({
  type: 'Polygon',
  coordinates: [[...xy, xy[0]!]],
});

/** [op, a, b, expected, why] */
type Case = [string, Geometry, Geometry, boolean, string];

const CASES: Case[] = [
  // s_touches: they meet, but their interiors do not
  ['s_touches', sq(0, 0), sq(1, 0), true, 'squares sharing an edge'],
  ['s_touches', sq(0, 0), sq(1, 1), true, 'squares sharing a corner'],
  ['s_touches', sq(0, 0), sq(0.5, 0), false, 'overlapping squares share interior'],
  ['s_touches', sq(0, 0), sq(2, 0), false, 'disjoint squares'],
  ['s_touches', sq(0, 0), sq(0, 0), false, 'equal squares'],
  ['s_touches', pt(1, 0.5), sq(0, 0), true, 'a point on a polygon edge'],
  ['s_touches', pt(0.5, 0.5), sq(0, 0), false, 'a point inside a polygon'],
  ['s_touches', line([-1, 0.5], [0, 0.5]), sq(0, 0), true, 'a line ending on a polygon edge'],
  ['s_touches', line([-1, 0.5], [0.5, 0.5]), sq(0, 0), false, 'a line entering a polygon'],
  ['s_touches', line([0, 0], [1, 1]), line([1, 1], [2, 0]), true, 'lines meeting at an end point'],
  ['s_touches', line([0, 0], [2, 2]), line([0, 2], [2, 0]), false, 'lines crossing mid-way'],
  ['s_touches', pt(0, 0), line([0, 0], [1, 1]), true, 'a point at the end of a line'],
  ['s_touches', pt(0.5, 0.5), line([0, 0], [1, 1]), false, 'a point in the middle of a line'],
  ['s_touches', pt(0, 0), pt(0, 0), false, 'points have no boundary, so they never touch'],
  // s_crosses: interiors meet in a lower dimension, and each goes beyond the other
  ['s_crosses', line([0, 0], [2, 2]), line([0, 2], [2, 0]), true, 'an X of two lines'],
  ['s_crosses', line([0, 0], [2, 0]), line([1, 0], [3, 0]), false, 'collinear lines share a segment'],
  ['s_crosses', line([0, 0], [1, 1]), line([1, 1], [2, 0]), false, 'lines meeting at an end point'],
  ['s_crosses', line([-1, 0.5], [2, 0.5]), sq(0, 0), true, 'a line through a polygon'],
  ['s_crosses', sq(0, 0), line([-1, 0.5], [2, 0.5]), true, 'a polygon crossed by a line (area/line)'],
  ['s_crosses', line([0.2, 0.5], [0.8, 0.5]), sq(0, 0), false, 'a line wholly inside a polygon'],
  ['s_crosses', line([-1, 0.5], [0, 0.5]), sq(0, 0), false, 'a line that only touches a polygon'],
  ['s_crosses', mpt([0.5, 0.5], [3, 3]), sq(0, 0), true, 'points partly inside a polygon'],
  ['s_crosses', mpt([0.5, 0.5], [0.6, 0.6]), sq(0, 0), false, 'points all inside a polygon'],
  ['s_crosses', sq(0, 0), sq(0.5, 0.5), false, 'two areas never cross'],
  // s_overlaps: same dimension, interiors meet in that dimension, neither contains the other
  ['s_overlaps', sq(0, 0), sq(0.5, 0.5), true, 'partly overlapping squares'],
  ['s_overlaps', sq(0, 0, 4), sq(1, 1), false, 'a square inside another'],
  ['s_overlaps', sq(0, 0), sq(0, 0), false, 'equal squares'],
  ['s_overlaps', sq(0, 0), sq(1, 0), false, 'squares sharing only an edge'],
  ['s_overlaps', line([0, 0], [2, 0]), line([1, 0], [3, 0]), true, 'collinear lines sharing a segment'],
  ['s_overlaps', line([0, 0], [2, 2]), line([0, 2], [2, 0]), false, 'crossing lines meet in a point only'],
  ['s_overlaps', mpt([0, 0], [1, 1]), mpt([1, 1], [2, 2]), true, 'point sets sharing some points'],
  ['s_overlaps', line([-1, 0.5], [2, 0.5]), sq(0, 0), false, 'a line and an area have different dimensions'],
  // s_within / s_contains: no point of a outside b, and the interiors meet
  ['s_within', pt(0.5, 0.5), sq(0, 0), true, 'a point inside a polygon'],
  ['s_within', pt(1, 0.5), sq(0, 0), false, 'a point on the boundary is not within'],
  ['s_within', sq(1, 1), sq(0, 0, 4), true, 'a square inside another'],
  ['s_within', sq(0, 0), sq(0, 0, 4), true, 'a square inside another, sharing two edges'],
  [
    's_within',
    poly([0.5, 2.5], [2.5, 2.5], [2.5, 2.8], [0.5, 2.8]),
    poly([0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]),
    false,
    'a bar whose corners lie in both arms of a U bridges the gap outside it',
  ],
  [
    's_within',
    sq(1.2, 1.2, 0.5),
    {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
          [0, 0],
        ],
        [
          [1, 1],
          [3, 1],
          [3, 3],
          [1, 3],
          [1, 1],
        ],
      ],
    },
    false,
    'a square in the hole of a polygon',
  ],
  ['s_contains', sq(0, 0, 4), line([1, 1], [2, 2]), true, 'a polygon contains a line inside it'],
  ['s_contains', sq(0, 0), line([0, 0], [1, 0]), false, 'a polygon does not contain its own edge'],
  ['s_contains', sq(0, 0), line([0.5, 0.5], [1, 0.5]), true, 'a line inside, ending on the boundary'],
  // s_equals: the same point set, however it is written
  ['s_equals', sq(0, 0), poly([1, 1], [0, 1], [0, 0], [1, 0]), true, 'another start vertex and orientation'],
  ['s_equals', sq(0, 0), poly([0, 0], [0.5, 0], [1, 0], [1, 1], [0, 1]), true, 'an extra collinear vertex'],
  ['s_equals', sq(0, 0), line([0, 0], [1, 0], [1, 1], [0, 1], [0, 0]), false, 'a ring is not its area'],
  ['s_equals', mpt([0, 0], [1, 1]), mpt([1, 1], [0, 0], [1, 1]), true, 'point sets in any order'],
];

for (const [op, a, b, expected, why] of CASES) {
  test(`${op}: ${why} -> ${expected}`, () => {
    assert.equal(spatial(op, a, b), expected, relateMatrix(a, b));
  });
}

test('the DE-9IM matrix of two squares sharing an edge', () => {
  assert.equal(relateMatrix(sq(0, 0), sq(1, 0)), 'FF2F11212');
});

test('a geometry collection counts as the point set of its parts, even when they overlap', () => {
  const twoSquares: Geometry = { type: 'GeometryCollection', geometries: [sq(0, 0), sq(0.5, 0)] };
  assert.equal(spatial('s_touches', sq(1.5, 0), twoSquares), true);
  assert.equal(spatial('s_overlaps', sq(1, 0), twoSquares), true);
  assert.equal(spatial('s_equals', bboxPolygon([0, 0, 1.5, 1]), twoSquares), true);
});

test('an invalid stored geometry (a self-crossing ring) matches no DE-9IM predicate instead of failing', () => {
  const bowtie = poly([0, 0], [1, 1], [1, 0], [0, 1]);
  // JSTS throws a TopologyException for it (relate() itself does); spatial() turns that into "no match".
  assert.throws(() => relate('s_overlaps', toJsts(bowtie), toJsts(sq(0.5, 0.5))), {
    name: 'TopologyException',
  });
  for (const op of ['s_touches', 's_overlaps', 's_crosses', 's_within', 's_contains', 's_equals'])
    assert.equal(spatial(op, bowtie, sq(0.5, 0.5)), false, op);
});
