// Batched UDP I/O for the DNS server: recvmmsg(2) and sendmmsg(2) around one JavaScript call per
// batch of datagrams. Node.js 20's dgram makes one recvmsg, one JavaScript callback, one rinfo
// object, one 64 KiB malloc and one sendmsg per datagram; that runtime cost, not DNS work, kept
// one Node.js thread at about half of NSD's queries per CPU-second (docs/benchmarks.md). Here the
// kernel fills a fixed slab, JavaScript answers every datagram of the batch into a second slab,
// and one system call sends all the answers. This file moves bytes only: every DNS decision is
// made in TypeScript (dataplane/server/native-udp.ts). See docs/adr/0006-batched-udp-io.md.
//
// Everything runs on the Node.js main thread, from libuv's poll callback: there are no threads
// and no locks. Node-API only (stable ABI), built by dataplane/server/native/build.ts.

#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Datagrams per system call. Knot DNS uses batches of this order; larger batches add latency to
// the first answer of a batch without saving much more.
#define BATCH 64
// One slot holds the largest UDP payload. The stride adds a cache line so that the slots' first
// bytes (the DNS headers) do not all fall into the same cache set.
#define SLOT_SIZE 65536
#define SLOT_STRIDE (SLOT_SIZE + 64)
// Batches per readiness callback before the event loop gets a turn (TCP, timers, Redis).
#define MAX_BATCHES_PER_WAKEUP 8

enum { STAT_RECEIVED, STAT_SENT, STAT_SEND_FAILED, STAT_TRUNCATED, STAT_RECEIVE_ERRORS, STAT_COUNT };

// Lifetime: the struct is owned by the JavaScript object returned by open() (napi_wrap), and freed
// by that object's finalizer, never earlier: methods called on a closed socket, or twice, find it
// intact. While the socket is open the object is held by a strong reference (`self`), which the
// poll handle's close callback releases.
typedef struct {
  int fd;
  int closing;      // close() or environment teardown began: no more reads, sends or callbacks
  int poll_closed;  // libuv let go of `poll`: the struct may be freed
  int tearing_down; // the environment (process or Worker) is ending: Node-API is going away
  napi_async_cleanup_hook_handle cleanup_hook;
  uv_poll_t poll;
  napi_env env;
  napi_ref on_batch;
  napi_ref self;
  napi_async_context async_context;
  uint8_t *input;
  uint8_t *output;
  int32_t *input_lengths;
  int32_t *output_lengths;
  int32_t *source_prefixes;
  int ipv4_prefix_length;
  int ipv6_prefix_length;
  double *stats;
  struct sockaddr_storage peers[BATCH];
  struct iovec receive_iov[BATCH];
  struct mmsghdr receive[BATCH];
  struct iovec send_iov[BATCH];
  struct mmsghdr send[BATCH];
} udp_socket;

static void throw_errno(napi_env env, int err, const char *call) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", call, strerror(err));
  const char *name = strerrorname_np(err);
  napi_throw_error(env, name ? name : "EIO", message);
}

static void report_exception(napi_env env) {
  // A throw from the batch handler is an uncaught exception, as from a dgram 'message' listener.
  napi_value error;
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
}

static int call_on_batch(udp_socket *u, int count) {
  napi_env env = u->env;
  napi_handle_scope scope;
  napi_value handler, self, argv[1], result;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return -1;
  napi_get_reference_value(env, u->on_batch, &handler);
  napi_get_reference_value(env, u->self, &self);
  napi_create_int32(env, count, &argv[0]);
  // make_callback, not call_function: it runs the microtask and nextTick queues afterwards, as
  // Node.js does after each of its own I/O callbacks.
  napi_status status = napi_make_callback(env, u->async_context, self, handler, 1, argv, &result);
  if (status == napi_pending_exception) report_exception(env);
  napi_close_handle_scope(env, scope);
  return status == napi_ok ? 0 : -1;
}

