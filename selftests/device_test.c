// SPDX-License-Identifier: GPL-2.0
/*
 * The device itself: /dev/magenta, its version ioctl, clean errors for bad
 * ioctls, per-process ownership of an open file, and many processes opening
 * and closing it at once.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mx_test.h"

static int mx_open_dev(void)
{
	return open(MX_DEV, O_RDWR | O_CLOEXEC);
}

/*
 * A misc character device. Its mode is the administrator's (udev rule,
 * system/60-magenta.rules), not the driver's: not checked here.
 */
TEST(device_is_misc_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(MX_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10u, major(st.st_rdev));
}

TEST(version_reports_abi_and_limits)
{
	struct mx_ioc_version v;
	int fd = mx_open_dev();

	ASSERT_LE(0, fd);
	memset(&v, 0xcc, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, MX_IOC_GET_VERSION, &v));
	EXPECT_EQ(MX_ABI_MAJOR, v.abi_major);
	EXPECT_EQ(MX_ABI_MINOR, v.abi_minor);
	EXPECT_EQ(MX_FEATURE_MSGPIPE | MX_FEATURE_BOOTSTRAP |
		  MX_FEATURE_WAIT | MX_FEATURE_DUPLICATE | MX_FEATURE_CALL |
		  MX_FEATURE_OBJECTS | MX_FEATURE_WAITSET |
		  MX_FEATURE_PORT | MX_FEATURE_POLL_FD |
		  MX_FEATURE_WAITSET_PAGE, v.features);
	EXPECT_EQ(MX_MAX_MSG_BYTES, v.max_msg_bytes);
	EXPECT_EQ(MX_MAX_MSG_HANDLES, v.max_msg_handles);
	EXPECT_EQ(MX_MAX_WAIT_HANDLES, v.max_wait_handles);
	EXPECT_EQ(0, v.pad);
	EXPECT_EQ(0, close(fd));
}

TEST(unknown_ioctl_is_enotty)
{
	int fd = mx_open_dev();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(MX_IOC_MAGIC, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* A known number with the wrong size is another command. */
	EXPECT_EQ(-1, ioctl(fd, _IOW(MX_IOC_MAGIC, 0x10, __u32), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, TCGETS, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, close(fd));
}

TEST(bad_argument_pointer_is_efault)
{
	void *unmapped;
	int fd = mx_open_dev();

	ASSERT_LE(0, fd);
	unmapped = mmap(NULL, mx_page_size(), PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_GET_VERSION, unmapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_WRITE, unmapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_CLOSE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, munmap(unmapped, mx_page_size()));
	EXPECT_EQ(0, close(fd));
}

TEST(nonzero_padding_and_unknown_flags_are_rejected)
{
	__s32 h[2] = { 0, 0 };
	struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)h, .pad = 1 };
	struct mx_ioc_handle_export e = { .handle = 1, .pad = 1 };
	struct mx_ioc_wait_many w = { .restarted = 2 };
	int fd = mx_open_dev();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.pad = 0;
	c.flags = 2;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_EXPORT, &e));
	EXPECT_EQ(EINVAL, errno);
	e.pad = 0;
	e.flags = 2;
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_EXPORT, &e));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_WAIT_MANY, &w));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was created by the failed calls. */
	EXPECT_EQ(0, h[0]);
	EXPECT_EQ(0, h[1]);
	EXPECT_EQ(0, close(fd));
}

TEST(raw_create_and_close)
{
	__s32 h[2] = { 0, 0 };
	struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)h };
	int fd = mx_open_dev(), fd2;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c));
	EXPECT_LT(0, h[0]);
	EXPECT_LT(0, h[1]);
	EXPECT_NE(h[0], h[1]);
	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[0]));
	EXPECT_EQ(-1, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[0]));
	EXPECT_EQ(EINVAL, errno);
	/* Handles live in the open file: another open does not see them. */
	fd2 = mx_open_dev();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, ioctl(fd2, MX_IOC_HANDLE_CLOSE, &h[1]));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[1]));
	EXPECT_EQ(0, close(fd));
}

TEST(other_process_cannot_use_the_file)
{
	__s32 h[2];
	struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)h };
	struct mx_ioc_version v;
	int fd = mx_open_dev();
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The inherited file is the parent's table, not ours. */
		if (ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[0]) != -1 ||
		    errno != EBADF)
			_exit(1);
		if (ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c) != -1 ||
		    errno != EBADF)
			_exit(2);
		/* The version query needs no table. */
		if (ioctl(fd, MX_IOC_GET_VERSION, &v))
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, mx_wait_child(pid));
	/* The parent's handles survived the child's attempts. */
	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[0]));
	EXPECT_EQ(0, ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[1]));
	EXPECT_EQ(0, close(fd));
}

