// SPDX-License-Identifier: GPL-2.0
/*
 * Message pipes in one process: mx_msgpipe_create(), mx_msgpipe_write(),
 * mx_msgpipe_read(), reply pipes and mx_handle_close() (contract sections
 * 3, 4 and 5; ../seed/msgpipe_write.md for the write).
 *
 * Every TEST_F(mx, ...) closes all it creates: the fixture's teardown checks
 * that the module's live counters are back where they were. FIXTURE(order)
 * builds one mx_msgpipe_write() call that breaks two (or more) of the
 * contract's numbered checks at once and expects the status of the earliest.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mx_test.h"

#define MAX_BYTES	65536u
#define MAX_HANDLES	1024u
#define RWP		(PROT_READ | PROT_WRITE)
#define PIPE_RIGHTS	(MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE)

static char big_out[MAX_BYTES + 1];	/* payloads to write */
static char big_in[MAX_BYTES + 1];	/* buffer to read into */

/*
 * @n accessible pages followed by one PROT_NONE page; the accessible ones
 * get @prot (after being zeroed). Returns the start, or NULL.
 */
static char *map_guarded(size_t n, int prot)
{
	size_t pg = mx_page_size();
	char *p = mmap(NULL, (n + 1) * pg, RWP, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + n * pg, pg, PROT_NONE) ||
	    (n && mprotect(p, n * pg, prot))) {
		munmap(p, (n + 1) * pg);
		return NULL;
	}
	return p;
}

static void unmap_guarded(char *p, size_t n)
{
	munmap(p, (n + 1) * mx_page_size());
}

/* An address that was mapped a moment ago and is not any more. */
static void *unmapped_address(void)
{
	void *p = mmap(NULL, mx_page_size(), RWP, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, mx_page_size());
	return p;
}

static mx_status_t put(mx_handle_t h, const char *s)
{
	return mx_msgpipe_write(h, (void *)s, strlen(s), NULL, 0, 0);
}

static mx_status_t put_handles(mx_handle_t h, const char *s,
			       mx_handle_t *hs, uint32_t n)
{
	return mx_msgpipe_write(h, (void *)s, strlen(s), hs, n, 0);
}

/* Write a 4-byte tag through @w and read it back from @r. */
static bool roundtrip(mx_handle_t w, mx_handle_t r, uint32_t tag)
{
	uint32_t got = ~tag, nb = sizeof(got), nh = 0;

	if (mx_msgpipe_write(w, &tag, sizeof(tag), NULL, 0, 0) != NO_ERROR)
		return false;
	if (mx_msgpipe_read(r, &got, &nb, NULL, &nh, 0) != NO_ERROR)
		return false;
	return nb == sizeof(tag) && nh == 0 && got == tag;
}

/* Nothing is queued for @h and its peer is alive. */
static bool queue_empty(mx_handle_t h)
{
	return mx_msgpipe_read(h, NULL, NULL, NULL, NULL, 0) == ERR_BAD_STATE;
}

/* @h sees its peer closed, without blocking. */
static bool sees_peer_closed(mx_handle_t h)
{
	mx_signals_state_t st = { 0, 0 };

	return mx_handle_wait_one(h, MX_SIGNAL_PEER_CLOSED, 0, &st) ==
	       NO_ERROR && (st.satisfied & MX_SIGNAL_PEER_CLOSED);
}

/* Write @n empty messages through @h; returns how many went in. */
static long fill(mx_handle_t h, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (mx_msgpipe_write(h, NULL, 0, NULL, 0, 0) != NO_ERROR)
			break;
	return i;
}

/* ------------------------------------------------------------------ */
/* mx_msgpipe_write: one test per error (checks 1..11)                 */
/* ------------------------------------------------------------------ */

/* Check 1: values that never named anything. */
TEST_F(mx, write_invalid_handle)
{
	static const mx_handle_t bad[] = { 0, -1, INT32_MIN, -12345 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(ERR_INVALID_ARGS, put(bad[i], "x"));
		EXPECT_EQ(ERR_INVALID_ARGS,
			  mx_msgpipe_write(bad[i], NULL, 0, NULL, 0, 0));
	}
}

/* Check 1: a closed value stays invalid, even after new handles appear. */
TEST_F(mx, write_closed_handle_value)
{
	mx_handle_t h[2], more[8][2];
	int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, put(h[0], "x"));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(more[i], 0));
		EXPECT_NE(h[0], more[i][0]);
		EXPECT_NE(h[0], more[i][1]);
		EXPECT_EQ(ERR_INVALID_ARGS, put(h[0], "x"));
	}
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(h[1], NULL, NULL, NULL, NULL, 0));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(more[i][0]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(more[i][1]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 2: a handle without MX_RIGHT_WRITE. */
TEST_F(mx, write_no_write_right)
{
	mx_handle_t h[2], r;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	r = mx_handle_replace(h[0], MX_RIGHT_READ | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, put(r, "x"));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_msgpipe_write(r, NULL, 0, NULL, 0, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	/* The handle still reads: only the write was refused. */
	EXPECT_TRUE(roundtrip(h[1], r, 7));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 3: bytes NULL with num_bytes > 0; NULL with 0 is fine. */
TEST_F(mx, write_null_bytes_nonzero_count)
{
	mx_handle_t h[2];
	uint32_t nb = 1, nh = 1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], NULL, 1, NULL, 0, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], NULL, 0, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(0u, nb);
	EXPECT_EQ(0u, nh);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 3: handles NULL with num_handles > 0; NULL with 0 is fine. */
TEST_F(mx, write_null_handles_nonzero_count)
{
	mx_handle_t h[2];
	uint32_t nb = sizeof(big_in), nh = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], "ab", 2, NULL, 1, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], "ab", 2, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(2u, nb);
	EXPECT_EQ(0u, nh);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 4: num_bytes > 65536. */
TEST_F(mx, write_too_many_bytes)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_TOO_BIG,
		  mx_msgpipe_write(h[0], big_out, MAX_BYTES + 1, NULL, 0, 0));
	EXPECT_EQ(ERR_TOO_BIG,
		  mx_msgpipe_write(h[0], big_out, UINT32_MAX, NULL, 0, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 4: num_handles > 1024; the handles in the array stay ours. */
TEST_F(mx, write_too_many_handles)
{
	static mx_handle_t arr[MAX_HANDLES + 1];
	mx_handle_t h[2], a[2];
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	for (i = 0; i <= MAX_HANDLES; i++)
		arr[i] = a[0];
	EXPECT_EQ(ERR_TOO_BIG,
		  mx_msgpipe_write(h[0], NULL, 0, arr, MAX_HANDLES + 1, 0));
	EXPECT_EQ(ERR_TOO_BIG, mx_msgpipe_write(h[0], NULL, 0, arr,
						UINT32_MAX, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 3));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(h[i]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(a[i]));
	}
}

/* Check 5: flags other than 0. */
TEST_F(mx, write_nonzero_flags)
{
	static const uint32_t flags[] = { 1, 2, MX_FLAG_REPLY_PIPE, 1u << 31 };
	mx_handle_t h[2];
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (i = 0; i < ARRAY_SIZE(flags); i++)
		EXPECT_EQ(ERR_INVALID_ARGS,
			  mx_msgpipe_write(h[0], "x", 1, NULL, 0, flags[i]));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 6: bytes unreadable, wholly or in part. */
TEST_F(mx, write_unreadable_bytes)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	void *gone = unmapped_address();
	mx_handle_t h[2];

	ASSERT_NE(NULL, g);
	ASSERT_NE(NULL, gone);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_write(h[0], g + pg, 16, NULL, 0, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], gone, 16, NULL, 0, 0));
	/* Readable start, unreadable end. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_write(h[0], g + pg - 8, 16, NULL, 0, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	/* The readable part alone is fine. */
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], g + pg - 8, 8, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* Check 6: handles unreadable; a partly readable array moves nothing. */
TEST_F(mx, write_unreadable_handles)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	mx_handle_t h[2], a[2], c[2], *arr;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], "x", 1,
			(mx_handle_t *)(g + pg), 1, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], "x", 1,
			unmapped_address(), 1, 0));
	arr = (mx_handle_t *)(g + pg) - 2;
	arr[0] = a[0];
	arr[1] = c[0];
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], "x", 1, arr, 3, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_TRUE(roundtrip(c[0], c[1], 2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	unmap_guarded(g, 1);
}

/* Check 7: an entry that is not a handle; the valid ones stay ours. */
TEST_F(mx, write_invalid_handle_in_array)
{
	mx_handle_t h[2], a[2], arr[3];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	arr[0] = a[0];
	arr[1] = mx_dead_handle();
	EXPECT_EQ(ERR_INVALID_ARGS, put_handles(h[0], "x", arr, 2));
	arr[1] = 0;
	EXPECT_EQ(ERR_INVALID_ARGS, put_handles(h[0], "x", arr, 2));
	arr[1] = -1;
	EXPECT_EQ(ERR_INVALID_ARGS, put_handles(h[0], "x", arr, 2));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 9));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 7: the writing handle itself, on a pipe that is not a reply pipe. */
