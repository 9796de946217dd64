/** `terrahub user add|list|remove|set-password`: manage users in the local data directory. */
import { Command } from 'commander';
import { CliError, EXIT, printJsonOrTable, readStdin, withServices } from '../context.ts';

export function userCommand(): Command {
  const user = new Command('user').description('Manage users (works on the local data directory)');

  user
    .command('add <name>')
    .description('Create a user (and their home bucket)')
    .option('--admin', 'make the user an admin', false)
    .option('--group <group...>', 'groups the user belongs to')
    .option('--password-stdin', 'read a password from standard input')
    .action(
      async (
        name: string,
        opts: { admin: boolean; group?: string[]; passwordStdin?: boolean },
        cmd: Command,
      ) => {
        const password = opts.passwordStdin ? await readStdin() : undefined;
        await withServices(cmd, async (s) => {
          const u = await s.identity.users.create({
            name,
            admin: opts.admin,
            groups: opts.group ?? [],
            ...(password ? { password } : {}),
          });
          process.stdout.write(`created user ${u.name}${u.admin ? ' (admin)' : ''}\n`);
        });
      },
    );

  user
    .command('list')
    .description('List users')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withServices(cmd, (s) => {
        const rows = s.identity.users.list().map((u) => ({
          name: u.name,
          admin: u.admin,
          groups: u.groups,
          created: u.created,
          last_activity: u.lastActivity,
        }));
        printJsonOrTable(rows, Boolean(opts.json), ['name', 'admin', 'groups', 'created', 'last_activity']);
      });
    });

  user
    .command('remove <name>')
    .description('Delete a user and their tokens')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await withServices(cmd, (s) => {
        s.identity.users.remove(name);
        process.stdout.write(`removed user ${name}\n`);
      });
    });

  user
    .command('set-password <name>')
    .description('Set a password, read from standard input (so it never shows in `ps`)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      if (process.stdin.isTTY) process.stderr.write(`New password for ${name} (then Enter, Ctrl-D): `);
      const password = await readStdin();
      if (!password) throw new CliError('no password given on standard input', EXIT.usage);
      await withServices(cmd, async (s) => {
        await s.identity.users.setPassword(name, password);
        process.stdout.write(`password of ${name} set\n`);
      });
    });

  return user;
}