// FNV-1a over the family (4 or 6), the octets of the source's network (the last one masked) and
// the prefix length: the same as sourcePrefix() in dataplane/nameserver/rate-limit.ts, which
// response rate limiting keys its buckets with. IPv4-mapped IPv6 addresses count as IPv4.
static int32_t source_prefix(const struct sockaddr_storage *peer, int ipv4_length, int ipv6_length) {
  const uint8_t *bytes;
  int family, length;
  if (peer->ss_family == AF_INET) {
    bytes = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
    family = 4;
  } else if (peer->ss_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
    family = IN6_IS_ADDR_V4MAPPED(a) ? 4 : 6;
    bytes = family == 4 ? a->s6_addr + 12 : a->s6_addr;
  } else {
    return 0;
  }
  length = family == 4 ? ipv4_length : ipv6_length;
  uint32_t h = (2166136261u ^ (uint32_t)family) * 16777619u;
  int whole = length >> 3;
  for (int i = 0; i < whole; i++) h = (h ^ bytes[i]) * 16777619u;
  int rest = length & 7;
  if (rest != 0) h = (h ^ (bytes[whole] & ((0xffu << (8 - rest)) & 0xffu))) * 16777619u;
  return (int32_t)((h ^ (uint32_t)length) * 16777619u);
}

