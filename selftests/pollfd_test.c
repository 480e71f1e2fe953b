// SPDX-License-Identifier: GPL-2.0
/*
 * mx_handle_poll_fd(): a file descriptor that poll(), select() and epoll
 * report readable exactly when mx_waitset_wait() would not block.
 *
 * Covers: every error in the order the call checks; the descriptor's
 * nature (anon inode, read-only, no I/O, not a handle, the handle stays in
 * the table); level-triggered semantics with poll, select and epoll (each
 * agrees with a wait of timeout 0 in every state a wait set goes through);
 * EPOLLET (one edge per event, none without); a thread asleep in poll,
 * select or epoll_wait woken by a message (asleep checked in /proc, never
 * by sleeping); the descriptor outliving the handle (EPOLLHUP, sleepers
 * woken) and the handle outliving the descriptor; a process exit; fork()
 * and exec() with and without MX_POLL_FD_CLOEXEC.
 */
#include "mx_test.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>

#define BOUND_S		20	/* no wait here should get anywhere close */
#define BOUND_MS	(BOUND_S * 1000)
#define BOUND_NS	(BOUND_S * 1000000000ull)
#define EXEC_MARKER	"--mx-pollfd-exec"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The lowest free descriptor: unchanged by a call that made none. */
static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

/* poll() with timeout 0: the revents of @fd. */
static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* select() with timeout 0: is @fd in the read set? (-1 on error) */
static int select_now(int fd)
{
	struct timeval tv = { 0, 0 };
	fd_set rd;

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	if (select(fd + 1, &rd, NULL, NULL, &tv) < 0)
		return -1;
	return FD_ISSET(fd, &rd) ? 1 : 0;
}

/* epoll_wait() with timeout 0 on @ep: the events of its one entry, or 0. */
static int epoll_now(int ep)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, 0);

	if (n < 0)
		return -1;
	return n ? (int)ev.events : 0;
}

/* A new epoll instance watching @fd for EPOLLIN (| @flags). */
static int epoll_on(int fd, uint32_t flags)
{
	struct epoll_event ev = { .events = EPOLLIN | flags };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -1;
	}
	return ep;
}

/* Does mx_waitset_wait() with timeout 0 return results (1), none (0)? */
static int ws_ready(mx_handle_t ws)
{
	mx_waitset_result_t res[8];
	uint32_t n = 8, max = 0;
	mx_status_t r = mx_waitset_wait(ws, 0, &n, res, &max);

	if (r == NO_ERROR)
		return n > 0;
	return r == ERR_TIMED_OUT ? 0 : -1;
}

/*
 * poll, select, a level-triggered epoll and a wait of timeout 0 all say
 * @want (readable or not). The wait is asked last: it must not be what
 * makes the others right. (epoll reports only the events asked for:
 * EPOLLIN.)
 */
#define EXPECT_LEVEL(fd, ep, ws, want) do {				\
	EXPECT_EQ((want) ? (POLLIN | POLLRDNORM) : 0, poll_now(fd));	\
	EXPECT_EQ((want) ? 1 : 0, select_now(fd));			\
	EXPECT_EQ((want) ? EPOLLIN : 0, epoll_now(ep));			\
	EXPECT_EQ((want) ? 1 : 0, ws_ready(ws));			\
	EXPECT_EQ((want) ? (POLLIN | POLLRDNORM) : 0, poll_now(fd));	\
} while (0)

/* A wait set watching the READABLE of @p[1] (cookie 1): pipe @p made. */
static mx_handle_t ws_with_pipe(mx_handle_t *p)
{
	mx_handle_t ws;

	if (mx_msgpipe_create(p, 0) != NO_ERROR)
		return MX_HANDLE_INVALID;
	ws = mx_waitset_create();
	if (ws <= 0 || mx_waitset_add(ws, p[1], MX_SIGNAL_READABLE, 1)) {
		mx_handle_close(p[0]);
		mx_handle_close(p[1]);
		return MX_HANDLE_INVALID;
	}
	return ws;
}

/* ---- the call --------------------------------------------------------- */

TEST(version_has_poll_fd)
{
	struct mx_ioc_version v;
	int fd = open(MX_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MX_IOC_GET_VERSION, &v));
	EXPECT_EQ(MX_ABI_MAJOR, v.abi_major);
	EXPECT_LE(3, v.abi_minor);
	EXPECT_TRUE(v.features & MX_FEATURE_POLL_FD);
	close(fd);
}

