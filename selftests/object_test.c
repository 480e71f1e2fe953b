// SPDX-License-Identifier: GPL-2.0
/*
 * Objects: events (mx_event_create(), mx_object_signal()), mx_handle_get_info()
 * and koids, mx_handle_duplicate() and mx_handle_replace() on events, events
 * in waits, in messages, through export/import, across fork() and exec(),
 * ERR_WRONG_TYPE from the pipe calls, and how long an event lives.
 *
 * Every result code is checked where its call checks it: failing
 * conditions are combined so that only the documented order gives the
 * expected code (a handle without MX_RIGHT_WRITE and bad masks must give
 * ERR_ACCESS_DENIED, and so on).
 *
 * Nothing here sleeps to synchronise. A thread is known to be blocked in
 * its wait when /proc/self/task/<tid>/stat says 'S', its syscall file says
 * ioctl, and the module's "waiters" counter has grown by as many waits as
 * were started; another process is known to wait through that counter
 * alone. Timeouts only bound failures (BOUND_NS).
 *
 * Threads never use the harness's ASSERT/EXPECT: they record what they
 * saw, and the main thread checks after joining them. Children report by
 * exit code.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mx_test.h"

#define SIG_RWP		(SIG_R | SIG_W | SIG_PC)

#define R_DUP		MX_RIGHT_DUPLICATE
#define R_XFER		MX_RIGHT_TRANSFER
#define R_READ		MX_RIGHT_READ
#define R_WRITE		MX_RIGHT_WRITE
#define EV_RIGHTS	(R_DUP | R_XFER | R_READ | R_WRITE)
#define PIPE_RIGHTS	(R_XFER | R_READ | R_WRITE)

#define BASIC_SIZE	24	/* what MX_INFO_HANDLE_BASIC writes */
#define POISON		0xccccccccu
#define NSEC_PER_SEC	1000000000ull
#define BOUND_S		20	/* failure bound of any wait */
#define BOUND_NS	(BOUND_S * NSEC_PER_SEC)

_Static_assert(sizeof(mx_handle_basic_info_t) == BASIC_SIZE,
	       "mx_handle_basic_info_t is not 24 bytes");

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static long events_now(void)
{
	return mx_stat_read("events");
}

/* ---- handles and their objects -------------------------------------------- */

/* MX_INFO_HANDLE_BASIC of @h into a poisoned *@bi: the call's result. */
static mx_ssize_t info_of(mx_handle_t h, mx_handle_basic_info_t *bi)
{
	memset(bi, 0xcc, sizeof(*bi));
	return mx_handle_get_info(h, MX_INFO_HANDLE_BASIC, bi, sizeof(*bi));
}

/* The koid of @h, or MX_KOID_INVALID if get_info fails. */
static mx_koid_t koid_of(mx_handle_t h)
{
	mx_handle_basic_info_t bi;

	return info_of(h, &bi) == BASIC_SIZE ? bi.koid : MX_KOID_INVALID;
}

/* The rights of @h, or POISON if get_info fails. */
static mx_rights_t rights_of(mx_handle_t h)
{
	mx_handle_basic_info_t bi;

	return info_of(h, &bi) == BASIC_SIZE ? bi.rights : POISON;
}

/* Is @h a handle of this process? */
static bool valid(mx_handle_t h)
{
	return mx_handle_get_info(h, MX_INFO_HANDLE_VALID, NULL, 0) == NO_ERROR;
}

#define EXPECT_INFO(h, k_, r_, t_) do {					\
	mx_handle_basic_info_t __bi;					\
	EXPECT_EQ(BASIC_SIZE, info_of(h, &__bi));			\
	EXPECT_EQ((mx_koid_t)(k_), __bi.koid);				\
	EXPECT_EQ((uint32_t)(r_), __bi.rights);				\
	EXPECT_EQ((uint32_t)(t_), __bi.type);				\
	EXPECT_EQ(MX_OBJ_PROP_WAITABLE, __bi.props);			\
} while (0)

#define EXPECT_EVENT(h, k_, r_) EXPECT_INFO(h, k_, r_, MX_OBJ_TYPE_EVENT)

/*
 * The satisfied signals of event @h now, read with a zero-timeout wait for
 * any user signal (the handle needs READ). POISON if the wait's result
 * does not agree with the state, or the satisfiable set is not SIG_ALL.
 */
static uint32_t ev_sat(mx_handle_t h)
{
	mx_signals_state_t st = { POISON, POISON };
	mx_status_t r = mx_handle_wait_one(h, SIG_ALL, 0, &st);

	if (st.satisfiable != SIG_ALL || (st.satisfied & ~SIG_ALL))
		return POISON;
	if (r != (st.satisfied ? NO_ERROR : ERR_TIMED_OUT))
		return POISON;
	return st.satisfied;
}

#define EXPECT_EV_STATE(h, sat) EXPECT_EQ((uint32_t)(sat), ev_sat(h))

#define EXPECT_STATE(st, sat, able) do {				\
	EXPECT_EQ((uint32_t)(sat), (st).satisfied);			\
	EXPECT_EQ((uint32_t)(able), (st).satisfiable);			\
} while (0)

/* A new event, asserted. */
#define NEW_EVENT(h) do {						\
	(h) = mx_event_create(0);					\
	ASSERT_LT(0, (h)) TH_LOG("mx_event_create: %d", (h));		\
} while (0)

/* A duplicate of @src with @rights, asserted. */
#define DUP(d, src, rights) do {					\
	(d) = mx_handle_duplicate((src), (rights));			\
	ASSERT_LT(0, (d)) TH_LOG("mx_handle_duplicate: %d", (d));	\
} while (0)

/* A PROT_READ page: a buffer the kernel must not be able to write. */
static void *ro_page(void)
{
	void *p = mmap(NULL, mx_page_size(), PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Read one message carrying at most @cap handles from @h; *n: handles. */
static mx_status_t read_handles(mx_handle_t h, void *bytes, uint32_t nbytes,
				mx_handle_t *hs, uint32_t cap, uint32_t *n)
{
	uint32_t nb = nbytes, nh = cap;
	mx_status_t r;

	r = mx_msgpipe_read(h, bytes, &nb, hs, &nh, 0);
	*n = r == NO_ERROR ? nh : 0;
	return r;
}

/* Nothing is queued for @h (its peer is alive). */
static bool queue_empty(mx_handle_t h)
{
	uint32_t nb = 0, nh = 0;

	return mx_msgpipe_read(h, NULL, &nb, NULL, &nh, 0) == ERR_BAD_STATE;
}

/* ---- threads blocked in a wait -------------------------------------------- */

/*
 * One wait made by a helper thread: wait_one on h when n is 0, else
 * wait_many on hs[0..n). The thread publishes its tid, waits, sets done.
 */
struct op {
	pthread_t thr;
	bool started;
	_Atomic pid_t tid;
	atomic_bool done;
	mx_handle_t h;
	mx_signals_t sig;
	uint32_t n;
	mx_handle_t hs[4];
	mx_signals_t sigs[4];
	mx_signals_state_t sts[4];
	mx_time_t timeout;
	mx_status_t r;
	uint32_t index;
	mx_signals_state_t st;
};

static void *op_fn(void *arg)
{
	struct op *op = arg;

	atomic_store(&op->tid, (pid_t)syscall(SYS_gettid));
	if (op->n)
		op->r = mx_handle_wait_many(op->n, op->hs, op->sigs,
					    op->timeout, &op->index, op->sts);
	else
		op->r = mx_handle_wait_one(op->h, op->sig, op->timeout,
					   &op->st);
	atomic_store(&op->done, true);
	return NULL;
}

/* A wait_one on @h for @sig, bounded by BOUND_NS. */
static void op_one(struct op *op, mx_handle_t h, mx_signals_t sig)
{
	memset(op, 0, sizeof(*op));
	op->h = h;
	op->sig = sig;
	op->timeout = BOUND_NS;
	op->r = POISON;
	op->index = POISON;
	op->st.satisfied = op->st.satisfiable = POISON;
}

/* A wait_many on @n handles, bounded by BOUND_NS. */
static void op_many(struct op *op, uint32_t n, const mx_handle_t *hs,
		    const mx_signals_t *sigs)
{
	op_one(op, MX_HANDLE_INVALID, 0);
	op->n = n;
	memcpy(op->hs, hs, n * sizeof(*hs));
	memcpy(op->sigs, sigs, n * sizeof(*sigs));
	memset(op->sts, 0xcc, sizeof(op->sts));
}

/*
 * Until (bounded) @op's thread sleeps in its ioctl and the module counts
 * at least @waiters waits. False if the wait returned, or the bound passed.
 */
static bool op_blocked(struct op *op, long waiters)
{
	return mx_thread_blocked(&op->tid, &op->done, waiters, BOUND_NS);
}

/* Until (bounded) the module counts at least @waiters waits. */
static bool await_waiters(long waiters)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (mx_stat_read("waiters") < waiters) {
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

static int op_start(struct op *op)
{
	atomic_store(&op->tid, 0);
	atomic_store(&op->done, false);
	if (pthread_create(&op->thr, NULL, op_fn, op))
		return -1;
	op->started = true;
	return 0;
}

/* Join within the bound: 0, or -1 if the thread is still running. */
static int op_join(struct op *op)
{
	struct timespec ts;

	if (!op->started)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += BOUND_S + 5;
	if (pthread_timedjoin_np(op->thr, NULL, &ts))
		return -1;
	op->started = false;
	return 0;
}

/* Start @op and return once it is the @nth wait blocked in the module. */
#define START_BLOCKED(op, nth) do {					\
	ASSERT_EQ(0, op_start(op));					\
	ASSERT_TRUE(op_blocked((op), self->base.waiters + (nth)))	\
		TH_LOG("the wait never blocked (rc %d)", (op)->r);	\
} while (0)

#define JOIN(op) ASSERT_EQ(0, op_join(op)) TH_LOG("the wait did not end")

/* ---- the version ------------------------------------------------------------ */

TEST(version_reports_objects)
{
	struct mx_ioc_version v;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	memset(&v, 0xcc, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, MX_IOC_GET_VERSION, &v));
	/* ABI 2.1: 2.0 plus events, object_signal and get_info. */
	EXPECT_EQ(2, v.abi_major);
	EXPECT_LE(1, v.abi_minor);
	EXPECT_EQ(MX_FEATURE_OBJECTS, v.features & MX_FEATURE_OBJECTS);
	EXPECT_EQ(0, close(fd));
}

/*
 * The new ioctls themselves, on an open of the device of our own (a table
 * of its own): the errno of each status, the byte count get_info returns,
 * the pad fields.
 */
TEST(abi_raw_ioctls)
{
	struct mx_ioc_event_create ec = { .options = 0, .handle = -1 };
	struct mx_ioc_object_signal os;
	struct mx_ioc_handle_get_info gi;
	struct mx_handle_basic_info bi;
	struct mx_ioc_wait_one wo;
	struct mx_signals_state st;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	__s32 h;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MX_IOC_EVENT_CREATE, &ec));
	ASSERT_LT(0, ec.handle);
	h = ec.handle;
	ec.options = 1;
	ec.handle = -1;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_EVENT_CREATE, &ec));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ec.handle);

	memset(&os, 0, sizeof(os));
	os.handle = h;
	os.set_mask = S1;
	os.pad = 1;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_OBJECT_SIGNAL, &os));
	EXPECT_EQ(EINVAL, errno);
	os.pad = 0;
	EXPECT_EQ(0, ioctl(fd, MX_IOC_OBJECT_SIGNAL, &os));
	os.set_mask = SIG_R;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_OBJECT_SIGNAL, &os));
	EXPECT_EQ(EINVAL, errno);
	os.handle = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_OBJECT_SIGNAL, &os));
	EXPECT_EQ(EBADSLT, errno);

	memset(&gi, 0, sizeof(gi));
	memset(&bi, 0xcc, sizeof(bi));
	gi.handle = h;
	gi.topic = MX_INFO_HANDLE_BASIC;
	gi.info = (uintptr_t)&bi;
	gi.info_size = sizeof(bi);
	EXPECT_EQ(BASIC_SIZE, ioctl(fd, MX_IOC_HANDLE_GET_INFO, &gi));
	EXPECT_NE(0, bi.koid);
	EXPECT_EQ(EV_RIGHTS, bi.rights);
	EXPECT_EQ(MX_OBJ_TYPE_EVENT, bi.type);
	EXPECT_EQ(MX_OBJ_PROP_WAITABLE, bi.props);
	EXPECT_EQ(0, bi.reserved);
	gi.topic = MX_INFO_HANDLE_VALID;
	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_GET_INFO, &gi));
	gi.topic = MX_INFO_HANDLE_BASIC;
	gi.info_size = BASIC_SIZE - 1;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_GET_INFO, &gi));
	EXPECT_EQ(EMSGSIZE, errno);

	/* The signal set above, through this table's wait. */
	memset(&wo, 0, sizeof(wo));
	wo.handle = h;
	wo.signals = SIG_ALL;
	wo.state = (uintptr_t)&st;
	EXPECT_EQ(0, ioctl(fd, MX_IOC_WAIT_ONE, &wo));
	EXPECT_STATE(st, S1, SIG_ALL);

	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h));
	gi.info_size = sizeof(bi);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_GET_INFO, &gi));
	EXPECT_EQ(EBADSLT, errno);
	EXPECT_EQ(0, close(fd));
}

