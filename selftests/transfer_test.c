// SPDX-License-Identifier: GPL-2.0
/*
 * Handles between processes: contract section 2 (handles are per process,
 * fork() children start empty, exit closes everything) and the bootstrap
 * extension of section 6 (a handle moved into a file descriptor that
 * crosses SCM_RIGHTS or exec()).
 *
 * FIXTURE(remote) gives a test a second process B: a fork() child that
 * serves requests ("import this fd", "write this through that handle", ...)
 * on a socketpair and answers with the status it got, so the parent can
 * assert on what happened in B. B exits 0 when told to or when the socket
 * closes, and by exiting closes whatever it still holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mx_test.h"

#define MSG_MAX		64	/* payload of the messages used here */
#define SCAN_RADIUS	1000	/* values tried on each side of a handle */
#define OWN_MAX		64	/* handles B keeps track of */
#define REMOTE_BROKEN	12345	/* "status" when B did not answer */
#define EXEC_MARKER	"--mx-exec-child"

#define SIG_ANY (MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE | MX_SIGNAL_PEER_CLOSED)

/* Write a NUL-terminated string, optionally carrying one handle. */
static mx_status_t write_str(mx_handle_t h, const char *s, mx_handle_t carry)
{
	return mx_msgpipe_write(h, (void *)s, strlen(s) + 1,
				carry ? &carry : NULL, carry ? 1 : 0, 0);
}

/* Read one message of at most MSG_MAX bytes and one handle. */
static mx_status_t read_str(mx_handle_t h, char *buf, mx_handle_t *carried)
{
	uint32_t nb = MSG_MAX, nh = carried ? 1 : 0;
	mx_status_t r;

	memset(buf, 0, MSG_MAX);
	r = mx_msgpipe_read(h, buf, &nb, carried, carried ? &nh : NULL, 0);
	if (r == NO_ERROR && carried && nh == 0)
		*carried = MX_HANDLE_INVALID;
	return r;
}

/* ---- process B -------------------------------------------------------- */

enum remote_op {
	OP_QUIT,	/* exit 0 at once, holding whatever B holds */
	OP_IMPORT,	/* import the attached fd, close it; h[0] = handle */
	OP_EXPORT,	/* export h; the fd comes back attached */
	OP_CREATE,	/* make a pipe; h[0], h[1] */
	OP_WRITE,	/* write data (and carry, if not 0) through h */
	OP_READ,	/* read through h; data, h[0] if a handle came */
	OP_PROBE,	/* wait_one(h, any, 0): the status and state */
	OP_CLOSE,	/* close h */
	OP_SCAN,	/* try every value within SCAN_RADIUS of h */
};

struct remote_req {
	int op;			/* enum remote_op */
	mx_handle_t h;		/* the handle of B the op works on */
	mx_handle_t carry;	/* OP_WRITE: a handle of B to send, or 0 */
	char data[MSG_MAX];	/* OP_WRITE: a NUL-terminated payload */
};

struct remote_rep {
	mx_status_t status;	/* what the call returned in B */
	mx_handle_t h[2];	/* handles the call gave B */
	char data[MSG_MAX];	/* OP_READ: the payload */
	mx_signals_state_t st;	/* OP_PROBE: the state */
	int valid;		/* OP_SCAN: values valid in B */
	int own;		/* OP_SCAN: of those, handles B knows it holds */
};

/* The handles B holds, so that OP_SCAN can tell its own values apart. */
static mx_handle_t remote_own[OWN_MAX];

static void own_add(mx_handle_t h)
{
	int i;

	for (i = 0; i < OWN_MAX; i++) {
		if (!remote_own[i]) {
			remote_own[i] = h;
			return;
		}
	}
}

static bool own_has(mx_handle_t h)
{
	int i;

	for (i = 0; i < OWN_MAX; i++)
		if (remote_own[i] == h)
			return true;
	return false;
}

static void own_del(mx_handle_t h)
{
	int i;

	for (i = 0; i < OWN_MAX; i++)
		if (remote_own[i] == h)
			remote_own[i] = MX_HANDLE_INVALID;
}

