// SPDX-License-Identifier: GPL-2.0
/*
 * Wait set results pages (MX_FEATURE_WAITSET_PAGE): libmx's
 * mx_waitset_wait() answers from a read-only page the module keeps up to
 * date, without a system call, when it can.
 *
 * The fixture "pg" runs each case twice: "kernel", as any program would,
 * and "page_only", where a seccomp filter makes every MX_IOC_WAITSET_WAIT
 * ioctl fail with EPERM (ERR_INTERNAL from libmx) once the test's buffers
 * have been written by one normal wait. In "page_only" a result can only
 * come from the page, and a wait the page must not answer (nothing ready,
 * a closed or replaced wait set, an overflowing page, buffers the kernel
 * never wrote) gives ERR_INTERNAL: the two variants together show that
 * the page answers exactly when it should, and only with current results
 * (SLOW() is the status a wait has when it has to enter the kernel).
 *
 * The rest: the fast path in a fork child that reopens the device, the
 * raw ABI (MX_IOC_WAITSET_PAGE's errors in order, the mapping's rules,
 * the page's contents against an ioctl wait), torn reads under
 * concurrent signallers, fork, and bad pointers.
 *
 * Nothing here sleeps to synchronise; threads and children report what
 * they saw, checked after they ended.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "mx_test.h"


#define POISON		0xccccccccu
#define AREA_SIZE	((size_t)MX_WS_PAGE_MAX * MX_WS_PAGE_SIZE)
#define NCAP		256	/* results the fixture's buffer holds */
#define NVALID		32	/* results its first wait writes */
#define NOVER		200	/* entries that overflow a page */
#define NKEEP		10	/* of them, still signalled after */
#define FLIPS		30000
#define BIG		65536u

_Static_assert(NOVER > MX_WS_PAGE_SLOTS, "NOVER must overflow a page");
_Static_assert(NOVER <= NCAP, "NOVER must fit the buffer");
_Static_assert(sizeof(struct mx_ws_page) == MX_WS_PAGE_SIZE, "page layout");

#if defined(__x86_64__)
#define MX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define MX_AUDIT_ARCH	AUDIT_ARCH_I386
#endif

/* Does the loaded module give wait sets results pages? */
static bool have_pages(void)
{
	struct mx_ioc_version v;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	memset(&v, 0, sizeof(v));
	yes = !ioctl(fd, MX_IOC_GET_VERSION, &v) &&
	      (v.features & MX_FEATURE_WAITSET_PAGE);
	close(fd);
	return yes;
}

/*
 * From now on, in this thread and the threads and children it makes,
 * ioctl(MX_IOC_WAITSET_WAIT) fails with EPERM; every other call works.
 * 0, or -1 (errno set; EOPNOTSUPP where the architecture is not known
 * here).
 */
static int forbid_kernel_waits(void)
{
#ifdef MX_AUDIT_ARCH
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MX_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* The command: the low word of args[1] (the kernel's int). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[1])
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			 + 4
#endif
			 ),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MX_IOC_WAITSET_WAIT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(f),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	errno = EOPNOTSUPP;
	return -1;
#endif
}

/* Is the filter of forbid_kernel_waits() in force here? */
static bool kernel_waits_forbidden(void)
{
	errno = 0;
	/* Without the filter: EBADF (or EFAULT); with it, EPERM. */
	return ioctl(-1, MX_IOC_WAITSET_WAIT, NULL) == -1 && errno == EPERM;
}

/* The result for @cookie among @n results, or NULL. */
static const mx_waitset_result_t *find_cookie(const mx_waitset_result_t *res,
					      uint32_t n, uint64_t cookie)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (res[i].cookie == cookie)
			return &res[i];
	return NULL;
}

/* ---- the fixture: every case with and without kernel waits -------------- */

FIXTURE(pg) {
	struct mx_stats base;
	const char *skip;		/* why every case skips, or NULL */
	uint32_t n, max;		/* the buffers of every wait, */
	mx_waitset_result_t res[NCAP];	/* written once by the kernel */
};

FIXTURE_VARIANT(pg) {
	bool page_only;			/* kernel waits fail (seccomp) */
};

FIXTURE_VARIANT_ADD(pg, kernel) {
	.page_only = false,
};

FIXTURE_VARIANT_ADD(pg, page_only) {
	.page_only = true,
};

/* What a wait that must enter the kernel returns in this variant. */
#define SLOW(status)	(variant->page_only ? ERR_INTERNAL : (status))

#define PG_REQUIRE() do {						\
	if (self->skip)							\
		SKIP(return, "%s", self->skip);				\
} while (0)

/* Wait with timeout 0 into the fixture's buffers, room for @cap. */
static mx_status_t pg_wait(FIXTURE_DATA(pg) *self, mx_handle_t ws,
			   uint32_t cap)
{
	/* Poison one more than the room, to see nothing is written past. */
	memset(self->res, 0xcc,
	       (cap < NCAP ? cap + 1 : NCAP) * sizeof(self->res[0]));
	self->n = cap;
	self->max = POISON;
	return mx_waitset_wait(ws, 0, &self->n, self->res, &self->max);
}

