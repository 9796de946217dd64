/**
 * Validation on write: items and collections against the STAC JSON schemas shipped in ./schemas (core v1.0.0
 * and the extension schemas they declare), then geometry and bbox checks. A failure is a 400 whose message
 * and `path` name the failing JSON path. Validators are compiled lazily, once per schema.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { TerraHubError, type ErrorCode } from '../core/errors.ts';
import { geometryBbox, validateGeometry } from './geometry.ts';
import type { StacCollection, StacItem } from './model.ts';
import { SCHEMA_STUBS } from './schema-stubs.ts';

const DIR = join(import.meta.dirname, 'schemas');
const CORE = join(DIR, 'stac-spec-v1.0.0');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.json') ? [p] : [];
  });
}

const stripHash = (id: string) => id.replace(/#$/, '');

class Schemas {
  private ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, logger: false });
  private validators = new Map<string, ValidateFunction>();
  /** Extension schema URL -> loaded. */
  readonly extensions = new Set<string>();

  constructor() {
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
    // STAC uses IRIs (URLs that may hold non-ASCII text); any string is accepted, as stac-validator does.
    this.ajv.addFormat('iri', true);
    this.ajv.addFormat('iri-reference', true);
    for (const s of SCHEMA_STUBS) this.ajv.addSchema(s);
    for (const f of [...files(CORE), ...files(join(DIR, 'extensions'))]) {
      const schema = JSON.parse(readFileSync(f, 'utf8')) as { $id?: string };
      if (!schema.$id) continue;
      const id = stripHash(schema.$id);
      if (this.ajv.getSchema(id)) continue; // a later tag that kept an older $id
      this.ajv.addSchema(schema, id);
      if (f.includes('/extensions/')) this.extensions.add(id);
    }
  }

  get(id: string): ValidateFunction | null {
    let v = this.validators.get(id);
    if (!v) {
      v = this.ajv.getSchema(id);
      if (!v) return null;
      this.validators.set(id, v);
    }
    return v;
  }
}

let schemas: Schemas | null = null;
function loaded(): Schemas {
  return (schemas ??= new Schemas());
}

const ITEM = 'https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json';
const COLLECTION = 'https://schemas.stacspec.org/v1.0.0/collection-spec/json-schema/collection.json';

function jsonPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (
    '$' +
    parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_]\w*$/.test(p) ? `.${p}` : `["${p}"]`)).join('')
  );
}

function describe(e: ErrorObject): { path: string; message: string } {
  let path = jsonPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (typeof params['missingProperty'] === 'string') path += `.${params['missingProperty']}`;
  const extra = params['allowedValues'] ? ` (${JSON.stringify(params['allowedValues'])})` : '';
  return { path, message: `${e.message ?? 'is not valid'}${extra}` };
}

function check(code: ErrorCode, what: string, v: ValidateFunction, doc: unknown, schemaName: string): void {
  if (v(doc)) return;
  const errs = v.errors ?? [];
  // The deepest error is the most specific one (oneOf/allOf report their parents too).
  const e = [...errs].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const d = e ? describe(e) : { path: '$', message: 'is not valid' };
  throw new TerraHubError(code, `${what} ${d.path} ${d.message} (schema: ${schemaName})`, {
    path: d.path,
    schema: schemaName,
  });
}

/** Documents of pre-release or later 1.x versions are checked against the shipped v1.0.0 schemas. */
function asV100<T extends { stac_version?: unknown }>(doc: T): T {
  return doc.stac_version === '1.0.0' ? doc : { ...doc, stac_version: '1.0.0' };
}

function checkExtensions(code: ErrorCode, what: string, doc: { stac_extensions?: unknown }): void {
  const s = loaded();
  const exts = Array.isArray(doc.stac_extensions) ? doc.stac_extensions : [];
  for (const url of exts) {
    if (typeof url !== 'string') continue;
    const v = s.get(stripHash(url));
    // Extensions without a shipped schema (or old short names such as "eo") are stored unchecked.
    if (v) check(code, what, v, doc, url);
  }
}

function notObject(code: ErrorCode, what: string, doc: unknown): void {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new TerraHubError(code, `${what} must be a JSON object`, { path: '$' });
}

/** What is checked besides the core schema and the geometry. */
export interface ValidationChecks {
  /** The schemas of the extensions the document declares (catalog.validateExtensions). */
  extensions: boolean;
}

export function validateItem(doc: unknown, checks: ValidationChecks = { extensions: true }): StacItem {
  notObject('TH_STAC_INVALID_ITEM', 'item', doc);
  const item = doc as StacItem;
  const v = loaded().get(ITEM)!;
  check('TH_STAC_INVALID_ITEM', 'item', v, asV100(item), 'item.json v1.0.0');
  if (checks.extensions) checkExtensions('TH_STAC_INVALID_ITEM', 'item', item);
  if (item.geometry !== null) {
    validateGeometry(item.geometry, '$.geometry');
    const gb = geometryBbox(item.geometry);
    const b = item.bbox;
    if (gb && Array.isArray(b)) {
      const [x0, y0, x1, y1] = b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!];
      const tol = 1e-6;
      const crosses = x0 > x1; // antimeridian bbox: only latitudes are comparable
      if (gb[1] < y0 - tol || gb[3] > y1 + tol || (!crosses && (gb[0] < x0 - tol || gb[2] > x1 + tol)))
        throw new TerraHubError(
          'TH_STAC_INVALID_GEOMETRY',
          `$.bbox ${JSON.stringify(b)} does not contain the geometry (its bbox is ${JSON.stringify(gb)})`,
          { path: '$.bbox' },
        );
    }
  }
  return item;
}

export function validateCollection(
  doc: unknown,
  checks: ValidationChecks = { extensions: true },
): StacCollection {
  notObject('TH_STAC_INVALID_COLLECTION', 'collection', doc);
  const c = doc as StacCollection;
  const v = loaded().get(COLLECTION)!;
  check('TH_STAC_INVALID_COLLECTION', 'collection', v, asV100(c), 'collection.json v1.0.0');
  if (checks.extensions) checkExtensions('TH_STAC_INVALID_COLLECTION', 'collection', c);
  return c;
}

/** The document as it will be served from `collectionId`: in it, with a collection link (the schema ties them). */
function asServed(doc: unknown, collectionId: string): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const d = doc as Record<string, unknown>;
  if (d['collection'] !== undefined && d['collection'] !== collectionId) return doc; // refused below
  const links = Array.isArray(d['links']) ? (d['links'] as Array<{ rel?: unknown }>) : [];
  const hasLink = links.some((l) => l?.rel === 'collection');
  return {
    ...d,
    collection: collectionId,
    links: hasLink ? links : [...links, { rel: 'collection', href: `collections/${collectionId}` }],
  };
}

/**
 * Checks an item written to `collectionId` (every write path runs this: the API, `stac load`'s workers) and
 * returns it as stored: its `collection` set. An item naming another collection is a 400.
 */
export function checkItemFor(doc: unknown, collectionId: string, checks: ValidationChecks): StacItem {
  validateItem(asServed(doc, collectionId), checks);
  const item = doc as StacItem;
  if (item.collection !== undefined && item.collection !== collectionId)
    throw new TerraHubError(
      'TH_STAC_INVALID_ITEM',
      `item.collection "${item.collection}" is not the collection "${collectionId}" it is written to`,
      { path: '$.collection' },
    );
  return { ...item, collection: collectionId };
}