static void remote_scan(mx_handle_t center, struct remote_rep *rp)
{
	int64_t v;

	for (v = (int64_t)center - SCAN_RADIUS;
	     v <= (int64_t)center + SCAN_RADIUS; v++) {
		if (v <= 0 || v > INT32_MAX || !mx_is_valid((mx_handle_t)v))
			continue;
		rp->valid++;
		rp->own += own_has((mx_handle_t)v);
	}
	rp->status = NO_ERROR;
}

/* Carry out one request; *out_fd gets a descriptor to send back. */
static void remote_do(const struct remote_req *rq, struct remote_rep *rp,
		      int in_fd, int *out_fd)
{
	switch (rq->op) {
	case OP_IMPORT:
		rp->status = mx_handle_import(in_fd, &rp->h[0]);
		if (rp->status == NO_ERROR)
			own_add(rp->h[0]);
		break;
	case OP_EXPORT:
		rp->status = mx_handle_export(rq->h, 0, out_fd);
		if (rp->status == NO_ERROR)
			own_del(rq->h);
		break;
	case OP_CREATE:
		rp->status = mx_msgpipe_create(rp->h, 0);
		if (rp->status == NO_ERROR) {
			own_add(rp->h[0]);
			own_add(rp->h[1]);
		}
		break;
	case OP_WRITE:
		rp->status = write_str(rq->h, rq->data, rq->carry);
		if (rp->status == NO_ERROR && rq->carry)
			own_del(rq->carry);
		break;
	case OP_READ:
		rp->status = read_str(rq->h, rp->data, &rp->h[0]);
		if (rp->status == NO_ERROR && rp->h[0])
			own_add(rp->h[0]);
		break;
	case OP_PROBE:
		rp->status = mx_handle_wait_one(rq->h, SIG_ANY, 0, &rp->st);
		break;
	case OP_CLOSE:
		rp->status = mx_handle_close(rq->h);
		if (rp->status == NO_ERROR)
			own_del(rq->h);
		break;
	case OP_SCAN:
		remote_scan(rq->h, rp);
		break;
	default:
		rp->status = REMOTE_BROKEN;
	}
}

/* B's main loop: never returns (it exits). */
static int remote_serve(int sock)
{
	for (;;) {
		struct remote_rep rp = { .status = REMOTE_BROKEN };
		struct remote_req rq;
		int in_fd, out_fd = -1;
		ssize_t n;

		n = mx_sock_recv(sock, &rq, sizeof(rq), &in_fd);
		if (n == 0 || (n == sizeof(rq) && rq.op == OP_QUIT))
			_exit(0);
		if (n != sizeof(rq))
			_exit(2);
		remote_do(&rq, &rp, in_fd, &out_fd);
		if (in_fd >= 0)
			close(in_fd);
		if (mx_sock_send(sock, &rp, sizeof(rp), out_fd))
			_exit(3);
		if (out_fd >= 0)
			close(out_fd);
	}
}

/*
 * FIXTURE(remote): the test process A plus a helper process B.
 */
FIXTURE(remote) {
	struct mx_stats base;	/* counters before B existed */
	pid_t pid;		/* process B, or 0 once reaped */
	int sock;		/* A's end of the socketpair to B */
};

FIXTURE_SETUP(remote)
{
	/* Open the device now so the baseline includes A's table. */
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->pid = mx_fork_socket(SOCK_SEQPACKET, remote_serve, &self->sock);
	ASSERT_LE(0, self->pid);
}

FIXTURE_TEARDOWN(remote)
{
	/* B exits on EOF; its exit closes what it still holds. */
	close(self->sock);
	if (self->pid > 0)
		EXPECT_EQ(0, mx_wait_child(self->pid));
	EXPECT_STATS_EQ(&self->base);
}

/* Send one request to B (with @fd attached if >= 0) and get the reply. */
static struct remote_rep remote_call(int sock, int op, mx_handle_t h,
				     mx_handle_t carry, const char *data,
				     int fd, int *out_fd)
{
	struct remote_rep rp = { .status = REMOTE_BROKEN };
	struct remote_req rq = { .op = op, .h = h, .carry = carry };
	int got_fd;

	if (data)
		snprintf(rq.data, sizeof(rq.data), "%s", data);
	if (mx_sock_send(sock, &rq, sizeof(rq), fd) ||
	    mx_sock_recv(sock, &rp, sizeof(rp), &got_fd) != sizeof(rp))
		rp.status = REMOTE_BROKEN;
	else if (out_fd)
		*out_fd = got_fd;
	else if (got_fd >= 0)
		close(got_fd);
	return rp;
}

