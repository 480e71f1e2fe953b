// SPDX-License-Identifier: GPL-2.0
/*
 * Security properties: handles cannot be used, guessed or stolen across
 * processes; an unprivileged user can use the device; one user cannot read
 * another's messages, not even holding the other's /dev/magenta descriptor;
 * a flooder is stopped by the queue limits and pays for its messages in its
 * own memory cgroup.
 */
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "mx_test.h"

#define NOBODY		65534
#define NOBODY2		65533
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP2_MAGIC	0x63677270

/* Raw calls on an explicit descriptor: 0 or -errno. */
static int raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int raw_create(int fd, mx_handle_t h[2])
{
	struct mx_ioc_msgpipe_create a = { .handles = (uintptr_t)h };

	return raw(fd, MX_IOC_MSGPIPE_CREATE, &a);
}

static int raw_write(int fd, mx_handle_t h, const void *b, uint32_t n)
{
	struct mx_ioc_msgpipe_write a = {
		.handle = (uint32_t)h, .bytes = (uintptr_t)b, .num_bytes = n,
	};

	return raw(fd, MX_IOC_MSGPIPE_WRITE, &a);
}

static int raw_read(int fd, mx_handle_t h, void *b, uint32_t *n)
{
	uint32_t nh = 0;
	struct mx_ioc_msgpipe_read a = {
		.handle = (uint32_t)h, .bytes = (uintptr_t)b,
		.num_bytes = (uintptr_t)n, .num_handles = (uintptr_t)&nh,
	};

	return raw(fd, MX_IOC_MSGPIPE_READ, &a);
}

static int raw_close(int fd, mx_handle_t h)
{
	return raw(fd, MX_IOC_HANDLE_CLOSE, &h);
}

/* Send @n fds and @len bytes of data over a unix socket. */
static int send_fds(int sock, const int *fds, int n, const void *data,
		    size_t len)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { (void *)data, len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	return sendmsg(sock, &m, 0) == (ssize_t)len ? 0 : -1;
}

/* Receive up to 4 fds and @len bytes; returns the number of fds or -1. */
static int recv_fds(int sock, int *fds, void *data, size_t len)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { data, len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int n;

	if (recvmsg(sock, &m, 0) != (ssize_t)len)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	return n;
}

static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -1;
	return getuid() == uid && geteuid() == uid ? 0 : -1;
}

#define NPIPES 8

struct victim {
	mx_handle_t h[NPIPES][2];
};

static void victim_make(struct __test_metadata *_metadata, struct victim *v)
{
	uint32_t tok;
	int i;

	for (i = 0; i < NPIPES; i++) {
		ASSERT_EQ(NO_ERROR, mx_msgpipe_create(v->h[i], 0));
		tok = 0x5ec0000u + i;
		ASSERT_EQ(NO_ERROR, mx_msgpipe_write(v->h[i][0], &tok,
						     sizeof(tok), NULL, 0, 0));
	}
}

/* Every pipe still holds exactly its message, then close everything. */
static void victim_check(struct __test_metadata *_metadata, struct victim *v)
{
	uint32_t tok, nb;
	int i;

	for (i = 0; i < NPIPES; i++) {
		nb = sizeof(tok);
		tok = 0;
		EXPECT_EQ(NO_ERROR, mx_msgpipe_read(v->h[i][1], &tok, &nb,
						    NULL, NULL, 0));
		EXPECT_EQ(0x5ec0000u + i, tok);
		nb = sizeof(tok);
		EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_read(v->h[i][1], &tok, &nb,
							 NULL, NULL, 0));
		EXPECT_EQ(NO_ERROR, mx_handle_close(v->h[i][0]));
		EXPECT_EQ(NO_ERROR, mx_handle_close(v->h[i][1]));
	}
}

static bool is_own(const mx_handle_t *own, int n, mx_handle_t v)
{
	int i;

	for (i = 0; i < n; i++)
		if (own[i] == v)
			return true;
	return false;
}

/*
 * In a child: every call on the victim's values fails as for an invalid
 * handle. Returns the number of calls that did not.
 */
