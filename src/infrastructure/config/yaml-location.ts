// Where a field of a YAML or JSON file is, as line:col, for messages that point at the fault.
// JSON is read with JSON.parse (strict JSON) and located with the YAML parser, which reads JSON too.
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';

export interface LocatedText {
  readonly raw: unknown;
  readonly doc: Document;
  readonly counter: LineCounter;
}

export interface TextPosition {
  readonly line: number;
  readonly col: number;
}

// A syntax error: where, and a message such as `not valid YAML (Map keys must be unique)`.
export class SyntaxProblem {
  constructor(
    readonly where: string,
    readonly message: string,
  ) {}
}

// Parses `text` as JSON (`json`) or YAML, keeping what is needed to locate its fields.
export function parseLocated(text: string, json: boolean): LocatedText | SyntaxProblem {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (json) {
    try {
      return { raw: JSON.parse(text) as unknown, doc, counter };
    } catch (error) {
      const msg = (error as Error).message;
      // Node names the offset of a bad character; input that ends too early is at its end.
      const at = /position (\d+)/.exec(msg);
      return new SyntaxProblem(where(counter, at ? Number(at[1]) : text.length), `not valid JSON (${msg})`);
    }
  }
  const error = doc.errors[0];
  if (error) {
    const msg = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return new SyntaxProblem(where(counter, error.pos[0]), `not valid YAML (${msg})`);
  }
  try {
    return { raw: doc.toJS() as unknown, doc, counter };
  } catch (error) {
    // An alias expanded into more nodes than yaml allows (a "billion laughs" file), and the like.
    return new SyntaxProblem('1:1', `not a YAML file tmuxorch reads (${(error as Error).message})`);
  }
}

function where(counter: LineCounter, offset: number): string {
  const pos = counter.linePos(offset);
  return pos ? `${pos.line}:${pos.col}` : '1:1';
}

type Ranged = { range?: [number, number, number] } | null | undefined;

// The position of the node at `path`, or of the nearest parent that exists (a missing field);
// with `key`, of that key in the map at `path` (an unknown key). `depth` is how much of the path
// was found, and `scalar` whether what was found is a plain value (so it has no fields below it).
export function locateField(
  located: Pick<LocatedText, 'doc' | 'counter'>,
  path: readonly PropertyKey[],
  key?: string,
): TextPosition & { readonly depth: number; readonly scalar: boolean } {
  const { doc, counter } = located;
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Ranged;
    if (!node?.range) continue;
    let offset = node.range[0];
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      const range = (pair?.key as Ranged)?.range;
      if (range) offset = range[0];
    }
    const { line, col } = counter.linePos(offset);
    return { line, col, depth, scalar: isScalar(node) };
  }
  return { line: 1, col: 1, depth: 0, scalar: false };
}

// `line:col` of the field at `path` (see locateField).
export function locate(
  located: Pick<LocatedText, 'doc' | 'counter'>,
  path: readonly PropertyKey[],
  key?: string,
): string {
  const { line, col } = locateField(located, path, key);
  return `${line}:${col}`;
}

// A field's name as a reader writes it: `jobs[0].bogus`, `steps.test.needs[1]`.
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, part) =>
      typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part),
    '',
  );
}
