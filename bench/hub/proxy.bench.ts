/**
 * The hub's proxy against configurable-http-proxy (JupyterHub's proxy), in front of the same trivial backend
 * (bench/hub/backend.js, its own process): small HTTP requests with wrk at concurrency 1, 20 and 100, and
 * WebSocket echo round trips from clients in a process of their own (bench/hub/ws-load.js: a lean raw
 * client, then the `ws` library). TerraHub
 * authenticates every request (an API token in the Authorization header, as a script would send);
 * configurable-http-proxy checks nothing.
 *
 *   npx tsx bench/hub/proxy.bench.ts [seconds per run, default 10] [http,ws] [native|js]
 *
 * The second argument picks the parts to run, the third TerraHub's WebSocket relay (`hub.wsRelay`).
 *
 * Needs `wrk` (apt-get install wrk). Prints one line per run and the ratio TerraHub / CHP, with the CPU time
 * per request or message of the process in front (the backend alone, CHP's process, or TerraHub's, whose
 * native WebSocket relay thread counts too): under other load, the CPU ratio is the steadier measure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { startTerraHub } from '../../src/server/terrahub.ts';
import { localLaunchState } from '../../src/hub/launcher/local.ts';
import { ActivityTracker } from '../../src/hub/proxy/activity.ts';
import { Relay } from '../../src/hub/proxy/relay.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const PARTS = (process.argv[3] ?? 'http,ws').split(',');
const RELAY = process.argv[4] === 'js' ? 'js' : 'native';
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

/** CPU seconds (user + system) a process has used so far: this process's own, or another's from /proc. */
function cpuSeconds(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Runs `fn` and returns its result with the CPU microseconds the proxy process spent per operation. */
async function measured<T extends { ops: number }>(
  pid: number | undefined,
  fn: () => Promise<T>,
): Promise<T & { cpuUs: number }> {
  const c0 = cpuSeconds(pid);
  const r = await fn();
  return { ...r, cpuUs: ((cpuSeconds(pid) - c0) * 1e6) / Math.max(1, r.ops) };
}

/** WebSocket round trips per second, measured by bench/hub/ws-load.js in a process of its own. */
async function wsRoundTrips(
  url: string,
  clients: number,
  client: 'raw' | 'ws',
  authorization?: string,
): Promise<number> {
  const args = [join(import.meta.dirname, 'ws-load.js'), url, String(clients), String(SECONDS), client];
  if (authorization) args.push(authorization);
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const backend = spawn(process.execPath, [join(import.meta.dirname, 'backend.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Whatever fails from here on, the backend process must not outlive the benchmark.
  process.once('exit', () => backend.kill());
  const backendPort = Number(await firstLine(backend));
  const dataDir = mkdtempSync(join(tmpdir(), 'terrahub-bench-hub-'));
  const { config } = loadConfig({
    flags: {
      dataDir,
      port: 0,
      's3.port': 0,
      logLevel: 'warn',
      minFreeDisk: 0,
      'hub.unixUsers': 'off',
      'hub.wsRelay': RELAY,
    },
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
  process.once('exit', () => chp.kill());
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
    const relay = new Relay(new ActivityTracker(), RELAY);
    console.log(
      `hub proxy benchmark: ${SECONDS} s per run, wrk, trivial backend in its own process; ` +
        `TerraHub's WebSocket relay: ${relay.mode}${relay.why ? ` (${relay.why})` : ''}`,
    );
    // TerraHub proxies from this very process; CHP and the backend are processes of their own.
    const pids: Record<string, number | undefined> = {
      backend: backend.pid,
      chp: chp.pid,
      terrahub: undefined,
    };
    const cpu = (us: number) => `${us.toFixed(0)} us CPU/op`;
    for (const c of PARTS.includes('http') ? [1, 20, 100] : []) {
      const r: Record<string, { rps: number; cpuUs: number }> = {};
      for (const [name, t] of Object.entries(targets)) {
        const m = await measured(pids[name], async () => {
          const w = await wrk(t.url, c, t.headers);
          return { ...w, ops: w.rps * SECONDS };
        });
        r[name] = m;
        console.log(
          `http c=${String(c).padStart(3)} ${name.padEnd(9)} ${m.rps.toFixed(0).padStart(7)} req/s  ${m.latency}  ${cpu(m.cpuUs)}`,
        );
      }
      console.log(
        `http c=${String(c).padStart(3)} ratio terrahub/chp = ${(r['terrahub']!.rps / r['chp']!.rps).toFixed(2)}` +
          `  (CPU per request chp/terrahub = ${(r['chp']!.cpuUs / r['terrahub']!.cpuUs).toFixed(2)})`,
      );
    }
    // Two WebSocket clients: `raw`, a lean load generator (like wrk for HTTP), and `ws`, the npm library.
    const wsClients = (['raw', 'ws'] as const).filter(() => PARTS.includes('ws'));
    for (const client of wsClients) {
      for (const c of [1, 20, 100]) {
        const ws = async (url: string, auth?: string) => {
          const rate = await wsRoundTrips(url, c, client, auth);
          return { rate, ops: rate * SECONDS };
        };
        const th = await measured(undefined, () =>
          ws(`${hub.url.replace('http', 'ws')}/user/bench/ws`, `token ${token}`),
        );
        const ch = await measured(chp.pid, () => ws(`ws://127.0.0.1:${chpPort}/user/bench/ws`));
        const alone = await ws(`ws://127.0.0.1:${backendPort}/user/bench/ws`);
        console.log(
          `ws ${client.padEnd(3)} c=${String(c).padStart(3)} backend alone ${alone.rate.toFixed(0)} msg/s, terrahub ${th.rate.toFixed(0)} msg/s (${cpu(th.cpuUs)}), chp ${ch.rate.toFixed(0)} msg/s (${cpu(ch.cpuUs)}), ratio ${(th.rate / ch.rate).toFixed(2)}  (CPU per message chp/terrahub = ${(ch.cpuUs / th.cpuUs).toFixed(2)})`,
        );
      }
    }
  } finally {
    chp.kill();
    backend.kill();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