/* ---- mx_event_create ---------------------------------------------------- */

TEST_F(mx, event_create_rights_and_state)
{
	mx_handle_t e;
	mx_koid_t k;

	NEW_EVENT(e);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(self->base.handles + 1, mx_stat_read("handles"));
	k = koid_of(e);
	EXPECT_NE(MX_KOID_INVALID, k);
	EXPECT_EVENT(e, k, EV_RIGHTS);
	/* Nothing satisfied, every user signal satisfiable, nothing else. */
	EXPECT_EV_STATE(e, 0);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_FALSE(valid(e));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(e));
}

TEST_F(mx, event_create_invalid_options)
{
	static const uint32_t bad[] = { 1, 2, 0x80000000u, 0xffffffffu };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_event_create(bad[i]))
			TH_LOG("options 0x%x", bad[i]);
	/* Nothing was made. */
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
}

/* Two events are two objects: own koids, own signals. */
TEST_F(mx, event_create_each_is_new)
{
	mx_handle_t a, b;

	NEW_EVENT(a);
	NEW_EVENT(b);
	EXPECT_NE(a, b);
	EXPECT_NE(koid_of(a), koid_of(b));
	EXPECT_EQ(self->base.events + 2, events_now());
	EXPECT_EQ(NO_ERROR, mx_object_signal(a, 0, S1));
	EXPECT_EV_STATE(a, S1);
	EXPECT_EV_STATE(b, 0);
	EXPECT_EQ(NO_ERROR, mx_handle_close(a));
	EXPECT_EV_STATE(b, 0);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(b));
}

/* ---- mx_object_signal: the order of the checks ---------------------------- */

TEST_F(mx, signal_bad_handle_first)
{
	mx_handle_t stale = mx_dead_handle(), e;

	ASSERT_LT(0, stale);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));	/* a stale event handle */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(MX_HANDLE_INVALID, 0, S0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(-1, 0, S0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(stale, 0, 0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(e, 0, S0));
	/* Before the masks. */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(e, ~0u, ~0u));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(stale, SIG_R, SIG_W));
}

TEST_F(mx, signal_access_denied_before_type_and_masks)
{
	mx_handle_t e, ro, p[2], pr;

	NEW_EVENT(e);
	DUP(ro, e, EV_RIGHTS & ~R_WRITE);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(ro, 0, S0));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(ro, 0, 0));
	/* Before the masks. */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(ro, ~0u, SIG_R));
	/* Nothing changed. */
	EXPECT_EV_STATE(e, 0);

	/* A pipe handle without WRITE: the right comes before the type. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	pr = mx_handle_replace(p[0], R_READ | R_XFER);
	ASSERT_LT(0, pr);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(pr, 0, S0));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(pr, SIG_R, SIG_PC));

	EXPECT_EQ(NO_ERROR, mx_handle_close(pr));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ro));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_F(mx, signal_pipe_not_supported_before_masks)
{
	mx_signals_state_t st;
	mx_handle_t p[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[0], 0, S0));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[1], S0, 0));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[0], 0, 0));
	/* Bad masks on a pipe: the type decides first. */
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[0], SIG_R, SIG_PC));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[0], ~0u, ~0u));
	/* The endpoint's signals did not move. */
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(p[0], SIG_R | SIG_PC | SIG_ALL,
						   0, &st));
	EXPECT_STATE(st, SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

TEST_F(mx, signal_invalid_masks)
{
	mx_handle_t e;
	unsigned int b;

	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0 | S3));
	for (b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;

		if (bit & SIG_ALL)
			continue;
		EXPECT_EQ(ERR_INVALID_ARGS, mx_object_signal(e, bit, 0))
			TH_LOG("clear 0x%x", bit);
		EXPECT_EQ(ERR_INVALID_ARGS, mx_object_signal(e, 0, bit))
			TH_LOG("set 0x%x", bit);
		/* One bad bit spoils masks that are otherwise fine. */
		EXPECT_EQ(ERR_INVALID_ARGS,
			  mx_object_signal(e, SIG_ALL, S1 | bit));
		EXPECT_EQ(ERR_INVALID_ARGS,
			  mx_object_signal(e, S0 | bit, SIG_ALL));
	}
	EXPECT_EQ(ERR_INVALID_ARGS, mx_object_signal(e, ~0u, ~0u));
	/* None of them changed anything. */
	EXPECT_EV_STATE(e, S0 | S3);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/*
 * satisfied = (satisfied & ~clear) | set, for every state, clear mask and
 * set mask over the five user signals; changing nothing is NO_ERROR too.
 */