TEST_F(mx, write_self_handle_not_reply)
{
	mx_handle_t h[2], a[2], arr[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	EXPECT_EQ(ERR_NOT_SUPPORTED, put_handles(h[0], "x", &h[0], 1));
	arr[0] = a[0];
	arr[1] = h[0];
	EXPECT_EQ(ERR_NOT_SUPPORTED, put_handles(h[0], "x", arr, 2));
	EXPECT_EQ(ERR_NOT_SUPPORTED, put_handles(h[1], "x", &h[1], 1));
	EXPECT_TRUE(queue_empty(h[0]));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(h[0], h[1], 1));
	EXPECT_TRUE(roundtrip(a[0], a[1], 2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 7: an entry without MX_RIGHT_TRANSFER. */
TEST_F(mx, write_handle_without_transfer_right)
{
	mx_handle_t h[2], a[2], x, arr[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	x = mx_handle_replace(a[0], MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, x);
	EXPECT_EQ(ERR_ACCESS_DENIED, put_handles(h[0], "x", &x, 1));
	arr[0] = a[1];
	arr[1] = x;
	EXPECT_EQ(ERR_ACCESS_DENIED, put_handles(h[0], "x", arr, 2));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(x, a[1], 4));
	EXPECT_TRUE(roundtrip(a[1], x, 5));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Check 8: a reply pipe write with no handles at all. */
TEST_F(mx, write_reply_pipe_no_handles)
{
	mx_handle_t rp[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	EXPECT_EQ(ERR_BAD_STATE, put(rp[1], "answer"));
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_write(rp[1], NULL, 0, NULL, 0, 0));
	EXPECT_TRUE(queue_empty(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[1]));
}

/* Check 8: a reply pipe write whose handles do not include its own. */
TEST_F(mx, write_reply_pipe_missing_own_handle)
{
	mx_handle_t rp[2], a[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	EXPECT_EQ(ERR_BAD_STATE, put_handles(rp[1], "x", a, 2));
	EXPECT_TRUE(queue_empty(rp[0]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[1]));
}

/* Check 8: a reply pipe's own handle, but not as the last entry. */
TEST_F(mx, write_reply_pipe_own_handle_not_last)
{
	mx_handle_t rp[2], a[2], arr[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	arr[0] = rp[1];
	arr[1] = a[0];
	EXPECT_EQ(ERR_BAD_STATE, put_handles(rp[1], "x", arr, 2));
	EXPECT_TRUE(queue_empty(rp[0]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	/* Still ours: the same handle last works. */
	arr[0] = a[0];
	arr[1] = rp[1];
	EXPECT_EQ(NO_ERROR, put_handles(rp[1], "x", arr, 2));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(rp[1]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
}

/* Check 9: the same handle twice. */
TEST_F(mx, write_duplicate_handle_in_array)
{
	mx_handle_t h[2], a[2], c[2], arr[3];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	arr[0] = a[0];
	arr[1] = a[0];
	EXPECT_EQ(ERR_INVALID_ARGS, put_handles(h[0], "x", arr, 2));
	arr[1] = c[0];
	arr[2] = a[0];
	EXPECT_EQ(ERR_INVALID_ARGS, put_handles(h[0], "x", arr, 3));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_TRUE(roundtrip(c[0], c[1], 2));
	/* A later write without the duplicate moves both. */
	EXPECT_EQ(NO_ERROR, put_handles(h[0], "x", arr, 2));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(a[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_TRUE(sees_peer_closed(a[1]));
	EXPECT_TRUE(sees_peer_closed(c[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
}

/* Check 10: the peer has died. */
TEST_F(mx, write_peer_closed)
{
	mx_handle_t h[2], a[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(ERR_BAD_STATE, put(h[0], "x"));
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_write(h[0], NULL, 0, NULL, 0, 0));
	EXPECT_EQ(ERR_BAD_STATE, put_handles(h[0], "x", &a[0], 1));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/*
 * Check 11: the peer's queue holds max_queued_msgs messages. WRITABLE is
 * not satisfied meanwhile; one read makes room for exactly one more.
 */
TEST_F_TIMEOUT(mx, write_queue_full, 180)
{
	long n = mx_param_read("max_queued_msgs"), i;
	mx_handle_t h[2], a[2];
	mx_signals_state_t st;
	uint32_t v, nb, nh;

	if (n <= 0 || n > 100000)
		SKIP(return, "max_queued_msgs unreadable or huge (%ld)", n);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	for (i = 0; i < n; i++) {
		v = i;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], &v, 4, NULL, 0, 0));
	}
	EXPECT_EQ(ERR_NO_MEMORY, put(h[0], "x"));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(h[0], NULL, 0, NULL, 0, 0));
	EXPECT_EQ(ERR_NO_MEMORY, put_handles(h[0], "x", &a[0], 1));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_EQ(ERR_TIMED_OUT,
		  mx_handle_wait_one(h[0], MX_SIGNAL_WRITABLE, 0, &st));
	EXPECT_EQ(0u, st.satisfied & MX_SIGNAL_WRITABLE);
	EXPECT_EQ(n, mx_stat_read("messages") - self->base.messages);

	nb = 4;
	nh = 0;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], &v, &nb, NULL, &nh, 0));
	EXPECT_EQ(0u, v);
	EXPECT_EQ(NO_ERROR,
		  mx_handle_wait_one(h[0], MX_SIGNAL_WRITABLE, 0, &st));
	v = n;
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], &v, 4, NULL, 0, 0));
	EXPECT_EQ(ERR_NO_MEMORY, put(h[0], "x"));
	/* Nothing was lost or reordered. */
	for (i = 1; i <= n; i++) {
		nb = 4;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], &v, &nb, NULL, NULL, 0));
		ASSERT_EQ((uint32_t)i, v);
	}
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/*
 * Check 11: the peer's queue holds max_queued_bytes of payload; a message
 * costs its bytes plus 16 per handle (kmod/message.c).
 */
TEST_F_TIMEOUT(mx, write_queue_bytes_full, 120)
{
	long msgs = mx_param_read("max_queued_msgs");
	long max = mx_param_read("max_queued_bytes");
	long k, rem, i;
	mx_handle_t h[2], a[2];

	if (msgs <= 0 || max < 64 || max / MAX_BYTES + 3 > msgs)
		SKIP(return, "limits unusable here (%ld msgs, %ld bytes)",
		     msgs, max);
	k = max / MAX_BYTES;
	rem = max % MAX_BYTES;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	if (!rem) {	/* leave room for one handle's cost */
		k--;
		rem = MAX_BYTES;
	}
	for (i = 0; i < k; i++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, MAX_BYTES,
						     NULL, 0, 0));
	ASSERT_LE(16, rem);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, rem - 16,
					     NULL, 0, 0));
	/* 16 bytes left: one more handle fits, one more byte does not. */
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(h[0], big_out, 17, NULL,
						  0, 0));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(h[0], big_out, 1, &a[0],
						  1, 0));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], NULL, 0, &a[0], 1, 0));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(h[0], big_out, 1, NULL,
						  0, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	/* Closing h[1] destroyed the queue and the endpoint in it. */
	EXPECT_TRUE(sees_peer_closed(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
}

/* ------------------------------------------------------------------ */
/* mx_msgpipe_write: success, atomicity, boundaries                    */
/* ------------------------------------------------------------------ */

/*
 * After a successful write no sent value is valid; the reader gets working
 * handles under new values, in the order sent.
 */
TEST_F(mx, write_moves_handles)
{
	mx_handle_t h[2], p[3][2], arr[3], got[4];
	uint32_t nb = sizeof(big_in), nh = 4;
	long before = mx_stat_read("handles");
	int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p[i], 0));
		arr[i] = p[i][0];
	}
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "three", arr, 3));
	EXPECT_EQ(before + 5, mx_stat_read("handles"));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(ERR_INVALID_ARGS, put(arr[i], "x"));
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(arr[i]));
		EXPECT_FALSE(sees_peer_closed(p[i][1]));
	}
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(5u, nb);
	EXPECT_EQ(0, memcmp(big_in, "three", 5));
	ASSERT_EQ(3u, nh);
	EXPECT_EQ(before + 8, mx_stat_read("handles"));
	for (i = 0; i < 3; i++) {
		EXPECT_LT(0, got[i]);
		EXPECT_NE(arr[i], got[i]);
		/* got[i] is the end of pipe i: order is kept. */
		EXPECT_TRUE(roundtrip(got[i], p[i][1], i));
		EXPECT_TRUE(roundtrip(p[i][1], got[i], i + 10));
		EXPECT_EQ(NO_ERROR, mx_handle_close(got[i]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(p[i][1]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/*
 * Each kind of failed write that carried handles: every handle is still
 * ours under the same value and nothing was queued.
 */
TEST_F(mx, write_failures_keep_handles)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	mx_handle_t h[2], a[2], c[2], x, arr[4], *tail;
	long handles, msgs;
	int k;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	x = mx_handle_replace(c[1], MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, x);
	handles = mx_stat_read("handles");
	msgs = mx_stat_read("messages");
	for (k = 0; k < 7; k++) {
		mx_status_t want = ERR_INVALID_ARGS, r;
		uint32_t flags = 0, n = 3;
		mx_handle_t *hs = arr;

		arr[0] = a[0];
		arr[1] = c[0];
		arr[2] = a[1];
		switch (k) {
		case 0:		/* an invalid entry */
			arr[2] = mx_dead_handle();
			break;
		case 1:		/* the writer itself */
			arr[2] = h[0];
			want = ERR_NOT_SUPPORTED;
			break;
		case 2:		/* no TRANSFER right */
			arr[2] = x;
			want = ERR_ACCESS_DENIED;
			break;
		case 3:		/* a duplicate */
			arr[2] = a[0];
			break;
		case 4:
			flags = 1;
			break;
		case 5:		/* a[0] and c[0] readable, the third not */
			tail = (mx_handle_t *)(g + pg) - 2;
			tail[0] = a[0];
			tail[1] = c[0];
			hs = tail;
			break;
		case 6:
			n = MAX_HANDLES + 1;
			want = ERR_TOO_BIG;
			break;
		}
		r = mx_msgpipe_write(h[0], "x", 1, hs, n, flags);
		EXPECT_EQ(want, r) TH_LOG("case %d", k);
		EXPECT_EQ(handles, mx_stat_read("handles")) TH_LOG("case %d", k);
		EXPECT_EQ(msgs, mx_stat_read("messages")) TH_LOG("case %d", k);
		EXPECT_TRUE(queue_empty(h[1])) TH_LOG("case %d", k);
		EXPECT_TRUE(roundtrip(a[0], a[1], k)) TH_LOG("case %d", k);
		EXPECT_TRUE(roundtrip(c[0], x, k)) TH_LOG("case %d", k);
	}
	/* Closed exactly once each, under the values we had all along. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(a[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(x));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* A message of no bytes and no handles, read with no buffers at all. */
TEST_F(mx, msg_empty)
{
	mx_handle_t h[2];
	uint32_t nb = 5, nh = 5;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], NULL, 0, NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], NULL, 0, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], NULL, NULL, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], NULL, &nb, NULL, &nh, 0));
	EXPECT_EQ(0u, nb);
	EXPECT_EQ(0u, nh);
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Exactly 65536 bytes go through intact; one more is too big. */
TEST_F(mx, msg_max_bytes)
{
	mx_handle_t h[2];
	uint32_t nb = sizeof(big_in), nh = 0, i;

	for (i = 0; i < MAX_BYTES; i++)
		big_out[i] = (char)(i * 7 + 3);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_TOO_BIG,
		  mx_msgpipe_write(h[0], big_out, MAX_BYTES + 1, NULL, 0, 0));
	ASSERT_EQ(NO_ERROR,
		  mx_msgpipe_write(h[0], big_out, MAX_BYTES, NULL, 0, 0));
	EXPECT_EQ((long)MAX_BYTES,
		  mx_stat_read("message_bytes") - self->base.message_bytes);
	memset(big_in, 0, sizeof(big_in));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(MAX_BYTES, nb);
	EXPECT_EQ(0, memcmp(big_out, big_in, MAX_BYTES));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/*
 * Sizes on either side of each way the module copies a payload (word by
 * word up to 256 bytes, one copy up to 2 KiB inline, then page by page),
 * with the user buffer's last byte right before an unmapped page: the
 * whole message goes through intact; one byte more into that page fails
 * with nothing queued (write) or nothing taken (read).
 */
