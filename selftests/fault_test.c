// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures, one at a time, along every path of the calls,
 * events included: creating one, duplicating a handle, carrying one in a
 * message, exporting one; and wait sets: creating one, adding an entry,
 * waiting (the results buffer), making a poll fd for one.
 *
 * Uses the kernel's fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAULT_INJECTION_DEBUG_FS): /proc/thread-self/fail-nth makes the
 * n-th fault-injectable allocation of the calling thread fail, and nothing
 * else (no other task, no other allocation of this one). Each case runs its
 * call with n = 1, 2, ... until the call gets through without reaching the
 * n-th allocation; so each allocation the call makes fails exactly once.
 * Every call must then return NO_ERROR (the failed allocation had a
 * fallback) or ERR_NO_MEMORY, and:
 *  - on ERR_NO_MEMORY, nothing happened: handles given are still valid and
 *    the caller's, nothing was queued, a message being read is still queued
 *    whole, an exported fd still holds its handle, no fd leaked;
 *  - on NO_ERROR, the whole effect happened (checked by using it);
 *  - the live-object counters are back where they were after each round.
 * The rig fails the run on any kernel report (KASAN, lockdep, kmemleak...).
 *
 * Skips without /sys/kernel/debug/failslab (Debian's kernel has no
 * FAILSLAB): it really runs under `make check-debug`.
 */
#include "mx_test.h"

#include <poll.h>
#include <stdbool.h>

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAILPAGE	"/sys/kernel/debug/fail_page_alloc/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_NTH		400	/* more allocations than any call makes */
#define BIG		65536	/* the largest message */
#define NMANY		20	/* above the module's on-stack handle arrays */
#define MAX_WAITED	6	/* above the module's on-stack waiters (4) */
#define TABLE_MIN	64	/* slots of a new handle table (kmod) */
#define POISON_U32	0xccccccccu

/* What one case works on; static so the buffers are never paged in late. */
struct fcase {
	mx_handle_t h[2];		/* the pipe written / read */
	mx_handle_t c[NMANY];		/* handles sent (pairs) */
	mx_handle_t r[NMANY];		/* handles received */
	mx_handle_t fill[2];		/* keeps a grown table full */
	mx_handle_t got;		/* import's result */
	mx_handle_t ev;			/* the event duplicated */
	mx_handle_t ev2;		/* with ->grow: a second handle to it */
	mx_koid_t koid;			/* its koid */
	int fd;				/* export's result */
	uint32_t nbytes, nhandles;	/* message shape */
	uint32_t nwait;			/* handles a wait_many watches */
	bool grow;			/* table full before the call */
	mx_status_t (*call)(struct fcase *c);
};

static struct fcase fc;
static unsigned char wbuf[BIG], rbuf[BIG];

/*
 * Let fault injection fail sleeping allocations (the module's are
 * GFP_KERNEL) and keep it quiet; probability stays 0, so only fail-nth
 * injects anything. Returns the fail-nth fd, or -1 if there is no fault
 * injection.
 */
static int nth_open(void)
{
	if (access(FAILSLAB, F_OK) || access(FAIL_NTH, F_OK))
		return -1;
	if (mx_write_str(FAILSLAB "ignore-gfp-wait", "N") ||
	    mx_write_str(FAILSLAB "verbose", "0"))
		return -1;
	if (!access(FAILPAGE, F_OK)) {
		mx_write_str(FAILPAGE "ignore-gfp-wait", "N");
		mx_write_str(FAILPAGE "verbose", "0");
	}
	return open(FAIL_NTH, O_RDWR);
}

static void nth_arm(int fd, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(fd, s, len, 0) != len)
		abort();
}

/* Disarm; true if the armed fault was injected. */
static bool nth_disarm(int fd)
{
	char s[16] = "";
	bool injected;

	if (pread(fd, s, sizeof(s) - 1, 0) <= 0)
		abort();
	injected = atoi(s) == 0;
	if (pwrite(fd, "0", 1, 0) != 1)
		abort();
	return injected;
}

/* a and b are the two ends of one live pipe. */
static bool peers(mx_handle_t a, mx_handle_t b)
{
	uint32_t v = 0x5eed, got = 0, nb = sizeof(got);

	return mx_msgpipe_write(a, &v, sizeof(v), NULL, 0, 0) == NO_ERROR &&
	       mx_msgpipe_read(b, &got, &nb, NULL, NULL, 0) == NO_ERROR &&
	       nb == sizeof(v) && got == v;
}

static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void close_all(mx_handle_t *h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		mx_handle_close(h[i]);
}

#define EV_SIG	MX_SIGNAL_SIGNAL2	/* what the events of a case carry */

static mx_koid_t koid_of(mx_handle_t h)
{
	mx_handle_basic_info_t bi;

	if (mx_handle_get_info(h, MX_INFO_HANDLE_BASIC, &bi, sizeof(bi)) !=
	    (mx_ssize_t)sizeof(bi))
		return MX_KOID_INVALID;
	return bi.koid;
}

