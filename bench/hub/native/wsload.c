/*
 * The proxy benchmark's native WebSocket load client, in the spirit of wrk: one thread, epoll, no library.
 * It opens N connections (RFC 6455 handshake, Sec-WebSocket-Accept checked), then each connection sends
 * one masked binary frame (a fresh mask per frame, as clients must), waits for the echo, and sends the
 * next, for the given seconds. Every echo must be a single unmasked binary frame whose payload equals,
 * byte for byte, what that connection sent last (each message's payload differs: connection and sequence
 * number are woven in); anything else stops the run with an error and exit status 1, so a broken backend or
 * proxy cannot pass for a fast one. Prints one JSON line: messages echoed within the run, msg/s, and the
 * p50/p99 round-trip latency.
 *
 *   wsload <host> <port> <path> <connections> <seconds> [payload bytes, default 16] [Authorization value]
 */
#include "ws_common.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#define MAX_US 1000000 /* latencies above a second are counted as a second */

typedef struct {
  int fd, id, waiting;
  uint32_t seq, events;
  int64_t sent_ns;
  unsigned char *expect, *in, *out;
  size_t in_len, in_cap, out_off, out_len;
} client;

static uint32_t hist[MAX_US + 1];
static uint64_t rng;
static size_t payload;
static int ep;

static uint32_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "wsload: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static void want(client *c, uint32_t events) {
  if (events == c->events) return;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = events;
}