static int attack_values(const struct victim *v)
{
	mx_handle_t own[2], hs[1];
	uint32_t nb, b;
	int i, j, bad = 0, fd;

	if (mx_msgpipe_create(own, 0))	/* a table of our own */
		return 100;
	for (i = 0; i < NPIPES; i++)
		for (j = 0; j < 2; j++) {
			mx_handle_t x = v->h[i][j];

			if (is_own(own, 2, x))
				continue;
			nb = sizeof(b);
			hs[0] = x;
			bad += mx_msgpipe_read(x, &b, &nb, NULL, NULL, 0) !=
			       ERR_INVALID_ARGS;
			bad += mx_msgpipe_write(x, &b, sizeof(b), NULL, 0, 0) !=
			       ERR_INVALID_ARGS;
			bad += mx_msgpipe_write(own[0], &b, sizeof(b), hs, 1, 0) !=
			       ERR_INVALID_ARGS;
			bad += mx_handle_wait_one(x, MX_SIGNAL_READABLE, 0, NULL) !=
			       ERR_INVALID_ARGS;
			bad += mx_handle_duplicate(x, MX_RIGHT_SAME_RIGHTS) !=
			       ERR_BAD_HANDLE;
			bad += mx_handle_replace(x, MX_RIGHT_SAME_RIGHTS) !=
			       ERR_BAD_HANDLE;
			bad += mx_handle_export(x, 0, &fd) != ERR_INVALID_ARGS;
			bad += mx_handle_close(x) != ERR_INVALID_ARGS;
		}
	/* the message carrying nothing must not have been queued either */
	nb = sizeof(b);
	bad += mx_msgpipe_read(own[1], &b, &nb, NULL, NULL, 0) != ERR_BAD_STATE;
	mx_handle_close(own[0]);
	mx_handle_close(own[1]);
	return bad;
}

TEST_F(mx, another_process_values_are_invalid)
{
	struct victim v;
	pid_t pid;

	victim_make(_metadata, &v);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(attack_values(&v) ? 1 : 0);
	EXPECT_EQ(0, mx_wait_child(pid));
	victim_check(_metadata, &v);
}

/*
 * Brute force from a child: values near the victim's (+-256, each bit
 * flipped) and 20000 random 31-bit values. None is valid in the child
 * unless it is one of the child's own, which are excluded (and which the
 * probe does find, proving it works).
 */
static int brute_force(const struct victim *v, unsigned int seed)
{
	mx_handle_t own[8];
	long probes = 0, found = 0;
	int i, j, d, k;

	for (i = 0; i < 4; i++)
		if (mx_msgpipe_create(&own[2 * i], 0))
			return 100;
	for (i = 0; i < 8; i++)
		if (!mx_is_valid(own[i]))
			return 101;	/* the probe is blind */
#define PROBE(x) do {							\
		mx_handle_t __x = (x);					\
		if (__x > 0 && !is_own(own, 8, __x)) {			\
			probes++;					\
			found += mx_is_valid(__x);			\
		}							\
	} while (0)
	for (i = 0; i < NPIPES; i++)
		for (j = 0; j < 2; j++) {
			for (d = -256; d <= 256; d++)
				PROBE(v->h[i][j] + d);
			for (k = 0; k < 31; k++)
				PROBE(v->h[i][j] ^ (1 << k));
		}
	srandom(seed);
	for (i = 0; i < 20000; i++)
		PROBE((mx_handle_t)(random() & 0x7fffffff));
#undef PROBE
	for (i = 0; i < 8; i++)
		mx_handle_close(own[i]);
	printf("# brute force: %ld probes, %ld valid\n", probes, found);
	return found ? 1 : probes < 20000 ? 102 : 0;
}

TEST_F_TIMEOUT(mx, brute_force_finds_no_foreign_handle, 120)
{
	struct victim v;
	pid_t pid;

	victim_make(_metadata, &v);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(brute_force(&v, (unsigned int)getpid()));
	EXPECT_EQ(0, mx_wait_child(pid));
	victim_check(_metadata, &v);
}