/* @h is a live event handle of koid @koid with exactly @sig satisfied. */
static bool is_event(mx_handle_t h, mx_koid_t koid, mx_signals_t sig)
{
	mx_handle_basic_info_t bi;
	mx_signals_state_t st;
	mx_status_t r;

	if (koid == MX_KOID_INVALID ||
	    mx_handle_get_info(h, MX_INFO_HANDLE_BASIC, &bi, sizeof(bi)) !=
	    (mx_ssize_t)sizeof(bi))
		return false;
	if (bi.type != MX_OBJ_TYPE_EVENT || bi.koid != koid)
		return false;
	r = mx_handle_wait_one(h, MX_SIGNAL_SIGNAL_ALL, 0, &st);
	return r == (sig ? NO_ERROR : ERR_TIMED_OUT) && st.satisfied == sig &&
	       st.satisfiable == MX_SIGNAL_SIGNAL_ALL;
}

/* A new event with EV_SIG set, and its koid; MX_HANDLE_INVALID on failure. */
static mx_handle_t new_event(mx_koid_t *koid)
{
	mx_handle_t e = mx_event_create(0);

	if (e <= 0)
		return MX_HANDLE_INVALID;
	if (mx_object_signal(e, 0, EV_SIG) != NO_ERROR) {
		mx_handle_close(e);
		return MX_HANDLE_INVALID;
	}
	*koid = koid_of(e);
	return e;
}

/* ---- the calls under test ------------------------------------------------ */

static mx_status_t do_create(struct fcase *c)
{
	return mx_msgpipe_create(c->r, 0);
}

static mx_status_t do_write(struct fcase *c)
{
	return mx_msgpipe_write(c->h[0], wbuf, c->nbytes,
				c->nhandles ? c->c : NULL, c->nhandles, 0);
}

static mx_status_t do_read(struct fcase *c)
{
	uint32_t nb = BIG, nh = NMANY;

	return mx_msgpipe_read(c->h[1], rbuf, &nb, c->r, &nh, 0);
}

static mx_status_t do_export(struct fcase *c)
{
	return mx_handle_export(c->c[0], 0, &c->fd);
}

static mx_status_t do_import(struct fcase *c)
{
	return mx_handle_import(c->fd, &c->got);
}

static mx_status_t do_wait_many(struct fcase *c)
{
	mx_signals_t sig[MAX_WAITED];
	mx_handle_t hs[MAX_WAITED];
	mx_signals_state_t st[MAX_WAITED];
	uint32_t i, idx = 99;
	mx_status_t r;

	/* h[1] has a message queued: the wait ends at once on index 0 */
	for (i = 0; i < c->nwait; i++) {
		hs[i] = i ? c->h[0] : c->h[1];
		sig[i] = MX_SIGNAL_READABLE;
	}
	r = mx_handle_wait_many(c->nwait, hs, sig, 1000000, &idx, st);
	if (r == NO_ERROR && (idx != 0 || !(st[0].satisfied & MX_SIGNAL_READABLE)))
		return ERR_INTERNAL;
	return r;
}

/* ---- per-round setup and verdicts ------------------------------------------ */

/* Make the handles to send (nhandles / 2 pipes). */
static void make_pairs(struct __test_metadata *_metadata, struct fcase *c,
		       uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 2)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c->c + i, 0));
}

/* Queue a message of the case's shape for h[1], carrying fresh pairs. */
static void queue_msg(struct __test_metadata *_metadata, struct fcase *c)
{
	make_pairs(_metadata, c, c->nhandles);
	ASSERT_EQ(NO_ERROR, do_write(c));
}

/* With ->grow, take the table's last free slots so the call must grow it. */
static void fill_table(struct __test_metadata *_metadata, struct fcase *c)
{
	if (c->grow)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c->fill, 0));
}

static void unfill_table(struct fcase *c)
{
	if (c->grow)
		close_all(c->fill, 2);
}

/* Read the message on h[1] and check it is the one written, whole. */
static void expect_msg(struct __test_metadata *_metadata, struct fcase *c)
{
	uint32_t nb = BIG, nh = NMANY;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(c->h[1], rbuf, &nb, c->r, &nh, 0));
	EXPECT_EQ(c->nbytes, nb);
	EXPECT_EQ(0, memcmp(wbuf, rbuf, nb));
	ASSERT_EQ(c->nhandles, nh);
	for (uint32_t i = 0; i < nh; i += 2)
		EXPECT_TRUE(peers(c->r[i], c->r[i + 1]));
	close_all(c->r, nh);
}

static void expect_nothing_queued(struct __test_metadata *_metadata,
				  struct fcase *c)
{
	uint32_t nb = 0, nh = 0;

	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_read(c->h[1], NULL, &nb, NULL, &nh, 0));
}

/*
 * One round: set up, run the call with allocation n failing, check the
 * outcome, clean up. Returns whether the armed fault was injected.
 */
