// SPDX-License-Identifier: GPL-2.0
/*
 * mxsfuzz: a stateful, coverage-guided fuzzer of /dev/magenta.
 *
 *   mxsfuzz [-d SECONDS] [-n SEQUENCES] [-s SEED] [-w WORKERS] [-c SITES]
 *           [-U] [-S] [-r PROGRAM] [-v]
 *
 * Each worker is a process with its own /dev/magenta (reopened for every
 * sequence, so each sequence starts from an empty handle table), a helper
 * thread and a userfaultfd thread. A worker runs sequences of raw ioctls
 * (uapi/linux/magenta.h) over the handles it holds: pipes (plain and
 * reply), writes of random sizes carrying handles (its own, duplicates,
 * stale ones), reads (too-small buffers, MAY_DISCARD, NULL size pointers),
 * calls, closes, duplicate/replace, wait_one/wait_many with short
 * deadlines, export/import through file descriptors, cycles (an endpoint
 * sent into its own pipe, two pipes inside each other), nesting (pipes
 * inside pipes, deeper than max_nesting), full queues, buffers that fault
 * (PROT_NONE, unmapped, read-only, kernel addresses, straddling a guard
 * page) or stall (userfaultfd pages that a thread fills after a random
 * delay), concurrent actions of the helper thread during an ioctl (a
 * signal, a close, a write, a read, a replace, an export, a send),
 * writes of module parameters (their own value, or one they must refuse),
 * reads of the module's debugfs, sysfs and trace files (its trace events
 * are turned on, and counted by perf), fork() with children that import
 * handles, use their own /dev/magenta and are SIGKILLed mid-sequence, block
 * until killed, or exec() themselves (the new image checks that the old
 * tables died with the old address space). Events (ABI 2.1) go everywhere
 * handles go: created, duplicated and replaced with fewer rights,
 * signalled (object_signal), asked about (handle_get_info), waited on alone
 * and beside endpoints, sent in messages with endpoints, nested, lost in
 * cycles, exported, handed to children, given to pipe calls, and raced
 * against a helper's object_signal, close, dup or replace. Wait sets (ABI
 * 2.2) are made, filled with entries on the sequence's events and
 * endpoints (cookies new or taken, handles without READ, the wait set
 * itself), emptied, waited on (poll or short deadlines, small or NULL or
 * unwritable result buffers, restarted) while their entries' handles are
 * signalled, written, closed, replaced and sent away, closed, and misused
 * (duplicated, sent, waited on, asked about). IO ports (ABI 2.3) are
 * made, duplicated with fewer rights, replaced, sent and read back (or lost
 * with the pipe), exported and imported back, closed; USER packets of
 * every size (and sizes, pointers, padding and rights they must refuse)
 * are queued and taken with small, unwritable and kernel buffers; private
 * events and pipe ends are bound (twice: ERR_BAD_STATE; ports and wait
 * sets as sources: refused), signalled, written, read, their peers closed,
 * and their bound handles closed, replaced, sent and exported (unbinding
 * them, their packet withdrawn); waiter threads sleep in port_wait until a
 * queue, an edge or a close releases them; a port is filled to
 * max_port_packets; and poll descriptors of ports and wait sets are polled
 * after every port and wait set call.
 *
 * The oracle is a model of every handle, object (endpoint or event),
 * queued message and exported descriptor of the worker. Every result must be one the ABI
 * allows for that call (the MX_ERRNO_* values its page documents, EFAULT
 * only for an argument struct that cannot be read or written, EINTR only
 * for a wait or call interrupted by a signal), and, where the model knows
 * the state, the one that the documented order of checks gives; messages
 * are read whole, in order, with their payload and handles; signal states,
 * sizes and handle values are checked; an event's signals are known until
 * a handle to it goes where the model cannot follow; handle_get_info must
 * report each object's type and each handle's rights, and one koid per
 * object, the same through every handle to it and never another's (in the
 * sequence or an earlier one). Where the state is not known (an
 * endpoint whose peer lives in a child) the model accepts every documented
 * outcome; for two concurrent calls, every outcome that some order of the
 * two explains. An outcome no order explains, but that the call's page
 * allows, is an anomaly: reported at the end, a failure only with -S. A
 * wait set wait must report exactly the entries with a result (every one
 * if they fit, each at most once, max_results their number), each with
 * its result (satisfied, unsatisfiable, ERR_CANCELLED for a handle gone)
 * and state as the model has them. A port wait must return the model's
 * head packet byte for byte (a binding's packet with the OR of the watched
 * signals at each edge it absorbed), and every live port is drained at the
 * end of a sequence; a poll descriptor must report POLLIN exactly when a
 * packet is queued (a wait set wait with timeout 0 would return a result)
 * and POLLHUP once the object is closed. At
 * the end the module's live-object counters must be back where they were.
 *
 * Coverage: when /sys/kernel/debug/kcov exists, every thread that issues
 * ioctls traces with KCOV_TRACE_PC; the PCs inside the module's .text
 * (/sys/module/magenta/sections/) are kept. A sequence that reaches a PC
 * new to its worker joins the worker's corpus, which later sequences
 * mutate (splice, change an argument, insert or delete a call). With
 * -c SITES (a list of the module's __sanitizer_cov_trace_pc call sites,
 * made on the host from objdump of the KCOV-built magenta.ko) the end
 * reports "kmod coverage: N of M sites (P%)" and the functions never
 * reached. Without kcov (or with -U) the run is unguided: random
 * generation and mutation of earlier sequences.
 *
 * Reproduction: the seed is printed first; -s SEED regenerates the same
 * sequences (exactly for an unguided run; a guided run also depends on the
 * coverage each sequence reached). A failure prints the failing sequence
 * as a program that -r FILE runs again alone.
 *
 * Exit status 0 when every check held, 1 otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magenta.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>

#include "mxfuzz_common.h"

/*
 * ABI 2 added the restarted field of the waits (and made wait_many's pad
 * into it); the fuzzer builds against either header.
 */
#if MX_ABI_MAJOR >= 2
#define ABI2 1
#define WONE_RESTARTED(a)	((a)->restarted)
#define WONE_PAD(a)		((a)->pad)
#define WMANY_RESTARTED(a)	((a)->restarted)
#define WMANY_PAD(a)		0u
#else
#define ABI2 0
#define WONE_RESTARTED(a)	0u
#define WONE_PAD(a)		0u
#define WMANY_RESTARTED(a)	0u
#define WMANY_PAD(a)		((a)->pad)
#endif

#define MX_DEV		"/dev/magenta"
#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define MOD_SECTIONS	"/sys/module/magenta/sections/"

/* <linux/kcov.h> values, so that the program builds without that header. */
#define KCOV_INIT_TRACE_	_IOR('c', 1, unsigned long)
#define KCOV_ENABLE_		_IO('c', 100)
#define KCOV_DISABLE_		_IO('c', 101)
#define KCOV_TRACE_PC_		0
#define KCOV_WORDS		(1u << 18)	/* entries of one trace buffer */

#define MAXW		8	/* workers */
#define MAX_OPS		64	/* ops in one program */
#define OP_NSEL		8	/* handle selectors in one op */
#define MAXH		4096	/* handle records of one sequence */
#define MAXE		4096	/* endpoints of one sequence */
#define MAXM		8192	/* messages of one sequence */
#define POOLN		65536	/* endpoints carried by messages */
#define MAXFD		64	/* exported descriptors of one sequence */
#define NSTALE		32	/* handle values recently invalidated */
#define MAXCHILD	8	/* children of one sequence */
#define CORPUS_MAX	768
#define ROLE_SZ		(72 * 1024)	/* one buffer role: 64 KiB + room */
#define HANG_SECS	60	/* an op running this long is a hang */

/* ---- small things --------------------------------------------------- */

static size_t page_sz;

#define now_ns()	mxf_now_ns()
#define mix64(x)	mxf_mix64(x)

static void sleep_us(uint32_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The random streams (mxfuzz_common.h). */
#define rnd(r)		mxf_rnd(r)
#define rn(r, n)	mxf_rn((r), (n))
#define chance(r, p)	mxf_chance((r), (p))
#define rng_seed(r, s)	mxf_rng_seed((r), (s))

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- results ---------------------------------------------------------- */

/* Every result a call may give: 0 (success) and errno values. */
static const int err_list[] = {
	0, MXF_STATUS_ERRNOS, EFAULT, EINTR, EBADF, ENOTTY,
};
#define NERR ((int)(sizeof(err_list) / sizeof(err_list[0])) + 1)
#define E_OTHER (NERR - 1)

static int eidx(int e)
{
	int i;

	for (i = 0; i < NERR - 1; i++)
		if (err_list[i] == e)
			return i;
	return E_OTHER;
}

#define EB(e) (1u << eidx(e))

#define ename(e)	mxf_errno_name(e)

static void eset_str(uint32_t set, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < NERR - 1 && o < len; i++)
		if (set & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
					      o ? "," : "", ename(err_list[i]));
	if (!o)
		snprintf(buf, len, "nothing");
}

/* ---- ops -------------------------------------------------------------- */

enum opk {
	OP_CREATE, OP_WRITE, OP_READ, OP_CALL, OP_CLOSE, OP_DUP, OP_REPLACE,
	OP_WAIT_ONE, OP_WAIT_MANY, OP_EXPORT, OP_IMPORT, OP_CLOSEFD,
	OP_VERSION, OP_BADCMD, OP_FORK, OP_KILL, OP_ASYNC, OP_NOP, OP_PEEK,
	OP_PARAM, OP_ECREATE, OP_SIGNAL, OP_INFO, OP_WS, OP_PORT, OP_NR
};

static const char *const op_names[OP_NR] = {
	"create", "write", "read", "call", "close", "dup", "replace",
	"wait_one", "wait_many", "export", "import", "closefd",
	"version", "badcmd", "fork", "kill", "async", "nop", "peek", "param",
	"event_create", "signal", "get_info", "waitset", "port",
};

/* Ops that are one ioctl of the device. */
static bool is_ioctl_op(int kind)
{
	return (kind <= OP_BADCMD && kind != OP_CLOSEFD) ||
	       kind == OP_ECREATE || kind == OP_SIGNAL || kind == OP_INFO;
}

/* Results each ioctl's documentation allows (docs/api/). */
static uint32_t doc_allowed(int kind)
{
	uint32_t f = EB(EFAULT);

	switch (kind) {
	case OP_CREATE:
		return f | EB(0) | EB(EINVAL) | EB(ENOMEM);
	case OP_WRITE:
		return f | EB(0) | EB(EINVAL) | EB(EOPNOTSUPP) | EB(EACCES) |
		       EB(E2BIG) | EB(EBADFD) | EB(ENOMEM) | EB(EPROTOTYPE);
	case OP_READ:
		return f | EB(0) | EB(EINVAL) | EB(EACCES) | EB(EOPNOTSUPP) |
		       EB(EBADFD) | EB(EPIPE) | EB(EMSGSIZE) | EB(ENOMEM) |
		       EB(ECANCELED) | EB(EPROTOTYPE);
	case OP_CALL:
		return f | EB(0) | EB(EINVAL) | EB(EACCES) | EB(EOPNOTSUPP) |
		       EB(E2BIG) | EB(EBADFD) | EB(ENOMEM) | EB(ETIMEDOUT) |
		       EB(ECANCELED) | EB(EPIPE) | EB(EMSGSIZE) | EB(EINTR) |
		       EB(EPROTOTYPE);
	case OP_CLOSE:
		return f | EB(0) | EB(EINVAL);
	case OP_DUP:
		return f | EB(0) | EB(EBADSLT) | EB(EACCES) | EB(EINVAL) |
		       EB(ENOMEM);
	case OP_REPLACE:
		return f | EB(0) | EB(EBADSLT) | EB(EINVAL);
	case OP_WAIT_ONE:
		return f | EB(0) | EB(EINVAL) | EB(EACCES) | EB(EBADFD) |
		       EB(ECANCELED) | EB(ETIMEDOUT) | EB(EINTR);
	case OP_WAIT_MANY:
		return f | EB(0) | EB(EINVAL) | EB(ENOMEM) | EB(EACCES) |
		       EB(EBADFD) | EB(ECANCELED) | EB(ETIMEDOUT) | EB(EINTR);
	case OP_EXPORT:
		return f | EB(0) | EB(EINVAL) | EB(ENOMEM) | EB(ENOSPC) |
		       EB(EACCES);
	case OP_IMPORT:
		return f | EB(0) | EB(EINVAL) | EB(EPROTOTYPE) | EB(ENOMEM) |
		       EB(EBADFD);
	case OP_VERSION:
		return f | EB(0);
	case OP_BADCMD:
		return EB(ENOTTY);
	case OP_ECREATE:
		return f | EB(0) | EB(EINVAL) | EB(ENOMEM);
	case OP_SIGNAL:
		return f | EB(0) | EB(EBADSLT) | EB(EACCES) | EB(EOPNOTSUPP) |
		       EB(EINVAL);
	case OP_INFO:
		return f | EB(0) | EB(EBADSLT) | EB(EINVAL) | EB(EMSGSIZE);
	default:
		return EB(0);
	}
}

/* Pointer kinds of user buffers. */
enum pk {
	PK_NORMAL, PK_NULL, PK_PROTNONE, PK_UNMAPPED, PK_STRADDLE, PK_RO,
	PK_UFFD, PK_KERNEL, PK_MISALIGN, PK_NR
};
static const char *const pk_names[PK_NR] = {
	"ok", "null", "protnone", "unmapped", "straddle", "ro", "uffd",
	"kernel", "misalign",
};

/* Where an argument struct goes. */
enum place { PL_NORMAL, PL_RO, PL_UNMAPPED, PL_STRADDLE, PL_UFFD, PL_NR };
static const char *const pl_names[PL_NR] = {
	"ok", "ro", "unmapped", "straddle", "uffd",
};

/*
 * Handle selectors: resolved against the model when the op runs, so that
 * a mutated program still names handles that exist.
 */
enum selc {
	SC_LIVE, SC_NEW, SC_STALE, SC_PEER, SC_SELF, SC_PREV, SC_LIT,
	SC_RAND, SC_READABLE, SC_REPLY, SC_FOREIGN, SC_EVENT, SC_NR
};
#define SEL(c, p)	((uint32_t)(c) | ((uint32_t)(p) << 4))
#define SEL_C(s)	((s) & 15u)
#define SEL_P(s)	((s) >> 4)

/* Deadline specs (low 3 bits; the rest is a number of microseconds). */
enum dl { DL_POLL, DL_PAST, DL_SOON, DL_INF, DL_HUGE };

/* Helper actions (OP_ASYNC a[0]). */
enum act {
	ACT_SIGNAL, ACT_CLOSE, ACT_WRITE, ACT_READ, ACT_REPLACE, ACT_EXPORT,
	ACT_SEND, ACT_PEEK, ACT_OSIGNAL, ACT_DUP, ACT_NR
};
static const char *const act_names[ACT_NR] = {
	"signal", "close", "write", "read", "replace", "export", "send", "peek",
	"object_signal", "dup",
};

/*
 * One op of a program. Argument meaning depends on the kind (see
 * gen_op()); pk[] are pointer kinds, place the argument struct placement.
 */
struct op {
	uint8_t kind;
	uint8_t nsel;
	uint8_t place;
	uint8_t pk[4];
	uint8_t flags;
	uint32_t sel[OP_NSEL + 1];
	uint32_t a[8];
};

struct prog {
	int n;
	struct op op[MAX_OPS];
};

/* ---- shared state of all processes ------------------------------------ */

enum ev {
	EV_SEQ, EV_CALLS, EV_FORK, EV_CHILD_KILLED, EV_ASYNC, EV_UFFD_FAULTS,
	EV_VICTIMS, EV_NEST_ENOMEM, EV_EINTR, EV_DISCARD, EV_WATCHDOG,
	EV_CHILD_CALLS, EV_ASYNC_ORDER_B, EV_ASYNC_ORDER_C, EV_ECANCELED_READ,
	EV_UNCERTAIN, EV_ANOMALY, EV_EXEC, EV_PERF, EV_PAGE_CHECKS,
	EV_CALL_MAYBE_SENT, EV_NR
};
static const char *const ev_names[EV_NR] = {
	"sequences", "calls", "forks", "children_killed", "async", "uffd_faults",
	"cycle_victims", "write_enomem_unpredicted", "eintr", "discards",
	"watchdog_signals", "child_calls", "async_helper_first",
	"async_interleaved", "read_ecanceled", "uncertain_results", "anomalies",
	"execs", "perf_events", "page_checks", "call_maybe_sent",
};

struct wstat {
	atomic_long op_start;	/* ns when the current op began, 0 idle */
	atomic_long seqs;
	atomic_int corpus;
	atomic_int pid;
	atomic_int cur_op;
};

struct shared {
	atomic_int stop;
	atomic_int failed;
	atomic_flag fail_lock;
	atomic_long hist[OP_NR][NERR];
	atomic_long ev[EV_NR];
	struct wstat w[MAXW];
	atomic_int pub[MAXW][8];	/* handle values of each worker */
	char fail_msg[96 * 1024];
	atomic_int nanom;
	char anom[3][24 * 1024];	/* the first anomalies, in full */
};

static struct shared *sh;
static uint8_t *gcov;		/* global coverage: one byte per .text offset */
static uint64_t text_start, text_size;
static bool use_kcov, guided = true, verbose;
static uint64_t seed;
static int nworkers = 2;
static long max_seqs;
static double max_secs;
static uint64_t t_end;
static const char *replay_path;
static bool strict;		/* -S: anomalies fail the run */
static char trace_dir[128];	/* tracefs, when the module's events are on */
static char self_exe[256];	/* for children that exec themselves */

/* Module parameters, read at start. */
static long p_max_handles = 65536, p_max_msgs = 1024, p_max_bytes = 1 << 20;
static long p_max_nesting = -1;	/* -1: the module has no such limit */

static bool ev_mute;		/* checking a path that may not have been taken */

static void ev_add(int e, long n)
{
	if (!ev_mute)
		atomic_fetch_add_explicit(&sh->ev[e], n, memory_order_relaxed);
}

/* ---- failures --------------------------------------------------------- */

/* A growable text buffer for reports. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > b->cap)
		b->len = b->cap;
}

static void fail_text(const char *text)
{
	if (!atomic_flag_test_and_set(&sh->fail_lock))
		snprintf(sh->fail_msg, sizeof(sh->fail_msg), "%s", text);
	atomic_store(&sh->failed, 1);
	atomic_store(&sh->stop, 1);
}

/* ---- three-valued logic ------------------------------------------------ */

enum { T_NO, T_YES, T_MAYBE };

static int t_of(bool b)
{
	return b ? T_YES : T_NO;
}

static int t_or(int a, int b)
{
	if (a == T_YES || b == T_YES)
		return T_YES;
	if (a == T_MAYBE || b == T_MAYBE)
		return T_MAYBE;
	return T_NO;
}

static int t_and(int a, int b)
{
	if (a == T_NO || b == T_NO)
		return T_NO;
	if (a == T_MAYBE || b == T_MAYBE)
		return T_MAYBE;
	return T_YES;
}

static int t_not(int a)
{
	return a == T_MAYBE ? T_MAYBE : a == T_YES ? T_NO : T_YES;
}

/* ---- the model -------------------------------------------------------- */

/* Where an endpoint is. */
enum loc { L_NONE, L_TABLE, L_MSG, L_FD, L_AWAY, L_DEAD };

#define RIGHTS_UNKNOWN	0xffffffffu
#define RIGHTS_PIPE	(MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE)
#define RIGHTS_EVENT	(MX_RIGHT_DUPLICATE | RIGHTS_PIPE)

/* Kinds of object. */
enum kind {
	K_EP,		/* a message pipe endpoint */
	K_EVENT,	/* an event */
	K_UNK,		/* a handle someone else sent: either, until it says */
};

/*
 * An object the model knows: a pipe endpoint (most fields) or an event
 * (kind, sig, sunk, ext, koid; where it is does not matter, as it may have
 * any number of holders, and its death cannot be seen).
 */
struct mep {
	int peer;		/* -1: unknown (an endpoint of someone else's pipe) */
	uint8_t loc;
	uint8_t reply;		/* T_NO, T_YES, T_MAYBE */
	bool dead;
	bool qwild;		/* queue content not known */
	bool unordered;		/* queue content known, its order not */
	int hidx;		/* L_TABLE: handle record */
	int msg;		/* L_MSG: the message carrying it */
	int fdk;		/* L_FD: the exported descriptor */
	int qhead, qtail;
	uint32_t qcount;
	uint64_t qbytes;
	uint32_t gc;
	uint8_t kind;		/* enum kind */
	bool foreign;		/* came from someone else's message: may be an
				   object the model also knows under another
				   record (one that went away and came back) */
	bool ext;		/* event: a holder went where the model cannot
				   follow (a child, a queue nobody here reads),
				   so anyone may change its signals */
	uint32_t sig;		/* event: the satisfied user signals... */
	uint32_t sunk;		/* ...but for these bits, not known */
	uint64_t koid;		/* 0 until handle_get_info reports it */
};

enum pat { PAT_TAG, PAT_RO, PAT_NONE };

struct mmsg {
	uint64_t tag;
	uint32_t nb, nh;
	int at;			/* the endpoint whose queue holds it */
	int next;
	int hoff;		/* carried endpoints: pool[hoff .. hoff+nh) */
	uint8_t pat;
	uint32_t patoff;
	bool live;
};

struct mhandle {
	int32_t value;
	int ep;
	uint32_t rights;
	bool live;
	bool unsure;		/* not live: it may still be in the table */
};

struct mfd {
	int fd;
	int ep;			/* the endpoint it holds, -1 once imported */
	uint32_t rights;	/* the rights it was exported with */
	bool open;
};

/*
 * Wait sets (ABI 2.2): a few per sequence, each with a few entries. Their
 * handles are not in live[] (no other op uses them, but exec_ws()'s
 * misuses); an entry names its watched handle by record, whose liveness
 * says whether the entry is cancelled.
 */
#define MAXWS		4
#define MAXWSE		24

struct mwse {
	uint64_t cookie;
	int hi;			/* the watched handle's record */
	uint32_t signals;
};

struct mws {
	int32_t value;
	bool live;		/* false: closed, value stale */
	int n;
	struct mwse ent[MAXWSE];
};

struct model {
	int nws;
	struct mws ws[MAXWS];
	int ne, nm, nh, nfd, pool_used, nlive, nstale, stale_pos;
	uint32_t gcseq;
	uint64_t next_tag;
	int32_t stale[NSTALE];
	int live[MAXH];		/* live handle records, oldest first */
	struct mep ep[MAXE];
	struct mmsg msg[MAXM];
	struct mhandle h[MAXH];
	struct mfd fd[MAXFD];
	int pool_ep[POOLN];
	uint32_t pool_rights[POOLN];
};

static void m_reset(struct model *m, uint64_t tag_base)
{
	memset(m, 0, offsetof(struct model, live));
	m->next_tag = tag_base;
}

static void m_copy(struct model *d, const struct model *s)
{
	memcpy(d, s, offsetof(struct model, live));
	memcpy(d->live, s->live, sizeof(int) * (size_t)s->nlive);
	memcpy(d->ep, s->ep, sizeof(struct mep) * (size_t)s->ne);
	memcpy(d->msg, s->msg, sizeof(struct mmsg) * (size_t)s->nm);
	memcpy(d->h, s->h, sizeof(struct mhandle) * (size_t)s->nh);
	memcpy(d->fd, s->fd, sizeof(struct mfd) * (size_t)s->nfd);
	memcpy(d->pool_ep, s->pool_ep, sizeof(int) * (size_t)s->pool_used);
	memcpy(d->pool_rights, s->pool_rights,
	       sizeof(uint32_t) * (size_t)s->pool_used);
}

/* Room for one more op that may create up to 1100 of anything. */
static bool m_room(const struct model *m)
{
	return m->ne < MAXE - 1200 && m->nm < MAXM - 1200 &&
	       m->nh < MAXH - 1200 && m->pool_used < POOLN - 2200 &&
	       m->nfd < MAXFD - 4;
}

static int m_find(const struct model *m, int32_t v)
{
	int i;

	if (v <= 0)
		return -1;
	for (i = m->nlive - 1; i >= 0; i--)
		if (m->h[m->live[i]].value == v)
			return m->live[i];
	return -1;
}

static int m_new_ep(struct model *m)
{
	struct mep *e = &m->ep[m->ne];

	memset(e, 0, sizeof(*e));
	e->peer = -1;
	e->hidx = e->msg = e->fdk = -1;
	e->qhead = e->qtail = -1;
	return m->ne++;
}

/* A new event: no signal set, all of them satisfiable. */
static int m_new_event(struct model *m)
{
	int e = m_new_ep(m);

	m->ep[e].kind = K_EVENT;
	return e;
}

static bool m_is_event(const struct model *m, int e)
{
	return m->ep[e].kind == K_EVENT;
}

/* Is object @e an event (T_YES), an endpoint (T_NO), or either? */
static int m_tri_event(const struct model *m, int e)
{
	return m->ep[e].kind == K_UNK ? T_MAYBE : t_of(m->ep[e].kind == K_EVENT);
}

/*
 * An event's signals stop being known: someone the model does not follow
 * holds it.
 */
static void m_event_ext(struct model *m, int e)
{
	m->ep[e].ext = true;
	m->ep[e].sunk = MX_SIGNAL_SIGNAL_ALL;
}

/* A foreign object turned out to be of @kind (handle_get_info said so). */
static void m_learn_kind(struct model *m, int e, int kind)
{
	if (m->ep[e].kind != K_UNK)
		return;
	m->ep[e].kind = (uint8_t)kind;
	if (kind == K_EVENT)
		m_event_ext(m, e);
}

static int m_add_handle(struct model *m, int32_t v, int ep, uint32_t rights)
{
	int hi = m->nh++;

	m->h[hi].value = v;
	m->h[hi].ep = ep;
	m->h[hi].rights = rights;
	m->h[hi].live = true;
	m->h[hi].unsure = false;
	m->live[m->nlive++] = hi;
	m->ep[ep].loc = L_TABLE;
	m->ep[ep].hidx = hi;
	return hi;
}

static void m_stale_push(struct model *m, int32_t v)
{
	m->stale[m->stale_pos] = v;
	m->stale_pos = (m->stale_pos + 1) % NSTALE;
	if (m->nstale < NSTALE)
		m->nstale++;
}

/* The handle leaves the model's table. */
static void m_unlist_handle(struct model *m, int hi)
{
	int i;

	m->h[hi].live = false;
	for (i = 0; i < m->nlive; i++)
		if (m->live[i] == hi)
			break;
	if (i < m->nlive) {
		memmove(&m->live[i], &m->live[i + 1],
			sizeof(int) * (size_t)(m->nlive - i - 1));
		m->nlive--;
	}
	if (m->ep[m->h[hi].ep].hidx == hi)
		m->ep[m->h[hi].ep].hidx = -1;
}

/* The handle leaves the table; its value becomes stale. */
static void m_drop_handle(struct model *m, int hi)
{
	m_unlist_handle(m, hi);
	m_stale_push(m, m->h[hi].value);
}

/*
 * The handle may or may not have left the table: the model lets go of it.
 * Its value is not stale (the kernel may still know it), so no op names it
 * again; a wait set entry on it may or may not be cancelled. The count of
 * live handles may then fall short of the table's, which matters only near
 * max_handles, far above the records of a sequence (MAXH).
 */
static void m_unsure_handle(struct model *m, int hi)
{
	m_unlist_handle(m, hi);
	m->h[hi].unsure = true;
}

static uint64_t m_cost(uint32_t nb, uint32_t nh)
{
	return (uint64_t)nb + 16ull * nh;
}

static bool m_full(const struct model *m, int e)
{
	return m->ep[e].qcount >= (uint64_t)p_max_msgs ||
	       m->ep[e].qbytes >= (uint64_t)p_max_bytes;
}

static void m_enqueue(struct model *m, int e, int mi)
{
	struct mep *p = &m->ep[e];

	m->msg[mi].at = e;
	m->msg[mi].next = -1;
	if (p->qtail >= 0)
		m->msg[p->qtail].next = mi;
	else
		p->qhead = mi;
	p->qtail = mi;
	p->qcount++;
	p->qbytes += m_cost(m->msg[mi].nb, m->msg[mi].nh);
}

static void m_dequeue(struct model *m, int e, int mi)
{
	struct mep *p = &m->ep[e];
	int prev = -1, cur;

	for (cur = p->qhead; cur >= 0 && cur != mi; cur = m->msg[cur].next)
		prev = cur;
	if (cur < 0)
		return;
	if (prev >= 0)
		m->msg[prev].next = m->msg[mi].next;
	else
		p->qhead = m->msg[mi].next;
	if (p->qtail == mi)
		p->qtail = prev;
	p->qcount--;
	p->qbytes -= m_cost(m->msg[mi].nb, m->msg[mi].nh);
	m->msg[mi].next = -1;
	if (!p->qcount)
		p->unordered = false;
}

static void m_ep_close(struct model *m, int e);

static void m_msg_destroy(struct model *m, int mi)
{
	uint32_t i;

	m->msg[mi].live = false;
	for (i = 0; i < m->msg[mi].nh; i++)
		m_ep_close(m, m->pool_ep[m->msg[mi].hoff + (int)i]);
}

/* An endpoint dies: its queue is destroyed, with what it carries. */
static void m_ep_kill(struct model *m, int e)
{
	int mi, next;

	if (m->ep[e].dead || m_is_event(m, e))
		return;
	m->ep[e].dead = true;
	mi = m->ep[e].qhead;
	m->ep[e].qhead = m->ep[e].qtail = -1;
	m->ep[e].qcount = 0;
	m->ep[e].qbytes = 0;
	for (; mi >= 0; mi = next) {
		next = m->msg[mi].next;
		m_msg_destroy(m, mi);
	}
}

/*
 * Its holder lets go of an endpoint. (An event lives on while it has other
 * holders, and nothing sees it die: nothing changes.)
 */
static void m_ep_close(struct model *m, int e)
{
	if (m->ep[e].loc == L_AWAY || m_is_event(m, e))
		return;
	m->ep[e].loc = L_DEAD;
	m_ep_kill(m, e);
}

/*
 * An endpoint went where the model cannot follow (another process, a
 * queue nobody here reads): so does everything queued for it.
 */
static void m_ep_away(struct model *m, int e)
{
	int mi, next;
	uint32_t i;

	if (m_is_event(m, e)) {
		m_event_ext(m, e);
		return;
	}
	if (m->ep[e].loc == L_AWAY || m->ep[e].loc == L_DEAD)
		return;
	m->ep[e].loc = L_AWAY;
	mi = m->ep[e].qhead;
	m->ep[e].qhead = m->ep[e].qtail = -1;
	m->ep[e].qcount = 0;
	m->ep[e].qbytes = 0;
	m->ep[e].qwild = true;
	for (; mi >= 0; mi = next) {
		next = m->msg[mi].next;
		m->msg[mi].live = false;
		for (i = 0; i < m->msg[mi].nh; i++)
			m_ep_away(m, m->pool_ep[m->msg[mi].hoff + (int)i]);
	}
}

/* Forget what is queued for @e (what it carried goes away). */
static void m_forget_queue(struct model *m, int e)
{
	int mi, next;
	uint32_t i;

	if (m_is_event(m, e))
		return;
	mi = m->ep[e].qhead;
	m->ep[e].qhead = m->ep[e].qtail = -1;
	m->ep[e].qcount = 0;
	m->ep[e].qbytes = 0;
	m->ep[e].qwild = true;
	for (; mi >= 0; mi = next) {
		next = m->msg[mi].next;
		m->msg[mi].live = false;
		for (i = 0; i < m->msg[mi].nh; i++)
			m_ep_away(m, m->pool_ep[m->msg[mi].hoff + (int)i]);
	}
}

static bool m_same_queue(const struct model *a, const struct model *b, int e)
{
	int x = a->ep[e].qhead, y = b->ep[e].qhead;

	if (a->ep[e].qcount != b->ep[e].qcount || a->ep[e].qwild != b->ep[e].qwild)
		return false;
	for (; x >= 0 && y >= 0; x = a->msg[x].next, y = b->msg[y].next)
		if (a->msg[x].tag != b->msg[y].tag)
			return false;
	return x < 0 && y < 0;
}

static bool m_same_content(const struct model *a, const struct model *b, int e)
{
	int x, y;

	if (a->ep[e].qcount != b->ep[e].qcount)
		return false;
	for (x = a->ep[e].qhead; x >= 0; x = a->msg[x].next) {
		for (y = b->ep[e].qhead; y >= 0; y = b->msg[y].next)
			if (a->msg[x].tag == b->msg[y].tag)
				break;
		if (y < 0)
			return false;
	}
	return true;
}

/*
 * Two orders of concurrent calls both explain their results: keep @a,
 * but where @b's queues differ, forget their order, or their content.
 */
static void m_merge(struct model *a, const struct model *b)
{
	int e, n = a->ne < b->ne ? a->ne : b->ne;

	for (e = 0; e < n; e++) {
		if (m_is_event(a, e) || m_is_event(b, e)) {
			/* Signal bits the two orders disagree on are unknown. */
			a->ep[e].sunk |= (a->ep[e].sig ^ b->ep[e].sig) |
					 b->ep[e].sunk;
			if (b->ep[e].ext)
				m_event_ext(a, e);
			continue;
		}
		if (m_same_queue(a, b, e))
			continue;
		if (m_same_content(a, b, e))
			a->ep[e].unordered = true;
		else
			m_forget_queue(a, e);
	}
}

/* Is what is queued for @e known? */
static bool m_qknown(const struct model *m, int e)
{
	const struct mep *p = &m->ep[e];

	return p->loc != L_AWAY && !p->qwild && p->peer >= 0 &&
	       m->ep[p->peer].loc != L_AWAY;
}

/* Is @e's peer dead? */
static int m_peer_dead(const struct model *m, int e)
{
	int p = m->ep[e].peer;

	if (p < 0 || m->ep[p].loc == L_AWAY)
		return T_MAYBE;
	return t_of(m->ep[p].dead);
}

/* Would a message of @cost bytes not fit in @e's queue? */
static int m_no_room(const struct model *m, int e, uint64_t cost)
{
	if (e < 0 || m->ep[e].loc == L_AWAY || m->ep[e].qwild)
		return T_MAYBE;
	return t_of(m_full(m, e) ||
		    m->ep[e].qbytes + cost > (uint64_t)p_max_bytes);
}

/*
 * The signals of event @e: the satisfiable set is always known, the
 * satisfied bits but for *unk.
 */
static void m_ev_state(const struct model *m, int e, struct mx_signals_state *st,
		       uint32_t *unk)
{
	st->satisfied = m->ep[e].sig & ~m->ep[e].sunk;
	st->satisfiable = MX_SIGNAL_SIGNAL_ALL;
	*unk = m->ep[e].sunk;
}

/* The signals of @e, if the model knows them. */
static bool m_signals(const struct model *m, int e, struct mx_signals_state *st)
{
	const struct mep *p = &m->ep[e];
	uint32_t sat = 0, able;

	if (p->kind == K_EVENT) {
		m_ev_state(m, e, st, &able);
		return !able;
	}
	if (p->kind == K_UNK)
		return false;
	if (!m_qknown(m, e))
		return false;
	if (m->ep[p->peer].qwild && !m->ep[p->peer].dead)
		return false;
	if (p->qcount)
		sat |= MX_SIGNAL_READABLE;
	if (m->ep[p->peer].dead) {
		sat |= MX_SIGNAL_PEER_CLOSED;
		able = sat;
	} else {
		if (!m_full(m, p->peer))
			sat |= MX_SIGNAL_WRITABLE;
		able = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
		       MX_SIGNAL_PEER_CLOSED;
	}
	st->satisfied = sat;
	st->satisfiable = able;
	return true;
}

static int m_new_pipe(struct model *m, bool reply)
{
	int a = m_new_ep(m), b = m_new_ep(m);

	m->ep[a].peer = b;
	m->ep[b].peer = a;
	m->ep[b].reply = reply ? T_YES : T_NO;
	return a;
}

/* Levels of endpoints nested in @e's queue (0: no handles queued). */
static int m_depth(const struct model *m, int e, int lvl)
{
	int mi, d = 0, x;
	uint32_t i;

	if (lvl > 4096 || m->ep[e].loc == L_AWAY || !m_qknown(m, e))
		return -1;
	for (mi = m->ep[e].qhead; mi >= 0; mi = m->msg[mi].next) {
		for (i = 0; i < m->msg[mi].nh; i++) {
			if (m_is_event(m, m->pool_ep[m->msg[mi].hoff + (int)i]))
				continue;	/* events nest nothing */
			x = m_depth(m, m->pool_ep[m->msg[mi].hoff + (int)i], lvl + 1);
			if (x < 0)
				return -1;
			if (x + 1 > d)
				d = x + 1;
		}
	}
	return d;
}

/*
 * Would queueing @n endpoints for @dest stack more than max_nesting levels
 * (dest's height + 1 + what hangs below a carried endpoint)? The module
 * keeps an upper bound of the depth, so it may refuse writes this allows.
 */
static int m_too_deep(const struct model *m, int dest, const int32_t *hv,
		      uint32_t n)
{
	int h = 0, d = dest, dmax = 0, x;
	bool nests = false;
	uint32_t i;

	if (p_max_nesting < 0 || !n)
		return T_NO;
	/* Only endpoints nest: a message of events alone never fails here. */
	for (i = 0; i < n; i++) {
		int hi = m_find(m, hv[i]);

		if (hi < 0 || !m_is_event(m, m->h[hi].ep))
			nests = true;
	}
	if (!nests)
		return T_NO;
	if (dest < 0)
		return T_MAYBE;
	while (m->ep[d].loc == L_MSG && h <= 4096) {
		d = m->msg[m->ep[d].msg].at;
		h++;
	}
	if (m->ep[d].loc == L_AWAY)
		return T_MAYBE;
	for (i = 0; i < n; i++) {
		int hi = m_find(m, hv[i]);

		if (hi < 0)
			return T_MAYBE;
		if (m_is_event(m, m->h[hi].ep))
			continue;
		x = m_depth(m, m->h[hi].ep, 0);
		if (x < 0)
			return T_MAYBE;
		if (x > dmax)
			dmax = x;
	}
	return h + 1 + dmax > p_max_nesting ? T_YES : T_NO;
}

/* Which carried endpoint closes a cycle when queued for @dest, or -1. */
static int m_victim(struct model *m, int dest, const int *carried, uint32_t n)
{
	uint32_t seq = ++m->gcseq, i;
	int d, steps = 0, victim = -1;

	for (d = dest; d >= 0 && steps <= m->ne; steps++) {
		m->ep[d].gc = seq;
		if (m->ep[d].loc != L_MSG)
			break;
		d = m->msg[m->ep[d].msg].at;
	}
	for (i = 0; i < n; i++)
		if (m->ep[carried[i]].gc == seq)
			victim = carried[i];
	return victim;
}

static int m_new_msg(struct model *m, uint32_t nb, uint32_t nh)
{
	int mi = m->nm++;

	memset(&m->msg[mi], 0, sizeof(m->msg[mi]));
	m->msg[mi].nb = nb;
	m->msg[mi].nh = nh;
	m->msg[mi].hoff = m->pool_used;
	m->msg[mi].next = -1;
	m->msg[mi].live = true;
	m->pool_used += (int)nh;
	return mi;
}

static int m_fd_find(const struct model *m, int fd)
{
	int i;

	for (i = m->nfd - 1; i >= 0; i--)
		if (m->fd[i].open && m->fd[i].fd == fd)
			return i;
	return -1;
}

/* Does handle record @hi have right @r? */
static int m_has(const struct model *m, int hi, uint32_t r)
{
	if (m->h[hi].rights == RIGHTS_UNKNOWN)
		return T_MAYBE;
	return t_of(m->h[hi].rights & r);
}

/* ---- user buffers ----------------------------------------------------- */

/* Each role of a call has its own buffers, so that buffers never overlap. */
enum role {
	R_WBYTES, R_WHANDLES, R_RBYTES, R_RHANDLES, R_NB, R_NH, R_STATE,
	R_INDEX, R_WMH, R_WMS, R_CREATE, R_ARG, NROLE
};

struct kcov {
	int fd;
	unsigned long *area;
};

/* What one thread that issues ioctls owns. */
struct tctx {
	uint8_t *rw;		/* NROLE x (ROLE_SZ, then a PROT_NONE page) */
	uint8_t *ro, *ro_rw;	/* NROLE x ROLE_SZ: read-only view, writable alias */
	uint8_t *uf;		/* NROLE x ROLE_SZ under userfaultfd, or NULL */
	uint8_t *shadow;	/* what the userfaultfd thread copies in */
	int32_t hv[MX_MAX_MSG_HANDLES + 64];
	uint32_t sig[MX_MAX_WAIT_HANDLES + 8];
	struct kcov kc;
};

static uint8_t *protnone_region;	/* page_sz * 4, PROT_NONE */
static uint8_t *hole;			/* a page that is never mapped */

static const uint64_t kernel_addrs[] = {
	0xffff888000000000ull, 0xffffffff81000000ull, 0xffffc90000000000ull,
	0xfffffffffffff000ull, 0x0000800000000000ull, 0x8000000000000000ull,
};

struct ubuf {
	uint64_t ptr;
	uint8_t kind;
	uint32_t room;		/* bytes usable from ptr */
	uint8_t *fillp;		/* where to put what the kernel will read */
};

static uint8_t *role_rw(struct tctx *tc, int role)
{
	return tc->rw + (size_t)role * (ROLE_SZ + page_sz);
}

static struct ubuf ub_make(struct tctx *tc, int role, int kind, uint64_t size,
			   uint32_t param)
{
	struct ubuf b = { 0, (uint8_t)kind, 0, NULL };
	uint32_t off, k;

	if (kind == PK_UFFD && !tc->uf)
		b.kind = kind = PK_NORMAL;
	switch (kind) {
	case PK_NORMAL:
		b.fillp = role_rw(tc, role);
		b.room = ROLE_SZ;
		break;
	case PK_MISALIGN:
		off = 1 + param % 7;
		b.fillp = role_rw(tc, role) + off;
		b.room = ROLE_SZ - off;
		break;
	case PK_STRADDLE:
		if (size > ROLE_SZ)
			size = ROLE_SZ;
		k = size ? (uint32_t)(param % size) : 0;
		b.fillp = role_rw(tc, role) + ROLE_SZ - k;
		b.room = k;
		break;
	case PK_RO:
		off = (param % 16) * 4;
		b.ptr = (uint64_t)(uintptr_t)(tc->ro + (size_t)role * ROLE_SZ + off);
		b.fillp = tc->ro_rw + (size_t)role * ROLE_SZ + off;
		b.room = ROLE_SZ - off;
		return b;
	case PK_UFFD:
		b.ptr = (uint64_t)(uintptr_t)(tc->uf + (size_t)role * ROLE_SZ);
		b.fillp = tc->shadow + (size_t)role * ROLE_SZ;
		b.room = ROLE_SZ;
		return b;
	case PK_NULL:
		return b;
	case PK_PROTNONE:
		b.ptr = (uint64_t)(uintptr_t)(protnone_region + param % page_sz);
		return b;
	case PK_UNMAPPED:
		b.ptr = (uint64_t)(uintptr_t)(hole + param % page_sz);
		return b;
	default:
		b.kind = PK_KERNEL;
		b.ptr = kernel_addrs[param % (sizeof(kernel_addrs) /
					      sizeof(kernel_addrs[0]))] +
			(param & 0x100 ? (param >> 9) % 64 : 0);
		return b;
	}
	b.ptr = (uint64_t)(uintptr_t)b.fillp;
	return b;
}

static void ub_fill(const struct ubuf *b, const void *data, uint64_t len)
{
	if (b->fillp)
		memcpy(b->fillp, data, len < b->room ? len : b->room);
}

/* Can the kernel access @need bytes of @b? */
static int ub_acc(const struct ubuf *b, uint64_t need, bool wr, bool sig)
{
	if (!need)
		return b->kind == PK_KERNEL ? T_MAYBE : T_YES;
	switch (b->kind) {
	case PK_NORMAL:
	case PK_MISALIGN:
	case PK_STRADDLE:
		return t_of(need <= b->room);
	case PK_UFFD:
		/* A signal makes a stalled kernel access fail. */
		return need > b->room ? T_NO : sig ? T_MAYBE : T_YES;
	case PK_RO:
		return t_of(!wr && need <= b->room);
	default:
		return T_NO;
	}
}

/* Payload of a message: its tag in the first 8 bytes, then a pattern. */
static uint8_t pat_byte(uint64_t tag, uint32_t i)
{
	uint64_t x = tag * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0xff51afd7ed558ccdull;

	return (uint8_t)(x >> 56);
}

static void pat_fill(uint8_t *p, uint64_t tag, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = i < 8 ? (uint8_t)(tag >> (8 * i)) : pat_byte(tag, i);
}

/* First byte that differs from the pattern, or -1. */
static long pat_check(const uint8_t *p, uint64_t tag, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (i < 8 ? (uint8_t)(tag >> (8 * i)) : pat_byte(tag, i)))
			return (long)i;
	return -1;
}

/* ---- calls ------------------------------------------------------------ */

union argu {
	struct mx_ioc_version ver;
	struct mx_ioc_msgpipe_create create;
	struct mx_ioc_msgpipe_write write;
	struct mx_ioc_msgpipe_read read;
	struct mx_ioc_msgpipe_call call;
	int32_t close;
	struct mx_ioc_handle_dup dup;
	struct mx_ioc_wait_one wone;
	struct mx_ioc_wait_many wmany;
	struct mx_ioc_handle_export exp;
	struct mx_ioc_handle_import imp;
	struct mx_ioc_event_create ecreate;
	struct mx_ioc_object_signal osig;
	struct mx_ioc_handle_get_info info;
	uint8_t raw[256];
};

/* Classes of descriptors for an import. */
enum fdc { FDC_XFER, FDC_NOTOPEN, FDC_OTHER };

enum phase { PH_ALL, PH_PRE, PH_POST };

/* One ioctl: its arguments as the kernel sees them, its result, checks. */
struct call {
	const struct op *op;
	int kind;
	int fd;
	unsigned long cmd;
	union argu a;
	size_t argsz;
	void *argp;
	uint8_t place;
	uint32_t nh;		/* entries of hv */
	int32_t *hv;		/* handle values the kernel will read */
	uint32_t *sig;		/* wait_many signal sets */
	struct ubuf b[6];
	uint32_t cap_b, cap_h;	/* read capacities the kernel will read */
	uint64_t tag;
	int fdclass, fdk;
	bool tight;		/* export with no free descriptor below the limit */
	bool sig_inflight;	/* a signal may hit the call */
	bool eintr_ok;		/* a signal may have ended a wait */
	bool cancel_ok;		/* a concurrent close may cancel a read */
	bool infinite;		/* a wait with no deadline */
	bool uses_uffd;
	int dlkind;
	uint32_t written_in;	/* call: written as passed */
	uint32_t restarted_in;	/* waits: restarted as passed */
	uint32_t uffd_delay;
	long ret;
	int err;
	int tries;
	uint32_t expect;
	char why[240];		/* why the checks failed */
	char iwhy[160];		/* a problem seen while issuing */
	int pre_n;
	int pre_ep[MX_MAX_WAIT_HANDLES];
};

/* 0 for success (get_info returns the bytes it wrote), else the errno. */
static int res_of(const struct call *c)
{
	return c->ret == -1 ? c->err : 0;
}

static const int32_t lit_values[] = {
	0, -1, 1, INT32_MAX, INT32_MIN, 0x40000000,
};

/* The handle value a selector names in @m. */
static int32_t resolve(const struct model *m, int wid, uint32_t s,
		       int32_t self, int32_t prev)
{
	uint32_t p = SEL_P(s);
	int i, n, hi;

	switch (SEL_C(s)) {
	case SC_NEW:
		if (m->nlive)
			return m->h[m->live[m->nlive - 1 - (int)(p % (uint32_t)m->nlive)]].value;
		break;
	case SC_STALE:
		if (m->nstale)
			return m->stale[(m->stale_pos + NSTALE - 1 -
					 (int)(p % (uint32_t)m->nstale)) % NSTALE];
		return 0x7ffffff0;
	case SC_PEER:
		hi = m_find(m, self);
		if (hi >= 0) {
			int pe = m->ep[m->h[hi].ep].peer;

			if (pe >= 0 && m->ep[pe].loc == L_TABLE)
				return m->h[m->ep[pe].hidx].value;
		}
		break;
	case SC_SELF:
		return self;
	case SC_PREV:
		return prev;
	case SC_LIT:
		return lit_values[p % 6];
	case SC_RAND:
		return (int32_t)(mix64(p) & 0x7fffffff);
	case SC_READABLE:
		for (i = 0, n = 0; i < m->nlive; i++) {
			int e = m->h[m->live[i]].ep;

			if (m->ep[e].qcount && n++ == (int)(p % 4))
				return m->h[m->live[i]].value;
		}
		break;
	case SC_REPLY:
		for (i = 0, n = 0; i < m->nlive; i++) {
			int e = m->h[m->live[i]].ep;

			if (m->ep[e].reply == T_YES && n++ == (int)(p % 2))
				return m->h[m->live[i]].value;
		}
		break;
	case SC_FOREIGN:
		return atomic_load(&sh->pub[(wid + 1 + (int)(p >> 3)) % MAXW][p & 7]);
	case SC_EVENT:
		/* The p-th newest handle of an event. */
		for (i = m->nlive - 1, n = 0; i >= 0; i--) {
			int e = m->h[m->live[i]].ep;

			if (m->ep[e].kind == K_EVENT && n++ == (int)(p % 4))
				return m->h[m->live[i]].value;
		}
		break;
	default:
		break;
	}
	if (m->nlive)
		return m->h[m->live[p % (uint32_t)m->nlive]].value;
	return m->nstale ? m->stale[0] : 0x12345;
}

/* ---- the worker ------------------------------------------------------- */

struct child {
	pid_t pid;
	int mode;		/* 0: runs to its end; 1, 2: SIGKILLed at kill_at */
	uint64_t kill_at;
	bool killed, reaped;
};

struct corpus_ent {
	struct prog p;
	uint32_t newpcs;
};

struct worker {
	int idx;
	int devfd;
	/* the results pages of this table's wait sets (MX_IOC_WAITSET_PAGE) */
	const struct mx_ws_page *wsp_area;
	int nwsp;
	int32_t wsp_val[MAXWS];
	uint32_t wsp_id[MAXWS];
	int fd_floor;		/* descriptors below are the worker's own */
	int pipefd[2];
	struct mxf_rng rng;
	uint64_t tag_ctr;
	struct tctx tc, htc;	/* the fuzzing thread's, the helper's */
	int uffd, quitfd;
	uint8_t *uf_base;
	size_t uf_len;
	atomic_uint uffd_delay;
	atomic_uint uffd_faults;
	pthread_t uffd_thr, help_thr;
	pid_t main_tid;
	/* the helper thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int hstate;		/* 0 idle, 1 job posted, 2 job done, 3 quit */
	struct call *hcall;
	int hact;
	uint32_t hdelay;
	atomic_int main_busy, wd_fired, main_infinite;
	/* children */
	struct child ch[MAXCHILD];
	int nch;
	uint8_t *ccov;		/* the children's coverage (shared) */
	int ccov_fd;		/* its memfd, for a child that execs */
	/* coverage */
	uint8_t *seen, *seqcov;
	uint32_t *touched;
	uint32_t ntouched, touched_max;
	/* the model, and scratch copies for concurrent calls */
	struct model *m, *mt, *mt2;
	struct corpus_ent *corpus;
	int ncorpus;
	struct sbuf trace;
	bool in_child;
	long seqno;
	int opno;
	const struct prog *cur;
};

static uint32_t op_param(const struct op *op, int k, int iter)
{
	return (uint32_t)mix64((uint64_t)op->a[7] * 31 + (uint64_t)k +
			       (uint64_t)iter * 1000003ull);
}

static uint64_t mk_deadline(uint32_t spec, struct call *c, bool async)
{
	uint32_t kind = spec & 7, us = spec >> 3;
	uint64_t now = now_ns();

	if ((kind == DL_INF || kind == DL_HUGE) && !async)
		kind = DL_SOON;
	c->dlkind = (int)kind;
	c->infinite = kind == DL_INF || kind == DL_HUGE;
	switch (kind) {
	case DL_POLL:
		return 0;
	case DL_PAST:
		return now > 1000000 ? now - 1000000 : 1;
	case DL_INF:
		return UINT64_MAX;
	case DL_HUGE:
		return (1ull << 63) + us;
	default:
		c->dlkind = DL_SOON;
		return now + (20ull + us % 3000) * 1000ull;
	}
}

static bool pl_uffd(const struct tctx *tc, const struct op *op)
{
	int i;

	if (!tc->uf)
		return false;
	if (op->place == PL_UFFD)
		return true;
	for (i = 0; i < 4; i++)
		if (op->pk[i] == PK_UFFD)
			return true;
	return false;
}

static void place_arg(struct tctx *tc, struct call *c, uint32_t param)
{
	uint8_t *rw = role_rw(tc, R_ARG);
	size_t k;

	switch (c->place) {
	case PL_RO:
		memcpy(tc->ro_rw + (size_t)R_ARG * ROLE_SZ, &c->a, c->argsz);
		c->argp = tc->ro + (size_t)R_ARG * ROLE_SZ;
		return;
	case PL_UNMAPPED:
		c->argp = hole + 64;
		return;
	case PL_STRADDLE:
		k = param % c->argsz;
		memcpy(rw + ROLE_SZ - k, &c->a, k);
		c->argp = rw + ROLE_SZ - k;
		return;
	case PL_UFFD:
		if (tc->uf) {
			memcpy(tc->shadow + (size_t)R_ARG * ROLE_SZ, &c->a, c->argsz);
			c->argp = tc->uf + (size_t)R_ARG * ROLE_SZ;
			return;
		}
		/* fall through */
	default:
		c->place = PL_NORMAL;
		memcpy(rw, &c->a, c->argsz);
		c->argp = rw;
	}
}

/* The i-th live value, skipping @skip. */
static int32_t live_nth(const struct model *m, uint32_t i, int32_t skip)
{
	int k, n = m->nlive;

	if (!n)
		return 0x2345;
	for (k = 0; k < n; k++) {
		int32_t v = m->h[m->live[(i + (uint32_t)k) % (uint32_t)n]].value;

		if (v != skip)
			return v;
	}
	return skip;
}

/* The write half of a write or a call. */
static void prep_write(struct worker *w, struct tctx *tc, const struct model *m,
		       const struct op *op, struct call *c,
		       struct mx_ioc_msgpipe_write *wr, uint32_t nb, uint32_t nh,
		       uint32_t fillmode, int iter)
{
	int32_t h = resolve(m, w->idx, op->sel[0], 0, 0), prev = 0;
	uint32_t fill = nh < MX_MAX_MSG_HANDLES ? nh : MX_MAX_MSG_HANDLES, i;

	for (i = 0; i < fill; i++) {
		int32_t v;

		if (i < op->nsel)
			v = resolve(m, w->idx, op->sel[1 + i], h, prev);
		else if (fillmode % 3 == 0)
			v = live_nth(m, i - op->nsel, h);
		else if (fillmode % 3 == 1)
			v = (int32_t)(mix64(i + op->a[7]) & 0x7fffffff);
		else
			v = prev;
		tc->hv[i] = v;
		prev = v;
	}
	c->nh = fill;
	c->hv = tc->hv;
	c->b[0] = ub_make(tc, R_WBYTES, op->pk[0], nb, op_param(op, 0, iter));
	c->b[1] = ub_make(tc, R_WHANDLES, op->pk[1], 4ull * nh, op_param(op, 1, iter));
	c->tag = ((0xa5ull << 56) | ((uint64_t)w->idx << 48) |
		  ((uint64_t)w->in_child << 47)) + ++w->tag_ctr;
	if (nb && nb <= MX_MAX_MSG_BYTES && c->b[0].fillp)
		pat_fill(c->b[0].fillp, c->tag, nb < c->b[0].room ? nb : c->b[0].room);
	if (fill)
		ub_fill(&c->b[1], tc->hv, 4ull * fill);
	wr->handle = (uint32_t)h;
	wr->flags = 0;
	wr->bytes = c->b[0].ptr;
	wr->handles = c->b[1].ptr;
	wr->num_bytes = nb;
	wr->num_handles = nh;
}

static void put_cap(const struct ubuf *b, uint32_t v)
{
	ub_fill(b, &v, 4);
}

/* What the kernel reads as a capacity. */
static uint32_t cap_of(const struct ubuf *b, uint32_t v)
{
	return b->kind != PK_NULL && b->room >= 4 ? v : 0;
}

static void junk_fill(const struct ubuf *b, uint32_t len)
{
	if (b->fillp && b->kind != PK_RO && b->kind != PK_UFFD)
		memset(b->fillp, 0xee, len < b->room ? len : b->room);
}

static int classify_fd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return FDC_NOTOPEN;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return FDC_OTHER;
	link[n] = 0;
	return strcmp(link, "anon_inode:[magenta-handle]") ? FDC_OTHER : FDC_XFER;
}

/*
 * Build the call for @op against model @m (which it does not change):
 * resolve handle selectors, fill the buffers, place the argument struct.
 */
static void prep(struct worker *w, struct tctx *tc, const struct model *m,
		 const struct op *op, struct call *c, int iter, bool async)
{
	union argu *a = &c->a;
	int32_t h;
	uint32_t i, n;

	memset(c, 0, offsetof(struct call, pre_ep));
	c->op = op;
	c->kind = op->kind;
	c->fd = w->devfd;
	c->hv = tc->hv;
	c->sig = tc->sig;
	c->fdk = -1;
	c->place = op->place < PL_NR ? op->place : PL_NORMAL;
	if (pl_uffd(tc, op)) {
		c->uses_uffd = true;
		madvise(tc->uf, (size_t)NROLE * ROLE_SZ, MADV_DONTNEED);
		c->uffd_delay = op_param(op, 9, iter) % 4 ? op_param(op, 10, iter) % 3000 : 0;
	}
	switch (op->kind) {
	case OP_CREATE: {
		int32_t junk[2] = { 0x5a5a5a5a, 0x5a5a5a5a };

		c->cmd = MX_IOC_MSGPIPE_CREATE;
		c->argsz = sizeof(a->create);
		c->b[0] = ub_make(tc, R_CREATE, op->pk[0], 8, op_param(op, 0, iter));
		ub_fill(&c->b[0], junk, 8);
		a->create.handles = c->b[0].ptr;
		a->create.flags = op->a[0];
		a->create.pad = op->a[1];
		break;
	}
	case OP_WRITE:
		c->cmd = MX_IOC_MSGPIPE_WRITE;
		c->argsz = sizeof(a->write);
		prep_write(w, tc, m, op, c, &a->write, op->a[0], op->a[1],
			   op->a[4], iter);
		a->write.flags = op->a[2];
		break;
	case OP_READ:
		c->cmd = MX_IOC_MSGPIPE_READ;
		c->argsz = sizeof(a->read);
		h = resolve(m, w->idx, op->sel[0], 0, 0);
		c->b[0] = ub_make(tc, R_RBYTES, op->pk[0], 65536, op_param(op, 0, iter));
		c->b[1] = ub_make(tc, R_NB, op->pk[1], 4, op_param(op, 1, iter));
		c->b[2] = ub_make(tc, R_RHANDLES, op->pk[2], 4096, op_param(op, 2, iter));
		c->b[3] = ub_make(tc, R_NH, op->pk[3], 4, op_param(op, 3, iter));
		junk_fill(&c->b[0], 4096);
		junk_fill(&c->b[2], 4096);
		put_cap(&c->b[1], op->a[0]);
		put_cap(&c->b[3], op->a[1]);
		c->cap_b = cap_of(&c->b[1], op->a[0]);
		c->cap_h = cap_of(&c->b[3], op->a[1]);
		a->read.handle = (uint32_t)h;
		a->read.flags = op->a[2];
		a->read.bytes = c->b[0].ptr;
		a->read.num_bytes = c->b[1].ptr;
		a->read.handles = c->b[2].ptr;
		a->read.num_handles = c->b[3].ptr;
		break;
	case OP_CALL: {
		struct mx_ioc_msgpipe_call *k = &a->call;
		uint32_t bits = op->a[5];

		c->cmd = MX_IOC_MSGPIPE_CALL;
		c->argsz = sizeof(*k);
		prep_write(w, tc, m, op, c, &k->wr, op->a[0], op->a[1], op->a[6], iter);
		if (bits & 0x20)
			k->wr.flags = 1;
		c->b[2] = ub_make(tc, R_RBYTES, op->pk[2], 65536, op_param(op, 2, iter));
		c->b[3] = ub_make(tc, R_NB, op->pk[3], 4, op_param(op, 3, iter));
		c->b[4] = ub_make(tc, R_RHANDLES, PK_NORMAL, 4096, 0);
		c->b[5] = ub_make(tc, R_NH, op->pk[3], 4, op_param(op, 4, iter));
		junk_fill(&c->b[2], 4096);
		junk_fill(&c->b[4], 4096);
		put_cap(&c->b[3], op->a[2]);
		put_cap(&c->b[5], op->a[3]);
		c->cap_b = cap_of(&c->b[3], op->a[2]);
		c->cap_h = cap_of(&c->b[5], op->a[3]);
		k->rd.handle = k->wr.handle ^ (bits & 2 ? 1u : 0u);
		k->rd.flags = bits & 1;
		k->rd.bytes = c->b[2].ptr;
		k->rd.num_bytes = c->b[3].ptr;
		k->rd.handles = c->b[4].ptr;
		k->rd.num_handles = c->b[5].ptr;
		k->deadline = mk_deadline(op->a[4], c, async);
		k->written = bits & 4 ? 1 : bits & 8 ? 2 : 0;
		k->pad = bits & 0x10 ? 1 : 0;
		c->written_in = k->written;
		break;
	}
	case OP_CLOSE:
		c->cmd = MX_IOC_HANDLE_CLOSE;
		c->argsz = sizeof(a->close);
		a->close = resolve(m, w->idx, op->sel[0], 0, 0);
		break;
	case OP_DUP:
	case OP_REPLACE:
		c->cmd = op->kind == OP_DUP ? MX_IOC_HANDLE_DUPLICATE :
					      MX_IOC_HANDLE_REPLACE;
		c->argsz = sizeof(a->dup);
		a->dup.handle = (uint32_t)resolve(m, w->idx, op->sel[0], 0, 0);
		a->dup.rights = op->a[0];
		a->dup.result = 0x3c3c3c3c;
		a->dup.pad = op->a[1];
		break;
	case OP_WAIT_ONE:
		c->cmd = MX_IOC_WAIT_ONE;
		c->argsz = sizeof(a->wone);
		a->wone.handle = (uint32_t)resolve(m, w->idx, op->sel[0], 0, 0);
		a->wone.signals = op->a[0];
		a->wone.deadline = mk_deadline(op->a[1], c, async);
		c->b[0] = ub_make(tc, R_STATE, op->pk[0], 8, op_param(op, 0, iter));
		junk_fill(&c->b[0], 8);
		a->wone.state = c->b[0].ptr;
#if ABI2
		a->wone.restarted = op->a[2] & 1 ? 1 : op->a[2] & 2 ? 2 + (op->a[2] >> 8) : 0;
		a->wone.pad = op->a[2] & 4 ? 1 + (op->a[2] >> 8) : 0;
		c->restarted_in = a->wone.restarted;
#endif
		break;
	case OP_WAIT_MANY: {
		uint32_t count = op->a[2] ? op->a[2] : op->nsel;
		int32_t prev = 0;

		c->cmd = MX_IOC_WAIT_MANY;
		c->argsz = sizeof(a->wmany);
		n = count < MX_MAX_WAIT_HANDLES ? count : MX_MAX_WAIT_HANDLES;
		for (i = 0; i < n; i++) {
			tc->hv[i] = i < op->nsel ?
				resolve(m, w->idx, op->sel[1 + i], prev, prev) :
				live_nth(m, i, 0);
			prev = tc->hv[i];
			if (op->a[0] & 0x80000000u)
				tc->sig[i] = op->a[0] & 0xff;
			else
				tc->sig[i] = (uint32_t)(mix64(op->a[0] + i) %
							(i % 7 == 6 ? 0x100000000ull : 8));
		}
		c->nh = n;
		c->b[0] = ub_make(tc, R_WMH, op->pk[0], 4ull * count, op_param(op, 0, iter));
		c->b[1] = ub_make(tc, R_WMS, op->pk[1], 4ull * count, op_param(op, 1, iter));
		c->b[2] = ub_make(tc, R_INDEX, op->pk[2], 4, op_param(op, 2, iter));
		c->b[3] = ub_make(tc, R_STATE, op->pk[3], 8ull * count, op_param(op, 3, iter));
		ub_fill(&c->b[0], tc->hv, 4ull * n);
		ub_fill(&c->b[1], tc->sig, 4ull * n);
		junk_fill(&c->b[2], 4);
		junk_fill(&c->b[3], 8 * n);
		a->wmany.count = count;
#if ABI2
		a->wmany.restarted = op->a[3];
		c->restarted_in = op->a[3];
#else
		a->wmany.pad = op->a[3];
#endif
		a->wmany.handles = c->b[0].ptr;
		a->wmany.signals = c->b[1].ptr;
		a->wmany.deadline = mk_deadline(op->a[1], c, async);
		a->wmany.result_index = c->b[2].ptr;
		a->wmany.states = c->b[3].ptr;
		break;
	}
	case OP_EXPORT:
		c->cmd = MX_IOC_HANDLE_EXPORT;
		c->argsz = sizeof(a->exp);
		a->exp.handle = (uint32_t)resolve(m, w->idx, op->sel[0], 0, 0);
		a->exp.flags = op->a[0];
		a->exp.fd = -2;
		a->exp.pad = op->a[1];
		c->tight = (op->a[2] & 1) && !async && !w->in_child;
		break;
	case OP_IMPORT: {
		int fd = -1, k, nopen = 0;

		c->cmd = MX_IOC_HANDLE_IMPORT;
		c->argsz = sizeof(a->imp);
		switch (op->a[0] % 6) {
		case 0:
			for (k = 0; k < m->nfd; k++)
				nopen += m->fd[k].open;
			for (k = 0, n = 0; k < m->nfd && nopen; k++)
				if (m->fd[k].open && n++ == op->a[1] % (uint32_t)nopen)
					fd = m->fd[k].fd;
			if (fd >= 0)
				break;
			/* fall through */
		case 1:
			fd = m->nfd ? m->fd[op->a[1] % (uint32_t)m->nfd].fd :
				      w->fd_floor + 3;
			break;
		case 2:
			fd = w->devfd;
			break;
		case 3:
			fd = w->pipefd[op->a[1] & 1];
			break;
		case 4:
			fd = 1;
			break;
		default:
			fd = op->a[1] & 1 ? -1 : op->a[1] & 2 ? INT32_MAX : 100000;
			break;
		}
		c->fdclass = classify_fd(fd);
		c->fdk = c->fdclass == FDC_XFER ? m_fd_find(m, fd) : -1;
		a->imp.fd = fd;
		a->imp.flags = op->a[2];
		a->imp.handle = 0x4b4b4b4b;
		a->imp.pad = op->a[3];
		break;
	}
	case OP_VERSION:
		c->cmd = MX_IOC_GET_VERSION;
		c->argsz = sizeof(a->ver);
		memset(&a->ver, 0x77, sizeof(a->ver));
		break;
	case OP_ECREATE:
		c->cmd = MX_IOC_EVENT_CREATE;
		c->argsz = sizeof(a->ecreate);
		a->ecreate.options = op->a[0];
		a->ecreate.handle = 0x3c3c3c3c;
		break;
	case OP_SIGNAL:
		c->cmd = MX_IOC_OBJECT_SIGNAL;
		c->argsz = sizeof(a->osig);
		a->osig.handle = (uint32_t)resolve(m, w->idx, op->sel[0], 0, 0);
		a->osig.clear_mask = op->a[0];
		a->osig.set_mask = op->a[1];
		a->osig.pad = op->a[2];
		break;
	case OP_INFO:
		c->cmd = MX_IOC_HANDLE_GET_INFO;
		c->argsz = sizeof(a->info);
		a->info.handle = (uint32_t)resolve(m, w->idx, op->sel[0], 0, 0);
		a->info.topic = op->a[0];
		a->info.info_size = (uint64_t)op->a[2] << 32 | op->a[1];
		c->b[0] = ub_make(tc, R_STATE, op->pk[0], 32, op_param(op, 0, iter));
		junk_fill(&c->b[0], 32);
		a->info.info = c->b[0].ptr;
		break;
	default: {	/* OP_BADCMD */
		static const unsigned long known[] = {
			MX_IOC_GET_VERSION, MX_IOC_MSGPIPE_CREATE,
			MX_IOC_MSGPIPE_WRITE, MX_IOC_MSGPIPE_READ,
			MX_IOC_MSGPIPE_CALL, MX_IOC_HANDLE_CLOSE,
			MX_IOC_HANDLE_DUPLICATE, MX_IOC_HANDLE_REPLACE,
			MX_IOC_WAIT_ONE, MX_IOC_WAIT_MANY,
			MX_IOC_HANDLE_EXPORT, MX_IOC_HANDLE_IMPORT,
			MX_IOC_EVENT_CREATE, MX_IOC_OBJECT_SIGNAL,
			MX_IOC_HANDLE_GET_INFO,
		};
		unsigned long cmd = _IOC(op->a[0] & 3, MX_IOC_MAGIC,
					 op->a[1] & 0xff, op->a[2] & 0x3fff);

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (known[i] == cmd)
				cmd = _IOC(op->a[0] & 3, MX_IOC_MAGIC,
					   op->a[1] & 0xff,
					   ((op->a[2] & 0x3fff) + 1) & 0x3fff);
		c->cmd = cmd;
		c->argsz = 64;
		memset(a->raw, 0, 64);
		c->place = PL_NORMAL;
		break;
	}
	}
	place_arg(tc, c, op_param(op, 8, iter));
}

static bool is_blocking(int kind)
{
	return kind == OP_WAIT_ONE || kind == OP_WAIT_MANY || kind == OP_CALL;
}

static int lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Run the ioctl (again after EINTR, as libmx does, with the same struct). */
static void issue(struct worker *w, struct call *c, bool main_thread)
{
	struct rlimit old, lim;
	bool tight = false;

	if (c->uses_uffd)
		atomic_store(&w->uffd_delay, c->uffd_delay);
	if (c->tight && !getrlimit(RLIMIT_NOFILE, &old)) {
		lim = old;
		lim.rlim_cur = (rlim_t)lowest_free_fd();
		tight = !setrlimit(RLIMIT_NOFILE, &lim);
		c->tight = tight;
	}
	c->tries = 0;
	for (;;) {
		errno = 0;
		c->ret = ioctl(c->fd, c->cmd, c->argp);
		c->err = c->ret == -1 ? errno : 0;
		c->tries++;
		if (c->ret == -1 && c->err == EINTR && is_blocking(c->kind)) {
			ev_add(EV_EINTR, 1);
			if (c->kind == OP_CALL && !c->written_in &&
			    (c->place == PL_NORMAL || c->place == PL_UFFD) &&
			    ((struct mx_ioc_msgpipe_call *)c->argp)->written != 1)
				snprintf(c->iwhy, sizeof(c->iwhy),
					 "call interrupted (EINTR) with written still %u: a restart would write again",
					 ((struct mx_ioc_msgpipe_call *)c->argp)->written);
			if (c->tries >= 30 ||
			    (main_thread && c->infinite && atomic_load(&w->wd_fired)))
				break;
			continue;
		}
		break;
	}
	if (tight)
		setrlimit(RLIMIT_NOFILE, &old);
}

/* ---- the checks ------------------------------------------------------- */

/*
 * Each step function walks the documented order of checks of its call
 * against model @m. LAD(cond, e): if the condition surely holds the result
 * must be e; if it may hold, e is accepted (and changes nothing). The
 * model changes only along the path the actual result took.
 */
#define LAD(tri, e) do {						\
	int t_ = (tri);							\
	if (t_ != T_NO) {						\
		c->expect |= EB(e);					\
		if (res == (e))						\
			return true;					\
		if (t_ == T_YES)					\
			return false;					\
	}								\
} while (0)
#define ALSO(e) do {							\
	c->expect |= EB(e);						\
	if (res == (e))							\
		return true;						\
} while (0)
#define OKPOINT() do {							\
	c->expect |= EB(0);						\
	if (res != 0)							\
		return false;						\
} while (0)
#define BAD(...) do {							\
	snprintf(c->why, sizeof(c->why), __VA_ARGS__);			\
	return false;							\
} while (0)

static int pl_read(const struct call *c)
{
	if (c->place == PL_NORMAL || c->place == PL_RO)
		return T_YES;
	if (c->place == PL_UFFD)
		return c->sig_inflight ? T_MAYBE : T_YES;
	return T_NO;
}

static int pl_write(const struct call *c)
{
	if (c->place == PL_NORMAL)
		return T_YES;
	if (c->place == PL_UFFD)
		return c->sig_inflight ? T_MAYBE : T_YES;
	return T_NO;
}

static int acc(const struct call *c, int k, uint64_t need, bool wr)
{
	return ub_acc(&c->b[k], need, wr, c->sig_inflight);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

static bool has_dup(const int32_t *v, uint32_t n)
{
	static int32_t tmp[MX_MAX_MSG_HANDLES + 64];
	uint32_t i, j;

	if (n <= 32) {
		for (i = 0; i < n; i++)
			for (j = 0; j < i; j++)
				if (v[i] == v[j])
					return true;
		return false;
	}
	memcpy(tmp, v, 4 * n);
	qsort(tmp, n, 4, cmp_i32);
	for (i = 1; i < n; i++)
		if (tmp[i] == tmp[i - 1])
			return true;
	return false;
}

/* New handle values: positive, distinct, not already ours. */
static bool new_values_ok(const struct model *m, const int32_t *v, uint32_t n,
			  struct call *c)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (v[i] <= 0)
			BAD("new handle value %d is not positive", v[i]);
		if (m_find(m, v[i]) >= 0)
			BAD("new handle value %#x is already a live handle", (unsigned)v[i]);
	}
	if (has_dup(v, n))
		BAD("the new handle values are not distinct");
	return true;
}

static uint32_t rd32(uint64_t p)
{
	uint32_t v;

	memcpy(&v, (const void *)(uintptr_t)p, 4);
	return v;
}

static bool st_create(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_msgpipe_create *a = &c->a.create;
	int32_t v[2];
	int e;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->pad || (a->flags & ~MX_FLAG_REPLY_PIPE) || !a->handles), EINVAL);
	ALSO(ENOMEM);
	LAD(t_not(acc(c, 0, 8, true)), EINVAL);
	LAD(t_of(m->nlive + 2 > p_max_handles), ENOMEM);
	OKPOINT();
	memcpy(v, (const void *)(uintptr_t)a->handles, 8);
	if (!new_values_ok(m, v, 2, c))
		return false;
	e = m_new_pipe(m, a->flags & MX_FLAG_REPLY_PIPE);
	m_add_handle(m, v[0], e, RIGHTS_PIPE);
	m_add_handle(m, v[1], e + 1, RIGHTS_PIPE);
	return true;
}

static int carried_buf[MX_MAX_MSG_HANDLES];
static uint32_t rights_buf[MX_MAX_MSG_HANDLES];

/* The handles of a successful write leave the table, into a message. */
static void m_apply_write(struct model *m, struct call *c, int wi,
			  const struct mx_ioc_msgpipe_write *a)
{
	int we = m->h[wi].ep, peer = m->ep[we].peer, mi, v;
	uint32_t i, nh = a->num_handles;

	for (i = 0; i < nh; i++) {
		int hi = m_find(m, c->hv[i]);

		carried_buf[i] = m->h[hi].ep;
		rights_buf[i] = m->h[hi].rights;
		m_drop_handle(m, hi);
	}
	if (peer < 0 || m->ep[peer].loc == L_AWAY) {
		/* Queued where the model cannot follow. */
		for (i = 0; i < nh; i++)
			m_ep_away(m, carried_buf[i]);
		return;
	}
	mi = m_new_msg(m, a->num_bytes, nh);
	m->msg[mi].tag = c->tag;
	m->msg[mi].pat = PAT_TAG;
	for (i = 0; i < nh; i++) {
		m->pool_ep[m->msg[mi].hoff + (int)i] = carried_buf[i];
		m->pool_rights[m->msg[mi].hoff + (int)i] = rights_buf[i];
		m->ep[carried_buf[i]].loc = L_MSG;
		m->ep[carried_buf[i]].msg = mi;
	}
	m_enqueue(m, peer, mi);
	if (nh) {
		v = m_victim(m, peer, carried_buf, nh);
		if (v >= 0) {
			m_ep_kill(m, v);
			ev_add(EV_VICTIMS, 1);
		}
	}
}

/*
 * Checks 1 to 11 of msgpipe_write. Returns 1 (the result is explained:
 * a failure), 0 (contradiction) or 2 (it succeeds: *pwi is the writer).
 */
#define LADR(tri, e) do {						\
	int t_ = (tri);							\
	if (t_ != T_NO) {						\
		c->expect |= EB(e);					\
		if (res == (e))						\
			return 1;					\
		if (t_ == T_YES)					\
			return 0;					\
	}								\
} while (0)

static int wr_ladder(struct model *m, struct call *c, int res,
		     const struct mx_ioc_msgpipe_write *a, int bk, int *pwi)
{
	uint32_t nb = a->num_bytes, nh = a->num_handles, i, reply_at;
	int wi, we, tri_reply, peer;

	wi = m_find(m, (int32_t)a->handle);
	LADR(t_of(wi < 0), EINVAL);
	LADR(m_tri_event(m, m->h[wi].ep), EPROTOTYPE);
	LADR(t_not(m_has(m, wi, MX_RIGHT_WRITE)), EACCES);
	LADR(t_of((nb && !a->bytes) || (nh && !a->handles)), EINVAL);
	LADR(t_of(nb > MX_MAX_MSG_BYTES || nh > MX_MAX_MSG_HANDLES), E2BIG);
	LADR(t_of(a->flags != 0), EINVAL);
	LADR(t_or(t_not(acc(c, bk, nb, false)),
		  t_not(acc(c, bk + 1, 4ull * nh, false))), EINVAL);
	we = m->h[wi].ep;
	tri_reply = m->ep[we].reply;
	reply_at = nh;
	for (i = 0; i < nh; i++) {
		int hi = m_find(m, c->hv[i]);

		LADR(t_of(hi < 0), EINVAL);
		if (m->h[hi].ep == we) {
			LADR(t_not(tri_reply), EOPNOTSUPP);
			reply_at = i;
		}
		LADR(t_not(m_has(m, hi, MX_RIGHT_TRANSFER)), EACCES);
	}
	LADR(t_and(tri_reply, t_of(nh == 0 || reply_at != nh - 1)), EBADFD);
	LADR(t_of(has_dup(c->hv, nh)), EINVAL);
	LADR(m_peer_dead(m, we), EBADFD);
	peer = m->ep[we].peer;
	LADR(m_no_room(m, peer, m_cost(nb, nh)), ENOMEM);
	LADR(m_too_deep(m, peer, c->hv, nh), ENOMEM);
	/* Out of memory, or the nesting and in-flight limits. */
	c->expect |= EB(ENOMEM);
	if (res == ENOMEM) {
		ev_add(EV_NEST_ENOMEM, 1);
		return 1;
	}
	*pwi = wi;
	return 2;
}

static bool st_write(struct model *m, struct call *c, int res)
{
	int wi = -1, r;

	LAD(t_not(pl_read(c)), EFAULT);
	r = wr_ladder(m, c, res, &c->a.write, 0, &wi);
	if (r != 2)
		return r == 1;
	OKPOINT();
	m_apply_write(m, c, wi, &c->a.write);
	return true;
}

/* Install the handles of a message that was read. */
static void m_install(struct model *m, int mi, const int32_t *vals)
{
	uint32_t i;

	for (i = 0; i < m->msg[mi].nh; i++)
		m_add_handle(m, vals[i], m->pool_ep[m->msg[mi].hoff + (int)i],
			     m->pool_rights[m->msg[mi].hoff + (int)i]);
}

/* Install handles to endpoints the model never saw. */
static void m_install_foreign(struct model *m, const int32_t *vals, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		int e = m_new_ep(m);

		m->ep[e].reply = T_MAYBE;
		m->ep[e].qwild = true;
		m->ep[e].kind = K_UNK;
		m->ep[e].foreign = true;
		m_add_handle(m, vals[i], e, RIGHTS_UNKNOWN);
	}
}

/* Buffers of the read half of a read (k = 0..3) or a call (k = 2..5). */
struct rdb {
	const struct mx_ioc_msgpipe_read *a;
	int kb, knb, kh, knh;
};

static int sizes_unwritable(const struct call *c, const struct rdb *r)
{
	int t = T_NO;

	if (r->a->num_bytes)
		t = t_or(t, t_not(acc(c, r->knb, 4, true)));
	if (r->a->num_handles)
		t = t_or(t, t_not(acc(c, r->knh, 4, true)));
	return t;
}

static bool check_sizes(struct call *c, const struct rdb *r, uint32_t nb, uint32_t nh)
{
	if (r->a->num_bytes && rd32(r->a->num_bytes) != nb)
		BAD("*num_bytes is %u, the message has %u bytes",
		    rd32(r->a->num_bytes), nb);
	if (r->a->num_handles && rd32(r->a->num_handles) != nh)
		BAD("*num_handles is %u, the message has %u handles",
		    rd32(r->a->num_handles), nh);
	return true;
}

/* The first message of @e's queue the model knows, or -1. */
static int first_known(const struct model *m, int e)
{
	return m->ep[e].qhead;
}

static int find_tag(const struct model *m, int e, uint64_t tag)
{
	int mi;

	for (mi = m->ep[e].qhead; mi >= 0; mi = m->msg[mi].next)
		if (m->msg[mi].tag == tag)
			return mi;
	return -1;
}

/*
 * A read of endpoint @e (by a read or the read half of a call) from check
 * 5 on: what is queued decides.
 */
static bool rd_core(struct model *m, struct call *c, int res, int e,
		    const struct rdb *r, bool relaxed)
{
	bool discard = r->a->flags & MX_MSGPIPE_READ_FLAG_MAY_DISCARD;
	uint32_t cap_b = c->cap_b, cap_h = c->cap_h, nb, nh, onb, onh;
	const int32_t *vals = (const int32_t *)(uintptr_t)r->a->handles;
	int mi, pd = m_peer_dead(m, e);
	long bad;

	if ((m_qknown(m, e) || m->ep[e].qcount) && !relaxed) {
		if (!m->ep[e].qcount)
			LAD(T_YES, pd == T_YES ? EPIPE : EBADFD);
		mi = m->ep[e].qhead;
		if (m->ep[e].unordered && (res == 0 || res == EMSGSIZE)) {
			int x;

			onb = r->a->num_bytes ? rd32(r->a->num_bytes) : 0;
			onh = r->a->num_handles ? rd32(r->a->num_handles) : 0;
			for (x = m->ep[e].qhead; x >= 0; x = m->msg[x].next) {
				uint64_t tag = 0;

				if (res == 0 && onb >= 8)
					memcpy(&tag, (const void *)(uintptr_t)r->a->bytes, 8);
				if (m->msg[x].nb == onb && m->msg[x].nh == onh &&
				    (!tag || tag == m->msg[x].tag)) {
					mi = x;
					break;
				}
			}
		}
		nb = m->msg[mi].nb;
		nh = m->msg[mi].nh;
		if (nb > cap_b || nh > cap_h) {
			LAD(sizes_unwritable(c, r), EINVAL);
			c->expect |= EB(EMSGSIZE);
			if (res != EMSGSIZE)
				return false;
			if (!check_sizes(c, r, nb, nh))
				return false;
			if (discard) {
				m_dequeue(m, e, mi);
				m_msg_destroy(m, mi);
				ev_add(EV_DISCARD, 1);
			}
			return true;
		}
		LAD(t_of(m->nlive + (int)nh > p_max_handles), ENOMEM);
		if (nh > 16)
			ALSO(ENOMEM);
		LAD(t_or(t_or(t_not(acc(c, r->kb, nb, true)),
			      t_not(acc(c, r->kh, 4ull * nh, true))),
			 sizes_unwritable(c, r)), EINVAL);
		OKPOINT();
		if (!check_sizes(c, r, nb, nh))
			return false;
		if (nb && (bad = pat_check((const uint8_t *)(uintptr_t)r->a->bytes,
					   m->msg[mi].tag, nb)) >= 0)
			BAD("payload byte %ld of a %u-byte message is wrong (tag %#" PRIx64 ")",
			    bad, nb, m->msg[mi].tag);
		if (nh && !new_values_ok(m, vals, nh, c))
			return false;
		m_dequeue(m, e, mi);
		m->msg[mi].live = false;
		m_install(m, mi, vals);
		return true;
	}

	/* What is queued is not known (or calls run concurrently). */
	ev_add(EV_UNCERTAIN, 1);
	if (pd != T_YES && !(m->ep[e].qcount && !relaxed))
		ALSO(EBADFD);
	if (pd != T_NO && !(m->ep[e].qcount && !relaxed))
		ALSO(EPIPE);
	c->expect |= EB(EMSGSIZE) | EB(ENOMEM) | EB(0);
	if (res == ENOMEM)
		return true;
	if (res == EMSGSIZE) {
		onb = r->a->num_bytes ? rd32(r->a->num_bytes) : 0;
		onh = r->a->num_handles ? rd32(r->a->num_handles) : 0;
		if (r->a->num_bytes && r->a->num_handles && onb <= cap_b && onh <= cap_h)
			BAD("ERR_NOT_ENOUGH_BUFFER, but the sizes %u, %u fit the capacities %u, %u",
			    onb, onh, cap_b, cap_h);
		if (discard)
			m_forget_queue(m, e);
		return true;
	}
	if (t_or(t_or(t_not(acc(c, r->kb, cap_b < 65536 ? cap_b : 65536, true)),
		      t_not(acc(c, r->kh, 4ull * (cap_h < 1024 ? cap_h : 1024), true))),
		 sizes_unwritable(c, r)) != T_NO)
		ALSO(EINVAL);
	if (res != 0)
		return false;
	onb = r->a->num_bytes ? rd32(r->a->num_bytes) : 0;
	onh = r->a->num_handles ? rd32(r->a->num_handles) : 0;
	if (onb > cap_b || onh > cap_h)
		BAD("read succeeded with sizes %u, %u over the capacities %u, %u",
		    onb, onh, cap_b, cap_h);
	if (onh && !new_values_ok(m, vals, onh, c))
		return false;
	mi = -1;
	if (onb >= 8) {
		uint64_t tag;

		memcpy(&tag, (const void *)(uintptr_t)r->a->bytes, 8);
		mi = find_tag(m, e, tag);
		if (mi >= 0 && !relaxed && mi != first_known(m, e))
			BAD("read a message (tag %#" PRIx64 ") ahead of an older one", tag);
	}
	if (mi >= 0) {
		if (m->msg[mi].nb != onb || m->msg[mi].nh != onh)
			BAD("message %#" PRIx64 " read with sizes %u, %u; it was written with %u, %u",
			    m->msg[mi].tag, onb, onh, m->msg[mi].nb, m->msg[mi].nh);
		if ((bad = pat_check((const uint8_t *)(uintptr_t)r->a->bytes,
				     m->msg[mi].tag, onb)) >= 0)
			BAD("payload byte %ld of message %#" PRIx64 " is wrong", bad,
			    m->msg[mi].tag);
		m_dequeue(m, e, mi);
		m->msg[mi].live = false;
		m_install(m, mi, vals);
		return true;
	}
	/* Someone else's message, or one too short to name: let go. */
	if (m->ep[e].qcount)
		m_forget_queue(m, e);
	m_install_foreign(m, vals, onh);
	return true;
}

static bool st_read(struct model *m, struct call *c, int res, int phase,
		    bool relaxed)
{
	const struct mx_ioc_msgpipe_read *a = &c->a.read;
	struct rdb r = { a, 0, 1, 2, 3 };
	int ri, bad;

	if (phase == PH_POST)
		goto post;
	LAD(t_not(pl_read(c)), EFAULT);
	ri = m_find(m, (int32_t)a->handle);
	if (ri < 0 && c->cancel_ok)
		ALSO(ECANCELED);
	LAD(t_of(ri < 0), EINVAL);
	LAD(m_tri_event(m, m->h[ri].ep), EPROTOTYPE);
	LAD(t_not(m_has(m, ri, MX_RIGHT_READ)), EACCES);
	bad = T_NO;
	if (a->num_bytes)
		bad = t_or(bad, t_not(acc(c, 1, 4, false)));
	if (a->num_handles)
		bad = t_or(bad, t_not(acc(c, 3, 4, false)));
	bad = t_or(bad, t_of((a->bytes && !a->num_bytes) ||
			     (a->handles && !a->num_handles)));
	LAD(bad, EINVAL);
	LAD(t_of(a->flags & ~MX_MSGPIPE_READ_FLAG_MAY_DISCARD), EOPNOTSUPP);
	c->pre_ep[0] = m->h[ri].ep;
	if (phase == PH_PRE)
		return true;
post:
	if (c->cancel_ok)
		ALSO(ECANCELED);
	return rd_core(m, c, res, c->pre_ep[0], &r, relaxed);
}

/* Is handle value @v still the handle of endpoint @e? */
static bool alive_as(const struct model *m, int32_t v, int e)
{
	int hi = m_find(m, v);

	return hi >= 0 && m->h[hi].ep == e;
}

/*
 * A call up to its write: 1 (@res is explained, nothing was sent), 0 (a
 * contradiction) or 2 (the message went, applied to @m; or it went before
 * a restart).
 */
static int call_pre(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_msgpipe_call *a = &c->a.call;
	struct rdb r = { &a->rd, 2, 3, 4, 5 };
	int wi, bad, rr;

	LADR(t_not(pl_read(c)), EFAULT);
	LADR(t_of(a->pad || a->rd.flags || a->rd.handle != a->wr.handle ||
		  c->written_in > 1), EINVAL);
	wi = m_find(m, (int32_t)a->wr.handle);
	/*
	 * ABI 2: a call restarted after its message went: closed
	 * (whatever the lookup finds wrong, the type too).
	 */
	if (ABI2 && (c->tries > 1 || c->written_in == 1))
		LADR(wi < 0 ? T_YES : m_tri_event(m, m->h[wi].ep), ECANCELED);
	LADR(t_of(wi < 0), EINVAL);
	LADR(m_tri_event(m, m->h[wi].ep), EPROTOTYPE);
	LADR(t_not(m_has(m, wi, MX_RIGHT_READ)), EACCES);
	bad = T_NO;
	if (a->rd.num_bytes)
		bad = t_or(bad, t_not(acc(c, 3, 4, false)));
	if (a->rd.num_handles)
		bad = t_or(bad, t_not(acc(c, 5, 4, false)));
	if (!c->written_in)
		bad = t_or(bad, sizes_unwritable(c, &r));
	bad = t_or(bad, t_of((a->rd.bytes && !a->rd.num_bytes) ||
			     (a->rd.handles && !a->rd.num_handles)));
	LADR(bad, EINVAL);
	c->pre_ep[0] = m->h[wi].ep;
	if (!c->written_in) {
		rr = wr_ladder(m, c, res, &a->wr, 0, &wi);
		if (rr != 2)
			return rr;
		m_apply_write(m, c, wi, &a->wr);
	}
	return 2;
}

/* A call that sent: wait for READABLE or PEER_CLOSED, then read. */
static bool call_post(struct model *m, struct call *c, int res, bool relaxed)
{
	const struct mx_ioc_msgpipe_call *a = &c->a.call;
	struct rdb r = { &a->rd, 2, 3, 4, 5 };
	struct mx_signals_state st;
	int e = c->pre_ep[0];

	if (c->eintr_ok) {
		ALSO(EINTR);
		if (pl_write(c) != T_YES)
			ALSO(EFAULT);	/* written cannot be set */
	}
	if (!alive_as(m, (int32_t)a->wr.handle, e))
		LAD(T_YES, ECANCELED);
	if (!relaxed && m_signals(m, e, &st) &&
	    !(st.satisfied & (MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED))) {
		LAD(t_of(!c->infinite), ETIMEDOUT);
		return false;	/* waits forever: only a signal ends it */
	}
	if (!m_qknown(m, e) || relaxed)
		ALSO(ETIMEDOUT);
	if (c->written_in)
		LAD(sizes_unwritable(c, &r), EINVAL);
	return rd_core(m, c, res, e, &r, relaxed);
}

/* Scratch for call_maybe_sent(), beside the worker's models. */
static struct model *m_alt;

/*
 * ERR_INVALID_ARGS and ERR_NO_MEMORY (and EFAULT: written cannot be set)
 * come before a call's write or after it, from its read (msgpipe_call(3):
 * "nothing was sent" or "sent, reply not taken"). @m took @res as a check
 * before the write that only may fail (a stalled copy hit by a signal, a
 * queue the model does not know): see on a copy whether the write can have
 * gone and the rest of the call failed with @res. If so, both may be true:
 * keep @m, and let go of what the write would have changed. The handles
 * it carried may or may not be in the table (m_unsure_handle()), their
 * objects and the peer's queue are no longer known.
 */
static void call_maybe_sent(struct model *m, struct call *c, int res,
			    bool relaxed)
{
	const struct mx_ioc_msgpipe_write *wr = &c->a.call.wr;
	uint32_t expect = c->expect, i;
	char why[sizeof(c->why)];
	int wi, hi, e, peer;
	bool sent;

	if (!m_alt || c->written_in ||
	    (res != EINVAL && res != ENOMEM && res != EFAULT))
		return;
	memcpy(why, c->why, sizeof(why));
	m_copy(m_alt, m);
	/* Against 0, every check that may pass passes. */
	ev_mute = true;
	sent = call_pre(m_alt, c, 0) == 2 && call_post(m_alt, c, res, relaxed);
	ev_mute = false;
	c->expect = expect;
	memcpy(c->why, why, sizeof(why));
	if (!sent)
		return;
	ev_add(EV_CALL_MAYBE_SENT, 1);
	wi = m_find(m, (int32_t)wr->handle);
	for (i = 0; i < wr->num_handles; i++) {
		hi = m_find(m, c->hv[i]);
		if (hi < 0)
			continue;
		e = m->h[hi].ep;
		m_unsure_handle(m, hi);
		m_ep_away(m, e);
	}
	peer = wi >= 0 ? m->ep[m->h[wi].ep].peer : -1;
	if (peer >= 0)
		m_forget_queue(m, peer);
	m_merge(m, m_alt);
}

static bool st_call(struct model *m, struct call *c, int res, int phase,
		    bool relaxed)
{
	int r;

	if (phase != PH_POST) {
		r = call_pre(m, c, res);
		if (r == 1 && phase == PH_ALL)
			call_maybe_sent(m, c, res, relaxed);
		if (r != 2)
			return r == 1;
		if (phase == PH_PRE)
			return true;
	}
	return call_post(m, c, res, relaxed);
}

static bool st_close(struct model *m, struct call *c, int res)
{
	int hi, e;

	LAD(t_not(pl_read(c)), EFAULT);
	hi = m_find(m, c->a.close);
	LAD(t_of(hi < 0), EINVAL);
	OKPOINT();
	e = m->h[hi].ep;
	m_drop_handle(m, hi);
	m_ep_close(m, e);
	return true;
}

/* Are @rights neither SAME_RIGHTS nor a subset of handle @hi's? */
static int rights_bad(const struct model *m, int hi, uint32_t rights)
{
	uint32_t most;

	if (rights == MX_RIGHT_SAME_RIGHTS)
		return T_NO;
	if (m->h[hi].rights == RIGHTS_UNKNOWN) {
		most = m->ep[m->h[hi].ep].kind == K_EP ? RIGHTS_PIPE : RIGHTS_EVENT;
		return rights & ~most ? T_YES : T_MAYBE;
	}
	return t_of(rights & ~m->h[hi].rights);
}

static bool st_dup(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_handle_dup *a = &c->a.dup;
	uint32_t rights;
	int32_t nv;
	int hi;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->pad != 0), EINVAL);
	hi = m_find(m, (int32_t)a->handle);
	LAD(t_of(hi < 0), EBADSLT);
	/* Pipe handles never hold MX_RIGHT_DUPLICATE. */
	LAD(t_not(m_has(m, hi, MX_RIGHT_DUPLICATE)), EACCES);
	LAD(rights_bad(m, hi, a->rights), EINVAL);
	LAD(t_of(m->nlive + 1 > p_max_handles), ENOMEM);
	ALSO(ENOMEM);
	LAD(t_not(pl_write(c)), EFAULT);
	OKPOINT();
	if (m->ep[m->h[hi].ep].kind == K_EP)
		BAD("duplicate of a pipe endpoint's handle succeeded");
	nv = ((const struct mx_ioc_handle_dup *)c->argp)->result;
	if (!new_values_ok(m, &nv, 1, c))
		return false;
	rights = a->rights == MX_RIGHT_SAME_RIGHTS ? m->h[hi].rights : a->rights;
	m_add_handle(m, nv, m->h[hi].ep, rights);
	/* Only an event has MX_RIGHT_DUPLICATE. */
	m_learn_kind(m, m->h[hi].ep, K_EVENT);
	return true;
}

static bool st_replace(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_handle_dup *a = &c->a.dup;
	int32_t nv;
	uint32_t rights;
	int hi, e;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->pad != 0), EINVAL);
	hi = m_find(m, (int32_t)a->handle);
	LAD(t_of(hi < 0), EBADSLT);
	LAD(rights_bad(m, hi, a->rights), EINVAL);
	LAD(t_not(pl_write(c)), EFAULT);
	OKPOINT();
	nv = ((const struct mx_ioc_handle_dup *)c->argp)->result;
	if (nv == (int32_t)a->handle)
		BAD("replace returned the old value %#x", (unsigned)nv);
	e = m->h[hi].ep;
	rights = a->rights == MX_RIGHT_SAME_RIGHTS ? m->h[hi].rights : a->rights;
	m_drop_handle(m, hi);
	if (!new_values_ok(m, &nv, 1, c))
		return false;
	m_add_handle(m, nv, e, rights);
	return true;
}

static bool state_equal(const struct mx_signals_state *got,
			const struct mx_signals_state *want)
{
	return got->satisfied == want->satisfied &&
	       got->satisfiable == want->satisfiable;
}

/* A state an object of @kind can be in. */
static bool state_sane(struct call *c, const struct mx_signals_state *s, int kind)
{
	uint32_t all = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
		       MX_SIGNAL_PEER_CLOSED;
	bool ep_ok = !(s->satisfied & ~s->satisfiable) && !(s->satisfiable & ~all);
	bool ev_ok = s->satisfiable == MX_SIGNAL_SIGNAL_ALL &&
		     !(s->satisfied & ~MX_SIGNAL_SIGNAL_ALL);

	if ((kind == K_EP && !ep_ok) || (kind == K_EVENT && !ev_ok) ||
	    (kind == K_UNK && !ep_ok && !ev_ok))
		BAD("impossible signal state satisfied=%#x satisfiable=%#x for %s",
		    s->satisfied, s->satisfiable, kind == K_EP ? "an endpoint" :
		    kind == K_EVENT ? "an event" : "an endpoint or an event");
	return true;
}

/* Did the wait's last ioctl run as a restarted one (ABI 2)? */
static bool rst_eff(const struct call *c)
{
	return ABI2 && (c->tries > 1 || c->restarted_in == 1);
}

static bool st_wait_one(struct model *m, struct call *c, int res, int phase,
			bool relaxed)
{
	const struct mx_ioc_wait_one *a = &c->a.wone;
	struct mx_signals_state st, got;
	int hi, e, r, sunw;

	if (phase != PH_POST) {
		LAD(t_not(pl_read(c)), EFAULT);
		LAD(t_of(WONE_PAD(a) || WONE_RESTARTED(a) > 1), EINVAL);
		hi = m_find(m, (int32_t)a->handle);
		if (!rst_eff(c))
			LAD(t_of(hi < 0), EINVAL);
		if (hi >= 0)
			LAD(t_not(m_has(m, hi, MX_RIGHT_READ)), EACCES);
		c->pre_ep[0] = hi >= 0 ? m->h[hi].ep : -1;
		if (phase == PH_PRE)
			return true;
	}
	e = c->pre_ep[0];
	sunw = a->state ? t_not(acc(c, 0, 8, true)) : T_NO;
	LAD(sunw, EINVAL);
	if (c->eintr_ok) {
		ALSO(EINTR);
		if (pl_write(c) != T_YES)
			ALSO(EFAULT);	/* restarted cannot be set */
	}
	if (e < 0 || !alive_as(m, (int32_t)a->handle, e)) {
		/* Gone before a restarted wait, or during the wait. */
		c->expect |= EB(ECANCELED);
		if (res != ECANCELED)
			return false;
		if (e < 0 && a->state) {
			memcpy(&got, (const void *)(uintptr_t)a->state, 8);
			if (got.satisfied || got.satisfiable)
				BAD("a handle gone before the restarted wait has state %#x %#x, not an empty one",
				    got.satisfied, got.satisfiable);
		}
		return true;
	}
	if (!relaxed && m_signals(m, e, &st)) {
		if (st.satisfied & a->signals)
			r = 0;
		else if (!(st.satisfiable & a->signals))
			r = EBADFD;
		else if (c->infinite)
			return false;	/* waits forever: only a signal ends it */
		else
			r = ETIMEDOUT;
		c->expect |= EB(r);
		if (res != r)
			return false;
		if (a->state) {
			memcpy(&got, (const void *)(uintptr_t)a->state, 8);
			if (!state_equal(&got, &st))
				BAD("state satisfied=%#x satisfiable=%#x, the model says %#x %#x",
				    got.satisfied, got.satisfiable, st.satisfied,
				    st.satisfiable);
		}
		return true;
	}
	if (!relaxed && m_is_event(m, e)) {
		/*
		 * An event whose signals are known but for some bits: the
		 * satisfiable set is known, and the known bits decide when
		 * they can.
		 */
		uint32_t unk, allowed;

		m_ev_state(m, e, &st, &unk);
		if (st.satisfied & a->signals) {
			allowed = EB(0);
		} else if (!(a->signals & MX_SIGNAL_SIGNAL_ALL)) {
			allowed = EB(EBADFD);
		} else {
			/* A bit it does not know may end it; else the deadline. */
			allowed = a->signals & unk ? EB(0) : 0;
			if (!c->infinite)
				allowed |= EB(ETIMEDOUT);
		}
		c->expect |= allowed;
		if (!(allowed & EB(res)))
			return false;
		if (a->state) {
			memcpy(&got, (const void *)(uintptr_t)a->state, 8);
			if (!state_sane(c, &got, K_EVENT))
				return false;
			if ((got.satisfied ^ st.satisfied) & ~unk)
				BAD("state satisfied=%#x, the model knows bits %#x of it: %#x",
				    got.satisfied, MX_SIGNAL_SIGNAL_ALL & ~unk,
				    st.satisfied);
			if (res == ETIMEDOUT && (got.satisfied & a->signals))
				BAD("ERR_TIMED_OUT with a requested signal satisfied (%#x)",
				    got.satisfied);
		}
		return true;
	}
	c->expect |= EB(0) | EB(EBADFD) | EB(ETIMEDOUT);
	if (res != 0 && res != EBADFD && res != ETIMEDOUT)
		return false;
	if (a->state) {
		memcpy(&got, (const void *)(uintptr_t)a->state, 8);
		if (!state_sane(c, &got, m->ep[e].kind))
			return false;
		if (res == ETIMEDOUT && (got.satisfied & a->signals))
			BAD("ERR_TIMED_OUT with a requested signal satisfied (%#x)",
			    got.satisfied);
	}
	return true;
}

static bool st_wait_many(struct model *m, struct call *c, int res, int phase,
			 bool relaxed)
{
	const struct mx_ioc_wait_many *a = &c->a.wmany;
	static struct mx_signals_state want[MX_MAX_WAIT_HANDLES];
	static bool wknown[MX_MAX_WAIT_HANDLES];
	uint32_t count = a->count, i;
	int sunw, iunw, r = -1, probe, decided = -1, hi;
	bool known = true;

	if (phase != PH_POST) {
		int rb = T_NO;

		LAD(t_not(pl_read(c)), EFAULT);
		LAD(t_of(WMANY_PAD(a) || WMANY_RESTARTED(a) > 1 ||
			 count > MX_MAX_WAIT_HANDLES), EINVAL);
		if (count > 4)
			ALSO(ENOMEM);
		LAD(t_or(t_not(acc(c, 0, 4ull * count, false)),
			 t_not(acc(c, 1, 4ull * count, false))), EINVAL);
		for (i = 0; i < count; i++) {
			hi = m_find(m, c->hv[i]);
			if (!rst_eff(c))
				LAD(t_of(hi < 0), EINVAL);
			c->pre_ep[i] = hi >= 0 ? m->h[hi].ep : -1;
		}
		for (i = 0; i < count; i++) {
			hi = m_find(m, c->hv[i]);
			if (hi >= 0 && c->pre_ep[i] >= 0)
				rb = t_or(rb, t_not(m_has(m, hi, MX_RIGHT_READ)));
		}
		LAD(rb, EACCES);
		if (phase == PH_PRE)
			return true;
	}
	sunw = a->states ? t_not(acc(c, 3, 8ull * count, true)) : T_NO;
	iunw = a->result_index ? t_not(acc(c, 2, 4, true)) : T_NO;
	if (c->eintr_ok) {
		ALSO(EINTR);
		if (pl_write(c) != T_YES)
			ALSO(EFAULT);
	}
	for (i = 0; i < count; i++)
		wknown[i] = false;
	for (i = 0; i < count && decided < 0; i++) {
		if (c->pre_ep[i] < 0 || !alive_as(m, c->hv[i], c->pre_ep[i])) {
			r = ECANCELED;
			decided = (int)i;
		} else if (relaxed || !m_signals(m, c->pre_ep[i], &want[i])) {
			known = false;
			break;
		} else if ((wknown[i] = true) && (want[i].satisfied & c->sig[i])) {
			r = 0;
			decided = (int)i;
		} else if (!(want[i].satisfiable & c->sig[i])) {
			r = EBADFD;
			decided = (int)i;
		}
	}
	if (!known) {
		LAD(sunw, EINVAL);
		if (iunw != T_NO)
			ALSO(EINVAL);
		c->expect |= EB(0) | EB(EBADFD) | EB(ETIMEDOUT) | EB(ECANCELED);
		if (res != 0 && res != EBADFD && res != ETIMEDOUT && res != ECANCELED)
			return false;
		if (res != ETIMEDOUT && a->result_index && rd32(a->result_index) >= count)
			BAD("result_index %u out of %u", rd32(a->result_index), count);
		return true;
	}
	if (decided >= 0) {
		LAD(sunw, EINVAL);
		LAD(iunw, EINVAL);
		c->expect |= EB(r);
		if (res != r)
			return false;
		if (a->result_index && rd32(a->result_index) != (uint32_t)decided)
			BAD("result_index %u, the model says %d", rd32(a->result_index),
			    decided);
	} else {
		/* Nothing decides: it sleeps until the deadline. */
		if (ABI2)	/* every buffer is checked first */
			probe = T_YES;
		else
			probe = c->dlkind == DL_POLL || c->dlkind == DL_PAST ? T_NO :
				c->dlkind == DL_SOON ? T_MAYBE : T_YES;
		LAD(sunw, EINVAL);
		LAD(t_and(iunw, probe), EINVAL);
		if (c->infinite)
			return false;
		c->expect |= EB(ETIMEDOUT);
		if (res != ETIMEDOUT)
			return false;
	}
	if (a->states) {
		for (i = 0; i < count; i++) {
			struct mx_signals_state got;

			memcpy(&got, (const uint8_t *)(uintptr_t)a->states + 8 * i, 8);
			if (c->pre_ep[i] < 0) {
				if (got.satisfied || got.satisfiable)
					BAD("states[%u] of a handle gone before the restarted wait is %#x %#x, not empty",
					    i, got.satisfied, got.satisfiable);
				continue;
			}
			if (!alive_as(m, c->hv[i], c->pre_ep[i]) ||
			    !m_signals(m, c->pre_ep[i], &want[i]))
				continue;
			if (!state_equal(&got, &want[i]))
				BAD("states[%u] satisfied=%#x satisfiable=%#x, the model says %#x %#x",
				    i, got.satisfied, got.satisfiable,
				    want[i].satisfied, want[i].satisfiable);
		}
	}
	return true;
}

static bool st_export(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_handle_export *a = &c->a.exp;
	int hi, fd, k, e;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->pad || (a->flags & ~MX_EXPORT_CLOEXEC)), EINVAL);
	hi = m_find(m, (int32_t)a->handle);
	LAD(t_of(hi < 0), EINVAL);
	LAD(t_not(m_has(m, hi, MX_RIGHT_TRANSFER)), EACCES);
	ALSO(ENOMEM);
	LAD(t_of(c->tight), ENOSPC);
	LAD(t_not(pl_write(c)), EFAULT);
	OKPOINT();
	fd = ((const struct mx_ioc_handle_export *)c->argp)->fd;
	if (classify_fd(fd) != FDC_XFER)
		BAD("export returned fd %d, which is not an exported-handle file", fd);
	if (m_fd_find(m, fd) >= 0)
		BAD("export returned fd %d, which the model holds already", fd);
	e = m->h[hi].ep;
	k = m->nfd++;
	m->fd[k].fd = fd;
	m->fd[k].ep = e;
	m->fd[k].rights = m->h[hi].rights;
	m->fd[k].open = true;
	m_drop_handle(m, hi);
	m->ep[e].loc = L_FD;
	m->ep[e].fdk = k;
	return true;
}

static bool st_import(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_handle_import *a = &c->a.imp;
	int32_t v;
	int k, e;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->flags || a->pad), EINVAL);
	LAD(t_of(c->fdclass == FDC_NOTOPEN), EINVAL);
	LAD(t_of(c->fdclass == FDC_OTHER), EPROTOTYPE);
	LAD(t_of(m->nlive + 1 > p_max_handles), ENOMEM);
	ALSO(ENOMEM);
	LAD(t_not(pl_write(c)), EFAULT);
	k = c->fdk;
	if (k < 0)
		BAD("fd %d is an exported-handle file the model does not know", a->fd);
	LAD(t_of(m->fd[k].ep < 0), EBADFD);
	OKPOINT();
	v = ((const struct mx_ioc_handle_import *)c->argp)->handle;
	if (!new_values_ok(m, &v, 1, c))
		return false;
	e = m->fd[k].ep;
	m->fd[k].ep = -1;
	m_add_handle(m, v, e, m->fd[k].rights);
	return true;
}

static bool st_version(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_version *v = c->argp;

	(void)m;
	LAD(t_not(pl_write(c)), EFAULT);
	OKPOINT();
	if (v->abi_major != MX_ABI_MAJOR || v->max_msg_bytes != MX_MAX_MSG_BYTES ||
	    v->max_msg_handles != MX_MAX_MSG_HANDLES ||
	    v->max_wait_handles != MX_MAX_WAIT_HANDLES || v->pad ||
	    (v->features & MX_FEATURE_MSGPIPE) == 0 ||
	    (v->features & MX_FEATURE_OBJECTS) == 0 ||
	    v->abi_minor < MX_ABI_MINOR)
		BAD("GET_VERSION reported abi %u.%u features %#llx limits %u/%u/%u pad %u",
		    v->abi_major, v->abi_minor, (unsigned long long)v->features,
		    v->max_msg_bytes, v->max_msg_handles, v->max_wait_handles,
		    v->pad);
	return true;
}

static bool st_ecreate(struct model *m, struct call *c, int res)
{
	int32_t v;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(c->a.ecreate.options != 0), EINVAL);
	LAD(t_of(m->nlive + 1 > p_max_handles), ENOMEM);
	ALSO(ENOMEM);
	LAD(t_not(pl_write(c)), EFAULT);
	OKPOINT();
	v = ((const struct mx_ioc_event_create *)c->argp)->handle;
	if (!new_values_ok(m, &v, 1, c))
		return false;
	m_add_handle(m, v, m_new_event(m), RIGHTS_EVENT);
	return true;
}

static bool st_signal(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_object_signal *a = &c->a.osig;
	struct mep *p;
	int hi;

	LAD(t_not(pl_read(c)), EFAULT);
	LAD(t_of(a->pad != 0), EINVAL);
	hi = m_find(m, (int32_t)a->handle);
	LAD(t_of(hi < 0), EBADSLT);
	LAD(t_not(m_has(m, hi, MX_RIGHT_WRITE)), EACCES);
	/* Endpoints have no user signals. */
	LAD(t_not(m_tri_event(m, m->h[hi].ep)), EOPNOTSUPP);
	LAD(t_of((a->clear_mask | a->set_mask) & ~MX_SIGNAL_SIGNAL_ALL), EINVAL);
	OKPOINT();
	m_learn_kind(m, m->h[hi].ep, K_EVENT);
	p = &m->ep[m->h[hi].ep];
	p->sig = (p->sig & ~a->clear_mask) | a->set_mask;
	if (!p->ext)
		p->sunk &= ~(a->clear_mask | a->set_mask);
	return true;
}

/* Koids of the objects of earlier sequences of this worker (0: empty). */
#define KOID_HIST	(1u << 15)
static uint64_t koid_hist[KOID_HIST];
static uint32_t koid_hist_n;

static bool koid_hist_has(uint64_t k)
{
	uint32_t i = (uint32_t)mix64(k) & (KOID_HIST - 1);

	for (; koid_hist[i]; i = (i + 1) & (KOID_HIST - 1))
		if (koid_hist[i] == k)
			return true;
	return false;
}

static void koid_hist_add(uint64_t k)
{
	uint32_t i = (uint32_t)mix64(k) & (KOID_HIST - 1);

	if (!k || koid_hist_n >= KOID_HIST / 2)
		return;
	for (; koid_hist[i]; i = (i + 1) & (KOID_HIST - 1))
		if (koid_hist[i] == k)
			return;
	koid_hist[i] = k;
	koid_hist_n++;
}

/*
 * handle_get_info reported @koid for object @e: the same as before for the
 * same object, and, for an object the model saw made (not one from someone
 * else's message, which may be one it knows that came back), different
 * from every other such object's, of this sequence and the earlier ones.
 */
static bool m_koid_ok(struct model *m, int e, uint64_t koid, struct call *c)
{
	int x;

	if (!koid)
		BAD("koid 0");
	if (m->ep[e].koid) {
		if (m->ep[e].koid != koid)
			BAD("koid %#" PRIx64 ", the same object had %#" PRIx64 " before",
			    koid, m->ep[e].koid);
		return true;
	}
	if (!m->ep[e].foreign) {
		for (x = 0; x < m->ne; x++)
			if (x != e && m->ep[x].koid == koid && !m->ep[x].foreign)
				BAD("koid %#" PRIx64 " is also that of another object (%s %d of the model)",
				    koid, m_is_event(m, x) ? "event" : "endpoint", x);
		if (koid_hist_has(koid))
			BAD("koid %#" PRIx64 " was an object's of an earlier sequence: reused",
			    koid);
	}
	m->ep[e].koid = koid;
	return true;
}

static bool st_info(struct model *m, struct call *c, int res)
{
	const struct mx_ioc_handle_get_info *a = &c->a.info;
	struct mx_handle_basic_info bi;
	const uint8_t *tail;
	uint32_t most;
	int hi, e, kind, i;

	LAD(t_not(pl_read(c)), EFAULT);
	hi = m_find(m, (int32_t)a->handle);
	LAD(t_of(hi < 0), EBADSLT);
	if (a->topic == MX_INFO_HANDLE_VALID) {
		OKPOINT();
		if (c->ret != 0)
			BAD("MX_INFO_HANDLE_VALID returned %ld, not 0", c->ret);
		return true;
	}
	LAD(t_of(a->topic != MX_INFO_HANDLE_BASIC), EINVAL);
	LAD(t_of(!a->info), EINVAL);
	LAD(t_of(a->info_size < sizeof(bi)), EMSGSIZE);
	LAD(t_not(acc(c, 0, sizeof(bi), true)), EINVAL);
	OKPOINT();
	if (c->ret != (long)sizeof(bi))
		BAD("MX_INFO_HANDLE_BASIC returned %ld, not %zu", c->ret, sizeof(bi));
	memcpy(&bi, (const void *)(uintptr_t)a->info, sizeof(bi));
	e = m->h[hi].ep;
	kind = bi.type == MX_OBJ_TYPE_EVENT ? K_EVENT :
	       bi.type == MX_OBJ_TYPE_MESSAGE_PIPE ? K_EP : -1;
	if (kind < 0 || (m->ep[e].kind != K_UNK && kind != m->ep[e].kind))
		BAD("type %u, the model says the object is %s", bi.type,
		    m->ep[e].kind == K_EP ? "an endpoint (4)" :
		    m->ep[e].kind == K_EVENT ? "an event (5)" : "an endpoint or an event");
	if (bi.props != MX_OBJ_PROP_WAITABLE || bi.reserved)
		BAD("props %#x reserved %#x, not WAITABLE and 0", bi.props, bi.reserved);
	most = kind == K_EP ? RIGHTS_PIPE : RIGHTS_EVENT;
	if (m->h[hi].rights == RIGHTS_UNKNOWN) {
		if (bi.rights & ~most)
			BAD("rights %#x: more than an object of type %u can hold",
			    bi.rights, bi.type);
		m->h[hi].rights = bi.rights;
	} else if (bi.rights != m->h[hi].rights) {
		BAD("rights %#x, the handle has %#x", bi.rights, m->h[hi].rights);
	}
	/* Only the record is written, however large the buffer. */
	tail = (const uint8_t *)(uintptr_t)a->info + sizeof(bi);
	if ((c->b[0].kind == PK_NORMAL || c->b[0].kind == PK_MISALIGN) &&
	    c->b[0].room >= 32)
		for (i = 0; i < 8; i++)
			if (tail[i] != 0xee)
				BAD("byte %d after the %zu-byte record was written",
				    i, sizeof(bi));
	if (!m_koid_ok(m, e, bi.koid, c))
		return false;
	m_learn_kind(m, e, kind);
	return true;
}

/* Check call @c's result against model @m and apply it. */
static bool step(struct model *m, struct call *c, int phase, bool relaxed)
{
	int res = res_of(c);

	c->expect = 0;
	c->why[0] = 0;
	if (c->iwhy[0]) {
		snprintf(c->why, sizeof(c->why), "%s", c->iwhy);
		return false;
	}
	switch (c->kind) {
	case OP_CREATE:
		return st_create(m, c, res);
	case OP_WRITE:
		return st_write(m, c, res);
	case OP_READ:
		return st_read(m, c, res, phase, relaxed);
	case OP_CALL:
		return st_call(m, c, res, phase, relaxed);
	case OP_CLOSE:
		return st_close(m, c, res);
	case OP_DUP:
		return st_dup(m, c, res);
	case OP_REPLACE:
		return st_replace(m, c, res);
	case OP_WAIT_ONE:
		return st_wait_one(m, c, res, phase, relaxed);
	case OP_WAIT_MANY:
		return st_wait_many(m, c, res, phase, relaxed);
	case OP_EXPORT:
		return st_export(m, c, res);
	case OP_IMPORT:
		return st_import(m, c, res);
	case OP_VERSION:
		return st_version(m, c, res);
	case OP_ECREATE:
		return st_ecreate(m, c, res);
	case OP_SIGNAL:
		return st_signal(m, c, res);
	case OP_INFO:
		return st_info(m, c, res);
	default:
		c->expect = EB(ENOTTY);
		return res == ENOTTY;
	}
}

/* ---- coverage --------------------------------------------------------- */

/* Open and map a trace buffer; kcov_enable() binds it to the caller. */
static void kcov_prepare(struct kcov *k)
{
	k->fd = -1;
	k->area = NULL;
	if (!use_kcov)
		return;
	k->fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return;
	if (ioctl(k->fd, KCOV_INIT_TRACE_, (unsigned long)KCOV_WORDS))
		goto err;
	k->area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long),
		       PROT_READ | PROT_WRITE, MAP_SHARED, k->fd, 0);
	if (k->area != MAP_FAILED)
		return;
err:
	close(k->fd);
	k->fd = -1;
	k->area = NULL;
}

static void kcov_enable(struct kcov *k)
{
	if (!k->area)
		return;
	if (ioctl(k->fd, KCOV_ENABLE_, KCOV_TRACE_PC_)) {
		munmap(k->area, KCOV_WORDS * sizeof(unsigned long));
		close(k->fd);
		k->fd = -1;
		k->area = NULL;
		return;
	}
	__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
}

static void kcov_open(struct kcov *k)
{
	kcov_prepare(k);
	kcov_enable(k);
}

/* Keep the module PCs traced since the last call. */
static void kcov_collect(struct worker *w, struct kcov *k)
{
	unsigned long n, i;

	if (!k->area)
		return;
	n = __atomic_load_n(&k->area[0], __ATOMIC_RELAXED);
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	for (i = 0; i < n; i++) {
		uint64_t off = (uint64_t)k->area[i + 1] - text_start;

		if (off >= text_size)
			continue;
		if (w->in_child) {
			w->ccov[off] = 1;
		} else if (!w->seqcov[off]) {
			w->seqcov[off] = 1;
			if (w->ntouched < w->touched_max)
				w->touched[w->ntouched++] = (uint32_t)off;
		}
	}
	__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
}

/* ---- reports ---------------------------------------------------------- */

static void fmt_op(char *buf, size_t len, const struct op *o)
{
	int i, n;

	n = snprintf(buf, len, "%s p=%x k=%x,%x,%x,%x f=%x s=",
		     o->kind < OP_NR ? op_names[o->kind] : "?", o->place,
		     o->pk[0], o->pk[1], o->pk[2], o->pk[3], o->flags);
	for (i = 0; i <= OP_NSEL && n < (int)len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%x", i ? "," : "", o->sel[i]);
	n += snprintf(buf + n, len - (size_t)n, "/%x a=", o->nsel);
	for (i = 0; i < 8 && n < (int)len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%x", i ? "," : "", o->a[i]);
}

static void dump_prog(struct sbuf *b, const struct prog *p)
{
	char line[256];
	int i;

	sb_printf(b, "mxsfuzz-program v1 %d\n", p->n);
	for (i = 0; i < p->n; i++) {
		fmt_op(line, sizeof(line), &p->op[i]);
		sb_printf(b, "%s\n", line);
	}
	sb_printf(b, "end\n");
}

static bool parse_prog(FILE *f, struct prog *p)
{
	char line[512], kind[32];
	struct op o;
	unsigned x[8];
	int n, i, k, off;

	p->n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = line;

		if (!strncmp(s, "mxsfuzz-program", 15) || s[0] == '#' || s[0] == '\n')
			continue;
		if (!strncmp(s, "end", 3))
			break;
		memset(&o, 0, sizeof(o));
		if (sscanf(s, "%31s p=%x k=%x,%x,%x,%x f=%x s=%n", kind, &x[0], &x[1],
			   &x[2], &x[3], &x[4], &x[5], &off) != 7)
			return false;
		for (k = 0; k < OP_NR && strcmp(kind, op_names[k]); k++)
			;
		if (k == OP_NR)
			return false;
		o.kind = (uint8_t)k;
		o.place = (uint8_t)x[0];
		for (i = 0; i < 4; i++)
			o.pk[i] = (uint8_t)x[1 + i];
		o.flags = (uint8_t)x[5];
		s += off;
		for (i = 0; i <= OP_NSEL; i++) {
			if (sscanf(s, "%x%n", &x[0], &n) != 1)
				return false;
			o.sel[i] = x[0];
			s += n;
			if (*s == ',')
				s++;
		}
		if (sscanf(s, "/%x a=%n", &x[0], &n) != 1)
			return false;
		o.nsel = (uint8_t)(x[0] > OP_NSEL ? OP_NSEL : x[0]);
		s += n;
		for (i = 0; i < 8; i++) {
			if (sscanf(s, "%x%n", &x[0], &n) != 1)
				return false;
			o.a[i] = x[0];
			s += n;
			if (*s == ',')
				s++;
		}
		if (p->n < MAX_OPS)
			p->op[p->n++] = o;
	}
	return p->n > 0;
}

/* One line about a call, for the trace of a sequence. */
static void fmt_call(char *buf, size_t len, const struct call *c)
{
	const union argu *a = &c->a;
	int n = 0;

	switch (c->kind) {
	case OP_CREATE:
		n = snprintf(buf, len, "create flags=%#x pad=%u out=%s",
			     a->create.flags, a->create.pad, pk_names[c->b[0].kind]);
		if (!c->ret)
			n += snprintf(buf + n, len - (size_t)n, " -> %#x,%#x",
				      (unsigned)((int32_t *)(uintptr_t)a->create.handles)[0],
				      (unsigned)((int32_t *)(uintptr_t)a->create.handles)[1]);
		break;
	case OP_WRITE:
	case OP_CALL: {
		const struct mx_ioc_msgpipe_write *wr =
			c->kind == OP_WRITE ? &a->write : &a->call.wr;
		uint32_t i;

		n = snprintf(buf, len, "%s h=%#x nb=%u(%s) nh=%u(%s) flags=%#x [",
			     c->kind == OP_WRITE ? "write" : "call", wr->handle,
			     wr->num_bytes, pk_names[c->b[0].kind], wr->num_handles,
			     pk_names[c->b[1].kind], wr->flags);
		for (i = 0; i < c->nh && i < 6 && n < (int)len; i++)
			n += snprintf(buf + n, len - (size_t)n, "%s%#x", i ? "," : "",
				      (unsigned)c->hv[i]);
		n += snprintf(buf + n, len - (size_t)n, "%s]", c->nh > 6 ? ",..." : "");
		if (c->kind == OP_CALL)
			n += snprintf(buf + n, len - (size_t)n,
				      " rd: h=%#x flags=%u caps=%u,%u dl=%d written=%u pad=%u",
				      a->call.rd.handle, a->call.rd.flags, c->cap_b,
				      c->cap_h, c->dlkind, c->written_in, a->call.pad);
		break;
	}
	case OP_READ:
		n = snprintf(buf, len, "read h=%#x flags=%#x caps=%u,%u bufs=%s,%s,%s,%s",
			     a->read.handle, a->read.flags, c->cap_b, c->cap_h,
			     pk_names[c->b[0].kind], pk_names[c->b[1].kind],
			     pk_names[c->b[2].kind], pk_names[c->b[3].kind]);
		break;
	case OP_CLOSE:
		n = snprintf(buf, len, "close h=%#x", (unsigned)a->close);
		break;
	case OP_DUP:
	case OP_REPLACE:
		n = snprintf(buf, len, "%s h=%#x rights=%#x pad=%u",
			     c->kind == OP_DUP ? "dup" : "replace", a->dup.handle,
			     a->dup.rights, a->dup.pad);
		if (!c->ret && c->kind == OP_REPLACE)
			n += snprintf(buf + n, len - (size_t)n, " -> %#x",
				      (unsigned)((struct mx_ioc_handle_dup *)c->argp)->result);
		break;
	case OP_WAIT_ONE:
		n = snprintf(buf, len, "wait_one h=%#x signals=%#x dl=%d state=%s restarted=%u pad=%u",
			     a->wone.handle, a->wone.signals, c->dlkind,
			     pk_names[c->b[0].kind], WONE_RESTARTED(&a->wone),
			     WONE_PAD(&a->wone));
		break;
	case OP_WAIT_MANY: {
		uint32_t i;

		n = snprintf(buf, len, "wait_many count=%u restarted=%u pad=%u dl=%d [",
			     a->wmany.count, WMANY_RESTARTED(&a->wmany),
			     WMANY_PAD(&a->wmany), c->dlkind);
		for (i = 0; i < c->nh && i < 8 && n < (int)len; i++)
			n += snprintf(buf + n, len - (size_t)n, "%s%#x/%#x", i ? "," : "",
				      (unsigned)c->hv[i], c->sig[i]);
		n += snprintf(buf + n, len - (size_t)n, "] bufs=%s,%s,%s,%s",
			      pk_names[c->b[0].kind], pk_names[c->b[1].kind],
			      pk_names[c->b[2].kind], pk_names[c->b[3].kind]);
		break;
	}
	case OP_EXPORT:
		n = snprintf(buf, len, "export h=%#x flags=%#x pad=%u%s", a->exp.handle,
			     a->exp.flags, a->exp.pad, c->tight ? " (no free fd)" : "");
		if (!c->ret)
			n += snprintf(buf + n, len - (size_t)n, " -> fd %d",
				      ((struct mx_ioc_handle_export *)c->argp)->fd);
		break;
	case OP_IMPORT:
		n = snprintf(buf, len, "import fd=%d(%s) flags=%#x pad=%u", a->imp.fd,
			     c->fdclass == FDC_XFER ? "xfer" :
			     c->fdclass == FDC_NOTOPEN ? "closed" : "other",
			     a->imp.flags, a->imp.pad);
		break;
	case OP_VERSION:
		n = snprintf(buf, len, "version");
		break;
	case OP_ECREATE:
		n = snprintf(buf, len, "event_create options=%#x", a->ecreate.options);
		if (!c->ret)
			n += snprintf(buf + n, len - (size_t)n, " -> %#x",
				      (unsigned)((struct mx_ioc_event_create *)c->argp)->handle);
		break;
	case OP_SIGNAL:
		n = snprintf(buf, len, "signal h=%#x clear=%#x set=%#x pad=%u",
			     a->osig.handle, a->osig.clear_mask, a->osig.set_mask,
			     a->osig.pad);
		break;
	case OP_INFO:
		n = snprintf(buf, len, "get_info h=%#x topic=%u size=%#" PRIx64 " info=%s",
			     a->info.handle, a->info.topic,
			     (uint64_t)a->info.info_size, pk_names[c->b[0].kind]);
		if (c->ret > 0) {
			struct mx_handle_basic_info bi;

			memcpy(&bi, (const void *)(uintptr_t)a->info.info, sizeof(bi));
			n += snprintf(buf + n, len - (size_t)n,
				      " -> koid %#" PRIx64 " rights %#x type %u props %u",
				      (uint64_t)bi.koid, bi.rights, bi.type, bi.props);
		}
		break;
	default:
		n = snprintf(buf, len, "ioctl cmd=%#lx", c->cmd);
		break;
	}
	if (n < (int)len)
		snprintf(buf + n, len - (size_t)n, " arg=%s -> %s%s",
			 pl_names[c->place], ename(res_of(c)),
			 c->tries > 1 ? " (restarted)" : "");
}

static void trace_call(struct worker *w, const struct call *c, const char *tag)
{
	char line[400];

	fmt_call(line, sizeof(line), c);
	sb_printf(&w->trace, "  %2d%s %s\n", w->opno, tag, line);
}

static void report_to(char *text, size_t cap, struct worker *w, const char *what,
		      const struct call *c, const char *extra)
{
	struct sbuf b = { text, 0, cap - 1 };
	char exp[200], line[400];

	sb_printf(&b, "%s %d sequence %ld op %d: %s\n",
		  w->in_child ? "child of worker" : "worker", w->idx, w->seqno,
		  w->opno, what);
	if (c) {
		fmt_call(line, sizeof(line), c);
		eset_str(c->expect, exp, sizeof(exp));
		sb_printf(&b, "  call: %s\n  result %s (%s); the model expected %s%s%s\n",
			  line, ename(res_of(c)), mxf_status_name(res_of(c)), exp,
			  c->why[0] ? ": " : "", c->why);
	}
	if (extra)
		sb_printf(&b, "%s", extra);
	sb_printf(&b, "  calls of the sequence so far:\n%s", w->trace.p ? w->trace.p : "");
	if (w->cur) {
		sb_printf(&b, "  the sequence (run it alone: mxsfuzz -r FILE):\n");
		dump_prog(&b, w->cur);
	}
	sb_printf(&b, "  seed=%" PRIu64 " (SFUZZ_SEED=%" PRIu64 ")\n", seed, seed);
	text[b.len] = 0;
}

static void report(struct worker *w, const char *what, const struct call *c,
		   const char *extra)
{
	static char text[96 * 1024];

	report_to(text, sizeof(text), w, what, c, extra);
	fail_text(text);
}

/*
 * A result the documentation allows for the call, that no order of the
 * concurrent calls explains: reported, and a failure only with -S.
 */
static void anomaly(struct worker *w, const char *what, const struct call *c,
		    const char *extra)
{
	int n = atomic_fetch_add(&sh->nanom, 1);

	ev_add(EV_ANOMALY, 1);
	if (n < 3)
		report_to(sh->anom[n], sizeof(sh->anom[n]), w, what, c, extra);
	if (strict)
		report(w, what, c, extra);
}

/* Read one of the module's files: the debugfs dump of every table, a counter. */
static void do_peek(uint32_t which)
{
	static const char *const files[] = {
		"/sys/kernel/debug/magenta/handles",
		MX_STATS_DIR "procs", MX_STATS_DIR "handles", MX_STATS_DIR "endpoints",
		MX_STATS_DIR "messages", MX_STATS_DIR "message_bytes",
		MX_STATS_DIR "xfers", MX_STATS_DIR "waiters",
	};
	static __thread char buf[16384];
	char path[192];
	const char *f = files[which % 3 ? 1 + (which >> 2) % 7 : 0];
	int fd, n = 0;

	if (trace_dir[0] && which % 4 == 3) {
		/* The trace buffer, formatted by the module's output functions. */
		snprintf(path, sizeof(path), "%s/trace", trace_dir);
		f = path;
	}
	fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (n++ < 8 && read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/*
 * Write a module parameter: its own value back (the setter runs, nothing
 * changes), or a value out of its range, which must be refused. Returns
 * false (with @why) if the parameter changed.
 */
static bool do_param(uint32_t which, char *why, size_t len)
{
	static const char *const names[] = {
		"max_queued_msgs", "max_queued_bytes", "max_nesting",
		"max_handles", "max_inflight",
	};
	static const char *const bad[] = { "0", "-1", "x", "", "4294967296" };
	const char *name = names[which % 5];
	char path[128], val[32], after[32];
	long before = mx_param_read(name), now;
	bool ok;
	int fd;

	if (before < 0)
		return true;
	snprintf(path, sizeof(path), MX_PARAM_DIR "%s", name);
	/* Only the setters with a range refuse values: the others get their own. */
	if (ABI2 && (which >> 3) % 2 && which % 5 < 3) {
		snprintf(val, sizeof(val), "%s", which % 5 == 2 && (which >> 4) % 2 ?
			 "1025" : bad[(which >> 5) % 5]);
	} else {
		snprintf(val, sizeof(val), "%ld", before);
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	if (!ok && !(ABI2 && (which >> 3) % 2 && which % 5 < 3)) {
		snprintf(why, len, "writing module parameter %s its own value %s failed: %s",
			 name, val, strerror(errno));
		return false;
	}
	now = mx_param_read(name);
	if (now != before) {
		snprintf(after, sizeof(after), "%ld", now);
		snprintf(why, len, "module parameter %s was %ld, is %s after writing \"%s\"",
			 name, before, after, val);
		return false;
	}
	return true;
}

/* ---- the helper thread ------------------------------------------------ */

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *helper_thread(void *arg)
{
	struct worker *w = arg;

	kcov_enable(&w->htc.kc);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		uint64_t t0;

		while (w->hstate != 1 && w->hstate != 3)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->hstate == 3)
			break;
		pthread_mutex_unlock(&w->mu);
		sleep_us(w->hdelay);
		if (w->hact == ACT_SIGNAL)
			syscall(SYS_tgkill, getpid(), w->main_tid, SIGUSR1);
		else if (w->hact == ACT_PEEK)
			do_peek(w->hdelay * 7);
		else if (w->hcall)
			issue(w, w->hcall, false);
		/* A wait with no deadline gets signals until it ends. */
		t0 = now_ns();
		while (atomic_load(&w->main_busy)) {
			uint64_t t = now_ns() - t0;

			if (atomic_load(&w->main_infinite) && t > 200000000ull) {
				atomic_store(&w->wd_fired, 1);
				ev_add(EV_WATCHDOG, 1);
				syscall(SYS_tgkill, getpid(), w->main_tid, SIGUSR1);
				sleep_us(20000);
			} else {
				sleep_us(500);
			}
			if (t > 30ull * 1000000000ull)
				break;
		}
		pthread_mutex_lock(&w->mu);
		w->hstate = 2;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- userfaultfd ------------------------------------------------------ */

static void *uffd_thread(void *arg)
{
	struct worker *w = arg;
	struct pollfd p[2] = { { w->uffd, POLLIN, 0 }, { w->quitfd, POLLIN, 0 } };
	struct uffd_msg msg;
	uint32_t k = 0;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (read(w->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			uint64_t addr = msg.arg.pagefault.address & ~(uint64_t)(page_sz - 1);
			uint32_t d = atomic_load(&w->uffd_delay);
			struct uffdio_copy cp;

			if (d)
				sleep_us(d * (k++ % 3) / 2);
			cp.dst = addr;
			cp.src = (uint64_t)(uintptr_t)(w->tc.shadow +
						       (addr - (uint64_t)(uintptr_t)w->uf_base));
			cp.len = page_sz;
			cp.mode = 0;
			cp.copy = 0;
			while (ioctl(w->uffd, UFFDIO_COPY, &cp) && errno == EAGAIN)
				;
			atomic_fetch_add(&w->uffd_faults, 1);
		}
	}
	return NULL;
}

/* ---- running ops ------------------------------------------------------ */

static struct call g_mcall, g_hcall;

static void count_result(struct worker *w, const struct call *c)
{
	atomic_fetch_add_explicit(&sh->hist[c->kind][eidx(res_of(c))], 1,
				  memory_order_relaxed);
	ev_add(w->in_child ? EV_CHILD_CALLS : EV_CALLS, 1);
}

/* Results no documentation allows, whatever the state. */
static bool doc_ok(struct worker *w, struct call *c)
{
	int res = res_of(c);

	if (c->ret != 0 && c->ret != -1 &&
	    !(c->kind == OP_INFO && c->ret == (long)sizeof(struct mx_handle_basic_info))) {
		report(w, "the ioctl returned neither 0 nor -1", c, NULL);
		return false;
	}
	if (eidx(res) == E_OTHER || !(doc_allowed(c->kind) & EB(res))) {
		snprintf(c->why, sizeof(c->why), "%s is not a documented result of %s",
			 ename(res), op_names[c->kind]);
		report(w, "undocumented errno", c, NULL);
		return false;
	}
	return true;
}

static bool exec_sync(struct worker *w, const struct op *op)
{
	struct call *c = &g_mcall;
	uint32_t reps = 1;
	uint32_t it;

	if (op->kind == OP_CREATE || op->kind == OP_ECREATE)
		reps = op->a[2];
	else if (op->kind == OP_WRITE || op->kind == OP_READ)
		reps = op->a[3];
	reps = reps < 1 ? 1 : reps > 1100 ? 1100 : reps;
	for (it = 0; it < reps; it++) {
		if (!m_room(w->m))
			break;
		prep(w, &w->tc, w->m, op, c, (int)it, false);
		issue(w, c, true);
		kcov_collect(w, &w->tc.kc);
		count_result(w, c);
		if (it < 2 || res_of(c) || it + 1 == reps)
			trace_call(w, c, reps > 1 ? "*" : "");
		if (!doc_ok(w, c))
			return false;
		if (!step(w->m, c, PH_ALL, false)) {
			report(w, "the result contradicts the documented behaviour", c, NULL);
			return false;
		}
		if (reps > 1 && res_of(c) && op->kind != OP_CREATE &&
		    op->kind != OP_ECREATE)
			break;
	}
	return true;
}

static bool exec_closefd(struct worker *w, const struct op *op)
{
	struct model *m = w->m;
	int k, nopen = 0, n = 0, e;

	for (k = 0; k < m->nfd; k++)
		nopen += m->fd[k].open;
	if (!nopen)
		return true;
	for (k = 0; k < m->nfd; k++)
		if (m->fd[k].open && n++ == (int)(op->a[0] % (uint32_t)nopen))
			break;
	close(m->fd[k].fd);
	sb_printf(&w->trace, "  %2d close(fd %d)%s\n", w->opno, m->fd[k].fd,
		  m->fd[k].ep >= 0 ? ", closing the handle it holds" : "");
	m->fd[k].open = false;
	e = m->fd[k].ep;
	m->fd[k].ep = -1;
	if (e >= 0)
		m_ep_close(m, e);
	return true;
}

static bool async_main_ok(const struct op *o)
{
	return is_ioctl_op(o->kind);
}

/* An async action and the op after it, run concurrently. */
static bool exec_async(struct worker *w, const struct op *aop, const struct op *mop)
{
	struct call *mc = &g_mcall, *hc = &g_hcall;
	static struct op hop;
	static char trials[1200];
	struct sbuf tb = { trials, 0, sizeof(trials) };
	int act = (int)(aop->a[0] % ACT_NR), k, target_ep = -1;
	bool ok = false, sig, nocall;
	struct model *t;
	struct timespec ts;
	char exp[160];

	memset(&hop, 0, sizeof(hop));
	hop.a[7] = aop->a[7];
	hop.sel[0] = aop->sel[0];
	switch (act) {
	case ACT_CLOSE:
		hop.kind = OP_CLOSE;
		break;
	case ACT_WRITE:
		hop.kind = OP_WRITE;
		hop.a[0] = aop->a[2] % 200;
		break;
	case ACT_SEND:
		hop.kind = OP_WRITE;
		hop.sel[0] = aop->sel[1];
		hop.nsel = 1;
		hop.sel[1] = aop->sel[0];
		hop.a[0] = 8;
		hop.a[1] = 1;
		break;
	case ACT_READ:
		hop.kind = OP_READ;
		hop.a[0] = 65536;
		hop.a[1] = 1024;
		break;
	case ACT_REPLACE:
		hop.kind = OP_REPLACE;
		hop.a[0] = aop->a[2] & 1 ? MX_RIGHT_SAME_RIGHTS :
					   (aop->a[2] >> 1) & RIGHTS_PIPE;
		break;
	case ACT_EXPORT:
		hop.kind = OP_EXPORT;
		hop.a[0] = MX_EXPORT_CLOEXEC;
		break;
	case ACT_PEEK:
		break;
	case ACT_OSIGNAL:
		/* Set one user signal, maybe clearing others. */
		hop.kind = OP_SIGNAL;
		hop.a[1] = MX_SIGNAL_SIGNAL0 << (aop->a[2] % 5);
		hop.a[0] = (aop->a[2] >> 8) & MX_SIGNAL_SIGNAL_ALL & ~hop.a[1];
		break;
	case ACT_DUP:
		hop.kind = OP_DUP;
		hop.a[0] = aop->a[2] & 1 ? MX_RIGHT_SAME_RIGHTS :
					   (aop->a[2] >> 1) & RIGHTS_EVENT;
		break;
	default:
		act = ACT_SIGNAL;
		break;
	}
	nocall = act == ACT_SIGNAL || act == ACT_PEEK;
	if (!mop || !m_room(w->m)) {
		if (act == ACT_PEEK)
			do_peek(aop->a[2]);
		return nocall ? true : exec_sync(w, &hop);
	}
	if (!nocall) {
		prep(w, &w->htc, w->m, &hop, hc, 0, true);
		k = m_find(w->m, resolve(w->m, w->idx, aop->sel[0], 0, 0));
		target_ep = k >= 0 ? w->m->h[k].ep : -1;
	}
	prep(w, &w->tc, w->m, mop, mc, 0, true);

	atomic_store(&w->wd_fired, 0);
	atomic_store(&w->main_infinite, mc->infinite);
	atomic_store(&w->main_busy, 1);
	pthread_mutex_lock(&w->mu);
	w->hcall = nocall ? NULL : hc;
	w->hact = act;
	w->hdelay = aop->a[1] % 3000;
	w->hstate = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	issue(w, mc, true);
	atomic_store(&w->main_busy, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	pthread_mutex_lock(&w->mu);
	while (w->hstate != 2)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
	k = w->hstate;
	w->hstate = 0;
	pthread_mutex_unlock(&w->mu);
	if (k != 2) {
		report(w, "the helper thread's call did not finish within 60 s", hc, NULL);
		return false;
	}
	kcov_collect(w, &w->tc.kc);
	kcov_collect(w, &w->htc.kc);
	ev_add(EV_ASYNC, 1);
	sig = act == ACT_SIGNAL || atomic_load(&w->wd_fired);
	mc->sig_inflight = sig;
	mc->eintr_ok = sig && is_blocking(mc->kind);
	count_result(w, mc);
	trace_call(w, mc, "");
	if (!nocall) {
		count_result(w, hc);
		sb_printf(&w->trace, "  %2d+ helper (%s after %u us):\n", w->opno,
			  act_names[act], w->hdelay);
		trace_call(w, hc, "+");
	} else if (act == ACT_PEEK) {
		sb_printf(&w->trace, "  %2d+ helper reads a module file after %u us\n",
			  w->opno, w->hdelay);
	} else {
		sb_printf(&w->trace, "  %2d+ SIGUSR1 after %u us%s\n", w->opno,
			  w->hdelay, atomic_load(&w->wd_fired) ? " (and watchdog)" : "");
	}
	if (!doc_ok(w, mc) || (!nocall && !doc_ok(w, hc)))
		return false;

	t = w->mt;
	/* A: the op, then the action. */
	m_copy(t, w->m);
	mc->cancel_ok = mc->kind == OP_READ && (act == ACT_CLOSE || act == ACT_SEND);
	if (step(t, mc, PH_ALL, false) && (nocall || step(t, hc, PH_ALL, false)))
		ok = true;
	eset_str(mc->expect, exp, sizeof(exp));
	sb_printf(&tb, "    op then action: op expected %s %s\n", exp, mc->why);
	if (ok && !nocall) {
		/* Does the other order explain them too, with another state? */
		m_copy(w->mt2, w->m);
		mc->cancel_ok = mc->kind == OP_READ && (act == ACT_CLOSE || act == ACT_SEND);
		if (step(w->mt2, hc, PH_ALL, false) && step(w->mt2, mc, PH_ALL, false))
			m_merge(t, w->mt2);
		mc->cancel_ok = false;
	}
	if (!ok && !nocall) {
		/* B: the action, then the op. */
		m_copy(t, w->m);
		mc->cancel_ok = mc->kind == OP_READ && (act == ACT_CLOSE || act == ACT_SEND);
		if (step(t, hc, PH_ALL, false) && step(t, mc, PH_ALL, false)) {
			ok = true;
			ev_add(EV_ASYNC_ORDER_B, 1);
		}
		eset_str(mc->expect, exp, sizeof(exp));
		sb_printf(&tb, "    action then op: op expected %s %s\n", exp, mc->why);
		mc->cancel_ok = false;
	}
	if (!ok && !nocall && is_blocking(mc->kind)) {
		/* C: the action while the op waits. */
		m_copy(t, w->m);
		if (step(t, mc, PH_PRE, false) && step(t, hc, PH_ALL, false) &&
		    step(t, mc, PH_POST, false)) {
			ok = true;
			ev_add(EV_ASYNC_ORDER_C, 1);
		}
		eset_str(mc->expect, exp, sizeof(exp));
		sb_printf(&tb, "    action during the wait: op expected %s %s\n", exp, mc->why);
	}
	if (!ok) {
		/* Messages may overtake one another when a read fails. */
		m_copy(t, w->m);
		mc->cancel_ok = mc->kind == OP_READ && (act == ACT_CLOSE || act == ACT_SEND);
		if ((nocall || step(t, hc, PH_ALL, true)) && step(t, mc, PH_ALL, true))
			ok = true;
		mc->cancel_ok = false;
		eset_str(mc->expect, exp, sizeof(exp));
		sb_printf(&tb, "    relaxed: op expected %s %s\n", exp, mc->why);
	}
	if (!ok && !nocall && mc->kind == OP_READ) {
		/* D: the read finds its handle, then reads what the action left. */
		m_copy(t, w->m);
		if (step(t, mc, PH_PRE, false) && step(t, hc, PH_ALL, false) &&
		    step(t, mc, PH_POST, false)) {
			ok = true;
			anomaly(w, "a read concurrent with the action on its endpoint got a result "
				"that no order of the two calls gives", mc, trials);
		}
	}
	if (!ok) {
		report(w, "no order of the two concurrent calls explains their results",
		       mc, trials);
		return false;
	}
	w->mt = w->m;
	w->m = t;
	if (mc->kind == OP_READ && res_of(mc) == ECANCELED) {
		ev_add(EV_ECANCELED_READ, 1);
		if (act != ACT_CLOSE && target_ep >= 0 && target_ep < w->m->ne)
			m_forget_queue(w->m, target_ep);
	}
	return true;
}

/* ---- wait sets -------------------------------------------------------- */

/*
 * OP_WS: one wait set call, a[0] % WS_NR says which, checked against the
 * model here (not through prep()/step(): no other op names a wait set's
 * handle, and no helper races these calls). a[1] names the wait set (a
 * live one, a closed one's stale value, a pipe or event handle, a random
 * value), sel[0] the watched handle, a[2]..a[5] cookies, signals, buffers,
 * deadlines, padding and restarted.
 */
enum wsc { WS_CREATE, WS_ADD, WS_REMOVE, WS_WAIT, WS_CLOSE, WS_MISUSE, WS_NR };

static long p_max_ws_entries = 65536;

/* What a check accepted, and why it refused (for LAD() and friends). */
struct wsck {
	uint32_t expect;
	char why[240];
};

/*
 * An entry's result in the model. WR_MAYBE: its state is not known, it may
 * have a result or not; WR_UNSURE: its handle may have left the table
 * (m_unsure_handle()), so cancelled too.
 */
enum wsr { WR_NONE, WR_OK, WR_BAD, WR_CANCEL, WR_MAYBE, WR_UNSURE };

/* Has the entry surely a result? */
static bool ws_sure(int v)
{
	return v != WR_NONE && v != WR_MAYBE && v != WR_UNSURE;
}

static int ws_live_of(const struct model *m, int32_t v)
{
	int i;

	for (i = 0; i < m->nws; i++)
		if (m->ws[i].live && m->ws[i].value == v)
			return i;
	return -1;
}

/* The wait set handle a[1] names; *wi its live record, or -1. */
static int32_t ws_pick(const struct model *m, uint32_t x, int *wi)
{
	int i, n = 0, want;

	*wi = -1;
	for (i = 0; i < m->nws; i++)
		n += m->ws[i].live;
	switch (x % 16) {
	case 12:
		if (m->nlive)
			return m->h[m->live[(x >> 4) % (uint32_t)m->nlive]].value;
		break;
	case 13:
		return (int32_t)(mix64(x) & 0x7fffffff);
	case 14:
		for (i = m->nws - 1; i >= 0; i--)
			if (!m->ws[i].live)
				return m->ws[i].value;
		break;
	default:
		break;
	}
	if (!n)
		return m->nws ? m->ws[0].value : 0x7ffffff0;
	want = (int)((x >> 4) % (uint32_t)n);
	for (i = m->nws - 1; i >= 0; i--)
		if (m->ws[i].live && want-- == 0)
			break;
	*wi = i;
	return m->ws[i].value;
}

/* The lookup of add, remove and wait: 0 or the errno it must give. */
static int ws_lookup_err(const struct model *m, int32_t v, int wi)
{
	if (wi >= 0)
		return 0;
	return m_find(m, v) >= 0 ? EINVAL : EBADSLT;
}

static int ws_eval(const struct model *m, const struct mwse *e,
		   struct mx_signals_state *st)
{
	st->satisfied = st->satisfiable = 0;
	if (!m->h[e->hi].live)
		return m->h[e->hi].unsure ? WR_UNSURE : WR_CANCEL;
	if (!m_signals(m, m->h[e->hi].ep, st))
		return WR_MAYBE;
	if (st->satisfied & e->signals)
		return WR_OK;
	if (!(st->satisfiable & e->signals))
		return WR_BAD;
	return WR_NONE;
}

static int ws_find_cookie(const struct mws *s, uint64_t cookie)
{
	int k;

	for (k = 0; k < s->n; k++)
		if (s->ent[k].cookie == cookie)
			return k;
	return -1;
}

static bool ck_ws_create(struct model *m, struct wsck *c, int res,
			 uint32_t pad, int32_t v)
{
	int i;

	LAD(t_of(pad != 0), EINVAL);
	ALSO(ENOMEM);
	OKPOINT();
	if (v <= 0 || m_find(m, v) >= 0 || ws_live_of(m, v) >= 0)
		BAD("the new wait set handle %d is not a new value", v);
	for (i = 0; i < m->nws && m->ws[i].live; i++)
		;
	if (i == MAXWS)
		BAD("no room in the model (exec_ws() should have closed one)");
	if (i == m->nws)
		m->nws++;
	m->ws[i].value = v;
	m->ws[i].live = true;
	m->ws[i].n = 0;
	return true;
}

static bool ck_ws_add(struct model *m, struct wsck *c, int res,
		      const struct mx_ioc_waitset_add *a, int wi)
{
	int hi = m_find(m, (int32_t)a->handle), lk;
	int self = ws_live_of(m, (int32_t)a->handle);
	struct mws *s;

	LAD(t_of(a->pad != 0), EINVAL);
	lk = ws_lookup_err(m, (int32_t)a->waitset, wi);
	if (lk)
		LAD(T_YES, lk);
	s = &m->ws[wi];
	LAD(t_of(hi < 0 && self < 0), EINVAL);
	if (hi >= 0)
		LAD(t_not(m_has(m, hi, MX_RIGHT_READ)), EACCES);
	LAD(t_of(self >= 0), EOPNOTSUPP);
	ALSO(ENOMEM);
	LAD(t_of(ws_find_cookie(s, a->cookie) >= 0), EEXIST);
	LAD(t_of(s->n >= p_max_ws_entries), ENOMEM);
	OKPOINT();
	if (s->n >= MAXWSE)
		BAD("the model holds only %d entries", MAXWSE);
	s->ent[s->n].cookie = a->cookie;
	s->ent[s->n].hi = hi;
	s->ent[s->n].signals = a->signals;
	s->n++;
	return true;
}

static bool ck_ws_remove(struct model *m, struct wsck *c, int res,
			 const struct mx_ioc_waitset_remove *a, int wi)
{
	int lk = ws_lookup_err(m, (int32_t)a->waitset, wi), k;
	struct mws *s;

	LAD(t_of(a->pad != 0), EINVAL);
	if (lk)
		LAD(T_YES, lk);
	s = &m->ws[wi];
	k = ws_find_cookie(s, a->cookie);
	LAD(t_of(k < 0), ENOENT);
	OKPOINT();
	s->ent[k] = s->ent[--s->n];
	return true;
}

/* A wait set wait as issued, and what it wrote. */
struct wsw {
	struct mx_ioc_waitset_wait a;
	int wi;
	uint8_t numk, resk, maxk;
	uint32_t num_in, num_out, max_out;
	struct mx_ioc_waitset_result res[MAXWSE + 4];
};

/* Does result @r match verdict @v with state @st for signals @sig? */
static bool ws_match(const struct mx_ioc_waitset_result *r, int v,
		     const struct mx_signals_state *st, uint32_t sig)
{
	uint32_t want;

	switch (v) {
	case WR_NONE:
		return false;
	case WR_UNSURE:
		if (r->wait_result == -ECANCELED && !r->state.satisfied &&
		    !r->state.satisfiable)
			return true;
		/* fall through */
	case WR_MAYBE:
		return (r->wait_result == 0 && (r->state.satisfied & sig)) ||
		       (r->wait_result == -EBADFD && !(r->state.satisfiable & sig));
	default:
		want = v == WR_OK ? 0u : v == WR_BAD ? (uint32_t)-EBADFD :
		       (uint32_t)-ECANCELED;
		return (uint32_t)r->wait_result == want &&
		       r->state.satisfied == st->satisfied &&
		       r->state.satisfiable == st->satisfiable;
	}
}

/*
 * A wait set wait against the model before (@m) and after (@m1) a
 * concurrent change of its entries' handles (@m1 == @m: none). Each entry
 * may be judged before or after it: a result must match one of the two.
 */
static bool ck_ws_wait(struct model *m, struct model *m1, struct wsck *c,
		       int res, const struct wsw *q)
{
	struct mx_signals_state st, st1;
	const struct mws *s;
	int lk, k, v[MAXWSE], v1[MAXWSE], nd = 0, nmaybe = 0;
	uint32_t i, j, want;
	bool seen[MAXWSE] = { false };

	LAD(t_of(q->a.restarted > 1), EINVAL);
	lk = ws_lookup_err(m, (int32_t)q->a.waitset, q->wi);
	if (lk == EBADSLT && q->a.restarted)
		lk = ECANCELED;
	if (lk)
		LAD(T_YES, lk);
	LAD(t_of(q->numk != PK_NORMAL ||
		 (q->num_in && (q->resk == PK_NULL || q->resk == PK_KERNEL)) ||
		 q->maxk == PK_KERNEL), EINVAL);
	s = &m->ws[q->wi];
	for (k = 0; k < s->n; k++) {
		v[k] = ws_eval(m, &s->ent[k], &st);
		v1[k] = ws_eval(m1, &s->ent[k], &st1);
		if (ws_sure(v[k]) && ws_sure(v1[k]))
			nd++;
		else if (v[k] != WR_NONE || v1[k] != WR_NONE)
			nmaybe++;
	}
	ALSO(ENOMEM);
	if (!nd)
		LAD(nmaybe ? T_MAYBE : T_YES, ETIMEDOUT);
	/* Results to write, and nowhere to write them. */
	LAD(t_of(q->resk == PK_UNMAPPED && q->num_in), EINVAL);
	OKPOINT();
	if (q->maxk == PK_NORMAL) {
		if (q->max_out < (uint32_t)nd || q->max_out > (uint32_t)(nd + nmaybe))
			BAD("max_results %u, but %d entries have a result (%d more may)",
			    q->max_out, nd, nmaybe);
		want = q->max_out < q->num_in ? q->max_out : q->num_in;
		if (q->num_out != want)
			BAD("num_results %u, not min(%u, max_results %u)",
			    q->num_out, q->num_in, q->max_out);
	} else if (q->num_out > q->num_in ||
		   (q->num_out < q->num_in && (q->num_out < (uint32_t)nd ||
					       q->num_out > (uint32_t)(nd + nmaybe)))) {
		BAD("num_results %u of %u, with %d entries with a result (%d more may)",
		    q->num_out, q->num_in, nd, nmaybe);
	}
	for (i = 0; i < q->num_out; i++) {
		const struct mx_ioc_waitset_result *r = &q->res[i];

		k = ws_find_cookie(s, r->cookie);
		if (k < 0)
			BAD("result %u: cookie %" PRIu64 " is no entry's", i,
			    (uint64_t)r->cookie);
		if (seen[k])
			BAD("result %u: cookie %" PRIu64 " reported twice in one wait",
			    i, (uint64_t)r->cookie);
		seen[k] = true;
		if (r->reserved)
			BAD("result %u: reserved %u", i, r->reserved);
		ws_eval(m, &s->ent[k], &st);
		ws_eval(m1, &s->ent[k], &st1);
		if (!ws_match(r, v[k], &st, s->ent[k].signals) &&
		    !ws_match(r, v1[k], &st1, s->ent[k].signals))
			BAD("result %u: cookie %" PRIu64 " %d {%x,%x} for signals %x; the model has %s {%x,%x}%s",
			    i, (uint64_t)r->cookie, r->wait_result,
			    r->state.satisfied, r->state.satisfiable,
			    s->ent[k].signals,
			    v[k] == WR_NONE ? "no result" : v[k] == WR_OK ? "satisfied" :
			    v[k] == WR_BAD ? "unsatisfiable" : v[k] == WR_CANCEL ?
			    "cancelled" : "either", st.satisfied, st.satisfiable,
			    m1 != m ? " before the helper's call" : "");
	}
	/* Every result fitted: every entry that surely had one is there. */
	if (q->num_out < q->num_in || (q->maxk == PK_NORMAL && q->num_out == q->max_out))
		for (j = 0; j < (uint32_t)s->n; j++)
			if (!seen[j] && ws_sure(v[j]) && ws_sure(v1[j]))
				BAD("entry %" PRIu64 " has a result but was not reported",
				    (uint64_t)s->ent[j].cookie);
	return true;
}

static uint64_t ws_ptr(uint8_t kind, void *normal)
{
	switch (kind) {
	case PK_NORMAL:
		return (uint64_t)(uintptr_t)normal;
	case PK_UNMAPPED:
		return (uint64_t)(uintptr_t)hole;
	case PK_KERNEL:
		return kernel_addrs[0];
	default:
		return 0;
	}
}

static int ws_ioctl(struct worker *w, unsigned long cmd, void *arg, long *ret)
{
	long r;

	errno = 0;
	r = ioctl(w->devfd, cmd, arg);
	if (ret)
		*ret = r;
	kcov_collect(w, &w->tc.kc);
	return r == -1 ? errno : 0;
}

static bool ws_done(struct worker *w, struct wsck *c, int res, bool ok,
		    const char *line)
{
	char exp[200], extra[900];

	atomic_fetch_add_explicit(&sh->hist[OP_WS][eidx(res)], 1,
				  memory_order_relaxed);
	ev_add(EV_CALLS, 1);
	sb_printf(&w->trace, "  %2d %s -> %s\n", w->opno, line, ename(res));
	if (ok)
		return true;
	eset_str(c->expect, exp, sizeof(exp));
	snprintf(extra, sizeof(extra),
		 "  call: %s\n  result %s (%s); the model expected %s%s%s\n",
		 line, ename(res), mxf_status_name(res), exp,
		 c->why[0] ? ": " : "", c->why);
	report(w, "the result contradicts the documented behaviour", NULL, extra);
	return false;
}

static bool ws_close(struct worker *w, int wi)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	int32_t v = w->m->ws[wi].value;
	char line[120];
	int res = ws_ioctl(w, MX_IOC_HANDLE_CLOSE, &v, NULL);
	bool ok;

	snprintf(line, sizeof(line), "waitset close ws=%d (%d entries)", v,
		 w->m->ws[wi].n);
	c->expect = EB(0);
	ok = res == 0;
	if (ok) {
		w->m->ws[wi].live = false;
		w->m->ws[wi].n = 0;
	}
	return ws_done(w, c, res, ok, line);
}

/*
 * What no wait set handle allows: duplicate, send, export, wait on it;
 * and get_info.
 */
static bool ws_misuse(struct worker *w, int wi, uint32_t x)
{
	int32_t v = w->m->ws[wi].value, p[2] = { 0, 0 };
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	char line[160];
	long ret = 0;
	int res = 0;
	bool ok;

	switch (x % 6) {
	case 5: {
		struct mx_ioc_handle_export ex = { .handle = (uint32_t)v,
						   .flags = MX_EXPORT_CLOEXEC,
						   .fd = -1 };

		res = ws_ioctl(w, MX_IOC_HANDLE_EXPORT, &ex, NULL);
		snprintf(line, sizeof(line), "waitset misuse: export ws=%d", v);
		c->expect = EB(EACCES);
		ok = res == EACCES;
		if (!res && ex.fd >= 0)
			close(ex.fd);
		break;
	}
	case 0: {
		struct mx_ioc_handle_dup d = { .handle = (uint32_t)v,
					       .rights = MX_RIGHT_SAME_RIGHTS };

		res = ws_ioctl(w, MX_IOC_HANDLE_DUPLICATE, &d, NULL);
		snprintf(line, sizeof(line), "waitset misuse: duplicate ws=%d", v);
		c->expect = EB(EACCES);
		ok = res == EACCES;
		break;
	}
	case 1: {
		struct mx_ioc_msgpipe_create pc = { .handles = (uint64_t)(uintptr_t)p };
		struct mx_ioc_msgpipe_write wr = { 0 };
		int r2;

		if (ws_ioctl(w, MX_IOC_MSGPIPE_CREATE, &pc, NULL))
			return true;
		wr.handle = (uint32_t)p[0];
		wr.handles = (uint64_t)(uintptr_t)&v;
		wr.num_handles = 1;
		res = ws_ioctl(w, MX_IOC_MSGPIPE_WRITE, &wr, NULL);
		r2 = ws_ioctl(w, MX_IOC_HANDLE_CLOSE, &p[0], NULL);
		r2 |= ws_ioctl(w, MX_IOC_HANDLE_CLOSE, &p[1], NULL);
		snprintf(line, sizeof(line),
			 "waitset misuse: send ws=%d through a new pipe", v);
		c->expect = EB(EACCES);
		ok = res == EACCES && !r2;
		if (r2)
			snprintf(c->why, sizeof(c->why), "closing the new pipe failed");
		break;
	}
	case 2: {
		struct mx_ioc_wait_one wo = { .handle = (uint32_t)v,
					      .signals = MX_SIGNAL_READABLE };

		res = ws_ioctl(w, MX_IOC_WAIT_ONE, &wo, NULL);
		snprintf(line, sizeof(line), "waitset misuse: wait_one ws=%d", v);
		c->expect = EB(EOPNOTSUPP);
		ok = res == EOPNOTSUPP;
		break;
	}
	case 3: {
		uint32_t sig = MX_SIGNAL_READABLE;
		struct mx_ioc_wait_many wm = {
			.count = 1, .handles = (uint64_t)(uintptr_t)&v,
			.signals = (uint64_t)(uintptr_t)&sig,
		};

		res = ws_ioctl(w, MX_IOC_WAIT_MANY, &wm, NULL);
		snprintf(line, sizeof(line), "waitset misuse: wait_many [ws=%d]", v);
		c->expect = EB(EOPNOTSUPP);
		ok = res == EOPNOTSUPP;
		break;
	}
	default: {
		struct mx_handle_basic_info bi;
		struct mx_ioc_handle_get_info gi = {
			.handle = (uint32_t)v, .topic = MX_INFO_HANDLE_BASIC,
			.info = (uint64_t)(uintptr_t)&bi, .info_size = sizeof(bi),
		};

		memset(&bi, 0xa5, sizeof(bi));
		res = ws_ioctl(w, MX_IOC_HANDLE_GET_INFO, &gi, &ret);
		snprintf(line, sizeof(line), "waitset get_info ws=%d", v);
		c->expect = EB(0);
		ok = res == 0 && ret == (long)sizeof(bi) &&
		     bi.type == MX_OBJ_TYPE_WAIT_SET &&
		     bi.rights == (MX_RIGHT_READ | MX_RIGHT_WRITE) &&
		     bi.props == MX_OBJ_PROP_NONE && bi.koid && !bi.reserved;
		if (res == 0 && !ok)
			snprintf(c->why, sizeof(c->why),
				 "returned %ld: type %u rights %#x props %u koid %" PRIu64,
				 ret, bi.type, bi.rights, bi.props, (uint64_t)bi.koid);
		break;
	}
	}
	return ws_done(w, c, res, ok, line);
}

/*
 * The helper thread's call during a wait set wait (op->a[6] & 3 == 1):
 * an object_signal of an event, a close or a write of a handle, or the
 * close of the wait set itself (act 3). Prepared in @hc; false if none.
 */
static bool ws_helper_prep(struct worker *w, const struct op *op, int act,
			   int32_t wsv, struct call *hc)
{
	static struct op hop;

	memset(&hop, 0, sizeof(hop));
	hop.a[7] = op->a[7];
	hop.sel[0] = op->sel[0];
	switch (act) {
	case 0:
		hop.kind = OP_SIGNAL;
		hop.sel[0] = SEL(SC_EVENT, (op->a[6] >> 8) % 4);
		hop.a[1] = MX_SIGNAL_SIGNAL0 << ((op->a[6] >> 10) % 5);
		hop.a[0] = (op->a[6] >> 13) & 1 ? MX_SIGNAL_SIGNAL_ALL & ~hop.a[1] : 0;
		break;
	case 1:
		hop.kind = OP_CLOSE;
		break;
	case 2:
		hop.kind = OP_WRITE;
		hop.a[0] = 8;
		break;
	default:
		hop.kind = OP_CLOSE;
		break;
	}
	if (!w->m->nlive && act != 3)
		return false;
	prep(w, &w->htc, w->m, &hop, hc, 0, true);
	if (act == 3) {
		/* Placed normally (hop.place 0): the copy the kernel reads. */
		hc->a.close = wsv;
		memcpy(hc->argp, &wsv, sizeof(wsv));
	}
	return true;
}

/*
 * Results pages: every wait set the model creates gets one, and after a
 * wait that reported every result, the page must show the same results.
 * The mapping holds the table's file: it goes before the descriptor does.
 */
static void wsp_forget(struct worker *w)
{
	if (w->wsp_area)
		munmap((void *)w->wsp_area, MX_WS_PAGE_MAX * MX_WS_PAGE_SIZE);
	w->wsp_area = NULL;
	w->nwsp = 0;
}

static int wsp_find(struct worker *w, int32_t value)
{
	int i;

	for (i = 0; i < w->nwsp; i++)
		if (w->wsp_val[i] == value)
			return i;
	return -1;
}

/* After a create: a page for the new wait set; false on a wrong answer. */
static bool wsp_give(struct worker *w, int32_t value)
{
	struct mx_ioc_waitset_page a = { .waitset = value, .id = 0 };
	int res = ws_ioctl(w, MX_IOC_WAITSET_PAGE, &a, NULL), i;
	void *p;

	if (res == ENOMEM)	/* fault injection */
		return true;
	if (res) {
		report(w, "a new wait set got no results page", NULL, ename(res));
		return false;
	}
	if (!w->wsp_area) {
		p = mmap(NULL, MX_WS_PAGE_MAX * MX_WS_PAGE_SIZE, PROT_READ,
			 MAP_SHARED, w->devfd, 0);
		if (p == MAP_FAILED)
			return true;
		w->wsp_area = p;
	}
	i = wsp_find(w, value);
	if (i < 0) {
		if (w->nwsp == MAXWS) {	/* the oldest record goes */
			memmove(w->wsp_val, w->wsp_val + 1, sizeof(w->wsp_val) - sizeof(w->wsp_val[0]));
			memmove(w->wsp_id, w->wsp_id + 1, sizeof(w->wsp_id) - sizeof(w->wsp_id[0]));
			w->nwsp--;
		}
		i = w->nwsp++;
	}
	w->wsp_val[i] = value;
	w->wsp_id[i] = a.id;
	return true;
}

/* Read a page as libmx does; false if it is not stable or says stale. */
static bool wsp_read(const struct mx_ws_page *pg, uint32_t id, uint32_t *count,
		     struct mx_ioc_waitset_result *res)
{
	uint32_t s1, s2, n;

	s1 = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
	if (s1 & 1 || __atomic_load_n(&pg->id, __ATOMIC_RELAXED) != id ||
	    __atomic_load_n(&pg->flags, __ATOMIC_RELAXED))
		return false;
	n = __atomic_load_n(&pg->count, __ATOMIC_RELAXED);
	if (n > MAXWSE + 4)
		return false;
	memcpy(res, (const void *)pg->results, n * sizeof(*res));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	*count = n;
	return s1 == s2;
}

/*
 * The page of the wait set of @q after its wait reported all @q->max_out
 * results: the same results. Other workers may change a shared object
 * meanwhile, so a difference is looked at again, after a new wait, before
 * it counts.
 */
static bool wsp_check(struct worker *w, struct wsw *q)
{
	static struct mx_ioc_waitset_result pr[MAXWSE + 4];
	static struct wsw q2;
	int i = wsp_find(w, (int32_t)q->a.waitset), tries;
	const struct mx_ws_page *pg;
	uint32_t n, j, k;
	char extra[160];

	if (i < 0 || !w->wsp_area)
		return true;
	pg = (const void *)((const char *)w->wsp_area +
			    (w->wsp_id[i] & (MX_WS_PAGE_MAX - 1)) * MX_WS_PAGE_SIZE);
	for (tries = 0; tries < 3; tries++) {
		if (tries) {	/* look again: a fresh wait, deadline 0 */
			q2 = *q;
			q2.a.deadline = 0;
			q2.a.restarted = 0;
			q2.a.num_results = (uint64_t)(uintptr_t)&q2.num_out;
			q2.a.results = (uint64_t)(uintptr_t)q2.res;
			q2.a.max_results = (uint64_t)(uintptr_t)&q2.max_out;
			q2.num_out = MAXWSE + 4;
			if (ws_ioctl(w, MX_IOC_WAITSET_WAIT, &q2.a, NULL) ||
			    q2.num_out != q2.max_out)
				return true;	/* nothing, or not all: no check */
			q = &q2;
		}
		if (!wsp_read(pg, w->wsp_id[i], &n, pr))
			return true;	/* the ioctl's business (stale, overflow) */
		if (n != q->max_out)
			continue;
		for (j = 0; j < q->num_out; j++) {
			for (k = 0; k < n; k++)
				if (pr[k].cookie == q->res[j].cookie)
					break;
			if (k == n || pr[k].wait_result != q->res[j].wait_result ||
			    pr[k].state.satisfied != q->res[j].state.satisfied ||
			    pr[k].state.satisfiable != q->res[j].state.satisfiable)
				break;
		}
		if (j == q->num_out) {
			ev_add(EV_PAGE_CHECKS, 1);
			return true;
		}
	}
	snprintf(extra, sizeof(extra),
		 "the wait reported %u results, the page shows %u (or other values)",
		 q->max_out, n);
	report(w, "the results page disagrees with the wait", NULL, extra);
	return false;
}

/* One waitset_wait, checked; @op NULL: the end-of-sequence poll of @wi. */
static bool ws_wait(struct worker *w, const struct op *op, int wi_end)
{
	static struct wsw q;
	struct model *m = w->m, *m1 = w->m;
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	struct call *hc = &g_hcall;
	char line[240];
	uint32_t x = op ? op->a[4] : 0xffffffffu, dl = op ? (op->a[4] >> 16) % 8 : 0;
	int res, tries = 0, act = -1, hs;
	bool ok;

	memset(&q, 0, sizeof(q));
	if (op) {
		q.a.waitset = (uint32_t)ws_pick(m, op->a[1], &q.wi);
		q.num_in = op->a[3] % 8 == 0 ? 0 : op->a[3] % (MAXWSE + 4);
		q.a.restarted = op->a[5] % 32 == 0 ? 1 : op->a[5] % 32 == 1 ? 2 : 0;
	} else {
		q.wi = wi_end;
		q.a.waitset = (uint32_t)m->ws[wi_end].value;
		q.num_in = MAXWSE + 1;
	}
	q.numk = (x & 15) ? PK_NORMAL : (x & 16) ? PK_NULL : PK_UNMAPPED;
	q.resk = ((x >> 8) & 15) ? PK_NORMAL :
		 ((x >> 5) % 3 == 0) ? PK_NULL : ((x >> 5) % 3 == 1) ? PK_UNMAPPED : PK_KERNEL;
	q.maxk = ((x >> 12) & 7) == 0 ? PK_NULL : ((x >> 12) & 7) == 1 ? PK_KERNEL : PK_NORMAL;
	q.a.num_results = ws_ptr(q.numk, &q.num_out);
	q.a.results = ws_ptr(q.resk, q.res);
	q.a.max_results = ws_ptr(q.maxk, &q.max_out);
	q.a.deadline = dl < 5 ? 0 : dl == 5 ? 1 : now_ns() + 200000 + (x >> 20) * 2000;
	memset(q.res, 0xa5, sizeof(q.res));
	q.max_out = 0xa5a5a5a5u;
	if (op && (op->a[6] & 3) == 1 && q.wi >= 0 && !q.a.restarted) {
		act = (int)((op->a[6] >> 2) % 4);
		if (!ws_helper_prep(w, op, act, m->ws[q.wi].value, hc))
			act = -1;
		/* The helper acts within the wait's deadline, mostly. */
		dl = 7;
		q.a.deadline = now_ns() + 1000000 + (op->a[6] >> 16) % 4000 * 1000;
	}
	if (act >= 0) {
		atomic_store(&w->wd_fired, 0);
		atomic_store(&w->main_infinite, 0);
		atomic_store(&w->main_busy, 1);
		pthread_mutex_lock(&w->mu);
		w->hcall = hc;
		w->hact = ACT_CLOSE;
		w->hdelay = (op->a[6] >> 4) % 1500;
		w->hstate = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	do {
		q.num_out = q.num_in;
		res = ws_ioctl(w, MX_IOC_WAITSET_WAIT, &q.a, NULL);
	} while (res == EINTR && ++tries < 30);
	if (act >= 0) {
		struct timespec ts;

		atomic_store(&w->main_busy, 0);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 60;
		pthread_mutex_lock(&w->mu);
		while (w->hstate != 2)
			if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
				break;
		hs = w->hstate;
		w->hstate = 0;
		pthread_mutex_unlock(&w->mu);
		if (hs != 2) {
			report(w, "the helper thread's call did not finish within 60 s", hc, NULL);
			return false;
		}
		kcov_collect(w, &w->htc.kc);
		ev_add(EV_ASYNC, 1);
		sb_printf(&w->trace, "  %2d+ helper (%s after %u us):\n", w->opno,
			  act == 3 ? "close of the wait set" : op_names[hc->kind],
			  w->hdelay);
		if (act == 3) {
			sb_printf(&w->trace, "  %2d+ close ws=%d -> %s\n", w->opno,
				  hc->a.close, ename(res_of(hc)));
			if (res_of(hc)) {
				report(w, "closing a live wait set failed", hc, NULL);
				return false;
			}
		} else {
			count_result(w, hc);
			trace_call(w, hc, "+");
			if (!doc_ok(w, hc))
				return false;
			m_copy(w->mt, w->m);
			if (!step(w->mt, hc, PH_ALL, false)) {
				report(w, "the helper's call during a wait set wait contradicts the model",
				       hc, NULL);
				return false;
			}
			m1 = w->mt;
		}
	}
	snprintf(line, sizeof(line),
		 "waitset wait ws=%d%s num=%u (%s) results %s max %s dl %u restarted %u%s: %u results, max %u",
		 (int32_t)q.a.waitset, q.wi >= 0 ? "" : " (not a live wait set)",
		 q.num_in, pk_names[q.numk], pk_names[q.resk], pk_names[q.maxk], dl,
		 q.a.restarted, act >= 0 ? " (helper acting)" : "", q.num_out, q.max_out);
	if (act == 3) {
		/* Before the close, or it ended the wait, or came before it. */
		ok = res == ECANCELED || res == EBADSLT ||
		     ck_ws_wait(m, m, c, res, &q);
		c->expect |= EB(ECANCELED) | EB(EBADSLT);
		m->ws[q.wi].live = false;
		m->ws[q.wi].n = 0;
		return ws_done(w, c, res, ok, line);
	}
	ok = ck_ws_wait(m, m1, c, res, &q);
	/* All results written to normal buffers: the page must agree. */
	if (ok && !res && act < 0 && q.numk == PK_NORMAL &&
	    q.resk == PK_NORMAL && q.num_out == q.max_out && !wsp_check(w, &q))
		return false;
	if (m1 != m) {
		/* The helper's call happened: its model is the model now. */
		w->mt = w->m;
		w->m = m1;
	}
	return ws_done(w, c, res, ok, line);
}

static bool exec_ws(struct worker *w, const struct op *op)
{
	struct model *m = w->m;
	uint32_t sub = op->a[0] % WS_NR;
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	char line[200];
	int wi, i, nlive = 0, res;
	bool ok;

	if (w->in_child || w->devfd < 0)
		return true;
	for (i = 0; i < m->nws; i++)
		nlive += m->ws[i].live;
	if (!nlive && sub != WS_CREATE && op->a[1] % 16 < 12)
		sub = WS_CREATE;
	if (sub == WS_CREATE && nlive == MAXWS)
		sub = WS_CLOSE;
	switch (sub) {
	case WS_CREATE: {
		struct mx_ioc_waitset_create a = {
			.handle = -7, .pad = op->a[5] % 16 == 3 ? 1 + op->a[2] % 7 : 0,
		};

		res = ws_ioctl(w, MX_IOC_WAITSET_CREATE, &a, NULL);
		snprintf(line, sizeof(line), "waitset create pad=%u: ws=%d", a.pad,
			 a.handle);
		ok = ck_ws_create(m, c, res, a.pad, a.handle);
		if (ok && !res && !wsp_give(w, a.handle))
			return false;
		return ws_done(w, c, res, ok, line);
	}
	case WS_ADD: {
		struct mx_ioc_waitset_add a = { 0 };
		uint32_t k = op->a[3];

		a.waitset = (uint32_t)ws_pick(m, op->a[1], &wi);
		a.handle = (uint32_t)(op->a[2] % 10 == 0 ? (int32_t)a.waitset :
			    resolve(m, w->idx, op->sel[0], 0, 0));
		a.signals = op->a[4] % 5 == 0 ? (op->a[4] >> 3) & 0xff :
			    op->a[4] % 5 == 1 ? MX_SIGNAL_SIGNAL0 << ((op->a[4] >> 3) % 5) :
			    op->a[4] % 5 == 2 ? MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED :
			    op->a[4] % 5 == 3 ? MX_SIGNAL_WRITABLE :
			    MX_SIGNAL_PEER_CLOSED | MX_SIGNAL_SIGNAL_ALL;
		a.pad = op->a[5] % 16 == 3 ? 1 : 0;
		a.cookie = k & 0x100 ? ~0ull - (k >> 9) % 4 : (k >> 3) % 32;
		/* A cookie taken: always when the model's entries are full. */
		if (wi >= 0 && m->ws[wi].n &&
		    (k % 8 == 0 || m->ws[wi].n >= MAXWSE))
			a.cookie = m->ws[wi].ent[(k >> 3) % (uint32_t)m->ws[wi].n].cookie;
		res = ws_ioctl(w, MX_IOC_WAITSET_ADD, &a, NULL);
		snprintf(line, sizeof(line),
			 "waitset add ws=%d%s h=%d signals=%#x cookie=%" PRIu64 " pad=%u",
			 (int32_t)a.waitset, wi >= 0 ? "" : " (not a live wait set)",
			 (int32_t)a.handle, a.signals, (uint64_t)a.cookie, a.pad);
		ok = ck_ws_add(m, c, res, &a, wi);
		return ws_done(w, c, res, ok, line);
	}
	case WS_REMOVE: {
		struct mx_ioc_waitset_remove a = { 0 };
		uint32_t k = op->a[3];

		a.waitset = (uint32_t)ws_pick(m, op->a[1], &wi);
		a.pad = op->a[5] % 16 == 3 ? 1 : 0;
		a.cookie = 1000 + k % 64;
		if (wi >= 0 && m->ws[wi].n && k % 4)
			a.cookie = m->ws[wi].ent[(k >> 2) % (uint32_t)m->ws[wi].n].cookie;
		res = ws_ioctl(w, MX_IOC_WAITSET_REMOVE, &a, NULL);
		snprintf(line, sizeof(line),
			 "waitset remove ws=%d%s cookie=%" PRIu64 " pad=%u",
			 (int32_t)a.waitset, wi >= 0 ? "" : " (not a live wait set)",
			 (uint64_t)a.cookie, a.pad);
		ok = ck_ws_remove(m, c, res, &a, wi);
		return ws_done(w, c, res, ok, line);
	}
	case WS_WAIT:
		return ws_wait(w, op, -1);
	default:
		/* Close or misuse one of the live wait sets. */
		ws_pick(m, op->a[1] & ~15u, &wi);
		if (wi < 0)
			return true;
		return sub == WS_CLOSE ? ws_close(w, wi) : ws_misuse(w, wi, op->a[2]);
	}
}

/* At the end of a sequence: every live wait set reports exactly. */
static bool ws_final(struct worker *w)
{
	int i;

	for (i = 0; i < w->m->nws; i++) {
		if (!w->m->ws[i].live)
			continue;
		w->opno = 300 + i;
		if (!ws_wait(w, NULL, i))
			return false;
	}
	return true;
}

/* ---- IO ports and poll descriptors ------------------------------------ */

/*
 * OP_PORT: one IO port action, a[0] % PT_NR says which, against a model of
 * its own (struct ptm): a few ports per sequence, each with its handles
 * (values, rights) and its exact packet queue, and a few sources (events,
 * pipe ends) that only these ops touch, so that every edge is known. USER
 * packets carry their key, extra and a payload derived from the key; a
 * source's binding owns one packet that later edges merge into (signals
 * OR-ed) while it is queued, queued at bind time if a watched signal holds
 * already, and withdrawn when the handle it was bound through leaves the
 * table (close, replace, sent in a message, exported). port_wait is called
 * only when the model knows a packet is queued (or the call fails before
 * it would sleep), or from a waiter thread that a queue, an edge or a
 * close then releases. Poll descriptors of ports and wait sets are polled
 * with a timeout of 0 after every port and wait set op: POLLIN exactly
 * when a packet is queued (a wait set wait with timeout 0 would return a
 * result), POLLHUP once the object is closed, never anything else.
 */
enum ptc {
	PT_CREATE, PT_QUEUE, PT_WAIT, PT_BIND, PT_SRC, PT_EDGE, PT_SRCMOVE,
	PT_PHANDLE, PT_POLLFD, PT_WAITER, PT_FILL, PT_MISUSE, PT_NR
};

#define MAXPT		4
#define MAXPTH		4
#define MAXPQ		96	/* packets the model follows per port */
#define MAXPSRC		6
#define MAXPFD		6

struct mpkt {
	int src;		/* -1: a USER packet */
	uint32_t size, extra;
	uint64_t key;
};

struct mport {
	bool used, closed;
	int nh;
	int32_t hv[MAXPTH];
	uint32_t hr[MAXPTH];
	int nq, nuser;
	struct mpkt q[MAXPQ];
};

struct mpsrc {
	bool used, pipe;
	int32_t h;		/* the event / pipe end E; 0: gone */
	uint32_t hr;
	int32_t dup;		/* an event's second handle, 0 if none */
	int32_t peer;		/* pipe: the other end, 0 once closed */
	uint32_t sig;		/* event: its signals */
	uint32_t nmsg;		/* pipe: messages queued at E */
	int port;		/* bound to, or -1 */
	int32_t bv;		/* the handle value it was bound through */
	uint32_t watched, psig;
	uint64_t key;
	bool queued;
};

struct mpfd {
	int fd;
	bool ws;		/* a wait set's (value: its handle) */
	int idx;		/* a port's record */
	int32_t value;
};

struct ptm {
	struct mport p[MAXPT];
	struct mpsrc s[MAXPSRC];
	struct mpfd f[MAXPFD];
	int nf;
	uint64_t next_key;
	int32_t stale;
};

static struct ptm pm;
static long p_max_port_packets = 4096;
static uint8_t *pt_ro;		/* a read-only page */

static void pt_reset(void)
{
	memset(&pm, 0, sizeof(pm));
	pm.next_key = 1;
}

static uint8_t pt_byte(uint64_t key, uint32_t i)
{
	return (uint8_t)(mix64(key * 131 + i) >> 7);
}

static int pt_ioctl(struct worker *w, unsigned long cmd, void *arg)
{
	long r;

	errno = 0;
	r = ioctl(w->devfd, cmd, arg);
	kcov_collect(w, &w->tc.kc);
	return r == -1 ? errno : 0;
}

/* The port whose handle is @v: its index, *hk the handle's slot. */
static int pt_of(int32_t v, int *hk)
{
	int i, k;

	for (i = 0; i < MAXPT; i++)
		for (k = 0; pm.p[i].used && k < pm.p[i].nh; k++)
			if (pm.p[i].hv[k] == v) {
				if (hk)
					*hk = k;
				return i;
			}
	return -1;
}

static int pt_live(int i)
{
	return pm.p[i].used && !pm.p[i].closed;
}

/* A port handle for @x: live (some without rights), stale, a source's. */
static int32_t pt_pick(uint32_t x, int *pi, int *hk)
{
	int i, n = 0, want;

	*pi = -1;
	*hk = -1;
	/* x % 16 == 15: port (x >> 4) % MAXPT, handle (x >> 8) % 16, if live. */
	if (x % 16 == 15 && pt_live((int)(x >> 4) % MAXPT) &&
	    (int)(x >> 8) % 16 < pm.p[(x >> 4) % MAXPT].nh) {
		*pi = (int)(x >> 4) % MAXPT;
		*hk = (int)(x >> 8) % 16;
		return pm.p[*pi].hv[*hk];
	}
	for (i = 0; i < MAXPT; i++)
		n += pt_live(i);
	if (x % 16 == 13 && pm.stale)
		return pm.stale;
	if (x % 16 == 14)
		for (i = 0; i < MAXPSRC; i++)
			if (pm.s[i].used && pm.s[i].h)
				return pm.s[i].h;
	if (!n)
		return pm.stale ? pm.stale : 0x7ffffff1;
	want = (int)((x >> 4) % (uint32_t)n);
	for (i = 0; i < MAXPT; i++)
		if (pt_live(i) && want-- == 0)
			break;
	*pi = i;
	*hk = (int)((x >> 8) % (uint32_t)pm.p[i].nh);
	return pm.p[i].hv[*hk];
}

/* Satisfied signals of a source, as the model knows them. */
static uint32_t pt_sat(const struct mpsrc *s)
{
	if (!s->pipe)
		return s->sig;
	return (s->nmsg ? MX_SIGNAL_READABLE : 0) |
	       (s->peer ? MX_SIGNAL_WRITABLE : MX_SIGNAL_PEER_CLOSED);
}

/* An edge of source @si: queue its packet or merge into it. */
static void pt_edge(int si, uint32_t rising)
{
	struct mpsrc *s = &pm.s[si];
	struct mport *p;

	if (s->port < 0 || !(rising & s->watched))
		return;
	p = &pm.p[s->port];
	if (s->queued) {
		s->psig |= pt_sat(s) & s->watched;
		return;
	}
	s->queued = true;
	s->psig = pt_sat(s) & s->watched;
	if (p->nq < MAXPQ) {
		p->q[p->nq].src = si;
		p->q[p->nq].size = sizeof(struct mx_port_io_packet);
		p->q[p->nq].key = s->key;
		p->q[p->nq].extra = 0;
		p->nq++;
	}
}

static void pt_q_del(struct mport *p, int k)
{
	memmove(&p->q[k], &p->q[k + 1], sizeof(p->q[0]) * (size_t)(p->nq - k - 1));
	p->nq--;
}

/* The handle a source was bound through left the table: unbind. */
static void pt_unbind(int si)
{
	struct mpsrc *s = &pm.s[si];
	struct mport *p;
	int k;

	if (s->port < 0)
		return;
	p = &pm.p[s->port];
	for (k = 0; k < p->nq; k++)
		if (p->q[k].src == si) {
			pt_q_del(p, k);
			break;
		}
	s->port = -1;
	s->queued = false;
}

/* A handle value of a source left the table. */
static void pt_src_gone(int si, int32_t v)
{
	struct mpsrc *s = &pm.s[si];

	if (s->port >= 0 && s->bv == v)
		pt_unbind(si);
	if (s->h == v) {
		s->h = s->dup;
		s->hr = RIGHTS_EVENT;
		s->dup = 0;
	} else if (s->dup == v) {
		s->dup = 0;
	}
	pm.stale = v;
	if (!s->h && s->pipe && s->peer) {
		/* E gone: its peer stays, unbound; forget the pair. */
		s->used = false;
	}
}

/* The last handle of port @i went: the port is closed. */
static void pt_port_closed(int i)
{
	int k;

	pm.p[i].closed = true;
	pm.p[i].nq = 0;
	pm.p[i].nuser = 0;
	for (k = 0; k < MAXPSRC; k++)
		if (pm.s[k].used && pm.s[k].port == i) {
			pm.s[k].port = -1;
			pm.s[k].queued = false;
		}
}

static void pt_drop_handle(int i, int hk)
{
	struct mport *p = &pm.p[i];

	pm.stale = p->hv[hk];
	p->hv[hk] = p->hv[--p->nh];
	p->hr[hk] = p->hr[p->nh];
	if (!p->nh)
		pt_port_closed(i);
}

static bool pt_done(struct worker *w, struct wsck *c, int res, bool ok,
		    const char *line)
{
	char exp[200], extra[900];

	atomic_fetch_add_explicit(&sh->hist[OP_PORT][eidx(res)], 1,
				  memory_order_relaxed);
	ev_add(EV_CALLS, 1);
	sb_printf(&w->trace, "  %2d %s -> %s\n", w->opno, line, ename(res));
	if (ok)
		return true;
	eset_str(c->expect, exp, sizeof(exp));
	snprintf(extra, sizeof(extra),
		 "  call: %s\n  result %s (%s); the model expected %s%s%s\n",
		 line, ename(res), mxf_status_name(res), exp,
		 c->why[0] ? ": " : "", c->why);
	report(w, "the result contradicts the documented behaviour", NULL, extra);
	return false;
}

/* A plain call the model needs to succeed (making a source, a transfer). */
static bool pt_must(struct worker *w, int res, const char *what)
{
	char extra[300];

	sb_printf(&w->trace, "  %2d   %s -> %s\n", w->opno, what, ename(res));
	if (!res)
		return true;
	if (res == ENOMEM)
		return false;	/* allowed; the caller gives up */
	snprintf(extra, sizeof(extra), "  call: %s\n  result %s, not NO_ERROR\n",
		 what, ename(res));
	report(w, "a port op's helper call failed", NULL, extra);
	return false;
}

/* Check a packet taken by a wait against the model's head of port @i. */
static bool pt_check_pkt(int i, const uint8_t *buf, char *why, size_t len)
{
	struct mport *p = &pm.p[i];
	const struct mpkt *q = &p->q[0];
	struct mx_port_io_packet io;
	uint32_t k;

	if (q->src < 0) {
		struct mx_port_packet_header h;

		memcpy(&h, buf, sizeof(h));
		if (h.key != q->key || h.type != MX_PORT_PKT_TYPE_USER ||
		    h.extra != q->extra) {
			snprintf(why, len, "USER packet key %" PRIu64 " type %u extra %u; the model has key %" PRIu64 " extra %u at the head",
				 (uint64_t)h.key, h.type, h.extra, q->key, q->extra);
			return false;
		}
		for (k = sizeof(h); k < q->size; k++)
			if (buf[k] != pt_byte(q->key, k)) {
				snprintf(why, len, "USER packet key %" PRIu64 ": byte %u is %#x, not %#x",
					 q->key, k, buf[k], pt_byte(q->key, k));
				return false;
			}
		if (buf[q->size] != 0xa5) {
			snprintf(why, len, "wrote past the packet's %u bytes", q->size);
			return false;
		}
		return true;
	}
	memcpy(&io, buf, sizeof(io));
	if (io.hdr.key != q->key || io.hdr.type != MX_PORT_PKT_TYPE_IOSN ||
	    io.hdr.extra || io.bytes || io.reserved || !io.timestamp ||
	    io.signals != pm.s[q->src].psig || buf[sizeof(io)] != 0xa5) {
		snprintf(why, len, "IOSN packet key %" PRIu64 " type %u extra %u bytes %" PRIu64 " signals %#x reserved %u ts %" PRIu64 "; the model has key %" PRIu64 " signals %#x",
			 (uint64_t)io.hdr.key, io.hdr.type, io.hdr.extra,
			 (uint64_t)io.bytes, io.signals, io.reserved,
			 (uint64_t)io.timestamp, q->key, pm.s[q->src].psig);
		return false;
	}
	return true;
}

/* The model takes port @i's head packet. */
static void pt_take(int i)
{
	struct mport *p = &pm.p[i];

	if (p->q[0].src >= 0)
		pm.s[p->q[0].src].queued = false;
	else
		p->nuser--;
	pt_q_del(p, 0);
}

/* Every poll descriptor, timeout 0, against the model. */
static bool pt_poll_all(struct worker *w)
{
	struct mx_signals_state st;
	char extra[400];
	int i, k, want, maybe;

	for (i = 0; i < pm.nf; i++) {
		struct pollfd pf = { .fd = pm.f[i].fd, .events = POLLIN | POLLOUT | POLLPRI };
		int r = poll(&pf, 1, 0);

		kcov_collect(w, &w->tc.kc);
		want = 0;
		maybe = 0;
		if (pm.f[i].ws) {
			int wi = ws_live_of(w->m, pm.f[i].value);
			const struct mws *s = &w->m->ws[wi < 0 ? 0 : wi];

			if (wi < 0) {
				want = POLLHUP;
			} else {
				for (k = 0; k < s->n; k++) {
					int v = ws_eval(w->m, &s->ent[k], &st);

					if (v == WR_MAYBE || v == WR_UNSURE)
						maybe = POLLIN;
					else if (v != WR_NONE)
						want = POLLIN;
				}
			}
		} else {
			const struct mport *p = &pm.p[pm.f[i].idx];

			want = p->closed ? POLLHUP : p->nq ? POLLIN : 0;
		}
		if (want & POLLIN)
			maybe = 0;
		if (r < 0 || (pf.revents & ~maybe) != want ||
		    (pf.revents & (POLLIN | POLLRDNORM)) == POLLRDNORM) {
			snprintf(extra, sizeof(extra),
				 "  poll fd %d of %s %d: poll %d revents %#x; the model wants %#x%s\n",
				 pf.fd, pm.f[i].ws ? "wait set" : "port", pm.f[i].idx,
				 r, pf.revents, want, maybe ? " (POLLIN maybe)" : "");
			report(w, "a poll descriptor contradicts the model", NULL, extra);
			return false;
		}
	}
	return true;
}

/* Make a poll descriptor: of a port (x even) or of a wait set. */
static bool pt_pollfd(struct worker *w, uint32_t x)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	struct mx_ioc_handle_poll_fd a = { .fd = -77 };
	char line[160];
	int pi = -1, hk = -1, wi = -1, res, hpi, k;
	bool ok;

	if (x % 2 && w->m->nws) {
		a.handle = (uint32_t)ws_pick(w->m, x >> 1 & ~15u, &wi);
		if (wi < 0)
			return true;
	} else {
		a.handle = (uint32_t)pt_pick(x >> 1, &pi, &hk);
	}
	a.flags = x % 11 == 3 ? 2 : (x >> 8) & 1;
	res = pt_ioctl(w, MX_IOC_HANDLE_POLL_FD, &a);
	snprintf(line, sizeof(line), "poll_fd h=%d flags=%u (%s): fd %d",
		 (int32_t)a.handle, a.flags,
		 wi >= 0 ? "wait set" : pi >= 0 ? "port" :
		 pt_of((int32_t)a.handle, NULL) >= 0 ? "closed port" : "not a port",
		 a.fd);
	hpi = -1;
	for (k = 0; k < MAXPSRC; k++)
		if (pm.s[k].used && (pm.s[k].h == (int32_t)a.handle ||
				     pm.s[k].dup == (int32_t)a.handle))
			hpi = k;
	if (a.flags > 1)
		c->expect = EB(EINVAL);
	else if (wi >= 0 || (pi >= 0 && (pm.p[pi].hr[hk] & MX_RIGHT_READ)))
		c->expect = EB(0) | EB(ENOMEM) | EB(ENOSPC);
	else if (pi >= 0)
		c->expect = EB(EACCES);
	else if (hpi >= 0)
		c->expect = EB(EOPNOTSUPP);
	else
		c->expect = EB(EBADSLT);
	ok = (c->expect & EB(res)) != 0;
	if (!res) {
		if (a.fd < 0) {
			ok = false;
		} else if (pm.nf < MAXPFD) {
			pm.f[pm.nf].fd = a.fd;
			pm.f[pm.nf].ws = wi >= 0;
			pm.f[pm.nf].idx = pi;
			pm.f[pm.nf].value = (int32_t)a.handle;
			pm.nf++;
		} else {
			close(a.fd);
		}
	} else if (a.fd != -77) {
		ok = false;
		snprintf(c->why, sizeof(c->why), "fd changed on failure");
	}
	return pt_done(w, c, res, ok, line);
}

static bool pt_create(struct worker *w, uint32_t x)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	struct mx_ioc_port_create a = { .options = x % 13 == 5 ? 1 : 0, .handle = -7 };
	char line[120];
	int res = pt_ioctl(w, MX_IOC_PORT_CREATE, &a), i;
	bool ok;

	snprintf(line, sizeof(line), "port create options=%u: h=%d", a.options, a.handle);
	c->expect = a.options ? EB(EINVAL) : EB(0) | EB(ENOMEM);
	ok = (c->expect & EB(res)) != 0;
	if (!res) {
		for (i = 0; i < MAXPT && pm.p[i].used; i++)
			;
		if (a.handle <= 0 || m_find(w->m, a.handle) >= 0 || pt_of(a.handle, NULL) >= 0) {
			ok = false;
			snprintf(c->why, sizeof(c->why), "not a new handle value");
		}
		if (i < MAXPT) {
			memset(&pm.p[i], 0, sizeof(pm.p[i]));
			pm.p[i].used = true;
			pm.p[i].nh = 1;
			pm.p[i].hv[0] = a.handle;
			pm.p[i].hr[0] = RIGHTS_EVENT;
		} else {
			/* No room in the model: close it again. */
			pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &a.handle);
		}
	}
	return pt_done(w, c, res, ok, line);
}

static bool pt_queue(struct worker *w, uint32_t x, uint32_t y)
{
	static const uint32_t sizes[] = { 16, 17, 24, 40, 64, 100, 127, 128 };
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	uint8_t buf[256];
	struct mx_ioc_port_queue a = { 0 };
	struct mx_port_packet_header h;
	char line[200];
	int pi, hk, res, pk = (int)(y >> 8) % 16;
	uint32_t k;

	a.handle = (uint32_t)pt_pick(x, &pi, &hk);
	a.size = y % 16 == 0 ? 8 : y % 16 == 1 ? 129 + (y >> 4) % 200 :
		 sizes[(y >> 4) % 8];
	a.pad = y % 97 == 5;
	h.key = pm.next_key++;
	h.type = (y >> 12) % 4;
	h.extra = (uint32_t)mix64(h.key);
	memcpy(buf, &h, sizeof(h));
	for (k = sizeof(h); k < sizeof(buf); k++)
		buf[k] = pt_byte(h.key, k);
	a.packet = pk == 0 ? 0 : pk == 1 ? (uint64_t)(uintptr_t)hole :
		   pk == 2 ? kernel_addrs[0] : pk == 3 ? (uint64_t)(uintptr_t)pt_ro :
		   (uint64_t)(uintptr_t)buf;
	res = pt_ioctl(w, MX_IOC_PORT_QUEUE, &a);
	snprintf(line, sizeof(line),
		 "port queue h=%d%s size=%" PRIu64 " pad=%u buf=%d key=%" PRIu64 " (%d queued, %d user)",
		 (int32_t)a.handle, pi >= 0 ? "" : " (not a live port)",
		 (uint64_t)a.size, a.pad, pk < 4 ? pk : 4, (uint64_t)h.key,
		 pi >= 0 ? pm.p[pi].nq : -1, pi >= 0 ? pm.p[pi].nuser : -1);
	/* the documented order */
	if (a.pad)
		c->expect = EB(EINVAL);
	else if (a.size > MX_PORT_MAX_PKT_SIZE)
		c->expect = EB(EMSGSIZE);
	else if (a.size < 16 || pi < 0)
		c->expect = EB(EINVAL);
	else if (!(pm.p[pi].hr[hk] & MX_RIGHT_WRITE))
		c->expect = EB(EACCES);
	else if (pk < 3)
		c->expect = EB(EINVAL) | EB(ENOMEM);
	else if (pm.p[pi].nuser >= p_max_port_packets)
		c->expect = EB(ENOMEM);
	else
		c->expect = EB(0) | EB(ENOMEM);
	if (!res && pi >= 0) {
		struct mport *p = &pm.p[pi];

		if (pk == 3) {
			/* the read-only page's zeros: key 0, not checked */
			h.key = 0;
			h.extra = 0;
		}
		if (p->nq < MAXPQ) {
			p->q[p->nq].src = -1;
			p->q[p->nq].size = (uint32_t)a.size;
			p->q[p->nq].key = h.key;
			p->q[p->nq].extra = h.extra;
			p->nq++;
		}
		p->nuser++;
	}
	return pt_done(w, c, res, (c->expect & EB(res)) != 0, line);
}

/* One port_wait that cannot sleep (the model knows a packet or an error). */
static bool pt_wait(struct worker *w, uint32_t x, uint32_t y)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	uint8_t buf[256];
	struct mx_ioc_port_wait a = { 0 };
	char line[200];
	int pi, hk, res, pk = (int)(y >> 8) % 16;
	bool early, ok;

	a.handle = (uint32_t)pt_pick(x, &pi, &hk);
	a.size = y % 8 == 0 ? 8 + (y >> 4) % 8 : y % 8 == 1 ? 16 + (y >> 4) % 24 :
		 y % 8 == 2 ? 40 + (y >> 4) % 90 : 128 + (y >> 4) % 64;
	a.restarted = y % 61 == 7 ? 2 : 0;
	memset(buf, 0xa5, sizeof(buf));
	a.packet = pk == 0 ? 0 : pk == 1 ? (uint64_t)(uintptr_t)hole :
		   pk == 2 ? kernel_addrs[(y >> 12) % 6] :
		   pk == 3 ? (uint64_t)(uintptr_t)pt_ro : (uint64_t)(uintptr_t)buf;
	early = a.restarted > 1 || !a.packet || pi < 0 ||
		!(pm.p[pi].hr[hk] & MX_RIGHT_READ) || a.size < 16 || pk == 2;
	if (!early && !pm.p[pi].nq)
		return true;	/* it would sleep */
	res = pt_ioctl(w, MX_IOC_PORT_WAIT, &a);
	snprintf(line, sizeof(line),
		 "port wait h=%d%s size=%" PRIu64 " buf=%d restarted=%u (%d queued)",
		 (int32_t)a.handle, pi >= 0 ? "" : " (not a live port)",
		 (uint64_t)a.size, pk < 4 ? pk : 4, a.restarted,
		 pi >= 0 ? pm.p[pi].nq : -1);
	if (a.restarted > 1 || !a.packet)
		c->expect = EB(EINVAL);
	else if (pi < 0)
		c->expect = EB(EINVAL) | (a.restarted ? EB(ECANCELED) : 0);
	else if (!(pm.p[pi].hr[hk] & MX_RIGHT_READ))
		c->expect = EB(EACCES);
	else if (a.size < 16 || pk == 2 || pk == 1 || pk == 3)
		c->expect = EB(EINVAL);
	else if (pm.p[pi].q[0].size > a.size)
		c->expect = EB(EINVAL);
	else
		c->expect = EB(0);
	ok = (c->expect & EB(res)) != 0;
	if (ok && !res) {
		if (pm.p[pi].q[0].src < 0 && !pm.p[pi].q[0].key) {
			/* queued from the read-only page: its bytes were other */
		} else if (!pt_check_pkt(pi, buf, c->why, sizeof(c->why))) {
			ok = false;
		}
		pt_take(pi);
	}
	return pt_done(w, c, res, ok, line);
}

/* Make a source: an event, or a pipe whose one end is to be bound. */
static bool pt_src(struct worker *w, uint32_t x)
{
	struct mpsrc *s;
	int i, res;

	for (i = 0; i < MAXPSRC && pm.s[i].used; i++)
		;
	if (i == MAXPSRC)
		return true;
	s = &pm.s[i];
	memset(s, 0, sizeof(*s));
	s->port = -1;
	if (x % 2) {
		struct mx_ioc_event_create e = { .handle = -1 };

		res = pt_ioctl(w, MX_IOC_EVENT_CREATE, &e);
		if (!pt_must(w, res, "event create (a port source)"))
			return res == ENOMEM;
		s->h = e.handle;
		s->hr = RIGHTS_EVENT;
		if ((x >> 1) % 3 == 0) {
			struct mx_ioc_handle_dup d = { .handle = (uint32_t)s->h,
						       .rights = MX_RIGHT_SAME_RIGHTS };

			res = pt_ioctl(w, MX_IOC_HANDLE_DUPLICATE, &d);
			if (!res)
				s->dup = d.result;
		}
	} else {
		int32_t hv[2] = { 0, 0 };
		struct mx_ioc_msgpipe_create pc = { .handles = (uint64_t)(uintptr_t)hv };

		res = pt_ioctl(w, MX_IOC_MSGPIPE_CREATE, &pc);
		if (!pt_must(w, res, "pipe create (a port source)"))
			return res == ENOMEM;
		s->pipe = true;
		s->h = hv[0];
		s->hr = RIGHTS_PIPE;
		s->peer = hv[1];
	}
	s->used = true;
	sb_printf(&w->trace, "  %2d   source %d: %s h=%d dup=%d peer=%d\n", w->opno,
		  i, s->pipe ? "pipe" : "event", s->h, s->dup, s->peer);
	return true;
}

static int pt_src_pick(uint32_t x)
{
	int i, n = 0, want;

	for (i = 0; i < MAXPSRC; i++)
		n += pm.s[i].used && pm.s[i].h;
	if (!n)
		return -1;
	want = (int)(x % (uint32_t)n);
	for (i = 0; i < MAXPSRC; i++)
		if (pm.s[i].used && pm.s[i].h && want-- == 0)
			return i;
	return -1;
}

static bool pt_bind(struct worker *w, uint32_t x, uint32_t y)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	struct mx_ioc_port_bind a = { 0 };
	char line[220];
	int pi, hk, si = pt_src_pick(y), res, wi = -1;
	uint32_t srights = 0;
	bool ok, ws = false, port = false;

	a.handle = (uint32_t)pt_pick(x, &pi, &hk);
	a.key = pm.next_key++;
	a.pad = y % 89 == 3;
	if (si >= 0) {
		struct mpsrc *s = &pm.s[si];

		a.source = (uint32_t)(s->dup && (y >> 4) % 3 == 0 ? s->dup : s->h);
		srights = (int32_t)a.source == s->h ? s->hr : RIGHTS_EVENT;
		if (s->pipe)
			a.signals = (y >> 6) % 3 == 0 ? MX_SIGNAL_READABLE :
				    (y >> 6) % 3 == 1 ? MX_SIGNAL_PEER_CLOSED :
				    MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED;
		else
			a.signals = (y >> 6) % 4 == 0 ? MX_SIGNAL_SIGNAL_ALL :
				    MX_SIGNAL_SIGNAL0 << ((y >> 8) % 5);
	} else {
		a.source = 0x7ffffff3;
		a.signals = MX_SIGNAL_SIGNAL0;
	}
	if ((y >> 11) % 16 == 0) {
		a.signals = 0;
	} else if ((y >> 11) % 16 == 1) {
		/* a port as the source */
		int p2, h2;

		a.source = (uint32_t)pt_pick(y >> 15, &p2, &h2);
		port = p2 >= 0;
		if (!port)
			a.source = 0x7ffffff3;
		else
			srights = pm.p[p2].hr[h2];
		si = -1;
	} else if ((y >> 11) % 16 == 2 && w->m->nws) {
		a.source = (uint32_t)ws_pick(w->m, 0, &wi);
		ws = wi >= 0;
		srights = MX_RIGHT_READ | MX_RIGHT_WRITE;
		si = -1;
	}
	res = pt_ioctl(w, MX_IOC_PORT_BIND, &a);
	snprintf(line, sizeof(line),
		 "port bind h=%d%s source=%d%s signals=%#x key=%" PRIu64 " pad=%u",
		 (int32_t)a.handle, pi >= 0 ? "" : " (not a live port)",
		 (int32_t)a.source, si >= 0 ? (pm.s[si].port >= 0 ? " (bound)" : "") :
		 port ? " (a port)" : ws ? " (a wait set)" : " (not a source)",
		 a.signals, (uint64_t)a.key, a.pad);
	if (a.pad || !a.signals || pi < 0)
		c->expect = EB(EINVAL);
	else if (!(pm.p[pi].hr[hk] & MX_RIGHT_WRITE))
		c->expect = EB(EACCES);
	else if (si < 0 && !ws && !port)
		c->expect = EB(EINVAL);
	else if (!(srights & MX_RIGHT_READ))
		c->expect = EB(EACCES);	/* checked before waitability */
	else if (si < 0)
		c->expect = EB(EINVAL);	/* not waitable */
	else if (pm.s[si].port >= 0)
		c->expect = EB(EBADFD) | EB(ENOMEM);
	else
		c->expect = EB(0) | EB(ENOMEM);
	ok = (c->expect & EB(res)) != 0;
	if (ok && !res) {
		struct mpsrc *s = &pm.s[si];

		s->port = pi;
		s->bv = (int32_t)a.source;
		s->watched = a.signals;
		s->key = a.key;
		s->queued = false;
		pt_edge(si, pt_sat(s));
	}
	return pt_done(w, c, res, ok, line);
}

/* Change a source: signal an event, write to / read from / close a pipe. */
static bool pt_act(struct worker *w, int si, uint32_t y)
{
	struct mpsrc *s = &pm.s[si];
	int res;
	char what[120];

	if (!s->pipe) {
		struct mx_ioc_object_signal a = {
			.handle = (uint32_t)(s->dup && y % 3 == 0 ? s->dup : s->h),
			.clear_mask = y % 4 == 0 ? MX_SIGNAL_SIGNAL_ALL : y % 4 == 1 ?
				      MX_SIGNAL_SIGNAL0 << ((y >> 4) % 5) : 0,
			.set_mask = MX_SIGNAL_SIGNAL0 << ((y >> 8) % 5),
		};
		uint32_t old = s->sig;

		if ((y >> 12) % 4 == 0)
			a.set_mask = 0;
		res = pt_ioctl(w, MX_IOC_OBJECT_SIGNAL, &a);
		snprintf(what, sizeof(what), "signal source %d h=%d clear %#x set %#x",
			 si, (int32_t)a.handle, a.clear_mask, a.set_mask);
		if (!pt_must(w, res, what))
			return false;
		s->sig = (s->sig & ~a.clear_mask) | a.set_mask;
		pt_edge(si, s->sig & ~old);
		return true;
	}
	if (y % 8 < 5 && s->peer) {
		uint64_t data = y;
		struct mx_ioc_msgpipe_write a = {
			.handle = (uint32_t)s->peer, .bytes = (uint64_t)(uintptr_t)&data,
			.num_bytes = 8,
		};

		res = pt_ioctl(w, MX_IOC_MSGPIPE_WRITE, &a);
		snprintf(what, sizeof(what), "write to source %d's peer h=%d (%u queued)",
			 si, s->peer, s->nmsg);
		if (!pt_must(w, res, what))
			return false;
		s->nmsg++;
		pt_edge(si, MX_SIGNAL_READABLE);
		return true;
	}
	if (y % 8 < 7 && s->nmsg) {
		uint64_t data;
		uint32_t nb = 8, nh = 0;
		struct mx_ioc_msgpipe_read a = {
			.handle = (uint32_t)s->h, .bytes = (uint64_t)(uintptr_t)&data,
			.num_bytes = (uint64_t)(uintptr_t)&nb,
			.num_handles = (uint64_t)(uintptr_t)&nh,
		};

		res = pt_ioctl(w, MX_IOC_MSGPIPE_READ, &a);
		snprintf(what, sizeof(what), "read source %d h=%d", si, s->h);
		if (!pt_must(w, res, what))
			return false;
		s->nmsg--;
		return true;
	}
	if (s->peer) {
		int32_t v = s->peer;

		/* Drained first: then the peer's death is a PEER_CLOSED edge only. */
		while (s->nmsg)
			if (!pt_act(w, si, 5))
				return false;
		res = pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &v);
		snprintf(what, sizeof(what), "close source %d's peer h=%d", si, v);
		if (!pt_must(w, res, what))
			return false;
		s->peer = 0;
		pt_edge(si, MX_SIGNAL_PEER_CLOSED);
	}
	return true;
}

/* The bound (or another) handle of a source leaves: close, replace, send, export. */
static bool pt_srcmove(struct worker *w, int si, uint32_t y)
{
	struct mpsrc *s = &pm.s[si];
	int32_t v = s->dup && y % 5 == 0 ? s->dup : s->h;
	char what[160];
	int res;

	switch ((y >> 3) % 5) {
	case 0: {
		struct mx_ioc_handle_dup d = { .handle = (uint32_t)v,
					       .rights = MX_RIGHT_SAME_RIGHTS };

		res = pt_ioctl(w, MX_IOC_HANDLE_REPLACE, &d);
		snprintf(what, sizeof(what), "replace source %d's h=%d%s: %d", si, v,
			 s->port >= 0 && s->bv == v ? " (bound)" : "", d.result);
		if (!pt_must(w, res, what))
			return false;
		if (s->port >= 0 && s->bv == v)
			pt_unbind(si);
		if (s->h == v)
			s->h = d.result;
		else
			s->dup = d.result;
		pm.stale = v;
		return true;
	}
	case 1: {
		struct mx_ioc_handle_export ex = { .handle = (uint32_t)v,
						   .flags = MX_EXPORT_CLOEXEC, .fd = -1 };
		struct mx_ioc_handle_import im = { .fd = -1 };

		res = pt_ioctl(w, MX_IOC_HANDLE_EXPORT, &ex);
		snprintf(what, sizeof(what), "export source %d's h=%d%s: fd %d", si, v,
			 s->port >= 0 && s->bv == v ? " (bound)" : "", ex.fd);
		if (!pt_must(w, res, what))
			return false;
		if (s->port >= 0 && s->bv == v)
			pt_unbind(si);
		im.fd = ex.fd;
		res = pt_ioctl(w, MX_IOC_HANDLE_IMPORT, &im);
		close(ex.fd);
		snprintf(what, sizeof(what), "import it back: h=%d", im.handle);
		if (!pt_must(w, res, what))
			return false;
		if (s->h == v)
			s->h = im.handle;
		else
			s->dup = im.handle;
		pm.stale = v;
		return true;
	}
	case 2: {
		/* Sent in a message of a new pipe, which is then closed. */
		int32_t hv[2] = { 0, 0 };
		struct mx_ioc_msgpipe_create pc = { .handles = (uint64_t)(uintptr_t)hv };
		struct mx_ioc_msgpipe_write wr = { 0 };

		res = pt_ioctl(w, MX_IOC_MSGPIPE_CREATE, &pc);
		if (!pt_must(w, res, "pipe create (to send a source)"))
			return res == ENOMEM;
		wr.handle = (uint32_t)hv[0];
		wr.handles = (uint64_t)(uintptr_t)&v;
		wr.num_handles = 1;
		res = pt_ioctl(w, MX_IOC_MSGPIPE_WRITE, &wr);
		snprintf(what, sizeof(what), "send source %d's h=%d%s", si, v,
			 s->port >= 0 && s->bv == v ? " (bound)" : "");
		if (!pt_must(w, res, what))
			return false;
		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &hv[0]);
		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &hv[1]);
		break;
	}
	default:
		res = pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &v);
		snprintf(what, sizeof(what), "close source %d's h=%d%s", si, v,
			 s->port >= 0 && s->bv == v ? " (bound)" : "");
		if (!pt_must(w, res, what))
			return false;
		break;
	}
	/* Gone: a pipe end's peer sees PEER_CLOSED, unbound here. */
	if (s->pipe && s->h == v && s->peer) {
		int32_t p = s->peer;

		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &p);
		s->peer = 0;
	}
	pt_src_gone(si, v);
	if (!s->h)
		s->used = false;
	return true;
}

/* A port handle: duplicate (some rights), replace, close, send, export. */
static bool pt_phandle(struct worker *w, uint32_t x, uint32_t y)
{
	static const uint32_t rset[] = {
		MX_RIGHT_SAME_RIGHTS, MX_RIGHT_READ | MX_RIGHT_TRANSFER | MX_RIGHT_DUPLICATE,
		MX_RIGHT_WRITE | MX_RIGHT_TRANSFER | MX_RIGHT_DUPLICATE, MX_RIGHT_DUPLICATE,
		RIGHTS_EVENT,
	};
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	char line[200];
	int pi, hk, res;
	int32_t v = pt_pick(x & ~15u, &pi, &hk);
	uint32_t hr;
	bool ok;

	if (pi < 0)
		return true;
	hr = pm.p[pi].hr[hk];
	switch (y % 5) {
	case 0:
	case 1: {
		struct mx_ioc_handle_dup d = { .handle = (uint32_t)v,
					       .rights = rset[(y >> 4) % 5] };

		if (y % 5 == 1)
			d.rights = MX_RIGHT_SAME_RIGHTS;
		res = pt_ioctl(w, y % 5 ? MX_IOC_HANDLE_REPLACE : MX_IOC_HANDLE_DUPLICATE, &d);
		snprintf(line, sizeof(line), "port %s h=%d (rights %#x) rights=%#x: %d",
			 y % 5 ? "replace" : "duplicate", v, hr, d.rights, d.result);
		if (y % 5 == 0 && !(hr & MX_RIGHT_DUPLICATE))
			c->expect = EB(EACCES);
		else if (d.rights != MX_RIGHT_SAME_RIGHTS && (d.rights & ~hr))
			c->expect = EB(EINVAL);
		else
			c->expect = EB(0) | (y % 5 ? 0 : EB(ENOMEM));
		ok = (c->expect & EB(res)) != 0;
		if (!res) {
			uint32_t nr = d.rights == MX_RIGHT_SAME_RIGHTS ? hr : d.rights;

			if (y % 5) {
				pm.stale = v;
				pm.p[pi].hv[hk] = d.result;
				pm.p[pi].hr[hk] = nr;
			} else if (pm.p[pi].nh < MAXPTH) {
				pm.p[pi].hv[pm.p[pi].nh] = d.result;
				pm.p[pi].hr[pm.p[pi].nh++] = nr;
			} else {
				pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &d.result);
			}
		}
		return pt_done(w, c, res, ok, line);
	}
	case 2: {
		/* Sent through a new pipe, and read back (or lost with the pipe). */
		int32_t hv[2] = { 0, 0 }, got = 0;
		struct mx_ioc_msgpipe_create pc = { .handles = (uint64_t)(uintptr_t)hv };
		struct mx_ioc_msgpipe_write wr = { 0 };
		struct mx_ioc_msgpipe_read rd = { 0 };
		uint32_t nb = 0, nh = 1;
		bool back = (y >> 4) % 4 != 0 || pm.p[pi].nh > 1;

		res = pt_ioctl(w, MX_IOC_MSGPIPE_CREATE, &pc);
		if (!pt_must(w, res, "pipe create (to send a port)"))
			return res == ENOMEM;
		wr.handle = (uint32_t)hv[0];
		wr.handles = (uint64_t)(uintptr_t)&v;
		wr.num_handles = 1;
		res = pt_ioctl(w, MX_IOC_MSGPIPE_WRITE, &wr);
		snprintf(line, sizeof(line), "port send h=%d (rights %#x)%s", v, hr,
			 back ? "" : ", the pipe closed with it");
		c->expect = hr & MX_RIGHT_TRANSFER ? EB(0) | EB(ENOMEM) : EB(EACCES);
		ok = (c->expect & EB(res)) != 0;
		if (!res) {
			if (back) {
				rd.handle = (uint32_t)hv[1];
				rd.num_bytes = (uint64_t)(uintptr_t)&nb;
				rd.handles = (uint64_t)(uintptr_t)&got;
				rd.num_handles = (uint64_t)(uintptr_t)&nh;
				if (pt_ioctl(w, MX_IOC_MSGPIPE_READ, &rd) || nh != 1 || got <= 0) {
					ok = false;
					snprintf(c->why, sizeof(c->why), "reading it back failed");
				}
				pm.stale = v;
				pm.p[pi].hv[hk] = got;
			} else {
				pt_drop_handle(pi, hk);
			}
		}
		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &hv[0]);
		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &hv[1]);
		return pt_done(w, c, res, ok, line);
	}
	case 3: {
		struct mx_ioc_handle_export ex = { .handle = (uint32_t)v, .fd = -1,
						   .flags = MX_EXPORT_CLOEXEC };
		struct mx_ioc_handle_import im = { .fd = -1 };
		bool back = (y >> 4) % 4 != 0 || pm.p[pi].nh > 1;

		res = pt_ioctl(w, MX_IOC_HANDLE_EXPORT, &ex);
		snprintf(line, sizeof(line), "port export h=%d (rights %#x): fd %d%s", v,
			 hr, ex.fd, back ? ", imported back" : ", fd closed");
		c->expect = hr & MX_RIGHT_TRANSFER ? EB(0) | EB(ENOMEM) | EB(ENOSPC) :
			    EB(EACCES);
		ok = (c->expect & EB(res)) != 0;
		if (!res) {
			if (back) {
				im.fd = ex.fd;
				if (pt_ioctl(w, MX_IOC_HANDLE_IMPORT, &im) || im.handle <= 0) {
					ok = false;
					snprintf(c->why, sizeof(c->why), "import back failed");
				}
				pm.stale = v;
				pm.p[pi].hv[hk] = im.handle;
			} else {
				pt_drop_handle(pi, hk);
			}
			close(ex.fd);
		}
		return pt_done(w, c, res, ok, line);
	}
	default:
		res = pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &v);
		snprintf(line, sizeof(line), "port close h=%d (%d handles, %d queued)",
			 v, pm.p[pi].nh, pm.p[pi].nq);
		c->expect = EB(0);
		if (!res)
			pt_drop_handle(pi, hk);
		return pt_done(w, c, res, res == 0, line);
	}
}

/* A waiter thread in port_wait, released by the main thread. */
struct ptwaiter {
	struct worker *w;
	int32_t h;
	int res;
	uint8_t buf[256];
	atomic_int done;
};

static void *pt_waiter_main(void *arg)
{
	struct ptwaiter *q = arg;
	struct mx_ioc_port_wait a = { .handle = (uint32_t)q->h,
				      .packet = (uint64_t)(uintptr_t)q->buf,
				      .size = sizeof(q->buf) };

	memset(q->buf, 0xa5, sizeof(q->buf));
	q->res = ioctl(q->w->devfd, MX_IOC_PORT_WAIT, &a) ? errno : 0;
	atomic_store(&q->done, 1);
	return NULL;
}

static bool pt_waiter(struct worker *w, uint32_t x, uint32_t y)
{
	static struct ptwaiter q;
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	char line[200];
	pthread_t t;
	int pi, hk, si = -1, how = (int)(y % 4), i;
	int32_t v = pt_pick(x & ~15u, &pi, &hk);
	bool ok = true, need_close = false;
	uint64_t t0;

	if (pi < 0 || pm.p[pi].nq || !(pm.p[pi].hr[hk] & MX_RIGHT_READ))
		return true;
	/* An edge that surely queues: a bound, unqueued event whose watched signal is clear. */
	if (how == 1) {
		for (i = 0; i < MAXPSRC; i++)
			if (pm.s[i].used && pm.s[i].port == pi && !pm.s[i].pipe &&
			    !pm.s[i].queued && (~pm.s[i].sig & pm.s[i].watched))
				si = i;
		if (si < 0)
			how = 0;
	}
	memset(&q, 0, sizeof(q));
	q.w = w;
	q.h = v;
	if (pthread_create(&t, NULL, pt_waiter_main, &q))
		return true;
	sleep_us(200 + (y >> 4) % 3000);
	if (how == 0) {
		/* size 40, a normal buffer, no padding */
		if (!pt_queue(w, 15u | (uint32_t)pi << 4 | (uint32_t)hk << 8, 0x432u))
			ok = false;
		need_close = pm.p[pi].nq == 0;
	} else if (how == 1) {
		uint32_t bit = 0, k;

		for (k = 0; k < 5; k++)
			if ((MX_SIGNAL_SIGNAL0 << k) & pm.s[si].watched & ~pm.s[si].sig)
				bit = k;
		if (!pt_act(w, si, 3u | bit << 8))
			ok = false;
		need_close = pm.p[pi].nq == 0;
	} else {
		need_close = true;
	}
	if (need_close) {
		int32_t cv = v;

		pt_ioctl(w, MX_IOC_HANDLE_CLOSE, &cv);
		pt_drop_handle(pi, hk);
	}
	t0 = now_ns();
	while (!atomic_load(&q.done) && now_ns() - t0 < 60000000000ull)
		sleep_us(500);
	snprintf(line, sizeof(line), "port wait h=%d in a waiter thread, released by %s",
		 v, need_close ? "a close" : how ? "an edge" : "a queue");
	if (!atomic_load(&q.done)) {
		report(w, "a port_wait waiter was not released within 60 s", NULL, NULL);
		return false;
	}
	pthread_join(t, NULL);
	if (!ok)
		return false;
	if (need_close) {
		/* Closed while it waited, or before it looked the handle up. */
		c->expect = EB(ECANCELED) | EB(EINVAL);
		ok = (c->expect & EB(q.res)) != 0;
	} else {
		c->expect = EB(0);
		ok = q.res == 0 && pt_check_pkt(pi, q.buf, c->why, sizeof(c->why));
		if (q.res == 0)
			pt_take(pi);
	}
	return pt_done(w, c, q.res, ok, line);
}

/* Queue up to max_port_packets; one more must fail; then take them all. */
static bool pt_fill(struct worker *w, uint32_t x)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	uint8_t buf[32];
	struct mx_ioc_port_queue a = { .packet = (uint64_t)(uintptr_t)buf, .size = 16 };
	struct mx_ioc_port_wait wa = { .packet = (uint64_t)(uintptr_t)buf, .size = 128 };
	char line[160];
	int pi, hk, res = 0;
	long n = 0, total;

	a.handle = (uint32_t)pt_pick(x & ~15u, &pi, &hk);
	if (pi < 0 || pm.p[pi].nq || p_max_port_packets > 20000 ||
	    (pm.p[pi].hr[hk] & (MX_RIGHT_READ | MX_RIGHT_WRITE)) !=
	    (MX_RIGHT_READ | MX_RIGHT_WRITE))
		return true;
	wa.handle = a.handle;
	memset(buf, 0, sizeof(buf));
	while (n < p_max_port_packets && !(res = ioctl(w->devfd, MX_IOC_PORT_QUEUE, &a) ? errno : 0))
		n++;
	total = n;
	if (!res)
		res = ioctl(w->devfd, MX_IOC_PORT_QUEUE, &a) ? errno : 0;
	kcov_collect(w, &w->tc.kc);
	snprintf(line, sizeof(line), "port fill h=%d: %ld queued, then one more",
		 (int32_t)a.handle, n);
	c->expect = EB(ENOMEM);
	/* only ENOMEM, and not before the limit unless memory ran out */
	if (res != ENOMEM)
		snprintf(c->why, sizeof(c->why), "past max_port_packets=%ld", p_max_port_packets);
	pm.p[pi].nuser = (int)n;
	pm.p[pi].nq = 0;	/* the model follows none of them */
	for (; n > 0; n--)
		if (ioctl(w->devfd, MX_IOC_PORT_WAIT, &wa))
			break;
	kcov_collect(w, &w->tc.kc);
	if (n) {
		snprintf(c->why, sizeof(c->why), "taking them back failed with %d left", (int)n);
		return pt_done(w, c, 0, false, line);
	}
	pm.p[pi].nuser = 0;
	(void)total;
	return pt_done(w, c, res, res == ENOMEM, line);
}

/* What a port refuses: wait_one, wait_many, waitset_add; and get_info. */
static bool pt_misuse(struct worker *w, uint32_t x, uint32_t y)
{
	struct wsck ck = { 0 };
	struct wsck *c = &ck;
	char line[160];
	int pi, hk, res, wi;
	int32_t v = pt_pick(x & ~15u, &pi, &hk);
	bool ok;

	if (pi < 0)
		return true;
	switch (y % 4) {
	case 0: {
		struct mx_ioc_wait_one wo = { .handle = (uint32_t)v,
					      .signals = MX_SIGNAL_READABLE };

		res = pt_ioctl(w, MX_IOC_WAIT_ONE, &wo);
		snprintf(line, sizeof(line), "port misuse: wait_one h=%d", v);
		c->expect = pm.p[pi].hr[hk] & MX_RIGHT_READ ? EB(EOPNOTSUPP) : EB(EACCES);
		break;
	}
	case 1: {
		uint32_t sig = MX_SIGNAL_READABLE;
		struct mx_ioc_wait_many wm = {
			.count = 1, .handles = (uint64_t)(uintptr_t)&v,
			.signals = (uint64_t)(uintptr_t)&sig,
		};

		res = pt_ioctl(w, MX_IOC_WAIT_MANY, &wm);
		snprintf(line, sizeof(line), "port misuse: wait_many [h=%d]", v);
		c->expect = pm.p[pi].hr[hk] & MX_RIGHT_READ ? EB(EOPNOTSUPP) : EB(EACCES);
		break;
	}
	case 2: {
		struct mx_ioc_waitset_add a = { .handle = (uint32_t)v,
						.signals = MX_SIGNAL_READABLE,
						.cookie = 999 };

		a.waitset = (uint32_t)ws_pick(w->m, 0, &wi);
		if (wi < 0)
			return true;
		res = pt_ioctl(w, MX_IOC_WAITSET_ADD, &a);
		snprintf(line, sizeof(line), "port misuse: waitset_add ws=%d h=%d",
			 (int32_t)a.waitset, v);
		c->expect = pm.p[pi].hr[hk] & MX_RIGHT_READ ? EB(EOPNOTSUPP) : EB(EACCES);
		break;
	}
	default: {
		struct mx_handle_basic_info bi;
		struct mx_ioc_handle_get_info gi = {
			.handle = (uint32_t)v, .topic = MX_INFO_HANDLE_BASIC,
			.info = (uint64_t)(uintptr_t)&bi, .info_size = sizeof(bi),
		};

		memset(&bi, 0xa5, sizeof(bi));
		errno = 0;
		res = ioctl(w->devfd, MX_IOC_HANDLE_GET_INFO, &gi) < 0 ? errno : 0;
		kcov_collect(w, &w->tc.kc);
		snprintf(line, sizeof(line), "port get_info h=%d", v);
		c->expect = EB(0);
		ok = res == 0 && bi.type == MX_OBJ_TYPE_IOPORT &&
		     bi.rights == pm.p[pi].hr[hk] && bi.props == MX_OBJ_PROP_NONE &&
		     bi.koid && !bi.reserved;
		if (!res && !ok)
			snprintf(c->why, sizeof(c->why), "type %u rights %#x props %u",
				 bi.type, bi.rights, bi.props);
		return pt_done(w, c, res, ok, line);
	}
	}
	ok = (c->expect & EB(res)) != 0;
	return pt_done(w, c, res, ok, line);
}

static bool exec_port(struct worker *w, const struct op *op)
{
	uint32_t sub = op->a[0] % PT_NR;
	int i, nlive = 0, si;
	bool ok = true;

	if (w->in_child || w->devfd < 0)
		return true;
	for (i = 0; i < MAXPT; i++)
		nlive += pt_live(i);
	if (!nlive && op->a[1] % 16 < 12 && sub != PT_SRC && sub != PT_POLLFD)
		sub = PT_CREATE;
	switch (sub) {
	case PT_CREATE:
		ok = pt_create(w, op->a[2]);
		break;
	case PT_QUEUE:
		ok = pt_queue(w, op->a[1], op->a[2]);
		break;
	case PT_WAIT:
		ok = pt_wait(w, op->a[1], op->a[2]);
		break;
	case PT_BIND:
		ok = pt_bind(w, op->a[1], op->a[2]);
		break;
	case PT_SRC:
		ok = pt_src(w, op->a[2]);
		break;
	case PT_EDGE:
		si = pt_src_pick(op->a[3]);
		ok = si < 0 || pt_act(w, si, op->a[2]);
		break;
	case PT_SRCMOVE:
		si = pt_src_pick(op->a[3]);
		ok = si < 0 || pt_srcmove(w, si, op->a[2]);
		break;
	case PT_PHANDLE:
		ok = pt_phandle(w, op->a[1], op->a[2]);
		break;
	case PT_POLLFD:
		ok = pt_pollfd(w, op->a[2]);
		break;
	case PT_WAITER:
		ok = pt_waiter(w, op->a[1], op->a[2]);
		break;
	case PT_FILL:
		ok = pt_fill(w, op->a[1]);
		break;
	default:
		ok = pt_misuse(w, op->a[1], op->a[2]);
		break;
	}
	return ok && pt_poll_all(w);
}

/* At the end of a sequence: every live port gives its packets, as modelled. */
static bool pt_final(struct worker *w)
{
	int i;

	if (w->devfd < 0)
		return true;
	for (i = 0; i < MAXPT; i++) {
		int k;

		if (!pt_live(i))
			continue;
		for (k = 0; k < pm.p[i].nh; k++)
			if (pm.p[i].hr[k] & MX_RIGHT_READ)
				break;
		if (k == pm.p[i].nh)
			continue;
		w->opno = 400 + i;
		while (pm.p[i].nq)
			if (!pt_wait(w, 15u | (uint32_t)i << 4 | (uint32_t)k << 8,
				     3u | 4u << 8))
				return false;
		if (!pt_poll_all(w))
			return false;
	}
	return true;
}

/* ---- children --------------------------------------------------------- */

static bool exec_sync(struct worker *w, const struct op *op);
static void gen_child_ops(struct mxf_rng *r, struct prog *p, int n);

static void child_exec(struct worker *w);

static void close_except(const int *keep, int nk)
{
	int sorted[16], i, j, prev = 3;

	memcpy(sorted, keep, sizeof(int) * (size_t)nk);
	for (i = 1; i < nk; i++)
		for (j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) {
			int x = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	for (i = 0; i < nk; i++) {
		if (sorted[i] < prev)
			continue;
		if (sorted[i] > prev)
			syscall(SYS_close_range, prev, sorted[i] - 1, 0);
		prev = sorted[i] + 1;
	}
	syscall(SYS_close_range, prev, ~0u, 0);
}

static void child_main(struct worker *w, const struct op *op, const int *passfd,
		       int np, int hsfd)
{
	static struct prog cp;
	struct model *pm = w->m, *cm = w->mt;
	struct mx_ioc_msgpipe_create cr;
	struct mx_ioc_version ver;
	int keep[8], nk = 0, i, r, e, pk, pe_of[3], ce_of[3];
	int32_t hh[2];
	struct mxf_rng rg;
	char x = 'k';

	w->in_child = true;
	w->tc.uf = NULL;	/* the registration does not survive fork() */
	w->nch = 0;
	w->cur = NULL;
	w->trace.len = 0;
	w->trace.p[0] = 0;
	/* The parent's descriptor: only GET_VERSION works. */
	memset(&cr, 0, sizeof(cr));
	cr.handles = (uint64_t)(uintptr_t)hh;
	r = ioctl(w->devfd, MX_IOC_MSGPIPE_CREATE, &cr);
	if (r != -1 || errno != EBADF) {
		report(w, r ? "create on the parent's /dev/magenta descriptor did not fail with EBADF" :
			      "create on the parent's /dev/magenta descriptor succeeded", NULL, NULL);
		_exit(1);
	}
	if (ioctl(w->devfd, MX_IOC_GET_VERSION, &ver)) {
		report(w, "GET_VERSION on the parent's descriptor failed", NULL, NULL);
		_exit(1);
	}
	kcov_open(&w->tc.kc);
	keep[nk++] = hsfd;
	for (i = 0; i < np; i++)
		keep[nk++] = passfd[i];
	if (w->tc.kc.fd >= 0)
		keep[nk++] = w->tc.kc.fd;
	if (w->ccov_fd >= 0)
		keep[nk++] = w->ccov_fd;
	close_except(keep, nk);	/* flush() of the parent's table, traced */
	kcov_collect(w, &w->tc.kc);
	while (write(hsfd, &x, 1) < 0 && errno == EINTR)
		;
	close(hsfd);
	/* A child that will exec keeps its descriptor: the table must die anyway. */
	w->devfd = open(MX_DEV, O_RDWR | (op->a[2] % 4 == 3 ? 0 : O_CLOEXEC));
	if (w->devfd < 0) {
		report(w, "the child cannot open /dev/magenta", NULL, NULL);
		_exit(1);
	}
	m_reset(cm, 0);
	for (i = 0; i < np; i++) {
		int pe, j;

		pk = m_fd_find(pm, passfd[i]);
		pe = pk >= 0 ? pm->fd[pk].ep : -1;
		/* Two handles to one event are one object here too. */
		for (e = -1, j = 0; j < i && e < 0; j++)
			if (pe >= 0 && pe_of[j] == pe)
				e = ce_of[j];
		if (e < 0) {
			e = m_new_ep(cm);
			cm->ep[e].reply = pe >= 0 ? pm->ep[pe].reply : T_MAYBE;
			cm->ep[e].kind = pe >= 0 ? pm->ep[pe].kind : K_UNK;
			cm->ep[e].foreign = pe < 0 || pm->ep[pe].foreign;
			cm->ep[e].koid = pe >= 0 ? pm->ep[pe].koid : 0;
			cm->ep[e].qwild = true;
			/* The parent may signal it while we run. */
			if (cm->ep[e].kind == K_EVENT)
				m_event_ext(cm, e);
		}
		pe_of[i] = pe;
		ce_of[i] = e;
		cm->ep[e].loc = L_FD;
		cm->fd[cm->nfd].fd = passfd[i];
		cm->fd[cm->nfd].ep = e;
		cm->fd[cm->nfd].rights = pk >= 0 ? pm->fd[pk].rights : RIGHTS_UNKNOWN;
		cm->fd[cm->nfd].open = true;
		cm->ep[e].fdk = cm->nfd++;
	}
	w->m = cm;
	w->mt = pm;
	cp.n = 0;
	for (i = 0; i < np; i++) {
		struct op *o = &cp.op[cp.n++];

		memset(o, 0, sizeof(*o));
		o->kind = OP_IMPORT;
		o->a[1] = (uint32_t)i;
	}
	rng_seed(&rg, op->a[0]);
	gen_child_ops(&rg, &cp, 1 + (int)(op->a[1] % 16));
	w->cur = &cp;
	for (i = 0; i < cp.n; i++) {
		w->opno = i;
		if (cp.op[i].kind == OP_CLOSEFD)
			exec_closefd(w, &cp.op[i]);
		else if (cp.op[i].kind == OP_PEEK)
			do_peek(cp.op[i].a[0]);
		else if (cp.op[i].kind == OP_NOP)
			;
		else if (!exec_sync(w, &cp.op[i]))
			_exit(1);
		if (!m_room(w->m))
			break;
	}
	if (op->a[2] % 4 == 3)
		child_exec(w);
	if (op->a[2] % 4 == 2 && w->m->nlive) {
		/* Block in the kernel until the parent kills us. */
		struct mx_ioc_wait_one wo = {
			.handle = (uint32_t)w->m->h[w->m->live[0]].value,
			.signals = MX_SIGNAL_SIGNAL0 | MX_SIGNAL_READABLE,
			.deadline = UINT64_MAX,
		};

		for (;;)
			if (!ioctl(w->devfd, MX_IOC_WAIT_ONE, &wo) || errno != EINTR)
				pause();
	}
	_exit(0);
}

/*
 * exec() ourselves, with our /dev/magenta descriptor, an exported handle,
 * the kcov descriptor (still tracing: the exec runs the module's teardown
 * of our tables) and the coverage memfd: exec_child_main() goes on.
 */
static void child_exec(struct worker *w)
{
	char a[8][32], *argv[9];
	int i, k, xfd = -1;

	kcov_collect(w, &w->tc.kc);
	for (k = 0; k < w->m->nfd; k++)
		if (w->m->fd[k].open && w->m->fd[k].ep >= 0) {
			xfd = dup(w->m->fd[k].fd);
			break;
		}
	snprintf(a[0], 32, "mxsfuzz");
	snprintf(a[1], 32, "--exec-child");
	snprintf(a[2], 32, "%d", w->tc.kc.fd >= 0 ? dup(w->tc.kc.fd) : -1);
	snprintf(a[3], 32, "%d", w->ccov_fd >= 0 ? dup(w->ccov_fd) : -1);
	snprintf(a[4], 32, "%d", w->devfd);
	snprintf(a[5], 32, "%d", xfd);
	snprintf(a[6], 32, "%" PRIx64, text_start);
	snprintf(a[7], 32, "%" PRIx64, text_size);
	for (i = 0; i < 8; i++)
		argv[i] = a[i];
	argv[8] = NULL;
	if (self_exe[0])
		execv(self_exe, argv);
	_exit(3);	/* no exec here: nothing to check */
}

/* The image a child exec()ed (argv from child_exec()). */
static int exec_child_main(char **argv)
{
	int kfd = atoi(argv[2]), cfd = atoi(argv[3]), dfd = atoi(argv[4]);
	int xfd = atoi(argv[5]), nfd, bad = 0;
	uint64_t ts = strtoull(argv[6], NULL, 16), tsz = strtoull(argv[7], NULL, 16);
	struct mx_ioc_msgpipe_create cr;
	struct mx_ioc_version ver;
	int32_t hh[2];
	long r;

	/* Our tables went with the old address space. */
	memset(&cr, 0, sizeof(cr));
	cr.handles = (uint64_t)(uintptr_t)hh;
	r = ioctl(dfd, MX_IOC_MSGPIPE_CREATE, &cr);
	if (r != -1 || errno != EBADF) {
		printf("mxsfuzz: FAIL: after exec, create on the old /dev/magenta descriptor gave %s, not EBADF\n",
		       r ? strerrorname_np(errno) : "success");
		bad = 1;
	}
	if (ioctl(dfd, MX_IOC_GET_VERSION, &ver)) {
		printf("mxsfuzz: FAIL: after exec, GET_VERSION on the old descriptor failed: %s\n",
		       strerrorname_np(errno));
		bad = 1;
	}
	/* An exported handle survives exec, like any descriptor. */
	nfd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	if (xfd >= 0 && nfd >= 0) {
		struct mx_ioc_handle_import im = { .fd = xfd };
		struct mx_signals_state st = { 0, 0 };

		if (ioctl(nfd, MX_IOC_HANDLE_IMPORT, &im)) {
			printf("mxsfuzz: FAIL: after exec, importing an exported handle failed: %s\n",
			       strerrorname_np(errno));
			bad = 1;
		} else {
			struct mx_ioc_wait_one wo = {
				.handle = (uint32_t)im.handle,
				.signals = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
					   MX_SIGNAL_PEER_CLOSED,
				.state = (uint64_t)(uintptr_t)&st,
			};

			/* EACCES: exported after a replace that dropped READ. */
			r = ioctl(nfd, MX_IOC_WAIT_ONE, &wo);
			if (r && errno != EBADFD && errno != EACCES) {
				printf("mxsfuzz: FAIL: after exec, wait_one on an imported handle gave %s\n",
				       strerrorname_np(errno));
				bad = 1;
			}
		}
	}
	if (nfd >= 0)
		close(nfd);
	/* Hand the coverage of the exec and of these calls back. */
	if (kfd >= 0 && cfd >= 0 && !ioctl(kfd, KCOV_DISABLE_, 0)) {
		unsigned long *area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long),
					   PROT_READ, MAP_SHARED, kfd, 0);
		uint8_t *cov = mmap(NULL, tsz, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		unsigned long n, i;

		if (area != MAP_FAILED && cov != MAP_FAILED) {
			n = area[0] < KCOV_WORDS - 1 ? area[0] : KCOV_WORDS - 1;
			for (i = 0; i < n; i++)
				if (area[i + 1] - ts < tsz)
					cov[area[i + 1] - ts] = 1;
		}
	}
	return bad;
}

static bool exec_fork(struct worker *w, const struct op *op)
{
	int passfd[3], np = 0, hs[2], i, k, e;
	struct child *ch;
	struct pollfd pf;
	pid_t pid;
	char x;

	if (w->in_child || w->nch >= MAXCHILD)
		return true;
	for (i = 0; i < op->nsel && i < 3; i++) {
		struct op eo;

		memset(&eo, 0, sizeof(eo));
		eo.kind = OP_EXPORT;
		eo.sel[0] = op->sel[1 + i];
		eo.a[7] = op->a[7] + (uint32_t)i;
		if (!exec_sync(w, &eo))
			return false;
		if (!g_mcall.ret)
			passfd[np++] = ((struct mx_ioc_handle_export *)g_mcall.argp)->fd;
	}
	if (pipe2(hs, O_CLOEXEC))
		return true;
	pid = fork();
	if (pid < 0) {
		close(hs[0]);
		close(hs[1]);
		return true;
	}
	if (!pid)
		child_main(w, op, passfd, np, hs[1]);
	close(hs[1]);
	pf.fd = hs[0];
	pf.events = POLLIN;
	for (i = 0; i < 2000; i++) {
		if (poll(&pf, 1, 10) > 0) {
			while (read(hs[0], &x, 1) < 0 && errno == EINTR)
				;
			break;
		}
	}
	close(hs[0]);
	for (i = 0; i < np; i++) {
		k = m_fd_find(w->m, passfd[i]);
		close(passfd[i]);
		if (k < 0)
			continue;
		w->m->fd[k].open = false;
		e = w->m->fd[k].ep;
		w->m->fd[k].ep = -1;
		if (e >= 0)
			m_ep_away(w->m, e);
	}
	ch = &w->ch[w->nch++];
	memset(ch, 0, sizeof(*ch));
	ch->pid = pid;
	ch->mode = (int)(op->a[2] % 4);
	ch->kill_at = now_ns() + (uint64_t)(op->a[3] % 20000) * 1000ull;
	ev_add(EV_FORK, 1);
	sb_printf(&w->trace, "  %2d fork: child %d with %d handle(s), %s\n", w->opno,
		  (int)pid, np, ch->mode == 0 ? "runs to its end" :
		  ch->mode == 1 ? "SIGKILLed soon" : ch->mode == 2 ?
		  "blocks, then SIGKILLed" : "execs itself at its end");
	return true;
}

static void kill_due(struct worker *w)
{
	uint64_t t = now_ns();
	int i;

	for (i = 0; i < w->nch; i++) {
		struct child *ch = &w->ch[i];

		if (!ch->reaped && !ch->killed && (ch->mode == 1 || ch->mode == 2) &&
		    t >= ch->kill_at) {
			kill(ch->pid, SIGKILL);
			ch->killed = true;
		}
	}
}

static bool reap_one(struct worker *w, struct child *ch, bool now)
{
	uint64_t deadline;
	char text[160];
	int st = 0;
	pid_t r;

	if (ch->reaped)
		return true;
	if ((ch->mode == 1 || ch->mode == 2) && !ch->killed) {
		while (!now && now_ns() < ch->kill_at)
			sleep_us(500);
		kill(ch->pid, SIGKILL);
		ch->killed = true;
	} else if (now && !ch->killed) {
		kill(ch->pid, SIGKILL);
		ch->killed = true;
	}
	deadline = now_ns() + 30ull * 1000000000ull;
	for (;;) {
		r = waitpid(ch->pid, &st, WNOHANG);
		if (r == ch->pid)
			break;
		if (r < 0 && errno != EINTR) {
			ch->reaped = true;
			return true;
		}
		if (now_ns() > deadline) {
			snprintf(text, sizeof(text), "child %d did not end within 30 s%s",
				 (int)ch->pid, ch->killed ? " of SIGKILL" : "");
			kill(ch->pid, SIGKILL);
			report(w, text, NULL, NULL);
			return false;
		}
		sleep_us(1000);
	}
	ch->reaped = true;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (ch->mode == 3)
			ev_add(EV_EXEC, 1);
		return true;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3 && ch->mode == 3)
		return true;	/* could not exec */
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && ch->killed) {
		ev_add(EV_CHILD_KILLED, 1);
		return true;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 1 && atomic_load(&sh->failed))
		return false;	/* it reported */
	snprintf(text, sizeof(text), "child %d ended with status %#x", (int)ch->pid, st);
	report(w, text, NULL, NULL);
	return false;
}

static bool exec_kill(struct worker *w, const struct op *op)
{
	struct child *ch;

	if (!w->nch)
		return true;
	ch = &w->ch[op->a[0] % (uint32_t)w->nch];
	if (ch->reaped)
		return true;
	sb_printf(&w->trace, "  %2d SIGKILL child %d\n", w->opno, (int)ch->pid);
	return reap_one(w, ch, true);
}

static bool reap_children(struct worker *w)
{
	uint64_t i;
	int k;

	for (k = 0; k < w->nch; k++)
		if (!reap_one(w, &w->ch[k], false))
			return false;
	if (w->nch && use_kcov) {
		for (i = 0; i < text_size; i++) {
			if (!w->ccov[i])
				continue;
			w->ccov[i] = 0;
			if (!w->seqcov[i]) {
				w->seqcov[i] = 1;
				if (w->ntouched < w->touched_max)
					w->touched[w->ntouched++] = (uint32_t)i;
			}
		}
	}
	w->nch = 0;
	return true;
}

/* Every handle's signals, as the model knows them, at the end. */
static bool final_checks(struct worker *w)
{
	struct op o;
	int k, n = w->m->nlive < 24 ? w->m->nlive : 24;

	for (k = 0; k < n; k++) {
		memset(&o, 0, sizeof(o));
		o.kind = OP_WAIT_ONE;
		o.sel[0] = SEL(SC_LIVE, (uint32_t)k);
		o.a[0] = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
			 MX_SIGNAL_PEER_CLOSED | MX_SIGNAL_SIGNAL_ALL;
		o.a[1] = DL_POLL;
		w->opno = 100 + k;
		if (!exec_sync(w, &o))
			return false;
		/* Its type, rights and koid (the same as earlier, if asked). */
		memset(&o, 0, sizeof(o));
		o.kind = OP_INFO;
		o.sel[0] = SEL(SC_LIVE, (uint32_t)k);
		o.a[0] = MX_INFO_HANDLE_BASIC;
		o.a[1] = 32;
		w->opno = 200 + k;
		if (!exec_sync(w, &o))
			return false;
	}
	return true;
}

static bool run_prog(struct worker *w, const struct prog *p)
{
	int i, k;

	w->cur = p;
	w->trace.len = 0;
	w->trace.p[0] = 0;
	wsp_forget(w);
	syscall(SYS_close_range, w->fd_floor, ~0u, 0);
	w->devfd = open(MX_DEV, O_RDWR | O_CLOEXEC);
	if (w->devfd < 0) {
		report(w, "cannot open " MX_DEV, NULL, NULL);
		return false;
	}
	m_reset(w->m, 0);
	pt_reset();
	w->nch = 0;
	w->ntouched = 0;
	kcov_collect(w, &w->tc.kc);	/* the open */
	for (i = 0; i < p->n && !atomic_load(&sh->stop); i++) {
		const struct op *op = &p->op[i];
		bool ok = true;

		w->opno = i;
		atomic_store(&sh->w[w->idx].op_start, (long)now_ns());
		atomic_store(&sh->w[w->idx].cur_op, i);
		switch (op->kind) {
		case OP_ASYNC: {
			const struct op *next = i + 1 < p->n &&
				async_main_ok(&p->op[i + 1]) ? &p->op[i + 1] : NULL;

			ok = exec_async(w, op, next);
			if (next)
				i++;
			break;
		}
		case OP_FORK:
			ok = exec_fork(w, op);
			break;
		case OP_KILL:
			ok = exec_kill(w, op);
			break;
		case OP_CLOSEFD:
			ok = exec_closefd(w, op);
			break;
		case OP_WS:
			ok = exec_ws(w, op) && pt_poll_all(w);
			break;
		case OP_PORT:
			ok = exec_port(w, op);
			break;
		case OP_NOP:
			break;
		case OP_PEEK:
			do_peek(op->a[0]);
			kcov_collect(w, &w->tc.kc);
			sb_printf(&w->trace, "  %2d read a module file\n", i);
			break;
		case OP_PARAM: {
			char why[200];

			sb_printf(&w->trace, "  %2d write a module parameter\n", i);
			if (!do_param(op->a[0], why, sizeof(why))) {
				report(w, why, NULL, NULL);
				return false;
			}
			kcov_collect(w, &w->tc.kc);
			break;
		}
		default:
			ok = exec_sync(w, op);
			break;
		}
		if (!ok)
			return false;
		kill_due(w);
		if (!m_room(w->m))
			break;
	}
	if (atomic_load(&sh->stop))
		return true;
	if (!final_checks(w) || !ws_final(w) || !pt_final(w) ||
	    !pt_poll_all(w) || !reap_children(w))
		return false;
	for (k = 0; k < w->m->ne; k++)
		if (!w->m->ep[k].foreign)
			koid_hist_add(w->m->ep[k].koid);
	for (k = 0; k < 8 && w->m->nlive; k++)
		atomic_store(&sh->pub[w->idx][k],
			     w->m->h[w->m->live[(uint32_t)k % (uint32_t)w->m->nlive]].value);
	atomic_store(&sh->w[w->idx].op_start, 0);
	/* The table goes with everything in it (release runs before we return). */
	wsp_forget(w);
	syscall(SYS_close_range, w->fd_floor, ~0u, 0);
	w->devfd = -1;
	kcov_collect(w, &w->tc.kc);
	return true;
}

/* ---- generating programs ---------------------------------------------- */

static uint32_t g_sel(struct mxf_rng *r)
{
	uint32_t x = rn(r, 100);

	if (x < 48)
		return SEL(SC_LIVE, rn(r, 64));
	if (x < 52)
		return SEL(SC_EVENT, rn(r, 4));
	if (x < 70)
		return SEL(SC_NEW, rn(r, 4));
	if (x < 76)
		return SEL(SC_READABLE, rn(r, 8));
	if (x < 80)
		return SEL(SC_REPLY, rn(r, 4));
	if (x < 87)
		return SEL(SC_STALE, rn(r, 8));
	if (x < 91)
		return SEL(SC_LIT, rn(r, 6));
	if (x < 95)
		return SEL(SC_RAND, rn(r, 1u << 20));
	if (x < 98)
		return SEL(SC_FOREIGN, rn(r, 256));
	return SEL(SC_NEW, 0);
}

/* An entry of a handle array. */
static uint32_t g_hsel(struct mxf_rng *r)
{
	uint32_t x = rn(r, 100);

	if (x < 7)
		return SEL(SC_SELF, 0);
	if (x < 12)
		return SEL(SC_PREV, 0);
	if (x < 26)
		return SEL(SC_PEER, 0);
	return g_sel(r);
}

static uint8_t g_pk(struct mxf_rng *r, bool nullable)
{
	uint32_t x = rn(r, 100);

	if (x < 78)
		return PK_NORMAL;
	if (x < 83)
		return nullable || chance(r, 30) ? PK_NULL : PK_NORMAL;
	if (x < 86)
		return PK_PROTNONE;
	if (x < 88)
		return PK_UNMAPPED;
	if (x < 91)
		return PK_STRADDLE;
	if (x < 93)
		return PK_RO;
	if (x < 97)
		return PK_UFFD;
	if (x < 98)
		return PK_KERNEL;
	return PK_MISALIGN;
}

static uint8_t g_place(struct mxf_rng *r)
{
	uint32_t x = rn(r, 100);

	if (x < 93)
		return PL_NORMAL;
	if (x < 95)
		return PL_RO;
	if (x < 96)
		return PL_UNMAPPED;
	if (x < 97)
		return PL_STRADDLE;
	return PL_UFFD;
}

static uint32_t g_nb(struct mxf_rng *r)
{
	uint32_t x = rn(r, 100);

	if (x < 18)
		return 0;
	if (x < 45)
		return 8 + rn(r, 57);
	if (x < 60)
		return 1 + rn(r, 256);
	if (x < 70)
		return 257 + rn(r, 1792);
	if (x < 77)
		return 2049 + rn(r, 2048);
	if (x < 87)
		return 4097 + rn(r, 61440);
	if (x < 90)
		return MX_MAX_MSG_BYTES;
	if (x < 93)
		return MX_MAX_MSG_BYTES + 1;
	if (x < 95)
		return chance(r, 50) ? 0xffffffffu : 0x80000000u;
	return 1 + rn(r, 7);
}

static uint32_t g_dl(struct mxf_rng *r, bool async)
{
	uint32_t x = rn(r, 100);

	if (async && x < 30)
		return chance(r, 70) ? DL_INF : (DL_HUGE | rn(r, 1u << 20) << 3);
	if (x < 40)
		return DL_POLL;
	if (x < 50)
		return DL_PAST;
	return DL_SOON | (rn(r, chance(r, 70) ? 400 : 3000) << 3);
}

static uint32_t g_signals(struct mxf_rng *r)
{
	static const uint32_t s[] = {
		MX_SIGNAL_READABLE, MX_SIGNAL_WRITABLE, MX_SIGNAL_PEER_CLOSED,
		MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED,
		MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE | MX_SIGNAL_PEER_CLOSED,
		0, MX_SIGNAL_SIGNAL0, MX_SIGNAL_SIGNAL_ALL,
	};

	if (chance(r, 90))
		return s[rn(r, 8)];
	return (uint32_t)rnd(r);
}

static uint32_t g_rights(struct mxf_rng *r)
{
	static const uint32_t s[] = {
		MX_RIGHT_SAME_RIGHTS, 0, MX_RIGHT_READ, MX_RIGHT_WRITE,
		MX_RIGHT_TRANSFER, MX_RIGHT_READ | MX_RIGHT_TRANSFER,
		MX_RIGHT_READ | MX_RIGHT_WRITE, RIGHTS_PIPE, MX_RIGHT_DUPLICATE,
		MX_RIGHT_SAME_RIGHTS | MX_RIGHT_READ, RIGHTS_EVENT,
		MX_RIGHT_DUPLICATE | MX_RIGHT_READ,
	};

	if (chance(r, 92))
		return s[rn(r, 12)];
	return (uint32_t)rnd(r);
}

/* A mask of user signals for object_signal, sometimes a bad one. */
static uint32_t g_umask(struct mxf_rng *r)
{
	uint32_t x = rn(r, 100);

	if (x < 40)
		return MX_SIGNAL_SIGNAL0 << rn(r, 5);
	if (x < 70)
		return (uint32_t)rnd(r) & MX_SIGNAL_SIGNAL_ALL;
	if (x < 92)
		return 0;
	if (x < 96)
		return 1u << rn(r, 3);	/* a pipe's signal: not a user signal */
	return (uint32_t)rnd(r);
}

static uint32_t g_cap(struct mxf_rng *r, bool handles)
{
	uint32_t x = rn(r, 100);

	if (x < 50)
		return handles ? MX_MAX_MSG_HANDLES : MX_MAX_MSG_BYTES;
	if (x < 70)
		return rn(r, handles ? 4 : 64);
	if (x < 80)
		return 0;
	if (x < 92)
		return rn(r, handles ? 64 : 70000);
	return 0xffffffffu;
}

static uint32_t g_pad(struct mxf_rng *r)
{
	return chance(r, 96) ? 0 : (uint32_t)rnd(r) | 1;
}

static void g_write_half(struct mxf_rng *r, struct op *o, bool call)
{
	uint32_t x = rn(r, 100), i;

	o->nsel = x < 45 ? 0 : x < 75 ? 1 : x < 88 ? 2 : (uint8_t)(3 + rn(r, 6));
	for (i = 0; i < o->nsel; i++)
		o->sel[1 + i] = g_hsel(r);
	o->a[0] = call && chance(r, 60) ? rn(r, 64) : g_nb(r);
	x = rn(r, 100);
	o->a[1] = x < 90 ? o->nsel : x < 96 ? o->nsel + 1 + rn(r, 40) :
		  x < 98 ? MX_MAX_MSG_HANDLES + 1 : (uint32_t)rnd(r);
	o->pk[0] = g_pk(r, true);
	o->pk[1] = g_pk(r, true);
}

/* A fresh op of @kind with random arguments. */
static void gen_op(struct mxf_rng *r, struct op *o, int kind, bool child)
{
	uint32_t i;

	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	o->place = g_place(r);
	o->sel[0] = g_sel(r);
	o->a[7] = (uint32_t)rnd(r);
	switch (kind) {
	case OP_CREATE:
		o->a[0] = chance(r, 25) ? MX_FLAG_REPLY_PIPE :
			  chance(r, 96) ? 0 : 1u << rn(r, 32);
		o->a[1] = g_pad(r);
		o->a[2] = 1;
		o->pk[0] = g_pk(r, false);
		break;
	case OP_WRITE:
		g_write_half(r, o, false);
		o->a[2] = chance(r, 97) ? 0 : 1u << rn(r, 32);
		o->a[3] = 1;
		o->a[4] = rn(r, 3);
		break;
	case OP_READ:
		if (chance(r, 35))
			o->sel[0] = SEL(SC_READABLE, rn(r, 4));
		o->a[0] = g_cap(r, false);
		o->a[1] = g_cap(r, true);
		o->a[2] = chance(r, 78) ? 0 : chance(r, 80) ?
			  MX_MSGPIPE_READ_FLAG_MAY_DISCARD : 1u << rn(r, 32);
		o->a[3] = 1;
		for (i = 0; i < 4; i++)
			o->pk[i] = g_pk(r, i & 1);
		break;
	case OP_CALL:
		g_write_half(r, o, true);
		if (chance(r, 50)) {
			/* mostly sane: the interesting part is the exchange */
			o->nsel = chance(r, 70) ? 0 : 1;
			o->a[1] = o->nsel;
			o->pk[0] = o->pk[1] = chance(r, 80) ? PK_NORMAL : PK_UFFD;
		}
		o->a[2] = chance(r, 60) ? MX_MAX_MSG_BYTES : g_cap(r, false);
		o->a[3] = chance(r, 60) ? MX_MAX_MSG_HANDLES : g_cap(r, true);
		o->a[4] = g_dl(r, false);
		o->a[5] = chance(r, 94) ? 0 : 1u << rn(r, 6);
		o->a[6] = rn(r, 3);
		o->pk[2] = chance(r, 70) ? PK_NORMAL : g_pk(r, true);
		o->pk[3] = chance(r, 70) ? PK_NORMAL : g_pk(r, true);
		break;
	case OP_DUP:
	case OP_REPLACE:
		o->a[0] = g_rights(r);
		o->a[1] = g_pad(r);
		break;
	case OP_WAIT_ONE:
		o->a[0] = g_signals(r);
		o->a[1] = g_dl(r, false);
		o->a[2] = chance(r, 92) ? 0 : (1u << rn(r, 3)) | ((uint32_t)rnd(r) & 0xff00);
		o->pk[0] = chance(r, 25) ? PK_NULL : g_pk(r, true);
		break;
	case OP_WAIT_MANY:
		o->nsel = chance(r, 5) ? 0 : (uint8_t)(1 + rn(r, OP_NSEL));
		for (i = 0; i < o->nsel; i++)
			o->sel[1 + i] = chance(r, 8) ? SEL(SC_PREV, 0) :
					chance(r, 85) ? SEL(chance(r, 50) ? SC_LIVE : SC_NEW, rn(r, 64)) :
					g_sel(r);
		o->a[0] = chance(r, 50) ? 0x80000000u | g_signals(r) : (uint32_t)rnd(r) & 0x7fffffff;
		o->a[1] = g_dl(r, false);
		i = rn(r, 100);
		o->a[2] = i < 90 ? 0 : i < 94 ? o->nsel + 1 + rn(r, 8) :
			  i < 97 ? MX_MAX_WAIT_HANDLES + 1 : 0x80000000u;
		i = rn(r, 100);
		o->a[3] = i < 93 ? 0 : i < 97 ? 1 : (uint32_t)rnd(r) | 2;
		o->pk[0] = g_pk(r, true);
		o->pk[1] = g_pk(r, true);
		o->pk[2] = chance(r, 30) ? PK_NULL : g_pk(r, true);
		o->pk[3] = chance(r, 30) ? PK_NULL : g_pk(r, true);
		break;
	case OP_EXPORT:
		o->a[0] = chance(r, 70) ? 0 : chance(r, 85) ? MX_EXPORT_CLOEXEC :
			  1u << rn(r, 32);
		o->a[1] = g_pad(r);
		o->a[2] = !child && chance(r, 6);
		break;
	case OP_IMPORT:
		i = rn(r, 100);
		o->a[0] = i < 62 ? 0 : i < 72 ? 1 : i < 80 ? 2 : i < 87 ? 3 : i < 91 ? 4 : 5;
		o->a[1] = (uint32_t)rnd(r);
		o->a[2] = chance(r, 96) ? 0 : 1u << rn(r, 32);
		o->a[3] = g_pad(r);
		break;
	case OP_CLOSEFD:
	case OP_KILL:
	case OP_PEEK:
	case OP_PARAM:
		o->a[0] = (uint32_t)rnd(r);
		break;
	case OP_ECREATE:
		o->a[0] = chance(r, 95) ? 0 : chance(r, 50) ? 1u << rn(r, 32) :
			  (uint32_t)rnd(r);
		o->a[2] = 1;
		break;
	case OP_SIGNAL:
		if (chance(r, 65))
			o->sel[0] = SEL(SC_EVENT, rn(r, 4));
		o->a[0] = g_umask(r);
		o->a[1] = g_umask(r);
		o->a[2] = g_pad(r);
		break;
	case OP_INFO:
		if (chance(r, 30))
			o->sel[0] = SEL(SC_EVENT, rn(r, 4));
		i = rn(r, 100);
		o->a[0] = i < 80 ? MX_INFO_HANDLE_BASIC : i < 92 ? MX_INFO_HANDLE_VALID :
			  i < 97 ? 2 + rn(r, 8) : (uint32_t)rnd(r);
		i = rn(r, 100);
		o->a[1] = i < 70 ? 24 : i < 80 ? 32 : i < 90 ? rn(r, 24) :
			  i < 95 ? 25 + rn(r, 4000) : (uint32_t)rnd(r);
		o->a[2] = chance(r, 97) ? 0 : (uint32_t)rnd(r);
		o->pk[0] = chance(r, 80) ? PK_NORMAL : g_pk(r, true);
		break;
	case OP_BADCMD: {
		static const uint8_t nrs[] = {
			0x00, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23,
			0x30, 0x31, 0x40, 0x41, 0x50, 0x51,
		};

		o->a[0] = rn(r, 4);
		o->a[1] = chance(r, 60) ? nrs[rn(r, sizeof(nrs))] : rn(r, 256);
		o->a[2] = chance(r, 50) ? rn(r, 128) : rn(r, 0x4000);
		break;
	}
	case OP_FORK:
		o->a[0] = (uint32_t)rnd(r);
		o->a[1] = rn(r, 16);
		o->a[2] = rn(r, 4);
		o->a[3] = chance(r, 50) ? rn(r, 2000) : rn(r, 20000);
		o->nsel = (uint8_t)rn(r, 4);
		for (i = 0; i < o->nsel; i++)
			o->sel[1 + i] = chance(r, 60) ? SEL(SC_NEW, rn(r, 3)) : g_sel(r);
		break;
	case OP_WS:
		i = rn(r, 100);
		o->a[0] = i < 14 ? WS_CREATE : i < 48 ? WS_ADD : i < 58 ? WS_REMOVE :
			  i < 86 ? WS_WAIT : i < 90 ? WS_CLOSE : WS_MISUSE;
		for (i = 1; i < 7; i++)
			o->a[i] = (uint32_t)rnd(r);
		o->sel[0] = chance(r, 50) ? SEL(SC_NEW, rn(r, 4)) : g_sel(r);
		break;
	case OP_PORT:
		i = rn(r, 100);
		o->a[0] = i < 8 ? PT_CREATE : i < 28 ? PT_QUEUE : i < 44 ? PT_WAIT :
			  i < 54 ? PT_BIND : i < 62 ? PT_SRC : i < 74 ? PT_EDGE :
			  i < 80 ? PT_SRCMOVE : i < 87 ? PT_PHANDLE : i < 91 ? PT_POLLFD :
			  i < 95 ? PT_WAITER : i < 96 ? PT_FILL : PT_MISUSE;
		for (i = 1; i < 7; i++)
			o->a[i] = (uint32_t)rnd(r);
		break;
	case OP_ASYNC:
		i = rn(r, 112);
		o->a[0] = i < 24 ? ACT_SIGNAL : i < 38 ? ACT_CLOSE : i < 60 ? ACT_WRITE :
			  i < 70 ? ACT_READ : i < 79 ? ACT_REPLACE : i < 85 ? ACT_EXPORT :
			  i < 95 ? ACT_SEND : i < 100 ? ACT_PEEK :
			  i < 106 ? ACT_OSIGNAL : ACT_DUP;
		o->sel[1] = g_sel(r);
		i = rn(r, 100);
		o->a[1] = i < 50 ? rn(r, 300) : i < 90 ? rn(r, 3000) : 0;
		o->a[2] = (uint32_t)rnd(r);
		break;
	default:
		break;
	}
}

static int pick_kind(struct mxf_rng *r, bool child)
{
	static const uint8_t w_parent[OP_NR] = {
		[OP_CREATE] = 12, [OP_WRITE] = 20, [OP_READ] = 16, [OP_CALL] = 6,
		[OP_CLOSE] = 8, [OP_DUP] = 2, [OP_REPLACE] = 4, [OP_WAIT_ONE] = 8,
		[OP_WAIT_MANY] = 6, [OP_EXPORT] = 4, [OP_IMPORT] = 4,
		[OP_CLOSEFD] = 2, [OP_VERSION] = 1, [OP_BADCMD] = 1,
		[OP_FORK] = 2, [OP_KILL] = 1, [OP_PEEK] = 1, [OP_PARAM] = 1,
		[OP_ECREATE] = 4, [OP_SIGNAL] = 4, [OP_INFO] = 4, [OP_WS] = 10,
		[OP_PORT] = 10,
	};
	uint32_t total = 0, x;
	int k;

	for (k = 0; k < OP_NR; k++)
		if (!child || (k != OP_FORK && k != OP_KILL && k != OP_PARAM &&
			       k != OP_WS && k != OP_PORT))
			total += w_parent[k];
	x = rn(r, total);
	for (k = 0; k < OP_NR; k++) {
		if (child && (k == OP_FORK || k == OP_KILL || k == OP_PARAM ||
			      k == OP_WS || k == OP_PORT))
			continue;
		if (x < w_parent[k])
			return k;
		x -= w_parent[k];
	}
	return OP_CREATE;
}

static struct op *emit(struct prog *p, struct mxf_rng *r, int kind, bool child)
{
	struct op *o;

	if (p->n >= MAX_OPS)
		return NULL;
	o = &p->op[p->n++];
	gen_op(r, o, kind, child);
	o->place = PL_NORMAL;
	return o;
}

static struct op *emit_create(struct prog *p, struct mxf_rng *r, bool reply)
{
	struct op *o = emit(p, r, OP_CREATE, false);

	if (o) {
		o->a[0] = reply ? MX_FLAG_REPLY_PIPE : 0;
		o->a[1] = 0;
		o->pk[0] = PK_NORMAL;
	}
	return o;
}

/* write(through, handles...) with a small payload. */
static struct op *emit_send(struct prog *p, struct mxf_rng *r, uint32_t through,
			    int n, const uint32_t *hs)
{
	struct op *o = emit(p, r, OP_WRITE, false);
	int i;

	if (!o)
		return NULL;
	o->sel[0] = through;
	o->nsel = (uint8_t)n;
	for (i = 0; i < n; i++)
		o->sel[1 + i] = hs[i];
	o->a[0] = chance(r, 70) ? 8 + rn(r, 32) : g_nb(r) % 4096;
	o->a[1] = (uint32_t)n;
	o->a[2] = 0;
	o->pk[0] = chance(r, 90) ? PK_NORMAL : g_pk(r, false);
	o->pk[1] = chance(r, 90) ? PK_NORMAL : PK_UFFD;
	return o;
}

static struct op *emit_read(struct prog *p, struct mxf_rng *r, uint32_t sel)
{
	struct op *o = emit(p, r, OP_READ, false);

	if (o) {
		o->sel[0] = sel;
		if (chance(r, 70)) {
			o->a[0] = MX_MAX_MSG_BYTES;
			o->a[1] = MX_MAX_MSG_HANDLES;
			o->a[2] = 0;
			memset(o->pk, PK_NORMAL, 4);
		}
	}
	return o;
}

/* ---- events ---- */

static struct op *emit_ecreate(struct prog *p, struct mxf_rng *r)
{
	struct op *o = emit(p, r, OP_ECREATE, false);

	if (o) {
		o->a[0] = 0;
		o->a[2] = 1;
	}
	return o;
}

static struct op *emit_osig(struct prog *p, struct mxf_rng *r, uint32_t sel,
			    uint32_t clear, uint32_t set)
{
	struct op *o = emit(p, r, OP_SIGNAL, false);

	if (o) {
		o->sel[0] = sel;
		o->a[0] = clear;
		o->a[1] = set;
		o->a[2] = 0;
	}
	return o;
}

static struct op *emit_info(struct prog *p, struct mxf_rng *r, uint32_t sel)
{
	struct op *o = emit(p, r, OP_INFO, false);

	if (o) {
		o->sel[0] = sel;
		o->a[0] = MX_INFO_HANDLE_BASIC;
		o->a[1] = chance(r, 50) ? 24 : 32;
		o->a[2] = 0;
		o->pk[0] = PK_NORMAL;
	}
	return o;
}

static struct op *emit_hop(struct prog *p, struct mxf_rng *r, int kind,
			   uint32_t sel, uint32_t rights)
{
	struct op *o = emit(p, r, kind, false);

	if (o) {
		o->sel[0] = sel;
		o->a[0] = rights;
		o->a[1] = 0;
	}
	return o;
}

static struct op *emit_wait1(struct prog *p, struct mxf_rng *r, uint32_t sel,
			     uint32_t signals, uint32_t dl)
{
	struct op *o = emit(p, r, OP_WAIT_ONE, false);

	if (o) {
		o->sel[0] = sel;
		o->a[0] = signals;
		o->a[1] = dl;
		o->a[2] = 0;
		o->pk[0] = chance(r, 85) ? PK_NORMAL : PK_NULL;
	}
	return o;
}

/* A wait_many on @n selectors, every entry asking for @signals. */
static struct op *emit_waitn(struct prog *p, struct mxf_rng *r, const uint32_t *sels,
			     int n, uint32_t signals, uint32_t dl)
{
	struct op *o = emit(p, r, OP_WAIT_MANY, false);
	int i;

	if (o) {
		o->nsel = (uint8_t)n;
		for (i = 0; i < n; i++)
			o->sel[1 + i] = sels[i];
		o->a[0] = chance(r, 80) ? 0x80000000u | (signals & 0xff) :
			  (uint32_t)rnd(r) & 0x7fffffff;
		o->a[1] = dl;
		o->a[2] = 0;
		o->a[3] = 0;
		o->pk[0] = o->pk[1] = PK_NORMAL;
		o->pk[2] = chance(r, 70) ? PK_NORMAL : PK_NULL;
		o->pk[3] = chance(r, 70) ? PK_NORMAL : PK_NULL;
	}
	return o;
}

static uint32_t g_ev_rights(struct mxf_rng *r)
{
	static const uint32_t s[] = {
		MX_RIGHT_SAME_RIGHTS, MX_RIGHT_READ | MX_RIGHT_TRANSFER,
		MX_RIGHT_READ | MX_RIGHT_WRITE, MX_RIGHT_WRITE, MX_RIGHT_READ,
		MX_RIGHT_DUPLICATE | MX_RIGHT_READ, 0, RIGHTS_EVENT,
		MX_RIGHT_TRANSFER | MX_RIGHT_WRITE | MX_RIGHT_DUPLICATE,
	};

	return chance(r, 95) ? s[rn(r, sizeof(s) / sizeof(s[0]))] : g_rights(r);
}

/* A user signal, or several. */
static uint32_t g_usig(struct mxf_rng *r)
{
	return chance(r, 60) ? MX_SIGNAL_SIGNAL0 << rn(r, 5) :
	       ((uint32_t)rnd(r) & MX_SIGNAL_SIGNAL_ALL) | MX_SIGNAL_SIGNAL0;
}

/*
 * Events: made, duplicated with fewer rights, signalled, waited on alone
 * and with endpoints, sent in messages with endpoints, nested, lost in a
 * cycle, exported and imported, given to pipe calls, raced.
 */
static void gen_event_pattern(struct mxf_rng *r, struct prog *p, bool child)
{
	uint32_t x = rn(r, 100), hs[4], sig = g_usig(r), i;
	struct op *o;

	if (x < 16) {
		/* Two handles to one event: what one sets the other sees. */
		emit_ecreate(p, r);				/* E */
		emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0), g_ev_rights(r));	/* E D */
		emit_info(p, r, SEL(SC_NEW, 0));
		emit_info(p, r, SEL(SC_NEW, 1));
		emit_osig(p, r, SEL(SC_NEW, rn(r, 2)), chance(r, 30) ? g_umask(r) : 0,
			  sig);
		emit_wait1(p, r, SEL(SC_NEW, rn(r, 2)),
			   chance(r, 80) ? sig : g_signals(r), g_dl(r, false));
		if (chance(r, 50)) {
			/* The other handle goes; this one still works. */
			emit_hop(p, r, OP_CLOSE, SEL(SC_NEW, 1), 0);
			emit_osig(p, r, SEL(SC_NEW, 0), sig, 0);
			emit_wait1(p, r, SEL(SC_NEW, 0), MX_SIGNAL_SIGNAL_ALL, DL_POLL);
		}
		if (chance(r, 40)) {
			emit_hop(p, r, OP_REPLACE, SEL(SC_NEW, 0), g_ev_rights(r));
			emit_info(p, r, SEL(SC_NEW, 0));
			emit_osig(p, r, SEL(SC_NEW, 0), 0, g_usig(r));
		}
	} else if (x < 32) {
		/* An event and an endpoint in one message, then waited on together. */
		emit_ecreate(p, r);				/* E */
		if (chance(r, 40))
			emit_osig(p, r, SEL(SC_NEW, 0), 0, sig);
		emit_create(p, r, false);			/* E a b */
		emit_create(p, r, false);			/* E a b c d */
		hs[0] = SEL(SC_NEW, 4);
		hs[1] = SEL(SC_NEW, 1);
		if (chance(r, 30)) {
			hs[0] = SEL(SC_NEW, 1);
			hs[1] = SEL(SC_NEW, 4);
		}
		emit_send(p, r, SEL(SC_NEW, 3), 2, hs);		/* a b d */
		emit_read(p, r, SEL(SC_NEW, 1));		/* a b d E' c' */
		emit_info(p, r, SEL(SC_NEW, 1));
		emit_info(p, r, SEL(SC_NEW, 0));
		emit_osig(p, r, SEL(SC_NEW, 1), 0, sig);
		hs[0] = SEL(SC_NEW, 1);
		hs[1] = SEL(SC_NEW, 0);
		hs[2] = SEL(SC_NEW, 2);
		emit_waitn(p, r, hs, 2 + (int)rn(r, 2),
			   sig | MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED,
			   g_dl(r, false));
	} else if (x < 44) {
		/* Through a descriptor and back: the same event. */
		emit_ecreate(p, r);				/* E */
		emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0),
			 chance(r, 70) ? MX_RIGHT_SAME_RIGHTS : g_ev_rights(r));
		if (chance(r, 60))
			emit_info(p, r, SEL(SC_NEW, 1));
		o = emit(p, r, OP_EXPORT, child);		/* E (fd: D) */
		if (o) {
			o->sel[0] = SEL(SC_NEW, 0);
			o->a[0] = o->a[1] = o->a[2] = 0;
		}
		if (!child && chance(r, 25)) {
			/* A child gets another handle, and may signal it. */
			o = emit(p, r, OP_FORK, false);
			if (o) {
				o->nsel = 1;
				o->sel[1] = SEL(SC_EVENT, 0);
			}
		}
		o = emit(p, r, OP_IMPORT, child);		/* E D' */
		if (o) {
			o->a[0] = 0;
			o->a[1] = 0x7fffffff;
			o->a[2] = o->a[3] = 0;
		}
		emit_info(p, r, SEL(SC_NEW, 0));
		emit_osig(p, r, SEL(SC_NEW, 1), 0, sig);
		emit_wait1(p, r, SEL(SC_NEW, 0), sig, DL_POLL);
		if (chance(r, 50))
			emit(p, r, OP_CLOSEFD, child);
	} else if (x < 56) {
		/* Pipe calls on an event; an event's signals on a pipe. */
		emit_ecreate(p, r);
		switch (rn(r, 5)) {
		case 0:
			o = emit(p, r, OP_WRITE, child);
			if (o) {
				o->sel[0] = SEL(SC_EVENT, 0);
				o->nsel = 0;
				o->a[1] = 0;
			}
			break;
		case 1:
			o = emit_read(p, r, SEL(SC_EVENT, 0));
			break;
		case 2:
			o = emit(p, r, OP_CALL, child);
			if (o) {
				o->sel[0] = SEL(SC_EVENT, 0);
				o->a[5] = 0;
			}
			break;
		case 3:
			emit_create(p, r, false);
			emit_osig(p, r, SEL(SC_NEW, rn(r, 2)), g_umask(r), g_umask(r));
			break;
		default:
			/* Pipe signals only: never satisfiable on an event. */
			emit_wait1(p, r, SEL(SC_NEW, 0), g_signals(r) & 7, g_dl(r, false));
			break;
		}
	} else if (x < 72) {
		/* A helper signals, closes, replaces or sends while we wait. */
		static const uint8_t acts[] = {
			ACT_OSIGNAL, ACT_OSIGNAL, ACT_OSIGNAL, ACT_CLOSE, ACT_REPLACE,
			ACT_EXPORT, ACT_DUP, ACT_SIGNAL,
		};

		emit_ecreate(p, r);				/* E */
		emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0), MX_RIGHT_SAME_RIGHTS);	/* E D */
		if (chance(r, 30))
			emit_create(p, r, false);		/* E D a b */
		o = emit(p, r, OP_ASYNC, child);
		if (!o)
			return;
		o->a[0] = acts[rn(r, sizeof(acts))];
		o->sel[0] = chance(r, 70) ? SEL(SC_EVENT, rn(r, 2)) : g_sel(r);
		o->sel[1] = SEL(SC_NEW, rn(r, 4));
		if (o->a[0] == ACT_OSIGNAL)
			sig = MX_SIGNAL_SIGNAL0 << (o->a[2] % 5);
		x = rn(r, 3);
		if (x == 0) {
			emit_wait1(p, r, SEL(SC_EVENT, rn(r, 2)),
				   chance(r, 80) ? sig : MX_SIGNAL_SIGNAL_ALL, g_dl(r, true));
		} else if (x == 1) {
			hs[0] = SEL(SC_EVENT, 0);
			hs[1] = SEL(SC_EVENT, 1);
			hs[2] = SEL(SC_NEW, rn(r, 4));
			emit_waitn(p, r, hs, 2 + (int)rn(r, 2),
				   sig | MX_SIGNAL_READABLE, g_dl(r, true));
		} else {
			/* The action races a signal, a get_info, a dup. */
			i = rn(r, 3);
			if (i == 0)
				emit_osig(p, r, SEL(SC_EVENT, rn(r, 2)), g_umask(r), sig);
			else if (i == 1)
				emit_info(p, r, SEL(SC_EVENT, rn(r, 2)));
			else
				emit_hop(p, r, OP_DUP, SEL(SC_EVENT, rn(r, 2)),
					 g_ev_rights(r));
		}
	} else if (x < 84) {
		/* Fewer rights: what each call of the weaker handle may do. */
		emit_ecreate(p, r);				/* E */
		emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0), g_ev_rights(r));	/* E D */
		emit_info(p, r, SEL(SC_NEW, 0));
		for (i = 1 + rn(r, 3); i > 0; i--) {
			switch (rn(r, 6)) {
			case 0:
				emit_osig(p, r, SEL(SC_NEW, 0), 0, sig);
				break;
			case 1:
				emit_wait1(p, r, SEL(SC_NEW, 0), MX_SIGNAL_SIGNAL_ALL, DL_POLL);
				break;
			case 2:
				emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0), g_ev_rights(r));
				break;
			case 3:
				emit_hop(p, r, OP_REPLACE, SEL(SC_NEW, 0), g_ev_rights(r));
				break;
			case 4:
				o = emit(p, r, OP_EXPORT, child);
				if (o) {
					o->sel[0] = SEL(SC_NEW, 0);
					o->a[0] = o->a[1] = o->a[2] = 0;
				}
				break;
			default:
				emit_create(p, r, false);	/* ... D a b */
				hs[0] = SEL(SC_NEW, 2);
				emit_send(p, r, SEL(SC_NEW, 1), 1, hs);
				break;
			}
		}
	} else if (x < 92) {
		/* In a pipe that is then lost in a cycle: only that handle goes. */
		emit_ecreate(p, r);				/* E */
		emit_hop(p, r, OP_DUP, SEL(SC_NEW, 0), MX_RIGHT_SAME_RIGHTS);	/* E D */
		emit_osig(p, r, SEL(SC_NEW, 0), 0, sig);
		emit_create(p, r, chance(r, 20));		/* E D a b */
		hs[0] = SEL(SC_NEW, 3);
		emit_send(p, r, SEL(SC_NEW, 1), 1, hs);		/* D a b */
		hs[0] = SEL(SC_NEW, 0);
		emit_send(p, r, SEL(SC_NEW, 1), 1, hs);		/* D a: b in b */
		emit_wait1(p, r, SEL(SC_EVENT, 0), sig, DL_POLL);
		emit_info(p, r, SEL(SC_EVENT, 0));
	} else {
		/* Two levels deep: an event in a pipe in a pipe, read out. */
		emit_ecreate(p, r);				/* E */
		emit_osig(p, r, SEL(SC_NEW, 0), 0, sig);
		emit_create(p, r, false);			/* E a1 b1 */
		emit_create(p, r, false);			/* E a1 b1 a2 b2 */
		hs[0] = SEL(SC_NEW, 4);
		emit_send(p, r, SEL(SC_NEW, 1), 1, hs);		/* a1 b1 a2 b2 */
		hs[0] = SEL(SC_NEW, 0);
		emit_send(p, r, SEL(SC_NEW, 3), 1, hs);		/* a1 b1 a2 */
		emit_read(p, r, SEL(SC_NEW, 1));		/* a1 b1 a2 b2' */
		emit_read(p, r, SEL(SC_NEW, 0));		/* a1 b1 a2 b2' E' */
		emit_info(p, r, SEL(SC_NEW, 0));
		emit_wait1(p, r, SEL(SC_NEW, 0), sig, DL_POLL);
	}
}

/* Ops that build a structure, or a race. */
/* A wait set call of @sub on the newest live wait set, plain arguments. */
static struct op *emit_ws(struct prog *p, struct mxf_rng *r, uint32_t sub)
{
	struct op *o = emit(p, r, OP_WS, false);

	if (o) {
		o->a[0] = sub;
		o->a[1] = 0;			/* the newest live wait set */
		o->a[2] = 1 + 10 * rn(r, 100);	/* a selected handle */
		o->a[5] = 5;			/* no padding, not restarted */
		/* Every buffer writable; poll, or a short deadline. */
		o->a[4] = 1u | 1u << 8 | 2u << 12 |
			  (chance(r, 70) ? 0u : 6u << 16 | rn(r, 400) << 20);
		o->a[3] = 1 + rn(r, MAXWSE + 2);
		if (o->a[3] % 8 == 0)
			o->a[3]++;
		/* A wait: the helper acts on an entry's handle meanwhile. */
		o->a[6] = chance(r, 40) ? ((uint32_t)rnd(r) & ~3u) | 1u : 0;
	}
	return o;
}

/*
 * A wait set over new events and pipes: entries added, their handles
 * signalled, written, closed, replaced and sent away, waits, removes.
 */
static void gen_pattern2(struct mxf_rng *r, struct prog *p, bool child);

static void gen_ws_pattern(struct mxf_rng *r, struct prog *p)
{
	uint32_t i, n = 1 + rn(r, 6), x;
	struct op *o;

	emit_ws(p, r, WS_CREATE);
	for (i = 0; i < n && p->n < MAX_OPS - 8; i++) {
		if (chance(r, 50))
			emit_ecreate(p, r);
		else
			emit_create(p, r, false);
		o = emit_ws(p, r, WS_ADD);
		if (o) {
			/* cookie i, or one taken; a handle of the newest pair */
			o->a[3] = chance(r, 90) ? i << 3 | 1 : 0;
			o->a[4] = rnd(r);
			o->sel[0] = SEL(SC_NEW, rn(r, 2));
		}
		if (chance(r, 40))
			emit_ws(p, r, WS_WAIT);
	}
	n = 2 + rn(r, 8);
	for (i = 0; i < n && p->n < MAX_OPS - 2; i++) {
		x = rn(r, 100);
		if (x < 20)
			emit_osig(p, r, SEL(SC_EVENT, rn(r, 4)), rn(r, 2) ?
				  MX_SIGNAL_SIGNAL_ALL : 0,
				  MX_SIGNAL_SIGNAL0 << rn(r, 5));
		else if (x < 35)
			emit_send(p, r, SEL(SC_NEW, rn(r, 6)), 0, NULL);
		else if (x < 45)
			emit_read(p, r, SEL(SC_READABLE, rn(r, 4)));
		else if (x < 55) {
			o = emit(p, r, OP_CLOSE, false);
			if (o)
				o->sel[0] = SEL(SC_NEW, rn(r, 6));
		} else if (x < 60)
			emit_hop(p, r, OP_REPLACE, SEL(SC_NEW, rn(r, 6)),
				 MX_RIGHT_SAME_RIGHTS);
		else if (x < 64)
			emit_hop(p, r, OP_DUP, SEL(SC_EVENT, rn(r, 4)),
				 MX_RIGHT_SAME_RIGHTS);
		else if (x < 70) {
			uint32_t h = SEL(SC_NEW, rn(r, 6));

			emit_send(p, r, SEL(SC_NEW, rn(r, 6)), 1, &h);
		} else if (x < 88)
			emit_ws(p, r, WS_WAIT);
		else if (x < 94) {
			o = emit_ws(p, r, WS_REMOVE);
			if (o)
				o->a[3] = 1 + 4 * rn(r, 8);
		} else {
			emit_ws(p, r, chance(r, 30) ? WS_CLOSE : WS_MISUSE);
		}
	}
	emit_ws(p, r, WS_WAIT);
}

/* A port op of @sub, random arguments. */
static void emit_pt(struct prog *p, struct mxf_rng *r, uint32_t sub)
{
	struct op *o = emit(p, r, OP_PORT, false);

	if (o) {
		o->a[0] = sub;
		if (chance(r, 80))	/* a live port, mostly */
			o->a[1] &= ~15u;
		if (sub == PT_QUEUE && chance(r, 70))
			o->a[2] = (o->a[2] & ~0xf0fu) | 0x402u;	/* valid, 40 bytes */
		if (sub == PT_WAIT && chance(r, 70))
			o->a[2] = (o->a[2] & ~0xf07u) | 0x403u;	/* fits */
	}
}

/*
 * A port with sources bound to it: edges, user packets, waits, sources
 * that leave, port handles that move, poll descriptors, waiter threads.
 */
static void gen_port_pattern(struct mxf_rng *r, struct prog *p)
{
	static const uint8_t mix[] = {
		PT_QUEUE, PT_QUEUE, PT_WAIT, PT_WAIT, PT_WAIT, PT_EDGE, PT_EDGE,
		PT_EDGE, PT_BIND, PT_SRCMOVE, PT_PHANDLE, PT_POLLFD, PT_WAITER,
		PT_SRC, PT_MISUSE, PT_FILL,
	};
	uint32_t i, n = 1 + rn(r, 4);

	emit_pt(p, r, PT_CREATE);
	if (chance(r, 50))
		emit_pt(p, r, PT_POLLFD);
	for (i = 0; i < n; i++) {
		emit_pt(p, r, PT_SRC);
		emit_pt(p, r, PT_BIND);
	}
	n = 4 + rn(r, 16);
	for (i = 0; i < n && p->n < MAX_OPS - 2; i++)
		emit_pt(p, r, mix[rn(r, (uint32_t)sizeof(mix) - (chance(r, 90) ? 1 : 0))]);
}

static void gen_pattern(struct mxf_rng *r, struct prog *p, bool child)
{
	if (!child && chance(r, 12)) {
		gen_port_pattern(r, p);
		return;
	}
	gen_pattern2(r, p, child);
}

static void gen_pattern2(struct mxf_rng *r, struct prog *p, bool child)
{
	uint32_t x, hs[4] = { 0 }, i, n;
	struct op *o;

	if (!child && chance(r, 12)) {
		gen_ws_pattern(r, p);
		return;
	}
	if (chance(r, 25)) {
		gen_event_pattern(r, p, child);
		return;
	}
	x = rn(r, child ? 60 : 100);

	if (x < 12) {
		/* Pipes inside pipes: each new pipe carries the last one. */
		n = 2 + rn(r, 26);
		emit_create(p, r, false);
		for (i = 0; i < n && p->n < MAX_OPS - 4; i++) {
			emit_create(p, r, chance(r, 10));
			hs[0] = SEL(SC_NEW, 3);
			hs[1] = SEL(SC_NEW, 2);
			if (chance(r, 70))
				emit_send(p, r, SEL(SC_NEW, 1), 2, hs);
			else
				emit_send(p, r, SEL(SC_NEW, 1), 1, &hs[1]);
		}
		x = rn(r, 4);
		if (x == 0) {
			hs[0] = SEL(SC_NEW, 0);
			o = emit(p, r, OP_CLOSE, child);
			if (o)
				o->sel[0] = hs[0];
		} else if (x == 1) {
			for (i = 0; i < 4; i++)
				emit_read(p, r, SEL(SC_NEW, 0));
		}
	} else if (x < 20) {
		/* An endpoint inside its own pipe, or inside itself. */
		emit_create(p, r, chance(r, 20));
		hs[0] = SEL(SC_NEW, chance(r, 50) ? 0 : 1);
		emit_send(p, r, SEL(SC_NEW, hs[0] == SEL(SC_NEW, 0) ? 1 : 0), 1, hs);
		if (chance(r, 50)) {
			o = emit(p, r, OP_WAIT_ONE, child);
			if (o) {
				o->sel[0] = SEL(SC_NEW, 0);
				o->a[0] = MX_SIGNAL_PEER_CLOSED;
			}
		}
	} else if (x < 28) {
		/* Two (or three) pipes, each inside the other. */
		n = 2 + rn(r, 2);
		for (i = 0; i < n; i++)
			emit_create(p, r, false);
		/* live: ..., a1 b1 a2 b2 [a3 b3] */
		if (n == 2) {
			hs[0] = SEL(SC_NEW, 0);		/* b2 into a1: held by b1 */
			emit_send(p, r, SEL(SC_NEW, 3), 1, hs);
			hs[0] = SEL(SC_NEW, 1);		/* b1 into a2: held by b2 */
			emit_send(p, r, SEL(SC_NEW, 0), 1, hs);
		} else {
			hs[0] = SEL(SC_NEW, 0);		/* b3 into a2 */
			emit_send(p, r, SEL(SC_NEW, 3), 1, hs);
			hs[0] = SEL(SC_NEW, 1);		/* b2 into a1 */
			emit_send(p, r, SEL(SC_NEW, 3), 1, hs);
			hs[0] = SEL(SC_NEW, 1);		/* b1 into a3 */
			emit_send(p, r, SEL(SC_NEW, 0), 1, hs);
		}
	} else if (x < 34) {
		/* A full queue. */
		emit_create(p, r, false);
		o = emit(p, r, OP_WRITE, child);
		if (o) {
			o->sel[0] = SEL(SC_NEW, 1);
			o->nsel = 0;
			o->a[1] = 0;
			o->a[2] = 0;
			if (chance(r, 50)) {
				o->a[0] = rn(r, 16);
				o->a[3] = 1000 + rn(r, 100);
			} else {
				o->a[0] = 32768 + rn(r, 32769);
				o->a[3] = 15 + rn(r, 20);
			}
			o->pk[0] = PK_NORMAL;
		}
		o = emit(p, r, OP_WAIT_ONE, child);
		if (o) {
			o->sel[0] = SEL(SC_NEW, 1);
			o->a[0] = MX_SIGNAL_WRITABLE;
			o->pk[0] = PK_NORMAL;
		}
		o = emit_read(p, r, SEL(SC_NEW, 0));
		if (o)
			o->a[3] = chance(r, 50) ? 1 : 2000;
	} else if (x < 40) {
		/* Many handles: past the on-stack arrays, up to the limit. */
		o = emit_create(p, r, false);
		if (o)
			o->a[2] = 10 + rn(r, chance(r, 70) ? 40 : 520);
		o = emit(p, r, OP_WRITE, child);
		if (o) {
			o->sel[0] = SEL(SC_NEW, 0);
			o->nsel = 0;
			o->a[1] = 17 + rn(r, chance(r, 70) ? 40 : 1100);
			o->a[2] = 0;
			o->a[4] = 0;
			o->pk[1] = chance(r, 85) ? PK_NORMAL : g_pk(r, false);
		}
		o = emit_read(p, r, SEL(SC_NEW, 0));
		o = emit(p, r, OP_WAIT_MANY, child);
		if (o) {
			o->a[2] = 5 + rn(r, 260);
			o->a[1] = DL_POLL;
		}
	} else if (x < 48) {
		/* A reply pipe: its end travels with its own handle last. */
		emit_create(p, r, true);
		hs[0] = SEL(SC_SELF, 0);
		if (chance(r, 30)) {
			hs[1] = SEL(SC_SELF, 0);
			hs[0] = g_sel(r);
			emit_send(p, r, SEL(SC_NEW, 0), 2, hs);
		} else {
			emit_send(p, r, SEL(SC_NEW, 0), 1, hs);
		}
		emit_read(p, r, SEL(SC_NEW, 0));
	} else if (x < 56) {
		/* Request and answer. */
		emit_create(p, r, chance(r, 20));
		if (chance(r, 60))
			emit_send(p, r, SEL(SC_NEW, 0), 0, hs);
		o = emit(p, r, OP_CALL, child);
		if (o) {
			o->sel[0] = SEL(SC_NEW, 1);
			o->a[5] = 0;
		}
	} else if (x < 60) {
		/* Through a descriptor and back. */
		o = emit(p, r, OP_EXPORT, child);
		if (o) {
			o->a[0] = 0;
			o->a[1] = 0;
			o->a[2] = 0;
		}
		o = emit(p, r, OP_IMPORT, child);
		if (o) {
			o->a[0] = 0;
			o->a[1] = 0x7fffffff;
		}
		if (chance(r, 50))
			emit(p, r, OP_CLOSEFD, child);
	} else if (x < 90) {
		/* A helper thread acts while the next op runs. */
		static const uint8_t mains[] = {
			OP_WAIT_ONE, OP_WAIT_ONE, OP_WAIT_MANY, OP_CALL, OP_CALL,
			OP_READ, OP_READ, OP_WRITE, OP_CLOSE, OP_REPLACE,
		};
		int mk = mains[rn(r, sizeof(mains))];

		if (chance(r, 50))
			emit_create(p, r, chance(r, 15));
		if (chance(r, 30)) {
			/* something to read */
			emit_send(p, r, SEL(SC_NEW, 0), 0, hs);
		}
		o = emit(p, r, OP_ASYNC, child);
		if (!o)
			return;
		o->sel[0] = chance(r, 60) ? SEL(SC_NEW, rn(r, 2)) : g_sel(r);
		o->sel[1] = SEL(SC_NEW, rn(r, 3));
		o = emit(p, r, mk, child);
		if (!o)
			return;
		o->place = chance(r, 95) ? PL_NORMAL : PL_UFFD;
		o->sel[0] = chance(r, 70) ? SEL(SC_NEW, rn(r, 2)) : p->op[p->n - 2].sel[0];
		if (mk == OP_WAIT_ONE || mk == OP_CALL) {
			o->a[mk == OP_CALL ? 4 : 1] = g_dl(r, true);
			if (mk == OP_WAIT_ONE && chance(r, 60))
				o->a[0] = MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED;
		} else if (mk == OP_WAIT_MANY) {
			o->a[1] = g_dl(r, true);
		} else if (mk == OP_READ || mk == OP_WRITE) {
			for (i = 0; i < 4; i++)
				if (chance(r, 60))
					o->pk[i] = PK_UFFD;
		}
		if (mk == OP_CALL && chance(r, 60)) {
			o->pk[0] = PK_UFFD;
			o->pk[2] = PK_UFFD;
		}
	} else {
		/* A child process with some of our handles. */
		o = emit(p, r, OP_FORK, child);
		if (o && chance(r, 30))
			emit(p, r, OP_KILL, child);
	}
}

static void gen_prog(struct mxf_rng *r, struct prog *p)
{
	int len = 6 + (int)rn(r, 34), k;
	struct op *o;

	p->n = 0;
	for (k = (int)rn(r, 3); k > 0; k--)
		emit_create(p, r, chance(r, 20));
	while (p->n < len && p->n < MAX_OPS) {
		if (chance(r, 28))
			gen_pattern(r, p, false);
		else if ((o = emit(p, r, pick_kind(r, false), false)))
			o->place = g_place(r);
	}
}

/* The program of a child: @n ops after its imports. */
static void gen_child_ops(struct mxf_rng *r, struct prog *p, int n)
{
	int end = p->n + n;

	if (chance(r, 70))
		emit_create(p, r, chance(r, 20));
	while (p->n < end && p->n < MAX_OPS) {
		int k;

		if (chance(r, 15)) {
			gen_pattern(r, p, true);
			continue;
		}
		k = pick_kind(r, true);
		emit(p, r, k, true);
	}
	/* Patterns may have put ops a child does not run. */
	for (n = 0; n < p->n; n++)
		if (p->op[n].kind == OP_ASYNC || p->op[n].kind == OP_FORK ||
		    p->op[n].kind == OP_KILL || p->op[n].kind == OP_PARAM ||
		    p->op[n].kind == OP_WS || p->op[n].kind == OP_PORT)
			p->op[n].kind = OP_NOP;
}

static void mutate(struct worker *w, struct prog *p)
{
	struct mxf_rng *r = &w->rng;
	int n = 1 + (int)rn(r, 3), i, k, j;
	struct op tmp;

	while (n--) {
		uint32_t x = rn(r, 100);

		if (!p->n) {
			gen_prog(r, p);
			continue;
		}
		k = (int)rn(r, (uint32_t)p->n);
		if (x < 38) {
			/* One argument of one op. */
			struct op *o = &p->op[k];

			gen_op(r, &tmp, o->kind, false);
			switch (rn(r, 6)) {
			case 0:
				j = (int)rn(r, OP_NSEL + 1);
				o->sel[j] = j ? g_hsel(r) : g_sel(r);
				break;
			case 1:
				j = (int)rn(r, 8);
				o->a[j] = tmp.a[j];
				break;
			case 2:
				j = (int)rn(r, 4);
				o->pk[j] = g_pk(r, true);
				break;
			case 3:
				o->place = g_place(r);
				break;
			case 4:
				o->nsel = tmp.nsel;
				memcpy(o->sel + 1, tmp.sel + 1, sizeof(o->sel) - sizeof(o->sel[0]));
				if (o->kind == OP_WRITE || o->kind == OP_CALL)
					o->a[1] = o->nsel;
				break;
			default:
				o->a[7] = (uint32_t)rnd(r);
				break;
			}
		} else if (x < 55 && p->n < MAX_OPS) {
			/* Insert an op, or a pattern, at k. */
			struct prog ins;

			ins.n = 0;
			if (chance(r, 35))
				gen_pattern(r, &ins, false);
			else
				emit(&ins, r, pick_kind(r, false), false);
			if (ins.n > MAX_OPS - p->n)
				ins.n = MAX_OPS - p->n;
			memmove(&p->op[k + ins.n], &p->op[k],
				sizeof(struct op) * (size_t)(p->n - k));
			memcpy(&p->op[k], ins.op, sizeof(struct op) * (size_t)ins.n);
			p->n += ins.n;
		} else if (x < 68 && p->n > 1) {
			/* Delete one to three ops. */
			j = 1 + (int)rn(r, 3);
			if (j > p->n - k)
				j = p->n - k;
			memmove(&p->op[k], &p->op[k + j],
				sizeof(struct op) * (size_t)(p->n - k - j));
			p->n -= j;
		} else if (x < 82 && w->ncorpus) {
			/* Splice: our head, another's tail. */
			const struct prog *q = &w->corpus[rn(r, (uint32_t)w->ncorpus)].p;

			if (!q->n)
				continue;
			j = (int)rn(r, (uint32_t)q->n);
			i = q->n - j;
			if (i > MAX_OPS - k)
				i = MAX_OPS - k;
			memcpy(&p->op[k], &q->op[j], sizeof(struct op) * (size_t)i);
			p->n = k + i;
		} else if (x < 90 && p->n < MAX_OPS) {
			/* Repeat an op. */
			memmove(&p->op[k + 1], &p->op[k], sizeof(struct op) * (size_t)(p->n - k));
			p->n++;
		} else if (p->n > 1) {
			/* Swap two neighbours. */
			j = k + 1 < p->n ? k + 1 : k - 1;
			tmp = p->op[k];
			p->op[k] = p->op[j];
			p->op[j] = tmp;
		}
	}
	if (!p->n)
		gen_prog(r, p);
}

/* ---- workers ---------------------------------------------------------- */

static void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static bool tctx_init(struct tctx *tc)
{
	size_t stride = ROLE_SZ + page_sz, len = (size_t)NROLE * ROLE_SZ;
	int i, fd;

	memset(tc, 0, sizeof(*tc));
	tc->kc.fd = -1;
	tc->rw = map_anon((size_t)NROLE * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!tc->rw)
		return false;
	for (i = 0; i < NROLE; i++)
		if (mprotect(tc->rw + (size_t)i * stride + ROLE_SZ, page_sz, PROT_NONE))
			return false;
	fd = memfd_create("mxsfuzz-ro", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len))
		return false;
	tc->ro_rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tc->ro = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return tc->ro_rw != MAP_FAILED && tc->ro != MAP_FAILED;
}

static void uffd_init(struct worker *w)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	size_t len = (size_t)NROLE * ROLE_SZ;

	w->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (w->uffd < 0)
		return;
	if (ioctl(w->uffd, UFFDIO_API, &api))
		goto err;
	w->uf_base = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	w->tc.shadow = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!w->uf_base || !w->tc.shadow)
		goto err;
	reg.range.start = (uint64_t)(uintptr_t)w->uf_base;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(w->uffd, UFFDIO_REGISTER, &reg))
		goto err;
	w->uf_len = len;
	w->quitfd = eventfd(0, EFD_CLOEXEC);
	w->tc.uf = w->uf_base;
	return;
err:
	close(w->uffd);
	w->uffd = -1;
}

/*
 * Count every tracepoint of the module in this thread with perf, so that
 * the module's perf_trace_*() functions run too (ftrace runs the others).
 */
static void perf_setup(void)
{
	char path[320];
	struct dirent *de;
	DIR *d;

	if (!trace_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/events/magenta", trace_dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		struct perf_event_attr attr;
		long id;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/events/magenta/%.64s/id", trace_dir,
			 de->d_name);
		id = mx_read_long(path);
		if (id <= 0)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.size = sizeof(attr);
		attr.config = (uint64_t)id;
		if (syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC) >= 0)
			ev_add(EV_PERF, 1);
		else if (verbose)
			printf("mxsfuzz: perf_event_open(%s) failed: %s\n", de->d_name,
			       strerror(errno));
	}
	if (d)
		closedir(d);
}

/* Turn the module's trace events on (or off again). */
static void trace_setup(bool on)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[192];
	size_t i;

	for (i = 0; on && !trace_dir[0] && i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/magenta/enable", dirs[i]);
		if (!access(path, W_OK))
			snprintf(trace_dir, sizeof(trace_dir), "%s", dirs[i]);
	}
	if (!trace_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/events/magenta/enable", trace_dir);
	if (mx_write_str(path, on ? "1" : "0"))
		trace_dir[0] = 0;
}

static void corpus_add(struct worker *w, const struct prog *p, uint32_t newpcs)
{
	int k = w->ncorpus < CORPUS_MAX ? w->ncorpus++ :
		(int)rn(&w->rng, CORPUS_MAX);

	w->corpus[k].p = *p;
	w->corpus[k].newpcs = newpcs;
	atomic_store(&sh->w[w->idx].corpus, w->ncorpus);
}

static void kill_children(struct worker *w)
{
	int k;

	for (k = 0; k < w->nch; k++) {
		if (w->ch[k].reaped)
			continue;
		kill(w->ch[k].pid, SIGKILL);
		while (waitpid(w->ch[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		w->ch[k].reaped = true;
	}
	w->nch = 0;
}

static int worker_main(int idx, const struct prog *replay, long quota)
{
	static struct prog prog;
	struct sigaction sa;
	struct worker *w;
	long done = 0;
	uint32_t k;

	syscall(SYS_prctl, 1 /* PR_SET_PDEATHSIG */, SIGKILL, 0, 0, 0);
	w = calloc(1, sizeof(*w));
	if (!w)
		return 1;
	w->idx = idx;
	w->uffd = -1;
	w->ccov_fd = -1;
	rng_seed(&w->rng, seed ^ mix64((uint64_t)idx + 1));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART: waits end in EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!tctx_init(&w->tc) || !tctx_init(&w->htc)) {
		fail_text("worker setup: out of memory\n");
		return 1;
	}
	uffd_init(w);
	if (idx == 0 && w->uffd < 0)
		printf("mxsfuzz: userfaultfd unavailable (%s): no stalled copies\n",
		       strerror(errno));
	if (pipe2(w->pipefd, O_CLOEXEC))
		return 1;
	w->m = map_anon(sizeof(struct model), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	w->mt = map_anon(sizeof(struct model), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	w->mt2 = map_anon(sizeof(struct model), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	m_alt = map_anon(sizeof(struct model), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	w->trace.cap = 48 * 1024;
	w->trace.p = calloc(1, w->trace.cap + 1);
	w->corpus = calloc(CORPUS_MAX, sizeof(*w->corpus));
	if (use_kcov) {
		w->seen = calloc(1, text_size);
		w->seqcov = calloc(1, text_size);
		w->touched_max = (uint32_t)text_size;
		w->touched = calloc(text_size, sizeof(uint32_t));
		w->ccov_fd = memfd_create("mxsfuzz-cov", MFD_CLOEXEC);
		if (w->ccov_fd >= 0 && !ftruncate(w->ccov_fd, (off_t)text_size))
			w->ccov = mmap(NULL, text_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				       w->ccov_fd, 0);
		if (w->ccov == MAP_FAILED)
			w->ccov = NULL;
	}
	if (!w->m || !w->mt || !w->mt2 || !m_alt || !w->trace.p || !w->corpus ||
	    (use_kcov && (!w->seen || !w->seqcov || !w->touched || !w->ccov))) {
		fail_text("worker setup: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->main_tid = gettid_();
	kcov_prepare(&w->htc.kc);
	if (pthread_create(&w->help_thr, NULL, helper_thread, w) ||
	    (w->uffd >= 0 && pthread_create(&w->uffd_thr, NULL, uffd_thread, w))) {
		fail_text("worker setup: pthread_create failed\n");
		return 1;
	}
	kcov_open(&w->tc.kc);
	perf_setup();
	w->fd_floor = lowest_free_fd();
	atomic_store(&sh->w[idx].pid, getpid());

	while (!atomic_load(&sh->stop)) {
		bool ok;

		if (quota >= 0 && done >= quota)
			break;
		if (!replay && t_end && now_ns() >= t_end)
			break;
		if (replay) {
			prog = *replay;
		} else if (w->ncorpus && chance(&w->rng, guided ? 75 : 50)) {
			prog = w->corpus[rn(&w->rng, (uint32_t)w->ncorpus)].p;
			mutate(w, &prog);
		} else {
			gen_prog(&w->rng, &prog);
		}
		w->seqno = done;
		if (verbose) {
			uint64_t hash = 0;
			size_t b;

			for (b = 0; b < sizeof(struct op) * (size_t)prog.n; b++)
				hash = mix64(hash ^ ((const uint8_t *)prog.op)[b]);
			printf("mxsfuzz: worker %d sequence %ld: %d ops, program %016" PRIx64 "\n",
			       idx, done, prog.n, hash);
		}
		ok = run_prog(w, &prog);
		kill_children(w);
		atomic_store(&sh->w[idx].op_start, 0);
		if (!ok)
			break;
		done++;
		atomic_fetch_add(&sh->w[idx].seqs, 1);
		ev_add(EV_SEQ, 1);
		if (use_kcov) {
			uint32_t newpcs = 0;

			for (k = 0; k < w->ntouched; k++) {
				uint32_t off = w->touched[k];

				if (!w->seen[off]) {
					w->seen[off] = 1;
					newpcs++;
				}
				gcov[off] = 1;
				w->seqcov[off] = 0;
			}
			w->ntouched = 0;
			if (guided && newpcs && !replay)
				corpus_add(w, &prog, newpcs);
		}
		if (!guided && !replay && chance(&w->rng, 15))
			corpus_add(w, &prog, 0);
	}
	syscall(SYS_close_range, w->fd_floor, ~0u, 0);
	pthread_mutex_lock(&w->mu);
	w->hstate = 3;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->help_thr, NULL);
	if (w->uffd >= 0) {
		uint64_t one = 1;

		if (write(w->quitfd, &one, sizeof(one)) == sizeof(one))
			pthread_join(w->uffd_thr, NULL);
		ev_add(EV_UFFD_FAULTS, atomic_load(&w->uffd_faults));
	}
	return atomic_load(&sh->failed) ? 1 : 0;
}

/* ---- the module's text and its coverage sites ------------------------- */

static bool read_hex(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	unsigned long long x;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llx", &x) == 1;
	fclose(f);
	*v = x;
	return ok;
}

/* Where the module's .text is: its start, and the next section's start. */
static bool text_range(uint64_t sites_text_size)
{
	uint64_t start, end = 0, a;
	char path[512];
	struct dirent *de;
	DIR *d;

	if (!read_hex(MOD_SECTIONS ".text", &start) || !start)
		return false;
	d = opendir(MOD_SECTIONS);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
					     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		snprintf(path, sizeof(path), MOD_SECTIONS "%s", de->d_name);
		if (read_hex(path, &a) && a > start && (!end || a < end))
			end = a;
	}
	if (d)
		closedir(d);
	if (!end) {
		FILE *f = fopen("/proc/modules", "r");
		char name[64];
		unsigned long size;
		unsigned long long base;

		while (f && fscanf(f, "%63s %lu %*s %*s %*s %llx%*[^\n]", name, &size,
				   &base) == 3)
			if (!strcmp(name, "magenta") && base)
				end = base + size;
		if (f)
			fclose(f);
	}
	if (sites_text_size && (!end || start + sites_text_size < end))
		end = start + sites_text_size;
	if (end <= start || end - start > (64u << 20))
		return false;
	text_start = start;
	text_size = end - start;
	return true;
}

struct site {
	uint32_t off;
	int fn;
};

static struct site *sites;
static int nsites;
static char **fnames;
static int nfn;
static uint64_t sites_text_size;
static long sites_other;	/* in other sections, not counted */
static long sites_tail;		/* tail jumps: KCOV records the caller's PC */

static int fn_index(const char *name)
{
	int i;

	for (i = nfn - 1; i >= 0; i--)
		if (!strcmp(fnames[i], name))
			return i;
	fnames = realloc(fnames, sizeof(char *) * (size_t)(nfn + 1));
	fnames[nfn] = strdup(name);
	return nfn++;
}

/*
 * The host's list: "text_size HEX", "site HEXOFF FUNCTION" per call of
 * __sanitizer_cov_trace_pc in .text (offset of its return address),
 * "other N" for those in other sections.
 */
static bool load_sites(const char *path)
{
	char line[512], name[256];
	unsigned long long x;
	long n;
	int cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "tail ", 5)) {
			sites_tail++;
		} else if (sscanf(line, "text_size %llx", &x) == 1) {
			sites_text_size = x;
		} else if (sscanf(line, "other %ld", &n) == 1) {
			sites_other = n;
		} else if (sscanf(line, "site %llx %255s", &x, name) == 2) {
			if (nsites == cap) {
				cap = cap ? 2 * cap : 1024;
				sites = realloc(sites, sizeof(*sites) * (size_t)cap);
			}
			sites[nsites].off = (uint32_t)x;
			sites[nsites].fn = fn_index(name);
			nsites++;
		}
	}
	fclose(f);
	return nsites > 0;
}

/* Symbolise with /proc/kallsyms when there is no site list. */
static void kallsyms_unreached(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256], type;
	unsigned long long a;
	int shown = 0, total = 0, reached = 0;
	struct { uint64_t a; char n[64]; } *syms = NULL;
	int ns = 0, cap = 0, i;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "[magenta]"))
			continue;
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3 ||
		    (type != 't' && type != 'T') || a < text_start ||
		    a >= text_start + text_size)
			continue;
		if (ns == cap) {
			cap = cap ? 2 * cap : 256;
			syms = realloc(syms, sizeof(*syms) * (size_t)cap);
		}
		syms[ns].a = a;
		snprintf(syms[ns].n, sizeof(syms[ns].n), "%.63s", name);
		ns++;
	}
	if (f)
		fclose(f);
	if (!ns)
		return;
	printf("mxsfuzz: module functions never reached (from /proc/kallsyms):");
	for (i = 0; i < ns; i++) {
		uint64_t lo = syms[i].a - text_start, hi = text_size, o;
		int j;
		bool hit = false;

		for (j = 0; j < ns; j++)
			if (syms[j].a > syms[i].a && syms[j].a - text_start < hi)
				hi = syms[j].a - text_start;
		for (o = lo; o < hi && !hit; o++)
			hit = gcov[o];
		total++;
		reached += hit;
		if (!hit) {
			printf("%s %s", shown ? "," : "", syms[i].n);
			shown++;
		}
	}
	printf("%s\nmxsfuzz: %d of %d functions reached\n", shown ? "" : " none",
	       reached, total);
	free(syms);
}

static void coverage_report(void)
{
	uint64_t o;
	long pcs = 0, hit = 0, unknown = 0;
	int i;

	if (!use_kcov) {
		printf("mxsfuzz: no kcov (%s missing or the module's sections unreadable): "
		       "the run was unguided, no coverage figure\n", KCOV_PATH);
		return;
	}
	for (o = 0; o < text_size; o++)
		pcs += gcov[o];
	if (!nsites) {
		printf("kmod coverage: %ld module PCs reached (no site list given with -c)\n", pcs);
		kallsyms_unreached();
		return;
	}
	{
		uint8_t *known = calloc(1, text_size);
		int *fhit = calloc((size_t)nfn, sizeof(int)), *fall = calloc((size_t)nfn, sizeof(int));
		int shown = 0, fr = 0;

		for (i = 0; i < nsites; i++) {
			if (sites[i].off < text_size)
				known[sites[i].off] = 1;
			fall[sites[i].fn]++;
			if (sites[i].off < text_size && gcov[sites[i].off]) {
				hit++;
				fhit[sites[i].fn]++;
			}
		}
		for (o = 0; o < text_size; o++)
			if (gcov[o] && !known[o])
				unknown++;
		printf("kmod coverage: %ld of %d sites (%.1f%%)\n", hit, nsites,
		       100.0 * (double)hit / (double)nsites);
		printf("mxsfuzz: %ld unique module PCs reached%s", pcs,
		       unknown ? "" : ", all of them listed sites");
		if (unknown)
			printf(", %ld of them not listed: return addresses of calls to functions that end "
			       "in one of the %ld tail jumps to __sanitizer_cov_trace_pc (not counted)",
			       unknown, sites_tail);
		if (sites_other)
			printf("; %ld sites outside .text (init, exit, WARN paths) not counted",
			       sites_other);
		printf("\n");
		for (i = 0; i < nfn; i++)
			fr += fhit[i] > 0;
		printf("mxsfuzz: %d of %d functions reached; never reached:", fr, nfn);
		for (i = 0; i < nfn; i++)
			if (!fhit[i])
				printf("%s %s(%d)", shown++ ? "," : "", fnames[i], fall[i]);
		printf("%s\n", shown ? "" : " none");
		printf("mxsfuzz: partly reached (sites reached/all):");
		for (i = 0, shown = 0; i < nfn; i++)
			if (fhit[i] && fhit[i] < fall[i])
				printf("%s %s %d/%d", shown++ ? "," : "", fnames[i], fhit[i],
				       fall[i]);
		printf("%s\n", shown ? "" : " none");
		free(known);
		free(fhit);
		free(fall);
	}
}

/* ---- main ------------------------------------------------------------- */

static void print_summary(void)
{
	int k, e;

	printf("mxsfuzz: results per call:\n");
	for (k = 0; k < OP_NR; k++) {
		long tot = 0;

		for (e = 0; e < NERR; e++)
			tot += atomic_load(&sh->hist[k][e]);
		if (!tot)
			continue;
		printf("  %-9s", op_names[k]);
		for (e = 0; e < NERR; e++) {
			long n = atomic_load(&sh->hist[k][e]);

			if (n)
				printf(" %s=%ld", e == E_OTHER ? "other" : ename(err_list[e]), n);
		}
		printf("\n");
	}
	printf("mxsfuzz: events:");
	for (k = 0; k < EV_NR; k++)
		printf(" %s=%ld", ev_names[k], atomic_load(&sh->ev[k]));
	printf("\n");
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-d seconds] [-n sequences] [-s seed] [-w workers] [-c sites]\n"
		"          [-U] [-S] [-r program] [-v]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *sites_path = NULL, *s;
	static struct prog replay;
	long base[MXF_NSTATS], last = -1;
	pid_t pids[MAXW];
	uint64_t t0, tprog, last_t;
	bool unguided = false, kcov_ok;
	int opt, i, rc = 0, left, st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 8 && !strcmp(argv[1], "--exec-child"))
		return exec_child_main(argv);
	page_sz = (size_t)sysconf(_SC_PAGESIZE);
	{
		ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

		self_exe[n > 0 ? n : 0] = 0;
	}
	s = getenv("SFUZZ_SEED");
	seed = s && *s ? strtoull(s, NULL, 0) : 0;
	s = getenv("SFUZZ_SECONDS");
	if (s && *s)
		max_secs = strtod(s, NULL);
	while ((opt = getopt(argc, argv, "d:n:s:w:c:Ur:vSh")) != -1) {
		switch (opt) {
		case 'd': max_secs = strtod(optarg, NULL); break;
		case 'n': max_seqs = strtol(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': nworkers = atoi(optarg); break;
		case 'c': sites_path = optarg; break;
		case 'U': unguided = true; break;
		case 'r': replay_path = optarg; break;
		case 'v': verbose = true; break;
		case 'S': strict = true; break;
		default: usage(argv[0]);
		}
	}
	if (nworkers < 1 || nworkers > MAXW || max_secs < 0 || max_seqs < 0)
		usage(argv[0]);
	if (!seed)
		seed = mix64(now_ns() ^ ((uint64_t)getpid() << 32));
	if (replay_path) {
		FILE *f = fopen(replay_path, "r");

		if (!f || !parse_prog(f, &replay)) {
			printf("mxsfuzz: FAIL: cannot read a program from %s\n", replay_path);
			return 2;
		}
		fclose(f);
		nworkers = 1;
		if (!max_seqs)
			max_seqs = 1;
	} else if (!max_secs && !max_seqs) {
		max_secs = 60;
	}

	if (mxf_stats_read(base)) {
		printf("mxsfuzz: FAIL: cannot read %s (module not loaded?)\n", MX_STATS_DIR);
		return 1;
	}
	if (mx_param_read("max_handles") > 0)
		p_max_handles = mx_param_read("max_handles");
	if (mx_param_read("max_queued_msgs") > 0)
		p_max_msgs = mx_param_read("max_queued_msgs");
	if (mx_param_read("max_queued_bytes") > 0)
		p_max_bytes = mx_param_read("max_queued_bytes");
	p_max_nesting = mx_param_read("max_nesting");
	if (mx_param_read("max_port_packets") > 0)
		p_max_port_packets = mx_param_read("max_port_packets");
	if (mx_param_read("max_waitset_entries") > 0)
		p_max_ws_entries = mx_param_read("max_waitset_entries");
	if (sites_path && !load_sites(sites_path))
		printf("mxsfuzz: cannot read a site list from %s\n", sites_path);
	kcov_ok = access(KCOV_PATH, R_OK | W_OK) == 0 && text_range(sites_text_size);
	use_kcov = kcov_ok;
	guided = kcov_ok && !unguided;
	printf("mxsfuzz: seed=%" PRIu64 " (replay: SFUZZ_SEED=%" PRIu64 " or -s %" PRIu64
	       ") workers=%d", seed, seed, seed, nworkers);
	if (max_secs)
		printf(" seconds=%g", max_secs);
	if (max_seqs)
		printf(" sequences=%ld", max_seqs);
	printf(" %s\n", guided ? "coverage-guided (kcov)" :
	       kcov_ok ? "unguided (-U), kcov for the figure only" :
	       "unguided: no kcov, random generation and mutation only");
	if (kcov_ok)
		printf("mxsfuzz: module .text at %#" PRIx64 ", %" PRIu64 " bytes%s\n",
		       text_start, text_size, nsites ? "" : " (no site list)");
	printf("mxsfuzz: ABI %d; limits max_handles=%ld max_queued_msgs=%ld max_queued_bytes=%ld max_nesting=%ld\n",
	       MX_ABI_MAJOR, p_max_handles, p_max_msgs, p_max_bytes, p_max_nesting);

	trace_setup(true);
	if (trace_dir[0])
		printf("mxsfuzz: the module's trace events are on (%s), counted by perf too\n",
		       trace_dir);
	sh = map_anon(sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED);
	protnone_region = map_anon(4 * page_sz, PROT_NONE, MAP_PRIVATE);
	/* Below mmap_min_addr: never mapped, whatever else gets mapped. */
	hole = (uint8_t *)(uintptr_t)0x2000;
	pt_ro = map_anon(page_sz, PROT_READ, MAP_PRIVATE);
	if (!sh || !protnone_region)
		return perror("mmap"), 1;
	/*
	 * Register perf's probes here, before any worker runs module code:
	 * a worker's own perf events then only take references. Registering
	 * the first probe of a tracepoint rewrites its call sites in the
	 * module (static calls); on the debug kernel, doing that while
	 * another CPU ran mx_handle_replace() once died of an unhandled int3
	 * at the patched site (under investigation, see docs/debug-kernel.md).
	 */
	perf_setup();

	atomic_flag_clear(&sh->fail_lock);
	if (use_kcov) {
		gcov = map_anon(text_size, PROT_READ | PROT_WRITE, MAP_SHARED);
		if (!gcov)
			return perror("mmap"), 1;
	}

	t0 = now_ns();
	t_end = max_secs ? t0 + (uint64_t)(max_secs * 1e9) : 0;
	for (i = 0; i < nworkers; i++) {
		long quota = max_seqs ? max_seqs / nworkers + (i < max_seqs % nworkers) : -1;

		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 1;
		if (!pids[i]) {
			fflush(stdout);
			_exit(worker_main(i, replay_path ? &replay : NULL, quota));
		}
	}
	tprog = last_t = t0;
	for (left = nworkers; left;) {
		uint64_t t = now_ns();
		long seqs = atomic_load(&sh->ev[EV_SEQ]);

		for (i = 0; i < nworkers; i++) {
			pid_t r;

			if (!pids[i])
				continue;
			r = waitpid(pids[i], &st, WNOHANG);
			if (r != pids[i])
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				rc = 1;
				if (!atomic_load(&sh->failed)) {
					char text[128];

					snprintf(text, sizeof(text), "worker %d ended with status %#x%s\n",
						 i, st, WIFSIGNALED(st) ? " (a crash of the fuzzer)" : "");
					fail_text(text);
				}
			}
			pids[i] = 0;
			left--;
		}
		for (i = 0; i < nworkers; i++) {
			long since = atomic_load(&sh->w[i].op_start);

			if (pids[i] && since && (int64_t)(t - (uint64_t)since) > HANG_SECS * 1000000000ll &&
			    !atomic_load(&sh->failed)) {
				char text[160];

				snprintf(text, sizeof(text),
					 "worker %d: op %d of sequence %ld still running after %d s (hang)\n",
					 i, atomic_load(&sh->w[i].cur_op),
					 atomic_load(&sh->w[i].seqs), HANG_SECS);
				fail_text(text);
			}
		}
		if (atomic_load(&sh->failed) && t - last_t > 40ull * 1000000000ull) {
			for (i = 0; i < nworkers; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
		}
		if (seqs != last) {
			last = seqs;
			last_t = t;
		}
		if (t - tprog >= 10ull * 1000000000ull) {
			uint64_t o;
			long pcs = 0, corp = 0;

			tprog = t;
			for (o = 0; use_kcov && o < text_size; o++)
				pcs += gcov[o];
			for (i = 0; i < nworkers; i++)
				corp += atomic_load(&sh->w[i].corpus);
			printf("mxsfuzz: %.0f s: %ld sequences, %ld calls, corpus %ld%s",
			       (double)(t - t0) / 1e9, seqs, atomic_load(&sh->ev[EV_CALLS]),
			       corp, use_kcov ? "" : "\n");
			if (use_kcov)
				printf(", %ld module PCs\n", pcs);
		}
		usleep(20 * 1000);
	}
	trace_setup(false);
	if (mxf_stats_back(base, "mxsfuzz", 100))
		rc = 1;
	print_summary();
	coverage_report();
	for (i = 0; i < 3 && i < atomic_load(&sh->nanom); i++)
		printf("mxsfuzz: ANOMALY %d of %d: %s", i + 1, atomic_load(&sh->nanom),
		       sh->anom[i]);
	if (atomic_load(&sh->failed)) {
		printf("mxsfuzz: FAIL: %s", sh->fail_msg);
		rc = 1;
	}
	printf("mxsfuzz: %s: %ld sequences, %ld calls (%ld in children) in %.1f s, seed=%" PRIu64 "\n",
	       rc ? "FAIL" : "PASS", atomic_load(&sh->ev[EV_SEQ]),
	       atomic_load(&sh->ev[EV_CALLS]), atomic_load(&sh->ev[EV_CHILD_CALLS]),
	       (double)(now_ns() - t0) / 1e9, seed);
	return rc;
}
