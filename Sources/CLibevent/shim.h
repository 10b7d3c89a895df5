#ifndef TOLLGATE_CLIBEVENT_SHIM_H
#define TOLLGATE_CLIBEVENT_SHIM_H
/* glibc's select types first: event2/event-config.h defines _GNU_SOURCE and
 * a second definition of fd_set otherwise clashes (NOTES-libevent.md). */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <errno.h>
#include <unistd.h>
#include <string.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

/* SHA256_Init and friends are deprecated in OpenSSL 3 but are the fast path (see tollgate_sha256). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <crypt.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <malloc.h>
#include <sys/syscall.h>

/* Function-like macros are not imported by Swift: one inline wrapper each. */
static inline struct event *tollgate_evtimer_new(struct event_base *b, event_callback_fn cb, void *arg) {
    return event_new(b, -1, 0, cb, arg);
}
static inline struct event *tollgate_evsignal_new(struct event_base *b, int sig, event_callback_fn cb, void *arg) {
    return event_new(b, sig, EV_SIGNAL | EV_PERSIST, cb, arg);
}
static inline int tollgate_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline uint64_t tollgate_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t tollgate_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }

/* Swift 6 rejects the C globals; errno is a macro over a function. */
static inline int tollgate_errno(void) { return errno; }

/* Sets TCP_NODELAY; returns 0 on success. */
static inline int tollgate_set_nodelay(evutil_socket_t fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Keeps freed buffer memory in the heap instead of returning it to the kernel: a 64 KiB response read into a
 * fresh evbuffer chain (a 128 KiB allocation) otherwise faults in 16 new pages per response, because glibc trims
 * worker arenas with MADV_DONTNEED (measured: 16 page faults and ~25 µs of kernel time per 64 KiB response).
 * Chains up to 1 MiB come from the heap; up to 32 MiB of free heap is kept. */
static inline void tollgate_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

/* Sets the calling thread's nice value (Linux keeps it per thread) and, where the kernel has EEVDF custom
 * slices (Linux 6.12+), a slice of `slice_ns`: a low-priority thread with a short slice is preempted soon after
 * a busy thread wakes, instead of running its whole default slice (~3 ms) while the other waits. Returns 0 when
 * the nice value was set. */
static inline int tollgate_set_thread_nice(int nice, unsigned long long slice_ns) {
    struct {
        unsigned int size, policy;
        unsigned long long flags;
        int nice;
        unsigned int priority;
        unsigned long long runtime, deadline, period;
    } attr = { 48, 0 /* SCHED_OTHER */, 0, nice, 0, slice_ns, 0, 0 };
    if (slice_ns && syscall(SYS_sched_setattr, 0, &attr, 0) == 0) return 0;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

/* One-shot SHA-256 of n bytes at p into out[32] (OpenSSL uses the CPU's SHA instructions where present). */
static inline void tollgate_sha256(const void *p, size_t n, void *out) {
    /* The low-level calls: the one-shot SHA256() of OpenSSL 3 fetches the algorithm on every call (~600 ns
     * against ~90 ns here, measured with SHA-NI). */
    SHA256_CTX c;
    SHA256_Init(&c);
    if (n) SHA256_Update(&c, p, n);
    SHA256_Final((unsigned char *)out, &c);
    OPENSSL_cleanse(&c, sizeof(c));
}

/* close(2), whose name Swift types shadow. */
static inline int tollgate_close_fd(int fd) { return close(fd); }

/* Renders a peer address as text without the port; returns 0 on success. */
static inline int tollgate_sockaddr_ip(const struct sockaddr *sa, char *out, size_t outlen) {
    if (sa->sa_family == AF_INET) {
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen) ? 0 : -1;
    } else if (sa->sa_family == AF_INET6) {
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outlen) ? 0 : -1;
    }
    return -1;
}

/* crypt_r with its (large) work area on the heap; returns 1 when `setting` verifies `phrase`. The comparison
 * of the resulting strings is constant-time. */
static inline int tollgate_crypt_verify(const char *phrase, const char *setting) {
    struct crypt_data *data = calloc(1, sizeof(struct crypt_data));
    if (!data) return 0;
    const char *out = crypt_r(phrase, setting, data);
    int ok = 0;
    if (out && out[0] != '*') {
        size_t a = strlen(out), b = strlen(setting);
        unsigned char diff = (unsigned char)(a != b);
        size_t n = a < b ? a : b;
        for (size_t i = 0; i < n; i++) diff |= (unsigned char)(out[i] ^ setting[i]);
        ok = diff == 0;
    }
    explicit_bzero(data, sizeof(struct crypt_data));
    free(data);
    return ok;
}

/* Bytes in a TCP socket's send queue that the peer has not acknowledged yet (SIOCOUTQ, which is TIOCOUTQ);
 * 0 on error. ioctl is variadic, so Swift cannot call it directly. */
#include <sys/ioctl.h>
static inline int tollgate_socket_unsent(int fd) {
    int n = 0;
    return ioctl(fd, TIOCOUTQ, &n) == 0 ? n : 0;
}

/* A non-blocking eventfd that wakes a loop from another thread (EventLoop.execute); -1 on error. */
#include <sys/eventfd.h>
static inline int tollgate_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
/* Adds 1 to the eventfd's counter (wakes its reader); reads and clears it. Return what write/read return. */
static inline long tollgate_eventfd_signal(int fd) { uint64_t one = 1; return write(fd, &one, sizeof(one)); }
static inline long tollgate_eventfd_clear(int fd) { uint64_t n; return read(fd, &n, sizeof(n)); }

/* Names the calling thread for the kernel (top -H, ps -L, perf: 15 bytes kept); prctl is variadic. */
#include <sys/prctl.h>
static inline int tollgate_name_thread(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
#endif
