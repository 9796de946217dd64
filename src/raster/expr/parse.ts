/**
 * Band-math expressions, parsed to a tree and evaluated by walking it: never by eval or Function. The
 * grammar is the one TiTiler users write: `(b4-b3)/(b4+b3)`, asset names (`(nir-red)/(nir+red)`), several
 * output bands separated by `;`, numbers, + - * / ** ^ %, comparisons, `&&`/`||`, unary minus and `!`, and
 * the functions listed in FUNCTIONS. `where(cond, a, b)` picks per pixel.
 */

export type Node =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: string }
  | { kind: 'unary'; op: '-' | '+' | '!'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; fn: string; args: Node[] };

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly token: string,
    readonly position: number,
  ) {
    super(message);
  }
}

export const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  abs: { arity: [1, 1], fn: Math.abs },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  exp: { arity: [1, 1], fn: Math.exp },
  log: { arity: [1, 1], fn: Math.log },
  log10: { arity: [1, 1], fn: Math.log10 },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  arctan: { arity: [1, 1], fn: Math.atan },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  min: { arity: [2, 16], fn: Math.min },
  max: { arity: [2, 16], fn: Math.max },
  where: { arity: [3, 3], fn: (c, a, b) => (c ? a : b) },
};

interface Token {
  type: 'num' | 'id' | 'op' | 'end';
  text: string;
  pos: number;
}

const OPS = [
  '**',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '(',
  ')',
  ',',
  '<',
  '>',
  '!',
  '&',
  '|',
];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ type: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (id) {
      out.push({ type: 'id', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}" at position ${i}`, c, i);
    out.push({ type: 'op', text: op, pos: i });
    i += op.length;
  }
  out.push({ type: 'end', text: '', pos: src.length });
  return out;
}

const BINARY: Record<string, [number, boolean]> = {
  // operator: [precedence, right-associative]
  '||': [1, false],
  '|': [1, false],
  '&&': [2, false],
  '&': [2, false],
  '==': [3, false],
  '!=': [3, false],
  '<': [4, false],
  '>': [4, false],
  '<=': [4, false],
  '>=': [4, false],
  '+': [5, false],
  '-': [5, false],
  '*': [6, false],
  '/': [6, false],
  '%': [6, false],
  '**': [8, true],
  '^': [8, true],
};

/** Parses one expression (no `;`). */
export function parseExpression(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const fail = (t: Token, why: string): never => {
    const shown = t.type === 'end' ? 'end of expression' : `"${t.text}"`;
    throw new ExpressionError(`${why}: ${shown} at position ${t.pos}`, t.text, t.pos);
  };
  const primary = (): Node => {
    const t = toks[p++]!;
    if (t.type === 'num') return { kind: 'num', value: Number(t.text) };
    if (t.type === 'id') {
      if (peek().text === '(') {
        const f = FUNCTIONS[t.text.toLowerCase()];
        if (!f || !Object.prototype.hasOwnProperty.call(FUNCTIONS, t.text.toLowerCase()))
          fail(t, 'unknown function');
        p++;
        const args: Node[] = [];
        if (peek().text !== ')') {
          for (;;) {
            args.push(expr(0));
            if (peek().text === ',') p++;
            else break;
          }
        }
        if (peek().text !== ')') fail(peek(), 'expected ")"');
        p++;
        if (args.length < f!.arity[0] || args.length > f!.arity[1])
          fail(t, `wrong number of arguments (${args.length})`);
        return { kind: 'call', fn: t.text.toLowerCase(), args };
      }
      return { kind: 'var', name: t.text };
    }
    if (t.text === '(') {
      const e = expr(0);
      if (peek().text !== ')') fail(peek(), 'expected ")"');
      p++;
      return e;
    }
    if (t.text === '-' || t.text === '+' || t.text === '!') {
      return { kind: 'unary', op: t.text, arg: expr(7) };
    }
    return fail(t, 'unexpected token');
  };
  const expr = (minPrec: number): Node => {
    let left = primary();
    for (;;) {
      const t = peek();
      const info = t.type === 'op' ? BINARY[t.text] : undefined;
      if (!info || info[0] < minPrec) break;
      p++;
      const right = expr(info[1] ? info[0] : info[0] + 1);
      left = { kind: 'binary', op: t.text, left, right };
    }
    return left;
  };
  if (peek().type === 'end') fail(peek(), 'empty expression');
  const tree = expr(0);
  if (peek().type !== 'end') fail(peek(), 'unexpected token');
  return tree;
}

/** Parses `a;b;c` into one tree per output band. */
export function parseExpressions(src: string): Node[] {
  const parts = src.split(';');
  const out: Node[] = [];
  let offset = 0;
  for (const part of parts) {
    if (part.trim() !== '') {
      try {
        out.push(parseExpression(part));
      } catch (e) {
        if (e instanceof ExpressionError) {
          throw new ExpressionError(
            e.message.replace(/position \d+$/, `position ${e.position + offset}`),
            e.token,
            e.position + offset,
          );
        }
        throw e;
      }
    }
    offset += part.length + 1;
  }
  if (out.length === 0) throw new ExpressionError('empty expression', '', 0);
  return out;
}

/** Variable names a tree uses, in first-use order. */
export function variables(nodes: Node[]): string[] {
  const seen = new Set<string>();
  const walk = (n: Node): void => {
    if (n.kind === 'var') seen.add(n.name);
    else if (n.kind === 'unary') walk(n.arg);
    else if (n.kind === 'binary') {
      walk(n.left);
      walk(n.right);
    } else if (n.kind === 'call') n.args.forEach(walk);
  };
  nodes.forEach(walk);
  return [...seen];
}
