// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile callers: a read whose copy-out is stalled (userfaultfd) while
 * its endpoint is sent away or read by another thread, limits raised
 * under a sleeping writer, nesting and in-flight limits, a memory cgroup
 * at its limit, signal handlers that close the handle a wait sleeps on,
 * unwritable result buffers, no free descriptor, a wait that sees its
 * handle closed and satisfied at once, a table whose owner is gone while
 * another process holds its file, the per-process handle limit across
 * several opens of the device, a timed-out wait whose handles change
 * while its states are stalled, and a read whose turn is claimed again
 * by a third read.
 *
 * Nothing here sleeps to synchronise: a thread is known to be blocked in
 * the kernel when /proc/self/task/<tid>/stat says 'S' (and its syscall
 * file says ioctl), and a copy-out is known to be stalled when the
 * userfaultfd handler has read its fault. Timeouts only bound failures.
 *
 * Threads never use the harness's ASSERT/EXPECT (they longjmp into the
 * main thread's frame); they record what they saw, and the main thread
 * asserts after joining them. Child processes report by exit code or
 * through a pipe.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mx_test.h"

#define HX_BOUND_S	10		/* failure bound of a wait, seconds */
#define HX_BOUND_NS	(HX_BOUND_S * 1000000000ull)
#define HX_BLOCK_TRIES	100000		/* polls of a thread's state */

#define CG_ROOT		"/sys/fs/cgroup"

/* ---- module parameters the fixture restores ------------------------------ */

static const char *const hx_params[] = {
	"max_handles", "max_queued_msgs", "max_queued_bytes", "max_nesting",
	"max_inflight",
};
#define HX_NPARAMS (sizeof(hx_params) / sizeof(hx_params[0]))

/*
 * FIXTURE(hostile): restores every module parameter it found, removes a
 * cgroup left behind, and checks that the module's live-object counters
 * are back to what they were.
 */
FIXTURE(hostile) {
	struct mx_stats base;		/* counters before the test body */
	long saved[HX_NPARAMS];		/* parameters before, -1 if absent */
	char cg[128];			/* a cgroup to remove, or "" */
};

FIXTURE_SETUP(hostile)
{
	size_t i;

	for (i = 0; i < HX_NPARAMS; i++)
		self->saved[i] = mx_param_read(hx_params[i]);
	self->cg[0] = '\0';
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
}

FIXTURE_TEARDOWN(hostile)
{
	size_t i;

	for (i = 0; i < HX_NPARAMS; i++) {
		if (self->saved[i] < 0 ||
		    mx_param_read(hx_params[i]) == self->saved[i])
			continue;
		EXPECT_EQ(0, mx_param_write(hx_params[i], self->saved[i]))
			TH_LOG("cannot restore %s", hx_params[i]);
	}
	if (self->cg[0])
		rmdir(self->cg);
	EXPECT_STATS_EQ(&self->base);
}

/* ---- threads blocked in the kernel --------------------------------------- */

/*
 * One call made by a helper thread. The thread publishes its tid first,
 * makes the call, then sets done.
 */
struct hx_op {
	pthread_t thr;
	bool started;			/* joined: false again */
	_Atomic pid_t tid;		/* 0 until the thread runs */
	atomic_bool done;		/* the call returned */
	mx_status_t r;			/* what it returned */
	mx_handle_t h;			/* the handle (wait_many: hs) */
	mx_handle_t hs[2];		/* wait_many's handles */
	mx_signals_t sig;		/* signals to wait for */
	void *buf;			/* read: byte buffer */
	uint32_t nb;			/* read: capacity in, size out */
	mx_handle_t got[4];		/* read: handles received */
	uint32_t nh;			/* read: capacity in, count out */
	uint32_t index;			/* wait_many: result_index */
	mx_signals_state_t st;		/* wait_one: the state */
	int secs;			/* wait_one: timeout, 0 for none */
	uint64_t ns;			/* wait_one: how long it took */
};

static void hx_op_begin(struct hx_op *op)
{
	atomic_store(&op->tid, (pid_t)syscall(SYS_gettid));
}

static void *hx_read_fn(void *arg)
{
	struct hx_op *op = arg;

	hx_op_begin(op);
	op->r = mx_msgpipe_read(op->h, op->buf, &op->nb, op->got, &op->nh, 0);
	atomic_store(&op->done, true);
	return NULL;
}

static uint64_t hx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* wait_one for op->sig, for op->secs seconds (0: for ever). */
static void *hx_wait_one_fn(void *arg)
{
	struct hx_op *op = arg;
	mx_time_t t = op->secs ? op->secs * 1000000000ull : MX_TIME_INFINITE;
	uint64_t t0;

	hx_op_begin(op);
	t0 = hx_now_ns();
	op->r = mx_handle_wait_one(op->h, op->sig, t, &op->st);
	op->ns = hx_now_ns() - t0;
	atomic_store(&op->done, true);
	return NULL;
}

static void *hx_wait_many_fn(void *arg)
{
	struct hx_op *op = arg;
	mx_signals_t sigs[2] = { op->sig, op->sig };

	hx_op_begin(op);
	op->index = 99;
	op->r = mx_handle_wait_many(2, op->hs, sigs, MX_TIME_INFINITE,
				    &op->index, NULL);
	atomic_store(&op->done, true);
	return NULL;
}

/* A call whose request nobody answers. */
static void *hx_call_fn(void *arg)
{
	struct hx_op *op = arg;
	char req[] = "req", rep[16];
	uint32_t rnb = sizeof(rep);

	hx_op_begin(op);
	op->r = mx_msgpipe_call(op->h, req, sizeof(req), NULL, 0, rep, &rnb,
				NULL, NULL, MX_TIME_INFINITE);
	atomic_store(&op->done, true);
	return NULL;
}

static int hx_start_attr(struct hx_op *op, void *(*fn)(void *),
			 const pthread_attr_t *attr)
{
	atomic_store(&op->tid, 0);
	atomic_store(&op->done, false);
	if (pthread_create(&op->thr, attr, fn, op))
		return -1;
	op->started = true;
	return 0;
}

static int hx_start(struct hx_op *op, void *(*fn)(void *))
{
	return hx_start_attr(op, fn, NULL);
}

/* Join within @secs: 0, or -1 if the thread is still running. */
static int hx_join(struct hx_op *op, int secs)
{
	struct timespec ts;

	if (!op->started)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	if (pthread_timedjoin_np(op->thr, NULL, &ts))
		return -1;
	op->started = false;
	return 0;
}

/*
 * Wait (boundedly) until @op's thread sleeps inside its ioctl. False if
 * the call returned instead, or the bound passed.
 */
static bool hx_wait_blocked(struct hx_op *op)
{
	uint64_t end = hx_now_ns() + HX_BOUND_NS;
	pid_t tid;
	int i;

	for (i = 0; i < HX_BLOCK_TRIES && hx_now_ns() < end; i++) {
		if (atomic_load(&op->done))
			return false;
		tid = atomic_load(&op->tid);
		if (tid && mx_task_state(tid) == 'S' && mx_task_in_ioctl(tid))
			return !atomic_load(&op->done);
		sched_yield();
	}
	return false;
}

/* ---- userfaultfd: a page whose first touch stalls ------------------------ */

/*
 * One anonymous page registered for missing faults. A handler thread
 * polls the userfaultfd, reports the fault on @ev, and resolves it (with
 * UFFDIO_COPY of a 0x5a page, or UFFDIO_ZEROPAGE) when told on @go.
 */
struct hx_uffd {
	int uffd;
	char *page;
	long psz;
	bool zeropage;			/* resolve with UFFDIO_ZEROPAGE */
	int ev[2];			/* handler -> test: 'F'ault or 'T'ime */
	int go[2];			/* test -> handler: resolve */
	pthread_t thr;
	bool started;
	unsigned long addr;		/* the fault address */
	int err;			/* the resolution's errno, or 0 */
	char *src;			/* UFFDIO_COPY's source page */
};

