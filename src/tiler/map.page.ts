/**
 * The map page: MapLibre GL (served by TerraHub from the npm package, no CDN) showing one layer's tiles.
 * A token may be given in the URL fragment (`#token=...`): it stays in the browser (fragments are never
 * sent to servers or logged) and is added to tile requests as a Bearer header, for private buckets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function mapPage(o: { tilejsonUrl: string; staticBase: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TerraHub map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${esc(o.staticBase)}/maplibre-gl.css">
<style>html,body,#map{margin:0;height:100%;width:100%;background:#dde}</style>
<script src="${esc(o.staticBase)}/maplibre-gl.js"></script>
</head><body><div id="map"></div>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const tilejson = new URL(${JSON.stringify(o.tilejsonUrl)}, location.href).href;
const auth = (url) => (token && new URL(url).origin === location.origin ? { url, headers: { Authorization: 'Bearer ' + token } } : { url });
fetch(tilejson, token ? { headers: { Authorization: 'Bearer ' + token } } : {})
  .then((r) => { if (!r.ok) throw new Error('tilejson: HTTP ' + r.status); return r.json(); })
  .then((tj) => {
    const map = new maplibregl.Map({
      container: 'map',
      transformRequest: auth,
      style: { version: 8, sources: { layer: { type: 'raster', tiles: tj.tiles, tileSize: 256, bounds: tj.bounds, minzoom: tj.minzoom, maxzoom: tj.maxzoom } },
               layers: [{ id: 'layer', type: 'raster', source: 'layer' }] },
      bounds: [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]],
      fitBoundsOptions: { padding: 20 },
    });
    map.on('idle', () => { document.body.dataset.state = 'idle'; });
    map.on('error', (e) => { document.body.dataset.error = String(e.error && e.error.message); });
    window.terrahubMap = map;
  })
  .catch((e) => { document.body.dataset.error = e.message; document.body.textContent = e.message; });
</script></body></html>`;
}

let assets: { js: Buffer; css: Buffer } | null = null;

/** maplibre-gl's browser bundle and stylesheet from node_modules, read once. */
export function maplibreAssets(): { js: Buffer; css: Buffer } {
  if (!assets) {
    const require = createRequire(import.meta.url);
    // maplibre-gl 5's main entry is its UMD browser bundle, with the worker inlined.
    const dist = dirname(require.resolve('maplibre-gl'));
    assets = {
      js: readFileSync(join(dist, 'maplibre-gl.js')),
      css: readFileSync(join(dist, 'maplibre-gl.css')),
    };
  }
  return assets;
}