static void flush(client *c) {
  while (c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += (size_t)n, c->out_len -= (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      fail("connection %d: send failed (errno %d)", c->id, errno);
    }
  }
  want(c, c->out_len ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static void send_next(client *c) {
  c->seq++;
  for (size_t j = 0; j < payload; j++) c->expect[j] = (unsigned char)(c->id * 131 + c->seq * 7 + j * 13);
  if (payload >= 8) memcpy(c->expect, &c->seq, 4), memcpy(c->expect + 4, &c->id, 4);
  unsigned char *o = c->out;
  size_t h = 2;
  o[0] = 0x82; /* FIN, binary */
  if (payload < 126) {
    o[1] = (unsigned char)(0x80 | payload);
  } else if (payload < 65536) {
    o[1] = 0x80 | 126, o[2] = (unsigned char)(payload >> 8), o[3] = (unsigned char)payload;
    h = 4;
  } else {
    o[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) o[2 + i] = (unsigned char)((uint64_t)payload >> (56 - 8 * i));
    h = 10;
  }
  uint32_t m = rnd();
  memcpy(o + h, &m, 4);
  for (size_t j = 0; j < payload; j++) o[h + 4 + j] = c->expect[j] ^ o[h + (j & 3)];
  c->out_off = 0, c->out_len = h + 4 + payload;
  c->waiting = 1;
  c->sent_ns = mono_ns();
  flush(c);
}

/* Connects and does the handshake, blocking (before the clock starts). */
static void open_client(client *c, const char *host, int port, const char *path, const char *auth) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) fail("connection %d: bad host", c->id);
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a)) fail("connection %d: connect failed (errno %d)", c->id, errno);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  unsigned char raw[16];
  for (int i = 0; i < 16; i++) raw[i] = (unsigned char)rnd();
  char key[25], accept[29], req[2048];
  base64(raw, 16, key);
  ws_accept(key, 24, accept);
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                   path, host, port, key, *auth ? "Authorization: " : "", auth, *auth ? "\r\n" : "");
  if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) fail("connection %d: handshake not sent", c->id);
  char head[8192];
  size_t got = 0;
  const char *end = NULL;
  while (!end) {
    ssize_t r = read(c->fd, head + got, sizeof head - 1 - got);
    if (r <= 0) fail("connection %d: closed or timed out during the handshake (errno %d)", c->id, errno);
    got += (size_t)r;
    end = memmem(head, got, "\r\n\r\n", 4);
    if (!end && got >= sizeof head - 1) fail("connection %d: handshake answer too long", c->id);
  }
  size_t hl = (size_t)(end - head) + 4, vl;
  const char *v = header_value(head, hl, "sec-websocket-accept", &vl);
  if (strncmp(head, "HTTP/1.1 101", 12) != 0 || !v || vl != 28 || memcmp(v, accept, 28) != 0) {
    head[hl] = 0;
    fprintf(stderr, "wsload: connection %d: handshake refused:\n%s", c->id, head);
    exit(1);
  }
  c->in_cap = payload + 65536;
  c->in = malloc(c->in_cap);
  c->out = malloc(payload + 14);
  c->expect = malloc(payload + 1);
  if (!c->in || !c->out || !c->expect) fail("connection %d: out of memory", c->id);
  c->in_len = got - hl; /* nothing is due yet, but keep whatever came */
  memcpy(c->in, head + hl, c->in_len);
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  c->events = EPOLLIN;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Reads what has come and checks every complete frame against what was sent; returns the echoes. */
static int on_readable(client *c) {
  ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
  if (n == 0) fail("connection %d: closed by the other side after %ld messages", c->id, (long)c->seq);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return 0;
    fail("connection %d: read failed (errno %d)", c->id, errno);
  }
  c->in_len += (size_t)n;
  int echoes = 0;
  size_t used = 0;
  for (;;) {
    const unsigned char *p = c->in + used;
    size_t avail = c->in_len - used, h = 2;
    if (avail < 2) break;
    uint64_t len = p[1] & 0x7f;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t)p[2] << 8 | p[3], h = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0, h = 10;
      for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
    }
    if (p[1] & 0x80) fail("connection %d: a masked frame from the server (message %ld)", c->id, (long)c->seq);
    if (p[0] != 0x82) fail("connection %d: frame byte 0x%x instead of a final binary frame (message %ld)", c->id, p[0], (long)c->seq);
    if (len != payload) fail("connection %d: echo of %ld bytes instead of %ld", c->id, (long)len, (long)payload);
    if (avail < h + len) break;
    if (!c->waiting) fail("connection %d: a frame nobody asked for (after message %ld)", c->id, (long)c->seq);
    for (size_t j = 0; j < payload; j++)
      if (p[h + j] != c->expect[j]) fail("connection %d: echo of message %ld differs from what was sent at byte %ld", c->id, (long)c->seq, (long)j);
    c->waiting = 0;
    used += h + len;
    echoes++;
  }
  memmove(c->in, c->in + used, c->in_len - used);
  c->in_len -= used;
  return echoes;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: wsload <host> <port> <path> <connections> <seconds> [payload bytes] [authorization]\n");
    return 2;
  }
  int conns = atoi(argv[4]);
  double seconds = atof(argv[5]);
  payload = argc > 6 ? strtoul(argv[6], NULL, 10) : 16;
  const char *auth = argc > 7 ? argv[7] : "";
  rng = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
  if (conns < 1 || seconds <= 0 || payload < 1) fail("bad arguments");
  ep = epoll_create1(EPOLL_CLOEXEC);
  client *cs = calloc((size_t)conns, sizeof *cs);
  for (int i = 0; i < conns; i++) {
    cs[i].id = i;
    open_client(&cs[i], argv[1], atoi(argv[2]), argv[3], auth);
  }
  int64_t start = mono_ns(), end = start + (int64_t)(seconds * 1e9), grace = end + 10000000000LL;
  uint64_t counted = 0, verified = 0;
  for (int i = 0; i < conns; i++) send_next(&cs[i]);
  int outstanding = conns;
  struct epoll_event evs[256];
  while (outstanding) {
    int64_t now = mono_ns();
    if (now > grace) fail("%d echoes never came back", outstanding);
    int timeout = (int)(((now < end ? end : grace) - now) / 1000000) + 1;
    int n = epoll_wait(ep, evs, 256, timeout);
    if (n < 0 && errno != EINTR) fail("epoll_wait failed (errno %d)", errno);
    for (int i = 0; i < n; i++) {
      client *c = evs[i].data.ptr;
      if (evs[i].events & EPOLLOUT) flush(c);
      if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      int got = on_readable(c);
      if (!got) continue;
      verified += (uint64_t)got;
      now = mono_ns();
      if (now <= end) {
        int64_t us = (now - c->sent_ns) / 1000;
        hist[us > MAX_US ? MAX_US : us]++;
        counted++;
      }
      if (now < end) send_next(c);
      else outstanding--;
    }
  }
  uint64_t p50 = 0, p99 = 0, acc = 0;
  for (int us = 0, f50 = 0; us <= MAX_US; us++) {
    acc += hist[us];
    if (!f50 && acc * 2 >= counted) p50 = (uint64_t)us, f50 = 1;
    if (acc * 100 >= counted * 99) {
      p99 = (uint64_t)us;
      break;
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru); /* the client's own CPU, to show how little of the machine it takes */
  double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  printf("{\"messages\":%llu,\"verified\":%llu,\"seconds\":%.3f,\"rate\":%.1f,\"p50_us\":%llu,\"p99_us\":%llu,"
         "\"cpu_s\":%.3f}\n",
         (unsigned long long)counted, (unsigned long long)verified, seconds, counted / seconds,
         (unsigned long long)p50, (unsigned long long)p99, cpu);
  return 0;
}
