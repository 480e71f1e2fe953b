// SPDX-License-Identifier: GPL-2.0
/*
 * IO ports: mx_port_create(), mx_port_queue(), mx_port_wait(),
 * mx_port_bind().
 *
 * Every documented error of each call in its documented order (failing
 * conditions are combined so that only that order gives the expected
 * code); user packets round trip byte for byte with their key and extra;
 * IOSN packets from a bound event and a bound pipe end (edge-triggered,
 * merged while queued); closing the source unbinds it; a port closed under
 * waiting threads; waiters served in FIFO order; one packet wakes exactly
 * one of N waiters (their context switches are counted); a waiter that
 * cannot take its packet hands the wake-up on; a signal handler during a
 * wait; a pool of 4 threads draining 10^5 packets from a producer and a
 * bound event, each taken exactly once; the packet limit; ports through
 * pipes, export/import and duplicate.
 *
 * Nothing here sleeps to synchronise. A thread is known to be blocked in
 * its wait when /proc/self/task/<tid>/stat says 'S', its syscall file says
 * ioctl, and the module's "waiters" counter has grown. Whether a port is
 * empty is checked without blocking by queueing a sentinel packet and
 * taking the next one: it must be the sentinel.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mx_test.h"


#define PORT_RIGHTS	(MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | \
			 MX_RIGHT_READ | MX_RIGHT_WRITE)
#define HDR		sizeof(mx_packet_header_t)
#define MAXP		MX_PORT_MAX_PKT_SIZE
#define SENTINEL	0x5e5e5e5e5e5e5e5eull
#define NSEC_PER_SEC	1000000000ull
#define BOUND_NS	(20 * NSEC_PER_SEC)

_Static_assert(sizeof(mx_packet_header_t) == 16, "header layout");
_Static_assert(sizeof(mx_io_packet_t) == 40, "io packet layout");
_Static_assert(MX_OBJ_TYPE_IOPORT == 6, "type value");
_Static_assert(MX_PORT_MAX_PKT_SIZE == 128, "max packet");
_Static_assert(MX_PORT_PKT_TYPE_KERN == 0 && MX_PORT_PKT_TYPE_IOSN == 1 &&
	       MX_PORT_PKT_TYPE_USER == 2 && MX_PORT_PKT_TYPE_EXCEPTION == 3,
	       "packet types");

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#define NEW_PORT(p) do {						\
	(p) = mx_port_create(0);					\
	ASSERT_LT(0, (p));						\
} while (0)

#define NEW_EVENT(e) do {						\
	(e) = mx_event_create(0);					\
	ASSERT_LT(0, (e));						\
} while (0)

/* Queue a user packet of @size bytes with @key; returns the status. */
static mx_status_t queue_key(mx_handle_t port, uint64_t key, uint32_t extra,
			     size_t size)
{
	unsigned char buf[MAXP];
	mx_packet_header_t *h = (mx_packet_header_t *)buf;

	memset(buf, 0xa5, sizeof(buf));
	h->key = key;
	h->type = 77;
	h->extra = extra;
	return mx_port_queue(port, buf, size);
}

/* Is @port empty? Queue a sentinel: the next packet must be it. */
static bool port_empty(mx_handle_t port)
{
	unsigned char buf[MAXP];
	mx_packet_header_t *h = (mx_packet_header_t *)buf;

	if (queue_key(port, SENTINEL, 0, HDR) != NO_ERROR)
		return false;
	if (mx_port_wait(port, buf, sizeof(buf)) != NO_ERROR)
		return false;
	return h->key == SENTINEL && h->type == MX_PORT_PKT_TYPE_USER;
}

/* The next packet of @port, which must be an IOSN one with @key. */
static bool next_iosn(mx_handle_t port, uint64_t key, mx_io_packet_t *io)
{
	memset(io, 0xcc, sizeof(*io));
	if (mx_port_wait(port, io, sizeof(*io)) != NO_ERROR)
		return false;
	return io->hdr.key == key && io->hdr.type == MX_PORT_PKT_TYPE_IOSN &&
	       io->hdr.extra == 0 && io->bytes == 0 && io->reserved == 0;
}

static long ctxt_switches(pid_t tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- waiting threads ---------------------------------------------------- */

struct waiter {
	pthread_t thr;
	bool started;
	_Atomic pid_t tid;
	_Atomic bool done;
	mx_handle_t port;
	size_t size;
	mx_status_t r;
	unsigned char *at;	/* the packet's buffer if not @buf */
	unsigned char buf[MAXP];
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	w->r = mx_port_wait(w->port, w->at ? w->at : w->buf, w->size);
	atomic_store(&w->done, true);
	return NULL;
}

/* Start @w waiting in @port for a packet of up to @size bytes into @at. */
static int waiter_start_at(struct waiter *w, mx_handle_t port, size_t size,
			   unsigned char *at)
{
	memset(w, 0, sizeof(*w));
	w->port = port;
	w->size = size;
	w->at = at;
	w->r = (mx_status_t)0xcccccccc;
	if (pthread_create(&w->thr, NULL, waiter_fn, w))
		return -1;
	w->started = true;
	return 0;
}

static int waiter_start(struct waiter *w, mx_handle_t port, size_t size)
{
	return waiter_start_at(w, port, size, NULL);
}

static uint64_t waiter_key(struct waiter *w)
{
	return ((mx_packet_header_t *)(w->at ? w->at : w->buf))->key;
}

/* Join (bounded): 0, or -1 if it did not end. */
static int waiter_join(struct waiter *w)
{
	struct timespec ts;

	if (!w->started)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 25;
	if (pthread_timedjoin_np(w->thr, NULL, &ts))
		return -1;
	w->started = false;
	return 0;
}

/* Until (bounded) @w sleeps in its ioctl with >= @waiters waits counted. */
static bool waiter_blocked(struct waiter *w, long waiters)
{
	return mx_thread_blocked(&w->tid, &w->done, waiters, BOUND_NS);
}

/* Until (bounded) @w is done. */
static bool waiter_done(struct waiter *w)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (now_ns() < end) {
		if (atomic_load(&w->done))
			return true;
		sched_yield();
	}
	return false;
}

