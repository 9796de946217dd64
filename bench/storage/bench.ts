/**
 * Storage benchmark: TerraHub's S3 endpoint side by side with nginx (sendfile, one worker) serving the same
 * file from disk, on this machine, in one run. Prints a table and the ratios the issue asks for.
 *
 *   npx tsx bench/storage/bench.ts [--quick] [--only=put,range,seq,small,list]
 *
 * Needs nginx and wrk (`apt-get install -y nginx-light wrk`) and the aws CLI (the test venv's, made by
 * scripts/setup-test-env.sh). --quick uses smaller sizes and shorter runs (a smoke run, not a measurement).
 *
 * Besides throughput it prints the servers' own CPU time per request (from /proc): on a machine shared
 * with other work, throughput follows the load, while CPU time per request moves much less.
 *
 * TerraHub gets this process's environment: `TERRAHUB_S3_SENDFILE=js npx tsx bench/storage/bench.ts
 * --only=range` measures range reads without the zero-copy addon (docs/storage.md), for an A/B.
 */
import { S3Client, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadavg } from 'node:os';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const ROOT = join(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
const RANGE_FILE = (quick ? 64 : 512) * MiB;
const BIG_FILE = (quick ? 128 : 1024) * MiB;
const SMALL_PUTS = quick ? 1000 : 10_000;
const LIST_KEYS = quick ? 10_000 : 100_000;
const DURATION = quick ? '3s' : '10s';
const TOKEN = 'th_bench_admin_token_0123456789abcdefghij';
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = new Set(onlyArg ? onlyArg.slice(7).split(',') : ['put', 'range', 'seq', 'small', 'list']);

/** CPU seconds (user + system) used so far by a process and its children's threads (nginx's worker). */
function cpuSeconds(pid: number): number {
  const one = (p: number) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return (Number(v[11]) + Number(v[12])) / 100;
    } catch {
      return 0;
    }
  };
  let total = one(pid);
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (c) total += one(Number(c));
    }
  } catch {
    // no children
  }
  return total;
}

/** CPU seconds (user + system) of this process's finished children (the aws CLI runs). */
function childCpuSeconds(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(v[13]) + Number(v[14])) / 100;
}

const load = () => loadavg()[0]!.toFixed(1);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(4 * MiB);
  for (let n = 0; n < size; n += block.length) writeSync(fd, block, 0, Math.min(block.length, size - n));
  closeSync(fd);
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

interface WrkResult {
  rps: number;
  mbps: number;
  p99ms: number;
  /** Server CPU time per request, microseconds. */
  cpuUs: number;
}

