// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime rules of contract section 3 and the limits of section 6:
 * queued handles die with the endpoint they are queued for (in cascade),
 * messages outlive their writer, a process exit closes everything it held,
 * cycles of endpoints queued in each other are collected, and the queue and
 * handle limits fail with ERR_NO_MEMORY without losing anything.
 *
 * Every test checks the module's live-object counters come back to the
 * baseline taken before it ran.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mx_test.h"

#define DEPTH		10	/* levels of nested pipes */
#define RING		5	/* pipes in the ring cycle */
#define MSG_CAP		64	/* max_queued_msgs used by message_cap */
#define BIG_MSG		512	/* message size used by byte_cap */
#define BYTE_CAP	(8 * BIG_MSG)	/* max_queued_bytes used by byte_cap */
#define HANDLE_CAP	64	/* max_handles used by handle_cap */
#define HANDLE_COST	16	/* what a carried handle counts as, in bytes */
#define CHILD_PIPES	4	/* pipes the exiting child shares */

/* ---- nesting and cascades ------------------------------------------- */

/*
 * DEPTH pipes nested: the far end of pipe 0 is queued for the far end of
 * pipe 1; both ends of pipe k are queued for the far end of pipe k+1. Only
 * pipe 0's near end (the observer) and pipe DEPTH-1 stay in our table.
 * Closing the outermost pipe kills every level.
 */
TEST_F(mx, nested_cascade)
{
	mx_handle_t p[DEPTH][2], pair[2];
	mx_signals_state_t st;
	int k;

	for (k = 0; k < DEPTH; k++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p[k], 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[1][0], 0, &p[0][1], 1));
	for (k = 1; k < DEPTH - 1; k++) {
		pair[0] = p[k][0];
		pair[1] = p[k][1];
		ASSERT_EQ(NO_ERROR, mx_write_u32(p[k + 1][0], k, pair, 2));
	}
	/* Nothing died: every level is only nested, not closed. */
	EXPECT_EQ(self->base.handles + 3, mx_stat_read("handles"));
	EXPECT_EQ(self->base.endpoints + 2 * DEPTH, mx_stat_read("endpoints"));
	EXPECT_EQ(self->base.messages + DEPTH - 1, mx_stat_read("messages"));
	EXPECT_FALSE(mx_is_peer_closed(p[0][0]));
	EXPECT_FALSE(mx_is_peer_closed(p[DEPTH - 1][0]));

	EXPECT_EQ(NO_ERROR, mx_handle_close(p[DEPTH - 1][1]));
	EXPECT_TRUE(mx_is_peer_closed(p[DEPTH - 1][0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[DEPTH - 1][0]));

	/* Only the observer's half-dead pipe is left: nothing to wait for. */
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(p[0][0],
		  MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE, 0, &st));
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfied);
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfiable);
	EXPECT_EQ(self->base.handles + 1, mx_stat_read("handles"));
	EXPECT_EQ(self->base.endpoints + 2, mx_stat_read("endpoints"));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(ERR_BAD_STATE, mx_write_u32(p[0][0], 0, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0][0]));
}

