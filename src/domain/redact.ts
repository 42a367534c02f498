// Secrets never reach logs or state: secret-named fields become `***`, and known secret values
// and well-known token shapes are cut out of free text (pane output, error messages, commands).

// What a redacted value is replaced with.
export const REDACTED = '***';

// Known secret values shorter than this are not redacted (they would match everywhere).
export const MIN_SECRET_VALUE_LENGTH = 6;

// Splits `AWS_SECRET_ACCESS_KEY`, `apiKey`, `X-Api-Key`, `APIKey` into lower-case words.
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

// A name ending in one of these describes a secret without holding it: `secretEnv` (a list of
// variable names), `TOKEN_COUNT`, `PASSWORD_FILE`, `API_KEY_ID`.
const METADATA_WORDS = new Set([
  'name',
  'names',
  'env',
  'vars',
  'count',
  'limit',
  'length',
  'file',
  'path',
  'dir',
  'id',
  'ids',
]);
const DATABASE_WORDS = new Set([
  'database',
  'db',
  'postgres',
  'postgresql',
  'pg',
  'mysql',
  'redis',
  'mongo',
  'mongodb',
  'amqp',
  'broker',
]);
const ALWAYS_SECRET = /password|passwd|passphrase|secret|credential|cookie/;

function isSecretWord(word: string, single: boolean): boolean {
  if (ALWAYS_SECRET.test(word)) return true;
  if (word.endsWith('token')) return true; // token, accesstoken; not tokens, tokenizer
  if (word === 'pass') return true;
  if (word.startsWith('auth') && !word.startsWith('author')) return true; // auth, authtoken; not author
  if (word.startsWith('authorization') || word.endsWith('auth')) return true; // oauth, nextauth
  // A bare `key`/`pat` is too often a tmux key name or a path: only compounds count.
  if (word === 'key' || word === 'keys' || word === 'pat') return !single;
  return word.length > 3 && (word.endsWith('key') || word.endsWith('keys')); // apikey; not keyboard
}

// Whether a variable or property name holds a secret (ANTHROPIC_API_KEY, GITHUB_TOKEN,
// AWS_SECRET_ACCESS_KEY, apiKey, authorization, DB_PASSWORD, AUTH_URL …), case-insensitive.
// Not secret: AUTHOR, KEYBOARD, maxTokens/input_tokens, a bare `key`, PWD, and names ending in a
// metadata word (secretEnv, TOKEN_COUNT). A false positive only hides a harmless value.
export function isSecretName(name: string): boolean {
  const parts = words(name);
  const last = parts[parts.length - 1];
  if (last === undefined || (parts.length > 1 && METADATA_WORDS.has(last))) return false;
  // Connection strings carry their password: DATABASE_URL, REDIS_DSN, DB_URI, CONNECTION_STRING.
  if (
    last === 'dsn' ||
    (parts.length > 1 &&
      (last === 'url' || last === 'uri') &&
      DATABASE_WORDS.has(parts[parts.length - 2] ?? ''))
  )
    return true;
  if (parts.length > 1 && last === 'string' && parts[parts.length - 2] === 'connection') return true;
  return parts.some((word) => isSecretWord(word, parts.length === 1));
}

// Token shapes redacted wherever they appear, known or not. Each is a `body` (what is replaced)
// after an optional `after` context that stays: written so that both JavaScript (`(?<=after)body`)
// and Perl (`after\Kbody`, for the pane-log filter, src/worker/log-filter.ts) read them alike.
export interface TokenShape {
  readonly after?: string;
  readonly body: string;
}

// Names whose value is secret in `NAME=value` text (commands, env dumps): …_KEY, …TOKEN…, …SECRET…,
// …PASSWORD…, DATABASE_URL and other connection strings (upper case: `max_tokens=5` is no secret).
const SECRET_NAME_PARTS = [
  '_KEY',
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  '_PASS',
  '_PWD',
  'DATABASE_URL',
  '_DSN',
  'DB_URL',
  'CONNECTION_STRING',
];

