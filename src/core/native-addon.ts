/**
 * What TerraHub's Node-API addons (built by scripts/build-native.js: the proxy's WebSocket relay, the S3
 * endpoint's sendfile sender) share: loading one once, with the reason when it cannot be used, and the
 * descriptor of a plain TCP socket that an addon may read from or write to itself.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The addon at `path`, started by `init`, or why it cannot be used ('not built', or the load error). */
export function loadNativeAddon<T>(path: string, init: (addon: T) => void): T | string {
  if (!existsSync(path)) return 'not built';
  try {
    const addon = createRequire(import.meta.url)(path) as T;
    init(addon);
    return addon;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The descriptor of a plain TCP socket (Node's libuv handle), or null for TLS sockets and closed ones. */
export function plainSocketFd(s: unknown): number | null {
  if ((s as { encrypted?: boolean }).encrypted) return null;
  const fd = (s as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
