/**
 * Crash-safe file writing for the `fs` driver: stream a body into a new file while hashing and counting
 * it, and flush the file and its directory entry to disk. The file's name is random and nothing refers to
 * it until the caller's index commit afterwards, so it is written where it stays: no rename, which would
 * cost a second journal commit per write. A killed process leaves at most an unnamed file, which the
 * driver's orphan sweep removes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { TerraHubError } from '../../core/errors.ts';
import { StreamDigest } from '../stream-digest.ts';
import type { PutOptions } from './object-store.ts';

export function newVersionId(): string {
  return randomBytes(16).toString('hex');
}

export interface Written {
  size: number;
  md5: Buffer;
}

const fsyncP = promisify(fsync);

/**
 * Streams `body` into a new file at `path` (never overwriting one), runs the caller's check, and makes
 * the file and its name durable. `path`'s directory must exist.
 *
 * The file is opened and closed synchronously (creating a name costs microseconds; a thread pool round
 * trip costs more on a busy machine). The bytes are hashed and written by ../stream-digest.ts: a body of
 * one batch (1 MiB) or less is one writev from the event loop, a larger one is written batch by batch by a
 * hashing thread; the fsyncs go through the thread pool, as they may wait on the disk. A small object is
 * one writev, one fsync of the file and one of its directory.
 */
export async function writeDurably(body: Readable, path: string, opts: PutOptions = {}): Promise<Written> {
  const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  let size = 0;
  const fd = openSync(path, 'wx');
  const sink = new StreamDigest(['md5'], fd);
  let md5: Buffer;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new TerraHubError('TH_S3_QUOTA_EXCEEDED');
      const room = sink.write(chunk);
      if (room) await room;
    }
    md5 = (await sink.end()).md5!;
    await opts.check?.();
    await fsyncP(fd);
    closeSync(fd);
  } catch (e) {
    // No thread may still write to the descriptor when it is closed (its number could be reused).
    await sink.abort();
    closeSync(fd);
    await unlink(path).catch(() => undefined);
    // A body that failed before it was read (a bad chunk signature found while the caller was still
    // checking access) surfaces here as a premature close: report the body's own error instead.
    // Leaving the loop early (quota) destroys the body with an AbortError: our own error comes first.
    throw e instanceof TerraHubError ? e : (body.errored ?? e);
  }
  await fsyncDir(dirname(path)).catch(async (e: unknown) => {
    await unlink(path).catch(() => undefined);
    throw e;
  });
  return { size, md5 };
}

/** Makes renames into these directories durable. */
export async function fsyncDirs(dirs: string[]): Promise<void> {
  for (const d of dirs) await fsyncDir(d);
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncP(fd);
  } finally {
    closeSync(fd);
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
