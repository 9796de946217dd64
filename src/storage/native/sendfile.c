// TerraHub's zero-copy body sender: sends a response's head and a range of one or more files to a TCP
// socket with send(2) (MSG_MORE) and sendfile(2), so that object bytes go from the page cache to the socket
// without passing through user space (as nginx's `sendfile on`).
//
// send() first tries on the caller's thread (the event loop), like nginx: from the page cache this costs a
// few microseconds and most responses fit in the socket's buffer. It sends there at most `syncMax` bytes
// of files, and nothing when the range is not in the page cache (a disk read would hold the event loop up).
// The rest is handed to one thread of the addon, which owns duplicates of the socket's and files'
// descriptors (so JavaScript may close its own at any time), waits for the socket to be writable with
// epoll, and reports the end of each job to
// JavaScript through a thread-safe function: (id, errno), errno 0 when every byte was sent.
//
// A file that ends before the range does (truncated under us) is reported as ENODATA: the caller must then
// destroy the connection, never end the response as if it were complete.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct {
  int fd;
  int64_t off;
  int64_t len;
} piece_t;

typedef struct job {
  uint32_t id;
  int sock;
  char *head;  // bytes of the head not sent yet
  size_t head_len;
  size_t head_off;
  piece_t *pieces;
  uint32_t npieces;
  uint32_t next;  // first piece not sent whole
  struct job *link;  // in the incoming list, or in the table
} job_t;

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1;
static int wakefd = -1;
static napi_threadsafe_function tsfn;
static uint32_t next_id = 1;
static job_t *incoming;          // new jobs, handed over under `lock`
static uint32_t *aborts;          // ids to abort, under `lock`
static size_t naborts, caborts;
static job_t *active;             // the thread's own jobs (only the thread touches them)
static int closing;               // the JavaScript environment is going away: report nothing more

#define SEND_MAX 0x7ffff000

// Sends what the socket takes now, at most `budget` bytes of files when it is not negative. Returns 0 when
// done, EAGAIN when the socket is full or the budget spent, else an errno.
static int pump(int sock, const char *head, size_t head_len, size_t *head_off, piece_t *pieces,
                uint32_t npieces, uint32_t *next, int64_t budget) {
  while (*head_off < head_len) {
    int more = *next < npieces ? MSG_MORE : 0;
    ssize_t n = send(sock, head + *head_off, head_len - *head_off, MSG_NOSIGNAL | MSG_DONTWAIT | more);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    *head_off += (size_t)n;
  }
  while (*next < npieces) {
    piece_t *p = &pieces[*next];
    while (p->len > 0) {
      if (budget == 0) return EAGAIN;
      off_t off = (off_t)p->off;
      int64_t cap = budget > 0 && budget < SEND_MAX ? budget : SEND_MAX;
      size_t want = p->len > cap ? (size_t)cap : (size_t)p->len;
      ssize_t n = sendfile(sock, p->fd, &off, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == EWOULDBLOCK ? EAGAIN : errno;
      }
      if (n == 0) return ENODATA;  // the file ends before the range: never pretend it was sent
      p->off += n;
      p->len -= n;
      if (budget > 0) budget -= n;
    }
    (*next)++;
  }
  return 0;
}

// Whether the bytes the event loop would send are in the page cache: the first and last byte of each
// piece's share of `budget`, read with RWF_NOWAIT (EAGAIN: not cached). A cold range goes to the thread
// whole, so that a disk read never holds the event loop (as fs-read.ts's slow reads go to the pool).
static int cached(piece_t *pieces, uint32_t npieces, int64_t budget) {
  char b;
  for (uint32_t i = 0; i < npieces && budget > 0; i++) {
    int64_t n = pieces[i].len < budget ? pieces[i].len : budget;
    int64_t at[2] = {pieces[i].off, pieces[i].off + n - 1};
    for (int k = 0; k < (n > 1 ? 2 : 1); k++) {
      struct iovec v = {.iov_base = &b, .iov_len = 1};
      if (preadv2(pieces[i].fd, &v, 1, (off_t)at[k], RWF_NOWAIT) < 0 && errno == EAGAIN) return 0;
    }
    budget -= n;
  }
  return 1;
}

static void job_free(job_t *j) {
  close(j->sock);
  for (uint32_t i = 0; i < j->npieces; i++)
    if (j->pieces[i].fd >= 0) close(j->pieces[i].fd);
  free(j->pieces);
  free(j->head);
  free(j);
}

