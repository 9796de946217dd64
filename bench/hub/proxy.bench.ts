/**
 * The hub's proxy against configurable-http-proxy (JupyterHub's proxy), side by side in one invocation:
 * small HTTP requests with wrk at concurrency 1, 20 and 100 to a trivial Node backend (bench/hub/backend.js,
 * its own process), and WebSocket echo round trips at the same concurrencies to a native echo backend
 * (bench/hub/native/echo.c), from a native load client (bench/hub/native/wsload.c: the wrk of this
 * benchmark, so that the CPU goes to the proxies) and from the `ws` library's client (a real client
 * library; bench/hub/ws-load.js). Both proxies face exactly the same backends and clients. TerraHub
 * authenticates every request and WebSocket (an API token in the Authorization header, as a script would
 * send) and counts activity as always; configurable-http-proxy checks nothing. Before measuring, the native
 * programs are checked against the `ws` library and through both proxies (every echoed byte compared).
 *
 *   npx tsx bench/hub/proxy.bench.ts [seconds per run, default 10] [http,ws,raw] [native|js]
 *
 * The second argument picks the parts ("raw" adds the hand-made Node client of the third session), the
 * third TerraHub's WebSocket relay (`hub.wsRelay`).
 *
 * Needs `wrk` (apt-get install wrk) and gcc. Prints one line per run, the ratio TerraHub / CHP with the CPU
 * time per request or message of the process in front (CHP's process, or TerraHub's, whose native
 * WebSocket relay thread counts too; under other load, the CPU ratio is the steadier measure), the load
 * average, and a summary table at the end.
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
import { ActivityTracker } from '../../src/hub/proxy/activity.ts';
import { Relay } from '../../src/hub/proxy/relay.ts';
import { serverKey } from '../../src/hub/spawner/names.ts';
import { cpuSeconds, load, measured, num } from './measure.ts';
import { buildNative, startEcho, verifyWs, wsRun, type WsClient } from './ws-clients.ts';

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

async function main(): Promise<void> {
  const backend = spawn(process.execPath, [join(import.meta.dirname, 'backend.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Whatever fails from here on, the backend process must not outlive the benchmark.
  process.once('exit', () => backend.kill());
  const backendPort = Number(await firstLine(backend));
  const tools = buildNative();
  const echo = await startEcho(tools);
  process.once('exit', () => echo.child.kill());
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
    // WebSockets go to the native echo backend, as bench's named server "ws" (/user/bench/ws/, the same
    // access check and relay as the default server) and as CHP's route for the same path.
    hub.services.hub!.store.put({
      userId: user.id,
      name: 'ws',
      state: 'running',
      profile: 'bench',
      port: echo.port,
      secret: 'echo-secret',
      launch: localLaunchState(echo.child.pid!),
    });
    await waitHttp(`http://127.0.0.1:${chpPort}/`);
    const route = await fetch(`http://127.0.0.1:${chpPort + 1}/api/routes/user/bench/ws`, {
      method: 'POST',
      headers: { authorization: 'token bench', 'content-type': 'application/json' },
      body: JSON.stringify({ target: `http://127.0.0.1:${echo.port}` }),
    });
    if (!route.ok) throw new Error(`CHP refused the route: ${route.status}`);
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
    const summary: string[] = [];
    console.log(load());
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
      const ratio = r['terrahub']!.rps / r['chp']!.rps;
      const cpuRatio = r['chp']!.cpuUs / r['terrahub']!.cpuUs;
      console.log(
        `http c=${String(c).padStart(3)} ratio terrahub/chp = ${ratio.toFixed(2)}` +
          `  (CPU per request chp/terrahub = ${cpuRatio.toFixed(2)})  ${load()}`,
      );
      summary.push(
        `| HTTP c=${c} | ${num(r['backend']!.rps)} req/s | ${num(r['chp']!.rps)} req/s (${r['chp']!.cpuUs.toFixed(0)} us) | ` +
          `${num(r['terrahub']!.rps)} req/s (${r['terrahub']!.cpuUs.toFixed(0)} us) | ${ratio.toFixed(2)} | ${cpuRatio.toFixed(2)} |`,
      );
    }
    const wsUrls = {
      terrahub: { url: `${hub.url.replace('http', 'ws')}/user/bench/ws/`, authorization: `token ${token}` },
      chp: { url: `ws://127.0.0.1:${chpPort}/user/bench/ws/`, authorization: '' },
      alone: { url: `ws://127.0.0.1:${echo.port}/user/bench/ws/`, authorization: '' },
    };
    const kinds: WsClient[] = [];
    if (PARTS.includes('ws')) kinds.push('native', 'ws');
    if (PARTS.includes('raw')) kinds.push('raw');
    if (kinds.length) {
      await verifyWs(tools, backendPort, echo.port, [wsUrls.terrahub, wsUrls.chp]);
      console.log(
        'ws: echoes verified (native client vs the ws library server, ws client vs the native echo, both proxies)',
      );
    }
    for (const client of kinds) {
      for (const c of [1, 20, 100]) {
        const r: Record<
          string,
          { rate: number; cpuUs: number; backendUs: number; clientUs: number; lat: string }
        > = {};
        for (const [name, t] of Object.entries(wsUrls)) {
          const b0 = cpuSeconds(echo.child.pid);
          const m = await measured(
            pids[name] ?? (name === 'alone' ? echo.child.pid : undefined),
            async () => {
              const w = await wsRun(tools, client, t.url, c, SECONDS, t.authorization);
              return { ...w, ops: w.rate * SECONDS };
            },
          );
          const ops = Math.max(1, m.ops);
          r[name] = {
            rate: m.rate,
            cpuUs: m.cpuUs,
            backendUs: ((cpuSeconds(echo.child.pid) - b0) * 1e6) / ops,
            clientUs: (m.clientCpuS * 1e6) / ops,
            lat: m.p50Us === undefined ? '' : `p50 ${m.p50Us} us, p99 ${m.p99Us} us, `,
          };
          const x = r[name];
          console.log(
            `ws ${client.padEnd(6)} c=${String(c).padStart(3)} ${name.padEnd(9)} ${num(x.rate).padStart(7)} msg/s  ${x.lat}` +
              `${name === 'alone' ? '' : `proxy ${cpu(x.cpuUs)}; `}CPU/msg of the backend ${x.backendUs.toFixed(1)} us, of the client ${x.clientUs.toFixed(1)} us`,
          );
        }
        const ratio = r['terrahub']!.rate / r['chp']!.rate;
        const cpuRatio = r['chp']!.cpuUs / r['terrahub']!.cpuUs;
        console.log(
          `ws ${client.padEnd(6)} c=${String(c).padStart(3)} ratio terrahub/chp = ${ratio.toFixed(2)}  (CPU per message chp/terrahub = ${cpuRatio.toFixed(2)})  ${load()}`,
        );
        summary.push(
          `| WebSocket ${client} c=${c} | ${num(r['alone']!.rate)} msg/s | ${num(r['chp']!.rate)} msg/s (${r['chp']!.cpuUs.toFixed(0)} us) | ` +
            `${num(r['terrahub']!.rate)} msg/s (${r['terrahub']!.cpuUs.toFixed(0)} us) | ${ratio.toFixed(2)} | ${cpuRatio.toFixed(2)} |`,
        );
      }
    }
    if (kinds.length) {
      // The relayed WebSockets were accounted as any user's are: the culler sees these bytes.
      const a = hub.services.hub!.activity.get(serverKey(user.id, 'ws'));
      if (!a?.bytesIn || !a.bytesOut) throw new Error('no WebSocket activity recorded for /user/bench/ws/');
      console.log(
        `ws: activity recorded for /user/bench/ws/: ${(a.bytesIn / 1e6).toFixed(1)} MB in, ${(a.bytesOut / 1e6).toFixed(1)} MB out`,
      );
    }
    console.log(`\n${load()}\n`);
    console.log(
      '| test | backend alone | configurable-http-proxy (CPU/op) | TerraHub (CPU/op) | TerraHub / CHP | CPU per op, CHP / TerraHub |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of summary) console.log(row);
  } finally {
    chp.kill();
    backend.kill();
    echo.child.kill();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tools.dir, { recursive: true, force: true });
  }
}

await main();
