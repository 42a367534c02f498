// A bare client of the daemon's socket, for tests that speak the wire protocol themselves:
// malformed frames, oversized lines, a missing handshake, or a well-behaved handshake by hand.
import { connect, type Socket } from 'node:net';
import { newNonce, proofOf } from '../../src/infrastructure/ipc/peer-proof.js';

export interface RawSocket {
  readonly socket: Socket;
  write(text: string): void;
  // The next line the other end sends, or null once it closed.
  nextLine(timeoutMs?: number): Promise<string | null>;
  // Resolves when the other end has closed the connection.
  closed(): Promise<void>;
  // Completes the handshake with `key` (the home's state/daemon.key).
  prove(key: string): Promise<void>;
  destroy(): void;
}

export async function rawConnect(path: string): Promise<RawSocket> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  socket.setEncoding('utf8');
  const lines: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let rest = '';
  let ended = false;
  const closedPromise = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  socket.on('close', () => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  const nextLine = (timeoutMs = 10_000): Promise<string | null> => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no line from the socket in time')), timeoutMs);
      waiters.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  };
  return {
    socket,
    write: (text) => socket.write(text),
    nextLine,
    closed: () => closedPromise,
    async prove(key: string) {
      const nonce = newNonce();
      socket.write(`${JSON.stringify({ hello: { nonce } })}\n`);
      const reply = JSON.parse((await nextLine()) ?? 'null') as { hello: { nonce: string } };
      socket.write(
        `${JSON.stringify({ auth: { proof: proofOf(key, 'client', nonce, reply.hello.nonce) } })}\n`,
      );
    },
    destroy: () => socket.destroy(),
  };
}