TEST_F(mx, msg_sizes_at_a_page_end)
{
	static const uint32_t sizes[] = {
		1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257,
		2047, 2048, 2049, 4095, 4096, 4097, 8193,
	};
	long pg = mx_page_size();
	char *g = map_guarded(3, RWP), *end = g + 3 * pg;
	mx_handle_t h[2];
	uint32_t i, j, n, nb, nh;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		for (j = 0; j < n; j++)
			end[(long)j - n] = (char)(j * 13 + n);
		EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], end - n + 1,
						n, NULL, 0, 0)) TH_LOG("%u", n);
		EXPECT_TRUE(queue_empty(h[1])) TH_LOG("%u", n);
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], end - n, n,
						     NULL, 0, 0));
		memset(g, 0, 3 * pg);
		nb = n;
		nh = 0;
		EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], end - n + 1,
						&nb, NULL, &nh, 0)) TH_LOG("%u", n);
		nb = n;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], end - n, &nb,
						    NULL, &nh, 0));
		EXPECT_EQ(n, nb);
		for (j = 0; j < n; j++)
			if (end[(long)j - n] != (char)(j * 13 + n))
				break;
		EXPECT_EQ(n, j) TH_LOG("size %u differs at byte %u", n, j);
	}
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 3);
}

/*
 * 1024 handles (both ends of 512 pipes) in one message; each arrives as
 * a working handle, in order. 1025 is too big.
 */
