/**
 * Hashes a body as it streams in (and, given a file descriptor, writes it there), off the event loop for
 * bodies larger than one batch. A PUT's bytes are hashed two or three times (MD5 for the ETag, SHA-256 of a
 * signed payload, the client's CRC32): about 3 CPU-seconds per GiB, which on the event loop capped a single
 * TerraHub process near 130 MB/s and kept the second core idle. Here every 1 MiB batch is copied into a
 * buffer lent to one of two worker threads, which hashes it (and writes it at its offset) while the event
 * loop receives the next. Bodies of one batch or less (most small PUTs) are hashed and written on the event
 * loop as before: a round trip to a worker would cost them more than it saves.
 *
 * Only the algorithms with native implementations go to workers (MD5, SHA-1, SHA-256 from OpenSSL, CRC32 from
 * zlib); the JavaScript CRCs (CRC32C, CRC64NVME) stay with the caller.
 */
import { createHash, type Hash } from 'node:crypto';
import { writev } from 'node:fs';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { DIGEST_WORKER_SOURCE } from './stream-digest.worker.ts';

export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'crc32';
/** Each digest as its big-endian bytes (CRC32: 4 bytes). */
export type Digests = Partial<Record<DigestAlgorithm, Buffer>>;

const writevP = promisify(writev);

/** Bytes per batch: the unit of work handed to a thread, and the largest body kept on the event loop. */
export const DIGEST_BATCH = 1024 * 1024;
/** Batches of one body lent to a thread at a time; the body waits (backpressure) beyond this. */
const IN_FLIGHT = 3;
// With the aws CLI's 10 parts in flight (two bodies each: the S3 layer's hashes and the driver's MD5 and
// write), 64 shared buffers were enough for all but one batch in a GiB; 32 with 4 in flight left a quarter
// of the batches to buffers of their own.
/**
 * Shared batch buffers in all. Beyond them a body's batch is a buffer of its own, transferred: never a wait,
 * so that slow uploads holding shared buffers cannot stall the others.
 */
const BUFFERS_MAX = 64;
/** `batch` for a buffer of the body's own. */
const OWN = -2;

/**
 * Batch buffers are SharedArrayBuffers made once and known to every thread, lent by number: buffers
 * transferred back and forth were new ArrayBuffers to V8 at each hop, counted as external memory, and the
 * garbage collections that this "external memory pressure" started cost more than the hashing saved.
 */
const buffers: Buffer[] = [];
const idle: number[] = [];

function takeBuffer(): number {
  if (idle.length === 0 && buffers.length < BUFFERS_MAX) {
    const sab = new SharedArrayBuffer(DIGEST_BATCH);
    idle.push(buffers.length);
    buffers.push(Buffer.from(sab));
    for (const t of threads ?? []) t.worker.postMessage({ op: 'buffer', sab });
  }
  return idle.pop() ?? -1;
}

function giveBuffer(n: number): void {
  if (n >= 0) idle.push(n);
}

interface Job {
  freed(buffer: number): void;
  done(d: Digests, error: string | null): void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

let nextId = 1;
let threads: Thread[] | null = null;

function startThread(): Thread {
  const worker = new Worker(DIGEST_WORKER_SOURCE, { eval: true });
  const t: Thread = { worker, jobs: new Map() };
  // Buffers made so far, in order; later ones are announced as they are made (takeBuffer).
  for (const b of buffers) worker.postMessage({ op: 'buffer', sab: b.buffer });
  worker.on('message', (m: { op: string; id: number; n: number; digests?: Digests; error?: string }) => {
    const job = t.jobs.get(m.id);
    if (m.op === 'free') {
      job?.freed(m.n);
    } else if (m.op === 'done') {
      t.jobs.delete(m.id);
      if (t.jobs.size === 0) worker.unref();
      const d: Digests = {};
      for (const [k, v] of Object.entries(m.digests ?? {})) d[k as DigestAlgorithm] = Buffer.from(v);
      job?.done(d, m.error ?? null);
    }
  });
  // A thread that died takes its bodies with it: they fail, and the next body starts a new thread.
  worker.on('error', (e) => fail(t, e.message));
  worker.on('exit', () => fail(t, 'the hashing thread exited'));
  // Idle threads keep no process up; a thread with bodies in progress does (see goRemote). After the
  // listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  return t;
}

function fail(t: Thread, error: string): void {
  if (threads) threads = threads.length > 1 ? threads.filter((x) => x !== t) : null;
  for (const job of t.jobs.values()) job.done({}, error);
  t.jobs.clear();
}

/** The thread with the fewest bodies in progress (started on first use, two at most on two cores). */
function pickThread(): Thread {
  threads ??= Array.from({ length: Math.max(1, Math.min(2, availableParallelism())) }, startThread);
  return threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
}

function inlineHash(alg: DigestAlgorithm): { update(b: Buffer): void; digest(): Buffer } {
  if (alg !== 'crc32') {
    const h: Hash = createHash(alg);
    return { update: (b) => h.update(b), digest: () => h.digest() };
  }
  let v = 0;
  return {
    update: (b) => (v = crc32(b, v)),
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(v >>> 0);
      return out;
    },
  };
}

