// `tmuxorch token create|list|revoke`: the HTTP API's bearer tokens. Offline: they edit
// state/tokens.json directly (no daemon needed); a running daemon sees the change at its next
// request. A token's text is printed once, by `create`; only its hash is kept.
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { SCOPES, isScope, type Scope } from '../../../domain/service/scopes.js';
import type { TokenStore, TokenView } from '../../../infrastructure/service/token-store.js';
import type { CliContext } from '../context.js';

function parseScope(value: string): Scope {
  if (isScope(value)) return value;
  throw new UsageError(`--scope must be one of ${SCOPES.join(', ')} (got "${value}")`, { scope: value });
}

// `--projects '/srv/api/**,web'` → globs; each must say something.
function parseProjects(value: string): string[] {
  const globs = value.split(',').map((glob) => glob.trim());
  if (globs.some((glob) => glob === ''))
    throw new UsageError('--projects takes globs separated by commas, none empty', { projects: value });
  return globs;
}

function line(token: TokenView): string {
  const projects = token.projects.length > 0 ? token.projects.join(',') : 'all projects';
  const state = token.revokedAt ? `revoked ${token.revokedAt}` : `created ${token.createdAt}`;
  return `${token.id}  ${token.name}  ${token.scope}  ${projects}  ${state}`;
}

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program
    .command('token')
    .description('bearer tokens of the HTTP API (stored as hashes only; no daemon needed)');

  const store = async (): Promise<TokenStore> => {
    const [{ TokenStore }, { preparePrivateHome }] = await Promise.all([
      import('../../../infrastructure/service/token-store.js'),
      import('../../../infrastructure/config/private-home.js'),
    ]);
    preparePrivateHome(ctx.settings.paths);
    return new TokenStore(ctx.settings.paths.tokensFile);
  };

  token
    .command('create')
    .description('make a token and print it once (it is not stored: keep it now)')
    .requiredOption('--name <name>', 'a name to know it by (letters, digits, . _ -)')
    .option('--scope <scope>', `what it may do: ${SCOPES.join(', ')}`, parseScope, 'read' as Scope)
    .option(
      '--projects <globs>',
      'only these projects (globs of their paths or names, comma-separated)',
      parseProjects,
    )
    .action(async (opts: { name: string; scope: Scope; projects?: string[] }) => {
      const made = await (
        await store()
      ).create({
        name: opts.name,
        scope: opts.scope,
        projects: opts.projects ?? [],
      });
      ctx.print({ token: made.token, ...made.record }, () =>
        [
          made.token,
          `token ${made.record.name} (${made.record.id}, scope ${made.record.scope}) created.`,
          'It is shown this once and not stored anywhere (only its hash is): keep it now.',
        ].join('\n'),
      );
    });

  token
    .command('list')
    .description('the tokens: id, name, scope, projects, when made or revoked (never the token)')
    .action(async () => {
      const tokens = (await store()).list();
      ctx.print({ tokens }, () => (tokens.length === 0 ? 'no tokens' : tokens.map(line).join('\n')));
    });

  token
    .command('revoke <idOrName>')
    .description('revoke a token by its id or name (a running daemon refuses it at once)')
    .action(async (idOrName: string) => {
      const revoked = await (await store()).revoke(idOrName);
      ctx.print(revoked, () => `token ${revoked.name} (${revoked.id}) revoked`);
    });
}