/* Until (bounded) @w sleeps again (state 'S', in its ioctl, not done). */
static bool waiter_asleep(struct waiter *w)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (now_ns() < end) {
		if (atomic_load(&w->done))
			return false;
		if (mx_task_state(w->tid) == 'S' && mx_task_in_ioctl(w->tid))
			return true;
		sched_yield();
	}
	return false;
}

/* ---- ABI ------------------------------------------------------------------ */

TEST(version_has_ports)
{
	struct mx_ioc_version v;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	memset(&v, 0xcc, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, MX_IOC_GET_VERSION, &v));
	/* ABI 2.3: 2.2 plus IO ports. */
	EXPECT_EQ(2, v.abi_major);
	EXPECT_LE(3, v.abi_minor);
	EXPECT_EQ(MX_FEATURE_PORT, v.features & MX_FEATURE_PORT);
	EXPECT_EQ(0, close(fd));
}

/* A raw user's unknown padding is refused before anything else. */
TEST_F(mx, raw_ioctls_check_padding)
{
	struct mx_ioc_port_queue q = { .pad = 1, .size = 200 };
	struct mx_ioc_port_wait w = { .restarted = 2 };
	struct mx_ioc_port_bind b = { .pad = 1, .signals = S0 };
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_PORT_QUEUE, &q));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_PORT_WAIT, &w));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_PORT_BIND, &b));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	EXPECT_EQ(0, close(fd));
}

/* ---- create ---------------------------------------------------------------- */

TEST_F(mx, create_checks_options_and_gives_a_port)
{
	mx_handle_basic_info_t bi;
	mx_handle_t p, p2;
	long n0 = mx_stat_read("ports");

	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_create(1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_create(0x80000000u));
	NEW_PORT(p);
	NEW_PORT(p2);
	EXPECT_NE(p, p2);
	EXPECT_EQ(n0 + 2, mx_stat_read("ports"));
	memset(&bi, 0xcc, sizeof(bi));
	EXPECT_EQ((mx_ssize_t)sizeof(bi),
		  mx_handle_get_info(p, MX_INFO_HANDLE_BASIC, &bi, sizeof(bi)));
	EXPECT_EQ(MX_OBJ_TYPE_IOPORT, bi.type);
	EXPECT_EQ(MX_OBJ_PROP_NONE, bi.props);
	EXPECT_EQ(PORT_RIGHTS, bi.rights);
	EXPECT_NE(MX_KOID_INVALID, bi.koid);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p2));
	EXPECT_EQ(n0, mx_stat_read("ports"));
}

/* Not waitable, as in Magenta; no user signals. */
TEST_F(mx, a_port_is_not_waitable)
{
	mx_handle_t p, p2, ws;

	NEW_PORT(p);
	NEW_PORT(p2);
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_handle_wait_one(p, S0, 0, NULL));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_waitset_add(ws, p, S0, 1));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p, 0, S0));
	/* and not a source for another port */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(p2, 1, p, S0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p2));
}

/* ---- queue ------------------------------------------------------------------ */

TEST_F(mx, queue_errors_in_order)
{
	unsigned char buf[MAXP + 8] = { 0 };
	mx_handle_t p, ro, e, dead = mx_dead_handle();

	NEW_PORT(p);
	NEW_EVENT(e);
	ro = mx_handle_duplicate(p, MX_RIGHT_READ);
	ASSERT_LT(0, ro);
	/* 1. too big, before anything else (even a bad handle, NULL) */
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, mx_port_queue(dead, NULL, MAXP + 1));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, mx_port_queue(p, buf, MAXP + 1));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, mx_port_queue(p, buf, SIZE_MAX));
	/* 2. smaller than a header, before the rights */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(ro, buf, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(ro, buf, HDR - 1));
	/* 3. not a port handle */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(dead, buf, HDR));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(MX_HANDLE_INVALID, buf, HDR));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(e, buf, HDR));
	/* 4. no MX_RIGHT_WRITE, before the pointer */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_port_queue(ro, NULL, HDR));
	/* 5. the packet cannot be read */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(p, NULL, HDR));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_queue(p, (void *)8, MAXP));
	/* nothing was queued by any of them */
	EXPECT_TRUE(port_empty(p));
	EXPECT_EQ(NO_ERROR, mx_port_queue(p, buf, HDR));
	EXPECT_EQ(NO_ERROR, mx_port_queue(p, buf, MAXP));
	EXPECT_EQ(NO_ERROR, mx_port_wait(p, buf, MAXP));
	EXPECT_EQ(NO_ERROR, mx_port_wait(p, buf, MAXP));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ro));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Exact bytes, key and extra kept, type forced to USER, FIFO order. */
