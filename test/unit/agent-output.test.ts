// parseAgentOutput reads what each real CLI prints in headless mode. The inputs are the shapes
// recorded from the real CLIs in ../shared/AGENTS.md (§2.1 claude, §3.1 codex, §4.1 gemini,
// §5.1 opencode), so a drift in the parser against what the CLIs really print shows up here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentOutput } from '../../src/domain/agents/agent-output.js';
import { OUTPUT_FORMATS } from '../../src/domain/agents/profile.js';

const EMPTY = { text: null, sessionId: null, costUsd: null, isError: null, resetsAt: null };

// AGENTS.md §2.1: the real `claude -p --output-format json` result (one line), against the mock.
const CLAUDE_SUCCESS = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  api_error_status: null,
  duration_ms: 413,
  duration_api_ms: 116,
  num_turns: 1,
  result: 'mock reply',
  stop_reason: 'end_turn',
  session_id: 'c1eaa88d-ad23-464b-aa16-93f742603549',
  total_cost_usd: 0.000175,
  usage: { input_tokens: 10, output_tokens: 5, service_tier: 'standard' },
  modelUsage: { 'claude-opus-4-8[1m]': { inputTokens: 10, outputTokens: 5, costUSD: 0.000175 } },
  permission_denials: [],
  terminal_reason: 'completed',
});

// Logged out: claude says subtype "success" but is_error true (exit 1).
const CLAUDE_LOGGED_OUT = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: true,
  result: 'Not logged in · Please run /login',
  session_id: '5b0d7c1e-3a43-4c55-9d0e-0a7a3b0d1f11',
  total_cost_usd: 0,
});

describe('claude-json', () => {
  it('reads the result object: answer, session, cost, is_error false', () => {
    expect(parseAgentOutput('claude-json', `${CLAUDE_SUCCESS}\n`)).toEqual({
      text: 'mock reply',
      sessionId: 'c1eaa88d-ad23-464b-aa16-93f742603549',
      costUsd: 0.000175,
      isError: false,
      resetsAt: null,
    });
  });

  it('trusts is_error, not subtype: "success" with is_error true is an error', () => {
    expect(parseAgentOutput('claude-json', CLAUDE_LOGGED_OUT)).toMatchObject({
      text: 'Not logged in · Please run /login',
      isError: true,
      costUsd: 0,
    });
  });

  it('reads the pretty-printed form too', () => {
    const pretty = JSON.stringify(JSON.parse(CLAUDE_SUCCESS), null, 2);
    expect(parseAgentOutput('claude-json', pretty)).toMatchObject({ text: 'mock reply', isError: false });
  });

  it('stream-json: the last result line wins, the init and assistant lines are skipped', () => {
    const stream = [
      JSON.stringify({
        type: 'system',
        subtype: 'init',
        cwd: '/p',
        session_id: 'sid-1',
        tools: ['Bash'],
        model: 'claude-opus-4-8',
        permissionMode: 'default',
        claude_code_version: '2.1.197',
      }),
      JSON.stringify({
        type: 'assistant',
        message: { content: [{ type: 'text', text: 'thinking' }] },
        error: 'authentication_failed',
        session_id: 'sid-1',
      }),
      JSON.stringify({ type: 'result', is_error: true, result: 'first', session_id: 'sid-1' }),
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'final',
        session_id: 'sid-1',
        total_cost_usd: 0.5,
      }),
      '',
    ].join('\n');
    expect(parseAgentOutput('claude-json', stream)).toEqual({
      text: 'final',
      sessionId: 'sid-1',
      costUsd: 0.5,
      isError: false,
      resetsAt: null,
    });
  });

  it('reads resets_at where a CLI (the sim) says when a usage limit ends', () => {
    const line = JSON.stringify({ type: 'result', is_error: true, resets_at: '2030-01-01T00:00:00.000Z' });
    expect(parseAgentOutput('claude-json', line).resetsAt).toBe('2030-01-01T00:00:00.000Z');
  });
});

// AGENTS.md §3.1: the real `codex exec --json` stream, against the mock.
const CODEX_OK = [
  '{"type":"thread.started","thread_id":"01a20688-a952-7822-a909-58b5676928b4"}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"mock reply"}}',
  '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":5,"reasoning_output_tokens":0}}',
].join('\n');

