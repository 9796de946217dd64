/**
 * Prometheus metrics. One registry per TerraHub instance (so tests can run several side by side); areas add
 * their own counters to it through `metrics.registry`. Request metrics are labelled by route pattern, not by
 * URL, to keep cardinality bounded.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'service' | 'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'service' | 'method'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'terrahub_' });
    this.httpRequests = new Counter({
      name: 'terrahub_http_requests_total',
      help: 'HTTP requests answered, by service, method, route pattern and status.',
      labelNames: ['service', 'method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'terrahub_http_request_duration_seconds',
      help: 'Time to answer HTTP requests.',
      labelNames: ['service', 'method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this.registry],
    });
  }
}

/** Counts every response of the app it is registered on; `service` labels the listener (origin, s3). */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { metrics: Metrics; service: string }) => {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      opts.metrics.httpRequests.inc({
        service: opts.service,
        method: req.method,
        route,
        status: String(reply.statusCode),
      });
      opts.metrics.httpDuration.observe(
        { service: opts.service, method: req.method },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'terrahub-metrics' },
);
