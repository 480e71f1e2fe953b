// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency, contract section 3: several threads on one endpoint, calls
 * racing with a close of either end, handles raced by two writers, a
 * process killed in the middle of its traffic, and many processes at once.
 *
 * Threads never use the harness's ASSERT/EXPECT (they longjmp into the
 * main thread's frame); they record what they saw, and the main thread
 * asserts after joining them. Child processes report by exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mx_test.h"

#define DRAIN_MSGS	5000	/* messages the two readers share */
#define RACE_ROUNDS	200	/* rounds of close_races */
#define RACE_WRITES	32	/* writes per writer thread per round */
#define SEND_THREADS	4	/* threads racing to send the same handles */
#define SEND_ROUNDS	50	/* rounds of each handle race */
#define CROWD		16	/* processes of many_processes */
#define CROWD_LOOPS	50	/* iterations in each of them */
#define DOOMED_WRITES	16	/* writes the doomed child makes before "ready" */

#define ERR_WRONG_TYPE_NEG (-ERR_WRONG_TYPE + 1)	/* tally size */

#define SIG_RPC (MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED)

/* Remember the first unexpected status seen by any thread. */
static void note_bad(atomic_int *bad, mx_status_t r)
{
	int zero = 0;

	atomic_compare_exchange_strong(bad, &zero, r ? r : 1);
}

/* ---- two readers ------------------------------------------------------- */

struct drain {
	mx_handle_t h;		/* the endpoint this thread uses */
	bool handles;		/* each message carries a new pipe's end */
	atomic_uchar *seen;	/* readers: times each number was read */
	uint32_t got;		/* readers: messages read */
	uint32_t got_handles;	/* readers: live handles received */
	uint32_t disorder;	/* readers: numbers not above the previous */
	atomic_int *bad;	/* first unexpected status */
};

/* Write @i through @d->h, with one end of a new pipe if @d->handles. */
static mx_status_t drain_write_one(struct drain *d, uint32_t i)
{
	mx_handle_t x[2];
	mx_status_t r;

	if (!d->handles)
		return mx_write_u32(d->h, i, NULL, 0);
	r = mx_msgpipe_create(x, 0);
	if (r != NO_ERROR)
		return r;
	r = mx_write_u32(d->h, i, &x[0], 1);
	if (r != NO_ERROR)
		mx_handle_close(x[0]);
	mx_handle_close(x[1]);
	return r;
}

/* Write 0..DRAIN_MSGS-1, waiting for WRITABLE at the cap; then close. */
static void *drain_writer(void *arg)
{
	struct drain *d = arg;
	mx_status_t r;
	uint32_t i;

	for (i = 0; i < DRAIN_MSGS; i++) {
		while ((r = drain_write_one(d, i)) == ERR_NO_MEMORY) {
			r = mx_handle_wait_one(d->h, MX_SIGNAL_WRITABLE,
					       MX_TIME_INFINITE, NULL);
			if (r != NO_ERROR)
				break;
		}
		if (r != NO_ERROR) {
			note_bad(d->bad, r);
			break;
		}
	}
	r = mx_handle_close(d->h);
	if (r != NO_ERROR)
		note_bad(d->bad, r);
	return NULL;
}

/* Read until the writer is gone and the queue empty. */
static void *drain_reader(void *arg)
{
	struct drain *d = arg;
	int64_t prev = -1;
	mx_status_t r;
	mx_handle_t x;
	uint32_t v, n;

	for (;;) {
		r = mx_read_u32(d->h, &v, &x, 1, &n);
		if (r == NO_ERROR) {
			/* A working endpoint: writable, or its peer closed. */
			if (n == 1 && mx_handle_wait_one(x,
					MX_SIGNAL_WRITABLE |
					MX_SIGNAL_PEER_CLOSED, 0, NULL) ==
				      NO_ERROR)
				d->got_handles++;
			if (n == 1 && mx_handle_close(x) != NO_ERROR)
				note_bad(d->bad, ERR_BAD_HANDLE);
			if (v >= DRAIN_MSGS) {
				note_bad(d->bad, ERR_OUT_OF_RANGE);
				continue;
			}
			atomic_fetch_add(&d->seen[v], 1);
			d->got++;
			d->disorder += (int64_t)v <= prev;
			prev = v;
		} else if (r == ERR_BAD_STATE) {
			r = mx_handle_wait_one(d->h, SIG_RPC, MX_TIME_INFINITE,
					       NULL);
			if (r != NO_ERROR)
				note_bad(d->bad, r);
		} else {
			if (r != ERR_CHANNEL_CLOSED)
				note_bad(d->bad, r);
			return NULL;
		}
	}
}