/* Each error, in the order checked; none makes a descriptor. */
TEST_F(mx, errors_in_order)
{
	mx_handle_t ws = mx_waitset_create(), ev = mx_event_create(0);
	mx_handle_t p[2], ev0, ws_w, bad = mx_dead_handle();
	int fd0 = next_fd(), fd = -7;

	ASSERT_LT(0, ws);
	ASSERT_LT(0, ev);
	ASSERT_NE(MX_HANDLE_INVALID, bad);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ev0 = mx_handle_duplicate(ev, MX_RIGHT_NONE);
	ASSERT_LT(0, ev0);

	/* NULL fd: before anything, even a bad handle or bad flags. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_poll_fd(bad, 2, NULL));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_poll_fd(ws, 0, NULL));
	/* Unknown flags, before the handle. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_poll_fd(bad, 2, &fd));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_poll_fd(ws, 1u << 31, &fd));
	/* The handle. */
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_poll_fd(bad, 0, &fd));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_poll_fd(MX_HANDLE_INVALID, 0, &fd));
	/* The right, before the type: an event without READ. */
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_poll_fd(ev0, 0, &fd));
	/* A type that cannot be polled. */
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_handle_poll_fd(ev, 0, &fd));
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_handle_poll_fd(p[0], 0, &fd));
	/* A wait set without READ (replace keeps WRITE only). */
	ws_w = mx_handle_replace(ws, MX_RIGHT_WRITE);
	ASSERT_LT(0, ws_w);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_poll_fd(ws_w, 0, &fd));
	EXPECT_EQ(-7, fd);
	EXPECT_EQ(fd0, next_fd());

	/* Everything still works. */
	EXPECT_EQ(NO_ERROR, mx_waitset_add(ws_w, p[1], MX_SIGNAL_READABLE, 1));
	EXPECT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL0));
	mx_handle_close(ws_w);
	mx_handle_close(ev0);
	mx_handle_close(ev);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* Raw ioctl: padding, an unwritable argument, no free descriptor. */
TEST_F(mx, raw_padding_fault_and_rlimit)
{
	mx_handle_t ws = mx_waitset_create();
	struct mx_ioc_handle_poll_fd a;
	struct rlimit old, lim;
	int dev, fd0, fd;
	void *ro;

	ASSERT_LT(0, ws);
	dev = open(MX_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	/* That open is another table: the handle lives in libmx's. */
	memset(&a, 0, sizeof(a));
	a.handle = (uint32_t)ws;
	EXPECT_EQ(-1, ioctl(dev, MX_IOC_HANDLE_POLL_FD, &a));
	EXPECT_EQ(MX_ERRNO_BAD_HANDLE, errno);
	close(dev);

	/* Through libmx's own descriptor, via the status of the call. */
	fd0 = next_fd();
	/* Padding: checked with the flags (ERR_INVALID_ARGS). */
	{
		int mx = -1;

		for (int i = 0; i < 1024; i++) {
			char path[64], lnk[64] = "";

			snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
			if (readlink(path, lnk, sizeof(lnk) - 1) > 0 &&
			    !strcmp(lnk, MX_DEV)) {
				mx = i;
				break;
			}
		}
		ASSERT_LE(0, mx);
		a.pad = 1;
		EXPECT_EQ(-1, ioctl(mx, MX_IOC_HANDLE_POLL_FD, &a));
		EXPECT_EQ(MX_ERRNO_INVALID_ARGS, errno);
		a.pad = 0;
		EXPECT_EQ(fd0, next_fd());

		/* An argument that cannot be written back: EFAULT, no fd. */
		ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, ro);
		memcpy(ro, &a, sizeof(a));
		ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
		EXPECT_EQ(-1, ioctl(mx, MX_IOC_HANDLE_POLL_FD, ro));
		EXPECT_EQ(EFAULT, errno);
		munmap(ro, 4096);
		EXPECT_EQ(fd0, next_fd());
		EXPECT_EQ(0, mx_stat_read("pollfds") - self->base.pollfds);
	}

	/* No free descriptor: ERR_NO_RESOURCES, last. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = fd0;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	fd = -7;
	EXPECT_EQ(ERR_NO_RESOURCES, mx_handle_poll_fd(ws, 0, &fd));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_poll_fd(mx_dead_handle(), 0, &fd));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-7, fd);
	EXPECT_EQ(fd0, next_fd());
	EXPECT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	EXPECT_EQ(fd0, fd);
	close(fd);
	mx_handle_close(ws);
}

/* What the descriptor is, and is not. */
TEST_F(mx, fd_nature)
{
	mx_handle_t p[2], ws = ws_with_pipe(p), got = MX_HANDLE_INVALID;
	char lnk[64] = "", path[64], byte;
	int fd = -1, fd2 = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, mx_stat_read("pollfds") - self->base.pollfds);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ASSERT_LT(0, readlink(path, lnk, sizeof(lnk) - 1));
	EXPECT_STREQ("anon_inode:[magenta-poll]", lnk);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* No I/O. */
	EXPECT_EQ(-1, read(fd, &byte, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	/* Not a handle: import refuses it, and it is no exported file. */
	EXPECT_EQ(ERR_WRONG_TYPE, mx_handle_import(fd, &got));
	EXPECT_EQ(MX_HANDLE_INVALID, got);
	/* The handle stayed: the wait set works, a second fd too. */
	EXPECT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(1, ws_ready(ws));
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, MX_POLL_FD_CLOEXEC, &fd2));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(2, mx_stat_read("pollfds") - self->base.pollfds);
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd2));
	close(fd2);
	close(fd);
	EXPECT_EQ(0, mx_stat_read("pollfds") - self->base.pollfds);
	mx_handle_close(ws);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* The fd follows the object: a replaced handle keeps it working. */
