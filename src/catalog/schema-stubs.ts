/**
 * Small stand-ins for schemas the shipped STAC schemas reference by URL but that TerraHub does not ship:
 * GeoJSON (geometry.ts checks geometries precisely instead) and PROJJSON (accepted as any object).
 */
const geometryTypes = [
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
];

export const SCHEMA_STUBS: Array<Record<string, unknown>> = [
  {
    $id: 'https://geojson.org/schema/Geometry.json',
    type: 'object',
    required: ['type'],
    properties: { type: { enum: geometryTypes } },
  },
  {
    $id: 'https://geojson.org/schema/Feature.json',
    type: 'object',
    required: ['type', 'properties', 'geometry'],
    properties: {
      type: { const: 'Feature' },
      properties: { oneOf: [{ type: 'null' }, { type: 'object' }] },
      geometry: {
        oneOf: [{ type: 'null' }, { $ref: 'https://geojson.org/schema/Geometry.json' }],
      },
    },
  },
  ...['v0.2', 'v0.4', 'v0.5', 'v0.6', 'v0.7'].map((v) => ({
    $id: `https://proj.org/schemas/${v}/projjson.schema.json`,
    type: 'object',
  })),
];