function wrk(url: string, conns: number, rangeLen: number, size: number, pid: number): WrkResult {
  const cpu0 = cpuSeconds(pid);
  const out = execFileSync(
    'wrk',
    [
      '-t',
      conns > 1 ? '2' : '1',
      '-c',
      String(conns),
      '-d',
      DURATION,
      '--latency',
      '-s',
      join(import.meta.dirname, 'range.lua'),
      url,
    ],
    { env: { ...process.env, FILE_SIZE: String(size), RANGE_LEN: String(rangeLen) }, encoding: 'utf8' },
  );
  if (/Non-2xx/.test(out)) throw new Error(`wrk got error answers from ${url}:\n${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const cpuUs = ((cpuSeconds(pid) - cpu0) * 1e6) / requests;
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'] : NaN;
  return { rps, mbps: (rps * rangeLen) / 1e6, p99ms, cpuUs };
}

function timeIt(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'terrahub-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const www = join(work, 'www', 'public');
    mkdirSync(www, { recursive: true });
    chmodSync(work, 0o755); // nginx's worker runs as an unprivileged user
    writeRandomFile(join(www, 'range.bin'), RANGE_FILE);
    if (only.has('put') || only.has('seq')) writeRandomFile(join(www, 'big.bin'), BIG_FILE);

    const [port, s3Port, nginxPort] = [await freePort(), await freePort(), await freePort()];
    const data = join(work, 'data');
    procs.push(
      spawn(process.execPath, [join(ROOT, 'bin', 'terrahub.js'), 'up'], {
        env: {
          ...process.env,
          TERRAHUB_DATA_DIR: data,
          TERRAHUB_PORT: String(port),
          TERRAHUB_S3_PORT: String(s3Port),
          TERRAHUB_ADMIN_TOKEN: TOKEN,
          TERRAHUB_LOG_LEVEL: 'warn',
          // Measure storage alone: no background environment build or demo data generation.
          TERRAHUB_ENVS_BUILD_ON_START: 'false',
          TERRAHUB_ENVS_DEMO_DATA: 'false',
        },
        stdio: 'inherit',
      }),
    );
    // tcp_nopush stays off: with it, a 64 KiB response waits 40 ms for a delayed ACK on each request of a
    // keep-alive connection (24 req/s instead of 6,400 at concurrency 1, measured), an anchor too weak.
    const conf = join(work, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off; worker_processes 1; error_log ${work}/nginx-error.log; pid ${work}/nginx.pid;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush off; keepalive_requests 1000000;
  client_body_temp_path ${work}/nginx-tmp; proxy_temp_path ${work}/nginx-tmp; fastcgi_temp_path ${work}/nginx-tmp;
  uwsgi_temp_path ${work}/nginx-tmp; scgi_temp_path ${work}/nginx-tmp;
  server { listen 127.0.0.1:${nginxPort}; root ${join(work, 'www')}; } }\n`,
    );
    procs.push(spawn('nginx', ['-c', conf, '-p', work], { stdio: 'inherit' }));
    const s3Url = `http://127.0.0.1:${s3Port}`;
    const nginxUrl = `http://127.0.0.1:${nginxPort}`;
    await waitFor(`http://127.0.0.1:${port}/hub/health`);
    await waitFor(`${nginxUrl}/public/range.bin`);

    const creds = (await (
      await fetch(`http://127.0.0.1:${port}/hub/api/users/admin/credentials`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { access_key_id: string; secret_access_key: string };
    const awsEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: creds.access_key_id,
      AWS_SECRET_ACCESS_KEY: creds.secret_access_key,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
    };
    const aws = join(ROOT, '.venv', 'bin', 'aws');
    const cp = (src: string, dst: string) =>
      execFileSync(aws, ['--endpoint-url', s3Url, 's3', 'cp', '--only-show-errors', src, dst], {
        env: awsEnv,
      });

    const rows: string[] = [];
    const ratios: string[] = [];
    const thPid = procs[0]!.pid!;
    const nginxPid = procs[1]!.pid!;
    if (only.has('put')) {
      // Writes: the disk's own sequential rate, then a 1 GiB multipart PUT with the aws CLI (its defaults:
      // 8 MiB parts, 10 at once, signed payloads over plain HTTP, a CRC32 per part), to a sink that stores
      // nothing (the client's own ceiling on these cores) and to TerraHub; then to TerraHub with the CRC32 off
      // (`request_checksum_calculation = when_required`, a setting users of third-party S3 endpoints use).
      const ddSecs = timeIt(() =>
        execFileSync(
          'dd',
          [
            'if=/dev/zero',
            `of=${join(work, 'dd.bin')}`,
            'bs=4M',
            `count=${BIG_FILE / (4 * MiB)}`,
            'conv=fsync',
          ],
          { stdio: 'ignore' },
        ),
      );
      rmSync(join(work, 'dd.bin'));
      const diskMBs = BIG_FILE / 1e6 / ddSecs;
      const sink = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'put-sink.ts')], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      procs.push(sink);
      const sinkPort = await new Promise<string>((resolve) =>
        sink.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
      );
      const tuned = join(work, 'aws-when-required.cfg');
      writeFileSync(tuned, '[default]\nrequest_checksum_calculation = when_required\n');
      const GiB = BIG_FILE / 1024 ** 3;
      const putRun = (endpoint: string, cfg: string, pid: number | null) => {
        const cpu0 = pid ? cpuSeconds(pid) : 0;
        const cli0 = childCpuSeconds();
        const secs = timeIt(() =>
          execFileSync(
            aws,
            [
              '--endpoint-url',
              endpoint,
              's3',
              'cp',
              '--only-show-errors',
              join(www, 'big.bin'),
              's3://public/big.bin',
            ],
            { env: { ...awsEnv, AWS_CONFIG_FILE: cfg } },
          ),
        );
        return {
          mbs: BIG_FILE / 1e6 / secs,
          server: pid ? (cpuSeconds(pid) - cpu0) / GiB : 0,
          client: (childCpuSeconds() - cli0) / GiB,
        };
      };
      const alone = putRun(`http://127.0.0.1:${sinkPort}`, '/dev/null', null);
      const put = putRun(s3Url, '/dev/null', thPid);
      const putTuned = putRun(s3Url, tuned, thPid);
      const fmt = (r: typeof put) =>
        `${r.mbs.toFixed(0)} MB/s, CPU per GiB: server ${r.server.toFixed(1)} s, aws CLI ${r.client.toFixed(1)} s`;
      rows.push(
        `| ${BIG_FILE / MiB} MiB multipart PUT (aws CLI defaults) | ${fmt(put)} | disk dd+fsync ${diskMBs.toFixed(0)} MB/s; aws CLI to a sink ${alone.mbs.toFixed(0)} MB/s, CLI CPU ${alone.client.toFixed(1)} s/GiB | ${load()} |`,
        `| ${BIG_FILE / MiB} MiB multipart PUT (aws CLI, no CRC32) | ${fmt(putTuned)} | | ${load()} |`,
      );
      // Two cores shared by the client and the server: no rate above 2 cores / (their CPU per GiB together).
      const bound = (r: typeof put) => (2 * 1024 ** 3) / 1e6 / (r.client + r.server);
      ratios.push(
        `PUT / disk sequential write: ${((100 * put.mbs) / diskMBs).toFixed(0)}% (goal 70%); no CRC32: ${((100 * putTuned.mbs) / diskMBs).toFixed(0)}%`,
        `aws CLI alone (to a sink) / disk: ${((100 * alone.mbs) / diskMBs).toFixed(0)}%; PUT / aws CLI alone: ${((100 * put.mbs) / alone.mbs).toFixed(0)}%`,
        `2-core bound from CPU per GiB (client + server): ${bound(put).toFixed(0)} MB/s = ${((100 * bound(put)) / diskMBs).toFixed(0)}% of the disk`,
      );
    } else if (only.has('seq')) {
      cp(join(www, 'big.bin'), 's3://public/big.bin');
    }

    if (only.has('range')) {
      cp(join(www, 'range.bin'), 's3://public/range.bin');
      // Range reads: wrk with random Range headers against the same file.
      for (const [len, goal] of [
        [64 * 1024, 50],
        [MiB, 80],
      ] as const) {
        for (const c of [1, 32]) {
          const t = wrk(`${s3Url}/public/range.bin`, c, len, RANGE_FILE, thPid);
          const n = wrk(`${nginxUrl}/public/range.bin`, c, len, RANGE_FILE, nginxPid);
          const label = `${len / 1024} KiB range GET, concurrency ${c}`;
          const fmt = (r: WrkResult) =>
            `${r.rps.toFixed(0)} req/s, ${r.mbps.toFixed(0)} MB/s, p99 ${r.p99ms.toFixed(1)} ms, CPU ${r.cpuUs.toFixed(0)} us/req`;
          rows.push(`| ${label} | ${fmt(t)} | ${fmt(n)} | ${load()} |`);
          ratios.push(
            `${label}: ${((100 * t.rps) / n.rps).toFixed(0)}% of nginx's throughput (goal ${goal}%); CPU per request ${(t.cpuUs / n.cpuUs).toFixed(1)}x nginx's`,
          );
        }
      }
    }

    if (only.has('seq')) {
      // One sequential GET of the big file.
      const seq = (url: string) =>
        BIG_FILE / 1e6 / timeIt(() => execFileSync('curl', ['-s', '-o', '/dev/null', '--fail', url]));
      const tSeq = seq(`${s3Url}/public/big.bin`);
      const nSeq = seq(`${nginxUrl}/public/big.bin`);
      rows.push(
        `| ${BIG_FILE / MiB} MiB sequential GET (curl) | ${tSeq.toFixed(0)} MB/s | ${nSeq.toFixed(0)} MB/s | ${load()} |`,
      );
      ratios.push(`sequential GET: ${((100 * tSeq) / nSeq).toFixed(0)}% of nginx`);
    }

    // Many small PUTs, then listing a large bucket (SDK, 64 in flight).
    const client = new S3Client({
      endpoint: s3Url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: creds.access_key_id, secretAccessKey: creds.secret_access_key },
    });
    const putMany = async (n: number, prefix: string, bucket = 'admin') => {
      let next = 0;
      const t = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < n) {
            const i = next++;
            await client.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: `${prefix}/${String(i).padStart(6, '0')}`,
                Body: 'x'.repeat(100),
              }),
            );
          }
        }),
      );
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    if (only.has('small')) {
      const cpu0 = cpuSeconds(thPid);
      const smallSecs = await putMany(SMALL_PUTS, 'small');
      const cpuUs = ((cpuSeconds(thPid) - cpu0) * 1e6) / SMALL_PUTS;
      rows.push(
        `| ${SMALL_PUTS} PUTs of 100 B (64 in flight) | ${(SMALL_PUTS / smallSecs).toFixed(0)} PUT/s, server CPU ${cpuUs.toFixed(0)} us/PUT | - | ${load()} |`,
      );
    }
    if (only.has('list')) {
      // In the anonymous-readable bucket, so that a plain HTTP client can list it too (below).
      await putMany(LIST_KEYS, 'zlist', 'public');
      const cpu0 = cpuSeconds(thPid);
      const t0 = process.hrtime.bigint();
      let keys = 0;
      let pages = 0;
      let token: string | undefined;
      do {
        const r = await client.send(
          new ListObjectsV2Command({ Bucket: 'public', Prefix: 'zlist/', ContinuationToken: token }),
        );
        keys += r.KeyCount ?? 0;
        pages++;
        token = r.NextContinuationToken;
      } while (token);
      const listSecs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuMs = ((cpuSeconds(thPid) - cpu0) * 1e3) / pages;
      rows.push(
        `| ListObjectsV2 of ${keys} keys (pages of 1000, SDK) | ${listSecs.toFixed(2)} s, server CPU ${cpuMs.toFixed(1)} ms/page | - | ${load()} |`,
      );
      // The same pages with plain HTTP (fetch, the continuation token cut out of the XML): the server's and
      // the connection's share, without the SDK's XML parsing into objects.
      const t1 = process.hrtime.bigint();
      let rawKeys = 0;
      token = undefined;
      do {
        const q = `list-type=2&prefix=zlist%2F${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
        const res: Response = await fetch(`${s3Url}/public?${q}`);
        const xml: string = await res.text();
        rawKeys += Number(/<KeyCount>(\d+)<\/KeyCount>/.exec(xml)?.[1] ?? 0);
        token = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1];
      } while (token);
      const rawSecs = Number(process.hrtime.bigint() - t1) / 1e9;
      rows.push(
        `| ListObjectsV2 of ${rawKeys} keys (pages of 1000, plain HTTP) | ${rawSecs.toFixed(2)} s | - | ${load()} |`,
      );
      ratios.push(
        `listing ${keys} keys: ${listSecs.toFixed(2)} s with the SDK, ${rawSecs.toFixed(2)} s over plain HTTP (goal under 2 s for 100,000)`,
      );
    }
    client.destroy();

    process.stdout.write(
      `\n| measurement | TerraHub | nginx / reference | load average |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n\n${ratios.join('\n')}\n`,
    );
  } finally {
    // Wait for both servers to exit before removing their directories (TerraHub writes while it closes).
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const t = setTimeout(() => {
              p.kill('SIGKILL');
              resolve();
            }, 20_000);
            p.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
