/** A worker thread of `stac load`: prepares the batches it is sent (prepare.ts) and answers in order. */
import { parentPort } from 'node:worker_threads';
import { prepareUnit, type PrepareUnit } from './prepare.ts';

parentPort!.on('message', (u: PrepareUnit) => {
  parentPort!.postMessage(prepareUnit(u));
});
