// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting, signals, duplicate and replace (contract sections 3 and 4):
 * mx_handle_wait_one(), mx_handle_wait_many(), mx_handle_duplicate(),
 * mx_handle_replace(), and the signal life cycle of an endpoint.
 *
 * Threads are ordered without sleeps: a waker polls the module's "waiters"
 * counter until the waiter is blocked in the kernel, then acts. Timeouts
 * are only checked from below (elapsed >= timeout); how far a wait
 * overshoots is printed, never asserted, except for a generous bound in the
 * signal tests, where a restarted full timeout must be caught.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "mx_test.h"

#define NSEC_PER_USEC	1000ull
#define NSEC_PER_MSEC	1000000ull
#define NSEC_PER_SEC	1000000000ull

#define SIG_RWP	(MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE | MX_SIGNAL_PEER_CLOSED)
#define SIG_RW	(MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE)
#define SIG_RP	(MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED)

#define RIGHTS_PIPE	(MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE)

#define PARAM_MSGS	"max_queued_msgs"

#define MAX_WAIT	256
#define POISON		0xccccccccu

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Write a one-byte message through @h. */
static mx_status_t put1(mx_handle_t h)
{
	char c = 'x';

	return mx_msgpipe_write(h, &c, 1, NULL, 0, 0);
}

/* Read a message of at most one byte and no handle from @h. */
static mx_status_t get1(mx_handle_t h)
{
	uint32_t nb = 1, nh = 0;
	char c;

	return mx_msgpipe_read(h, &c, &nb, NULL, &nh, 0);
}

/* Send @h inside a message written through @via. */
static mx_status_t send_handle(mx_handle_t via, mx_handle_t h)
{
	return mx_msgpipe_write(via, NULL, 0, &h, 1, 0);
}

/*
 * Poll the module's live-waiter counter until it reaches @target. Gives up
 * (false) when *@done becomes non-zero (the waiter already returned) or
 * after 20 s.
 */
