/** `terrahub config show`, and `terrahub credentials`. */
import { Command } from 'commander';
import { loadConfig, redacted } from '../../core/config/load.ts';
import { TerraHubClient, type Credentials } from '../../sdk/client.ts';
import { publicUrls } from '../../core/config/public-urls.ts';
import { allEnv, configFrom, env, withServices, type GlobalOptions } from '../context.ts';

export function configCommand(): Command {
  const config = new Command('config').description('Inspect the configuration');
  config
    .command('show')
    .description('Print the effective configuration (secrets redacted) and where each value came from')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { config: c, sources } = loadConfig({
        file: g.config ?? env('TERRAHUB_CONFIG'),
        env: allEnv(),
        flags: { dataDir: g.dataDir },
      });
      const values = redacted(c);
      if (opts.json) {
        process.stdout.write(JSON.stringify(values, null, 2) + '\n');
        return;
      }
      for (const [k, v] of Object.entries(values)) {
        process.stdout.write(`${k} = ${JSON.stringify(v)}  (${sources[k as keyof typeof sources]})\n`);
      }
    });
  return config;
}

/** Prints a user's S3 credentials as shell exports: `eval "$(terrahub credentials)"`. */
export function credentialsCommand(): Command {
  return new Command('credentials')
    .description(
      'Print S3 credentials as shell exports. With TERRAHUB_URL and TERRAHUB_TOKEN set (as in a user server), ' +
        'asks the hub for your own; otherwise reads the local data directory.',
    )
    .option('--user <name>', 'whose credentials (local mode; default admin)', 'admin')
    .option('--rotate', 'make a new key pair first (the old one stops working)')
    .action(async (opts: { user: string; rotate?: boolean }, cmd: Command) => {
      const url = env('TERRAHUB_URL');
      const token = env('TERRAHUB_TOKEN');
      let creds: Credentials;
      if (url && token) {
        creds = await new TerraHubClient({ url, token }).credentials({ rotate: Boolean(opts.rotate) });
      } else {
        const c = configFrom(cmd);
        creds = await withServices(cmd, (s) => {
          const k = opts.rotate
            ? s.identity.users.rotateCredentials(opts.user)
            : s.identity.users.credentials(opts.user);
          return {
            access_key_id: k.accessKeyId,
            secret_access_key: k.secretAccessKey,
            endpoint_url: publicUrls(c).s3PublicUrl,
          };
        });
      }
      process.stdout.write(
        `export AWS_ACCESS_KEY_ID=${creds.access_key_id}\n` +
          `export AWS_SECRET_ACCESS_KEY=${creds.secret_access_key}\n` +
          `export AWS_ENDPOINT_URL=${creds.endpoint_url}\n`,
      );
    });
}
