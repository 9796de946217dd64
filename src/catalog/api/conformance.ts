/**
 * The conformance classes the STAC API declares. Each is listed only because the routes, the CatalogService
 * and the tests implement it fully. The full spatial functions (s_touches, s_overlaps, s_crosses... with
 * DE-9IM semantics) are in the CatalogStore contract suite, which every driver passes: sqlite computes
 * them with JSTS (geometry.relate.ts), postgres with PostGIS.
 */
const STAC = 'https://api.stacspec.org/v1.0.0';
const OGC = 'http://www.opengis.net/spec';
const CQL2 = `${OGC}/cql2/1.0/conf`;

export const CONFORMANCE = [
  `${STAC}/core`,
  `${STAC}/collections`,
  `${STAC}/ogcapi-features`,
  `${STAC}/item-search`,
  `${STAC}/item-search#sort`,
  `${STAC}/item-search#fields`,
  `${STAC}/item-search#query`,
  `${STAC}/item-search#filter`,
  `${STAC}/ogcapi-features#sort`,
  `${STAC}/ogcapi-features#fields`,
  `${STAC}/ogcapi-features#query`,
  `${STAC}/ogcapi-features#filter`,
  `${STAC}/ogcapi-features/extensions/transaction`,
  'https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text',
  'https://api.stacspec.org/v1.0.0-rc.1/collection-search',
  'https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text',
  `${OGC}/ogcapi-features-1/1.0/conf/core`,
  `${OGC}/ogcapi-features-1/1.0/conf/oas30`,
  `${OGC}/ogcapi-features-1/1.0/conf/geojson`,
  `${OGC}/ogcapi-features-3/1.0/conf/filter`,
  `${OGC}/ogcapi-features-3/1.0/conf/features-filter`,
  `${OGC}/ogcapi-features-4/1.0/conf/simpletx`,
  `${CQL2}/cql2-text`,
  `${CQL2}/cql2-json`,
  `${CQL2}/basic-cql2`,
  `${CQL2}/advanced-comparison-operators`,
  `${CQL2}/case-insensitive-comparison`,
  `${CQL2}/accent-insensitive-comparison`,
  `${CQL2}/basic-spatial-functions`,
  `${CQL2}/basic-spatial-operators`,
  `${CQL2}/spatial-functions`,
  `${CQL2}/spatial-operators`,
  `${CQL2}/temporal-functions`,
  `${CQL2}/temporal-operators`,
  `${CQL2}/array-functions`,
  `${CQL2}/array-operators`,
  `${CQL2}/arithmetic`,
  `${CQL2}/property-property`,
];