TEST_F(mx, user_packets_round_trip)
{
	static const size_t sizes[] = { HDR, HDR + 1, 33, MAXP - 1, MAXP };
	unsigned char in[MAXP], out[MAXP + 16];
	mx_packet_header_t *h = (mx_packet_header_t *)in;
	mx_packet_header_t *oh = (mx_packet_header_t *)out;
	long q0 = mx_stat_read("port_packets");
	mx_handle_t p;
	size_t i, j;

	NEW_PORT(p);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < MAXP; j++)
			in[j] = (unsigned char)(i * 31 + j * 7 + 1);
		h->key = 0x1000 + i;
		h->type = 0xdead;
		h->extra = 0xbeef0000u + (uint32_t)i;
		ASSERT_EQ(NO_ERROR, mx_port_queue(p, in, sizes[i]));
	}
	EXPECT_EQ(q0 + 5, mx_stat_read("port_packets"));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < MAXP; j++)
			in[j] = (unsigned char)(i * 31 + j * 7 + 1);
		memset(out, 0xee, sizeof(out));
		ASSERT_EQ(NO_ERROR, mx_port_wait(p, out, sizeof(out)));
		EXPECT_EQ(0x1000 + i, oh->key);
		EXPECT_EQ(MX_PORT_PKT_TYPE_USER, oh->type);
		EXPECT_EQ(0xbeef0000u + (uint32_t)i, oh->extra);
		EXPECT_EQ(0, memcmp(in + HDR, out + HDR, sizes[i] - HDR));
		/* nothing written past the packet */
		for (j = sizes[i]; j < sizeof(out); j++)
			if (out[j] != 0xee)
				break;
		EXPECT_EQ(sizeof(out), j);
	}
	EXPECT_EQ(q0, mx_stat_read("port_packets"));
	EXPECT_TRUE(port_empty(p));
	/* packets left queued go with the port */
	ASSERT_EQ(NO_ERROR, queue_key(p, 1, 0, MAXP));
	ASSERT_EQ(NO_ERROR, queue_key(p, 2, 0, HDR));
	EXPECT_EQ(q0 + 2, mx_stat_read("port_packets"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(q0, mx_stat_read("port_packets"));
}

/* ---- wait ------------------------------------------------------------------- */

TEST_F(mx, wait_errors_in_order)
{
	unsigned char buf[MAXP];
	mx_handle_t p, wo, e, dead = mx_dead_handle();
	void *ro_page;

	NEW_PORT(p);
	NEW_EVENT(e);
	wo = mx_handle_duplicate(p, MX_RIGHT_WRITE);
	ASSERT_LT(0, wo);
	ro_page = mmap(NULL, mx_page_size(), PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_page);
	/* 1. no buffer, before the handle */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(dead, NULL, MAXP));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(wo, NULL, MAXP));
	/* 2. not a port handle */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(dead, buf, MAXP));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(e, buf, MAXP));
	/* 3. no MX_RIGHT_READ, before the size */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_port_wait(wo, buf, 0));
	/* 4. a size that holds no packet */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(p, buf, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(p, buf, HDR - 1));
	/* 5. the packet does not fit, or cannot be written: it stays */
	ASSERT_EQ(NO_ERROR, queue_key(p, 42, 7, 64));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(p, buf, 63));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(p, ro_page, 64));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_port_wait(p, (char *)ro_page + mx_page_size() - 16, 64));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(NO_ERROR, mx_port_wait(p, buf, 64));
	EXPECT_EQ(42u, ((mx_packet_header_t *)buf)->key);
	EXPECT_EQ(7u, ((mx_packet_header_t *)buf)->extra);
	EXPECT_TRUE(port_empty(p));
	munmap(ro_page, mx_page_size());
	EXPECT_EQ(NO_ERROR, mx_handle_close(wo));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* A buffer paged out (never touched, fresh mapping) is faulted in. */
