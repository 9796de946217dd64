/**
 * A small pool of compression workers (worker_threads), so tile compression uses every core while the main
 * thread reads the source and builds overviews. Jobs are answered in any order; callers keep their own.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TerraHubError } from '../../core/errors.ts';
import type { TileSpec } from './encode-tile.ts';

/**
 * Workers do not inherit the main thread's TypeScript loader: the worker registers tsx, then loads the
 * TypeScript body. Both are resolved here to absolute URLs so the worker does not depend on its cwd.
 */
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((m) => { m.register(); return import(${JSON.stringify(new URL('./compress-worker.ts', import.meta.url).href)}); })
  .catch((e) => { throw e; });`;

interface Pending {
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[] = [];
  private nextId = 1;
  private failed: Error | null = null;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(BOOT, { eval: true });
      w.on('message', (m: { id: number; data?: Uint8Array; error?: string }) => {
        this.load[i] = (this.load[i] ?? 1) - 1;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) return;
        if (m.data) p.resolve(m.data);
        else
          p.reject(
            new TerraHubError('TH_INTERNAL', `tile compression failed: ${m.error ?? 'unknown error'}`),
          );
      });
      w.on('error', (e) => this.fail(e));
      this.workers.push(w);
      this.load.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private fail(e: Error): void {
    this.failed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Encodes a tile in the least busy worker; `data` is transferred (unusable afterwards). */
  run(data: Uint8Array, spec: TileSpec): Promise<Uint8Array> {
    if (this.failed) return Promise.reject(this.failed);
    let best = 0;
    for (let i = 1; i < this.load.length; i++)
      if ((this.load[i] as number) < (this.load[best] as number)) best = i;
    this.load[best] = (this.load[best] as number) + 1;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      (this.workers[best] as Worker).postMessage({ id, data: own, spec }, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