TEST_F_TIMEOUT(mx, msg_max_handles, 180)
{
	static mx_handle_t ends[MAX_HANDLES + 1], got[MAX_HANDLES + 1];
	mx_handle_t h[2];
	uint32_t nb = 0, nh = MAX_HANDLES + 1, i;
	long before;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (i = 0; i < MAX_HANDLES; i += 2)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(&ends[i], 0));
	ends[MAX_HANDLES] = ends[0];
	EXPECT_EQ(ERR_TOO_BIG, mx_msgpipe_write(h[0], NULL, 0, ends,
						MAX_HANDLES + 1, 0));
	before = mx_stat_read("handles");
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], NULL, 0, ends,
					     MAX_HANDLES, 0));
	EXPECT_EQ(before - (long)MAX_HANDLES, mx_stat_read("handles"));
	for (i = 0; i < MAX_HANDLES; i++)
		ASSERT_EQ(ERR_INVALID_ARGS, mx_handle_close(ends[i]));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], NULL, &nb, got, &nh, 0));
	ASSERT_EQ(MAX_HANDLES, nh);
	EXPECT_EQ(before, mx_stat_read("handles"));
	for (i = 0; i < MAX_HANDLES; i += 2) {
		ASSERT_TRUE(roundtrip(got[i], got[i + 1], i));
		EXPECT_NE(ends[i], got[i]);
	}
	for (i = 0; i < MAX_HANDLES; i++)
		ASSERT_EQ(NO_ERROR, mx_handle_close(got[i]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Several messages of different sizes come out whole and in order. */
TEST_F(mx, msg_fifo_order)
{
	static const uint32_t sizes[] = { 1, 0, 300, 4096, 17, 65536, 2, 5000 };
	const unsigned int n = ARRAY_SIZE(sizes);
	mx_handle_t h[2];
	unsigned int m;
	uint32_t i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	for (m = 0; m < n; m++) {
		for (i = 0; i < sizes[m]; i++)
			big_out[i] = (char)(m * 31 + i);
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, sizes[m],
						     NULL, 0, 0));
	}
	for (m = 0; m < n; m++) {
		uint32_t nb = sizeof(big_in);
		bool same = true;

		ASSERT_EQ(NO_ERROR,
			  mx_msgpipe_read(h[1], big_in, &nb, NULL, NULL, 0));
		ASSERT_EQ(sizes[m], nb);
		for (i = 0; i < nb; i++)
			same &= big_in[i] == (char)(m * 31 + i);
		EXPECT_TRUE(same) TH_LOG("message %u", m);
	}
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* A write that closes a cycle (a pipe's end into its own queue) succeeds. */
TEST_F(mx, write_own_peer_into_pipe)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(NO_ERROR, put_handles(h[0], "me", &h[1], 1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(h[1]));
	EXPECT_TRUE(sees_peer_closed(h[0]));
	EXPECT_EQ(ERR_BAD_STATE, put(h[0], "x"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/* ------------------------------------------------------------------ */
/* mx_msgpipe_write: the first failing check decides                   */
/* ------------------------------------------------------------------ */

enum {
	V_BADH = 1 << 0,	/* 1: handle is a closed value */
	V_NOWRITE = 1 << 1,	/* 2: handle lacks MX_RIGHT_WRITE */
	V_NULLB = 1 << 2,	/* 3: bytes NULL, num_bytes > 0 */
	V_NULLH = 1 << 3,	/* 3: handles NULL, num_handles > 0 */
	V_TOOBIG = 1 << 4,	/* 4: num_bytes 65537 */
	V_FLAGS = 1 << 5,	/* 5: flags 1 */
	V_UNREADB = 1 << 6,	/* 6: bytes unreadable */
	V_UNREADH = 1 << 7,	/* 6: handles unreadable */
	V_REPLY = 1 << 8,	/* 8: written through a reply pipe */
	V_PEER = 1 << 9,	/* 10: peer closed */
	V_FULL = 1 << 10,	/* 11: peer's queue at max_queued_msgs */
	V_MANYH = 1 << 11,	/* 4: num_handles 1025 */
};

/*
 * entries: the handles array, one letter each: 'b' a closed value, 's' the
 * writing handle itself, 'x' a handle without MX_RIGHT_TRANSFER (check 7);
 * any other letter an ordinary pipe end, the same letter twice being the
 * same handle (check 9).
 */
FIXTURE(order) {
	struct mx_stats base;
};

FIXTURE_VARIANT(order) {
	unsigned int viol;
	const char *entries;
	mx_status_t expected;
};

FIXTURE_SETUP(order)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
}

FIXTURE_TEARDOWN(order)
{
	EXPECT_STATS_EQ(&self->base);
}

#define ORDER(name, v, e, exp)						\
	FIXTURE_VARIANT_ADD(order, name) {				\
		.viol = (v), .entries = (e), .expected = (exp),	\
	}

/* The builder itself: calls that break nothing succeed. */
ORDER(none, 0, "", NO_ERROR);
ORDER(none_handles, 0, "ac", NO_ERROR);
ORDER(none_reply, V_REPLY, "s", NO_ERROR);
ORDER(none_reply_handles, V_REPLY, "acs", NO_ERROR);
/* 1 before later checks */
ORDER(badh_toobig, V_BADH | V_TOOBIG, "", ERR_INVALID_ARGS);
ORDER(badh_noxfer, V_BADH, "x", ERR_INVALID_ARGS);
/* 2 before 3..11 */
ORDER(nowrite_nullbytes, V_NOWRITE | V_NULLB, "", ERR_ACCESS_DENIED);
ORDER(nowrite_nullhandles, V_NOWRITE | V_NULLH, "", ERR_ACCESS_DENIED);
ORDER(nowrite_toobig, V_NOWRITE | V_TOOBIG, "", ERR_ACCESS_DENIED);
ORDER(nowrite_flags, V_NOWRITE | V_FLAGS, "", ERR_ACCESS_DENIED);
ORDER(nowrite_unreadable, V_NOWRITE | V_UNREADB, "", ERR_ACCESS_DENIED);
ORDER(nowrite_badentry, V_NOWRITE, "b", ERR_ACCESS_DENIED);
ORDER(nowrite_self, V_NOWRITE, "s", ERR_ACCESS_DENIED);
ORDER(nowrite_reply, V_NOWRITE | V_REPLY, "a", ERR_ACCESS_DENIED);
ORDER(nowrite_dup, V_NOWRITE, "aa", ERR_ACCESS_DENIED);
ORDER(nowrite_peer, V_NOWRITE | V_PEER, "", ERR_ACCESS_DENIED);
ORDER(nowrite_full, V_NOWRITE | V_FULL, "", ERR_ACCESS_DENIED);
/* 3 before 4..11 */
ORDER(nullbytes_toobig, V_NULLB | V_TOOBIG, "", ERR_INVALID_ARGS);
ORDER(nullhandles_toobig, V_NULLH | V_TOOBIG, "", ERR_INVALID_ARGS);
ORDER(nullbytes_self, V_NULLB, "s", ERR_INVALID_ARGS);
ORDER(nullbytes_noxfer, V_NULLB, "x", ERR_INVALID_ARGS);
ORDER(nullbytes_reply, V_NULLB | V_REPLY, "a", ERR_INVALID_ARGS);
ORDER(nullhandles_reply, V_NULLH | V_REPLY, "", ERR_INVALID_ARGS);
ORDER(nullbytes_peer, V_NULLB | V_PEER, "", ERR_INVALID_ARGS);
ORDER(nullbytes_full, V_NULLB | V_FULL, "", ERR_INVALID_ARGS);
/* 4 before 5..11 */
ORDER(nowrite_manyhandles, V_NOWRITE | V_MANYH, "a", ERR_ACCESS_DENIED);
ORDER(nullbytes_manyhandles, V_NULLB | V_MANYH, "a", ERR_INVALID_ARGS);
ORDER(nullhandles_manyhandles, V_NULLH | V_MANYH, "", ERR_INVALID_ARGS);
ORDER(toobig_flags, V_TOOBIG | V_FLAGS, "", ERR_TOO_BIG);
ORDER(manyhandles_flags, V_MANYH | V_FLAGS, "a", ERR_TOO_BIG);
ORDER(manyhandles_unreadable, V_MANYH | V_UNREADH, "", ERR_TOO_BIG);
ORDER(manyhandles_self, V_MANYH, "s", ERR_TOO_BIG);
ORDER(manyhandles_reply, V_MANYH | V_REPLY, "a", ERR_TOO_BIG);
ORDER(manyhandles_peer, V_MANYH | V_PEER, "a", ERR_TOO_BIG);
ORDER(toobig_unreadable, V_TOOBIG | V_UNREADB, "", ERR_TOO_BIG);
ORDER(toobig_unreadable_handles, V_TOOBIG | V_UNREADH, "", ERR_TOO_BIG);
ORDER(toobig_badentry, V_TOOBIG, "b", ERR_TOO_BIG);
ORDER(toobig_self, V_TOOBIG, "s", ERR_TOO_BIG);
ORDER(toobig_noxfer, V_TOOBIG, "x", ERR_TOO_BIG);
ORDER(toobig_reply, V_TOOBIG | V_REPLY, "a", ERR_TOO_BIG);
ORDER(toobig_dup, V_TOOBIG, "aa", ERR_TOO_BIG);
ORDER(toobig_peer, V_TOOBIG | V_PEER, "", ERR_TOO_BIG);
ORDER(toobig_full, V_TOOBIG | V_FULL, "", ERR_TOO_BIG);
/* 5 before 7..11 */
ORDER(flags_self, V_FLAGS, "s", ERR_INVALID_ARGS);
ORDER(flags_noxfer, V_FLAGS, "x", ERR_INVALID_ARGS);
ORDER(flags_reply, V_FLAGS | V_REPLY, "a", ERR_INVALID_ARGS);
ORDER(flags_peer, V_FLAGS | V_PEER, "", ERR_INVALID_ARGS);
ORDER(flags_full, V_FLAGS | V_FULL, "", ERR_INVALID_ARGS);
/* 6 before 7..11 */
ORDER(unreadable_self, V_UNREADB, "s", ERR_INVALID_ARGS);
ORDER(unreadable_noxfer, V_UNREADB, "x", ERR_INVALID_ARGS);
ORDER(unreadable_reply, V_UNREADB | V_REPLY, "a", ERR_INVALID_ARGS);
ORDER(unreadable_peer, V_UNREADB | V_PEER, "", ERR_INVALID_ARGS);
ORDER(unreadable_full, V_UNREADB | V_FULL, "", ERR_INVALID_ARGS);
ORDER(unreadable_handles_reply, V_UNREADH | V_REPLY, "", ERR_INVALID_ARGS);
ORDER(unreadable_handles_peer, V_UNREADH | V_PEER, "", ERR_INVALID_ARGS);
ORDER(unreadable_handles_full, V_UNREADH | V_FULL, "", ERR_INVALID_ARGS);
/* 7: entries in array order */
ORDER(badentry_then_self, 0, "bs", ERR_INVALID_ARGS);
ORDER(self_then_badentry, 0, "sb", ERR_NOT_SUPPORTED);
ORDER(noxfer_then_self, 0, "xs", ERR_ACCESS_DENIED);
ORDER(self_then_noxfer, 0, "sx", ERR_NOT_SUPPORTED);
ORDER(noxfer_then_badentry, 0, "xb", ERR_ACCESS_DENIED);
ORDER(badentry_then_noxfer, 0, "bx", ERR_INVALID_ARGS);
/* 7 before 8..11 */
ORDER(badentry_reply, V_REPLY, "b", ERR_INVALID_ARGS);
ORDER(badentry_reply_last, V_REPLY, "sb", ERR_INVALID_ARGS);
ORDER(noxfer_reply, V_REPLY, "x", ERR_ACCESS_DENIED);
ORDER(noxfer_reply_not_last, V_REPLY, "sx", ERR_ACCESS_DENIED);
ORDER(noxfer_dup, 0, "aax", ERR_ACCESS_DENIED);
ORDER(self_dup, 0, "aas", ERR_NOT_SUPPORTED);
ORDER(badentry_peer, V_PEER, "ab", ERR_INVALID_ARGS);
ORDER(self_peer, V_PEER, "s", ERR_NOT_SUPPORTED);
ORDER(noxfer_peer, V_PEER, "x", ERR_ACCESS_DENIED);
ORDER(self_full, V_FULL, "s", ERR_NOT_SUPPORTED);
ORDER(noxfer_full, V_FULL, "x", ERR_ACCESS_DENIED);
/* 8 before 9..11 */
ORDER(reply_not_last_dup, V_REPLY, "saa", ERR_BAD_STATE);
ORDER(reply_missing_dup, V_REPLY, "aa", ERR_BAD_STATE);
/* 9 before 10..11 */
ORDER(reply_last_dup, V_REPLY, "aas", ERR_INVALID_ARGS);
ORDER(reply_self_twice, V_REPLY, "ss", ERR_INVALID_ARGS);
ORDER(dup_peer, V_PEER, "aa", ERR_INVALID_ARGS);
ORDER(dup_full, V_FULL, "aa", ERR_INVALID_ARGS);
/* 10 before 11, and alone */
ORDER(peer_full, V_PEER | V_FULL, "a", ERR_BAD_STATE);
ORDER(reply_ok_peer, V_REPLY | V_PEER, "as", ERR_BAD_STATE);

/* A letter's ordinary pipe, or a new one. */
struct order_pipes {
	mx_handle_t send[26];		/* the end put in the array */
	mx_handle_t keep[26];		/* its peer, kept here */
	mx_handle_t x_send, x_keep;
};

TEST_F_TIMEOUT(order, write, 120)
{
	const unsigned int v = variant->viol;
	const size_t nent = strlen(variant->entries);
	long pg = mx_page_size();
	struct order_pipes op;
	mx_handle_t pipe[2], writer, peer = 0, arr[16], *hs = arr;
	void *bytes = big_out;
	char *unreadable = NULL;
	size_t unreadable_pages = MAX_BYTES / pg + 2;
	uint32_t nb = 8, nh = nent, flags = 0, i;
	long handles, msgs, n_full = 0;
	mx_status_t r;
	int c;

	memset(&op, 0, sizeof(op));
	ASSERT_GT(ARRAY_SIZE(arr), nent);
	if (v & V_FULL) {
		n_full = mx_param_read("max_queued_msgs");
		if (n_full <= 0 || n_full > 100000)
			SKIP(return, "max_queued_msgs unusable (%ld)", n_full);
	}

	/* The writing handle (check 1, 2, 8, 10, 11). */
	if (v & V_BADH) {
		writer = mx_dead_handle();
		ASSERT_LT(0, writer);
	} else {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(pipe, (v & V_REPLY) ?
						      MX_FLAG_REPLY_PIPE : 0));
		writer = (v & V_REPLY) ? pipe[1] : pipe[0];
		peer = (v & V_REPLY) ? pipe[0] : pipe[1];
		ASSERT_EQ(n_full, fill(writer, n_full));
		if (v & V_NOWRITE) {
			writer = mx_handle_replace(writer, MX_RIGHT_READ |
						   MX_RIGHT_TRANSFER);
			ASSERT_LT(0, writer);
		}
		if (v & V_PEER) {
			ASSERT_EQ(NO_ERROR, mx_handle_close(peer));
			peer = 0;
		}
	}

	/* The handles array (check 7, 9). */
	for (i = 0; i < nent; i++) {
		c = variant->entries[i];
		if (c == 's') {
			arr[i] = writer;
		} else if (c == 'b') {
			arr[i] = mx_dead_handle();
		} else if (c == 'x') {
			if (!op.x_send) {
				ASSERT_EQ(NO_ERROR, mx_msgpipe_create(pipe, 0));
				op.x_send = mx_handle_replace(pipe[0],
					MX_RIGHT_READ | MX_RIGHT_WRITE);
				ASSERT_LT(0, op.x_send);
				op.x_keep = pipe[1];
			}
			arr[i] = op.x_send;
		} else {
			ASSERT_TRUE(c >= 'a' && c <= 'z');
			if (!op.send[c - 'a']) {
				ASSERT_EQ(NO_ERROR, mx_msgpipe_create(pipe, 0));
				op.send[c - 'a'] = pipe[0];
				op.keep[c - 'a'] = pipe[1];
			}
			arr[i] = op.send[c - 'a'];
		}
	}

	/* Pointers, sizes, flags (check 3, 4, 5, 6). */
	if (v & V_TOOBIG)
		nb = MAX_BYTES + 1;
	if (v & (V_UNREADB | V_UNREADH)) {
		unreadable = mmap(NULL, unreadable_pages * pg, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, unreadable);
	}
	if (v & V_UNREADB)
		bytes = unreadable;
	if (v & V_NULLB)
		bytes = NULL;
	if (v & (V_NULLH | V_UNREADH)) {
		hs = (v & V_NULLH) ? NULL : (mx_handle_t *)unreadable;
		if (!nh)
			nh = 1;
	}
	if (v & V_MANYH) {
		static mx_handle_t many[MAX_HANDLES + 1];

		memcpy(many, arr, nent * sizeof(arr[0]));
		if (hs == arr)
			hs = many;
		nh = MAX_HANDLES + 1;
	}
	if (v & V_FLAGS)
		flags = 1;

	handles = mx_stat_read("handles");
	msgs = mx_stat_read("messages");
	r = mx_msgpipe_write(writer, bytes, nb, hs, nh, flags);
	ASSERT_EQ(variant->expected, r);

	if (r == NO_ERROR) {
		/* Everything sent has left the table. */
		for (i = 0; i < nent; i++)
			EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(arr[i]));
		EXPECT_EQ(handles - (long)nent, mx_stat_read("handles"));
		EXPECT_EQ(msgs + 1, mx_stat_read("messages"));
		if (!strchr(variant->entries, 's'))
			EXPECT_EQ(NO_ERROR, mx_handle_close(writer));
	} else {
		/* Nothing moved, nothing queued; each handle closes once. */
		EXPECT_EQ(handles, mx_stat_read("handles"));
		EXPECT_EQ(msgs, mx_stat_read("messages"));
		if (peer && !(v & V_FULL))
			EXPECT_TRUE(queue_empty(peer));
		for (c = 0; c < 26; c++)
			if (op.send[c])
				EXPECT_EQ(NO_ERROR, mx_handle_close(op.send[c]));
		if (op.x_send)
			EXPECT_EQ(NO_ERROR, mx_handle_close(op.x_send));
		if (!(v & V_BADH))
			EXPECT_EQ(NO_ERROR, mx_handle_close(writer));
	}
	if (peer)
		EXPECT_EQ(NO_ERROR, mx_handle_close(peer));
	for (c = 0; c < 26; c++)
		if (op.keep[c])
			EXPECT_EQ(NO_ERROR, mx_handle_close(op.keep[c]));
	if (op.x_keep)
		EXPECT_EQ(NO_ERROR, mx_handle_close(op.x_keep));
	if (unreadable)
		munmap(unreadable, unreadable_pages * pg);
}

/* ------------------------------------------------------------------ */
/* mx_msgpipe_read                                                     */
/* ------------------------------------------------------------------ */

TEST_F(mx, read_invalid_handle)
{
	uint32_t nb = sizeof(big_in), nh = 0;
	mx_handle_t dead = mx_dead_handle();

	ASSERT_LT(0, dead);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(0, big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(-1, big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(dead, big_in, &nb, NULL, &nh, 0));
}

TEST_F(mx, read_no_read_right)
{
	mx_handle_t h[2], w;
	uint32_t nb = sizeof(big_in), nh = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	w = mx_handle_replace(h[1], MX_RIGHT_WRITE | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, w);
	ASSERT_EQ(NO_ERROR, put(h[0], "hello"));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_msgpipe_read(w, big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(1, mx_stat_read("messages") - self->base.messages);
	/* It still writes. */
	EXPECT_TRUE(roundtrip(w, h[0], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(w));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/* bytes without num_bytes, handles without num_handles. */
TEST_F(mx, read_buffer_without_size)
{
	mx_handle_t h[2], a[2], got[2];
	uint32_t nb = sizeof(big_in), nh = 2;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "hi", &a[0], 1));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(h[1], big_in, NULL, got, &nh, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(h[1], big_in, &nb, got, NULL, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(h[1], big_in, NULL, got, NULL, 0));
	/* Nothing lost. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(2u, nb);
	ASSERT_EQ(1u, nh);
	EXPECT_TRUE(roundtrip(got[0], a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Size pointers that cannot be read, or cannot be written back. */
TEST_F(mx, read_bad_size_pointers)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	mx_handle_t h[2];
	uint32_t nb = sizeof(big_in), nh = 0, *ro;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "hello"));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in,
			(uint32_t *)(g + pg), NULL, &nh, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in, &nb,
			NULL, (uint32_t *)(g + pg), 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in,
			unmapped_address(), NULL, &nh, 0));
	/* Readable capacity, but the size cannot be written back. */
	ro = (uint32_t *)g;
	ro[0] = sizeof(big_in);
	ASSERT_EQ(0, mprotect(g, pg, PROT_READ));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in, ro, NULL,
						    &nh, 0));
	EXPECT_EQ(1, mx_stat_read("messages") - self->base.messages);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(5u, nb);
	EXPECT_EQ(0, memcmp(big_in, "hello", 5));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* Flags other than MAY_DISCARD. */
