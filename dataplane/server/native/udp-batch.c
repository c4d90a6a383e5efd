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

typedef struct {
  int fd;
  int closing;
  uv_poll_t poll;
  napi_env env;
  napi_ref on_batch;
  napi_ref self;
  napi_async_context async_context;
  uint8_t *input;
  uint8_t *output;
  int32_t *input_lengths;
  int32_t *output_lengths;
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
    // The first message that could not go is dropped (a full send buffer: EAGAIN; a peer that
    // cannot be reached): UDP makes no promise, and a retry loop would stall the server.
    u->stats[STAT_SEND_FAILED] += 1;
    done += 1;
  }
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  udp_socket *u = poll->data;
  if (status < 0) {
    // A socket error (e.g. ICMP reported through SO_ERROR): read it so the poll does not spin.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    u->stats[STAT_RECEIVE_ERRORS] += 1;
    return;
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
    }
    u->stats[STAT_RECEIVED] += count;
    if (call_on_batch(u, count) != 0 || u->closing) return;
    send_answers(u, count);
    if (count < BATCH) return;
  }
}

static udp_socket *socket_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, NULL, &data) != napi_ok) return NULL;
  return data;
}

static int32_t int_arg(napi_env env, napi_value value) {
  int32_t n = -1;
  napi_get_value_int32(env, value, &n);
  return n;
}

static void on_poll_closed(uv_handle_t *handle) {
  udp_socket *u = handle->data;
  napi_delete_reference(u->env, u->on_batch);
  napi_delete_reference(u->env, u->self);
  napi_async_destroy(u->env, u->async_context);
  free(u);
}

// close(): the socket is closed at once, so its port is free when close() returns. uv_poll_stop
// has removed the descriptor from libuv's epoll set; the handle itself is freed later by libuv.
static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  udp_socket *u = socket_of(env, info, &argc, NULL);
  if (u && !u->closing) {
    u->closing = 1;
    uv_poll_stop(&u->poll);
    close(u->fd);
    uv_close((uv_handle_t *)&u->poll, on_poll_closed);
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

static napi_value typed_array(napi_env env, napi_typedarray_type type, size_t bytes, size_t length, void **data) {
  napi_value buffer, array;
  // V8 hands out zeroed memory, mapped lazily: only the slots' used pages become resident.
  napi_create_arraybuffer(env, bytes, data, &buffer);
  napi_create_typedarray(env, type, length, buffer, 0, &array);
  return array;
}

static void set_function(napi_env env, napi_value object, const char *name, napi_callback callback, void *data) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, data, &fn);
  napi_set_named_property(env, object, name, fn);
}

static void set_int(napi_env env, napi_value object, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

// open(host, port, bufferBytes, onBatch): binds a UDP socket and starts reading. onBatch(count)
// is called with datagram i in input[i * slotStride, + inputLengths[i]) (-1: larger than a slot)
// and answers by writing into output at the same place and setting outputLengths[i] (-1: none).
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "open(host, port, bufferBytes, onBatch)");
    return NULL;
  }
  char host[INET6_ADDRSTRLEN + 32];
  size_t host_length = 0;
  napi_valuetype handler_type;
  napi_typeof(env, argv[3], &handler_type);
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_length) != napi_ok || handler_type != napi_function) {
    napi_throw_type_error(env, NULL, "open(host, port, bufferBytes, onBatch)");
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
  if (!u) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "open: out of memory");
    return NULL;
  }
  u->fd = fd;
  u->env = env;
  napi_value self;
  napi_create_object(env, &self);
  void *data;
  napi_set_named_property(env, self, "input", typed_array(env, napi_uint8_array, (size_t)BATCH * SLOT_STRIDE, (size_t)BATCH * SLOT_STRIDE, &data));
  u->input = data;
  napi_set_named_property(env, self, "output", typed_array(env, napi_uint8_array, (size_t)BATCH * SLOT_STRIDE, (size_t)BATCH * SLOT_STRIDE, &data));
  u->output = data;
  napi_set_named_property(env, self, "inputLengths", typed_array(env, napi_int32_array, BATCH * 4, BATCH, &data));
  u->input_lengths = data;
  napi_set_named_property(env, self, "outputLengths", typed_array(env, napi_int32_array, BATCH * 4, BATCH, &data));
  u->output_lengths = data;
  napi_set_named_property(env, self, "stats", typed_array(env, napi_float64_array, STAT_COUNT * 8, STAT_COUNT, &data));
  u->stats = data;
  set_int(env, self, "port", bound_port);
  set_int(env, self, "slotStride", SLOT_STRIDE);
  set_int(env, self, "slotSize", SLOT_SIZE);
  set_function(env, self, "peerAddress", peer_address, u);
  set_function(env, self, "close", close_socket, u);
  for (int i = 0; i < BATCH; i++) {
    u->receive_iov[i].iov_base = u->input + (size_t)i * SLOT_STRIDE;
    u->receive_iov[i].iov_len = SLOT_SIZE;
    u->receive[i].msg_hdr.msg_iov = &u->receive_iov[i];
    u->receive[i].msg_hdr.msg_iovlen = 1;
    u->receive[i].msg_hdr.msg_name = &u->peers[i];
  }
  // The references keep the handler and the slabs (held by `self`) alive while the socket is open.
  napi_create_reference(env, argv[3], 1, &u->on_batch);
  napi_create_reference(env, self, 1, &u->self);
  napi_value resource_name;
  napi_create_string_utf8(env, "dnsfleet.udp", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, self, resource_name, &u->async_context);

  uv_loop_t *loop = NULL;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &u->poll, fd);
  if (rc == 0) {
    u->poll.data = u;
    rc = uv_poll_start(&u->poll, UV_READABLE, on_readable);
    if (rc != 0) {
      u->closing = 1;
      close(fd);
      uv_close((uv_handle_t *)&u->poll, on_poll_closed);
    }
  } else {
    close(fd);
    napi_delete_reference(env, u->on_batch);
    napi_delete_reference(env, u->self);
    napi_async_destroy(env, u->async_context);
    free(u);
  }
  if (rc != 0) {
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  return self;
}

NAPI_MODULE_INIT() {
  set_function(env, exports, "open", open_socket, NULL);
  set_int(env, exports, "batchSize", BATCH);
  return exports;
}