TEST_F(mx, wait_into_an_untouched_mapping)
{
	mx_handle_t p;
	unsigned char *m;

	NEW_PORT(p);
	m = mmap(NULL, mx_page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(NO_ERROR, queue_key(p, 9, 0, MAXP));
	EXPECT_EQ(NO_ERROR, mx_port_wait(p, m, MAXP));
	EXPECT_EQ(9u, ((mx_packet_header_t *)m)->key);
	munmap(m, mx_page_size());
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* ---- bind ------------------------------------------------------------------- */

TEST_F(mx, bind_errors_in_order)
{
	mx_handle_t p, p2, ro, e, ew, ws, h[2], dead = mx_dead_handle();

	NEW_PORT(p);
	NEW_PORT(p2);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ro = mx_handle_duplicate(p, MX_RIGHT_READ);
	ASSERT_LT(0, ro);
	ew = mx_handle_duplicate(e, MX_RIGHT_WRITE);
	ASSERT_LT(0, ew);
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	/* 1. no signals, before the handles */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(ro, 1, ew, 0));
	/* 2. not a port handle */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(dead, 1, e, S0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(e, 1, e, S0));
	/* 3. the port handle lacks MX_RIGHT_WRITE, before the source */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_port_bind(ro, 1, dead, S0));
	/* 4. the source is not a handle */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(p, 1, dead, S0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(p, 1, MX_HANDLE_INVALID, S0));
	/* 5. the source lacks MX_RIGHT_READ, before waitability */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_port_bind(p, 1, ew, S0));
	/* 6. the source is not waitable */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(p, 1, ws, S0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_bind(p, 1, p2, S0));
	/* 7. one binding per object */
	EXPECT_EQ(NO_ERROR, mx_port_bind(p, 1, e, S0));
	EXPECT_EQ(ERR_BAD_STATE, mx_port_bind(p, 2, e, S1));
	EXPECT_EQ(ERR_BAD_STATE, mx_port_bind(p2, 2, e, S0));
	EXPECT_EQ(NO_ERROR, mx_port_bind(p2, 3, h[0], SIG_R));
	EXPECT_EQ(ERR_BAD_STATE, mx_port_bind(p, 3, h[0], SIG_R));
	EXPECT_EQ(NO_ERROR, mx_port_bind(p, 3, h[1], SIG_R));
	/* none of the failures queued anything */
	EXPECT_TRUE(port_empty(p));
	EXPECT_TRUE(port_empty(p2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ro));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ew));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Edge-triggered: one packet per rising edge, merged while queued. */
TEST_F(mx, bound_event_queues_iosn_packets)
{
	mx_io_packet_t io;
	mx_handle_t p, e;
	uint64_t t0, t1;

	NEW_PORT(p);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 0xabcdef, e, S0 | S1));
	EXPECT_TRUE(port_empty(p));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	t1 = now_ns();
	ASSERT_TRUE(next_iosn(p, 0xabcdef, &io));
	EXPECT_EQ(S0, io.signals);
	EXPECT_LE(t0, io.timestamp);
	EXPECT_GE(t1, io.timestamp);
	/* still set: no edge, no packet; an unwatched signal: none either */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, MX_SIGNAL_SIGNAL2));
	EXPECT_TRUE(port_empty(p));
	/* a new edge */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0, 0));
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_TRUE(next_iosn(p, 0xabcdef, &io));
	EXPECT_EQ(S0, io.signals);
	/* edges while the packet is queued merge into it */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0 | S1, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S1, S0));
	ASSERT_TRUE(next_iosn(p, 0xabcdef, &io));
	EXPECT_EQ(S0 | S1, io.signals);
	EXPECT_TRUE(port_empty(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* Satisfied at bind time: a packet at once. User packets interleave. */
TEST_F(mx, bind_to_a_satisfied_source_queues_at_once)
{
	mx_io_packet_t io;
	mx_handle_t p, e;

	NEW_PORT(p);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, queue_key(p, 5, 0, HDR));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 6, e, S1));
	ASSERT_EQ(NO_ERROR, queue_key(p, 7, 0, HDR));
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, &io, sizeof(io)));
	EXPECT_EQ(5u, io.hdr.key);
	ASSERT_TRUE(next_iosn(p, 6, &io));
	EXPECT_EQ(S1, io.signals);
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, &io, sizeof(io)));
	EXPECT_EQ(7u, io.hdr.key);
	/* an IOSN packet needs 40 bytes: a smaller buffer keeps it queued */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S1, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_port_wait(p, &io, sizeof(io) - 1));
	ASSERT_TRUE(next_iosn(p, 6, &io));
	EXPECT_TRUE(port_empty(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

TEST_F(mx, bound_pipe_end_queues_iosn_packets)
{
	mx_io_packet_t io;
	mx_handle_t p, h[2];
	uint32_t v;

	NEW_PORT(p);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 11, h[0], SIG_R | SIG_PC));
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 1, NULL, 0));
	ASSERT_TRUE(next_iosn(p, 11, &io));
	EXPECT_EQ(SIG_R, io.signals);
	/* every message is an edge, even while readable */
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 2, NULL, 0));
	ASSERT_TRUE(next_iosn(p, 11, &io));
	EXPECT_EQ(SIG_R, io.signals);
	/* two while the packet is queued: one packet */
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 3, NULL, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 4, NULL, 0));
	ASSERT_TRUE(next_iosn(p, 11, &io));
	EXPECT_TRUE(port_empty(p));
	/* reading queues nothing */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(NO_ERROR, mx_read_u32(h[0], &v, NULL, 0, NULL));
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 5, NULL, 0));
	ASSERT_TRUE(next_iosn(p, 11, &io));
	EXPECT_EQ(SIG_R, io.signals);
	/* the peer goes: PEER_CLOSED rises (READABLE is still satisfied) */
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	ASSERT_TRUE(next_iosn(p, 11, &io));
	EXPECT_EQ(SIG_R | SIG_PC, io.signals);
	EXPECT_TRUE(port_empty(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* Room in a full queue is a WRITABLE edge (a pipe does not wake on the fall). */
TEST_F(mx, bound_pipe_end_sees_writable_come_back)
{
	long saved = mx_param_read("max_queued_msgs");
	mx_io_packet_t io;
	mx_handle_t p, h[2];
	uint32_t v;

	if (!mx_param_writable("max_queued_msgs"))
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_EQ(0, mx_param_write("max_queued_msgs", 2));
	NEW_PORT(p);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 12, h[1], MX_SIGNAL_WRITABLE));
	ASSERT_TRUE(next_iosn(p, 12, &io));	/* writable at bind time */
	EXPECT_EQ(MX_SIGNAL_WRITABLE, io.signals);
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 1, NULL, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[1], 2, NULL, 0));
	EXPECT_EQ(ERR_TIMED_OUT,
		  mx_handle_wait_one(h[1], MX_SIGNAL_WRITABLE, 0, NULL));
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_read_u32(h[0], &v, NULL, 0, NULL));
	ASSERT_TRUE(next_iosn(p, 12, &io));
	EXPECT_EQ(MX_SIGNAL_WRITABLE, io.signals);
	EXPECT_TRUE(port_empty(p));
	EXPECT_EQ(0, mx_param_write("max_queued_msgs", saved));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* The bound handle leaving the table unbinds; a pending packet goes too. */