static bool await_waiters(long target, const int *done)
{
	uint64_t end = now_ns() + 20 * NSEC_PER_SEC;

	while (mx_stat_read("waiters") < target) {
		if (done && __atomic_load_n(done, __ATOMIC_ACQUIRE))
			return false;
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

/*
 * Poll *@v until it reaches @target (bounded, 20 s), or until *@done is
 * set, if @done is given.
 */
static bool await_count(const volatile sig_atomic_t *v, int target,
			const int *done)
{
	uint64_t end = now_ns() + 20 * NSEC_PER_SEC;

	while (*v < target) {
		if (done && __atomic_load_n(done, __ATOMIC_ACQUIRE))
			return *v >= target;
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* A PROT_READ page: a buffer the kernel must not be able to write. */
static void *ro_page(void)
{
	void *p = mmap(NULL, mx_page_size(), PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void poison(void *p, size_t n)
{
	memset(p, 0xcc, n);
}

static bool is_poison(const mx_signals_state_t *st)
{
	return st->satisfied == POISON && st->satisfiable == POISON;
}

#define EXPECT_STATE(st, sat, able) do {				\
	EXPECT_EQ((uint32_t)(sat), (st).satisfied);			\
	EXPECT_EQ((uint32_t)(able), (st).satisfiable);			\
} while (0)

/*
 * Check the state of @h with a zero-timeout wait for READABLE, whose
 * result must agree with the state: NO_ERROR when readable, ERR_BAD_STATE
 * when it can never be, else ERR_TIMED_OUT.
 */
#define EXPECT_HANDLE_STATE(h, sat, able) do {				\
	mx_signals_state_t __st;					\
	mx_status_t __want = ((sat) & SIG_R) ? NO_ERROR :		\
		(((able) & SIG_R) ? ERR_TIMED_OUT : ERR_BAD_STATE);	\
	poison(&__st, sizeof(__st));					\
	EXPECT_EQ(__want, mx_handle_wait_one(h, SIG_R, 0, &__st));	\
	EXPECT_STATE(__st, sat, able);					\
} while (0)

/* ---------------------------------------------------------------------- */
/* A thread blocked in wait_one or wait_many. */

struct waiter {
	pthread_t thread;
	/* wait_one when hs is NULL */
	mx_handle_t h;
	mx_signals_t signals;
	/* wait_many */
	uint32_t count;
	const mx_handle_t *hs;
	const mx_signals_t *sigs;
	mx_signals_state_t *states;
	mx_time_t timeout;
	/* results */
	mx_status_t rc;
	uint32_t index;
	mx_signals_state_t st;
	uint64_t elapsed;
	int done;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = now_ns();

	if (w->hs)
		w->rc = mx_handle_wait_many(w->count, w->hs, w->sigs,
					    w->timeout, &w->index, w->states);
	else
		w->rc = mx_handle_wait_one(w->h, w->signals, w->timeout,
					   &w->st);
	w->elapsed = now_ns() - t0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void waiter_one(struct waiter *w, mx_handle_t h, mx_signals_t sig,
		       mx_time_t timeout)
{
	memset(w, 0, sizeof(*w));
	w->h = h;
	w->signals = sig;
	w->timeout = timeout;
	w->index = POISON;
	poison(&w->st, sizeof(w->st));
}

static void waiter_many(struct waiter *w, uint32_t count,
			const mx_handle_t *hs, const mx_signals_t *sigs,
			mx_signals_state_t *states, mx_time_t timeout)
{
	memset(w, 0, sizeof(*w));
	w->count = count;
	w->hs = hs;
	w->sigs = sigs;
	w->states = states;
	w->timeout = timeout;
	w->index = POISON;
	poison(states, count * sizeof(*states));
}

/* Start @w and return once it is blocked in the kernel. */
#define START_WAITER(w) do {						\
	ASSERT_EQ(0, pthread_create(&(w)->thread, NULL, waiter_main, (w))); \
	ASSERT_TRUE(await_waiters(self->base.waiters + 1, &(w)->done))	\
		TH_LOG("the waiter never blocked (rc %d)", (w)->rc);	\
} while (0)

#define JOIN_WAITER(w) ASSERT_EQ(0, pthread_join((w)->thread, NULL))

/* ---------------------------------------------------------------------- */
/* Signal life cycle of an endpoint (section 3). */

TEST_F(mx, lifecycle_at_creation)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_HANDLE_STATE(h[0], SIG_W, SIG_RWP);
	EXPECT_HANDLE_STATE(h[1], SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, lifecycle_write_read)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put1(h[0]));
	EXPECT_HANDLE_STATE(h[1], SIG_RW, SIG_RWP);
	EXPECT_HANDLE_STATE(h[0], SIG_W, SIG_RWP);
	ASSERT_EQ(NO_ERROR, put1(h[0]));
	ASSERT_EQ(NO_ERROR, get1(h[1]));
	EXPECT_HANDLE_STATE(h[1], SIG_RW, SIG_RWP);
	ASSERT_EQ(NO_ERROR, get1(h[1]));
	EXPECT_HANDLE_STATE(h[1], SIG_W, SIG_RWP);
	EXPECT_HANDLE_STATE(h[0], SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, lifecycle_peer_closed_with_queue)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put1(h[0]));
	ASSERT_EQ(NO_ERROR, put1(h[0]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_HANDLE_STATE(h[1], SIG_RP, SIG_RP);
	ASSERT_EQ(NO_ERROR, get1(h[1]));
	EXPECT_HANDLE_STATE(h[1], SIG_RP, SIG_RP);
	ASSERT_EQ(NO_ERROR, get1(h[1]));
	EXPECT_HANDLE_STATE(h[1], SIG_PC, SIG_PC);
	EXPECT_EQ(ERR_CHANNEL_CLOSED, get1(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, lifecycle_peer_closed_empty)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put1(h[1]));	/* queued for h[0], dies with it */
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_HANDLE_STATE(h[1], SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* ---------------------------------------------------------------------- */
/* WRITABLE at the queue cap (needs root to lower max_queued_msgs). */

/*
 * The body runs with the cap lowered to 3, so it uses EXPECT only and
 * bounded waits: the caller must get to restore the parameter.
 */
static void queue_cap_body(struct __test_metadata *_metadata,
			   FIXTURE_DATA(mx) *self, const mx_handle_t *h)
{
	mx_signals_state_t st;
	struct waiter w;
	int i;

	for (i = 0; i < 3; i++)
		EXPECT_EQ(NO_ERROR, put1(h[0]));
	EXPECT_HANDLE_STATE(h[0], 0, SIG_RWP);
	EXPECT_HANDLE_STATE(h[1], SIG_RW, SIG_RWP);
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(h[0], SIG_W, 0, &st));
	EXPECT_EQ(ERR_NO_MEMORY, put1(h[0]));
	if (!_metadata->passed)
		return;

	/* A writer blocked on WRITABLE is woken by the peer's read. */
	waiter_one(&w, h[0], SIG_W, 10 * NSEC_PER_SEC);
	if (pthread_create(&w.thread, NULL, waiter_main, &w)) {
		EXPECT_TRUE(0);
		return;
	}
	EXPECT_TRUE(await_waiters(self->base.waiters + 1, &w.done));
	EXPECT_EQ(NO_ERROR, get1(h[1]));
	pthread_join(w.thread, NULL);
	EXPECT_EQ(NO_ERROR, w.rc);
	EXPECT_STATE(w.st, SIG_W, SIG_RWP);
	EXPECT_HANDLE_STATE(h[0], SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, put1(h[0]));
	EXPECT_HANDLE_STATE(h[0], 0, SIG_RWP);
}

TEST_F(mx, writable_cleared_at_queue_cap)
{
	long old = mx_param_read(PARAM_MSGS);
	mx_handle_t h[2];

	if (old < 0 || !mx_param_writable(PARAM_MSGS))
		SKIP(return, "cannot change %s (not root?)",
		     MX_PARAM_DIR PARAM_MSGS);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(0, mx_param_write(PARAM_MSGS, 3));
	queue_cap_body(_metadata, self, h);
	EXPECT_EQ(0, mx_param_write(PARAM_MSGS, old));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* ---------------------------------------------------------------------- */
/* mx_handle_wait_one: every result code. */

TEST_F(mx, wait_one_no_error)
{
	mx_signals_state_t st;
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	poison(&st, sizeof(st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_W, 0, &st));
	EXPECT_STATE(st, SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_RWP,
					       MX_TIME_INFINITE, NULL));
	ASSERT_EQ(NO_ERROR, put1(h[1]));
	poison(&st, sizeof(st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_R,
					       MX_TIME_INFINITE, &st));
	EXPECT_STATE(st, SIG_RW, SIG_RWP);
	EXPECT_EQ(NO_ERROR, get1(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, wait_one_bad_state_writable_after_peer_closed)
{
	mx_signals_state_t st;
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put1(h[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	/* Queued message: READABLE still satisfied, WRITABLE is gone. */
	poison(&st, sizeof(st));
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(h[0], SIG_W,
						    MX_TIME_INFINITE, &st));
	EXPECT_STATE(st, SIG_RP, SIG_RP);
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_R, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

TEST_F(mx, wait_one_bad_state_readable_after_peer_closed)
{
	mx_signals_state_t st;
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	poison(&st, sizeof(st));
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(h[0], SIG_R,
						    MX_TIME_INFINITE, &st));
	EXPECT_STATE(st, SIG_PC, SIG_PC);
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(h[0], SIG_RW, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_RP, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

TEST_F(mx, wait_one_timed_out)
{
	mx_signals_state_t st;
	mx_handle_t h[2];
	uint64_t t0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	poison(&st, sizeof(st));
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(h[0], SIG_R, 0, &st));
	EXPECT_STATE(st, SIG_W, SIG_RWP);
	poison(&st, sizeof(st));
	t0 = now_ns();
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(h[0], SIG_RP,
						    2 * NSEC_PER_MSEC, &st));
	EXPECT_LE(2 * NSEC_PER_MSEC, now_ns() - t0);
	EXPECT_STATE(st, SIG_W, SIG_RWP);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, wait_one_invalid_handle)
{
	mx_handle_t stale = mx_dead_handle();
	mx_signals_state_t st;

	ASSERT_LT(0, stale);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(MX_HANDLE_INVALID, SIG_R,
						       MX_TIME_INFINITE, &st));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(-1, SIG_R,
						       MX_TIME_INFINITE, &st));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(stale, SIG_R,
						       MX_TIME_INFINITE, NULL));
}

TEST_F(mx, wait_one_unwritable_state)
{
	mx_signals_state_t *ro = ro_page();
	mx_handle_t h[2];

	ASSERT_NE(NULL, ro);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	/* Satisfied at once, and would block: the answer is the same. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(h[0], SIG_W,
						       MX_TIME_INFINITE, ro));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(h[0], SIG_R, 0, ro));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(h[0], SIG_R,
						       NSEC_PER_MSEC, ro));
	/* Found before sleeping: this does not block. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(h[0], SIG_R,
						       MX_TIME_INFINITE, ro));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_wait_one(h[0], SIG_R, 0,
				     (mx_signals_state_t *)(uintptr_t)8));
	/* Nothing was consumed or broken. */
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	EXPECT_EQ(NO_ERROR, get1(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	munmap(ro, mx_page_size());
}

TEST_F(mx, wait_one_access_denied)
{
	static const mx_rights_t no_read[] = {
		MX_RIGHT_WRITE | MX_RIGHT_TRANSFER, MX_RIGHT_WRITE,
		MX_RIGHT_TRANSFER, 0,
	};
	mx_handle_t h[2], r;
	unsigned int i;

	for (i = 0; i < sizeof(no_read) / sizeof(no_read[0]); i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
		ASSERT_EQ(NO_ERROR, put1(h[1]));	/* READABLE satisfied */
		r = mx_handle_replace(h[0], no_read[i]);
		ASSERT_LT(0, r);
		EXPECT_EQ(ERR_ACCESS_DENIED,
			  mx_handle_wait_one(r, SIG_R, MX_TIME_INFINITE, NULL));
		EXPECT_EQ(ERR_ACCESS_DENIED,
			  mx_handle_wait_one(r, SIG_W, 0, NULL));
		EXPECT_EQ(NO_ERROR, mx_handle_close(r));
		EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	}
}

/* ---------------------------------------------------------------------- */
/* Waits ended by another thread or process. */

TEST_F(mx, wait_one_infinite_woken_by_write)
{
	mx_handle_t h[2];
	struct waiter w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	waiter_one(&w, h[0], SIG_R, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	JOIN_WAITER(&w);
	EXPECT_EQ(NO_ERROR, w.rc);
	EXPECT_STATE(w.st, SIG_RW, SIG_RWP);
	EXPECT_EQ(NO_ERROR, get1(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, wait_one_woken_by_peer_close)
{
	mx_handle_t h[2];
	struct waiter w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	waiter_one(&w, h[0], SIG_RP, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	JOIN_WAITER(&w);
	EXPECT_EQ(NO_ERROR, w.rc);
	EXPECT_STATE(w.st, SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/* Peer close makes the awaited signal unsatisfiable while blocked. */
TEST_F(mx, wait_one_bad_state_while_blocked)
{
	mx_handle_t h[2];
	struct waiter w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	waiter_one(&w, h[0], SIG_R, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	JOIN_WAITER(&w);
	EXPECT_EQ(ERR_BAD_STATE, w.rc);
	EXPECT_STATE(w.st, SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

enum kill_how { BY_CLOSE, BY_REPLACE, BY_TRANSFER };

static const char *const kill_names[] = { "close", "replace", "transfer" };

/*
 * Make @h stop being a handle of this process: close it, replace it, or
 * send it away in a message through @via. Returns the handle the caller
 * must still close (the replacement), or MX_HANDLE_INVALID.
 */
static mx_handle_t kill_handle(struct __test_metadata *_metadata,
			       enum kill_how how, mx_handle_t h,
			       mx_handle_t via)
{
	mx_handle_t r = MX_HANDLE_INVALID;

	switch (how) {
	case BY_CLOSE:
		EXPECT_EQ(NO_ERROR, mx_handle_close(h));
		break;
	case BY_REPLACE:
		r = mx_handle_replace(h, MX_RIGHT_SAME_RIGHTS);
		EXPECT_LT(0, r);
		EXPECT_NE(h, r);
		break;
	case BY_TRANSFER:
		EXPECT_EQ(NO_ERROR, send_handle(via, h));
		break;
	}
	return r > 0 ? r : MX_HANDLE_INVALID;
}

static void wait_one_handle_closed(struct __test_metadata *_metadata,
				   FIXTURE_DATA(mx) *self, enum kill_how how)
{
	mx_handle_t h[2], c[2], r;
	struct waiter w;

	TH_LOG("waited handle ended by %s", kill_names[how]);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	waiter_one(&w, h[0], SIG_R, MX_TIME_INFINITE);
	START_WAITER(&w);
	r = kill_handle(_metadata, how, h[0], c[0]);
	JOIN_WAITER(&w);
	EXPECT_EQ(ERR_HANDLE_CLOSED, w.rc);
	EXPECT_FALSE(is_poison(&w.st));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(h[0], SIG_R, 0, NULL));
	if (r) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	} else if (how == BY_CLOSE) {
		EXPECT_HANDLE_STATE(h[1], SIG_PC, SIG_PC);
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

TEST_F(mx, wait_one_handle_closed_by_close)
{
	wait_one_handle_closed(_metadata, self, BY_CLOSE);
}

TEST_F(mx, wait_one_handle_closed_by_replace)
{
	wait_one_handle_closed(_metadata, self, BY_REPLACE);
}

TEST_F(mx, wait_one_handle_closed_by_transfer)
{
	wait_one_handle_closed(_metadata, self, BY_TRANSFER);
}

/* The writer is another process, given the peer through an exported fd. */
TEST_F(mx, wait_one_woken_by_other_process)
{
	mx_signals_state_t st;
	mx_handle_t h[2], got;
	int fd = -1;
	pid_t pid;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(h[1], 0, &fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mx_handle_import(fd, &got))
			_exit(1);
		if (!await_waiters(self->base.waiters + 1, NULL))
			_exit(2);
		_exit(put1(got) ? 3 : 0);
	}
	close(fd);
	poison(&st, sizeof(st));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], SIG_R, MX_TIME_INFINITE,
					       &st));
	EXPECT_EQ(0, mx_wait_child(pid));
	/* The child has exited: its end is closed, its message remains. */
	EXPECT_EQ(SIG_R, st.satisfied & SIG_R);
	EXPECT_EQ(NO_ERROR, get1(h[0]));
	EXPECT_HANDLE_STATE(h[0], SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/* A handle closed through MAY_DISCARD wakes a waiter on its peer. */
TEST_F(mx, may_discard_closes_carried_handles)
{
	mx_handle_t a[2], b[2];
	uint32_t nb = 1, nh = 0;
	char bytes[8] = "discard";
	struct waiter w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(b, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(a[0], bytes, sizeof(bytes),
					     &b[1], 1, 0));
	waiter_one(&w, b[0], SIG_PC, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(a[1], bytes, &nb, NULL, &nh,
				  MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(sizeof(bytes), nb);
	EXPECT_EQ(1, nh);
	JOIN_WAITER(&w);
	EXPECT_EQ(NO_ERROR, w.rc);
	EXPECT_STATE(w.st, SIG_PC, SIG_PC);
	EXPECT_HANDLE_STATE(b[0], SIG_PC, SIG_PC);
	EXPECT_EQ(ERR_BAD_STATE, get1(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[0]));
}

/* ---------------------------------------------------------------------- */
/* Timeouts. */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define TIMEOUT_RUNS 20

TEST_F_TIMEOUT(mx, timeout_accuracy, 120)
{
	static const mx_time_t timeouts[] = {
		0, 100 * NSEC_PER_USEC, NSEC_PER_MSEC, 10 * NSEC_PER_MSEC,
	};
	uint64_t over[TIMEOUT_RUNS], t0, el;
	mx_handle_t h[2];
	unsigned int i, k;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		for (k = 0; k < TIMEOUT_RUNS; k++) {
			t0 = now_ns();
			EXPECT_EQ(ERR_TIMED_OUT,
				  mx_handle_wait_one(h[0], SIG_R, timeouts[i],
						     NULL));
			el = now_ns() - t0;
			EXPECT_LE(timeouts[i], el);
			over[k] = el > timeouts[i] ? el - timeouts[i] : 0;
		}
		qsort(over, TIMEOUT_RUNS, sizeof(over[0]), cmp_u64);
		ksft_print_msg("overshoot timeout=%lluns: min %lluns median %lluns max %lluns (%d runs)\n",
			       (unsigned long long)timeouts[i],
			       (unsigned long long)over[0],
			       (unsigned long long)over[TIMEOUT_RUNS / 2],
			       (unsigned long long)over[TIMEOUT_RUNS - 1],
			       TIMEOUT_RUNS);
		fflush(stdout);
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* ---------------------------------------------------------------------- */
/* Unix signals delivered to a blocked waiter. */

static volatile sig_atomic_t usr1_count;
static mx_handle_t usr1_write_h;	/* if set, the handler writes here */

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
	if (usr1_write_h)
		put1(usr1_write_h);
}

static int install_usr1(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

enum usr1_end { END_TIMEOUT, END_WRITE, END_HANDLER_WRITE };

#define USR1_SIGNALS	3
/*
 * Long enough for USR1_SIGNALS round trips (block, signal, handler, block
 * again) on a debug kernel under TCG on a loaded host: 200 ms once fitted
 * only 2.
 */
#define USR1_TIMEOUT	(1000 * NSEC_PER_MSEC)
#define USR1_SLACK	(2 * NSEC_PER_SEC)

/*
 * Send SIGUSR1 to @w up to @n times, each time once it is blocked again and
 * the previous handler has run, until it returns or @until (CLOCK_MONOTONIC
 * ns) passes. Returns how many were delivered.
 */
static int pester(struct __test_metadata *_metadata, FIXTURE_DATA(mx) *self,
		  struct waiter *w, int n, uint64_t until, bool *raced)
{
	int base = usr1_count, sent;

	for (sent = 0; sent < n && now_ns() < until; sent++) {
		if (!await_waiters(self->base.waiters + 1, &w->done))
			break;
		EXPECT_EQ(0, pthread_kill(w->thread, SIGUSR1));
		if (await_count(&usr1_count, base + sent + 1, &w->done))
			continue;
		/*
		 * The wait ended (timed out) just as the signal went: the
		 * thread may leave before its handler runs. Only the last
		 * signal can do that.
		 */
		EXPECT_TRUE(__atomic_load_n(&w->done, __ATOMIC_ACQUIRE));
		*raced = true;
		return sent + 1;
	}
	return sent;
}

/*
 * END_TIMEOUT: signal the waiter over and over for as long as it waits. A
 * wait that restarted its full timeout after each handler would outlast
 * the signals and end late; one cut short would end early.
 */
static void wait_with_signals(struct __test_metadata *_metadata,
			      FIXTURE_DATA(mx) *self, bool restart,
			      enum usr1_end end)
{
	bool raced = false;
	mx_handle_t h[2];
	struct waiter w;
	uint64_t until;
	int sent;

	usr1_count = 0;
	usr1_write_h = MX_HANDLE_INVALID;
	ASSERT_EQ(0, install_usr1(restart));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	waiter_one(&w, h[0], SIG_R,
		   end == END_TIMEOUT ? USR1_TIMEOUT : MX_TIME_INFINITE);
	until = now_ns() + USR1_TIMEOUT + USR1_SLACK;
	START_WAITER(&w);
	if (end == END_TIMEOUT) {
		sent = pester(_metadata, self, &w, INT32_MAX, until, &raced);
	} else {
		sent = pester(_metadata, self, &w, USR1_SIGNALS, UINT64_MAX,
			      &raced);
		EXPECT_EQ(USR1_SIGNALS, sent);
	}
	if (end == END_WRITE) {
		EXPECT_EQ(NO_ERROR, put1(h[1]));
	} else if (end == END_HANDLER_WRITE) {
		usr1_write_h = h[1];
		sent += pester(_metadata, self, &w, 1, UINT64_MAX, &raced);
		EXPECT_EQ(USR1_SIGNALS + 1, sent);
	}
	JOIN_WAITER(&w);
	usr1_write_h = MX_HANDLE_INVALID;
	TH_LOG("%d signals, wait took %llu us", sent,
	       (unsigned long long)w.elapsed / NSEC_PER_USEC);
	/* Every handler ran, but for a last signal that met the wait's end. */
	EXPECT_EQ(sent, usr1_count + (raced && usr1_count < sent));
	EXPECT_TRUE(!raced || end == END_TIMEOUT);
	if (end == END_TIMEOUT) {
		EXPECT_LE(USR1_SIGNALS, sent);
		EXPECT_EQ(ERR_TIMED_OUT, w.rc);
		EXPECT_STATE(w.st, SIG_W, SIG_RWP);
		EXPECT_LE(USR1_TIMEOUT, w.elapsed);
		EXPECT_GT(USR1_TIMEOUT + USR1_SLACK, w.elapsed);
	} else {
		EXPECT_EQ(NO_ERROR, w.rc);
		EXPECT_STATE(w.st, SIG_RW, SIG_RWP);
		EXPECT_EQ(NO_ERROR, get1(h[0]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, signal_keeps_timeout_no_restart)
{
	wait_with_signals(_metadata, self, false, END_TIMEOUT);
}

TEST_F(mx, signal_keeps_timeout_sa_restart)
{
	wait_with_signals(_metadata, self, true, END_TIMEOUT);
}

TEST_F(mx, signal_then_write_wakes_no_restart)
{
	wait_with_signals(_metadata, self, false, END_WRITE);
}

TEST_F(mx, signal_then_write_wakes_sa_restart)
{
	wait_with_signals(_metadata, self, true, END_WRITE);
}

TEST_F(mx, write_from_handler_wakes_no_restart)
{
	wait_with_signals(_metadata, self, false, END_HANDLER_WRITE);
}

TEST_F(mx, write_from_handler_wakes_sa_restart)
{
	wait_with_signals(_metadata, self, true, END_HANDLER_WRITE);
}

TEST_F(mx, sigkill_ends_infinite_wait)
{
	mx_handle_t h[2];
	bool blocked;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mx_msgpipe_create(h, 0))
			_exit(1);
		mx_handle_wait_one(h[0], SIG_R, MX_TIME_INFINITE, NULL);
		_exit(2);
	}
	blocked = await_waiters(self->base.waiters + 1, NULL);
	EXPECT_EQ(0, kill(pid, SIGKILL));
	EXPECT_TRUE(blocked);
	EXPECT_EQ(128 + SIGKILL, mx_wait_child(pid));
	EXPECT_EQ(self->base.waiters, mx_stat_read("waiters"));
	EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
}

/* ---------------------------------------------------------------------- */
/* mx_handle_wait_many: every result code. */

TEST_F(mx, wait_many_count_zero_sleeps)
{
	mx_signals_state_t st;
	uint32_t idx;
	uint64_t t0;

	t0 = now_ns();
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(0, NULL, NULL,
						     5 * NSEC_PER_MSEC,
						     NULL, NULL));
	EXPECT_LE(5 * NSEC_PER_MSEC, now_ns() - t0);
	t0 = now_ns();
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(0, NULL, NULL,
						     NSEC_PER_MSEC, &idx, &st));
	EXPECT_LE(NSEC_PER_MSEC, now_ns() - t0);
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(0, NULL, NULL, 0,
						     NULL, NULL));
}

TEST_F(mx, wait_many_one_handle)
{
	mx_signals_state_t st;
	mx_handle_t h[2];
	mx_signals_t sig = SIG_R;
	struct waiter w;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	poison(&st, sizeof(st));
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(1, &h[0], &sig, 0,
						     NULL, &st));
	EXPECT_STATE(st, SIG_W, SIG_RWP);
	waiter_many(&w, 1, &h[0], &sig, &st, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	JOIN_WAITER(&w);
	EXPECT_EQ(NO_ERROR, w.rc);
	EXPECT_EQ(0, w.index);
	EXPECT_STATE(st, SIG_RW, SIG_RWP);
	EXPECT_EQ(NO_ERROR, get1(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Three pipes; the waited handles are p[i][0]. */
struct trio {
	mx_handle_t p[3][2];
	mx_handle_t hs[3];
	mx_signals_t sigs[3];
	mx_signals_state_t st[3];
};

static int trio_open(struct trio *t, mx_signals_t sig)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (mx_msgpipe_create(t->p[i], 0))
			return -1;
		t->hs[i] = t->p[i][0];
		t->sigs[i] = sig;
	}
	poison(t->st, sizeof(t->st));
	return 0;
}

static void trio_close(struct __test_metadata *_metadata, struct trio *t)
{
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			if (t->p[i][j])
				EXPECT_EQ(NO_ERROR, mx_handle_close(t->p[i][j]));
}

TEST_F(mx, wait_many_no_error)
{
	struct trio t;
	uint32_t idx = POISON;

	ASSERT_EQ(0, trio_open(&t, SIG_R));
	ASSERT_EQ(NO_ERROR, put1(t.p[1][1]));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_many(3, t.hs, t.sigs,
						MX_TIME_INFINITE, &idx, t.st));
	EXPECT_EQ(1, idx);
	EXPECT_STATE(t.st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[1], SIG_RW, SIG_RWP);
	EXPECT_STATE(t.st[2], SIG_W, SIG_RWP);
	/* NULL result_index and states are allowed. */
	EXPECT_EQ(NO_ERROR, mx_handle_wait_many(3, t.hs, t.sigs, 0,
						NULL, NULL));
	EXPECT_EQ(NO_ERROR, get1(t.p[1][0]));
	trio_close(_metadata, &t);
}

TEST_F(mx, wait_many_timed_out)
{
	struct trio t;
	uint32_t idx;
	uint64_t t0;

	ASSERT_EQ(0, trio_open(&t, SIG_R));
	ASSERT_EQ(NO_ERROR, put1(t.p[2][0]));	/* p[2][1] readable */
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(3, t.hs, t.sigs, 0,
						     &idx, t.st));
	EXPECT_STATE(t.st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[1], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[2], SIG_W, SIG_RWP);
	poison(t.st, sizeof(t.st));
	t0 = now_ns();
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(3, t.hs, t.sigs,
						     2 * NSEC_PER_MSEC,
						     &idx, t.st));
	EXPECT_LE(2 * NSEC_PER_MSEC, now_ns() - t0);
	EXPECT_STATE(t.st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[1], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[2], SIG_W, SIG_RWP);
	trio_close(_metadata, &t);
}

TEST_F(mx, wait_many_bad_state)
{
	struct trio t;
	uint32_t idx = POISON;

	ASSERT_EQ(0, trio_open(&t, SIG_R));
	t.sigs[2] = SIG_W;
	ASSERT_EQ(NO_ERROR, mx_handle_close(t.p[2][1]));
	t.p[2][1] = MX_HANDLE_INVALID;
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_many(3, t.hs, t.sigs,
						     MX_TIME_INFINITE,
						     &idx, t.st));
	EXPECT_EQ(2, idx);
	EXPECT_STATE(t.st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[1], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[2], SIG_PC, SIG_PC);
	trio_close(_metadata, &t);
}

TEST_F(mx, wait_many_bad_state_while_blocked)
{
	struct waiter w;
	struct trio t;

	ASSERT_EQ(0, trio_open(&t, SIG_R));
	waiter_many(&w, 3, t.hs, t.sigs, t.st, MX_TIME_INFINITE);
	START_WAITER(&w);
	EXPECT_EQ(NO_ERROR, mx_handle_close(t.p[1][1]));
	t.p[1][1] = MX_HANDLE_INVALID;
	JOIN_WAITER(&w);
	EXPECT_EQ(ERR_BAD_STATE, w.rc);
	EXPECT_EQ(1, w.index);
	EXPECT_STATE(t.st[0], SIG_W, SIG_RWP);
	EXPECT_STATE(t.st[1], SIG_PC, SIG_PC);
	EXPECT_STATE(t.st[2], SIG_W, SIG_RWP);
	trio_close(_metadata, &t);
}

static void wait_many_handle_closed(struct __test_metadata *_metadata,
				    FIXTURE_DATA(mx) *self, enum kill_how how,
				    int victim)
{
	mx_handle_t c[2], r;
	struct waiter w;
	struct trio t;
	int i;

	TH_LOG("handle %d of 3 ended by %s", victim, kill_names[how]);
	ASSERT_EQ(0, trio_open(&t, SIG_R));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	waiter_many(&w, 3, t.hs, t.sigs, t.st, MX_TIME_INFINITE);
	START_WAITER(&w);
	r = kill_handle(_metadata, how, t.p[victim][0], c[0]);
	t.p[victim][0] = r;
	JOIN_WAITER(&w);
	EXPECT_EQ(ERR_HANDLE_CLOSED, w.rc);
	EXPECT_EQ(victim, w.index);
	for (i = 0; i < 3; i++) {
		if (i == victim) {
			EXPECT_FALSE(is_poison(&t.st[i]));
		} else {
			EXPECT_STATE(t.st[i], SIG_W, SIG_RWP);
		}
	}
	trio_close(_metadata, &t);
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

TEST_F(mx, wait_many_handle_closed_by_close)
{
	wait_many_handle_closed(_metadata, self, BY_CLOSE, 1);
}

TEST_F(mx, wait_many_handle_closed_by_replace)
{
	wait_many_handle_closed(_metadata, self, BY_REPLACE, 2);
}

TEST_F(mx, wait_many_handle_closed_by_transfer)
{
	wait_many_handle_closed(_metadata, self, BY_TRANSFER, 0);
}

TEST_F(mx, wait_many_invalid_args)
{
	mx_handle_t hs[MAX_WAIT + 1], stale = mx_dead_handle(), *tail;
	mx_signals_t sigs[MAX_WAIT + 1];
	mx_signals_state_t *ro = ro_page();
	char *two = mmap(NULL, 2 * mx_page_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct trio t;
	uint32_t idx;
	int i;

	ASSERT_LT(0, stale);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, trio_open(&t, SIG_R));
	for (i = 0; i <= MAX_WAIT; i++) {
		hs[i] = t.p[0][0];
		sigs[i] = SIG_R;
	}
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(MAX_WAIT + 1, hs, sigs,
							0, &idx, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(UINT32_MAX, hs, sigs,
							0, &idx, NULL));
	/* An invalid handle anywhere: refused before anything waits. */
	for (i = 0; i < 3; i++) {
		mx_handle_t saved = t.hs[i];

		t.hs[i] = i == 1 ? stale : MX_HANDLE_INVALID;
		EXPECT_EQ(ERR_INVALID_ARGS,
			  mx_handle_wait_many(3, t.hs, t.sigs,
					      MX_TIME_INFINITE, &idx, t.st));
		t.hs[i] = saved;
	}
	/* Unreadable handle or signal arrays, wholly or from the third on. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, (mx_handle_t *)8,
					t.sigs, MX_TIME_INFINITE, &idx, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs,
					(mx_signals_t *)8, MX_TIME_INFINITE,
					&idx, NULL));
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + mx_page_size(), mx_page_size(), PROT_NONE));
	tail = (mx_handle_t *)(two + mx_page_size()) - 2;
	memcpy(tail, t.hs, 2 * sizeof(t.hs[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, tail, t.sigs,
					MX_TIME_INFINITE, &idx, NULL));
	munmap(two, 2 * mx_page_size());
	/* Unwritable states or result_index, found before sleeping. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs, t.sigs, 0,
							&idx, ro));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs, t.sigs,
							MX_TIME_INFINITE,
							&idx, ro));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs, t.sigs,
							MX_TIME_INFINITE,
							(uint32_t *)ro, NULL));
	ASSERT_EQ(NO_ERROR, put1(t.p[0][1]));	/* index 0 satisfied */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs, t.sigs, 0,
							(uint32_t *)ro, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_many(3, t.hs, t.sigs,
							MX_TIME_INFINITE,
							&idx, ro));
	EXPECT_EQ(NO_ERROR, get1(t.p[0][0]));
	trio_close(_metadata, &t);
	munmap(ro, mx_page_size());
}

TEST_F(mx, wait_many_access_denied)
{
	mx_handle_t stale = mx_dead_handle();
	struct trio t;
	uint32_t idx;
	mx_handle_t r;

	ASSERT_LT(0, stale);
	ASSERT_EQ(0, trio_open(&t, SIG_R));
	ASSERT_EQ(NO_ERROR, put1(t.p[0][1]));	/* handle 0 satisfied */
	r = mx_handle_replace(t.p[1][0], MX_RIGHT_WRITE | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, r);
	t.p[1][0] = t.hs[1] = r;
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_handle_wait_many(3, t.hs, t.sigs, MX_TIME_INFINITE,
				      &idx, t.st));
	/* Validity is checked for every handle before any right. */
	t.hs[2] = stale;
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_wait_many(3, t.hs, t.sigs, MX_TIME_INFINITE,
				      &idx, t.st));
	EXPECT_EQ(NO_ERROR, get1(t.p[0][0]));
	trio_close(_metadata, &t);
}

/* ---------------------------------------------------------------------- */
/* wait_many over 256 handles: 128 pipes, both ends. */

struct many {
	mx_handle_t p[MAX_WAIT / 2][2];
	mx_handle_t hs[MAX_WAIT];
	mx_signals_t sigs[MAX_WAIT];
	mx_signals_state_t st[MAX_WAIT];
};

/* The handle at the other end of hs[i]. */
static mx_handle_t many_peer(const struct many *m, int i)
{
	return m->p[i / 2][1 - i % 2];
}

static int many_open(struct many *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < MAX_WAIT / 2; i++)
		if (mx_msgpipe_create(m->p[i], 0))
			return -1;
	for (i = 0; i < MAX_WAIT; i++) {
		m->hs[i] = m->p[i / 2][i % 2];
		m->sigs[i] = SIG_R;
	}
	return 0;
}

static void many_close(struct __test_metadata *_metadata, struct many *m)
{
	int i;

	for (i = 0; i < MAX_WAIT; i++)
		if (m->hs[i])
			EXPECT_EQ(NO_ERROR, mx_handle_close(m->hs[i]));
}

TEST_F_TIMEOUT(mx, wait_many_256_first_wins, 120)
{
	static const int picks[] = { 0, 1, 128, 254, 255, 77 };
	struct many *m = malloc(sizeof(*m));
	unsigned int k;
	struct waiter w;
	int i, j;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, many_open(m));
	for (k = 0; k < sizeof(picks) / sizeof(picks[0]); k++) {
		i = picks[k];
		waiter_many(&w, MAX_WAIT, m->hs, m->sigs, m->st,
			    MX_TIME_INFINITE);
		START_WAITER(&w);
		ASSERT_EQ(NO_ERROR, put1(many_peer(m, i)));
		JOIN_WAITER(&w);
		EXPECT_EQ(NO_ERROR, w.rc);
		EXPECT_EQ((uint32_t)i, w.index);
		for (j = 0; j < MAX_WAIT; j++) {
			if (j == i)
				EXPECT_STATE(m->st[j], SIG_RW, SIG_RWP);
			else
				EXPECT_STATE(m->st[j], SIG_W, SIG_RWP);
		}
		ASSERT_EQ(NO_ERROR, get1(m->hs[i]));
	}
	many_close(_metadata, m);
	free(m);
}

/*
 * Several handles fire at once: a writer thread makes BURST handles
 * readable per round while the main thread waits on all 256; every wait
 * must name one readable handle, and all BURST messages must be found.
 */
#define ROUNDS	200
#define BURST	3

struct burst {
	struct many *m;
	sem_t go;
	int pending[MAX_WAIT];
	int failed;
	int stop;
};

static void *burst_writer(void *arg)
{
	struct burst *b = arg;
	unsigned int seed = 12345;
	int r, k, i;

	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < BURST; k++) {
			do
				i = rand_r(&seed) % MAX_WAIT;
			while (__atomic_load_n(&b->pending[i], __ATOMIC_ACQUIRE));
			__atomic_store_n(&b->pending[i], 1, __ATOMIC_RELEASE);
			if (put1(many_peer(b->m, i)))
				__atomic_store_n(&b->failed, 1, __ATOMIC_RELEASE);
		}
		while (sem_wait(&b->go))
			;
		if (__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
			break;
	}
	return NULL;
}

/* Consume one burst; false on the first thing that goes wrong. */
static bool burst_consume(struct __test_metadata *_metadata, struct burst *b)
{
	struct many *m = b->m;
	mx_status_t rc;
	uint32_t idx;
	int k;

	for (k = 0; k < BURST; k++) {
		idx = POISON;
		rc = mx_handle_wait_many(MAX_WAIT, m->hs, m->sigs,
					 10 * NSEC_PER_SEC, &idx, m->st);
		EXPECT_EQ(NO_ERROR, rc);
		if (rc)
			return false;
		EXPECT_GT(MAX_WAIT, idx);
		if (idx >= MAX_WAIT)
			return false;
		EXPECT_EQ(SIG_R, m->st[idx].satisfied & SIG_R);
		EXPECT_EQ(1, __atomic_load_n(&b->pending[idx], __ATOMIC_ACQUIRE));
		EXPECT_EQ(NO_ERROR, get1(m->hs[idx]));
		__atomic_store_n(&b->pending[idx], 0, __ATOMIC_RELEASE);
		if (!_metadata->passed)
			return false;
	}
	return true;
}

TEST_F_TIMEOUT(mx, wait_many_256_burst_no_lost_wakeup, 300)
{
	struct burst *b = calloc(1, sizeof(*b));
	pthread_t thr;
	int r;

	ASSERT_NE(NULL, b);
	b->m = malloc(sizeof(*b->m));
	ASSERT_NE(NULL, b->m);
	ASSERT_EQ(0, many_open(b->m));
	ASSERT_EQ(0, sem_init(&b->go, 0, 0));
	ASSERT_EQ(0, pthread_create(&thr, NULL, burst_writer, b));
	for (r = 0; r < ROUNDS; r++) {
		if (!burst_consume(_metadata, b))
			break;
		sem_post(&b->go);
	}
	EXPECT_EQ(ROUNDS, r);
	if (r < ROUNDS) {
		/* Let the writer stop without us. */
		__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
		sem_post(&b->go);
	}
	ASSERT_EQ(0, pthread_join(thr, NULL));
	EXPECT_EQ(0, b->failed);
	/* Nothing left over: no message was written twice or missed. */
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_many(MAX_WAIT, b->m->hs,
						     b->m->sigs, 0, NULL, NULL));
	many_close(_metadata, b->m);
	sem_destroy(&b->go);
	free(b->m);
	free(b);
}

/* ---------------------------------------------------------------------- */
/* mx_handle_duplicate */

static const mx_rights_t any_rights[] = {
	MX_RIGHT_SAME_RIGHTS, 0, MX_RIGHT_READ, RIGHTS_PIPE,
	MX_RIGHT_DUPLICATE, MX_RIGHT_DUPLICATE | RIGHTS_PIPE,
	MX_RIGHT_EXECUTE | MX_RIGHT_DEBUG, 0x7fffffffu, 0xffffffffu,
};

#define N_ANY_RIGHTS (sizeof(any_rights) / sizeof(any_rights[0]))

/* @h[0] still works with all its rights, under the same value. */
#define EXPECT_PIPE_INTACT(h) do {					\
	mx_handle_t __c[2];						\
	EXPECT_EQ(NO_ERROR, put1((h)[0]));				\
	EXPECT_EQ(NO_ERROR, get1((h)[1]));				\
	EXPECT_EQ(NO_ERROR, put1((h)[1]));				\
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one((h)[0], SIG_R, 0, NULL)); \
	EXPECT_EQ(NO_ERROR, get1((h)[0]));				\
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(__c, 0));			\
	EXPECT_EQ(NO_ERROR, send_handle(__c[0], (h)[0]));		\
	EXPECT_EQ(NO_ERROR, mx_handle_close(__c[0]));			\
	EXPECT_EQ(NO_ERROR, mx_handle_close(__c[1]));			\
	EXPECT_HANDLE_STATE((h)[1], SIG_PC, SIG_PC);			\
	EXPECT_EQ(NO_ERROR, mx_handle_close((h)[1]));			\
} while (0)

TEST_F(mx, duplicate_invalid)
{
	mx_handle_t stale = mx_dead_handle();

	ASSERT_LT(0, stale);
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(MX_HANDLE_INVALID,
						      MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(-1, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(stale, 0));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(stale,
						      MX_RIGHT_SAME_RIGHTS));
}

TEST_F(mx, duplicate_pipe_access_denied)
{
	struct mx_stats before;
	mx_handle_t h[2];
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	mx_stats_read(&before);
	for (i = 0; i < N_ANY_RIGHTS; i++) {
		EXPECT_EQ(ERR_ACCESS_DENIED,
			  mx_handle_duplicate(h[0], any_rights[i]))
			TH_LOG("rights 0x%x", any_rights[i]);
		EXPECT_EQ(ERR_ACCESS_DENIED,
			  mx_handle_duplicate(h[1], any_rights[i]));
	}
	EXPECT_STATS_EQ(&before);
	EXPECT_PIPE_INTACT(h);
}

/* ---------------------------------------------------------------------- */
/* mx_handle_replace */

TEST_F(mx, replace_invalid)
{
	mx_handle_t stale = mx_dead_handle();
	unsigned int i;

	ASSERT_LT(0, stale);
	for (i = 0; i < N_ANY_RIGHTS; i++) {
		EXPECT_EQ(ERR_BAD_HANDLE,
			  mx_handle_replace(MX_HANDLE_INVALID, any_rights[i]));
		EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_replace(stale,
							    any_rights[i]));
	}
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_replace(-7, MX_RIGHT_READ));
}