TEST(unprivileged_user_can_open_and_use_the_device)
{
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to become user %d", NOBODY);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mx_handle_t a[2], b[2], got[1], imp;
		uint32_t x = 42, nb = sizeof(x), nh = 1;
		int fd, dfd;

		if (become(NOBODY))
			_exit(10);
		dfd = open(MX_DEV, O_RDWR);
		if (dfd < 0)
			_exit(11);
		close(dfd);
		if (mx_msgpipe_create(a, 0) || mx_msgpipe_create(b, 0))
			_exit(12);
		if (mx_msgpipe_write(a[0], &x, sizeof(x), &b[1], 1, 0))
			_exit(13);
		x = 0;
		if (mx_msgpipe_read(a[1], &x, &nb, got, &nh, 0) || x != 42 || nh != 1)
			_exit(14);
		if (mx_handle_export(got[0], 0, &fd) || mx_handle_import(fd, &imp))
			_exit(15);
		close(fd);
		if (mx_msgpipe_write(b[0], &x, sizeof(x), NULL, 0, 0) ||
		    mx_handle_wait_one(imp, MX_SIGNAL_READABLE, 0, NULL))
			_exit(16);
		if (mx_handle_close(a[0]) || mx_handle_close(a[1]) ||
		    mx_handle_close(b[0]) || mx_handle_close(imp))
			_exit(17);
		_exit(0);
	}
	EXPECT_EQ(0, mx_wait_child(pid));
}

/* What the owner tells the thief. */
struct loot {
	mx_handle_t h[2];	/* a pipe with a secret message for h[1] */
	mx_handle_t imported;	/* the handle the export fd held */
	pid_t owner;
	int devfd;		/* the owner's descriptor number */
};

#define SECRET 0x5ec2e7u

/* User NOBODY: a secret message, its device fd and a spent export fd. */
static int owner(int sock)
{
	struct loot l = { .owner = getpid() };
	mx_handle_t q[2];
	uint32_t s = SECRET, nb = sizeof(s);
	int fds[2], r = 0;
	char done;
	struct mx_ioc_handle_export ex = { 0 };
	struct mx_ioc_handle_import im = { 0 };

	if (become(NOBODY))
		return 20;
	l.devfd = open(MX_DEV, O_RDWR);
	if (l.devfd < 0 || raw_create(l.devfd, l.h) || raw_create(l.devfd, q))
		return 21;
	if (raw_write(l.devfd, l.h[0], &s, sizeof(s)))
		return 22;
	ex.handle = (uint32_t)q[0];
	if (raw(l.devfd, MX_IOC_HANDLE_EXPORT, &ex))
		return 23;
	im.fd = ex.fd;
	if (raw(l.devfd, MX_IOC_HANDLE_IMPORT, &im))
		return 24;
	l.imported = im.handle;
	fds[0] = l.devfd;
	fds[1] = ex.fd;
	if (send_fds(sock, fds, 2, &l, sizeof(l)))
		return 25;
	if (read(sock, &done, 1) != 1)
		return 26;
	/* the secret is still ours, and only ours */
	s = 0;
	if (raw_read(l.devfd, l.h[1], &s, &nb) || s != SECRET)
		r = 27;
	if (raw_close(l.devfd, l.h[0]) || raw_close(l.devfd, l.h[1]) ||
	    raw_close(l.devfd, q[1]) || raw_close(l.devfd, l.imported))
		r = 28;
	return r;
}

/*
 * User NOBODY2, holding the owner's /dev/magenta fd, its spent export fd
 * and its handle values. Returns a bitmask of what worked (0: nothing).
 */
