/**
 * Relaying an upgraded WebSocket's bytes between the browser's socket and the user server's socket. Two
 * ways: the native relay (native/relay.c, built by `npm install` into native/build/relay.node), which takes
 * both sockets' file descriptors and moves the bytes on a thread of its own with epoll, and the JavaScript
 * relay (the two sockets piped into each other), used when the addon is not built, for TLS sockets, or when
 * asked. Both report bytes in either direction to the activity tracker, read when activity is asked for
 * rather than counted per chunk.
 */
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { loadNativeAddon, plainSocketFd } from '../../core/native-addon.ts';
import type { ActivityTracker } from './activity.ts';

interface NativeAddon {
  init(onClose: (id: number, bytesIn: number, bytesOut: number, lastMs: number) => void): void;
  add(clientFd: number, backendFd: number, toBackend: Buffer, toClient: Buffer): number;
  stats(id: number): [number, number, number] | undefined;
  destroy(id: number): void;
}

export const NATIVE_RELAY_PATH = join(import.meta.dirname, 'native', 'build', 'relay.node');

let addon: NativeAddon | null | undefined;
let loadError = '';
const onClosed = new Map<number, (bytesIn: number, bytesOut: number, lastMs: number) => void>();

/** The native addon, loaded and started once per process; null when it is not built or cannot load. */
function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  const a = loadNativeAddon<NativeAddon>(NATIVE_RELAY_PATH, (x) =>
    x.init((id, bytesIn, bytesOut, lastMs) => {
      const done = onClosed.get(id);
      onClosed.delete(id);
      done?.(bytesIn, bytesOut, lastMs);
    }),
  );
  addon = typeof a === 'string' ? null : a;
  loadError = typeof a === 'string' ? a : '';
  return addon;
}

/** What a socket has received but nobody has read yet (it goes ahead of what the relay reads later). */
function drain(s: Duplex): Buffer[] {
  const chunks: Buffer[] = [];
  for (let c: unknown; (c = s.read()) !== null;) chunks.push(c as Buffer);
  return chunks;
}

/** One relayed WebSocket, as the proxy keeps it to close it when TerraHub stops. */
export interface RelayedSocket {
  destroy(): void;
}

export class Relay {
  readonly mode: 'native' | 'js';
  /** Why the native relay is not in use (empty when it is). */
  readonly why: string;

  constructor(
    private readonly activity: ActivityTracker,
    want: 'native' | 'js' = 'native',
  ) {
    const a = want === 'native' ? nativeAddon() : null;
    this.mode = a ? 'native' : 'js';
    this.why = a ? '' : want === 'js' ? 'asked for' : loadError;
  }

  /**
   * Relays between `client` and `backend` from now on. `toBackend` and `toClient` are bytes to send first
   * (the upgrade's head, the handshake's answer). `onClose` runs once, when both sockets are closed.
   */
  start(
    key: string,
    client: Duplex,
    backend: Socket,
    toBackend: Buffer,
    toClient: Buffer,
    onClose: () => void,
  ): RelayedSocket {
    if (client.destroyed || backend.destroyed) {
      // One side left during the handshake: nothing to relay.
      client.destroy();
      backend.destroy();
      process.nextTick(onClose);
      return { destroy: () => undefined };
    }
    return (
      this.startNative(key, client, backend, toBackend, toClient, onClose) ??
      this.startJs(key, client, backend, toBackend, toClient, onClose)
    );
  }

  private startNative(
    key: string,
    client: Duplex,
    backend: Socket,
    toBackend: Buffer,
    toClient: Buffer,
    onClose: () => void,
  ): RelayedSocket | null {
    const a = this.mode === 'native' ? addon : null;
    const cfd = plainSocketFd(client);
    const bfd = plainSocketFd(backend);
    // Bytes queued in a JavaScript socket would be lost with it: such a pair stays in JavaScript.
    if (!a || cfd === null || bfd === null || client.writableLength || backend.writableLength) return null;
    const early = drain(client);
    const late = drain(backend);
    let id: number;
    try {
      id = a.add(cfd, bfd, Buffer.concat([toBackend, ...early]), Buffer.concat([toClient, ...late]));
    } catch {
      // Out of descriptors or memory: this pair stays in JavaScript, with the bytes read so far put back.
      if (early.length) client.unshift(Buffer.concat(early));
      if (late.length) backend.unshift(Buffer.concat(late));
      return null;
    }
    // The addon holds duplicates of both descriptors: these close only JavaScript's (no shutdown, no RST).
    client.destroy();
    backend.destroy();
    const detach = this.activity.attach(key, () => {
      const s = a.stats(id);
      return s ? { bytesIn: s[0], bytesOut: s[1], lastMs: s[2] } : null;
    });
    onClosed.set(id, (bytesIn, bytesOut, lastMs) => {
      detach({ bytesIn, bytesOut, lastMs });
      onClose();
    });
    return { destroy: () => a.destroy(id) };
  }

  private startJs(
    key: string,
    client: Duplex,
    backend: Socket,
    toBackend: Buffer,
    toClient: Buffer,
    onClose: () => void,
  ): RelayedSocket {
    const c = client as Socket;
    backend.setNoDelay(true);
    c.setNoDelay?.(true);
    client.write(toClient);
    if (toBackend.length) backend.write(toBackend);
    // Counted from here, as the native relay counts: what is relayed, not what was handed over.
    const in0 = c.bytesRead ?? 0;
    const out0 = c.bytesWritten ?? 0;
    const counts = () => ({
      bytesIn: (c.bytesRead ?? 0) - in0,
      bytesOut: (c.bytesWritten ?? 0) - out0,
      lastMs: Date.now(),
    });
    const detach = this.activity.attach(key, counts);
    backend.pipe(client).pipe(backend);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      detach(counts());
      backend.destroy();
      client.destroy();
      onClose();
    };
    backend.on('error', close).on('close', close);
    client.on('error', close).on('close', close);
    return { destroy: close };
  }
}