FIXTURE_SETUP(pg)
{
	mx_handle_t ws, e[NVALID];
	uint32_t i;

	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	if (!have_pages()) {
		self->skip = "no results pages (MX_FEATURE_WAITSET_PAGE)";
		return;
	}
	/* One kernel wait writes NVALID results into the buffers. */
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	for (i = 0; i < NVALID; i++) {
		e[i] = mx_event_create(0);
		ASSERT_LT(0, e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, i));
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], 0, S0));
	}
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, NCAP));
	ASSERT_EQ(NVALID, self->n);
	ASSERT_EQ(NVALID, self->max);
	for (i = 0; i < NVALID; i++)
		ASSERT_EQ(NO_ERROR, mx_handle_close(e[i]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(ws));
	if (variant->page_only) {
		if (forbid_kernel_waits() &&
		    (errno == EINVAL || errno == EOPNOTSUPP)) {
			self->skip = "no seccomp filters here";
			return;
		}
		ASSERT_TRUE(kernel_waits_forbidden());
	}
}

FIXTURE_TEARDOWN(pg)
{
	EXPECT_STATS_EQ(&self->base);
}

/* b. A pipe's READABLE result goes with its last message. */
TEST_F(pg, readable_result_goes_with_the_last_message)
{
	mx_handle_t ws, p[2];
	uint32_t v;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, p[0], SIG_R, 11));
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));

	ASSERT_EQ(NO_ERROR, mx_write_u32(p[1], 1, NULL, 0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(1u, self->max);
	EXPECT_EQ(11u, self->res[0].cookie);
	EXPECT_EQ(NO_ERROR, self->res[0].wait_result);
	EXPECT_EQ(SIG_R | SIG_W, self->res[0].signals_state.satisfied);
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[1], 2, NULL, 0));

	/* One of two read: still readable. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[0], &v, NULL, 0, NULL));
	EXPECT_EQ(1u, v);
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	EXPECT_EQ(1u, self->n);
	EXPECT_EQ(11u, self->res[0].cookie);
	/* The last one read: no result. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[0], &v, NULL, 0, NULL));
	EXPECT_EQ(2u, v);
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));
	EXPECT_EQ(4u, self->n);		/* nothing written */
	EXPECT_EQ(POISON, self->max);
	/* And back. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[1], 3, NULL, 0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	EXPECT_EQ(1u, self->n);

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* b. An event's result goes when its signal is cleared. */
TEST_F(pg, signal_result_goes_when_the_signal_clears)
{
	mx_handle_t ws, e;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	e = mx_event_create(0);
	ASSERT_LT(0, e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 5));
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(5u, self->res[0].cookie);
	EXPECT_EQ(S0, self->res[0].signals_state.satisfied);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S0, 0));
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* b. WRITABLE goes when the peer's queue fills, and comes back. */
TEST_F(pg, writable_result_goes_with_a_full_queue)
{
	static uint8_t big[BIG];
	mx_handle_t ws, p[2];
	uint32_t i, nb;
	mx_status_t r;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, p[0], SIG_W, 3));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(3u, self->res[0].cookie);
	EXPECT_EQ(SIG_W, self->res[0].signals_state.satisfied);

	/* Fill p[1]'s queue: big messages, then small ones. */
	for (i = 0; i < 1000000; i++) {
		r = mx_msgpipe_write(p[0], big, BIG, NULL, 0, 0);
		if (r != NO_ERROR)
			break;
	}
	ASSERT_EQ(ERR_NO_MEMORY, r);
	for (i = 0; i < 1000000; i++) {
		r = mx_msgpipe_write(p[0], big, 1, NULL, 0, 0);
		if (r != NO_ERROR)
			break;
	}
	ASSERT_EQ(ERR_NO_MEMORY, r);
	ASSERT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(p[0], SIG_W, 0, NULL));
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));

	/* One message read at the other end: room again. */
	nb = BIG;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(p[1], big, &nb, NULL, NULL, 0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(3u, self->res[0].cookie);
	EXPECT_EQ(NO_ERROR, self->res[0].wait_result);
	EXPECT_EQ(SIG_W, self->res[0].signals_state.satisfied & SIG_W);

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* c. A result's signals_state follows signals that keep it a result. */
TEST_F(pg, signals_state_is_current)
{
	mx_handle_t ws, e;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	e = mx_event_create(0);
	ASSERT_LT(0, e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 9));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(S0, self->res[0].signals_state.satisfied);
	EXPECT_EQ(SIG_ALL, self->res[0].signals_state.satisfiable);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S1));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(S0 | S1, self->res[0].signals_state.satisfied);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, S1, 0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(S0, self->res[0].signals_state.satisfied);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* d. A closed entry handle gives ERR_CANCELLED; a removed entry nothing. */
