import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/domain/redact.js';
import { scanSecrets, secretValuesOf, type SecretValue } from '../../src/domain/policy/secret-scan.js';

// Random key material, assembled at run time so no key-shaped literal sits in the repository.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function random(n: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  // A digit for sure (real keys have them; the scan asks for one in an sk- key).
  return `${out.slice(0, -1)}7`;
}
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const b64url = (text: string): string => Buffer.from(text).toString('base64url');

const keys = {
  anthropic: `sk-ant-api03-${random(93)}AA`,
  openai: `sk-proj-${random(48)}`,
  openaiLegacy: `sk-${random(48)}`,
  githubClassic: `ghp_${random(36)}`,
  githubFine: `github_pat_${random(22)}_${random(59)}`,
  gitlab: `glpat-${random(20)}`,
  slack: `xoxb-${random(12, '0123456789')}-${random(13, '0123456789')}-${random(24)}`,
  aws: `AKIA${random(16, UPPER_DIGITS)}`,
  google: `AIza${random(35)}`,
  jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"x"}')}.${random(43)}`,
  bearer: random(40),
  urlPassword: `pw${random(14)}`,
};

const cases: [string, string, (key: string) => string][] = [
  ['anthropic-key', keys.anthropic, (k) => `export ANTHROPIC_API_KEY=${k}`],
  ['openai-key', keys.openai, (k) => `client = OpenAI(api_key="${k}")`],
  ['openai-key', keys.openaiLegacy, (k) => `key: ${k}`],
  ['github-token', keys.githubClassic, (k) => `git clone https://${k}@github.com/o/r`],
  ['github-token', keys.githubFine, (k) => `token = '${k}'`],
  ['gitlab-token', keys.gitlab, (k) => `PRIVATE-TOKEN: ${k}`],
  ['slack-token', keys.slack, (k) => `slack(${k})`],
  ['aws-access-key', keys.aws, (k) => `aws_access_key_id = ${k}`],
  ['google-api-key', keys.google, (k) => `?key=${k}&q=1`],
  ['jwt', keys.jwt, (k) => `cookie: session=${k}; Path=/`],
  ['bearer-token', keys.bearer, (k) => `curl -H "Authorization: Bearer ${k}" https://api`],
  ['url-password', keys.urlPassword, (k) => `DATABASE=postgres://app:${k}@db.internal:5432/app`],
];

describe('scanSecrets: well-known shapes', () => {
  it.each(cases)('finds a %s on its line and redacts it', (kind, key, line) => {
    const text = `first line\nsecond line\n${line(key)}\nlast line\n`;
    const scan = scanSecrets(text, []);
    expect(scan.findings).toEqual([{ kind, line: 3 }]);
    expect(scan.text).not.toContain(key);
    expect(scan.text).toBe(text.replace(key, REDACTED));
  });

  it('numbers each of several findings by its line', () => {
    const text = [
      `a ${keys.openai}`,
      'b',
      `c ${keys.aws} and ${keys.githubClassic}`,
      '',
      `e ${keys.slack}`,
    ].join('\n');
    const scan = scanSecrets(text, []);
    expect(scan.findings).toEqual([
      { kind: 'openai-key', line: 1 },
      { kind: 'aws-access-key', line: 3 },
      { kind: 'github-token', line: 3 },
      { kind: 'slack-token', line: 5 },
    ]);
    expect(scan.text).toBe(`a ${REDACTED}\nb\nc ${REDACTED} and ${REDACTED}\n\ne ${REDACTED}`);
  });

  it('counts lines across CRLF line ends', () => {
    const scan = scanSecrets(`one\r\ntwo\r\n${keys.google}\r\n`, []);
    expect(scan.findings).toEqual([{ kind: 'google-api-key', line: 3 }]);
  });
});

describe('scanSecrets: PEM private keys', () => {
  const body = Array.from({ length: 12 }, () => random(64, `${ALNUM}+/`)).join('\n');
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;

  it('reports a block as one finding and redacts it whole, its END line too', () => {
    const text = `config:\n  key: |\n${pem}\nafter: 1\n`;
    const scan = scanSecrets(text, []);
    expect(scan.findings).toEqual([{ kind: 'private-key', line: 3 }]);
    expect(scan.text).toBe(`config:\n  key: |\n${REDACTED}\nafter: 1\n`);
  });

  it('redacts an encrypted block whole, past its Proc-Type and DEK-Info headers', () => {
    const encrypted = `-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${random(32, '0123456789ABCDEF')}\n\n${body}\n-----END EC PRIVATE KEY-----`;
    const scan = scanSecrets(`x\n${encrypted}\n`, []);
    expect(scan.findings).toEqual([{ kind: 'private-key', line: 2 }]);
    expect(scan.text).toBe(`x\n${REDACTED}\n`);
  });

  it('redacts a block added in a diff, across its + prefixes', () => {
    const added = pem.replaceAll(/^/gm, '+');
    const scan = scanSecrets(`@@ -0,0 +1,14 @@\n${added}\n`, []);
    expect(scan.findings).toEqual([{ kind: 'private-key', line: 2 }]);
    expect(scan.text).toBe(`@@ -0,0 +1,14 @@\n+${REDACTED}\n`);
  });

  it('cuts a block with no END line up to where its body ends', () => {
    const cut = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}`;
    const scan = scanSecrets(`${cut}`, []);
    expect(scan.findings).toEqual([{ kind: 'private-key', line: 1 }]);
    expect(scan.text).toBe(REDACTED);
  });

  it('leaves a public key and a certificate alone', () => {
    const text = `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    expect(scanSecrets(text, [])).toEqual({ findings: [], text });
  });
});

