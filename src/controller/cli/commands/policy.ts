// `tmuxorch roles [show ROLE [--type T]]`: the roles and what each enforcement layer does with them;
// `tmuxorch policy check --worker W`: an agent's PreToolUse hook (Claude Code's contract: the
// tool call's JSON on stdin, the decision as hookSpecificOutput on stdout). The hook fails closed:
// whatever goes wrong (no daemon, bad input) is a deny with the reason, never a silent allow.
import type { Command } from 'commander';
import { ProfileRegistry } from '../../../domain/agents/registry.js';
import { roleView, type RoleView } from '../../../domain/policy/enforcement.js';
import { RoleRegistry } from '../../../domain/policy/role-registry.js';
import { roleViewFor } from '../../../application/policy/agent-flags.js';
import { table } from '../output.js';
import type { CliContext } from '../context.js';

// How long a hook waits for a person's answer, and how often it asks.
// Under the day the hook settings give it: the hook itself ends the wait, with a deny.
const ANSWER_WAIT_MS = 23 * 3600_000;
const POLL_MS = 250;
type HookFormat = 'claude' | 'gemini';

// The decision in the hook's own format: Claude Code's (and the sim's) hookSpecificOutput, or
// gemini's BeforeTool `{decision, reason}` (a deny blocks the call; the reason is its result).
function hookAnswer(format: HookFormat, decision: 'allow' | 'deny', reason: string): string {
  if (format === 'gemini') return `${JSON.stringify({ decision, reason: `tmuxorch: ${reason}` })}\n`;
  return `${JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: decision,
      permissionDecisionReason: `tmuxorch: ${reason}`,
    },
  })}\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function check(
  ctx: CliContext,
  worker: string,
): Promise<{ decision: 'allow' | 'deny' | 'defer'; reason: string }> {
  const payload = JSON.parse((await readStdin()) || '{}') as Record<string, unknown>;
  const tool = typeof payload.tool_name === 'string' ? payload.tool_name : '';
  const input =
    typeof payload.tool_input === 'object' && payload.tool_input !== null ? payload.tool_input : {};
  const cwd = typeof payload.cwd === 'string' && payload.cwd.startsWith('/') ? payload.cwd : null;
  const verdict = await ctx.call('policyCheck', {
    worker,
    tool: tool || 'unknown',
    input: input as Record<string, unknown>,
    cwd,
  });
  if (verdict.decision === 'defer') return { decision: 'defer', reason: verdict.reason };
  if (verdict.decision !== 'ask' || verdict.approvalId === null)
    return { decision: verdict.decision === 'allow' ? 'allow' : 'deny', reason: verdict.reason };
  process.stderr.write(`tmuxorch: waiting for a person (tmuxorch approve ${worker}): ${verdict.reason}\n`);
  const deadline = Date.now() + ANSWER_WAIT_MS;
  while (Date.now() < deadline) {
    const { answer } = await ctx.call('policyAnswer', { worker, approval: verdict.approvalId });
    if (answer !== null)
      return answer === 'approved'
        ? { decision: 'allow', reason: `a person approved: ${verdict.reason}` }
        : { decision: 'deny', reason: `a person denied: ${verdict.reason}` };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { decision: 'deny', reason: `nobody answered within 23 hours: ${verdict.reason}` };
}

function showRole(view: RoleView): string {
  const lines = [
    `${view.name}: ${view.description}${view.sandbox ? ' (sandboxed)' : ''}`,
    '',
    'rules (the last match wins):',
  ];
  lines.push(
    ...view.rules.map((rule) => `  ${rule}`),
    '',
    `protected paths: ${view.protectedPaths.join(', ')}`,
  );
  if (view.type) {
    lines.push('', `for ${view.type}:`);
    lines.push(
      table(
        ['layer', 'holds', 'what'],
        view.layers.map((l) => [l.layer, l.holds, l.what]),
      ),
    );
  }
  return lines.join('\n');
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  const roles = program
    .command('roles')
    .description('the roles: built in and from config.json (roles show ROLE --type T: how each is enforced)')
    .action(async () => {
      const settings = await ctx.withUserConfig();
      const views = new RoleRegistry(settings.roles, settings.protectedPaths)
        .all()
        .map((role) => roleView(role, null, null));
      ctx.print(views, () =>
        table(
          ['role', 'sandbox', 'rules', 'what it is for'],
          views.map((v) => [v.name, v.sandbox ? 'yes' : 'no', String(v.rules.length), v.description]),
        ),
      );
    });
  roles
    .command('show <role>')
    .description("a role's rules, and for an agent type what each enforcement layer does with them")
    .option('--type <type>', 'the agent type (claude, codex, gemini, opencode, aider, sim, shell)')
    .action(async (name: string, opts: { type?: string }) => {
      const settings = await ctx.withUserConfig();
      const view = roleViewFor(
        new RoleRegistry(settings.roles, settings.protectedPaths),
        new ProfileRegistry(settings.agents),
        name,
        opts.type ?? null,
      );
      ctx.print(view, () => showRole(view));
    });
  program
    .command('policy')
    .description("tmuxorch's side of an agent's tool hook")
    .command('check')
    .description(
      "a PreToolUse hook: reads the tool call's JSON on stdin, prints the decision in the hook's format",
    )
    .requiredOption('--worker <id>', 'the worker whose role decides')
    .option(
      '--format <format>',
      "the hook's format: claude (PreToolUse, also the sim's) or gemini (BeforeTool)",
      'claude',
    )
    .option('--key-file <file>', "the worker's own key (its hook settings name it): connect as that worker")
    .action(async (opts: { worker: string; format: string; keyFile?: string }) => {
      const format: HookFormat = opts.format === 'gemini' ? 'gemini' : 'claude';
      let answer: { decision: 'allow' | 'deny' | 'defer'; reason: string };
      if (opts.keyFile !== undefined) ctx.actAsWorker(opts.worker, opts.keyFile);
      try {
        answer = await check(ctx, opts.worker);
      } catch (error) {
        answer = {
          decision: 'deny',
          reason: `the policy could not be checked (${error instanceof Error ? error.message : String(error)}), so the tool call is denied`,
        };
      }
      // Not a tool the rules know: no decision, so the CLI's own permission rules apply.
      if (answer.decision !== 'defer')
        process.stdout.write(hookAnswer(format, answer.decision, answer.reason));
    });
}
