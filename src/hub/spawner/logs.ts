/** Users' server logs: one file per server under DATA/hub/logs (outside the home, so quota and user cannot touch it). */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `DATA/hub/logs/{user}.log` for the default server, `{user}.{server}.log` for a named one. */
export function serverLogPath(dataDir: string, user: string, server = ''): string {
  return join(dataDir, 'hub', 'logs', server ? `${user}.${server}.log` : `${user}.log`);
}

/** The last lines of a file (at most 4 KiB of it). */
export function logTail(path: string, lines = 20): string {
  try {
    const size = statSync(path).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trim();
  } catch {
    return '';
  }
}
