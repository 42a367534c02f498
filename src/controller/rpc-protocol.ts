// The daemon's socket protocol: newline-delimited JSON, one request → one response.
//   → {"id":1,"method":"send","params":{...}}
//   ← {"id":1,"result":{...}}   or   {"id":1,"error":{"code","message","details"}}
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';

export const requestSchema = z.object({
  id: z.number().int(),
  method: z.string().min(1),
  params: z.unknown().optional(),
});
export type RpcRequest = z.infer<typeof requestSchema>;

export const errorPayloadSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).default({}),
});

export const responseSchema = z.object({
  id: z.number().int(),
  result: z.unknown().optional(),
  error: errorPayloadSchema.optional(),
});
export type RpcResponse = z.infer<typeof responseSchema>;

// A request line as the daemon reads it: not JSON, or not a request, is the sender's mistake
// (USAGE, said in one sentence), never an internal error.
export function parseRequest(line: string): RpcRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UsageError('a request is not valid JSON: send one JSON object per line', {});
  }
  const request = requestSchema.safeParse(value);
  if (!request.success)
    throw new UsageError('a request must be {"id": <integer>, "method": <name>, "params": <object>}', {});
  return request.data;
}

export { LineSplitter, LineTooLongError } from './json-lines.js';
