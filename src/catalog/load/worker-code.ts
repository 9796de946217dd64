/**
 * The code `stac load`'s worker threads run. Loaded as TypeScript through tsx, each worker would spend about
 * 0.4 s of CPU at start resolving and loading its modules (ajv's hundred files among them) through tsx's
 * loader thread; instead the worker's modules are bundled once per load by esbuild (the compiler tsx itself
 * uses) into one CommonJS script that workers start from memory (`eval`). Null when bundling fails: the
 * workers then load the sources through tsx.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./prepare.worker.ts', import.meta.url));
/** validate.ts finds the shipped schemas beside itself, by import.meta.dirname (which a bundle lacks). */
const CATALOG_DIR = dirname(dirname(ENTRY));

let code: string | null | undefined;

export function bundledWorkerCode(): string | null {
  if (code !== undefined) return code;
  try {
    const r = buildSync({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      define: { 'import.meta.dirname': JSON.stringify(CATALOG_DIR) },
    });
    code = r.outputFiles[0]?.text ?? null;
  } catch {
    code = null;
  }
  return code;
}
