/**
 * Server names and where each server lives. A user has a default server (name '') at `/user/{name}/` and
 * may have named servers at `/user/{name}/{server}/`, as in JupyterHub. A named server's path sits inside
 * the default server's URL space, so names that are top-level paths of a Jupyter server (`lab`, `api`,
 * `files`, ...) are refused: they would hide the default server's pages.
 */
import { TerraHubError } from '../../core/errors.ts';

/** Top-level paths under a Jupyter server's base URL (jupyter_server, JupyterLab, classic notebook, voila). */
const RESERVED = new Set([
  'api',
  'apps',
  'custom',
  'doc',
  'edit',
  'extensions',
  'files',
  'kernelspecs',
  'lab',
  'login',
  'logout',
  'metrics',
  'nbconvert',
  'nbextensions',
  'notebooks',
  'static',
  'terminals',
  'tree',
  'view',
  'voila',
]);

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Throws TH_HUB_BAD_SERVER_NAME unless `name` may name a named server. */
export function checkServerName(name: string): void {
  if (!NAME.test(name)) {
    throw new TerraHubError(
      'TH_HUB_BAD_SERVER_NAME',
      `server name "${name}": use 1 to 32 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  if (RESERVED.has(name)) {
    throw new TerraHubError(
      'TH_HUB_BAD_SERVER_NAME',
      `server name "${name}" is a path of the Jupyter server itself (${[...RESERVED].join(', ')} are taken)`,
    );
  }
}

/** `/user/{name}/` for the default server, `/user/{name}/{server}/` for a named one. */
export const serverPrefix = (user: string, server = '') =>
  server ? `/user/${user}/${server}/` : `/user/${user}/`;

/** What to call a server in messages: `the server of "alice"` or `server "gpu" of "alice"`. */
export const serverLabel = (user: string, server = '') =>
  server ? `server "${server}" of "${user}"` : `the server of "${user}"`;

/** Key of a user's server in in-memory maps. */
export const serverKey = (userId: number, server = '') => `${userId}/${server}`;

/** The hub API path of a server: `/hub/api/users/{name}/server` or `.../servers/{server}`. */
export const serverApiPath = (user: string, server = '') =>
  server ? `/hub/api/users/${user}/servers/${server}` : `/hub/api/users/${user}/server`;
