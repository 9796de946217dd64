/**
 * The per-key part of listing answers (ListObjects V1/V2, ListObjectVersions), built for pages of 1,000
 * keys: one template per key, joined once, escaping only what XML text content needs.
 */
import type { ListedObject } from '../store/object-store.ts';

/* eslint-disable no-control-regex -- control characters must go out as numeric references */
const TEXT_SPECIAL = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const TEXT_SPECIAL_ALL = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
/* eslint-enable no-control-regex */

/**
 * Escapes XML text content. Quotes need no escaping outside attributes, and most keys need nothing, so the
 * common case is one regex test.
 */
export function escText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIAL_ALL, (c) => `&#${c.charCodeAt(0)};`) : s;
}

let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * `Date.toISOString()` of a time in ms, formatting the date and time up to the second only when the
 * second changes: keys written together share it, and toISOString was half the cost of a page.
 */
export function isoTime(ms: number): string {
  // Outside the years 1970-9999 (or not an integer), the cached prefix would not apply.
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** `<Contents>` elements of ListObjects; `owner` is the whole `<Owner>` element, or '' when not asked for. */
export function contentsXml(objs: ListedObject[], enc: (s: string) => string, owner: string): string {
  const out = new Array<string>(objs.length);
  for (let i = 0; i < objs.length; i++) {
    const o = objs[i]!;
    out[i] =
      `<Contents><Key>${escText(enc(o.key))}</Key><LastModified>${isoTime(o.lastModified.getTime())}</LastModified>` +
      `<ETag>${escText(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass>${owner}</Contents>`;
  }
  return out.join('');
}

/** `<Version>` elements of ListObjectVersions (TerraHub keeps one version per key: the latest, `null`). */
export function versionsXml(objs: ListedObject[], enc: (s: string) => string, owner: string): string {
  const out = new Array<string>(objs.length);
  for (let i = 0; i < objs.length; i++) {
    const o = objs[i]!;
    out[i] =
      `<Version><Key>${escText(enc(o.key))}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>` +
      `<LastModified>${isoTime(o.lastModified.getTime())}</LastModified><ETag>${escText(o.etag)}</ETag>` +
      `<Size>${o.size}</Size><StorageClass>STANDARD</StorageClass>${owner}</Version>`;
  }
  return out.join('');
}

/** `<CommonPrefixes>` elements. */
export function prefixesXml(prefixes: string[], enc: (s: string) => string): string {
  let out = '';
  for (const p of prefixes) out += `<CommonPrefixes><Prefix>${escText(enc(p))}</Prefix></CommonPrefixes>`;
  return out;
}