struct churn {
	mx_handle_t q[2];	/* a pipe of its own */
	atomic_bool stop;	/* set by the test when the drain is done */
	uint32_t moved;		/* handles sent through q and read back */
	atomic_int *bad;	/* first unexpected status */
};

/*
 * Keep the module's graph lock busy: send a new pipe's end through a pipe
 * of our own and read it back, until told to stop. A reader that finds a
 * message with handles then often cannot take the lock at once.
 */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	mx_handle_t x[2], got;
	mx_status_t r;
	uint32_t v, n;

	while (!atomic_load(&c->stop)) {
		r = mx_msgpipe_create(x, 0);
		if (r == NO_ERROR)
			r = mx_write_u32(c->q[0], 0, &x[0], 1);
		if (r == NO_ERROR)
			r = mx_read_u32(c->q[1], &v, &got, 1, &n);
		if (r != NO_ERROR || n != 1 || mx_handle_close(got) ||
		    mx_handle_close(x[1])) {
			note_bad(c->bad, r ? r : ERR_INTERNAL);
			return NULL;
		}
		c->moved++;
	}
	return NULL;
}

/*
 * Two threads drain one endpoint: every message read once, none lost.
 * With handles, every handle arrives once and works, while a third thread
 * keeps the graph lock busy.
 */
static void drain_two_readers(struct __test_metadata *_metadata,
			      bool handles)
{
	static atomic_uchar seen[DRAIN_MSGS];
	struct drain w = { 0 }, rd[2] = { 0 };
	struct churn c = { 0 };
	atomic_int bad = 0;
	pthread_t tw, tr[2], tc;
	mx_handle_t p[2];
	int i, once = 0;

	memset(seen, 0, sizeof(seen));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(c.q, 0));
	c.bad = &bad;
	w.h = p[0];
	w.handles = handles;
	w.bad = &bad;
	for (i = 0; i < 2; i++) {
		rd[i].h = p[1];
		rd[i].seen = seen;
		rd[i].bad = &bad;
		ASSERT_EQ(0, pthread_create(&tr[i], NULL, drain_reader, &rd[i]));
	}
	if (handles)
		ASSERT_EQ(0, pthread_create(&tc, NULL, churn_thread, &c));
	ASSERT_EQ(0, pthread_create(&tw, NULL, drain_writer, &w));
	pthread_join(tw, NULL);
	pthread_join(tr[0], NULL);
	pthread_join(tr[1], NULL);
	atomic_store(&c.stop, true);
	if (handles)
		pthread_join(tc, NULL);

	EXPECT_EQ(0, bad);
	EXPECT_EQ(DRAIN_MSGS, rd[0].got + rd[1].got);
	EXPECT_EQ(handles ? DRAIN_MSGS : 0,
		  rd[0].got_handles + rd[1].got_handles);
	EXPECT_EQ(0, rd[0].disorder);
	EXPECT_EQ(0, rd[1].disorder);
	for (i = 0; i < DRAIN_MSGS; i++)
		once += seen[i] == 1;
	EXPECT_EQ(DRAIN_MSGS, once);
	TH_LOG("reader 0 read %u, reader 1 read %u, %u handles moved meanwhile",
	       rd[0].got, rd[1].got, c.moved);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c.q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(c.q[1]));
}

TEST_F_TIMEOUT(mx, two_readers_drain, 120)
{
	drain_two_readers(_metadata, false);
}

TEST_F_TIMEOUT(mx, two_readers_drain_handles, 180)
{
	drain_two_readers(_metadata, true);
}

/* ---- calls racing with close -------------------------------------------- */