static void *hx_uffd_handler(void *arg)
{
	struct hx_uffd *u = arg;
	struct pollfd p = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg m;
	char c = 'T';

	if (poll(&p, 1, HX_BOUND_S * 1000) == 1 &&
	    read(u->uffd, &m, sizeof(m)) == sizeof(m) &&
	    m.event == UFFD_EVENT_PAGEFAULT) {
		u->addr = m.arg.pagefault.address;
		c = 'F';
	}
	if (write(u->ev[1], &c, 1) != 1 || c != 'F')
		return NULL;
	/* A byte, or end of file when the test is being torn down. */
	if (read(u->go[0], &c, 1) < 0)
		u->err = errno;
	if (u->zeropage) {
		struct uffdio_zeropage z = {
			.range = { (unsigned long)u->page, u->psz },
		};

		if (ioctl(u->uffd, UFFDIO_ZEROPAGE, &z))
			u->err = errno;
	} else {
		struct uffdio_copy cp = {
			.dst = (unsigned long)u->page,
			.src = (unsigned long)u->src,
			.len = u->psz,
		};

		if (ioctl(u->uffd, UFFDIO_COPY, &cp))
			u->err = errno;
	}
	return NULL;
}

/* Undo hx_uffd_open(), resolving a fault still pending. */
static void hx_uffd_close(struct hx_uffd *u)
{
	if (u->go[1] >= 0)
		close(u->go[1]);
	u->go[1] = -1;
	if (u->started)
		pthread_join(u->thr, NULL);
	u->started = false;
	if (u->uffd >= 0)
		close(u->uffd);
	if (u->page && u->page != MAP_FAILED)
		munmap(u->page, u->psz);
	if (u->src)
		free(u->src);
	if (u->ev[0] >= 0)
		close(u->ev[0]);
	if (u->ev[1] >= 0)
		close(u->ev[1]);
	if (u->go[0] >= 0)
		close(u->go[0]);
	memset(u, 0, sizeof(*u));
	u->uffd = u->ev[0] = u->ev[1] = u->go[0] = u->go[1] = -1;
}

/*
 * Make a fresh registered page and start its handler: 0; 1 (and *why) if
 * the kernel has no usable userfaultfd; -1 on another failure.
 */
static int hx_uffd_open(struct hx_uffd *u, bool zeropage, const char **why)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	memset(u, 0, sizeof(*u));
	u->uffd = u->ev[0] = u->ev[1] = u->go[0] = u->go[1] = -1;
	u->psz = mx_page_size();
	u->zeropage = zeropage;
	u->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0) {
		*why = errno == ENOSYS ? "no userfaultfd in this kernel" :
			"userfaultfd not permitted";
		return 1;
	}
	if (ioctl(u->uffd, UFFDIO_API, &api)) {
		*why = "UFFDIO_API failed";
		return 1;
	}
	u->page = mmap(NULL, u->psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->page == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)u->page;
	reg.range.len = u->psz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(u->uffd, UFFDIO_REGISTER, &reg)) {
		*why = "UFFDIO_REGISTER (missing) failed on anonymous memory";
		return 1;
	}
	if (zeropage && !(reg.ioctls & (1ull << _UFFDIO_ZEROPAGE))) {
		*why = "no UFFDIO_ZEROPAGE";
		return 1;
	}
	u->src = malloc(u->psz);
	if (!u->src)
		return -1;
	memset(u->src, 0x5a, u->psz);
	if (pipe2(u->ev, O_CLOEXEC) || pipe2(u->go, O_CLOEXEC))
		return -1;
	if (pthread_create(&u->thr, NULL, hx_uffd_handler, u))
		return -1;
	u->started = true;
	return 0;
}

/* Wait (boundedly) for the handler to have read a fault: true if so. */
static bool hx_uffd_wait_fault(struct hx_uffd *u)
{
	struct pollfd p = { .fd = u->ev[0], .events = POLLIN };
	char c = 0;

	if (poll(&p, 1, (HX_BOUND_S + 5) * 1000) != 1 ||
	    read(u->ev[0], &c, 1) != 1)
		return false;
	return c == 'F';
}

/* Let the handler resolve the fault. */
static void hx_uffd_resolve(struct hx_uffd *u)
{
	if (write(u->go[1], "r", 1) != 1)
		u->err = errno;
}

#define HX_UFFD_OPEN(u, zp) do {					\
	const char *__why = "";						\
	int __r = hx_uffd_open((u), (zp), &__why);			\
	if (__r > 0) {							\
		hx_uffd_close(u);					\
		SKIP(return, "%s", __why);				\
	}								\
	ASSERT_EQ(0, __r);						\
} while (0)

/* ---- 1. a cycle closed while a read's copy-out is stalled ---------------- */

/*
 * a0 is reading a message that carries q0 when a0 is written into q0's
 * queue: a0 -> message -> q0 -> a0 is a cycle, and it dies. The read
 * returns ERR_HANDLE_CLOSED, nothing hangs, nothing leaks.
 */
