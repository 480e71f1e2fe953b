// SPDX-License-Identifier: GPL-2.0
/*
 * mxfuzz: drive /dev/magenta with random raw ioctls.
 *
 *   mxfuzz [-n CALLS] [-s SEED] [-p PROCS] [-t THREADS]
 *
 * Several processes, each with several threads, issue CALLS ioctls in all:
 * random command numbers (mostly the module's, then wrong sizes and
 * directions, neighbouring magic numbers, any number), argument structs
 * full of random fields, bad and unmapped pointers, kernel and
 * non-canonical addresses, misaligned buffers, buffers straddling an
 * unmapped guard page or a read-only alias, buffers overlapping each other
 * and the struct itself, huge counts, random flags, and handle values that
 * are our own, stale, garbage, or another process's (each process
 * publishes its values in shared memory). Children also use the parent's
 * /dev/magenta descriptor, which they inherit.
 *
 * The commands are all of the ABI: pipes, handles, waits, the bootstrap,
 * the objects calls (event_create, object_signal, get_info), whose
 * handles are events as well as endpoints, wait sets, and handle_poll_fd
 * (a poll fd of a wait set, then polled, sometimes through epoll, kept
 * among the fds that import is tried on).
 *
 * Checks:
 *  - every ioctl returns 0 or -1 (GET_INFO: 0 or 24, the bytes it wrote);
 *    an unknown command fails with ENOTTY;
 *    on the parent's descriptor every command but GET_VERSION fails with
 *    EBADF; on our own descriptor errno is one of the MX_ERRNO_* values,
 *    EFAULT, or EINTR for a wait;
 *  - GET_VERSION, when it succeeds, reports this ABI, with events;
 *  - a successful GET_INFO of the basic record: asked again, the record
 *    has a koid, a known type, WAITABLE, rights an object of that type
 *    can hold;
 *  - a successful HANDLE_POLL_FD gives a "[magenta-poll]" fd with
 *    FD_CLOEXEC as asked, that poll() and epoll answer with nothing but
 *    POLLIN, POLLRDNORM and POLLHUP, and that has no ioctls (ENOTTY);
 *  - the parent's own pipes and queued messages, and its event and the
 *    signals set on it, survive the children;
 *  - when every child has exited and every descriptor is closed, the
 *    module's live-object counters are back to their starting values.
 *
 * The seed is printed first; "-s SEED" (or FUZZ_SEED) replays a run: each
 * thread's sequence of calls depends only on the seed and its position.
 * Exit status 0 when every check held, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magenta.h>

#include "mxfuzz_common.h"

#define MX_DEV		"/dev/magenta"

#define MAX_PROCS	8
#define MAX_THREADS	8
#define POOL		64	/* handle values one process remembers */
#define NPUB		16	/* values each process publishes */
#define NFDS		16	/* exported fds one process remembers */
#define ARENA		(192 * 1024)
#define RESET_EVERY	4000	/* calls of thread 0 between table resets */
#define STALL_SECS	90	/* no progress for this long: a hang */
#define PARENT_PIPES	4


#define NCMD_SLOTS	24

/* What all processes share (MAP_SHARED). */
struct shared {
	atomic_int stop;
	atomic_int failed;
	atomic_long calls[MAX_PROCS];
	atomic_long ok_calls;
	atomic_long ok_by_cmd[NCMD_SLOTS];	/* successes per command */
	atomic_int pub[MAX_PROCS][NPUB];
	atomic_long errs[256];		/* errno histogram */
	atomic_flag fail_lock;
	char fail_msg[2048];
};

struct proc {
	int idx;
	int devfd;		/* our own descriptor; dup2() keeps the number */
	int foreign_fd;		/* the parent's descriptor, or -1 */
	int first_free_fd;	/* fds from here on are exported handles */
	atomic_int pool[POOL];
	atomic_int fds[NFDS];
};

struct thread {
	struct proc *p;
	int idx;
	pthread_t tid;
	struct mxf_rng rng;
	uint64_t ncalls;
	long done;
	unsigned char *arena;	/* ARENA bytes, then an unmapped guard page */
	unsigned char *rw;	/* one page, also mapped read-only at ro */
	unsigned char *ro;
	atomic_long wait_since;	/* ns when a wait began, 0 when not waiting */
	bool sane;		/* this call: valid pointers, flags, own handles */
};

static struct shared *sh;
static struct proc me;
static struct thread threads[MAX_THREADS];
static int nthreads = 3;
static uint64_t seed;
static __thread struct thread *cur_thread;
static __thread unsigned long cur_cmd;
/* Serialises fd-number reuse: table resets, closes of exported fds, probes. */
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *unmapped;	/* a page-sized hole */
static size_t page;

#define now_ns()	mxf_now_ns()
#define mix64(x)	mxf_mix64(x)

/* The stream of one thread (mxfuzz_common.h). */
static uint64_t rnd(struct thread *th)
{
	return mxf_rnd(&th->rng);
}

static uint32_t rn(struct thread *th, uint32_t n)
{
	return mxf_rn(&th->rng, n);
}

static bool chance(struct thread *th, unsigned int percent)
{
	return mxf_chance(&th->rng, percent);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mxf_first_failure(&sh->fail_lock, sh->fail_msg, sizeof(sh->fail_msg),
			  fmt, ap);
	va_end(ap);
	atomic_store(&sh->failed, 1);
	atomic_store(&sh->stop, 1);
}

/* ---- handle values ---------------------------------------------------- */

static void pool_add(int32_t v)
{
	static atomic_uint next;

	if (v > 0)
		atomic_store(&me.pool[atomic_fetch_add(&next, 1) % POOL], v);
}

static int32_t pool_get(struct thread *th)
{
	return atomic_load(&me.pool[rn(th, POOL)]);
}

static int32_t foreign_value(struct thread *th)
{
	return atomic_load(&sh->pub[rn(th, MAX_PROCS)][rn(th, NPUB)]);
}

static int32_t pick_handle(struct thread *th)
{
	static const int32_t odd[] = {
		0, -1, 1, 2, INT32_MIN, INT32_MAX, 0x40000000, 0x7ffffffe,
	};
	uint32_t r = th->sane ? 0 : rn(th, 100);

	if (r < 55)
		return pool_get(th);
	if (r < 67)
		return foreign_value(th);
	if (r < 75)
		return pool_get(th) + (int32_t)rn(th, 9) - 4;
	if (r < 80)
		return pool_get(th) ^ (int32_t)(1u << rn(th, 31));
	if (r < 90)
		return odd[rn(th, sizeof(odd) / sizeof(odd[0]))];
	return (int32_t)rnd(th);
}

static void fill_handles(struct thread *th, int32_t *dst, uint32_t n,
			 int32_t self)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (th->sane)
			dst[i] = pool_get(th);
		else if (i && chance(th, 5))
			dst[i] = dst[rn(th, i)];	/* a duplicate */
		else if (chance(th, 5))
			dst[i] = self;
		else
			dst[i] = pick_handle(th);
	}
}

/* ---- pointers --------------------------------------------------------- */

enum pkind { P_NULL, P_ARENA, P_BAD };

static const uint64_t bad_addrs[] = {
	0xffff888000000000ull,	/* direct map */
	0xffffffff81000000ull,	/* kernel text */
	0xffffc90000000000ull,	/* vmalloc */
	0xfffffffffffff000ull,
	0xffffffffffffffffull,
	0x0000800000000000ull,	/* first non-canonical */
	0x8000000000000000ull,
	0x0000000000001000ull,
	0x00007ffffffff000ull,
};