TEST_F(mx, closing_the_source_unbinds_it)
{
	mx_io_packet_t io;
	mx_handle_t p, e, e2, e3, h[2], got;
	uint32_t n;

	NEW_PORT(p);
	NEW_EVENT(e);
	e2 = mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, e2);
	e3 = mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, e3);
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 1, e, S0));
	/* closing another handle of the object does not unbind */
	ASSERT_EQ(NO_ERROR, mx_handle_close(e3));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, 0, S0));
	ASSERT_TRUE(next_iosn(p, 1, &io));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, S0, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, 0, S0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	/* the queued packet was withdrawn; later edges queue nothing */
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, S0, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, 0, S0));
	EXPECT_TRUE(port_empty(p));
	/* the object can be bound again, through another handle */
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 2, e2, S0));
	ASSERT_TRUE(next_iosn(p, 2, &io));
	/* sent away in a message: unbound as well */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[0], 0, &e2, 1));
	ASSERT_EQ(NO_ERROR, mx_read_u32(h[1], &n, &got, 1, &n));
	ASSERT_EQ(1u, n);
	ASSERT_EQ(NO_ERROR, mx_object_signal(got, S0, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(got, 0, S0));
	EXPECT_TRUE(port_empty(p));
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 3, got, S0));
	ASSERT_TRUE(next_iosn(p, 3, &io));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* Closing the port removes its bindings: the source is bindable again. */
TEST_F(mx, closing_the_port_unbinds_its_sources)
{
	mx_io_packet_t io;
	mx_handle_t p, p2, e;

	NEW_PORT(p);
	NEW_PORT(p2);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 1, e, S0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	ASSERT_EQ(NO_ERROR, mx_port_bind(p2, 2, e, S0));
	ASSERT_TRUE(next_iosn(p2, 2, &io));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p2));
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, S0, S0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- blocking waits --------------------------------------------------------- */

TEST_F(mx, port_closed_while_threads_wait)
{
	struct waiter w[3];
	mx_handle_t p;
	long w0 = mx_stat_read("waiters");
	int i;

	NEW_PORT(p);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, waiter_start(&w[i], p, MAXP));
		ASSERT_TRUE(waiter_blocked(&w[i], w0 + i + 1));
	}
	ASSERT_EQ(NO_ERROR, queue_key(p, 1, 0, HDR));
	ASSERT_TRUE(waiter_done(&w[0]));
	EXPECT_EQ(NO_ERROR, w[0].r);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, waiter_join(&w[i]));
		if (i)
			EXPECT_EQ(ERR_HANDLE_CLOSED, w[i].r);
	}
	EXPECT_EQ(w0, mx_stat_read("waiters"));
}

/* Another handle keeps the port: only waits through the closed one end. */
TEST_F(mx, closing_one_handle_ends_only_its_waits)
{
	struct waiter a, b;
	mx_handle_t p, p2;
	long w0 = mx_stat_read("waiters");

	NEW_PORT(p);
	p2 = mx_handle_duplicate(p, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, p2);
	ASSERT_EQ(0, waiter_start(&a, p, MAXP));
	ASSERT_TRUE(waiter_blocked(&a, w0 + 1));
	ASSERT_EQ(0, waiter_start(&b, p2, MAXP));
	ASSERT_TRUE(waiter_blocked(&b, w0 + 2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	ASSERT_EQ(0, waiter_join(&a));
	EXPECT_EQ(ERR_HANDLE_CLOSED, a.r);
	EXPECT_TRUE(waiter_asleep(&b));
	ASSERT_EQ(NO_ERROR, queue_key(p2, 8, 0, HDR));
	ASSERT_EQ(0, waiter_join(&b));
	EXPECT_EQ(NO_ERROR, b.r);
	EXPECT_EQ(8u, waiter_key(&b));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p2));
}

