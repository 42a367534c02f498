// `tmuxorch config`: read and edit the user's defaults in $TMUXORCH_HOME/config.json (through
// conf, validated before anything is written). The daemon reads them when it starts.
import type { Command } from 'commander';
import { ConfigError } from '../../../domain/errors.js';
import { readUserConfig } from '../../../infrastructure/config/settings.js';
import type { CliContext } from '../context.js';

// Values are JSON when they parse as JSON (numbers, null, objects), else strings.
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program.command('config').description("the user's defaults (config.json under the home)");

  config
    .command('list')
    .description('print the settings in config.json, and the effective values')
    .action(async () => {
      const user = await readUserConfig(ctx.settings.paths);
      // Everything but the derived paths and the socket (those come from flags and environment).
      const { paths: _paths, socket: _socket, ...effective } = await ctx.withUserConfig();
      ctx.print({ file: ctx.settings.paths.configFile, user, effective }, () =>
        [
          `# ${ctx.settings.paths.configFile}`,
          JSON.stringify(user, null, 2),
          '# effective',
          JSON.stringify(effective, null, 2),
        ].join('\n'),
      );
    });

  config
    .command('get <key>')
    .description('print one setting (effective value)')
    .action(async (key: string) => {
      const settings = (await ctx.withUserConfig()) as unknown as Record<string, unknown>;
      const [head, sub] = key.split('.', 2);
      const top = head ? settings[head] : undefined;
      const value = sub && top && typeof top === 'object' ? (top as Record<string, unknown>)[sub] : top;
      if (value === undefined) throw new ConfigError(`unknown setting "${key}"`, { key });
      ctx.print({ key, value }, () => (typeof value === 'object' ? JSON.stringify(value) : String(value)));
    });

  config
    .command('set <key> <value>')
    .description('set a default, e.g. config set healthIntervalMs 5000 (restart the daemon to apply)')
    .action(async (key: string, value: string) => {
      const { setUserConfig } = await import('../../../infrastructure/config/user-config.js');
      const user = setUserConfig(ctx.settings.paths, key, parseValue(value));
      ctx.print(
        user,
        () =>
          `${key} = ${value} (in ${ctx.settings.paths.configFile}; ${
            // The daemon re-reads the budget when config.json changes (budget-config.ts).
            key.startsWith('budget')
              ? 'a running daemon applies it within seconds'
              : 'restart the daemon to apply'
          })`,
      );
    });

  config
    .command('unset <key>')
    .description('remove a default (back to the built-in value)')
    .action(async (key: string) => {
      const { unsetUserConfig } = await import('../../../infrastructure/config/user-config.js');
      const user = unsetUserConfig(ctx.settings.paths, key);
      ctx.print(user, () => `${key} unset`);
    });
}
