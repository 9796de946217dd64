/**
 * Time from "start my server" to a ready JupyterLab: TerraHub's spawner against JupyterHub's
 * SimpleLocalProcessSpawner, with the same JupyterLab from the same venv, plus JupyterLab started by hand
 * with the hub's own command line and environment (the floor both hubs add to). The three are interleaved
 * RUNS times and the medians printed. TerraHub's own share is also printed directly: the start request's
 * time minus the spawner's wait from "process running" to "first probe answered" (its `Server:Ready` log),
 * which differences of medians of noisy runs cannot show on a loaded machine.
 *
 *   python3 -m venv /tmp/thb-jh && /tmp/thb-jh/bin/pip install jupyterhub==6.1.1 jupyterlab==4.6.6
 *   npx tsx bench/hub/spawn.bench.ts /tmp/thb-jh [runs, default 3] [--no-jupyterhub | --stand-in]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { serverArgs, serverEnv } from '../../src/hub/spawner/env.ts';
import type { SpawnTimings } from '../../src/hub/spawner/launch.ts';
import { freePort, jupyterStatus } from '../../src/hub/spawner/probe.ts';
import { standInJupyter } from '../../src/hub/stand-in-server.ts';
import { startTerraHub } from '../../src/server/terrahub.ts';

const VENV = process.argv[2] ?? '/tmp/thb-jh';
const RUNS = Number(process.argv[3] ?? 3);
// --stand-in: a server that starts in a few hundred ms (src/hub/stand-in-server.ts) instead of JupyterLab, so
// that the hub's overhead is not lost in JupyterLab's seconds of start-up noise (JupyterHub is then skipped).
const STAND_IN = process.argv[4] === '--stand-in' ? standInJupyter() : null;
const SKIP_JH = process.argv[4] === '--no-jupyterhub' || STAND_IN !== null;
const JUPYTER = STAND_IN?.command ?? join(VENV, 'bin', 'jupyter');
const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const work = mkdtempSync(join(tmpdir(), 'terrahub-bench-spawn-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  ms = 300_000,
  every = 25,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(every);
  }
}

/**
 * JupyterLab alone: the hub's own command line and environment (serverArgs/serverEnv), spawned directly and
 * polled on /api/status every 20 ms, so the floor is the same JupyterLab start the hub waits for.
 */
async function bare(i: number): Promise<number> {
  const port = await freePort();
  const home = join(work, `bare-${i}`);
  mkdirSync(home, { recursive: true });
  const prefix = '/user/b/';
  const jupyter = JUPYTER;
  const t0 = performance.now();
  const child = spawn(jupyter, serverArgs({ port, prefix, home, user: 'b' }), {
    env: serverEnv({
      user: 'b',
      server: '',
      prefix,
      home,
      account: 'root',
      port,
      secret: 'x',
      apiToken: 'unused',
      publicUrl: 'http://127.0.0.1:1',
      s3Url: 'http://127.0.0.1:2',
      s3Credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      jupyter,
    }),
    cwd: home,
    stdio: 'ignore',
    detached: true,
  });
  await until(() => jupyterStatus(port, prefix, 'x', 1000), 120_000, 20);
  const ms = performance.now() - t0;
  process.kill(-child.pid!, 'SIGTERM');
  await sleep(500); // let it exit before the next start competes with it
  return ms;
}

interface Hub {
  /** One start to ready and stop; the start's time in ms. */
  once(): Promise<number>;
  close(): Promise<void>;
}

/** TerraHub in this process; `timings` gets the spawner's own account of each start. */
async function terrahub(timings: SpawnTimings[]): Promise<Hub> {
  const { config } = loadConfig({
    flags: {
      dataDir: join(work, 'th'),
      port: 0,
      's3.port': 0,
      logLevel: 'warn',
      minFreeDisk: 0,
      'envs.buildOnStart': false,
      'hub.unixUsers': 'off',
      'hub.jupyterCommand': JUPYTER,
      'hub.startTimeout': '300s',
      'admin.token': TOKEN,
    },
  });
  const hub = await startTerraHub(config, createLogger('warn'));
  const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  await fetch(`${hub.url}/hub/api/users/bench`, { method: 'POST', headers: h, body: '{}' });
  const user = hub.services.identity.users.get('bench');
  return {
    async once() {
      const t0 = performance.now();
      const res = await fetch(`${hub.url}/hub/api/users/bench/server`, {
        method: 'POST',
        headers: h,
        body: '{}',
      });
      if (res.status === 202)
        await until(
          async () =>
            (
              (await (await fetch(`${hub.url}/hub/api/users/bench`, { headers: h })).json()) as {
                server: string | null;
              }
            ).server,
        );
      else if (res.status !== 201) throw new Error(`terrahub start: ${res.status} ${await res.text()}`);
      const ms = performance.now() - t0;
      timings.push(hub.services.hub!.spawner.lastTimings(user)!);
      const stop = await fetch(`${hub.url}/hub/api/users/bench/server`, {
        method: 'DELETE',
        headers: { authorization: h.authorization },
      });
      if (stop.status !== 204) throw new Error(`terrahub stop: ${stop.status} ${await stop.text()}`);
      return ms;
    },
    close: () => hub.close(),
  };
}

