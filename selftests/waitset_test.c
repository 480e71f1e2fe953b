// SPDX-License-Identifier: GPL-2.0
/*
 * Wait sets: mx_waitset_create(), mx_waitset_add(), mx_waitset_remove(),
 * mx_waitset_wait().
 *
 * Every documented error of each call is checked in its documented order:
 * failing conditions are combined so that only that order gives the
 * expected code. Results for all three causes (satisfied, unsatisfiable,
 * handle closed, replaced or sent away), cookies, several entries on one
 * handle, num_results and max_results, waits that block and are woken by
 * another thread, a wait set closed under a waiting thread, a signal
 * handler during a wait, the entry limit, and 10^4 entries with one ready.
 *
 * Nothing here sleeps to synchronise. A thread is known to be blocked in
 * its wait when /proc/self/task/<tid>/stat says 'S', its syscall file says
 * ioctl, and the module's "waiters" counter has grown. Timeouts only bound
 * failures (BOUND_NS). Threads record what they saw; the main thread
 * checks after joining them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mx_test.h"


#define R_READ		MX_RIGHT_READ
#define R_WRITE		MX_RIGHT_WRITE
#define WS_RIGHTS	(R_READ | R_WRITE)

#define POISON		0xccccccccu
#define NSEC_PER_SEC	1000000000ull
#define BOUND_S		20
#define BOUND_NS	(BOUND_S * NSEC_PER_SEC)
#define MANY		10000

_Static_assert(sizeof(mx_waitset_result_t) == 24, "result layout");
_Static_assert(MX_OBJ_TYPE_WAIT_SET == 14, "type value");

#define NEW_WS(ws) do {							\
	(ws) = mx_waitset_create();					\
	ASSERT_LT(0, (ws));						\
} while (0)

#define NEW_EVENT(e) do {						\
	(e) = mx_event_create(0);					\
	ASSERT_LT(0, (e));						\
} while (0)

/* Wait with no timeout: results into @res (cap @n); returns the status. */
static mx_status_t ws_poll(mx_handle_t ws, mx_waitset_result_t *res,
			   uint32_t *n, uint32_t *max)
{
	return mx_waitset_wait(ws, 0, n, res, max);
}

/* The result for @cookie among @n results, or NULL. */
static mx_waitset_result_t *find_cookie(mx_waitset_result_t *res,
					uint32_t n, uint64_t cookie)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (res[i].cookie == cookie)
			return &res[i];
	return NULL;
}

/* ---- threads ---------------------------------------------------------- */

struct wop {
	pthread_t thr;
	bool started;
	_Atomic pid_t tid;
	_Atomic bool done;
	mx_handle_t ws;
	mx_status_t r;
	uint32_t n, max;
	mx_waitset_result_t res[4];
};

static void *wop_fn(void *arg)
{
	struct wop *op = arg;

	atomic_store(&op->tid, (pid_t)syscall(SYS_gettid));
	op->r = mx_waitset_wait(op->ws, BOUND_NS, &op->n, op->res, &op->max);
	atomic_store(&op->done, true);
	return NULL;
}

static int wop_start(struct wop *op, mx_handle_t ws)
{
	memset(op, 0, sizeof(*op));
	op->ws = ws;
	op->r = POISON;
	op->n = 4;
	op->max = POISON;
	atomic_store(&op->tid, 0);
	atomic_store(&op->done, false);
	if (pthread_create(&op->thr, NULL, wop_fn, op))
		return -1;
	op->started = true;
	return 0;
}

static int wop_join(struct wop *op)
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

/* Until (bounded) @op sleeps in its ioctl with >= @waiters waits counted. */
static bool wop_blocked(struct wop *op, long waiters)
{
	return mx_thread_blocked(&op->tid, &op->done, waiters, BOUND_NS);
}

/* ---- create ------------------------------------------------------------ */

