// A process and everything it started, ended by pid: a CLI that re-launches itself (gemini's node
// starts a second node) or leaves helpers behind outlives the SIGHUP of a killed tmux session.
// The tree is read from `ps` (Linux and macOS alike) before each signal, so children started
// meanwhile are caught on the next round; only descendants of the given pid are ever signalled.
import { runCommand } from './run-command.js';

const ROUNDS = 20;
const ROUND_MS = 100;
// After this many rounds of SIGTERM, what is left gets SIGKILL.
const TERM_ROUNDS = 10;

// Pid → parent pid of every process now.
async function parents(): Promise<Map<number, number>> {
  const out = await runCommand(['ps', '-A', '-o', 'pid=,ppid='], { timeoutMs: 5_000 });
  const map = new Map<number, number>();
  for (const line of out.stdout.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && Number.isInteger(ppid)) map.set(pid, ppid);
  }
  return map;
}

// `root` and its live descendants.
export async function processTree(root: number): Promise<number[]> {
  const table = await parents();
  const tree = new Set(table.has(root) ? [root] : []);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of table) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// Ends `root` and its descendants (SIGTERM, then SIGKILL for what stays); resolves once none is
// left, or after about two seconds. Returns the pids it signalled.
export async function killProcessTree(root: number): Promise<number[]> {
  const signalled = new Set<number>();
  let tree = await processTree(root);
  for (let round = 0; round < ROUNDS && tree.length > 0; round++) {
    for (const pid of tree) {
      signal(pid, round < TERM_ROUNDS ? 'SIGTERM' : 'SIGKILL');
      signalled.add(pid);
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
    // Orphans of the tree are reparented (to init): the ones already seen are followed by pid.
    const next = new Set(await processTree(root));
    for (const pid of signalled) if (isAlive(pid)) next.add(pid);
    tree = [...next];
  }
  return [...signalled];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