struct race {
	mx_handle_t h[2];	/* the pipe: writers use 0, readers 1 */
	int victim;		/* the end the closer closes */
	unsigned int delay;	/* the closer yields this often first */
	atomic_bool closed;	/* set just before the victim is closed */
	pthread_barrier_t go;	/* all threads start together */
	atomic_int *bad;	/* first undocumented status */
	atomic_int tally[2][ERR_WRONG_TYPE_NEG];	/* end, -status: count */
};

/* Count a status seen on end @side (0: writers, 1: readers). */
static void race_tally(struct race *rc, int side, mx_status_t r)
{
	if (r <= 0 && -r < ERR_WRONG_TYPE_NEG)
		atomic_fetch_add(&rc->tally[side][-r], 1);
}

/* May @side see the result of its own end (or the peer) being closed? */
static bool race_closed(struct race *rc, int side)
{
	return atomic_load(&rc->closed) && rc->victim == side;
}

/* One write, every fourth carrying a new pipe's end; true to go on. */
static bool race_write_one(struct race *rc, uint32_t i)
{
	mx_handle_t x[2] = { 0, 0 };
	bool carry = !(i % 4);
	mx_status_t r;

	if (carry && mx_msgpipe_create(x, 0) != NO_ERROR) {
		note_bad(rc->bad, ERR_INTERNAL);
		return false;
	}
	r = mx_write_u32(rc->h[0], i, carry ? &x[1] : NULL, carry);
	race_tally(rc, 0, r);
	if (carry && ((r != NO_ERROR && mx_handle_close(x[1]) != NO_ERROR) ||
		      mx_handle_close(x[0]) != NO_ERROR))
		note_bad(rc->bad, ERR_INTERNAL);
	if (r == NO_ERROR)
		return true;
	/* Peer closed: BAD_STATE; own end closed: INVALID_ARGS. */
	if (!(r == ERR_BAD_STATE && race_closed(rc, 1)) &&
	    !(r == ERR_INVALID_ARGS && race_closed(rc, 0)))
		note_bad(rc->bad, r);
	return false;
}

static void *race_writer(void *arg)
{
	struct race *rc = arg;
	uint32_t i;

	pthread_barrier_wait(&rc->go);
	for (i = 0; i < RACE_WRITES; i++)
		if (!race_write_one(rc, i))
			break;
	return NULL;
}

/* Wait for something to read; false when the reader must stop. */
static bool race_wait(struct race *rc)
{
	mx_status_t r;

	r = mx_handle_wait_one(rc->h[1], SIG_RPC, MX_TIME_INFINITE, NULL);
	if (r != NO_ERROR)
		race_tally(rc, 1, r);
	if (r == NO_ERROR)
		return true;
	if (!((r == ERR_HANDLE_CLOSED || r == ERR_INVALID_ARGS) &&
	      race_closed(rc, 1)))
		note_bad(rc->bad, r);
	return false;
}

static void *race_reader(void *arg)
{
	struct race *rc = arg;
	mx_handle_t got;
	uint32_t v, nh;
	mx_status_t r;

	pthread_barrier_wait(&rc->go);
	for (;;) {
		r = mx_read_u32(rc->h[1], &v, &got, 1, &nh);
		race_tally(rc, 1, r);
		if (r == NO_ERROR) {
			if (nh && mx_handle_close(got) != NO_ERROR)
				note_bad(rc->bad, ERR_INTERNAL);
		} else if (r == ERR_BAD_STATE) {
			/* Empty (the other reader may have taken it). */
			if (!race_wait(rc))
				return NULL;
		} else {
			/*
			 * Closing our end while a read copies its message
			 * out ends that read with ERR_HANDLE_CLOSED.
			 */
			if (!(r == ERR_CHANNEL_CLOSED && race_closed(rc, 0)) &&
			    !((r == ERR_INVALID_ARGS ||
			       r == ERR_HANDLE_CLOSED) && race_closed(rc, 1)))
				note_bad(rc->bad, r);
			return NULL;
		}
	}
}

static void *race_closer(void *arg)
{
	struct race *rc = arg;
	mx_status_t r;
	unsigned int i;

	pthread_barrier_wait(&rc->go);
	for (i = 0; i < rc->delay; i++)
		sched_yield();
	atomic_store(&rc->closed, true);
	r = mx_handle_close(rc->h[rc->victim]);
	if (r != NO_ERROR)
		note_bad(rc->bad, r);
	return NULL;
}