TEST_F(mx, replace_rights_not_subset)
{
	static const mx_rights_t bad[] = {
		MX_RIGHT_DUPLICATE, MX_RIGHT_EXECUTE, MX_RIGHT_DEBUG,
		MX_RIGHT_READ | MX_RIGHT_DUPLICATE, RIGHTS_PIPE | MX_RIGHT_EXECUTE,
		MX_RIGHT_SAME_RIGHTS | MX_RIGHT_READ, 0x7fffffffu, 0xffffffffu,
	};
	struct mx_stats before;
	mx_handle_t h[2];
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	mx_stats_read(&before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(h[0], bad[i]))
			TH_LOG("rights 0x%x", bad[i]);
	EXPECT_STATS_EQ(&before);
	EXPECT_PIPE_INTACT(h);
}

TEST_F(mx, replace_same_rights)
{
	struct mx_stats before;
	mx_handle_t h[2], old;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	mx_stats_read(&before);
	old = h[0];
	h[0] = mx_handle_replace(old, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, h[0]);
	EXPECT_NE(old, h[0]);
	EXPECT_NE(h[1], h[0]);
	EXPECT_STATS_EQ(&before);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(old));
	EXPECT_EQ(ERR_INVALID_ARGS, put1(old));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_wait_one(old, SIG_W, 0, NULL));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_replace(old, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(old, 0));
	/* The peer did not notice anything. */
	EXPECT_HANDLE_STATE(h[1], SIG_W, SIG_RWP);
	EXPECT_PIPE_INTACT(h);
}

