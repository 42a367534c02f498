// Secrets in a step's artifacts (a patch, a report, a log it kept): found by the values the run
// holds in secret-named variables and by the well-known token shapes of redact.ts, cut out with
// `***`, and reported by kind, line and variable name — never by any part of the secret itself.
import {
  isSecretName,
  jsShape,
  MIN_SECRET_VALUE_LENGTH,
  REDACTED,
  redactableValues,
  TOKEN_SHAPES,
  type TokenKind,
} from '../redact.js';

export type SecretKind = TokenKind | 'anthropic-key' | 'jwt' | 'known-value';

// A secret-named variable the run holds.
export interface SecretValue {
  readonly name: string;
  readonly value: string;
}

export interface SecretFinding {
  readonly kind: SecretKind;
  // 1-based; of the line the secret starts on.
  readonly line: number;
  // For 'known-value': the variable's name (never its value).
  readonly name?: string;
}

export interface SecretScan {
  readonly findings: readonly SecretFinding[];
  // The text with each secret replaced by REDACTED (the same string when nothing was found).
  readonly text: string;
}

interface Shape {
  readonly kind: SecretKind;
  readonly pattern: RegExp;
  // Whether a match is a credential rather than a word or a placeholder that fits the shape.
  readonly plausible?: (match: string) => boolean;
}

// Real keys are long random strings: they hold a digit (`sk-spinner-pulse-effect`, a CSS class of
// SpinKit, does not).
const randomKey = (match: string): boolean => match.length >= 24 && /\d/.test(match);
// "uses Bearer authentication", `Bearer ${TOKEN}`, `postgres://user:password@localhost` are prose
// and placeholders, not credentials.
const credential = (match: string): boolean =>
  !/^[$<{%[]/.test(match) && (/\d/.test(match) || match.length >= 20);

const PLAUSIBLE: Partial<Record<TokenKind, (match: string) => boolean>> = {
  'openai-key': randomKey,
  'bearer-token': credential,
  'url-password': credential,
};

// Shapes of the scan's own, beside redact.ts's: a PEM block whole, its END line and any
// `Proc-Type:`/`DEK-Info:` headers with it (redact.ts's shape stops at the first `-`), and JWTs.
// A block's body holds no `-----`: the search from a BEGIN ends at the next marker, whichever it
// is, so a text of many BEGINs and no END is read once, not once per BEGIN.
const SCAN_SHAPES: readonly Shape[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN ([A-Z ]*PRIVATE KEY(?: BLOCK)?)-----(?:[^-]|-(?!----)){0,65536}?-----END \1-----/g,
  },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g },
];

let shapes: readonly Shape[] | undefined;

function allShapes(): readonly Shape[] {
  shapes ??= [
    ...SCAN_SHAPES,
    ...TOKEN_SHAPES.map((shape): Shape => {
      const plausible = PLAUSIBLE[shape.kind];
      const pattern = new RegExp(jsShape(shape), 'g');
      return plausible === undefined
        ? { kind: shape.kind, pattern }
        : { kind: shape.kind, pattern, plausible };
    }),
  ];
  return shapes;
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly kind: SecretKind;
  readonly name?: string;
}

function knownValueMatches(text: string, values: readonly SecretValue[], into: Match[]): void {
  for (const { name, value } of values) {
    // The value and, for a long one, its last 20 characters (CLIs show `sk-ant-...<last 20>`).
    for (const literal of redactableValues([value])) {
      for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, at + 1))
        into.push({ start: at, end: at + literal.length, kind: 'known-value', name });
    }
  }
}

function shapeMatches(text: string, into: Match[]): void {
  for (const { kind, pattern, plausible } of allShapes()) {
    for (const match of text.matchAll(pattern)) {
      if (match[0].length === 0 || (plausible !== undefined && !plausible(match[0]))) continue;
      const kindOf = kind === 'openai-key' && match[0].startsWith('sk-ant-') ? 'anthropic-key' : kind;
      into.push({ start: match.index, end: match.index + match[0].length, kind: kindOf });
    }
  }
}

// Of overlapping matches, the one a finding names: the longest, a known value on a tie (its
// variable's name says more than a shape), else the first found.
function better(a: Match, b: Match): boolean {
  const length = (m: Match): number => m.end - m.start;
  if (length(a) !== length(b)) return length(a) > length(b);
  return a.kind === 'known-value' && b.kind !== 'known-value';
}

// Finds the secrets in `text`: each known value (matched literally, wherever it occurs) and each
// well-known token shape. Overlapping matches are one secret, redacted as their union so no part
// of either stays; a PEM block is one, across its lines.
export function scanSecrets(text: string, values: readonly SecretValue[]): SecretScan {
  const matches: Match[] = [];
  knownValueMatches(text, values, matches);
  shapeMatches(text, matches);
  if (matches.length === 0) return { findings: [], text };
  matches.sort((a, b) => a.start - b.start || b.end - a.end);

  const findings: SecretFinding[] = [];
  const pieces: string[] = [];
  let copied = 0; // text before this is in `pieces`
  let line = 1;
  let newline = text.indexOf('\n'); // the first not yet counted in `line`
  let i = 0;
  while (i < matches.length) {
    let pick = matches[i] as Match;
    const start = pick.start;
    let end = pick.end;
    for (i++; i < matches.length && (matches[i] as Match).start < end; i++) {
      const next = matches[i] as Match;
      end = Math.max(end, next.end);
      if (better(next, pick)) pick = next;
    }
    for (; newline !== -1 && newline < start; newline = text.indexOf('\n', newline + 1)) line++;
    findings.push(
      pick.name === undefined ? { kind: pick.kind, line } : { kind: pick.kind, line, name: pick.name },
    );
    pieces.push(text.slice(copied, start), REDACTED);
    copied = end;
  }
  pieces.push(text.slice(copied));
  return { findings, text: pieces.join('') };
}

// The values of the secret-named variables of `env` (isSecretName), but for those too short to
// look for (MIN_SECRET_VALUE_LENGTH): they would match everywhere.
export function secretValuesOf(env: Readonly<Record<string, string>>): SecretValue[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && value.length >= MIN_SECRET_VALUE_LENGTH)
    .map(([name, value]) => ({ name, value }));
}