/* One round: 2 writers, 2 readers, 1 closer. */
static int race_round(struct race *rc, int round)
{
	void *(*fn[5])(void *) = {
		race_writer, race_writer, race_reader, race_reader,
		race_closer,
	};
	pthread_t t[5];
	int i;

	if (mx_msgpipe_create(rc->h, 0) != NO_ERROR)
		return -1;
	rc->victim = round % 2;
	rc->delay = (round / 2) % 16 * 4;
	atomic_store(&rc->closed, false);
	for (i = 0; i < 5; i++)
		if (pthread_create(&t[i], NULL, fn[i], rc))
			return -1;
	for (i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	/* The survivor is still ours, the victim is gone. */
	if (mx_handle_close(rc->h[!rc->victim]) != NO_ERROR ||
	    mx_handle_close(rc->h[rc->victim]) != ERR_INVALID_ARGS)
		return -1;
	return 0;
}

/* Log how often each status came up, to show the races happened. */
static void race_report(struct __test_metadata *_metadata, struct race *rc)
{
	static const char * const who[2] = { "writes+", "reads/waits" };
	int side, e;

	for (side = 0; side < 2; side++)
		for (e = 0; e < ERR_WRONG_TYPE_NEG; e++)
			if (rc->tally[side][e])
				TH_LOG("%s %s: %d", who[side],
				       mx_status_get_string(-e),
				       rc->tally[side][e]);
}

/*
 * Writers and readers race a close of either end: only documented
 * statuses, no crash, nothing left over.
 */
TEST_F_TIMEOUT(mx, close_races, 240)
{
	struct race rc = { 0 };
	atomic_int bad = 0;
	int round;

	rc.bad = &bad;
	ASSERT_EQ(0, pthread_barrier_init(&rc.go, NULL, 5));
	for (round = 0; round < RACE_ROUNDS && !bad; round++)
		ASSERT_EQ(0, race_round(&rc, round));
	pthread_barrier_destroy(&rc.go);
	if (bad)
		TH_LOG("round %d: %s", round - 1, mx_status_get_string(bad));
	race_report(_metadata, &rc);
	EXPECT_EQ(0, bad);
}

/* ---- handles raced by several writers ------------------------------------ */

struct sender {
	mx_handle_t dest;		/* where every thread writes */
	mx_handle_t *hs;		/* the handles to send, SEND_THREADS */
	int id;				/* this thread's number */
	mx_status_t r[SEND_THREADS];	/* status of each handle's write */
	pthread_barrier_t *go;		/* all threads start together */
};

/* Send every handle, one per message, starting at a different one. */
static void *send_all(void *arg)
{
	struct sender *s = arg;
	int j, i;

	pthread_barrier_wait(s->go);
	for (j = 0; j < SEND_THREADS; j++) {
		i = (s->id + j) % SEND_THREADS;
		s->r[i] = mx_write_u32(s->dest, i, &s->hs[i], 1);
	}
	return NULL;
}

/* Read back SEND_THREADS messages; each handle came exactly once. */
static int collect_sent(mx_handle_t d, mx_handle_t (*x)[2])
{
	int seen[SEND_THREADS] = { 0 }, i;
	mx_handle_t got;
	uint32_t v, nh;

	for (i = 0; i < SEND_THREADS; i++) {
		if (mx_read_u32(d, &v, &got, 1, &nh) != NO_ERROR ||
		    nh != 1 || v >= SEND_THREADS || seen[v]++)
			return -1;
		/* It is x[v][1]: what we write through it reaches x[v][0]. */
		if (mx_write_u32(got, v, NULL, 0) != NO_ERROR ||
		    mx_read_u32(x[v][0], &v, NULL, 0, NULL) != NO_ERROR ||
		    mx_handle_close(got) != NO_ERROR ||
		    mx_handle_close(x[v][0]) != NO_ERROR)
			return -1;
	}
	return mx_read_u32(d, &v, NULL, 0, NULL) == ERR_BAD_STATE ? 0 : -1;
}

/*
 * SEND_THREADS threads each try to send the same SEND_THREADS handles:
 * every handle is sent exactly once, every other try is ERR_INVALID_ARGS.
 */
TEST_F_TIMEOUT(mx, same_handles_many_senders, 120)
{
	struct sender s[SEND_THREADS];
	mx_handle_t d[2], x[SEND_THREADS][2], hs[SEND_THREADS];
	pthread_t t[SEND_THREADS];
	pthread_barrier_t go;
	int round, i, k, wins, losses;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(d, 0));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, SEND_THREADS));
	for (round = 0; round < SEND_ROUNDS; round++) {
		for (i = 0; i < SEND_THREADS; i++) {
			ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x[i], 0));
			hs[i] = x[i][1];
		}
		for (k = 0; k < SEND_THREADS; k++) {
			s[k] = (struct sender){ .dest = d[0], .hs = hs,
						.id = k, .go = &go };
			ASSERT_EQ(0, pthread_create(&t[k], NULL, send_all,
						    &s[k]));
		}
		for (k = 0; k < SEND_THREADS; k++)
			pthread_join(t[k], NULL);
		for (i = 0; i < SEND_THREADS; i++) {
			wins = losses = 0;
			for (k = 0; k < SEND_THREADS; k++) {
				wins += s[k].r[i] == NO_ERROR;
				losses += s[k].r[i] == ERR_INVALID_ARGS;
			}
			ASSERT_EQ(1, wins);
			ASSERT_EQ(SEND_THREADS - 1, losses);
			ASSERT_FALSE(mx_is_valid(hs[i]));
		}
		ASSERT_EQ(0, collect_sent(d[1], x));
	}
	pthread_barrier_destroy(&go);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[1]));
}