TEST(version_has_wait_sets)
{
	struct mx_ioc_version v;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	memset(&v, 0xcc, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, MX_IOC_GET_VERSION, &v));
	/* ABI 2.2: 2.1 plus wait sets; later minors keep them. */
	EXPECT_EQ(2, v.abi_major);
	EXPECT_LE(2, v.abi_minor);
	EXPECT_EQ(MX_FEATURE_WAITSET, v.features & MX_FEATURE_WAITSET);
	EXPECT_EQ(0, close(fd));
}

/* A raw user's unknown padding is refused before anything else. */
TEST_F(mx, raw_ioctls_check_padding)
{
	struct mx_ioc_waitset_create c = { .pad = 1 };
	struct mx_ioc_waitset_add a = { .pad = 1 };
	struct mx_ioc_waitset_remove r = { .pad = 1 };
	struct mx_ioc_waitset_wait w = { .restarted = 2 };
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_WAITSET_CREATE, &c));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_WAITSET_ADD, &a));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_WAITSET_REMOVE, &r));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_WAITSET_WAIT, &w));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
	EXPECT_EQ(0, close(fd));
}

TEST_F(mx, create_gives_a_wait_set_with_read_and_write)
{
	mx_handle_basic_info_t info;
	mx_handle_t ws, ws2;
	long n0 = mx_stat_read("waitsets");

	NEW_WS(ws);
	NEW_WS(ws2);
	EXPECT_NE(ws, ws2);
	EXPECT_EQ(n0 + 2, mx_stat_read("waitsets"));
	ASSERT_EQ((mx_ssize_t)sizeof(info),
		  mx_handle_get_info(ws, MX_INFO_HANDLE_BASIC, &info,
				     sizeof(info)));
	EXPECT_EQ(MX_OBJ_TYPE_WAIT_SET, info.type);
	EXPECT_EQ(MX_OBJ_PROP_NONE, info.props);
	EXPECT_EQ(WS_RIGHTS, info.rights);
	EXPECT_NE(MX_KOID_INVALID, info.koid);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws2));
	EXPECT_EQ(n0, mx_stat_read("waitsets"));
}

/* Neither duplicable nor transferable; not waitable; no user signals. */
TEST_F(mx, wait_set_cannot_be_duplicated_sent_exported_or_waited_on)
{
	mx_handle_t ws, p[2], e, hs[2];
	mx_signals_t sigs[2] = { S0, S0 };
	uint32_t idx;
	int fd = -1;

	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_handle_duplicate(ws, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_msgpipe_write(p[0], "x", 1, &ws, 1, 0));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_export(ws, 0, &fd));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_handle_wait_one(ws, S0, 0, NULL));
	hs[0] = e;
	hs[1] = ws;
	EXPECT_EQ(ERR_NOT_SUPPORTED,
		  mx_handle_wait_many(2, hs, sigs, 0, &idx, NULL));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(ws, 0, S0));
	/* Still there, and still a wait set. */
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* ---- errors, in order -------------------------------------------------- */

TEST_F(mx, add_errors_in_documented_order)
{
	mx_handle_t ws, ws_ro, e, e_wo, dead = mx_dead_handle();

	ASSERT_NE(MX_HANDLE_INVALID, dead);
	NEW_WS(ws);
	NEW_EVENT(e);
	ws_ro = mx_handle_duplicate(ws, R_READ);
	EXPECT_EQ(ERR_ACCESS_DENIED, ws_ro);	/* not duplicable */
	NEW_WS(ws_ro);
	ws_ro = mx_handle_replace(ws_ro, R_READ);
	ASSERT_LT(0, ws_ro);
	e_wo = mx_handle_duplicate(e, R_WRITE);
	ASSERT_LT(0, e_wo);

	/* A bad wait set handle beats everything else. */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_waitset_add(dead, dead, S0, 1));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_waitset_add(0, e, S0, 1));
	/* Not a wait set, before rights and the watched handle. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_add(e, dead, S0, 1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_add(e, e, S0, 1));
	/* No WRITE on the wait set, before the watched handle. */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_waitset_add(ws_ro, dead, S0, 1));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_waitset_add(ws_ro, e, S0, 1));
	/* The watched handle: valid, then READ, then waitable. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_add(ws, dead, S0, 1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_add(ws, 0, S0, 1));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_waitset_add(ws, e_wo, S0, 1));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_waitset_add(ws, ws_ro, S0, 1));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_waitset_add(ws, ws, S0, 1));
	/* The cookie, last. */
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	EXPECT_EQ(ERR_ALREADY_EXISTS, mx_waitset_add(ws, e, S1, 1));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_waitset_add(ws, e_wo, S0, 1));
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 2));

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws_ro));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e_wo));
}

