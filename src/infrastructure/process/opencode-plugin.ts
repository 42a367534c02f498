// The opencode plugin a worker's TUI loads (opencodeConfigContent in domain/agents/hook-settings.ts
// points opencode at it): a small program of its own, run inside opencode, whose I/O is its
// appends to the worker's hook log. Kept here, with the code that runs processes, not in the pure
// domain.
// The plugin module: it runs inside opencode and appends to `logFile`. A turn's answer is the text
// of the last assistant message of the session before `session.idle`; sub-agent sessions (those
// with a parent) are not the worker's conversation and are skipped.
//
// With `check` (the argv of `tmuxorch policy check` for a worker with a role), every tool call
// is asked about first (tool.execute.before): the call's JSON goes in on stdin as a PreToolUse
// hook's payload, and a deny (or a check that could not run: it fails closed) throws, which
// opencode turns into the tool's failed result with the reason. An ask waits for the answer.
export function opencodePluginSource(logFile: string, check: readonly string[] | null = null): string {
  return `// Written by tmuxorch for one worker: opencode's events, as hook lines for tmuxorch.
import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
const LOG = ${JSON.stringify(logFile)};
const CHECK = ${JSON.stringify(check)};
const askTmuxorch = (payload) =>
  new Promise((resolve) => {
    const child = spawn(CHECK[0], CHECK.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', (error) => resolve({ code: 2, out: String(error) }));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(JSON.stringify(payload));
  });
const checkTool = async (directory, input, output) => {
  const { code, out } = await askTmuxorch({
    hook_event_name: 'PreToolUse',
    tool_name: input.tool,
    tool_input: output.args ?? {},
    cwd: directory,
  });
  if (code !== 0) throw new Error('tmuxorch: the policy could not be checked, so the tool call is denied');
  if (out.trim() === '') return;
  let decision;
  try {
    decision = JSON.parse(out).hookSpecificOutput;
  } catch {
    throw new Error('tmuxorch: the policy check answered nothing readable, so the tool call is denied');
  }
  if (decision?.permissionDecision !== 'allow')
    throw new Error(decision?.permissionDecisionReason ?? 'tmuxorch: denied');
};
const write = (line) => {
  try { appendFileSync(LOG, JSON.stringify(line) + '\\n'); } catch {}
};
export const TmuxorchHooks = async ({ directory } = {}) => {
  const children = new Set();
  const roles = new Map();
  const prompts = new Set();
  const answers = new Map();
  return {
    ...(CHECK ? { 'tool.execute.before': (input, output) => checkTool(directory, input, output) } : {}),
    event: async ({ event }) => {
      const p = event.properties ?? {};
      if (event.type === 'session.created' && p.info?.parentID) children.add(p.info.id);
      if (event.type === 'message.updated' && p.info?.id) {
        roles.set(p.info.id, p.info.role);
        if (p.info.role === 'user' && !children.has(p.info.sessionID) && !prompts.has(p.info.id)) {
          prompts.add(p.info.id);
          write({ hook_event_name: 'UserPromptSubmit', session_id: p.info.sessionID });
        }
      }
      if (event.type === 'message.part.updated' && p.part?.type === 'text') {
        const part = p.part;
        if (roles.get(part.messageID) !== 'assistant') return;
        let answer = answers.get(part.sessionID);
        if (!answer || answer.messageID !== part.messageID) {
          answer = { messageID: part.messageID, parts: new Map() };
          answers.set(part.sessionID, answer);
        }
        answer.parts.set(part.id, part.text ?? '');
      }
      if (event.type === 'permission.asked' && !children.has(p.sessionID)) {
        write({ hook_event_name: 'PermissionRequest', session_id: p.sessionID, tool_name: p.permission });
      }
      if (event.type === 'session.idle' && p.sessionID && !children.has(p.sessionID)) {
        const answer = answers.get(p.sessionID);
        answers.delete(p.sessionID);
        write({
          hook_event_name: 'Stop',
          session_id: p.sessionID,
          last_assistant_message: answer ? [...answer.parts.values()].join('') : null,
        });
      }
    },
  };
};
`;
}
