/** `terrahub env build|list`: users' Python environments in `<dataDir>/envs/` (no running hub needed). */
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { buildEnvironment, environmentStatus } from '../../envs/build.ts';
import { findProfile, listProfiles } from '../../envs/profiles.ts';
import { configFrom, printJsonOrTable } from '../context.ts';

export function envCommand(): Command {
  const env = new Command('env').description("Build and list users' Python environments (profiles)");

  env
    .command('build')
    .description(
      'Build an environment from its pinned lock file into <dataDir>/envs/<profile> (a no-op when up to date)',
    )
    .argument('[profile]', 'profile name', 'default')
    .option('--force', 'rebuild even when the environment is up to date')
    .option('--python <exe>', 'Python interpreter to make the venv with (default: the envs.python key)')
    .action(async (name: string, opts: { force?: boolean; python?: string }, cmd: Command) => {
      const config = configFrom(cmd);
      const started = Date.now();
      const r = await buildEnvironment({
        envsDir: join(resolve(config.dataDir), 'envs'),
        profile: findProfile(name, config['envs.profilesDir']),
        python: opts.python ?? config['envs.python'],
        force: Boolean(opts.force),
        onProgress: (m) => process.stderr.write(`env ${name}: ${m}\n`),
      });
      if (r.changed)
        process.stderr.write(`env ${name}: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
      process.stdout.write(r.dir + '\n');
    });

  env
    .command('list')
    .description('List the profiles and whether each environment is built and up to date')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const envsDir = join(resolve(config.dataDir), 'envs');
      const rows = listProfiles(config['envs.profilesDir']).map((name) => {
        const profile = findProfile(name, config['envs.profilesDir']);
        const st = environmentStatus(envsDir, profile);
        return { name, built: st.upToDate, dir: st.dir, lock: profile.lockFile };
      });
      printJsonOrTable(rows, Boolean(opts.json), ['name', 'built', 'dir', 'lock']);
    });

  return env;
}
