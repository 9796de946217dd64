// Worker entry: TerraHub runs its TypeScript through tsx's loader (bin/terrahub.js does the same for the
// main thread), so each worker registers it before loading the render worker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
