// agentVerdict turns an agent task's exit status and parsed output into the task's status and
// what its worker remembers. The reasons are what a user reads in `result`, so they are pinned.
import { describe, expect, it } from 'vitest';
import type { AgentResult } from '../../src/domain/agents/agent-output.js';
import { agentVerdict } from '../../src/domain/agents/agent-verdict.js';
import { claude } from '../../src/domain/agents/claude.js';
import { codex } from '../../src/domain/agents/codex.js';
import { gemini } from '../../src/domain/agents/gemini.js';
import { AUTH_CHECK_EXIT } from '../../src/domain/agents/profile.js';
import { sim } from '../../src/domain/agents/sim.js';

function result(fields: Partial<AgentResult> = {}): AgentResult {
  return { text: null, sessionId: null, costUsd: null, isError: null, resetsAt: null, ...fields };
}

describe('agentVerdict', () => {
  it('exit 0 and no error reported: succeeded, keeping the conversation id', () => {
    expect(
      agentVerdict(claude, 0, result({ text: 'done', sessionId: 's-1', isError: false }), 'done\n'),
    ).toEqual({
      status: 'succeeded',
      reason: null,
      condition: null,
      conditionUntil: null,
      sessionId: 's-1',
    });
    // A CLI that says nothing about errors (text output) succeeds on exit 0 alone.
    expect(agentVerdict(claude, 0, result(), '').status).toBe('succeeded');
  });

  it('exit 0 but is_error true: failed, saying it reported an error although it exited 0', () => {
    const verdict = agentVerdict(claude, 0, result({ text: 'Something broke\nmore', isError: true }), '');
    expect(verdict.status).toBe('failed');
    expect(verdict.condition).toBeNull();
    expect(verdict.reason).toBe('Claude Code reported an error although it exited 0: Something broke');
  });

  it('exit 86 (the auth check before the run failed): auth_required with the hint, session dropped', () => {
    for (const profile of [claude, codex, sim]) {
      expect(agentVerdict(profile, AUTH_CHECK_EXIT, result({ sessionId: 'stale' }), '')).toEqual({
        status: 'failed',
        reason: profile.authHint,
        condition: 'auth_required',
        conditionUntil: null,
        sessionId: null,
      });
    }
    expect(AUTH_CHECK_EXIT).toBe(86);
  });

  it("gemini's exit codes: 41 is auth_required, 55 an untrusted folder", () => {
    expect(agentVerdict(gemini, 41, result(), '')).toMatchObject({
      status: 'failed',
      reason: gemini.authHint,
      condition: 'auth_required',
      sessionId: null,
    });
    const trust = agentVerdict(gemini, 55, result({ sessionId: 'g-1' }), '');
    expect(trust).toMatchObject({ status: 'failed', condition: 'trust_prompt', sessionId: 'g-1' });
    expect(trust.reason).toContain('does not trust the project folder');
    expect(trust.reason).toContain('Gemini CLI');
    // The same codes mean nothing special for a CLI that does not define them.
    expect(agentVerdict(claude, 41, result(), '').condition).toBeNull();
  });

  it("an auth failure the CLI explained: its own sentence, then the hint (gemini's exit 41)", () => {
    const said = result({ text: 'Invalid auth method selected.', isError: true, sessionId: 'g-41' });
    expect(agentVerdict(gemini, 41, said, '')).toMatchObject({
      status: 'failed',
      reason: `gemini: Invalid auth method selected. (${gemini.authHint})`,
      condition: 'auth_required',
      sessionId: null,
    });
    // A key the API refuses: HTTP 401, exit 145 (401 & 0xFF).
    const refused = result({ text: 'API key not valid. Please pass a valid API key.', isError: true });
    expect(agentVerdict(gemini, 145, refused, '')).toMatchObject({
      reason: `gemini: API key not valid. Please pass a valid API key. (${gemini.authHint})`,
      condition: 'auth_required',
    });
  });

  it('a headless run that had a tool denied (claude -p permission_denials): failed as denied', () => {
    // The shape the real claude 2.1.197 printed against the stand-in (exit 0, is_error false).
    const stdout = JSON.stringify({
      type: 'result',
      is_error: false,
      result: 'tool finished, all done',
      session_id: 's-d',
      permission_denials: [
        { tool_name: 'Bash', tool_use_id: 'toolu_1', tool_input: { command: 'touch made-by-tool.txt' } },
      ],
    });
    const parsed = result({ text: 'tool finished, all done', sessionId: 's-d', isError: false });
    expect(agentVerdict(claude, 0, parsed, stdout, stdout)).toMatchObject({
      status: 'failed',
      reason: 'denied: Bash(touch made-by-tool.txt)',
      condition: null,
      sessionId: 's-d',
    });
    const none = stdout.replace(/"permission_denials":\[.*\]/, '"permission_denials":[]');
    expect(agentVerdict(claude, 0, parsed, none, none).status).toBe('succeeded');
  });

  it('a usage limit with a reset time: rate_limited until then', () => {
    const resetsAt = '2030-01-01T10:00:00.000Z';
    const verdict = agentVerdict(
      sim,
      1,
      result({
        text: `usage limit reached · resets at ${resetsAt}`,
        isError: true,
        resetsAt,
        sessionId: 's',
      }),
      '',
    );
    expect(verdict).toEqual({
      status: 'failed',
      reason: `sim agent hit a usage limit: it takes tasks again at ${resetsAt}`,
      condition: 'rate_limited',
      conditionUntil: resetsAt,
      sessionId: 's',
    });
  });

  it("a usage limit recognised by the profile's rate_limited patterns, in the text or the output", () => {
    const inText = agentVerdict(
      claude,
      1,
      result({ text: 'Claude usage limit reached|1767261600', isError: true }),
      '',
    );
    expect(inText).toMatchObject({ status: 'failed', condition: 'rate_limited', conditionUntil: null });
    expect(inText.reason).toBe('Claude Code hit a usage limit: Claude usage limit reached|1767261600');
    // Only in the pane output (stderr), the parsed text says nothing.
    const inOutput = agentVerdict(codex, 1, result(), "ERROR: You've hit your usage limit. Try again later.");
    expect(inOutput).toMatchObject({ status: 'failed', condition: 'rate_limited' });
    // (The reason then ends in an empty ": " as the text is empty: reported, not pinned.)
    expect(inOutput.reason).toMatch(/^Codex hit a usage limit/);
    // A successful answer that merely talks about rate limits is not a limit.
    expect(agentVerdict(claude, 0, result({ text: 'fixed the rate limit exceeded bug' }), '').status).toBe(
      'succeeded',
    );
  });

  it("an auth failure recognised by the profile's auth_required patterns", () => {
    const verdict = agentVerdict(
      claude,
      1,
      result({ text: 'Not logged in · Please run /login', isError: true, sessionId: 's' }),
      '',
    );
    expect(verdict).toMatchObject({
      status: 'failed',
      reason: claude.authHint,
      condition: 'auth_required',
      sessionId: null,
    });
  });

  it("other failures: the first line of the agent's text, else '<binary> exited with status N'", () => {
    expect(agentVerdict(sim, 1, result({ text: '  error: boom\nsecond line', isError: true }), '')).toEqual({
      status: 'failed',
      reason: 'error: boom',
      condition: null,
      conditionUntil: null,
      sessionId: null,
    });
    expect(agentVerdict(codex, 3, result(), 'some stderr').reason).toBe('codex exited with status 3');
    expect(agentVerdict(claude, 0, result({ isError: true }), '').reason).toBe(
      'Claude Code reported an error although it exited 0: claude exited with status 0',
    );
    // A long first line is cut to 300 characters.
    expect(agentVerdict(sim, 1, result({ text: 'x'.repeat(1000) }), '').reason).toHaveLength(300);
  });
});
