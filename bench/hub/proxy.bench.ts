/**
 * The hub's proxy against configurable-http-proxy (JupyterHub's proxy), in front of the same trivial backend
 * (bench/hub/backend.js, its own process): small HTTP requests with wrk at concurrency 1, 20 and 100, and
 * WebSocket echo round trips with `ws` clients in a process of their own (bench/hub/ws-load.js). TerraHub authenticates every request (an API token in the
 * Authorization header, as a script would send); configurable-http-proxy checks nothing.
 *
 *   npx tsx bench/hub/proxy.bench.ts [seconds per run, default 10]
 *
 * Needs `wrk` (apt-get install wrk). Prints one line per run and the ratio TerraHub / CHP.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { startTerraHub } from '../../src/server/terrahub.ts';
import { localLaunchState } from '../../src/hub/launcher/local.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const ROOT = join(import.meta.dirname, '..', '..');

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer`);
}

// wrk runs asynchronously: TerraHub serves from this very process, so its event loop must stay free.
async function wrk(
  url: string,
  connections: number,
  headers: string[],
): Promise<{ rps: number; latency: string }> {
  const args = [
    '-t',
    String(Math.min(2, connections)),
    '-c',
    String(connections),
    '-d',
    `${SECONDS}s`,
    '--latency',
  ];
  for (const h of headers) args.push('-H', h);
  const { stdout: out } = await promisify(execFile)('wrk', [...args, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1];
  if (non2xx) throw new Error(`${url}: ${non2xx} failed responses`);
  return { rps, latency: `p50 ${p50}, p99 ${p99}` };
}

/** WebSocket round trips per second, measured by bench/hub/ws-load.js in a process of its own. */
async function wsRoundTrips(url: string, clients: number, authorization?: string): Promise<number> {
  const args = [join(import.meta.dirname, 'ws-load.js'), url, String(clients), String(SECONDS)];
  if (authorization) args.push(authorization);
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const backend = spawn(process.execPath, [join(import.meta.dirname, 'backend.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const backendPort = Number(await firstLine(backend));
  const dataDir = mkdtempSync(join(tmpdir(), 'terrahub-bench-hub-'));
  const { config } = loadConfig({
    flags: { dataDir, port: 0, 's3.port': 0, logLevel: 'warn', minFreeDisk: 0, 'hub.unixUsers': 'off' },
  });
  const hub = await startTerraHub(config, createLogger('warn'));
  const chpPort = 20000 + Math.floor(Math.random() * 20000);
  const chp = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'configurable-http-proxy', 'bin', 'configurable-http-proxy'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(chpPort),
      '--api-port',
      String(chpPort + 1),
      '--default-target',
      `http://127.0.0.1:${backendPort}`,
      '--log-level',
      'error',
    ],
    { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', CONFIGPROXY_AUTH_TOKEN: 'bench' } },
  );
  try {
    // The hub thinks user "bench" has a running server: the trivial backend.
    const user = await hub.services.identity.users.create({ name: 'bench' });
    const token = hub.services.identity.tokens.create(user, { scopes: ['servers'] }).token;
    hub.services.hub!.store.put({
      userId: user.id,
      name: '',
      state: 'running',
      profile: 'bench',
      port: backendPort,
      secret: 'backend-secret',
      launch: localLaunchState(backend.pid!),
    });
    await waitHttp(`http://127.0.0.1:${chpPort}/`);
    const targets = {
      backend: { url: `http://127.0.0.1:${backendPort}/user/bench/api/x`, headers: [] as string[] },
      chp: { url: `http://127.0.0.1:${chpPort}/user/bench/api/x`, headers: [] as string[] },
      terrahub: { url: `${hub.url}/user/bench/api/x`, headers: [`Authorization: token ${token}`] },
    };
    console.log(`hub proxy benchmark: ${SECONDS} s per run, wrk, trivial backend in its own process`);
    for (const c of [1, 20, 100]) {
      const r: Record<string, number> = {};
      for (const [name, t] of Object.entries(targets)) {
        const { rps, latency } = await wrk(t.url, c, t.headers);
        r[name] = rps;
        console.log(
          `http c=${String(c).padStart(3)} ${name.padEnd(9)} ${rps.toFixed(0).padStart(7)} req/s  ${latency}`,
        );
      }
      console.log(
        `http c=${String(c).padStart(3)} ratio terrahub/chp = ${(r['terrahub']! / r['chp']!).toFixed(2)}`,
      );
    }
    for (const c of [1, 20, 100]) {
      const th = await wsRoundTrips(`${hub.url.replace('http', 'ws')}/user/bench/ws`, c, `token ${token}`);
      const ch = await wsRoundTrips(`ws://127.0.0.1:${chpPort}/user/bench/ws`, c);
      console.log(
        `ws   c=${String(c).padStart(3)} terrahub ${th.toFixed(0)} msg/s, chp ${ch.toFixed(0)} msg/s, ratio ${(th / ch).toFixed(2)}`,
      );
    }
  } finally {
    chp.kill();
    backend.kill();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