TEST_F(mx, replace_keeps_fd)
{
	mx_handle_t p[2], ws = ws_with_pipe(p), ws2;
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ws2 = mx_handle_replace(ws, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, ws2);
	EXPECT_EQ(0, poll_now(fd));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd));
	EXPECT_EQ(1, ws_ready(ws2));
	ASSERT_EQ(NO_ERROR, mx_handle_close(ws2));
	EXPECT_EQ(POLLHUP, poll_now(fd));
	close(fd);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* ---- level-triggered: poll, select, epoll agree with a wait ------------ */

TEST_F(mx, level_follows_wait)
{
	mx_handle_t p[2], q[2], ws = ws_with_pipe(p), ev = mx_event_create(0);
	uint32_t v;
	int fd = -1, ep;

	ASSERT_LT(0, ws);
	ASSERT_LT(0, ev);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, MX_POLL_FD_CLOEXEC, &fd));
	ep = epoll_on(fd, 0);
	ASSERT_LE(0, ep);

	/* An entry without a result. */
	EXPECT_LEVEL(fd, ep, ws, false);
	/* A message: readable, and stays so while it is queued. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 7, NULL, 0));
	EXPECT_LEVEL(fd, ep, ws, true);
	EXPECT_LEVEL(fd, ep, ws, true);
	/* Read: the cause is gone, and so is readability. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_LEVEL(fd, ep, ws, false);
	/* Read without a wait or a poll in between: still exact. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 8, NULL, 0));
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_EQ(0, poll_now(fd));
	EXPECT_LEVEL(fd, ep, ws, false);

	/* An event's signal, set then cleared. */
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, ev, MX_SIGNAL_SIGNAL1, 2));
	EXPECT_LEVEL(fd, ep, ws, false);
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL1));
	EXPECT_LEVEL(fd, ep, ws, true);
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, MX_SIGNAL_SIGNAL1, 0));
	EXPECT_LEVEL(fd, ep, ws, false);
	/* Added with a result at once. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL2));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, ev, MX_SIGNAL_SIGNAL2, 3));
	EXPECT_LEVEL(fd, ep, ws, true);
	/* Removed: the result goes with it. */
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 3));
	EXPECT_LEVEL(fd, ep, ws, false);

	/* Unsatisfiable (ERR_BAD_STATE) is a result: SIGNAL0 of a pipe. */
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, q[0], MX_SIGNAL_SIGNAL0, 4));
	EXPECT_LEVEL(fd, ep, ws, true);
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 4));
	EXPECT_LEVEL(fd, ep, ws, false);
	/* A watched handle closed (ERR_CANCELLED) is a result. */
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, q[0], MX_SIGNAL_READABLE, 5));
	EXPECT_LEVEL(fd, ep, ws, false);
	mx_handle_close(q[0]);
	EXPECT_LEVEL(fd, ep, ws, true);
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 5));
	EXPECT_LEVEL(fd, ep, ws, false);

	close(ep);
	close(fd);
	mx_handle_close(ws);
	mx_handle_close(ev);
	mx_handle_close(q[1]);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* Many entries: readable while any one has a result. */
TEST_F(mx, level_many_entries)
{
	enum { N = 64 };
	mx_handle_t ws = mx_waitset_create(), p[N][2];
	uint32_t v;
	int fd = -1, ep;

	ASSERT_LT(0, ws);
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p[i], 0));
		ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, p[i][1],
						   MX_SIGNAL_READABLE, i));
	}
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ep = epoll_on(fd, 0);
	ASSERT_LE(0, ep);
	EXPECT_LEVEL(fd, ep, ws, false);
	for (int i = 0; i < N; i += 7)
		ASSERT_EQ(NO_ERROR, mx_write_u32(p[i][0], i, NULL, 0));
	for (int i = 0; i < N; i += 7) {
		EXPECT_LEVEL(fd, ep, ws, true);
		ASSERT_EQ(NO_ERROR, mx_read_u32(p[i][1], &v, NULL, 0, NULL));
		EXPECT_EQ((uint32_t)i, v);
	}
	EXPECT_LEVEL(fd, ep, ws, false);
	close(ep);
	close(fd);
	for (int i = 0; i < N; i++) {
		mx_handle_close(p[i][0]);
		mx_handle_close(p[i][1]);
	}
	mx_handle_close(ws);
}

/* ---- edge-triggered ---------------------------------------------------- */

/* Edges (epoll_wait with timeout 0 returning the entry) until none. */
static int edges(int ep)
{
	struct epoll_event ev;
	int n = 0;

	while (epoll_wait(ep, &ev, 1, 0) == 1 && n < 100)
		n++;
	return n;
}