describe('codex-jsonl', () => {
  it('thread.started gives the session, agent_message the text, turn.completed success', () => {
    expect(parseAgentOutput('codex-jsonl', CODEX_OK)).toEqual({
      text: 'mock reply',
      sessionId: '01a20688-a952-7822-a909-58b5676928b4',
      costUsd: null,
      isError: false,
      resetsAt: null,
    });
  });

  it('turn.failed is an error with its message; retry errors and warnings do not count', () => {
    const failed = [
      '{"type":"thread.started","thread_id":"t-2"}',
      '{"type":"turn.started"}',
      '{"type":"error","message":"Reconnecting... 1/5 (unexpected status 401 Unauthorized: bad key)"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"error","text":"a warning"}}',
      '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: bad key"}}',
    ].join('\n');
    expect(parseAgentOutput('codex-jsonl', failed)).toEqual({
      text: 'unexpected status 401 Unauthorized: bad key',
      sessionId: 't-2',
      costUsd: null,
      isError: true,
      resetsAt: null,
    });
  });

  it('ignores noise lines between events, and the CODEX_HOME-under-/tmp WARNING line', () => {
    // If a pane mixes stderr in, these are what codex always prints there (AGENTS.md §1, §3.1).
    const noisy = [
      'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/x/.codex"))',
      'Reading additional input from stdin...',
      '{"type":"thread.started",',
      ...CODEX_OK.split('\n').flatMap((line) => [line, '']),
      '[]',
    ].join('\n');
    expect(parseAgentOutput('codex-jsonl', noisy)).toEqual(parseAgentOutput('codex-jsonl', CODEX_OK));
  });
});

// AGENTS.md §4.1: gemini -o json prints one pretty-printed, multi-line document.
const GEMINI_OK = JSON.stringify(
  {
    session_id: '7f0f5c3c-7b5e-4a53-9a0e-2d8d5f3c1a77',
    response: 'mock reply',
    stats: {
      models: {
        'gemini-2.5-pro': {
          api: { totalRequests: 1, totalErrors: 0, totalLatencyMs: 120 },
          tokens: { input: 10, prompt: 10, candidates: 5, total: 15, cached: 0, thoughts: 0, tool: 0 },
        },
      },
      tools: { totalCalls: 0, totalSuccess: 0, totalFail: 0, totalDurationMs: 0, totalDecisions: {} },
      files: { totalLinesAdded: 0, totalLinesRemoved: 0 },
    },
  },
  null,
  2,
);

describe('gemini-json', () => {
  it('reads response and session_id from the multi-line document', () => {
    expect(GEMINI_OK.split('\n').length).toBeGreaterThan(10);
    expect(parseAgentOutput('gemini-json', GEMINI_OK)).toEqual({
      text: 'mock reply',
      sessionId: '7f0f5c3c-7b5e-4a53-9a0e-2d8d5f3c1a77',
      costUsd: null,
      isError: false,
      resetsAt: null,
    });
  });

  it('an error object is an error, its message the text', () => {
    const error = JSON.stringify(
      {
        session_id: 's-41',
        error: { type: 'Error', message: 'Please set an Auth method in your settings.json', code: 41 },
      },
      null,
      2,
    );
    expect(parseAgentOutput('gemini-json', `Warning: 256-color support not detected\n${error}\n`)).toEqual({
      text: 'Please set an Auth method in your settings.json',
      sessionId: 's-41',
      costUsd: null,
      isError: true,
      resetsAt: null,
    });
  });
});

// AGENTS.md §5.1: opencode run --format json events, one per line, no final result line.
const OPENCODE_OK = [
  '{"type":"step_start","timestamp":1,"sessionID":"ses_abc123","part":{"type":"step-start","snapshot":"s1"}}',
  '{"type":"text","timestamp":2,"sessionID":"ses_abc123","part":{"type":"text","text":"first part","time":{"start":1,"end":2}}}',
  '{"type":"tool_use","timestamp":3,"sessionID":"ses_abc123","part":{"type":"tool","tool":"bash","callID":"c1","state":{"status":"completed","input":{"command":"ls"},"output":"a"}}}',
  '{"type":"step_finish","timestamp":4,"sessionID":"ses_abc123","part":{"reason":"tool-calls","tokens":{"total":15,"input":10,"output":5,"reasoning":0,"cache":{"write":0,"read":0}},"cost":0.000105}}',
  '{"type":"text","timestamp":5,"sessionID":"ses_abc123","part":{"type":"text","text":"mock reply","time":{"start":4,"end":5}}}',
  '{"type":"step_finish","timestamp":6,"sessionID":"ses_abc123","part":{"reason":"stop","tokens":{"total":15,"input":10,"output":5,"reasoning":0,"cache":{"write":0,"read":0}},"cost":0.0002}}',
].join('\n');

