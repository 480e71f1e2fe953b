/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the magenta selftests.
 *
 * Every program skips as a whole (TAP "1..0 # SKIP", exit 4) when
 * /dev/magenta is absent. The fixture "mx" records the module's live-object
 * counters after setup and checks in teardown that the test left no
 * handle, endpoint, event, message, exported file or poll file behind.
 */
#ifndef MX_TEST_H
#define MX_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <magenta/syscalls.h>

#include "kselftest_harness.h"
#include "mx_sysfs.h"

#define MX_DEV		"/dev/magenta"

/* Signal shorthands of the tests. */
#define S0		MX_SIGNAL_SIGNAL0
#define S1		MX_SIGNAL_SIGNAL1
#define S2		MX_SIGNAL_SIGNAL2
#define S3		MX_SIGNAL_SIGNAL3
#define S4		MX_SIGNAL_SIGNAL4
#define SIG_ALL		MX_SIGNAL_SIGNAL_ALL
#define SIG_R		MX_SIGNAL_READABLE
#define SIG_W		MX_SIGNAL_WRITABLE
#define SIG_PC		MX_SIGNAL_PEER_CLOSED

static inline void mx_stats_read(struct mx_stats *s)
{
	s->handles = mx_stat_read("handles");
	s->endpoints = mx_stat_read("endpoints");
	s->messages = mx_stat_read("messages");
	s->message_bytes = mx_stat_read("message_bytes");
	s->xfers = mx_stat_read("xfers");
	s->waiters = mx_stat_read("waiters");
	s->events = mx_stat_read("events");
	s->waitsets = mx_stat_read("waitsets");
	s->ports = mx_stat_read("ports");
	s->port_packets = mx_stat_read("port_packets");
	s->pollfds = mx_stat_read("pollfds");
}

/* Assert that every counter is back to what *base recorded. */
#define EXPECT_STATS_EQ(base) do {					\
	struct mx_stats __now;						\
	mx_stats_read(&__now);						\
	EXPECT_EQ((base)->handles, __now.handles);			\
	EXPECT_EQ((base)->endpoints, __now.endpoints);			\
	EXPECT_EQ((base)->messages, __now.messages);			\
	EXPECT_EQ((base)->message_bytes, __now.message_bytes);		\
	EXPECT_EQ((base)->xfers, __now.xfers);				\
	EXPECT_EQ((base)->waiters, __now.waiters);			\
	EXPECT_EQ((base)->events, __now.events);			\
	EXPECT_EQ((base)->waitsets, __now.waitsets);			\
	EXPECT_EQ((base)->ports, __now.ports);				\
	EXPECT_EQ((base)->port_packets, __now.port_packets);		\
	EXPECT_EQ((base)->pollfds, __now.pollfds);			\
} while (0)

/*
 * Wait for a child and return its exit status, or 128 + signal, or -1.
 */
static inline int mx_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* The size of a memory page. */
/* The state letter of thread @tid of this process, or 0. */
static inline char mx_task_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
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

/* Is thread @tid in ioctl(2)? (true if the kernel does not say) */
static inline bool mx_task_in_ioctl(pid_t tid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == SYS_ioctl && buf[0] != 'r';
}

/*
 * Until (for at most @bound_ns) thread *@tid (0 until it has started)
 * sleeps in its ioctl and the module counts at least @waiters waits. False
 * if *@done first (the call returned) or the bound passed.
 */
static inline bool mx_thread_blocked(_Atomic pid_t *tid, _Atomic bool *done,
				     long waiters, uint64_t bound_ns)
{
	struct timespec ts;
	uint64_t now, end = 0;
	pid_t t;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
		if (!end)
			end = now + bound_ns;
		if (now >= end || atomic_load(done))
			return false;
		t = atomic_load(tid);
		if (t && mx_task_state(t) == 'S' && mx_task_in_ioctl(t) &&
		    mx_stat_read("waiters") >= waiters)
			return !atomic_load(done);
		sched_yield();
	}
}

