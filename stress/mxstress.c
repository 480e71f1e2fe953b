// SPDX-License-Identifier: GPL-2.0
/*
 * mxstress: many processes and threads hammering message pipes, with
 * processes killed (SIGKILL) at random moments and restarted.
 *
 *   mxstress [-d SECONDS] [-w WORKERS] [-t THREADS] [-k KILL_MS] [-s SEED]
 *
 * Each worker process runs THREADS threads doing random operations on a
 * shared pool of its handles: create pipes, write messages (carrying 0-2
 * handles), read them, wait_one and wait_many with small timeouts, close,
 * replace (sometimes dropping a right), duplicate, self-echo checks, and
 * transfers to other workers through the bootstrap (mx_handle_export, the
 * fd sent with SCM_RIGHTS over a datagram socketpair, mx_handle_import).
 * The parent kills a random worker every KILL_MS on average and starts a
 * new one in its place.
 *
 * Events share the pool with the endpoints: threads create them, duplicate
 * them with fewer rights, signal them (SIGNAL0..3) and wait on them, alone
 * and among endpoints in wait_many; they travel in messages beside
 * endpoints and through the bootstrap to other workers. A partner thread
 * in each worker closes a duplicate while another thread waits on it and
 * on the original, and sets a signal on a private event that a thread is
 * waiting for.
 *
 * Wait sets: each worker has one, shared by its threads, whose entries
 * (added and removed by threads) watch pool handles while other threads
 * wait in it; threads also make private wait sets that the partner acts
 * on during a wait.
 *
 * IO ports: each worker has a shared port whose packets two waiter threads
 * take while the other threads queue USER packets into it, bind private
 * events and pipe ends to it (then signal, write, and close them, which
 * unbinds them, their packets queued or not), make private ports that a
 * short-lived thread waits in while they queue a packet or close the port
 * under it, and sit in poll()/epoll_wait() on the shared port's poll
 * descriptor and on a private wait set's while it is signalled or closed.
 *
 * Checks:
 *  - every call returns a status the contract allows for the handle's
 *    rights and the situation (e.g. close of an owned handle: NO_ERROR; a
 *    closed or replaced value: ERR_INVALID_ARGS; a second import of the
 *    same fd: ERR_BAD_STATE; a read after ERR_NOT_ENOUGH_BUFFER returns
 *    that message);
 *  - messages: every write takes a unique id from a shared ledger, marked
 *    "attempted" before the call and "failed" if the call fails. A reader
 *    checks the payload and marks the id "received": an id received twice,
 *    an id never attempted, or an id both received and failed is a
 *    violation. Messages written and never read were destroyed with their
 *    pipes (or by a kill); the module's `messages` counter proves it;
 *  - events: create, signal, wait, duplicate give the results their rights
 *    and the object's type allow (ERR_NOT_SUPPORTED for a pipe's signals,
 *    ERR_WRONG_TYPE for a pipe call on an event); a wait on an event never
 *    gives ERR_BAD_STATE for a user signal and reports satisfiable =
 *    SIGNAL_ALL; SIGNAL4 is never set, so it never satisfies a wait; the
 *    partner's close of a duplicate ends the wait on the duplicate
 *    (ERR_HANDLE_CLOSED, index 1), never the one on the original; a signal
 *    the partner sets wakes the waiter with it satisfied; a handle received
 *    in a message or imported has the type, rights and koid it was sent with;
 *  - wait sets: each worker's shared wait set watches pool handles that
 *    the other threads close, replace, send, signal, write and read while
 *    threads wait in it; add and remove give NO_ERROR, ERR_ALREADY_EXISTS,
 *    ERR_NOT_FOUND or ERR_ACCESS_DENIED exactly as the entries (kept
 *    under a lock) say; every result is one of the three, with a state
 *    that agrees (its signals ride in the cookie; zero for ERR_CANCELLED),
 *    each cookie at most once per wait, num_results = min(room,
 *    max_results). A private wait set over an event and a duplicate: the
 *    partner signals through the duplicate and closes it while we wait
 *    (the signal, then ERR_CANCELLED, are reported; after a remove, the
 *    signal alone, still), or closes the wait set itself (the wait ends
 *    with ERR_HANDLE_CLOSED); a wait set cannot be duplicated, sent, waited
 *    on or put in a wait set;
 *  - ports: every USER packet has a ledger id and a payload derived from
 *    it: one taken twice, never queued, or whose queue failed is a
 *    violation, and a worker that ends normally (STOP packets queued
 *    behind everything) must have had every packet it queued taken; IOSN
 *    packets carry a binding's key and non-zero signals; a thread waiting
 *    in a private port gets the packet queued, or ERR_HANDLE_CLOSED when
 *    the port is closed (ERR_INVALID_ARGS if it came too late to look it
 *    up); poll descriptors report POLLIN (a packet, a signalled entry) or
 *    POLLHUP (closed) and nothing else;
 *  - no deadlock: every thread beats a heartbeat; a worker whose threads
 *    stop beating for 30 s, a killed worker that does not die, or a run that
 *    does not end within its bound fails the run;
 *  - when every worker is gone, the module's live-object counters are back
 *    to their starting values.
 * One summary line with the duration and the operation counts; exit 0 when
 * every check held, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <magenta/syscalls.h>

#include "mxfuzz_common.h"

#define MAX_WORKERS	8
#define MAX_THREADS	8
#define POOL		24
#define MAX_CARRY	2
#define MAXMSG		(1u << 22)	/* ledger size: message ids */
#define MSG_MAGIC	0x4d584d53u
#define XFER_MAGIC	0x58464552u
#define STALL_NS	(30 * 1000000000ull)
#define END_BOUND_NS	(60 * 1000000000ull)
#define RW_RIGHTS	(MX_RIGHT_READ | MX_RIGHT_WRITE | MX_RIGHT_TRANSFER)
#define EV_RIGHTS	(MX_RIGHT_DUPLICATE | RW_RIGHTS)
/* The user signals threads set; SIGNAL4 is never set by anyone. */
#define EV_SIGNALS	(MX_SIGNAL_SIGNAL0 | MX_SIGNAL_SIGNAL1 | \
			 MX_SIGNAL_SIGNAL2 | MX_SIGNAL_SIGNAL3)
#define EV_NEVER	MX_SIGNAL_SIGNAL4

enum op {
	OP_CREATE, OP_WRITE, OP_READ, OP_WAIT_ONE, OP_WAIT_MANY, OP_CLOSE,
	OP_REPLACE, OP_SEND, OP_RECV, OP_ECHO, OP_FLOOD, OP_EV_CREATE,
	OP_EV_SIGNAL, OP_EV_WAIT, OP_EV_DUPWAIT, OP_EV_PINGPONG, OP_WS_EDIT,
	OP_WS_WAIT, OP_WS_PARTNER, OP_PT_QUEUE, OP_PT_BIND, OP_PT_PRIVATE,
	OP_PT_POLL, OP_PT_WSPOLL, NOPS
};
static const char *const op_names[NOPS] = {
	"create", "write", "read", "wait_one", "wait_many", "close",
	"replace", "send", "recv", "echo", "flood", "ev_create",
	"ev_signal", "ev_wait", "ev_dupwait", "ev_pingpong", "ws_edit",
	"ws_wait", "ws_partner", "pt_queue", "pt_bind", "pt_private", "pt_poll",
	"pt_wspoll",
};
/* Weights of the operations (brake: no create, no handles in writes). */
static const unsigned int op_weight[NOPS] = {
	8, 22, 24, 8, 5, 6, 4, 6, 8, 2, 2, 3,
	5, 5, 2, 2, 5,
	4, 2, 8, 4, 2, 3, 1,
};

/* What a pool entry names. */
enum kind { K_PIPE, K_EVENT, K_ANY };


struct slot {
	atomic_int pid;
	atomic_int incarnation;
	atomic_long beat[MAX_THREADS];
	atomic_int cur_op[MAX_THREADS];
};

struct shared {
	atomic_int stop;
	atomic_int brake;
	atomic_int failed;
	atomic_flag fail_lock;
	char fail_msg[1024];
	atomic_long ops[NOPS];
	atomic_long w_ok, w_bad_state, w_no_mem, w_denied;
	atomic_long r_ok, r_empty, r_closed, r_small;
	atomic_long handles_sent, handles_received;
	atomic_long xfer_sent, xfer_dropped, xfer_imported;
	atomic_long timed_out, handle_closed;
	atomic_long ev_created, ev_signals, ev_waits_ok, ev_waits_timed_out,
		    ev_dup_closed, ev_partner_early, ev_partner_late,
		    ev_pingpongs, ev_sent,
		    ev_received, wrong_type;
	atomic_long ws_adds, ws_removes, ws_waits_ok, ws_timed_out,
		    ws_cancelled, ws_partner, ws_closed_while_waited;
	atomic_long pt_iosn, pt_binds, pt_closed_under, pt_polls, pt_ws_polls;
	atomic_uint pt_next_id;
	atomic_uint_least64_t pt_attempted[MAXMSG / 64];
	atomic_uint_least64_t pt_failed[MAXMSG / 64];
	atomic_uint_least64_t pt_taken[MAXMSG / 64];
	atomic_uint next_id;
	atomic_uint_least64_t attempted[MAXMSG / 64];
	atomic_uint_least64_t failed_ids[MAXMSG / 64];
	atomic_uint_least64_t received[MAXMSG / 64];
};

struct hdr {
	uint32_t magic;
	uint32_t id;
	uint32_t len;		/* whole message, header included */
	uint32_t nh;
	uint32_t rights[MAX_CARRY];
	uint32_t kind[MAX_CARRY];
	uint64_t koid[MAX_CARRY];
	uint32_t sum;
	uint32_t pad;
};

struct entry {
	mx_handle_t h;		/* 0: free */
	mx_rights_t rights;
	uint8_t kind;		/* K_PIPE or K_EVENT */
	bool busy;
};

static struct shared *sh;
static int nworkers = 4, nthreads = 3;
static uint64_t seed;
static int inbox_rx[MAX_WORKERS], inbox_tx[MAX_WORKERS];

/* Per worker process. */
static int my_slot;
static struct entry pool[POOL];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

struct thread {
	int idx;
	struct mxf_rng rng;
	pthread_t tid;
	unsigned char *buf;	/* MX_MAX_MSG_BYTES */
};

#define now_ns()	mxf_now_ns()
#define mix64(x)	mxf_mix64(x)

static uint32_t rn(struct thread *th, uint32_t n)
{
	return mxf_rn(&th->rng, n);
}

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	va_list ap;
	bool first;

	va_start(ap, fmt);
	first = mxf_first_failure(&sh->fail_lock, sh->fail_msg,
				  sizeof(sh->fail_msg), fmt, ap);
	va_end(ap);
	if (first)
		printf("mxstress: VIOLATION: %s\n", sh->fail_msg);
	atomic_store(&sh->failed, 1);
}

#define EXPECT(cond, ...) do { if (!(cond)) violation(__VA_ARGS__); } while (0)

static const char *st(mx_status_t s)
{
	return mx_status_get_string(s);
}

/* ---- the ledger --------------------------------------------------------- */

static bool bit_set(atomic_uint_least64_t *map, uint32_t id)
{
	uint64_t b = 1ull << (id & 63);

	return atomic_fetch_or(&map[id / 64], b) & b;
}

static bool bit_test(atomic_uint_least64_t *map, uint32_t id)
{
	return atomic_load(&map[id / 64]) & (1ull << (id & 63));
}