#define REMOTE(op, h) remote_call(self->sock, op, h, 0, NULL, -1, NULL)

/* Tell B to quit and reap it: its exit code. */
static int remote_quit(int sock, pid_t *pid)
{
	struct remote_req rq = { .op = OP_QUIT };
	int r;

	if (mx_sock_send(sock, &rq, sizeof(rq), -1))
		return -1;
	r = mx_wait_child(*pid);
	*pid = 0;
	return r;
}

/*
 * Give B a pipe to A: export @h (an end of a pipe of A) and import it in B
 * through SCM_RIGHTS. Returns B's value for it, or 0.
 */
static mx_handle_t remote_bootstrap(int sock, mx_handle_t h)
{
	struct remote_rep rp;
	int fd;

	if (mx_handle_export(h, MX_EXPORT_CLOEXEC, &fd) != NO_ERROR)
		return MX_HANDLE_INVALID;
	rp = remote_call(sock, OP_IMPORT, 0, 0, NULL, fd, NULL);
	close(fd);
	return rp.status == NO_ERROR ? rp.h[0] : MX_HANDLE_INVALID;
}

/*
 * A writes a pipe end inside a message; B reads it, talks through it, and
 * A's old value for it is dead in A.
 */
TEST_F(remote, endpoint_travels_between_processes)
{
	mx_handle_t boot[2], p[2], hb, q;
	struct remote_rep rp;
	char buf[MSG_MAX];

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(boot, 0));
	hb = remote_bootstrap(self->sock, boot[1]);
	ASSERT_NE(MX_HANDLE_INVALID, hb);
	EXPECT_FALSE(mx_is_valid(boot[1]));

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, write_str(boot[0], "take", p[1]));
	/* p[1] left A with the message. */
	EXPECT_EQ(ERR_INVALID_ARGS, write_str(p[1], "stale", 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(p[1]));

	rp = REMOTE(OP_READ, hb);
	ASSERT_EQ(NO_ERROR, rp.status);
	EXPECT_STREQ("take", rp.data);
	q = rp.h[0];
	ASSERT_NE(MX_HANDLE_INVALID, q);
	EXPECT_NE(p[1], q);

	/* It works in B, both ways. */
	rp = remote_call(self->sock, OP_WRITE, q, 0, "pong", -1, NULL);
	ASSERT_EQ(NO_ERROR, rp.status);
	ASSERT_EQ(NO_ERROR, read_str(p[0], buf, NULL));
	EXPECT_STREQ("pong", buf);
	ASSERT_EQ(NO_ERROR, write_str(p[0], "ping", 0));
	rp = REMOTE(OP_READ, q);
	ASSERT_EQ(NO_ERROR, rp.status);
	EXPECT_STREQ("ping", rp.data);

	/* B closing it is seen by A. */
	EXPECT_EQ(NO_ERROR, REMOTE(OP_CLOSE, q).status);
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, REMOTE(OP_CLOSE, hb).status);
	EXPECT_TRUE(mx_is_peer_closed(boot[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(boot[0]));
}

/* How many values within SCAN_RADIUS of @c are valid here, and own. */
static void local_scan(mx_handle_t c, const mx_handle_t *own, int n,
		       int *valid, int *mine)
{
	int64_t v;
	int i;

	*valid = 0;
	*mine = 0;
	for (v = (int64_t)c - SCAN_RADIUS; v <= (int64_t)c + SCAN_RADIUS; v++) {
		if (v <= 0 || v > INT32_MAX || !mx_is_valid((mx_handle_t)v))
			continue;
		(*valid)++;
		for (i = 0; i < n; i++)
			*mine += own[i] == v;
	}
}

/*
 * A's handle values mean nothing in B and B's mean nothing in A, nor does
 * any value near them, except a process's own handles.
 */
TEST_F(remote, values_are_per_process)
{
	mx_handle_t a[6], b[2];
	struct remote_rep rp;
	int i, valid, mine;

	for (i = 0; i < 6; i += 2)
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(&a[i], 0));
	rp = REMOTE(OP_CREATE, 0);
	ASSERT_EQ(NO_ERROR, rp.status);
	b[0] = rp.h[0];
	b[1] = rp.h[1];

	for (i = 0; i < 6; i++) {
		if (a[i] == b[0] || a[i] == b[1])
			continue;	/* one chance in 2^30: not a failure */
		EXPECT_EQ(ERR_INVALID_ARGS, REMOTE(OP_PROBE, a[i]).status);
		EXPECT_EQ(ERR_INVALID_ARGS, REMOTE(OP_CLOSE, a[i]).status);
		rp = REMOTE(OP_SCAN, a[i]);
		ASSERT_EQ(NO_ERROR, rp.status);
		EXPECT_EQ(rp.own, rp.valid);
	}
	for (i = 0; i < 2; i++) {
		local_scan(b[i], a, 6, &valid, &mine);
		EXPECT_EQ(mine, valid);
	}
	/* B's own pipe is fine, A's too: nothing above touched them. */
	rp = remote_call(self->sock, OP_WRITE, b[0], 0, "b", -1, NULL);
	EXPECT_EQ(NO_ERROR, rp.status);
	EXPECT_EQ(NO_ERROR, REMOTE(OP_READ, b[1]).status);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(NO_ERROR, mx_handle_close(a[i]));
	EXPECT_EQ(0, remote_quit(self->sock, &self->pid));
}

