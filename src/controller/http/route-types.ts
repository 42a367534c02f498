// The plugin contract of the HTTP server (http-server.ts): a plugin adds its routes to the app,
// each declaring the scope a token needs (`config: { scope }`, read by the server's auth hook).
// Declared here too, structurally the same, so the routes build and test on a bare Fastify.
import type { FastifyInstance } from 'fastify';

export type HttpPlugin = (app: FastifyInstance) => Promise<void>;
export type RouteScope = 'read' | 'operate' | 'admin';
