/**
 * A PROJ string for a user-defined CRS, built from the projection parameters in a GeoTIFF's GeoKeys (as GDAL
 * writes a CRS that has no EPSG code: ProjCoordTransGeoKey and its parameters, or an EPSG projection code
 * such as a UTM zone, on a geographic CRS given by code or by ellipsoid). The shipped projection code
 * (proj4, src/raster/warp/crs.ts) then transforms it like any EPSG CRS, so footprints, tiles and warps work.
 * Datum shifts are not carried (towgs84): the error is that of the datum (metres), fine for footprints.
 */
import type { GeoKeys } from './geokeys.ts';

/** GeoKey ids of the GeoTIFF 1.0 spec used here (section 6.2). */
const K = {
  GTModelType: 1024,
  GeographicType: 2048,
  GeogGeodeticDatum: 2050,
  GeogPrimeMeridianLong: 2061,
  GeogAngularUnits: 2054,
  GeogEllipsoid: 2056,
  GeogSemiMajorAxis: 2057,
  GeogSemiMinorAxis: 2058,
  GeogInvFlattening: 2059,
  Projection: 3074,
  ProjCoordTrans: 3075,
  ProjLinearUnits: 3076,
  ProjLinearUnitSize: 3077,
  ProjStdParallel1: 3078,
  ProjStdParallel2: 3079,
  ProjNatOriginLong: 3080,
  ProjNatOriginLat: 3081,
  ProjFalseEasting: 3082,
  ProjFalseNorthing: 3083,
  ProjFalseOriginLong: 3084,
  ProjFalseOriginLat: 3085,
  ProjFalseOriginEasting: 3086,
  ProjFalseOriginNorthing: 3087,
  ProjCenterLong: 3088,
  ProjCenterLat: 3089,
  ProjCenterEasting: 3090,
  ProjCenterNorthing: 3091,
  ProjScaleAtNatOrigin: 3092,
  ProjScaleAtCenter: 3093,
  ProjAzimuthAngle: 3094,
  ProjStraightVertPoleLong: 3095,
} as const;

/** Ellipsoids by EPSG ellipsoid code, and those of the common geographic CRSs and datums. */
const ELLPS_BY_ELLIPSOID: Record<number, string> = {
  7030: 'WGS84',
  7019: 'GRS80',
  7008: 'clrk66',
  7012: 'clrk80',
  7004: 'bessel',
  7022: 'intl',
  7043: 'WGS72',
  7001: 'airy',
  7024: 'krass',
};
const ELLPS_BY_GCS: Record<number, string> = {
  4326: 'WGS84',
  4269: 'GRS80',
  4258: 'GRS80',
  4283: 'GRS80',
  4267: 'clrk66',
  4230: 'intl',
  4277: 'airy',
  4322: 'WGS72',
  4314: 'bessel',
  4284: 'krass',
};
const ELLPS_BY_DATUM: Record<number, string> = {
  6326: 'WGS84',
  6269: 'GRS80',
  6258: 'GRS80',
  6267: 'clrk66',
  6230: 'intl',
};

/** Metres per unit of ProjLinearUnitsGeoKey codes. */
const LINEAR_UNITS: Record<number, number> = { 9001: 1, 9002: 0.3048, 9003: 1200 / 3937, 9036: 1000 };