describe('scanSecrets: known values', () => {
  const password = `hunter-${random(18)}`;
  const values: SecretValue[] = [{ name: 'DB_PASSWORD', value: password }];

  it('finds a known value by its variable name, every occurrence', () => {
    const text = `connecting with ${password}\nretry: ${password}!\n`;
    const scan = scanSecrets(text, values);
    expect(scan.findings).toEqual([
      { kind: 'known-value', line: 1, name: 'DB_PASSWORD' },
      { kind: 'known-value', line: 2, name: 'DB_PASSWORD' },
    ]);
    expect(scan.text).toBe(`connecting with ${REDACTED}\nretry: ${REDACTED}!\n`);
  });

  it('matches a value literally, its regex characters too', () => {
    const tricky = `a.b*c+(d)[e]{f}|g^h$i\\j?${random(6)}`;
    const scan = scanSecrets(`x ${tricky} y aXb*c`, [{ name: 'API_SECRET', value: tricky }]);
    expect(scan.findings).toEqual([{ kind: 'known-value', line: 1, name: 'API_SECRET' }]);
    expect(scan.text).toBe(`x ${REDACTED} y aXb*c`);
  });

  it('finds the last 20 characters of a long value shown on its own', () => {
    const long = `tok${random(40)}`;
    const scan = scanSecrets(`key ...${long.slice(-20)}`, [{ name: 'SERVICE_TOKEN', value: long }]);
    expect(scan.findings).toEqual([{ kind: 'known-value', line: 1, name: 'SERVICE_TOKEN' }]);
    expect(scan.text).toBe(`key ...${REDACTED}`);
  });

  it('names the variable when a known value is also a key shape', () => {
    const scan = scanSecrets(`k=${keys.anthropic}`, [{ name: 'ANTHROPIC_API_KEY', value: keys.anthropic }]);
    expect(scan.findings).toEqual([{ kind: 'known-value', line: 1, name: 'ANTHROPIC_API_KEY' }]);
    expect(scan.text).toBe(`k=${REDACTED}`);
  });

  it('redacts overlapping matches as their union, one finding named by the longest', () => {
    // A value that ends inside a key, and a key that runs past the value: neither part may stay.
    const key = keys.openaiLegacy;
    const value = `prefix ${key.slice(0, 20)}`;
    const scan = scanSecrets(`x prefix ${key} y`, [{ name: 'MY_SECRET', value }]);
    expect(scan.findings).toEqual([{ kind: 'openai-key', line: 1 }]);
    expect(scan.text).toBe(`x ${REDACTED} y`);
  });

  it('ignores a value shorter than MIN_SECRET_VALUE_LENGTH', () => {
    const text = 'the abc tool and its abc flag\n';
    expect(scanSecrets(text, [{ name: 'PIN_SECRET', value: 'abc' }])).toEqual({ findings: [], text });
  });

  it('secretValuesOf keeps the long-enough values of secret-named variables only', () => {
    expect(
      secretValuesOf({
        GITHUB_TOKEN: 'ghtoken-value-1',
        DB_PASSWORD: 'short',
        HOME: '/home/someone-long',
        AUTHOR: 'somebody-long',
        TOKEN_COUNT: '123456789',
        apiKey: 'abcdefgh',
      }),
    ).toEqual([
      { name: 'GITHUB_TOKEN', value: 'ghtoken-value-1' },
      { name: 'apiKey', value: 'abcdefgh' },
    ]);
  });
});

describe('scanSecrets: nothing to find', () => {
  it('returns text with no secret unchanged and no findings', () => {
    const text = 'diff --git a/src/a.ts b/src/a.ts\n+export const answer = 42;\n';
    const scan = scanSecrets(text, [{ name: 'API_KEY', value: 'not-in-the-text' }]);
    expect(scan).toEqual({ findings: [], text });
    expect(scan.text).toBe(text);
  });

  it('does not take everyday strings for secrets', () => {
    const text = [
      'commit 3f9a1c2b7e4d5f60718293a4b5c6d7e8f9012345', // a git sha
      'Merge: 3f9a1c2 7e4d5f6',
      'id: 123e4567-e89b-12d3-a456-426614174000', // a UUID
      `data: ${Buffer.from('hello').toString('base64')} ${Buffer.from('password').toString('base64')}`, // base64 of a short word
      'see the task-list and the risk-assessment-for-q3-2024 sheet', // sk- inside words
      'import "sk-spinner-pulse-animation.css";', // a SpinKit class: sk- with no digit
      'The API uses Bearer authentication; send `Authorization: Bearer ${TOKEN}`.', // prose, a placeholder
      'DATABASE_URL=postgres://user:password@localhost:5432/db', // a placeholder password
      'git@github.com:owner/repo.git and ssh://git@host:22/repo',
      'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= integrity',
      'AKIAisnotakey and ghp_short and xoxb-1',
      'header eyJhbGciOiJIUzI1NiJ9 alone is no JWT',
      'key, apiKey, token and secret are just words here',
    ].join('\n');
    expect(scanSecrets(text, [])).toEqual({ findings: [], text });
  });
});

describe('scanSecrets: findings hold no secret', () => {
  it('holds none of the planted secrets, nor a part of one', () => {
    const known = `known-${random(30)}`;
    const text = [...cases.map(([, key, line]) => line(key)), `and ${known}`].join('\n');
    const scan = scanSecrets(text, [{ name: 'MY_APP_SECRET', value: known }]);
    expect(scan.findings).toHaveLength(cases.length + 1);
    const json = JSON.stringify(scan.findings);
    for (const secret of [...Object.values(keys), known]) {
      expect(json).not.toContain(secret);
      expect(json).not.toContain(secret.slice(-12));
      expect(scan.text).not.toContain(secret);
    }
  });
});
