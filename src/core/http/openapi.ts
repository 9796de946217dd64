/**
 * OpenAPI documents generated from route schemas. One @fastify/swagger instance at the root sees every route;
 * each service serves the part under its own prefix, so that every API has its own document.
 */
import type { FastifyInstance } from 'fastify';

interface OpenApiDoc {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, unknown>;
  components?: Record<string, unknown>;
  [k: string]: unknown;
}

export function openApiFor(
  app: FastifyInstance,
  prefix: string,
  info: { title: string; version: string; description?: string },
): OpenApiDoc {
  const full = (app as unknown as { swagger(): OpenApiDoc }).swagger();
  const paths = Object.fromEntries(Object.entries(full.paths ?? {}).filter(([p]) => p.startsWith(prefix)));
  return {
    ...full,
    info,
    paths,
    components: {
      ...(full.components ?? {}),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A TerraHub API token' },
      },
    },
    security: [{ bearer: [] }],
  };
}
