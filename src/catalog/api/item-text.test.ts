import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StacItem } from '../model.ts';
import { item } from '../testing.fixtures.ts';
import { itemTextWithLinks } from './item-text.ts';
import { withItemLinks } from './links.ts';

const BASE = 'http://h:8000/api/stac/v1';

function tricky(): StacItem {
  const it = item('a "quoted" id/ü', { collection: 'c/1', props: { title: 'braces } ] { [ and "links":' } });
  it.links = [
    { rel: 'self', href: 'http://old/self' },
    { rel: 'license', href: 'http://x/license', title: 'a, "b"' },
    { rel: 'root', href: 'http://old/' },
  ];
  it.assets = { data: { href: 'http://x/d.tif', roles: ['data'], links: [{ rel: 'self', href: 'nested' }] } };
  return it;
}

void it('gives the text of withItemLinks, member for member, from compact stored JSON', () => {
  for (const it of [tricky(), item('plain', { collection: 'c' })]) {
    const want = JSON.stringify(withItemLinks(BASE, it));
    assert.equal(itemTextWithLinks(BASE, JSON.stringify(it)), want);
  }
});

void it('reads stored texts with whitespace, nested links members and escapes', () => {
  const it = tricky();
  const text = JSON.stringify(it, null, 2).replace('"id"', '\n  "id"');
  assert.deepEqual(JSON.parse(itemTextWithLinks(BASE, text)), withItemLinks(BASE, it));
});

void it('finds members whose keys are written with escapes', () => {
  const it = tricky();
  const text = JSON.stringify(it).replace('"links":', '"\\u006cinks":');
  assert.ok(text.includes('u006cinks'));
  const out = itemTextWithLinks(BASE, text);
  assert.deepEqual(JSON.parse(out), withItemLinks(BASE, it));
  assert.ok(!out.includes('http://old/self'), 'the stored links member was replaced, not shadowed');
});

void it('adds links when the stored item has none, and takes a missing collection as empty', () => {
  const it = item('x') as Partial<StacItem>;
  delete it.links;
  const out = JSON.parse(itemTextWithLinks(BASE, JSON.stringify(it))) as StacItem;
  assert.deepEqual(out, withItemLinks(BASE, it as StacItem));
  assert.equal(Object.keys(out).at(-1), 'links');
  assert.equal(out.links[0]!.href, `${BASE}/collections//items/x`);
});
