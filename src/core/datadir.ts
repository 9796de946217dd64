/**
 * The data directory: checked at start-up (exists or can be made, writable, enough free space) and locked so
 * that a second `terrahub up` on the same directory refuses instead of corrupting it.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/** Creates the directory if needed and proves it is writable and has `minFree` bytes free. */
export function checkDataDir(dir: string, minFree: number): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    const probe = join(abs, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : (code ?? String(e));
    throw new DataDirError(`data directory ${abs} is not writable: ${why}`);
  }
  const fs = statfsSync(abs);
  const free = fs.bavail * fs.bsize;
  if (free < minFree) {
    throw new DataDirError(
      `data directory ${abs} has only ${(free / 1e6).toFixed(1)} MB free; at least ${(minFree / 1e6).toFixed(0)} MB are needed (setting minFreeDisk)`,
    );
  }
  return abs;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's lock file for this process. A lock left by a process that no longer runs (a crash,
 * kill -9) is taken over; one held by a live process is refused. Returns a release function.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'terrahub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new DataDirError(
          `another TerraHub (pid ${pid}) is already running on data directory ${dir}; stop it first or use another --data-dir`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirError(`could not lock data directory ${dir}`);
}