TEST_F(pg, closed_entry_cancelled_removed_entry_gone)
{
	mx_handle_t ws, e1, e2, e3, e3b;
	const mx_waitset_result_t *r;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	e1 = mx_event_create(0);
	ASSERT_LT(0, e1);
	e2 = mx_event_create(0);
	ASSERT_LT(0, e2);
	e3 = mx_event_create(0);
	ASSERT_LT(0, e3);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e1, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e2, S0, 2));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e3, S0, 3));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e2, 0, S0));

	ASSERT_EQ(NO_ERROR, mx_handle_close(e1));
	e3b = mx_handle_replace(e3, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, e3b);
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(3u, self->n);
	EXPECT_EQ(3u, self->max);
	r = find_cookie(self->res, self->n, 1);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(ERR_CANCELLED, r->wait_result);
	EXPECT_EQ(0u, r->signals_state.satisfied);
	EXPECT_EQ(0u, r->signals_state.satisfiable);
	r = find_cookie(self->res, self->n, 3);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(ERR_CANCELLED, r->wait_result);
	r = find_cookie(self->res, self->n, 2);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(NO_ERROR, r->wait_result);
	EXPECT_EQ(S0, r->signals_state.satisfied);

	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 1));
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 3));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(1u, self->max);
	EXPECT_EQ(2u, self->res[0].cookie);
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 2));
	EXPECT_EQ(SLOW(ERR_TIMED_OUT), pg_wait(self, ws, 4));

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e3b));
}

/* e. A closed or replaced wait set handle is never answered by its page. */
TEST_F(pg, closed_or_replaced_wait_set_handle)
{
	mx_handle_t ws, ws2, ws3, wsnew, e;

	PG_REQUIRE();
	e = mx_event_create(0);
	ASSERT_LT(0, e);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	ws2 = mx_waitset_create();
	ASSERT_LT(0, ws2);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws2, e, S0, 2));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(1u, self->res[0].cookie);
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws2, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(2u, self->res[0].cookie);

	/* Closed: its page is stale. */
	ASSERT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(SLOW(ERR_BAD_HANDLE), pg_wait(self, ws, 4));
	EXPECT_EQ(4u, self->n);
	/* A new wait set (its page may be the old one, with a new id). */
	wsnew = mx_waitset_create();
	ASSERT_LT(0, wsnew);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(wsnew, e, S0, 4));
	EXPECT_EQ(SLOW(ERR_BAD_HANDLE), pg_wait(self, ws, 4));
	ASSERT_EQ(NO_ERROR, pg_wait(self, wsnew, 4));
	ASSERT_EQ(1u, self->n);
	EXPECT_EQ(4u, self->res[0].cookie);

	/* Replaced: the old value is dead, the new one (no page) works. */
	ws3 = mx_handle_replace(ws2, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, ws3);
	EXPECT_EQ(SLOW(ERR_BAD_HANDLE), pg_wait(self, ws2, 4));
	EXPECT_EQ(SLOW(NO_ERROR), pg_wait(self, ws3, 4));
	if (!variant->page_only) {
		EXPECT_EQ(1u, self->n);
		EXPECT_EQ(2u, self->res[0].cookie);
		EXPECT_EQ(S0, self->res[0].signals_state.satisfied);
	}

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws3));
	EXPECT_EQ(NO_ERROR, mx_handle_close(wsnew));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* f. More results than a page holds: the kernel answers, then the page. */
TEST_F(pg, overflow_then_back_on_the_page)
{
	mx_handle_t ws, e[NOVER];
	uint32_t i;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	for (i = 0; i < NOVER; i++) {
		e[i] = mx_event_create(0);
		ASSERT_LT(0, e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, 1000 + i));
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], 0, S0));
	}
	EXPECT_EQ(SLOW(NO_ERROR), pg_wait(self, ws, NCAP));
	if (!variant->page_only) {
		EXPECT_EQ(NOVER, self->n);
		EXPECT_EQ(NOVER, self->max);
		for (i = 0; i < NOVER; i++)
			EXPECT_NE(NULL, find_cookie(self->res, self->n,
						    1000 + i));
	}
	/* Room for a few only: still the kernel while the page overflows. */
	EXPECT_EQ(SLOW(NO_ERROR), pg_wait(self, ws, 2));
	for (i = NKEEP; i < NOVER; i++)
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], S0, 0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, NCAP));
	EXPECT_EQ(NKEEP, self->n);
	EXPECT_EQ(NKEEP, self->max);
	for (i = 0; i < NKEEP; i++)
		EXPECT_NE(NULL, find_cookie(self->res, self->n, 1000 + i));
	EXPECT_EQ(0xccccccccccccccccull, self->res[NKEEP].cookie);

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	for (i = 0; i < NOVER; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(e[i]));
}

/*
 * f. The page overflows while more entries have a result than it has
 * slots, and no longer: here the entries kept are both ones that got a
 * slot (signalled first) and ones that did not (signalled last).
 */
TEST_F(pg, overflow_ends_when_the_results_fit)
{
	mx_handle_t ws, e[NOVER];
	mx_status_t r;
	uint32_t i;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	for (i = 0; i < NOVER; i++) {
		e[i] = mx_event_create(0);
		ASSERT_LT(0, e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, 1000 + i));
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], 0, S0));
	}
	EXPECT_EQ(SLOW(NO_ERROR), pg_wait(self, ws, NCAP));
	/* Keep the first NKEEP / 2 and the last NKEEP / 2. */
	for (i = NKEEP / 2; i < NOVER - NKEEP / 2; i++)
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], S0, 0));
	r = pg_wait(self, ws, NCAP);
	EXPECT_EQ(NO_ERROR, r);
	for (i = 0; i < NKEEP / 2 && r == NO_ERROR; i++) {
		EXPECT_NE(NULL, find_cookie(self->res, self->n, 1000 + i));
		EXPECT_NE(NULL, find_cookie(self->res, self->n,
					    1000 + NOVER - 1 - i));
	}
	if (r == NO_ERROR) {
		EXPECT_EQ(NKEEP, self->n);
		EXPECT_EQ(NKEEP, self->max);
	}

	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	for (i = 0; i < NOVER; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(e[i]));
}