// `FOO_API_KEY=value`, `GITHUB_TOKEN="value"`, `export DB_PASSWORD=…`, `DATABASE_URL=…`. A pass of
// its own, run only on text holding one of the name parts (a plain literal search): as one more
// alternative of the shapes it made every word boundary a starting point and the Perl filter 50
// times slower on ordinary output.
export const SECRET_ASSIGNMENT: TokenShape = {
  after: String.raw`\b[A-Z0-9_]*(?:${SECRET_NAME_PARTS.join('|')})[A-Z0-9_]*=["']?`,
  // A quoted value whole (its quotes kept), else up to what ends a shell word.
  body: String.raw`(?:(?<=")[^"\n]+(?=")|(?<=')[^'\n]+(?=')|[^\s'";&|)\`]+)`,
};
export const SECRET_ASSIGNMENT_HINT = SECRET_NAME_PARTS.join('|');

// What kind of secret a token shape finds (secret-scan.ts reports it; the redactors ignore it).
export type TokenKind =
  | 'openai-key'
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'aws-access-key'
  | 'google-api-key'
  | 'private-key'
  | 'bearer-token'
  | 'basic-auth'
  | 'url-password';

export interface KindedTokenShape extends TokenShape {
  readonly kind: TokenKind;
}

export const TOKEN_SHAPES: readonly KindedTokenShape[] = [
  // OpenAI sk-…, sk-proj-…, Anthropic sk-ant-… (secret-scan.ts tells Anthropic's apart)
  { kind: 'openai-key', body: String.raw`\bsk-[A-Za-z0-9_-]{13,}` },
  { kind: 'github-token', body: String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}` }, // GitHub classic tokens
  { kind: 'bearer-token', body: String.raw`\btmx_[a-z0-9]{10}_[A-Za-z0-9_-]{20,}` }, // tmuxorch HTTP API tokens
  { kind: 'github-token', body: String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}` }, // GitHub fine-grained tokens
  { kind: 'gitlab-token', body: String.raw`\bglpat-[A-Za-z0-9_-]{20,}` }, // GitLab personal tokens
  { kind: 'slack-token', body: String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}` }, // Slack
  { kind: 'aws-access-key', body: String.raw`\bAKIA[0-9A-Z]{16}\b` }, // AWS access key ids
  { kind: 'google-api-key', body: String.raw`\bAIza[0-9A-Za-z_-]{35}` }, // Google API keys
  { kind: 'private-key', body: String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*` }, // PEM private keys
  // Authorization: Bearer <token>
  { kind: 'bearer-token', after: String.raw`\b[Bb]earer\s{1,8}`, body: String.raw`[A-Za-z0-9._~+/-]{6,}=*` },
  {
    kind: 'basic-auth',
    after: String.raw`\bAuthorization:\s{0,8}Basic\s{1,8}`,
    body: String.raw`[A-Za-z0-9+/]{6,}=*`,
  },
  // A URL's password: postgres://user:pw@host/db, https://x:token@github.com/…
  {
    kind: 'url-password',
    after: String.raw`\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s:/@'"]{0,200}:`,
    body: String.raw`[^\s@/'"]+(?=@)`,
  },
];

// A shape in JavaScript's syntax.
export function jsShape(s: TokenShape): string {
  return s.after === undefined ? s.body : `(?<=${s.after})${s.body}`;
}

// A shape in Perl's syntax (`\K` where JavaScript has a look-behind; Perl's look-behinds must
// have a fixed length).
export function perlShape(s: TokenShape): string {
  return s.after === undefined ? s.body : `${s.after}\\K${s.body}`;
}