/* A user pointer for @size bytes; *kind tells whether it is ours. */
static uint64_t pick_ptr(struct thread *th, size_t size, enum pkind *kind)
{
	uint32_t r = rn(th, 100);
	size_t off;

	*kind = P_BAD;
	if (size > ARENA)
		size = ARENA;
	if (th->sane)
		r = 50;
	if (r < 5) {
		*kind = P_NULL;
		return 0;
	}
	if (r < 72) {	/* in the arena, usually aligned */
		*kind = P_ARENA;
		off = rn(th, (uint32_t)(ARENA - size + 1));
		if (chance(th, 70))
			off &= ~(size_t)7;
		return (uint64_t)(uintptr_t)(th->arena + off);
	}
	if (r < 78)	/* straddling the guard page */
		return (uint64_t)(uintptr_t)(th->arena + ARENA - 1 -
					     rn(th, (uint32_t)size + 1));
	if (r < 83)	/* the read-only alias */
		return (uint64_t)(uintptr_t)(th->ro + rn(th, (uint32_t)page));
	if (r < 86)	/* another thread's arena */
		return (uint64_t)(uintptr_t)(threads[rn(th, nthreads)].arena +
					     rn(th, ARENA / 2));
	if (r < 90)
		return (uint64_t)(uintptr_t)(unmapped + rn(th, (uint32_t)page));
	if (r < 97)
		return bad_addrs[rn(th, sizeof(bad_addrs) / sizeof(bad_addrs[0]))] +
		       (chance(th, 50) ? rn(th, 64) : 0);
	return rnd(th);
}

static uint32_t pick_count(struct thread *th, uint32_t limit)
{
	static const uint32_t odd[] = {
		0xffffffffu, 0x80000000u, 0x7fffffffu, 0x10000000u,
		0x40000001u, 65535, 65536, 65537, 1023, 1024, 1025, 255, 256, 257,
	};
	uint32_t r = th->sane ? 0 : rn(th, 100);

	if (r < 50)
		return rn(th, 5);
	if (r < 80)
		return rn(th, limit + 2);
	if (r < 93)
		return odd[rn(th, sizeof(odd) / sizeof(odd[0]))];
	return (uint32_t)rnd(th);
}

static uint32_t pick_flags(struct thread *th)
{
	uint32_t r = th->sane ? 0 : rn(th, 100);

	if (r < 75)
		return 0;
	if (r < 87)
		return 1;
	if (r < 95)
		return 1u << rn(th, 32);
	return (uint32_t)rnd(th);
}

/* Signal masks: mostly user signals, sometimes pipe signals or junk. */
static uint32_t pick_signals(struct thread *th)
{
	uint32_t r = th->sane ? 0 : rn(th, 100);

	if (r < 70)
		return (uint32_t)rnd(th) & MX_SIGNAL_SIGNAL_ALL;
	if (r < 80)
		return 0;
	if (r < 90)
		return 1u << rn(th, 8);
	return (uint32_t)rnd(th);
}

static uint64_t pick_deadline(struct thread *th)
{
	uint32_t r = rn(th, 100);

	if (r < 40)
		return 0;
	if (r < 85)
		return now_ns() + rn(th, 2000000);
	if (r < 88)
		return UINT64_MAX;
	if (r < 92)
		return now_ns() + 50000000ull;	/* 50 ms */
	return rnd(th);
}

/* ---- the calls -------------------------------------------------------- */

static const unsigned long valid_cmds[] = {
	MX_IOC_GET_VERSION, MX_IOC_MSGPIPE_CREATE, MX_IOC_MSGPIPE_WRITE,
	MX_IOC_MSGPIPE_READ, MX_IOC_HANDLE_CLOSE, MX_IOC_HANDLE_DUPLICATE,
	MX_IOC_HANDLE_REPLACE, MX_IOC_WAIT_ONE, MX_IOC_WAIT_MANY,
	MX_IOC_HANDLE_EXPORT, MX_IOC_HANDLE_IMPORT, MX_IOC_MSGPIPE_CALL,
	MX_IOC_EVENT_CREATE, MX_IOC_OBJECT_SIGNAL, MX_IOC_HANDLE_GET_INFO,
	MX_IOC_WAITSET_CREATE, MX_IOC_WAITSET_ADD, MX_IOC_WAITSET_REMOVE,
	MX_IOC_WAITSET_WAIT, MX_IOC_PORT_CREATE, MX_IOC_PORT_QUEUE,
	MX_IOC_PORT_WAIT, MX_IOC_PORT_BIND,
	MX_IOC_HANDLE_POLL_FD, MX_IOC_WAITSET_PAGE,
};
#define NCMDS (sizeof(valid_cmds) / sizeof(valid_cmds[0]))

static bool is_valid_cmd(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (valid_cmds[i] == cmd)
			return true;
	return false;
}

/*
 * Types the VFS answers itself before the driver sees the call (FIONBIO,
 * FIOCLEX, FIFREEZE, FS_IOC_*, FICLONE...): never sent, so every command
 * that is not the module's must fail with ENOTTY.
 */
static bool vfs_type(unsigned int type)
{
	return type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
	       type == 'v' || type == 0x15;
}

static unsigned long pick_cmd(struct thread *th)
{
	unsigned long c;
	uint32_t r = rn(th, 100);

	if (r < 80)
		return valid_cmds[rn(th, NCMDS)];
	c = valid_cmds[rn(th, NCMDS)];
	if (r < 86)		/* a wrong size */
		return _IOC(_IOC_DIR(c), MX_IOC_MAGIC, _IOC_NR(c), rn(th, 1 << 14));
	if (r < 91)		/* a wrong direction */
		return _IOC(rn(th, 4), MX_IOC_MAGIC, _IOC_NR(c), _IOC_SIZE(c));
	if (r < 96)		/* any number near the magic */
		return _IOC(rn(th, 4), MX_IOC_MAGIC - 1 + rn(th, 3), rn(th, 256),
			    rn(th, 1 << 14));
	do
		c = (uint32_t)rnd(th);
	while (vfs_type(_IOC_TYPE(c)));
	return c;
}

/* Where the argument struct goes: in the arena, or somewhere bad. */
static void *place_arg(struct thread *th, size_t size, bool *ours)
{
	uint32_t r = rn(th, 100);
	enum pkind k;

	*ours = false;
	if (r < 80) {
		*ours = true;
		return th->arena + (rn(th, ARENA - 4096) & ~(size_t)7);
	}
	if (r < 85) {
		*ours = true;
		return th->arena + rn(th, ARENA - 4096);	/* misaligned */
	}
	if (r < 90)	/* readable but not writable */
		return th->ro + (rn(th, (uint32_t)(page - size)) & ~(size_t)7);
	if (r < 95)	/* the tail is unmapped */
		return th->arena + ARENA - 1 - rn(th, (uint32_t)size);
	return (void *)(uintptr_t)pick_ptr(th, size, &k);
}

#define ARG_MAX_LEN	128

/* A copy of the arg for the failure report. */
struct call {
	int fd;
	unsigned long cmd;
	unsigned char arg[ARG_MAX_LEN];
	size_t arg_len;
	void *argp;
	bool ours;
};

