/**
 * Value parsers for the `hub.oidc.*` keys. The key table (core/config/keys.ts) imports this module, so it
 * imports nothing from the configuration code.
 */

/**
 * A list of names: a YAML/JSON list, or a string separated by commas or spaces (handy in an environment
 * variable: `TERRAHUB_HUB_OIDC_ALLOWED_GROUPS=staff,students`).
 */
export function parseNameList(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : null;
  if (!items || !items.every((x) => typeof x === 'string' || typeof x === 'number')) {
    throw new Error('must be a list of names, or a string of names separated by commas');
  }
  return [...new Set(items.map((x) => String(x).trim()).filter((x) => x !== ''))];
}
