/**
 * Time from "start my server" to a ready JupyterLab: TerraHub's spawner against JupyterHub's
 * SimpleLocalProcessSpawner, with the same JupyterLab from the same venv, plus JupyterLab started by hand
 * (the floor both hubs add to). Each is measured RUNS times, alternating, and the medians are printed.
 *
 *   python3 -m venv /tmp/thb-jh && /tmp/thb-jh/bin/pip install jupyterhub==6.1.1 jupyterlab==4.6.6
 *   npx tsx bench/hub/spawn.bench.ts /tmp/thb-jh [runs, default 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { freePort, jupyterStatus } from '../../src/hub/spawner/probe.ts';
import { startTerraHub } from '../../src/server/terrahub.ts';

const VENV = process.argv[2] ?? '/tmp/thb-jh';
const RUNS = Number(process.argv[3] ?? 3);
const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const work = mkdtempSync(join(tmpdir(), 'terrahub-bench-spawn-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(25);
  }
}

/** JupyterLab alone: spawn, then poll /api/status as both hubs do. */
async function bare(i: number): Promise<number> {
  const port = await freePort();
  const home = join(work, `bare-${i}`);
  const t0 = performance.now();
  const child = spawn(
    join(VENV, 'bin', 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--allow-root',
      `--ServerApp.port=${port}`,
      '--ServerApp.base_url=/user/b/',
      `--ServerApp.root_dir=${tmpdir()}`,
    ],
    {
      env: { PATH: `${join(VENV, 'bin')}:/usr/bin:/bin`, HOME: home, JUPYTER_TOKEN: 'x' },
      stdio: 'ignore',
      detached: true,
    },
  );
  await until(() => jupyterStatus(port, '/user/b/', 'x', 1000));
  const ms = performance.now() - t0;
  process.kill(-child.pid!, 'SIGTERM');
  return ms;
}

async function terrahub(runs: number): Promise<number[]> {
  const { config } = loadConfig({
    flags: {
      dataDir: join(work, 'th'),
      port: 0,
      's3.port': 0,
      logLevel: 'warn',
      minFreeDisk: 0,
      'hub.unixUsers': 'off',
      'hub.jupyterCommand': join(VENV, 'bin', 'jupyter'),
      'admin.token': TOKEN,
    },
  });
  const hub = await startTerraHub(config, createLogger('warn'));
  const out: number[] = [];
  try {
    const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    await fetch(`${hub.url}/hub/api/users/bench`, { method: 'POST', headers: h, body: '{}' });
    for (let i = 0; i < runs; i++) {
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
      out.push(performance.now() - t0);
      const stop = await fetch(`${hub.url}/hub/api/users/bench/server`, {
        method: 'DELETE',
        headers: { authorization: h.authorization },
      });
      if (stop.status !== 204) throw new Error(`terrahub stop: ${stop.status} ${await stop.text()}`);
    }
  } finally {
    await hub.close();
  }
  return out;
}

async function jupyterhub(runs: number): Promise<number[]> {
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
  const out: number[] = [];
  try {
    await until(async () => (await fetch(`${api}/`)).ok, 60_000).catch(() => {
      throw new Error(`jupyterhub did not start:\n${log.slice(-2000)}`);
    });
    await fetch(`${api}/users/bench`, { method: 'POST', headers: h, body: '{}' });
    for (let i = 0; i < runs; i++) {
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
      out.push(performance.now() - t0);
      await fetch(`${api}/users/bench/server`, { method: 'DELETE', headers: h });
      await until(async () => {
        const u = (await (await fetch(`${api}/users/bench`, { headers: h })).json()) as {
          servers?: Record<string, unknown>;
        };
        return !u.servers?.[''];
      });
    }
  } finally {
    jh.kill('SIGTERM');
    await new Promise((r) => jh.once('exit', r));
  }
  return out;
}

const bareMs: number[] = [];
for (let i = 0; i < RUNS; i++) bareMs.push(await bare(i));
const th = await terrahub(RUNS);
const jhMs = await jupyterhub(RUNS);
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
console.log(`JupyterLab alone        ${fmt(bareMs)}`);
console.log(
  `TerraHub start->ready   ${fmt(th)}; overhead over alone ${(median(th) - median(bareMs)).toFixed(0)} ms`,
);
console.log(
  `JupyterHub start->ready ${fmt(jhMs)}; overhead over alone ${(median(jhMs) - median(bareMs)).toFixed(0)} ms`,
);
console.log(`ratio TerraHub/JupyterHub ${(median(th) / median(jhMs)).toFixed(2)}`);
rmSync(work, { recursive: true, force: true });