/* A READ|TRANSFER handle sent to B in a message cannot write in B. */
TEST_F(remote, rights_kept_in_message)
{
	mx_handle_t boot[2], p[2], ro, wo, hb, q;
	struct remote_rep rp;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(boot, 0));
	hb = remote_bootstrap(self->sock, boot[1]);
	ASSERT_NE(MX_HANDLE_INVALID, hb);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ro = mx_handle_replace(p[1], MX_RIGHT_READ | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, ro);
	wo = mx_handle_replace(p[0], MX_RIGHT_WRITE | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, wo);

	ASSERT_EQ(NO_ERROR, write_str(boot[0], "ro", ro));
	rp = REMOTE(OP_READ, hb);
	ASSERT_EQ(NO_ERROR, rp.status);
	q = rp.h[0];
	rp = remote_call(self->sock, OP_WRITE, q, 0, "no", -1, NULL);
	EXPECT_EQ(ERR_ACCESS_DENIED, rp.status);
	ASSERT_EQ(NO_ERROR, write_str(wo, "yes", 0));
	rp = REMOTE(OP_READ, q);
	EXPECT_EQ(NO_ERROR, rp.status);
	EXPECT_STREQ("yes", rp.data);

	/* And the other way round: a write-only end cannot read in B. */
	ASSERT_EQ(NO_ERROR, write_str(boot[0], "wo", wo));
	rp = REMOTE(OP_READ, hb);
	ASSERT_EQ(NO_ERROR, rp.status);
	wo = rp.h[0];
	EXPECT_EQ(ERR_ACCESS_DENIED, REMOTE(OP_READ, wo).status);
	rp = remote_call(self->sock, OP_WRITE, wo, 0, "back", -1, NULL);
	EXPECT_EQ(NO_ERROR, rp.status);
	rp = REMOTE(OP_READ, q);
	EXPECT_EQ(NO_ERROR, rp.status);
	EXPECT_STREQ("back", rp.data);
	/* B still holds hb, q and wo: its exit closes them. */
	EXPECT_EQ(0, remote_quit(self->sock, &self->pid));
	EXPECT_TRUE(mx_is_peer_closed(boot[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(boot[0]));
}

/* Export keeps the rights: a READ|TRANSFER end imported in B. */
TEST_F(remote, rights_kept_through_fd)
{
	mx_handle_t p[2], ro, q;
	struct remote_rep rp;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ro = mx_handle_replace(p[1], MX_RIGHT_READ | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, ro);
	q = remote_bootstrap(self->sock, ro);
	ASSERT_NE(MX_HANDLE_INVALID, q);
	EXPECT_FALSE(mx_is_valid(ro));

	rp = remote_call(self->sock, OP_WRITE, q, 0, "no", -1, NULL);
	EXPECT_EQ(ERR_ACCESS_DENIED, rp.status);
	ASSERT_EQ(NO_ERROR, write_str(p[0], "hello", 0));
	rp = REMOTE(OP_READ, q);
	EXPECT_EQ(NO_ERROR, rp.status);
	EXPECT_STREQ("hello", rp.data);
	EXPECT_EQ(NO_ERROR, REMOTE(OP_CLOSE, q).status);
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

/*
 * The fork() child B makes its own pipe, hands one end to A and exits
 * without closing anything: A sees PEER_CLOSED and messages B sent first.
 */
TEST_F(remote, exit_closes_child_handles)
{
	mx_handle_t p[2], mine;
	struct remote_rep rp;
	char buf[MSG_MAX];
	int fd = -1;

	rp = REMOTE(OP_CREATE, 0);
	ASSERT_EQ(NO_ERROR, rp.status);
	p[0] = rp.h[0];
	p[1] = rp.h[1];
	rp = remote_call(self->sock, OP_WRITE, p[0], 0, "last", -1, NULL);
	ASSERT_EQ(NO_ERROR, rp.status);
	rp = remote_call(self->sock, OP_EXPORT, p[1], 0, NULL, -1, &fd);
	ASSERT_EQ(NO_ERROR, rp.status);
	ASSERT_LE(0, fd);
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &mine));
	close(fd);
	EXPECT_FALSE(mx_is_peer_closed(mine));

	EXPECT_EQ(0, remote_quit(self->sock, &self->pid));
	EXPECT_TRUE(mx_is_peer_closed(mine));
	EXPECT_EQ(NO_ERROR, read_str(mine, buf, NULL));
	EXPECT_STREQ("last", buf);
	EXPECT_EQ(ERR_CHANNEL_CLOSED, read_str(mine, buf, NULL));
	EXPECT_EQ(ERR_BAD_STATE, write_str(mine, "late", 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(mine));
}

/* Exit codes of fork_child_check(). */
enum {
	CHILD_OK, CHILD_SAW_PROBE, CHILD_SAW_WRITE, CHILD_SAW_READ,
	CHILD_SAW_CLOSE, CHILD_CREATE, CHILD_OWN_PIPE,
};

/* In a fork() child: none of the parent's values works; own pipes do. */
static int fork_child_check(const mx_handle_t *parent)
{
	mx_handle_t own[2];
	char buf[MSG_MAX];

	if (mx_is_valid(parent[0]) || mx_is_valid(parent[1]))
		return CHILD_SAW_PROBE;
	if (write_str(parent[0], "x", 0) != ERR_INVALID_ARGS)
		return CHILD_SAW_WRITE;
	if (read_str(parent[1], buf, NULL) != ERR_INVALID_ARGS)
		return CHILD_SAW_READ;
	if (mx_handle_close(parent[1]) != ERR_INVALID_ARGS)
		return CHILD_SAW_CLOSE;
	if (mx_msgpipe_create(own, 0) != NO_ERROR)
		return CHILD_CREATE;
	if (write_str(own[0], "own", 0) != NO_ERROR ||
	    read_str(own[1], buf, NULL) != NO_ERROR || strcmp(buf, "own") ||
	    mx_handle_close(own[0]) != NO_ERROR ||
	    mx_handle_close(own[1]) != NO_ERROR)
		return CHILD_OWN_PIPE;
	return CHILD_OK;
}

/* A fork() child starts with an empty table and cannot touch ours. */
TEST_F(mx, fork_child_has_empty_table)
{
	mx_handle_t p[2];
	char buf[MSG_MAX];
	pid_t pid;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, write_str(p[0], "queued", 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(fork_child_check(p));
	EXPECT_EQ(CHILD_OK, mx_wait_child(pid));

	/* The parent's pipe is untouched: message still there, both ends. */
	EXPECT_EQ(NO_ERROR, read_str(p[1], buf, NULL));
	EXPECT_STREQ("queued", buf);
	EXPECT_EQ(NO_ERROR, write_str(p[0], "again", 0));
	EXPECT_EQ(NO_ERROR, read_str(p[1], buf, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* Export needs TRANSFER; a refused export leaves the handle as it was. */
TEST_F(mx, export_needs_transfer)
{
	mx_handle_t p[2], rw;
	char buf[MSG_MAX];
	int fd = -1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	rw = mx_handle_replace(p[1], MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, rw);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_export(rw, 0, &fd));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ERR_ACCESS_DENIED,
		  mx_handle_export(rw, MX_EXPORT_CLOEXEC, &fd));
	EXPECT_EQ(-1, fd);

	/* Still ours, same value, both directions work. */
	EXPECT_EQ(NO_ERROR, write_str(rw, "still", 0));
	EXPECT_EQ(NO_ERROR, read_str(p[0], buf, NULL));
	EXPECT_EQ(NO_ERROR, write_str(p[0], "here", 0));
	EXPECT_EQ(NO_ERROR, read_str(rw, buf, NULL));
	EXPECT_STREQ("here", buf);
	EXPECT_FALSE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(rw));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

/* Export then import in one process keeps the rights exactly. */
TEST_F(mx, export_import_keeps_rights)
{
	mx_handle_t p[2], ro, back;
	char buf[MSG_MAX];
	int fd;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ro = mx_handle_replace(p[1], MX_RIGHT_READ | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, ro);
	ASSERT_EQ(NO_ERROR, mx_handle_export(ro, 0, &fd));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(ro));
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &back));
	EXPECT_EQ(0, close(fd));

	EXPECT_EQ(ERR_ACCESS_DENIED, write_str(back, "no", 0));
	ASSERT_EQ(NO_ERROR, write_str(p[0], "read me", 0));
	EXPECT_EQ(NO_ERROR, read_str(back, buf, NULL));
	EXPECT_STREQ("read me", buf);
	/* Replace could not have added WRITE either. */
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_handle_replace(back, MX_RIGHT_READ | MX_RIGHT_WRITE));
	EXPECT_EQ(NO_ERROR, mx_handle_close(back));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