/* Messages written before the writer closed are read, in order, first. */
TEST_F(mx, messages_outlive_writer)
{
	mx_handle_t p[2], x[2], got[1];
	mx_signals_state_t st;
	uint32_t i, v, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], i, i == 2 ? &x[1] : NULL,
						 i == 2));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));

	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(p[1], MX_SIGNAL_READABLE, 0,
					       &st));
	EXPECT_EQ(MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED, st.satisfied);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, got, 1, &nh));
		EXPECT_EQ(i, v);
		EXPECT_EQ(i == 2 ? 1u : 0u, nh);
	}
	EXPECT_EQ(ERR_CHANNEL_CLOSED, mx_read_u32(p[1], &v, got, 1, &nh));
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(p[1], MX_SIGNAL_READABLE,
						    0, &st));
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfied);
	EXPECT_EQ(MX_SIGNAL_PEER_CLOSED, st.satisfiable);

	/* The handle that travelled is alive and works. */
	EXPECT_EQ(NO_ERROR, mx_write_u32(got[0], 7, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_read_u32(x[0], &v, NULL, 0, NULL));
	EXPECT_EQ(7u, v);
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* ---- cycles ------------------------------------------------------------ */

/* A pipe's far end written into itself: collected at once. */
TEST_F(mx, cycle_self)
{
	mx_handle_t p[2], o[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(o, 0));
	/* Something hangs off the cycle: o[1], queued for p[1]. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, &o[1], 1));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 2, &p[1], 1));

	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_TRUE(mx_is_peer_closed(o[0]));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(p[1]));
	EXPECT_EQ(self->base.handles + 2, mx_stat_read("handles"));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.message_bytes, mx_stat_read("message_bytes"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(o[0]));
}

/* A's far end queued for B's far end and B's for A's: collected. */
TEST_F(mx, cycle_two_pipes)
{
	mx_handle_t a[2], b[2], o[2];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(b, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(o, 0));
	ASSERT_EQ(NO_ERROR, mx_write_u32(a[0], 1, &o[1], 1));
	ASSERT_EQ(NO_ERROR, mx_write_u32(b[0], 2, &a[1], 1));
	/* a[1] is queued for b[1], which we hold: not garbage yet. */
	EXPECT_FALSE(mx_is_peer_closed(a[0]));
	EXPECT_FALSE(mx_is_peer_closed(o[0]));
	EXPECT_EQ(self->base.messages + 2, mx_stat_read("messages"));

	ASSERT_EQ(NO_ERROR, mx_write_u32(a[0], 3, &b[1], 1));
	EXPECT_TRUE(mx_is_peer_closed(a[0]));
	EXPECT_TRUE(mx_is_peer_closed(b[0]));
	EXPECT_TRUE(mx_is_peer_closed(o[0]));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.handles + 3, mx_stat_read("handles"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(b[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(o[0]));
}

/* RING pipes, each far end queued for the next: the last write closes it. */
TEST_F(mx, cycle_ring)
{
	mx_handle_t p[RING][2];
	int k;

	for (k = 0; k < RING; k++)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p[k], 0));
	for (k = 0; k < RING - 1; k++)
		ASSERT_EQ(NO_ERROR, mx_write_u32(p[k + 1][0], k, &p[k][1], 1));
	for (k = 0; k < RING; k++)
		EXPECT_FALSE(mx_is_peer_closed(p[k][0]));

	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0][0], RING, &p[RING - 1][1], 1));
	for (k = 0; k < RING; k++)
		EXPECT_TRUE(mx_is_peer_closed(p[k][0]));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	for (k = 0; k < RING; k++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(p[k][0]));
}

/* ---- process exit ------------------------------------------------------ */

/*
 * The exiting child: gives the parent, through a bootstrap pipe, one end of
 * CHILD_PIPES pipes, leaves a last message in each, builds some nesting of
 * its own, then waits for the word and exits holding everything.
 * Exit codes: 0, or the step that failed.
 */
static int exiting_child(int sock)
{
	mx_handle_t boot[2], x[2], u[2], v[2];
	uint32_t i;
	char go;
	int fd;

	if (mx_msgpipe_create(boot, 0) ||
	    mx_handle_export(boot[1], MX_EXPORT_CLOEXEC, &fd) ||
	    mx_send_fd(sock, fd))
		return 1;
	close(fd);
	for (i = 0; i < CHILD_PIPES; i++) {
		if (mx_msgpipe_create(x, 0) ||
		    mx_write_u32(x[1], 100 + i, NULL, 0) ||
		    mx_write_u32(boot[0], i, &x[0], 1))
			return 2;
	}
	/* Nesting only the child holds: v[1] queued for u[1]. */
	if (mx_msgpipe_create(u, 0) || mx_msgpipe_create(v, 0) ||
	    mx_write_u32(u[0], 0, &v[1], 1))
		return 3;
	if (read(sock, &go, 1) != 1)
		return 4;
	return 0;	/* exit closes boot[0], every x[1], u, v[0] */
}

/*
 * FIXTURE(exiting): a child process that hands pipes to the test and exits
 * when told to, without closing anything.
 */
FIXTURE(exiting) {
	struct mx_stats base;	/* counters before the child existed */
	pid_t pid;		/* the child, or 0 once reaped */
	int sock;		/* our end of the socketpair to the child */
};

FIXTURE_SETUP(exiting)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->pid = mx_fork_socket(SOCK_STREAM, exiting_child, &self->sock);
	ASSERT_LE(0, self->pid);
}

FIXTURE_TEARDOWN(exiting)
{
	close(self->sock);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		mx_wait_child(self->pid);
	}
	EXPECT_STATS_EQ(&self->base);
}

