// TmuxServer and Pane over ExecTransport on a private tmux server.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlTransport } from '../../src/infrastructure/tmux/control-transport.js';
import {
  PANE_FORMAT,
  parsePaneRows,
  sameServer,
  WORKER_OPTION,
} from '../../src/infrastructure/tmux/format.js';
import { TmuxServer } from '../../src/infrastructure/tmux/server.js';
import { createTestTmuxServer, TEST_SHELL_ENV, type TestTmuxServer } from '../helpers/tmux-server.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const SHELL = ['bash', '--noprofile', '--norc', '-i'];

describe('tmux objects', () => {
  let test: TestTmuxServer;
  let server: TmuxServer;
  let tmp: TmpHome;

  beforeEach(async () => {
    test = createTestTmuxServer();
    server = new TmuxServer(test.exec);
    tmp = await createTmpHome('tmuxorch-objects-');
  });

  afterEach(async () => {
    await test.kill();
    await tmp.remove();
  });

  const session = (cols = 120) =>
    server.newSession({
      session: 's',
      name: 'first',
      cwd: tmp.dir,
      command: SHELL,
      env: TEST_SHELL_ENV,
      cols,
      rows: 20,
    });

  it('newSession and newWindow return tmux ids', async () => {
    const first = await session();
    expect(first.windowId).toMatch(/^@\d+$/);
    expect(first.paneId).toMatch(/^%\d+$/);
    expect(first.windowIndex).toBe(0);
    const second = await server.newWindow('s', { name: 'second', cwd: tmp.dir, command: SHELL });
    expect(second.windowId).not.toBe(first.windowId);
    expect(second.paneId).not.toBe(first.paneId);
    expect(second.windowIndex).toBe(1);
    expect(await server.hasSession('s')).toEqual({ known: true, value: true });
    expect(await server.hasSession('nope')).toEqual({ known: true, value: false });
  });

  it('lists panes as typed rows: worker ids from the pane option, dead panes with their status', async () => {
    const first = await session();
    await server.pane(first.paneId).setOption(WORKER_OPTION, 'w-one');
    // remain-on-exit before the window exists, so the pane stays however fast its program ends.
    await server.run(['set-option', '-g', 'remain-on-exit', 'on']);
    const exiting = await server.newWindow('s', {
      name: 'exits',
      cwd: tmp.dir,
      command: ['sh', '-c', 'sleep 0.2; exit 3'],
    });
    // tmux marks the pane dead when its pty closes and learns the exit status when it reaps the
    // child. Under load tmux 3.3a sometimes never reaps it (a zombie; pane_dead_status stays
    // empty for good), which is why health.ts treats the status as optional.
    await waitFor(async () => {
      const rows = await server.listPanes();
      const row = rows.known ? rows.value.find((r) => r.paneId === exiting.paneId) : undefined;
      return row?.paneDead === true;
    });
    await waitFor(
      async () => {
        const rows = await server.listPanes();
        return rows.known && rows.value.find((r) => r.paneId === exiting.paneId)?.paneDeadStatus !== null;
      },
      { timeoutMs: 2_000 },
    ).catch(() => undefined);
    const rows = await server.listPanes();
    if (!rows.known) throw new Error('tmux did not answer');
    expect(rows.value).toHaveLength(2);
    expect(rows.value.find((r) => r.paneId === first.paneId)).toMatchObject({
      workerId: 'w-one',
      paneDead: false,
      paneDeadStatus: null,
      paneInMode: false,
      windowId: first.windowId,
      windowIndex: 0,
      windowName: 'first',
      sessionName: 's',
      paneCurrentCommand: 'bash',
    });
    const dead = rows.value.find((r) => r.paneId === exiting.paneId);
    expect(dead).toMatchObject({ workerId: null, paneDead: true, windowName: 'exits' });
    expect([3, null]).toContain(dead?.paneDeadStatus);
    // The status field itself, parsed from a row as tmux prints it.
    const line = PANE_FORMAT.replace(
      /#\{([^}]+)\}/g,
      (_, name: string) =>
        ({
          pane_id: '%9',
          pane_dead: '1',
          pane_dead_status: '3',
          pane_pid: '42',
          pane_in_mode: '0',
          window_id: '@9',
          window_index: '4',
        })[name] ?? '',
    );
    expect(parsePaneRows([line])).toMatchObject([
      { paneId: '%9', paneDead: true, paneDeadStatus: 3, panePid: 42, workerId: null },
    ]);
  });

  it('reports no panes and no identity when no server runs', async () => {
    expect(await server.listPanes()).toEqual({ known: true, value: [] });
    expect(await server.identity()).toEqual({ known: true, value: null });
  });

  it('identity() is stable for one server and differs after a server restart', async () => {
    await session();
    const a = await server.identity();
    const b = await server.identity();
    if (!a.known || !b.known || !a.value || !b.value) throw new Error('no identity');
    expect(a.value.pid).toBeGreaterThan(1);
    expect(a.value.startTime).toBeGreaterThan(0);
    expect(a.value.version).toBe('3.3a');
    expect(b.value).toEqual(a.value);
    expect(sameServer(a.value, b.value)).toBe(true);
    await test.tmux('kill-server');
    expect(await server.identity()).toEqual({ known: true, value: null });
    await session();
    const c = await server.identity();
    if (!c.known || !c.value) throw new Error('no identity');
    expect(c.value.pid).not.toBe(a.value.pid);
    expect(sameServer(a.value, c.value)).toBe(false);
  });

  it('capture() joins a line the pane wrapped (-J)', async () => {
    const created = await session(40);
    expect(await test.tmux('display-message', '-p', '-t', created.paneId, '#{pane_width}')).toBe('40');
    const printer = await server.newWindow('s', {
      name: 'wide',
      cwd: tmp.dir,
      command: ['sh', '-c', "printf '%060d\\n' 7; exec cat"],
    });
    const pane = server.pane(printer.paneId);
    expect(await test.tmux('display-message', '-p', '-t', printer.paneId, '#{pane_width}')).toBe('40');
    const long = `${'0'.repeat(59)}7`;
    await waitFor(async () => (await pane.capture()).split('\n').includes(long), {
      message: 'the long line, whole',
    });
    // Without -J tmux splits it at the pane width.
    const raw = (await test.tmux('capture-pane', '-p', '-t', printer.paneId)).split('\n');
    expect(raw).toContain('0'.repeat(40));
    expect(raw).not.toContain(long);
  });

  it('a control client without %output keeps answering (no-output set at attach)', async () => {
    // A first attach resizes the session's window, its shell redraws the prompt, and that output
    // is queued for the client while it attaches. Set afterwards with `refresh-client -f
    // no-output`, tmux 3.3a then never answered again (about one attach in three).
    for (let i = 0; i < 12; i++) {
      const fresh = createTestTmuxServer();
      try {
        await fresh.tmux('new-session', '-d', '-s', 'c', '-x', '120', '-y', '40', 'bash --noprofile --norc');
        const control = await ControlTransport.connect({
          socket: fresh.socket,
          session: 'c',
          noOutput: true,
          timeoutMs: 2_000,
        });
        try {
          let outputs = 0;
          control.on('output', () => outputs++);
          for (let n = 0; n < 3; n++)
            expect((await control.run(['display-message', '-p', `n${n}`])).stdout).toEqual([`n${n}`]);
          expect((await control.run(['display-message', '-p', '#{client_flags}'])).stdout[0]).toContain(
            'no-output',
          );
          expect(outputs).toBe(0);
        } finally {
          await control.close();
        }
      } finally {
        await fresh.kill();
      }
    }
  });

  it('sendText types ;, $, quotes and a trailing ; literally', async () => {
    const file = join(tmp.dir, 'typed.txt');
    await session();
    // cat is the pane's own program: nothing typed can be lost to a shell still starting.
    const created = await server.newWindow('s', {
      name: 'cat',
      cwd: tmp.dir,
      command: ['sh', '-c', `exec cat > '${file}'`],
    });
    const pane = server.pane(created.paneId);
    // Keys typed before the pane's program set up its terminal can be mangled: wait for cat.
    await waitFor(
      async () =>
        (await test.tmux('display-message', '-p', '-t', created.paneId, '#{pane_current_command}')) === 'cat',
    );
    const text = `a;b $HOME "q" 'single' #{pane_id} ~ end;`;
    await pane.sendText(text);
    await pane.sendText('second line;\nthird');
    await waitFor(
      async () => (await readFile(file, 'utf8').catch(() => '')) === `${text}\nsecond line;\nthird\n`,
      {
        message: 'cat got the lines literally',
      },
    );
  });
});