TEST_F(mx, read_bad_flags)
{
	static const uint32_t flags[] = { 2, 3, 1u << 31 };
	mx_handle_t h[2];
	uint32_t nb, nh = 0;
	unsigned int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "hello"));
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		nb = sizeof(big_in);
		EXPECT_EQ(ERR_NOT_SUPPORTED, mx_msgpipe_read(h[1], big_in, &nb,
							     NULL, &nh, flags[i]));
	}
	nb = sizeof(big_in);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(5u, nb);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, read_empty_peer_alive)
{
	mx_handle_t h[2];
	uint32_t nb = sizeof(big_in), nh = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_read(h[0], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, read_empty_peer_dead)
{
	mx_handle_t h[2];
	uint32_t nb = sizeof(big_in), nh = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(h[1], NULL, NULL, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Messages sent before the peer died are read first, then CHANNEL_CLOSED. */
TEST_F(mx, read_after_peer_closed_drains_queue)
{
	mx_handle_t h[2], a[2], got;
	uint32_t nb, nh, i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], &i, 4, NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "h", &a[0], 1));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	for (i = 0; i < 3; i++) {
		uint32_t v = ~i;

		nb = 4;
		nh = 0;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], &v, &nb, NULL, &nh, 0));
		EXPECT_EQ(i, v);
	}
	nb = sizeof(big_in);
	nh = 1;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, &got, &nh, 0));
	ASSERT_EQ(1u, nh);
	EXPECT_TRUE(roundtrip(got, a[1], 1));
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(h[1], big_in, &nb, &got, &nh, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/*
 * Buffers too small (or absent): NOT_ENOUGH_BUFFER with the real sizes,
 * the message stays at the head, and nothing is installed.
 */
TEST_F(mx, read_buffer_too_small)
{
	mx_handle_t h[2], a[2], c[2], arr[2], got[2];
	long handles;
	uint32_t nb, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	arr[0] = a[0];
	arr[1] = c[0];
	memset(big_out, 'q', 100);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, 100, arr, 2, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "second"));
	handles = mx_stat_read("handles");

	nb = 0;
	nh = 0;
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], NULL, &nb, NULL, &nh, 0));
	EXPECT_EQ(100u, nb);
	EXPECT_EQ(2u, nh);
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], NULL, NULL, NULL, NULL, 0));
	nb = 99;
	nh = 2;
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(100u, nb);
	EXPECT_EQ(2u, nh);
	nb = 100;
	nh = 1;
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(100u, nb);
	EXPECT_EQ(2u, nh);
	EXPECT_EQ(handles, mx_stat_read("handles"));

	/* Big enough now: the same first message, whole. */
	nb = 100;
	nh = 2;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(100u, nb);
	EXPECT_EQ(0, memcmp(big_in, big_out, 100));
	ASSERT_EQ(2u, nh);
	EXPECT_TRUE(roundtrip(got[0], a[1], 1));
	EXPECT_TRUE(roundtrip(got[1], c[1], 2));
	nb = sizeof(big_in);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, NULL, 0));
	EXPECT_EQ(6u, nb);
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* A bytes buffer that faults: nothing lost, nothing installed. */
TEST_F(mx, read_fault_in_bytes_buffer)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	mx_handle_t h[2], a[2], got;
	long handles;
	uint32_t nb, nh;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	memset(big_out, 'z', pg + 100);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, pg + 100,
					     &a[0], 1, 0));
	handles = mx_stat_read("handles");
	/* Entirely unwritable, then writable start and unwritable end. */
	nb = pg + 100;
	nh = 1;
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(h[1], g + pg, &nb, &got, &nh, 0));
	EXPECT_EQ(handles, mx_stat_read("handles"));
	nb = pg + 100;
	nh = 1;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], g, &nb, &got, &nh, 0));
	EXPECT_EQ(handles, mx_stat_read("handles"));
	EXPECT_EQ(1, mx_stat_read("messages") - self->base.messages);

	nb = sizeof(big_in);
	nh = 1;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, &got, &nh, 0));
	EXPECT_EQ(pg + 100, nb);
	EXPECT_EQ(0, memcmp(big_in, big_out, nb));
	ASSERT_EQ(1u, nh);
	EXPECT_TRUE(roundtrip(got, a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* A handles buffer that cannot be written: nothing lost or installed. */
TEST_F(mx, read_fault_in_handles_buffer)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, PROT_READ);
	mx_handle_t h[2], a[2], c[2], arr[2], got[2];
	long handles;
	uint32_t nb, nh;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	arr[0] = a[0];
	arr[1] = c[0];
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "two", arr, 2));
	handles = mx_stat_read("handles");
	nb = sizeof(big_in);
	nh = 2;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in, &nb,
					(mx_handle_t *)g, &nh, 0));
	EXPECT_EQ(handles, mx_stat_read("handles"));
	nb = sizeof(big_in);
	nh = 2;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_read(h[1], big_in, &nb,
					(mx_handle_t *)(g + pg), &nh, 0));
	EXPECT_EQ(handles, mx_stat_read("handles"));
	EXPECT_FALSE(sees_peer_closed(a[1]));
	EXPECT_FALSE(sees_peer_closed(c[1]));

	nb = sizeof(big_in);
	nh = 2;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, got, &nh, 0));
	EXPECT_EQ(3u, nb);
	ASSERT_EQ(2u, nh);
	EXPECT_EQ(handles + 2, mx_stat_read("handles"));
	EXPECT_TRUE(roundtrip(got[0], a[1], 1));
	EXPECT_TRUE(roundtrip(got[1], c[1], 2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* MAY_DISCARD drops a message too large; the next read gets the next. */
TEST_F(mx, read_discard_too_big)
{
	mx_handle_t h[2];
	uint32_t nb, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	memset(big_out, 'd', 100);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], big_out, 100, NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "next"));
	nb = 10;
	nh = 0;
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh,
				  MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(100u, nb);
	EXPECT_EQ(0u, nh);
	EXPECT_EQ(1, mx_stat_read("messages") - self->base.messages);
	nb = 10;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh,
					    MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(4u, nb);
	EXPECT_EQ(0, memcmp(big_in, "next", 4));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* A discarded message closes the handles it carried. */