TEST_F(mx, remove_errors_in_documented_order)
{
	mx_handle_t ws, ws_ro, e, dead = mx_dead_handle();

	ASSERT_NE(MX_HANDLE_INVALID, dead);
	NEW_WS(ws);
	NEW_WS(ws_ro);
	NEW_EVENT(e);
	ws_ro = mx_handle_replace(ws_ro, R_READ);
	ASSERT_LT(0, ws_ro);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 7));

	EXPECT_EQ(ERR_BAD_HANDLE, mx_waitset_remove(dead, 7));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_remove(e, 7));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_waitset_remove(ws_ro, 99));
	EXPECT_EQ(ERR_NOT_FOUND, mx_waitset_remove(ws, 8));
	EXPECT_EQ(NO_ERROR, mx_waitset_remove(ws, 7));
	EXPECT_EQ(ERR_NOT_FOUND, mx_waitset_remove(ws, 7));
	/* Removed, the cookie is free again. */
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 7));
	EXPECT_EQ(ERR_ALREADY_EXISTS, mx_waitset_add(ws, e, S0, 7));
	EXPECT_EQ(NO_ERROR, mx_waitset_remove(ws, 7));

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws_ro));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_F(mx, wait_errors_in_documented_order)
{
	mx_handle_t ws, ws_wo, e, dead = mx_dead_handle();
	mx_waitset_result_t res[2];
	uint32_t n, max;
	void *ro;

	ASSERT_NE(MX_HANDLE_INVALID, dead);
	NEW_WS(ws);
	NEW_WS(ws_wo);
	NEW_EVENT(e);
	ws_wo = mx_handle_replace(ws_wo, R_WRITE);
	ASSERT_LT(0, ws_wo);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);

	/* The handle first, even with every pointer bad. */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_waitset_wait(dead, 0, NULL, NULL, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_wait(e, 0, NULL, NULL, NULL));
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_waitset_wait(ws_wo, 0, NULL, NULL, NULL));
	/* Then the pointers. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_wait(ws, 0, NULL, res, &max));
	n = 1;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_wait(ws, 0, &n, NULL, &max));
	EXPECT_EQ(1u, n);
	/* Nothing to report: ERR_TIMED_OUT, nothing written. */
	n = 2;
	max = POISON;
	EXPECT_EQ(ERR_TIMED_OUT, mx_waitset_wait(ws, 0, &n, res, &max));
	EXPECT_EQ(2u, n);
	EXPECT_EQ(POISON, max);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 5));
	EXPECT_EQ(ERR_TIMED_OUT, mx_waitset_wait(ws, 1000000, &n, res, &max));
	EXPECT_EQ(2u, n);
	EXPECT_EQ(POISON, max);
	/* An unwritable buffer fails once there is a result to write. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	n = 1;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_wait(ws, 0, &n, ro, &max));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_waitset_wait(ws, 0, &n, res, (uint32_t *)ro));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_waitset_wait(ws, 0, ro, res, &max));
	/* The result was not lost. */
	n = 2;
	EXPECT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, res, &max));
	EXPECT_EQ(1u, n);
	EXPECT_EQ(1u, max);
	EXPECT_EQ(5u, res[0].cookie);

	munmap(ro, 4096);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws_wo));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- results ----------------------------------------------------------- */

