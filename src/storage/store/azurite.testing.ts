/**
 * Test helper: Azurite's blob service (the `azurite` npm package) on a port it picks, with its data in a
 * temporary directory; `stop()` kills it and removes the directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AZURITE = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'azurite-blob');

/** Azurite's fixed development account: documented, public, and accepted by nothing but Azurite. */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  stop(): void;
}

export async function startAzurite(): Promise<Azurite> {
  if (!existsSync(AZURITE)) throw new Error(`${AZURITE} is missing: run npm install`);
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-azurite-'));
  const proc = spawn(
    AZURITE,
    [
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--location',
      dir,
      '--disableTelemetry',
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // Generous: starting Node and Azurite takes seconds on a loaded machine.
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 120 s: ${out}`)), 120_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${out}`));
    });
  }).catch((e: unknown) => {
    stop();
    throw e;
  });
  // Keep reading its output so that a full pipe never blocks it.
  proc.stdout.resume();
  proc.stderr.resume();
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
  return { connectionString, stop };
}