TEST_F(mx, read_discard_closes_handles)
{
	mx_handle_t h[2], a[2], c[2], arr[2];
	long handles;
	uint32_t nb, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	arr[0] = a[0];
	arr[1] = c[0];
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "payload", arr, 2));
	handles = mx_stat_read("handles");
	EXPECT_FALSE(sees_peer_closed(a[1]));
	/* Enough bytes, one handle short. */
	nb = sizeof(big_in);
	nh = 1;
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[1], big_in, &nb, arr, &nh,
				  MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(7u, nb);
	EXPECT_EQ(2u, nh);
	EXPECT_EQ(handles, mx_stat_read("handles"));
	EXPECT_TRUE(sees_peer_closed(a[1]));
	EXPECT_TRUE(sees_peer_closed(c[1]));
	EXPECT_EQ(ERR_BAD_STATE, put(a[1], "x"));
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(c[1], NULL, NULL, NULL, NULL, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* MAY_DISCARD with buffers big enough is an ordinary read. */
TEST_F(mx, read_discard_fitting_message)
{
	mx_handle_t h[2], a[2], got;
	uint32_t nb = 5, nh = 1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "fits!", &a[0], 1));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, &got, &nh,
					    MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(5u, nb);
	ASSERT_EQ(1u, nh);
	EXPECT_TRUE(roundtrip(got, a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/*
 * A MAY_DISCARD read that fails because the sizes cannot be written back
 * is a failed read: it must consume nothing (contract 3, [decided]).
 */
TEST_F(mx, read_discard_fault_keeps_message)
{
	long pg = mx_page_size();
	char *g = map_guarded(1, RWP);
	mx_handle_t h[2];
	uint32_t *ro, nb, nh = 0;

	ASSERT_NE(NULL, g);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "0123456789"));
	ro = (uint32_t *)g;
	ro[0] = 4;	/* too small: the discard path */
	ASSERT_EQ(0, mprotect(g, pg, PROT_READ));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_read(h[1], big_in, ro, NULL, &nh,
				  MX_MSGPIPE_READ_FLAG_MAY_DISCARD));
	EXPECT_EQ(1, mx_stat_read("messages") - self->base.messages);
	nb = sizeof(big_in);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, &nh, 0));
	EXPECT_EQ(10u, nb);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	unmap_guarded(g, 1);
}

