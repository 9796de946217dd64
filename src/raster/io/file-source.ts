/** A ByteSource over a local file: positional reads on one open handle, closed by `close()`. */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ByteSource } from '../types.ts';

export interface ClosableByteSource extends ByteSource {
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<ClosableByteSource> {
  const fh = await open(path, 'r');
  const st = await fh.stat();
  return {
    size: st.size,
    id: `file://${resolve(path)}#${st.mtimeMs}-${st.size}`,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const n = Math.max(0, Math.min(length, st.size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}
