/**
 * User metadata values (`x-amz-meta-*`) beyond US-ASCII, as S3 documents them: values are decoded from
 * RFC 2047 encoded-words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) before they are stored, and a value with
 * characters outside US-ASCII is sent back as one RFC 2047 encoded-word (`=?UTF-8?B?<base64>?=`), since
 * HTTP header values are ASCII.
 *
 * Raw bytes of 0x80 and above in a header (clients that skip the encoding) are read as UTF-8 when they are
 * valid UTF-8 (botocore sends UTF-8), else as Latin-1 (Node's HTTP client sends characters under U+0100 as
 * one byte each). AWS reads such bytes as Latin-1 only, so a UTF-8 value comes back from AWS encoded twice
 * (`é` as `=?UTF-8?B?w4PCqQ==?=`); TerraHub keeps the value that was meant.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex -- the ASCII range is the point
const NON_ASCII = /[^\u0000-\u007f]/;
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const BETWEEN_WORDS = /(\?=)\s+(=\?)/g;

function decodeWord(charset: string, enc: string, text: string): string | null {
  const cs = charset.toLowerCase().replace(/\*.*$/, ''); // RFC 2231 language suffix
  if (cs !== 'utf-8' && cs !== 'iso-8859-1' && cs !== 'us-ascii') return null;
  const bytes =
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        );
  if (cs !== 'utf-8') return bytes.toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A received header value (Node's Latin-1 string of its bytes) as the text to store. */
export function decodeMetaValue(raw: string): string {
  if (NON_ASCII.test(raw)) {
    try {
      return utf8.decode(Buffer.from(raw, 'latin1'));
    } catch {
      return raw;
    }
  }
  if (!raw.includes('=?')) return raw;
  // Whitespace between two encoded-words is not part of the text (RFC 2047, section 6.2).
  return raw
    .replace(BETWEEN_WORDS, '$1$2')
    .replace(
      ENCODED_WORD,
      (word, cs: string, enc: string, text: string) => decodeWord(cs, enc, text) ?? word,
    );
}

/** A stored value as a header value: as is when US-ASCII, else one RFC 2047 encoded-word. */
export function encodeMetaValue(v: string): string {
  return NON_ASCII.test(v) ? `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=` : v;
}