/* Waiters are served in the order they went to sleep. */
TEST_F(mx, waiters_are_served_in_fifo_order)
{
	struct waiter w[4];
	mx_handle_t p;
	long w0 = mx_stat_read("waiters");
	int i, j;

	NEW_PORT(p);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, waiter_start(&w[i], p, MAXP));
		ASSERT_TRUE(waiter_blocked(&w[i], w0 + i + 1));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(NO_ERROR, queue_key(p, 100 + i, 0, HDR));
		ASSERT_TRUE(waiter_done(&w[i])) TH_LOG("waiter %d", i);
		EXPECT_EQ(NO_ERROR, w[i].r);
		EXPECT_EQ(100u + i, waiter_key(&w[i]));
		for (j = i + 1; j < 4; j++)
			EXPECT_FALSE(atomic_load(&w[j].done));
		ASSERT_EQ(0, waiter_join(&w[i]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/* One packet wakes exactly one of N sleeping waiters: no thundering herd. */
TEST_F(mx, one_packet_wakes_exactly_one_waiter)
{
	enum { N = 4 };
	struct waiter w[N];
	long cs[N];
	mx_handle_t p;
	long w0 = mx_stat_read("waiters");
	int i, ndone = 0, k;

	NEW_PORT(p);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, waiter_start(&w[i], p, MAXP));
		ASSERT_TRUE(waiter_blocked(&w[i], w0 + i + 1));
	}
	for (i = 0; i < N; i++)
		cs[i] = ctxt_switches(w[i].tid);
	for (k = 0; k < N - 1; k++) {
		uint64_t end = now_ns() + BOUND_NS;

		ASSERT_EQ(NO_ERROR, queue_key(p, 7, 0, HDR));
		/* whichever takes it (FIFO is the test above) */
		do {
			ndone = 0;
			for (i = 0; i < N; i++)
				ndone += atomic_load(&w[i].done);
			if (ndone < k + 1)
				sched_yield();
		} while (ndone < k + 1 && now_ns() < end);
		ASSERT_EQ(k + 1, ndone);
		ndone = 0;
		for (i = 0; i < N; i++) {
			if (atomic_load(&w[i].done)) {
				ndone++;
				continue;
			}
			/* woken threads would have slept again: one switch more */
			EXPECT_TRUE(waiter_asleep(&w[i]));
			EXPECT_EQ(cs[i], ctxt_switches(w[i].tid))
				TH_LOG("waiter %d woken for a packet it did not get", i);
		}
		EXPECT_EQ(k + 1, ndone);
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, waiter_join(&w[i]));
	for (i = 0, k = 0; i < N; i++)
		k += w[i].r == ERR_HANDLE_CLOSED;
	EXPECT_EQ(1, k);
}

/* The first waiter cannot take the packet (buffer too small): it hands on. */
TEST_F(mx, a_waiter_that_cannot_take_its_packet_hands_it_on)
{
	struct waiter small, big;
	mx_handle_t p;
	long w0 = mx_stat_read("waiters");

	NEW_PORT(p);
	ASSERT_EQ(0, waiter_start(&small, p, HDR));
	ASSERT_TRUE(waiter_blocked(&small, w0 + 1));
	ASSERT_EQ(0, waiter_start(&big, p, MAXP));
	ASSERT_TRUE(waiter_blocked(&big, w0 + 2));
	ASSERT_EQ(NO_ERROR, queue_key(p, 3, 0, MAXP));
	ASSERT_EQ(0, waiter_join(&small));
	EXPECT_EQ(ERR_INVALID_ARGS, small.r);
	ASSERT_TRUE(waiter_done(&big));
	ASSERT_EQ(0, waiter_join(&big));
	EXPECT_EQ(NO_ERROR, big.r);
	EXPECT_EQ(3u, waiter_key(&big));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
}

/*
 * A userfaultfd-registered page of its own, or MAP_FAILED (with *@uffd
 * the descriptor that serves its faults).
 */
static void *uffd_page(int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	long pg = mx_page_size();
	void *page;

	*uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (*uffd < 0)
		return MAP_FAILED;
	page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)page;
	reg.range.len = pg;
	if (page == MAP_FAILED || ioctl(*uffd, UFFDIO_API, &api) ||
	    ioctl(*uffd, UFFDIO_REGISTER, &reg)) {
		if (page != MAP_FAILED)
			munmap(page, pg);
		close(*uffd);
		return MAP_FAILED;
	}
	return page;
}

/*
 * A waiter stalled while its packet is copied out (its buffer's page is
 * being faulted in: userfaultfd, or swap, for as long as it takes) does
 * not take the wake-up of the next packet: the next waiter gets it.
 */
