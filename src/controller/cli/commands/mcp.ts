// `tmuxorch mcp`: an MCP server on stdin/stdout for an agent host (claude --mcp-config, …). Its
// tools call the running daemon over its socket; none is started. stdout is the protocol: what a
// person should read goes to stderr.
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { VERSION } from '../../version.js';
import type { CliContext } from '../context.js';

function parseScope(value: string): 'read' | 'operate' {
  if (value !== 'read' && value !== 'operate')
    throw new UsageError(`--scope is read or operate (got ${value})`, { field: 'scope' });
  return value;
}

export function registerMcp(program: Command, ctx: CliContext): void {
  program
    .command('mcp')
    .description(
      'serve the fleet as an MCP server on stdio (tools: run, wait, status, logs, …) for an agent host',
    )
    .option('--scope <scope>', 'read: only the tools that change nothing; operate: all', 'operate')
    .action(async (opts: { scope: string }) => {
      const scope = parseScope(opts.scope);
      const [{ StdioServerTransport }, { createMcpServer }, { DaemonBackend }] = await Promise.all([
        import('@modelcontextprotocol/sdk/server/stdio.js'),
        import('../../mcp/mcp-server.js'),
        import('../../daemon-backend.js'),
      ]);
      const { paths } = ctx.settings;
      // Reconnects on the next call when the daemon is (re)started later.
      const backend = DaemonBackend.lazy(paths);
      try {
        await backend.call('ping', {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(
          `tmuxorch mcp: no daemon answers for ${paths.home} (${message}); serving anyway: every tool call fails until tmuxorch start\n`,
        );
      }
      const server = createMcpServer((name, input) => backend.call(name, input), {
        scope,
        version: VERSION,
        flowsDir: paths.flowsDir,
        cwd: process.cwd(),
      });
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        // The host closing our stdin is the end of the session.
        process.stdin.once('end', resolve);
        process.stdin.once('close', resolve);
        transport.onclose = resolve;
      });
      await server.connect(transport);
      await closed;
      await server.close().catch(() => undefined);
      await backend.close();
    });
}
