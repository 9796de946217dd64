/** `terrahub up`: start everything on one machine, and stop cleanly on SIGINT/SIGTERM. */
import { Command } from 'commander';
import { redacted } from '../../core/config/load.ts';
import { createLogger } from '../../core/log.ts';
import { startTerraHub } from '../../server/terrahub.ts';
import { configFrom } from '../context.ts';

export function upCommand(): Command {
  return new Command('up')
    .description('Start TerraHub: hub, STAC API, data API and the S3 endpoint, in one process')
    .option('--host <address>', 'address of the main origin (default 127.0.0.1)')
    .option('--port <port>', 'port of the main origin (default 8000)')
    .option('--s3-host <address>', 'address of the S3 endpoint (default 127.0.0.1)')
    .option('--s3-port <port>', 'port of the S3 endpoint (default 9000)')
    .option('--public-url <url>', 'URL users reach the origin at, when behind a reverse proxy')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (opts: Record<string, string | undefined>, cmd: Command) => {
      const config = configFrom(cmd, {
        host: opts['host'],
        port: opts['port'],
        's3.host': opts['s3Host'],
        's3.port': opts['s3Port'],
        publicUrl: opts['publicUrl'],
        logLevel: opts['logLevel'],
      });
      const log = createLogger(config.logLevel);
      const hub = await startTerraHub(config, log);
      log.info({ config: redacted(hub.services.config) }, 'Config:Loaded');
      // Handlers first: a supervisor (or a test) may send SIGTERM as soon as it reads "TerraHub is running".
      const stopped = new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'Server:Stopping');
          hub.close().then(
            () => {
              log.info('Server:Stopped');
              resolve();
            },
            (e: unknown) => {
              log.error({ err: e }, 'Server:StopFailed');
              resolve();
            },
          );
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      process.stderr.write(`TerraHub is running\n  hub:  ${hub.url}/hub/\n`);
      if (hub.s3Url) process.stderr.write(`  S3:   ${hub.s3Url}\n`);
      process.stderr.write(`  data: ${hub.services.dataDir}\n`);
      // The default Python environment: built in the background when missing (envs.buildOnStart), else a hint.
      const envNote = hub.services.envs.startUp();
      if (envNote) process.stderr.write(`  env:  ${envNote}\n`);
      if (hub.oneTimePassword) {
        process.stderr.write(
          `\nThe admin user was created. Its one-time password (shown only now): ${hub.oneTimePassword}\n` +
            'Change it with `terrahub user set-password admin`.\n\n',
        );
      }
      await stopped;
    });
}