static void send_answers(udp_socket *u, int count) {
  int n = 0;
  for (int i = 0; i < count; i++) {
    int32_t length = u->output_lengths[i];
    if (length < 0 || length > SLOT_SIZE) continue;
    u->send_iov[n].iov_base = u->output + (size_t)i * SLOT_STRIDE;
    u->send_iov[n].iov_len = (size_t)length;
    u->send[n].msg_hdr.msg_iov = &u->send_iov[n];
    u->send[n].msg_hdr.msg_iovlen = 1;
    u->send[n].msg_hdr.msg_name = &u->peers[i];
    u->send[n].msg_hdr.msg_namelen = u->receive[i].msg_hdr.msg_namelen;
    n++;
  }
  int done = 0;
  while (done < n) {
    int sent = sendmmsg(u->fd, u->send + done, (unsigned)(n - done), MSG_DONTWAIT);
    if (sent > 0) {
      done += sent;
      u->stats[STAT_SENT] += sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    // UDP makes no promise, and a retry loop would stall the server: with a full send buffer
    // the rest of the batch is dropped; any other failure (one unreachable peer, one message too
    // large) drops that one message and the others still go.
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      u->stats[STAT_SEND_FAILED] += n - done;
      return;
    }
    u->stats[STAT_SEND_FAILED] += 1;
    done += 1;
  }
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  udp_socket *u = poll->data;
  if (status < 0) {
    // A pending socket error (POLLERR). libuv has stopped the poll handle before telling us:
    // clear the error and start polling again, or the socket would go deaf for good; then read
    // what is waiting. Errors sit in SO_ERROR, and with IP_RECVERR also in the error queue,
    // which keeps POLLERR raised until it is read.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    uint8_t discard[512];
    struct iovec iov = {discard, sizeof discard};
    struct msghdr error = {0};
    for (int i = 0; i < BATCH; i++) {
      error.msg_iov = &iov;
      error.msg_iovlen = 1;
      error.msg_control = NULL;
      error.msg_controllen = 0;
      if (recvmsg(u->fd, &error, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    }
    u->stats[STAT_RECEIVE_ERRORS] += 1;
    if (u->closing || uv_poll_start(&u->poll, UV_READABLE, on_readable) != 0) return;
  }
  for (int batch = 0; batch < MAX_BATCHES_PER_WAKEUP && !u->closing; batch++) {
    for (int i = 0; i < BATCH; i++) {
      u->receive[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      u->receive[i].msg_hdr.msg_flags = 0;
    }
    int count = recvmmsg(u->fd, u->receive, BATCH, MSG_DONTWAIT, NULL);
    if (count < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) u->stats[STAT_RECEIVE_ERRORS] += 1;
      return;
    }
    if (count == 0) return;
    for (int i = 0; i < count; i++) {
      int truncated = (u->receive[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      if (truncated) u->stats[STAT_TRUNCATED] += 1;
      u->input_lengths[i] = truncated ? -1 : (int32_t)u->receive[i].msg_len;
      u->output_lengths[i] = -1;
      u->source_prefixes[i] = source_prefix(&u->peers[i], u->ipv4_prefix_length, u->ipv6_prefix_length);
    }
    u->stats[STAT_RECEIVED] += count;
    if (call_on_batch(u, count) != 0 || u->closing) return;
    send_answers(u, count);
    if (count < BATCH) return;
  }
}

// The socket a method was called on (`this`), or NULL when `this` is not one.
static udp_socket *socket_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *u = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &u) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return NULL;
  }
  return u;
}

static int32_t int_arg(napi_env env, napi_value value) {
  int32_t n = -1;
  napi_get_value_int32(env, value, &n);
  return n;
}

// Drops what keeps JavaScript objects alive; the struct itself goes with `self` (finalize_socket).
static void release(udp_socket *u) {
  u->poll_closed = 1;
  napi_delete_reference(u->env, u->on_batch);
  napi_delete_reference(u->env, u->self);
  napi_async_destroy(u->env, u->async_context);
}

static void on_poll_closed(uv_handle_t *handle) {
  udp_socket *u = handle->data;
  if (!u->tearing_down) {
    release(u);
    return;
  }
  // The environment waits for this before it unloads the addon (whose code this callback is)
  // and frees what it owns, the struct included (finalize_socket).
  u->poll_closed = 1;
  napi_remove_async_cleanup_hook(u->cleanup_hook);
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  udp_socket *u = data;
  // Only after libuv let go of the poll handle inside the struct. Otherwise (a process torn down
  // before its loop ran the close callback) it is left to the exit: freeing it could let libuv
  // touch freed memory.
  if (u->poll_closed) free(u);
}

// Stops reading and closes the socket at once, so its port is free when close() returns:
// uv_poll_stop has taken the descriptor out of libuv's epoll set. libuv frees the handle later.
static void stop_socket(udp_socket *u) {
  if (u->closing) return;
  u->closing = 1;
  uv_poll_stop(&u->poll);
  close(u->fd);
  uv_close((uv_handle_t *)&u->poll, on_poll_closed);
}

// A Worker (or the process) ending with the socket open: close it, or its loop cannot close. An
// async hook, because the poll handle's close callback runs later and must run before the
// addon's code is unloaded (napi_add_async_cleanup_hook, Node-API 8).
static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  udp_socket *u = arg;
  u->tearing_down = 1;
  u->cleanup_hook = handle;
  stop_socket(u);
}

// close(): idempotent.
static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  udp_socket *u = socket_of(env, info, &argc, NULL);
  if (u && !u->closing) {
    napi_remove_async_cleanup_hook(u->cleanup_hook);
    u->cleanup_hook = NULL;
    stop_socket(u);
  }
  return NULL;
}

// peerAddress(i): the source address of datagram i of the current batch, as text.
static napi_value peer_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  udp_socket *u = socket_of(env, info, &argc, argv);
  int32_t i = argc == 1 ? int_arg(env, argv[0]) : -1;
  if (!u || i < 0 || i >= BATCH) {
    napi_throw_range_error(env, NULL, "peerAddress: no such datagram in the batch");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN] = "";
  const struct sockaddr_storage *peer = &u->peers[i];
  if (peer->ss_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, text, sizeof text);
  else if (peer->ss_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, text, sizeof text);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

