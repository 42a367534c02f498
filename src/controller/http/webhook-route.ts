// `POST /webhook` (and `/v1/webhook`): a job for the durable queue, as the payload schema says
// (`GET /v1/webhook/schema`, `tmuxorch schema job`). A plugin of the HTTP server (its auth reads
// each route's `config`): with a secret configured the body must be signed
// (`X-Hub-Signature-256`, webhook-signature.ts) and the route is public (a sender such as GitHub
// has no bearer token); without one it takes a token of scope `operate`.
//
//   202 {job}  accepted (on disk before this answer)      200 {job}  the key was seen: the first job
//   400 {error: {code, message, path, issues}}  not a job  401  signature missing or wrong
//   422 the project or worker it names does not exist
//
// The key: the payload's `key`, else `Idempotency-Key`, else `X-GitHub-Delivery` (GitHub re-sends
// a delivery with its id: the re-send gets the first job).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TmuxorchError } from '../../domain/errors.js';
import { checkJobPayload, jobPayloadJsonSchema } from '../../domain/queue/job.js';
import type { JobQueue } from '../../application/queue/job-queue.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import { SIGNATURE_HEADER, verifySignature } from './webhook-signature.js';

export type HttpPlugin = (app: FastifyInstance) => Promise<void>;

export interface WebhookDeps {
  readonly queue: Pick<JobQueue, 'submit'>;
  readonly secret?: string | null | undefined;
  readonly logger: Logger;
}

// A job's body may carry a workflow document; GitHub's own limit is 25 MB.
const BODY_LIMIT = 8 * 1024 * 1024;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function statusFor(error: TmuxorchError): number {
  switch (error.code) {
    case 'USAGE':
    case 'WORKFLOW_INVALID':
      return 400;
    case 'PROJECT_NOT_FOUND':
    case 'WORKER_NOT_FOUND':
      return 422;
    default:
      return 500;
  }
}

export function webhookPlugin(deps: WebhookDeps): HttpPlugin {
  const secret = deps.secret ? deps.secret : null;
  const config = secret ? { public: true } : { scope: 'operate' as const };

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (secret && !verifySignature(secret, raw, header(request, SIGNATURE_HEADER))) {
      deps.logger.warn('webhook: signature missing or wrong', { ip: request.ip });
      return reply.code(401).send({
        error: { code: 'UNAUTHORIZED', message: `${SIGNATURE_HEADER} is missing or does not match the body` },
      });
    }
    let body: unknown;
    try {
      const text = raw.toString('utf8');
      // GitHub's form encoding: the JSON in a `payload` field (signed as the form's bytes).
      const form = (header(request, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
      body = JSON.parse(form ? (new URLSearchParams(text).get('payload') ?? '') : text);
    } catch {
      return reply.code(400).send({ error: { code: 'USAGE', message: 'the body is not JSON', path: '' } });
    }
    const checked = checkJobPayload(body);
    if ('issues' in checked) {
      const first = checked.issues[0];
      return reply.code(400).send({
        error: {
          code: 'USAGE',
          message: `bad job ${first?.path || '(payload)'}: ${first?.message ?? 'invalid'}`,
          path: first?.path ?? '',
          issues: checked.issues,
        },
      });
    }
    const delivery = header(request, 'x-github-delivery');
    const event = header(request, 'x-github-event');
    const key = header(request, 'idempotency-key') ?? delivery ?? null;
    try {
      const { job, created } = await deps.queue.submit(checked.payload, {
        key,
        source: {
          via: 'webhook',
          ...(event ? { event } : {}),
          ...(delivery ? { delivery } : {}),
        },
      });
      return reply.code(created ? 202 : 200).send({ job });
    } catch (error) {
      if (error instanceof TmuxorchError)
        return reply
          .code(statusFor(error))
          .send({ error: { code: error.code, message: error.message, details: error.details } });
      throw error;
    }
  };

  return async (app) => {
    // A scope of its own: the raw body (the signature is over its bytes) without touching the
    // server's JSON parser for other routes.
    await app.register(async (scope) => {
      scope.removeContentTypeParser(['application/json']);
      scope.addContentTypeParser(
        ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
        { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
        (_request, body, done) => done(null, body),
      );
      for (const url of ['/webhook', '/v1/webhook'])
        scope.post(url, { config, bodyLimit: BODY_LIMIT }, handle);
      scope.get('/v1/webhook/schema', { config: { public: true } }, async () => jobPayloadJsonSchema());
    });
  };
}