static uint32_t payload_sum(uint32_t id, const unsigned char *p, uint32_t n)
{
	uint32_t s = id * 2654435761u;
	uint32_t i;

	for (i = 0; i < n; i++)
		s = (s ^ p[i]) * 16777619u;
	return s;
}

static void fill_payload(unsigned char *p, uint32_t id, uint32_t n)
{
	uint32_t i, x = id * 2246822519u + 1;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (unsigned char)(x >> 16);
	}
}

/* ---- the pool of this process's handles --------------------------------- */

/* Take a free entry of @kind (K_ANY: either) for this thread, or -1. */
static int pool_take_kind(struct thread *th, int kind)
{
	int i, start = (int)rn(th, POOL), k;

	pthread_mutex_lock(&pool_lock);
	for (k = 0; k < POOL; k++) {
		i = (start + k) % POOL;
		if (pool[i].h && !pool[i].busy &&
		    (kind == K_ANY || pool[i].kind == kind)) {
			pool[i].busy = true;
			pthread_mutex_unlock(&pool_lock);
			return i;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return -1;
}

static int pool_take(struct thread *th)
{
	return pool_take_kind(th, K_ANY);
}

static void pool_put(int i)
{
	pthread_mutex_lock(&pool_lock);
	pool[i].busy = false;
	pthread_mutex_unlock(&pool_lock);
}

static void pool_drop(int i)
{
	pthread_mutex_lock(&pool_lock);
	pool[i].h = 0;
	pool[i].busy = false;
	pthread_mutex_unlock(&pool_lock);
}

/* Add a handle; if the pool is full, close it (which must work). */
static void pool_add(mx_handle_t h, mx_rights_t rights, int kind)
{
	mx_status_t s;
	int i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL; i++)
		if (!pool[i].h) {
			pool[i].h = h;
			pool[i].rights = rights;
			pool[i].kind = (uint8_t)kind;
			pool[i].busy = false;
			pthread_mutex_unlock(&pool_lock);
			return;
		}
	pthread_mutex_unlock(&pool_lock);
	s = mx_handle_close(h);
	EXPECT(s == NO_ERROR, "close of a surplus handle %d: %s", h, st(s));
}

static int pool_count(void)
{
	int i, n = 0;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL; i++)
		n += pool[i].h != 0;
	pthread_mutex_unlock(&pool_lock);
	return n;
}

/* A closed or replaced value must stay invalid. */
static void expect_stale(mx_handle_t h, const char *what)
{
	mx_status_t s = mx_handle_wait_one(h, MX_SIGNAL_READABLE, 0, NULL);

	EXPECT(s == ERR_INVALID_ARGS, "handle %d after %s: wait_one gave %s",
	       h, what, st(s));
}

/* The koid of @h, checking what get_info says of its type and rights. */
static mx_koid_t info_of(mx_handle_t h, int kind, mx_rights_t rights,
			 const char *what)
{
	mx_handle_basic_info_t bi;
	mx_ssize_t n;

	memset(&bi, 0xa5, sizeof(bi));
	n = mx_handle_get_info(h, MX_INFO_HANDLE_BASIC, &bi, sizeof(bi));
	if (n != (mx_ssize_t)sizeof(bi)) {
		violation("%s: get_info of handle %d: %s", what, h,
			  n < 0 ? st((mx_status_t)n) : "a short record");
		return 0;
	}
	EXPECT(bi.koid != MX_KOID_INVALID && bi.rights == rights &&
	       bi.type == (kind == K_EVENT ? MX_OBJ_TYPE_EVENT :
			   MX_OBJ_TYPE_MESSAGE_PIPE) &&
	       bi.props == MX_OBJ_PROP_WAITABLE,
	       "%s: get_info of handle %d: koid %#llx rights %#x type %u props %u, want rights %#x type %u",
	       what, h, (unsigned long long)bi.koid, bi.rights, bi.type,
	       bi.props, rights,
	       kind == K_EVENT ? MX_OBJ_TYPE_EVENT : MX_OBJ_TYPE_MESSAGE_PIPE);
	return bi.koid;
}

/* ---- operations ----------------------------------------------------------- */

static void op_create(struct thread *th)
{
	mx_handle_t h[2];
	mx_status_t s;

	(void)th;
	if (atomic_load(&sh->brake) || pool_count() > POOL - 2)
		return;
	s = mx_msgpipe_create(h, 0);
	if (s == ERR_NO_MEMORY)
		return;
	EXPECT(s == NO_ERROR, "create: %s", st(s));
	if (s != NO_ERROR)
		return;
	pool_add(h[0], RW_RIGHTS, K_PIPE);
	pool_add(h[1], RW_RIGHTS, K_PIPE);
}

static uint32_t pick_len(struct thread *th)
{
	uint32_t r = rn(th, 100);

	if (r < 70)
		return rn(th, 256);
	if (r < 97)
		return rn(th, 4096);
	return rn(th, 32768);
}

static void op_write(struct thread *th)
{
	int e = pool_take_kind(th, K_PIPE), c[MAX_CARRY], nc = 0, i;
	unsigned char *p = th->buf;
	struct hdr *hd = (struct hdr *)p;
	mx_handle_t hs[MAX_CARRY];
	bool denied = false;
	mx_status_t s;
	uint32_t id, len;

	if (e < 0)
		return;
	if (!atomic_load(&sh->brake))
		nc = (int)rn(th, MAX_CARRY + 1);
	for (i = 0; i < nc; i++) {
		c[i] = pool_take(th);
		if (c[i] < 0)
			break;
		hs[i] = pool[c[i]].h;
		hd->rights[i] = pool[c[i]].rights;
		hd->kind[i] = pool[c[i]].kind;
		/* The reader checks that the same object arrives. */
		hd->koid[i] = info_of(hs[i], pool[c[i]].kind, pool[c[i]].rights,
				      "write");
		if (!(pool[c[i]].rights & MX_RIGHT_TRANSFER))
			denied = true;
	}
	nc = i;
	id = atomic_fetch_add(&sh->next_id, 1);
	if (id >= MAXMSG)
		goto out;
	len = sizeof(*hd) + pick_len(th);
	fill_payload(p + sizeof(*hd), id, len - (uint32_t)sizeof(*hd));
	hd->magic = MSG_MAGIC;
	hd->id = id;
	hd->len = len;
	hd->nh = (uint32_t)nc;
	hd->sum = payload_sum(id, p + sizeof(*hd), len - (uint32_t)sizeof(*hd));
	bit_set(sh->attempted, id);
	s = mx_msgpipe_write(pool[e].h, p, len, hs, (uint32_t)nc, 0);
	if (s != NO_ERROR)
		bit_set(sh->failed_ids, id);
	if (!(pool[e].rights & MX_RIGHT_WRITE) || denied) {
		EXPECT(s == ERR_ACCESS_DENIED, "write without a right: %s", st(s));
		atomic_fetch_add(&sh->w_denied, 1);
	} else if (s == NO_ERROR) {
		atomic_fetch_add(&sh->w_ok, 1);
		atomic_fetch_add(&sh->handles_sent, nc);
		for (i = 0; i < nc; i++) {
			if (pool[c[i]].kind == K_EVENT)
				atomic_fetch_add(&sh->ev_sent, 1);
			pool_drop(c[i]);
		}
		nc = 0;
	} else if (s == ERR_BAD_STATE) {
		atomic_fetch_add(&sh->w_bad_state, 1);
	} else if (s == ERR_NO_MEMORY) {
		atomic_fetch_add(&sh->w_no_mem, 1);
	} else {
		violation("write of %u bytes, %d handles: %s", len, nc, st(s));
	}
out:
	for (i = 0; i < nc; i++)
		pool_put(c[i]);
	pool_put(e);
}

/* Check a message just read and take its handles. */
static void took_message(const unsigned char *p, uint32_t nb,
			 const mx_handle_t *hs, uint32_t nh)
{
	const struct hdr *hd = (const struct hdr *)p;
	uint32_t i;

	atomic_fetch_add(&sh->r_ok, 1);
	if (nb < sizeof(*hd) || hd->magic != MSG_MAGIC || hd->len != nb ||
	    hd->id >= MAXMSG || hd->nh != nh ||
	    hd->sum != payload_sum(hd->id, p + sizeof(*hd), nb - (uint32_t)sizeof(*hd))) {
		violation("corrupt message: %u bytes, %u handles, id %u, nh %u",
			  nb, nh, nb >= sizeof(*hd) ? hd->id : 0,
			  nb >= sizeof(*hd) ? hd->nh : 0);
		return;
	}
	if (!bit_test(sh->attempted, hd->id))
		violation("message %u received but never written", hd->id);
	if (bit_set(sh->received, hd->id))
		violation("message %u received twice", hd->id);
	atomic_fetch_add(&sh->handles_received, nh);
	for (i = 0; i < nh; i++) {
		mx_status_t s = mx_handle_wait_one(hs[i], 0, 0, NULL);
		mx_koid_t k;

		/* valid: READ gives BAD_STATE (no signal asked), else DENIED */
		EXPECT(s == ((hd->rights[i] & MX_RIGHT_READ) ? ERR_BAD_STATE :
			     ERR_ACCESS_DENIED),
		       "received handle %d (rights %#x): wait_one gave %s",
		       hs[i], hd->rights[i], st(s));
		/* The same object, with the rights it was sent with. */
		k = info_of(hs[i], (int)hd->kind[i], hd->rights[i], "received handle");
		EXPECT(!hd->koid[i] || k == hd->koid[i],
		       "message %u: handle %u arrived with koid %#llx, was sent with %#llx",
		       hd->id, i, (unsigned long long)k,
		       (unsigned long long)hd->koid[i]);
		if (hd->kind[i] == K_EVENT)
			atomic_fetch_add(&sh->ev_received, 1);
		pool_add(hs[i], hd->rights[i], (int)hd->kind[i]);
	}
}

static void op_read(struct thread *th)
{
	int e = pool_take_kind(th, K_PIPE);
	mx_handle_t hs[16];
	uint32_t nb, nh, nb2, nh2;
	mx_status_t s;

	if (e < 0)
		return;
	if (!(pool[e].rights & MX_RIGHT_READ)) {
		nb = MX_MAX_MSG_BYTES;
		nh = 16;
		s = mx_msgpipe_read(pool[e].h, th->buf, &nb, hs, &nh, 0);
		EXPECT(s == ERR_ACCESS_DENIED, "read without READ: %s", st(s));
		goto out;
	}
	nb2 = nh2 = 0;
	if (rn(th, 10) == 0) {	/* too small first: the message must stay */
		nb2 = 4;
		s = mx_msgpipe_read(pool[e].h, th->buf, &nb2, hs, &nh2, 0);
		if (s == ERR_NOT_ENOUGH_BUFFER)
			atomic_fetch_add(&sh->r_small, 1);
		else if (s != ERR_BAD_STATE && s != ERR_CHANNEL_CLOSED)
			violation("read with a 4-byte buffer: %s", st(s));
		if (s != ERR_NOT_ENOUGH_BUFFER)
			nb2 = nh2 = 0;
	}
	nb = MX_MAX_MSG_BYTES;
	nh = 16;
	s = mx_msgpipe_read(pool[e].h, th->buf, &nb, hs, &nh, 0);
	if (nb2 && (s != NO_ERROR || nb != nb2 || nh != nh2))
		violation("read after NOT_ENOUGH_BUFFER (%u bytes, %u handles): %s, %u bytes, %u handles",
			  nb2, nh2, st(s), nb, nh);
	if (s == NO_ERROR) {
		took_message(th->buf, nb, hs, nh);
	} else if (s == ERR_BAD_STATE) {
		atomic_fetch_add(&sh->r_empty, 1);
	} else if (s == ERR_CHANNEL_CLOSED) {
		atomic_fetch_add(&sh->r_closed, 1);
		if (rn(th, 4)) {	/* a dead, empty endpoint: let it go */
			s = mx_handle_close(pool[e].h);
			EXPECT(s == NO_ERROR, "close of a dead endpoint: %s", st(s));
			pool_drop(e);
			return;
		}
	} else {
		violation("read: %s", st(s));
	}
out:
	pool_put(e);
}