TEST_F(mx, epollet_one_edge_per_event)
{
	mx_handle_t p[2], q[2], ws = ws_with_pipe(p), ev = mx_event_create(0);
	uint32_t v;
	int fd = -1, ep;

	ASSERT_LT(0, ws);
	ASSERT_LT(0, ev);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, 0));
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, q[1], MX_SIGNAL_READABLE, 2));
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ep = epoll_on(fd, EPOLLET);
	ASSERT_LE(0, ep);
	EXPECT_EQ(0, edges(ep));

	/* A message: one edge, then none (not even after a wait). */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(1, edges(ep));
	EXPECT_EQ(0, edges(ep));
	EXPECT_EQ(1, ws_ready(ws));
	EXPECT_EQ(0, edges(ep));
	/* A second message while the entry is still ready: a new edge. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 2, NULL, 0));
	EXPECT_EQ(1, edges(ep));
	/* Another entry's message: a new edge. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(q[0], 3, NULL, 0));
	EXPECT_EQ(1, edges(ep));
	/* Drain directly (no wait): the entries are stale on the ready list. */
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	ASSERT_EQ(NO_ERROR, mx_read_u32(q[1], &v, NULL, 0, NULL));
	EXPECT_EQ(0, edges(ep));
	/* A message to an entry that is stale there: still an edge. */
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 4, NULL, 0));
	EXPECT_EQ(1, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_EQ(0, edges(ep));
	/* A signal of a watched event; a signal not watched: nothing. */
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, ev, MX_SIGNAL_SIGNAL0, 3));
	EXPECT_EQ(0, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL3));
	EXPECT_EQ(0, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL0));
	EXPECT_EQ(1, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 3));
	/* An entry added with a result at once: an edge. */
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, ev, MX_SIGNAL_SIGNAL0, 4));
	EXPECT_EQ(1, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_waitset_remove(ws, 4));
	EXPECT_EQ(0, edges(ep));
	/* The wait set's handle closed: one EPOLLHUP edge. */
	mx_handle_close(ws);
	{
		struct epoll_event e;

		EXPECT_EQ(1, epoll_wait(ep, &e, 1, 0));
		EXPECT_EQ(EPOLLHUP, e.events);
	}
	EXPECT_EQ(0, edges(ep));
	close(ep);
	close(fd);
	mx_handle_close(ev);
	mx_handle_close(q[0]);
	mx_handle_close(q[1]);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* ---- sleepers ---------------------------------------------------------- */

enum how { HOW_POLL, HOW_SELECT, HOW_EPOLL, HOW_EPOLLET, HOW_EPOLLEXCL };

struct sleeper {
	pthread_t thr;
	enum how how;
	int fd, ep;
	_Atomic pid_t tid;
	_Atomic bool done;
	int ret;
	unsigned int events;
};

static void *sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	atomic_store(&s->tid, (pid_t)syscall(SYS_gettid));
	switch (s->how) {
	case HOW_POLL: {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };

		s->ret = poll(&p, 1, BOUND_MS);
		s->events = p.revents;
		break;
	}
	case HOW_SELECT: {
		struct timeval tv = { BOUND_S, 0 };
		fd_set rd;

		FD_ZERO(&rd);
		FD_SET(s->fd, &rd);
		s->ret = select(s->fd + 1, &rd, NULL, NULL, &tv);
		s->events = FD_ISSET(s->fd, &rd) ? POLLIN : 0;
		break;
	}
	default: {
		struct epoll_event e = { 0 };

		s->ret = epoll_wait(s->ep, &e, 1, BOUND_MS);
		s->events = e.events;
		break;
	}
	}
	atomic_store(&s->done, true);
	return NULL;
}

/* The syscall numbers @how may sleep in (glibc picks one of each pair). */
static bool in_syscall(enum how how, long nr)
{
	switch (how) {
	case HOW_POLL:
		return nr == SYS_poll || nr == SYS_ppoll;
	case HOW_SELECT:
		return nr == SYS_select || nr == SYS_pselect6;
	default:
		return nr == SYS_epoll_wait || nr == SYS_epoll_pwait;
	}
}

/* State letter and syscall of task @tid of process @pid (0, -1 if gone). */
static char task_sleep(pid_t pid, pid_t tid, long *nr)
{
	char path[80], buf[512], *p;
	ssize_t n;
	int fd;

	*nr = -1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] == 'r')	/* "running" */
		return 0;
	buf[n] = '\0';
	*nr = strtol(buf, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Until (bounded) task @tid of @pid sleeps ('S') in the syscall of @how:
 * poll, select and epoll_wait sleep only after polling the file once,
 * so by then it is queued on the wait set's queue.
 */
static bool asleep_in(pid_t pid, pid_t tid, enum how how)
{
	uint64_t end = now_ns() + BOUND_NS;
	long nr;

	while (now_ns() < end) {
		if (task_sleep(pid, tid, &nr) == 'S' && in_syscall(how, nr))
			return true;
		sched_yield();
	}
	return false;
}

static int sleeper_start(struct sleeper *s, enum how how, int fd)
{
	memset(s, 0, sizeof(*s));
	s->how = how;
	s->fd = fd;
	s->ep = -1;
	s->ret = -2;
	if (how >= HOW_EPOLL) {
		s->ep = epoll_on(fd, how == HOW_EPOLLET ? EPOLLET :
				 how == HOW_EPOLLEXCL ? EPOLLEXCLUSIVE : 0);
		if (s->ep < 0)
			return -1;
	}
	return pthread_create(&s->thr, NULL, sleeper_fn, s) ? -1 : 0;
}

static bool sleeper_asleep(struct sleeper *s)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (!atomic_load(&s->tid) && now_ns() < end)
		sched_yield();
	return atomic_load(&s->tid) &&
	       asleep_in(getpid(), atomic_load(&s->tid), s->how) &&
	       !atomic_load(&s->done);
}

