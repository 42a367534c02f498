import { describe, it, expect } from 'vitest';
import { REDACTED, createRedactor, isSecretName, redactDeep, redactEnv } from '../../src/domain/redact.js';

describe('isSecretName', () => {
  it('recognises the usual secret names, any case', () => {
    for (const name of [
      'ANTHROPIC_API_KEY',
      'OPENAI_API_KEY',
      'GEMINI_API_KEY',
      'GITHUB_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'apiKey',
      'APIKey',
      'api_key',
      'x-api-key',
      'authorization',
      'Proxy-Authorization',
      'DB_PASSWORD',
      'PGPASSWORD',
      'MYSQL_PWD_PASSWD',
      'clientSecret',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'AUTH_URL',
      'NEXTAUTH_SECRET',
      'OAUTH_TOKEN',
      'accessToken',
      'token',
      'GITHUB_PAT',
      'set-cookie',
      'DB_PASS',
      'APIKEY',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
  });

  it('leaves ordinary names alone', () => {
    for (const name of [
      'AUTHOR',
      'GIT_AUTHOR_NAME',
      'GIT_AUTHOR_EMAIL',
      'KEYBOARD',
      'key',
      'keys',
      'PATH',
      'PWD',
      'HOME',
      'maxTokens',
      'input_tokens',
      'TOKENIZERS_PARALLELISM',
      'secretEnv',
      'TOKEN_COUNT',
      'PASSWORD_FILE',
      'API_KEY_ID',
      'command',
      '',
    ]) {
      expect(isSecretName(name), name).toBe(false);
    }
  });
});

describe('createRedactor', () => {
  it('replaces known secret values wherever they appear', () => {
    const redact = createRedactor(['hunter2-secret', 'p4ss.w*rd(1)']);
    expect(redact('login with hunter2-secret now')).toBe(`login with ${REDACTED} now`);
    expect(redact('a=p4ss.w*rd(1) b=p4ssXw*rd(1)')).toBe(`a=${REDACTED} b=p4ssXw*rd(1)`);
    expect(redact('hunter2-secrethunter2-secret')).toBe(`${REDACTED}${REDACTED}`);
  });

  it('ignores values shorter than 6 characters', () => {
    const redact = createRedactor(['abc', '12345', '']);
    expect(redact('abc 12345 abcdef')).toBe('abc 12345 abcdef');
  });

  it('prefers the longer of two overlapping secrets', () => {
    const redact = createRedactor(['secret', 'secret-and-more']);
    expect(redact('x secret-and-more y')).toBe(`x ${REDACTED} y`);
  });

  it('redacts well-known token shapes without being told', () => {
    const redact = createRedactor([]);
    const cases: [string, string][] = [
      ['key sk-ant-api03-AbCdEfGhIjKlMnOp_qrst-uv end', `key ${REDACTED} end`],
      ['sk-proj-1234567890abcdefXYZ', REDACTED],
      ['sk-short', 'sk-short'],
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', `Authorization: Bearer ${REDACTED}`],
      ['Authorization: Basic dXNlcjpwYXNzd29yZA==', `Authorization: Basic ${REDACTED}`],
      ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', REDACTED],
      ['url github_pat_11ABCDEFG0123456789_abcdefghijklmnop', `url ${REDACTED}`],
      ['slack xoxb-1234567890-abcdefghij', `slack ${REDACTED}`],
      ['aws AKIAIOSFODNN7EXAMPLE!', `aws ${REDACTED}!`],
      ['g AIzaSyA-1234567890abcdefghijklmnopqrstu', `g ${REDACTED}`],
      ['export OPENAI_API_KEY=abc123xyz && run', `export OPENAI_API_KEY=${REDACTED} && run`],
      ['GITHUB_TOKEN="tok-value" git push', `GITHUB_TOKEN="${REDACTED}" git push`],
      [
        'task-abcdefghijklmnopqrstuv and disk-usage-report-2024',
        'task-abcdefghijklmnopqrstuv and disk-usage-report-2024',
      ],
      ['the basic idea of bearer bonds', 'the basic idea of bearer bonds'],
    ];
    for (const [input, output] of cases) expect(redact(input), input).toBe(output);
  });

  it('is reusable and fast on repeated calls', () => {
    const redact = createRedactor(Array.from({ length: 50 }, (_, i) => `secret-value-${i}-xyz`));
    const line = 'ordinary output line with nothing to hide '.repeat(5);
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) redact(line);
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(redact('a secret-value-42-xyz b')).toBe(`a ${REDACTED} b`);
  });
});

describe('redactEnv', () => {
  it('redacts the values of secret-named variables only', () => {
    const env = { PATH: '/usr/bin', OPENAI_API_KEY: 'sk-123', GIT_AUTHOR_NAME: 'Ada', GITHUB_TOKEN: '' };
    expect(redactEnv(env)).toEqual({
      PATH: '/usr/bin',
      OPENAI_API_KEY: REDACTED,
      GIT_AUTHOR_NAME: 'Ada',
      GITHUB_TOKEN: REDACTED,
    });
    expect(env.OPENAI_API_KEY).toBe('sk-123');
  });
});

describe('redactDeep', () => {
  const redact = createRedactor(['hunter2-secret']);

  it('redacts secret-named properties and secret text at any depth', () => {
    const input = {
      worker: 'w1',
      env: { PATH: '/bin', ANTHROPIC_API_KEY: 'sk-ant-xyz' },
      headers: [{ authorization: 'Bearer abc' }, { accept: 'json' }],
      note: 'password is hunter2-secret',
      count: 3,
      nothing: null,
      apiKey: undefined,
      secretEnv: ['ANTHROPIC_API_KEY'],
      credentials: { user: 'u', pass: 'p' },
    };
    expect(redactDeep(input, redact)).toEqual({
      worker: 'w1',
      env: { PATH: '/bin', ANTHROPIC_API_KEY: REDACTED },
      headers: [{ authorization: REDACTED }, { accept: 'json' }],
      note: `password is ${REDACTED}`,
      count: 3,
      nothing: null,
      apiKey: undefined,
      secretEnv: ['ANTHROPIC_API_KEY'],
      credentials: REDACTED,
    });
    expect(input.env.ANTHROPIC_API_KEY).toBe('sk-ant-xyz');
  });

  it('uses token shapes by default', () => {
    expect(redactDeep(['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 7, true])).toEqual([REDACTED, 7, true]);
  });

  it('survives cycles and copies shared references', () => {
    const shared = { token: 'abcdefgh', ok: 1 };
    const node: Record<string, unknown> = { name: 'root', a: shared, b: shared };
    node['self'] = node;
    node['list'] = [node, shared];
    expect(redactDeep(node, redact)).toEqual({
      name: 'root',
      a: { token: REDACTED, ok: 1 },
      b: { token: REDACTED, ok: 1 },
      self: '[Circular]',
      list: ['[Circular]', { token: REDACTED, ok: 1 }],
    });
  });

  it('turns errors into plain objects with redacted message, stack, cause and fields', () => {
    const cause = new Error('inner hunter2-secret');
    const error = Object.assign(new Error('failed with hunter2-secret', { cause }), {
      code: 'E1',
      apiKey: 'k',
    });
    const out = redactDeep({ error }, redact) as { error: Record<string, unknown> };
    expect(out.error).toMatchObject({
      name: 'Error',
      message: `failed with ${REDACTED}`,
      code: 'E1',
      apiKey: REDACTED,
      cause: { message: `inner ${REDACTED}` },
    });
    expect(String(out.error['stack'])).not.toContain('hunter2-secret');
  });

  it('copies Map and Set contents and keeps dates and primitives', () => {
    const date = new Date(0);
    const out = redactDeep(
      {
        m: new Map([
          ['GITHUB_TOKEN', 'x'],
          ['plain', 'hunter2-secret'],
        ]),
        s: new Set(['hunter2-secret']),
        date,
      },
      redact,
    ) as { m: Map<string, unknown>; s: Set<unknown>; date: Date };
    expect([...out.m]).toEqual([
      ['GITHUB_TOKEN', REDACTED],
      ['plain', REDACTED],
    ]);
    expect([...out.s]).toEqual([REDACTED]);
    expect(out.date).toBe(date);
    expect(redactDeep(42)).toBe(42);
    expect(redactDeep(undefined)).toBeUndefined();
  });
});

describe('createRedactor: URL passwords, connection strings, assignments in commands', () => {
  const redact = createRedactor([]);

  it('cuts the password out of a URL, and the whole value of a connection-string variable', () => {
    expect(redact('psql postgres://app:s3cr3t@db:5432/app')).toBe('psql postgres://app:***@db:5432/app');
    expect(redact('git clone https://x-access:tok3n@github.com/o/r.git')).toBe(
      'git clone https://x-access:***@github.com/o/r.git',
    );
    expect(redact('DATABASE_URL=mysql://u@h/db ./migrate')).toBe('DATABASE_URL=*** ./migrate');
    expect(redact('REDIS_DSN="redis://h:6379" x')).toBe('REDIS_DSN="***" x');
  });

  it('cuts the values of secret-named assignments, exported or not', () => {
    expect(redact('export FOO_PASSWORD=hunter22; TOKEN=abc GITHUB_TOKEN=ghx run')).toBe(
      'export FOO_PASSWORD=***; TOKEN=*** GITHUB_TOKEN=*** run',
    );
    expect(redact('MY_SECRET=\'a b\' x && API_KEY="c d"')).toBe(`MY_SECRET='***' x && API_KEY="***"`);
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'max_tokens=5 input_tokens=7',
      'https://example.com:8443/path@v2',
      'ssh git@github.com:o/r.git',
      'PATH=/usr/bin HOME=/root',
      'TOKEN_COUNT',
    ]) {
      expect(redact(text), text).toBe(text);
    }
  });
});
