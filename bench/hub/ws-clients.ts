/**
 * The WebSocket side of the proxy benchmark: the native echo backend and load client (bench/hub/native/,
 * built here with gcc into a temporary directory, so a checkout needs no build step), the Node clients of
 * bench/hub/ws-load.js (the `ws` library, and a hand-made "raw" one), and a check, before anything is
 * measured, that the native programs speak WebSocket as an independent implementation (the `ws` library)
 * expects and echo every byte.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const HERE = import.meta.dirname;
export type WsClient = 'native' | 'ws' | 'raw';

export interface WsRun {
  rate: number;
  /** Round-trip latency percentiles (native client only). */
  p50Us?: number;
  p99Us?: number;
  /** The client process's own CPU seconds over its whole run. */
  clientCpuS: number;
}

export interface NativeTools {
  echo: string;
  wsload: string;
  /** The temporary directory holding both; the caller removes it. */
  dir: string;
}

/** Compiles echo.c and wsload.c (about a second); throws with gcc's message when it cannot. */
export function buildNative(): NativeTools {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-bench-ws-'));
  const tools = { echo: join(dir, 'echo'), wsload: join(dir, 'wsload'), dir };
  for (const name of ['echo', 'wsload'] as const) {
    const out = tools[name];
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', out, join(HERE, 'native', `${name}.c`)], {
      stdio: 'inherit',
    });
  }
  return tools;
}

/** Starts the native echo backend; resolves with the process and its port. */
export function startEcho(tools: NativeTools): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(tools.echo, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (c: Buffer) => resolve({ child, port: Number(c.toString().trim()) }));
    child.once('exit', (code) => reject(new Error(`echo backend exited with ${code}`)));
  });
}

/**
 * `clients` connections each sending a message and awaiting its echo for `seconds`. Rejects (with the
 * client's own message) when an echo differs from what was sent or a connection fails.
 */
export async function wsRun(
  tools: NativeTools,
  kind: WsClient,
  url: string,
  clients: number,
  seconds: number,
  authorization = '',
  payloadBytes = 16,
): Promise<WsRun> {
  if (kind === 'native') {
    const u = new URL(url);
    const args = [u.hostname, u.port, u.pathname, String(clients), String(seconds)];
    args.push(String(payloadBytes), authorization);
    const { stdout } = await promisify(execFile)(tools.wsload, args, { encoding: 'utf8' });
    const r = JSON.parse(stdout) as { rate: number; p50_us: number; p99_us: number; cpu_s: number };
    return { rate: r.rate, p50Us: r.p50_us, p99Us: r.p99_us, clientCpuS: r.cpu_s };
  }
  const args = [join(HERE, 'ws-load.js'), url, String(clients), String(seconds), kind];
  if (authorization) args.push(authorization);
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
  const r = JSON.parse(stdout) as { rate: number; cpu_s: number };
  return { rate: r.rate, clientCpuS: r.cpu_s };
}

/**
 * Before measuring: the native client against the `ws` library's server (bench/hub/backend.js) with
 * payloads that take each of WebSocket's three length encodings, the `ws` library's client against the
 * native echo backend, and large frames (split across reads) through each proxy path given. Throws on
 * the first wrong byte.
 */
export async function verifyWs(
  tools: NativeTools,
  nodeBackendPort: number,
  echoPort: number,
  proxied: { url: string; authorization?: string }[],
): Promise<void> {
  for (const bytes of [1, 125, 126, 65535, 65536, 200_000]) {
    await wsRun(tools, 'native', `ws://127.0.0.1:${nodeBackendPort}/v`, 2, 0.3, '', bytes);
  }
  for (const kind of ['ws', 'raw'] as const) await wsRun(tools, kind, `ws://127.0.0.1:${echoPort}/v`, 2, 0.3);
  for (const p of proxied) {
    for (const bytes of [16, 200_000]) await wsRun(tools, 'native', p.url, 2, 0.3, p.authorization, bytes);
  }
}
