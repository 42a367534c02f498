// A strict parser of the Prometheus text exposition format (0.0.4), for the /metrics tests:
// every line is a `# HELP`, a `# TYPE` or a sample of a declared family; label values are
// unescaped; a malformed line throws.
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromFamily {
  readonly name: string;
  type: string | null;
  help: string | null;
  readonly samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(\\{(.*)\\})?\\s+(\\S+)(\\s+-?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${text}`);
  return Number(text);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`bad labels {${text}}`);
    const [whole, key = '', raw = ''] = match;
    if (key in labels) throw new Error(`label ${key} twice`);
    labels[key] = raw.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

export function parsePromText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const family = (name: string): PromFamily => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, type: null, help: null, samples: [] }));
    return found;
  };
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
      if (!meta) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`bad line: ${line}`);
        continue; // a comment
      }
      const [, kind, name = '', rest = ''] = meta;
      const f = family(name);
      if (kind === 'TYPE') {
        if (f.type !== null) throw new Error(`TYPE of ${name} twice`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          throw new Error(`bad type ${rest}`);
        if (f.samples.length > 0) throw new Error(`TYPE of ${name} after its samples`);
        f.type = rest;
      } else f.help = rest;
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`bad line: ${line}`);
    const [, name = '', , labelText = '', value = ''] = match;
    const base = families.has(name)
      ? name
      : (SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : null)).find(
          (n) => n !== null && families.has(n),
        ) ?? null);
    if (base === null) throw new Error(`sample ${name} of no declared family`);
    family(base).samples.push({ name, labels: parseLabels(labelText), value: parseValue(value) });
  }
  return families;
}

// The value of the one sample of `name` whose labels include `labels`.
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  for (const family of families.values())
    for (const sample of family.samples)
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v))
        return sample.value;
  return undefined;
}
