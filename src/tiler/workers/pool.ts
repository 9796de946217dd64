/**
 * A small pool of render worker threads, so that mapping, resampling and encoding of tiles use every core
 * while the event loop keeps serving requests and reading bytes. Tasks go to the worker with the fewest in
 * flight. A worker that dies is replaced and its tasks fail with a 500, never a hang.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TerraHubError, type ErrorCode } from '../../core/errors.ts';
import type { RenderTask } from './render.task.ts';

interface Pending {
  resolve: (v: Uint8Array | null) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

type Reply = {
  id: number;
  image?: Uint8Array | null;
  error?: { code?: ErrorCode; message: string; details?: Record<string, unknown> };
};

export class RenderPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  /** Workers start on the first task: a TerraHub that never draws a tile never pays for them. */
  constructor(readonly size: number) {}

  private spawn(): Slot {
    const worker = new Worker(join(import.meta.dirname, 'bootstrap.js'), {
      workerData: { module: pathToFileURL(join(import.meta.dirname, 'render.worker.ts')).href },
    });
    const slot: Slot = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (r: Reply) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (r.error) {
        p.reject(
          r.error.code
            ? new TerraHubError(r.error.code, r.error.message, r.error.details)
            : new Error(r.error.message),
        );
      } else {
        p.resolve(r.image ?? null);
      }
    });
    const fail = (e: unknown) => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`render worker exited with code ${code}`));
    });
    return slot;
  }

  /** Runs `task` on a worker; the buffers in `transfer` move to it (the caller must not touch them again). */
  run(task: RenderTask, transfer: ArrayBuffer[] = []): Promise<Uint8Array | null> {
    if (this.closed)
      return Promise.reject(new TerraHubError('TH_UNAVAILABLE', 'the data API is shutting down'));
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, task }, transfer);
    }).finally(() => {
      if (slot.pending.size === 0) slot.worker.unref();
    }) as Promise<Uint8Array | null>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
