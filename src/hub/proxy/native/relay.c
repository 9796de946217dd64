/*
 * The WebSocket relay of the hub's proxy, in C: after the upgrade handshake (done in JavaScript), the two
 * TCP sockets of a proxied WebSocket (browser <-> hub, hub <-> user's server) are handed over here and one
 * thread of its own shuttles their bytes with epoll, so that a message costs two system calls per hop and
 * no work on Node's event loop. Bytes and the time of the last read are counted per connection for the idle
 * culler. Half-closes are passed on (EOF from one side shuts the other's writing side down); the pair is
 * closed when both directions have ended, on an error, or when JavaScript asks (destroy).
 *
 * Ownership: add() dup()s the two descriptors, so JavaScript destroys its own sockets right after handing
 * them over (without shutdown: the dups keep the connections open). Everything that touches a
 * connection's state or epoll runs on the relay thread; JavaScript only appends to a queue, reads the
 * atomic counters, and shuts sockets down, all under one mutex that also guards the list of live pairs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384 /* per direction and connection: JupyterLab opens many quiet WebSockets */

typedef struct conn conn;

typedef struct side {
  conn *c;
  int k;           /* 0: the browser's socket, 1: the user server's */
  int fd;
  uint32_t events; /* the interest registered with epoll */
} side;

struct conn {
  double id;
  side s[2];
  /* Direction d carries bytes read from s[d] to s[1 - d]. */
  char *buf[2];
  size_t cap[2], off[2], len[2];
  int eof[2];  /* s[d] has sent everything (read returned 0) */
  int shut[2]; /* s[1 - d]'s writing side is shut down after that */
  _Atomic uint64_t bytes[2];
  _Atomic int64_t last_ms;
  int dead;
  conn *prev, *next; /* the live list (under mu) */
  conn *queued;      /* added, not yet registered with epoll (under mu) */
};

typedef struct {
  double id, in, out, last;
} closed_msg;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static conn *live;
static conn *pending;
static double next_id = 1;
static int ep = -1, wake = -1;
static napi_threadsafe_function on_close;

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void finish(conn *c) {
  if (c->dead) return;
  c->dead = 1;
  pthread_mutex_lock(&mu);
  if (c->prev) c->prev->next = c->next;
  else live = c->next;
  if (c->next) c->next->prev = c->prev;
  for (int k = 0; k < 2; k++) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->s[k].fd, NULL);
    close(c->s[k].fd);
  }
  pthread_mutex_unlock(&mu);
  closed_msg *m = malloc(sizeof *m);
  if (!m) return;
  m->id = c->id;
  m->in = (double)atomic_load(&c->bytes[0]);
  m->out = (double)atomic_load(&c->bytes[1]);
  m->last = (double)atomic_load(&c->last_ms);
  if (napi_call_threadsafe_function(on_close, m, napi_tsfn_nonblocking) != napi_ok) free(m);
}