/* ------------------------------------------------------------------ */
/* mx_msgpipe_create                                                   */
/* ------------------------------------------------------------------ */

TEST_F(mx, create_bad_flags)
{
	static const uint32_t flags[] = { 2, 3, 4, 1u << 31, UINT32_MAX };
	mx_handle_t h[2] = { 0, 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create(h, flags[i]));
		EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
		EXPECT_EQ(self->base.endpoints, mx_stat_read("endpoints"));
	}
}

TEST_F(mx, create_null_handles)
{
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create(NULL, 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create(NULL, MX_FLAG_REPLY_PIPE));
}

/* handles unwritable, wholly or for handles[1] only: nothing left behind. */
TEST_F(mx, create_unwritable_handles)
{
	long pg = mx_page_size();
	char *ro = map_guarded(1, PROT_READ);
	char *g = map_guarded(1, RWP);
	mx_handle_t *half;

	ASSERT_NE(NULL, ro);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create((mx_handle_t *)ro, 0));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_msgpipe_create((mx_handle_t *)(ro + pg), 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create(unmapped_address(), 0));
	half = (mx_handle_t *)(g + pg) - 1;
	*half = 0;
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_create(half, MX_FLAG_REPLY_PIPE));
	EXPECT_EQ(self->base.handles, mx_stat_read("handles"));
	EXPECT_EQ(self->base.endpoints, mx_stat_read("endpoints"));
	/* Whatever landed in handles[0] names nothing. */
	if (*half)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(*half));
	unmap_guarded(ro, 1);
	unmap_guarded(g, 1);
}

/* Values are > 0 and all distinct. */
TEST_F(mx, create_values_distinct)
{
	mx_handle_t h[16][2];
	int i, j;

	for (i = 0; i < 16; i++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h[i], i & 1 ?
						      MX_FLAG_REPLY_PIPE : 0));
	EXPECT_EQ(32, mx_stat_read("handles") - self->base.handles);
	EXPECT_EQ(32, mx_stat_read("endpoints") - self->base.endpoints);
	for (i = 0; i < 32; i++) {
		EXPECT_LT(0, h[i / 2][i % 2]);
		for (j = 0; j < i; j++)
			EXPECT_NE(h[j / 2][j % 2], h[i / 2][i % 2]);
	}
	for (i = 0; i < 32; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(h[i / 2][i % 2]));
}

