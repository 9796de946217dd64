/**
 * Streams a body into staged (uncommitted) blocks of a block blob, hashing it on the way: memory stays at a
 * few blocks however large the body is. Nothing is visible until the caller commits the block list.
 */
import type { BlockBlobClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { blockId } from './azure-store.names.ts';
import { meter } from './s3-store.meta.ts';

/** 8 MiB blocks: 50,000 committed blocks (Azure's limit per blob) hold 390 GiB. */
export const BLOCK_SIZE = 8 * 1024 * 1024;
/** Blocks in flight at once per body. */
const IN_FLIGHT = 4;

export interface Staged {
  ids: string[];
  size: number;
  md5: Buffer;
}

export async function stageBody(
  blob: BlockBlobClient,
  body: Readable,
  tag: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Staged> {
  const hash = createHash('md5');
  const ids: string[] = [];
  const inFlight = new Set<Promise<unknown>>();
  // An object, so that the checks below see what the block callbacks set.
  const failed: { error: Error | null } = { error: null };
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const flush = async () => {
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const id = blockId(tag, ids.length);
    ids.push(id);
    const p: Promise<void> = blob.stageBlock(id, data, data.length).then(
      () => {
        inFlight.delete(p);
      },
      (e: unknown) => {
        failed.error ??= e instanceof Error ? e : new Error(String(e));
        inFlight.delete(p);
      },
    );
    inFlight.add(p);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };

  const m = meter(maxBytes);
  body.on('error', (e) => m.destroy(e));
  let size = 0;
  try {
    for await (const chunk of body.pipe(m)) {
      const c = chunk as Buffer;
      hash.update(c);
      size += c.length;
      let off = 0;
      while (off < c.length) {
        const take = Math.min(BLOCK_SIZE - pendingBytes, c.length - off);
        pending.push(c.subarray(off, off + take));
        pendingBytes += take;
        off += take;
        if (pendingBytes === BLOCK_SIZE) await flush();
        if (failed.error) throw failed.error;
      }
    }
    if (pendingBytes > 0) await flush();
  } finally {
    // Never leave a block upload running past the caller's cleanup.
    await Promise.all(inFlight);
  }
  if (failed.error) throw failed.error;
  return { ids, size, md5: hash.digest() };
}