static size_t arg_size(unsigned long cmd)
{
	switch (cmd) {
	case MX_IOC_GET_VERSION: return sizeof(struct mx_ioc_version);
	case MX_IOC_MSGPIPE_CREATE: return sizeof(struct mx_ioc_msgpipe_create);
	case MX_IOC_MSGPIPE_WRITE: return sizeof(struct mx_ioc_msgpipe_write);
	case MX_IOC_MSGPIPE_READ: return sizeof(struct mx_ioc_msgpipe_read);
	case MX_IOC_HANDLE_CLOSE: return sizeof(int32_t);
	case MX_IOC_HANDLE_DUPLICATE:
	case MX_IOC_HANDLE_REPLACE: return sizeof(struct mx_ioc_handle_dup);
	case MX_IOC_WAIT_ONE: return sizeof(struct mx_ioc_wait_one);
	case MX_IOC_WAIT_MANY: return sizeof(struct mx_ioc_wait_many);
	case MX_IOC_HANDLE_EXPORT: return sizeof(struct mx_ioc_handle_export);
	case MX_IOC_HANDLE_IMPORT: return sizeof(struct mx_ioc_handle_import);
	case MX_IOC_MSGPIPE_CALL: return sizeof(struct mx_ioc_msgpipe_call);
	case MX_IOC_EVENT_CREATE: return sizeof(struct mx_ioc_event_create);
	case MX_IOC_OBJECT_SIGNAL: return sizeof(struct mx_ioc_object_signal);
	case MX_IOC_HANDLE_GET_INFO: return sizeof(struct mx_ioc_handle_get_info);
	case MX_IOC_WAITSET_CREATE: return sizeof(struct mx_ioc_waitset_create);
	case MX_IOC_WAITSET_ADD: return sizeof(struct mx_ioc_waitset_add);
	case MX_IOC_WAITSET_REMOVE: return sizeof(struct mx_ioc_waitset_remove);
	case MX_IOC_WAITSET_WAIT: return sizeof(struct mx_ioc_waitset_wait);
	case MX_IOC_WAITSET_PAGE: return sizeof(struct mx_ioc_waitset_page);
	case MX_IOC_PORT_CREATE: return sizeof(struct mx_ioc_port_create);
	case MX_IOC_PORT_QUEUE: return sizeof(struct mx_ioc_port_queue);
	case MX_IOC_PORT_WAIT: return sizeof(struct mx_ioc_port_wait);
	case MX_IOC_PORT_BIND: return sizeof(struct mx_ioc_port_bind);
	case MX_IOC_HANDLE_POLL_FD: return sizeof(struct mx_ioc_handle_poll_fd);
	default: return 64;
	}
}

/* Is [p, p + len) inside this thread's arena? */
static bool in_arena(struct thread *th, uint64_t p, uint64_t len)
{
	uint64_t lo = (uint64_t)(uintptr_t)th->arena;

	return p >= lo && len <= ARENA && p - lo <= ARENA - len;
}

