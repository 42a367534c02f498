// The plugin contract of the HTTP server (http-server.ts): a plugin adds its routes to the app,
// each declaring the scope a token needs (`config: { scope }`, read by the server's auth hook).
// One declaration for the server and every plugin (events, metrics, webhook, MCP), so each builds
// and tests on a bare Fastify too.
import type { FastifyInstance } from 'fastify';

export type HttpPlugin = (app: FastifyInstance) => Promise<void>;
export type RouteScope = 'read' | 'operate' | 'admin';
