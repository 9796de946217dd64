/**
 * The map page in a real browser: headless Chromium (Debian's) opens /cog/.../map.html for a COG in a
 * private bucket, MapLibre fetches the tilejson and tiles with the token from the URL fragment, and the
 * screenshot must show the image (many pixels differ from the page background, in many colours).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip, launchChromium } from '../testing/chromium.ts';
import sharp from 'sharp';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/hub.ts';
import { uploadRasters } from './testing/fixtures.ts';

const skip = chromiumSkip;

describe('map.html in headless Chromium', { skip, timeout: 180_000 }, () => {
  let hub: TestHub;
  let browser: Browser;
  before(async () => {
    hub = await startTestHub();
    await uploadRasters(hub, 'rasters', ['RGB.byte.tif']);
    // MapLibre needs WebGL: software rendering, as there is no GPU.
    browser = await launchChromium(['--enable-unsafe-swiftshader', '--use-angle=swiftshader']);
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  test('shows the COG tiles', async () => {
    const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
    const tiles: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/cog/tiles/')) tiles.push(r.status());
    });
    const url = `${hub.url}/api/data/v1/cog/WebMercatorQuad/map.html?url=${encodeURIComponent('s3://rasters/RGB.byte.tif')}#token=${ADMIN_TOKEN}`;
    await page.goto(url);
    await page.waitForFunction(
      () => document.body.dataset['state'] === 'idle' || document.body.dataset['error'],
      null,
      {
        timeout: 90_000,
      },
    );
    const error = await page.evaluate(() => document.body.dataset['error'] ?? null);
    assert.equal(error, null);
    assert.ok(tiles.length > 0 && tiles.every((s) => s === 200), `tile responses: ${tiles.join(',')}`);
    const png = await page.screenshot();
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    let differs = 0;
    const colours = new Set<number>();
    for (let i = 0; i < n; i++) {
      const [r, g, b] = [
        data[i * info.channels]!,
        data[i * info.channels + 1]!,
        data[i * info.channels + 2]!,
      ];
      if (Math.abs(r - 221) + Math.abs(g - 221) + Math.abs(b - 238) > 30) differs++;
      colours.add((r << 16) | (g << 8) | b);
    }
    assert.ok(differs / n > 0.2, `only ${((differs / n) * 100).toFixed(1)}% of the screenshot shows data`);
    assert.ok(colours.size > 500, `only ${colours.size} colours`);
  });
});