static bool round_create(struct __test_metadata *_metadata, struct fcase *c,
			 int nfd, unsigned int n, mx_status_t *r)
{
	bool inj;

	fill_table(_metadata, c);
	nth_arm(nfd, n);
	*r = do_create(c);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		EXPECT_TRUE(peers(c->r[0], c->r[1]));
		EXPECT_TRUE(peers(c->r[1], c->r[0]));
		close_all(c->r, 2);
	}
	unfill_table(c);
	return inj;
}

static bool round_write(struct __test_metadata *_metadata, struct fcase *c,
			int nfd, unsigned int n, mx_status_t *r)
{
	bool inj;

	make_pairs(_metadata, c, c->nhandles);
	nth_arm(nfd, n);
	*r = do_write(c);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		for (uint32_t i = 0; i < c->nhandles; i++)
			EXPECT_FALSE(mx_is_valid(c->c[i]));
		expect_msg(_metadata, c);
	} else {
		/* still the caller's, under the same values, and usable */
		for (uint32_t i = 0; i < c->nhandles; i += 2)
			EXPECT_TRUE(peers(c->c[i], c->c[i + 1]));
		expect_nothing_queued(_metadata, c);
		close_all(c->c, c->nhandles);
	}
	return inj;
}

static bool round_read(struct __test_metadata *_metadata, struct fcase *c,
		       int nfd, unsigned int n, mx_status_t *r)
{
	bool inj;

	queue_msg(_metadata, c);
	fill_table(_metadata, c);
	nth_arm(nfd, n);
	*r = do_read(c);
	inj = nth_disarm(nfd);
	unfill_table(c);
	if (*r == NO_ERROR) {
		EXPECT_EQ(0, memcmp(wbuf, rbuf, c->nbytes));
		for (uint32_t i = 0; i < c->nhandles; i += 2)
			EXPECT_TRUE(peers(c->r[i], c->r[i + 1]));
		close_all(c->r, c->nhandles);
		expect_nothing_queued(_metadata, c);
	} else {
		/* consumed nothing: the message is still there, whole */
		expect_msg(_metadata, c);
	}
	return inj;
}

static bool round_export(struct __test_metadata *_metadata, struct fcase *c,
			 int nfd, unsigned int n, mx_status_t *r)
{
	int fd0 = next_fd();
	bool inj;

	make_pairs(_metadata, c, 2);
	c->fd = -1;
	nth_arm(nfd, n);
	*r = do_export(c);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		EXPECT_FALSE(mx_is_valid(c->c[0]));
		ASSERT_EQ(NO_ERROR, mx_handle_import(c->fd, &c->c[0]));
		close(c->fd);
	} else {
		EXPECT_EQ(-1, c->fd);
	}
	EXPECT_TRUE(peers(c->c[0], c->c[1]));
	close_all(c->c, 2);
	EXPECT_EQ(fd0, next_fd());
	return inj;
}

static bool round_import(struct __test_metadata *_metadata, struct fcase *c,
			 int nfd, unsigned int n, mx_status_t *r)
{
	bool inj;

	make_pairs(_metadata, c, 2);
	ASSERT_EQ(NO_ERROR, mx_handle_export(c->c[0], 0, &c->fd));
	fill_table(_metadata, c);
	c->got = MX_HANDLE_INVALID;
	nth_arm(nfd, n);
	*r = do_import(c);
	inj = nth_disarm(nfd);
	unfill_table(c);
	if (*r == NO_ERROR) {
		EXPECT_EQ(ERR_BAD_STATE, mx_handle_import(c->fd, &c->c[0]));
	} else {
		/* the fd still holds the handle */
		EXPECT_EQ(MX_HANDLE_INVALID, c->got);
		ASSERT_EQ(NO_ERROR, mx_handle_import(c->fd, &c->got));
	}
	close(c->fd);
	EXPECT_TRUE(peers(c->got, c->c[1]));
	mx_handle_close(c->got);
	mx_handle_close(c->c[1]);
	return inj;
}

static bool round_wait(struct __test_metadata *_metadata, struct fcase *c,
		       int nfd, unsigned int n, mx_status_t *r)
{
	bool inj;

	nth_arm(nfd, n);
	*r = do_wait_many(c);
	inj = nth_disarm(nfd);
	return inj;
}

/* ---- events --------------------------------------------------------------- */

static bool round_event_create(struct __test_metadata *_metadata,
			       struct fcase *c, int nfd, unsigned int n,
			       mx_status_t *r)
{
	mx_handle_t e;
	bool inj;

	fill_table(_metadata, c);
	nth_arm(nfd, n);
	e = mx_event_create(0);
	inj = nth_disarm(nfd);
	*r = e > 0 ? NO_ERROR : e;
	if (e > 0) {
		/* a whole event: its koid, its signals, its rights */
		EXPECT_TRUE(is_event(e, koid_of(e), 0));
		EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, EV_SIG));
		EXPECT_TRUE(is_event(e, koid_of(e), EV_SIG));
		mx_handle_close(e);
	}
	unfill_table(c);
	return inj;
}

