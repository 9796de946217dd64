/*
 * The proxy benchmark's native echo backend: one thread, epoll, no library. Plain HTTP requests get "ok"
 * (200, keep-alive, as bench/hub/backend.js answers them: the hub's culler and probes may ask); a request
 * with `Upgrade: websocket` gets the RFC 6455 handshake, and from then on every frame the client sends
 * (masked, as clients must) comes back unmasked with the same opcode and payload; a ping gets a pong, a
 * close frame is echoed and the connection closed. It exists so that the backend takes as little of a
 * 2-core machine's CPU as it can, leaving it to the proxies being measured, as wrk does for HTTP.
 *
 *   echo [port]     prints the port it listens on (127.0.0.1; 0 or none: any free port), then serves.
 */
#include "ws_common.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20) /* a larger frame closes the connection (1009) */

typedef struct {
  int fd, ws, closing;
  uint32_t events;
  size_t skip; /* request body bytes still to discard */
  char *in, *out;
  size_t in_len, in_cap, out_off, out_len, out_cap;
} conn;

static int ep;

static void *grow(char *p, size_t *cap, size_t need) {
  if (need <= *cap) return p;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  char *q = realloc(p, c);
  if (!q) {
    fprintf(stderr, "echo: out of memory\n");
    exit(1);
  }
  *cap = c;
  return q;
}

static void put(conn *c, const void *data, size_t n) {
  c->out = grow(c->out, &c->out_cap, c->out_off + c->out_len + n);
  memcpy(c->out + c->out_off + c->out_len, data, n);
  c->out_len += n;
}

static void drop(conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
}

/* Writes what is queued; returns -1 when the connection is gone. Waits for EPOLLOUT only when needed. */
static int flush(conn *c) {
  while (c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += (size_t)n;
      c->out_len -= (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return -1;
    }
  }
  if (!c->out_len) {
    c->out_off = 0;
    if (c->closing) return -1;
  }
  uint32_t want = c->out_len ? EPOLLIN | EPOLLOUT : EPOLLIN;
  if (want != c->events) {
    struct epoll_event ev = {.events = want, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = want;
  }
  return 0;
}

/* Consumes complete HTTP requests from the input; returns the bytes used, or -1 to close. */
static long http_requests(conn *c) {
  size_t used = 0;
  while (!c->ws && used < c->in_len) {
    if (c->skip) {
      size_t k = c->in_len - used < c->skip ? c->in_len - used : c->skip;
      used += k;
      c->skip -= k;
      continue;
    }
    const char *head = c->in + used;
    const char *end = memmem(head, c->in_len - used, "\r\n\r\n", 4);
    if (!end) return c->in_len - used > 65536 ? -1 : (long)used;
    size_t head_len = (size_t)(end - head) + 4, n = 0;
    const char *up = header_value(head, head_len, "upgrade", &n);
    size_t key_len = 0;
    const char *key = header_value(head, head_len, "sec-websocket-key", &key_len);
    if (up && n == 9 && strncasecmp(up, "websocket", 9) == 0 && key) {
      char accept[29], resp[256];
      ws_accept(key, key_len, accept);
      int r = snprintf(resp, sizeof resp,
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: %s\r\n\r\n",
                       accept);
      put(c, resp, (size_t)r);
      c->ws = 1;
    } else {
      if (header_value(head, head_len, "transfer-encoding", &n)) return -1; /* chunked bodies: not needed */
      const char *cl = header_value(head, head_len, "content-length", &n);
      c->skip = cl ? strtoul(cl, NULL, 10) : 0;
      static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
      put(c, ok, sizeof ok - 1);
    }
    used += head_len;
  }
  return (long)used;
}

/* Echoes every complete frame in the input; returns the bytes used, or -1 to close. */
static long ws_frames(conn *c, size_t from) {
  size_t used = from;
  for (;;) {
    const unsigned char *p = (const unsigned char *)c->in + used;
    size_t avail = c->in_len - used;
    if (avail < 2) break;
    int opcode = p[0] & 0x0f, masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t)p[2] << 8 | p[3];
      h = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
      h = 10;
    }
    if (!masked) return -1; /* RFC 6455 5.1: a server must close on an unmasked client frame */
    if (len > MAX_FRAME) return -1;
    if (avail < h + 4 + len) break;
    const unsigned char *mask = p + h;
    const unsigned char *payload = p + h + 4;
    unsigned char hdr[10];
    size_t hl = 2;
    hdr[0] = (unsigned char)((p[0] & 0xf0) | (opcode == 0x9 ? 0xA : opcode)); /* a ping gets its pong */
    if (len < 126) {
      hdr[1] = (unsigned char)len;
    } else if (len < 65536) {
      hdr[1] = 126, hdr[2] = (unsigned char)(len >> 8), hdr[3] = (unsigned char)len;
      hl = 4;
    } else {
      hdr[1] = 127;
      for (int i = 0; i < 8; i++) hdr[2 + i] = (unsigned char)(len >> (56 - 8 * i));
      hl = 10;
    }
    used += h + 4 + len;
    if (opcode == 0xA) continue; /* a pong asks for nothing */
    put(c, hdr, hl);
    c->out = grow(c->out, &c->out_cap, c->out_off + c->out_len + len);
    unsigned char *o = (unsigned char *)c->out + c->out_off + c->out_len;
    for (uint64_t i = 0; i < len; i++) o[i] = payload[i] ^ mask[i & 3];
    c->out_len += len;
    if (opcode == 0x8) {
      c->closing = 1; /* the close frame went back: done once it is written */
      break;
    }
  }
  return (long)used;
}

static int on_readable(conn *c) {
  c->in = grow(c->in, &c->in_cap, c->in_len + 65536);
  ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
  if (n == 0) return -1;
  if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
  c->in_len += (size_t)n;
  long used = c->ws ? 0 : http_requests(c);
  if (used >= 0 && c->ws && !c->closing) used = ws_frames(c, (size_t)used);
  if (used < 0) return -1;
  memmove(c->in, c->in + used, c->in_len - (size_t)used);
  c->in_len -= (size_t)used;
  return flush(c);
}

int main(int argc, char **argv) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(argc > 1 ? atoi(argv[1]) : 0)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 1024) || getsockname(lfd, (struct sockaddr *)&a, &al)) {
    perror("echo: listen");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    if (n < 0 && errno != EINTR) return 1;
    for (int i = 0; i < n; i++) {
      conn *c = evs[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conn *nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          nc->events = EPOLLIN;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      int r = 0;
      if (evs[i].events & EPOLLOUT) r = flush(c);
      if (r == 0 && evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) r = on_readable(c);
      if (r < 0) drop(c);
    }
  }
}
