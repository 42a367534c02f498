// What an agent's TUI is doing, from its visible screen (`capture-pane -p -J`). Tried in order of
// what matters most: a blocking dialog beats a busy spinner, a spinner beats the idle prompt box
// (which stays on screen while the agent works). Only the bottom of the screen counts: the
// transcript above it may still show an earlier question or prompt line.
import { SCREEN_STATES, type AgentProfile, type ScreenState } from './profile.js';

// How many non-blank lines from the bottom are looked at.
export const SCREEN_TAIL_LINES = 16;

const ORDER: readonly ScreenState[] = [
  'trust_prompt',
  'auth_required',
  'awaiting_approval',
  'rate_limited',
  'busy',
  'crashed',
  'idle',
];

// Compiled once per profile (profiles are immutable).
const compiled = new WeakMap<AgentProfile, Map<ScreenState, RegExp[]>>();

function patternsOf(profile: AgentProfile): Map<ScreenState, RegExp[]> {
  let map = compiled.get(profile);
  if (!map) {
    map = new Map();
    for (const state of SCREEN_STATES) {
      map.set(
        state,
        (profile.screens[state] ?? []).map((source) => new RegExp(source, 'm')),
      );
    }
    compiled.set(profile, map);
  }
  return map;
}

export function screenTail(screen: string, lines = SCREEN_TAIL_LINES): string {
  return screen
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
}

// The state the screen shows, or 'unknown' when no pattern matches (a profile gone stale after a
// CLI update, or a screen still drawing).
export function classifyScreen(profile: AgentProfile, screen: string): ScreenState | 'unknown' {
  const tail = screenTail(screen);
  const patterns = patternsOf(profile);
  for (const state of ORDER) {
    if ((patterns.get(state) ?? []).some((re) => re.test(tail))) return state;
  }
  return 'unknown';
}