TEST(stats_are_readable_numbers)
{
	static const char *const names[] = {
		"procs", "handles", "endpoints", "messages", "message_bytes",
		"xfers", "waiters", "events", "waitsets", "ports",
		"port_packets", "pollfds",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long v = mx_stat_read(names[i]);

		if (v < 0)
			TH_LOG("cannot read " MX_STATS_DIR "%s", names[i]);
		EXPECT_LE(0, v);
	}
}

/* One of many processes: open, make pipes, talk, close, many times. */
static int mx_open_close_worker(int rounds)
{
	char buf[8] = "ping";
	uint32_t n;
	int i, fd;

	for (i = 0; i < rounds; i++) {
		__s32 h[2];
		struct mx_ioc_msgpipe_create c = { .handles = (uintptr_t)h };
		struct mx_ioc_msgpipe_write w = {
			.bytes = (uintptr_t)buf, .num_bytes = 4,
		};
		struct mx_ioc_msgpipe_read r = {
			.bytes = (uintptr_t)buf, .num_bytes = (uintptr_t)&n,
		};

		fd = mx_open_dev();
		if (fd < 0 || ioctl(fd, MX_IOC_MSGPIPE_CREATE, &c))
			return 1;
		w.handle = h[0];
		r.handle = h[1];
		n = sizeof(buf);
		if (ioctl(fd, MX_IOC_MSGPIPE_WRITE, &w) ||
		    ioctl(fd, MX_IOC_MSGPIPE_READ, &r) || n != 4)
			return 2;
		/* Leave the handles open on odd rounds: close(fd) frees them. */
		if (i % 2 == 0 && (ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[0]) ||
				   ioctl(fd, MX_IOC_HANDLE_CLOSE, &h[1])))
			return 3;
		if (close(fd))
			return 4;
	}
	return 0;
}

TEST(many_processes_open_and_close_concurrently)
{
	enum { PROCS = 16, ROUNDS = 100 };
	pid_t pids[PROCS];
	long procs = mx_stat_read("procs");
	long handles = mx_stat_read("handles");
	long endpoints = mx_stat_read("endpoints");
	int i;

	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(mx_open_close_worker(ROUNDS));
	}
	for (i = 0; i < PROCS; i++)
		EXPECT_EQ(0, mx_wait_child(pids[i]));
	EXPECT_EQ(procs, mx_stat_read("procs"));
	EXPECT_EQ(handles, mx_stat_read("handles"));
	EXPECT_EQ(endpoints, mx_stat_read("endpoints"));
}

TEST(unprivileged_user_can_use_the_device)
{
	mx_handle_t h[2];
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to an unprivileged user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (mx_msgpipe_create(h, 0) != NO_ERROR)
			_exit(11);
		if (mx_msgpipe_write(h[0], "x", 1, NULL, 0, 0) != NO_ERROR)
			_exit(12);
		_exit(mx_handle_close(h[0]) || mx_handle_close(h[1]));
	}
	EXPECT_EQ(0, mx_wait_child(pid));
}

TEST(process_exit_closes_its_table)
{
	long procs = mx_stat_read("procs");
	long endpoints = mx_stat_read("endpoints");
	int up[2], down[2];	/* child to parent, parent to child */
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mx_handle_t h[2];
		int i;

		for (i = 0; i < 10; i++)
			if (mx_msgpipe_create(h, 0) != NO_ERROR ||
			    mx_msgpipe_write(h[0], "x", 1, NULL, 0, 0))
				_exit(1);
		/* Hold them while the parent looks, then exit without closing. */
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	EXPECT_EQ(procs + 1, mx_stat_read("procs"));
	EXPECT_EQ(endpoints + 20, mx_stat_read("endpoints"));
	ASSERT_EQ(1, write(down[1], "g", 1));
	EXPECT_EQ(0, mx_wait_child(pid));
	EXPECT_EQ(procs, mx_stat_read("procs"));
	EXPECT_EQ(endpoints, mx_stat_read("endpoints"));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

TEST(debugfs_lists_our_handles)
{
	const char *path = "/sys/kernel/debug/magenta/handles";
	char line[256], want_table[64], want_handle[64];
	bool table = false, handle = false;
	mx_handle_t h[2];
	FILE *f;

	if (access(path, R_OK))
		SKIP(return, "%s not readable (debugfs not mounted, or not root)",
		     path);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], "abc", 3, NULL, 0, 0));
	snprintf(want_table, sizeof(want_table), "table pid %d ", getpid());
	snprintf(want_handle, sizeof(want_handle), "  handle %d rights 0xe ",
		 h[1]);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		table |= !strncmp(line, want_table, strlen(want_table));
		/* Our reply end, with one message of 3 bytes queued for it. */
		handle |= !strncmp(line, want_handle, strlen(want_handle)) &&
			  strstr(line, " reply queued 1 msgs 3 bytes");
	}
	fclose(f);
	EXPECT_TRUE(table);
	EXPECT_TRUE(handle);
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(h[1]));
}

TEST_HARNESS_MAIN
