import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTiff } from '../../raster/tiff/dataset.ts';
import { validateCog } from '../../raster/cog/validate.ts';
import { startTestHub } from '../../testing/hub.ts';
import { ensureDemoData } from './demo-data.ts';

interface Feature {
  id: string;
  properties: { datetime: string; 'eo:cloud_cover': number };
  assets: { [band: string]: { href: string } };
}

const anyone = { user: null, scopes: new Set<never>(), tokenId: null };

void test('the demo collection: public scenes on three dates with clouds, a DEM, valid COGs, made once', async () => {
  const hub = await startTestHub();
  try {
    assert.equal(await ensureDemoData(hub.services), 13);
    // Anyone may read it: no token.
    const coll = await hub.api('/api/stac/v1/collections/demo', { token: null });
    assert.equal(coll.status, 200);
    const search = await hub.api('/api/stac/v1/search?collections=demo&limit=100', { token: null });
    const fc = (await search.json()) as { features: Feature[] };
    assert.equal(fc.features.length, 13);
    const scenes = fc.features.filter((f) => f.id !== 'dem');
    assert.deepEqual(new Set(scenes.map((f) => f.properties.datetime.slice(0, 10))).size, 3);
    const covers = scenes.map((f) => f.properties['eo:cloud_cover']);
    assert.ok(
      Math.min(...covers) < 20 && Math.max(...covers) > 20,
      `cloud cover varies: ${covers.join(',')}`,
    );
    assert.deepEqual(Object.keys(scenes[0]!.assets).sort(), ['blue', 'green', 'nir', 'red']);

    // The bytes are in the public bucket and are valid COGs by TerraHub's own validator.
    const href = scenes[0]!.assets['nir']!.href;
    assert.match(href, /^s3:\/\/demo\/scenes\/.+\/nir\.tif$/);
    const src = await hub.services.storage.openObject(anyone, 'demo', href.slice('s3://demo/'.length));
    const ds = await openTiff(src);
    assert.equal(ds.width, 256);
    assert.equal(ds.dataType, 'uint16');
    assert.equal(ds.crs?.epsg, 4326);
    const v = await validateCog(ds, { fullCheck: true });
    assert.deepEqual(v.errors, []);
    const anon = await fetch(`${hub.s3Url}/${href.slice(5)}`, { headers: { range: 'bytes=0-3' } });
    assert.equal(anon.status, 206);

    // In the clearest June scene, NIR is well above red over the land: the NDVI is meaningful.
    const clear = scenes.reduce((a, b) =>
      a.properties['eo:cloud_cover'] < b.properties['eo:cloud_cover'] ? a : b,
    );
    const band = async (name: string) => {
      const key = clear.assets[name]!.href.slice('s3://demo/'.length);
      const d = await openTiff(await hub.services.storage.openObject(anyone, 'demo', key));
      return (await d.read({ level: 0, window: { x: 0, y: 0, width: 256, height: 256 } })).data[0]!;
    };
    const [red, nir] = [await band('red'), await band('nir')];
    let sum = 0;
    for (let i = 0; i < red.length; i++) sum += (nir[i]! - red[i]!) / (nir[i]! + red[i]! || 1);
    assert.ok(sum / red.length > 0.2, `mean NDVI ${sum / red.length}`);

    // A second start does nothing; a start that was interrupted after the collection is finished.
    assert.equal(await ensureDemoData(hub.services), 0);
    const admin = hub.services.identity.users.get('admin');
    await hub.services.catalog.deleteItem(
      { user: admin, scopes: new Set(['admin']), tokenId: null },
      'demo',
      'dem',
    );
    assert.equal(await ensureDemoData(hub.services), 13);
  } finally {
    await hub.close();
  }
});
