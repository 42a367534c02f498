// The sim agent's interactive screen: a prompt box, a spinner while it works, an approval
// question, a first-run trust question. It behaves like the agent TUIs tmuxorch drives (bracketed
// paste lands in the input box, Enter submits, Esc interrupts, Ctrl-C twice exits) and fires the
// same hooks, so the interactive adapter can be tested here without a network or a key.
import { toolChecker, type Hooks } from './hooks.js';
import { NOT_LOGGED_IN } from './one-shot.js';
import { SessionStore, type SimSession } from './session-store.js';
import { runTurn } from './turn.js';

export interface TuiOptions {
  readonly project: string;
  readonly sessionId?: string;
  readonly resume?: string;
  readonly hooks: Hooks;
  readonly skipPermissions: boolean;
  readonly model: string;
  readonly loggedIn: boolean;
  // Ask "Do you trust the files in this folder?" before the first prompt.
  readonly askTrust: boolean;
  // Swallow this many Enter presses (tests of submission verification).
  readonly dropEnters: number;
}

type Mode = 'trust' | 'idle' | 'busy' | 'approval';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

export class SimTui {
  private mode: Mode;
  private input = '';
  private readonly transcript: string[] = [];
  private notice = '';
  private spin = 0;
  private spinTimer: NodeJS.Timeout | null = null;
  private progress = 'Working';
  private question = '';
  private choice = 0;
  private answer: ((yes: boolean) => void) | null = null;
  private abort: AbortController | null = null;
  private pending = '';
  private pasting = false;
  private ctrlCArmedAt = 0;
  private dropEnters: number;
  private readonly session: SimSession;
  private readonly store = new SessionStore();

  constructor(private readonly options: TuiOptions) {
    this.session = options.resume
      ? this.store.load(options.resume)
      : this.store.create(options.project, options.sessionId);
    this.mode = options.askTrust ? 'trust' : 'idle';
    this.dropEnters = options.dropEnters;
    for (const turn of this.session.turns) this.transcript.push(`> ${turn.prompt}`, `● ${turn.reply}`);
  }

  start(): void {
    process.stdin.setRawMode?.(true);
    process.stdin.setEncoding('utf8');
    process.stdout.write('\x1b[?2004h');
    process.stdin.on('data', (chunk: string) => this.onInput(chunk));
    process.stdout.on('resize', () => this.draw());
    void this.options.hooks.fire('SessionStart', { session_id: this.session.id, cwd: this.options.project });
    this.draw();
  }

  private exit(): void {
    process.stdout.write('\x1b[?2004l\x1b[H\x1b[2J');
    process.stdout.write(`Resume this session with: tmuxorch-sim --resume ${this.session.id}\n`);
    process.exit(0);
  }

  private lines(): string[] {
    const width = Math.max(20, (process.stdout.columns || 80) - 1);
    const rule = '─'.repeat(width);
    const head = [`✻ sim agent · ${this.options.project}`, `  session ${this.session.id}`, ''];
    let bottom: string[];
    if (this.mode === 'trust') {
      bottom = [
        rule,
        'Do you trust the files in this folder?',
        `  ${this.options.project}`,
        `${this.choice === 0 ? '❯' : ' '} 1. Yes, I trust this folder`,
        `${this.choice === 1 ? '❯' : ' '} 2. No, exit`,
        rule,
      ];
    } else if (this.mode === 'approval') {
      bottom = [
        rule,
        'Do you want to proceed?',
        `  ${this.question}`,
        `${this.choice === 0 ? '❯' : ' '} 1. Yes`,
        `${this.choice === 1 ? '❯' : ' '} 2. No`,
        'Esc to cancel',
        rule,
      ];
    } else {
      const [first = '', ...rest] = this.input.split('\n');
      const status =
        this.mode === 'busy'
          ? `${SPINNER[this.spin % SPINNER.length]} ${this.progress}… (esc to interrupt)`
          : '';
      const footer =
        this.notice || (this.options.loggedIn ? '  ? for shortcuts' : '  Not logged in · Run /login');
      bottom = [status, rule, `> ${first}`, ...rest.map((l) => `  ${l}`), rule, footer];
    }
    const rows = Math.max(10, process.stdout.rows || 24);
    const room = Math.max(0, rows - head.length - bottom.length - 1);
    return [...head, ...this.transcript.slice(-room), ...bottom].map((l) => l.slice(0, width));
  }

  private draw(): void {
    process.stdout.write(`\x1b[H\x1b[2J${this.lines().join('\r\n')}`);
  }