/*
 * Join @s, woken by what the caller did since @t0: well before its
 * timeout, or it was not woken but timed out (and saw the state then).
 */
static bool sleeper_join(struct sleeper *s, uint64_t t0)
{
	pthread_join(s->thr, NULL);
	if (s->ep >= 0)
		close(s->ep);
	return now_ns() - t0 < BOUND_NS / 2;
}

FIXTURE(wake) {
	struct mx_stats base;
};

FIXTURE_VARIANT(wake) {
	enum how how;
};

FIXTURE_VARIANT_ADD(wake, poll) { .how = HOW_POLL };
FIXTURE_VARIANT_ADD(wake, select) { .how = HOW_SELECT };
FIXTURE_VARIANT_ADD(wake, epoll) { .how = HOW_EPOLL };
FIXTURE_VARIANT_ADD(wake, epollet) { .how = HOW_EPOLLET };
FIXTURE_VARIANT_ADD(wake, epollexclusive) { .how = HOW_EPOLLEXCL };

FIXTURE_SETUP(wake)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
}

FIXTURE_TEARDOWN(wake)
{
	EXPECT_STATS_EQ(&self->base);
}

/* A thread asleep on the fd is woken by a message into a watched pipe. */
TEST_F(wake, by_message)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	struct sleeper s;
	uint64_t t0;
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	EXPECT_TRUE(s.events & POLLIN);
	close(fd);
	mx_handle_close(ws);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* ... by a watched signal, not by one that is not watched. */
TEST_F(wake, by_add_and_signal)
{
	mx_handle_t ws = mx_waitset_create(), ev = mx_event_create(0);
	struct sleeper s;
	uint64_t t0;
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_LT(0, ev);
	ASSERT_EQ(NO_ERROR, mx_waitset_add(ws, ev, MX_SIGNAL_SIGNAL4, 9));
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	/* A signal not watched leaves it asleep. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL3));
	ASSERT_TRUE(sleeper_asleep(&s));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL4));
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	EXPECT_TRUE(s.events & POLLIN);
	close(fd);
	mx_handle_close(ws);
	mx_handle_close(ev);
}

/* The fd outlives the handle: closing it wakes sleepers with EPOLLHUP. */
TEST_F(wake, by_handle_close)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	struct sleeper s;
	uint64_t t0;
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, mx_handle_close(ws));
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	/* select() counts a hang-up as readable. */
	EXPECT_EQ(variant->how == HOW_SELECT ? POLLIN : POLLHUP, s.events);
	/* The object lives on with the fd, without its entries. */
	EXPECT_EQ(POLLHUP, poll_now(fd));
	EXPECT_EQ(1, select_now(fd));
	EXPECT_EQ(1, mx_stat_read("waitsets") - self->base.waitsets);
	/* A message to the pipe it watched is no event of it any more. */
	EXPECT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(POLLHUP, poll_now(fd));
	close(fd);
	EXPECT_EQ(0, mx_stat_read("waitsets") - self->base.waitsets);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* ---- lifetimes ---------------------------------------------------------- */

/* The handle outlives the fd (in an epoll set too): the wait set works. */
TEST_F(mx, handle_outlives_fd)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	int fd = -1, fd2 = -1, ep;
	uint32_t v;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ep = epoll_on(fd, 0);
	ASSERT_LE(0, ep);
	close(fd);	/* epoll drops it: the last reference to the file */
	EXPECT_EQ(0, mx_stat_read("pollfds") - self->base.pollfds);
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(0, epoll_now(ep));	/* the fd left the epoll set */
	EXPECT_EQ(1, ws_ready(ws));
	ASSERT_EQ(NO_ERROR, mx_read_u32(p[1], &v, NULL, 0, NULL));
	EXPECT_EQ(0, ws_ready(ws));
	/* A new one sees the current state. */
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd2));
	EXPECT_EQ(0, poll_now(fd2));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 2, NULL, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd2));
	close(fd2);
	close(ep);
	mx_handle_close(ws);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/*
 * The fd outlives the process (and table) that made it: the child sends
 * its fd and exits; its handles are closed, the fd says EPOLLHUP.
 */
static int child_sends_fd(int sock)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	int fd = -1;

	if (ws <= 0 || mx_handle_poll_fd(ws, 0, &fd))
		return 1;
	if (mx_write_u32(p[0], 1, NULL, 0))
		return 2;
	if (mx_send_fd(sock, fd))
		return 3;
	return 0;	/* exit closes every handle */
}

