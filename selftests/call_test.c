// SPDX-License-Identifier: GPL-2.0
/*
 * mx_msgpipe_call [extension]: write, then wait for and read the next
 * message, in one call; nothing is sent when the read half's own checks
 * fail, and a signal never makes the message go twice.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mx_test.h"

#define MS		1000000ull
#define ECHO_BYTES	256	/* the echo server's buffer */
#define ECHO_HANDLES	4	/* handles it can take per message */

/* An echo server on one end of a pipe, in a thread. */
struct echo {
	mx_handle_t h;		/* the server's end */
	int rounds;		/* requests to answer, then return */
	int use_call;		/* answer and wait for the next with one call */
	mx_status_t status;	/* the first failure, or NO_ERROR */
};

/* Wait for the next request and read it into @buf and @hs. */
static mx_status_t echo_next(struct echo *e, char *buf, uint32_t *n,
			     mx_handle_t *hs, uint32_t *nh)
{
	mx_status_t r = mx_handle_wait_one(e->h, MX_SIGNAL_READABLE,
					   MX_TIME_INFINITE, NULL);

	*n = ECHO_BYTES;
	*nh = ECHO_HANDLES;
	return r ? r : mx_msgpipe_read(e->h, buf, n, hs, nh, 0);
}

static void *echo_main(void *arg)
{
	struct echo *e = arg;
	char buf[ECHO_BYTES];
	mx_handle_t hs[ECHO_HANDLES];
	uint32_t n, nh;
	int i;

	e->status = echo_next(e, buf, &n, hs, &nh);
	for (i = 1; i < e->rounds && !e->status; i++) {
		if (e->use_call) {
			uint32_t wn = n, wnh = nh;

			n = sizeof(buf);
			nh = ECHO_HANDLES;
			e->status = mx_msgpipe_call(e->h, buf, wn, hs, wnh,
						    buf, &n, hs, &nh,
						    MX_TIME_INFINITE);
			continue;
		}
		e->status = mx_msgpipe_write(e->h, buf, n, hs, nh, 0);
		if (!e->status)
			e->status = echo_next(e, buf, &n, hs, &nh);
	}
	if (!e->status)
		e->status = mx_msgpipe_write(e->h, buf, n, hs, nh, 0);
	return NULL;
}

/* The peer's queue is empty: the call sent nothing. */
static int queue_empty(mx_handle_t h)
{
	uint32_t n = 0, nh = 0;

	return mx_msgpipe_read(h, NULL, &n, NULL, &nh, 0) == ERR_BAD_STATE;
}

static void call_rounds(struct __test_metadata *_metadata, int use_call)
{
	struct echo e = { .rounds = 50, .use_call = use_call };
	mx_handle_t h[2], p[2], got[4];
	char out[32], in[64];
	uint32_t n, nh;
	pthread_t th;
	int i;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	e.h = h[1];
	ASSERT_EQ(0, pthread_create(&th, NULL, echo_main, &e));
	for (i = 0; i < e.rounds; i++) {
		/* Every tenth request carries a pipe end, which comes back. */
		nh = 0;
		if (i % 10 == 0) {
			ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
			nh = 1;
		}
		snprintf(out, sizeof(out), "request %d", i);
		n = sizeof(in);
		ASSERT_EQ(NO_ERROR, mx_msgpipe_call(h[0], out, strlen(out),
						    &p[1], nh, in, &n, got,
						    &(uint32_t){ 4 },
						    MX_TIME_INFINITE));
		ASSERT_EQ(strlen(out), n);
		ASSERT_EQ(0, memcmp(out, in, n));
		if (nh) {
			/* The returned end works: write through it to p[0]. */
			EXPECT_EQ(NO_ERROR, mx_msgpipe_write(got[0], "x", 1,
							     NULL, 0, 0));
			EXPECT_EQ(NO_ERROR, mx_handle_close(got[0]));
			EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
		}
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(NO_ERROR, e.status);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, round_trips_with_a_plain_server)
{
	call_rounds(_metadata, 0);
}

TEST_F(mx, round_trips_with_call_on_both_sides)
{
	call_rounds(_metadata, 1);
}

TEST_F(mx, invalid_handle)
{
	uint32_t n = 0;

	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_call(12345, "x", 1, NULL, 0,
						    NULL, &n, NULL, NULL, 0));
}