TEST_F_TIMEOUT(hostile, read_stalled_then_cycle, 60)
{
	static const char payload[] = "carries q0";
	mx_handle_t a[2], q[2], f[2], g[2], got;
	struct hx_uffd u;
	struct hx_op rd = { 0 };
	uint32_t v, nh;
	mx_status_t w;

	HX_UFFD_OPEN(&u, false);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(a[1], (void *)payload,
					     sizeof(payload), &q[0], 1, 0));

	rd.h = a[0];
	rd.buf = u.page;
	rd.nb = 64;
	rd.nh = 4;
	ASSERT_EQ(0, hx_start(&rd, hx_read_fn));
	ASSERT_TRUE(hx_uffd_wait_fault(&u)) {
		TH_LOG("the read's copy-out never touched the page");
		hx_uffd_close(&u);
	}

	/* a0 goes into the queue of q0, which the stalled read carries. */
	w = mx_msgpipe_write(q[1], NULL, 0, &a[0], 1, 0);
	EXPECT_EQ(NO_ERROR, w);
	hx_uffd_resolve(&u);
	ASSERT_EQ(0, hx_join(&rd, HX_BOUND_S)) {
		TH_LOG("the read never returned");
	}
	EXPECT_EQ(0, u.err);
	EXPECT_EQ(ERR_HANDLE_CLOSED, rd.r) {
		TH_LOG("read: %s with %u handle(s)",
		       mx_status_get_string(rd.r), rd.nh);
	}
	/* The cycle died whole: both outside ends see their peer gone. */
	EXPECT_TRUE(mx_is_peer_closed(a[1]));
	EXPECT_TRUE(mx_is_peer_closed(q[1]));
	if (rd.r == NO_ERROR && rd.nh == 1)
		EXPECT_EQ(NO_ERROR, mx_handle_close(rd.got[0]));
	if (w != NO_ERROR)
		EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	hx_uffd_close(&u);

	/* Handle transfers still work (no lock left held, no corruption). */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(f, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(g, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(f[0], 7, &g[1], 1));
	ASSERT_EQ(NO_ERROR, mx_read_u32(f[1], &v, &got, 1, &nh));
	EXPECT_EQ(7u, v);
	EXPECT_EQ(1u, nh);
	EXPECT_EQ(NO_ERROR, mx_write_u32(got, 8, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_read_u32(g[0], &v, NULL, 0, NULL));
	EXPECT_EQ(8u, v);
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(g[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(f[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(f[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[1]));
	/* The teardown checks every counter is back to its baseline. */
}

/* ---- 2. two readers: a message in a stalled read is never invisible ------ */

/* Start reader A on @h into the stalled page, and wait for its fault. */
static void hx_stall_reader(struct __test_metadata *_metadata,
			    struct hx_uffd *u, struct hx_op *a, mx_handle_t h)
{
	memset(a, 0, sizeof(*a));
	a->h = h;
	a->buf = u->page;
	a->nb = 64;
	a->nh = 0;
	ASSERT_EQ(0, hx_start(a, hx_read_fn));
	ASSERT_TRUE(hx_uffd_wait_fault(u)) {
		TH_LOG("reader A's copy-out never touched the page");
	}
}

TEST_F_TIMEOUT(hostile, two_readers_stalled_copy, 60)
{
	static const char m1[] = "first message", m2[] = "second one";
	char bbuf[64];
	mx_signals_state_t st = { 0 };
	struct hx_op a, b = { 0 };
	struct hx_uffd u;
	mx_handle_t p[2];
	bool blocked;
	mx_status_t r;

	/* The only message, its writer gone. */
	HX_UFFD_OPEN(&u, false);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m1, sizeof(m1),
					     NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(p[1]));
	hx_stall_reader(_metadata, &u, &a, p[0]);

	r = mx_handle_wait_one(p[0], MX_SIGNAL_READABLE, 0, &st);
	EXPECT_EQ(NO_ERROR, r) {
		TH_LOG("wait_one(READABLE, 0) during the read: %s",
		       mx_status_get_string(r));
	}
	EXPECT_TRUE(st.satisfied & MX_SIGNAL_READABLE);

	b.h = p[0];
	b.buf = bbuf;
	b.nb = sizeof(bbuf);
	ASSERT_EQ(0, hx_start(&b, hx_read_fn));
	blocked = hx_wait_blocked(&b);
	EXPECT_TRUE(blocked) {
		if (atomic_load(&b.done))
			TH_LOG("reader B did not wait: %s",
			       mx_status_get_string(b.r));
	}
	hx_uffd_resolve(&u);
	ASSERT_EQ(0, hx_join(&a, HX_BOUND_S));
	ASSERT_EQ(0, hx_join(&b, HX_BOUND_S));
	EXPECT_EQ(0, u.err);
	EXPECT_EQ(NO_ERROR, a.r);
	EXPECT_EQ(sizeof(m1), a.nb);
	EXPECT_EQ(0, memcmp(u.page, m1, sizeof(m1)));
	EXPECT_EQ(ERR_CHANNEL_CLOSED, b.r) {
		TH_LOG("reader B: %s", mx_status_get_string(b.r));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	hx_uffd_close(&u);

	/* Two messages: A stalls on M1, B waits, then gets M2. */
	HX_UFFD_OPEN(&u, true);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m1, sizeof(m1),
					     NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m2, sizeof(m2),
					     NULL, 0, 0));
	hx_stall_reader(_metadata, &u, &a, p[0]);
	memset(&b, 0, sizeof(b));
	memset(bbuf, 0, sizeof(bbuf));
	b.h = p[0];
	b.buf = bbuf;
	b.nb = sizeof(bbuf);
	ASSERT_EQ(0, hx_start(&b, hx_read_fn));
	blocked = hx_wait_blocked(&b);
	EXPECT_TRUE(blocked) {
		if (atomic_load(&b.done))
			TH_LOG("reader B did not wait: %s, %u bytes",
			       mx_status_get_string(b.r), b.nb);
	}
	hx_uffd_resolve(&u);
	ASSERT_EQ(0, hx_join(&a, HX_BOUND_S));
	ASSERT_EQ(0, hx_join(&b, HX_BOUND_S));
	EXPECT_EQ(0, u.err);
	EXPECT_EQ(NO_ERROR, a.r);
	EXPECT_EQ(sizeof(m1), a.nb);
	EXPECT_EQ(0, memcmp(u.page, m1, sizeof(m1)));
	EXPECT_EQ(NO_ERROR, b.r);
	EXPECT_EQ(sizeof(m2), b.nb);
	EXPECT_EQ(0, memcmp(bbuf, m2, sizeof(m2)));
	/* Each message exactly once: nothing is left. */
	r = mx_msgpipe_read(p[0], bbuf, &b.nb, NULL, NULL, 0);
	EXPECT_EQ(ERR_BAD_STATE, r);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	hx_uffd_close(&u);
}

/* ---- 3. a raised limit wakes a writer waiting for WRITABLE --------------- */

/*
 * a0's queue is full under @param = @low (filled by @fill messages of
 * @size bytes). A thread waits on a1 for WRITABLE; once it sleeps, the
 * limit goes up to @high and one message is read: the waiter wakes. It
 * must wake then, not at its deadline: a wait that times out looks at the
 * signals once more and would return NO_ERROR too, 10 s late.
 */
static void hx_raise_limit(struct __test_metadata *_metadata,
			   const char *param, long low, long high,
			   int fill, uint32_t size)
{
	static char buf[4096];
	struct hx_op w = { 0 };
	mx_handle_t p[2];
	uint32_t nb;
	int i;

	ASSERT_EQ(0, mx_param_write(param, low));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	for (i = 0; i < fill; i++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], buf, size, NULL,
						     0, 0));
	/* Full: no write gets through and WRITABLE is not satisfied. */
	ASSERT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(p[1], buf, 1, NULL, 0, 0));
	ASSERT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(p[1], MX_SIGNAL_WRITABLE,
						    0, NULL));

	w.h = p[1];
	w.sig = MX_SIGNAL_WRITABLE;
	w.secs = HX_BOUND_S;
	ASSERT_EQ(0, hx_start(&w, hx_wait_one_fn));
	ASSERT_TRUE(hx_wait_blocked(&w));
	ASSERT_EQ(0, mx_param_write(param, high));
	nb = sizeof(buf);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(p[0], buf, &nb, NULL, NULL, 0));
	ASSERT_EQ(0, hx_join(&w, HX_BOUND_S + 5));
	EXPECT_EQ(NO_ERROR, w.r) {
		TH_LOG("%s raised %ld -> %ld: the writer's wait got %s",
		       param, low, high, mx_status_get_string(w.r));
	}
	EXPECT_GT(HX_BOUND_NS, w.ns) {
		TH_LOG("%s raised %ld -> %ld: woken only at the deadline (%.1f s)",
		       param, low, high, w.ns / 1e9);
	}
	EXPECT_TRUE(w.st.satisfied & MX_SIGNAL_WRITABLE);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

TEST_F_TIMEOUT(hostile, raised_limit_wakes_writer, 60)
{
	long msgs = mx_param_read("max_queued_msgs");
	long bytes = mx_param_read("max_queued_bytes");

	ASSERT_LE(0, msgs);
	ASSERT_LE(0, bytes);
	ASSERT_TRUE(mx_param_writable("max_queued_msgs"));
	hx_raise_limit(_metadata, "max_queued_msgs", 2, 16, 2, 8);
	ASSERT_EQ(0, mx_param_write("max_queued_msgs", msgs));
	hx_raise_limit(_metadata, "max_queued_bytes", 1000,
		       bytes > (1 << 20) ? bytes : (1 << 20), 2, 500);
}

/* ---- 4. nesting and handles in flight ------------------------------------ */

/* Read a parameter the module must have. */
#define HX_NEED_PARAM(name, var) do {					\
	(var) = mx_param_read(name);					\
	ASSERT_LE(0, (var)) {						\
		TH_LOG("module parameter %s is missing", name);		\
	}								\
	ASSERT_TRUE(mx_param_writable(name));				\
} while (0)

/*
 * Make (p0, p1) and write p0 through @w: p0 lands one level below the
 * endpoint @w writes to. Returns the write's status; p is the new pipe.
 */
static mx_status_t hx_nest_one(mx_handle_t w, mx_handle_t p[2])
{
	mx_status_t r = mx_msgpipe_create(p, 0);

	return r ?: mx_msgpipe_write(w, "n", 1, &p[0], 1, 0);
}