/* A process exit closes every handle it held; its last words survive. */
TEST_F(exiting, exit_closes_all_handles)
{
	mx_handle_t boot, x[CHILD_PIPES];
	uint32_t i, v, nh;
	int fd;

	fd = mx_recv_fd(self->sock);
	ASSERT_LE(0, fd);
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &boot));
	EXPECT_EQ(0, close(fd));
	for (i = 0; i < CHILD_PIPES; i++) {
		ASSERT_EQ(NO_ERROR, mx_handle_wait_one(boot,
			  MX_SIGNAL_READABLE, MX_TIME_INFINITE, NULL));
		ASSERT_EQ(NO_ERROR, mx_read_u32(boot, &v, &x[i], 1, &nh));
		ASSERT_EQ(i, v);
		ASSERT_EQ(1u, nh);
		EXPECT_FALSE(mx_is_peer_closed(x[i]));
	}
	/* The child still holds more than we do. */
	EXPECT_LT(self->base.handles + 1 + CHILD_PIPES,
		  mx_stat_read("handles"));

	ASSERT_EQ(1, write(self->sock, "x", 1));
	ASSERT_EQ(0, mx_wait_child(self->pid));
	self->pid = 0;

	EXPECT_TRUE(mx_is_peer_closed(boot));
	EXPECT_EQ(ERR_CHANNEL_CLOSED, mx_read_u32(boot, &v, NULL, 0, NULL));
	for (i = 0; i < CHILD_PIPES; i++) {
		EXPECT_TRUE(mx_is_peer_closed(x[i]));
		EXPECT_EQ(NO_ERROR, mx_read_u32(x[i], &v, NULL, 0, NULL));
		EXPECT_EQ(100 + i, v);
		EXPECT_EQ(ERR_CHANNEL_CLOSED, mx_read_u32(x[i], &v, NULL, 0,
							  NULL));
	}
	/* Only our own handles are left, each on a half-dead pipe. */
	EXPECT_EQ(self->base.handles + 1 + CHILD_PIPES,
		  mx_stat_read("handles"));
	EXPECT_EQ(self->base.endpoints + 2 * (1 + CHILD_PIPES),
		  mx_stat_read("endpoints"));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.xfers, mx_stat_read("xfers"));
	for (i = 0; i < CHILD_PIPES; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(x[i]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(boot));
}

/* ---- limits ------------------------------------------------------------ */

static const char * const limit_names[] = {
	"max_queued_msgs", "max_queued_bytes", "max_handles",
};

enum { LIM_MSGS, LIM_BYTES, LIM_HANDLES, LIM_NR };

/*
 * FIXTURE(limits): lowers module limits for one test and puts them back.
 */
FIXTURE(limits) {
	struct mx_stats base;	/* counters before the test body */
	long saved[LIM_NR];	/* the limits as found, restored in teardown */
	bool writable;		/* may we change them (root)? */
};

FIXTURE_SETUP(limits)
{
	int i;

	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->writable = true;
	for (i = 0; i < LIM_NR; i++) {
		self->saved[i] = mx_param_read(limit_names[i]);
		ASSERT_LT(0, self->saved[i]);
		if (!mx_param_writable(limit_names[i]))
			self->writable = false;
	}
}

FIXTURE_TEARDOWN(limits)
{
	int i;

	for (i = 0; i < LIM_NR; i++) {
		if (mx_param_read(limit_names[i]) != self->saved[i])
			EXPECT_EQ(0, mx_param_write(limit_names[i],
						 self->saved[i]));
	}
	EXPECT_STATS_EQ(&self->base);
}

/* Write numbered messages until the first failure; returns how many. */
static uint32_t fill(mx_handle_t h, uint32_t first, uint32_t max,
		     mx_status_t *last)
{
	uint32_t n = 0;

	while (n < max) {
		*last = mx_write_u32(h, first + n, NULL, 0);
		if (*last != NO_ERROR)
			break;
		n++;
	}
	return n;
}

/* Is WRITABLE satisfied on @h right now? */
static bool mx_writable(mx_handle_t h)
{
	return mx_handle_wait_one(h, MX_SIGNAL_WRITABLE, 0, NULL) == NO_ERROR;
}

