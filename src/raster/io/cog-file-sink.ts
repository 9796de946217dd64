/**
 * Where the COG writer spills compressed tiles: one temporary file per level, beside the output, then the
 * final file assembled as header + IFDs + levels (smallest first) and renamed into place. Nothing is left
 * behind on failure.
 */
import { mkdtemp, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CogSink } from '../cog/writer.ts';

export class CogFileSink implements CogSink {
  private dir: string | null = null;
  private readonly files = new Map<number, FileHandle>();
  private readonly pos = new Map<number, number>();

  constructor(private readonly outPath: string) {}

  private async tmpDir(): Promise<string> {
    this.dir ??= await mkdtemp(join(dirname(this.outPath), `.${basename(this.outPath)}.tmp-`));
    return this.dir;
  }

  async append(level: number, bytes: Uint8Array): Promise<void> {
    let fh = this.files.get(level);
    if (!fh) {
      fh = await open(join(await this.tmpDir(), `level-${level}`), 'w+');
      this.files.set(level, fh);
      this.pos.set(level, 0);
    }
    const at = this.pos.get(level) ?? 0;
    let done = 0;
    while (done < bytes.length)
      done += (await fh.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
    this.pos.set(level, at + bytes.length);
  }

  async finish(head: Uint8Array, order: number[]): Promise<void> {
    const tmp = join(await this.tmpDir(), 'out.tif');
    const out = await open(tmp, 'w');
    try {
      let at = 0;
      const write = async (b: Uint8Array): Promise<void> => {
        let done = 0;
        while (done < b.length) done += (await out.write(b, done, b.length - done, at + done)).bytesWritten;
        at += b.length;
      };
      await write(head);
      const buf = new Uint8Array(8 * 1024 * 1024);
      for (const level of order) {
        const fh = this.files.get(level);
        if (!fh) continue;
        const size = this.pos.get(level) ?? 0;
        for (let off = 0; off < size;) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - off), off);
          if (bytesRead === 0) throw new Error('spill file shorter than written');
          await write(buf.subarray(0, bytesRead));
          off += bytesRead;
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.outPath);
    await this.abort();
  }

  async abort(): Promise<void> {
    for (const fh of this.files.values()) await fh.close().catch(() => undefined);
    this.files.clear();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