TEST_F(mx, replace_read_transfer_cannot_write)
{
	mx_handle_t h[2], r, c[2], got;
	uint32_t nh = 1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	r = mx_handle_replace(h[0], MX_RIGHT_READ | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, put1(r));
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(h[1], SIG_R, 0, NULL));
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(r, SIG_R, 0, NULL));
	EXPECT_EQ(NO_ERROR, get1(r));
	/* Rights never grow back. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(r, RIGHTS_PIPE));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(r, MX_RIGHT_WRITE));
	EXPECT_EQ(ERR_ACCESS_DENIED, put1(r));
	/* TRANSFER kept: it travels, and keeps its reduced rights. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	EXPECT_EQ(NO_ERROR, send_handle(c[0], r));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(c[1], NULL, NULL, &got, &nh, 0));
	EXPECT_EQ(ERR_ACCESS_DENIED, put1(got));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(got, RIGHTS_PIPE));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, replace_read_only_cannot_transfer)
{
	mx_handle_t h[2], r, c[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	r = mx_handle_replace(h[0], MX_RIGHT_READ);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, send_handle(c[0], r));
	EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(c[1], SIG_R, 0, NULL));
	/* Still ours and still readable. */
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	EXPECT_EQ(NO_ERROR, get1(r));
	EXPECT_EQ(ERR_ACCESS_DENIED, put1(r));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_replace(r, MX_RIGHT_READ | MX_RIGHT_TRANSFER));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_HANDLE_STATE(h[1], SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

TEST_F(mx, replace_write_transfer_cannot_read)
{
	mx_handle_t h[2], r;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	r = mx_handle_replace(h[0], MX_RIGHT_WRITE | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, r);
	EXPECT_EQ(NO_ERROR, put1(h[1]));
	EXPECT_EQ(ERR_ACCESS_DENIED, get1(r));
	EXPECT_EQ(NO_ERROR, put1(r));
	EXPECT_EQ(NO_ERROR, get1(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, replace_no_rights)
{
	mx_handle_t h[2], r, r2;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	r = mx_handle_replace(h[0], MX_RIGHT_NONE);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(r, SIG_W,
							MX_TIME_INFINITE, NULL));
	EXPECT_EQ(ERR_ACCESS_DENIED, put1(r));
	EXPECT_EQ(ERR_ACCESS_DENIED, get1(r));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(r, RIGHTS_PIPE));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_replace(r, MX_RIGHT_READ));
	/* 0 is a subset of 0, and SAME_RIGHTS keeps nothing. */
	r2 = mx_handle_replace(r, 0);
	ASSERT_LT(0, r2);
	r = mx_handle_replace(r2, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_wait_one(r, SIG_W, 0, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(r2));
	/* Closing needs no right. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_HANDLE_STATE(h[1], SIG_PC, SIG_PC);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_HARNESS_MAIN