TEST_F(mx, a_waiter_stalled_in_its_buffer_takes_no_wakeup)
{
	struct pollfd pfd = { .events = POLLIN };
	struct uffdio_zeropage zp = { .mode = 0 };
	struct waiter a, b;
	struct uffd_msg msg;
	long w0 = mx_stat_read("waiters");
	mx_handle_t p;
	void *page;
	int uffd;

	page = uffd_page(&uffd);
	if (page == MAP_FAILED)
		SKIP(return, "no userfaultfd (errno %d)", errno);
	NEW_PORT(p);
	ASSERT_EQ(0, waiter_start_at(&a, p, MAXP, page));
	ASSERT_TRUE(waiter_blocked(&a, w0 + 1));
	ASSERT_EQ(0, waiter_start(&b, p, MAXP));
	ASSERT_TRUE(waiter_blocked(&b, w0 + 2));

	/* The first packet wakes A, which stalls writing it out. */
	ASSERT_EQ(NO_ERROR, queue_key(p, 1, 0, HDR));
	pfd.fd = uffd;
	ASSERT_EQ(1, poll(&pfd, 1, (int)(BOUND_NS / 1000000)));
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	/* The second wakes B, while A is still stalled. */
	ASSERT_EQ(NO_ERROR, queue_key(p, 2, 0, HDR));
	EXPECT_TRUE(waiter_done(&b)) TH_LOG("B slept with a packet queued");
	EXPECT_FALSE(atomic_load(&a.done));
	/* Let A go: the two packets went to the two waiters, once each. */
	zp.range.start = (uintptr_t)page;
	zp.range.len = mx_page_size();
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zp));
	ASSERT_TRUE(waiter_done(&a));
	ASSERT_EQ(0, waiter_join(&a));
	EXPECT_EQ(NO_ERROR, a.r);
	if (!atomic_load(&b.done))
		ASSERT_EQ(NO_ERROR, queue_key(p, 3, 0, HDR));
	ASSERT_EQ(0, waiter_join(&b));
	EXPECT_EQ(NO_ERROR, b.r);
	EXPECT_EQ(3u, waiter_key(&a) + waiter_key(&b));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	munmap(page, mx_page_size());
	close(uffd);
}

static atomic_int handled;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

/* A signal handler runs; the wait goes on and takes the next packet. */
TEST_F(mx, a_signal_handler_does_not_end_the_wait)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct waiter w;
	mx_handle_t p;
	long w0 = mx_stat_read("waiters");

	atomic_store(&handled, 0);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));	/* no SA_RESTART */
	NEW_PORT(p);
	ASSERT_EQ(0, waiter_start(&w, p, MAXP));
	ASSERT_TRUE(waiter_blocked(&w, w0 + 1));
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1));
	for (uint64_t end = now_ns() + BOUND_NS;
	     atomic_load(&handled) == 0 && now_ns() < end;)
		sched_yield();
	ASSERT_EQ(1, atomic_load(&handled));
	ASSERT_TRUE(waiter_blocked(&w, w0 + 1));
	ASSERT_EQ(NO_ERROR, queue_key(p, 21, 0, HDR));
	ASSERT_EQ(0, waiter_join(&w));
	EXPECT_EQ(NO_ERROR, w.r);
	EXPECT_EQ(21u, waiter_key(&w));
	EXPECT_EQ(1, atomic_load(&handled));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	sigaction(SIGUSR1, &old, NULL);
}

/* ---- a pool ----------------------------------------------------------------- */

#define POOL		4
#define NPKT		100000
#define EV_KEY		(1ull << 40)
#define STOP_KEY	(1ull << 41)

struct pool {
	mx_handle_t port;
	_Atomic unsigned char seen[NPKT];
	atomic_long iosn, bad, total;
	atomic_long per_thread[POOL];
};

struct pool_arg {
	struct pool *pl;
	int idx;
};

static void *pool_fn(void *arg)
{
	struct pool_arg *a = arg;
	struct pool *pl = a->pl;
	unsigned char buf[MAXP];
	mx_packet_header_t *h = (mx_packet_header_t *)buf;

	for (;;) {
		if (mx_port_wait(pl->port, buf, sizeof(buf)) != NO_ERROR) {
			atomic_fetch_add(&pl->bad, 1);
			return NULL;
		}
		atomic_fetch_add(&pl->per_thread[a->idx], 1);
		if (h->key == STOP_KEY)
			return NULL;
		atomic_fetch_add(&pl->total, 1);
		if (h->key == EV_KEY && h->type == MX_PORT_PKT_TYPE_IOSN)
			atomic_fetch_add(&pl->iosn, 1);
		else if (h->key < NPKT && h->type == MX_PORT_PKT_TYPE_USER)
			atomic_fetch_add(&pl->seen[h->key], 1);
		else
			atomic_fetch_add(&pl->bad, 1);
	}
}

/* Queue, backing off (yield) while the port is at its packet limit. */
static mx_status_t queue_retry(mx_handle_t port, uint64_t key)
{
	mx_status_t r;

	while ((r = queue_key(port, key, 0, HDR)) == ERR_NO_MEMORY)
		sched_yield();
	return r;
}