static void check_state(const mx_signals_state_t *ss, mx_signals_t want,
			mx_status_t s, const char *what)
{
	EXPECT(!(ss->satisfied & ~ss->satisfiable),
	       "%s: satisfied %#x not within satisfiable %#x", what,
	       ss->satisfied, ss->satisfiable);
	EXPECT(!((ss->satisfied & MX_SIGNAL_PEER_CLOSED) &&
		 (ss->satisfiable & MX_SIGNAL_WRITABLE)),
	       "%s: PEER_CLOSED but WRITABLE satisfiable (%#x/%#x)", what,
	       ss->satisfied, ss->satisfiable);
	if (s == NO_ERROR)
		EXPECT(ss->satisfied & want, "%s: NO_ERROR, satisfied %#x", what,
		       ss->satisfied);
	/*
	 * No check for TIMED_OUT: the module samples the state after it
	 * decides, so a message that arrives in between shows as satisfied.
	 */
	if (s == ERR_BAD_STATE)
		EXPECT(!(ss->satisfiable & want),
		       "%s: BAD_STATE, satisfiable %#x", what, ss->satisfiable);
}

static void op_wait_one(struct thread *th)
{
	mx_signals_t want = rn(th, 2) ? MX_SIGNAL_READABLE :
			    MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED;
	int e = pool_take(th);
	mx_signals_state_t ss = { 0, 0 };
	mx_status_t s;

	if (e < 0)
		return;
	s = mx_handle_wait_one(pool[e].h, want, rn(th, 2000000), &ss);
	if (!(pool[e].rights & MX_RIGHT_READ)) {
		EXPECT(s == ERR_ACCESS_DENIED, "wait_one without READ: %s", st(s));
	} else if (pool[e].kind == K_EVENT) {
		/* Pipe signals never apply to an event. */
		EXPECT(s == ERR_BAD_STATE && ss.satisfiable == MX_SIGNAL_SIGNAL_ALL &&
		       !(ss.satisfied & ~EV_SIGNALS),
		       "wait_one for pipe signals on an event: %s, state %#x/%#x",
		       st(s), ss.satisfied, ss.satisfiable);
	} else if (s == NO_ERROR || s == ERR_TIMED_OUT || s == ERR_BAD_STATE) {
		check_state(&ss, want, s, "wait_one");
		if (s == ERR_TIMED_OUT)
			atomic_fetch_add(&sh->timed_out, 1);
	} else {
		violation("wait_one: %s", st(s));
	}
	pool_put(e);
}

/* Waits on values that other threads may close or move meanwhile. */
static void op_wait_many(struct thread *th)
{
	mx_handle_t hs[8];
	mx_signals_t sig[8];
	mx_signals_state_t ss[8];
	uint32_t n = 0, idx = ~0u, i;
	mx_status_t s;

	bool ev[8];

	pthread_mutex_lock(&pool_lock);
	for (i = rn(th, POOL); n < 8 && i < POOL; i++)
		if (pool[i].h && (pool[i].rights & MX_RIGHT_READ)) {
			ev[n] = pool[i].kind == K_EVENT;
			hs[n] = pool[i].h;
			/* Events: a user signal; never ERR_BAD_STATE then. */
			sig[n] = ev[n] ? MX_SIGNAL_SIGNAL0 << rn(th, 5) :
				 MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED;
			n++;
		}
	pthread_mutex_unlock(&pool_lock);
	s = mx_handle_wait_many(n, hs, sig, rn(th, 1000000), &idx, ss);
	if (s == ERR_HANDLE_CLOSED)
		atomic_fetch_add(&sh->handle_closed, 1);
	if (s == ERR_TIMED_OUT)
		atomic_fetch_add(&sh->timed_out, 1);
	if (s == NO_ERROR || s == ERR_BAD_STATE || s == ERR_HANDLE_CLOSED)
		EXPECT(idx < n, "wait_many: %s with index %u of %u", st(s), idx, n);
	if (s == ERR_BAD_STATE && idx < n)	/* NO_ERROR: others may read */
		check_state(&ss[idx], sig[idx], s, "wait_many");
	/*
	 * An event ends it only by a signal set (not the one nobody sets);
	 * its state is read after, and another thread may have cleared it.
	 */
	if ((s == NO_ERROR || s == ERR_BAD_STATE) && idx < n && ev[idx])
		EXPECT(s == NO_ERROR && !(sig[idx] & EV_NEVER) &&
		       ss[idx].satisfiable == MX_SIGNAL_SIGNAL_ALL &&
		       !(ss[idx].satisfied & ~EV_SIGNALS),
		       "wait_many: %s at an event waited on for %#x, state %#x/%#x",
		       st(s), sig[idx], ss[idx].satisfied, ss[idx].satisfiable);
	EXPECT(s == NO_ERROR || s == ERR_TIMED_OUT || s == ERR_BAD_STATE ||
	       s == ERR_HANDLE_CLOSED || s == ERR_INVALID_ARGS,
	       "wait_many over %u: %s", n, st(s));
}

static void op_close(struct thread *th)
{
	int e = pool_take(th);
	mx_handle_t h;
	mx_status_t s;

	if (e < 0)
		return;
	h = pool[e].h;
	s = mx_handle_close(h);
	EXPECT(s == NO_ERROR, "close %d: %s", h, st(s));
	pool_drop(e);
	expect_stale(h, "close");
}

static void op_replace(struct thread *th)
{
	static const mx_rights_t drop[] = {
		MX_RIGHT_READ, MX_RIGHT_WRITE, MX_RIGHT_TRANSFER,
		MX_RIGHT_DUPLICATE,
	};
	int e = pool_take(th);
	mx_rights_t rights;
	mx_handle_t old, nh;

	if (e < 0)
		return;
	old = pool[e].h;
	nh = mx_handle_duplicate(old, MX_RIGHT_SAME_RIGHTS);
	if (pool[e].kind == K_PIPE) {
		EXPECT(nh == ERR_ACCESS_DENIED, "duplicate of a pipe handle: %d", nh);
	} else if (!(pool[e].rights & MX_RIGHT_DUPLICATE)) {
		EXPECT(nh == ERR_ACCESS_DENIED,
		       "duplicate of an event handle without DUPLICATE: %d", nh);
	} else if (nh != ERR_NO_MEMORY) {
		EXPECT(nh > 0, "duplicate of an event handle (rights %#x): %s",
		       pool[e].rights, nh > 0 ? "ok" : st(nh));
		if (nh > 0)	/* another handle to share */
			pool_add(nh, pool[e].rights, K_EVENT);
	}
	rights = pool[e].rights;
	if (rn(th, 4) == 0 && rights != MX_RIGHT_TRANSFER)
		rights &= ~drop[rn(th, pool[e].kind == K_EVENT ? 4 : 3)];
	nh = mx_handle_replace(old, rights == pool[e].rights ?
			       MX_RIGHT_SAME_RIGHTS : rights);
	EXPECT(nh > 0, "replace %d rights %#x: %s", old, rights,
	       nh > 0 ? "ok" : st(nh));
	if (nh > 0) {
		pthread_mutex_lock(&pool_lock);
		pool[e].h = nh;
		pool[e].rights = rights;
		pthread_mutex_unlock(&pool_lock);
		expect_stale(old, "replace");
	}
	pool_put(e);
}

struct xfer_note {
	uint32_t magic;
	uint32_t rights;
	uint32_t kind;
	uint32_t pad;
	uint64_t koid;
};

static void op_send(struct thread *th)
{
	int e = pool_take(th), fd = -1, to;
	mx_koid_t koid;
	struct xfer_note note;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &note, sizeof(note) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	mx_status_t s;

	if (e < 0)
		return;
	koid = info_of(pool[e].h, pool[e].kind, pool[e].rights, "send");
	s = mx_handle_export(pool[e].h, rn(th, 2) ? MX_EXPORT_CLOEXEC : 0, &fd);
	if (!(pool[e].rights & MX_RIGHT_TRANSFER)) {
		EXPECT(s == ERR_ACCESS_DENIED, "export without TRANSFER: %s", st(s));
		pool_put(e);
		return;
	}
	EXPECT(s == NO_ERROR, "export: %s", st(s));
	if (s != NO_ERROR) {
		pool_put(e);
		return;
	}
	note.magic = XFER_MAGIC;
	note.rights = pool[e].rights;
	note.kind = pool[e].kind;
	note.pad = 0;
	note.koid = koid;
	pool_drop(e);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	to = (int)rn(th, (uint32_t)nworkers);
	if (sendmsg(inbox_tx[to], &m, MSG_DONTWAIT) == sizeof(note))
		atomic_fetch_add(&sh->xfer_sent, 1);
	else
		atomic_fetch_add(&sh->xfer_dropped, 1);
	close(fd);	/* in flight or dropped: the handle closes with it */
}

static void op_recv(struct thread *th)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct xfer_note note;
	struct iovec iov = { &note, sizeof(note) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	mx_handle_t h = 0, h2 = 0;
	mx_status_t s;
	int fd;

	(void)th;
	if (recvmsg(inbox_rx[my_slot], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) !=
	    sizeof(note))
		return;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || note.magic != XFER_MAGIC) {
		violation("inbox: a datagram without its fd");
		return;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	s = mx_handle_import(fd, &h);
	EXPECT(s == NO_ERROR && h > 0, "import: %s", st(s));
	s = mx_handle_import(fd, &h2);
	EXPECT(s == ERR_BAD_STATE, "second import of one fd: %s", st(s));
	close(fd);
	if (h > 0) {
		mx_koid_t k = info_of(h, (int)note.kind, note.rights, "import");

		EXPECT(k == note.koid,
		       "import: koid %#llx, the exporter saw %#llx",
		       (unsigned long long)k, (unsigned long long)note.koid);
		atomic_fetch_add(&sh->xfer_imported, 1);
		pool_add(h, note.rights, (int)note.kind);
	}
}

/* A private pipe: what goes in comes out, in order, exactly. */
static void op_echo(struct thread *th)
{
	uint32_t k = 1 + rn(th, 8), i, v, nb, nh;
	mx_handle_t h[2];
	mx_status_t s;

	s = mx_msgpipe_create(h, 0);
	if (s == ERR_NO_MEMORY)
		return;
	EXPECT(s == NO_ERROR, "echo create: %s", st(s));
	if (s != NO_ERROR)
		return;
	for (i = 0; i < k; i++) {
		v = i * 7919u + 1;
		s = mx_msgpipe_write(h[0], &v, sizeof(v), NULL, 0, 0);
		EXPECT(s == NO_ERROR, "echo write %u: %s", i, st(s));
	}
	for (i = 0; i < k; i++) {
		nb = sizeof(v);
		nh = 0;
		v = 0;
		s = mx_msgpipe_read(h[1], &v, &nb, NULL, &nh, 0);
		EXPECT(s == NO_ERROR && nb == sizeof(v) && v == i * 7919u + 1,
		       "echo read %u of %u: %s, %u bytes, value %u", i, k, st(s),
		       nb, v);
	}
	nb = sizeof(v);
	s = mx_msgpipe_read(h[1], &v, &nb, NULL, NULL, 0);
	EXPECT(s == ERR_BAD_STATE, "echo: read of an empty pipe: %s", st(s));
	EXPECT(mx_handle_close(h[0]) == NO_ERROR, "echo close 0");
	nb = sizeof(v);
	s = mx_msgpipe_read(h[1], &v, &nb, NULL, NULL, 0);
	EXPECT(s == ERR_CHANNEL_CLOSED, "echo: read after the peer closed: %s",
	       st(s));
	EXPECT(mx_handle_close(h[1]) == NO_ERROR, "echo close 1");
}