/**
 * One body's digests. `write` every chunk in order (await it when it returns a promise), then `end`.
 * With a descriptor, the bytes are written at offsets from 0; `end` resolves once all are written.
 * `abort` must be awaited before closing that descriptor when a body is abandoned.
 */
export class StreamDigest {
  private readonly algs: DigestAlgorithm[];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set once the body outgrew one batch. */
  private remote: { thread: Thread; id: number; result: Promise<Digests> } | null = null;
  /** The buffer being filled: its number, OWN, or -1 for none. */
  private batch = -1;
  private own: Buffer | null = null;
  private readonly lent = new Set<number>();
  private filled = 0;
  private inFlight = 0;
  private waiter: (() => void) | null = null;
  private ended: Promise<Digests> | null = null;

  constructor(
    algorithms: Iterable<DigestAlgorithm>,
    private readonly fd: number | null = null,
  ) {
    this.algs = [...new Set(algorithms)];
  }

  /** Takes `chunk` (not kept after the returned promise, if any, resolves). */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.remote) return this.copy([chunk]);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < DIGEST_BATCH) return undefined;
    this.goRemote();
    const held = this.pending;
    this.pending = [];
    return this.copy(held);
  }

  /** All bytes were given: their digests, once hashed (and written). */
  end(): Promise<Digests> {
    this.ended ??= this.remote ? this.finishRemote() : this.finishInline();
    return this.ended;
  }

  /** Abandons the body; resolves when no thread still uses the descriptor. Safe after `end`. */
  async abort(): Promise<void> {
    await this.end().catch(() => undefined);
  }

  private goRemote(): void {
    const thread = pickThread();
    const id = nextId++;
    const result = new Promise<Digests>((resolve, reject) => {
      thread.jobs.set(id, {
        freed: (n) => {
          this.lent.delete(n);
          giveBuffer(n);
          this.inFlight--;
          this.wake();
        },
        done: (d, error) => {
          // Buffers lent to a thread that died come back; a writer waiting for room wakes: the job is over.
          for (const n of this.lent) giveBuffer(n);
          this.lent.clear();
          this.wake();
          // The thread sends a failed write's errno code (ENOSPC...), kept as Node's errors carry it.
          if (error) reject(Object.assign(new Error(`writing the body failed: ${error}`), { code: error }));
          else resolve(d);
        },
      });
    });
    result.catch(() => undefined); // observed by end()
    if (thread.jobs.size === 1) thread.worker.ref();
    thread.worker.postMessage({ op: 'open', id, algs: this.algs, fd: this.fd });
    this.remote = { thread, id, result };
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Copies into batches, lending each full one to the thread. */
  private copy(chunks: Buffer[]): Promise<void> | undefined {
    for (const c of chunks) {
      let at = 0;
      while (at < c.length) {
        if (this.batch === -1) {
          this.batch = takeBuffer();
          if (this.batch === -1) {
            this.batch = OWN;
            this.own = Buffer.from(new ArrayBuffer(DIGEST_BATCH));
          }
          this.filled = 0;
        }
        const n = c.copy(this.batch === OWN ? this.own! : buffers[this.batch]!, this.filled, at);
        this.filled += n;
        at += n;
        if (this.filled === DIGEST_BATCH) this.send();
      }
    }
    return this.inFlight >= IN_FLIGHT ? new Promise<void>((r) => (this.waiter = r)) : undefined;
  }

  private send(): void {
    const r = this.remote!;
    if (this.batch === OWN) {
      const buf = this.own!.buffer as ArrayBuffer;
      r.thread.worker.postMessage({ op: 'data', id: r.id, n: OWN, buf, len: this.filled }, [buf]);
      this.own = null;
    } else {
      r.thread.worker.postMessage({ op: 'data', id: r.id, n: this.batch, len: this.filled });
      this.lent.add(this.batch);
    }
    this.batch = -1;
    this.inFlight++;
  }

  private async finishRemote(): Promise<Digests> {
    const r = this.remote!;
    if (this.batch !== -1 && this.filled > 0) this.send();
    else giveBuffer(this.batch);
    this.batch = -1;
    this.own = null;
    r.thread.worker.postMessage({ op: 'end', id: r.id });
    return r.result;
  }

  private async finishInline(): Promise<Digests> {
    const out: Digests = {};
    for (const alg of this.algs) {
      const h = inlineHash(alg);
      for (const c of this.pending) h.update(c);
      out[alg] = h.digest();
    }
    if (this.fd !== null) await writeAll(this.fd, this.pending);
    this.pending = [];
    return out;
  }
}

async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  let pos = 0;
  while (rest.length > 0) {
    let n = (await writevP(fd, rest, pos)).bytesWritten;
    pos += n;
    // A short write (rare): continue from where it stopped.
    const left: Buffer[] = [];
    for (const c of rest) {
      if (n >= c.length) n -= c.length;
      else {
        left.push(n > 0 ? c.subarray(n) : c);
        n = 0;
      }
    }
    rest = left;
  }
}