struct pair_sender {
	mx_handle_t dest;	/* where both threads write */
	mx_handle_t hs[2];	/* the shared handle, then this thread's own */
	mx_status_t r;		/* the write's status */
	pthread_barrier_t *go;	/* both threads start together */
};

static void *send_pair(void *arg)
{
	struct pair_sender *s = arg;

	pthread_barrier_wait(s->go);
	s->r = mx_msgpipe_write(s->dest, NULL, 0, s->hs, 2, 0);
	return NULL;
}

/*
 * Two threads each send [shared, own]: one wins; the loser keeps its own
 * handle, so nothing is ever half sent.
 */
TEST_F_TIMEOUT(mx, shared_handle_two_messages, 120)
{
	mx_handle_t d[2], sh[2], own[2][2], got[2];
	struct pair_sender s[2];
	pthread_barrier_t go;
	pthread_t t[2];
	int round, k, w;
	uint32_t nb, nh;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(d, 0));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	for (round = 0; round < SEND_ROUNDS; round++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(sh, 0));
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(NO_ERROR, mx_msgpipe_create(own[k], 0));
			s[k] = (struct pair_sender){ .dest = d[0],
				.hs = { sh[1], own[k][1] }, .go = &go };
			ASSERT_EQ(0, pthread_create(&t[k], NULL, send_pair,
						    &s[k]));
		}
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		ASSERT_EQ(1, (s[0].r == NO_ERROR) + (s[1].r == NO_ERROR));
		w = s[1].r == NO_ERROR;
		ASSERT_EQ(ERR_INVALID_ARGS, s[!w].r);
		/* The loser's own handle never left. */
		ASSERT_TRUE(mx_is_valid(own[!w][1]));
		ASSERT_FALSE(mx_is_valid(own[w][1]));
		ASSERT_FALSE(mx_is_valid(sh[1]));
		nb = 0;
		nh = 2;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_read(d[1], NULL, &nb, got, &nh,
						    0));
		ASSERT_EQ(2u, nh);
		ASSERT_EQ(ERR_BAD_STATE, mx_msgpipe_read(d[1], NULL, &nb, got,
							 &nh, 0));
		ASSERT_EQ(NO_ERROR, mx_handle_close(got[0]));
		ASSERT_EQ(NO_ERROR, mx_handle_close(got[1]));
		ASSERT_EQ(NO_ERROR, mx_handle_close(own[!w][1]));
		ASSERT_EQ(NO_ERROR, mx_handle_close(own[0][0]));
		ASSERT_EQ(NO_ERROR, mx_handle_close(own[1][0]));
		ASSERT_EQ(NO_ERROR, mx_handle_close(sh[0]));
	}
	pthread_barrier_destroy(&go);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[1]));
}

