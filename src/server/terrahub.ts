/**
 * A running TerraHub: checks and locks the data directory, builds services and HTTP apps, bootstraps the
 * admin user, starts every listener, and closes it all in reverse. Lifecycle: created -> running -> closed.
 * `terrahub up` and the tests both use `startTerraHub` (tests with port 0).
 */
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config/keys.ts';
import { checkDataDir, lockDataDir } from '../core/datadir.ts';
import type { Logger } from '../core/log.ts';
import { buildHttp, type HttpApps } from './app.ts';
import { buildServices, closeServices, type Services } from './services.ts';

export interface RunningTerraHub {
  services: Services;
  http: HttpApps;
  /** Base URL of the origin as bound (the real port when 0 was asked for). */
  url: string;
  /** Base URL of the S3 endpoint as bound, when there is one. */
  s3Url: string | null;
  /** The admin password made at first start when none was configured, else null. */
  oneTimePassword: string | null;
  close(): Promise<void>;
}

export async function startTerraHub(config: Config, log: Logger): Promise<RunningTerraHub> {
  const dataDir = checkDataDir(config.dataDir, config.minFreeDisk);
  const unlock = lockDataDir(dataDir);
  let services: Services | undefined;
  try {
    services = await buildServices(config, log);
    const { oneTimePassword } = await services.identity.bootstrap({
      token: config['admin.token'],
      password: config['admin.password'],
    });
    const http = await buildHttp(services);
    const bound: Record<string, string> = {};
    for (const l of http.listeners) {
      await l.app.listen({ host: l.host, port: l.port });
      const addr = l.app.server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      bound[l.name] = `http://${host}:${addr.port}`;
    }
    // Links given to users follow the bound ports when none were configured (port 0 in tests).
    if (!config.publicUrl) services.publicUrl = bound['origin']!;
    if (!config['s3.publicUrl'] && bound['s3']) services.s3PublicUrl = bound['s3'];
    const svc = services;
    let closed = false;
    return {
      services: svc,
      http,
      url: bound['origin']!,
      s3Url: bound['s3'] ?? null,
      oneTimePassword,
      async close() {
        if (closed) return;
        closed = true;
        // Listeners stop accepting and let in-flight requests finish; then the services close.
        for (const l of [...http.listeners].reverse()) await l.app.close();
        await closeServices(svc);
        unlock();
      },
    };
  } catch (e) {
    if (services) await closeServices(services);
    unlock();
    throw e;
  }
}
