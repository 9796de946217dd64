/**
 * The hard home quota (hub.homes.hardQuota `loop`) with stand-in servers: the home becomes a mounted ext4
 * image of the quota's size on first start (an existing home moves into it), a write past the quota fails
 * with ENOSPC in the kernel, the control panel's figure comes from the file system, a larger quota grows the
 * image, and the image is unmounted when TerraHub stops. Needs root and loop devices (as CI runs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { imageSize, isMountPoint } from './home-images.ts';
import { standInJupyter } from './stand-in-server.ts';

/** Why loop mounts cannot be tested here, or null when they can. */
function loopUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mount)';
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-loopcheck-'));
  try {
    execFileSync('truncate', ['-s', '4M', join(dir, 'i.img')]);
    execFileSync('mkfs.ext4', ['-q', '-F', join(dir, 'i.img')]);
    mkdirSync(join(dir, 'm'));
    execFileSync('mount', ['-o', 'loop', join(dir, 'i.img'), join(dir, 'm')], { stdio: 'pipe' });
    execFileSync('umount', [join(dir, 'm')]);
    return null;
  } catch (e) {
    return `the kernel refuses loop mounts here: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const why = loopUnavailable();
const standIn = standInJupyter();
const dataDir = mkdtempSync(join(tmpdir(), 'terrahub-hardquota-'));
const home = join(dataDir, 'homes', 'quinn');
const settings = (quota: string) => ({
  'hub.jupyterCommand': standIn.command,
  'hub.unixUsers': 'off',
  'hub.homes.hardQuota': 'loop',
  'hub.homeQuota': quota,
});
let hub: TestHub | null = null;

after(async () => {
  await hub?.close();
  if (isMountPoint(home)) execFileSync('umount', [home]);
  rmSync(dataDir, { recursive: true, force: true });
  standIn.cleanup();
});

async function startServer(h: TestHub): Promise<void> {
  const res = await h.api('/hub/api/users/quinn/server', { method: 'POST', body: '{}' });
  assert.equal(res.status, 201, await res.clone().text());
}

void test(
  'loop mode: the home is an image of the quota size and a write past it fails with ENOSPC',
  { skip: why ?? false, timeout: 180_000 },
  async () => {
    hub = await startTestHub(settings('24MB'), { dataDir });
    await hub.services.identity.users.create({ name: 'quinn' });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'notes.txt'), 'kept across the move into the image');
    await startServer(hub);
    assert.ok(isMountPoint(home), 'the home is a mount point');
    assert.equal(readFileSync(join(home, 'notes.txt'), 'utf8'), 'kept across the move into the image');
    const img = hub.services.hub!.images!.imageOf('quinn');
    assert.equal(statSync(img).size, imageSize(24e6));

    writeFileSync(join(home, 'fits.bin'), Buffer.alloc(10e6, 1)); // under the quota: fine
    assert.throws(() => writeFileSync(join(home, 'too-big.bin'), Buffer.alloc(20e6, 1)), { code: 'ENOSPC' });
    // Not only TerraHub's own writes: any process, as a terminal's `dd` would be.
    let ddFailed = false;
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'dd.bin')}`, 'bs=1M', 'count=30'], {
        stdio: 'pipe',
      });
    } catch (e) {
      ddFailed = /No space left on device/.test(String((e as { stderr?: Buffer }).stderr));
    }
    assert.ok(ddFailed, 'dd past the quota fails with "No space left on device"');

    await hub.services.hub!.measureHomes();
    const model = (await (await hub.api('/hub/api/users/quinn')).json()) as {
      home: { used_bytes: number; over_quota: boolean };
    };
    assert.equal(model.home.over_quota, true);
    assert.ok(model.home.used_bytes > 10e6, JSON.stringify(model.home));

    await hub.close(); // stops the server and unmounts the home
    hub = null;
    assert.equal(isMountPoint(home), false);
    assert.ok(existsSync(img));
  },
);

void test(
  'loop mode: a larger quota grows the image, and the files stay',
  { skip: why ?? false, timeout: 180_000 },
  async () => {
    hub = await startTestHub(settings('48MB'), { dataDir });
    await startServer(hub);
    assert.ok(isMountPoint(home));
    assert.equal(statSync(hub.services.hub!.images!.imageOf('quinn')).size, imageSize(48e6));
    assert.equal(readFileSync(join(home, 'notes.txt'), 'utf8'), 'kept across the move into the image');
    rmSync(join(home, 'too-big.bin'), { force: true });
    rmSync(join(home, 'dd.bin'), { force: true });
    writeFileSync(join(home, 'now-fits.bin'), Buffer.alloc(25e6, 1));
    await hub.close();
    hub = null;
    assert.equal(isMountPoint(home), false);
  },
);