static bool round_duplicate(struct __test_metadata *_metadata,
			    struct fcase *c, int nfd, unsigned int n,
			    mx_status_t *r)
{
	mx_handle_t d;
	bool inj;

	fill_table(_metadata, c);
	nth_arm(nfd, n);
	d = mx_handle_duplicate(c->ev, MX_RIGHT_SAME_RIGHTS);
	inj = nth_disarm(nfd);
	unfill_table(c);
	*r = d > 0 ? NO_ERROR : d;
	if (d > 0) {
		EXPECT_NE(c->ev, d);
		EXPECT_TRUE(is_event(d, c->koid, EV_SIG));
		mx_handle_close(d);
	}
	/* the source is untouched either way */
	EXPECT_TRUE(is_event(c->ev, c->koid, EV_SIG));
	return inj;
}

/* The handles of an event message: a pipe (c[0], c[1]), then an event. */
static void make_event_msg(struct __test_metadata *_metadata, struct fcase *c)
{
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c->c, 0));
	c->c[2] = new_event(&c->koid);
	ASSERT_LT(0, c->c[2]);
}

/* Read the event message on h[1] and check it is the one written, whole. */
static void expect_event_msg(struct __test_metadata *_metadata,
			     struct fcase *c)
{
	uint32_t nb = BIG, nh = NMANY;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(c->h[1], rbuf, &nb, c->r, &nh, 0));
	EXPECT_EQ(c->nbytes, nb);
	EXPECT_EQ(0, memcmp(wbuf, rbuf, nb));
	ASSERT_EQ(3, nh);
	EXPECT_TRUE(peers(c->r[0], c->r[1]));
	EXPECT_TRUE(is_event(c->r[2], c->koid, EV_SIG));
	close_all(c->r, nh);
}

static bool round_write_event(struct __test_metadata *_metadata,
			      struct fcase *c, int nfd, unsigned int n,
			      mx_status_t *r)
{
	bool inj;

	make_event_msg(_metadata, c);
	nth_arm(nfd, n);
	*r = mx_msgpipe_write(c->h[0], wbuf, c->nbytes, c->c, 3, 0);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		for (uint32_t i = 0; i < 3; i++)
			EXPECT_FALSE(mx_is_valid(c->c[i]));
		expect_event_msg(_metadata, c);
	} else {
		/* all still the caller's, the event with its state */
		EXPECT_TRUE(peers(c->c[0], c->c[1]));
		EXPECT_TRUE(is_event(c->c[2], c->koid, EV_SIG));
		expect_nothing_queued(_metadata, c);
		close_all(c->c, 3);
	}
	return inj;
}

static bool round_read_event(struct __test_metadata *_metadata,
			     struct fcase *c, int nfd, unsigned int n,
			     mx_status_t *r)
{
	uint32_t nb = BIG, nh = NMANY;
	bool inj;

	make_event_msg(_metadata, c);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(c->h[0], wbuf, c->nbytes, c->c,
					     3, 0));
	fill_table(_metadata, c);
	nth_arm(nfd, n);
	*r = mx_msgpipe_read(c->h[1], rbuf, &nb, c->r, &nh, 0);
	inj = nth_disarm(nfd);
	unfill_table(c);
	if (*r == NO_ERROR) {
		EXPECT_EQ(0, memcmp(wbuf, rbuf, c->nbytes));
		ASSERT_EQ(3, nh);
		EXPECT_TRUE(peers(c->r[0], c->r[1]));
		EXPECT_TRUE(is_event(c->r[2], c->koid, EV_SIG));
		close_all(c->r, 3);
		expect_nothing_queued(_metadata, c);
	} else {
		/* consumed nothing: the message is still there, whole */
		expect_event_msg(_metadata, c);
	}
	return inj;
}

static bool round_export_event(struct __test_metadata *_metadata,
			       struct fcase *c, int nfd, unsigned int n,
			       mx_status_t *r)
{
	int fd0 = next_fd();
	mx_handle_t e;
	bool inj;

	e = new_event(&c->koid);
	ASSERT_LT(0, e);
	c->fd = -1;
	nth_arm(nfd, n);
	*r = mx_handle_export(e, 0, &c->fd);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		EXPECT_FALSE(mx_is_valid(e));
		ASSERT_EQ(NO_ERROR, mx_handle_import(c->fd, &e));
		close(c->fd);
	} else {
		EXPECT_EQ(-1, c->fd);
	}
	EXPECT_TRUE(is_event(e, c->koid, EV_SIG));
	mx_handle_close(e);
	EXPECT_EQ(fd0, next_fd());
	return inj;
}

typedef bool (*round_fn)(struct __test_metadata *, struct fcase *, int,
			 unsigned int, mx_status_t *);

/* What a case must see, beyond every round being right. */
enum expect {
	NO_ALLOC,	/* may allocate nothing (nothing to fail) */
	FALLBACK,	/* allocates; its failures may all have fallbacks */
	NO_MEMORY,	/* at least one failure gives ERR_NO_MEMORY */
};

