/**
 * A real OpenID Connect provider for tests: `oidc-provider` (the certified Node implementation) on a free
 * port of 127.0.0.1, with one confidential client for the hub (PKCE required), test accounts with
 * passwords and groups, and its own small login and consent pages (plain HTML forms, as a real provider
 * has), so that tests drive the whole flow over HTTP or in Chromium.
 *
 * The listener starts before the provider is made, so that the hub can be configured with the issuer URL
 * and the provider with the hub's redirect URL (both on port 0): `startTestProvider()` then `.configure()`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  password: string;
  claims: Record<string, unknown>;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Makes the provider, with the client's redirect URL and the accounts (by login name = subject). */
  configure(redirectUri: string, accounts: Record<string, TestAccount>): void;
  /** Changes an account's claims (a provider-side rename or group change). */
  setClaims(login: string, claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function form(action: string, fields: string, button: string, extra = ''): string {
  return `<!doctype html><html><head><title>Test provider</title></head><body>
<form method="post" action="${esc(action)}">${fields}<button type="submit">${button}</button></form>${extra}</body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return new URLSearchParams(body);
}

export async function startTestProvider(): Promise<TestProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end('not configured yet');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'terrahub-test';
  const clientSecret = randomBytes(24).toString('hex');
  const accounts = new Map<string, TestAccount>();

  const configure = (redirectUri: string, initial: Record<string, TestAccount>) => {
    for (const [k, v] of Object.entries(initial)) accounts.set(k, v);
    const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    });
    const config: Configuration = {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          // RP-Initiated Logout comes back to the hub's login page.
          post_logout_redirect_uris: [redirectUri.replace(/\/hub\/oauth_callback$/, '/hub/login')],
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      claims: {
        openid: ['sub'],
        profile: ['name', 'preferred_username'],
        email: ['email', 'email_verified'],
        groups: ['groups'],
      },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
      jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' }] },
      findAccount: (_ctx, sub) => {
        const a = accounts.get(sub);
        return a ? { accountId: sub, claims: () => ({ sub, ...a.claims }) } : undefined;
      },
    };
    const provider = new Provider(issuer, config);
    const oidcCallback = provider.callback();
    handler = (req, res) => {
      const m = /^\/interaction\/([^/?]+)(\/abort)?/.exec(req.url ?? '');
      if (!m) {
        void oidcCallback(req, res);
        return;
      }
      void interaction(provider, req, res, m[2] === '/abort').catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      });
    };
  };

  const interaction = async (
    provider: Provider,
    req: IncomingMessage,
    res: ServerResponse,
    abort: boolean,
  ) => {
    const details = await provider.interactionDetails(req, res);
    const here = `/interaction/${details.uid}`;
    if (abort) {
      const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    if (details.prompt.name === 'login') {
      if (req.method === 'POST') {
        const f = await readForm(req);
        const login = f.get('login') ?? '';
        if (accounts.get(login)?.password === f.get('password')) {
          return provider.interactionFinished(req, res, { login: { accountId: login } });
        }
      }
      return html(
        form(
          here,
          '<label>Login <input name="login"></label><label>Password <input name="password" type="password"></label>',
          'Sign in',
          `<a href="${here}/abort">Cancel</a>`,
        ),
      );
    }
    if (req.method !== 'POST') {
      return html(
        form(
          here,
          '<input type="hidden" name="consent" value="yes">',
          'Allow',
          `<a href="${here}/abort">Deny</a>`,
        ),
      );
    }
    const { prompt, params, session } = details;
    const grant = new provider.Grant({
      accountId: session!.accountId,
      clientId: String(params['client_id']),
    });
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  };

  return {
    issuer,
    clientId,
    clientSecret,
    configure,
    setClaims(login, claims) {
      const a = accounts.get(login);
      if (a) a.claims = claims;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
