// What a step's templates and expressions can read: the run's inputs, the steps it comes after
// (status, summary, output tail, outputs as paths or as text), the loop iteration, the matrix
// values, the run and step directories, and the failure handed back to it. A reference to
// anything else is undefined, which renderTemplate turns into an error, never an empty string.
import { readFile } from 'node:fs/promises';
import { instancesOf, pairedInstance } from '../../domain/workflow/run-graph.js';
import { expressionReferences, parseExpression } from '../../domain/workflow/expression.js';
import { parseTemplate, renderTemplate } from '../../domain/workflow/template.js';
import type { RunRecord, StepRecord } from '../../domain/workflow/workflow-run.js';

export interface ContextPlaces {
  readonly runDir: string;
  readonly stepDir: string;
}

const MAX_TEXT = 256 * 1024;

function show(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export class RunContext {
  private constructor(
    private readonly run: RunRecord,
    private readonly step: StepRecord,
    private readonly places: ContextPlaces,
    private readonly texts: ReadonlyMap<string, string>,
  ) {}

  // Reads the output files the templates ask for as text (`steps.X.outputs.Y.text`) up front.
  static async for(
    run: RunRecord,
    step: StepRecord,
    places: ContextPlaces,
    templates: readonly string[],
  ): Promise<RunContext> {
    const refs = templates.flatMap((template) =>
      parseTemplate(template).flatMap((part) => ('ref' in part ? [part.ref] : [])),
    );
    return RunContext.forRefs(run, step, places, refs);
  }

  // The same for an expression (`if:`, `until:`, a matrix read from earlier steps).
  static forExpression(
    run: RunRecord,
    step: StepRecord,
    places: ContextPlaces,
    expression: string,
  ): Promise<RunContext> {
    return RunContext.forRefs(run, step, places, expressionReferences(parseExpression(expression)));
  }

  private static async forRefs(
    run: RunRecord,
    step: StepRecord,
    places: ContextPlaces,
    refs: readonly (readonly string[])[],
  ): Promise<RunContext> {
    const probe = new RunContext(run, step, places, new Map());
    const texts = new Map<string, string>();
    for (const ref of refs) {
      if (ref.at(-1) !== 'text') continue;
      const path = probe.resolve(ref.slice(0, -1));
      if (path === undefined || texts.has(path)) continue;
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text !== null) texts.set(path, text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
    }
    return new RunContext(run, step, places, texts);
  }

  // A context that reads no file text (gates, expressions).
  static plain(run: RunRecord, step: StepRecord, places: ContextPlaces): RunContext {
    return new RunContext(run, step, places, new Map());
  }

  render(template: string): string {
    return renderTemplate(template, (ref) => this.resolve(ref));
  }

  // The value a reference names, as a template shows it.
  resolve(ref: readonly string[]): string | undefined {
    const value = this.value(ref);
    return show(value);
  }

  // The value a reference names, typed (for expressions).
  value(ref: readonly string[]): unknown {
    const [head, ...rest] = ref;
    switch (head) {
      case 'inputs':
        return rest.length === 1 ? this.run.inputs[rest[0] ?? ''] : undefined;
      case 'run':
        return rest[0] === 'id' ? this.run.id : rest[0] === 'dir' ? this.places.runDir : undefined;
      case 'step':
        return rest[0] === 'dir' ? this.places.stepDir : rest[0] === 'id' ? this.step.id : undefined;
      case 'loop':
        return rest[0] === 'iteration' && this.step.iteration > 0 ? this.step.iteration : undefined;
      case 'matrix':
        return this.step.matrix && rest.length === 1 ? this.step.matrix[rest[0] ?? ''] : undefined;
      case 'failure':
        if (!this.step.handback) return undefined;
        return rest[0] === 'step'
          ? this.step.handback.from
          : rest[0] === 'output'
            ? this.step.handback.output
            : undefined;
      case 'steps':
        return this.stepValue(rest);
      default:
        return undefined;
    }
  }

  private stepValue(ref: readonly string[]): unknown {
    const [id, field, name, text] = ref;
    if (!id || !field) return undefined;
    const target =
      this.run.steps.find((s) => s.id === id) ??
      pairedInstance(this.run.steps, this.step, id) ??
      (instancesOf(this.run.steps, id).length > 0 ? null : undefined);
    if (target === undefined) return undefined;
    // A matrix step read from a step that is not one of its pairs: every instance's value, one a line.
    const targets = target ? [target] : instancesOf(this.run.steps, id);
    const values = targets.map((t) => this.fieldOf(t, field, name, text));
    if (values.some((v) => v === undefined)) return undefined;
    return values.length === 1 ? values[0] : values.map((v) => show(v)).join('\n');
  }

  private fieldOf(step: StepRecord, field: string, name?: string, text?: string): unknown {
    switch (field) {
      case 'status':
        return name === undefined ? step.status : undefined;
      case 'summary':
        return name === undefined ? (step.summary ?? '') : undefined;
      case 'output_tail':
        return name === undefined ? (step.outputTail ?? '') : undefined;
      case 'exit_code':
        return name === undefined ? step.exitCode : undefined;
      case 'verdict':
        return name === undefined ? step.verdict : undefined;
      case 'outputs': {
        const path = name ? step.outputs[name] : undefined;
        if (path === undefined) return undefined;
        if (text === undefined) return path;
        return text === 'text' ? this.texts.get(path) : undefined;
      }
      default:
        return undefined;
    }
  }
}
