// The daemon's side of the handshake on each connection (the why is in peer-proof.ts):
//   → {"hello":{"nonce":Nc}}          ← {"hello":{"nonce":Nd,"proof":HMAC(key, daemon Nc Nd)}}
//   → {"auth":{"proof":HMAC(key, client Nc Nd)}}       then requests, as rpc-protocol.ts says.
// Nothing a connection sends is run before its proof has been checked. A hello that names a
// worker (`{"hello":{"nonce":Nc,"worker":"w-…"}}`) is proven with that worker's own key
// instead, and the connection is that worker's: only its hook operations (rpc-server.ts).
import {
  newNonce,
  NONCE_PATTERN,
  proofMatches,
  proofOf,
  WORKER_ID_PATTERN,
  workerKeyOf,
} from '../infrastructure/ipc/peer-proof.js';

export interface HandshakeStep {
  readonly reply?: unknown;
  // Why the connection is refused (it is then closed).
  readonly refused?: string;
}

const NOT_PROVEN =
  "this connection did not prove it belongs to the home's user (a tmuxorch client reads the home's state/daemon.key)";

function field(line: string, name: string): Record<string, unknown> | null {
  try {
    const value = (JSON.parse(line) as Record<string, unknown> | null)?.[name];
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class DaemonHandshake {
  private clientNonce: string | null = null;
  private readonly daemonNonce = newNonce();
  private done = false;
  private workerId: string | null = null;

  constructor(private key: string) {}

  get proven(): boolean {
    return this.done;
  }

  // The worker a connection proved to be (null: the home's user, with the daemon's key).
  get worker(): string | null {
    return this.workerId;
  }

  take(line: string): HandshakeStep {
    if (this.clientNonce === null) {
      const hello = field(line, 'hello');
      const nonce = hello?.nonce;
      if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) return { refused: NOT_PROVEN };
      if (hello?.worker !== undefined) {
        if (typeof hello.worker !== 'string' || !WORKER_ID_PATTERN.test(hello.worker))
          return { refused: NOT_PROVEN };
        this.workerId = hello.worker;
        this.key = workerKeyOf(this.key, hello.worker);
      }
      this.clientNonce = nonce;
      return {
        reply: {
          hello: { nonce: this.daemonNonce, proof: proofOf(this.key, 'daemon', nonce, this.daemonNonce) },
        },
      };
    }
    const expected = proofOf(this.key, 'client', this.clientNonce, this.daemonNonce);
    if (!proofMatches(expected, field(line, 'auth')?.proof)) return { refused: NOT_PROVEN };
    this.done = true;
    return {};
  }
}
