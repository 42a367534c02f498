// `-F` formats and their parsing: one query returns typed rows (libtmux-style), fields joined by
// an unprintable separator that no name or path contains.
import { z } from 'zod';

export const FIELD_SEPARATOR = '\x1f';

// The user option that carries a worker's id on its pane: pane ids (%N) change when the tmux
// server restarts, names can be renamed by humans, but a pane option travels with the pane.
export const WORKER_OPTION = '@tmuxorch_worker';
// The pane option that marks tmuxorch's own non-worker panes (window 0's status view).
export const ROLE_OPTION = '@tmuxorch_role';
// The session option that records which tmuxorch home owns a session.
export const HOME_OPTION = '@tmuxorch_home';

const PANE_FIELDS = {
  paneId: 'pane_id',
  paneDead: 'pane_dead',
  paneDeadStatus: 'pane_dead_status',
  panePid: 'pane_pid',
  paneInMode: 'pane_in_mode',
  paneCurrentCommand: 'pane_current_command',
  windowId: 'window_id',
  windowIndex: 'window_index',
  windowName: 'window_name',
  sessionName: 'session_name',
  workerId: WORKER_OPTION,
  role: ROLE_OPTION,
} as const;

const flag = z.enum(['0', '1', '']).transform((v) => v === '1');
const intOrNull = z.string().transform((v) => (v === '' ? null : Number.parseInt(v, 10)));

export const paneRowSchema = z.object({
  paneId: z.string().regex(/^%\d+$/),
  paneDead: flag,
  paneDeadStatus: intOrNull,
  panePid: intOrNull,
  paneInMode: flag,
  paneCurrentCommand: z.string(),
  windowId: z.string().regex(/^@\d+$/),
  windowIndex: z.coerce.number().int(),
  windowName: z.string(),
  sessionName: z.string(),
  workerId: z.string().transform((v) => (v === '' ? null : v)),
  role: z.string(),
});
export type PaneRow = z.infer<typeof paneRowSchema>;

type FieldMap = Readonly<Record<string, string>>;

// `#{a}<SEP>#{b}…` for a field map.
export function formatFor(fields: FieldMap): string {
  return Object.values(fields)
    .map((name) => `#{${name}}`)
    .join(FIELD_SEPARATOR);
}

// Parses `-F` output lines into rows; a line that does not fit is skipped, not fatal (a pane may
// be half-created while we list).
export function parseRows<S extends z.ZodType>(
  lines: readonly string[],
  fields: FieldMap,
  schema: S,
): z.infer<S>[] {
  const keys = Object.keys(fields);
  const rows: z.infer<S>[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const values = line.split(FIELD_SEPARATOR);
    if (values.length !== keys.length) continue;
    const record: Record<string, string> = {};
    keys.forEach((key, i) => (record[key] = values[i] ?? ''));
    const parsed = schema.safeParse(record);
    if (parsed.success) rows.push(parsed.data as z.infer<S>);
  }
  return rows;
}

export const PANE_FORMAT = formatFor(PANE_FIELDS);

export function parsePaneRows(lines: readonly string[]): PaneRow[] {
  return parseRows(lines, PANE_FIELDS, paneRowSchema);
}

// The server's identity: its pid and start time tell a restarted server from a slow one.
export const SERVER_IDENTITY_FORMAT = `#{pid}${FIELD_SEPARATOR}#{start_time}${FIELD_SEPARATOR}#{version}`;

export interface ServerIdentity {
  readonly pid: number;
  readonly startTime: number;
  readonly version: string;
}

export function parseServerIdentity(line: string | undefined): ServerIdentity | null {
  const [pid, start, version] = (line ?? '').split(FIELD_SEPARATOR);
  const p = Number(pid);
  const s = Number(start);
  if (!Number.isInteger(p) || p <= 0 || !Number.isInteger(s)) return null;
  return { pid: p, startTime: s, version: version ?? '' };
}

export function sameServer(a: ServerIdentity | null, b: ServerIdentity | null): boolean {
  return a !== null && b !== null && a.pid === b.pid && a.startTime === b.startTime;
}
