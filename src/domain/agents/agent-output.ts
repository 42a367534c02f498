// Reads what an agent's headless run printed on stdout (its structured output where the CLI has
// one) into one shape. Pure: the caller reads the file. Unknown or broken output gives nulls,
// never an exception: the exit code still decides then.
import type { OutputFormat } from './profile.js';

export interface AgentResult {
  // The agent's final answer.
  readonly text: string | null;
  // The conversation id, for the next task to continue it.
  readonly sessionId: string | null;
  readonly costUsd: number | null;
  // The CLI's own verdict where it gives one (claude says is_error even with exit 0).
  readonly isError: boolean | null;
  // When the CLI said a usage limit resets (null: not said).
  readonly resetsAt: string | null;
}

const EMPTY: AgentResult = { text: null, sessionId: null, costUsd: null, isError: null, resetsAt: null };

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

// Every line that is a JSON object (JSONL streams; noise lines are skipped).
function jsonLines(stdout: string): Json[] {
  const objects: Json[] = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const object = asObject(JSON.parse(trimmed));
      if (object) objects.push(object);
    } catch {
      // a partial or foreign line
    }
  }
  return objects;
}

// One JSON document, pretty-printed or not (gemini prints it over many lines).
function jsonDocument(stdout: string): Json | null {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  try {
    return asObject(JSON.parse(stdout.slice(start, end + 1)));
  } catch {
    return jsonLines(stdout).at(-1) ?? null;
  }
}

function claudeJson(stdout: string): AgentResult {
  const result = [...jsonLines(stdout)].reverse().find((o) => o.type === 'result') ?? jsonDocument(stdout);
  if (!result) return EMPTY;
  return {
    text: str(result.result),
    sessionId: str(result.session_id),
    costUsd: num(result.total_cost_usd),
    isError: typeof result.is_error === 'boolean' ? result.is_error : null,
    resetsAt: str(result.resets_at),
  };
}

function codexJsonl(stdout: string): AgentResult {
  let text: string | null = null;
  let sessionId: string | null = null;
  let isError: boolean | null = null;
  for (const event of jsonLines(stdout)) {
    if (event.type === 'thread.started') sessionId = str(event.thread_id) ?? sessionId;
    const item = asObject(event.item);
    if (event.type === 'item.completed' && item?.type === 'agent_message') text = str(item.text) ?? text;
    if (event.type === 'turn.completed') isError = false;
    if (event.type === 'turn.failed') {
      isError = true;
      text = str(asObject(event.error)?.message) ?? text;
    }
  }
  return { text, sessionId, costUsd: null, isError, resetsAt: null };
}

// The last JSON document in a text that holds other things before it (gemini's stderr: a stack
// trace with braces of its own, then its pretty-printed error object from a line's start).
function lastJsonDocument(text: string): Json | null {
  const end = text.lastIndexOf('}');
  for (let start = text.lastIndexOf('\n{', end); start >= 0; start = text.lastIndexOf('\n{', start - 1)) {
    try {
      const doc = asObject(JSON.parse(text.slice(start + 1, end + 1)));
      if (doc) return doc;
    } catch {
      // not where the document starts
    }
    if (start === 0) break;
  }
  return text.startsWith('{') ? jsonDocument(text) : null;
}

// The sentence inside an error message that is itself JSON (gemini wraps an API error's body:
// `{"error":{"message":"{\"error\":{\"message\":\"…\"}}"}}`), else the message.
function innerMessage(message: string | null): string | null {
  if (message === null || !message.trim().startsWith('{')) return message;
  try {
    const inner = asObject(JSON.parse(message));
    const nested = asObject(inner?.error) ?? inner;
    return str(nested?.message) ?? message;
  } catch {
    return message;
  }
}

// gemini prints its result on stdout but its error object on stderr (AGENTS.md §4.1).
function geminiJson(stdout: string, stderr: string): AgentResult {
  const doc = jsonDocument(stdout) ?? lastJsonDocument(stderr);
  if (!doc) return EMPTY;
  const error = asObject(doc.error);
  return {
    text: str(doc.response) ?? innerMessage(str(error?.message)),
    sessionId: str(doc.session_id),
    costUsd: null,
    isError: error ? true : 'response' in doc ? false : null,
    resetsAt: null,
  };
}

function opencodeJsonl(stdout: string): AgentResult {
  const texts: string[] = [];
  let sessionId: string | null = null;
  let cost: number | null = null;
  let isError: boolean | null = null;
  let errorText: string | null = null;
  for (const event of jsonLines(stdout)) {
    sessionId = str(event.sessionID) ?? sessionId;
    const part = asObject(event.part);
    if (event.type === 'text' && part) texts.push(str(part.text) ?? '');
    if (event.type === 'step_finish') {
      cost = (cost ?? 0) + (num(part?.cost) ?? 0);
      if (part?.reason === 'stop' && isError === null) isError = false;
    }
    if (event.type === 'error') {
      isError = true;
      const error = asObject(event.error);
      errorText = str(asObject(error?.data)?.message) ?? str(error?.name) ?? 'error';
    }
  }
  const text = texts.length > 0 ? texts.join('\n') : errorText;
  return { text, sessionId, costUsd: cost, isError, resetsAt: null };
}

// The tool calls the CLI denied on its own in a headless run, each `{tool_name, tool_input}`
// (claude -p cannot ask, so a tool that needs approval is denied: `permission_denials`, while the
// run still reports success).
export function deniedToolCalls(format: OutputFormat, stdout: string): Json[] {
  if (format !== 'claude-json') return [];
  const result = [...jsonLines(stdout)].reverse().find((o) => o.type === 'result') ?? jsonDocument(stdout);
  const denials = result?.permission_denials;
  return Array.isArray(denials) ? denials.map(asObject).filter((d): d is Json => d !== null) : [];
}

// What the pane showed besides the agent's stdout: its stderr (and any noise of the shell).
export function stderrOf(output: string, stdout: string): string {
  return stdout === '' ? output : output.replace(stdout, '');
}

// `stderr`: what the CLI wrote besides its stdout, read where a CLI reports errors there.
export function parseAgentOutput(format: OutputFormat, stdout: string, stderr = ''): AgentResult {
  switch (format) {
    case 'claude-json':
      return claudeJson(stdout);
    case 'codex-jsonl':
      return codexJsonl(stdout);
    case 'gemini-json':
      return geminiJson(stdout, stderr);
    case 'opencode-jsonl':
      return opencodeJsonl(stdout);
    case 'text': {
      const text = stdout.trim();
      return { ...EMPTY, text: text === '' ? null : text };
    }
  }
}