/* Fewer slots than results: each result in turn, as the kernel does. */
TEST_F(pg, few_slots_take_every_result_in_turn)
{
	mx_handle_t ws, e[3];
	bool seen[3] = { false, false, false };
	uint32_t i;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	for (i = 0; i < 3; i++) {
		e[i] = mx_event_create(0);
		ASSERT_LT(0, e[i]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e[i], S0, i));
		ASSERT_EQ(NO_ERROR, mx_object_signal(e[i], 0, S0));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 1));
		ASSERT_EQ(1u, self->n);
		EXPECT_EQ(3u, self->max);
		ASSERT_GT(3u, self->res[0].cookie);
		seen[self->res[0].cookie] = true;
		EXPECT_EQ(0xccccccccccccccccull, self->res[1].cookie);
	}
	EXPECT_TRUE(seen[0] && seen[1] && seen[2]);
	/* Only counting. */
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 0));
	EXPECT_EQ(0u, self->n);
	EXPECT_EQ(3u, self->max);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(e[i]));
}

/*
 * h. No torn results. Six events, each set and cleared with its own
 * pattern of signals in one call, by three threads (more threads than the
 * guest has CPUs, so the waiter is also preempted in the middle of its
 * copy): every result must show its event's whole pattern, each entry at
 * most once, and max_results must match. The page moves its last result
 * into the hole an entry leaves, so a copy that mixed two states would
 * show a duplicate, or a cookie with another event's signals.
 */
#define NFLIP		6
#define NFLIPPER	3

static const mx_signals_t flip_pattern[NFLIP] = {
	S0 | S1, MX_SIGNAL_SIGNAL2, MX_SIGNAL_SIGNAL3 | MX_SIGNAL_SIGNAL4,
	S0 | MX_SIGNAL_SIGNAL2, S1 | MX_SIGNAL_SIGNAL3, MX_SIGNAL_SIGNAL4,
};

struct flipper {
	mx_handle_t e[NFLIP];
	_Atomic bool go;
	_Atomic int running;
	_Atomic mx_status_t r;
};

struct flip_arg {
	struct flipper *f;
	int k;			/* events k and k + NFLIPPER */
};

static void flip_one(struct flipper *f, int k, bool on)
{
	mx_signals_t p = flip_pattern[k];
	mx_status_t r = mx_object_signal(f->e[k], on ? 0 : p, on ? p : 0);

	if (r != NO_ERROR)
		atomic_store(&f->r, r);
}

/* a on, b on, a off (b may move into its slot), b off; FLIPS times. */
static void *flip(void *arg)
{
	struct flip_arg *a = arg;
	struct flipper *f = a->f;
	int i;

	while (!atomic_load(&f->go))
		sched_yield();
	for (i = 0; i < FLIPS && atomic_load(&f->r) == NO_ERROR; i++) {
		flip_one(f, a->k, true);
		flip_one(f, a->k + NFLIPPER, true);
		flip_one(f, a->k, false);
		flip_one(f, a->k + NFLIPPER, false);
	}
	atomic_fetch_sub(&f->running, 1);
	return NULL;
}

/* 0 if @self's results are whole and distinct, else what is wrong. */
static const char *torn_why(FIXTURE_DATA(pg) *self)
{
	bool seen[NFLIP] = { false };
	const mx_waitset_result_t *r;
	uint32_t i;

	if (self->n < 1 || self->n > NFLIP || self->max != self->n)
		return "count";
	for (i = 0; i < self->n; i++) {
		r = &self->res[i];
		if (r->cookie < 1 || r->cookie > NFLIP)
			return "cookie";
		if (seen[r->cookie - 1])
			return "duplicate";
		seen[r->cookie - 1] = true;
		if (r->wait_result != NO_ERROR || r->reserved)
			return "wait_result";
		if (r->signals_state.satisfied != flip_pattern[r->cookie - 1] ||
		    r->signals_state.satisfiable != SIG_ALL)
			return "signals";
	}
	return NULL;
}

TEST_F(pg, no_torn_results_under_signallers)
{
	struct flipper f = { .r = NO_ERROR, .running = NFLIPPER };
	long results = 0, torn = 0, other = 0;
	struct flip_arg args[NFLIPPER];
	pthread_t thr[NFLIPPER];
	const char *why, *last = "";
	mx_handle_t ws;
	mx_status_t r;
	int k;

	PG_REQUIRE();
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	for (k = 0; k < NFLIP; k++) {
		f.e[k] = mx_event_create(0);
		ASSERT_LT(0, f.e[k]);
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, f.e[k], SIG_ALL, k + 1));
	}
	for (k = 0; k < NFLIPPER; k++) {
		args[k].f = &f;
		args[k].k = k;
		ASSERT_EQ(0, pthread_create(&thr[k], NULL, flip, &args[k]));
	}
	atomic_store(&f.go, true);
	while (atomic_load(&f.running)) {
		r = pg_wait(self, ws, NFLIP + 1);
		if (r == SLOW(ERR_TIMED_OUT))
			continue;
		if (r != NO_ERROR) {
			other++;
			continue;
		}
		results++;
		why = torn_why(self);
		if (why) {
			torn++;
			last = why;
		}
	}
	for (k = 0; k < NFLIPPER; k++)
		ASSERT_EQ(0, pthread_join(thr[k], NULL));
	EXPECT_EQ(NO_ERROR, atomic_load(&f.r));
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, torn) {
		TH_LOG("%ld of %ld answers torn (last: %s)", torn, results,
		       last);
	}
	EXPECT_LT(0, results);
	TH_LOG("%ld answers while the signals changed %d times", results,
	       4 * NFLIPPER * FLIPS);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	for (k = 0; k < NFLIP; k++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(f.e[k]));
}

