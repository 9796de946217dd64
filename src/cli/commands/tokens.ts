/** `terrahub token create|list|revoke`: API tokens of a user in the local data directory. */
import { Command } from 'commander';
import { parseDuration } from '../../core/config/types.ts';
import { CliError, EXIT, printJsonOrTable, withServices } from '../context.ts';

export function tokenCommand(): Command {
  const token = new Command('token').description('Manage API tokens (works on the local data directory)');

  token
    .command('create')
    .description('Create a token and print it (it is shown only once)')
    .requiredOption('--user <name>', 'owner of the token')
    .option('--scope <scope...>', "scopes (default: all of the owner's); see `GET /hub/api/openapi.json`")
    .option('--expires-in <duration>', 'lifetime such as 30d or 12h (default: none)')
    .option('--note <text>', 'what the token is for')
    .action(
      async (opts: { user: string; scope?: string[]; expiresIn?: string; note?: string }, cmd: Command) => {
        let expiresIn: number | undefined;
        if (opts.expiresIn) {
          try {
            expiresIn = parseDuration(opts.expiresIn) / 1000;
          } catch (e) {
            throw new CliError(`--expires-in ${(e as Error).message}`, EXIT.usage);
          }
        }
        await withServices(cmd, (s) => {
          const owner = s.identity.users.get(opts.user);
          const { token: t } = s.identity.tokens.create(owner, {
            scopes: opts.scope,
            expiresIn,
            note: opts.note,
          });
          process.stdout.write(t + '\n');
        });
      },
    );

  token
    .command('list')
    .description("List a user's tokens")
    .requiredOption('--user <name>', 'owner of the tokens')
    .option('--json', 'print JSON')
    .action(async (opts: { user: string; json?: boolean }, cmd: Command) => {
      await withServices(cmd, (s) => {
        const rows = s.identity.tokens.list(s.identity.users.get(opts.user));
        printJsonOrTable(rows as unknown as Record<string, unknown>[], Boolean(opts.json), [
          'id',
          'prefix',
          'scopes',
          'expires_at',
          'last_activity',
          'note',
        ]);
      });
    });

  token
    .command('revoke <id>')
    .description('Revoke a token by its id')
    .requiredOption('--user <name>', 'owner of the token')
    .action(async (id: string, opts: { user: string }, cmd: Command) => {
      await withServices(cmd, (s) => {
        s.identity.tokens.revoke(s.identity.users.get(opts.user), id);
        process.stdout.write(`revoked ${id}\n`);
      });
    });

  return token;
}
