/**
 * Crash-safe file writing for the `fs` driver: stream a body into a temporary file while hashing and
 * counting it, flush it to disk, and only then rename it into place. A killed process leaves at most a
 * temporary file, which the driver removes at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TerraHubError } from '../../core/errors.ts';
import type { PutOptions } from './object-store.ts';

export function newVersionId(): string {
  return randomBytes(16).toString('hex');
}

export interface Written {
  size: number;
  md5: Buffer;
}

/** Streams `body` to `tmp` (created, never overwritten), fsyncs it, and runs the caller's check. */
export async function writeTemp(body: Readable, tmp: string, opts: PutOptions = {}): Promise<Written> {
  const md5 = createHash('md5');
  let size = 0;
  const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > max) {
        cb(new TerraHubError('TH_S3_QUOTA_EXCEEDED'));
        return;
      }
      md5.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx', flush: true }));
    opts.check?.();
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return { size, md5: md5.digest() };
}

/** Renames a finished temporary file into place and makes the rename itself durable. */
export async function publish(tmp: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await rename(tmp, dest);
  await fsyncDir(dirname(dest));
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
