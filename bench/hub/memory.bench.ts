/**
 * Hub memory: the resident set size of the TerraHub process (`terrahub up`, its own process, so the numbers
 * are TerraHub's alone) empty, with 200 users, and with 50 of them running a server and using it through the
 * proxy. By default the "running servers" are stand-in Jupyter servers (src/hub/stand-in-server.ts: a small
 * Node HTTP server started by the spawner exactly as JupyterLab would be, with the same arguments and
 * variables); the hub holds the same state for them as for JupyterLab (process, port, tokens, routes, proxy
 * connections, activity). With `--jupyter=<path of a jupyter command>` they are real JupyterLabs (about
 * 100 MB each; starting 50 takes minutes on 2 cores). The servers' own memory is printed apart, never added
 * to the hub's.
 *
 *   npx tsx bench/hub/memory.bench.ts [users, default 200] [servers, default 50] [--jupyter=.venv/bin/jupyter]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { standInJupyter } from '../../src/hub/stand-in-server.ts';
import { freePort } from '../../src/hub/spawner/probe.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const jupyter = process.argv.find((a) => a.startsWith('--jupyter='))?.slice('--jupyter='.length);
const USERS = Number(args[0] ?? 200);
const SERVERS = Number(args[1] ?? 50);
const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const work = mkdtempSync(join(tmpdir(), 'terrahub-bench-memory-'));
const standIn = standInJupyter();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const hub = spawn(
  process.execPath,
  [join(ROOT, 'bin', 'terrahub.js'), 'up', '--port', String(port), '--s3-port', '0'],
  {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      TERRAHUB_DATA_DIR: join(work, 'data'),
      TERRAHUB_ADMIN_TOKEN: TOKEN,
      TERRAHUB_MIN_FREE_DISK: '0',
      TERRAHUB_LOG_LEVEL: 'warn',
      TERRAHUB_ENVS_BUILD_ON_START: 'false',
      TERRAHUB_HUB_UNIX_USERS: 'off',
      TERRAHUB_HUB_JUPYTER_COMMAND: jupyter ?? standIn.command,
      TERRAHUB_HUB_START_TIMEOUT: '600s', // 50 real JupyterLabs starting on 2 cores take a while each
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);

/** VmRSS and VmHWM (peak) of the hub process, in MiB. */
function rss(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${hub.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The resident memory of the hub's child processes (the servers), in MiB: for scale only. */
function serversRss(): number {
  let kb = 0;
  for (const line of readFileSync(`/proc/${hub.pid}/task/${hub.pid}/children`, 'utf8').split(' ')) {
    const pid = Number(line);
    if (!pid) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    kb += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

async function settle(): Promise<{ rss: number; peak: number }> {
  await sleep(3000); // let start-up work and timers settle; the reading is the hub at rest
  return rss();
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(base + path, { ...init, headers: { ...h, ...(init.headers ?? {}) } });
  if (res.status >= 400)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

const rows: Array<[string, { rss: number; peak: number }]> = [];
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/hub/health`).catch(() => null))?.ok) break;
    if (i > 600) throw new Error('TerraHub did not start');
    await sleep(100);
  }
  rows.push(['started, no users but admin', await settle()]);

  const names = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await api('/hub/api/users', {
      method: 'POST',
      body: JSON.stringify({ usernames: names.slice(i, i + 50) }),
    });
  }
  // Every user is seen once (a token made and used): idle users with hub state, not just rows.
  const tokens = new Map<string, string>();
  for (const n of names) {
    const t = (await (await api(`/hub/api/users/${n}/tokens`, { method: 'POST', body: '{}' })).json()) as {
      token: string;
    };
    tokens.set(n, t.token);
    await fetch(`${base}/hub/api/user`, { headers: { authorization: `token ${t.token}` } });
  }
  rows.push([`${USERS} users, no servers`, await settle()]);

  const running = names.slice(0, SERVERS);
  for (let i = 0; i < running.length; i += 10) {
    await Promise.all(
      running.slice(i, i + 10).map((n) => api(`/hub/api/users/${n}/server`, { method: 'POST', body: '{}' })),
    );
  }
  // Real JupyterLabs answer 202 (pending): wait until every one is ready.
  for (const n of running) {
    for (let i = 0; ; i++) {
      const u = (await (await api(`/hub/api/users/${n}`)).json()) as {
        server: string | null;
        pending: string | null;
      };
      if (u.server && !u.pending) break;
      if (i > 6000) throw new Error(`${n}'s server did not become ready`);
      await sleep(100);
    }
  }
  rows.push([`${USERS} users, ${SERVERS} servers running (idle)`, await settle()]);
  console.log(`servers' own memory (not the hub's): ${serversRss().toFixed(0)} MiB in all`);

  // Each server used through the proxy with its owner's token: 20 requests each, 50 servers at once.
  const t0 = performance.now();
  await Promise.all(
    running.map(async (n) => {
      for (let k = 0; k < 20; k++) {
        const r = await fetch(`${base}/user/${n}/api/status`, {
          headers: { authorization: `token ${tokens.get(n)}` },
        });
        if (r.status !== 200) throw new Error(`proxy ${n}: ${r.status}`);
        await r.arrayBuffer();
      }
    }),
  );
  const ms = performance.now() - t0;
  rows.push([`... after ${SERVERS * 20} proxied requests (${ms.toFixed(0)} ms)`, await settle()]);
} finally {
  hub.kill('SIGTERM'); // a clean stop also stops the 50 servers
  await new Promise((r) => hub.once('exit', r));
  rmSync(work, { recursive: true, force: true });
  standIn.cleanup();
}

console.log('hub process memory (MiB)                        RSS    peak');
for (const [what, m] of rows)
  console.log(`${what.padEnd(46)} ${m.rss.toFixed(1).padStart(6)} ${m.peak.toFixed(1).padStart(7)}`);