TEST_F_TIMEOUT(mx, a_pool_of_four_drains_every_packet_once, 300)
{
	struct pool *pl = calloc(1, sizeof(*pl));
	struct pool_arg args[POOL];
	pthread_t thr[POOL];
	mx_handle_t e;
	long toggles = 0, i;
	int t;

	ASSERT_NE(NULL, pl);
	NEW_PORT(pl->port);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_port_bind(pl->port, EV_KEY, e, S0));
	for (t = 0; t < POOL; t++) {
		args[t].pl = pl;
		args[t].idx = t;
		ASSERT_EQ(0, pthread_create(&thr[t], NULL, pool_fn, &args[t]));
	}
	for (i = 0; i < NPKT; i++) {
		ASSERT_EQ(NO_ERROR, queue_retry(pl->port, (uint64_t)i));
		/* the bound event fires every 64 packets */
		if (i % 64 == 0) {
			ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
			ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0, 0));
			toggles++;
		}
	}
	for (t = 0; t < POOL; t++)
		ASSERT_EQ(NO_ERROR, queue_retry(pl->port, STOP_KEY));
	for (t = 0; t < POOL; t++)
		ASSERT_EQ(0, pthread_join(thr[t], NULL));
	EXPECT_EQ(0, atomic_load(&pl->bad));
	for (i = 0; i < NPKT; i++)
		if (atomic_load(&pl->seen[i]) != 1)
			break;
	EXPECT_EQ(NPKT, i) TH_LOG("packet %ld taken %d times", i,
				  i < NPKT ? atomic_load(&pl->seen[i]) : 1);
	/* every edge queued a packet or merged into a queued one */
	EXPECT_LE(1, atomic_load(&pl->iosn));
	EXPECT_GE(toggles, atomic_load(&pl->iosn));
	EXPECT_EQ(NPKT + atomic_load(&pl->iosn), atomic_load(&pl->total));
	for (t = 0; t < POOL; t++)
		TH_LOG("thread %d took %ld packets", t,
		       atomic_load(&pl->per_thread[t]));
	EXPECT_TRUE(port_empty(pl->port));
	EXPECT_EQ(NO_ERROR, mx_handle_close(pl->port));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	free(pl);
}

/* ---- moving ports ------------------------------------------------------------- */

TEST_F(mx, ports_move_through_pipes_and_files)
{
	unsigned char buf[MAXP];
	mx_handle_t p, p2, h[2], got, imp;
	uint32_t v, n;
	int fd;

	NEW_PORT(p);
	p2 = mx_handle_duplicate(p, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, p2);
	/* a duplicate through a pipe: queue through it, wait through p */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[0], 5, &p2, 1));
	EXPECT_FALSE(mx_is_valid(p2));
	ASSERT_EQ(NO_ERROR, mx_read_u32(h[1], &v, &got, 1, &n));
	ASSERT_EQ(1u, n);
	ASSERT_EQ(NO_ERROR, queue_key(got, 31, 0, HDR));
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, buf, sizeof(buf)));
	EXPECT_EQ(31u, ((mx_packet_header_t *)buf)->key);
	/* export and import keep it alive and its rights */
	ASSERT_EQ(NO_ERROR, mx_handle_export(got, 0, &fd));
	ASSERT_EQ(NO_ERROR, queue_key(p, 32, 0, HDR));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &imp));
	EXPECT_EQ(0, close(fd));
	ASSERT_EQ(NO_ERROR, mx_port_wait(imp, buf, sizeof(buf)));
	EXPECT_EQ(32u, ((mx_packet_header_t *)buf)->key);
	/* a port in a message destroyed unread goes with it */
	ASSERT_EQ(NO_ERROR, queue_key(imp, 33, 0, HDR));
	ASSERT_EQ(NO_ERROR, mx_write_u32(h[0], 6, &imp, 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* ---- the packet limit --------------------------------------------------------- */

FIXTURE(limit) {
	struct mx_stats base;
	long saved;
};

FIXTURE_SETUP(limit)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->saved = mx_param_read("max_port_packets");
	ASSERT_LT(0, self->saved);
}

FIXTURE_TEARDOWN(limit)
{
	if (mx_param_read("max_port_packets") != self->saved)
		EXPECT_EQ(0, mx_param_write("max_port_packets", self->saved));
	EXPECT_STATS_EQ(&self->base);
}

TEST_F(limit, a_full_port_gives_no_memory_and_binding_packets_still_come)
{
	unsigned char buf[MAXP];
	mx_io_packet_t io;
	mx_handle_t p, e;

	if (!mx_param_writable("max_port_packets"))
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_EQ(0, mx_param_write("max_port_packets", 2));
	NEW_PORT(p);
	NEW_EVENT(e);
	EXPECT_EQ(NO_ERROR, queue_key(p, 1, 0, HDR));
	EXPECT_EQ(NO_ERROR, queue_key(p, 2, 0, HDR));
	/* the size is checked before the limit */
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, queue_key(p, 3, 0, MAXP + 1));
	EXPECT_EQ(ERR_NO_MEMORY, queue_key(p, 3, 0, HDR));
	/* a binding's packet is its own: not counted */
	ASSERT_EQ(NO_ERROR, mx_port_bind(p, 9, e, S0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, buf, sizeof(buf)));
	EXPECT_EQ(1u, ((mx_packet_header_t *)buf)->key);
	EXPECT_EQ(NO_ERROR, queue_key(p, 3, 0, HDR));
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, buf, sizeof(buf)));
	EXPECT_EQ(2u, ((mx_packet_header_t *)buf)->key);
	ASSERT_TRUE(next_iosn(p, 9, &io));
	ASSERT_EQ(NO_ERROR, mx_port_wait(p, buf, sizeof(buf)));
	EXPECT_EQ(3u, ((mx_packet_header_t *)buf)->key);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_HARNESS_MAIN