const num = (keys: GeoKeys, id: number): number | undefined => {
  const v = keys.get(id);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

function ellipsoid(keys: GeoKeys): string {
  const a = num(keys, K.GeogSemiMajorAxis);
  if (a !== undefined) {
    const rf = num(keys, K.GeogInvFlattening);
    const b = num(keys, K.GeogSemiMinorAxis);
    if (rf !== undefined && rf > 0) return `+a=${a} +rf=${rf}`;
    if (b !== undefined) return `+a=${a} +b=${b}`;
    return `+a=${a} +b=${a}`;
  }
  const e = num(keys, K.GeogEllipsoid);
  const gcs = num(keys, K.GeographicType);
  const datum = num(keys, K.GeogGeodeticDatum);
  const name =
    (e !== undefined ? ELLPS_BY_ELLIPSOID[e] : undefined) ??
    (gcs !== undefined ? ELLPS_BY_GCS[gcs] : undefined) ??
    (datum !== undefined ? ELLPS_BY_DATUM[datum] : undefined) ??
    'WGS84';
  return `+ellps=${name}`;
}

/** The projection part (`+proj=... +lat_0=...`) from ProjCoordTransGeoKey and its parameters. */
function projection(keys: GeoKeys, metresPerUnit: number): string | null {
  const code = num(keys, K.Projection);
  // EPSG projection codes for UTM zones: 16001-16060 north, 16101-16160 south.
  if (code !== undefined && code > 16000 && code <= 16160 && code % 100 >= 1 && code % 100 <= 60)
    return `+proj=utm +zone=${code % 100}${code > 16100 ? ' +south' : ''}`;
  const ct = num(keys, K.ProjCoordTrans);
  if (ct === undefined) return null;
  // Angles in GeoDoubleParams are in GeogAngularUnits: degrees (9102, the default) or radians (9101).
  const toDeg = num(keys, K.GeogAngularUnits) === 9101 ? 180 / Math.PI : 1;
  const deg = (...ids: number[]): number => {
    for (const id of ids) {
      const v = num(keys, id);
      if (v !== undefined) return v * toDeg;
    }
    return 0;
  };
  const val = (fallback: number, ...ids: number[]): number => {
    for (const id of ids) {
      const v = num(keys, id);
      if (v !== undefined) return v;
    }
    return fallback;
  };
  const lon0 = deg(K.ProjNatOriginLong, K.ProjFalseOriginLong, K.ProjCenterLong);
  const lat0 = deg(K.ProjNatOriginLat, K.ProjFalseOriginLat, K.ProjCenterLat);
  // False eastings and northings are in the CRS's linear unit; PROJ takes them in metres.
  const x0 = val(0, K.ProjFalseEasting, K.ProjFalseOriginEasting, K.ProjCenterEasting) * metresPerUnit;
  const y0 = val(0, K.ProjFalseNorthing, K.ProjFalseOriginNorthing, K.ProjCenterNorthing) * metresPerUnit;
  const k = val(1, K.ProjScaleAtNatOrigin, K.ProjScaleAtCenter);
  const p1 = deg(K.ProjStdParallel1);
  const p2 = deg(K.ProjStdParallel2);
  const origin = `+lat_0=${lat0} +lon_0=${lon0}`;
  const fe = `+x_0=${x0} +y_0=${y0}`;
  switch (ct) {
    case 1: // TransverseMercator
      return `+proj=tmerc ${origin} +k=${k} ${fe}`;
    case 27: // TransvMercator_SouthOriented
      return `+proj=tmerc ${origin} +k=${k} ${fe} +axis=wsu`;
    case 3: // ObliqueMercator (Hotine)
      return `+proj=omerc +lat_0=${lat0} +lonc=${lon0} +alpha=${deg(K.ProjAzimuthAngle)} +k=${k} ${fe}`;
    case 7: // Mercator (1SP, or 2SP with a standard parallel)
      return keys.has(K.ProjStdParallel1)
        ? `+proj=merc +lat_ts=${p1} +lon_0=${lon0} ${fe}`
        : `+proj=merc +lon_0=${lon0} +k=${k} ${fe}`;
    case 8: // LambertConfConic_2SP
      return `+proj=lcc +lat_1=${p1} +lat_2=${p2} ${origin} ${fe}`;
    case 9: // LambertConfConic_1SP
      return `+proj=lcc +lat_1=${lat0} ${origin} +k_0=${k} ${fe}`;
    case 10: // LambertAzimEqualArea
      return `+proj=laea ${origin} ${fe}`;
    case 11: // AlbersEqualArea
      return `+proj=aea +lat_1=${p1} +lat_2=${p2} ${origin} ${fe}`;
    case 12: // AzimuthalEquidistant
      return `+proj=aeqd ${origin} ${fe}`;
    case 13: // EquidistantConic
      return `+proj=eqdc +lat_1=${p1} +lat_2=${p2} ${origin} ${fe}`;
    case 14: // Stereographic
      return `+proj=stere ${origin} +k=${k} ${fe}`;
    case 15: {
      // PolarStereographic: the pole from the sign of the latitude of origin.
      const pole = lat0 < 0 ? -90 : 90;
      const lonPole = deg(K.ProjStraightVertPoleLong, K.ProjNatOriginLong);
      return keys.has(K.ProjStdParallel1)
        ? `+proj=stere +lat_0=${pole} +lat_ts=${p1} +lon_0=${lonPole} ${fe}`
        : `+proj=stere +lat_0=${pole} +lon_0=${lonPole} +k=${k} ${fe}`;
    }
    case 16: // ObliqueStereographic
      return `+proj=sterea ${origin} +k=${k} ${fe}`;
    case 17: // Equirectangular
      return `+proj=eqc +lat_ts=${p1 || lat0} +lon_0=${lon0} ${fe}`;
    case 18: // CassiniSoldner
      return `+proj=cass ${origin} ${fe}`;
    case 19: // Gnomonic
      return `+proj=gnom ${origin} ${fe}`;
    case 20: // MillerCylindrical
      return `+proj=mill +lon_0=${lon0} ${fe}`;
    case 21: // Orthographic
      return `+proj=ortho ${origin} ${fe}`;
    case 22: // Polyconic
      return `+proj=poly ${origin} ${fe}`;
    case 23: // Robinson
      return `+proj=robin +lon_0=${lon0} ${fe}`;
    case 24: // Sinusoidal
      return `+proj=sinu +lon_0=${lon0} ${fe}`;
    case 25: // VanDerGrinten
      return `+proj=vandg +lon_0=${lon0} ${fe}`;
    default:
      return null;
  }
}

/**
 * The PROJ string of a user-defined CRS in `keys`, or null when the keys do not define one this code knows
 * (then the CRS stays unsupported, with a clear error where it is needed).
 */
export function projFromGeoKeys(keys: GeoKeys): string | null {
  const model = num(keys, K.GTModelType);
  const ellps = ellipsoid(keys);
  const pm = num(keys, K.GeogPrimeMeridianLong);
  const pmPart = pm ? ` +pm=${pm}` : '';
  if (model === 2) {
    // A geographic CRS without an EPSG code: longitude/latitude on its ellipsoid.
    return `+proj=longlat ${ellps}${pmPart} +no_defs`;
  }
  if (model !== 1) return null;
  const code = num(keys, K.ProjLinearUnits);
  const size = num(keys, K.ProjLinearUnitSize) ?? (code !== undefined ? LINEAR_UNITS[code] : undefined) ?? 1;
  const p = projection(keys, size);
  if (!p) return null;
  const units = size === 1 ? '+units=m' : `+to_meter=${size}`;
  return `${p} ${ellps}${pmPart} ${units} +no_defs`;
}
