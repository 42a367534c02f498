// Parameter schemas the RPC method table shares (rpc-server.ts): what the daemon refuses
// whatever client sent it.
import { isAbsolute } from 'node:path';
import { z } from 'zod';

// The daemon's working directory is nobody's project: a client resolves a relative path itself
// (the CLI and the Fleet API do) and the daemon takes absolute ones only.
export const absolutePath = z
  .string()
  .min(1, 'must not be empty')
  .refine((path) => isAbsolute(path), 'must be an absolute path (resolve it in the client)');
// Names as `--env` takes them; a value reaches the pane through tmux, which takes no line break.
export const workerEnv = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _'),
  z.string().regex(/^[^\r\n\0]*$/, 'a value cannot hold a line break'),
);