TEST_F_TIMEOUT(hostile, nesting_and_inflight_limits, 60)
{
	mx_handle_t t[2], x[2], cur, c1[2], c2[2], c3[2], y[2], z[2];
	mx_handle_t d[2], e[2], ends[64], got[8];
	long nesting, inflight, msgs;
	uint32_t nb, nh;
	mx_status_t r;
	int k, i, n;

	HX_NEED_PARAM("max_nesting", nesting);
	HX_NEED_PARAM("max_inflight", inflight);
	EXPECT_EQ(16, nesting);
	EXPECT_EQ(65536, inflight);
	n = 4;
	ASSERT_EQ(0, mx_param_write("max_nesting", n));

	/* Top-down: write k puts an endpoint at level k. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(t, 0));
	cur = t[1];
	for (k = 1; k <= n; k++) {
		r = hx_nest_one(cur, x);
		ASSERT_EQ(NO_ERROR, r) {
			TH_LOG("write %d (level %d of %d): %s", k, k, n,
			       mx_status_get_string(r));
		}
		if (cur != t[1])
			ASSERT_EQ(NO_ERROR, mx_handle_close(cur));
		cur = x[1];
	}
	msgs = mx_stat_read("messages");
	r = hx_nest_one(cur, x);
	EXPECT_EQ(ERR_NO_MEMORY, r) {
		TH_LOG("write %d (level %d > max_nesting %d): %s", n + 1,
		       n + 1, n, mx_status_get_string(r));
	}
	/* Nothing changed: the handle is still ours, nothing was queued. */
	if (r != NO_ERROR) {
		EXPECT_TRUE(mx_is_valid(x[0]));
		EXPECT_EQ(msgs, mx_stat_read("messages"));
		EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(cur));
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[1]));
	/* Closing the top tears the whole chain down. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[0]));
	EXPECT_STATS_EQ(&self->base);

	/*
	 * Bottom-up: the chain c1_0 > c2_0 > c3_0 (3 endpoints, c3_0 at level
	 * 2 while c1_0 is in our table), built before it goes anywhere.
	 */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c1, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c2, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c3, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(c2[1], "c", 1, &c3[0], 1, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(c1[1], "c", 1, &c2[0], 1, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(c3[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(c2[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(c1[1]));
	/* t0 (level 0) > y0 (level 1) > z0 (level 2). */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(t, 0));
	ASSERT_EQ(NO_ERROR, hx_nest_one(t[1], y));
	ASSERT_EQ(NO_ERROR, hx_nest_one(y[1], z));
	/* Into z0's queue (level 2): 2 + 3 > 4. */
	msgs = mx_stat_read("messages");
	r = mx_msgpipe_write(z[1], "b", 1, &c1[0], 1, 0);
	EXPECT_EQ(ERR_NO_MEMORY, r) {
		TH_LOG("chain of 3 into a level-2 endpoint: %s",
		       mx_status_get_string(r));
	}
	if (r != NO_ERROR) {
		EXPECT_TRUE(mx_is_valid(c1[0]));
		EXPECT_EQ(msgs, mx_stat_read("messages"));
		/* Into y0's queue (level 1): 1 + 3 == 4, allowed. */
		r = mx_msgpipe_write(y[1], "b", 1, &c1[0], 1, 0);
		EXPECT_EQ(NO_ERROR, r) {
			TH_LOG("chain of 3 into a level-1 endpoint: %s",
			       mx_status_get_string(r));
		}
		if (r != NO_ERROR)
			EXPECT_EQ(NO_ERROR, mx_handle_close(c1[0]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(z[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(y[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[0]));
	EXPECT_STATS_EQ(&self->base);

	/* In flight: 64 handles in 8 messages, nothing read. */
	ASSERT_EQ(0, mx_param_write("max_inflight", 64));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(d, 0));
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));
		ends[i] = x[0];
		got[i % 8] = x[1];
		if (i % 8 == 7) {
			r = mx_msgpipe_write(d[0], NULL, 0, got, 8, 0);
			ASSERT_EQ(NO_ERROR, r) {
				TH_LOG("handles %d..%d in flight: %s", i - 7,
				       i, mx_status_get_string(r));
			}
		}
	}
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(e, 0));
	r = mx_msgpipe_write(d[0], NULL, 0, &e[1], 1, 0);
	EXPECT_EQ(ERR_NO_MEMORY, r) {
		TH_LOG("handle 65 with max_inflight 64: %s",
		       mx_status_get_string(r));
	}
	if (r == NO_ERROR) {
		/* Keep the arithmetic below right: take it back. */
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));
		EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(x[1]));
	} else {
		EXPECT_TRUE(mx_is_valid(e[1]));
	}
	/* Reading 8 handles lets 8 more go. */
	nb = 0;
	nh = 8;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(d[1], NULL, &nb, got, &nh, 0));
	ASSERT_EQ(8u, nh);
	r = mx_msgpipe_write(d[0], NULL, 0, got, 8, 0);
	EXPECT_EQ(NO_ERROR, r) {
		TH_LOG("8 handles after reading 8: %s",
		       mx_status_get_string(r));
	}
	if (r != NO_ERROR)
		for (i = 0; i < 8; i++)
			mx_handle_close(got[i]);
	if (mx_is_valid(e[1])) {
		EXPECT_EQ(ERR_NO_MEMORY,
			  mx_msgpipe_write(d[0], NULL, 0, &e[1], 1, 0));
		EXPECT_EQ(NO_ERROR, mx_handle_close(e[1]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(e[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[0]));
	for (i = 0; i < 64; i++) {
		EXPECT_TRUE(mx_is_peer_closed(ends[i]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(ends[i]));
	}
}

/* ---- 5. a memory cgroup at its limit: ERR_NO_MEMORY, no OOM kill --------- */

#define OOM_MSG		65536u
#define OOM_PIPES	4096
#define OOM_PER_PIPE	8	/* 512 KiB per endpoint, under the 1 MiB cap */

/* What the child in the cgroup saw, in memory shared with the parent. */
struct oom_report {
	int pipes;		/* pipes created */
	int msgs;		/* messages written */
	mx_status_t last;	/* the failing call's status */
	int step;		/* how far the child got */
};

static char oom_buf[OOM_MSG];
static mx_handle_t oom_hs[OOM_PIPES][2];

/* Make the stack pages the child will use exist before the limit. */
static void __attribute__((noinline)) oom_touch_stack(void)
{
	volatile char big[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(big); i += 512)
		big[i] = 1;
}

/* In its own cgroup, fill pipes until the module says no memory. */
static int oom_child(const char *procs, struct oom_report *rep)
{
	mx_handle_t h[2];
	mx_status_t r = NO_ERROR;
	int i, j, fd;

	rep->step = 1;
	oom_touch_stack();
	memset(oom_buf, 0xa5, sizeof(oom_buf));
	memset(oom_hs, 0, sizeof(oom_hs));
	/* Open the device (and make the table) before the limit applies. */
	if (mx_msgpipe_create(h, 0) || mx_handle_close(h[0]) ||
	    mx_handle_close(h[1]))
		return 2;
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 3;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return 4;
	rep->step = 2;
	if (write(fd, "0", 1) != 1)
		return 5;
	close(fd);
	rep->step = 3;
	for (i = 0; i < OOM_PIPES && r == NO_ERROR; i++) {
		r = mx_msgpipe_create(oom_hs[i], 0);
		if (r != NO_ERROR)
			break;
		rep->pipes++;
		for (j = 0; j < OOM_PER_PIPE && r == NO_ERROR; j++) {
			r = mx_msgpipe_write(oom_hs[i][0], oom_buf, OOM_MSG,
					     NULL, 0, 0);
			rep->msgs += r == NO_ERROR;
		}
	}
	rep->last = r;
	rep->step = 4;
	if (r == NO_ERROR)
		return 6;	/* 256 MiB and no failure? */
	return r == ERR_NO_MEMORY ? 0 : 7;
}

/* The count of @key in a cgroup "key value" file, or -1. */
static long cg_read_key(const char *path, const char *key)
{
	char line[128], k[64];
	long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/* Does cgroup file @path list the word @w? */
static bool cg_has_word(const char *path, const char *w)
{
	char buf[512], *tok, *save;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, w))
			return true;
	return false;
}

TEST_F_TIMEOUT(hostile, memcg_limit_no_oom_kill, 90)
{
	struct oom_report *rep;
	char path[192];
	long kills, ooms;
	int status;
	pid_t pid;

	if (!cg_has_word(CG_ROOT "/cgroup.controllers", "memory"))
		SKIP(return, "no cgroup2 memory controller at " CG_ROOT);
	if (!cg_has_word(CG_ROOT "/cgroup.subtree_control", "memory"))
		mx_write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (!cg_has_word(CG_ROOT "/cgroup.subtree_control", "memory"))
		SKIP(return, "cannot enable the memory controller");

	snprintf(self->cg, sizeof(self->cg), CG_ROOT "/mx_hostile.%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", self->cg);
	ASSERT_EQ(0, mx_write_str(path, "16777216"));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cg);
	if (!access(path, F_OK))
		ASSERT_EQ(0, mx_write_str(path, "0"));

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	memset(rep, 0, sizeof(*rep));
	snprintf(path, sizeof(path), "%s/cgroup.procs", self->cg);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(oom_child(path, rep));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	TH_LOG("child: %d pipes, %d x 64 KiB written, then %s (step %d)",
	       rep->pipes, rep->msgs, mx_status_get_string(rep->last),
	       rep->step);
	EXPECT_FALSE(WIFSIGNALED(status)) {
		TH_LOG("the child was killed by signal %d",
		       WTERMSIG(status));
	}
	EXPECT_TRUE(WIFEXITED(status));
	if (WIFEXITED(status))
		EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(ERR_NO_MEMORY, rep->last);
	EXPECT_LT(0, rep->msgs);
	snprintf(path, sizeof(path), "%s/memory.events", self->cg);
	kills = cg_read_key(path, "oom_kill");
	ooms = cg_read_key(path, "oom");
	TH_LOG("memory.events: oom %ld, oom_kill %ld", ooms, kills);
	EXPECT_EQ(0, kills);
	munmap(rep, sizeof(*rep));
	EXPECT_EQ(0, rmdir(self->cg));
	self->cg[0] = '\0';
}

/* ---- 6. a signal handler closes the handle being waited on -------------- */

enum { HX_CLOSE, HX_REPLACE, HX_EXPORT };
enum { HX_WAIT_ONE, HX_CALL, HX_WAIT_MANY };

static const char *const hx_mode_name[] = { "close", "replace", "export" };
static const char *const hx_kind_name[] = {
	"wait_one", "msgpipe_call", "wait_many",
};

/* What the SIGUSR1 handler does, and what it got. */
static struct {
	mx_handle_t h;
	int mode;
	mx_handle_t replaced;
	int fd;
	mx_status_t r;
	atomic_int calls;
} hx_sig;

static void hx_sig_handler(int sig)
{
	mx_handle_t nh;

	switch (hx_sig.mode) {
	case HX_CLOSE:
		hx_sig.r = mx_handle_close(hx_sig.h);
		break;
	case HX_REPLACE:
		nh = mx_handle_replace(hx_sig.h, MX_RIGHT_SAME_RIGHTS);
		hx_sig.replaced = nh > 0 ? nh : MX_HANDLE_INVALID;
		hx_sig.r = nh > 0 ? NO_ERROR : nh;
		break;
	default:
		hx_sig.r = mx_handle_export(hx_sig.h, MX_EXPORT_CLOEXEC,
					    &hx_sig.fd);
		break;
	}
	atomic_fetch_add(&hx_sig.calls, 1);
}

/* One case: @kind blocks, SIGUSR1's handler takes its handle away. */
static void hx_signal_case(struct __test_metadata *_metadata, int kind,
			   int mode, bool restart)
{
	struct sigaction sa = { .sa_handler = hx_sig_handler };
	void *(*fn[])(void *) = { hx_wait_one_fn, hx_call_fn,
				  hx_wait_many_fn };
	struct hx_op op = { 0 };
	mx_handle_t a[2], b[2] = { 0, 0 };
	char buf[16];
	uint32_t nb;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	if (kind == HX_WAIT_MANY)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(b, 0));
	hx_sig.h = kind == HX_WAIT_MANY ? b[0] : a[0];
	hx_sig.mode = mode;
	hx_sig.replaced = MX_HANDLE_INVALID;
	hx_sig.fd = -1;
	hx_sig.r = ERR_INTERNAL;
	atomic_store(&hx_sig.calls, 0);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	op.h = a[0];
	op.hs[0] = a[0];
	op.hs[1] = b[0];
	op.sig = MX_SIGNAL_READABLE;
	ASSERT_EQ(0, hx_start(&op, fn[kind]));
	ASSERT_TRUE(hx_wait_blocked(&op)) {
		TH_LOG("%s never blocked", hx_kind_name[kind]);
	}
	ASSERT_EQ(0, pthread_kill(op.thr, SIGUSR1));
	ASSERT_EQ(0, hx_join(&op, HX_BOUND_S)) {
		TH_LOG("%s, handler %s%s: still blocked", hx_kind_name[kind],
		       hx_mode_name[mode], restart ? ", SA_RESTART" : "");
		/* Unblock it so the process can end. */
		mx_msgpipe_write(a[1], "x", 1, NULL, 0, 0);
		mx_msgpipe_write(b[1], "x", 1, NULL, 0, 0);
		hx_join(&op, HX_BOUND_S);
	}
	EXPECT_EQ(1, atomic_load(&hx_sig.calls));
	EXPECT_EQ(NO_ERROR, hx_sig.r);
	EXPECT_EQ(ERR_HANDLE_CLOSED, op.r) {
		TH_LOG("%s, handler does %s%s: got %s", hx_kind_name[kind],
		       hx_mode_name[mode], restart ? ", SA_RESTART" : "",
		       mx_status_get_string(op.r));
	}
	if (kind == HX_WAIT_MANY)
		EXPECT_EQ(1u, op.index);
	if (kind == HX_CALL) {
		/* The request went exactly once. */
		nb = sizeof(buf);
		EXPECT_EQ(NO_ERROR, mx_msgpipe_read(a[1], buf, &nb, NULL,
						    NULL, 0));
		EXPECT_EQ(4u, nb);
		nb = sizeof(buf);
		EXPECT_EQ(mode == HX_CLOSE ? ERR_CHANNEL_CLOSED : ERR_BAD_STATE,
			  mx_msgpipe_read(a[1], buf, &nb, NULL, NULL, 0));
	}

	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	if (hx_sig.replaced != MX_HANDLE_INVALID)
		EXPECT_EQ(NO_ERROR, mx_handle_close(hx_sig.replaced));
	if (hx_sig.fd >= 0)
		EXPECT_EQ(0, close(hx_sig.fd));
	if (kind == HX_WAIT_MANY) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(b[1]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
}

TEST_F_TIMEOUT(hostile, signal_handler_closes_waited_handle, 90)
{
	int restart, mode;

	for (restart = 0; restart < 2; restart++) {
		for (mode = HX_CLOSE; mode <= HX_EXPORT; mode++)
			hx_signal_case(_metadata, HX_WAIT_ONE, mode, restart);
		hx_signal_case(_metadata, HX_CALL, HX_CLOSE, restart);
		hx_signal_case(_metadata, HX_WAIT_MANY, HX_CLOSE, restart);
	}
}

/* ---- 7. wait_many with an unwritable result_index ------------------------ */

TEST_F(hostile, wait_many_unwritable_index)
{
	mx_signals_t sig = MX_SIGNAL_READABLE;
	mx_handle_t p[2];
	uint32_t *bad;
	mx_status_t r;

	bad = mmap(NULL, mx_page_size(), PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	r = mx_handle_wait_many(0, NULL, NULL, 0, bad, NULL);
	EXPECT_EQ(ERR_INVALID_ARGS, r) {
		TH_LOG("count 0: %s", mx_status_get_string(r));
	}
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	r = mx_handle_wait_many(1, &p[0], &sig, 0, bad, NULL);
	EXPECT_EQ(ERR_INVALID_ARGS, r) {
		TH_LOG("count 1, nothing satisfied: %s",
		       mx_status_get_string(r));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	munmap(bad, mx_page_size());
}

/* ---- 8. export with no free descriptor ----------------------------------- */

TEST_F(hostile, export_no_free_descriptor)
{
	struct rlimit old, rl;
	mx_handle_t p[2], dead, nt;
	int extra[256], nextra = 0, maxfd = -1, fd, e;
	mx_status_t r;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	dead = mx_dead_handle();
	ASSERT_NE(MX_HANDLE_INVALID, dead);
	/* A handle without MX_RIGHT_TRANSFER. */
	nt = mx_handle_replace(p[0], MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, nt);

	/* No descriptor free below the limit. */
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			maxfd = fd;
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = maxfd + 1;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	while (nextra < 256 && (fd = dup(maxfd)) >= 0)
		extra[nextra++] = fd;
	e = errno;
	EXPECT_EQ(EMFILE, e);

	r = mx_handle_export(dead, 0, &fd);
	EXPECT_EQ(ERR_INVALID_ARGS, r) {
		TH_LOG("invalid handle: %s", mx_status_get_string(r));
	}
	r = mx_handle_export(nt, 0, &fd);
	EXPECT_EQ(ERR_ACCESS_DENIED, r) {
		TH_LOG("handle without TRANSFER: %s", mx_status_get_string(r));
	}
	r = mx_handle_export(p[1], 0, &fd);
	EXPECT_EQ(ERR_NO_RESOURCES, r) {
		TH_LOG("valid handle: %s", mx_status_get_string(r));
	}
	if (r == NO_ERROR)
		close(fd);
	else
		EXPECT_TRUE(mx_is_valid(p[1]));
	EXPECT_FALSE(mx_is_peer_closed(nt));

	while (nextra)
		close(extra[--nextra]);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	if (mx_is_valid(p[1])) {
		/* With a descriptor free it goes, and its peer sees it go. */
		ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd));
		EXPECT_FALSE(mx_is_valid(p[1]));
		EXPECT_EQ(0, close(fd));
	}
	EXPECT_TRUE(mx_is_peer_closed(nt));
	EXPECT_EQ(NO_ERROR, mx_handle_close(nt));
}

/* ---- 9. closed and satisfied at once: ERR_HANDLE_CLOSED ------------------ */

/*
 * The waiter sleeps on a0 (wait_many: on x0 and a0). Pinned on the same
 * CPU, the SCHED_FIFO main thread makes a0 satisfied and closes it before
 * the woken SCHED_OTHER waiter runs again.
 */
static void hx_closed_and_satisfied(struct __test_metadata *_metadata,
				    bool many, bool writable, long msgs)
{
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_t attr;
	struct hx_op op = { 0 };
	mx_handle_t a[2], x[2];
	mx_status_t rw, rc;
	uint32_t nb;
	char buf[8];
	bool early;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));
	op.sig = MX_SIGNAL_READABLE;
	if (writable) {
		/* a1's queue full: a0 is not WRITABLE until a1 reads. */
		ASSERT_EQ(0, mx_param_write("max_queued_msgs", 1));
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(a[0], "f", 1, NULL, 0,
						     0));
		op.sig = MX_SIGNAL_WRITABLE;
	}
	op.h = a[0];
	op.hs[0] = x[0];
	op.hs[1] = a[0];
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setinheritsched(&attr,
						  PTHREAD_EXPLICIT_SCHED));
	ASSERT_EQ(0, pthread_attr_setschedpolicy(&attr, SCHED_OTHER));
	ASSERT_EQ(0, pthread_attr_setschedparam(&attr, &sp));
	ASSERT_EQ(0, hx_start_attr(&op, many ? hx_wait_many_fn :
					       hx_wait_one_fn, &attr));
	pthread_attr_destroy(&attr);
	ASSERT_TRUE(hx_wait_blocked(&op));

	sp.sched_priority = 10;
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp));
	if (writable) {
		nb = sizeof(buf);
		rw = mx_msgpipe_read(a[1], buf, &nb, NULL, NULL, 0);
	} else {
		rw = mx_msgpipe_write(a[1], "x", 1, NULL, 0, 0);
	}
	early = atomic_load(&op.done);
	rc = mx_handle_close(a[0]);
	sp.sched_priority = 0;
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);

	ASSERT_EQ(0, hx_join(&op, HX_BOUND_S));
	EXPECT_EQ(NO_ERROR, rw);
	EXPECT_EQ(NO_ERROR, rc);
	EXPECT_FALSE(early) {
		TH_LOG("the waiter ran before the close");
	}
	EXPECT_EQ(ERR_HANDLE_CLOSED, op.r) {
		TH_LOG("%s on %s: %s", many ? "wait_many" : "wait_one",
		       writable ? "WRITABLE" : "READABLE",
		       mx_status_get_string(op.r));
	}
	if (many)
		EXPECT_EQ(1u, op.index);
	if (writable)
		ASSERT_EQ(0, mx_param_write("max_queued_msgs", msgs));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[1]));
}

