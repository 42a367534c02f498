// GET /metrics: the fleet's metrics in Prometheus text format (application/metrics/fleet-metrics.ts).
import type { FleetMetrics } from '../../application/metrics/fleet-metrics.js';
import type { HttpPlugin, RouteScope } from './route-types.js';

export interface MetricsRouteDeps {
  readonly metrics: Pick<FleetMetrics, 'scrape' | 'contentType'>;
}

export function metricsPlugin(deps: MetricsRouteDeps): HttpPlugin {
  return async (app) => {
    const scope: RouteScope = 'read';
    app.get('/metrics', { config: { scope } }, async (_request, reply) => {
      const text = await deps.metrics.scrape();
      return reply
        .header('content-type', deps.metrics.contentType)
        .header('cache-control', 'no-store')
        .send(text);
    });
  };
}
