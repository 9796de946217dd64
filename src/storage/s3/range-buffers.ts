/**
 * Reusable buffers for ranges read whole into memory before they are sent. A fresh buffer of 64 KiB or
 * more is new memory that the kernel must fault in page by page while the read fills it; in a virtual
 * machine that cost more than the read itself (profiled). A buffer comes back once its response has been
 * handed to the kernel ('finish'); an aborted response leaves its buffer to the garbage collector, since
 * the socket may still hold it.
 */
const MIN_CLASS = 64 * 1024;
/** Free buffers kept per instance, in bytes (beyond it they go to the garbage collector). */
const KEEP_BYTES = 64 * 1024 * 1024;

export class RangeBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private kept = 0;

  /** A buffer of at least `n` bytes (its size class: a power of two), or null for small sizes. */
  take(n: number): Buffer | null {
    if (n < MIN_CLASS) return null;
    const size = 2 ** Math.ceil(Math.log2(n));
    const b = this.free.get(size)?.pop();
    if (b) {
      this.kept -= b.length;
      return b;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  give(b: Buffer): void {
    if (this.kept + b.length > KEEP_BYTES) return;
    const list = this.free.get(b.length) ?? [];
    list.push(b);
    this.free.set(b.length, list);
    this.kept += b.length;
  }
}
