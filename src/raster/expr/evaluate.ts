/**
 * Evaluates parsed expressions over band arrays. Each tree is compiled once into nested closures (no code
 * generation), then run per pixel. A pixel whose result is not finite (0/0, log of a negative) is masked.
 */
import { FUNCTIONS, type Node } from './parse.ts';

type Compiled = (px: Float64Array) => number;

function compile(n: Node, slot: (name: string) => number): Compiled {
  switch (n.kind) {
    case 'num': {
      const v = n.value;
      return () => v;
    }
    case 'var': {
      const i = slot(n.name);
      return (px) => px[i]!;
    }
    case 'unary': {
      const a = compile(n.arg, slot);
      if (n.op === '-') return (px) => -a(px);
      if (n.op === '!') return (px) => (a(px) ? 0 : 1);
      return a;
    }
    case 'binary': {
      const l = compile(n.left, slot);
      const r = compile(n.right, slot);
      switch (n.op) {
        case '+':
          return (px) => l(px) + r(px);
        case '-':
          return (px) => l(px) - r(px);
        case '*':
          return (px) => l(px) * r(px);
        case '/':
          return (px) => l(px) / r(px);
        case '%':
          return (px) => l(px) % r(px);
        case '**':
        case '^':
          return (px) => l(px) ** r(px);
        case '<':
          return (px) => (l(px) < r(px) ? 1 : 0);
        case '>':
          return (px) => (l(px) > r(px) ? 1 : 0);
        case '<=':
          return (px) => (l(px) <= r(px) ? 1 : 0);
        case '>=':
          return (px) => (l(px) >= r(px) ? 1 : 0);
        case '==':
          return (px) => (l(px) === r(px) ? 1 : 0);
        case '!=':
          return (px) => (l(px) !== r(px) ? 1 : 0);
        case '&&':
        case '&':
          return (px) => (l(px) && r(px) ? 1 : 0);
        default:
          return (px) => (l(px) || r(px) ? 1 : 0);
      }
    }
    case 'call': {
      const args = n.args.map((a) => compile(a, slot));
      const f = FUNCTIONS[n.fn]!.fn;
      if (n.fn === 'where') {
        const [c, a, b] = args as [Compiled, Compiled, Compiled];
        return (px) => (c(px) ? a(px) : b(px));
      }
      if (args.length === 1) {
        const a = args[0]!;
        return (px) => f(a(px));
      }
      return (px) => f(...args.map((a) => a(px)));
    }
  }
}

/**
 * Runs `trees` over `inputs` (one array per variable, in `names` order); returns one Float64Array per tree
 * and updates `mask` (255 valid) to exclude non-finite results.
 */
export function evaluate(
  trees: Node[],
  names: string[],
  inputs: ArrayLike<number>[],
  mask: Uint8Array,
): Float64Array[] {
  const index = new Map(names.map((n, i) => [n, i]));
  const slot = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new RangeError(`unbound variable ${name}`);
    return i;
  };
  const fns = trees.map((t) => compile(t, slot));
  const count = mask.length;
  const out = fns.map(() => new Float64Array(count));
  const px = new Float64Array(names.length);
  for (let i = 0; i < count; i++) {
    if (!mask[i]) continue;
    for (let k = 0; k < inputs.length; k++) px[k] = inputs[k]![i]!;
    for (let t = 0; t < fns.length; t++) {
      const v = fns[t]!(px);
      if (!Number.isFinite(v)) {
        mask[i] = 0;
        break;
      }
      out[t]![i] = v;
    }
  }
  return out;
}
