import assert from 'node:assert/strict';
import { test } from 'node:test';
import { esc, parseCompleteParts, parseDeleteObjects } from './xml.ts';

test('esc escapes markup and control characters, and leaves plain text alone', () => {
  assert.equal(esc('plain/key 1.tif'), 'plain/key 1.tif');
  assert.equal(esc(`a<b>&"c'`), 'a&#60;b&#62;&#38;&#34;c&#39;');
  assert.equal(esc('x\u0001y\tz'), 'x&#1;y\tz');
  assert.equal(esc(42), '42');
});

test('request documents are read strictly, entities included', () => {
  assert.deepEqual(
    parseDeleteObjects('<Delete><Quiet>true</Quiet><Object><Key>a&amp;b&#x20;c</Key></Object></Delete>'),
    {
      keys: ['a&b c'],
      quiet: true,
    },
  );
  assert.throws(() => parseDeleteObjects('<Other/>'), { code: 'TH_S3_MALFORMED_XML' });
  assert.deepEqual(
    parseCompleteParts(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e1"</ETag></Part></CompleteMultipartUpload>',
    ),
    [{ partNumber: 1, etag: '"e1"' }],
  );
  assert.throws(
    () =>
      parseCompleteParts('<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>'),
    {
      code: 'TH_S3_MALFORMED_XML',
    },
  );
});
