// The HTTP API's bearer tokens in state/tokens.json (0600, written by temp file + rename). A
// token's text is shown once, when it is made; the file keeps only its SHA-256, so neither the
// file nor a backup of the home lets anyone use it. The CLI writes the file while the daemon
// runs: the daemon reads it again whenever it changed (inode, size or mtime), so a revoked token
// stops working at its next request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { StateCorruptError, TokenNotFoundError, UsageError } from '../../domain/errors.js';
import { SCOPES, type Scope } from '../../domain/service/scopes.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

const TOKEN_PREFIX = 'tmx_';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 10;
const SECRET_BYTES = 32;
// tmx_<id>_<32 bytes base64url>: the id finds the record, the whole text is what is hashed.
const TOKEN_TEXT = /^tmx_([a-z0-9]{10})_[A-Za-z0-9_-]{43}$/;

const recordSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{10}$/),
  name: z.string().min(1),
  scope: z.enum(SCOPES),
  projects: z.array(z.string().min(1)),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
const fileSchema = z.strictObject({ version: z.literal(1), tokens: z.array(recordSchema) });

export type TokenRecord = z.infer<typeof recordSchema>;
// A token as anyone may see it: everything but its hash.
export type TokenView = Omit<TokenRecord, 'hash'>;

export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface CreateTokenRequest {
  readonly name: string;
  readonly scope: Scope;
  // Globs of the projects the token may reach; empty: every project.
  readonly projects: readonly string[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newId(): string {
  // 36 symbols from bytes 0..251 (252 = 7 * 36): no bias.
  let id = '';
  while (id.length < ID_LENGTH) {
    for (const byte of randomBytes(ID_LENGTH * 2)) {
      if (byte < 252 && id.length < ID_LENGTH) id += ID_ALPHABET[byte % 36];
    }
  }
  return id;
}

function view(record: TokenRecord): TokenView {
  const { hash: _hash, ...rest } = record;
  return rest;
}

export class TokenStore {
  private records: TokenRecord[] = [];
  private version: string | null = null;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // Makes a token; its text is in the answer and nowhere else.
  async create(request: CreateTokenRequest): Promise<{ readonly token: string; readonly record: TokenView }> {
    if (!TOKEN_NAME.test(request.name))
      throw new UsageError(
        `token name "${request.name}" is not allowed: use letters, digits, '.', '_' or '-'`,
        {
          name: request.name,
        },
      );
    const records = this.load();
    if (records.some((r) => r.name === request.name && r.revokedAt === null))
      throw new UsageError(`a token named ${request.name} exists: revoke it first or pick another name`, {
        name: request.name,
      });
    const id = newId();
    const token = `${TOKEN_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const record: TokenRecord = {
      id,
      name: request.name,
      scope: request.scope,
      projects: [...request.projects],
      hash: sha256(token),
      createdAt: this.now().toISOString(),
      revokedAt: null,
    };
    await this.save([...records, record]);
    return { token, record: view(record) };
  }

  // Every token, revoked ones too (never a hash).
  list(): TokenView[] {
    return this.load().map(view);
  }

  // Revokes by id or name (a live token's name first); revoking twice is not an error.
  async revoke(idOrName: string): Promise<TokenView> {
    const records = this.load();
    const found =
      records.find((r) => r.id === idOrName) ??
      records.find((r) => r.name === idOrName && r.revokedAt === null) ??
      records.find((r) => r.name === idOrName);
    if (!found)
      throw new TokenNotFoundError(`no token has the id or name ${idOrName}: see tmuxorch token list`, {});
    if (found.revokedAt !== null) return view(found);
    const revoked = { ...found, revokedAt: this.now().toISOString() };
    await this.save(records.map((r) => (r === found ? revoked : r)));
    return view(revoked);
  }

  // The live token this text is, or null. Hashes are compared in constant time.
  verify(text: string): TokenView | null {
    const match = TOKEN_TEXT.exec(text);
    if (!match) return null;
    const record = this.load().find((r) => r.id === match[1]);
    if (!record || record.revokedAt !== null) return null;
    const given = Buffer.from(sha256(text), 'hex');
    const stored = Buffer.from(record.hash, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored) ? view(record) : null;
  }

  // The records as the file has them now (read again only when the file changed).
  private load(): TokenRecord[] {
    let version: string;
    try {
      const stat = statSync(this.file);
      version = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      this.records = [];
      this.version = null;
      return this.records;
    }
    if (version === this.version) return this.records;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw new StateCorruptError(
        `${this.file} is not valid JSON: fix or delete it (its tokens stop working)`,
        {
          file: this.file,
        },
        { cause: error },
      );
    }
    const checked = fileSchema.safeParse(parsed);
    if (!checked.success)
      throw new StateCorruptError(`${this.file} is invalid: fix or delete it (its tokens stop working)`, {
        file: this.file,
      });
    this.records = checked.data.tokens;
    this.version = version;
    return this.records;
  }

  private async save(records: TokenRecord[]): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, tokens: records }, null, 2)}\n`, {
      mode: 0o600,
    });
    this.records = records;
    this.version = null;
  }
}