TEST_F_TIMEOUT(mx, signal_clear_then_set_all_combinations, 120)
{
	uint32_t old, clr, set, got, want, wrong = 0;
	mx_handle_t e;
	mx_status_t r;

	NEW_EVENT(e);
	for (old = 0; old < 32; old++) {
		for (clr = 0; clr < 32; clr++) {
			for (set = 0; set < 32; set++) {
				r = mx_object_signal(e, SIG_ALL, old << 3);
				if (r == NO_ERROR)
					r = mx_object_signal(e, clr << 3,
							     set << 3);
				got = r == NO_ERROR ? ev_sat(e) : POISON;
				want = ((old & ~clr) | set) << 3;
				if (got == want)
					continue;
				if (!wrong++)
					TH_LOG("state 0x%x, clear 0x%x, set 0x%x: got 0x%x (%d), want 0x%x",
					       old << 3, clr << 3, set << 3,
					       got, r, want);
			}
		}
	}
	EXPECT_EQ(0, wrong);
	/* The same bit in both masks ends up set. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, SIG_ALL, 0));
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, S2, S2));
	EXPECT_EV_STATE(e, S2);
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, SIG_ALL, SIG_ALL));
	EXPECT_EV_STATE(e, SIG_ALL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* WRITE alone signals; the state belongs to the event, seen by all. */
TEST_F(mx, signal_write_right_suffices)
{
	mx_handle_t e, w;

	NEW_EVENT(e);
	DUP(w, e, R_WRITE);
	EXPECT_EQ(R_WRITE, rights_of(w));
	EXPECT_EQ(NO_ERROR, mx_object_signal(w, 0, S4));
	EXPECT_EV_STATE(e, S4);
	/* It cannot look: waiting needs READ. */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(w, S4, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_object_signal(w, S4, S0));
	EXPECT_EV_STATE(e, S0);
	EXPECT_EQ(NO_ERROR, mx_handle_close(w));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- mx_handle_get_info ------------------------------------------------- */

TEST_F(mx, get_info_bad_handle_first)
{
	static const uint32_t topics[] = {
		MX_INFO_HANDLE_VALID, MX_INFO_HANDLE_BASIC, 2, 7, 0xffffffffu,
	};
	mx_handle_t stale = mx_dead_handle(), e, hs[4];
	mx_handle_basic_info_t bi;
	unsigned int i, j;

	ASSERT_LT(0, stale);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	hs[0] = MX_HANDLE_INVALID;
	hs[1] = -1;
	hs[2] = stale;
	hs[3] = e;
	for (i = 0; i < 4; i++) {
		for (j = 0; j < sizeof(topics) / sizeof(topics[0]); j++) {
			memset(&bi, 0xcc, sizeof(bi));
			EXPECT_EQ(ERR_BAD_HANDLE,
				  mx_handle_get_info(hs[i], topics[j], &bi,
						     sizeof(bi)))
				TH_LOG("handle %d, topic %u", hs[i], topics[j]);
			EXPECT_EQ(POISON, bi.rights);
			/* Before the buffer checks. */
			EXPECT_EQ(ERR_BAD_HANDLE,
				  mx_handle_get_info(hs[i], topics[j], NULL, 0));
			EXPECT_EQ(ERR_BAD_HANDLE,
				  mx_handle_get_info(hs[i], topics[j], &bi, 1));
		}
	}
}

TEST_F(mx, get_info_valid_topic)
{
	mx_handle_t e, p[2];
	unsigned char buf[32];
	void *ro = ro_page();

	ASSERT_NE(NULL, ro);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(e, MX_INFO_HANDLE_VALID, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(p[0], MX_INFO_HANDLE_VALID,
					       NULL, 0));
	/* The buffer is ignored: not written, not even checked. */
	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(p[1], MX_INFO_HANDLE_VALID,
					       buf, sizeof(buf)));
	for (unsigned int i = 0; i < sizeof(buf); i++)
		EXPECT_EQ(0x5a, buf[i]);
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(e, MX_INFO_HANDLE_VALID, ro,
					       BASIC_SIZE));
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(e, MX_INFO_HANDLE_VALID, NULL,
					       BASIC_SIZE));
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(e, MX_INFO_HANDLE_VALID, buf, 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	munmap(ro, mx_page_size());
}

/* NULL, then the size, then writability; each before the next. */
TEST_F(mx, get_info_basic_checks_in_order)
{
	mx_handle_basic_info_t bi;
	long psz = mx_page_size();
	unsigned char *two;
	mx_handle_t e;
	void *ro = ro_page();

	ASSERT_NE(NULL, ro);
	NEW_EVENT(e);
	/* NULL info: ERR_INVALID_ARGS, before the size is looked at. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, NULL, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, NULL, 1));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, NULL, BASIC_SIZE));
	/* Too small: nothing written. */
	memset(&bi, 0xcc, sizeof(bi));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, &bi, 0));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, &bi, 1));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, &bi,
				     BASIC_SIZE - 1));
	EXPECT_EQ(0xccccccccccccccccull, bi.koid);
	EXPECT_EQ(POISON, bi.rights);
	EXPECT_EQ(POISON, bi.type);
	EXPECT_EQ(POISON, bi.props);
	/* Too small and unwritable: the size decides first. */
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, ro,
				     BASIC_SIZE - 1));
	/* Big enough and unwritable: ERR_INVALID_ARGS. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, ro, BASIC_SIZE));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC,
				     (void *)(uintptr_t)0xffff880000000000ull,
				     BASIC_SIZE));
	/* Writable except for its last bytes: ERR_INVALID_ARGS too. */
	two = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + psz, psz, PROT_NONE));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC,
				     two + psz - BASIC_SIZE / 2, BASIC_SIZE));
	/* And at the very end of the page, it fits. */
	EXPECT_EQ(BASIC_SIZE,
		  mx_handle_get_info(e, MX_INFO_HANDLE_BASIC,
				     two + psz - BASIC_SIZE, BASIC_SIZE));
	memcpy(&bi, two + psz - BASIC_SIZE, sizeof(bi));
	EXPECT_EQ(koid_of(e), bi.koid);
	EXPECT_EQ(EV_RIGHTS, bi.rights);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	munmap(two, 2 * psz);
	munmap(ro, psz);
}

TEST_F(mx, get_info_unknown_topic)
{
	static const uint32_t topics[] = { 2, 3, 0x100, 0x80000000u, 0xffffffffu };
	unsigned char buf[64];
	mx_handle_t e, p[2];
	unsigned int i, j;

	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		mx_handle_t hs[2] = { e, p[0] };

		for (j = 0; j < 2; j++) {
			memset(buf, 0x5a, sizeof(buf));
			EXPECT_EQ(ERR_INVALID_ARGS,
				  mx_handle_get_info(hs[j], topics[i], buf,
						     sizeof(buf)))
				TH_LOG("topic 0x%x", topics[i]);
			EXPECT_EQ(0x5a, buf[0]);
			EXPECT_EQ(ERR_INVALID_ARGS,
				  mx_handle_get_info(hs[j], topics[i], NULL, 0));
		}
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* A larger buffer gets 24 bytes, the last 4 (padding) as 0; no more. */
TEST_F(mx, get_info_larger_buffer)
{
	struct mx_handle_basic_info raw;
	unsigned char buf[64];
	mx_handle_t e;
	unsigned int i;

	NEW_EVENT(e);
	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(BASIC_SIZE, mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, buf,
						 sizeof(buf)));
	memcpy(&raw, buf, sizeof(raw));
	EXPECT_EQ(koid_of(e), raw.koid);
	EXPECT_EQ(EV_RIGHTS, raw.rights);
	EXPECT_EQ(MX_OBJ_TYPE_EVENT, raw.type);
	EXPECT_EQ(MX_OBJ_PROP_WAITABLE, raw.props);
	EXPECT_EQ(0, raw.reserved);
	for (i = BASIC_SIZE; i < sizeof(buf); i++)
		EXPECT_EQ(0x5a, buf[i]) TH_LOG("byte %u", i);
	/* A huge size is fine too. */
	EXPECT_EQ(BASIC_SIZE, mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, buf,
						 (mx_size_t)-1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Neither topic needs a right. */
TEST_F(mx, get_info_needs_no_right)
{
	mx_handle_t e, none, p[2], pn;
	mx_koid_t k, kp;

	NEW_EVENT(e);
	k = koid_of(e);
	DUP(none, e, 0);
	EXPECT_EQ(NO_ERROR, mx_handle_get_info(none, MX_INFO_HANDLE_VALID,
					       NULL, 0));
	EXPECT_EVENT(none, k, 0);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	kp = koid_of(p[0]);
	pn = mx_handle_replace(p[0], 0);
	ASSERT_LT(0, pn);
	EXPECT_INFO(pn, kp, 0, MX_OBJ_TYPE_MESSAGE_PIPE);
	EXPECT_EQ(NO_ERROR, mx_handle_close(pn));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(none));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Pipe ends: their type, rights and props, two koids. */
TEST_F(mx, get_info_pipe_ends)
{
	mx_handle_t p[2], q[2];
	mx_koid_t k0, k1, kq0, kq1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, MX_FLAG_REPLY_PIPE));
	k0 = koid_of(p[0]);
	k1 = koid_of(p[1]);
	kq0 = koid_of(q[0]);
	kq1 = koid_of(q[1]);
	EXPECT_NE(MX_KOID_INVALID, k0);
	EXPECT_NE(MX_KOID_INVALID, k1);
	EXPECT_NE(MX_KOID_INVALID, kq0);
	EXPECT_NE(MX_KOID_INVALID, kq1);
	EXPECT_INFO(p[0], k0, PIPE_RIGHTS, MX_OBJ_TYPE_MESSAGE_PIPE);
	EXPECT_INFO(p[1], k1, PIPE_RIGHTS, MX_OBJ_TYPE_MESSAGE_PIPE);
	EXPECT_INFO(q[0], kq0, PIPE_RIGHTS, MX_OBJ_TYPE_MESSAGE_PIPE);
	EXPECT_INFO(q[1], kq1, PIPE_RIGHTS, MX_OBJ_TYPE_MESSAGE_PIPE);
	/* Four objects, four koids. */
	EXPECT_NE(k0, k1);
	EXPECT_NE(kq0, kq1);
	EXPECT_NE(k0, kq0);
	EXPECT_NE(k0, kq1);
	EXPECT_NE(k1, kq0);
	EXPECT_NE(k1, kq1);
	/* A dead peer changes nothing of what the survivor reports. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_INFO(p[0], k0, PIPE_RIGHTS, MX_OBJ_TYPE_MESSAGE_PIPE);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[1]));
}

/* ---- koids ----------------------------------------------------------------- */

/*
 * Koids of a million events made and closed one after the other: each is
 * new, above every koid seen before (so none repeats), and so are those of
 * the objects made after them. An id that is reused (derived from an
 * address or a slot, or recycled on free) repeats at the second round
 * already; the long run is for a counter that wraps (any of up to 19
 * bits). 3 ioctls per event take 25-40 us under QEMU TCG: 30-40 s.
 *
 * A kernel built to find bugs (KASAN, lockdep and kmemleak for make
 * check-debug, KCSAN for make check-kcsan) makes each round 20-30 times
 * slower (0.5-0.8 ms under TCG): a million rounds would take 10 minutes or
 * more. There the loop is run for what that kernel checks, the memory of
 * the create and free paths, not for a narrow counter (the default
 * kernel's run finds that), and 2^14 + 1 rounds (10-15 s) do it as well.
 */
#define KOID_ROUNDS		1000000u
#define KOID_ROUNDS_DEBUG	((1u << 14) + 1)

/* Is this a kernel built with kmemleak or KCSAN (the rig's debug ones)? */
static bool instrumented_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK) ||
	       !access("/sys/kernel/debug/kcsan", F_OK);
}