/* j. Buffers the kernel never wrote go to the kernel, which checks them. */
struct other_waiter {
	FIXTURE_DATA(pg) *self;
	mx_handle_t ws;
	mx_status_t r;
};

static void *wait_from_another_thread(void *arg)
{
	struct other_waiter *w = arg;

	w->r = pg_wait(w->self, w->ws, 4);
	return NULL;
}

TEST_F(pg, unwritten_buffers_go_to_the_kernel)
{
	struct other_waiter w;
	mx_waitset_result_t *ro;
	pthread_t thr;
	mx_handle_t ws, e;

	PG_REQUIRE();
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	e = mx_event_create(0);
	ASSERT_LT(0, e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, e, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));	/* the page's */
	ASSERT_EQ(1u, self->n);

	/* The validated num_results and max_results, other results. */
	self->n = 1;
	EXPECT_EQ(SLOW(ERR_INVALID_ARGS),
		  mx_waitset_wait(ws, 0, &self->n, (void *)1, &self->max));
	EXPECT_EQ(1u, self->n);
	EXPECT_EQ(SLOW(ERR_INVALID_ARGS),
		  mx_waitset_wait(ws, 0, &self->n, ro, &self->max));
	EXPECT_EQ(SLOW(ERR_INVALID_ARGS),
		  mx_waitset_wait(ws, 0, &self->n, self->res,
				  (uint32_t *)ro));
	/* Valid buffers, not those three: right, but the kernel's. */
	self->n = 1;
	EXPECT_EQ(SLOW(NO_ERROR),
		  mx_waitset_wait(ws, 0, &self->n, self->res + 1, &self->max));
	self->n = 1;
	EXPECT_EQ(SLOW(NO_ERROR),
		  mx_waitset_wait(ws, 0, &self->n, self->res, NULL));
	/* The same buffers from a thread whose own wait never wrote them. */
	w.self = self;
	w.ws = ws;
	w.r = POISON;
	ASSERT_EQ(0, pthread_create(&thr, NULL, wait_from_another_thread, &w));
	ASSERT_EQ(0, pthread_join(thr, NULL));
	EXPECT_EQ(SLOW(NO_ERROR), w.r);
	/* This thread's own buffers still are the page's. */
	ASSERT_EQ(NO_ERROR, pg_wait(self, ws, 4));
	EXPECT_EQ(1u, self->n);

	munmap(ro, 4096);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- a. the page alone answers, in a fork child ------------------------- */

static int page_only_child(void)
{
	mx_waitset_result_t res[4];
	mx_handle_t ws, e[3];
	uint32_t n, max, i;

	/* Everything made here, on the child's own table. */
	ws = mx_waitset_create();
	if (ws < 0)
		return 10;
	for (i = 0; i < 3; i++) {
		e[i] = mx_event_create(0);
		if (e[i] < 0 || mx_waitset_add(ws, e[i], S0, 7 + i))
			return 11;
	}
	if (mx_object_signal(e[0], 0, S0))
		return 12;
	/* The kernel writes the buffers once: one result. */
	n = 4;
	if (mx_waitset_wait(ws, 0, &n, res, &max) || n != 1 || max != 1)
		return 13;
	if (forbid_kernel_waits())
		return errno == EINVAL || errno == EOPNOTSUPP ? 77 : 14;
	if (!kernel_waits_forbidden())
		return 14;
	/* A ready entry: answered without MX_IOC_WAITSET_WAIT. */
	memset(res, 0xcc, sizeof(res));
	n = 4;
	max = POISON;
	if (mx_waitset_wait(ws, 0, &n, res, &max) != NO_ERROR)
		return 20;
	if (n != 1 || max != 1 || res[0].cookie != 7 ||
	    res[0].wait_result != NO_ERROR || res[0].reserved ||
	    res[0].signals_state.satisfied != S0 ||
	    res[0].signals_state.satisfiable != SIG_ALL ||
	    res[1].cookie != 0xccccccccccccccccull)
		return 21;
	/* Any timeout: the answer is there now. */
	n = 4;
	if (mx_waitset_wait(ws, MX_TIME_INFINITE, &n, res, &max) || n != 1)
		return 22;
	/* Nothing ready: the kernel's to say, and it may not. */
	if (mx_object_signal(e[0], S0, 0))
		return 23;
	n = 4;
	max = POISON;
	if (mx_waitset_wait(ws, 0, &n, res, &max) != ERR_INTERNAL ||
	    n != 4 || max != POISON)
		return 24;
	/* Three ready: more than the kernel ever wrote here (one). */
	for (i = 0; i < 3; i++)
		if (mx_object_signal(e[i], 0, S0))
			return 25;
	n = 3;
	if (mx_waitset_wait(ws, 0, &n, res, &max) != ERR_INTERNAL || n != 3)
		return 26;
	/* As many as it wrote: fine, and max_results counts them all. */
	n = 1;
	if (mx_waitset_wait(ws, 0, &n, res, &max) || n != 1 || max != 3)
		return 27;
	/* Other buffers: the kernel's. */
	n = 1;
	if (mx_waitset_wait(ws, 0, &n, res, NULL) != ERR_INTERNAL)
		return 28;
	return 0;
}