struct send_vs_close {
	mx_handle_t dest;	/* where the sender writes */
	mx_handle_t h;		/* the handle raced */
	mx_status_t r[2];	/* write's status, close's status */
	pthread_barrier_t *go;	/* both threads start together */
};

static void *svc_send(void *arg)
{
	struct send_vs_close *s = arg;

	pthread_barrier_wait(s->go);
	s->r[0] = mx_write_u32(s->dest, 0, &s->h, 1);
	return NULL;
}

static void *svc_close(void *arg)
{
	struct send_vs_close *s = arg;

	pthread_barrier_wait(s->go);
	s->r[1] = mx_handle_close(s->h);
	return NULL;
}

/* A write carrying a handle races its close: exactly one of them wins. */
TEST_F_TIMEOUT(mx, send_races_close, 120)
{
	struct send_vs_close s;
	mx_handle_t d[2], x[2], got;
	pthread_barrier_t go;
	pthread_t t[2];
	uint32_t v, nh;
	int round, sent = 0;

	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(d, 0));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	for (round = 0; round < SEND_ROUNDS; round++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(x, 0));
		s = (struct send_vs_close){ .dest = d[0], .h = x[1],
					    .go = &go };
		ASSERT_EQ(0, pthread_create(&t[0], NULL, svc_send, &s));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, svc_close, &s));
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		if (s.r[0] == NO_ERROR) {
			/* Sent: the close found nothing, the end lives on. */
			ASSERT_EQ(ERR_INVALID_ARGS, s.r[1]);
			ASSERT_FALSE(mx_is_peer_closed(x[0]));
			ASSERT_EQ(NO_ERROR,
				  mx_read_u32(d[1], &v, &got, 1, &nh));
			ASSERT_EQ(1u, nh);
			ASSERT_EQ(NO_ERROR, mx_handle_close(got));
			sent++;
		} else {
			/* Closed first: the write found no such handle. */
			ASSERT_EQ(ERR_INVALID_ARGS, s.r[0]);
			ASSERT_EQ(NO_ERROR, s.r[1]);
			ASSERT_TRUE(mx_is_peer_closed(x[0]));
		}
		ASSERT_EQ(ERR_BAD_STATE, mx_read_u32(d[1], &v, NULL, 0, NULL));
		ASSERT_EQ(NO_ERROR, mx_handle_close(x[0]));
	}
	TH_LOG("the write won %d of %d rounds", sent, SEND_ROUNDS);
	pthread_barrier_destroy(&go);
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(d[1]));
}

/* ---- a process killed mid-traffic ----------------------------------------- */

struct doomed {
	mx_handle_t out;	/* busy writer: pipe end toward the parent */
	mx_handle_t idle;	/* waiter: an end nobody ever writes to */
	int ready;		/* busy writer: write end of a pipe(2) */
};

/*
 * Write forever through d->out, each message carrying a new pipe's far
 * end; the near ends of the first ones are kept. Says "ready" after
 * DOOMED_WRITES messages. Only SIGKILL ends it.
 */
static void *doomed_writer(void *arg)
{
	struct doomed *d = arg;
	mx_handle_t y[2];
	uint32_t n = 0;

	for (;;) {
		if (mx_msgpipe_create(y, 0) != NO_ERROR)
			continue;
		if (mx_write_u32(d->out, n, &y[1], 1) != NO_ERROR) {
			mx_handle_close(y[1]);
			mx_handle_close(y[0]);
			continue;
		}
		if (++n > 64)
			mx_handle_close(y[0]);
		if (n == DOOMED_WRITES && write(d->ready, "r", 1) != 1)
			_exit(5);
	}
	return NULL;
}

static void *doomed_waiter(void *arg)
{
	struct doomed *d = arg;

	mx_handle_wait_one(d->idle, MX_SIGNAL_READABLE, MX_TIME_INFINITE,
			   NULL);
	_exit(6);	/* never: nobody writes to it */
}

/*
 * The doomed child: sends the parent a bootstrap pipe and, through it, the
 * far ends of two pipes; one thread writes into the first without pause,
 * one waits forever on the second. Returns only on a failure.
 */