TEST_F(mx, results_for_satisfied_unsatisfiable_and_closed)
{
	mx_handle_t ws, e, gone, p[2];
	mx_waitset_result_t res[4], *r;
	uint32_t n = 4, max = POISON;

	NEW_WS(ws);
	NEW_EVENT(e);
	NEW_EVENT(gone);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 10));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, p[0], SIG_R, 20));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, gone, S0, 30));
	EXPECT_EQ(ERR_TIMED_OUT, ws_poll(ws, res, &n, &max));

	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1 | S0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(p[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(gone));
	memset(res, 0xcc, sizeof(res));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(3u, n);
	EXPECT_EQ(3u, max);

	r = find_cookie(res, n, 10);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(NO_ERROR, r->wait_result);
	EXPECT_EQ(0u, r->reserved);
	EXPECT_EQ(S0 | S1, r->signals_state.satisfied);
	EXPECT_EQ(SIG_ALL, r->signals_state.satisfiable);

	r = find_cookie(res, n, 20);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(ERR_BAD_STATE, r->wait_result);
	EXPECT_EQ(0u, r->reserved);
	EXPECT_EQ(SIG_PC, r->signals_state.satisfied & (SIG_PC | SIG_R));
	EXPECT_EQ(0u, r->signals_state.satisfiable & SIG_R);

	r = find_cookie(res, n, 30);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(ERR_CANCELLED, r->wait_result);
	EXPECT_EQ(ERR_HANDLE_CLOSED, r->wait_result);
	EXPECT_EQ(0u, r->reserved);

	/* Level-triggered: reported again while they hold... */
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(3u, n);
	/* ...and not once they stop holding or are removed. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0 | S1, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 30));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(1u, n);
	EXPECT_EQ(1u, max);
	EXPECT_EQ(20u, res[0].cookie);
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 20));
	n = 4;
	EXPECT_EQ(ERR_TIMED_OUT, ws_poll(ws, res, &n, &max));

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

TEST_F(mx, several_entries_on_one_handle)
{
	mx_handle_t ws, e;
	mx_waitset_result_t res[4];
	uint32_t n, max;

	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 2));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0 | S1, 3));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(2u, n);
	EXPECT_NE(NULL, find_cookie(res, n, 1));
	EXPECT_NE(NULL, find_cookie(res, n, 3));
	EXPECT_EQ(NULL, find_cookie(res, n, 2));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0, S1));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(2u, n);
	EXPECT_NE(NULL, find_cookie(res, n, 2));
	EXPECT_NE(NULL, find_cookie(res, n, 3));
	/* Closing the handle cancels all three. */
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	ASSERT_EQ(3u, n);
	EXPECT_EQ(ERR_CANCELLED, res[0].wait_result);
	EXPECT_EQ(ERR_CANCELLED, res[1].wait_result);
	EXPECT_EQ(ERR_CANCELLED, res[2].wait_result);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
}