TEST_F(mx, page_answers_without_the_kernel_in_a_fork_child)
{
	mx_handle_t ws;
	pid_t pid;
	int st;

	if (!have_pages())
		SKIP(return, "no results pages (MX_FEATURE_WAITSET_PAGE)");
	/* The parent has the device and a page already. */
	ws = mx_waitset_create();
	ASSERT_LT(0, ws);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(page_only_child());
	st = mx_wait_child(pid);
	EXPECT_EQ(NO_ERROR, mx_handle_close(ws));
	if (st == 77)
		SKIP(return, "no seccomp filters here");
	EXPECT_EQ(0, st);
}

/* i. A fork child's wait set values are not its parent's. */
static mx_handle_t fork_ws;
static uint32_t fork_n, fork_max;
static mx_waitset_result_t fork_res[4];

static int fork_child(void)
{
	mx_handle_t ws, e;

	/* The same thread, buffers and value: no page, no handle. */
	fork_n = 4;
	fork_max = POISON;
	if (mx_waitset_wait(fork_ws, 0, &fork_n, fork_res, &fork_max) !=
	    ERR_BAD_HANDLE)
		return 1;
	if (fork_n != 4 || fork_max != POISON)
		return 2;
	/* The child's own wait set and page work. */
	ws = mx_waitset_create();
	e = mx_event_create(0);
	if (ws < 0 || e < 0 || mx_waitset_add(ws, e, S0, 3) ||
	    mx_object_signal(e, 0, S0))
		return 3;
	fork_n = 4;
	if (mx_waitset_wait(ws, 0, &fork_n, fork_res, &fork_max) ||
	    fork_n != 1 || fork_res[0].cookie != 3)
		return 4;
	fork_n = 4;
	if (mx_waitset_wait(ws, 0, &fork_n, fork_res, &fork_max) ||
	    fork_n != 1 || fork_res[0].cookie != 3)
		return 5;
	return 0;
}

TEST_F(mx, fork_child_does_not_see_the_parents_results)
{
	mx_handle_t e;
	pid_t pid;

	if (!have_pages())
		SKIP(return, "no results pages (MX_FEATURE_WAITSET_PAGE)");
	fork_ws = mx_waitset_create();
	ASSERT_LT(0, fork_ws);
	e = mx_event_create(0);
	ASSERT_LT(0, e);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(fork_ws, e, S0, 1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, S0));
	/* The kernel's answer, then (likely) the page's. */
	fork_n = 4;
	ASSERT_EQ(NO_ERROR,
		  mx_waitset_wait(fork_ws, 0, &fork_n, fork_res, &fork_max));
	fork_n = 4;
	ASSERT_EQ(NO_ERROR,
		  mx_waitset_wait(fork_ws, 0, &fork_n, fork_res, &fork_max));
	ASSERT_EQ(1u, fork_n);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(fork_child());
	EXPECT_EQ(0, mx_wait_child(pid));
	/* The parent's are untouched. */
	fork_n = 4;
	ASSERT_EQ(NO_ERROR,
		  mx_waitset_wait(fork_ws, 0, &fork_n, fork_res, &fork_max));
	EXPECT_EQ(1u, fork_n);
	EXPECT_EQ(1u, fork_res[0].cookie);
	EXPECT_EQ(NO_ERROR, mx_handle_close(fork_ws));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
}

/* ---- g. the raw ABI ------------------------------------------------------ */

static int raw_page(int fd, int32_t ws, uint32_t *id)
{
	struct mx_ioc_waitset_page a = { .waitset = ws, .id = POISON };
	int r = ioctl(fd, MX_IOC_WAITSET_PAGE, &a);

	*id = a.id;
	return r ? errno : 0;
}

static int32_t raw_ws(int fd)
{
	struct mx_ioc_waitset_create a = { 0 };

	return ioctl(fd, MX_IOC_WAITSET_CREATE, &a) ? -1 : a.handle;
}

static int32_t raw_event(int fd)
{
	struct mx_ioc_event_create a = { 0 };

	return ioctl(fd, MX_IOC_EVENT_CREATE, &a) ? -1 : a.handle;
}

static int raw_add(int fd, int32_t ws, int32_t h, uint32_t sigs,
		   uint64_t cookie)
{
	struct mx_ioc_waitset_add a = {
		.waitset = ws, .handle = h, .signals = sigs, .cookie = cookie,
	};

	return ioctl(fd, MX_IOC_WAITSET_ADD, &a) ? errno : 0;
}

