/**
 * The command line and environment of a user's Jupyter server: JupyterHub-style variables (so JupyterLab
 * shows its Hub menu and hub-aware tools work), TerraHub's credential variables from `userEnvironment`, and
 * the server's own secret token in JUPYTER_TOKEN (not on the command line, where `ps` would show it).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { userEnvironment } from '../../envs/user-env.ts';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ServerEnvInput {
  user: string;
  /** The server's name ('' for the user's default server). */
  server: string;
  /** `/user/{name}/` or `/user/{name}/{server}/` */
  prefix: string;
  home: string;
  /** Unix account the server runs as. */
  account: string;
  port: number;
  secret: string;
  apiToken: string;
  publicUrl: string;
  s3Url: string;
  s3Credentials: { accessKeyId: string; secretAccessKey: string };
  /** The jupyter command; a relative path with a slash is taken from the working directory. */
  jupyter: string;
}

export function jupyterCommand(jupyter: string): string {
  return jupyter.includes('/') && !isAbsolute(jupyter) ? resolve(jupyter) : jupyter;
}

export function serverArgs(i: Pick<ServerEnvInput, 'port' | 'prefix' | 'home' | 'user'>): string[] {
  return [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${i.port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.base_url=${i.prefix}`,
    `--ServerApp.root_dir=${i.home}`,
    // The proxy keeps the browser's Host header; the server listens on 127.0.0.1 only and wants its token.
    '--ServerApp.allow_remote_access=True',
    // Without one account per user (development mode) TerraHub may be root; the server is still token-only.
    '--ServerApp.allow_root=True',
    // JupyterLab's hub mode: File > Hub Control Panel and Log Out, and no server token in the page config
    // (the proxy adds it to every request, so the browser never holds it).
    `--ServerApp.tornado_settings=${JSON.stringify({ hub_prefix: '/hub/', hub_host: '', user: i.user })}`,
  ];
}

export function serverEnv(i: ServerEnvInput): Record<string, string> {
  const cmd = jupyterCommand(i.jupyter);
  const origin = i.publicUrl.replace(/\/+$/, '');
  return {
    PATH: isAbsolute(cmd) ? `${dirname(cmd)}:${SYSTEM_PATH}` : SYSTEM_PATH,
    HOME: i.home,
    USER: i.account,
    LOGNAME: i.account,
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    JUPYTER_TOKEN: i.secret,
    JUPYTERHUB_USER: i.user,
    JUPYTERHUB_SERVER_NAME: i.server,
    JUPYTERHUB_SERVICE_PREFIX: i.prefix,
    JUPYTERHUB_BASE_URL: '/',
    JUPYTERHUB_API_URL: `${origin}/hub/api`,
    JUPYTERHUB_API_TOKEN: i.apiToken,
    JUPYTERHUB_HOST: '',
    ...userEnvironment({
      publicUrl: i.publicUrl,
      s3Url: i.s3Url,
      user: i.user,
      token: i.apiToken,
      s3Credentials: i.s3Credentials,
    }),
  };
}