TEST_F_TIMEOUT(mx, koids_never_repeat, 180)
{
	const uint32_t rounds = instrumented_kernel() ? KOID_ROUNDS_DEBUG :
							KOID_ROUNDS;
	mx_koid_t prev, first = 0, k;
	mx_handle_basic_info_t bi;
	uint32_t i, bad = 0;
	uint64_t t0 = now_ns();
	mx_handle_t p[2], e;
	mx_ssize_t r;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	prev = koid_of(p[0]) > koid_of(p[1]) ? koid_of(p[0]) : koid_of(p[1]);
	ASSERT_NE(MX_KOID_INVALID, prev);
	for (i = 0; i < rounds; i++) {
		e = mx_event_create(0);
		if (e <= 0) {
			TH_LOG("round %u: mx_event_create: %d", i, e);
			bad++;
			break;
		}
		r = mx_handle_get_info(e, MX_INFO_HANDLE_BASIC, &bi, sizeof(bi));
		if (r != BASIC_SIZE || bi.type != MX_OBJ_TYPE_EVENT ||
		    bi.koid <= prev) {
			if (!bad)
				TH_LOG("round %u: get_info %ld, type %u, koid %llu after %llu",
				       i, (long)r, bi.type,
				       (unsigned long long)bi.koid,
				       (unsigned long long)prev);
			bad++;
		}
		if (!first)
			first = bi.koid;
		prev = bi.koid;
		if (mx_handle_close(e) != NO_ERROR) {
			bad++;
			break;
		}
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(rounds, i);
	EXPECT_EQ(self->base.events, events_now());
	TH_LOG("%u events, koids %llu..%llu, %.1f s", i,
	       (unsigned long long)first, (unsigned long long)prev,
	       (now_ns() - t0) / 1e9);
	/* What comes after is new too. */
	NEW_EVENT(e);
	EXPECT_LT(prev, koid_of(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	k = koid_of(p[0]) < koid_of(p[1]) ? koid_of(p[0]) : koid_of(p[1]);
	EXPECT_LT(prev, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* Duplicates and replacements name the same object: the same koid. */
TEST_F(mx, koid_kept_by_duplicate_and_replace)
{
	mx_handle_t e, d, r, p[2], pr;
	mx_koid_t k, kp;

	NEW_EVENT(e);
	k = koid_of(e);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	EXPECT_EQ(k, koid_of(d));
	r = mx_handle_replace(d, R_READ);
	ASSERT_LT(0, r);
	EXPECT_EQ(k, koid_of(r));
	EXPECT_EQ(MX_KOID_INVALID, koid_of(d));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	kp = koid_of(p[1]);
	pr = mx_handle_replace(p[1], R_READ | R_XFER);
	ASSERT_LT(0, pr);
	EXPECT_EQ(kp, koid_of(pr));
	EXPECT_NE(koid_of(p[0]), koid_of(pr));
	EXPECT_EQ(NO_ERROR, mx_handle_close(pr));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- mx_handle_duplicate ------------------------------------------------- */

TEST_F(mx, duplicate_same_rights)
{
	mx_handle_t e, d;
	mx_koid_t k;

	NEW_EVENT(e);
	k = koid_of(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S2));
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	EXPECT_NE(e, d);
	EXPECT_EVENT(d, k, EV_RIGHTS);
	EXPECT_EVENT(e, k, EV_RIGHTS);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(self->base.handles + 2, mx_stat_read("handles"));
	/* One object: a signal through one handle is seen through both. */
	EXPECT_EV_STATE(d, S2);
	EXPECT_EQ(NO_ERROR, mx_object_signal(d, S2, S0));
	EXPECT_EV_STATE(e, S0);
	/* Independent handles: closing the source leaves the duplicate. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_FALSE(valid(e));
	EXPECT_EVENT(d, k, EV_RIGHTS);
	EXPECT_EV_STATE(d, S0);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(self->base.events, events_now());
}

/*
 * Every subset of the event's rights (0 and the full set included) gives a
 * handle with exactly those rights, and each right does what it allows.
 */
TEST_F(mx, duplicate_every_subset)
{
	mx_handle_t e, d, dd, back;
	mx_rights_t s;
	mx_koid_t k;
	int fd;

	NEW_EVENT(e);
	k = koid_of(e);
	for (s = 0; s <= EV_RIGHTS && _metadata->passed; s++) {
		DUP(d, e, s);
		EXPECT_EVENT(d, k, s);
		/* READ: may wait. */
		EXPECT_EQ(s & R_READ ? ERR_TIMED_OUT : ERR_ACCESS_DENIED,
			  mx_handle_wait_one(d, S1, 0, NULL));
		/* WRITE: may signal, and the event sees it. */
		EXPECT_EQ(s & R_WRITE ? NO_ERROR : ERR_ACCESS_DENIED,
			  mx_object_signal(d, 0, S1));
		EXPECT_EV_STATE(e, s & R_WRITE ? S1 : 0);
		ASSERT_EQ(NO_ERROR, mx_object_signal(e, S1, 0));
		/* DUPLICATE: may be duplicated again, with the same rights. */
		dd = mx_handle_duplicate(d, MX_RIGHT_SAME_RIGHTS);
		if (s & R_DUP) {
			ASSERT_LT(0, dd);
			EXPECT_EVENT(dd, k, s);
			EXPECT_EQ(NO_ERROR, mx_handle_close(dd));
		} else {
			EXPECT_EQ(ERR_ACCESS_DENIED, dd);
		}
		/* TRANSFER: may be exported, and comes back the same. */
		fd = -1;
		EXPECT_EQ(s & R_XFER ? NO_ERROR : ERR_ACCESS_DENIED,
			  mx_handle_export(d, MX_EXPORT_CLOEXEC, &fd));
		if (fd >= 0) {
			EXPECT_FALSE(valid(d));
			ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &back));
			EXPECT_EQ(0, close(fd));
			EXPECT_EVENT(back, k, s);
			d = back;
		} else {
			EXPECT_EVENT(d, k, s);
		}
		EXPECT_EQ(NO_ERROR, mx_handle_close(d));
		if (!_metadata->passed)
			TH_LOG("with rights 0x%x", s);
	}
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Rights never grow: a superset is ERR_INVALID_ARGS, and nothing is made. */
TEST_F(mx, duplicate_superset_invalid_args)
{
	static const mx_rights_t bad[] = {
		MX_RIGHT_EXECUTE, MX_RIGHT_DEBUG, EV_RIGHTS | MX_RIGHT_EXECUTE,
		MX_RIGHT_SAME_RIGHTS | R_READ, 0x7fffffffu, 0xffffffffu,
	};
	mx_handle_t e, d;
	unsigned int i;

	NEW_EVENT(e);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(e, bad[i]))
			TH_LOG("rights 0x%x", bad[i]);
	/* From a reduced handle, its own rights are the limit. */
	DUP(d, e, R_DUP | R_READ);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(d, R_READ | R_WRITE));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(d, R_XFER));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(d, EV_RIGHTS));
	EXPECT_EQ(self->base.handles + 2, mx_stat_read("handles"));
	EXPECT_EVENT(d, koid_of(e), R_DUP | R_READ);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/*
 * Without MX_RIGHT_DUPLICATE: ERR_ACCESS_DENIED, whatever the rights asked
 * (the right is checked before the rights asked for).
 */
TEST_F(mx, duplicate_without_duplicate_right)
{
	static const mx_rights_t any[] = {
		MX_RIGHT_SAME_RIGHTS, 0, R_READ, R_READ | R_WRITE | R_XFER,
		R_DUP, EV_RIGHTS, 0xffffffffu,
	};
	mx_handle_t e, nd, r;
	unsigned int i;
	mx_koid_t k;

	NEW_EVENT(e);
	k = koid_of(e);
	DUP(nd, e, R_READ | R_WRITE | R_XFER);
	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++)
		EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(nd, any[i]))
			TH_LOG("rights 0x%x", any[i]);
	EXPECT_EQ(self->base.handles + 2, mx_stat_read("handles"));
	/* Replace needs no right, and cannot add DUPLICATE back. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(nd, EV_RIGHTS));
	r = mx_handle_replace(nd, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, r);
	EXPECT_EVENT(r, k, R_READ | R_WRITE | R_XFER);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(r, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Pipe ends never hold DUPLICATE: ERR_ACCESS_DENIED, even for a superset. */
TEST_F(mx, duplicate_pipe_access_denied)
{
	static const mx_rights_t any[] = {
		MX_RIGHT_SAME_RIGHTS, 0, R_READ, PIPE_RIGHTS, EV_RIGHTS,
		0xffffffffu,
	};
	mx_handle_t p[2];
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(p[0], any[i]));
		EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(p[1], any[i]));
	}
	EXPECT_EQ(self->base.handles + 2, mx_stat_read("handles"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

TEST_F(mx, duplicate_bad_handle_first)
{
	mx_handle_t stale = mx_dead_handle(), e;

	ASSERT_LT(0, stale);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(MX_HANDLE_INVALID,
						      MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(-1, 0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(stale, 0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS));
	/* Before the rights. */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(e, 0xffffffffu));
	EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
}

/* ---- mx_handle_replace on events ------------------------------------------- */

TEST_F(mx, replace_event)
{
	static const mx_rights_t bad[] = {
		MX_RIGHT_EXECUTE, R_WRITE, MX_RIGHT_SAME_RIGHTS | R_READ,
		0xffffffffu,
	};
	mx_handle_t e, r, r2, r3;
	unsigned int i;
	mx_koid_t k;

	NEW_EVENT(e);
	k = koid_of(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S3));
	/* Same rights: a new value, the old one dead, the object unchanged. */
	r = mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, r);
	EXPECT_NE(e, r);
	EXPECT_FALSE(valid(e));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(e, 0, S0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EVENT(r, k, EV_RIGHTS);
	EXPECT_EV_STATE(r, S3);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(self->base.handles + 1, mx_stat_read("handles"));
	/* A subset. */
	r2 = mx_handle_replace(r, R_READ | R_XFER);
	ASSERT_LT(0, r2);
	EXPECT_FALSE(valid(r));
	EXPECT_EVENT(r2, k, R_READ | R_XFER);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(r2, 0, S0));
	EXPECT_EV_STATE(r2, S3);
	/* Supersets fail and leave the handle alone. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(r2, bad[i]))
			TH_LOG("rights 0x%x", bad[i]);
	EXPECT_EVENT(r2, k, R_READ | R_XFER);
	/* No rights at all; then SAME_RIGHTS keeps none. */
	r3 = mx_handle_replace(r2, 0);
	ASSERT_LT(0, r3);
	EXPECT_FALSE(valid(r2));
	EXPECT_EVENT(r3, k, 0);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(r3, S3, 0, NULL));
	r = mx_handle_replace(r3, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, r);
	EXPECT_EVENT(r, k, 0);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(self->base.events, events_now());
}