async function jupyterhub(): Promise<Hub> {
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const dir = join(work, 'jh');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'homes'), { recursive: true });
  writeFileSync(
    join(work, 'jupyterhub_config.py'),
    `c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = ${port}
c.JupyterHub.hub_port = ${hubPort}
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'
c.ConfigurableHTTPProxy.command = ['${join(ROOT, 'node_modules', '.bin', 'configurable-http-proxy')}']
c.JupyterHub.db_url = 'sqlite:///${dir}/jupyterhub.sqlite'
c.JupyterHub.cookie_secret_file = '${dir}/cookie_secret'
c.JupyterHub.authenticator_class = 'dummy'
c.JupyterHub.spawner_class = 'simple'
c.SimpleLocalProcessSpawner.home_dir_template = '${dir}/homes/{username}'
c.Spawner.args = ['--allow-root']
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.Spawner.cmd = ['${join(VENV, 'bin', 'jupyterhub-singleuser')}']
c.JupyterHub.services = [{'name': 'bench', 'api_token': '${TOKEN}'}]
c.JupyterHub.load_roles = [{'name': 'bench', 'scopes': ['admin:users', 'admin:servers', 'read:users'], 'services': ['bench']}]
`,
  );
  const jh: ChildProcess = spawn(
    join(VENV, 'bin', 'jupyterhub'),
    ['-f', join(work, 'jupyterhub_config.py')],
    {
      cwd: dir,
      env: { PATH: `${join(VENV, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  jh.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const api = `http://127.0.0.1:${port}/hub/api`;
  const h = { authorization: `token ${TOKEN}`, 'content-type': 'application/json' };
  try {
    await until(async () => (await fetch(`${api}/`)).ok, 180_000).catch(() => {
      throw new Error(`jupyterhub did not start:\n${log.slice(-2000)}`);
    });
  } catch (e) {
    jh.kill('SIGTERM');
    throw e;
  }
  await fetch(`${api}/users/bench`, { method: 'POST', headers: h, body: '{}' });
  return {
    async once() {
      const t0 = performance.now();
      const res = await fetch(`${api}/users/bench/server`, { method: 'POST', headers: h, body: '{}' });
      if (res.status !== 201 && res.status !== 202)
        throw new Error(`jupyterhub start: ${res.status} ${await res.text()}\n${log.slice(-2000)}`);
      await until(async () => {
        const u = (await (await fetch(`${api}/users/bench`, { headers: h })).json()) as {
          servers?: Record<string, { ready: boolean }>;
        };
        return u.servers?.['']?.ready;
      });
      const ms = performance.now() - t0;
      await fetch(`${api}/users/bench/server`, { method: 'DELETE', headers: h });
      await until(async () => {
        const u = (await (await fetch(`${api}/users/bench`, { headers: h })).json()) as {
          servers?: Record<string, unknown>;
        };
        return !u.servers?.[''];
      });
      return ms;
    },
    async close() {
      jh.kill('SIGTERM');
      await new Promise((r) => jh.once('exit', r));
    },
  };
}

// Interleaved (alone, TerraHub, JupyterHub, alone, ...) so that the load of the moment hits all three alike.
const th: number[] = [];
const thTimings: SpawnTimings[] = [];
const jhMs: number[] = [];
const bareMs: number[] = [];
const terra = await terrahub(thTimings);
const jhub = SKIP_JH
  ? null
  : await jupyterhub().catch(async (e: unknown) => {
      await terra.close();
      throw e;
    });
try {
  for (let i = 0; i < RUNS; i++) {
    bareMs.push(await bare(i));
    th.push(await terra.once());
    if (jhub) jhMs.push(await jhub.once());
  }
} finally {
  await terra.close();
  await jhub?.close();
}
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
console.log(`${STAND_IN ? 'stand-in' : 'JupyterLab'} alone`.padEnd(24) + fmt(bareMs));
console.log(
  `TerraHub start->ready   ${fmt(th)}; overhead over alone ${(median(th) - median(bareMs)).toFixed(0)} ms`,
);
const own = th.map((t, i) => t - thTimings[i]!.waitMs);
console.log(
  `TerraHub's own share    ${fmt(own)} (start->ready minus the spawner's process-to-ready wait; setup ${fmt(thTimings.map((t) => t.setupMs))}, of which home ${fmt(thTimings.map((t) => t.homeMs))} and fork ${fmt(thTimings.map((t) => t.forkMs))}; probes ${thTimings.map((t) => t.probes).join(', ')})`,
);
if (jhub) {
  console.log(
    `JupyterHub start->ready ${fmt(jhMs)}; overhead over alone ${(median(jhMs) - median(bareMs)).toFixed(0)} ms`,
  );
  console.log(`ratio TerraHub/JupyterHub ${(median(th) / median(jhMs)).toFixed(2)}`);
}
rmSync(work, { recursive: true, force: true });
STAND_IN?.cleanup();
