// A loopback stand-in of the Anthropic Messages API, in-process, for driving the real Claude Code
// CLI without a network or an account (ANTHROPIC_BASE_URL=<url>, any ANTHROPIC_API_KEY).
// POST /v1/messages answers one text reply (an SSE stream when the request asks for one, else one
// JSON message); /v1/messages/count_tokens a token count; every other path 200 `{}`. Each request
// is recorded (method, path, parsed body) so a test can check what the CLI sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  // The path with its query string, as sent (claude sends /v1/messages?beta=true).
  readonly path: string;
  // The parsed JSON body, or the raw text when it is not JSON ('' for none).
  readonly body: unknown;
  // The raw body.
  readonly text: string;
  readonly headers: IncomingMessage['headers'];
}

export interface MockAnthropicOptions {
  // The assistant's reply to every message request (default "mock reply").
  readonly reply?: string;
}

// A prompt holding this word gets a Bash tool_use (`touch <TOOL_FILE>`) when the request offers
// a Bash tool; the tool's result then gets the text reply.
export const USE_TOOL = 'USE_TOOL';
export const TOOL_FILE = 'made-by-tool.txt';

interface MessageBody {
  readonly messages?: ReadonlyArray<{ role?: string; content?: unknown }>;
  readonly tools?: ReadonlyArray<{ name?: string }>;
}

// A prompt holding `CALL_TOOL <name> <json input>` (on one line) gets a tool_use of that tool
// (an MCP tool such as mcp__tmuxorch__workers) when the request offers it.
export const CALL_TOOL = 'CALL_TOOL';

// The tool_use block the request asks for, or null (a text reply).
function toolUseFor(body: unknown): Record<string, unknown> | null {
  const { messages = [], tools = [] } = (body ?? {}) as MessageBody;
  const bash = tools.find((t) => typeof t.name === 'string' && /^bash$/i.test(t.name));
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return null;
  const blocks = Array.isArray(last.content) ? (last.content as Array<Record<string, unknown>>) : [];
  if (blocks.some((b) => b.type === 'tool_result')) return null;
  const text =
    typeof last.content === 'string' ? last.content : blocks.map((b) => String(b.text ?? '')).join(' ');
  const named = new RegExp(`${CALL_TOOL} (\\S+) (\\{.*\\})`).exec(text);
  if (named && tools.some((t) => t.name === named[1]))
    return {
      type: 'tool_use',
      id: `toolu_mock_${Date.now()}`,
      name: named[1],
      input: JSON.parse(named[2] ?? '{}'),
    };
  if (!bash) return null;
  if (!text.includes(USE_TOOL)) return null;
  return {
    type: 'tool_use',
    id: `toolu_mock_${Date.now()}`,
    name: bash.name,
    input: { command: `touch ${TOOL_FILE}`, description: 'Create a marker file' },
  };
}

export interface MockAnthropic {
  // Base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:40123
  readonly url: string;
  // Every request so far, in arrival order (a live array).
  readonly requests: RecordedRequest[];
  // What the next message requests answer.
  setReply(reply: string): void;
  // The message requests (POST /v1/messages…) so far.
  messageRequests(): RecordedRequest[];
  close(): Promise<void>;
}

function pathOnly(path: string): string {
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function modelOf(body: unknown): string {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === 'string' ? model : 'claude-mock';
}

// One content block of an assistant message: whole in a JSON message; in a stream it opens as
// `start` and its content comes as one `delta`.
interface ReplyBlock {
  readonly content: Record<string, unknown>;
  readonly start: Record<string, unknown>;
  readonly delta: Record<string, unknown>;
  readonly stopReason: 'end_turn' | 'tool_use';
}

function textBlock(text: string): ReplyBlock {
  return {
    content: { type: 'text', text },
    start: { type: 'text', text: '' },
    delta: { type: 'text_delta', text },
    stopReason: 'end_turn',
  };
}

function toolUseBlock(tool: Record<string, unknown>): ReplyBlock {
  return {
    content: tool,
    start: { ...tool, input: {} },
    delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input) },
    stopReason: 'tool_use',
  };
}

function answerMessage(res: ServerResponse, body: unknown, reply: string): void {
  const tool = toolUseFor(body);
  const block = tool ? toolUseBlock(tool) : textBlock(reply);
  const message = { id: `msg_mock_${Date.now()}`, type: 'message', role: 'assistant', model: modelOf(body) };
  if ((body as { stream?: unknown } | null)?.stream !== true) {
    sendJson(res, {
      ...message,
      content: [block.content],
      stop_reason: block.stopReason,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', {
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  event('content_block_start', { index: 0, content_block: block.start });
  event('content_block_delta', { index: 0, delta: block.delta });
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: block.stopReason, stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  event('message_stop', {});
  res.end();
}

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  let reply = options.reply ?? 'mock reply';
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? '' : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      requests.push({ method, path, body, text, headers: req.headers });
      const route = pathOnly(path);
      if (method === 'POST' && route === '/v1/messages/count_tokens') sendJson(res, { input_tokens: 10 });
      else if (method === 'POST' && route === '/v1/messages') answerMessage(res, body, reply);
      else sendJson(res, {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setReply(next: string) {
      reply = next;
    },
    messageRequests() {
      return requests.filter((r) => r.method === 'POST' && pathOnly(r.path) === '/v1/messages');
    },
    async close() {
      // Keep-alive connections of a CLI would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The same, under the short name.
export const start = startMockAnthropic;
