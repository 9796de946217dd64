/** What every page route needs: the session of the browser, CSRF checks and cookie handling. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../core/config/keys.ts';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import { randomString } from '../../core/identity/secrets.ts';
import type { HubService } from '../service.ts';
import { cookie, HUB_COOKIE, parseCookies, USER_COOKIE, type Session } from '../sessions.ts';

export const LOGIN_CSRF_COOKIE = 'terrahub-login-csrf';

export interface PagesOptions {
  hub: HubService;
  identity: Identity;
  config: Config;
}

export type Form = Record<string, string | string[]>;

export function formField(body: unknown, name: string): string {
  const v = (body as Form | null)?.[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export function formList(body: unknown, name: string): string[] {
  const v = (body as Form | null)?.[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function isSecure(config: Config, req: FastifyRequest): boolean {
  return config.publicUrl.startsWith('https:') || req.protocol === 'https';
}

export function sessionOf(o: PagesOptions, req: FastifyRequest): Session | null {
  return o.hub.sessions.byHubSecret(parseCookies(req.headers.cookie).get(HUB_COOKIE));
}

/** The session, or a redirect to the login page (returns null after sending it). */
export function requireSession(o: PagesOptions, req: FastifyRequest, reply: FastifyReply): Session | null {
  const s = sessionOf(o, req);
  if (!s) {
    void reply.redirect(`/hub/login?next=${encodeURIComponent(req.url)}`, 302);
    return null;
  }
  return s;
}

/** Throws TH_HUB_CSRF unless the form's `_csrf` field is the session's token. */
export function checkCsrf(session: Session, body: unknown): void {
  if (formField(body, '_csrf') !== session.csrf) throw new TerraHubError('TH_HUB_CSRF');
}

export function requireAdminSession(session: Session): void {
  if (!session.user.admin) throw new TerraHubError('TH_FORBIDDEN', 'only admins may see this page');
}

/** Logs the browser in as `user`: a new session and its two cookies. */
export function startSession(
  o: PagesOptions,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  idToken: string | null = null,
): void {
  const s = o.hub.sessions.create(user, idToken);
  const secure = isSecure(o.config, req);
  const maxAgeS = Math.floor(o.config['hub.sessionMaxAge'] / 1000);
  void reply.header('set-cookie', [
    cookie(HUB_COOKIE, s.hubSecret, { path: '/hub/', secure, maxAgeS }),
    cookie(USER_COOKIE, s.userSecret, { path: '/user/', secure, maxAgeS }),
    cookie(LOGIN_CSRF_COOKIE, '', { path: '/hub/', secure, maxAgeS: 0 }),
  ]);
  o.identity.users.touch(user.id);
}

/** Logs the browser out; returns the provider's ID token the session kept, if any. */
export function endSession(o: PagesOptions, req: FastifyRequest, reply: FastifyReply): string | null {
  const secret = parseCookies(req.headers.cookie).get(HUB_COOKIE);
  const idToken = secret ? o.hub.sessions.remove(secret) : null;
  const secure = isSecure(o.config, req);
  void reply.header('set-cookie', [
    cookie(HUB_COOKIE, '', { path: '/hub/', secure, maxAgeS: 0 }),
    cookie(USER_COOKIE, '', { path: '/user/', secure, maxAgeS: 0 }),
  ]);
  return idToken;
}

/** The login form's CSRF token: a double-submit cookie, made when the form is shown. */
export function loginCsrf(o: PagesOptions, req: FastifyRequest, reply: FastifyReply): string {
  const have = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
  if (have && /^[A-Za-z0-9]{32}$/.test(have)) return have;
  const v = randomString(32);
  void reply.header(
    'set-cookie',
    cookie(LOGIN_CSRF_COOKIE, v, { path: '/hub/', secure: isSecure(o.config, req) }),
  );
  return v;
}

export function checkLoginCsrf(req: FastifyRequest, body: unknown): void {
  const have = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
  if (!have || formField(body, '_csrf') !== have) throw new TerraHubError('TH_HUB_CSRF');
}

/** A `next` target that stays on this site (no `//host` or scheme). */
export function safeNext(next: string): string {
  return /^\/(?![/\\])/.test(next) ? next : '/hub/home';
}
