/**
 * Zstandard through @bokuweb/zstd-wasm: WebAssembly, so no native build or prebuilt download is needed on a
 * fresh machine (Node 20's zlib has no zstd). Initialised once, lazily.
 */
import { compress, decompress, init } from '@bokuweb/zstd-wasm';

let ready: Promise<void> | null = null;

function ensure(): Promise<void> {
  ready ??= init();
  return ready;
}

export async function zstdDecompress(data: Uint8Array, expected: number): Promise<Uint8Array> {
  await ensure();
  return decompress(data, { defaultHeapSize: expected });
}

export async function zstdCompress(data: Uint8Array, level: number): Promise<Uint8Array> {
  await ensure();
  return compress(data, level);
}
