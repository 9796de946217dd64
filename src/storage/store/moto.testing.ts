/** Test helper: moto's S3 server (from the test venv) on a free port, with one backend bucket made. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MOTO = join(import.meta.dirname, '..', '..', '..', '.venv', 'bin', 'moto_server');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Moto {
  endpoint: string;
  bucket: string;
  config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  stop(): void;
}

export async function startMoto(bucket = 'terrahub-backend'): Promise<Moto> {
  if (!existsSync(MOTO)) throw new Error(`${MOTO} is missing: run scripts/setup-test-env.sh`);
  const port = await freePort();
  const proc = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const admin = new S3Client({ ...config, forcePathStyle: true, maxAttempts: 1 });
  try {
    // Generous: moto's start-up takes seconds on a loaded machine.
    for (let i = 0; ; i++) {
      try {
        await admin.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (e) {
        if (i > 600) throw e;
        await sleep(200);
      }
    }
  } catch (e) {
    proc.kill('SIGTERM');
    throw e;
  } finally {
    admin.destroy();
  }
  return { endpoint, bucket, config, stop: () => proc.kill('SIGTERM') };
}