/* ---- waiting on events ------------------------------------------------------- */

/* A signal outside the user signals can never come: ERR_BAD_STATE at once. */
TEST_F(mx, wait_event_unsatisfiable_bad_state)
{
	static const mx_signals_t never[] = {
		SIG_R, SIG_W, SIG_PC, SIG_RWP, 1u << 8, 1u << 31,
	};
	mx_signals_state_t st;
	unsigned int i;
	mx_handle_t e;
	uint64_t t0;

	NEW_EVENT(e);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		memset(&st, 0xcc, sizeof(st));
		t0 = now_ns();
		EXPECT_EQ(ERR_BAD_STATE,
			  mx_handle_wait_one(e, never[i], MX_TIME_INFINITE, &st))
			TH_LOG("signals 0x%x", never[i]);
		EXPECT_STATE(st, 0, SIG_ALL);
		/* "At once": well within the failure bound. */
		EXPECT_GT(BOUND_NS, now_ns() - t0);
	}
	/* Also with user signals set that are not asked for. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0 | S4));
	memset(&st, 0xcc, sizeof(st));
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(e, SIG_R, MX_TIME_INFINITE,
						    &st));
	EXPECT_STATE(st, S0 | S4, SIG_ALL);
	/* One satisfiable signal among them is enough to wait. */
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(e, SIG_R | S1, 0, &st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, SIG_R | S4, MX_TIME_INFINITE,
					       &st));
	EXPECT_STATE(st, S0 | S4, SIG_ALL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_F(mx, wait_event_needs_read)
{
	mx_handle_t e, nr;

	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	DUP(nr, e, EV_RIGHTS & ~R_READ);
	/* Even though the signal is satisfied. */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(nr, S0, 0, NULL));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(nr, S0,
							MX_TIME_INFINITE, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, S0, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(nr));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_F(mx, wait_event_timed_out)
{
	mx_signals_state_t st;
	mx_handle_t e;
	uint64_t t0, el;

	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S2));
	t0 = now_ns();
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(e, S0 | S1, 20000000, &st));
	el = now_ns() - t0;
	EXPECT_LE(20000000ull, el);
	EXPECT_STATE(st, S2, SIG_ALL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/*
 * A thread blocked on S2 is not woken for good by another signal, and is
 * by S2, set from this thread through another handle of the event.
 */
TEST_F(mx, wait_event_woken_by_other_thread)
{
	mx_handle_t e, d;
	struct op w;

	NEW_EVENT(e);
	DUP(d, e, R_WRITE);
	op_one(&w, e, S2);
	w.timeout = MX_TIME_INFINITE;
	START_BLOCKED(&w, 1);
	EXPECT_EQ(NO_ERROR, mx_object_signal(d, 0, S1));
	/* S1 alone cannot end it: a poll for S2 now times out. */
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(e, S2, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_object_signal(d, 0, S2));
	JOIN(&w);
	EXPECT_EQ(NO_ERROR, w.r);
	/* It ended with S2, and S1 was still set. */
	EXPECT_STATE(w.st, S1 | S2, SIG_ALL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Several threads on one event, each for its own signal, each woken. */
TEST_F(mx, wait_event_many_threads)
{
	mx_signals_t bits[4] = { S0, S1, S3, S4 };
	mx_handle_t e, d[4];
	struct op w[4];
	int i;

	NEW_EVENT(e);
	for (i = 0; i < 4; i++) {
		DUP(d[i], e, R_READ);
		op_one(&w[i], d[i], bits[i]);
		START_BLOCKED(&w[i], i + 1);
	}
	for (i = 3; i >= 0; i--) {
		EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, bits[i]));
		JOIN(&w[i]);
		EXPECT_EQ(NO_ERROR, w[i].r);
		EXPECT_EQ(bits[i], w[i].st.satisfied & bits[i]);
		EXPECT_EQ(SIG_ALL, w[i].st.satisfiable);
		/* The others are still waiting. */
		for (int j = 0; j < i; j++) {
			EXPECT_FALSE(atomic_load(&w[j].done))
				TH_LOG("wait %d", j);
		}
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(d[i]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Pipes and events in one wait_many: the event fires. */
TEST_F(mx, wait_many_mixed_event_fires)
{
	mx_handle_t a[2], b[2], e1, e2;
	struct op w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(b, 0));
	NEW_EVENT(e1);
	NEW_EVENT(e2);
	op_many(&w, 4, (mx_handle_t[]){ a[0], e1, b[0], e2 },
		(mx_signals_t[]){ SIG_R, S0, SIG_R, S1 });
	START_BLOCKED(&w, 1);
	EXPECT_EQ(NO_ERROR, mx_object_signal(e2, 0, S1 | S4));
	JOIN(&w);
	EXPECT_EQ(NO_ERROR, w.r);
	EXPECT_EQ(3, w.index);
	EXPECT_STATE(w.sts[0], SIG_W, SIG_RWP);
	EXPECT_STATE(w.sts[1], 0, SIG_ALL);
	EXPECT_STATE(w.sts[2], SIG_W, SIG_RWP);
	EXPECT_STATE(w.sts[3], S1 | S4, SIG_ALL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[1]));
}

/* Pipes and events in one wait_many: a pipe fires, the events' states too. */
TEST_F(mx, wait_many_mixed_pipe_fires)
{
	mx_handle_t a[2], b[2], e1, e2;
	struct op w;
	char c = 'x';
	uint32_t nb = 1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(b, 0));
	NEW_EVENT(e1);
	NEW_EVENT(e2);
	/* Set, but not asked for. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e1, 0, S2));
	op_many(&w, 4, (mx_handle_t[]){ e1, a[0], e2, b[0] },
		(mx_signals_t[]){ S0, SIG_R, S1, SIG_R });
	START_BLOCKED(&w, 1);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(b[1], &c, 1, NULL, 0, 0));
	JOIN(&w);
	EXPECT_EQ(NO_ERROR, w.r);
	EXPECT_EQ(3, w.index);
	EXPECT_STATE(w.sts[0], S2, SIG_ALL);
	EXPECT_STATE(w.sts[1], SIG_W, SIG_RWP);
	EXPECT_STATE(w.sts[2], 0, SIG_ALL);
	EXPECT_STATE(w.sts[3], SIG_R | SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(b[0], &c, &nb, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[1]));
}

/* An event asked for READABLE in a wait_many: ERR_BAD_STATE, its index. */
TEST_F(mx, wait_many_event_bad_state)
{
	mx_handle_t a[2], e;
	mx_signals_state_t st[3];
	uint32_t idx = POISON;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	NEW_EVENT(e);
	memset(st, 0xcc, sizeof(st));
	EXPECT_EQ(ERR_BAD_STATE,
		  mx_handle_wait_many(3, (mx_handle_t[]){ a[0], e, a[1] },
				      (mx_signals_t[]){ SIG_R, SIG_R, SIG_R },
				      MX_TIME_INFINITE, &idx, st));
	EXPECT_EQ(1, idx);
	EXPECT_STATE(st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(st[1], 0, SIG_ALL);
	EXPECT_STATE(st[2], SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
}

/*
 * Two handles to one event, a thread waiting on each. Ending one handle
 * (close, replace or transfer) ends only the wait on it, with
 * ERR_HANDLE_CLOSED; the other wait goes on, and a later signal ends it.
 */
enum kill_how { BY_CLOSE, BY_REPLACE, BY_TRANSFER };

static void two_waits_one_closed(struct __test_metadata *_metadata,
				 FIXTURE_DATA(mx) *self, enum kill_how how)
{
	mx_handle_t e, d, r = MX_HANDLE_INVALID, c[2], got;
	struct op wa, wb;
	uint32_t n;
	mx_koid_t k;

	NEW_EVENT(e);
	k = koid_of(e);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	op_one(&wa, e, S0);
	op_one(&wb, d, S0);
	START_BLOCKED(&wa, 1);
	START_BLOCKED(&wb, 2);
	switch (how) {
	case BY_CLOSE:
		EXPECT_EQ(NO_ERROR, mx_handle_close(e));
		break;
	case BY_REPLACE:
		r = mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS);
		EXPECT_LT(0, r);
		break;
	case BY_TRANSFER:
		EXPECT_EQ(NO_ERROR, mx_msgpipe_write(c[0], NULL, 0, &e, 1, 0));
		break;
	}
	JOIN(&wa);
	EXPECT_EQ(ERR_HANDLE_CLOSED, wa.r);
	/* The other wait did not end, and is asleep again. */
	EXPECT_FALSE(atomic_load(&wb.done));
	EXPECT_TRUE(op_blocked(&wb, self->base.waiters + 1));
	EXPECT_EQ(self->base.events + 1, events_now());
	/* The event lives on, wherever its first handle went. */
	if (how == BY_TRANSFER) {
		ASSERT_EQ(NO_ERROR, read_handles(c[1], NULL, 0, &got, 1, &n));
		ASSERT_EQ(1, n);
		EXPECT_EVENT(got, k, EV_RIGHTS);
		r = got;
	}
	EXPECT_EQ(NO_ERROR, mx_object_signal(r > 0 ? r : d, 0, S0));
	JOIN(&wb);
	EXPECT_EQ(NO_ERROR, wb.r);
	EXPECT_STATE(wb.st, S0, SIG_ALL);
	if (r > 0)
		EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(self->base.events, events_now());
}

TEST_F(mx, two_waits_one_closed_by_close)
{
	two_waits_one_closed(_metadata, self, BY_CLOSE);
}

TEST_F(mx, two_waits_one_closed_by_replace)
{
	two_waits_one_closed(_metadata, self, BY_REPLACE);
}

TEST_F(mx, two_waits_one_closed_by_transfer)
{
	two_waits_one_closed(_metadata, self, BY_TRANSFER);
}

/* A wait_many over two handles of one event: closing one ends it. */
TEST_F(mx, wait_many_two_handles_one_closed)
{
	mx_handle_t e, d;
	struct op w;

	NEW_EVENT(e);
	DUP(d, e, R_READ);
	op_many(&w, 2, (mx_handle_t[]){ e, d }, (mx_signals_t[]){ S0, S0 });
	START_BLOCKED(&w, 1);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	JOIN(&w);
	EXPECT_EQ(ERR_HANDLE_CLOSED, w.r);
	EXPECT_EQ(1, w.index);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- events in messages ------------------------------------------------------- */

/* Through a pipe: rights kept, state kept, one object at both ends. */
TEST_F(mx, event_through_pipe)
{
	mx_handle_t e, d, c[2], got[2];
	mx_koid_t k;
	uint32_t v, n;

	NEW_EVENT(e);
	k = koid_of(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S2 | S4));
	DUP(d, e, R_READ | R_XFER);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(c[0], 7, (mx_handle_t[]){ e, d }, 2));
	EXPECT_FALSE(valid(e));
	EXPECT_FALSE(valid(d));
	EXPECT_EQ(self->base.events + 1, events_now());
	ASSERT_EQ(NO_ERROR, mx_read_u32(c[1], &v, got, 2, &n));
	EXPECT_EQ(7, v);
	ASSERT_EQ(2, n);
	EXPECT_EVENT(got[0], k, EV_RIGHTS);
	EXPECT_EVENT(got[1], k, R_READ | R_XFER);
	EXPECT_EV_STATE(got[0], S2 | S4);
	EXPECT_EV_STATE(got[1], S2 | S4);
	EXPECT_EQ(NO_ERROR, mx_object_signal(got[0], S4, S0));
	EXPECT_EV_STATE(got[1], S0 | S2);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(got[1], 0, S1));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[1]));
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