TEST_F_TIMEOUT(hostile, wait_closed_and_satisfied, 60)
{
	long msgs = mx_param_read("max_queued_msgs");
	int cpu = sched_getcpu();
	cpu_set_t set;

	ASSERT_LE(0, cpu);
	ASSERT_LE(0, msgs);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	hx_closed_and_satisfied(_metadata, false, false, msgs);
	hx_closed_and_satisfied(_metadata, true, false, msgs);
	hx_closed_and_satisfied(_metadata, false, true, msgs);
}

/* ---- 10. the table outlives its owner ------------------------------------ */

enum { OWN_EXIT, OWN_CLOSE_EXIT, OWN_EXEC, OWN_RAW_CLOSE_EXIT, OWN_NR };

static const char *const own_name[] = {
	"owner exits", "owner closes its descriptors, then exits",
	"owner execs /bin/true", "raw open; owner closes it, then exits",
};

/* What the grandchild saw. */
struct own_report {
	int ebadf_rc, ebadf_errno;	/* its ioctl on the owner's file */
	mx_status_t import;		/* import of a1 into its own table */
	mx_status_t wait;		/* PEER_CLOSED on a1, 10 s bound */
	int after_rc, after_errno;	/* the ioctl again, owner gone */
};

/* The /dev/magenta descriptor libmx opened in this process, or -1. */
static int hx_find_dev_fd(void)
{
	char path[300], link[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int fd = -1;
	ssize_t n;

	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, MX_DEV))
			fd = atoi(de->d_name);
	}
	closedir(d);
	return fd;
}