/* The second import of one fd finds it empty. */
TEST_F(mx, import_twice_is_bad_state)
{
	mx_handle_t p[2], first, second = MX_HANDLE_INVALID;
	int fd, fd2;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd));
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &first));
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_import(fd, &second));
	EXPECT_EQ(MX_HANDLE_INVALID, second);
	/* A dup of the fd is the same file: empty too. */
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_import(fd2, &second));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, close(fd));
	/* Closing the emptied fd did not close the imported handle. */
	EXPECT_FALSE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, write_str(p[0], "x", 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(first));
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

/* Descriptors that are not exported handles: ERR_WRONG_TYPE. */
TEST_F(mx, import_non_magenta_fd)
{
	mx_handle_t h = MX_HANDLE_INVALID;
	int fds[2], sv[2], dev;

	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_handle_import(fds[0], &h));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_handle_import(fds[1], &h));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(ERR_WRONG_TYPE, mx_handle_import(sv[0], &h));
	dev = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, dev);
	EXPECT_EQ(ERR_WRONG_TYPE, mx_handle_import(dev, &h));
	EXPECT_EQ(MX_HANDLE_INVALID, h);
	close(fds[0]);
	close(fds[1]);
	close(sv[0]);
	close(sv[1]);
	close(dev);
}

/* Numbers that are not open descriptors: ERR_INVALID_ARGS. */
TEST_F(mx, import_invalid_fd)
{
	mx_handle_t h = MX_HANDLE_INVALID;
	int fd;

	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_import(-1, &h));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_import(INT32_MAX, &h));
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_import(fd, &h));
	EXPECT_EQ(MX_HANDLE_INVALID, h);
}

