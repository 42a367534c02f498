// The HTTP API: Fastify serving the operation table (operation-routes.ts), an OpenAPI document of
// it (openapi.ts) and GET /health. Every route needs a bearer token (state/tokens.json) unless it
// says `public`; one onRequest hook checks, in this order: the token (401; wrong ones are counted
// per client address, and past their limit answered 429), the token's rate per client address
// (429), the route's scope (403; a route that declares none needs admin: closed unless opened).
// A project-limited token is checked against what the
// request names in the route itself (project-guard.ts). Neither a token nor the Authorization
// header is ever logged: the log line names the route's pattern and the token's id.
//
// Bound to 127.0.0.1 unless told otherwise; another address needs TLS, or `insecureBind`, which
// is warned about at start.
import type { HttpPlugin } from './route-types.js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError, DaemonStartError, HttpBindRefusedError, TmuxorchError } from '../../domain/errors.js';
import { scopeAllows, type Scope } from '../../domain/service/scopes.js';
import type { FleetController } from '../../application/fleet/fleet-controller.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { TokenStore, TokenView } from '../../infrastructure/service/token-store.js';
import { VERSION } from '../version.js';
import { errorReply, httpError } from './http-errors.js';
import { registerOpenApi } from './openapi.js';
import { registerOperationRoutes } from './operation-routes.js';
import { FixedWindowLimiter, type RateLimit } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    // What a token needs for this route; absent: admin.
    scope?: Scope;
    // No token needed (GET /health).
    public?: boolean;
  }
  interface FastifyRequest {
    // The verified token of this request (null on a public route).
    principal: TokenView | null;
  }
}

export interface HttpServerOptions {
  readonly fleet: FleetController;
  readonly tokens: TokenStore;
  readonly logger: Logger;
  readonly host: string;
  // 0: any free port (the handle's url says which).
  readonly port: number;
  // PEM file paths.
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  readonly insecureBind?: boolean | undefined;
  // Per token and client address.
  readonly rateLimit?: RateLimit | undefined;
  // Failed logins per client address.
  readonly authFailureLimit?: RateLimit | undefined;
  // Routes other modules add (events, metrics, webhooks, MCP); they share the auth hook.
  readonly plugins?: readonly HttpPlugin[] | undefined;
}

export type { HttpPlugin } from './route-types.js';

export interface HttpServerHandle {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 600, windowMs: 60_000 };
export const DEFAULT_AUTH_FAILURE_LIMIT: RateLimit = { max: 20, windowMs: 60_000 };
// As the socket's request line.
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

// Whether `host` stays on this machine.
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

// Refuses, with one sentence, to listen beyond this machine in clear text unless asked to.
export function checkBind(host: string, tls: HttpServerOptions['tls'], insecureBind: boolean): void {
  if (isLoopbackHost(host) || tls || insecureBind) return;
  throw new HttpBindRefusedError(
    `the HTTP API would listen on ${host} without TLS: set http.tls (cert and key) in config.json, bind 127.0.0.1, or pass --insecure-bind`,
    { host },
  );
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function unauthorized(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(401)
    .header('WWW-Authenticate', 'Bearer realm="tmuxorch"')
    .send(httpError('UNAUTHORIZED', message));
}

function tooMany(reply: FastifyReply, seconds: number, message: string): FastifyReply {
  return reply
    .code(429)
    .header('Retry-After', String(seconds))
    .send(httpError('RATE_LIMITED', message, { retryAfterSeconds: seconds }));
}

function buildApp(tls: HttpServerOptions['tls']): FastifyInstance {
  const common = {
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    forceCloseConnections: true,
  } as const;
  if (!tls) return Fastify(common);
  let https: { cert: Buffer; key: Buffer };
  try {
    https = { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
  } catch (error) {
    throw new ConfigError(
      `the HTTP API's TLS files cannot be read (${tls.cert}, ${tls.key}): fix http.tls in config.json`,
      {
        cert: tls.cert,
        key: tls.key,
      },
      { cause: error },
    );
  }
  // An https server serves the same routes; the handle exposes the app by its common type.
  return Fastify({ ...common, https }) as unknown as FastifyInstance;
}

// Starts the server; resolves once it listens.
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const { logger, tokens } = options;
  const insecure = options.insecureBind === true;
  checkBind(options.host, options.tls, insecure);
  const app = buildApp(options.tls);
  const limiter = new FixedWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const failures = new FixedWindowLimiter(options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT);
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const ip = request.ip;
    const text = bearerOf(request);
    const principal = text === null ? null : tokens.verify(text);
    if (!principal) {
      // Wrong tokens are counted per address; past the limit they are answered 429 (a valid
      // token from there still works: the limit is against guessing, not a lock-out).
      const wait = text === null ? failures.blocked(ip) : failures.hit(ip);
      if (wait > 0) return tooMany(reply, wait, 'too many wrong tokens from this address: retry later');
      return unauthorized(
        reply,
        text === null
          ? 'this route needs a token: Authorization: Bearer <token> (tmuxorch token create)'
          : 'the token is not valid (unknown, revoked or mistyped)',
      );
    }
    const limited = limiter.hit(`${principal.id}|${ip}`);
    if (limited > 0)
      return tooMany(reply, limited, `token ${principal.name} is over its rate limit: retry later`);
    // An unknown route is a 404 for any valid token (the not-found handler answers it).
    if (request.is404) {
      request.principal = principal;
      return undefined;
    }
    const need: Scope = config.scope ?? 'admin';
    if (!scopeAllows(principal.scope, need))
      return reply
        .code(403)
        .send(
          httpError(
            'FORBIDDEN',
            `token ${principal.name} has scope ${principal.scope}; this route needs ${need}`,
            { need },
          ),
        );
    request.principal = principal;
    return undefined;
  });

  app.addHook('onResponse', async (request, reply) => {
    const meta = {
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      tokenId: request.principal?.id ?? null,
    };
    if (reply.statusCode >= 400) logger.info('http request refused or failed', meta);
    else logger.debug('http request', meta);
  });

  app.setErrorHandler(async (error, request, reply) => {
    // Fastify's own (a body that is not JSON, too large, a wrong content type): the client's fault.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (!(error instanceof TmuxorchError) && typeof status === 'number' && status >= 400 && status < 500)
      return reply
        .code(status)
        .send({ error: { code: 'USAGE', message: (error as Error).message, details: {} } });
    const answer = errorReply(error);
    if (answer.status === 500)
      logger.error('http route failed', {
        route: request.routeOptions.url,
        error: String(error),
        stack: (error as Error).stack,
      });
    return reply.code(answer.status).send(answer.body);
  });

  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send(httpError('NOT_FOUND', 'no such route: GET /openapi.json lists them')),
  );

  app.get('/health', { config: { public: true } }, async () => ({ ok: true, version: VERSION }));
  registerOperationRoutes(app, options.fleet);
  registerOpenApi(app);
  for (const plugin of options.plugins ?? []) await plugin(app);

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DaemonStartError(
      `the HTTP API cannot listen on ${options.host}:${options.port} (${reason}): pick another address or port`,
      { host: options.host, port: options.port, reason },
      { cause: error },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  if (!isLoopbackHost(options.host) && !options.tls)
    logger.warn(
      'the HTTP API listens beyond this machine without TLS (--insecure-bind): tokens cross the network in clear text',
      {
        url,
      },
    );
  logger.info('http api listening', { url });
  return { url, app, close: () => app.close() };
}