/* MX_IOC_MSGPIPE_CREATE on descriptor @fd: ioctl's result. */
static int hx_raw_create(int fd, mx_handle_t h[2])
{
	struct mx_ioc_msgpipe_create a = { .handles = (uintptr_t)h };

	return ioctl(fd, MX_IOC_MSGPIPE_CREATE, &a);
}

static int hx_raw_close(int fd, mx_handle_t h)
{
	return ioctl(fd, MX_IOC_HANDLE_CLOSE, &h);
}

/*
 * G: holds a copy of the owner's file (@devfd). Takes a1 from @xfd into
 * a table of its own, says so on @go, and waits for a1's peer to die.
 */
static int own_grandchild(int devfd, int xfd, int go, int res)
{
	struct own_report rep = {
		.import = ERR_INTERNAL, .wait = ERR_INTERNAL,
	};
	mx_handle_t h = MX_HANDLE_INVALID, hv[2];

	rep.ebadf_rc = hx_raw_create(devfd, hv);
	rep.ebadf_errno = rep.ebadf_rc ? errno : 0;
	rep.import = mx_handle_import(xfd, &h);
	close(xfd);
	if (write(go, "i", 1) != 1)
		return 1;
	close(go);
	if (rep.import == NO_ERROR)
		rep.wait = mx_handle_wait_one(h, MX_SIGNAL_PEER_CLOSED,
					      HX_BOUND_NS, NULL);
	rep.after_rc = hx_raw_create(devfd, hv);
	rep.after_errno = rep.after_rc ? errno : 0;
	if (write(res, &rep, sizeof(rep)) != sizeof(rep))
		return 2;
	if (rep.import == NO_ERROR)
		mx_handle_close(h);
	close(devfd);
	return 0;
}