/* Write bytes-only messages to one endpoint until its peer's queue fills. */
static void op_flood(struct thread *th)
{
	int e = pool_take_kind(th, K_PIPE), n;
	struct hdr *hd = (struct hdr *)th->buf;
	mx_status_t s = NO_ERROR;
	uint32_t id, len;

	if (e < 0)
		return;
	if (!(pool[e].rights & MX_RIGHT_WRITE))
		goto out;
	for (n = 0; n < 80 && s == NO_ERROR; n++) {
		id = atomic_fetch_add(&sh->next_id, 1);
		if (id >= MAXMSG)
			break;
		len = sizeof(*hd) + rn(th, 1024);
		fill_payload(th->buf + sizeof(*hd), id, len - (uint32_t)sizeof(*hd));
		hd->magic = MSG_MAGIC;
		hd->id = id;
		hd->len = len;
		hd->nh = 0;
		hd->sum = payload_sum(id, th->buf + sizeof(*hd),
				      len - (uint32_t)sizeof(*hd));
		bit_set(sh->attempted, id);
		s = mx_msgpipe_write(pool[e].h, th->buf, len, NULL, 0, 0);
		if (s != NO_ERROR)
			bit_set(sh->failed_ids, id);
		if (s == NO_ERROR)
			atomic_fetch_add(&sh->w_ok, 1);
		else if (s == ERR_NO_MEMORY)
			atomic_fetch_add(&sh->w_no_mem, 1);
		else if (s == ERR_BAD_STATE)
			atomic_fetch_add(&sh->w_bad_state, 1);
		else
			violation("flood write %d: %s", n, st(s));
	}
out:
	pool_put(e);
}

/* ---- events ------------------------------------------------------------- */

/*
 * The partner thread of a worker: it acts on a handle while the thread
 * that asked waits on it (or on another handle to the same event).
 */
enum { P_IDLE, P_POSTED, P_DONE };
enum { P_CLOSE, P_SET_CLOSE };

struct partner_req {
	int state;
	int what;
	pid_t tid;		/* the thread that asked */
	mx_handle_t h;
	uint32_t bits;
	uint32_t delay_us;
	mx_status_t r_signal, r_close;
};

static struct partner_req preq[MAX_THREADS];
static pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pcv = PTHREAD_COND_INITIALIZER;
static bool partner_quit;

/* Is thread @tid of this process asleep (in its wait, here)? */
static bool thread_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'S';
}

static void *partner_thread(void *arg)
{
	int i;

	(void)arg;
	pthread_mutex_lock(&plock);
	for (;;) {
		struct partner_req *r = NULL;

		for (i = 0; i < nthreads && !r; i++)
			if (preq[i].state == P_POSTED)
				r = &preq[i];
		if (!r) {
			if (partner_quit)
				break;
			pthread_cond_wait(&pcv, &plock);
			continue;
		}
		pthread_mutex_unlock(&plock);
		/* Let the asker reach its wait first (for up to 100 ms). */
		for (i = 0; i < 200 && !thread_sleeping(r->tid); i++)
			usleep(500);
		if (r->delay_us)
			usleep(r->delay_us);
		r->r_signal = NO_ERROR;
		if (r->what == P_SET_CLOSE)
			r->r_signal = mx_object_signal(r->h, 0, r->bits);
		r->r_close = mx_handle_close(r->h);
		pthread_mutex_lock(&plock);
		r->state = P_DONE;
		pthread_cond_broadcast(&pcv);
	}
	pthread_mutex_unlock(&plock);
	return NULL;
}

static void partner_post(struct thread *th, int what, mx_handle_t h,
			 uint32_t bits, uint32_t delay_us)
{
	pthread_mutex_lock(&plock);
	preq[th->idx] = (struct partner_req){
		.state = P_POSTED, .what = what, .tid = (pid_t)syscall(SYS_gettid),
		.h = h, .bits = bits, .delay_us = delay_us,
	};
	pthread_cond_broadcast(&pcv);
	pthread_mutex_unlock(&plock);
}

/* Wait for the partner to finish our request (it always does, soon). */
static struct partner_req partner_done(struct thread *th)
{
	struct partner_req r;

	pthread_mutex_lock(&plock);
	while (preq[th->idx].state != P_DONE)
		pthread_cond_wait(&pcv, &plock);
	r = preq[th->idx];
	preq[th->idx].state = P_IDLE;
	pthread_mutex_unlock(&plock);
	return r;
}

static void op_ev_create(struct thread *th)
{
	mx_handle_t h;

	(void)th;
	if (atomic_load(&sh->brake) || pool_count() > POOL - 4)
		return;
	h = mx_event_create(0);
	if (h == ERR_NO_MEMORY)
		return;
	EXPECT(h > 0, "event_create: %s", h > 0 ? "ok" : st(h));
	if (h <= 0)
		return;
	atomic_fetch_add(&sh->ev_created, 1);
	info_of(h, K_EVENT, EV_RIGHTS, "event_create");
	if (rn(th, 8) == 0)	/* a bad option */
		EXPECT(mx_event_create(1u << rn(th, 32)) == ERR_INVALID_ARGS,
		       "event_create with options: not ERR_INVALID_ARGS");
	pool_add(h, EV_RIGHTS, K_EVENT);
}

/*
 * Set and clear user signals on a shared handle; bad masks; a pipe's
 * handle (no user signals), and pipe calls on an event.
 */
static void op_ev_signal(struct thread *th)
{
	int e = pool_take(th);
	uint32_t clear = rn(th, 16) << 3, set = rn(th, 16) << 3, nb, nh;
	bool bad = rn(th, 10) == 0, w;
	mx_status_t s, want;

	if (e < 0)
		return;
	w = pool[e].rights & MX_RIGHT_WRITE;
	if (bad)	/* a pipe signal, or one past SIGNAL4 */
		set |= rn(th, 2) ? MX_SIGNAL_READABLE : 1u << (8 + rn(th, 24));
	s = mx_object_signal(pool[e].h, clear, set);
	want = !w ? ERR_ACCESS_DENIED : pool[e].kind == K_PIPE ?
	       ERR_NOT_SUPPORTED : bad ? ERR_INVALID_ARGS : NO_ERROR;
	EXPECT(s == want, "object_signal(%s, rights %#x, clear %#x, set %#x): %s, want %s",
	       pool[e].kind == K_PIPE ? "endpoint" : "event", pool[e].rights,
	       clear, set, st(s), st(want));
	if (s == NO_ERROR)
		atomic_fetch_add(&sh->ev_signals, 1);
	if (pool[e].kind == K_EVENT && rn(th, 6) == 0) {
		/* A pipe call on an event: the type is checked before rights. */
		nb = 4;
		nh = 0;
		s = rn(th, 2) ? mx_msgpipe_read(pool[e].h, th->buf, &nb, NULL, &nh, 0) :
		    mx_msgpipe_write(pool[e].h, th->buf, 4, NULL, 0, 0);
		EXPECT(s == ERR_WRONG_TYPE, "pipe call on an event: %s", st(s));
		atomic_fetch_add(&sh->wrong_type, 1);
	}
	pool_put(e);
}

/* Wait on a shared event, which other threads signal and clear. */
static void op_ev_wait(struct thread *th)
{
	int e = pool_take_kind(th, K_EVENT);
	mx_signals_state_t ss = { 0, 0 };
	mx_signals_t want;
	mx_status_t s;
	uint32_t r = rn(th, 10);

	if (e < 0)
		return;
	want = r == 0 ? EV_NEVER : r == 1 ? MX_SIGNAL_READABLE :
	       (rn(th, 15) + 1) << 3;
	s = mx_handle_wait_one(pool[e].h, want, rn(th, 2000000), &ss);
	if (!(pool[e].rights & MX_RIGHT_READ)) {
		EXPECT(s == ERR_ACCESS_DENIED, "wait_one on an event without READ: %s",
		       st(s));
		goto out;
	}
	EXPECT(ss.satisfiable == MX_SIGNAL_SIGNAL_ALL && !(ss.satisfied & ~EV_SIGNALS),
	       "wait_one on an event: state %#x/%#x", ss.satisfied, ss.satisfiable);
	if (!(want & MX_SIGNAL_SIGNAL_ALL)) {
		EXPECT(s == ERR_BAD_STATE, "wait_one on an event for %#x: %s", want,
		       st(s));
	} else if (want == EV_NEVER) {
		EXPECT(s == ERR_TIMED_OUT, "wait_one on an event for SIGNAL4, which nobody sets: %s",
		       st(s));
	} else if (s == NO_ERROR) {
		atomic_fetch_add(&sh->ev_waits_ok, 1);
		/* Seen: clear what we waited for, as a level's consumer does. */
		if ((pool[e].rights & MX_RIGHT_WRITE) && rn(th, 2))
			EXPECT(mx_object_signal(pool[e].h, want, 0) == NO_ERROR,
			       "clearing an event's signals failed");
	} else {
		EXPECT(s == ERR_TIMED_OUT, "wait_one on an event for %#x: %s", want,
		       st(s));
		atomic_fetch_add(&sh->ev_waits_timed_out, 1);
	}
out:
	pool_put(e);
}

/*
 * The partner closes a duplicate while we wait on it and on the original,
 * for SIGNAL4 (never set): only the duplicate's wait ends.
 */
static void op_ev_dupwait(struct thread *th)
{
	int e = pool_take_kind(th, K_EVENT);
	mx_signals_t sig[2] = { EV_NEVER, EV_NEVER };
	mx_signals_state_t ss[2];
	struct partner_req pr;
	mx_handle_t hs[2], d;
	uint32_t idx = ~0u;
	mx_status_t s;

	if (e < 0)
		return;
	if ((pool[e].rights & (MX_RIGHT_DUPLICATE | MX_RIGHT_READ)) !=
	    (MX_RIGHT_DUPLICATE | MX_RIGHT_READ))
		goto out;
	d = mx_handle_duplicate(pool[e].h, MX_RIGHT_READ);
	if (d == ERR_NO_MEMORY)
		goto out;
	EXPECT(d > 0, "duplicate of an event for READ: %s", d > 0 ? "ok" : st(d));
	if (d <= 0)
		goto out;
	hs[0] = pool[e].h;
	hs[1] = d;
	partner_post(th, P_CLOSE, d, 0, rn(th, 1000));
	s = mx_handle_wait_many(2, hs, sig, 10ull * 1000000000ull, &idx, ss);
	pr = partner_done(th);
	EXPECT(pr.r_close == NO_ERROR, "the partner's close of a duplicate: %s",
	       st(pr.r_close));
	if (s == ERR_INVALID_ARGS) {
		/* So early that the duplicate was gone before the wait began. */
		atomic_fetch_add(&sh->ev_partner_early, 1);
	} else if (s == ERR_TIMED_OUT) {
		/* The partner was late by 10 s: a slow machine, not a bug. */
		atomic_fetch_add(&sh->ev_partner_late, 1);
	} else {
		EXPECT(s == ERR_HANDLE_CLOSED && idx == 1,
		       "wait_many on an event and its duplicate, the duplicate closed: %s at index %u",
		       st(s), idx);
		atomic_fetch_add(&sh->ev_dup_closed, 1);
	}
	expect_stale(d, "the partner's close");
	/* The original is untouched: still there, SIGNAL4 still clear. */
	s = mx_handle_wait_one(hs[0], EV_NEVER, 0, &ss[0]);
	EXPECT(s == ERR_TIMED_OUT && ss[0].satisfiable == MX_SIGNAL_SIGNAL_ALL,
	       "wait_one on the original after its duplicate went: %s, state %#x/%#x",
	       st(s), ss[0].satisfied, ss[0].satisfiable);
out:
	pool_put(e);
}