/*
 * Fail each allocation of the round's call once. fail-nth stops injecting
 * after its one fault, so a fallback's own allocations (kvmalloc's vmalloc
 * path) are not failed in the same call.
 */
static unsigned int run_rounds(struct __test_metadata *_metadata,
			       struct fcase *c, round_fn round,
			       enum expect want)
{
	unsigned int n, nomem = 0;
	struct mx_stats before;
	bool inj = true;
	mx_status_t r;
	int nfd;

	nfd = nth_open();
	if (nfd < 0)
		SKIP(return 0, "no fault injection (%s, %s)", FAILSLAB, FAIL_NTH);
	for (n = 1; n <= MAX_NTH && inj && _metadata->passed; n++) {
		mx_stats_read(&before);
		inj = round(_metadata, c, nfd, n, &r);
		/* without a fault, the call just works */
		if (!inj)
			EXPECT_EQ(NO_ERROR, r);
		if (inj && r != NO_ERROR)
			EXPECT_EQ(ERR_NO_MEMORY, r) TH_LOG("allocation %u", n);
		nomem += r == ERR_NO_MEMORY;
		EXPECT_STATS_EQ(&before);
	}
	close(nfd);
	if (_metadata->passed)
		EXPECT_FALSE(inj) TH_LOG("more than %d allocations?", MAX_NTH);
	if (want >= FALLBACK)
		EXPECT_LE(3, n) TH_LOG("no allocation reached");
	if (want == NO_MEMORY)
		EXPECT_LT(0, nomem);
	TH_LOG("%u allocations reached, %u failed with ERR_NO_MEMORY",
	       n - 2, nomem);
	return n - 2;
}

/* Fixture-independent setup of the shared case state. */
static void case_init(struct __test_metadata *_metadata, uint32_t nbytes,
		      uint32_t nhandles, bool grow)
{
	memset(&fc, 0, sizeof(fc));
	for (uint32_t i = 0; i < BIG; i++)
		wbuf[i] = (unsigned char)(i * 7 + 3);
	memset(rbuf, 0, sizeof(rbuf));
	fc.nbytes = nbytes;
	fc.nhandles = nhandles;
	fc.grow = grow;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(fc.h, 0));
}

static void case_done(void)
{
	close_all(fc.h, 2);
	if (fc.ev > 0)
		mx_handle_close(fc.ev);
	if (fc.ev2 > 0)
		mx_handle_close(fc.ev2);
}

/*
 * case_init(), and an event with EV_SIG set in fc.ev. With @grow, a
 * second handle to it keeps the number of handles held even, as the
 * levels of run_levels() and fill_table() count in pairs: so at some
 * level the table is exactly full and the one slot a duplicate needs
 * must come from growing it.
 */
static void case_init_event(struct __test_metadata *_metadata,
			    uint32_t nbytes, bool grow)
{
	case_init(_metadata, nbytes, 0, grow);
	fc.ev = new_event(&fc.koid);
	ASSERT_LT(0, fc.ev);
	if (grow) {
		fc.ev2 = mx_handle_duplicate(fc.ev, MX_RIGHT_SAME_RIGHTS);
		ASSERT_LT(0, fc.ev2);
	}
}

/*
 * The grows_table cases: hold more and more handles (pairs), from a little
 * below the size of a new table to a little above twice that, and run the
 * rounds at each level, so that at some level the call finds the table full
 * and must grow it (fill_table() takes the last free pair first), whatever
 * the exact sizes. At that level the call reaches more allocations than
 * elsewhere; for read and import at least one such level must exist. Not
 * for create: its first allocation (the pipe) is followed by kmemleak's own
 * metadata allocation (silent, with a fallback), which takes the one
 * injected fault of the round before the table grows; the growth then
 * succeeds and stays, so under kmemleak create's growth is never the
 * failing allocation. The case still checks create at every level.
 */
#define NHOLD	(2 * TABLE_MIN + 8)

static void run_levels(struct __test_metadata *_metadata, round_fn round,
		       enum expect want, int park, bool must_grow)
{
	unsigned int reached, lo = ~0u, hi = 0;
	mx_handle_t hold[NHOLD];
	int spare = -1, nfd;
	uint32_t held;

	nfd = nth_open();
	if (nfd < 0)
		SKIP(return, "no fault injection (%s, %s)", FAILSLAB, FAIL_NTH);
	close(nfd);
	for (held = 0; held < NHOLD && _metadata->passed; held += 2) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(hold + held, 0));
		if (park && !held)
			ASSERT_EQ(NO_ERROR, mx_handle_export(hold[0], 0, &spare));
		if (held + 2 < TABLE_MIN - 8)
			continue;
		reached = run_rounds(_metadata, &fc, round, want);
		lo = reached < lo ? reached : lo;
		hi = reached > hi ? reached : hi;
	}
	if (spare >= 0) {
		ASSERT_EQ(NO_ERROR, mx_handle_import(spare, &hold[0]));
		close(spare);
	}
	close_all(hold, held);
	if (must_grow)
		EXPECT_LT(lo, hi) TH_LOG("the table never had to grow");
}

