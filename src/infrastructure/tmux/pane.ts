// A tmux pane addressed by its id (%N); every call targets `-t <id>` (libtmux's model).
import { TmuxCommandError } from '../../domain/errors.js';
import { toShellCommand } from './argv.js';
import type { CommandResult, TmuxTransport } from './transport.js';

export interface CaptureOptions {
  // First line to capture: negative numbers reach into history (`-S`). Default: visible screen.
  readonly start?: number | '-';
  readonly end?: number | '-';
  // Keep escape sequences (`-e`).
  readonly escapes?: boolean;
}

// `copy-mode -q` cancels every mode (tmux 3.2+), in one command that cannot fail for want of one.
const LEAVE_MODES = (paneId: string): string[] => ['copy-mode', '-q', '-t', paneId];

export class Pane {
  constructor(
    private readonly transport: TmuxTransport,
    readonly id: string,
  ) {}

  // Types literal text (no key-name lookup), one line at a time with Enter between: control-mode
  // lines cannot carry a newline, and a shell must see each line submitted.
  async sendText(text: string, { enter = true }: { enter?: boolean } = {}): Promise<void> {
    await this.sequence(this.keystrokes(text, enter));
  }

  // Leaves any mode a human left the pane in (copy-mode would swallow the keys), then types the
  // line and Enter: one round trip on an ordered transport.
  async typeLine(text: string): Promise<void> {
    await this.sequence([LEAVE_MODES(this.id), ...this.keystrokes(text, true)]);
  }

  private keystrokes(text: string, enter: boolean): string[][] {
    const commands: string[][] = [];
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line !== '') commands.push(['send-keys', '-t', this.id, '-l', '--', line]);
      if (i < lines.length - 1 || enter) commands.push(['send-keys', '-t', this.id, 'Enter']);
    }
    return commands;
  }

  // Runs commands in order: all written at once when the transport keeps order, else one by one.
  private async sequence(commands: readonly string[][]): Promise<void> {
    if (this.transport.ordered) {
      await Promise.all(commands.map((args) => this.ok(args)));
      return;
    }
    for (const args of commands) await this.ok(args);
  }

  // Sends key names such as `C-c` or `Enter`.
  // Pastes a file's text as one bracketed paste (`paste-buffer -p`): a TUI takes it as typed
  // text, newlines included, and nothing is submitted until a separate Enter.
  async pasteFile(file: string, bufferName: string): Promise<void> {
    await this.sequence([
      LEAVE_MODES(this.id),
      ['load-buffer', '-b', bufferName, file],
      ['paste-buffer', '-p', '-d', '-b', bufferName, '-t', this.id],
    ]);
  }

  // The program in the pane's foreground (`bash` once an agent TUI has exited).
  async currentCommand(): Promise<string> {
    const result = await this.ok(['display-message', '-p', '-t', this.id, '#{pane_current_command}']);
    return (result.stdout[0] ?? '').trim();
  }

  async sendKeys(...keys: string[]): Promise<void> {
    await this.ok(['send-keys', '-t', this.id, ...keys]);
  }

  // The pane's text with wrapped lines joined (`-J`), so a long marker is found whole.
  async capture(options: CaptureOptions = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-J', '-t', this.id];
    if (options.escapes) args.push('-e');
    if (options.start !== undefined) args.push('-S', String(options.start));
    if (options.end !== undefined) args.push('-E', String(options.end));
    const result = await this.ok(args);
    return result.stdout.join('\n');
  }

  // Leaves copy-mode or any other mode a human left the pane in, so typed keys reach the program
  // again (a no-op when the pane is in no mode).
  async leaveModes(): Promise<void> {
    await this.ok(LEAVE_MODES(this.id));
  }

  async setOption(name: string, value: string): Promise<void> {
    await this.ok(['set-option', '-p', '-t', this.id, name, value]);
  }

  async unsetOption(name: string): Promise<void> {
    await this.ok(['set-option', '-p', '-u', '-t', this.id, name]);
  }

  // The pid of the pane's first process (null if tmux does not say).
  async pid(): Promise<number | null> {
    const out = await this.transport.run(['display-message', '-p', '-t', this.id, '#{pane_pid}']);
    const pid = Number.parseInt(out.stdout[0] ?? '', 10);
    return out.ok && Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  // Appends everything the pane prints to a file; the pipe outlives the controller (tmux owns it).
  // `filter`: the program the bytes pass through on their way (default `cat`). umask 077: the log
  // is created 0600 even by a tmux server started with a loose umask.
  async pipeToFile(file: string, filter: readonly string[] = ['cat']): Promise<void> {
    await this.ok([
      'pipe-pane',
      '-t',
      this.id,
      `umask 077; exec ${toShellCommand(filter)} >> ${toShellCommand([file])}`,
    ]);
  }

  // Replaces the pane's process (dead or alive) with a new one in `cwd`. `env` goes on the tmux
  // command line (tmux logs it): never a secret; a worker's env goes through its env file.
  async respawn(
    command: readonly string[],
    cwd: string,
    env: Readonly<Record<string, string>>,
  ): Promise<void> {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await this.ok(['respawn-pane', '-k', '-t', this.id, '-c', cwd, ...envArgs, toShellCommand(command)]);
  }

  async kill(): Promise<void> {
    await this.transport.run(['kill-pane', '-t', this.id]);
  }

  private async ok(args: string[]): Promise<CommandResult> {
    const result = await this.transport.run(args);
    if (!result.ok) {
      const why = result.timedOut ? 'timed out' : result.stderr.trim() || 'failed';
      throw new TmuxCommandError(`tmux ${args[0]} on pane ${this.id} ${why}`, {
        subcommand: args[0],
        paneId: this.id,
        stderr: result.stderr,
        timedOut: result.timedOut,
      });
    }
    return result;
  }
}