TEST_F(mx, no_read_right_sends_nothing)
{
	mx_handle_t h[2], w;
	uint32_t n = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	w = mx_handle_replace(h[0], MX_RIGHT_WRITE | MX_RIGHT_TRANSFER);
	ASSERT_LT(0, w);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_msgpipe_call(w, "x", 1, NULL, 0,
						     NULL, &n, NULL, NULL, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(w));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, unwritable_count_pointer_sends_nothing)
{
	mx_handle_t h[2];
	uint32_t *ro;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ro = mmap(NULL, mx_page_size(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_call(h[0], "x", 1, NULL, 0,
						    NULL, ro, NULL, NULL, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(0, munmap(ro, mx_page_size()));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, write_errors_come_through)
{
	mx_handle_t h[2];
	uint32_t n = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	EXPECT_EQ(ERR_TOO_BIG, mx_msgpipe_call(h[0], "x", 65537, NULL, 0,
					       NULL, &n, NULL, NULL, 0));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_msgpipe_call(h[0], NULL, 0, &h[0], 1,
						     NULL, &n, NULL, NULL,
						     0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_call(h[0], "x", 1, NULL, 0,
						 NULL, &n, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

TEST_F(mx, timeout_after_the_message_went)
{
	struct timespec a, b;
	mx_handle_t h[2];
	uint32_t n = 0;
	char c;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_EQ(ERR_TIMED_OUT, mx_msgpipe_call(h[0], "q", 1, NULL, 0,
						 NULL, &n, NULL, NULL, 5 * MS));
	clock_gettime(CLOCK_MONOTONIC, &b);
	EXPECT_LE(5 * MS, (b.tv_sec - a.tv_sec) * 1000000000ull +
			  b.tv_nsec - a.tv_nsec);
	n = 1;
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], &c, &n, NULL, NULL, 0));
	EXPECT_EQ('q', c);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Reads one request, then closes its end. */
static void *read_then_close(void *arg)
{
	mx_handle_t h = *(mx_handle_t *)arg;
	uint32_t n = 0, nh = 0;

	mx_handle_wait_one(h, MX_SIGNAL_READABLE, MX_TIME_INFINITE, NULL);
	mx_msgpipe_read(h, NULL, &n, NULL, &nh, MX_MSGPIPE_READ_FLAG_MAY_DISCARD);
	mx_handle_close(h);
	return NULL;
}

TEST_F(mx, peer_closed_while_waiting)
{
	mx_handle_t h[2];
	uint32_t n = 0;
	pthread_t th;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, read_then_close, &h[1]));
	EXPECT_EQ(ERR_CHANNEL_CLOSED, mx_msgpipe_call(h[0], "q", 1, NULL, 0,
						      NULL, &n, NULL, NULL,
						      MX_TIME_INFINITE));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
}

TEST_F(mx, reply_too_big_stays_queued)
{
	mx_handle_t h[2];
	char big[100], buf[100];
	uint32_t n = 10;

	memset(big, 'r', sizeof(big));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[1], big, sizeof(big), NULL, 0,
					     0));
	EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, mx_msgpipe_call(h[0], "q", 1, NULL, 0,
							 buf, &n, NULL, NULL,
							 0));
	EXPECT_EQ(sizeof(big), n);
	n = sizeof(buf);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[0], buf, &n, NULL, NULL, 0));
	EXPECT_EQ(0, memcmp(big, buf, sizeof(big)));
	n = 1;
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], buf, &n, NULL, NULL, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen++;
}

struct caller {
	mx_handle_t h;		/* the calling end */
	mx_status_t status;	/* what the call returned */
};

static void *call_forever(void *arg)
{
	struct caller *c = arg;
	uint32_t n = 0;

	c->status = mx_msgpipe_call(c->h, "q", 1, NULL, 0, NULL, &n, NULL,
				    NULL, MX_TIME_INFINITE);
	return NULL;
}

TEST_F(mx, signals_do_not_send_twice)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct caller c = { 0 };
	mx_handle_t h[2];
	uint32_t n = 1;
	pthread_t th;
	char q;
	int i;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	c.h = h[0];
	ASSERT_EQ(0, pthread_create(&th, NULL, call_forever, &c));
	/* The request arrives, then the caller is interrupted repeatedly. */
	ASSERT_EQ(NO_ERROR, mx_handle_wait_one(h[1], MX_SIGNAL_READABLE,
					       MX_TIME_INFINITE, NULL));
	for (i = 0; i < 5; i++) {
		while (mx_stat_read("waiters") < self->base.waiters + 1)
			sched_yield();
		usr1_seen = 0;
		ASSERT_EQ(0, pthread_kill(th, SIGUSR1));
		while (!usr1_seen)
			sched_yield();
	}
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], &q, &n, NULL, NULL, 0));
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[1], NULL, 0, NULL, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(NO_ERROR, c.status);
	/* Exactly one request was ever queued. */
	EXPECT_TRUE(queue_empty(h[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_F(mx, raw_written_flag_skips_the_write)
{
	struct mx_ioc_msgpipe_call a = { .written = 1 };
	uint32_t n = 0;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	__s32 raw[2];
	struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)raw };
	struct mx_ioc_msgpipe_read r = { .num_bytes = (uintptr_t)&n };

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c));
	a.wr.handle = a.rd.handle = raw[0];
	a.wr.bytes = (uintptr_t)"q";
	a.wr.num_bytes = 1;
	a.rd.num_bytes = (uintptr_t)&n;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CALL, &a));
	EXPECT_EQ(ETIMEDOUT, errno);
	n = 0;
	a.written = 2;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CALL, &a));
	EXPECT_EQ(EINVAL, errno);
	a.written = 0;
	a.rd.handle = raw[1];
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CALL, &a));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was ever written to the other end. */
	r.handle = raw[1];
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_READ, &r));
	EXPECT_EQ(EBADFD, errno);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