/*
 * A private event: the partner sets a signal through a WRITE-only
 * duplicate while we wait for it on the original, then closes it.
 */
static void op_ev_pingpong(struct thread *th)
{
	uint32_t bit = MX_SIGNAL_SIGNAL0 << rn(th, 4);
	mx_signals_state_t ss = { 0, 0 };
	struct partner_req pr;
	mx_handle_t h, d;
	mx_status_t s;

	if (atomic_load(&sh->brake))
		return;
	h = mx_event_create(0);
	if (h == ERR_NO_MEMORY)
		return;
	EXPECT(h > 0, "event_create: %s", h > 0 ? "ok" : st(h));
	if (h <= 0)
		return;
	d = mx_handle_duplicate(h, MX_RIGHT_WRITE);
	EXPECT(d > 0 || d == ERR_NO_MEMORY, "duplicate for WRITE: %s",
	       d > 0 ? "ok" : st(d));
	if (d <= 0)
		goto out;
	/* A WRITE-only handle can neither wait nor be copied. */
	EXPECT(mx_handle_wait_one(d, bit, 0, NULL) == ERR_ACCESS_DENIED &&
	       mx_handle_duplicate(d, MX_RIGHT_SAME_RIGHTS) == ERR_ACCESS_DENIED,
	       "a WRITE-only event handle waited or was duplicated");
	partner_post(th, P_SET_CLOSE, d, bit, rn(th, 1000));
	s = mx_handle_wait_one(h, bit, 10ull * 1000000000ull, &ss);
	pr = partner_done(th);
	EXPECT(pr.r_signal == NO_ERROR && pr.r_close == NO_ERROR,
	       "the partner's signal and close: %s, %s", st(pr.r_signal),
	       st(pr.r_close));
	if (s == ERR_TIMED_OUT) {
		atomic_fetch_add(&sh->ev_partner_late, 1);
	} else {
		EXPECT(s == NO_ERROR && ss.satisfied == bit &&
		       ss.satisfiable == MX_SIGNAL_SIGNAL_ALL,
		       "wait for a signal the partner sets: %s, state %#x/%#x (want %#x)",
		       st(s), ss.satisfied, ss.satisfiable, bit);
		atomic_fetch_add(&sh->ev_pingpongs, 1);
	}
	/* A level: still set (nobody else has this event), until cleared. */
	s = mx_handle_wait_one(h, bit, 0, NULL);
	EXPECT(s == NO_ERROR, "wait after the partner's signal: %s", st(s));
	EXPECT(mx_object_signal(h, bit, 0) == NO_ERROR, "clear: failed");
	s = mx_handle_wait_one(h, bit, 0, &ss);
	EXPECT(s == ERR_TIMED_OUT && ss.satisfied == 0,
	       "wait after the clear: %s, satisfied %#x", st(s), ss.satisfied);
out:
	if (rn(th, 2)) {	/* share it */
		pool_add(h, EV_RIGHTS, K_EVENT);
		return;
	}
	s = mx_handle_close(h);
	EXPECT(s == NO_ERROR, "close of a private event: %s", st(s));
}

/* ---- wait sets ------------------------------------------------------------ */

/*
 * Each worker has one shared wait set. Its entries watch pool handles,
 * which other threads meanwhile close, replace, send, signal, write and
 * read; a cookie names the entry's pool slot, its handle and its signals,
 * so that every result can be checked on its own. Adds and removes hold
 * ws_lock, so ws_ck[] is exactly the set of entries; waits do not.
 */
#define WS_MAX		48
static mx_handle_t wset;
static pthread_mutex_t ws_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ws_ck[WS_MAX];
static int ws_n;

static uint64_t ws_cookie(int slot, mx_handle_t h, mx_signals_t sig)
{
	return (uint64_t)(sig & 0xff) << 48 | (uint64_t)slot << 32 | (uint32_t)h;
}

/* The checks of one result that need nothing but the result. */
static void ws_check_result(const mx_waitset_result_t *r, const char *what)
{
	mx_signals_t sig = (mx_signals_t)(r->cookie >> 48) & 0xff;
	const mx_signals_state_t *ss = &r->signals_state;

	EXPECT(r->reserved == 0, "%s: reserved %u", what, r->reserved);
	switch (r->wait_result) {
	case NO_ERROR:
		/* A level read at the end: another thread may clear it after. */
		EXPECT(ss->satisfied & sig, "%s: NO_ERROR for signals %#x, state %#x/%#x",
		       what, sig, ss->satisfied, ss->satisfiable);
		break;
	case ERR_BAD_STATE:
		EXPECT(!(ss->satisfiable & sig),
		       "%s: ERR_BAD_STATE for signals %#x, state %#x/%#x",
		       what, sig, ss->satisfied, ss->satisfiable);
		break;
	case ERR_CANCELLED:
		EXPECT(!ss->satisfied && !ss->satisfiable,
		       "%s: ERR_CANCELLED with state %#x/%#x", what,
		       ss->satisfied, ss->satisfiable);
		atomic_fetch_add(&sh->ws_cancelled, 1);
		break;
	default:
		violation("%s: wait_result %s", what, st(r->wait_result));
	}
	/* Nobody sets SIGNAL4: an entry for it alone is never satisfied. */
	EXPECT(!(r->wait_result == NO_ERROR && sig == EV_NEVER),
	       "%s: an entry for SIGNAL4 alone satisfied", what);
}

/* Add an entry for a pool handle, or remove one. */
static void op_ws_edit(struct thread *th)
{
	int e, k;
	mx_signals_t sig;
	mx_status_t s;
	uint64_t ck;

	if (!wset)
		return;
	pthread_mutex_lock(&ws_lock);
	if (ws_n && (ws_n >= WS_MAX || rn(th, 3) == 0)) {
		k = (int)rn(th, (uint32_t)ws_n);
		ck = rn(th, 8) ? ws_ck[k] : ws_ck[k] ^ 1ull << 47;
		s = mx_waitset_remove(wset, ck);
		EXPECT(s == (ck == ws_ck[k] ? NO_ERROR : ERR_NOT_FOUND),
		       "waitset_remove of %s cookie: %s",
		       ck == ws_ck[k] ? "a present" : "an absent", st(s));
		if (ck == ws_ck[k])
			ws_ck[k] = ws_ck[--ws_n];
		pthread_mutex_unlock(&ws_lock);
		atomic_fetch_add(&sh->ws_removes, 1);
		return;
	}
	e = pool_take(th);
	if (e < 0) {
		pthread_mutex_unlock(&ws_lock);
		return;
	}
	sig = pool[e].kind == K_EVENT ? MX_SIGNAL_SIGNAL0 << rn(th, 5) :
	      rn(th, 2) ? MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED :
	      MX_SIGNAL_WRITABLE;
	ck = ws_cookie(e, pool[e].h, sig);
	for (k = 0; k < ws_n && ws_ck[k] != ck; k++)
		;
	s = mx_waitset_add(wset, pool[e].h, sig, ck);
	if (!(pool[e].rights & MX_RIGHT_READ))
		EXPECT(s == ERR_ACCESS_DENIED, "waitset_add of a handle without READ: %s",
		       st(s));
	else if (k < ws_n)
		EXPECT(s == ERR_ALREADY_EXISTS, "waitset_add of a cookie present: %s",
		       st(s));
	else
		EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "waitset_add: %s", st(s));
	if (s == NO_ERROR && k == ws_n) {
		ws_ck[ws_n++] = ck;
		atomic_fetch_add(&sh->ws_adds, 1);
	}
	pthread_mutex_unlock(&ws_lock);
	pool_put(e);
}

/* Wait in the shared wait set while the others change its entries. */
static void op_ws_wait(struct thread *th)
{
	mx_waitset_result_t res[WS_MAX + 1];
	uint32_t cap = 1 + rn(th, WS_MAX), num = cap, max = ~0u, i, j;
	mx_status_t s;

	if (!wset)
		return;
	memset(res, 0xa5, sizeof(res));
	s = mx_waitset_wait(wset, rn(th, 2000000), &num, res, &max);
	if (s == ERR_TIMED_OUT) {
		atomic_fetch_add(&sh->ws_timed_out, 1);
		return;
	}
	EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "waitset_wait: %s", st(s));
	if (s != NO_ERROR)
		return;
	atomic_fetch_add(&sh->ws_waits_ok, 1);
	EXPECT(num >= 1 && num <= cap && max >= num && max <= WS_MAX &&
	       (num == cap || num == max),
	       "waitset_wait: %u results in %u, max_results %u", num, cap, max);
	for (i = 0; i < num && i < cap; i++) {
		ws_check_result(&res[i], "waitset_wait (shared)");
		for (j = 0; j < i; j++)
			EXPECT(res[j].cookie != res[i].cookie,
			       "waitset_wait: cookie %#" PRIx64 " twice in one wait",
			       res[i].cookie);
	}
	/*
	 * A consumer removes what was cancelled: else those entries, whose
	 * result holds for ever, keep every wait from sleeping.
	 */
	pthread_mutex_lock(&ws_lock);
	for (i = 0; i < num && i < cap; i++) {
		if (res[i].wait_result != ERR_CANCELLED)
			continue;
		for (j = 0; j < (uint32_t)ws_n && ws_ck[j] != res[i].cookie; j++)
			;
		if (j == (uint32_t)ws_n)
			continue;	/* another thread removed it */
		s = mx_waitset_remove(wset, res[i].cookie);
		EXPECT(s == NO_ERROR, "waitset_remove of a cancelled entry: %s",
		       st(s));
		ws_ck[j] = ws_ck[--ws_n];
		atomic_fetch_add(&sh->ws_removes, 1);
	}
	pthread_mutex_unlock(&ws_lock);
}

/*
 * A private wait set over a private event E and a duplicate D: the
 * partner sets a signal through D and closes it while we wait, or closes
 * the wait set itself. E's entry reports the signal, D's ERR_CANCELLED,
 * each once per wait and level-triggered; the wait set's close ends the
 * wait with ERR_HANDLE_CLOSED. A wait set can be neither duplicated nor
 * sent nor waited on.
 */