TEST_F(mx, fd_outlives_process)
{
	pid_t pid;
	int sock, fd, ep;

	pid = mx_fork_socket(SOCK_STREAM, child_sends_fd, &sock);
	ASSERT_LT(0, pid);
	fd = mx_recv_fd(sock);
	ASSERT_LE(0, fd);
	ep = epoll_on(fd, EPOLLET);
	ASSERT_LE(0, ep);
	EXPECT_EQ(0, mx_wait_child(pid));
	close(sock);
	EXPECT_EQ(POLLHUP, poll_now(fd));
	EXPECT_EQ(EPOLLHUP, epoll_now(ep));
	EXPECT_EQ(1, mx_stat_read("waitsets") - self->base.waitsets);
	EXPECT_EQ(0, mx_stat_read("endpoints") - self->base.endpoints);
	close(ep);
	close(fd);
	EXPECT_EQ(0, mx_stat_read("waitsets") - self->base.waitsets);
}

/* ---- fork and exec ------------------------------------------------------ */

/* A forked child polls the inherited fd; the parent makes it readable. */
TEST_F(mx, fork_child_polls)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	int fd = -1, go[2];
	pid_t pid;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, MX_POLL_FD_CLOEXEC, &fd));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		/* Not readable yet; then asleep until the parent writes. */
		if (poll_now(fd) != 0)
			_exit(10);
		if (write(go[1], "g", 1) != 1)
			_exit(11);
		if (poll(&pf, 1, BOUND_MS) != 1 || pf.revents != POLLIN)
			_exit(12);
		_exit(0);
	}
	{
		char c;

		ASSERT_EQ(1, read(go[0], &c, 1));
	}
	ASSERT_TRUE(asleep_in(pid, pid, HOW_POLL));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(0, mx_wait_child(pid));
	close(go[0]);
	close(go[1]);
	close(fd);
	mx_handle_close(ws);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* Exit codes of the exec()ed child. */
enum { EXEC_OK = 0, EXEC_BAD_ARGS = 20, EXEC_NOT_OPEN, EXEC_STILL_OPEN,
       EXEC_WRONG_FILE, EXEC_WRONG_EVENTS, EXEC_NO_MX };

/*
 * In the exec()ed image: MODE "readable": fd is our poll file and says
 * readable; "closed": exec() closed it; "hup": this process made the wait
 * set before its exec(), which closed the handle (libmx's descriptor is
 * close-on-exec): the fd survived and says EPOLLHUP.
 */
static int exec_child(const char *mode, int fd)
{
	char path[64], lnk[64] = "";

	if (!strcmp(mode, "closed"))
		return fcntl(fd, F_GETFD) == -1 && errno == EBADF ?
		       EXEC_OK : EXEC_STILL_OPEN;
	if (fcntl(fd, F_GETFD) == -1)
		return EXEC_NOT_OPEN;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, lnk, sizeof(lnk) - 1) <= 0 ||
	    strcmp(lnk, "anon_inode:[magenta-poll]"))
		return EXEC_WRONG_FILE;
	if (!strcmp(mode, "readable"))
		return poll_now(fd) == (POLLIN | POLLRDNORM) ?
		       EXEC_OK : EXEC_WRONG_EVENTS;
	if (!strcmp(mode, "hup"))
		return poll_now(fd) == POLLHUP ? EXEC_OK : EXEC_WRONG_EVENTS;
	return EXEC_BAD_ARGS;
}

static void __attribute__((constructor)) exec_child_entry(void)
{
	char buf[256], *arg[4];
	int fd, argc = 0;
	ssize_t n;
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
	_exit(exec_child(arg[2], atoi(arg[3])));
}

static void exec_self(const char *mode, int fd)
{
	char fdstr[16];

	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", "pollfd_test", EXEC_MARKER, mode, fdstr,
	      (char *)NULL);
	_exit(127);
}

static pid_t spawn_exec(const char *mode, int fd)
{
	pid_t pid = fork();

	if (pid == 0)
		exec_self(mode, fd);
	return pid;
}

/* Without MX_POLL_FD_CLOEXEC the fd reaches an exec()ed program, and works. */
TEST_F(mx, exec_inherits_fd)
{
	mx_handle_t p[2], ws = ws_with_pipe(p);
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, 0, &fd));
	ASSERT_EQ(NO_ERROR, mx_write_u32(p[0], 1, NULL, 0));
	EXPECT_EQ(EXEC_OK, mx_wait_child(spawn_exec("readable", fd)));
	/* And ours still works. */
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd));
	close(fd);
	mx_handle_close(ws);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* With MX_POLL_FD_CLOEXEC exec() closes it. */
TEST_F(mx, exec_cloexec_closes_fd)
{
	mx_handle_t ws = mx_waitset_create();
	int fd = -1;

	ASSERT_LT(0, ws);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(ws, MX_POLL_FD_CLOEXEC, &fd));
	EXPECT_EQ(EXEC_OK, mx_wait_child(spawn_exec("closed", fd)));
	close(fd);
	mx_handle_close(ws);
}