/*
 * A write carrying an event and a bad handle fails as a whole: the event
 * stays in the sender, under the same value, rights and state.
 */
TEST_F(mx, event_write_all_or_nothing)
{
	mx_handle_t e, nx, c[2], stale = mx_dead_handle();
	mx_koid_t k;

	ASSERT_LT(0, stale);
	NEW_EVENT(e);
	k = koid_of(e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	DUP(nx, e, R_READ | R_WRITE);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	/* An invalid handle after the event. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_write_u32(c[0], 1, (mx_handle_t[]){ e, stale }, 2));
	/* One without TRANSFER after the event. */
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_write_u32(c[0], 2, (mx_handle_t[]){ e, nx }, 2));
	/* The event twice. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_write_u32(c[0], 3, (mx_handle_t[]){ e, e }, 2));
	/* The sending end itself, after the event. */
	EXPECT_EQ(ERR_NOT_SUPPORTED,
		  mx_write_u32(c[0], 4, (mx_handle_t[]){ e, c[0] }, 2));
	/* Nothing was queued, nothing moved. */
	EXPECT_TRUE(queue_empty(c[1]));
	EXPECT_EVENT(e, k, EV_RIGHTS);
	EXPECT_EVENT(nx, k, R_READ | R_WRITE);
	EXPECT_EV_STATE(e, S1);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	/* A dead peer fails the write after the handle checks: kept too. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(ERR_BAD_STATE, mx_write_u32(c[0], 5, &e, 1));
	EXPECT_EVENT(e, k, EV_RIGHTS);
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(nx));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* Without TRANSFER an event can neither be sent nor exported. */
TEST_F(mx, event_without_transfer_stays)
{
	mx_handle_t e, c[2];
	int fd = -1;
	mx_koid_t k;

	NEW_EVENT(e);
	k = koid_of(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	e = mx_handle_replace(e, EV_RIGHTS & ~R_XFER);
	ASSERT_LT(0, e);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_write_u32(c[0], 1, &e, 1));
	EXPECT_TRUE(queue_empty(c[1]));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_export(e, 0, &fd));
	EXPECT_EQ(-1, fd);
	EXPECT_EVENT(e, k, EV_RIGHTS & ~R_XFER);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

/* Export and import: the same object, rights and state; the fd holds it. */
TEST_F(mx, event_export_import)
{
	mx_handle_t e, d, got;
	mx_koid_t k;
	int fd;

	NEW_EVENT(e);
	k = koid_of(e);
	DUP(d, e, R_READ | R_XFER | R_DUP);
	ASSERT_EQ(NO_ERROR, mx_handle_export(d, MX_EXPORT_CLOEXEC, &fd));
	EXPECT_FALSE(valid(d));
	EXPECT_EQ(self->base.xfers + 1, mx_stat_read("xfers"));
	/* Signalled while the handle sits in the fd. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S3));
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &got));
	EXPECT_EVENT(got, k, R_READ | R_XFER | R_DUP);
	EXPECT_EV_STATE(got, S3);
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_import(fd, &d));
	EXPECT_EQ(0, close(fd));
	/* The event outlives the handle it was made with. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EV_STATE(got, S3);
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(self->base.events, events_now());
}

/*
 * An event lives while any holder has it: table slots, an exported fd, a
 * queued message. It dies with the last one, whichever that is.
 */
TEST_F(mx, event_dies_with_last_holder)
{
	mx_handle_t e, d, x, y, c[2], got;
	uint32_t v, n;
	int fd;

	NEW_EVENT(e);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	DUP(x, e, MX_RIGHT_SAME_RIGHTS);
	DUP(y, e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_EQ(NO_ERROR, mx_handle_export(x, MX_EXPORT_CLOEXEC, &fd));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(c[0], 9, &y, 1));
	EXPECT_EQ(self->base.events + 1, events_now());

	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_object_signal(d, 0, S1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(0, close(fd));			/* never imported */
	EXPECT_EQ(self->base.events + 1, events_now());
	/* The message still carries it, with its state. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(c[1], &v, &got, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EV_STATE(got, S1);
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

/* A message that dies unread takes its event with it. */
TEST_F(mx, event_dies_in_unread_message)
{
	mx_handle_t e, c[2], d[2];
	uint32_t nb = 0, nh = 0;

	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(c[0], 1, &e, 1));
	EXPECT_EQ(self->base.events + 1, events_now());
	/* The reader's end closes with the message queued. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));

	/* MAY_DISCARD drops a message too big for the buffers. */
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(d, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(d[0], 2, &e, 1));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(d[1], NULL, &nb, NULL, &nh,
				  MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(4, nb);
	EXPECT_EQ(1, nh);
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[1]));
}

/* A process that exits holding events lets them go. */
static int child_keeps_events(void)
{
	mx_handle_t e, d;
	int i;

	for (i = 0; i < 3; i++) {
		e = mx_event_create(0);
		if (e <= 0)
			return 1;
		d = mx_handle_duplicate(e, R_READ);
		if (d <= 0)
			return 2;
		if (mx_object_signal(e, 0, S0))
			return 3;
	}
	return 0;	/* exit with them all open */
}

TEST_F(mx, event_dies_with_process)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_keeps_events());
	ASSERT_EQ(0, mx_wait_child(pid));
	EXPECT_EQ(self->base.events, events_now());
	EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
}

/* ---- ERR_WRONG_TYPE from the pipe calls ------------------------------------------ */

