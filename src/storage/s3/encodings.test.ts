/** Pure encodings of the S3 protocol: CRC-64/NVME checksums and RFC 2047 metadata values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newChecksum } from './checksums.ts';
import { decodeMetaValue, encodeMetaValue } from './meta-encoding.ts';

const latin1 = (b: Buffer) => b.toString('latin1'); // how Node hands header bytes over

void describe('CRC-64/NVME', () => {
  void it('matches the catalogue check value and the value s3-tests expects, across chunk boundaries', () => {
    const c = newChecksum('crc64nvme');
    c.update(Buffer.from('1234'));
    c.update(Buffer.from('56789'));
    assert.equal(Buffer.from(c.digest(), 'base64').toString('hex'), 'ae8b14860a799888');
    const a = newChecksum('crc64nvme');
    a.update(Buffer.alloc(1024, 'A'));
    assert.equal(a.digest(), 'Qeh8oXvGiSo=');
  });
});

void describe('user metadata values beyond ASCII', () => {
  void it('reads raw UTF-8 bytes as UTF-8 and other high bytes as Latin-1', () => {
    assert.equal(decodeMetaValue(latin1(Buffer.from('café 中'))), 'café 中');
    assert.equal(decodeMetaValue(latin1(Buffer.from([0x63, 0x61, 0x66, 0xe9]))), 'café');
    assert.equal(decodeMetaValue('plain ascii'), 'plain ascii');
  });

  void it('decodes RFC 2047 encoded-words (B and Q, UTF-8 and Latin-1) and leaves others alone', () => {
    assert.equal(decodeMetaValue('=?UTF-8?B?Y2Fmw6k=?='), 'café');
    assert.equal(decodeMetaValue('=?utf-8?q?caf=C3=A9_au_lait?='), 'café au lait');
    assert.equal(decodeMetaValue('=?ISO-8859-1?Q?caf=E9?='), 'café');
    assert.equal(decodeMetaValue('a =?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?= b'), 'a éé b');
    assert.equal(decodeMetaValue('=?KOI8-R?B?w6k=?='), '=?KOI8-R?B?w6k=?=');
    assert.equal(decodeMetaValue('=?UTF-8?B?/w==?='), '=?UTF-8?B?/w==?='); // not UTF-8: kept
  });

  void it('encodes values beyond ASCII as one UTF-8 B encoded-word, and round-trips', () => {
    assert.equal(encodeMetaValue('ascii only'), 'ascii only');
    assert.equal(encodeMetaValue('café'), '=?UTF-8?B?Y2Fmw6k=?=');
    for (const v of ['café', '中文 😀', 'ÿ']) assert.equal(decodeMetaValue(encodeMetaValue(v)), v);
  });
});
