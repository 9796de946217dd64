/**
 * The zero-copy body sender (./sendfile.c, built by `npm install` into build/sendfile.node): sends a
 * response's head and file ranges to a plain TCP socket with send(2) and sendfile(2), first on the event
 * loop (most responses fit in the socket's buffer), the rest from the addon's thread. Loaded once per
 * process; null when it is not built or cannot load, and then the S3 endpoint sends bytes from JavaScript.
 */
import { join } from 'node:path';
import { loadNativeAddon } from '../../core/native-addon.ts';

interface Addon {
  init(onDone: (id: number, errno: number) => void): void;
  send(sock: number, head: string, pieces: number[], syncMax: number): number;
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
  const a = loadNativeAddon<Addon>(SENDFILE_ADDON_PATH, (x) =>
    x.init((id, errno) => {
      const done = pending.get(id);
      pending.delete(id);
      done?.(errno);
    }),
  );
  addon = typeof a === 'string' ? null : a;
  loadError = typeof a === 'string' ? a : '';
  return addon;
}

/** One sent body: done now, failed (an errno), or the id of a job of the addon's thread. */
export type SendResult = number;

export class NativeSender {
  private constructor(private readonly a: Addon) {}

  /** The sender, or why there is none. */
  static load(): NativeSender | string {
    const a = load();
    return a ? new NativeSender(a) : loadError || 'cannot load';
  }

  /**
   * Sends `head` (latin1, as Node's stored response head), then each (fd, offset, length) of `pieces`, to
   * the socket `sock`: up to `syncMax` bytes of the files on this thread first. Returns 0 when all was
   * sent, -errno when sending failed, or the id of a job: what the socket did not take at once is sent by
   * the addon's thread, which holds duplicates of all the descriptors (the caller may close its own at once);
   * `whenDone(id, …)` then learns how it ended.
   */
  send(sock: number, head: string, pieces: number[], syncMax: number): SendResult {
    return this.a.send(sock, head, pieces, syncMax);
  }

  /** Calls `done(errno)` (0: every byte sent) when the job `id` ends; call it right after send(). */
  whenDone(id: number, done: (errno: number) => void): void {
    pending.set(id, done);
  }

  /** Stops the job `id`; its `done` gets ECANCELED (unless it ended first). */
  abort(id: number): void {
    this.a.abort(id);
  }
}