static void op_ws_partner(struct thread *th)
{
	mx_signals_t bit = MX_SIGNAL_SIGNAL0 << rn(th, 4);
	/* Cookies that carry their signals, for ws_check_result(). */
	uint64_t c1 = (uint64_t)bit << 48 | 1, c2 = (uint64_t)EV_NEVER << 48 | 2;
	mx_waitset_result_t res[4];
	bool self = rn(th, 4) == 0, got1 = false, got2 = false;
	struct partner_req pr;
	mx_handle_t ws, h, d, p[2];
	uint32_t num, max, i;
	uint64_t end;
	mx_status_t s;

	if (atomic_load(&sh->brake))
		return;
	ws = mx_waitset_create();
	if (ws == ERR_NO_MEMORY)
		return;
	EXPECT(ws > 0, "waitset_create: %s", ws > 0 ? "ok" : st(ws));
	if (ws <= 0)
		return;
	EXPECT(mx_handle_duplicate(ws, MX_RIGHT_SAME_RIGHTS) == ERR_ACCESS_DENIED,
	       "a wait set handle was duplicated");
	EXPECT(mx_handle_wait_one(ws, MX_SIGNAL_READABLE, 0, NULL) == ERR_NOT_SUPPORTED,
	       "wait_one on a wait set is not ERR_NOT_SUPPORTED");
	EXPECT(mx_waitset_add(ws, ws, MX_SIGNAL_READABLE, 9) == ERR_NOT_SUPPORTED,
	       "a wait set in a wait set is not ERR_NOT_SUPPORTED");
	if (mx_msgpipe_create(p, 0) == NO_ERROR) {
		s = mx_msgpipe_write(p[0], "w", 1, &ws, 1, 0);
		EXPECT(s == ERR_ACCESS_DENIED, "a wait set sent in a message: %s", st(s));
		mx_handle_close(p[0]);
		mx_handle_close(p[1]);
	}
	h = mx_event_create(0);
	d = h > 0 ? mx_handle_duplicate(h, MX_RIGHT_READ | MX_RIGHT_WRITE) : h;
	if (h <= 0 || d <= 0) {
		EXPECT(h == ERR_NO_MEMORY || d == ERR_NO_MEMORY,
		       "event or duplicate: %s, %s", h > 0 ? "ok" : st(h),
		       d > 0 ? "ok" : st(d));
		goto out;
	}
	s = mx_waitset_add(ws, h, bit, c1);
	if (s == NO_ERROR)
		s = mx_waitset_add(ws, d, EV_NEVER, c2);
	if (s == NO_ERROR)
		EXPECT(mx_waitset_add(ws, h, bit, c2) == ERR_ALREADY_EXISTS,
		       "a cookie added twice");
	if (s != NO_ERROR) {
		EXPECT(s == ERR_NO_MEMORY, "waitset_add: %s", st(s));
		goto out;
	}
	num = 4;
	s = mx_waitset_wait(ws, 0, &num, res, NULL);
	EXPECT(s == ERR_TIMED_OUT, "a wait set with nothing to report: %s", st(s));
	partner_post(th, self ? P_CLOSE : P_SET_CLOSE, self ? ws : d, bit,
		     rn(th, 1000));
	end = now_ns() + 10ull * 1000000000ull;
	/* Until both results were seen (level: E's is reported each time). */
	do {
		num = 4;
		max = ~0u;
		s = mx_waitset_wait(ws, 10ull * 1000000000ull, &num, res, &max);
		if (s != NO_ERROR)
			break;
		EXPECT(num >= 1 && num <= 2 && max == num,
		       "private wait set: %u results, max %u", num, max);
		for (i = 0; i < num && i < 4; i++) {
			ws_check_result(&res[i], "waitset_wait (private)");
			EXPECT((res[i].cookie == c1 && res[i].wait_result == NO_ERROR &&
				res[i].signals_state.satisfied == bit) ||
			       (res[i].cookie == c2 && res[i].wait_result == ERR_CANCELLED),
			       "private wait set: cookie %#" PRIx64 ": %s, state %#x",
			       res[i].cookie, st(res[i].wait_result),
			       res[i].signals_state.satisfied);
			EXPECT(!(i == 1 && res[0].cookie == res[1].cookie),
			       "private wait set: one cookie twice in one wait");
			got1 |= res[i].cookie == c1;
			got2 |= res[i].cookie == c2;
		}
	} while (!self && !(got1 && got2) && now_ns() < end);
	pr = partner_done(th);
	EXPECT(pr.r_close == NO_ERROR && pr.r_signal == NO_ERROR,
	       "the partner's signal and close: %s, %s", st(pr.r_signal),
	       st(pr.r_close));
	if (self) {
		/* Nothing to report until the close ended the wait. */
		EXPECT(s == ERR_HANDLE_CLOSED || s == ERR_BAD_HANDLE ||
		       s == ERR_TIMED_OUT,
		       "a wait in a wait set closed meanwhile: %s", st(s));
		if (s == ERR_HANDLE_CLOSED)
			atomic_fetch_add(&sh->ws_closed_while_waited, 1);
		else if (s == ERR_TIMED_OUT)
			atomic_fetch_add(&sh->ev_partner_late, 1);
		ws = 0;
	} else if (s == ERR_TIMED_OUT) {
		d = 0;
		atomic_fetch_add(&sh->ev_partner_late, 1);
	} else {
		EXPECT(s == NO_ERROR && got1 && got2,
		       "private wait set after the partner: %s, signal %s, cancel %s",
		       st(s), got1 ? "seen" : "not seen", got2 ? "seen" : "not seen");
		atomic_fetch_add(&sh->ws_partner, 1);
		/* Removed: D's entry is gone; E's result stays, a level. */
		EXPECT(mx_waitset_remove(ws, c2) == NO_ERROR &&
		       mx_waitset_remove(ws, c2) == ERR_NOT_FOUND,
		       "removing the cancelled entry");
		num = 4;
		s = mx_waitset_wait(ws, 0, &num, res, NULL);
		EXPECT(s == NO_ERROR && num == 1 && res[0].cookie == c1 &&
		       res[0].wait_result == NO_ERROR,
		       "after the remove: %s, %u results", st(s), num);
		d = 0;
	}
out:
	if (d > 0)
		mx_handle_close(d);
	if (h > 0)
		mx_handle_close(h);
	if (ws > 0) {
		s = mx_handle_close(ws);
		EXPECT(s == NO_ERROR, "close of a private wait set: %s", st(s));
	}
}

/* ---- IO ports and poll descriptors --------------------------------------- */

/*
 * Each worker has a shared port, wport, and PT_WAITERS threads that take its
 * packets until a STOP packet each. Threads queue USER packets into it
 * (key: a port ledger id; payload derived from it), bind private events and
 * pipe ends to it, signal and write them, and close them (unbinding) while
 * their packets may be queued; and make private ports that a short-lived
 * thread waits in while they queue a packet or close the port. Threads also
 * sit in poll() and epoll_wait() on poll descriptors of wport, of private
 * ports and of private wait sets while others change them and close them.
 */
#define PT_WAITERS	2
#define PT_STOP_KEY	(1ull << 62)
#define PT_BIND_KEY	(1ull << 61)

static mx_handle_t wport;
static int wport_fd = -1;
static pthread_t pt_waiter_tid[PT_WAITERS];
static atomic_long pt_local_queued, pt_local_taken;

static void pt_fill(unsigned char *p, uint64_t key, uint32_t n)
{
	uint32_t i;

	for (i = sizeof(mx_packet_header_t); i < n; i++)
		p[i] = (unsigned char)(mix64(key * 31 + i) >> 11);
}

/* A packet taken from wport, checked; false at STOP. */
static bool pt_took(const unsigned char *buf)
{
	mx_packet_header_t h;
	mx_io_packet_t io;
	uint32_t id, n, i;

	memcpy(&h, buf, sizeof(h));
	if (h.key == PT_STOP_KEY)
		return false;
	if (h.type == MX_PORT_PKT_TYPE_IOSN) {
		memcpy(&io, buf, sizeof(io));
		EXPECT((h.key & PT_BIND_KEY) && io.signals && !io.bytes &&
		       !io.reserved && !h.extra,
		       "IOSN packet key %#" PRIx64 " signals %#x extra %u",
		       (uint64_t)h.key, io.signals, h.extra);
		atomic_fetch_add(&sh->pt_iosn, 1);
		return true;
	}
	id = (uint32_t)h.key;
	n = h.extra;
	EXPECT(h.type == MX_PORT_PKT_TYPE_USER && h.key < MAXMSG && n >= 16 && n <= 128,
	       "USER packet key %#" PRIx64 " type %u extra %u", (uint64_t)h.key,
	       h.type, h.extra);
	if (h.key >= MAXMSG)
		return true;
	for (i = sizeof(h); i < n && i < 128; i++)
		if (buf[i] != (unsigned char)(mix64(h.key * 31 + i) >> 11)) {
			violation("USER packet %u: byte %u wrong", id, i);
			break;
		}
	if (!bit_test(sh->pt_attempted, id))
		violation("port packet %u taken but never queued", id);
	if (bit_set(sh->pt_taken, id))
		violation("port packet %u taken twice", id);
	atomic_fetch_add(&pt_local_taken, 1);
	return true;
}

static void *pt_waiter_main(void *arg)
{
	unsigned char buf[128];
	mx_status_t s;

	(void)arg;
	for (;;) {
		s = mx_port_wait(wport, buf, sizeof(buf));
		if (s != NO_ERROR) {
			EXPECT(s == ERR_HANDLE_CLOSED, "port_wait on wport: %s", st(s));
			return NULL;
		}
		if (!pt_took(buf))
			return NULL;
	}
}

static void op_pt_queue(struct thread *th)
{
	unsigned char buf[128];
	mx_packet_header_t h;
	uint32_t n = 16 + rn(th, 113), id;
	mx_status_t s;

	if (!wport)
		return;
	id = atomic_fetch_add(&sh->pt_next_id, 1);
	if (id >= MAXMSG)
		return;
	h.key = id;
	h.type = 0;
	h.extra = n;
	memcpy(buf, &h, sizeof(h));
	pt_fill(buf, id, n);
	bit_set(sh->pt_attempted, id);
	atomic_fetch_add(&pt_local_queued, 1);
	s = mx_port_queue(wport, buf, n);
	if (s != NO_ERROR) {
		EXPECT(s == ERR_NO_MEMORY, "port_queue: %s", st(s));
		bit_set(sh->pt_failed, id);
		atomic_fetch_sub(&pt_local_queued, 1);
	}
}

/* A private event or pipe end bound to wport, changed, closed. */
static void op_pt_bind(struct thread *th)
{
	mx_handle_t e, p[2] = { 0, 0 };
	uint64_t key = PT_BIND_KEY | rn(th, 1u << 20);
	mx_status_t s;
	uint32_t i, n = rn(th, 4);

	if (!wport)
		return;
	if (rn(th, 2)) {
		e = mx_event_create(0);
		if (e < 0) {
			EXPECT(e == ERR_NO_MEMORY, "event_create: %s", st(e));
			return;
		}
		s = mx_port_bind(wport, key, e, MX_SIGNAL_SIGNAL0 | MX_SIGNAL_SIGNAL1);
		EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "port_bind of an event: %s", st(s));
		if (s == NO_ERROR) {
			s = mx_port_bind(wport, key, e, MX_SIGNAL_SIGNAL0);
			EXPECT(s == ERR_BAD_STATE || s == ERR_NO_MEMORY,
			       "second port_bind of an event: %s", st(s));
		}
		for (i = 0; i < n; i++) {
			s = mx_object_signal(e, MX_SIGNAL_SIGNAL_ALL,
					     MX_SIGNAL_SIGNAL0 << rn(th, 3));
			EXPECT(s == NO_ERROR, "object_signal: %s", st(s));
		}
		atomic_fetch_add(&sh->pt_binds, 1);
		mx_handle_close(e);
		return;
	}
	s = mx_msgpipe_create(p, 0);
	if (s != NO_ERROR) {
		EXPECT(s == ERR_NO_MEMORY, "msgpipe_create: %s", st(s));
		return;
	}
	s = mx_port_bind(wport, key, p[0], MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED);
	EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "port_bind of a pipe end: %s", st(s));
	for (i = 0; i < n; i++) {
		s = mx_msgpipe_write(p[1], &key, 8, NULL, 0, 0);
		EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "write to a bound pipe: %s", st(s));
	}
	atomic_fetch_add(&sh->pt_binds, 1);
	if (rn(th, 2)) {
		mx_handle_close(p[1]);
		mx_handle_close(p[0]);
	} else {
		mx_handle_close(p[0]);
		mx_handle_close(p[1]);
	}
}