static int thief(int sock)
{
	struct mx_ioc_version ver;
	struct loot l;
	uint32_t s = 0, nb = sizeof(s);
	mx_handle_t h, own[2];
	char path[64];
	int fds[4], n, bad = 0, fd;

	if (become(NOBODY2))
		return 0x80;
	n = recv_fds(sock, fds, &l, sizeof(l));
	if (n != 2)
		return 0x81;
	if (mx_msgpipe_create(own, 0))
		return 0x82;
	/* the owner's descriptor: nothing but the version */
	if (raw_read(fds[0], l.h[1], &s, &nb) != -EBADF)
		bad |= 1;
	if (raw_write(fds[0], l.h[0], &s, sizeof(s)) != -EBADF)
		bad |= 1;
	if (raw_close(fds[0], l.h[1]) != -EBADF)
		bad |= 1;
	if (raw_create(fds[0], own) != -EBADF)
		bad |= 1;
	if (raw(fds[0], MX_IOC_GET_VERSION, &ver))
		bad |= 2;
	/* the owner's values in our own table */
	if (!is_own(own, 2, l.h[1]) &&
	    mx_msgpipe_read(l.h[1], &s, &nb, NULL, NULL, 0) != ERR_INVALID_ARGS)
		bad |= 4;
	/* an export fd that was already imported: empty */
	if (mx_handle_import(fds[1], &h) != ERR_BAD_STATE)
		bad |= 8;
	/* the device fd is not an export fd */
	if (mx_handle_import(fds[0], &h) != ERR_WRONG_TYPE)
		bad |= 16;
	/* nor can another user reopen the owner's fd through /proc */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", l.owner, l.devfd);
	fd = open(path, O_RDWR);
	if (fd >= 0 || errno != EACCES) {
		bad |= 32;
		if (fd >= 0)
			close(fd);
	}
	mx_handle_close(own[0]);
	mx_handle_close(own[1]);
	close(fds[0]);
	close(fds[1]);
	if (write(sock, "x", 1) != 1)
		bad |= 64;
	return bad;
}

TEST_F(mx, another_user_cannot_read_our_messages)
{
	pid_t po, pt;
	int sv[2];

	if (getuid() != 0)
		SKIP(return, "needs root to run two users");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	po = fork();
	ASSERT_LE(0, po);
	if (po == 0) {
		close(sv[1]);
		_exit(owner(sv[0]));
	}
	pt = fork();
	ASSERT_LE(0, pt);
	if (pt == 0) {
		close(sv[0]);
		_exit(thief(sv[1]));
	}
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, mx_wait_child(pt));
	EXPECT_EQ(0, mx_wait_child(po));
}

/* The same, for a process that reopens our fd through /proc as root. */
TEST_F(mx, reopening_our_device_gives_an_empty_table)
{
	mx_handle_t h[2];
	char path[64];
	uint32_t s = 7, nb = sizeof(s);
	int fd, fd2;

	fd = open(MX_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_create(fd, h));
	ASSERT_EQ(0, raw_write(fd, h[0], &s, sizeof(s)));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-MX_ERRNO_INVALID_ARGS, raw_read(fd2, h[1], &s, &nb));
	EXPECT_EQ(-MX_ERRNO_INVALID_ARGS, raw_close(fd2, h[1]));
	EXPECT_EQ(0, raw_read(fd, h[1], &s, &nb));
	EXPECT_EQ(7, s);
	EXPECT_EQ(0, raw_close(fd, h[0]));
	EXPECT_EQ(0, raw_close(fd, h[1]));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, close(fd));
}