/* The owner's exec() closes its handles; the fd stays, saying EPOLLHUP. */
TEST_F(mx, exec_by_owner_gives_hup)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mx_handle_t p[2], ws = ws_with_pipe(p);
		int fd = -1;

		if (ws <= 0 || mx_handle_poll_fd(ws, 0, &fd) ||
		    mx_write_u32(p[0], 1, NULL, 0) ||
		    poll_now(fd) != (POLLIN | POLLRDNORM))
			_exit(EXEC_NO_MX);
		exec_self("hup", fd);
	}
	EXPECT_EQ(EXEC_OK, mx_wait_child(pid));
}

/* ---- IO ports ------------------------------------------------------------ */

/* Queue a user packet with key @key on @port. */
static mx_status_t port_put(mx_handle_t port, uint64_t key)
{
	mx_packet_header_t h = { .key = key };

	return mx_port_queue(port, &h, sizeof(h));
}

/* Take the oldest packet of @port (which must have one): its key. */
static uint64_t port_take(mx_handle_t port)
{
	unsigned char buf[MX_PORT_MAX_PKT_SIZE];
	mx_packet_header_t *h = (mx_packet_header_t *)buf;

	if (mx_port_wait(port, buf, sizeof(buf)) != NO_ERROR)
		return UINT64_MAX;
	return h->key;
}

/* poll, select and a level-triggered epoll all say @want (readable). */
#define EXPECT_PORT_LEVEL(fd, ep, want) do {				\
	EXPECT_EQ((want) ? (POLLIN | POLLRDNORM) : 0, poll_now(fd));	\
	EXPECT_EQ((want) ? 1 : 0, select_now(fd));			\
	EXPECT_EQ((want) ? EPOLLIN : 0, epoll_now(ep));			\
} while (0)

/* Readable exactly while a packet is queued: port_wait would not block. */
TEST_F(mx, port_level_follows_queue)
{
	mx_handle_t port = mx_port_create(0), ev = mx_event_create(0);
	int fd = -1, ep;

	ASSERT_LT(0, port);
	ASSERT_LT(0, ev);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(port, 0, &fd));
	ep = epoll_on(fd, 0);
	ASSERT_LE(0, ep);
	EXPECT_PORT_LEVEL(fd, ep, false);
	ASSERT_EQ(NO_ERROR, port_put(port, 1));
	ASSERT_EQ(NO_ERROR, port_put(port, 2));
	EXPECT_PORT_LEVEL(fd, ep, true);
	EXPECT_EQ(1u, port_take(port));
	EXPECT_PORT_LEVEL(fd, ep, true);
	EXPECT_EQ(2u, port_take(port));
	EXPECT_PORT_LEVEL(fd, ep, false);

	/* A bound source's packet counts the same. */
	ASSERT_EQ(NO_ERROR, mx_port_bind(port, 7, ev, MX_SIGNAL_SIGNAL0));
	EXPECT_PORT_LEVEL(fd, ep, false);
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL0));
	EXPECT_PORT_LEVEL(fd, ep, true);
	EXPECT_EQ(7u, port_take(port));
	EXPECT_PORT_LEVEL(fd, ep, false);
	close(ep);
	close(fd);
	mx_handle_close(ev);
	mx_handle_close(port);
}

/* EPOLLET: one edge per packet queued; a merged source edge is none. */
TEST_F(mx, port_epollet_one_edge_per_packet)
{
	mx_handle_t port = mx_port_create(0), ev = mx_event_create(0);
	int fd = -1, ep;

	ASSERT_LT(0, port);
	ASSERT_LT(0, ev);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(port, 0, &fd));
	ep = epoll_on(fd, EPOLLET);
	ASSERT_LE(0, ep);
	EXPECT_EQ(0, edges(ep));
	ASSERT_EQ(NO_ERROR, port_put(port, 1));
	EXPECT_EQ(1, edges(ep));
	EXPECT_EQ(0, edges(ep));
	/* A second packet while the first is queued: a new edge. */
	ASSERT_EQ(NO_ERROR, port_put(port, 2));
	EXPECT_EQ(1, edges(ep));
	/* Taking packets: none. */
	EXPECT_EQ(1u, port_take(port));
	EXPECT_EQ(2u, port_take(port));
	EXPECT_EQ(0, edges(ep));
	/* A source's rise: an edge; another rise merged into its queued
	 * packet: none (no packet more); after it is taken, an edge again.
	 */
	ASSERT_EQ(NO_ERROR, mx_port_bind(port, 5, ev, MX_SIGNAL_SIGNAL1));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL1));
	EXPECT_EQ(1, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, MX_SIGNAL_SIGNAL1, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL1));
	EXPECT_EQ(0, edges(ep));
	EXPECT_EQ(5u, port_take(port));
	EXPECT_EQ(0, edges(ep));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, MX_SIGNAL_SIGNAL1, 0));
	ASSERT_EQ(NO_ERROR, mx_object_signal(ev, 0, MX_SIGNAL_SIGNAL1));
	EXPECT_EQ(1, edges(ep));
	EXPECT_EQ(5u, port_take(port));
	/* The port closed: one EPOLLHUP edge. */
	mx_handle_close(port);
	{
		struct epoll_event e;

		EXPECT_EQ(1, epoll_wait(ep, &e, 1, 0));
		EXPECT_EQ(EPOLLHUP, e.events);
	}
	EXPECT_EQ(0, edges(ep));
	close(ep);
	close(fd);
	mx_handle_close(ev);
}