static int raw_signal(int fd, int32_t h, uint32_t clear, uint32_t set)
{
	struct mx_ioc_object_signal a = {
		.handle = h, .clear_mask = clear, .set_mask = set,
	};

	return ioctl(fd, MX_IOC_OBJECT_SIGNAL, &a) ? errno : 0;
}

static int32_t raw_replace(int fd, int32_t h, uint32_t rights)
{
	struct mx_ioc_handle_dup a = { .handle = h, .rights = rights };

	return ioctl(fd, MX_IOC_HANDLE_REPLACE, &a) ? -1 : a.result;
}

static int raw_close(int fd, int32_t h)
{
	return ioctl(fd, MX_IOC_HANDLE_CLOSE, &h) ? errno : 0;
}

/* A consistent copy of @p (the seqlock protocol); false if never stable. */
static bool page_snapshot(const struct mx_ws_page *p, struct mx_ws_page *out)
{
	const _Atomic uint32_t *seq = (const _Atomic uint32_t *)&p->seq;
	uint32_t s1;
	int tries;

	for (tries = 0; tries < 1000000; tries++) {
		s1 = atomic_load_explicit(seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		memcpy(out, (const void *)p, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(seq, memory_order_relaxed) == s1) {
			out->seq = s1;
			return true;
		}
	}
	return false;
}

static const struct mx_ioc_waitset_result *
raw_find(const struct mx_ioc_waitset_result *res, uint32_t n, uint64_t cookie)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (res[i].cookie == cookie)
			return &res[i];
	return NULL;
}

TEST_F(mx, raw_page_ioctl_errors_in_order)
{
	struct mx_ioc_msgpipe_create pc;
	int32_t ws, ws_wo, ws_full, e, pipe_h[2], dead, ws_r, ws_r2;
	uint32_t id, id2;
	int fd;

	if (!have_pages())
		SKIP(return, "no results pages (MX_FEATURE_WAITSET_PAGE)");
	fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ws = raw_ws(fd);
	ASSERT_LT(0, ws);
	e = raw_event(fd);
	ASSERT_LT(0, e);
	dead = raw_event(fd);
	ASSERT_LT(0, dead);
	ASSERT_EQ(0, raw_close(fd, dead));
	memset(&pc, 0, sizeof(pc));
	pc.handles = (uintptr_t)pipe_h;
	ASSERT_EQ(0, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &pc));
	/* Without READ and with an entry: the right is checked first. */
	ws_wo = raw_replace(fd, raw_ws(fd), MX_RIGHT_WRITE);
	ASSERT_LT(0, ws_wo);
	ASSERT_EQ(0, raw_add(fd, ws_wo, e, S0, 1));
	ws_full = raw_ws(fd);
	ASSERT_LT(0, ws_full);
	ASSERT_EQ(0, raw_add(fd, ws_full, e, S0, 1));

	EXPECT_EQ(MX_ERRNO_BAD_HANDLE, raw_page(fd, 0, &id));
	EXPECT_EQ(MX_ERRNO_BAD_HANDLE, raw_page(fd, dead, &id));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, raw_page(fd, pipe_h[0], &id));
	EXPECT_EQ(MX_ERRNO_INVALID_ARGS, raw_page(fd, e, &id));
	EXPECT_EQ(MX_ERRNO_ACCESS_DENIED, raw_page(fd, ws_wo, &id));
	EXPECT_EQ(MX_ERRNO_BAD_STATE, raw_page(fd, ws_full, &id));
	/* The same handle twice: the same page. */
	ASSERT_EQ(0, raw_page(fd, ws, &id));
	ASSERT_EQ(0, raw_page(fd, ws, &id2));
	EXPECT_EQ(id, id2);
	/* Still the same once it has entries. */
	ASSERT_EQ(0, raw_add(fd, ws, e, S0, 1));
	ASSERT_EQ(0, raw_page(fd, ws, &id2));
	EXPECT_EQ(id, id2);
	/* A replaced handle (no entries): a new id. */
	ws_r = raw_ws(fd);
	ASSERT_LT(0, ws_r);
	ASSERT_EQ(0, raw_page(fd, ws_r, &id));
	ws_r2 = raw_replace(fd, ws_r, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, ws_r2);
	ASSERT_EQ(0, raw_page(fd, ws_r2, &id2));
	EXPECT_NE(id, id2);

	EXPECT_EQ(0, close(fd));
}

/* Read *@p, then exit with @code (if the read did not kill us). */
static void touch_and_exit(const volatile uint32_t *p, int code)
{
	uint32_t v = *p;

	(void)v;
	_exit(code);
}

