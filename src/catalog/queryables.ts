/**
 * Queryables: a JSON Schema of the properties a filter or sortby may name. The core fields always; the
 * properties seen in the items the caller may read (with their JSON type); and any configured extras, which
 * win over derived ones. Unknown names are still accepted in filters (additionalProperties: true). Pure.
 */
import type { SeenProperty } from './store.ts';

const CORE: Record<string, unknown> = {
  id: { title: 'Item ID', type: 'string' },
  collection: { title: 'Collection ID', type: 'string' },
  geometry: { title: 'Geometry', $ref: 'https://geojson.org/schema/Geometry.json' },
  datetime: { title: 'Acquisition time', type: 'string', format: 'date-time' },
};

const SKIP = new Set(['datetime']);

export function queryablesSchema(
  selfUrl: string,
  seen: SeenProperty[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...CORE };
  for (const p of seen) {
    if (SKIP.has(p.name)) continue;
    properties[p.name] =
      p.name.endsWith('_datetime') || p.name === 'created' || p.name === 'updated'
        ? { type: 'string', format: 'date-time' }
        : { type: p.type };
  }
  Object.assign(properties, extra);
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: selfUrl,
    type: 'object',
    title: 'Queryables',
    properties,
    additionalProperties: true,
  };
}
