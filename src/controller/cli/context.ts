// What every command needs: resolved settings (flags > env > config > defaults), the output mode,
// and a connection to the daemon.
import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { loadSettings, resolveSettings, type Settings } from '../../infrastructure/config/settings.js';
import { RpcClient } from '../rpc-client.js';
import { stylerFor, type Styler } from './output.js';
import type { OperationName, OperationRequest } from '../../application/contract/operation-inputs.js';
import type { OperationOutput } from '../../application/contract/operations.js';

export interface GlobalOptions {
  home?: string;
  socket?: string;
  session?: string;
  json?: boolean;
  debug?: boolean;
}

export class CliContext {
  private cachedSettings: Settings | null = null;
  private worker: { readonly id: string; readonly keyFile: string } | null = null;

  constructor(private readonly program: Command) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  // Resolves flags and environment once, before any command runs (a preAction hook). The user's
  // config.json is not read here: only the daemon uses those defaults (see withUserConfig).
  async load(): Promise<void> {
    this.cachedSettings ??= resolveSettings(this.overrides());
  }

  // Settings including config.json (validated): for the daemon and `tmuxorch config`.
  withUserConfig(): Promise<Settings> {
    return loadSettings(this.overrides());
  }

  private overrides(): {
    home?: string | undefined;
    socket?: string | undefined;
    session?: string | undefined;
  } {
    return { home: this.options.home, socket: this.options.socket, session: this.options.session };
  }

  get settings(): Settings {
    if (!this.cachedSettings)
      throw new UsageError('settings were read before the command started (a bug)', {});
    return this.cachedSettings;
  }

  get out(): Styler {
    return stylerFor(process.stdout);
  }

  // For progress on stderr: colour only if stderr is a terminal.
  get err(): Styler {
    return stylerFor(process.stderr);
  }

  // From now on this process speaks to the daemon as that worker, with its own key (an agent's
  // hook: `policy check --key-file`), and may run only that worker's hook operations.
  actAsWorker(id: string, keyFile: string): void {
    this.worker = { id, keyFile };
  }

  // Calls one operation of the daemon (application/contract/operations.ts) and closes the connection.
  async call<N extends OperationName>(
    name: N,
    ...input: undefined extends OperationRequest<N> ? [OperationRequest<N>?] : [OperationRequest<N>]
  ): Promise<OperationOutput<N>> {
    const client = await RpcClient.connect({ ...this.settings.paths, worker: this.worker ?? undefined });
    try {
      return await client.call<OperationOutput<N>>(name, input[0]);
    } finally {
      client.close();
    }
  }

  // Prints `value` as JSON with --json, else the human text.
  print(value: unknown, human: () => string): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else {
      const text = human();
      if (text !== '') process.stdout.write(`${text}\n`);
    }
  }
}
