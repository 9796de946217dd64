import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runObjectStoreContract } from './contract.ts';
import { FsObjectStore } from './fs-store.ts';

runObjectStoreContract('fs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-fs-store-'));
  const store = new FsObjectStore(dir);
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