/*
 * P: the owner of a table holding a0; a1 goes to its child G through an
 * exported descriptor, together with a copy of P's own /dev/magenta file.
 * Sends G's pid on @res, waits for G to hold a1, then goes away as
 * @variant says. Returns an exit code (0 for success).
 */
static int own_parent(int variant, int res)
{
	int devfd, libfd = -1, xfd, go[2];
	mx_handle_t a[2];
	pid_t g;
	char c;

	if (variant == OWN_RAW_CLOSE_EXIT) {
		struct mx_ioc_handle_export ex = { 0 };

		devfd = open(MX_DEV, O_RDWR | O_CLOEXEC);
		if (devfd < 0 || hx_raw_create(devfd, a))
			return 10;
		ex.handle = a[1];
		if (ioctl(devfd, MX_IOC_HANDLE_EXPORT, &ex))
			return 11;
		xfd = ex.fd;
	} else {
		if (mx_msgpipe_create(a, 0) ||
		    mx_handle_export(a[1], 0, &xfd))
			return 12;
		/*
		 * libmx forgets its descriptor in a fork() child, so G gets
		 * the file through a copy; close-on-exec, so that an exec
		 * of P leaves it no descriptor of the device.
		 */
		libfd = hx_find_dev_fd();
		if (libfd < 0)
			return 13;
		devfd = fcntl(libfd, F_DUPFD_CLOEXEC, 0);
		if (devfd < 0)
			return 14;
	}
	if (pipe2(go, O_CLOEXEC))
		return 15;
	g = fork();
	if (g < 0)
		return 16;
	if (g == 0) {
		close(go[0]);
		_exit(own_grandchild(devfd, xfd, go[1], res));
	}
	close(go[1]);
	close(xfd);
	if (write(res, &g, sizeof(g)) != sizeof(g))
		return 17;
	if (read(go[0], &c, 1) != 1)
		return 18;
	switch (variant) {
	case OWN_EXIT:
		return 0;
	case OWN_CLOSE_EXIT:
		close(libfd);
		close(devfd);
		return 0;
	case OWN_EXEC:
		execl("/bin/true", "true", (char *)NULL);
		return 19;
	default:
		close(devfd);
		return 0;
	}
}

/* Read exactly @len bytes from @fd within @secs: 0, or -1. */
static int hx_read_full(int fd, void *buf, size_t len, int secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = hx_now_ns() + secs * 1000000000ull;
	size_t got = 0;
	ssize_t n;
	int ms;

	while (got < len) {
		ms = (int)((end - hx_now_ns()) / 1000000);
		if (hx_now_ns() >= end || poll(&p, 1, ms) != 1)
			return -1;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static void own_case(struct __test_metadata *_metadata, int v)
{
	struct own_report rep = {
		.import = ERR_INTERNAL, .wait = ERR_INTERNAL,
	};
	int res[2], st, have_g, have_rep;
	pid_t p, g = -1;

	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	p = fork();
	ASSERT_LE(0, p);
	if (p == 0) {
		close(res[0]);
		_exit(own_parent(v, res[1]));
	}
	close(res[1]);
	have_g = !hx_read_full(res[0], &g, sizeof(g), HX_BOUND_S);
	have_rep = have_g &&
		   !hx_read_full(res[0], &rep, sizeof(rep), HX_BOUND_S + 10);
	close(res[0]);
	ASSERT_EQ(p, waitpid(p, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		TH_LOG("%s: owner status 0x%x", own_name[v], st);
	}
	if (have_g && g > 0) {
		/* We are the subreaper: G is ours once P is gone. */
		if (!have_rep)
			kill(g, SIGKILL);
		EXPECT_EQ(g, waitpid(g, &st, 0));
		if (have_rep)
			EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ASSERT_TRUE(have_rep) {
		TH_LOG("%s: no report from the grandchild", own_name[v]);
	}
	EXPECT_EQ(-1, rep.ebadf_rc);
	EXPECT_EQ(EBADF, rep.ebadf_errno);
	EXPECT_EQ(NO_ERROR, rep.import);
	EXPECT_EQ(NO_ERROR, rep.wait) {
		TH_LOG("%s: PEER_CLOSED on a1: %s", own_name[v],
		       mx_status_get_string(rep.wait));
	}
	EXPECT_EQ(-1, rep.after_rc);
	EXPECT_EQ(EBADF, rep.after_errno);
}

TEST_F_TIMEOUT(hostile, table_outlives_owner, 120)
{
	int v;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	for (v = 0; v < OWN_NR; v++)
		own_case(_metadata, v);
}

/* ---- 11. max_handles counts every table of a process --------------------- */

TEST_F(hostile, max_handles_per_process)
{
	mx_handle_t h[66][2];
	int fds[4], on[66], i, n = 0, err = 0, r;

	ASSERT_TRUE(mx_param_writable("max_handles"));
	ASSERT_EQ(0, mx_param_write("max_handles", 20));
	for (i = 0; i < 4; i++) {
		fds[i] = open(MX_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 64; i++) {
		if (hx_raw_create(fds[i % 4], h[i])) {
			err = errno;
			break;
		}
		on[i] = fds[i % 4];
		n++;
	}
	EXPECT_EQ(10, n) {
		TH_LOG("%d pipes over 4 descriptors with max_handles 20", n);
	}
	EXPECT_EQ(ENOMEM, err);
	/* Two handles closed on one descriptor: one more pipe anywhere. */
	ASSERT_LE(2, n);
	EXPECT_EQ(0, hx_raw_close(on[1], h[1][0]));
	EXPECT_EQ(0, hx_raw_close(on[1], h[1][1]));
	EXPECT_EQ(0, hx_raw_create(fds[3], h[n]));
	r = hx_raw_create(fds[0], h[n + 1]);
	err = r ? errno : 0;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ENOMEM, err);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, close(fds[i]));
}

/* ---- 12. a timed-out wait judges its handles again, in order, at its end -- */

/*
 * wait_many [A, B] with timeout 0: nothing is satisfied and the deadline
 * has passed, so the call times out, but first it writes the states, into
 * a userfaultfd page: it stalls there. Meanwhile A goes and then B is
 * signalled. Every state the call reports is from its end, so it looks at
 * the handles again there, in order: A is gone, so ERR_HANDLE_CLOSED at
 * index 0. Reporting NO_ERROR at index 1 (B's late signal), as the module
 * did before 2136d42, is explained by no order of events: B's signal
 * came after A had gone. Two ways for A to go: closed (A and B events),
 * or, as the stateful fuzzer found it, A = a0 written into its own queue
 * by its peer B = a1, where it dies in the cycle, which makes B
 * PEER_CLOSED at the same time.
 */
struct hx_late {
	struct hx_op op;
	mx_signals_t sigs[2];
	mx_signals_state_t *states;	/* in the stalling page */
};

static void *hx_wait_many_late_fn(void *arg)
{
	struct hx_late *l = arg;

	hx_op_begin(&l->op);
	l->op.index = 99;
	l->op.r = mx_handle_wait_many(2, l->op.hs, l->sigs, 0, &l->op.index,
				      l->states);
	atomic_store(&l->op.done, true);
	return NULL;
}

static void hx_late_case(struct __test_metadata *_metadata, bool cycle)
{
	struct hx_late l = { 0 };
	struct hx_uffd u;
	mx_handle_t a = 0, b, p[2];
	mx_status_t rs = NO_ERROR, rc;

	HX_UFFD_OPEN(&u, false);
	if (cycle) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
		a = p[0];
		b = p[1];
		l.sigs[0] = MX_SIGNAL_READABLE;
		l.sigs[1] = MX_SIGNAL_PEER_CLOSED;
	} else {
		a = mx_event_create(0);
		b = mx_event_create(0);
		ASSERT_LT(0, a);
		ASSERT_LT(0, b);
		l.sigs[0] = l.sigs[1] = MX_SIGNAL_SIGNAL0;
	}
	l.op.hs[0] = a;
	l.op.hs[1] = b;
	l.states = (mx_signals_state_t *)u.page;
	ASSERT_EQ(0, hx_start(&l.op, hx_wait_many_late_fn));
	ASSERT_TRUE(hx_uffd_wait_fault(&u)) {
		TH_LOG("the wait never wrote its states (%s)",
		       atomic_load(&l.op.done) ?
		       mx_status_get_string(l.op.r) : "still running");
		hx_uffd_close(&u);
	}
	/* Stalled after its deadline: A goes, then B is signalled. */
	if (cycle) {
		rc = mx_msgpipe_write(b, "a0", 2, &a, 1, 0);
	} else {
		rc = mx_handle_close(a);
		rs = mx_object_signal(b, 0, MX_SIGNAL_SIGNAL0);
	}
	EXPECT_FALSE(atomic_load(&l.op.done));
	hx_uffd_resolve(&u);
	ASSERT_EQ(0, hx_join(&l.op, HX_BOUND_S)) {
		TH_LOG("the wait never returned");
	}
	EXPECT_EQ(0, u.err);
	EXPECT_EQ(NO_ERROR, rc);
	EXPECT_EQ(NO_ERROR, rs);
	EXPECT_FALSE(mx_is_valid(a));
	EXPECT_EQ(ERR_HANDLE_CLOSED, l.op.r) {
		TH_LOG("%s: %s at index %u", cycle ? "a0 sent into its own queue" :
		       "event A closed, B signalled",
		       mx_status_get_string(l.op.r), l.op.index);
	}
	EXPECT_EQ(0u, l.op.index);
	/* B's state is from the end of the wait: it shows the late signal. */
	EXPECT_EQ(l.sigs[1], l.states[1].satisfied & l.sigs[1]);
	if (cycle)
		EXPECT_TRUE(mx_is_peer_closed(b));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b));
	hx_uffd_close(&u);
}