/* Fill the struct for @cmd into @a (at most ARG_MAX_LEN bytes). */
static void build_arg(struct thread *th, unsigned long cmd, void *a, void *at)
{
	enum pkind k;
	uint32_t n, i;
	unsigned char *b;

	switch (cmd) {
	case MX_IOC_MSGPIPE_CREATE: {
		struct mx_ioc_msgpipe_create *c = a;

		c->handles = chance(th, 5) ? (uint64_t)(uintptr_t)at :
			     pick_ptr(th, 8, &k);
		c->flags = pick_flags(th);
		c->pad = chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_MSGPIPE_WRITE: {
		struct mx_ioc_msgpipe_write *w = a;

		w->handle = (uint32_t)pick_handle(th);
		w->flags = chance(th, 90) ? 0 : pick_flags(th);
		w->num_bytes = chance(th, 60) ? rn(th, 256) :
			       pick_count(th, MX_MAX_MSG_BYTES);
		w->num_handles = th->sane ? (chance(th, 60) ? 0 : rn(th, 3)) :
				 chance(th, 50) ? rn(th, 4) :
				 pick_count(th, MX_MAX_MSG_HANDLES);
		w->bytes = pick_ptr(th, w->num_bytes, &k);
		w->handles = pick_ptr(th, (size_t)w->num_handles * 4, &k);
		if (chance(th, 5))	/* handles overlap the struct */
			w->handles = (uint64_t)(uintptr_t)at;
		if (chance(th, 5))	/* bytes overlap the handles */
			w->bytes = w->handles - rn(th, 16);
		if (w->num_handles <= 64 &&
		    in_arena(th, w->handles, 4ull * w->num_handles) &&
		    chance(th, 90)) {
			n = w->num_handles;
			fill_handles(th, (int32_t *)(uintptr_t)w->handles, n,
				     (int32_t)w->handle);
		}
		break;
	}
	case MX_IOC_MSGPIPE_READ: {
		struct mx_ioc_msgpipe_read *r = a;
		uint32_t *cap;

		r->handle = (uint32_t)pick_handle(th);
		r->flags = chance(th, 85) ? 0 : pick_flags(th);
		r->num_bytes = pick_ptr(th, 4, &k);
		if (in_arena(th, r->num_bytes & ~3ull, 4) && chance(th, 90)) {
			cap = (uint32_t *)(uintptr_t)(r->num_bytes & ~3ull);
			r->num_bytes = (uint64_t)(uintptr_t)cap;
			*cap = th->sane ? 4096 : pick_count(th, MX_MAX_MSG_BYTES);
		}
		r->num_handles = pick_ptr(th, 4, &k);
		if (in_arena(th, r->num_handles & ~3ull, 4) && chance(th, 90)) {
			cap = (uint32_t *)(uintptr_t)(r->num_handles & ~3ull);
			r->num_handles = (uint64_t)(uintptr_t)cap;
			*cap = th->sane ? 64 : pick_count(th, 64);
		}
		r->bytes = pick_ptr(th, 4096, &k);
		r->handles = pick_ptr(th, 256, &k);
		if (chance(th, 5))
			r->handles = (uint64_t)(uintptr_t)at;
		if (chance(th, 5))
			r->bytes = r->num_handles - rn(th, 8);
		if (chance(th, 5))
			r->num_bytes = r->handles + 4 * rn(th, 4);
		break;
	}
	case MX_IOC_HANDLE_CLOSE:
		*(int32_t *)a = pick_handle(th);
		break;
	case MX_IOC_HANDLE_DUPLICATE:
	case MX_IOC_HANDLE_REPLACE: {
		struct mx_ioc_handle_dup *d = a;
		static const uint32_t rights[] = {
			MX_RIGHT_SAME_RIGHTS, 0, MX_RIGHT_READ, MX_RIGHT_WRITE,
			MX_RIGHT_TRANSFER, MX_RIGHT_READ | MX_RIGHT_TRANSFER,
			MX_RIGHT_DUPLICATE, MX_RIGHT_SAME_RIGHTS | 1,
		};

		d->handle = (uint32_t)pick_handle(th);
		d->rights = chance(th, 85) ? rights[rn(th, 8)] :
			    (uint32_t)rnd(th);
		d->result = (int32_t)rnd(th);
		d->pad = chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_WAIT_ONE: {
		struct mx_ioc_wait_one *w = a;

		w->handle = (uint32_t)pick_handle(th);
		w->signals = chance(th, 80) ? rn(th, 256) : (uint32_t)rnd(th);
		w->deadline = pick_deadline(th);
		w->state = chance(th, 30) ? 0 : pick_ptr(th, 8, &k);
		w->restarted = chance(th, 95) ? rn(th, 2) : (uint32_t)rnd(th);
		w->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_WAIT_MANY: {
		struct mx_ioc_wait_many *w = a;

		w->count = chance(th, 70) ? rn(th, 6) :
			   pick_count(th, MX_MAX_WAIT_HANDLES);
		w->restarted = chance(th, 95) ? rn(th, 2) : (uint32_t)rnd(th);
		n = w->count <= MX_MAX_WAIT_HANDLES ? w->count : 8;
		w->handles = pick_ptr(th, 4 * n, &k);
		if (in_arena(th, w->handles & ~3ull, 4 * n) && chance(th, 90)) {
			w->handles &= ~3ull;
			fill_handles(th, (int32_t *)(uintptr_t)w->handles, n, 0);
		}
		w->signals = pick_ptr(th, 4 * n, &k);
		if (in_arena(th, w->signals & ~3ull, 4 * n) && chance(th, 80)) {
			w->signals &= ~3ull;
			for (i = 0; i < n; i++)
				((uint32_t *)(uintptr_t)w->signals)[i] =
					chance(th, 90) ? rn(th, 256) : (uint32_t)rnd(th);
		}
		w->deadline = pick_deadline(th);
		w->result_index = chance(th, 30) ? 0 : pick_ptr(th, 4, &k);
		w->states = chance(th, 30) ? 0 : pick_ptr(th, 8 * n, &k);
		if (chance(th, 5))	/* states overwrite handles and signals */
			w->states = w->handles;
		if (chance(th, 5))
			w->result_index = (uint64_t)(uintptr_t)at;
		break;
	}
	case MX_IOC_HANDLE_EXPORT: {
		struct mx_ioc_handle_export *e = a;

		e->handle = (uint32_t)pick_handle(th);
		e->flags = pick_flags(th);
		e->fd = (int32_t)rnd(th);
		e->pad = chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_HANDLE_IMPORT: {
		struct mx_ioc_handle_import *im = a;
		uint32_t r = rn(th, 100);

		if (r < 60)
			im->fd = atomic_load(&me.fds[rn(th, NFDS)]);
		else if (r < 85)
			im->fd = (int32_t)rn(th, (uint32_t)me.first_free_fd + 24);
		else
			im->fd = (int32_t)rnd(th);
		im->flags = chance(th, 90) ? 0 : pick_flags(th);
		im->handle = (int32_t)rnd(th);
		im->pad = chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_MSGPIPE_CALL: {
		struct mx_ioc_msgpipe_call *c = a;

		build_arg(th, MX_IOC_MSGPIPE_WRITE, &c->wr, at);
		build_arg(th, MX_IOC_MSGPIPE_READ, &c->rd, at);
		if (chance(th, 80))
			c->rd.handle = c->wr.handle;
		if (chance(th, 80))
			c->rd.flags = 0;
		c->deadline = pick_deadline(th);
		c->written = chance(th, 90) ? 0 : (uint32_t)rn(th, 3);
		c->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_EVENT_CREATE: {
		struct mx_ioc_event_create *e = a;

		e->options = th->sane || chance(th, 85) ? 0 : pick_flags(th);
		e->handle = (int32_t)rnd(th);
		break;
	}
	case MX_IOC_OBJECT_SIGNAL: {
		struct mx_ioc_object_signal *o = a;

		o->handle = (uint32_t)pick_handle(th);
		o->clear_mask = pick_signals(th);
		o->set_mask = pick_signals(th);
		o->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_HANDLE_GET_INFO: {
		struct mx_ioc_handle_get_info *g = a;
		uint32_t r = rn(th, 100);

		g->handle = (uint32_t)pick_handle(th);
		g->topic = th->sane || r < 85 ? rn(th, 2) :
			   r < 95 ? 2 + rn(th, 4) : (uint32_t)rnd(th);
		r = rn(th, 100);
		g->info_size = th->sane || r < 70 ?
			       sizeof(struct mx_handle_basic_info) :
			       r < 85 ? rn(th, 64) : r < 95 ? pick_count(th, 4096) :
			       rnd(th);
		g->info = pick_ptr(th, 24, &k);
		if (chance(th, 3))	/* the info overwrites the struct */
			g->info = (uint64_t)(uintptr_t)at;
		break;
	}
	case MX_IOC_WAITSET_CREATE: {
		struct mx_ioc_waitset_create *c = a;

		c->handle = (int32_t)rnd(th);
		c->pad = th->sane || chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_WAITSET_ADD: {
		struct mx_ioc_waitset_add *w = a;

		w->waitset = (uint32_t)pick_handle(th);
		w->handle = (uint32_t)pick_handle(th);
		w->signals = pick_signals(th);
		w->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		w->cookie = chance(th, 80) ? rn(th, 8) : rnd(th);
		break;
	}
	case MX_IOC_WAITSET_REMOVE: {
		struct mx_ioc_waitset_remove *w = a;

		w->waitset = (uint32_t)pick_handle(th);
		w->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		w->cookie = chance(th, 80) ? rn(th, 8) : rnd(th);
		break;
	}
	case MX_IOC_WAITSET_WAIT: {
		struct mx_ioc_waitset_wait *w = a;
		uint32_t n = chance(th, 70) ? rn(th, 5) : pick_count(th, 64);

		w->waitset = (uint32_t)pick_handle(th);
		w->restarted = chance(th, 90) ? 0 : (uint32_t)rn(th, 3);
		/* bounded: an empty wait set never ends a wait by itself */
		w->deadline = pick_deadline(th);
		if (w->deadline > now_ns() + 50000000ull)
			w->deadline = now_ns() + 50000000ull;
		w->results = chance(th, 10) ? 0 : pick_ptr(th, 24 * n, &k);
		w->num_results = chance(th, 5) ? 0 : pick_ptr(th, 4, &k);
		if (w->num_results && in_arena(th, w->num_results, 4))
			memcpy((void *)(uintptr_t)w->num_results, &n, 4);
		w->max_results = chance(th, 30) ? 0 : pick_ptr(th, 4, &k);
		if (chance(th, 3))	/* the results overwrite the struct */
			w->results = (uint64_t)(uintptr_t)at;
		break;
	}
	case MX_IOC_WAITSET_PAGE: {
		struct mx_ioc_waitset_page *p = a;

		p->waitset = pick_handle(th);
		p->id = (uint32_t)rnd(th);	/* out only */
		break;
	}
	case MX_IOC_PORT_CREATE: {
		struct mx_ioc_port_create *c = a;

		c->options = th->sane || chance(th, 90) ? 0 : pick_flags(th);
		c->handle = (int32_t)rnd(th);
		break;
	}
	case MX_IOC_PORT_QUEUE: {
		struct mx_ioc_port_queue *q = a;
		uint32_t r = rn(th, 100);

		q->handle = (uint32_t)pick_handle(th);
		q->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		q->size = r < 80 ? 16 + rn(th, MX_PORT_MAX_PKT_SIZE - 15) :
			  r < 95 ? rn(th, 256) : rnd(th);
		q->packet = pick_ptr(th, q->size < 256 ? q->size : 256, &k);
		if (chance(th, 3))	/* the packet is the struct itself */
			q->packet = (uint64_t)(uintptr_t)at;
		break;
	}
	case MX_IOC_PORT_WAIT: {
		struct mx_ioc_port_wait *w = a;
		uint32_t r = rn(th, 100);

		/* no deadline: a wait on an empty port ends by SIGUSR1 */
		w->handle = (uint32_t)pick_handle(th);
		w->restarted = chance(th, 90) ? 0 : (uint32_t)rn(th, 3);
		w->size = r < 80 ? MX_PORT_MAX_PKT_SIZE :
			  r < 95 ? rn(th, 160) : rnd(th);
		w->packet = chance(th, 5) ? 0 :
			    pick_ptr(th, MX_PORT_MAX_PKT_SIZE, &k);
		if (chance(th, 3))	/* the packet overwrites the struct */
			w->packet = (uint64_t)(uintptr_t)at;
		break;
	}
	case MX_IOC_PORT_BIND: {
		struct mx_ioc_port_bind *b = a;

		b->handle = (uint32_t)pick_handle(th);
		b->source = (uint32_t)pick_handle(th);
		b->key = chance(th, 80) ? rn(th, 8) : rnd(th);
		b->signals = chance(th, 5) ? 0 : pick_signals(th);
		b->pad = chance(th, 95) ? 0 : (uint32_t)rnd(th);
		break;
	}
	case MX_IOC_HANDLE_POLL_FD: {
		struct mx_ioc_handle_poll_fd *pf = a;

		pf->handle = (uint32_t)pick_handle(th);
		pf->flags = pick_flags(th);
		pf->fd = (int32_t)rnd(th);
		pf->pad = chance(th, 90) ? 0 : (uint32_t)rnd(th);
		break;
	}
	default:
		b = a;
		for (i = 0; i < 64; i++)
			b[i] = (unsigned char)rnd(th);
		break;
	}
}

static bool is_blocking(unsigned long cmd)
{
	return cmd == MX_IOC_WAIT_ONE || cmd == MX_IOC_WAIT_MANY ||
	       cmd == MX_IOC_MSGPIPE_CALL || cmd == MX_IOC_WAITSET_WAIT ||
	       cmd == MX_IOC_PORT_WAIT;
}

static int cmd_slot(unsigned long cmd)
{
	int i;

	for (i = 0; i < (int)NCMDS; i++)
		if (valid_cmds[i] == cmd)
			return i;
	return 0;
}

static bool errno_documented(int e, unsigned long cmd)
{
	if (e == EINTR)
		return is_blocking(cmd);
	return e == EFAULT || mxf_is_status_errno(e);
}

static void report(struct thread *th, const struct call *c, long r, int e,
		   const char *why)
{
	char hex[ARG_MAX_LEN * 3 + 1];
	size_t i;

	for (i = 0; i < c->arg_len && i < ARG_MAX_LEN; i++)
		sprintf(hex + 3 * i, "%02x ", c->arg[i]);
	hex[3 * i] = 0;
	fail("proc %d thread %d call %ld: %s: fd=%d%s cmd=%#lx argp=%p%s "
	     "ret=%ld errno=%d (%s)\n  arg: %s\n  replay: FUZZ_SEED=%" PRIu64,
	     me.idx, th->idx, th->done, why, c->fd,
	     c->fd == me.foreign_fd ? " (parent's)" : "", c->cmd, c->argp,
	     c->ours ? "" : " (bad)", r, e, strerror(e), hex, seed);
}

static void check(struct thread *th, const struct call *c, long r, int e)
{
	bool own = c->fd == me.devfd;
	bool foreign = c->fd == me.foreign_fd;
	bool valid = is_valid_cmd(c->cmd);

	if (r == -1)
		atomic_fetch_add(&sh->errs[e & 255], 1);
	else
		atomic_fetch_add(&sh->ok_calls, 1);
	if (r >= 0 && own)
		atomic_fetch_add(&sh->ok_by_cmd[cmd_slot(c->cmd)], 1);
	/* GET_INFO returns the bytes it wrote: 0 or the basic record's size. */
	if (r > 0 && own && valid && c->cmd == MX_IOC_HANDLE_GET_INFO &&
	    r == (long)sizeof(struct mx_handle_basic_info))
		return;
	if (r != 0 && r != -1)
		return report(th, c, r, e, "ioctl returned neither 0 nor -1");
	if (!own && !foreign) {
		if (r == 0 || e != EBADF)
			report(th, c, r, e, "not EBADF on a closed fd number");
		return;
	}
	/* Unknown commands may be refused before or after the owner check. */
	if (foreign && c->cmd != MX_IOC_GET_VERSION) {
		if (r == 0 || (e != EBADF && (valid || e != ENOTTY)))
			report(th, c, r, e, "the parent's descriptor did not give EBADF");
		return;
	}
	if (!valid) {
		if (r == 0 || e != ENOTTY)
			report(th, c, r, e, "unknown command not ENOTTY");
		return;
	}
	if (r == -1 && !errno_documented(e, c->cmd))
		report(th, c, r, e, "undocumented errno");
	if (r == -1 && c->cmd == MX_IOC_GET_VERSION && e != EFAULT)
		report(th, c, r, e, "GET_VERSION failed other than EFAULT");
}

/* Is @fd an exported-handle file? */
static bool is_xfer_fd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[magenta-handle]");
}

/*
 * An exported-handle fd has no ioctls: any command gives ENOTTY. Called
 * under fd_lock, right after the export, so @fd is still that file.
 */
static void probe_xfer_fd(struct thread *th, int fd)
{
	struct call c = { .fd = fd, .cmd = pick_cmd(th), .ours = true };
	long r;
	int e;

	if (vfs_type(_IOC_TYPE(c.cmd)))
		return;
	c.argp = th->arena;
	r = syscall(SYS_ioctl, fd, c.cmd, c.argp);
	e = errno;
	if (r == 0 || e != ENOTTY)
		report(th, &c, r, e, "an exported-handle fd did not give ENOTTY");
}

/* Is @fd a poll file? */
static bool is_poll_fd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[magenta-poll]");
}

/*
 * A new poll fd (under fd_lock, so still that file): its close-on-exec
 * flag is the one asked for, poll() and epoll report only POLLIN,
 * POLLRDNORM, POLLHUP, and it has no ioctls.
 */
static void probe_poll_fd(struct thread *th, int fd, uint32_t flags)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDNORM };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDNORM };
	struct call c = { .fd = fd, .cmd = MX_IOC_HANDLE_POLL_FD, .ours = true };
	int ep, n, cloexec = fcntl(fd, F_GETFD);

	if (cloexec < 0 || !(cloexec & FD_CLOEXEC) != !(flags & MX_POLL_FD_CLOEXEC))
		report(th, &c, cloexec, errno, "poll fd: FD_CLOEXEC not as asked");
	n = poll(&pfd, 1, 0);
	if (n < 0 || (pfd.revents & ~(POLLIN | POLLRDNORM | POLLHUP)))
		report(th, &c, n, errno, "poll fd: poll() gave other events");
	if (chance(th, 50)) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			n = epoll_wait(ep, &ev, 1, 0);
			if (n < 0 || (n && (ev.events & ~(EPOLLIN | EPOLLRDNORM |
							   EPOLLHUP))))
				report(th, &c, n, errno,
				       "poll fd: epoll gave other events");
		}
		if (ep >= 0)
			close(ep);
	}
	if (chance(th, 10)) {
		c.cmd = pick_cmd(th);
		if (vfs_type(_IOC_TYPE(c.cmd)))
			return;
		c.argp = th->arena;
		n = (int)syscall(SYS_ioctl, fd, c.cmd, c.argp);
		if (n == 0 || errno != ENOTTY)
			report(th, &c, n, errno, "a poll fd did not give ENOTTY");
	}
}

/* Remember what a successful call gave us. */
static void harvest(struct thread *th, unsigned long cmd, void *argp)
{
	uint64_t lo = (uint64_t)(uintptr_t)th->arena;
	uint64_t hi = lo + ARENA;
	uint32_t n, i;

#define IN_ARENA(p, len) ((p) >= lo && (p) + (len) <= hi)
	switch (cmd) {
	case MX_IOC_GET_VERSION: {
		struct mx_ioc_version *v = argp;

		if (!mxf_version_ok(v) || !(v->features & MX_FEATURE_OBJECTS))
			fail("GET_VERSION reported abi %u.%u, features %#llx, limits %u/%u/%u\n",
			     v->abi_major, v->abi_minor,
			     (unsigned long long)v->features, v->max_msg_bytes,
			     v->max_msg_handles, v->max_wait_handles);
		break;
	}
	case MX_IOC_EVENT_CREATE:
		pool_add(((struct mx_ioc_event_create *)argp)->handle);
		break;
	case MX_IOC_WAITSET_CREATE:
		pool_add(((struct mx_ioc_waitset_create *)argp)->handle);
		break;
	case MX_IOC_PORT_CREATE:
		pool_add(((struct mx_ioc_port_create *)argp)->handle);
		break;
	case MX_IOC_HANDLE_GET_INFO: {
		/*
		 * The record in the arena may be overwritten by another
		 * thread already: ask again into our own, if the handle is
		 * still there.
		 */
		struct mx_ioc_handle_get_info *g = argp, q;
		struct mx_handle_basic_info bi;
		long r;

		if (g->topic != MX_INFO_HANDLE_BASIC)
			break;
		memset(&bi, 0x5a, sizeof(bi));
		q.handle = g->handle;
		q.topic = MX_INFO_HANDLE_BASIC;
		q.info = (uint64_t)(uintptr_t)&bi;
		q.info_size = sizeof(bi);
		r = ioctl(me.devfd, MX_IOC_HANDLE_GET_INFO, &q);
		if (r < 0)
			break;
		if (r != (long)sizeof(bi) || !bi.koid || bi.reserved ||
		    bi.props != (bi.type == MX_OBJ_TYPE_WAIT_SET ||
				 bi.type == MX_OBJ_TYPE_IOPORT ?
				 MX_OBJ_PROP_NONE : MX_OBJ_PROP_WAITABLE) ||
		    (bi.type != MX_OBJ_TYPE_MESSAGE_PIPE &&
		     bi.type != MX_OBJ_TYPE_EVENT &&
		     bi.type != MX_OBJ_TYPE_WAIT_SET &&
		     bi.type != MX_OBJ_TYPE_IOPORT) ||
		    (bi.rights & ~(MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER |
				   MX_RIGHT_READ | MX_RIGHT_WRITE)) ||
		    (bi.type == MX_OBJ_TYPE_MESSAGE_PIPE &&
		     (bi.rights & MX_RIGHT_DUPLICATE)) ||
		    (bi.type == MX_OBJ_TYPE_WAIT_SET &&
		     (bi.rights & ~(MX_RIGHT_READ | MX_RIGHT_WRITE))))
			fail("proc %d thread %d: GET_INFO of handle %#x returned %ld: koid %#llx rights %#x type %u props %u reserved %u\n",
			     me.idx, th->idx, g->handle, r,
			     (unsigned long long)bi.koid, bi.rights, bi.type,
			     bi.props, bi.reserved);
		break;
	}
	case MX_IOC_MSGPIPE_CREATE: {
		struct mx_ioc_msgpipe_create *c = argp;
		uint64_t h = c->handles;

		if (IN_ARENA(h, 8)) {
			pool_add(((int32_t *)(uintptr_t)h)[0]);
			pool_add(((int32_t *)(uintptr_t)h)[1]);
		}
		break;
	}
	case MX_IOC_MSGPIPE_READ: {
		struct mx_ioc_msgpipe_read *r = argp;
		uint64_t nh = r->num_handles, hs = r->handles;

		if (!IN_ARENA(nh, 4))
			break;
		n = *(uint32_t *)(uintptr_t)nh;
		for (i = 0; i < n && i < 8 && IN_ARENA(hs + 4 * i, 4); i++)
			pool_add(((int32_t *)(uintptr_t)hs)[i]);
		break;
	}
	case MX_IOC_HANDLE_DUPLICATE:
	case MX_IOC_HANDLE_REPLACE:
		pool_add(((struct mx_ioc_handle_dup *)argp)->result);
		break;
	case MX_IOC_HANDLE_IMPORT:
		pool_add(((struct mx_ioc_handle_import *)argp)->handle);
		break;
	case MX_IOC_HANDLE_EXPORT: {
		int fd = ((struct mx_ioc_handle_export *)argp)->fd;
		int old;

		if (fd < me.first_free_fd || fd > 4096)
			break;
		pthread_mutex_lock(&fd_lock);
		if (!is_xfer_fd(fd)) {	/* reset since, or a clobbered struct */
			pthread_mutex_unlock(&fd_lock);
			break;
		}
		if (chance(th, 5))
			probe_xfer_fd(th, fd);
		old = atomic_exchange(&me.fds[rn(th, NFDS)], fd);
		if (old >= me.first_free_fd && old != fd && chance(th, 50))
			close(old);
		pthread_mutex_unlock(&fd_lock);
		break;
	}
	case MX_IOC_HANDLE_POLL_FD: {
		struct mx_ioc_handle_poll_fd *pf = argp;
		int fd = pf->fd, old;

		if (fd < me.first_free_fd || fd > 4096)
			break;
		pthread_mutex_lock(&fd_lock);
		if (!is_poll_fd(fd)) {	/* reset since, or a clobbered struct */
			pthread_mutex_unlock(&fd_lock);
			break;
		}
		probe_poll_fd(th, fd, pf->flags);
		/* Import is tried on it too: ERR_WRONG_TYPE. */
		old = atomic_exchange(&me.fds[rn(th, NFDS)], fd);
		if (old >= me.first_free_fd && old != fd)
			close(old);
		pthread_mutex_unlock(&fd_lock);
		break;
	}
	}
#undef IN_ARENA
}

static int pick_fd(struct thread *th)
{
	uint32_t r = rn(th, 100);

	if (r < 93 || me.foreign_fd < 0)
		return me.devfd;
	if (r < 99)
		return me.foreign_fd;
	return chance(th, 50) ? -1 : 100000;	/* never open: EBADF */
}

static void one_call(struct thread *th)
{
	unsigned char tmp[ARG_MAX_LEN];
	struct call c;
	bool wait;
	long r;
	int e;

	memset(&c, 0, sizeof(c));
	memset(tmp, 0, sizeof(tmp));
	th->sane = false;
	c.fd = pick_fd(th);
	c.cmd = pick_cmd(th);
	th->sane = chance(th, 35);
	c.arg_len = arg_size(c.cmd);
	c.argp = place_arg(th, c.arg_len, &c.ours);
	build_arg(th, c.cmd, tmp, c.argp);
	memcpy(c.arg, tmp, sizeof(tmp));
	if (c.ours)
		memcpy(c.argp, tmp, c.arg_len);
	else if ((unsigned char *)c.argp >= th->arena &&
		 (unsigned char *)c.argp < th->arena + ARENA) {	/* straddling */
		size_t room = (size_t)(th->arena + ARENA -
				       (unsigned char *)c.argp);

		memcpy(c.argp, tmp, c.arg_len < room ? c.arg_len : room);
	}
	else if ((unsigned char *)c.argp >= th->ro &&
		 (unsigned char *)c.argp < th->ro + page) {
		size_t off = (size_t)((unsigned char *)c.argp - th->ro);

		memcpy(th->rw + off, tmp,
		       c.arg_len < page - off ? c.arg_len : page - off);
	}
	cur_cmd = c.cmd;
	cur_thread = th;

	wait = is_blocking(c.cmd);
	if (wait)
		atomic_store(&th->wait_since, (long)now_ns());
	r = syscall(SYS_ioctl, c.fd, c.cmd, c.argp);
	e = errno;
	if (wait)
		atomic_store(&th->wait_since, 0);
	check(th, &c, r, e);
	if (r >= 0 && c.ours && c.fd == me.devfd)
		harvest(th, c.cmd, c.argp);
}

/* Replace our table by a fresh one and drop the exported fds. */
static void reset_table(void)
{
	int fd, i;

	pthread_mutex_lock(&fd_lock);
	fd = open(MX_DEV, O_RDWR);
	if (fd < 0) {
		pthread_mutex_unlock(&fd_lock);
		fail("reopen %s: %s\n", MX_DEV, strerror(errno));
		return;
	}
	if (dup2(fd, me.devfd) < 0)
		fail("dup2: %s\n", strerror(errno));
	close(fd);
	for (i = 0; i < NFDS; i++)
		atomic_store(&me.fds[i], -1);
	syscall(SYS_close_range, me.first_free_fd, ~0u, 0);
	pthread_mutex_unlock(&fd_lock);
}

static void publish(struct thread *th)
{
	int32_t v = pool_get(th);

	if (v > 0)
		atomic_store(&sh->pub[me.idx][rn(th, NPUB)], v);
}

static long calls_total;

static void on_fatal(int sig)
{
	char buf[160];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "mxfuzz: proc %d thread %d call %ld (cmd %#lx): signal %d\n",
		     me.idx, cur_thread ? cur_thread->idx : -1,
		     cur_thread ? cur_thread->done : -1L, cur_cmd, sig);
	if (write(1, buf, (size_t)n) < 0)
		_exit(3);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *fuzz_thread(void *arg)
{
	struct thread *th = arg;
	long mine = calls_total / nthreads + (th->idx < calls_total % nthreads);

	for (th->done = 0; th->done < mine; th->done++) {
		if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
			break;
		one_call(th);
		if (((th->done + 1) & 63) == 0) {
			atomic_fetch_add(&sh->calls[me.idx], 64);
			publish(th);
		}
		if (th->idx == 0 && (th->done + 1) % RESET_EVERY == 0)
			reset_table();
	}
	atomic_fetch_add(&sh->calls[me.idx], th->done & 63);
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static int setup_thread(struct thread *th, int idx)
{
	int mfd;

	th->p = &me;
	th->idx = idx;
	mxf_rng_seed(&th->rng, seed ^ mix64(((uint64_t)me.idx << 8) | (uint64_t)idx));
	th->arena = mmap(NULL, ARENA + page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (th->arena == MAP_FAILED)
		return -1;
	memset(th->arena, 0x5a, ARENA);
	if (mprotect(th->arena + ARENA, page, PROT_NONE))
		return -1;
	mfd = memfd_create("mxfuzz", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, (off_t)page))
		return -1;
	th->rw = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	th->ro = mmap(NULL, page, PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);
	if (th->rw == MAP_FAILED || th->ro == MAP_FAILED)
		return -1;
	return 0;
}

/*
 * One fuzzing process: its own descriptor, nthreads threads, and a
 * watcher that interrupts waits that last more than 20 ms.
 */
static int fuzz_proc(int idx, int foreign_fd, long calls)
{
	bool joined[MAX_THREADS] = { false };
	struct sigaction sa;
	int i, alive;

	me.idx = idx;
	me.foreign_fd = foreign_fd;
	me.devfd = open(MX_DEV, O_RDWR);
	if (me.devfd < 0) {
		fail("proc %d: open %s: %s\n", idx, MX_DEV, strerror(errno));
		return 1;
	}
	me.first_free_fd = (me.devfd > foreign_fd ? me.devfd : foreign_fd) + 1;
	syscall(SYS_close_range, me.first_free_fd, ~0u, 0);
	for (i = 0; i < NFDS; i++)
		atomic_store(&me.fds[i], -1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART: waits end in EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);

	calls_total = calls;
	for (i = 0; i < nthreads; i++)
		if (setup_thread(&threads[i], i)) {
			fail("proc %d: thread setup: %s\n", idx, strerror(errno));
			return 1;
		}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i].tid, NULL, fuzz_thread, &threads[i])) {
			fail("proc %d: pthread_create failed\n", idx);
			return 1;
		}
	do {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		uint64_t t;

		nanosleep(&ts, NULL);
		t = now_ns();
		alive = 0;
		for (i = 0; i < nthreads; i++) {
			long since = atomic_load(&threads[i].wait_since);

			if (joined[i])
				continue;
			if (pthread_tryjoin_np(threads[i].tid, NULL) == 0) {
				joined[i] = true;
				continue;
			}
			alive++;
			if (since && t - (uint64_t)since > 20000000ull)
				pthread_kill(threads[i].tid, SIGUSR1);
		}
	} while (alive);
	close(me.devfd);
	syscall(SYS_close_range, me.first_free_fd, ~0u, 0);
	return atomic_load(&sh->failed) ? 1 : 0;
}

