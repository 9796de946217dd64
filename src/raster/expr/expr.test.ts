import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from './evaluate.ts';
import { ExpressionError, parseExpressions, variables } from './parse.ts';

function run(expr: string, values: Record<string, number[]>): { out: number[][]; mask: number[] } {
  const trees = parseExpressions(expr);
  const names = variables(trees);
  const n = Object.values(values)[0]?.length ?? 1;
  const mask = new Uint8Array(n).fill(255);
  const out = evaluate(
    trees,
    names,
    names.map((k) => values[k]!),
    mask,
  );
  return { out: out.map((a) => [...a]), mask: [...mask] };
}

test('NDVI with band names and asset names', () => {
  const r = run('(b4-b3)/(b4+b3)', { b4: [200, 50], b3: [100, 50] });
  assert.ok(Math.abs(r.out[0]![0]! - 1 / 3) < 1e-12);
  assert.equal(r.out[0]![1], 0);
  const a = run('(nir-red)/(nir+red)', { nir: [3], red: [1] });
  assert.equal(a.out[0]![0], 0.5);
});

test('precedence, power, unary minus, functions, where and several bands', () => {
  assert.equal(run('1+2*3', { b1: [0] }).out[0]![0], 7);
  assert.equal(run('2**3**2', { b1: [0] }).out[0]![0], 512);
  assert.equal(run('-b1^2', { b1: [3] }).out[0]![0], -9);
  assert.equal(run('sqrt(abs(b1))+max(1,2,3)', { b1: [-16] }).out[0]![0], 7);
  assert.deepEqual(run('where(b1>2, 10, 20)', { b1: [1, 3] }).out[0], [20, 10]);
  const multi = run('b1;b1*2;b1*3', { b1: [1] });
  assert.deepEqual(multi.out, [[1], [2], [3]]);
});

test('non-finite results are masked', () => {
  const r = run('b1/b2', { b1: [0, 1], b2: [0, 2] });
  assert.deepEqual(r.mask, [0, 255]);
});

test('errors name the offending token and its position', () => {
  const bad: Array<[string, string]> = [
    ['(b4-b3)/(b4+', ''],
    ['b1 $ b2', '$'],
    ['b1 b2', 'b2'],
    ['foo(b1)', 'foo'],
    ['constructor(1)', 'constructor'],
    ['sqrt(1,2)', 'sqrt'],
    ['', ''],
  ];
  for (const [src, token] of bad) {
    assert.throws(
      () => parseExpressions(src),
      (e: unknown) => e instanceof ExpressionError && e.token === token,
      src,
    );
  }
  assert.throws(
    () => parseExpressions('b1;b2 )'),
    (e: unknown) => e instanceof ExpressionError && e.position === 6,
  );
});

test('variables lists each name once in order', () => {
  assert.deepEqual(variables(parseExpressions('(nir-red)/(nir+red);swir')), ['nir', 'red', 'swir']);
});
