/**
 * For the fast GET path's tests, which compare two S3 answers (the fast path's against the normal path's,
 * native against JS): the answers, and multipart objects to read.
 */
import { Readable } from 'node:stream';
import type { ObjectStore } from '../store/object-store.ts';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request's whole answer; headers named in `ignored` (those that differ by nature, such as the date
 *  and request id) and CORS headers are left out. */
export async function answer(url: string, init: RequestInit, ignored: ReadonlySet<string>): Promise<Answer> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!ignored.has(k) && !k.startsWith('access-control-')) headers[k] = v;
  });
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Stores `parts` as one multipart object (each part but the last at least 5 MiB, as S3 requires). */
export async function putParts(
  store: ObjectStore,
  bucket: string,
  key: string,
  parts: Buffer[],
): Promise<void> {
  const id = await store.createUpload(bucket, key, { user: {} });
  const done = [];
  for (const [i, part] of parts.entries()) {
    const { etag } = await store.putPart(id, i + 1, Readable.from([part]));
    done.push({ partNumber: i + 1, etag });
  }
  await store.completeUpload(id, done);
}
