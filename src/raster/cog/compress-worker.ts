/** Body of a compression worker: encodes tiles it is sent, transferring the bytes back. */
import { parentPort } from 'node:worker_threads';
import { encodeTile, type TileSpec } from './encode-tile.ts';

interface Job {
  id: number;
  data: Uint8Array;
  spec: TileSpec;
}

const port = parentPort;
if (!port) throw new Error('compress-worker.ts must run in a worker thread');
port.on('message', (job: Job) => {
  encodeTile(job.data, job.spec).then(
    (out) => {
      const copy = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
      port.postMessage({ id: job.id, data: copy }, [copy.buffer as ArrayBuffer]);
    },
    (e: unknown) => port.postMessage({ id: job.id, error: (e as Error).message }),
  );
});