// Reports a finished job to JavaScript; the job's descriptors are closed first.
static void finish(job_t *j, int err) {
  uint32_t id = j->id;
  job_free(j);
  uint64_t *msg = malloc(sizeof(uint64_t));
  if (!msg) return;
  *msg = ((uint64_t)id << 32) | (uint32_t)err;
  // Under the lock: the environment's clean-up (below) takes it before the function goes away.
  pthread_mutex_lock(&lock);
  if (closing || napi_call_threadsafe_function(tsfn, msg, napi_tsfn_nonblocking) != napi_ok) free(msg);
  pthread_mutex_unlock(&lock);
}

static void unlink_active(job_t *j) {
  for (job_t **p = &active; *p; p = &(*p)->link) {
    if (*p == j) {
      *p = j->link;
      return;
    }
  }
}

static void step(job_t *j) {
  int err = pump(j->sock, j->head, j->head_len, &j->head_off, j->pieces, j->npieces, &j->next, -1);
  if (err == EAGAIN) return;  // epoll wakes us when the socket drains
  unlink_active(j);
  epoll_ctl(epfd, EPOLL_CTL_DEL, j->sock, NULL);
  finish(j, err);
}

static void *run(void *arg) {
  (void)arg;
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(epfd, evs, 64, -1);
    if (n < 0 && errno != EINTR) return NULL;
    for (int i = 0; i < n; i++) {
      job_t *j = evs[i].data.ptr;
      if (j == NULL) {
        uint64_t v;
        if (read(wakefd, &v, sizeof v) < 0) { /* nothing to read: spurious wake-up */ }
        pthread_mutex_lock(&lock);
        job_t *in = incoming;
        incoming = NULL;
        uint32_t *ab = aborts;
        size_t nab = naborts;
        aborts = NULL;
        naborts = caborts = 0;
        pthread_mutex_unlock(&lock);
        while (in) {
          job_t *next = in->link;
          in->link = active;
          active = in;
          struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.ptr = in};
          if (epoll_ctl(epfd, EPOLL_CTL_ADD, in->sock, &ev) < 0) {
            unlink_active(in);
            finish(in, errno);
          } else {
            step(in);
          }
          in = next;
        }
        for (size_t k = 0; k < nab; k++) {
          for (job_t *a = active; a; a = a->link) {
            if (a->id == ab[k]) {
              unlink_active(a);
              epoll_ctl(epfd, EPOLL_CTL_DEL, a->sock, NULL);
              finish(a, ECANCELED);
              break;
            }
          }
        }
        free(ab);
      }
    }
    // Jobs woken for writability (a second pass: the wake-up above may have finished some of them).
    for (int i = 0; i < n; i++) {
      job_t *j = evs[i].data.ptr;
      if (j == NULL) continue;
      int live = 0;
      for (job_t *a = active; a; a = a->link) live |= a == j;
      if (live) step(j);
    }
  }
  return NULL;
}

static void call_js(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  uint64_t msg = *(uint64_t *)data;
  free(data);
  if (env == NULL || cb == NULL) return;
  napi_value argv[2], undef;
  napi_create_uint32(env, (uint32_t)(msg >> 32), &argv[0]);
  napi_create_int32(env, (int32_t)(uint32_t)msg, &argv[1]);
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, cb, 2, argv, NULL);
}

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "sendfile addon: a Node-API call failed"); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

// Runs as the environment is torn down (process exit), before the thread-safe function it registered
// earlier: from then on the thread reports nothing (it goes on closing its jobs' descriptors).
static void on_env_exit(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  closing = 1;
  pthread_mutex_unlock(&lock);
}

// init(onDone: (id, errno) => void): starts the thread (once per process).
static napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (epfd >= 0) return NULL;
  CHECK(napi_create_string_utf8(env, "terrahub-sendfile", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &tsfn));
  CHECK(napi_unref_threadsafe_function(env, tsfn));  // pending jobs never keep the process alive
  CHECK(napi_add_env_cleanup_hook(env, on_env_exit, NULL));
  epfd = epoll_create1(EPOLL_CLOEXEC);
  wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epfd < 0 || wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) < 0 ||
      pthread_create(&thread, NULL, run, NULL) != 0) {
    napi_throw_error(env, NULL, "sendfile addon: cannot start its thread");
    return NULL;
  }
  pthread_setname_np(thread, "terrahub-sendf");
  return NULL;
}

static void wake(void) {
  uint64_t one = 1;
  if (write(wakefd, &one, sizeof one) < 0) { /* the counter is already non-zero: the thread wakes */ }
}

static napi_value ret_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

