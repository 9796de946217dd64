/**
 * The zero-copy body sender (./sendfile.c, built by `npm install` into build/sendfile.node): sends a
 * response's head and file ranges to a plain TCP socket with send(2) and sendfile(2), first on the event
 * loop (most responses fit in the socket's buffer), the rest from the addon's thread. Loaded once per
 * process; null when it is not built or cannot load, and then the S3 endpoint sends bytes from JavaScript.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Addon {
  init(onDone: (id: number, errno: number) => void): void;
  send(sock: number, head: Buffer, pieces: number[], syncMax: number): number;
  abort(id: number): void;
}

export const SENDFILE_ADDON_PATH = join(import.meta.dirname, 'build', 'sendfile.node');

/** What the addon reports as a file that ended before its range (Linux's ENODATA). */
export const ENODATA = 61;

let addon: Addon | null | undefined;
let loadError = '';
const pending = new Map<number, (errno: number) => void>();

function load(): Addon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (!existsSync(SENDFILE_ADDON_PATH)) {
    loadError = 'not built';
    return null;
  }
  try {
    const a = createRequire(import.meta.url)(SENDFILE_ADDON_PATH) as Addon;
    a.init((id, errno) => {
      const done = pending.get(id);
      pending.delete(id);
      done?.(errno);
    });
    addon = a;
  } catch (e) {
    loadError = (e as Error).message;
  }
  return addon;
}

/** One sent body: done now, or a job of the addon's thread. */
export type SendResult =
  { state: 'done' } | { state: 'failed'; errno: number } | { state: 'queued'; abort: () => void };

export class NativeSender {
  private constructor(private readonly a: Addon) {}

  /** The sender, or why there is none. */
  static load(): NativeSender | string {
    const a = load();
    return a ? new NativeSender(a) : loadError || 'cannot load';
  }

  /**
   * Sends `head`, then each (fd, offset, length) of `pieces`, to the socket `sock`: up to `syncMax` bytes
   * of the files on this thread first; what the socket does not take now is sent by the addon's thread, which holds
   * duplicates of all the descriptors (the caller may close its own at once) and calls `onDone(errno)`.
   */
  send(
    sock: number,
    head: Buffer,
    pieces: number[],
    syncMax: number,
    onDone: (errno: number) => void,
  ): SendResult {
    const r = this.a.send(sock, head, pieces, syncMax);
    if (r === 0) return { state: 'done' };
    if (r < 0) return { state: 'failed', errno: -r };
    pending.set(r, onDone);
    return { state: 'queued', abort: () => this.a.abort(r) };
  }
}
