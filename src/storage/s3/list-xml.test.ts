import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentsXml, escText, isoTime, prefixesXml, versionsXml } from './list-xml.ts';

describe('listing XML', () => {
  it('formats times exactly as Date.toISOString, across second boundaries and odd values', () => {
    const times = [
      0, 1, 999, 1000, 1764379000000, 1764379000007, 1764379000070, 1764379000999, 1764379001000,
    ];
    times.push(253402300799999, 253402300800000, -1, -62198755200000, 1.5);
    for (let t = 1764379000000; t < 1764379003000; t += 37) times.push(t);
    for (const t of times) assert.equal(isoTime(t), new Date(t).toISOString(), String(t));
  });

  it('escapes only what XML text needs, control characters as references', () => {
    assert.equal(escText('plain/key.tif'), 'plain/key.tif');
    assert.equal(escText(`a<b>&"c'`), `a&#60;b&#62;&#38;"c'`);
    assert.equal(escText('x\u0001y\tz'), 'x&#1;y\tz');
  });

  it('renders Contents, Version and CommonPrefixes elements', () => {
    const o = { key: 'a&b', size: 5, etag: '"e"', lastModified: new Date(1764379000123) };
    const enc = (s: string) => s;
    assert.equal(
      contentsXml([o], enc, '<Owner/>'),
      '<Contents><Key>a&#38;b</Key><LastModified>2025-11-29T01:16:40.123Z</LastModified><ETag>"e"</ETag>' +
        '<Size>5</Size><StorageClass>STANDARD</StorageClass><Owner/></Contents>',
    );
    assert.match(versionsXml([o], enc, ''), /^<Version><Key>a&#38;b<\/Key><VersionId>null<\/VersionId>/);
    assert.equal(prefixesXml(['p/'], enc), '<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>');
  });
});