/* max_queued_msgs: the cap, WRITABLE, nothing lost, memory given back. */
TEST_F(limits, message_cap)
{
	mx_handle_t p[2], x[2], got;
	mx_status_t last = NO_ERROR;
	uint32_t n, i, v, nh;

	if (!self->writable)
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_EQ(0, mx_param_write("max_queued_msgs", MSG_CAP));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));

	n = fill(p[0], 0, 4 * MSG_CAP, &last);
	EXPECT_EQ(ERR_NO_MEMORY, last);
	ASSERT_EQ(MSG_CAP, n);
	EXPECT_EQ(self->base.messages + MSG_CAP, mx_stat_read("messages"));
	EXPECT_EQ(self->base.message_bytes + MSG_CAP * sizeof(v),
		  mx_stat_read("message_bytes"));
	EXPECT_FALSE(mx_writable(p[0]));
	/* A refused message leaves its handle with the caller. */
	EXPECT_EQ(ERR_NO_MEMORY, mx_write_u32(p[0], n, &x[1], 1));
	EXPECT_TRUE(mx_is_valid(x[1]));
	EXPECT_FALSE(mx_is_peer_closed(x[0]));

	/* One read makes room for exactly one more. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_EQ(0u, v);
	EXPECT_TRUE(mx_writable(p[0]));
	EXPECT_EQ(NO_ERROR, mx_write_u32(p[0], n, &x[1], 1));
	EXPECT_FALSE(mx_writable(p[0]));
	EXPECT_EQ(ERR_NO_MEMORY, mx_write_u32(p[0], n + 1, NULL, 0));

	/* Nothing was lost: 1..MSG_CAP in order, the last with x[1]. */
	for (i = 1; i <= MSG_CAP; i++) {
		got = MX_HANDLE_INVALID;
		ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, &got, 1, &nh));
		ASSERT_EQ(i, v);
		EXPECT_EQ(i == MSG_CAP ? 1u : 0u, nh);
	}
	EXPECT_EQ(ERR_BAD_STATE, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_write_u32(got, 9, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_read_u32(x[0], &v, NULL, 0, NULL));

	/* A full queue closed unread gives all its memory back. */
	EXPECT_EQ(MSG_CAP, fill(p[0], 0, 4 * MSG_CAP, &last));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.message_bytes, mx_stat_read("message_bytes"));
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
}

/* Write @n bytes of value @seq, carrying @nh handles. */
static mx_status_t write_big(mx_handle_t h, uint32_t n, uint8_t seq,
			     mx_handle_t *hs, uint32_t nh)
{
	uint8_t buf[BIG_MSG];

	memset(buf, seq, sizeof(buf));
	return mx_msgpipe_write(h, buf, n, hs, nh, 0);
}

/* Read a message of up to BIG_MSG bytes; *seq gets its first byte. */
static mx_status_t read_big(mx_handle_t h, uint32_t *nb, uint8_t *seq,
			    mx_handle_t *hs, uint32_t *nh)
{
	uint8_t buf[BIG_MSG];
	mx_status_t r;

	*nb = sizeof(buf);
	r = mx_msgpipe_read(h, buf, nb, hs, nh, 0);
	*seq = buf[0];
	return r;
}

