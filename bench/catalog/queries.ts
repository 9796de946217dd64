/**
 * Runs the same search requests against several STAC APIs, interleaved (request k goes to every server
 * before request k+1, in a rotating order) so that load from the rest of the machine falls on all of them
 * alike, and prints p50/p99 per query and the ratio of each server's p50 to the first server's.
 *
 *   node --import tsx bench/catalog/queries.ts <requests> name=url [name=url ...]
 *
 * The queries (all POST /search, CQL2 as JSON): bbox+datetime (limit 100), point intersects (limit 100), a
 * cloud-cover filter sorted by datetime (limit 100), and ten pages of 100 of a large result followed through
 * the `next` links. The number of items each server returns is compared: a server that answers a different
 * result is reported, since its timings would not be comparable.
 */
const REQUESTS = Number(process.argv[2] ?? 100);
const TARGETS = process.argv.slice(3).map((a) => {
  const eq = a.indexOf('=');
  return { name: a.slice(0, eq), url: a.slice(eq + 1).replace(/\/$/, '') };
});
if (!TARGETS.length) throw new Error('usage: queries.ts <requests> name=url ...');

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Page {
  features: Array<{ id: string }>;
  links?: Array<{
    rel: string;
    href: string;
    method?: string;
    body?: Record<string, unknown>;
    merge?: boolean;
  }>;
}

async function search(url: string, body: Record<string, unknown>): Promise<Page> {
  const res = await fetch(`${url}/search`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Page;
}

/** Follows `pages` next links (POST with the link's body, merged into the last one when it says so). */
async function pages(url: string, first: Record<string, unknown>, n: number): Promise<number> {
  let body: Record<string, unknown> | undefined = first;
  let count = 0;
  for (let k = 0; k < n && body; k++) {
    const page: Page = await search(url, body);
    count += page.features.length;
    const next = page.links?.find((l) => l.rel === 'next');
    if (!next) break;
    if (next.method !== 'POST' || !next.body) throw new Error(`${url}: next link is not a POST with a body`);
    body = next.merge ? { ...body, ...next.body } : next.body;
  }
  return count;
}

type Query = { name: string; make: (r: () => number) => Record<string, unknown>; pages?: number };
const QUERIES: Query[] = [
  {
    name: 'bbox+datetime, limit 100',
    make: (r) => {
      const x = -170 + r() * 330;
      const y = -55 + r() * 110;
      const year = 2015 + Math.floor(r() * 10);
      return {
        bbox: [x, y, x + 10, y + 10],
        datetime: `${year}-01-01T00:00:00Z/${year}-12-31T23:59:59Z`,
        limit: 100,
      };
    },
  },
  {
    name: 'point intersects, limit 100',
    make: (r) => ({
      intersects: { type: 'Point', coordinates: [-120 + r() * 50, 26 + r() * 22] },
      limit: 100,
    }),
  },
  {
    name: 'CQL2 cloud cover < x, sorted by datetime, limit 100',
    make: (r) => ({
      'filter-lang': 'cql2-json',
      filter: { op: '<', args: [{ property: 'eo:cloud_cover' }, Math.round(5 + r() * 10)] },
      sortby: [{ field: 'datetime', direction: 'desc' }],
      limit: 100,
    }),
  },
  {
    name: 'ten pages of 100 (large result)',
    make: (r) => ({ bbox: [-180, -60 + Math.floor(r() * 10), 180, 70], limit: 100 }),
    pages: 10,
  },
];

const results: Record<string, Record<string, { p50: number; p99: number }>> = {};
for (const q of QUERIES) {
  const times = TARGETS.map(() => [] as number[]);
  let mismatches = 0;
  const r = rng(42);
  const runs = q.pages ? Math.max(5, Math.floor(REQUESTS / 10)) : REQUESTS;
  for (let k = 0; k < runs; k++) {
    const body = q.make(r);
    const counts: number[] = [];
    for (let j = 0; j < TARGETS.length; j++) {
      const t = (j + k) % TARGETS.length; // rotate who goes first
      const { url } = TARGETS[t]!;
      const s = performance.now();
      counts[t] = q.pages ? await pages(url, body, q.pages) : (await search(url, body)).features.length;
      times[t]!.push(performance.now() - s);
    }
    if (new Set(counts).size > 1) mismatches++;
  }
  results[q.name] = {};
  const base = pct(times[0]!, 50);
  const cells = TARGETS.map((t, i) => {
    const p50 = pct(times[i]!, 50);
    const p99 = pct(times[i]!, 99);
    results[q.name]![t.name] = { p50, p99 };
    const ratio = i === 0 ? '' : ` (${(p50 / base).toFixed(2)}x ${TARGETS[0]!.name})`;
    return `${t.name} p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms${ratio}`;
  });
  console.log(`${q.name} [${runs} runs${mismatches ? `, ${mismatches} with different result counts` : ''}]`);
  for (const c of cells) console.log(`  ${c}`);
}
console.log(JSON.stringify(results));
