/**
 * A synthetic landscape for the demo collection, computed from coordinates alone (pure, deterministic):
 * terrain, land cover derived from it (water in the valleys, vegetation on the slopes, bare rock on top),
 * seasonal vegetation, and clouds that differ per date. Continuous across tiles, so neighbouring scenes join.
 */

/** Terrain height in metres at a longitude/latitude. */
export function elevation(lon: number, lat: number): number {
  const x = (lon - 11) * 60;
  const y = (lat - 46) * 60;
  const h =
    Math.sin(x * 1.7) * Math.cos(y * 1.3) +
    0.6 * Math.sin(x * 3.1 + y * 2.3) +
    0.35 * Math.cos(x * 6.7 - y * 5.9) +
    0.15 * Math.sin(x * 13.1 + y * 11.3);
  return 900 + 650 * h + 400 * y;
}

/** Cloud opacity 0..1 at a point on a date (`seed` picks the weather, `amount` how cloudy). */
export function cloud(lon: number, lat: number, seed: number, amount: number): number {
  const x = (lon - 11) * 90 + seed * 7.3;
  const y = (lat - 46) * 90 - seed * 3.1;
  const n =
    Math.sin(x * 1.1 + seed) * Math.cos(y * 0.9 - seed * 2) +
    0.5 * Math.sin(x * 2.9 - y * 2.1 + seed * 5) +
    0.25 * Math.cos(x * 7.1 + y * 6.3);
  // n is in about [-1.75, 1.75]; `amount` moves the threshold so more or less of the sky is covered.
  const t = (n + 1.75) / 3.5 - (1 - amount);
  return Math.max(0, Math.min(1, t * 6));
}

/** Surface reflectance (x10000) of blue, green, red and near infrared at a point and season (0..1). */
export function reflectance(lon: number, lat: number, season: number): [number, number, number, number] {
  const h = elevation(lon, lat);
  if (h < 500) return [620, 540, 320, 120]; // water: dark, darkest in the infrared
  const rock = Math.max(0, Math.min(1, (h - 1700) / 400));
  const fields = 0.5 + 0.5 * Math.sin((lon - 11) * 900) * Math.sin((lat - 46) * 700);
  const green = (1 - rock) * (0.35 + 0.45 * season + 0.2 * fields);
  const soil: [number, number, number, number] = [900, 1200, 1500, 2200];
  const veg: [number, number, number, number] = [300, 650, 350, 4200];
  return soil.map((s, i) => Math.round(s * (1 - green) + veg[i]! * green)) as [
    number,
    number,
    number,
    number,
  ];
}

export interface SceneBands {
  /** blue, green, red, nir: uint16 rows, width*height each. */
  bands: [Uint16Array, Uint16Array, Uint16Array, Uint16Array];
  /** Share of pixels under cloud, in percent. */
  cloudCover: number;
}

/** One 4-band scene on a lon/lat grid: west/north corner and pixel size in degrees. */
export function scene(
  west: number,
  north: number,
  size: number,
  pixel: number,
  date: { seed: number; cloudiness: number; season: number },
): SceneBands {
  const bands = [0, 1, 2, 3].map(() => new Uint16Array(size * size)) as SceneBands['bands'];
  let cloudy = 0;
  for (let r = 0; r < size; r++) {
    const lat = north - (r + 0.5) * pixel;
    for (let c = 0; c < size; c++) {
      const lon = west + (c + 0.5) * pixel;
      const surface = reflectance(lon, lat, date.season);
      const k = cloud(lon, lat, date.seed, date.cloudiness);
      if (k > 0.5) cloudy++;
      for (let b = 0; b < 4; b++) bands[b]![r * size + c] = Math.round(surface[b]! * (1 - k) + 8500 * k);
    }
  }
  return { bands, cloudCover: Math.round((1000 * cloudy) / (size * size)) / 10 };
}

/** The DEM (int16 metres) on a lon/lat grid. */
export function dem(west: number, north: number, size: number, pixel: number): Int16Array {
  const out = new Int16Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++)
      out[r * size + c] = Math.round(elevation(west + (c + 0.5) * pixel, north - (r + 0.5) * pixel));
  }
  return out;
}