static int open_fd(napi_env env, const char *host, int port, int buffer_bytes, int *bound_port) {
  struct addrinfo hints = {0}, *address = NULL;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  hints.ai_socktype = SOCK_DGRAM;
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  int rc = getaddrinfo(host, service, &hints, &address);
  if (rc != 0) {
    char message[160];
    snprintf(message, sizeof message, "not an IP address: %s (%s)", host, gai_strerror(rc));
    napi_throw_error(env, "EINVAL", message);
    return -1;
  }
  int fd = socket(address->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket");
    freeaddrinfo(address);
    return -1;
  }
  int one = 1;
  // As node:dgram with ipv6Only: an IPv6 listener does not also take IPv4.
  if (address->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  // Bursts must not overflow the kernel's default buffers; the kernel caps these (rmem_max).
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (bind(fd, address->ai_addr, address->ai_addrlen) != 0) {
    throw_errno(env, errno, "bind");
    close(fd);
    freeaddrinfo(address);
    return -1;
  }
  freeaddrinfo(address);
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  getsockname(fd, (struct sockaddr *)&local, &length);
  *bound_port = local.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&local)->sin6_port)
                                            : ntohs(((struct sockaddr_in *)&local)->sin_port);
  return fd;
}

// A typed array over fresh memory, or NULL (exception pending). V8 hands out zeroed memory,
// mapped lazily: only the slots' used pages become resident.
static void *add_typed_array(napi_env env, napi_value object, const char *name, napi_typedarray_type type, size_t bytes, size_t length) {
  napi_value buffer, array;
  void *data = NULL;
  if (napi_create_arraybuffer(env, bytes, &data, &buffer) != napi_ok || data == NULL) return NULL;
  if (napi_create_typedarray(env, type, length, buffer, 0, &array) != napi_ok) return NULL;
  if (napi_set_named_property(env, object, name, array) != napi_ok) return NULL;
  return data;
}

static int add_function(napi_env env, napi_value object, const char *name, napi_callback callback) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, object, name, fn) == napi_ok;
}

static int add_int(napi_env env, napi_value object, const char *name, int value) {
  napi_value v;
  return napi_create_int32(env, value, &v) == napi_ok && napi_set_named_property(env, object, name, v) == napi_ok;
}

// Throws `message` unless a Node-API call failed with an exception already pending.
static void throw_unless_pending(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "EIO", message);
}

// The JavaScript side of a socket: slabs, lengths, counters, methods. 0 on failure.
static int build_object(napi_env env, udp_socket *u, int bound_port, napi_value *self) {
  size_t slab = (size_t)BATCH * SLOT_STRIDE;
  if (napi_create_object(env, self) != napi_ok) return 0;
  if (!(u->input = add_typed_array(env, *self, "input", napi_uint8_array, slab, slab))) return 0;
  if (!(u->output = add_typed_array(env, *self, "output", napi_uint8_array, slab, slab))) return 0;
  if (!(u->input_lengths = add_typed_array(env, *self, "inputLengths", napi_int32_array, BATCH * 4, BATCH))) return 0;
  if (!(u->output_lengths = add_typed_array(env, *self, "outputLengths", napi_int32_array, BATCH * 4, BATCH))) return 0;
  if (!(u->source_prefixes = add_typed_array(env, *self, "sourcePrefixes", napi_int32_array, BATCH * 4, BATCH))) return 0;
  if (!(u->stats = add_typed_array(env, *self, "stats", napi_float64_array, STAT_COUNT * 8, STAT_COUNT))) return 0;
  return add_int(env, *self, "port", bound_port) && add_int(env, *self, "slotStride", SLOT_STRIDE) &&
         add_function(env, *self, "peerAddress", peer_address) &&
         add_function(env, *self, "close", close_socket);
}