TEST_F(mx, msgpipe_calls_on_event_wrong_type)
{
	mx_handle_t e, none, p[2], got[2], stale = mx_dead_handle();
	uint32_t nb = 4, nh = 2, rnb = 4, rnh = 2;
	char buf[8] = "abc";

	ASSERT_LT(0, stale);
	NEW_EVENT(e);
	DUP(none, e, 0);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));

	/* write: the type comes right after the handle, before all else. */
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(e, buf, 4, NULL, 0, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(none, buf, 4, NULL, 0, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(e, NULL, 4, NULL, 3, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(e, buf, 70000, NULL, 0, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(e, buf, 4, NULL, 0, 5));
	/* A handle it would have carried stays. */
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_write(e, buf, 4, &p[1], 1, 0));
	EXPECT_TRUE(valid(p[1]));
	/* read */
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_read(e, buf, &nb, got, &nh, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_read(none, buf, &nb, got, &nh, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_read(e, NULL, NULL, NULL, NULL, 0));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_msgpipe_read(e, buf, &nb, got, &nh, 0x80));
	EXPECT_EQ(4, nb);
	EXPECT_EQ(2, nh);
	/* call */
	EXPECT_EQ(ERR_WRONG_TYPE,
		  mx_msgpipe_call(e, buf, 4, NULL, 0, buf, &rnb, got, &rnh,
				  MX_TIME_INFINITE));
	EXPECT_EQ(ERR_WRONG_TYPE,
		  mx_msgpipe_call(none, buf, 4, NULL, 0, NULL, NULL, NULL,
				  NULL, 0));
	EXPECT_EQ(ERR_WRONG_TYPE,
		  mx_msgpipe_call(e, buf, 4, &p[1], 1, buf, &rnb, NULL, NULL,
				  0));
	EXPECT_TRUE(valid(p[1]));
	/* Nothing moved, nothing was queued. */
	EXPECT_TRUE(queue_empty(p[0]));
	EXPECT_EV_STATE(e, 0);

	/* An invalid handle stays ERR_INVALID_ARGS for these calls. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(stale, buf, 4, NULL, 0, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(0, buf, 4, NULL, 0, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(stale, buf, &nb, NULL,
						    NULL, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_call(stale, buf, 4, NULL, 0, buf, &rnb, NULL,
				  NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(none));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(none, buf, 4, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* ---- other processes --------------------------------------------------------------- */

/* Exit codes of the children. */
enum {
	CH_OK, CH_IMPORT = 10, CH_READ, CH_KOID, CH_RIGHTS, CH_BLOCK,
	CH_SIGNAL, CH_WAIT, CH_STATE, CH_ARGS = 30,
};

struct koid_msg {
	mx_koid_t koid;
};

/*
 * The child of signal_from_forked_child: gets its pipe end through @fd,
 * an event handle in a message on it; signals S0 once the parent waits,
 * then waits for S1 from the parent.
 */
static int forked_child(int fd, long waiters)
{
	mx_signals_state_t st;
	struct koid_msg m;
	mx_handle_t h, ev;
	uint32_t nb = sizeof(m), nh = 1;

	if (mx_handle_import(fd, &h) != NO_ERROR)
		return CH_IMPORT;
	close(fd);
	if (mx_msgpipe_read(h, &m, &nb, &ev, &nh, 0) != NO_ERROR || nh != 1)
		return CH_READ;
	if (koid_of(ev) != m.koid)
		return CH_KOID;
	if (rights_of(ev) != EV_RIGHTS)
		return CH_RIGHTS;
	if (!await_waiters(waiters + 1))
		return CH_BLOCK;
	if (mx_object_signal(ev, 0, S0) != NO_ERROR)
		return CH_SIGNAL;
	if (mx_handle_wait_one(ev, S1, BOUND_NS, &st) != NO_ERROR)
		return CH_WAIT;
	if (st.satisfied != S1)
		return CH_STATE;
	return CH_OK;	/* exit closes h and ev */
}

/*
 * An event handle sent through a pipe to a fork()ed child: the child's
 * signal wakes this process's wait, and this process's signal the child's.
 */
TEST_F(mx, signal_from_forked_child)
{
	mx_handle_t e, d, p[2];
	mx_signals_state_t st;
	struct koid_msg m;
	int fd;
	pid_t pid;

	NEW_EVENT(e);
	m.koid = koid_of(e);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], &m, sizeof(m), &d, 1, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(forked_child(fd, self->base.waiters));
	close(fd);
	memset(&st, 0xcc, sizeof(st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, S0, BOUND_NS, &st));
	EXPECT_EQ(S0, st.satisfied & S0);
	/* Now the child waits for S1 (and S0 is cleared first). */
	EXPECT_TRUE(await_waiters(self->base.waiters + 1));
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, S0, S1));
	EXPECT_EQ(CH_OK, mx_wait_child(pid));
	/* The child's handle went with it; ours still names the event. */
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EV_STATE(e, S1);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(self->base.events, events_now());
}

/*
 * The exec() half: a constructor of this very program. Started as
 * "prog --mx-object-exec-child FD KOID WAITERS", it imports the event from
 * FD, checks it, signals S3, waits for S4, and exits before main().
 */
#define EXEC_MARKER	"--mx-object-exec-child"

static int exec_child(int fd, mx_koid_t koid, long waiters)
{
	mx_signals_state_t st;
	mx_handle_t h;

	if (mx_handle_import(fd, &h) != NO_ERROR)
		return CH_IMPORT;
	close(fd);
	if (koid_of(h) != koid)
		return CH_KOID;
	if (rights_of(h) != EV_RIGHTS)
		return CH_RIGHTS;
	if (mx_object_signal(h, 0, S3) != NO_ERROR)
		return CH_SIGNAL;
	if (mx_handle_wait_one(h, S4, BOUND_NS, &st) != NO_ERROR)
		return CH_WAIT;
	if (st.satisfied != (S3 | S4))
		return CH_STATE;
	return CH_OK;
}

static void __attribute__((constructor)) exec_child_entry(void)
{
	char buf[512], *arg[5];
	int fd, argc = 0;
	ssize_t n;
	char *p;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; p < buf + n && argc < 5; p += strlen(p) + 1)
		arg[argc++] = p;
	if (argc < 2 || strcmp(arg[1], EXEC_MARKER))
		return;
	if (argc < 5)
		_exit(CH_ARGS);
	_exit(exec_child(atoi(arg[2]), strtoull(arg[3], NULL, 10),
			 atol(arg[4])));
}