TEST_F_TIMEOUT(mx, create, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_create, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, create_grows_table, 300)
{
	case_init(_metadata, 0, 0, true);
	run_levels(_metadata, round_create, NO_MEMORY, 0, false);
	case_done();
}

TEST_F_TIMEOUT(mx, write_small, 120)
{
	case_init(_metadata, 16, 0, false);
	run_rounds(_metadata, &fc, round_write, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, write_large, 300)
{
	case_init(_metadata, BIG, 0, false);
	run_rounds(_metadata, &fc, round_write, FALLBACK);
	case_done();
}

TEST_F_TIMEOUT(mx, write_handles, 120)
{
	case_init(_metadata, 16, 2, false);
	run_rounds(_metadata, &fc, round_write, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, write_many_handles, 120)
{
	case_init(_metadata, 16, NMANY, false);
	run_rounds(_metadata, &fc, round_write, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, write_large_handles, 300)
{
	case_init(_metadata, BIG, 2, false);
	run_rounds(_metadata, &fc, round_write, FALLBACK);
	case_done();
}

TEST_F_TIMEOUT(mx, read_handles, 120)
{
	case_init(_metadata, 16, 2, false);
	run_rounds(_metadata, &fc, round_read, NO_ALLOC);
	case_done();
}

TEST_F_TIMEOUT(mx, read_many_handles, 120)
{
	case_init(_metadata, 16, NMANY, false);
	run_rounds(_metadata, &fc, round_read, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, read_grows_table, 300)
{
	case_init(_metadata, 16, 2, true);
	run_levels(_metadata, round_read, NO_ALLOC, 0, true);
	case_done();
}

TEST_F_TIMEOUT(mx, export, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_export, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, import, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_import, NO_ALLOC);
	case_done();
}

/* a round holds one handle less (exported): park one more outside */
TEST_F_TIMEOUT(mx, import_grows_table, 300)
{
	case_init(_metadata, 0, 0, true);
	run_levels(_metadata, round_import, NO_ALLOC, 1, true);
	case_done();
}

/* Waits on up to 4 handles allocate nothing; larger ones fail cleanly. */
static void wait_many_case(struct __test_metadata *_metadata, uint32_t n,
			   enum expect want)
{
	uint32_t nb = 0;

	case_init(_metadata, 0, 0, false);
	fc.nwait = n;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(fc.h[0], NULL, 0, NULL, 0, 0));
	run_rounds(_metadata, &fc, round_wait, want);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(fc.h[1], NULL, &nb, NULL, NULL, 0));
	case_done();
}

TEST_F_TIMEOUT(mx, wait_many_small, 120)
{
	wait_many_case(_metadata, 2, NO_ALLOC);
}

TEST_F_TIMEOUT(mx, wait_many, 120)
{
	wait_many_case(_metadata, MAX_WAITED, NO_MEMORY);
}

/* ---- wait sets ------------------------------------------------------------ */

static bool round_waitset_create(struct __test_metadata *_metadata,
				 struct fcase *c, int nfd, unsigned int n,
				 mx_status_t *r)
{
	mx_handle_basic_info_t bi;
	mx_handle_t ws;
	bool inj;

	fill_table(_metadata, c);
	nth_arm(nfd, n);
	ws = mx_waitset_create();
	inj = nth_disarm(nfd);
	*r = ws > 0 ? NO_ERROR : ws;
	if (ws > 0) {
		/* a whole wait set: its type, its rights, it takes entries */
		EXPECT_EQ((mx_ssize_t)sizeof(bi),
			  mx_handle_get_info(ws, MX_INFO_HANDLE_BASIC, &bi,
					     sizeof(bi)));
		EXPECT_EQ(MX_OBJ_TYPE_WAIT_SET, bi.type);
		EXPECT_EQ(MX_RIGHT_READ | MX_RIGHT_WRITE, bi.rights);
		EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, c->h[0], EV_SIG, 1));
		mx_handle_close(ws);
	}
	unfill_table(c);
	return inj;
}

/* The number of results a non-blocking wait on @ws gives, or -1. */
/*
 * Entries of the wait-set wait round: more results than the module gathers
 * on its stack (8), so that the wait allocates its result buffer.
 */
#define WS_WAIT_N	12

static int ws_ready(mx_handle_t ws)
{
	mx_waitset_result_t res[WS_WAIT_N];
	uint32_t n = WS_WAIT_N, max = 0;
	mx_status_t r = mx_waitset_wait(ws, 0, &n, res, &max);

	if (r == ERR_TIMED_OUT)
		return 0;
	return r == NO_ERROR && n == max ? (int)n : -1;
}

