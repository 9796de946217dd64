/**
 * The fast GET path's zero-copy body (../native/sendfile.ts): the response's head, as Node's HTTP server
 * made it, and the object's bytes go to the socket with send(2) and sendfile(2), without passing through a
 * JavaScript buffer. Node's response is then ended with nothing left to write, so its keep-alive and
 * pipelining bookkeeping carry on as after any response.
 *
 * It takes only responses it can send exactly: a plain TCP socket (not TLS), this response the socket's
 * current one, nothing of Node's queued on the socket, and a driver with local files. A client that leaves
 * mid-body, or a file found shorter than its index row, destroys the connection (never a short body
 * presented as complete); the addon's thread holds its own descriptors, so nothing leaks either way.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { plainSocketFd } from '../../core/native-addon.ts';
import { NativeSender } from '../native/sendfile.ts';
import type { ByteRange, OpenObject } from '../store/object-store.ts';

/**
 * Bytes of files sent on the event loop per response at most; the rest goes from the addon's thread (as
 * nginx's sendfile_max_chunk: one large response must not hold every other connection up).
 */
const SYNC_MAX = 2 * 1024 * 1024;

/** The libuv handle of a Node socket: the read switch Node's HTTP server also uses. */
interface StreamHandle {
  reading?: boolean;
  readStop?: () => number;
  readStart?: () => number;
}

/** Node's internals of a response this module relies on (present in Node 20 and 22; checked per use). */
interface RawResponse {
  _header?: unknown;
  _headerSent?: boolean;
}

/** Bodies sent natively in this process: whole on the event loop, or finished by the addon's thread. */
export const nativeBodies = { sent: 0, queued: 0 };

export interface NativeBodyOptions {
  /** 'native' uses the addon when it is built; 'js' never does. */
  mode: 'native' | 'js';
  /** Smallest body sent natively (below it, one JavaScript write costs less than the handover). */
  minBytes: number;
}

export class NativeBody {
  private readonly sender: NativeSender | null;
  /** Why bodies are sent from JavaScript (empty when the addon is in use). */
  readonly why: string;

  constructor(private readonly opts: NativeBodyOptions) {
    const s = opts.mode === 'native' ? NativeSender.load() : 'asked for';
    this.sender = typeof s === 'string' ? null : s;
    this.why = typeof s === 'string' ? s : '';
  }

  get active(): boolean {
    return this.sender !== null;
  }

  /** The socket's descriptor when a body of `length` bytes may be sent natively on `res` now, else null. */
  usable(res: ServerResponse, obj: OpenObject, length: number): number | null {
    if (!this.sender || length < this.opts.minBytes || length === 0 || !obj.files) return null;
    const sock: (Socket & { _httpMessage?: unknown }) | null = res.socket;
    if (!sock || sock.destroyed || sock._httpMessage !== res) return null;
    if (sock.writableLength !== 0 || sock.writableCorked !== 0 || res.headersSent) return null;
    // Node's stored head (writeHead fills it, send() hands it over): a Node without it sends from JS.
    if (!('_header' in res) || (res as unknown as RawResponse)._headerSent !== false) return null;
    return plainSocketFd(sock);
  }

  /**
   * Sends the head Node stored for `res` (writeHead was called) and the range's bytes to `fd`, then ends
   * `res`. Returns false, having sent nothing, when Node's head is not available: the caller sends in JS.
   * Closes `obj` in every case where it returns true.
   */
  send(res: ServerResponse, fd: number, obj: OpenObject, range: ByteRange): boolean {
    const raw = res as unknown as RawResponse;
    if (typeof raw._header !== 'string' || raw._headerSent !== false || !this.sender) return false;
    let pieces: number[];
    try {
      pieces = obj.files!(range);
    } catch {
      return false; // a segment gone (another process): the caller's read reports it
    }
    const sock = res.socket!;
    const r = this.sender.send(fd, raw._header, pieces, SYNC_MAX);
    void obj.close(); // the addon's thread, if it goes on, holds duplicates of the descriptors
    raw._headerSent = true; // Node's response has nothing left to write: end() only finishes it
    nativeBodies.sent++;
    if (r === 0) res.end();
    else if (r < 0) sock.destroy();
    else this.finishLater(res, sock, r);
    return true;
  }

  /** The addon's thread sends the rest of the body of job `id`; `res` ends when it is done. */
  private finishLater(res: ServerResponse, sock: Socket, id: number): void {
    nativeBodies.queued++;
    const sender = this.sender!;
    // Until the thread is done, Node must not read: an end of input would make it close the socket under
    // the send. A socket closed meanwhile (TerraHub stopping) aborts the job.
    const handle = (sock as unknown as { _handle: StreamHandle })._handle;
    const wasReading = handle.reading === true;
    if (wasReading && handle.readStop) {
      handle.reading = false;
      handle.readStop();
    }
    const onClose = () => sender.abort(id);
    sock.once('close', onClose);
    sender.whenDone(id, (errno) => {
      sock.off('close', onClose);
      if (errno !== 0 || sock.destroyed) {
        sock.destroy();
        return;
      }
      if (wasReading && handle.readStart) {
        handle.reading = true;
        handle.readStart();
      }
      res.end();
    });
  }
}
