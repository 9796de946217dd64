/** The render worker: runs RenderTasks posted by the pool, one at a time, and posts back the image or error. */
import { parentPort } from 'node:worker_threads';
import { isTerraHubError } from '../../core/errors.ts';
import { runRenderTask, type RenderTask } from './render.task.ts';

parentPort!.on('message', (msg: { id: number; task: RenderTask }) => {
  runRenderTask(msg.task).then(
    (image) => {
      // A fresh copy owns its buffer, which can then be moved (not copied) to the main thread.
      const own = image ? new Uint8Array(image) : null;
      parentPort!.postMessage({ id: msg.id, image: own }, own ? [own.buffer] : []);
    },
    (e: unknown) =>
      parentPort!.postMessage({
        id: msg.id,
        error: isTerraHubError(e)
          ? { code: e.code, message: e.message, details: e.details }
          : { message: (e as Error).message },
      }),
  );
});
