/**
 * The `terrahub` command. Each command lives in commands/; register new ones in `program()` below.
 * `--help` works on every command; exit codes are listed in the help text.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../hub/api/index.ts';
import { cogCommand } from './commands/cog.ts';
import { configCommand, credentialsCommand } from './commands/config.ts';
import { envCommand } from './commands/env.ts';
import { ingestCommand } from './commands/ingest.ts';
import { mirrorCommand } from './commands/mirror.ts';
import { stacCommand } from './commands/stac.ts';
import { tokenCommand } from './commands/tokens.ts';
import { storageCommand } from './commands/storage.ts';
import { upCommand } from './commands/up.ts';
import { userCommand } from './commands/users.ts';
import { EXIT, reportError, setEnv } from './context.ts';

export function program(): Command {
  const p = new Command('terrahub')
    .description('TerraHub: a self-hosted planetary computing hub')
    .version(VERSION)
    .option('-c, --config <file>', 'configuration file (.yaml, .toml or .json); also TERRAHUB_CONFIG')
    .option('--data-dir <dir>', 'data directory (default ./terrahub-data); also TERRAHUB_DATA_DIR')
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 failure, 2 bad usage or configuration, 3 not found, 4 already exists, 5 denied.
Configuration keys: docs/configuration.md.`,
    )
    .showHelpAfterError()
    .exitOverride();
  p.addCommand(upCommand());
  p.addCommand(userCommand());
  p.addCommand(tokenCommand());
  p.addCommand(configCommand());
  p.addCommand(credentialsCommand());
  // Area commands (storage, stac, cog, ingest, mirror, env) are added here.
  p.addCommand(stacCommand());
  p.addCommand(storageCommand());
  p.addCommand(cogCommand());
  p.addCommand(ingestCommand());
  p.addCommand(mirrorCommand());
  p.addCommand(envCommand());
  for (const c of p.commands) c.exitOverride();
  return p;
}

export async function main(argv: string[]): Promise<void> {
  setEnv(process.env);
  let code: number = EXIT.ok;
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      code = reportError(e);
    }
  }
  process.exitCode = code;
}
