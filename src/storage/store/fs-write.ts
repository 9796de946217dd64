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
    // A large buffer lets the stream gather socket-sized chunks into few large writes (writev).
    await pipeline(
      body,
      meter,
      createWriteStream(tmp, { flags: 'wx', flush: true, highWaterMark: 4 * 1024 * 1024 }),
    );
    opts.check?.();
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    // A body that failed before the pipeline was attached (a bad chunk signature found while the caller was
    // still checking access) surfaces here as a premature close: report the body's own error instead.
    throw body.errored ?? e;
  }
  return { size, md5: md5.digest() };
}

/** Renames a finished temporary file into place and makes the rename itself durable. */
export async function publish(tmp: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await rename(tmp, dest);
  await fsyncDir(dirname(dest));
}

/** Makes renames into these directories durable. */
export async function fsyncDirs(dirs: string[]): Promise<void> {
  for (const d of dirs) await fsyncDir(d);
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

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** S3's multipart ETag body: the MD5 of the parts' binary MD5s. */
export function partsEtag(etags: string[]): string {
  const h = createHash('md5');
  for (const e of etags) h.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return h.digest('hex');
}