/* ---- the parent ------------------------------------------------------- */

static long raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : -errno;
}

/* The parent's pipes: one message queued in each, checked at the end. */
struct parent_pipe {
	int32_t h[2];
	uint32_t token;
};

/*
 * The parent's event: two user signals set, checked at the end (the
 * children see its value, but not its table).
 */
#define PARENT_EV_SIGNALS	(MX_SIGNAL_SIGNAL0 | MX_SIGNAL_SIGNAL3)

static int parent_event_make(int fd, int32_t *ev)
{
	struct mx_ioc_event_create e = { 0 };
	struct mx_ioc_object_signal o = { 0 };

	if (raw(fd, MX_IOC_EVENT_CREATE, &e))
		return -1;
	*ev = e.handle;
	o.handle = (uint32_t)e.handle;
	o.set_mask = PARENT_EV_SIGNALS;
	return raw(fd, MX_IOC_OBJECT_SIGNAL, &o) ? -1 : 0;
}

static int parent_event_check(int fd, int32_t ev)
{
	struct mx_signals_state st = { 0, 0 };
	struct mx_handle_basic_info bi = { 0 };
	struct mx_ioc_wait_one w = {
		.handle = (uint32_t)ev, .signals = MX_SIGNAL_SIGNAL_ALL,
		.state = (uintptr_t)&st,
	};
	struct mx_ioc_handle_get_info g = {
		.handle = (uint32_t)ev, .topic = MX_INFO_HANDLE_BASIC,
		.info = (uintptr_t)&bi, .info_size = sizeof(bi),
	};
	long e = raw(fd, MX_IOC_WAIT_ONE, &w);
	long gi = ioctl(fd, MX_IOC_HANDLE_GET_INFO, &g);

	if (e || st.satisfied != PARENT_EV_SIGNALS ||
	    st.satisfiable != MX_SIGNAL_SIGNAL_ALL) {
		printf("mxfuzz: FAIL: parent event: wait_one gave %ld, state %#x/%#x (want %#x/%#x)\n",
		       e, st.satisfied, st.satisfiable, PARENT_EV_SIGNALS,
		       MX_SIGNAL_SIGNAL_ALL);
		return -1;
	}
	if (gi != (long)sizeof(bi) || bi.type != MX_OBJ_TYPE_EVENT ||
	    bi.rights != (MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER |
			  MX_RIGHT_READ | MX_RIGHT_WRITE) || !bi.koid) {
		printf("mxfuzz: FAIL: parent event: get_info gave %ld, type %u rights %#x koid %#llx\n",
		       gi, bi.type, bi.rights, (unsigned long long)bi.koid);
		return -1;
	}
	if (raw(fd, MX_IOC_HANDLE_CLOSE, &ev)) {
		printf("mxfuzz: FAIL: parent event: close failed\n");
		return -1;
	}
	return 0;
}

