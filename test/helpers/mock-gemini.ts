// A loopback stand-in of the Gemini API (generativelanguage), in-process, for driving the real
// Gemini CLI without a network (GOOGLE_GEMINI_BASE_URL=<url>, settings auth type gemini-api-key,
// any GEMINI_API_KEY; ../shared/AGENTS.md §4.1, after ../shared/fixtures/mock-gemini.mjs).
// `:generateContent` answers the CLI's router with the JSON it asks for; `:streamGenerateContent`
// the reply as one SSE event; `:countTokens` a count. Request bodies are recorded.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockGemini {
  readonly url: string;
  // The text of every main-turn request (what the conversation carried), in arrival order.
  readonly turns: string[];
  setReply(reply: string): void;
  close(): Promise<void>;
}

interface GenerateRequest {
  readonly contents?: { parts?: { text?: string; functionResponse?: unknown }[] }[];
  readonly generationConfig?: Record<string, unknown>;
  readonly tools?: { functionDeclarations?: { name?: string }[] }[];
}

// A prompt with `USE_TOOL <command>` gets a run_shell_command call of that command, one with
// `USE_WRITE <path>` a write_file call (each when the CLI offers the tool: `gemini -p` offers no
// shell in its default approval mode), as ../shared/fixtures/mock-gemini.mjs does with its fixed
// command; the turn after the tool's response is answered `tool finished`.
function toolCallOf(request: GenerateRequest): { name: string; args: Record<string, string> } | null {
  const last = request.contents?.at(-1)?.parts ?? [];
  if (last.some((part) => part.functionResponse !== undefined)) return null;
  const offered = new Set(
    (request.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((f) => f.name),
  );
  const text = last.map((part) => part.text ?? '').join(' ');
  const command = /USE_TOOL (.+?)(?:$|\n)/.exec(text)?.[1];
  if (command && offered.has('run_shell_command'))
    return { name: 'run_shell_command', args: { command, description: 'the test asked for it' } };
  const path = /USE_WRITE (\S+)/.exec(text)?.[1];
  if (path && offered.has('write_file'))
    return { name: 'write_file', args: { file_path: path, content: 'x\n' } };
  return null;
}

// `delayMs`: how long a main turn takes to answer (a real model is never instant; a driver that
// reads the screen must be able to see the TUI busy).
export async function startMockGemini(initialReply = 'mock reply', delayMs = 0): Promise<MockGemini> {
  let reply = initialReply;
  const turns: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.includes(':countTokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"totalTokens":10}');
        return;
      }
      let parsed: GenerateRequest = {};
      try {
        parsed = JSON.parse(body) as GenerateRequest;
      } catch {
        // not JSON: answered like any other
      }
      const config = parsed.generationConfig ?? {};
      const wantsJson =
        config.responseMimeType === 'application/json' ||
        config.responseJsonSchema !== undefined ||
        config.responseSchema !== undefined;
      const text = wantsJson
        ? JSON.stringify({
            reasoning: 'mock',
            model_choice: 'flash',
            complexity_reasoning: 'mock',
            complexity_score: 10,
          })
        : reply;
      if (!wantsJson) turns.push(body);
      const call = wantsJson ? null : toolCallOf(parsed);
      const answered = (parsed.contents?.at(-1)?.parts ?? []).some((p) => p.functionResponse !== undefined);
      const parts = call ? [{ functionCall: call }] : [{ text: answered ? 'tool finished' : text }];
      const answer = {
        candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
        modelVersion: 'gemini-mock',
      };
      setTimeout(
        () => {
          if (url.includes(':streamGenerateContent')) {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
        },
        wantsJson ? 0 : delayMs,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    turns,
    setReply: (next) => (reply = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
