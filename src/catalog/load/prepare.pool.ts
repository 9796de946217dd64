/**
 * Worker threads that prepare `stac load`'s batches (parse, validate, compute rows) while the main thread
 * writes: each worker compiles the schemas once and answers its batches in the order it got them. With no
 * workers (`size` 0) batches are prepared on the main thread, one at a time.
 */
import { Worker } from 'node:worker_threads';
import { TerraHubError } from '../../core/errors.ts';
import { prepareUnit, type Prepared, type PrepareUnit } from './prepare.ts';
import { bundledWorkerCode } from './worker-code.ts';

interface Pending {
  resolve(p: Prepared): void;
  reject(e: Error): void;
}

/**
 * Without a bundle (worker-code.ts), the worker runs the TypeScript sources through tsx's scoped loader (the
 * CLI registers tsx for its own thread only, and a worker does not inherit that).
 */
const BOOT_TSX = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => m.tsImport(workerData.entry, workerData.entry)).catch((e) => {
  console.error('stac load worker: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
`;

class PrepareWorker {
  readonly queue: Pending[] = [];
  private readonly worker: Worker;
  private failed: Error | null = null;

  constructor() {
    const bundle = bundledWorkerCode();
    this.worker = bundle
      ? new Worker(bundle, { eval: true })
      : new Worker(BOOT_TSX, {
          eval: true,
          workerData: {
            tsx: import.meta.resolve('tsx/esm/api'),
            entry: new URL('./prepare.worker.ts', import.meta.url).href,
          },
        });
    this.worker.on('message', (p: Prepared) => this.queue.shift()?.resolve(p));
    const fail = (e: Error) => {
      this.failed = new TerraHubError('TH_INTERNAL', `stac load: a worker thread failed: ${e.message}`);
      for (const q of this.queue.splice(0)) q.reject(this.failed);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.queue.length) fail(new Error(`exited with code ${code}`));
    });
  }

  submit(u: PrepareUnit): Promise<Prepared> {
    if (this.failed) return Promise.reject(this.failed);
    // Only a buffer of its own may be transferred (a Buffer may share its memory with others).
    const own = u.bytes.byteOffset === 0 && u.bytes.byteLength === u.bytes.buffer.byteLength;
    if (!own) u = { ...u, bytes: new Uint8Array(u.bytes) };
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      // The text moves to the worker (transferred, not copied); the caller must not reuse it.
      this.worker.postMessage(u, [u.bytes.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export class PreparePool {
  private readonly workers: PrepareWorker[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => new PrepareWorker());
  }

  /** Prepares a unit on the least busy worker (or here, without workers). */
  submit(u: PrepareUnit): Promise<Prepared> {
    if (!this.workers.length) return Promise.resolve().then(() => prepareUnit(u));
    const w = this.workers.reduce((a, b) => (b.queue.length < a.queue.length ? b : a));
    return w.submit(u);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
