/**
 * One build of an environment at a time, across processes (`terrahub env build` while `terrahub up` builds
 * on first start): a lock file made with O_EXCL holding the builder's pid. A lock whose process is gone is
 * stale and taken over.
 */
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { TerraHubError } from '../core/errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws TH_ENV_BUSY; returns the function that releases it. */
export function acquireBuildLock(path: string, profile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new TerraHubError(
          'TH_ENV_BUSY',
          `environment "${profile}" is being built by process ${pid}; wait for it to finish`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new TerraHubError('TH_ENV_BUSY', `could not take the build lock ${path}`);
}
