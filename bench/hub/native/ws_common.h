/*
 * What the benchmark's native WebSocket echo backend (echo.c) and load client (wsload.c) share: SHA-1 and
 * base64 for the handshake's Sec-WebSocket-Accept (RFC 6455 section 4.2.2; SHA-1 as FIPS 180-4 defines
 * it), a case-insensitive header look-up, and the clock. Header-only: each program is one gcc call.
 */
#ifndef WS_COMMON_H
#define WS_COMMON_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static inline uint32_t rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static inline void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  /* Handshake inputs are short (a 24-character key and the GUID): padded, they fit in 128 bytes. */
  unsigned char m[256];
  if (len > sizeof m - 9) len = sizeof m - 9;
  memcpy(m, msg, len);
  size_t total = ((len + 8) / 64 + 1) * 64;
  memset(m + len, 0, total - len);
  m[len] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) m[total - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t blk = 0; blk < total; blk += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
      w[t] = (uint32_t)m[blk + 4 * t] << 24 | (uint32_t)m[blk + 4 * t + 1] << 16 | (uint32_t)m[blk + 4 * t + 2] << 8 |
             m[blk + 4 * t + 3];
    for (int t = 16; t < 80; t++) w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
      uint32_t f, k;
      if (t < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (t < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (t < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
      e = d, d = c, c = rol32(b, 30), b = a, a = tmp;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

static inline void base64(const unsigned char *in, size_t len, char *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    out[o++] = tbl[v >> 18 & 63];
    out[o++] = tbl[v >> 12 & 63];
    out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? tbl[v & 63] : '=';
  }
  out[o] = 0;
}

/* The Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)), 28 characters. */
static inline void ws_accept(const char *key, size_t key_len, char out[29]) {
  char buf[128];
  if (key_len > 64) key_len = 64;
  memcpy(buf, key, key_len);
  memcpy(buf + key_len, WS_GUID, sizeof WS_GUID - 1);
  unsigned char digest[20];
  sha1((const unsigned char *)buf, key_len + sizeof WS_GUID - 1, digest);
  base64(digest, 20, out);
}

/* The value of header `name` (without the colon) in an HTTP head, trimmed; its length in *len, or NULL. */
static inline const char *header_value(const char *head, size_t head_len, const char *name, size_t *len) {
  size_t n = strlen(name);
  const char *end = head + head_len;
  for (const char *p = head; p < end;) {
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (!eol) eol = end;
    if ((size_t)(eol - p) > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
      const char *v = p + n + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      const char *ve = eol;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      *len = (size_t)(ve - v);
      return v;
    }
    p = eol + 2;
  }
  return NULL;
}

static inline int64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

#endif