/* Writes what direction d holds; shuts the receiver's writing side down once its sender has ended. */
static void flush(conn *c, int d) {
  while (c->len[d]) {
    ssize_t n = send(c->s[1 - d].fd, c->buf[d] + c->off[d], c->len[d], MSG_NOSIGNAL);
    if (n > 0) {
      c->off[d] += (size_t)n;
      c->len[d] -= (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      finish(c);
      return;
    }
  }
  c->off[d] = 0;
  if (c->eof[d] && !c->shut[d]) {
    shutdown(c->s[1 - d].fd, SHUT_WR);
    c->shut[d] = 1;
    if (c->shut[1 - d]) finish(c); /* both directions have ended */
  }
}

/* One read from s[d] (level-triggered epoll calls again while more is waiting), then forwards it. */
static void pump(conn *c, int d) {
  if (c->len[d] || c->eof[d]) return;
  ssize_t n = read(c->s[d].fd, c->buf[d], c->cap[d]);
  if (n > 0) {
    atomic_fetch_add_explicit(&c->bytes[d], (uint64_t)n, memory_order_relaxed);
    atomic_store_explicit(&c->last_ms, now_ms(), memory_order_relaxed);
    c->len[d] = (size_t)n;
    flush(c, d);
  } else if (n == 0) {
    c->eof[d] = 1;
    flush(c, d);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    finish(c);
  }
}

static void set_interest(conn *c, int op) {
  for (int k = 0; k < 2; k++) {
    uint32_t want = 0;
    if (!c->eof[k] && !c->len[k]) want |= EPOLLIN;
    if (c->len[1 - k]) want |= EPOLLOUT;
    if (op == EPOLL_CTL_ADD || want != c->s[k].events) {
      struct epoll_event ev = {.events = want, .data.ptr = &c->s[k]};
      if (epoll_ctl(ep, op, c->s[k].fd, &ev) != 0) {
        finish(c);
        return;
      }
      c->s[k].events = want;
    }
  }
}

static void on_event(conn *c, int k, uint32_t ev) {
  if (ev & EPOLLERR) {
    finish(c);
    return;
  }
  if (ev & EPOLLOUT) flush(c, 1 - k);
  if (!c->dead && (ev & (EPOLLIN | EPOLLHUP))) pump(c, k);
  /* A hung-up socket is reported on every wait (it cannot be masked): once nothing more can be read from
     it, the pair is done. */
  if (!c->dead && (ev & EPOLLHUP) && (c->eof[k] || c->len[k])) finish(c);
  if (!c->dead) set_interest(c, EPOLL_CTL_MOD);
}

static void register_pending(void) {
  uint64_t v;
  if (read(wake, &v, sizeof v) < 0) { /* nothing queued */
  }
  pthread_mutex_lock(&mu);
  conn *q = pending;
  pending = NULL;
  pthread_mutex_unlock(&mu);
  while (q) {
    conn *c = q;
    q = c->queued;
    c->queued = NULL;
    set_interest(c, EPOLL_CTL_ADD);
    if (!c->dead) {
      /* The bytes JavaScript had already received (the handshake's answer, any early frames) go first. */
      flush(c, 0);
      if (!c->dead) flush(c, 1);
      if (!c->dead) set_interest(c, EPOLL_CTL_MOD);
    }
    if (c->dead) {
      free(c->buf[0]);
      free(c->buf[1]);
      free(c);
    }
  }
}

static void *run(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "terrahub-relay"); /* as top -H and ps -L show it */
  struct epoll_event evs[128];
  conn *dead[128];
  for (;;) {
    int n = epoll_wait(ep, evs, 128, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    int nd = 0;
    for (int i = 0; i < n; i++) {
      side *s = evs[i].data.ptr;
      if (!s) {
        register_pending();
        continue;
      }
      conn *c = s->c;
      if (c->dead) continue;
      on_event(c, s->k, evs[i].events);
      if (c->dead) dead[nd++] = c;
    }
    /* Freed only now: a later event of this batch may name the same pair. */
    for (int i = 0; i < nd; i++) {
      free(dead[i]->buf[0]);
      free(dead[i]->buf[1]);
      free(dead[i]);
    }
  }
}

/* ---- JavaScript side ---- */

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void call_js(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  closed_msg *m = data;
  if (env && cb) {
    napi_value args[4], recv;
    napi_create_double(env, m->id, &args[0]);
    napi_create_double(env, m->in, &args[1]);
    napi_create_double(env, m->out, &args[2]);
    napi_create_double(env, m->last, &args[3]);
    napi_get_undefined(env, &recv);
    napi_call_function(env, recv, cb, 4, args, NULL);
  }
  free(m);
}

/* init(onClose(id, bytesIn, bytesOut, lastMs)): starts the relay thread (once per process). */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (ep >= 0) return throw_error(env, "relay: already started");
  napi_value name;
  napi_create_string_utf8(env, "terrahub-relay", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &on_close) !=
      napi_ok)
    return throw_error(env, "relay: no threadsafe function");
  napi_unref_threadsafe_function(env, on_close); /* the relay does not keep the process alive */
  ep = epoll_create1(EPOLL_CLOEXEC);
  wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (ep < 0 || wake < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) != 0)
    return throw_error(env, "relay: no epoll");
  pthread_t t;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&a, 256 * 1024);
  if (pthread_create(&t, &a, run, NULL) != 0) return throw_error(env, "relay: no thread");
  return undefined(env);
}

