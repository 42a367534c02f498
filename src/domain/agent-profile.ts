// How each worker type is launched in its pane. Data, not code paths: the agent adapters issue
// extends these profiles with screen patterns, hooks and one-shot templates.
import type { WorkerType } from './worker.js';

export interface AgentProfile {
  readonly type: WorkerType;
  // The program typed into the worker's shell to start the agent; null for a plain shell.
  readonly binary: string | null;
  readonly launch: readonly string[];
  // One sentence telling how to install it when it is missing.
  readonly installHint: string;
  // Whether tasks run through the marker protocol in this scope.
  readonly acceptsShellTasks: boolean;
}

export const AGENT_PROFILES: Readonly<Record<WorkerType, AgentProfile>> = {
  shell: { type: 'shell', binary: null, launch: [], installHint: '', acceptsShellTasks: true },
  sim: {
    type: 'sim',
    binary: 'tmuxorch-sim',
    launch: ['tmuxorch-sim'],
    installHint: 'the bundled sim agent ships with the agent adapters; use --type shell for now',
    acceptsShellTasks: false,
  },
  claude: {
    type: 'claude',
    binary: 'claude',
    launch: ['claude'],
    installHint: 'install it with npm install -g @anthropic-ai/claude-code',
    acceptsShellTasks: false,
  },
  codex: {
    type: 'codex',
    binary: 'codex',
    launch: ['codex'],
    installHint: 'install it with npm install -g @openai/codex',
    acceptsShellTasks: false,
  },
  gemini: {
    type: 'gemini',
    binary: 'gemini',
    launch: ['gemini'],
    installHint: 'install it with npm install -g @google/gemini-cli',
    acceptsShellTasks: false,
  },
  opencode: {
    type: 'opencode',
    binary: 'opencode',
    launch: ['opencode'],
    installHint: 'install it with npm install -g opencode-ai',
    acceptsShellTasks: false,
  },
  aider: {
    type: 'aider',
    binary: 'aider',
    launch: ['aider'],
    installHint: 'install it with pipx install aider-chat',
    acceptsShellTasks: false,
  },
};