// Whether a value is a secret by its shape whatever its name: a URL with a password, a known key.
export function isSecretValue(value: string): boolean {
  shapePattern ??= new RegExp(TOKEN_SHAPES.map(jsShape).join('|'));
  return shapePattern.test(value);
}
let shapePattern: RegExp | undefined;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The values a redactor cuts out: those long enough, and a long secret's last 20 characters too
// (CLIs show keys as `sk-ant-...<last 20>`); longest first, so a longer secret wins over a shorter
// one inside it.
export function redactableValues(secretValues: Iterable<string>): string[] {
  const withTails = [...secretValues].flatMap((value) =>
    typeof value === 'string' && value.length >= 32 ? [value, value.slice(-20)] : [value],
  );
  return [...new Set(withTails)]
    .filter((value) => typeof value === 'string' && value.length >= MIN_SECRET_VALUE_LENGTH)
    .sort((a, b) => b.length - a.length);
}

// Returns a function that replaces the given secret values (those of 6+ characters) and every
// well-known token shape with `***`. Build it once and reuse it: it compiles one regex.
// One pass per pattern, in this order, as the pane-log filter makes them: the known values (one
// alternation of literals), each shape, then `NAME=value` where a secret name part occurs. One
// alternation of everything is no faster here and 100 times slower in Perl, whose optimiser then
// has no literal to look for.
export function createRedactor(secretValues: Iterable<string>): (text: string) => string {
  const values = redactableValues(secretValues).map(escapeRegExp);
  const passes = [
    ...(values.length > 0 ? [new RegExp(values.join('|'), 'g')] : []),
    ...TOKEN_SHAPES.map((shape) => new RegExp(jsShape(shape), 'g')),
  ];
  const hint = new RegExp(SECRET_ASSIGNMENT_HINT);
  const assignment = new RegExp(jsShape(SECRET_ASSIGNMENT), 'g');
  return (text) => {
    let redacted = text;
    for (const pass of passes) redacted = redacted.replace(pass, REDACTED);
    return hint.test(redacted) ? redacted.replace(assignment, REDACTED) : redacted;
  };
}

let shapesOnly: ((text: string) => string) | undefined;

// The redactor that knows no values, only token shapes.
export function redactTokenShapes(text: string): string {
  shapesOnly ??= createRedactor([]);
  return shapesOnly(text);
}

// A copy of an environment with the values of secret-named variables replaced by `***`.
export function redactEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) out[name] = isSecretName(name) ? REDACTED : value;
  return out;
}

// A copy of any value fit for a log line: properties with secret names become `***` (unless
// null/undefined), strings go through `redactText` (default: token shapes only). Arrays, plain
// objects, Map and Set are copied; an Error becomes a plain object { name, message, stack, cause,
// …own fields }; a reference back to an enclosing object becomes '[Circular]' (shared, non-cyclic
// references are copied twice); symbol keys are dropped; other values pass unchanged.
export function redactDeep(
  value: unknown,
  redactText: (text: string) => string = redactTokenShapes,
): unknown {
  const ancestors = new Set<object>();
  const field = (key: unknown, child: unknown): unknown =>
    typeof key === 'string' && isSecretName(key) && child !== null && child !== undefined
      ? REDACTED
      : walk(child);

  function walk(current: unknown): unknown {
    if (typeof current === 'string') return redactText(current);
    if (typeof current !== 'object' || current === null) return current;
    if (ancestors.has(current)) return '[Circular]';
    if (current instanceof Date || ArrayBuffer.isView(current) || current instanceof ArrayBuffer)
      return current;
    ancestors.add(current);
    try {
      if (Array.isArray(current)) return current.map(walk);
      if (current instanceof Map) return new Map([...current].map(([k, v]) => [walk(k), field(k, v)]));
      if (current instanceof Set) return new Set([...current].map(walk));
      const out: Record<string, unknown> = {};
      if (current instanceof Error) {
        out['name'] = current.name;
        out['message'] = redactText(current.message);
        if (current.stack !== undefined) out['stack'] = redactText(current.stack);
        if (current.cause !== undefined) out['cause'] = walk(current.cause);
      }
      for (const [key, child] of Object.entries(current)) out[key] = field(key, child);
      return out;
    } finally {
      ancestors.delete(current);
    }
  }
  return walk(value);
}