static int buffer_arg(napi_env env, napi_value v, char **data, size_t *len) {
  bool is;
  *data = NULL;
  *len = 0;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return 0;
  return napi_get_buffer_info(env, v, (void **)data, len) == napi_ok;
}

/* add(clientFd, backendFd, toBackend: Buffer, toClient: Buffer) -> id */
static napi_value js_add(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || ep < 0) return throw_error(env, "relay: add(clientFd, backendFd, toBackend, toClient)");
  int32_t fds[2];
  char *init[2];
  size_t init_len[2];
  if (napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok ||
      napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok || !buffer_arg(env, argv[2], &init[0], &init_len[0]) ||
      !buffer_arg(env, argv[3], &init[1], &init_len[1]))
    return throw_error(env, "relay: bad arguments");
  conn *c = calloc(1, sizeof *c);
  if (!c) return throw_error(env, "relay: out of memory");
  for (int k = 0; k < 2; k++) {
    c->s[k].c = c;
    c->s[k].k = k;
    c->s[k].fd = -1;
  }
  for (int k = 0; k < 2; k++) {
    c->cap[k] = init_len[k] > CHUNK ? init_len[k] : CHUNK;
    c->buf[k] = malloc(c->cap[k]);
    c->s[k].fd = fcntl(fds[k], F_DUPFD_CLOEXEC, 3);
    if (!c->buf[k] || c->s[k].fd < 0) {
      for (int j = 0; j < 2; j++) {
        if (c->s[j].fd >= 0) close(c->s[j].fd);
        free(c->buf[j]);
      }
      free(c);
      return throw_error(env, "relay: cannot take the sockets");
    }
    if (init_len[k]) memcpy(c->buf[k], init[k], init_len[k]);
    c->len[k] = init_len[k];
    int fl = fcntl(c->s[k].fd, F_GETFL);
    fcntl(c->s[k].fd, F_SETFL, fl | O_NONBLOCK);
    int one = 1;
    setsockopt(c->s[k].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  atomic_store(&c->last_ms, now_ms());
  pthread_mutex_lock(&mu);
  c->id = next_id++;
  c->next = live;
  if (live) live->prev = c;
  live = c;
  c->queued = pending;
  pending = c;
  pthread_mutex_unlock(&mu);
  uint64_t one = 1;
  if (write(wake, &one, sizeof one) < 0) { /* the counter is already non-zero: the thread will look */
  }
  napi_value id;
  napi_create_double(env, c->id, &id);
  return id;
}

static conn *find(double id) {
  for (conn *c = live; c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

/* stats(id) -> [bytesIn, bytesOut, lastMs] of a live pair, or undefined once it has closed. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double id;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &id) != napi_ok) return throw_error(env, "relay: stats(id)");
  double v[3];
  pthread_mutex_lock(&mu);
  conn *c = find(id);
  if (c) {
    v[0] = (double)atomic_load(&c->bytes[0]);
    v[1] = (double)atomic_load(&c->bytes[1]);
    v[2] = (double)atomic_load(&c->last_ms);
  }
  pthread_mutex_unlock(&mu);
  if (!c) return undefined(env);
  napi_value arr, x;
  napi_create_array_with_length(env, 3, &arr);
  for (uint32_t i = 0; i < 3; i++) {
    napi_create_double(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
}

/* destroy(id): shuts both sockets down; the relay thread then closes the pair and reports it. */
static napi_value js_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double id;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &id) != napi_ok)
    return throw_error(env, "relay: destroy(id)");
  pthread_mutex_lock(&mu);
  conn *c = find(id);
  if (c) {
    shutdown(c->s[0].fd, SHUT_RDWR);
    shutdown(c->s[1].fd, SHUT_RDWR);
  }
  pthread_mutex_unlock(&mu);
  return undefined(env);
}

NAPI_MODULE_INIT() {
  const char *names[] = {"init", "add", "stats", "destroy"};
  napi_callback fns[] = {js_init, js_add, js_stats, js_destroy};
  for (int i = 0; i < 4; i++) {
    napi_value f;
    napi_create_function(env, names[i], NAPI_AUTO_LENGTH, fns[i], NULL, &f);
    napi_set_named_property(env, exports, names[i], f);
  }
  return exports;
}
