/**
 * Debian's headless Chromium for page tests, through playwright-core (which cannot download browsers here).
 * The flags keep Chromium from reaching for the network at start (this machine's network is closed).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A reason to skip when Chromium is absent (scripts/setup-test-env.sh installs it), else false. */
export const chromiumSkip: string | false = existsSync(CHROMIUM) ? false : 'Debian chromium is not installed';

/** Launches headless Chromium with a fresh temporary profile; `extraArgs` adds flags such as WebGL ones. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