static bool round_waitset_add(struct __test_metadata *_metadata,
			      struct fcase *c, int nfd, unsigned int n,
			      mx_status_t *r)
{
	mx_handle_t ws = mx_waitset_create(), e = mx_event_create(0);
	bool inj;

	if (ws <= 0 || e <= 0) {
		EXPECT_LT(0, ws);
		EXPECT_LT(0, e);
		*r = ERR_INTERNAL;
		return false;
	}
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, EV_SIG));
	nth_arm(nfd, n);
	*r = mx_waitset_add(ws, e, EV_SIG, 1);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		/* the entry is there, and has its result */
		EXPECT_EQ(1, ws_ready(ws));
		EXPECT_EQ(ERR_ALREADY_EXISTS, mx_waitset_add(ws, e, EV_SIG, 1));
	} else {
		/* nothing was added */
		EXPECT_EQ(0, ws_ready(ws));
		EXPECT_EQ(ERR_NOT_FOUND, mx_waitset_remove(ws, 1));
	}
	mx_handle_close(ws);
	mx_handle_close(e);
	return inj;
}

static bool round_waitset_wait(struct __test_metadata *_metadata,
			       struct fcase *c, int nfd, unsigned int n,
			       mx_status_t *r)
{
	mx_handle_t ws = mx_waitset_create(), e = mx_event_create(0);
	mx_waitset_result_t res[WS_WAIT_N + 1];
	uint32_t nr = WS_WAIT_N + 1, max = POISON_U32;
	bool inj;
	int i;

	if (ws <= 0 || e <= 0) {
		EXPECT_LT(0, ws);
		EXPECT_LT(0, e);
		*r = ERR_INTERNAL;
		return false;
	}
	for (i = 0; i < WS_WAIT_N; i++)
		EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, EV_SIG, 10 + i));
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, EV_SIG));
	nth_arm(nfd, n);
	*r = mx_waitset_wait(ws, 0, &nr, res, &max);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		EXPECT_EQ(WS_WAIT_N, nr);
		EXPECT_EQ(WS_WAIT_N, max);
	} else {
		/* nothing written, no result lost */
		EXPECT_EQ(WS_WAIT_N + 1, nr);
		EXPECT_EQ(POISON_U32, max);
	}
	EXPECT_EQ(WS_WAIT_N, ws_ready(ws));
	mx_handle_close(ws);
	mx_handle_close(e);
	return inj;
}

/*
 * mx_handle_poll_fd(): the file (and whatever the fd table needs). On
 * failure no fd was made; on success the fd polls readable.
 */
static bool round_poll_fd(struct __test_metadata *_metadata,
			  struct fcase *c, int nfd, unsigned int n,
			  mx_status_t *r)
{
	mx_handle_t ws = mx_waitset_create(), e = mx_event_create(0);
	int fd = -1, fd0 = next_fd();
	struct pollfd p;
	bool inj;

	if (ws <= 0 || e <= 0) {
		EXPECT_LT(0, ws);
		EXPECT_LT(0, e);
		*r = ERR_INTERNAL;
		return false;
	}
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, EV_SIG));
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws, e, EV_SIG, 1));
	nth_arm(nfd, n);
	*r = mx_handle_poll_fd(ws, 0, &fd);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		EXPECT_EQ(fd0, fd);
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		EXPECT_EQ(1, poll(&p, 1, 0));
		EXPECT_EQ(POLLIN, p.revents);
		close(fd);
	} else {
		EXPECT_EQ(-1, fd);
	}
	EXPECT_EQ(fd0, next_fd());
	EXPECT_EQ(1, ws_ready(ws));
	mx_handle_close(ws);
	mx_handle_close(e);
	return inj;
}

/* ---- events ----------------------------------------------------------------- */

TEST_F_TIMEOUT(mx, create_event, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_event_create, NO_MEMORY);
	case_done();
}

/*
 * As create_grows_table (and for the same reason, kmemleak's allocation
 * after the event's, not required to reach the growth's failure).
 */
TEST_F_TIMEOUT(mx, create_event_grows_table, 300)
{
	case_init(_metadata, 0, 0, true);
	run_levels(_metadata, round_event_create, NO_MEMORY, 0, false);
	case_done();
}

/* A duplicate allocates nothing, unless the table must grow. */
TEST_F_TIMEOUT(mx, duplicate_event, 120)
{
	case_init_event(_metadata, 0, false);
	run_rounds(_metadata, &fc, round_duplicate, NO_ALLOC);
	case_done();
}

TEST_F_TIMEOUT(mx, duplicate_event_grows_table, 300)
{
	case_init_event(_metadata, 0, true);
	run_levels(_metadata, round_duplicate, NO_ALLOC, 0, true);
	case_done();
}

/* An event with a pipe in one message: written, read, all or nothing. */
TEST_F_TIMEOUT(mx, write_event, 120)
{
	case_init(_metadata, 16, 0, false);
	run_rounds(_metadata, &fc, round_write_event, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, read_event, 120)
{
	case_init(_metadata, 16, 0, false);
	run_rounds(_metadata, &fc, round_read_event, NO_ALLOC);
	case_done();
}

TEST_F_TIMEOUT(mx, read_event_grows_table, 300)
{
	case_init(_metadata, 16, 0, true);
	run_levels(_metadata, round_read_event, NO_ALLOC, 0, true);
	case_done();
}

TEST_F_TIMEOUT(mx, export_event, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_export_event, NO_MEMORY);
	case_done();
}

