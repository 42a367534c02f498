// The daemon's socket protocol: newline-delimited JSON, one request → one response.
//   → {"id":1,"method":"send","params":{...}}
//   ← {"id":1,"result":{...}}   or   {"id":1,"error":{"code","message","details"}}
import { z } from 'zod';

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

export { LineSplitter } from './json-lines.js';