/* Closing an exported fd nobody imported closes the endpoint. */
TEST_F(mx, close_exported_fd_closes_endpoint)
{
	mx_handle_t p[2], q[2];
	int fd;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, 0));
	/* Queue a message for p[1] that carries q[1]. */
	ASSERT_EQ(NO_ERROR, write_str(p[0], "inside", q[1]));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd));
	EXPECT_EQ(self->base.xfers + 1, mx_stat_read("xfers"));
	EXPECT_EQ(self->base.messages + 1, mx_stat_read("messages"));
	EXPECT_FALSE(mx_is_peer_closed(p[0]));

	EXPECT_EQ(0, close(fd));
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(ERR_BAD_STATE, write_str(p[0], "late", 0));
	/* The queued message died with it, and closed q[1]. */
	EXPECT_TRUE(mx_is_peer_closed(q[0]));
	EXPECT_EQ(self->base.xfers, mx_stat_read("xfers"));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
}

/* MX_EXPORT_CLOEXEC sets FD_CLOEXEC; flags 0 does not. */
TEST_F(mx, export_cloexec_flag)
{
	mx_handle_t p[2];
	int fd0, fd1;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[0], MX_EXPORT_CLOEXEC, &fd0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd1));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd0, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd1, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, close(fd0));
	EXPECT_EQ(0, close(fd1));
}