struct pt_priv {
	mx_handle_t port;
	mx_status_t res;
	unsigned char buf[128];
	atomic_int done;
};

static void *pt_priv_main(void *arg)
{
	struct pt_priv *q = arg;

	q->res = mx_port_wait(q->port, q->buf, sizeof(q->buf));
	atomic_store(&q->done, 1);
	return NULL;
}

/* A private port: a thread waits in it; we queue or close it under it. */
static void op_pt_private(struct thread *th)
{
	struct pt_priv q;
	mx_packet_header_t h = { .key = 77, .type = 0, .extra = 5 };
	pthread_t t;
	struct timespec ts = { 0, (long)rn(th, 3000) * 1000 };
	bool close_it = rn(th, 2);
	struct pollfd pf;
	int fd = -1;
	mx_status_t s;

	memset(&q, 0, sizeof(q));
	q.port = mx_port_create(0);
	if (q.port < 0) {
		EXPECT(q.port == ERR_NO_MEMORY, "port_create: %s", st(q.port));
		return;
	}
	s = mx_handle_poll_fd(q.port, MX_POLL_FD_CLOEXEC, &fd);
	EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY || s == ERR_NO_RESOURCES,
	       "poll_fd of a port: %s", st(s));
	if (pthread_create(&t, NULL, pt_priv_main, &q)) {
		mx_handle_close(q.port);
		if (fd >= 0)
			close(fd);
		return;
	}
	nanosleep(&ts, NULL);
	if (close_it) {
		s = mx_handle_close(q.port);
		EXPECT(s == NO_ERROR, "close of a private port: %s", st(s));
	} else {
		s = mx_port_queue(q.port, &h, sizeof(h));
		EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "port_queue: %s", st(s));
		if (s != NO_ERROR) {
			close_it = true;
			mx_handle_close(q.port);
		}
	}
	pthread_join(t, NULL);
	if (close_it) {
		EXPECT(q.res == ERR_HANDLE_CLOSED || q.res == ERR_INVALID_ARGS,
		       "port_wait on a port closed under it: %s", st(q.res));
		atomic_fetch_add(&sh->pt_closed_under, 1);
	} else {
		EXPECT(q.res == NO_ERROR && !memcmp(q.buf, &(mx_packet_header_t){
			.key = 77, .type = MX_PORT_PKT_TYPE_USER, .extra = 5 }, 16),
		       "port_wait on a private port: %s", st(q.res));
		if (fd >= 0) {
			pf.fd = fd;
			pf.events = POLLIN;
			EXPECT(poll(&pf, 1, 0) == 0, "poll of an empty port: revents %#x",
			       pf.revents);
		}
		mx_handle_close(q.port);
	}
	if (fd >= 0) {
		pf.fd = fd;
		pf.events = POLLIN;
		EXPECT(poll(&pf, 1, 0) == 1 && pf.revents == POLLHUP,
		       "poll of a closed port: revents %#x", pf.revents);
		close(fd);
	}
}

/* poll/epoll_wait on wport's descriptor while the others queue and take. */
static void op_pt_poll(struct thread *th)
{
	struct pollfd pf = { .fd = wport_fd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int ep, r;

	if (wport_fd < 0)
		return;
	if (rn(th, 2)) {
		r = poll(&pf, 1, (int)rn(th, 5));
		EXPECT(r >= 0 && !(pf.revents & ~POLLIN), "poll of wport: %d revents %#x",
		       r, pf.revents);
	} else {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0)
			return;
		if (!epoll_ctl(ep, EPOLL_CTL_ADD, wport_fd, &ev)) {
			r = epoll_wait(ep, &got, 1, (int)rn(th, 5));
			EXPECT(r >= 0 && (!r || got.events == EPOLLIN),
			       "epoll_wait on wport: %d events %#x", r, r > 0 ? got.events : 0);
		}
		close(ep);
	}
	atomic_fetch_add(&sh->pt_polls, 1);
}

/* A private wait set's descriptor: a thread in poll() while we signal, close. */
struct pt_wspoll {
	int fd;
	int r;
	short revents;
};

static void *pt_wspoll_main(void *arg)
{
	struct pt_wspoll *q = arg;
	struct pollfd pf = { .fd = q->fd, .events = POLLIN };

	q->r = poll(&pf, 1, 10000);
	q->revents = pf.revents;
	return NULL;
}

static void op_pt_wspoll(struct thread *th)
{
	struct pt_wspoll q = { .fd = -1 };
	mx_handle_t ws, e;
	pthread_t t;
	bool sig = rn(th, 2);
	struct timespec ts = { 0, (long)rn(th, 2000) * 1000 };
	mx_status_t s;

	ws = mx_waitset_create();
	if (ws < 0)
		return;
	e = mx_event_create(0);
	if (e < 0) {
		mx_handle_close(ws);
		return;
	}
	s = mx_waitset_add(ws, e, MX_SIGNAL_SIGNAL0, 1);
	EXPECT(s == NO_ERROR || s == ERR_NO_MEMORY, "waitset_add: %s", st(s));
	s = mx_handle_poll_fd(ws, 0, &q.fd);
	if (s != NO_ERROR || pthread_create(&t, NULL, pt_wspoll_main, &q)) {
		if (q.fd >= 0)
			close(q.fd);
		mx_handle_close(e);
		mx_handle_close(ws);
		return;
	}
	nanosleep(&ts, NULL);
	if (sig)
		mx_object_signal(e, 0, MX_SIGNAL_SIGNAL0);
	else
		mx_handle_close(ws);
	pthread_join(t, NULL);
	EXPECT(q.r == 1 && q.revents == (sig ? POLLIN : POLLHUP),
	       "poll on a wait set's fd woken by %s: %d revents %#x",
	       sig ? "a signal" : "its close", q.r, q.revents);
	if (sig)
		mx_handle_close(ws);
	mx_handle_close(e);
	close(q.fd);
	atomic_fetch_add(&sh->pt_ws_polls, 1);
}

static void pt_start(void)
{
	int i;

	wport = mx_port_create(0);
	if (wport < 0) {
		EXPECT(wport == ERR_NO_MEMORY, "port_create: %s", st(wport));
		wport = 0;
		return;
	}
	if (mx_handle_poll_fd(wport, MX_POLL_FD_CLOEXEC, &wport_fd) != NO_ERROR)
		wport_fd = -1;
	for (i = 0; i < PT_WAITERS; i++)
		if (pthread_create(&pt_waiter_tid[i], NULL, pt_waiter_main, NULL))
			pt_waiter_tid[i] = 0;
}

/* After the threads: STOP packets behind every USER packet, then count. */
static void pt_stop(void)
{
	mx_packet_header_t h = { .key = PT_STOP_KEY };
	struct pollfd pf = { .fd = wport_fd, .events = POLLIN };
	int i;

	if (!wport)
		return;
	for (i = 0; i < PT_WAITERS; i++)
		if (pt_waiter_tid[i])
			while (mx_port_queue(wport, &h, sizeof(h)) != NO_ERROR)
				usleep(1000);
	for (i = 0; i < PT_WAITERS; i++)
		if (pt_waiter_tid[i])
			pthread_join(pt_waiter_tid[i], NULL);
	EXPECT(atomic_load(&pt_local_queued) == atomic_load(&pt_local_taken),
	       "wport: %ld USER packets queued, %ld taken",
	       atomic_load(&pt_local_queued), atomic_load(&pt_local_taken));
	if (wport_fd >= 0) {
		EXPECT(poll(&pf, 1, 0) == 0, "poll of a drained wport: revents %#x",
		       pf.revents);
		EXPECT(mx_handle_close(wport) == NO_ERROR, "close of wport failed");
		EXPECT(poll(&pf, 1, 0) == 1 && pf.revents == POLLHUP,
		       "poll of a closed wport: revents %#x", pf.revents);
		close(wport_fd);
	} else {
		mx_handle_close(wport);
	}
}

static void (*const op_fn[NOPS])(struct thread *) = {
	op_create, op_write, op_read, op_wait_one, op_wait_many, op_close,
	op_replace, op_send, op_recv, op_echo, op_flood, op_ev_create,
	op_ev_signal, op_ev_wait, op_ev_dupwait, op_ev_pingpong, op_ws_edit,
	op_ws_wait, op_ws_partner, op_pt_queue, op_pt_bind, op_pt_private,
	op_pt_poll, op_pt_wspoll,
};

static void *worker_thread(void *arg)
{
	struct thread *th = arg;
	struct slot *sl = (struct slot *)(sh + 1) + my_slot;
	unsigned int total = 0, r, i;

	for (i = 0; i < NOPS; i++)
		total += op_weight[i];
	while (!atomic_load(&sh->stop)) {
		r = rn(th, total);
		for (i = 0; r >= op_weight[i]; i++)
			r -= op_weight[i];
		atomic_store(&sl->cur_op[th->idx], (int)i);
		op_fn[i](th);
		atomic_fetch_add(&sh->ops[i], 1);
		atomic_fetch_add(&sl->beat[th->idx], 1);
	}
	return NULL;
}

/* One worker process: threads, and a watchdog over their heartbeats. */
static int worker(int slot, int incarnation)
{
	struct slot *sl = (struct slot *)(sh + 1) + slot;
	struct thread th[MAX_THREADS];
	long last[MAX_THREADS];
	uint64_t since[MAX_THREADS];
	pthread_t partner;
	int i, t;

	my_slot = slot;
	wset = mx_waitset_create();
	if (wset < 0) {
		EXPECT(wset == ERR_NO_MEMORY, "waitset_create: %s", st(wset));
		wset = 0;
	}
	if (pthread_create(&partner, NULL, partner_thread, NULL))
		return 1;
	pt_start();
	for (t = 0; t < nthreads; t++) {
		th[t].idx = t;
		mxf_rng_seed(&th[t].rng, seed ^ mix64(((uint64_t)slot << 40) |
						      ((uint64_t)incarnation << 8) |
						      (uint64_t)t));
		th[t].buf = malloc(MX_MAX_MSG_BYTES);
		if (!th[t].buf)
			return 1;
		last[t] = -1;
		since[t] = now_ns();
	}
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t].tid, NULL, worker_thread, &th[t]))
			return 1;
	while (!atomic_load(&sh->stop)) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		for (t = 0; t < nthreads; t++) {
			long b = atomic_load(&sl->beat[t]);

			if (b != last[t]) {
				last[t] = b;
				since[t] = now_ns();
			} else if (now_ns() - since[t] > STALL_NS) {
				violation("worker %d (pid %d) thread %d stuck in %s for 30 s",
					  slot, getpid(), t,
					  op_names[atomic_load(&sl->cur_op[t])]);
				_exit(2);
			}
		}
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t].tid, NULL);
	pthread_mutex_lock(&plock);
	partner_quit = true;
	pthread_cond_broadcast(&pcv);
	pthread_mutex_unlock(&plock);
	pthread_join(partner, NULL);
	pt_stop();
	if (incarnation & 1) {	/* half the time, close everything by hand */
		for (i = 0; i < POOL; i++)
			if (pool[i].h) {
				mx_status_t s = mx_handle_close(pool[i].h);

				EXPECT(s == NO_ERROR, "final close: %s", st(s));
			}
		if (wset)
			EXPECT(mx_handle_close(wset) == NO_ERROR,
			       "final close of the wait set failed");
	}
	return atomic_load(&sh->failed) ? 1 : 0;
}

/* ---- the parent ------------------------------------------------------------ */