static inline long mx_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Is @h a handle of this process? (Any answer but ERR_INVALID_ARGS.) */
static inline bool mx_is_valid(mx_handle_t h)
{
	return mx_handle_wait_one(h, MX_SIGNAL_PEER_CLOSED, 0, NULL) !=
	       ERR_INVALID_ARGS;
}

/* Is PEER_CLOSED satisfied on @h right now? */
static inline bool mx_is_peer_closed(mx_handle_t h)
{
	return mx_handle_wait_one(h, MX_SIGNAL_PEER_CLOSED, 0, NULL) ==
	       NO_ERROR;
}

/* A handle value that was valid a moment ago (0 if none could be made). */
static inline mx_handle_t mx_dead_handle(void)
{
	mx_handle_t h[2];

	if (mx_msgpipe_create(h, 0) != NO_ERROR)
		return MX_HANDLE_INVALID;
	mx_handle_close(h[0]);
	mx_handle_close(h[1]);
	return h[0];
}

/* Write a 4-byte message holding @v, carrying the @n handles @hs. */
static inline mx_status_t mx_write_u32(mx_handle_t h, uint32_t v,
				       mx_handle_t *hs, uint32_t n)
{
	return mx_msgpipe_write(h, &v, sizeof(v), hs, n, 0);
}

/* Read <= 4 bytes and @cap handles; *n: the handles read, 0 on error. */
static inline mx_status_t mx_read_u32(mx_handle_t h, uint32_t *v,
				      mx_handle_t *hs, uint32_t cap,
				      uint32_t *n)
{
	uint32_t nb = sizeof(*v), nh = cap;
	mx_status_t r;

	*v = UINT32_MAX;
	r = mx_msgpipe_read(h, v, &nb, hs, hs ? &nh : NULL, 0);
	if (n)
		*n = r == NO_ERROR ? nh : 0;
	return r;
}

/* Send @len bytes on a Unix socket, with @fd attached if >= 0: 0 or -1. */
static inline int mx_sock_send(int sock, const void *buf, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Receive one message of at most @len bytes; *fd gets an attached fd or -1. */
static inline ssize_t mx_sock_recv(int sock, void *buf, size_t len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &m, 0);
	while (n < 0 && errno == EINTR);
	c = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* Send @fd over a Unix socket (SCM_RIGHTS) with one byte: 0 or -1. */
static inline int mx_send_fd(int sock, int fd)
{
	return mx_sock_send(sock, "f", 1, fd);
}

/* Receive the fd sent by mx_send_fd(), or -1. */
static inline int mx_recv_fd(int sock)
{
	char byte;
	int fd;

	if (mx_sock_recv(sock, &byte, 1, &fd) != 1) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Fork a child exiting with @child(end of a new socketpair); pid, or -1. */
static inline pid_t mx_fork_socket(int type, int (*child)(int sock),
				   int *sock)
{
	int sv[2];
	pid_t pid;

	*sock = -1;
	if (socketpair(AF_UNIX, type, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(child(sv[1]));
	}
	close(sv[1]);
	if (pid < 0)
		close(sv[0]);
	else
		*sock = sv[0];
	return pid;
}

/* Open the device (pipe created, closed), then record *base: a status. */
static inline mx_status_t mx_open_baseline(struct mx_stats *base)
{
	mx_handle_t h[2];
	mx_status_t r;

	r = mx_msgpipe_create(h, 0);
	if (r == NO_ERROR)
		r = mx_handle_close(h[0]);
	if (r == NO_ERROR)
		r = mx_handle_close(h[1]);
	mx_stats_read(base);
	return r;
}

/* Skip the whole program, kselftest style, without the module. */
static void __attribute__((constructor)) mx_require_device(void)
{
	if (access(MX_DEV, R_OK | W_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s is missing: load kmod/magenta.ko first\n",
			       MX_DEV);
	}
}

/*
 * FIXTURE(mx): a test that must leave the module as it found it.
 */
FIXTURE(mx) {
	struct mx_stats base;	/* counters before the test body */
};

FIXTURE_SETUP(mx)
{
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
	ASSERT_LE(0, self->base.handles);
}

FIXTURE_TEARDOWN(mx)
{
	EXPECT_STATS_EQ(&self->base);
}

#endif /* MX_TEST_H */