static int doomed_child(int sock)
{
	mx_handle_t boot[2], x[2], z[2], u[2], v[2];
	struct doomed d;
	pthread_t t;
	int rp[2], fd;
	char c;

	if (pipe(rp) || mx_msgpipe_create(boot, 0) ||
	    mx_handle_export(boot[1], MX_EXPORT_CLOEXEC, &fd) ||
	    mx_send_fd(sock, fd))
		return 1;
	close(fd);
	if (mx_msgpipe_create(x, 0) || mx_msgpipe_create(z, 0) ||
	    mx_write_u32(boot[0], 0, &x[1], 1) ||
	    mx_write_u32(boot[0], 1, &z[1], 1))
		return 2;
	/* Some nesting of its own: v[1] queued for u[1]. */
	if (mx_msgpipe_create(u, 0) || mx_msgpipe_create(v, 0) ||
	    mx_write_u32(u[0], 0, &v[1], 1))
		return 3;
	d = (struct doomed){ .out = x[0], .idle = z[0], .ready = rp[1] };
	if (pthread_create(&t, NULL, doomed_waiter, &d) ||
	    pthread_create(&t, NULL, doomed_writer, &d))
		return 4;
	if (read(rp[0], &c, 1) != 1 || write(sock, "r", 1) != 1)
		return 7;
	for (;;)
		pause();
}

/*
 * FIXTURE(doomed): a child process busy with pipes, to be SIGKILLed.
 */
FIXTURE(doomed) {
	struct mx_stats base;	/* counters before the child existed */
	pid_t pid;		/* the child, or 0 once reaped */
	int sock;		/* our end of the socketpair to the child */
};

FIXTURE_SETUP(doomed)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	self->pid = mx_fork_socket(SOCK_STREAM, doomed_child, &self->sock);
	ASSERT_LE(0, self->pid);
}

FIXTURE_TEARDOWN(doomed)
{
	close(self->sock);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		mx_wait_child(self->pid);
	}
	EXPECT_STATS_EQ(&self->base);
}

/* Wait (boundedly) until a counter reaches @want; its last value. */
static long stat_wait_for(const char *name, long want)
{
	struct timespec ms = { 0, 1000000 };
	long v = mx_stat_read(name);
	int i;

	for (i = 0; i < 20000 && v < want; i++) {
		nanosleep(&ms, NULL);
		v = mx_stat_read(name);
	}
	return v;
}

/* Receive the two far ends the doomed child sends through @boot. */
static int doomed_receive(mx_handle_t boot, mx_handle_t *x, mx_handle_t *z)
{
	mx_handle_t *dst[2] = { x, z };
	uint32_t v, nh, i;

	for (i = 0; i < 2; i++) {
		if (mx_handle_wait_one(boot, MX_SIGNAL_READABLE,
				       MX_TIME_INFINITE, NULL) != NO_ERROR ||
		    mx_read_u32(boot, &v, dst[i], 1, &nh) != NO_ERROR ||
		    v != i || nh != 1)
			return -1;
	}
	return 0;
}

/*
 * SIGKILL a process while one of its threads writes messages carrying
 * handles and another is blocked in a wait: every end it held closes,
 * its blocked wait is gone, and its messages stay readable.
 */
