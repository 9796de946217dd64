import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, readSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FdCache } from './fs-fdcache.ts';

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe('shared descriptors of version files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'terrahub-fdcache-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a file once for readers one after another and keeps it while idle', () => {
    const p = join(dir, 'a');
    writeFileSync(p, 'abc');
    const c = new FdCache();
    const fd = c.acquire(p);
    c.release(p);
    assert.equal(c.acquire(p), fd);
    c.release(p);
    assert.ok(isOpen(fd));
    c.closeIdle();
    assert.ok(!isOpen(fd));
  });

  it('closes a removed file once its last reader is done, and reads it whole until then', () => {
    const p = join(dir, 'b');
    writeFileSync(p, 'hello');
    const c = new FdCache();
    const fd = c.acquire(p);
    assert.equal(c.acquire(p), fd);
    unlinkSync(p);
    c.forget(p);
    c.release(p);
    const buf = Buffer.alloc(5);
    readSync(fd, buf, 0, 5, 0);
    assert.equal(buf.toString(), 'hello');
    c.release(p);
    assert.ok(!isOpen(fd));
    assert.throws(() => c.acquire(p), /ENOENT/);
  });

  it('closes idle descriptors beyond its limit, never held ones', () => {
    const c = new FdCache();
    const held = join(dir, 'held');
    writeFileSync(held, 'x');
    const heldFd = c.acquire(held);
    const fds: number[] = [];
    for (let i = 0; i < 200; i++) {
      const p = join(dir, `f${i}`);
      writeFileSync(p, 'x');
      fds.push(c.acquire(p));
      c.release(p);
    }
    assert.ok(isOpen(heldFd));
    assert.ok(c.size <= 129, `${c.size} descriptors open`);
    const last = join(dir, 'f199');
    assert.equal(c.acquire(last), fds[199], 'the most recently used stay open');
    c.release(last);
    c.release(held);
    c.closeIdle();
    assert.equal(c.size, 0);
  });
});