TEST_F(mx, raw_page_area_mapping_rules)
{
	const struct mx_ws_page *area;
	uint32_t id;
	void *p;
	int32_t ws;
	pid_t pid;
	int fd;

	if (!have_pages())
		SKIP(return, "no results pages (MX_FEATURE_WAITSET_PAGE)");
	fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ws = raw_ws(fd);
	ASSERT_LT(0, ws);
	ASSERT_EQ(0, raw_page(fd, ws, &id));

	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0));
	EXPECT_EQ(EPERM, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, AREA_SIZE + MX_WS_PAGE_SIZE,
				   PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, MX_WS_PAGE_SIZE, PROT_READ,
				   MAP_SHARED, fd, AREA_SIZE));
	EXPECT_EQ(EINVAL, errno);

	p = mmap(NULL, AREA_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	area = p;
	/* Never writable, not even later. */
	EXPECT_EQ(-1, mprotect(p, AREA_SIZE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(id, area[id & 0xff].id);
	EXPECT_EQ(ws, area[id & 0xff].value);

	/* Not in a fork child's memory; the descriptor not the child's. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *q = mmap(NULL, AREA_SIZE, PROT_READ, MAP_SHARED, fd, 0);

		_exit(q == MAP_FAILED && errno == EBADF ? 0 : 1);
	}
	EXPECT_EQ(0, mx_wait_child(pid));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		touch_and_exit(&area[id & 0xff].seq, 1);
	EXPECT_EQ(128 + SIGSEGV, mx_wait_child(pid));
	/* A page never given out (a new table has none) faults. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const struct mx_ws_page *a2;
		int fd2 = open(MX_DEV, O_RDWR | O_CLOEXEC);

		if (fd2 < 0)
			_exit(1);
		a2 = mmap(NULL, AREA_SIZE, PROT_READ, MAP_SHARED, fd2, 0);
		if (a2 == MAP_FAILED)
			_exit(2);
		touch_and_exit(&a2[0].seq, 3);
	}
	EXPECT_EQ(128 + SIGBUS, mx_wait_child(pid));

	EXPECT_EQ(0, munmap(p, AREA_SIZE));
	EXPECT_EQ(0, close(fd));
}

TEST_F(mx, raw_page_shows_what_a_wait_reports)
{
	struct mx_ioc_waitset_result res[4];
	struct mx_ioc_msgpipe_create pc;
	struct mx_ioc_waitset_wait w;
	const struct mx_ws_page *area, *page;
	const struct mx_ioc_waitset_result *a, *b;
	struct mx_ws_page snap;
	int32_t ws, e, ws2, pipe_h[2];
	uint32_t id, n, max, seq0;
	void *p;
	int fd, err;

	if (!have_pages())
		SKIP(return, "no results pages (MX_FEATURE_WAITSET_PAGE)");
	fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, AREA_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	area = p;
	ws = raw_ws(fd);
	ASSERT_LT(0, ws);
	ASSERT_EQ(0, raw_page(fd, ws, &id));
	page = &area[id & 0xff];
	ASSERT_TRUE(page_snapshot(page, &snap));
	EXPECT_EQ(0u, snap.seq & 1);
	EXPECT_EQ(id, snap.id);
	EXPECT_EQ(ws, snap.value);
	EXPECT_EQ(0u, snap.count);
	EXPECT_EQ(0u, snap.flags);
	seq0 = snap.seq;

	e = raw_event(fd);
	ASSERT_LT(0, e);
	memset(&pc, 0, sizeof(pc));
	pc.handles = (uintptr_t)pipe_h;
	ASSERT_EQ(0, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &pc));
	ASSERT_EQ(0, raw_add(fd, ws, e, S0, 77));
	/* SIGNAL0 never on a pipe: unsatisfiable at once. */
	ASSERT_EQ(0, raw_add(fd, ws, pipe_h[0], S0, 78));
	ASSERT_EQ(0, raw_signal(fd, e, 0, S0 | S1));

	ASSERT_TRUE(page_snapshot(page, &snap));
	EXPECT_LT(seq0, snap.seq);
	EXPECT_EQ(0u, snap.flags);
	ASSERT_EQ(2u, snap.count);
	memset(&w, 0, sizeof(w));
	memset(res, 0xcc, sizeof(res));
	n = 4;
	w.waitset = ws;
	w.num_results = (uintptr_t)&n;
	w.results = (uintptr_t)res;
	w.max_results = (uintptr_t)&max;
	ASSERT_EQ(0, ioctl(fd, MX_IOC_WAITSET_WAIT, &w));
	ASSERT_EQ(2u, n);
	EXPECT_EQ(2u, max);
	a = raw_find(snap.results, snap.count, 77);
	b = raw_find(res, n, 77);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, memcmp(a, b, sizeof(*a)));
	EXPECT_EQ(0, a->wait_result);
	EXPECT_EQ(S0 | S1, a->state.satisfied);
	a = raw_find(snap.results, snap.count, 78);
	b = raw_find(res, n, 78);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, memcmp(a, b, sizeof(*a)));
	EXPECT_EQ(-MX_ERRNO_BAD_STATE, a->wait_result);

	/* The page of a closed handle is stale. */
	ASSERT_EQ(0, raw_close(fd, ws));
	ASSERT_TRUE(page_snapshot(page, &snap));
	EXPECT_EQ(MX_WS_PAGE_STALE, snap.flags & MX_WS_PAGE_STALE);

	/* Every page of the table in use: ERR_NO_RESOURCES. */
	for (n = 0, err = 0; n <= MX_WS_PAGE_MAX && !err; n++) {
		ws2 = raw_ws(fd);
		ASSERT_LT(0, ws2);
		err = raw_page(fd, ws2, &id);
	}
	EXPECT_EQ(MX_ERRNO_NO_RESOURCES, err);
	/* The n - 1 pages given here and the closed handle's, at most. */
	EXPECT_LE(MX_WS_PAGE_MAX - 1, n - 1);

	EXPECT_EQ(0, munmap(p, AREA_SIZE));
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
