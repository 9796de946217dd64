/**
 * The hub in headless Chromium (Debian's, through playwright-core), driven with the keyboard where a person
 * would: log in, Start on the control panel, follow the progress page, and land in JupyterLab with its
 * launcher showing. The screenshot is saved to a temp directory and must not be blank.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip, launchChromium } from '../testing/chromium.ts';
import sharp from 'sharp';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { TEST_JUPYTER } from './testing.ts';

const skip = chromiumSkip;

void describe('hub pages in headless Chromium', { skip, timeout: 300_000 }, () => {
  let hub: TestHub;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'terrahub-hub-shots-'));
  before(async () => {
    hub = await startTestHub({ 'hub.jupyterCommand': TEST_JUPYTER, 'hub.unixUsers': 'off' });
    await hub.services.identity.users.create({ name: 'dana', password: 'dana-password' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    rmSync(shots, { recursive: true, force: true });
  });

  void test('log in, Start, and the JupyterLab launcher appears', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${hub.url}/hub/home`);
    assert.match(page.url(), /\/hub\/login\?next=/);
    // The user name field has focus; type, Tab to the password, Enter submits.
    await page.keyboard.type('dana');
    await page.keyboard.press('Tab');
    await page.keyboard.type('dana-password');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/hub\/home$/);
    await page.getByRole('button', { name: 'Start my server' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/user\/dana\/lab/, { timeout: 180_000 });
    await page.locator('.jp-Launcher').first().waitFor({ state: 'visible', timeout: 120_000 });
    const png = await page.screenshot();
    writeFileSync(join(shots, 'jupyterlab.png'), png);
    const stats = await sharp(png).stats();
    // Not blank: the launcher's cards, icons and text make every channel vary.
    assert.ok(
      stats.channels.slice(0, 3).every((c) => c.stdev > 5),
      JSON.stringify(stats.channels.map((c) => c.stdev)),
    );
    // JupyterLab runs in hub mode: its File menu leads back to the control panel.
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'File' }).click();
    await page.getByText('Hub Control Panel').waitFor({ state: 'visible', timeout: 30_000 });
    await page.close();
    await hub.api('/hub/api/users/dana/server', { method: 'DELETE' });
    await hub.services.hub!.spawner.settled(hub.services.identity.users.get('dana'));
  });
});