TEST_F(mx, handle_replaced_or_sent_away_cancels_its_entries)
{
	mx_handle_t ws, e, e2, f, p[2], got;
	mx_waitset_result_t res[4];
	uint32_t n, max, v;

	NEW_WS(ws);
	NEW_EVENT(e);
	NEW_EVENT(f);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, f, S0, 2));
	n = 4;
	EXPECT_EQ(ERR_TIMED_OUT, ws_poll(ws, res, &n, &max));

	e2 = mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, e2);
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	ASSERT_EQ(1u, n);
	EXPECT_EQ(1u, res[0].cookie);
	EXPECT_EQ(ERR_CANCELLED, res[0].wait_result);
	/* A signal on the object does not revive the entry. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, 0, S0));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	ASSERT_EQ(1u, n);
	EXPECT_EQ(ERR_CANCELLED, res[0].wait_result);

	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 9, &f, 1));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	ASSERT_EQ(2u, n);
	EXPECT_EQ(ERR_CANCELLED, find_cookie(res, n, 2)->wait_result);
	EXPECT_EQ(ERR_CANCELLED, find_cookie(res, n, 1)->wait_result);
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, &got, 1, &n));
	ASSERT_EQ(1u, n);
	/* The handle that came back is a new value: the entry stays cancelled. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(got, 0, S0));
	n = 4;
	ASSERT_EQ(NO_ERROR, ws_poll(ws, res, &n, &max));
	EXPECT_EQ(ERR_CANCELLED, find_cookie(res, n, 2)->wait_result);

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

TEST_F(mx, num_results_and_max_results)
{
	mx_handle_t ws, e[5];
	mx_waitset_result_t res[8];
	uint32_t n, max, i, j;

	NEW_WS(ws);
	for (i = 0; i < 5; i++) {
		NEW_EVENT(e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, 100 + i));
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], 0, S0));
	}
	/* Fewer slots than results. */
	memset(res, 0xcc, sizeof(res));
	n = 2;
	max = POISON;
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, res, &max));
	EXPECT_EQ(2u, n);
	EXPECT_EQ(5u, max);
	EXPECT_NE(res[0].cookie, res[1].cookie);
	EXPECT_EQ(0xccccccccccccccccull, res[2].cookie);
	/* More slots than results: each entry once. */
	memset(res, 0xcc, sizeof(res));
	n = 8;
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, res, &max));
	EXPECT_EQ(5u, n);
	EXPECT_EQ(5u, max);
	for (i = 0; i < 5; i++) {
		EXPECT_NE(NULL, find_cookie(res, n, 100 + i));
		for (j = 0; j < i; j++)
			EXPECT_NE(res[i].cookie, res[j].cookie);
	}
	EXPECT_EQ(0xccccccccccccccccull, res[5].cookie);
	/* No slots at all: success, the count in max_results. */
	n = 0;
	max = POISON;
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, NULL, &max));
	EXPECT_EQ(0u, n);
	EXPECT_EQ(5u, max);
	/* max_results is optional. */
	n = 3;
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, res, NULL));
	EXPECT_EQ(3u, n);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(e[i]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
}

/* ---- blocking ---------------------------------------------------------- */