/* Rights: TRANSFER | READ | WRITE and nothing else. */
TEST_F(mx, create_rights)
{
	mx_handle_t h[2], r, s[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(s, 0));
	/* No DUPLICATE. */
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_handle_duplicate(h[0], MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(h[0], MX_RIGHT_READ));
	/* Asking for more than it has fails; exactly what it has works. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_replace(h[0], PIPE_RIGHTS | MX_RIGHT_DUPLICATE));
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_replace(h[0], PIPE_RIGHTS | MX_RIGHT_EXECUTE));
	r = mx_handle_replace(h[0], PIPE_RIGHTS);
	ASSERT_LT(0, r);
	/* READ, WRITE and TRANSFER all work. */
	EXPECT_TRUE(roundtrip(r, h[1], 1));
	EXPECT_TRUE(roundtrip(h[1], r, 2));
	EXPECT_EQ(NO_ERROR, put_handles(s[0], "r", &r, 1));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(s[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(s[1]));
	EXPECT_TRUE(sees_peer_closed(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Signals of an endpoint, from creation to the peer's death. */
TEST_F(mx, pipe_signals)
{
	const mx_signals_t all = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
				 MX_SIGNAL_PEER_CLOSED;
	mx_handle_t h[2];
	mx_signals_state_t st;
	uint32_t nb = sizeof(big_in);

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[1], MX_SIGNAL_WRITABLE, 0, &st));
	EXPECT_EQ(MX_SIGNAL_WRITABLE, st.satisfied);
	EXPECT_EQ(all, st.satisfiable);
	ASSERT_EQ(NO_ERROR, put(h[0], "x"));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[1], MX_SIGNAL_READABLE, 0, &st));
	EXPECT_EQ(MX_SIGNAL_WRITABLE | MX_SIGNAL_READABLE, st.satisfied);
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[1], MX_SIGNAL_READABLE, 0, &st));
	EXPECT_EQ(MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED, st.satisfied);
	EXPECT_EQ(MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED, st.satisfiable);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], big_in, &nb, NULL, NULL, 0));
	EXPECT_EQ(ERR_BAD_STATE,
		  mx_handle_wait_one(h[1], MX_SIGNAL_READABLE, 0, &st));
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfied);
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfiable);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* ------------------------------------------------------------------ */
/* mx_handle_close                                                     */
/* ------------------------------------------------------------------ */

TEST_F(mx, close_invalid_values)
{
	static const mx_handle_t bad[] = { 0, -1, -2, INT32_MIN, INT32_MAX };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(bad[i]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(mx_dead_handle()));
}

TEST_F(mx, close_twice)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(h[1]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(h[0]));
}

/* The other end sees its peer closed. */
TEST_F(mx, close_peer_sees_closed)
{
	mx_handle_t h[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_FALSE(sees_peer_closed(h[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_TRUE(sees_peer_closed(h[1]));
	EXPECT_EQ(ERR_BAD_STATE, put(h[1], "x"));
	EXPECT_EQ(ERR_CHANNEL_CLOSED,
		  mx_msgpipe_read(h[1], NULL, NULL, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Closing an endpoint destroys what is queued for it, and what that held. */
TEST_F(mx, close_destroys_queue)
{
	mx_handle_t h[2], a[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, put(h[0], "one"));
	ASSERT_EQ(NO_ERROR, put_handles(h[0], "two", &a[0], 1));
	EXPECT_EQ(2, mx_stat_read("messages") - self->base.messages);
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(0, mx_stat_read("messages") - self->base.messages);
	EXPECT_TRUE(sees_peer_closed(a[1]));
	EXPECT_TRUE(sees_peer_closed(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

/* ------------------------------------------------------------------ */
/* Reply pipes                                                         */
/* ------------------------------------------------------------------ */

/* Only handles[1] is a reply pipe; handles[0] behaves normally. */
TEST_F(mx, reply_only_second_end)
{
	mx_handle_t rp[2], a[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	EXPECT_EQ(NO_ERROR, put(rp[0], "plain"));
	EXPECT_EQ(ERR_NOT_SUPPORTED, put_handles(rp[0], "x", &rp[0], 1));
	EXPECT_EQ(NO_ERROR, put_handles(rp[0], "h", &a[0], 1));
	EXPECT_EQ(ERR_BAD_STATE, put(rp[1], "plain"));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
}

/* A reply pipe handle without TRANSFER can never write. */
TEST_F(mx, reply_self_without_transfer)
{
	mx_handle_t rp[2], r;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	r = mx_handle_replace(rp[1], MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, r);
	EXPECT_EQ(ERR_ACCESS_DENIED, put_handles(r, "x", &r, 1));
	EXPECT_EQ(ERR_BAD_STATE, put(r, "x"));
	EXPECT_TRUE(queue_empty(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
}

/* A reply pipe write whose peer died keeps the reply handle. */
TEST_F(mx, reply_peer_closed)
{
	mx_handle_t rp[2], a[2], arr[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(rp[0]));
	arr[0] = a[0];
	arr[1] = rp[1];
	EXPECT_EQ(ERR_BAD_STATE, put_handles(rp[1], "x", arr, 2));
	EXPECT_TRUE(roundtrip(a[0], a[1], 1));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
}

/*
 * "Server" side of a request: read one request from @srv carrying the
 * reply handle last, answer through that handle, carrying it back last.
 */
static mx_status_t serve_one(mx_handle_t srv, const char *answer)
{
	mx_handle_t got[4];
	uint32_t nb = sizeof(big_in), nh = 4;
	mx_status_t r;

	r = mx_msgpipe_read(srv, big_in, &nb, got, &nh, 0);
	if (r != NO_ERROR)
		return r;
	if (nh != 1)
		return ERR_INTERNAL;
	/* Without the reply handle last the answer is refused. */
	r = put(got[0], answer);
	if (r != ERR_BAD_STATE)
		return ERR_INTERNAL;
	r = put_handles(got[0], answer, got, 1);
	if (r == NO_ERROR && mx_handle_close(got[0]) != ERR_INVALID_ARGS)
		return ERR_INTERNAL;
	return r;
}

/*
 * The full round trip, twice: the client sends the reply end with its
 * request, the server answers through it, and the client gets it back as
 * the last handle of the answer, under a new value, usable again.
 */
TEST_F(mx, reply_round_trip)
{
	mx_handle_t svc[2], rp[2], reply, back[2];
	uint32_t nb, nh;
	int round;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(svc, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	reply = rp[1];
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(NO_ERROR, put_handles(svc[0], "request", &reply, 1));
		EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(reply));
		ASSERT_EQ(NO_ERROR, serve_one(svc[1], "answer"));
		nb = sizeof(big_in);
		nh = 2;
		ASSERT_EQ(NO_ERROR,
			  mx_msgpipe_read(rp[0], big_in, &nb, back, &nh, 0));
		EXPECT_EQ(6u, nb);
		EXPECT_EQ(0, memcmp(big_in, "answer", 6));
		ASSERT_EQ(1u, nh);
		EXPECT_NE(reply, back[0]);
		EXPECT_NE(rp[1], back[0]);
		reply = back[0];
		/* Still the reply end: still paired with rp[0]. */
		EXPECT_FALSE(sees_peer_closed(reply));
		EXPECT_TRUE(roundtrip(rp[0], reply, round));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(reply));
	EXPECT_TRUE(sees_peer_closed(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rp[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(svc[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(svc[1]));
}

/* The reply property belongs to the endpoint and travels with it. */
TEST_F(mx, reply_property_travels)
{
	mx_handle_t rp[2], t[2], arr[2], got[2];
	uint32_t nb, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(t, 0));
	arr[0] = rp[0];
	arr[1] = rp[1];
	ASSERT_EQ(NO_ERROR, put_handles(t[0], "both", arr, 2));
	nb = sizeof(big_in);
	nh = 2;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(t[1], big_in, &nb, got, &nh, 0));
	ASSERT_EQ(2u, nh);
	/* got[1] is still the reply end, got[0] still not. */
	EXPECT_EQ(ERR_BAD_STATE, put(got[1], "x"));
	EXPECT_EQ(ERR_NOT_SUPPORTED, put_handles(got[0], "x", &got[0], 1));
	EXPECT_TRUE(roundtrip(got[0], got[1], 1));
	EXPECT_EQ(NO_ERROR, put_handles(got[1], "y", &got[1], 1));
	nb = sizeof(big_in);
	nh = 1;
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(got[0], big_in, &nb, arr, &nh, 0));
	ASSERT_EQ(1u, nh);
	EXPECT_EQ(ERR_BAD_STATE, put(arr[0], "x"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(arr[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(t[1]));
}

TEST_HARNESS_MAIN