describe('opencode-jsonl', () => {
  it('joins the text parts, reads sessionID, sums the cost of every step', () => {
    const result = parseAgentOutput('opencode-jsonl', OPENCODE_OK);
    expect(result).toMatchObject({
      text: 'first part\nmock reply',
      sessionId: 'ses_abc123',
      isError: false,
      resetsAt: null,
    });
    expect(result.costUsd).toBeCloseTo(0.000305, 9);
  });

  it('an error event is an error, its data.message the text', () => {
    const error =
      '{"type":"error","timestamp":7,"sessionID":"ses_err","error":{"name":"APIError","data":{"message":"invalid x-api-key","statusCode":401,"isRetryable":false,"responseBody":"{}"}}}';
    expect(parseAgentOutput('opencode-jsonl', `${error}\n`)).toEqual({
      text: 'invalid x-api-key',
      sessionId: 'ses_err',
      costUsd: null,
      isError: true,
      resetsAt: null,
    });
  });
});

describe('text and broken output', () => {
  it('text: the trimmed stdout is the answer, nothing else is known', () => {
    expect(parseAgentOutput('text', '  Applied edit to a.py\n\n')).toEqual({
      ...EMPTY,
      text: 'Applied edit to a.py',
    });
    expect(parseAgentOutput('text', ' \n')).toEqual(EMPTY);
  });

  // The exit status still decides when the output is unreadable: never an exception.
  const garbage = [
    '',
    '\n',
    'not json at all',
    '{',
    '{"type":',
    '}{',
    '[1,2,3]',
    'null',
    '{}',
    '{} trailing }',
    '\u0000\u001b[2J',
  ];
  for (const format of OUTPUT_FORMATS.filter((f) => f !== 'text')) {
    it(`${format}: empty or garbage input gives all nulls and never throws`, () => {
      for (const input of garbage) {
        expect(() => parseAgentOutput(format, input)).not.toThrow();
        const result = parseAgentOutput(format, input);
        expect(result, JSON.stringify(input)).toMatchObject({
          sessionId: null,
          costUsd: null,
          resetsAt: null,
        });
        expect(result.text, JSON.stringify(input)).toBeNull();
        expect(result.isError, JSON.stringify(input)).toBeNull();
      }
    });
  }
});

// Captured from the real gemini 0.61 (test/fixtures/agents/README.md): `gemini -p hi -o json
// --skip-trust` with GOOGLE_GEMINI_BASE_URL set and no auth type in settings exits 41 with nothing
// on stdout and this error object on stderr.
const GEMINI_STDERR = readFileSync(
  join(import.meta.dirname, '../fixtures/agents/gemini/one_shot_invalid_auth_stderr.txt'),
  'utf8',
);

describe('gemini-json errors on stderr', () => {
  it('reads the error object from stderr when stdout has no document', () => {
    expect(
      parseAgentOutput('gemini-json', '', `Warning: 256-color support not detected\n${GEMINI_STDERR}`),
    ).toEqual({
      text: 'Invalid auth method selected.',
      sessionId: '3da4671c-6495-434e-865e-380f1ee4811c',
      costUsd: null,
      isError: true,
      resetsAt: null,
    });
  });

  it("an API error's JSON body is read down to its message", () => {
    const body = JSON.stringify({ error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const stderr = JSON.stringify({ error: { message: body, code: 401 } });
    expect(parseAgentOutput('gemini-json', '', stderr).text).toBe('invalid x-api-key');
  });

  it('finds the error object after a stack trace with braces of its own (HTTP 401, exit 145)', () => {
    const stderr = readFileSync(
      join(import.meta.dirname, '../fixtures/agents/gemini/one_shot_401_stderr.txt'),
      'utf8',
    );
    expect(stderr).toContain('status: 401\n}');
    expect(parseAgentOutput('gemini-json', '', stderr)).toMatchObject({
      text: 'API key not valid. Please pass a valid API key.',
      sessionId: '11557986-9a65-46a8-ad8a-9b36a4b091fb',
      isError: true,
    });
  });

  it('stdout still wins over stderr', () => {
    expect(parseAgentOutput('gemini-json', GEMINI_OK, GEMINI_STDERR).text).toBe('mock reply');
  });
});