// open(host, port, bufferBytes, onBatch, ipv4PrefixLength, ipv6PrefixLength): binds a UDP socket
// and starts reading. onBatch(count) is called with datagram i in input[i * slotStride, +
// inputLengths[i]) (-1: larger than a slot) and the hash of its source's network in
// sourcePrefixes[i], and answers by writing into output at the same place and setting
// outputLengths[i] (-1: none).
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) {
    napi_throw_type_error(env, NULL, "open(host, port, bufferBytes, onBatch, ipv4PrefixLength, ipv6PrefixLength)");
    return NULL;
  }
  char host[INET6_ADDRSTRLEN + 32];
  size_t host_length = 0;
  napi_valuetype handler_type;
  napi_typeof(env, argv[3], &handler_type);
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_length) != napi_ok || handler_type != napi_function) {
    napi_throw_type_error(env, NULL, "open(host, port, bufferBytes, onBatch, ipv4PrefixLength, ipv6PrefixLength)");
    return NULL;
  }
  int ipv4_prefix_length = int_arg(env, argv[4]);
  int ipv6_prefix_length = int_arg(env, argv[5]);
  if (ipv4_prefix_length < 0 || ipv4_prefix_length > 32 || ipv6_prefix_length < 0 || ipv6_prefix_length > 128) {
    napi_throw_range_error(env, NULL, "open: prefix length out of range");
    return NULL;
  }
  int port = int_arg(env, argv[1]);
  int buffer_bytes = int_arg(env, argv[2]);
  if (port < 0 || port > 65535) {
    napi_throw_range_error(env, NULL, "open: port out of range");
    return NULL;
  }
  int bound_port = 0;
  int fd = open_fd(env, host, port, buffer_bytes, &bound_port);
  if (fd < 0) return NULL;

  udp_socket *u = calloc(1, sizeof *u);
  napi_value self;
  if (!u || !build_object(env, u, bound_port, &self)) {
    close(fd);
    free(u);
    throw_unless_pending(env, "open: out of memory");
    return NULL;
  }
  u->fd = fd;
  u->env = env;
  u->ipv4_prefix_length = ipv4_prefix_length;
  u->ipv6_prefix_length = ipv6_prefix_length;
  for (int i = 0; i < BATCH; i++) {
    u->receive_iov[i].iov_base = u->input + (size_t)i * SLOT_STRIDE;
    u->receive_iov[i].iov_len = SLOT_SIZE;
    u->receive[i].msg_hdr.msg_iov = &u->receive_iov[i];
    u->receive[i].msg_hdr.msg_iovlen = 1;
    u->receive[i].msg_hdr.msg_name = &u->peers[i];
  }
  // From here on the struct belongs to `self` and is freed by its finalizer. The references keep
  // the handler and `self` (with the slabs) alive while the socket is open.
  napi_value resource_name;
  if (napi_wrap(env, self, u, finalize_socket, NULL, NULL) != napi_ok) {
    close(fd);
    free(u);
    throw_unless_pending(env, "open: napi_wrap failed");
    return NULL;
  }
  if (napi_create_reference(env, argv[3], 1, &u->on_batch) != napi_ok || napi_create_reference(env, self, 1, &u->self) != napi_ok ||
      napi_create_string_utf8(env, "dnsfleet.udp", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, self, resource_name, &u->async_context) != napi_ok) {
    u->closing = 1;
    close(fd);
    release(u);
    throw_unless_pending(env, "open: Node-API failed");
    return NULL;
  }

  uv_loop_t *loop = NULL;
  int rc = napi_get_uv_event_loop(env, &loop) == napi_ok ? uv_poll_init(loop, &u->poll, fd) : UV_EINVAL;
  if (rc != 0) {
    u->closing = 1;
    close(fd);
    release(u);  // no handle to close: libuv never had it
  } else {
    u->poll.data = u;
    rc = uv_poll_start(&u->poll, UV_READABLE, on_readable);
    if (rc == 0) rc = napi_add_async_cleanup_hook(env, on_env_teardown, u, &u->cleanup_hook) == napi_ok ? 0 : UV_ENOMEM;
    if (rc != 0) stop_socket(u);
  }
  if (rc != 0) {
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  return self;
}

NAPI_MODULE_INIT() {
  if (!add_function(env, exports, "open", open_socket) || !add_int(env, exports, "batchSize", BATCH)) return NULL;
  return exports;
}