  private onInput(chunk: string): void {
    this.pending += chunk;
    while (this.pending.length > 0) {
      if (this.pasting) {
        const end = this.pending.indexOf(PASTE_END);
        if (end < 0) {
          this.insert(this.pending);
          this.pending = '';
          break;
        }
        this.insert(this.pending.slice(0, end));
        this.pending = this.pending.slice(end + PASTE_END.length);
        this.pasting = false;
        continue;
      }
      if (this.pending.startsWith(PASTE_START)) {
        this.pasting = true;
        this.pending = this.pending.slice(PASTE_START.length);
        continue;
      }
      if (this.pending.startsWith('\x1b[') || this.pending.startsWith('\x1bO')) {
        // eslint-disable-next-line no-control-regex -- escape sequences are what a terminal sends
        const seq = /^\x1b[[O][0-9;]*[A-Za-z~]/.exec(this.pending);
        if (!seq) break; // incomplete: wait for the rest
        this.key(seq[0]);
        this.pending = this.pending.slice(seq[0].length);
        continue;
      }
      const char = String.fromCodePoint(this.pending.codePointAt(0) ?? 0);
      this.pending = this.pending.slice(char.length);
      this.key(char);
    }
    this.draw();
  }

  private insert(text: string): void {
    if (this.mode === 'idle' || this.mode === 'busy') this.input += text.replace(/\r\n?/g, '\n');
  }

  private key(key: string): void {
    this.notice = key === '\x03' ? this.notice : '';
    if (this.mode === 'trust' || this.mode === 'approval') return this.menuKey(key);
    switch (key) {
      case '\r':
      case '\n':
        if (this.mode !== 'idle' || this.input.trim() === '') return;
        if (this.dropEnters > 0) {
          this.dropEnters--;
          return;
        }
        return void this.submit().catch((error: unknown) => {
          if (this.spinTimer) clearInterval(this.spinTimer);
          this.mode = 'idle';
          this.transcript.push(`✗ ${String(error)}`);
          this.draw();
        });
      case '\x7f':
      case '\b':
        this.input = this.input.slice(0, -1);
        return;
      case '\x15':
        this.input = '';
        return;
      case '\x1b':
        this.abort?.abort();
        return;
      case '\x03':
        return this.ctrlC();
      default:
        if (key >= ' ' && !key.startsWith('\x1b')) this.input += key;
    }
  }

  private ctrlC(): void {
    if (this.mode === 'busy') return void this.abort?.abort();
    if (this.input !== '') {
      this.input = '';
      return;
    }
    if (Date.now() - this.ctrlCArmedAt < 3_000) return this.exit();
    this.ctrlCArmedAt = Date.now();
    this.notice = '  Press Ctrl-C again to exit';
  }

  private menuKey(key: string): void {
    if (key === '\x1b[A' || key === '\x1b[B') this.choice = 1 - this.choice;
    else if (key === '1' || key === 'y') this.choose(true);
    else if (key === '2' || key === 'n' || key === '\x1b') this.choose(false);
    else if (key === '\r' || key === '\n') this.choose(this.choice === 0);
    else if (key === '\x03') this.ctrlC();
  }

  private choose(yes: boolean): void {
    if (this.mode === 'trust') {
      if (!yes) this.exit();
      this.mode = 'idle';
      return;
    }
    this.mode = 'busy';
    const answer = this.answer;
    this.answer = null;
    answer?.(yes);
  }

  private approve = (question: string): Promise<boolean> => {
    this.mode = 'approval';
    this.question = question;
    this.choice = 0;
    void this.options.hooks.fire('PermissionRequest', {
      session_id: this.session.id,
      cwd: this.options.project,
      question,
    });
    this.draw();
    return new Promise((resolve) => (this.answer = resolve));
  };

  private async submit(): Promise<void> {
    const prompt = this.input;
    this.input = '';
    this.mode = 'busy';
    this.progress = 'Working';
    this.transcript.push(...prompt.split('\n').map((l, i) => `${i === 0 ? '>' : ' '} ${l}`));
    this.abort = new AbortController();
    this.spinTimer = setInterval(() => {
      this.spin++;
      this.draw();
    }, 250);
    this.draw();
    await this.options.hooks.fire('UserPromptSubmit', {
      session_id: this.session.id,
      cwd: this.options.project,
      prompt,
    });
    const started = Date.now();
    const turn = this.options.loggedIn
      ? await runTurn(prompt, {
          project: this.options.project,
          approve: this.approve,
          checkTool: toolChecker(
            this.options.hooks,
            { sessionId: this.session.id, cwd: this.options.project, skip: this.options.skipPermissions },
            this.approve,
          ),
          signal: this.abort.signal,
          onProgress: (what) => (this.progress = what),
        })
      : { reply: NOT_LOGGED_IN, isError: true, errorKind: 'auth' as const, resetsAt: null };
    if (this.spinTimer) clearInterval(this.spinTimer);
    this.abort = null;
    this.mode = 'idle';
    const mark = turn.errorKind === 'rate_limited' ? '⚠' : turn.isError ? '✗' : '●';
    this.transcript.push(...turn.reply.split('\n').map((l, i) => `${i === 0 ? mark : ' '} ${l}`));
    this.transcript.push(`✔ Done in ${((Date.now() - started) / 1000).toFixed(1)}s`, '');
    this.session.turns.push({ prompt, reply: turn.reply, isError: turn.isError });
    this.store.save(this.session);
    this.draw();
    await this.options.hooks.fire('Stop', {
      session_id: this.session.id,
      cwd: this.options.project,
      last_assistant_message: turn.reply,
      is_error: turn.isError,
    });
  }
}
