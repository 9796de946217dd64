/**
 * The hub as an OpenID Connect relying party, through openid-client v6 (the maintained line; its functional
 * API sits on oauth4webapi and jose, and it validates the ID token: signature from the provider's JWKS,
 * issuer, audience, expiry, nonce). This module only talks to the provider: discovery, the authorization
 * URL (code flow with PKCE S256, state and nonce), and the code exchange that yields verified claims.
 *
 * Discovery is lazy and cached: TerraHub starts while the provider is down, and the first login after it
 * comes back works. A failed discovery is retried at the next login.
 */
import * as oidc from 'openid-client';
import { TerraHubError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Claims } from './oidc.claims.ts';
import type { OidcSettings } from './oidc.config.ts';

export interface AuthRequest {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

export interface VerifiedLogin {
  /** The issuer as the provider names itself (the key of account links, with the subject). */
  issuer: string;
  subject: string;
  /** ID token claims, overlaid with the userinfo endpoint's (where most providers put profile claims). */
  claims: Claims;
  /** The ID token as sent (a JWT): the hint of a later logout at the provider. */
  idToken: string;
}

export class OidcClient {
  private config: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly s: OidcSettings,
    private readonly log: Logger,
  ) {}

  private discover(): Promise<oidc.Configuration> {
    this.config ??= oidc
      .discovery(
        this.s.issuer,
        this.s.clientId,
        this.s.clientSecret || undefined,
        this.s.clientSecret ? oidc.ClientSecretBasic(this.s.clientSecret) : oidc.None(),
        { timeout: this.s.timeoutS, ...(this.s.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {}) },
      )
      .catch((e: unknown) => {
        this.config = null; // try again at the next login
        this.log.warn({ err: e, issuer: this.s.issuer.href }, 'Oidc:DiscoveryFailed');
        throw new TerraHubError(
          'TH_HUB_OIDC_UNAVAILABLE',
          `The login provider ${this.s.displayName} (${this.s.issuer.href}) could not be reached: try again later.`,
        );
      });
    return this.config;
  }

  /** The provider's authorization URL for a new login, and the secrets to check its answer with. */
  async start(redirectUri: string): Promise<AuthRequest> {
    const config = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.s.scopes,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, nonce, verifier };
  }

  /**
   * Checks the provider's answer at the callback URL (state, then the code exchange with the PKCE verifier,
   * then the ID token and its nonce), and reads userinfo. Errors are TerraHubErrors fit for people.
   */
  async finish(
    redirectUri: string,
    query: URLSearchParams,
    expected: { state: string; nonce: string; verifier: string },
  ): Promise<VerifiedLogin> {
    const config = await this.discover();
    // openid-client takes the redirect_uri for the code exchange from this URL, minus its query: it must be
    // the registered one, not whatever Host header the request came with.
    const callbackUrl = new URL(redirectUri);
    callbackUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        pkceCodeVerifier: expected.verifier,
      });
    } catch (e) {
      throw this.failure(e);
    }
    const idToken = tokens.claims();
    if (!idToken) throw new TerraHubError('TH_HUB_OIDC_INVALID', 'The login provider sent no ID token.');
    let claims: Claims = { ...idToken };
    if (config.serverMetadata().userinfo_endpoint) {
      try {
        claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)) };
      } catch (e) {
        throw this.failure(e);
      }
    }
    return { issuer: idToken.iss, subject: idToken.sub, claims, idToken: tokens.id_token ?? '' };
  }

  /**
   * The provider's end-session URL for RP-Initiated Logout, coming back to `postLogoutUri`; null when the
   * provider has no end_session_endpoint or cannot be reached (the TerraHub session ends all the same).
   */
  async endSessionUrl(idToken: string, postLogoutUri: string): Promise<string | null> {
    let config: oidc.Configuration;
    try {
      config = await this.discover();
    } catch {
      return null;
    }
    if (!config.serverMetadata().end_session_endpoint) {
      this.log.warn({ issuer: this.s.issuer.href }, 'Oidc:NoEndSessionEndpoint');
      return null;
    }
    return oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: postLogoutUri,
      client_id: this.s.clientId,
    }).href;
  }

  private failure(e: unknown): TerraHubError {
    if (e instanceof TerraHubError) return e;
    if (e instanceof oidc.AuthorizationResponseError) {
      return new TerraHubError(
        'TH_HUB_OIDC_DENIED',
        `${this.s.displayName} did not allow the login: ${e.error_description ?? e.error}.`,
      );
    }
    this.log.warn({ err: e }, 'Oidc:ExchangeFailed');
    const network = e instanceof TypeError || (e as { name?: string }).name === 'TimeoutError';
    return network
      ? new TerraHubError(
          'TH_HUB_OIDC_UNAVAILABLE',
          `The login provider ${this.s.displayName} could not be reached: try again later.`,
        )
      : new TerraHubError('TH_HUB_OIDC_INVALID');
  }
}
