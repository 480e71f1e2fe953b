/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the magenta selftests.
 *
 * Every program skips as a whole (TAP "1..0 # SKIP", exit 4) when
 * /dev/magenta is absent. The fixture "mx" records the module's live-object
 * counters after setup and checks in teardown that the test left no
 * handle, endpoint, message or exported file behind.
 */
#ifndef MX_TEST_H
#define MX_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <magenta/syscalls.h>

#include "kselftest_harness.h"

#define MX_DEV		"/dev/magenta"
#define MX_STATS_DIR	"/sys/class/misc/magenta/stats/"

/* The module's live-object counters (kmod/stats.c). */
struct mx_stats {
	long handles;
	long endpoints;
	long messages;
	long message_bytes;
	long xfers;
	long waiters;
};

static inline long mx_stat_read(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), MX_STATS_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline void mx_stats_read(struct mx_stats *s)
{
	s->handles = mx_stat_read("handles");
	s->endpoints = mx_stat_read("endpoints");
	s->messages = mx_stat_read("messages");
	s->message_bytes = mx_stat_read("message_bytes");
	s->xfers = mx_stat_read("xfers");
	s->waiters = mx_stat_read("waiters");
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
	mx_handle_t h[2];

	/* Open the device now so the baseline includes our table. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(h, 0));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	mx_stats_read(&self->base);
	ASSERT_LE(0, self->base.handles);
}

FIXTURE_TEARDOWN(mx)
{
	EXPECT_STATS_EQ(&self->base);
}

#endif /* MX_TEST_H */