/*
 * A port has many holders: the fd hangs up when the last one goes, not
 * the handle it was made from (a duplicate, a message carrying it).
 */
TEST_F(mx, port_hangs_up_with_its_last_holder)
{
	mx_handle_t port = mx_port_create(0), dup, p[2], got = 0;
	uint32_t nh = 1, nb = 0;
	int fd = -1;

	ASSERT_LT(0, port);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(p, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(port, MX_POLL_FD_CLOEXEC, &fd));
	dup = mx_handle_duplicate(port, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, dup);
	ASSERT_EQ(NO_ERROR, port_put(port, 3));
	ASSERT_EQ(NO_ERROR, mx_handle_close(port));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd));
	/* In flight in a message: still the same port, still readable. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], NULL, 0, &dup, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(fd));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(p[1], NULL, &nb, &got, &nh, 0));
	ASSERT_LT(0, got);
	EXPECT_EQ(3u, port_take(got));
	EXPECT_EQ(0, poll_now(fd));
	/* The last holder gone: hung up, and nothing else. */
	ASSERT_EQ(NO_ERROR, mx_handle_close(got));
	EXPECT_EQ(POLLHUP, poll_now(fd));
	EXPECT_EQ(1, select_now(fd));
	EXPECT_EQ(1, mx_stat_read("ports") - self->base.ports);
	close(fd);
	EXPECT_EQ(0, mx_stat_read("ports") - self->base.ports);
	mx_handle_close(p[0]);
	mx_handle_close(p[1]);
}

/* A thread asleep on a port's fd is woken by a packet, and by the close. */
TEST_F(wake, port_by_packet_and_close)
{
	mx_handle_t port = mx_port_create(0);
	struct sleeper s;
	uint64_t t0;
	int fd = -1;

	ASSERT_LT(0, port);
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(port, 0, &fd));
	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, port_put(port, 1));
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	EXPECT_TRUE(s.events & POLLIN);
	EXPECT_EQ(1u, port_take(port));

	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, mx_handle_close(port));
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	EXPECT_EQ(variant->how == HOW_SELECT ? POLLIN : POLLHUP, s.events);
	close(fd);
}

/* The port_wait thread of a port_wait call. */
struct port_waiter {
	mx_handle_t port;
	_Atomic pid_t tid;
	_Atomic bool done;
	mx_status_t r;
	uint64_t key;
};

static void *port_waiter_fn(void *arg)
{
	struct port_waiter *w = arg;
	unsigned char buf[MX_PORT_MAX_PKT_SIZE];

	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	w->r = mx_port_wait(w->port, buf, sizeof(buf));
	w->key = ((mx_packet_header_t *)buf)->key;
	atomic_store(&w->done, true);
	return NULL;
}

/*
 * A thread in port_wait and a thread polling the port's fd: the one
 * packet goes to the waiter, whatever the poller (EPOLLEXCLUSIVE too)
 * does with its own wake-up.
 */
TEST_F(wake, port_poller_takes_no_wakeup_from_a_waiter)
{
	mx_handle_t port = mx_port_create(0);
	struct port_waiter w = { .r = ERR_INTERNAL };
	struct sleeper s;
	uint64_t t0, end = now_ns() + BOUND_NS;
	pthread_t thr;
	pid_t tid;
	int fd = -1;

	ASSERT_LT(0, port);
	w.port = port;
	ASSERT_EQ(NO_ERROR, mx_handle_poll_fd(port, 0, &fd));
	ASSERT_EQ(0, sleeper_start(&s, variant->how, fd));
	ASSERT_TRUE(sleeper_asleep(&s));
	ASSERT_EQ(0, pthread_create(&thr, NULL, port_waiter_fn, &w));
	for (;;) {
		tid = atomic_load(&w.tid);
		if (tid && mx_task_state(tid) == 'S' && mx_task_in_ioctl(tid))
			break;
		ASSERT_LT(now_ns(), end);
		sched_yield();
	}
	t0 = now_ns();
	ASSERT_EQ(NO_ERROR, port_put(port, 9));
	end = now_ns() + BOUND_NS;
	while (!atomic_load(&w.done) && now_ns() < end)
		sched_yield();
	EXPECT_TRUE(atomic_load(&w.done))
		TH_LOG("the port waiter slept with a packet queued");
	if (!atomic_load(&w.done))
		ASSERT_EQ(NO_ERROR, port_put(port, 9));	/* to end it */
	pthread_join(thr, NULL);
	EXPECT_EQ(NO_ERROR, w.r);
	EXPECT_EQ(9u, w.key);
	EXPECT_LT(now_ns() - t0, BOUND_NS / 2);
	/*
	 * The poller may have seen the packet or found it taken already and
	 * slept on (level); the close ends it either way.
	 */
	t0 = now_ns();
	mx_handle_close(port);
	EXPECT_TRUE(sleeper_join(&s, t0));
	EXPECT_EQ(1, s.ret);
	close(fd);
}


TEST_HARNESS_MAIN
