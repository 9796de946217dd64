/**
 * Benchmark helper: fetches a list of URLs at a given concurrency and prints tiles/s, p50 and p99 latency
 * as one JSON line. Every response must be 200 (or 404 for tiles outside the data, counted apart).
 * Usage: tsx bench/tiles/load.ts URLS_FILE CONCURRENCY [BEARER_TOKEN]
 */
import { readFileSync } from 'node:fs';

const [file, concS, token] = process.argv.slice(2);
const urls = readFileSync(file!, 'utf8').split('\n').filter(Boolean);
const concurrency = Number(concS);
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
const latencies: number[] = [];
let next = 0;
let notFound = 0;
let bytes = 0;
const failures: string[] = [];

async function worker(): Promise<void> {
  while (next < urls.length) {
    const url = urls[next++]!;
    const t0 = performance.now();
    const r = await fetch(url, { headers });
    const body = await r.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (r.status === 404) notFound++;
    else if (r.status !== 200) failures.push(`${r.status} ${url}`);
    else bytes += body.byteLength;
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
console.log(
  JSON.stringify({
    requests: urls.length,
    concurrency,
    tilesPerSecond: Math.round((urls.length / seconds) * 10) / 10,
    p50ms: Math.round(pct(50) * 10) / 10,
    p99ms: Math.round(pct(99) * 10) / 10,
    notFound,
    failures: failures.length,
    firstFailure: failures[0] ?? null,
    meanBytes: Math.round(bytes / Math.max(1, urls.length - notFound - failures.length)),
  }),
);