TEST_F(mx, signal_across_exec)
{
	char fds[16], koids[32], ws[32];
	mx_signals_state_t st;
	mx_handle_t e, d;
	pid_t pid;
	int fd;

	NEW_EVENT(e);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_EQ(NO_ERROR, mx_handle_export(d, 0, &fd));
	snprintf(fds, sizeof(fds), "%d", fd);
	snprintf(koids, sizeof(koids), "%llu", (unsigned long long)koid_of(e));
	snprintf(ws, sizeof(ws), "%ld", self->base.waiters);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execl("/proc/self/exe", "object_test", EXEC_MARKER, fds, koids,
		      ws, (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(0, close(fd));
	memset(&st, 0xcc, sizeof(st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, S3, BOUND_NS, &st));
	EXPECT_EQ(S3, st.satisfied);
	EXPECT_TRUE(await_waiters(self->base.waiters + 1));
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, S4));
	EXPECT_EQ(CH_OK, mx_wait_child(pid));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(self->base.xfers, mx_stat_read("xfers"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(self->base.events, events_now());
}

/* ---- the handle limit ------------------------------------------------------------ */

/*
 * FIXTURE(limit): lowers max_handles for one test and puts it back.
 */
FIXTURE(limit) {
	struct mx_stats base;
	long saved;
};

FIXTURE_SETUP(limit)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->saved = mx_param_read("max_handles");
	ASSERT_LT(0, self->saved);
}

FIXTURE_TEARDOWN(limit)
{
	if (mx_param_read("max_handles") != self->saved)
		EXPECT_EQ(0, mx_param_write("max_handles", self->saved));
	EXPECT_STATS_EQ(&self->base);
}

/*
 * At the limit, event_create and duplicate give ERR_NO_MEMORY, after every
 * other check, and make nothing; below it they work again.
 */
TEST_F(limit, create_and_duplicate_at_the_limit)
{
	mx_handle_t e, d, p[2];

	if (!mx_param_writable("max_handles"))
		SKIP(return, "module parameters are not writable (not root?)");
	/* This process holds no handle now. */
	ASSERT_EQ(0, mx_param_write("max_handles", 4));
	NEW_EVENT(e);
	DUP(d, e, R_READ);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	EXPECT_EQ(self->base.handles + 4, mx_stat_read("handles"));
	EXPECT_EQ(ERR_NO_MEMORY, mx_event_create(0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_event_create(1));
	EXPECT_EQ(ERR_NO_MEMORY, mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_NO_MEMORY, mx_handle_duplicate(e, 0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(-1, 0));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(d, 0));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(p[0], 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(e, MX_RIGHT_EXECUTE));
	/* Nothing was made by the failures. */
	EXPECT_EQ(self->base.handles + 4, mx_stat_read("handles"));
	EXPECT_EQ(self->base.events + 1, events_now());
	/* Replace needs no new slot. */
	d = mx_handle_replace(d, 0);
	ASSERT_LT(0, d);
	/* One slot free: one more of each, in turn. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	d = mx_event_create(0);
	ASSERT_LT(0, d);
	EXPECT_EQ(self->base.events + 2, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	EXPECT_EQ(ERR_NO_MEMORY, mx_handle_duplicate(d, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(self->base.events, events_now());
}

/* ---- concurrency ------------------------------------------------------------------ */

/*
 * Pairs of threads hand a token back and forth through two shared events,
 * one user signal per pair (S0..S3): the producer sets its bit on req and
 * waits for it on ack; the consumer waits for it on req, clears it, sets
 * it on ack. All pairs signal the same two events at once, so a clear or
 * set that is not one atomic step loses another pair's bit, and a lost
 * wake-up stalls a pair: either ends a wait with ERR_TIMED_OUT.
 * Meanwhile a churner duplicates req, a watcher waits on each duplicate
 * for S4 (never set) and the churner closes it: each such wait must end
 * with ERR_HANDLE_CLOSED (or ERR_INVALID_ARGS if the close came first).
 */
#define NPAIRS		4
#define ROUNDS		400
#define CHURNS		300

struct stress {
	mx_handle_t req, ack;
	atomic_bool stop;
	/* churner <-> watcher */
	_Atomic mx_handle_t cur;
	atomic_int published, taken;
};

struct pair_thread {
	pthread_t thr;
	struct stress *s;
	mx_handle_t req, ack;		/* own duplicates */
	mx_signals_t bit;
	bool producer;
	int rounds;			/* completed */
	mx_status_t err;		/* first failure */
	int err_line;
};

#define PT_FAIL(pt, r) do {						\
	(pt)->err = (r) ? (r) : ERR_INTERNAL;				\
	(pt)->err_line = __LINE__;					\
	atomic_store(&(pt)->s->stop, true);				\
	return NULL;							\
} while (0)

static void *pair_fn(void *arg)
{
	struct pair_thread *pt = arg;
	mx_signals_state_t st;
	mx_status_t r;
	int i;

	for (i = 0; i < ROUNDS && !atomic_load(&pt->s->stop); i++) {
		if (pt->producer) {
			r = mx_object_signal(pt->req, 0, pt->bit);
			if (r)
				PT_FAIL(pt, r);
			r = mx_handle_wait_one(pt->ack, pt->bit, BOUND_NS, &st);
			if (r || !(st.satisfied & pt->bit))
				PT_FAIL(pt, r);
			r = mx_object_signal(pt->ack, pt->bit, 0);
			if (r)
				PT_FAIL(pt, r);
		} else {
			r = mx_handle_wait_one(pt->req, pt->bit, BOUND_NS, &st);
			if (r || !(st.satisfied & pt->bit))
				PT_FAIL(pt, r);
			r = mx_object_signal(pt->req, pt->bit, 0);
			if (r)
				PT_FAIL(pt, r);
			r = mx_object_signal(pt->ack, 0, pt->bit);
			if (r)
				PT_FAIL(pt, r);
		}
		pt->rounds = i + 1;
	}
	return NULL;
}

struct churn_thread {
	pthread_t thr;
	struct stress *s;
	int closed, invalid;		/* watcher: how waits ended */
	mx_status_t err;
	int err_line;
};

/* Spin (bounded) until *@v reaches @target; false on timeout or stop. */
static bool spin_until(atomic_int *v, int target, struct stress *s)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (atomic_load(v) < target) {
		if (atomic_load(&s->stop) || now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

static void *churner_fn(void *arg)
{
	struct churn_thread *ct = arg;
	struct stress *s = ct->s;
	mx_handle_t d;
	mx_status_t r;
	int i, y;

	for (i = 0; i < CHURNS && !atomic_load(&s->stop); i++) {
		d = mx_handle_duplicate(s->req, R_READ);
		if (d <= 0)
			PT_FAIL(ct, d);
		atomic_store(&s->cur, d);
		atomic_store(&s->published, i + 1);
		if (!spin_until(&s->taken, i + 1, s))
			PT_FAIL(ct, ERR_TIMED_OUT);
		/* Close before, during or after the watcher's wait. */
		for (y = i % 4; y > 0; y--)
			sched_yield();
		r = mx_handle_close(d);
		if (r)
			PT_FAIL(ct, r);
	}
	return NULL;
}

static void *watcher_fn(void *arg)
{
	struct churn_thread *ct = arg;
	struct stress *s = ct->s;
	mx_handle_t d;
	mx_status_t r;
	int i;

	for (i = 0; i < CHURNS && !atomic_load(&s->stop); i++) {
		if (!spin_until(&s->published, i + 1, s))
			PT_FAIL(ct, ERR_TIMED_OUT);
		d = atomic_load(&s->cur);
		atomic_store(&s->taken, i + 1);
		r = mx_handle_wait_one(d, S4, BOUND_NS, NULL);
		if (r == ERR_HANDLE_CLOSED)
			ct->closed++;
		else if (r == ERR_INVALID_ARGS)
			ct->invalid++;
		else
			PT_FAIL(ct, r);
	}
	return NULL;
}

TEST_F_TIMEOUT(mx, concurrent_signal_close_wait, 300)
{
	struct pair_thread pt[2 * NPAIRS];
	struct churn_thread churner, watcher;
	struct stress s;
	int i;

	memset(&s, 0, sizeof(s));
	memset(pt, 0, sizeof(pt));
	memset(&churner, 0, sizeof(churner));
	memset(&watcher, 0, sizeof(watcher));
	NEW_EVENT(s.req);
	NEW_EVENT(s.ack);
	for (i = 0; i < 2 * NPAIRS; i++) {
		pt[i].s = &s;
		pt[i].bit = S0 << (i / 2);
		pt[i].producer = i % 2 == 0;
		DUP(pt[i].req, s.req, R_READ | R_WRITE);
		DUP(pt[i].ack, s.ack, R_READ | R_WRITE);
	}
	churner.s = &s;
	watcher.s = &s;
	for (i = 0; i < 2 * NPAIRS; i++)
		ASSERT_EQ(0, pthread_create(&pt[i].thr, NULL, pair_fn, &pt[i]));
	ASSERT_EQ(0, pthread_create(&churner.thr, NULL, churner_fn, &churner));
	ASSERT_EQ(0, pthread_create(&watcher.thr, NULL, watcher_fn, &watcher));
	for (i = 0; i < 2 * NPAIRS; i++)
		ASSERT_EQ(0, pthread_join(pt[i].thr, NULL));
	ASSERT_EQ(0, pthread_join(churner.thr, NULL));
	ASSERT_EQ(0, pthread_join(watcher.thr, NULL));

	for (i = 0; i < 2 * NPAIRS; i++) {
		EXPECT_EQ(NO_ERROR, pt[i].err)
			TH_LOG("%s %d: status %d at line %d, round %d",
			       pt[i].producer ? "producer" : "consumer", i / 2,
			       pt[i].err, pt[i].err_line, pt[i].rounds);
		EXPECT_EQ(ROUNDS, pt[i].rounds);
	}
	EXPECT_EQ(NO_ERROR, churner.err)
		TH_LOG("churner: status %d at line %d", churner.err,
		       churner.err_line);
	EXPECT_EQ(NO_ERROR, watcher.err)
		TH_LOG("watcher: status %d at line %d", watcher.err,
		       watcher.err_line);
	EXPECT_EQ(CHURNS, watcher.closed + watcher.invalid);
	TH_LOG("watcher: %d waits ended closed, %d found the handle gone",
	       watcher.closed, watcher.invalid);
	/* Every token went home: no bit left anywhere, no wait left. */
	EXPECT_EV_STATE(s.req, 0);
	EXPECT_EV_STATE(s.ack, 0);
	EXPECT_EQ(self->base.waiters, mx_stat_read("waiters"));
	EXPECT_EQ(self->base.events + 2, events_now());
	EXPECT_EQ(self->base.handles + 2 + 4 * NPAIRS, mx_stat_read("handles"));
	for (i = 0; i < 2 * NPAIRS; i++) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(pt[i].req));
		EXPECT_EQ(NO_ERROR, mx_handle_close(pt[i].ack));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(s.req));
	EXPECT_EQ(NO_ERROR, mx_handle_close(s.ack));
	EXPECT_EQ(self->base.events, events_now());
}

/*
 * Threads signal, duplicate, close and wait on one event at once, for a
 * bounded number of rounds; at the end the event dies with its last
 * handle and nothing is left.
 */
#define RACERS		4
#define RACE_ROUNDS	500

struct racer {
	pthread_t thr;
	mx_handle_t e;
	int id;
	int woke, closed;
	mx_status_t err;
	int err_line;
};

static void *racer_fn(void *arg)
{
	struct racer *rc = arg;
	mx_signals_t mine = S0 << rc->id;
	mx_handle_t d;
	mx_status_t r;
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		d = mx_handle_duplicate(rc->e, MX_RIGHT_SAME_RIGHTS);
		if (d <= 0) {
			rc->err = d;
			rc->err_line = __LINE__;
			return NULL;
		}
		/* Set my bit through my duplicate, then wait for it. */
		r = mx_object_signal(d, 0, mine);
		if (!r)
			r = mx_handle_wait_one(d, mine, 0, NULL);
		if (!r)
			rc->woke++;
		/* Clear it, then nobody sets it: a short wait times out. */
		if (!r)
			r = mx_object_signal(d, mine, 0);
		if (!r) {
			r = mx_handle_wait_one(d, mine, 1000, NULL);
			r = r == ERR_TIMED_OUT ? NO_ERROR : (r ? r : ERR_INTERNAL);
		}
		if (!r)
			r = mx_handle_close(d);
		if (r) {
			rc->err = r;
			rc->err_line = __LINE__;
			return NULL;
		}
		rc->closed++;
	}
	return NULL;
}

TEST_F_TIMEOUT(mx, concurrent_duplicate_signal_close, 300)
{
	struct racer rc[RACERS];
	mx_handle_t e;
	int i;

	NEW_EVENT(e);
	for (i = 0; i < RACERS; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].e = e;
		rc[i].id = i;
		ASSERT_EQ(0, pthread_create(&rc[i].thr, NULL, racer_fn, &rc[i]));
	}
	for (i = 0; i < RACERS; i++) {
		ASSERT_EQ(0, pthread_join(rc[i].thr, NULL));
		EXPECT_EQ(NO_ERROR, rc[i].err)
			TH_LOG("racer %d: status %d at line %d", i, rc[i].err,
			       rc[i].err_line);
		EXPECT_EQ(RACE_ROUNDS, rc[i].woke);
		EXPECT_EQ(RACE_ROUNDS, rc[i].closed);
	}
	EXPECT_EV_STATE(e, 0);
	EXPECT_EQ(self->base.handles + 1, mx_stat_read("handles"));
	EXPECT_EQ(self->base.events + 1, events_now());
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(self->base.events, events_now());
}

TEST_HARNESS_MAIN