static int parent_pipes_make(int fd, struct parent_pipe *pp, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)pp[i].h };
		struct mx_ioc_msgpipe_write w = { 0 };

		if (raw(fd, MX_IOC_MSGPIPE_CREATE, &c))
			return -1;
		pp[i].token = (uint32_t)mix64(seed + (uint64_t)i);
		w.handle = (uint32_t)pp[i].h[0];
		w.bytes = (uintptr_t)&pp[i].token;
		w.num_bytes = 4;
		if (raw(fd, MX_IOC_MSGPIPE_WRITE, &w))
			return -1;
	}
	return 0;
}

static int parent_pipes_check(int fd, struct parent_pipe *pp, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint32_t tok = 0, nb = 4, nh = 0;
		struct mx_ioc_msgpipe_read r = {
			.handle = (uint32_t)pp[i].h[1],
			.bytes = (uintptr_t)&tok, .num_bytes = (uintptr_t)&nb,
			.num_handles = (uintptr_t)&nh,
		};
		long e = raw(fd, MX_IOC_MSGPIPE_READ, &r);

		if (e || nb != 4 || tok != pp[i].token) {
			printf("mxfuzz: FAIL: parent pipe %d: read %ld, %u bytes, token %#x (want %#x)\n",
			       i, e, nb, tok, pp[i].token);
			return -1;
		}
		e = raw(fd, MX_IOC_MSGPIPE_READ, &r);
		if (e != -MX_ERRNO_BAD_STATE) {
			printf("mxfuzz: FAIL: parent pipe %d: second read gave %ld, want empty (-%d)\n",
			       i, e, MX_ERRNO_BAD_STATE);
			return -1;
		}
		if (raw(fd, MX_IOC_HANDLE_CLOSE, &pp[i].h[0]) ||
		    raw(fd, MX_IOC_HANDLE_CLOSE, &pp[i].h[1])) {
			printf("mxfuzz: FAIL: parent pipe %d: close failed\n", i);
			return -1;
		}
	}
	return 0;
}