TEST_F_TIMEOUT(doomed, sigkill_mid_traffic, 120)
{
	mx_handle_t boot, x, z, got;
	uint32_t v, nh;
	char c;
	int fd;

	fd = mx_recv_fd(self->sock);
	ASSERT_LE(0, fd);
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &boot));
	EXPECT_EQ(0, close(fd));
	ASSERT_EQ(0, doomed_receive(boot, &x, &z));
	ASSERT_EQ(1, read(self->sock, &c, 1));
	ASSERT_EQ(self->base.waiters + 1,
		  stat_wait_for("waiters", self->base.waiters + 1));

	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, mx_wait_child(self->pid));
	self->pid = 0;

	EXPECT_EQ(self->base.waiters, mx_stat_read("waiters"));
	EXPECT_EQ(self->base.handles + 3, mx_stat_read("handles"));
	EXPECT_EQ(self->base.xfers, mx_stat_read("xfers"));
	EXPECT_TRUE(mx_is_peer_closed(boot));
	EXPECT_TRUE(mx_is_peer_closed(z));
	EXPECT_TRUE(mx_is_peer_closed(x));
	/* What it wrote is still there, in order, with its handles. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(x, &v, &got, 1, &nh));
	EXPECT_EQ(0u, v);
	ASSERT_EQ(1u, nh);
	EXPECT_TRUE(mx_is_peer_closed(got));
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));
	ASSERT_EQ(NO_ERROR, mx_read_u32(x, &v, &got, 1, &nh));
	EXPECT_EQ(1u, v);
	EXPECT_EQ(NO_ERROR, mx_handle_close(got));

	/* Closing x destroys the rest of its queue and every pipe in it. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(x));
	EXPECT_EQ(self->base.messages, mx_stat_read("messages"));
	EXPECT_EQ(self->base.endpoints + 4, mx_stat_read("endpoints"));
	EXPECT_EQ(NO_ERROR, mx_handle_close(z));
	EXPECT_EQ(NO_ERROR, mx_handle_close(boot));
}

/* ---- many processes ---------------------------------------------------- */

/* One iteration: a pipe carrying another pipe's end, both used, closed. */
static int crowd_step(uint32_t i)
{
	mx_handle_t p[2], q[2], got;
	uint32_t v, nh;

	if (mx_msgpipe_create(p, 0) || mx_msgpipe_create(q, 0))
		return 1;
	if (mx_write_u32(p[0], i, &q[1], 1) ||
	    mx_read_u32(p[1], &v, &got, 1, &nh) || v != i || nh != 1)
		return 2;
	if (mx_write_u32(got, ~i, NULL, 0) ||
	    mx_read_u32(q[0], &v, NULL, 0, NULL) || v != ~i)
		return 3;
	/* Every third time, leave a message for the closing to destroy. */
	if (i % 3 == 0 && mx_write_u32(p[1], i, NULL, 0))
		return 4;
	if (mx_handle_close(p[0]) || mx_handle_close(p[1]) ||
	    mx_handle_close(q[0]) || mx_handle_close(got))
		return 5;
	return 0;
}

/* A crowd member: wait for the start, loop, exit holding one last pipe. */
static int crowd_member(int start)
{
	mx_handle_t last[2];
	uint32_t i;
	int r;
	char c;

	if (read(start, &c, 1) != 0)
		return 10;
	for (i = 0; i < CROWD_LOOPS; i++) {
		r = crowd_step(i);
		if (r)
			return r;
	}
	if (mx_msgpipe_create(last, 0) || mx_write_u32(last[0], 1, NULL, 0))
		return 11;
	return 0;
}

/*
 * FIXTURE(crowd): CROWD child processes, started together.
 */
FIXTURE(crowd) {
	struct mx_stats base;	/* counters before the children existed */
	pid_t pid[CROWD];	/* the children, 0 once reaped */
	int start;		/* closing this write end starts them */
};

FIXTURE_SETUP(crowd)
{
	int fds[2], i;

	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	ASSERT_EQ(0, pipe(fds));
	for (i = 0; i < CROWD; i++) {
		self->pid[i] = fork();
		ASSERT_LE(0, self->pid[i]);
		if (self->pid[i] == 0) {
			close(fds[1]);
			_exit(crowd_member(fds[0]));
		}
	}
	close(fds[0]);
	self->start = fds[1];
}

FIXTURE_TEARDOWN(crowd)
{
	int i;

	if (self->start >= 0)
		close(self->start);
	for (i = 0; i < CROWD; i++) {
		if (self->pid[i] > 0) {
			kill(self->pid[i], SIGKILL);
			mx_wait_child(self->pid[i]);
		}
	}
	EXPECT_STATS_EQ(&self->base);
}

/* CROWD processes create, write, read and close at once. */
TEST_F_TIMEOUT(crowd, many_processes, 180)
{
	int i;

	EXPECT_EQ(0, close(self->start));
	self->start = -1;
	for (i = 0; i < CROWD; i++) {
		EXPECT_EQ(0, mx_wait_child(self->pid[i]));
		self->pid[i] = 0;
	}
}

TEST_HARNESS_MAIN