/* max_queued_bytes: payload plus 16 per handle, up to the byte. */
TEST_F(limits, byte_cap)
{
	mx_handle_t p[2], x[2], got[1];
	uint32_t i, n = 0, nb, nh;
	uint8_t seq;

	if (!self->writable)
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_LT(BYTE_CAP / BIG_MSG, self->saved[LIM_MSGS]);
	ASSERT_EQ(0, mx_param_write("max_queued_bytes", BYTE_CAP));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));

	while (n < 4 * BYTE_CAP / BIG_MSG &&
	       write_big(p[0], BIG_MSG, n, NULL, 0) == NO_ERROR)
		n++;
	ASSERT_EQ(BYTE_CAP / BIG_MSG, n);
	EXPECT_EQ(ERR_NO_MEMORY, write_big(p[0], 1, n, NULL, 0));
	EXPECT_EQ(self->base.message_bytes + BYTE_CAP,
		  mx_stat_read("message_bytes"));
	EXPECT_FALSE(mx_writable(p[0]));

	/* After one read, a message with one handle fits to the byte. */
	ASSERT_EQ(NO_ERROR, read_big(p[1], &nb, &seq, NULL, NULL));
	EXPECT_EQ(0, seq);
	EXPECT_TRUE(mx_writable(p[0]));
	EXPECT_EQ(ERR_NO_MEMORY, write_big(p[0], BIG_MSG - HANDLE_COST + 1,
					   n, &x[1], 1));
	EXPECT_TRUE(mx_is_valid(x[1]));
	EXPECT_EQ(NO_ERROR, write_big(p[0], BIG_MSG - HANDLE_COST, n,
				      &x[1], 1));
	EXPECT_FALSE(mx_writable(p[0]));
	EXPECT_EQ(ERR_NO_MEMORY, write_big(p[0], 1, n + 1, NULL, 0));

	for (i = 1; i <= n; i++) {
		nh = 1;
		ASSERT_EQ(NO_ERROR, read_big(p[1], &nb, &seq, got, &nh));
		EXPECT_EQ(i, seq);
		EXPECT_EQ(i == n ? BIG_MSG - HANDLE_COST : BIG_MSG, nb);
		EXPECT_EQ(i == n ? 1u : 0u, nh);
	}
	EXPECT_EQ(ERR_BAD_STATE, read_big(p[1], &nb, &seq, NULL, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
	EXPECT_TRUE(mx_is_peer_closed(x[0]));

	/* Full again, then closed unread: all memory back. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(NO_ERROR, write_big(p[0], BIG_MSG, i, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.message_bytes, mx_stat_read("message_bytes"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(x[0]));
}

/* In a fork() child: can it make a pipe although its parent cannot? */
static int child_creates_pipe(void)
{
	mx_handle_t h[2];

	if (mx_msgpipe_create(h, 0) != NO_ERROR)
		return 1;
	return mx_handle_close(h[0]) || mx_handle_close(h[1]) ? 2 : 0;
}

/*
 * max_handles: creating pipes stops at the cap with ERR_NO_MEMORY, a read
 * that would pass it fails and keeps its message, an import too; the cap
 * is per process.
 */
TEST_F(limits, handle_cap)
{
	mx_handle_t a[2], c[2], e[2], p[HANDLE_CAP][2], pair[2], q[2], h;
	uint32_t v, nh = 2;
	int n = 0, k, fd, fd2;
	pid_t pid;

	if (!self->writable)
		SKIP(return, "module parameters are not writable (not root?)");
	ASSERT_EQ(0, mx_param_write("max_handles", HANDLE_CAP));
	/* a[1] has a message with two handles waiting. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(a, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(e, 0));
	pair[0] = c[1];
	pair[1] = e[1];
	ASSERT_EQ(NO_ERROR, mx_write_u32(a[0], 42, pair, 2));

	while (n < HANDLE_CAP && mx_msgpipe_create(p[n], 0) == NO_ERROR)
		n++;
	EXPECT_EQ((HANDLE_CAP - 4) / 2, n);
	EXPECT_EQ(self->base.handles + HANDLE_CAP, mx_stat_read("handles"));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_create(pair, 0));
	EXPECT_EQ(self->base.handles + HANDLE_CAP, mx_stat_read("handles"));

	/* The read needs two slots: refused, and the message stays. */
	EXPECT_EQ(ERR_NO_MEMORY, mx_read_u32(a[1], &v, pair, 2, &nh));
	EXPECT_EQ(self->base.messages + 1, mx_stat_read("messages"));
	EXPECT_FALSE(mx_is_peer_closed(c[0]));

	/* Export frees a slot; at the cap an import is refused. */
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[0][1], MX_EXPORT_CLOEXEC, &fd));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_create(pair, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1][1], MX_EXPORT_CLOEXEC, &fd2));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, 0));
	EXPECT_EQ(ERR_NO_MEMORY, mx_handle_import(fd, &h));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[1]));
	/* The refused import left the handle in the fd. */
	EXPECT_EQ(NO_ERROR, mx_handle_import(fd, &p[0][1]));
	EXPECT_EQ(NO_ERROR, mx_handle_import(fd2, &p[1][1]));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(fd2));
	EXPECT_FALSE(mx_is_peer_closed(p[0][0]));
	EXPECT_FALSE(mx_is_peer_closed(p[1][0]));
	EXPECT_EQ(self->base.handles + HANDLE_CAP, mx_stat_read("handles"));

	/* The cap is per process: a child starts from nothing. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_creates_pipe());
	EXPECT_EQ(0, mx_wait_child(pid));

	/* Two free slots: the read goes through, nothing was lost. */
	n--;
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[n][0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[n][1]));
	nh = 2;
	EXPECT_EQ(NO_ERROR, mx_read_u32(a[1], &v, pair, 2, &nh));
	EXPECT_EQ(42u, v);
	EXPECT_EQ(2u, nh);
	EXPECT_EQ(NO_ERROR, mx_write_u32(pair[0], 1, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_read_u32(c[0], &v, NULL, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_write_u32(pair[1], 2, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_read_u32(e[0], &v, NULL, 0, NULL));

	for (k = 0; k < n; k++) {
		EXPECT_EQ(NO_ERROR, mx_handle_close(p[k][0]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(p[k][1]));
	}
	EXPECT_EQ(NO_ERROR, mx_handle_close(pair[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(pair[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(a[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e[0]));
}

TEST_HARNESS_MAIN
