/** A test hub that logs in through the test provider, and the provider configured for it. */
import type { ConfigKey } from '../../../core/config/keys.ts';
import { startTestHub, type TestHub } from '../../../testing/hub.ts';
import type { TestAccount, TestProvider } from './oidc-provider.ts';

/** Starts a hub whose OIDC issuer is `provider` (plus `settings`), then gives the provider the hub's
 *  redirect URL and the accounts (by login name = subject). */
export async function startOidcHub(
  provider: TestProvider,
  accounts: Record<string, TestAccount>,
  settings: Partial<Record<ConfigKey, unknown>> = {},
): Promise<TestHub> {
  const hub = await startTestHub({
    'hub.unixUsers': 'off',
    'hub.oidc.issuer': provider.issuer,
    'hub.oidc.clientId': provider.clientId,
    'hub.oidc.clientSecret': provider.clientSecret,
    ...settings,
  });
  provider.configure(`${hub.url}/hub/oauth_callback`, accounts);
  return hub;
}