TEST_F_TIMEOUT(hostile, timed_out_wait_rejudged_in_order, 60)
{
	hx_late_case(_metadata, false);
	hx_late_case(_metadata, true);
}

/* ---- 13. a read waiting for its turn sees a claim taken again ------------ */

/*
 * Three messages on p0. Read A claims the first and stalls in its
 * copy-out (userfaultfd page 1); read B finds the head claimed and sleeps;
 * read C does the same. All run on one CPU, A and C SCHED_FIFO, B
 * SCHED_OTHER: when A's copy-out is let go, A's claim ends and wakes B
 * and C, and C runs first, claims the second message and stalls on page
 * 2 before B runs again. B then finds the head claimed anew and must wait
 * for the end of that claim too. Before 79f8e79 it slept again without
 * saying so (wait_event_interruptible() around "no claim"): the end of C's
 * claim woke nobody, and B slept until something else woke the endpoint.
 * B must get the third message once C is done, with nothing else done to
 * the pipe.
 */
TEST_F_TIMEOUT(hostile, read_turn_claimed_again, 60)
{
	static const char m1[] = "one", m2[] = "two", m3[] = "three";
	struct sched_param sp = { .sched_priority = 0 };
	struct hx_op a = { 0 }, b = { 0 }, c = { 0 };
	struct hx_uffd u1, u2;
	pthread_attr_t fifo, other;
	int cpu = sched_getcpu();
	char bbuf[64] = { 0 };
	bool b_slept, b_woke;
	cpu_set_t set;
	mx_handle_t p[2];

	ASSERT_LE(0, cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	HX_UFFD_OPEN(&u1, false);
	HX_UFFD_OPEN(&u2, false);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m1, sizeof(m1),
					     NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m2, sizeof(m2),
					     NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], (void *)m3, sizeof(m3),
					     NULL, 0, 0));
	ASSERT_EQ(0, pthread_attr_init(&fifo));
	ASSERT_EQ(0, pthread_attr_init(&other));
	ASSERT_EQ(0, pthread_attr_setinheritsched(&fifo,
						  PTHREAD_EXPLICIT_SCHED));
	ASSERT_EQ(0, pthread_attr_setinheritsched(&other,
						  PTHREAD_EXPLICIT_SCHED));
	ASSERT_EQ(0, pthread_attr_setschedpolicy(&other, SCHED_OTHER));
	ASSERT_EQ(0, pthread_attr_setschedparam(&other, &sp));
	sp.sched_priority = 10;
	ASSERT_EQ(0, pthread_attr_setschedpolicy(&fifo, SCHED_FIFO));
	ASSERT_EQ(0, pthread_attr_setschedparam(&fifo, &sp));

	a.h = b.h = c.h = p[0];
	a.buf = u1.page;
	c.buf = u2.page;
	b.buf = bbuf;
	a.nb = b.nb = c.nb = 64;
	ASSERT_EQ(0, hx_start_attr(&a, hx_read_fn, &fifo));
	ASSERT_TRUE(hx_uffd_wait_fault(&u1)) {
		TH_LOG("read A's copy-out never touched page 1");
	}
	ASSERT_EQ(0, hx_start_attr(&b, hx_read_fn, &other));
	ASSERT_TRUE(hx_wait_blocked(&b)) {
		TH_LOG("read B did not wait for A's claim");
	}
	ASSERT_EQ(0, hx_start_attr(&c, hx_read_fn, &fifo));
	ASSERT_TRUE(hx_wait_blocked(&c)) {
		TH_LOG("read C did not wait for A's claim");
	}
	pthread_attr_destroy(&fifo);
	pthread_attr_destroy(&other);

	/* A's claim ends; C, first on the CPU, claims m2 and stalls. */
	hx_uffd_resolve(&u1);
	ASSERT_TRUE(hx_uffd_wait_fault(&u2)) {
		TH_LOG("read C's copy-out never touched page 2");
	}
	ASSERT_EQ(0, hx_join(&a, HX_BOUND_S));
	b_slept = hx_wait_blocked(&b);
	hx_uffd_resolve(&u2);
	ASSERT_EQ(0, hx_join(&c, HX_BOUND_S));
	/* The end of C's claim alone must wake B. */
	b_woke = hx_join(&b, HX_BOUND_S) == 0;
	if (!b_woke) {
		/* Wake it otherwise (a write wakes p0's waiters), to clean up. */
		EXPECT_EQ(NO_ERROR, mx_msgpipe_write(p[1], "w", 1, NULL, 0, 0));
		ASSERT_EQ(0, hx_join(&b, HX_BOUND_S));
	}
	EXPECT_TRUE(b_slept) {
		TH_LOG("read B did not sleep during C's claim: %s",
		       atomic_load(&b.done) ?
		       mx_status_get_string(b.r) : "running");
	}
	EXPECT_TRUE(b_woke) {
		TH_LOG("the end of C's claim did not wake read B (%d s)",
		       HX_BOUND_S);
	}
	EXPECT_EQ(0, u1.err);
	EXPECT_EQ(0, u2.err);
	EXPECT_EQ(NO_ERROR, a.r);
	EXPECT_EQ(sizeof(m1), a.nb);
	EXPECT_EQ(0, memcmp(u1.page, m1, sizeof(m1)));
	EXPECT_EQ(NO_ERROR, c.r);
	EXPECT_EQ(sizeof(m2), c.nb);
	EXPECT_EQ(0, memcmp(u2.page, m2, sizeof(m2)));
	EXPECT_EQ(NO_ERROR, b.r);
	EXPECT_EQ(sizeof(m3), b.nb);
	EXPECT_EQ(0, memcmp(bbuf, m3, sizeof(m3)));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	hx_uffd_close(&u1);
	hx_uffd_close(&u2);
}

TEST_HARNESS_MAIN
