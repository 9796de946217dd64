/**
 * OpenID Connect login in headless Chromium: with password login off, the login page offers only the
 * provider's button; the provider's own login and consent pages; back on the hub's control panel, logged in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip, launchChromium } from '../../testing/chromium.ts';
import type { TestHub } from '../../testing/hub.ts';
import { startOidcHub } from './testing/oidc-hub.ts';
import { startTestProvider, type TestProvider } from './testing/oidc-provider.ts';

void describe('OIDC login in headless Chromium', { skip: chromiumSkip, timeout: 180_000 }, () => {
  let provider: TestProvider;
  let hub: TestHub;
  let browser: Browser;
  before(async () => {
    provider = await startTestProvider();
    hub = await startOidcHub(
      provider,
      { 'sub-gil': { password: 'gil-secret', claims: { preferred_username: 'Gil' } } },
      { 'hub.oidc.displayName': 'Test IdP', 'hub.oidc.localLogin': false },
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await provider?.close();
  });

  void test('log in with the provider and land on the control panel', async () => {
    const page = await browser.newPage();
    await page.goto(`${hub.url}/hub/home`);
    assert.match(page.url(), /\/hub\/login\?next=/);
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'no password form');
    // The provider's button has the focus: Enter follows it.
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`^${provider.issuer}/interaction/`));
    await page.fill('input[name="login"]', 'sub-gil');
    await page.fill('input[name="password"]', 'gil-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${hub.url}/hub/home`);
    assert.match(await page.locator('header').innerText(), /Log out gil/);
    assert.ok(hub.services.identity.users.find('gil'));
    await page.close();
  });
});