static long total_calls(int nprocs)
{
	long t = 0;
	int i;

	for (i = 0; i < nprocs; i++)
		t += atomic_load(&sh->calls[i]);
	return t;
}

/* Wait for the children; kill them all if nothing moves for STALL_SECS. */
static int reap(pid_t *pids, int nprocs)
{
	long last = -1;
	uint64_t last_t = now_ns();
	int left = nprocs, rc = 0, i, st;

	while (left) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		long t;

		for (i = 0; i < nprocs; i++) {
			if (!pids[i] || waitpid(pids[i], &st, WNOHANG) != pids[i])
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				rc = 1;
				if (WIFSIGNALED(st))
					fail("proc %d died of signal %d\n", i,
					     WTERMSIG(st));
				else if (!atomic_load(&sh->failed))
					fail("proc %d exited with %d\n", i,
					     WEXITSTATUS(st));
			}
			pids[i] = 0;
			left--;
		}
		t = total_calls(nprocs);
		if (t != last) {
			last = t;
			last_t = now_ns();
		} else if (now_ns() - last_t > STALL_SECS * 1000000000ull) {
			fail("no call completed for %d s: hang (calls so far %ld)\n",
			     STALL_SECS, t);
			for (i = 0; i < nprocs; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			last_t = now_ns();
		}
		nanosleep(&ts, NULL);
	}
	return rc;
}