/*
 * The exec() half: a constructor of this very program. When started as
 * "prog --mx-exec-child MODE FD" it plays the child and exits before the
 * harness's main() runs.
 */
struct exec_reply {
	char tag[8];	/* "pong" */
	pid_t pid;	/* the exec()ed child's pid */
};

/* Exit codes of the exec()ed child. */
enum {
	EXEC_OK, EXEC_NO_FD = 10, EXEC_CLOEXEC, EXEC_IMPORT, EXEC_READ,
	EXEC_WRITE, EXEC_FD_OPEN = 20, EXEC_BAD_ARGS = 30,
};

/* MODE "import": the fd is open, imports, answers "ping" with "pong". */
static int exec_child_import(int fd)
{
	struct exec_reply rep = { .tag = "pong", .pid = getpid() };
	char buf[MSG_MAX];
	mx_handle_t h;
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return EXEC_NO_FD;
	if (flags & FD_CLOEXEC)
		return EXEC_CLOEXEC;
	if (mx_handle_import(fd, &h) != NO_ERROR)
		return EXEC_IMPORT;
	close(fd);
	if (read_str(h, buf, NULL) != NO_ERROR || strcmp(buf, "ping"))
		return EXEC_READ;
	if (mx_msgpipe_write(h, &rep, sizeof(rep), NULL, 0, 0) != NO_ERROR)
		return EXEC_WRITE;
	return EXEC_OK;		/* exit closes h */
}

/* MODE "closed": exec() closed the fd. */
static int exec_child_closed(int fd)
{
	if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
		return EXEC_OK;
	return EXEC_FD_OPEN;
}

static void __attribute__((constructor)) exec_child_entry(void)
{
	char buf[256], *arg[4];
	ssize_t n;
	int fd, argc = 0;
	char *p;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; p < buf + n && argc < 4; p += strlen(p) + 1)
		arg[argc++] = p;
	if (argc < 4 || strcmp(arg[1], EXEC_MARKER))
		return;
	fd = atoi(arg[3]);
	if (!strcmp(arg[2], "import"))
		_exit(exec_child_import(fd));
	if (!strcmp(arg[2], "closed"))
		_exit(exec_child_closed(fd));
	_exit(EXEC_BAD_ARGS);
}

/* fork() and exec() this program as the child of MODE with @fd. */
static pid_t spawn_exec_child(const char *mode, int fd)
{
	char fdstr[16];
	pid_t pid;

	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "transfer_test", EXEC_MARKER, mode,
		      fdstr, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* An fd exported without CLOEXEC reaches an exec()ed program, and works. */
TEST_F(mx, exported_fd_survives_exec)
{
	struct exec_reply rep;
	uint32_t nb = sizeof(rep);
	mx_handle_t p[2];
	pid_t pid;
	int fd;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, write_str(p[0], "ping", 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], 0, &fd));
	pid = spawn_exec_child("import", fd);
	ASSERT_LT(0, pid);
	close(fd);
	ASSERT_EQ(EXEC_OK, mx_wait_child(pid));

	memset(&rep, 0, sizeof(rep));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(p[0], &rep, &nb, NULL, NULL, 0));
	EXPECT_EQ(sizeof(rep), nb);
	EXPECT_STREQ("pong", rep.tag);
	EXPECT_EQ(pid, rep.pid);
	/* Its exit closed the imported handle. */
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

/* An fd exported with MX_EXPORT_CLOEXEC does not reach the new program. */
TEST_F(mx, cloexec_fd_closed_by_exec)
{
	mx_handle_t p[2];
	pid_t pid;
	int fd;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_export(p[1], MX_EXPORT_CLOEXEC, &fd));
	pid = spawn_exec_child("closed", fd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(EXEC_OK, mx_wait_child(pid));
	/* Our copy still holds the endpoint; closing it closes that. */
	EXPECT_FALSE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(0, close(fd));
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
}

TEST_HARNESS_MAIN
