/**
 * CQL2 text to CQL2 JSON (which is the AST every driver compiles). A small tokenizer and a recursive-descent
 * parser over the CQL2 grammar: boolean logic, comparisons, LIKE/BETWEEN/IN/IS NULL, arithmetic, function
 * calls (spatial, temporal, array, CASEI, ACCENTI), TIMESTAMP/DATE/INTERVAL and WKT/BBOX literals. Pure.
 */
import { TerraHubError } from '../../core/errors.ts';

type Tok =
  | { t: 'num'; v: number; p: number }
  | { t: 'str'; v: string; p: number }
  | { t: 'id'; v: string; p: number; quoted: boolean }
  | { t: 'op'; v: string; p: number }
  | { t: 'eof'; v: ''; p: number };

const COMPARE = new Set(['=', '<>', '<', '<=', '>', '>=']);
const WKT = new Set([
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
]);

function fail(p: number, msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_FILTER', `CQL2 text, at character ${p + 1}: ${msg}`);
}

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      const p = i++;
      for (;;) {
        if (i >= s.length) fail(p, 'unterminated string');
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += s[i++];
      }
      out.push({ t: 'str', v, p });
    } else if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) fail(i, 'unterminated quoted identifier');
      out.push({ t: 'id', v: s.slice(i + 1, end), p: i, quoted: true });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]), p: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_:.]*/.exec(s.slice(i))!;
      out.push({ t: 'id', v: m[0], p: i, quoted: false });
      i += m[0].length;
    } else {
      const two = s.slice(i, i + 2);
      if (two === '<>' || two === '<=' || two === '>=' || two === '!=') {
        out.push({ t: 'op', v: two === '!=' ? '<>' : two, p: i });
        i += 2;
      } else if ('=<>(),+-*/%^'.includes(c)) {
        out.push({ t: 'op', v: c, p: i });
        i++;
      } else fail(i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ t: 'eof', v: '', p: s.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }
  private isKw(k: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'id' && !t.quoted && t.v.toUpperCase() === k;
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) fail(t.p, `expected "${v}"`);
  }
  private expectKw(k: string): void {
    if (!this.isKw(k)) fail(this.peek().p, `expected ${k}`);
    this.i++;
  }

  parse(): unknown {
    const e = this.or();
    if (this.peek().t !== 'eof') fail(this.peek().p, 'unexpected text after the expression');
    return e;
  }

  private or(): unknown {
    const args = [this.and()];
    while (this.isKw('OR')) {
      this.i++;
      args.push(this.and());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  }

  private and(): unknown {
    const args = [this.not()];
    while (this.isKw('AND')) {
      this.i++;
      args.push(this.not());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  }

  private not(): unknown {
    if (this.isKw('NOT')) {
      this.i++;
      return { op: 'not', args: [this.not()] };
    }
    return this.predicate();
  }

  private predicate(): unknown {
    if (this.isOp('(')) {
      // A parenthesized boolean expression, unless it turns out to be arithmetic or a list.
      const save = this.i;
      try {
        this.i++;
        const e = this.or();
        this.expectOp(')');
        const t = this.peek();
        const continues =
          (t.t === 'op' && t.v !== ')' && t.v !== ',') ||
          ['LIKE', 'BETWEEN', 'IN', 'IS'].some((k) => this.isKw(k)) ||
          (this.isKw('NOT') && ['LIKE', 'BETWEEN', 'IN'].some((k) => this.isKw(k, 1)));
        if (!continues) return e;
      } catch {
        // fall through to scalar parsing
      }
      this.i = save;
    }
    const left = this.additive();
    const t = this.peek();
    if (t.t === 'op' && COMPARE.has(t.v)) {
      this.i++;
      return { op: t.v, args: [left, this.additive()] };
    }
    let negate = false;
    if (this.isKw('NOT') && ['LIKE', 'BETWEEN', 'IN'].some((k) => this.isKw(k, 1))) {
      negate = true;
      this.i++;
    }
    let e: unknown;
    if (this.isKw('LIKE')) {
      this.i++;
      e = { op: 'like', args: [left, this.additive()] };
    } else if (this.isKw('BETWEEN')) {
      this.i++;
      const lo = this.additive();
      this.expectKw('AND');
      e = { op: 'between', args: [left, lo, this.additive()] };
    } else if (this.isKw('IN')) {
      this.i++;
      this.expectOp('(');
      e = { op: 'in', args: [left, this.list()] };
    } else if (this.isKw('IS')) {
      this.i++;
      const isNot = this.isKw('NOT');
      if (isNot) this.i++;
      this.expectKw('NULL');
      e = { op: 'isNull', args: [left] };
      if (isNot) e = { op: 'not', args: [e] };
      return e;
    } else {
      return left; // a boolean function call, literal or property
    }
    return negate ? { op: 'not', args: [e] } : e;
  }

  /** Items up to a closing parenthesis (the opening one is consumed). */
  private list(): unknown[] {
    const items: unknown[] = [];
    if (this.isOp(')')) {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.additive());
      if (this.isOp(',')) this.i++;
      else break;
    }
    this.expectOp(')');
    return items;
  }

  private additive(): unknown {
    let e = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().v;
      e = { op, args: [e, this.term()] };
    }
    return e;
  }

  private term(): unknown {
    let e = this.power();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%') || this.isKw('DIV')) {
      const t = this.next();
      e = { op: t.t === 'id' ? 'div' : t.v, args: [e, this.power()] };
    }
    return e;
  }

  private power(): unknown {
    const base = this.unary();
    if (this.isOp('^')) {
      this.i++;
      return { op: '^', args: [base, this.power()] };
    }
    return base;
  }

  private unary(): unknown {
    if (this.isOp('-')) {
      this.i++;
      const v = this.unary();
      return typeof v === 'number' ? -v : { op: '*', args: [-1, v] };
    }
    return this.primary();
  }

  private primary(): unknown {
    const t = this.next();
    if (t.t === 'num' || t.t === 'str') return t.v;
    if (t.t === 'op' && t.v === '(') {
      const items = this.list();
      return items.length === 1 ? items[0] : items;
    }
    if (t.t !== 'id') fail(t.p, 'expected a value, property or function');
    if (t.quoted) return { property: t.v };
    const kw = t.v.toUpperCase();
    if (kw === 'TRUE' || kw === 'FALSE') return kw === 'TRUE';
    if (kw === 'NULL') return null;
    if (kw === 'TIMESTAMP' || kw === 'DATE') {
      this.expectOp('(');
      const s = this.next();
      if (s.t !== 'str') fail(s.p, `${kw} needs a quoted string`);
      this.expectOp(')');
      return kw === 'DATE' ? { date: s.v } : { timestamp: s.v };
    }
    if (kw === 'INTERVAL') {
      this.expectOp('(');
      const a = this.primary();
      this.expectOp(',');
      const b = this.primary();
      this.expectOp(')');
      const bound = (x: unknown): unknown =>
        typeof x === 'object' && x !== null ? (Object.values(x)[0] as unknown) : x;
      return { interval: [bound(a), bound(b)] };
    }
    if (kw === 'BBOX' && this.isOp('(')) {
      this.i++;
      const nums = this.list();
      if (!nums.every((n) => typeof n === 'number')) fail(t.p, 'BBOX takes numbers');
      return { bbox: nums };
    }
    if (WKT.has(kw)) return this.wkt(kw);
    if (this.isOp('(')) {
      this.i++;
      return { op: t.v.toLowerCase(), args: this.list() };
    }
    return { property: t.v };
  }

  private num(): number {
    let sign = 1;
    if (this.isOp('-')) {
      this.i++;
      sign = -1;
    }
    const t = this.next();
    if (t.t !== 'num') fail(t.p, 'expected a coordinate');
    return sign * t.v;
  }

  private position(): number[] {
    const p = [this.num(), this.num()];
    if (this.peek().t === 'num' || this.isOp('-')) p.push(this.num());
    return p;
  }

  private seq<T>(item: () => T): T[] {
    this.expectOp('(');
    const out = [item()];
    while (this.isOp(',')) {
      this.i++;
      out.push(item());
    }
    this.expectOp(')');
    return out;
  }

  private wkt(kw: string): unknown {
    if (this.isKw('Z')) this.i++;
    const line = () => this.seq(() => this.position());
    const poly = () => this.seq(line);
    switch (kw) {
      case 'POINT': {
        const [p] = this.seq(() => this.position());
        return { type: 'Point', coordinates: p };
      }
      case 'LINESTRING':
        return { type: 'LineString', coordinates: line() };
      case 'POLYGON':
        return { type: 'Polygon', coordinates: poly() };
      case 'MULTIPOINT':
        return {
          type: 'MultiPoint',
          coordinates: this.seq(() =>
            this.isOp('(') ? this.seq(() => this.position())[0]! : this.position(),
          ),
        };
      case 'MULTILINESTRING':
        return { type: 'MultiLineString', coordinates: this.seq(line) };
      case 'MULTIPOLYGON':
        return { type: 'MultiPolygon', coordinates: this.seq(poly) };
      default:
        return {
          type: 'GeometryCollection',
          geometries: this.seq(() => {
            const t = this.next();
            if (t.t !== 'id' || !WKT.has(t.v.toUpperCase())) fail(t.p, 'expected a WKT geometry');
            return this.wkt(t.v.toUpperCase());
          }),
        };
    }
  }
}

/** Parses CQL2 text into CQL2 JSON; a syntax error is a 400 naming the character position. */
export function parseCql2Text(text: string): unknown {
  return new Parser(tokenize(text)).parse();
}