TEST_F(mx, blocked_wait_is_woken_by_a_signal_from_another_thread)
{
	mx_handle_t ws, e, other;
	struct wop op;

	NEW_WS(ws);
	NEW_EVENT(e);
	NEW_EVENT(other);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 42));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, other, S1, 43));
	ASSERT_EQ(0, wop_start(&op, ws));
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	/* A signal nobody watches does not end it. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	ASSERT_EQ(0, wop_join(&op));
	EXPECT_EQ(NO_ERROR, op.r);
	EXPECT_EQ(1u, op.n);
	EXPECT_EQ(1u, op.max);
	EXPECT_EQ(42u, op.res[0].cookie);
	EXPECT_EQ(S0 | S1, op.res[0].signals_state.satisfied);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(other));
}

TEST_F(mx, blocked_wait_is_woken_by_a_handle_closed_in_the_set)
{
	mx_handle_t ws, e;
	struct wop op;

	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S1, 7));
	ASSERT_EQ(0, wop_start(&op, ws));
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	ASSERT_EQ(0, wop_join(&op));
	EXPECT_EQ(NO_ERROR, op.r);
	EXPECT_EQ(1u, op.n);
	EXPECT_EQ(7u, op.res[0].cookie);
	EXPECT_EQ(ERR_CANCELLED, op.res[0].wait_result);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
}

TEST_F(mx, closing_the_wait_set_ends_its_waits)
{
	mx_handle_t ws, e;
	struct wop op[2];
	long n0 = mx_stat_read("waitsets");

	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(0, wop_start(&op[0], ws));
	ASSERT_EQ(0, wop_start(&op[1], ws));
	ASSERT_TRUE(wop_blocked(&op[0], self->base.waiters + 2));
	ASSERT_TRUE(wop_blocked(&op[1], self->base.waiters + 2));
	ASSERT_EQ(NO_ERROR, mx_handle_close(ws));
	ASSERT_EQ(0, wop_join(&op[0]));
	ASSERT_EQ(0, wop_join(&op[1]));
	EXPECT_EQ(ERR_HANDLE_CLOSED, op[0].r);
	EXPECT_EQ(ERR_HANDLE_CLOSED, op[1].r);
	EXPECT_EQ(4u, op[0].n);		/* not written on failure */
	EXPECT_EQ(POISON, op[0].max);
	EXPECT_EQ(n0, mx_stat_read("waitsets"));
	/* The watched event is untouched and can still be signalled. */
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, S0, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_F(mx, replacing_the_wait_set_handle_ends_its_waits)
{
	mx_handle_t ws, ws2, e;
	mx_waitset_result_t res[1];
	uint32_t n = 1;
	struct wop op;

	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(0, wop_start(&op, ws));
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	ws2 = mx_handle_replace(ws, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, ws2);
	ASSERT_EQ(0, wop_join(&op));
	EXPECT_EQ(ERR_HANDLE_CLOSED, op.r);
	/* The entries moved with the object. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws2, 0, &n, res, NULL));
	EXPECT_EQ(1u, res[0].cookie);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

static _Atomic int handler_runs;

static void on_usr1(int sig)
{
	atomic_fetch_add(&handler_runs, 1);
}

/* A signal handler runs during the wait; the wait goes on (restart). */
TEST_F(mx, wait_survives_a_signal_handler)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	mx_handle_t ws, e;
	struct wop op;
	pid_t tid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	NEW_WS(ws);
	NEW_EVENT(e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 3));
	atomic_store(&handler_runs, 0);
	ASSERT_EQ(0, wop_start(&op, ws));
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	tid = atomic_load(&op.tid);
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), tid, SIGUSR1));
	while (atomic_load(&handler_runs) == 0)
		sched_yield();
	ASSERT_TRUE(wop_blocked(&op, self->base.waiters + 1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(0, wop_join(&op));
	EXPECT_EQ(NO_ERROR, op.r);
	EXPECT_EQ(1u, op.n);
	EXPECT_EQ(3u, op.res[0].cookie);
	signal(SIGUSR1, SIG_DFL);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- scale and limits -------------------------------------------------- */

TEST_F(mx, ten_thousand_entries_one_ready)
{
	static mx_handle_t e[MANY];
	mx_waitset_result_t res[4];
	uint32_t n, max, i;
	mx_handle_t ws;

	NEW_WS(ws);
	for (i = 0; i < MANY; i++) {
		NEW_EVENT(e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, i));
	}
	n = 4;
	EXPECT_EQ(ERR_TIMED_OUT, mx_waitset_wait(ws, 0, &n, res, &max));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e[MANY / 2 + 17], 0, S0));
	n = 4;
	max = POISON;
	ASSERT_EQ(NO_ERROR, mx_waitset_wait(ws, 0, &n, res, &max));
	EXPECT_EQ(1u, n);
	EXPECT_EQ(1u, max);
	EXPECT_EQ((uint64_t)(MANY / 2 + 17), res[0].cookie);
	/* Remove half, then close the set with the rest still in it. */
	for (i = 0; i < MANY; i += 2)
		ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, i));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	for (i = 0; i < MANY; i++)
		ASSERT_EQ(NO_ERROR, mx_handle_close(e[i]));
}

FIXTURE(limit) {
	struct mx_stats base;
	long saved;
};

FIXTURE_SETUP(limit)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->saved = mx_param_read("max_waitset_entries");
	ASSERT_LT(0, self->saved);
}

FIXTURE_TEARDOWN(limit)
{
	if (mx_param_read("max_waitset_entries") != self->saved)
		EXPECT_EQ(0, mx_param_write("max_waitset_entries",
					    self->saved));
	EXPECT_STATS_EQ(&self->base);
}

TEST_F(limit, entry_limit_gives_no_memory_after_the_cookie_check)
{
	mx_handle_t ws, e;

	if (!mx_param_writable("max_waitset_entries"))
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_EQ(0, mx_param_write("max_waitset_entries", 2));
	NEW_WS(ws);
	NEW_EVENT(e);
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 2));
	EXPECT_EQ(ERR_ALREADY_EXISTS, mx_waitset_add(ws, e, S0, 2));
	EXPECT_EQ(ERR_NO_MEMORY, mx_waitset_add(ws, e, S0, 3));
	EXPECT_EQ(NO_ERROR, mx_waitset_remove(ws, 1));
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 3));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

TEST_HARNESS_MAIN