static void print_errnos(void)
{
	static const char *const names[NCMD_SLOTS] = {
		"version", "create", "write", "read", "close", "dup",
		"replace", "wait_one", "wait_many", "export", "import", "call",
		"event_create", "signal", "get_info", "waitset_create",
		"waitset_add", "waitset_remove", "waitset_wait", "port_create",
		"port_queue", "port_wait", "port_bind",
		"poll_fd",
	};
	int e;

	printf("mxfuzz: successes:");
	for (e = 0; e < NCMD_SLOTS; e++)
		printf(" %s=%ld", names[e], atomic_load(&sh->ok_by_cmd[e]));
	printf("\n");
	printf("mxfuzz: errnos:");
	printf(" ok=%ld", atomic_load(&sh->ok_calls));
	for (e = 1; e < 256; e++)
		if (atomic_load(&sh->errs[e]))
			printf(" %s=%ld", strerrorname_np(e) ? strerrorname_np(e) : "?",
			       atomic_load(&sh->errs[e]));
	printf("\n");
}

int main(int argc, char **argv)
{
	struct parent_pipe pp[PARENT_PIPES];
	int32_t pev = 0;
	long base[MXF_NSTATS], calls = 100000;
	int nprocs = 3, opt, pfd, i, rc = 0;
	pid_t pids[MAX_PROCS];
	uint64_t t0, t1;
	const char *s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = (size_t)sysconf(_SC_PAGESIZE);
	s = getenv("FUZZ_SEED");
	seed = s && *s ? strtoull(s, NULL, 0) : 0;
	s = getenv("FUZZ_CALLS");
	if (s && *s)
		calls = strtol(s, NULL, 0);
	while ((opt = getopt(argc, argv, "n:s:p:t:")) != -1) {
		switch (opt) {
		case 'n': calls = strtol(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'p': nprocs = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-n calls] [-s seed] [-p procs] [-t threads]\n",
				argv[0]);
			return 2;
		}
	}
	if (!seed)
		seed = mix64(now_ns() ^ (uint64_t)getpid());
	if (nprocs < 1 || nprocs > MAX_PROCS || nthreads < 1 ||
	    nthreads > MAX_THREADS || calls < 1) {
		fprintf(stderr, "mxfuzz: bad -p/-t/-n\n");
		return 2;
	}
	printf("mxfuzz: seed=%" PRIu64 " (replay: FUZZ_SEED=%" PRIu64 " or -s %" PRIu64
	       ") calls=%ld procs=%d threads=%d\n",
	       seed, seed, seed, calls, nprocs, nthreads);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || unmapped == MAP_FAILED)
		return perror("mmap"), 1;
	munmap(unmapped, page);
	atomic_flag_clear(&sh->fail_lock);

	if (mxf_stats_read(base)) {
		printf("mxfuzz: FAIL: cannot read %s (module not loaded?)\n", MX_STATS_DIR);
		return 1;
	}
	pfd = open(MX_DEV, O_RDWR);
	if (pfd < 0) {
		printf("mxfuzz: FAIL: open %s: %s\n", MX_DEV, strerror(errno));
		return 1;
	}
	if (parent_pipes_make(pfd, pp, PARENT_PIPES) ||
	    parent_event_make(pfd, &pev)) {
		printf("mxfuzz: FAIL: the parent could not set up its pipes\n");
		return 1;
	}
	for (i = 0; i < PARENT_PIPES; i++) {
		atomic_store(&sh->pub[MAX_PROCS - 1][2 * i], pp[i].h[0]);
		atomic_store(&sh->pub[MAX_PROCS - 1][2 * i + 1], pp[i].h[1]);
	}
	atomic_store(&sh->pub[MAX_PROCS - 1][2 * PARENT_PIPES], pev);

	t0 = now_ns();
	for (i = 0; i < nprocs; i++) {
		long mine = calls / nprocs + (i < calls % nprocs);

		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i])
			_exit(fuzz_proc(i, pfd, mine));
	}
	rc |= reap(pids, nprocs);
	t1 = now_ns();

	if (!atomic_load(&sh->failed) &&
	    (parent_pipes_check(pfd, pp, PARENT_PIPES) ||
	     parent_event_check(pfd, pev)))
		rc = 1;
	close(pfd);
	if (mxf_stats_back(base, "mxfuzz", 50))
		rc = 1;
	print_errnos();
	if (atomic_load(&sh->failed)) {
		printf("mxfuzz: FAIL: %s\n", sh->fail_msg);
		rc = 1;
	}
	printf("mxfuzz: %s: %ld calls in %.1f s (%.0f calls/s), seed=%" PRIu64 "\n",
	       rc ? "FAIL" : "PASS", total_calls(nprocs),
	       (double)(t1 - t0) / 1e9,
	       (double)total_calls(nprocs) * 1e9 / (double)(t1 - t0), seed);
	return rc;
}