static long read_long(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	size_t kl = key ? strlen(key) : 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = atol(line);
			break;
		}
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			v = atol(line + kl + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Write until the queue refuses; returns the number of messages queued. */
static long flood(mx_handle_t h, void *buf, uint32_t size, mx_status_t *last)
{
	long n = 0;

	while ((*last = mx_msgpipe_write(h, buf, size, NULL, 0, 0)) == NO_ERROR)
		if (++n > 1000000)
			break;
	return n;
}

TEST_F(mx, flooder_is_stopped_by_the_queue_limits)
{
	long max_msgs = mx_param_read("max_queued_msgs");
	long max_bytes = mx_param_read("max_queued_bytes");
	static char buf[16384];
	mx_handle_t h[2];
	mx_status_t last;
	uint32_t nb;
	long n, want;

	ASSERT_LT(0, max_msgs);
	ASSERT_LT(0, max_bytes);
	/* big messages: the byte limit */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	n = flood(h[0], buf, sizeof(buf), &last);
	want = max_bytes / (long)sizeof(buf);
	if (want > max_msgs)
		want = max_msgs;
	EXPECT_EQ(ERR_NO_MEMORY, last);
	EXPECT_EQ(want, n);
	if (want * (long)sizeof(buf) == max_bytes)	/* exactly full */
		EXPECT_EQ(ERR_TIMED_OUT, mx_handle_wait_one(h[0], MX_SIGNAL_WRITABLE,
							    0, NULL));
	/* the reader drains one: writing works again */
	nb = sizeof(buf);
	EXPECT_EQ(NO_ERROR, mx_msgpipe_read(h[1], buf, &nb, NULL, NULL, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(h[0], MX_SIGNAL_WRITABLE, 0, NULL));
	EXPECT_EQ(NO_ERROR, mx_msgpipe_write(h[0], buf, sizeof(buf), NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));

	/* empty messages: the count limit */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	n = flood(h[0], NULL, 0, &last);
	EXPECT_EQ(ERR_NO_MEMORY, last);
	EXPECT_EQ(max_msgs, n);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

/* Mount cgroup2 if needed; 1 if we mounted it, 0 if it was there, -1. */
static int cgroup2_ready(char *why, size_t len)
{
	struct statfs sfs;

	if (!statfs(CGROUP_ROOT, &sfs) && sfs.f_type == CGROUP2_MAGIC)
		return 0;
	mkdir(CGROUP_ROOT, 0755);
	if (mount("none", CGROUP_ROOT, "cgroup2", 0, NULL)) {
		snprintf(why, len, "cannot mount cgroup2 on %s: %s",
			 CGROUP_ROOT, strerror(errno));
		return -1;
	}
	return 1;
}

struct charge {
	long queued;		/* bytes of payload queued */
	long current[2];	/* memory.current before, after */
	long kernel[2];		/* memory.stat kernel before, after */
	int err;
};

/* In the cgroup @cg: flood a pipe nobody reads, measure, clean up. */
static void flooder(const char *cg, int out)
{
	static char buf[16384];
	struct charge c = { 0 };
	char path[256], pid[32];
	mx_handle_t h[2];
	mx_status_t last;
	long n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	memset(buf, 1, sizeof(buf));
	if (mx_write_str(path, pid))
		c.err = 1;
	else if (mx_msgpipe_create(h, 0))
		c.err = 2;
	if (!c.err) {
		snprintf(path, sizeof(path), "%s/memory.current", cg);
		c.current[0] = read_long(path, NULL);
		snprintf(path, sizeof(path), "%s/memory.stat", cg);
		c.kernel[0] = read_long(path, "kernel");
		n = flood(h[0], buf, sizeof(buf), &last);
		c.queued = n * (long)sizeof(buf);
		snprintf(path, sizeof(path), "%s/memory.current", cg);
		c.current[1] = read_long(path, NULL);
		snprintf(path, sizeof(path), "%s/memory.stat", cg);
		c.kernel[1] = read_long(path, "kernel");
		if (last != ERR_NO_MEMORY)
			c.err = 3;
		mx_handle_close(h[0]);
		mx_handle_close(h[1]);
	}
	if (write(out, &c, sizeof(c)) != sizeof(c))
		_exit(1);
	_exit(0);
}

TEST_F_TIMEOUT(mx, flooder_memory_is_charged_to_its_cgroup, 60)
{
	char why[256] = "", cg[128];
	struct charge c;
	int mounted, p[2];
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to use cgroups");
	mounted = cgroup2_ready(why, sizeof(why));
	if (mounted < 0)
		SKIP(return, "%s", why);
	if (mx_write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory")) {
		if (mounted)
			umount(CGROUP_ROOT);
		SKIP(return, "cannot enable the memory controller: %s",
		     strerror(errno));
	}
	snprintf(cg, sizeof(cg), CGROUP_ROOT "/mxflood-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		flooder(cg, p[1]);
	}
	close(p[1]);
	ASSERT_EQ(sizeof(c), read(p[0], &c, sizeof(c)));
	close(p[0]);
	EXPECT_EQ(0, mx_wait_child(pid));
	EXPECT_EQ(0, rmdir(cg));
	if (mounted)
		umount(CGROUP_ROOT);
	TH_LOG("queued %ld bytes; memory.current %ld -> %ld; kernel %ld -> %ld",
	       c.queued, c.current[0], c.current[1], c.kernel[0], c.kernel[1]);
	ASSERT_EQ(0, c.err);
	EXPECT_LE(512 * 1024, c.queued);
	/* at least 3/4 of the queued bytes show up in the flooder's cgroup */
	EXPECT_LE(c.queued * 3 / 4, c.current[1] - c.current[0]);
	if (c.kernel[0] >= 0)
		EXPECT_LE(c.queued * 3 / 4, c.kernel[1] - c.kernel[0]);
}

TEST_HARNESS_MAIN