// send(sock, head: string, pieces: number[] as fd, offset, length triplets, syncMax: number): number.
// `head` is the response's head as Node writes it (latin1; taken as a string: no Buffer per response).
// Sends up to syncMax bytes of files on this thread first (0: none, all goes to the thread), as nginx's
// sendfile_max_chunk keeps one response from holding the event loop.
// 0: all sent now; > 0: the id of a job the thread finishes (onDone follows); < 0: -errno, nothing queued.
static int64_t send_pieces(int sock, const char *head, size_t head_len, piece_t *pieces, uint32_t npieces,
                           int64_t sync_max) {
  size_t head_off = 0;
  uint32_t next = 0;
  if (sync_max > 0 && !cached(pieces, npieces, sync_max)) sync_max = 0;
  int err = sync_max > 0 ? pump(sock, head, head_len, &head_off, pieces, npieces, &next, sync_max) : EAGAIN;
  if (err != EAGAIN) return -err;
  // The rest goes to the thread, with descriptors of its own.
  job_t *j = calloc(1, sizeof(job_t));
  if (!j) return -ENOMEM;
  j->sock = fcntl(sock, F_DUPFD_CLOEXEC, 0);
  j->head_len = head_len - head_off;
  j->head = malloc(j->head_len ? j->head_len : 1);
  j->npieces = npieces - next;
  j->pieces = malloc(sizeof(piece_t) * (j->npieces ? j->npieces : 1));
  int ok = j->sock >= 0 && j->head && j->pieces;
  for (uint32_t i = 0; i < j->npieces; i++) {
    j->pieces[i] = pieces[next + i];
    j->pieces[i].fd = ok ? fcntl(pieces[next + i].fd, F_DUPFD_CLOEXEC, 0) : -1;
    ok = ok && j->pieces[i].fd >= 0;
  }
  if (!ok) {
    int e = errno ? errno : ENOMEM;
    if (j->sock < 0) j->sock = open("/dev/null", O_RDONLY | O_CLOEXEC);  // job_free closes it
    if (!j->pieces) j->npieces = 0;
    job_free(j);
    return -e;
  }
  memcpy(j->head, head + head_off, j->head_len);
  pthread_mutex_lock(&lock);
  uint32_t id = j->id = next_id++;  // read before unlocking: the thread may finish and free j at once
  if (next_id > 0x7fffffff) next_id = 1;
  j->link = incoming;
  incoming = j;
  pthread_mutex_unlock(&lock);
  wake();
  return id;
}

static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t sock;
  uint32_t n;
  int64_t sync_max;
  size_t head_len;
  CHECK(napi_get_value_int32(env, argv[0], &sock));
  CHECK(napi_get_value_string_latin1(env, argv[1], NULL, 0, &head_len));
  CHECK(napi_get_array_length(env, argv[2], &n));
  CHECK(napi_get_value_int64(env, argv[3], &sync_max));
  if (epfd < 0 || n % 3 != 0) {
    napi_throw_error(env, NULL, "sendfile addon: not started, or pieces not in triplets");
    return NULL;
  }
  uint32_t npieces = n / 3;
  // Most ranges lie in one or two files; a whole multipart object has one piece per part (up to 10,000).
  piece_t few[4];
  piece_t *pieces = npieces <= 4 ? few : malloc(sizeof(piece_t) * npieces);
  if (!pieces) return ret_int(env, -ENOMEM);
  for (uint32_t i = 0; i < npieces; i++) {
    napi_value v;
    double d[3];
    for (int k = 0; k < 3; k++) {
      if (napi_get_element(env, argv[2], i * 3 + k, &v) != napi_ok ||
          napi_get_value_double(env, v, &d[k]) != napi_ok) {
        if (pieces != few) free(pieces);
        napi_throw_type_error(env, NULL, "sendfile addon: pieces must be numbers");
        return NULL;
      }
    }
    pieces[i] = (piece_t){.fd = (int)d[0], .off = (int64_t)d[1], .len = (int64_t)d[2]};
  }
  char stack_head[8192];
  char *head = head_len < sizeof stack_head ? stack_head : malloc(head_len + 1);
  int64_t r = -ENOMEM;
  if (head) {
    napi_status st = napi_get_value_string_latin1(env, argv[1], head, head_len + 1, &head_len);
    r = st == napi_ok ? send_pieces(sock, head, head_len, pieces, npieces, sync_max) : -EINVAL;
  }
  if (head && head != stack_head) free(head);
  if (pieces != few) free(pieces);
  return ret_int(env, r);
}

// abort(id): the thread stops the job (if it is still running) and reports ECANCELED.
static napi_value Abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t id;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  pthread_mutex_lock(&lock);
  if (naborts == caborts) {
    size_t c = caborts ? caborts * 2 : 8;
    uint32_t *a = realloc(aborts, c * sizeof(uint32_t));
    if (a) {
      aborts = a;
      caborts = c;
    }
  }
  if (naborts < caborts) aborts[naborts++] = id;
  pthread_mutex_unlock(&lock);
  wake();
  return NULL;
}

static napi_value Register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", NULL, Init, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, Send, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, Abort, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Register)
