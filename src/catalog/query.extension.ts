/**
 * The Query extension (`query: {"eo:cloud_cover": {"lt": 10}}`, which the Planetary Computer still supports),
 * turned into the equivalent CQL2 JSON so that one code path filters. Pure.
 */
import { TerraHubError } from '../core/errors.ts';

const COMPARE: Record<string, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

function bad(msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_SEARCH', `query: ${msg}`, { parameter: 'query' });
}

export function queryToCql2(query: unknown): unknown {
  let q = query;
  if (typeof q === 'string') {
    try {
      q = JSON.parse(q) as unknown;
    } catch {
      bad('is not valid JSON');
    }
  }
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    bad('must be an object of property: {op: value}');
  const args: unknown[] = [];
  for (const [name, ops] of Object.entries(q as Record<string, unknown>)) {
    if (typeof ops !== 'object' || ops === null || Array.isArray(ops))
      bad(`${name} must map operators to values`);
    const property = { property: name };
    for (const [op, v] of Object.entries(ops as Record<string, unknown>)) {
      const cmp = COMPARE[op];
      if (cmp) args.push({ op: cmp, args: [property, v] });
      else if (op === 'in') {
        if (!Array.isArray(v)) bad(`${name}.in must be a list`);
        args.push({ op: 'in', args: [property, v] });
      } else if (op === 'startsWith' || op === 'endsWith' || op === 'contains') {
        if (typeof v !== 'string') bad(`${name}.${op} must be a string`);
        const esc = v.replace(/[\\%_]/g, '\\$&');
        const pat = op === 'startsWith' ? `${esc}%` : op === 'endsWith' ? `%${esc}` : `%${esc}%`;
        args.push({ op: 'like', args: [property, pat] });
      } else bad(`unknown operator "${op}" for ${name}`);
    }
  }
  if (args.length === 0) return true;
  return args.length === 1 ? args[0] : { op: 'and', args };
}