/* Write a module parameter; returns its old value, or -1. */
static long set_param(const char *name, long v)
{
	long old = mx_param_read(name);

	return mx_param_write(name, v) ? -1 : old;
}

static pid_t start_worker(int slot)
{
	struct slot *sl = (struct slot *)(sh + 1) + slot;
	int inc = atomic_fetch_add(&sl->incarnation, 1) + 1;
	pid_t pid = fork();

	if (pid == 0) {
		/* libmx forgets the parent's device in the child by itself */
		_exit(worker(slot, inc));
	}
	if (pid > 0)
		atomic_store(&sl->pid, pid);
	return pid;
}

/* Wait for @pid for at most @bound ns; -1 if it is still there. */
static int reap_bounded(pid_t pid, uint64_t bound, int *status)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < bound) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		usleep(5000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	long base[MXF_NSTATS], now[MXF_NSTATS], max_ep = 0, max_bytes = 0, kills = 0;
	double seconds = 30, kill_ms = 700;
	long qmsgs = 32, qbytes = 65536, old_msgs = -1, old_bytes = -1;
	pid_t pids[MAX_WORKERS];
	uint64_t t0, t1, tend, last_poll = 0;
	struct thread prng;
	long total = 0, received = 0, attempted = 0, failed = 0, both = 0,
	     orphan = 0;
	int opt, i, st, rc = 0;
	const char *env;
	size_t shsize;

	setvbuf(stdout, NULL, _IOLBF, 0);
	env = getenv("STRESS_SECONDS");
	if (env && *env)
		seconds = atof(env);
	env = getenv("STRESS_SEED");
	seed = env && *env ? strtoull(env, NULL, 0) : 0;
	while ((opt = getopt(argc, argv, "d:w:t:k:s:q:b:")) != -1) {
		switch (opt) {
		case 'd': seconds = atof(optarg); break;
		case 'w': nworkers = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 'k': kill_ms = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'q': qmsgs = atol(optarg); break;
		case 'b': qbytes = atol(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-d seconds] [-w workers] [-t threads] [-k kill_ms] [-s seed] [-q max_queued_msgs] [-b max_queued_bytes] (0: module defaults)\n",
				argv[0]);
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || nthreads < 1 ||
	    nthreads > MAX_THREADS || seconds <= 0) {
		fprintf(stderr, "mxstress: bad arguments\n");
		return 2;
	}
	if (!seed)
		seed = mix64(now_ns() ^ (uint64_t)getpid());
	/* Small queues, so that writers meet the limits under stress too. */
	if (qmsgs > 0)
		old_msgs = set_param("max_queued_msgs", qmsgs);
	if (qbytes > 0)
		old_bytes = set_param("max_queued_bytes", qbytes);
	printf("mxstress: seed=%" PRIu64 " duration=%.0fs workers=%d threads=%d kill every ~%.0f ms; queue limits %ld msgs, %ld bytes%s\n",
	       seed, seconds, nworkers, nthreads, kill_ms, qmsgs, qbytes,
	       (qmsgs > 0 && old_msgs < 0) || (qbytes > 0 && old_bytes < 0) ?
	       " (could not set: module defaults)" : "");
	mxf_rng_seed(&prng.rng, seed);

	shsize = sizeof(*sh) + MAX_WORKERS * sizeof(struct slot);
	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return perror("mmap"), 1;
	atomic_flag_clear(&sh->fail_lock);
	if (mxf_stats_read(base)) {
		printf("mxstress: FAIL: cannot read %s\n", MX_STATS_DIR);
		return 1;
	}
	for (i = 0; i < nworkers; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
			return perror("socketpair"), 1;
		inbox_rx[i] = sv[0];
		inbox_tx[i] = sv[1];
	}

	t0 = now_ns();
	tend = t0 + (uint64_t)(seconds * 1e9);
	for (i = 0; i < nworkers; i++)
		if ((pids[i] = start_worker(i)) < 0)
			return perror("fork"), 1;

	while (now_ns() < tend && !atomic_load(&sh->failed)) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (now_ns() - last_poll > 200000000ull && !mxf_stats_read(now)) {
			last_poll = now_ns();
			if (now[2] > max_ep)
				max_ep = now[2];
			if (now[4] > max_bytes)
				max_bytes = now[4];
			atomic_store(&sh->brake, now[2] > 4000 ||
				     now[4] > 96l * 1024 * 1024);
		}
		for (i = 0; i < nworkers; i++) {	/* exited by itself? */
			pid_t r = waitpid(pids[i], &st, WNOHANG);

			if (r == pids[i]) {
				violation("worker %d (pid %d) exited early: status %#x",
					  i, pids[i], st);
				pids[i] = 0;
			}
		}
		if (atomic_load(&sh->failed))
			break;
		if (rn(&prng, (uint32_t)(kill_ms / 10 + 1)) == 0) {
			i = (int)rn(&prng, (uint32_t)nworkers);
			kill(pids[i], SIGKILL);
			kills++;
			if (reap_bounded(pids[i], 20000000000ull, &st)) {
				violation("worker %d (pid %d) did not die within 20 s of SIGKILL (stuck in the kernel?)",
					  i, pids[i]);
				break;
			}
			if ((pids[i] = start_worker(i)) < 0) {
				violation("fork: %s", strerror(errno));
				break;
			}
		}
	}
	atomic_store(&sh->stop, 1);
	for (i = 0; i < nworkers; i++) {
		if (pids[i] <= 0)
			continue;
		if (reap_bounded(pids[i], END_BOUND_NS, &st)) {
			violation("worker %d (pid %d) did not finish within 60 s of the stop (deadlock?)",
				  i, pids[i]);
			kill(pids[i], SIGKILL);
			reap_bounded(pids[i], 20000000000ull, &st);
			rc = 1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			rc = 1;
			if (!atomic_load(&sh->failed))
				violation("worker %d exited with status %#x", i, st);
		}
	}
	t1 = now_ns();
	if (old_msgs >= 0)
		set_param("max_queued_msgs", old_msgs);
	if (old_bytes >= 0)
		set_param("max_queued_bytes", old_bytes);
	for (i = 0; i < nworkers; i++) {	/* in-flight fds die here */
		close(inbox_rx[i]);
		close(inbox_tx[i]);
	}

	if (mxf_stats_back(base, "mxstress", 50))
		rc = 1;

	for (i = 0; i < (int)(MAXMSG / 64); i++) {
		uint64_t a = atomic_load(&sh->attempted[i]);
		uint64_t f = atomic_load(&sh->failed_ids[i]);
		uint64_t r = atomic_load(&sh->received[i]);

		attempted += __builtin_popcountll(a);
		failed += __builtin_popcountll(f);
		received += __builtin_popcountll(r);
		both += __builtin_popcountll(r & f);
		orphan += __builtin_popcountll(r & ~a);
	}
	if (both) {
		printf("mxstress: FAIL: %ld messages were received although their write failed\n", both);
		rc = 1;
	}
	if (orphan) {
		printf("mxstress: FAIL: %ld messages were received but never written\n", orphan);
		rc = 1;
	}
	if (atomic_load(&sh->failed)) {
		printf("mxstress: FAIL: %s\n", sh->fail_msg);
		rc = 1;
	}

	for (i = 0; i < NOPS; i++)
		total += atomic_load(&sh->ops[i]);
	printf("mxstress: ops:");
	for (i = 0; i < NOPS; i++)
		printf(" %s=%ld", op_names[i], atomic_load(&sh->ops[i]));
	printf("\n");
	printf("mxstress: writes: ok=%ld peer_closed=%ld queue_full=%ld denied=%ld; reads: ok=%ld empty=%ld closed=%ld too_small=%ld; waits timed out=%ld handle_closed=%ld\n",
	       atomic_load(&sh->w_ok), atomic_load(&sh->w_bad_state),
	       atomic_load(&sh->w_no_mem), atomic_load(&sh->w_denied),
	       atomic_load(&sh->r_ok), atomic_load(&sh->r_empty),
	       atomic_load(&sh->r_closed), atomic_load(&sh->r_small),
	       atomic_load(&sh->timed_out), atomic_load(&sh->handle_closed));
	printf("mxstress: messages: attempted=%ld failed=%ld received=%ld destroyed_unread_or_lost_to_kill=%ld; handles in messages: sent=%ld received=%ld; bootstrap: sent=%ld dropped=%ld imported=%ld\n",
	       attempted, failed, received, attempted - failed - received,
	       atomic_load(&sh->handles_sent), atomic_load(&sh->handles_received),
	       atomic_load(&sh->xfer_sent), atomic_load(&sh->xfer_dropped),
	       atomic_load(&sh->xfer_imported));
	printf("mxstress: events: created=%ld signals=%ld waits_ok=%ld waits_timed_out=%ld dup_closed_while_waited=%ld partner_wakeups=%ld partner_early=%ld partner_late=%ld sent_in_messages=%ld received=%ld wrong_type=%ld\n",
	       atomic_load(&sh->ev_created), atomic_load(&sh->ev_signals),
	       atomic_load(&sh->ev_waits_ok), atomic_load(&sh->ev_waits_timed_out),
	       atomic_load(&sh->ev_dup_closed), atomic_load(&sh->ev_pingpongs),
	       atomic_load(&sh->ev_partner_early),
	       atomic_load(&sh->ev_partner_late), atomic_load(&sh->ev_sent),
	       atomic_load(&sh->ev_received), atomic_load(&sh->wrong_type));
	printf("mxstress: wait sets: adds=%ld removes=%ld waits_ok=%ld waits_timed_out=%ld cancelled_results=%ld partner_rounds=%ld closed_while_waited=%ld\n",
	       atomic_load(&sh->ws_adds), atomic_load(&sh->ws_removes),
	       atomic_load(&sh->ws_waits_ok), atomic_load(&sh->ws_timed_out),
	       atomic_load(&sh->ws_cancelled), atomic_load(&sh->ws_partner),
	       atomic_load(&sh->ws_closed_while_waited));
	{
		long q = 0, f = 0, tk = 0, bad = 0;

		for (i = 0; i < (int)(MAXMSG / 64); i++) {
			uint64_t a = atomic_load(&sh->pt_attempted[i]);
			uint64_t fl = atomic_load(&sh->pt_failed[i]);
			uint64_t t = atomic_load(&sh->pt_taken[i]);

			q += __builtin_popcountll(a);
			f += __builtin_popcountll(fl);
			tk += __builtin_popcountll(t);
			bad += __builtin_popcountll(t & (fl | ~a));
		}
		if (bad) {
			printf("mxstress: FAIL: %ld port packets taken although never queued or their queue failed\n", bad);
			rc = 1;
		}
		printf("mxstress: ports: user packets queued=%ld failed=%ld taken=%ld lost_to_kill=%ld; iosn packets=%ld binds=%ld closed_under_waiter=%ld polls=%ld waitset_fd_polls=%ld\n",
		       q, f, tk, q - f - tk, atomic_load(&sh->pt_iosn),
		       atomic_load(&sh->pt_binds), atomic_load(&sh->pt_closed_under),
		       atomic_load(&sh->pt_polls), atomic_load(&sh->pt_ws_polls));
	}
	printf("mxstress: peak endpoints=%ld peak message_bytes=%ld; kills=%ld\n",
	       max_ep, max_bytes, kills);
	printf("mxstress: %s: %.1f s, %ld operations (%.0f/s), %d workers x %d threads, %ld kills, seed=%" PRIu64 "\n",
	       rc ? "FAIL" : "PASS", (double)(t1 - t0) / 1e9, total,
	       (double)total * 1e9 / (double)(t1 - t0), nworkers, nthreads,
	       kills, seed);
	return rc;
}
