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

// Compiled error patterns per profile (`screens.error`: a line a TUI prints when a turn fails).
const errorPatterns = new WeakMap<AgentProfile, RegExp[]>();

function errorsOf(profile: AgentProfile): RegExp[] {
  let list = errorPatterns.get(profile);
  if (!list) {
    list = (profile.screens.error ?? []).map((source) => new RegExp(source));
    errorPatterns.set(profile, list);
  }
  return list;
}

// The error sentences on a screen, one per line that matches (its first group, else the match).
function errorSentences(profile: AgentProfile, screen: string): string[] {
  const found: string[] = [];
  for (const line of screen.split('\n')) {
    const text = line.trimEnd();
    for (const re of errorsOf(profile)) {
      const match = re.exec(text);
      if (match) {
        found.push((match[1] ?? match[0]).trim());
        break;
      }
    }
  }
  return found;
}

// The error sentences `after` shows more often than `before` did: what the TUI printed since.
// (The transcript keeps an earlier turn's error on screen; counting keeps it from counting twice.)
export function newErrorLines(profile: AgentProfile, before: string, after: string): string[] {
  const seen = new Map<string, number>();
  for (const sentence of errorSentences(profile, before)) seen.set(sentence, (seen.get(sentence) ?? 0) + 1);
  const fresh: string[] = [];
  for (const sentence of errorSentences(profile, after)) {
    const left = seen.get(sentence) ?? 0;
    if (left > 0) seen.set(sentence, left - 1);
    else fresh.push(sentence);
  }
  return fresh;
}

// How many lines a crash report keeps of what a TUI printed last.
export const LAST_LINES = 4;

// The last lines a program printed before `end` (a line of the screen that marks its exit, e.g.
// the probe printed after it), after the line that started it (`start`, e.g. the typed command
// line); blank lines and the shell's prompt dropped.
export function lastPrintedLines(
  screen: string,
  isStart: (line: string) => boolean,
  isEnd: (line: string) => boolean,
  count = LAST_LINES,
): string[] {
  const lines = screen.split('\n').map((line) => line.trim());
  let end = lines.findLastIndex(isEnd);
  if (end < 0) end = lines.length;
  const start = lines.slice(0, end).findLastIndex(isStart);
  return lines
    .slice(start + 1, end)
    .filter((line) => line !== '' && line !== '$')
    .slice(-count);
}

// The CLI's own words for the state the screen shows: the last line of the tail that one of the
// state's patterns matches, without the box it is drawn in and cut to 200 chars; null if none.
export function stateLine(profile: AgentProfile, state: ScreenState, screen: string): string | null {
  const patterns = patternsOf(profile).get(state) ?? [];
  const lines = screenTail(screen).split('\n').reverse();
  const line = lines.find((l) => patterns.some((re) => re.test(l)));
  if (line === undefined) return null;
  const text = line.replace(/^[\s│┃|╭╰]+|[\s│┃|╮╯]+$/g, '');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