/* ---- wait sets --------------------------------------------------------------- */

TEST_F_TIMEOUT(mx, create_waitset, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_waitset_create, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, add_to_waitset, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_waitset_add, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, wait_on_waitset, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_waitset_wait, NO_MEMORY);
	case_done();
}

/* ---- IO ports --------------------------------------------------------------- */

/* Is @port empty? A sentinel queued now must come out first. */
static bool port_is_empty(mx_handle_t port)
{
	mx_packet_header_t h = { .key = 0x5e5e };

	if (mx_port_queue(port, &h, sizeof(h)) != NO_ERROR)
		return false;
	memset(&h, 0, sizeof(h));
	return mx_port_wait(port, &h, sizeof(h)) == NO_ERROR &&
	       h.key == 0x5e5e;
}

static bool round_port_create(struct __test_metadata *_metadata,
			      struct fcase *c, int nfd, unsigned int n,
			      mx_status_t *r)
{
	mx_handle_basic_info_t bi;
	mx_packet_header_t h = { .key = 3 };
	mx_handle_t p;
	bool inj;

	fill_table(_metadata, c);
	nth_arm(nfd, n);
	p = mx_port_create(0);
	inj = nth_disarm(nfd);
	*r = p > 0 ? NO_ERROR : p;
	if (p > 0) {
		/* a whole port: its type, its rights, it carries packets */
		EXPECT_EQ((mx_ssize_t)sizeof(bi),
			  mx_handle_get_info(p, MX_INFO_HANDLE_BASIC, &bi,
					     sizeof(bi)));
		EXPECT_EQ(MX_OBJ_TYPE_IOPORT, bi.type);
		EXPECT_EQ(NO_ERROR, mx_port_queue(p, &h, sizeof(h)));
		h.key = 0;
		EXPECT_EQ(NO_ERROR, mx_port_wait(p, &h, sizeof(h)));
		EXPECT_EQ(3u, h.key);
		mx_handle_close(p);
	}
	unfill_table(c);
	return inj;
}

static bool round_port_queue(struct __test_metadata *_metadata,
			     struct fcase *c, int nfd, unsigned int n,
			     mx_status_t *r)
{
	mx_packet_header_t h = { .key = 4 };
	mx_handle_t p = mx_port_create(0);
	bool inj;

	if (p <= 0) {
		EXPECT_LT(0, p);
		*r = ERR_INTERNAL;
		return false;
	}
	nth_arm(nfd, n);
	*r = mx_port_queue(p, &h, sizeof(h));
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		h.key = 0;
		EXPECT_EQ(NO_ERROR, mx_port_wait(p, &h, sizeof(h)));
		EXPECT_EQ(4u, h.key);
	}
	/* a failed queue left nothing behind */
	EXPECT_TRUE(port_is_empty(p));
	mx_handle_close(p);
	return inj;
}

static bool round_port_bind(struct __test_metadata *_metadata,
			    struct fcase *c, int nfd, unsigned int n,
			    mx_status_t *r)
{
	mx_handle_t p = mx_port_create(0), e = mx_event_create(0);
	mx_io_packet_t io;
	bool inj;

	if (p <= 0 || e <= 0) {
		EXPECT_LT(0, p);
		EXPECT_LT(0, e);
		*r = ERR_INTERNAL;
		return false;
	}
	EXPECT_EQ(NO_ERROR, mx_object_signal(e, 0, EV_SIG));
	nth_arm(nfd, n);
	*r = mx_port_bind(p, 8, e, EV_SIG);
	inj = nth_disarm(nfd);
	if (*r == NO_ERROR) {
		/* bound: the satisfied signal queued its packet */
		memset(&io, 0, sizeof(io));
		EXPECT_EQ(NO_ERROR, mx_port_wait(p, &io, sizeof(io)));
		EXPECT_EQ(8u, io.hdr.key);
		EXPECT_EQ(MX_PORT_PKT_TYPE_IOSN, io.hdr.type);
		EXPECT_EQ(ERR_BAD_STATE, mx_port_bind(p, 8, e, EV_SIG));
	} else {
		/* not bound: nothing queued, and it can be bound now */
		EXPECT_TRUE(port_is_empty(p));
		EXPECT_EQ(NO_ERROR, mx_port_bind(p, 8, e, EV_SIG));
	}
	mx_handle_close(p);
	mx_handle_close(e);
	return inj;
}

TEST_F_TIMEOUT(mx, create_port, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_port_create, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, queue_to_port, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_port_queue, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, bind_to_port, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_port_bind, NO_MEMORY);
	case_done();
}

TEST_F_TIMEOUT(mx, poll_fd_of_waitset, 120)
{
	case_init(_metadata, 0, 0, false);
	run_rounds(_metadata, &fc, round_poll_fd, NO_MEMORY);
	case_done();
}

TEST_HARNESS_MAIN
