// SPDX-License-Identifier: GPL-2.0
/*
 * The magenta tracepoints (kmod/trace.h, docs/tracing.md): each test turns
 * the magenta events on in a tracefs instance of its own, filtered to its
 * own process and children (set_event_pid, options/event-fork), does
 * something with pipes and handles, and checks the text of the events it
 * caused, field by field. Endpoint numbers are learnt from the
 * magenta_msgpipe_create event of each pipe.
 *
 * The whole program skips (exit 4) when tracefs is not mounted or not
 * writable (not root); a module without the magenta events fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mx_test.h"

#define TR_LINE_MAX	512
#define TR_LIMITS	"max_inflight", "max_nesting", "max_queued_msgs"
#define TR_NLIMITS	3
#define ALL_RIGHTS	"TRANSFER|READ|WRITE"

static const char *const tr_roots[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

/* The tracefs mount with an events directory, or NULL. */
static const char *tr_root(void)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < sizeof(tr_roots) / sizeof(tr_roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", tr_roots[i]);
		if (!access(path, F_OK))
			return tr_roots[i];
	}
	return NULL;
}

/* Skip the whole program, kselftest style, without a usable tracefs. */
static void __attribute__((constructor)) tr_require_tracefs(void)
{
	const char *root = tr_root();
	char path[160];

	if (!root) {
		ksft_print_header();
		ksft_exit_skip("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing; needs CONFIG_EVENT_TRACING)\n");
	}
	snprintf(path, sizeof(path), "%s/instances", root);
	if (access(path, W_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s is not writable: run as root\n", path);
	}
}

FIXTURE(tr) {
	struct mx_stats base;
	char dir[192];			/* our tracefs instance */
	long limits[TR_NLIMITS];	/* module parameters to restore */
	char *text;			/* the instance's trace, last read */
};

static const char *const tr_limit_names[TR_NLIMITS] = { TR_LIMITS };

/* Write @s to file @name of the instance: 0 or -1. */
static int tr_set(FIXTURE_DATA(tr) *self, const char *name, const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", self->dir, name);
	return mx_write_str(path, s);
}

FIXTURE_SETUP(tr)
{
	char pid[32], path[256];
	int i;

	for (i = 0; i < TR_NLIMITS; i++)
		self->limits[i] = mx_param_read(tr_limit_names[i]);
	snprintf(self->dir, sizeof(self->dir), "%s/instances/magenta_trace_test.%d",
		 tr_root(), getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755)) {
		TH_LOG("mkdir %s: %s", self->dir, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/events/magenta", self->dir);
	ASSERT_EQ(0, access(path, F_OK)) {
		TH_LOG("%s is missing: the module has no magenta events", path);
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, tr_set(self, "set_event_pid", pid));
	ASSERT_EQ(0, tr_set(self, "options/event-fork", "1"));
	ASSERT_EQ(0, tr_set(self, "events/magenta/enable", "1"));
	ASSERT_EQ(0, tr_set(self, "tracing_on", "1"));
	ASSERT_EQ(NO_ERROR, mx_open_baseline(&self->base));
}

FIXTURE_TEARDOWN(tr)
{
	int i;

	for (i = 0; i < TR_NLIMITS; i++)
		if (self->limits[i] > 0 &&
		    mx_param_read(tr_limit_names[i]) != self->limits[i])
			EXPECT_EQ(0, mx_param_write(tr_limit_names[i],
						    self->limits[i]));
	free(self->text);
	if (self->dir[0]) {
		tr_set(self, "events/magenta/enable", "0");
		EXPECT_EQ(0, rmdir(self->dir)) {
			TH_LOG("rmdir %s: %s", self->dir, strerror(errno));
		}
	}
	EXPECT_STATS_EQ(&self->base);
}

/* Read the instance's trace (all events so far) into self->text. */
static int tr_read(FIXTURE_DATA(tr) *self)
{
	char path[256];
	size_t len = 0, cap = 1 << 16;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", self->dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	free(self->text);
	self->text = malloc(cap);
	while (self->text) {
		n = read(fd, self->text + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
		if (cap - len < 4096)
			self->text = realloc(self->text, cap *= 2);
	}
	close(fd);
	if (!self->text)
		return -1;
	self->text[len] = '\0';
	return 0;
}

/*
 * The body of the @nth (0: first) event named @event in self->text,
 * "handle=... ep=...", into @out; false if there is none.
 */
static bool tr_nth(FIXTURE_DATA(tr) *self, const char *event, int nth,
		   char *out)
{
	char key[96];
	const char *p, *e;
	size_t n;

	snprintf(key, sizeof(key), " %s: ", event);
	for (p = self->text; p && (p = strstr(p, key)); p = e) {
		p += strlen(key);
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (nth--)
			continue;
		n = e - p < TR_LINE_MAX - 1 ? e - p : TR_LINE_MAX - 1;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

/*
 * Is there an event @event whose body is exactly the formatted text (or
 * starts with it, if @prefix)? Reads the trace again first.
 */
static bool __attribute__((format(printf, 4, 5)))
tr_has(FIXTURE_DATA(tr) *self, const char *event, bool prefix,
       const char *fmt, ...)
{
	char want[TR_LINE_MAX], got[TR_LINE_MAX];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (tr_read(self))
		return false;
	for (i = 0; tr_nth(self, event, i, got); i++)
		if (prefix ? !strncmp(got, want, strlen(want)) :
			     !strcmp(got, want))
			return true;
	fprintf(stderr, "# no %s: %s%s\n", event, want, prefix ? "..." : "");
	for (i = 0; tr_nth(self, event, i, got); i++)
		fprintf(stderr, "#   have: %s\n", got);
	return false;
}

#define EXPECT_EVENT(event, fmt, ...) \
	EXPECT_TRUE(tr_has(self, event, false, fmt, ##__VA_ARGS__))
#define EXPECT_EVENT_PREFIX(event, fmt, ...) \
	EXPECT_TRUE(tr_has(self, event, true, fmt, ##__VA_ARGS__))

/*
 * The first endpoint number of the pipe whose create event named handles
 * h[0] and h[1] (in the trace as last read), or 0.
 */
static unsigned long long tr_find_create(FIXTURE_DATA(tr) *self,
					 const mx_handle_t h[2])
{
	char want[64], got[TR_LINE_MAX];
	unsigned long long ep = 0, ep1 = 0;
	int i;

	snprintf(want, sizeof(want), "handles=%d,%d ep=", h[0], h[1]);
	for (i = 0; tr_nth(self, "magenta_msgpipe_create", i, got); i++) {
		if (strncmp(got, want, strlen(want)))
			continue;
		if (sscanf(got + strlen(want), "%llu,%llu", &ep, &ep1) != 2 ||
		    ep1 != ep + 1 || ep % 2)
			break;
		return ep;
	}
	fprintf(stderr, "# no magenta_msgpipe_create event %s...\n", want);
	return 0;
}

/* Create a pipe and learn its endpoint numbers from the create event. */
static unsigned long long tr_create(FIXTURE_DATA(tr) *self, mx_handle_t h[2])
{
	if (mx_msgpipe_create(h, 0) != NO_ERROR || tr_read(self))
		return 0;
	return tr_find_create(self, h);
}

#define CREATE(h, ep) do {						\
	ep = tr_create(self, h);					\
	ASSERT_NE(0, ep);						\
} while (0)

/* Every event has the fields the docs promise, for trace-cmd and perf. */
TEST_F(tr, formats)
{
	static const char *const fmt[][2] = {
		{ "magenta_msgpipe_create", "u64 ep;|s32 h0;|s32 h1;|bool reply;" },
		{ "magenta_msgpipe_write", "u64 ep;|s32 handle;|u32 bytes;|u32 handles;|int err;" },
		{ "magenta_msgpipe_read", "u64 ep;|s32 handle;|u32 bytes;|u32 handles;|int err;" },
		{ "magenta_wait_start", "u64 ep;|s64 timeout;|s32 handle;|u32 signals;|u32 count;|u8 kind;" },
		{ "magenta_wait_end", "u64 ep;|s32 handle;|int err;|u32 satisfied;|u32 index;|u8 kind;" },
		{ "magenta_handle_send", "u64 ep;|u64 queue;|s32 handle;" },
		{ "magenta_handle_recv", "u64 ep;|u64 queue;|s32 handle;" },
		{ "magenta_handle_export", "u64 ep;|s32 handle;|int fd;" },
		{ "magenta_handle_import", "u64 ep;|s32 handle;|int fd;" },
		{ "magenta_handle_close", "u64 ep;|s32 handle;|bool table_gone;" },
		{ "magenta_handle_replace", "u64 ep;|s32 handle;|s32 new_handle;|u32 rights;" },
		{ "magenta_cycle", "u64 victim;|u64 queue;" },
		{ "magenta_bury", "u32 messages;|u32 handles;" },
		{ "magenta_limit", "u64 queue;|u64 value;|u64 max;|u8 limit;" },
		{ "magenta_queue_full", "u64 queue;|u64 bytes;|u32 msgs;|u32 max_msgs;|u32 max_bytes;|bool nomem;" },
	};
	char path[256], field[64], *text, *f, *save;
	unsigned int i;
	size_t n;
	FILE *fp;

	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/magenta/%s/format",
			 self->dir, fmt[i][0]);
		free(self->text);
		self->text = NULL;
		n = 0;
		fp = fopen(path, "r");
		ASSERT_NE(NULL, fp) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_LT(0, getdelim(&self->text, &n, '\0', fp));
		fclose(fp);
		if (!self->text)
			continue;
		text = strdup(fmt[i][1]);
		for (f = strtok_r(text, "|", &save); f;
		     f = strtok_r(NULL, "|", &save)) {
			snprintf(field, sizeof(field), "field:%s", f);
			EXPECT_NE(NULL, strstr(self->text, field))
				TH_LOG("%s: no %s", fmt[i][0], field);
		}
		free(text);
	}
}

/* Writes and reads, with their sizes and results. */
TEST_F(tr, write_read)
{
	char buf[16];
	uint32_t nb = sizeof(buf), nh = 0;
	unsigned long long ep;
	mx_handle_t h[2];

	CREATE(h, ep);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[0], "hello", 5, NULL, 0, 0));
	EXPECT_EVENT("magenta_msgpipe_write",
		     "handle=%d ep=%llu bytes=5 handles=0 result=NO_ERROR",
		     h[0], ep);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(h[1], buf, &nb, NULL, &nh, 0));
	EXPECT_EVENT("magenta_msgpipe_read",
		     "handle=%d ep=%llu bytes=5 handles=0 result=NO_ERROR",
		     h[1], ep + 1);
	nb = sizeof(buf);
	ASSERT_EQ(ERR_BAD_STATE, mx_msgpipe_read(h[1], buf, &nb, NULL, &nh, 0));
	EXPECT_EVENT("magenta_msgpipe_read",
		     "handle=%d ep=%llu bytes=0 handles=0 result=ERR_BAD_STATE",
		     h[1], ep + 1);
	/* A message too large for the buffer: its size, and it stays. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(h[1], "0123456789", 10, NULL, 0, 0));
	nb = 4;
	ASSERT_EQ(ERR_NOT_ENOUGH_BUFFER,
		  mx_msgpipe_read(h[0], buf, &nb, NULL, &nh, 0));
	EXPECT_EVENT("magenta_msgpipe_read",
		     "handle=%d ep=%llu bytes=10 handles=0 result=ERR_NOT_ENOUGH_BUFFER",
		     h[0], ep);
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[1]));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", h[1], ep + 1);
	EXPECT_EQ(ERR_BAD_STATE, mx_msgpipe_write(h[0], "x", 1, NULL, 0, 0));
	EXPECT_EVENT("magenta_msgpipe_write",
		     "handle=%d ep=%llu bytes=1 handles=0 result=ERR_BAD_STATE",
		     h[0], ep);
	ASSERT_EQ(NO_ERROR, mx_handle_close(h[0]));
	/* Closing the last handle destroyed the unread message. */
	EXPECT_EVENT("magenta_bury", "messages=1 handles=0");
	/* Values that name nothing: endpoint 0. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_msgpipe_write(h[0], "x", 1, NULL, 0, 0));
	EXPECT_EVENT("magenta_msgpipe_write",
		     "handle=%d ep=0 bytes=1 handles=0 result=ERR_INVALID_ARGS",
		     h[0]);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(h[0]));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=0", h[0]);
}

/*
 * A handle travels: into a message, out of it into the table with a new
 * value, through a file descriptor, replaced; the endpoint number stays.
 */
TEST_F(tr, transfer)
{
	unsigned long long a, b;
	mx_handle_t p[2], q[2], got = 0, imp = 0, rep;
	uint32_t nb = 8, nh = 1;
	char buf[8];
	int fd = -1;

	CREATE(p, a);
	CREATE(q, b);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "hi", 2, &q[1], 1, 0));
	EXPECT_EVENT("magenta_handle_send", "handle=%d ep=%llu queue=%llu",
		     q[1], b + 1, a + 1);
	EXPECT_EVENT("magenta_msgpipe_write",
		     "handle=%d ep=%llu bytes=2 handles=1 result=NO_ERROR",
		     p[0], a);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(p[1], buf, &nb, &got, &nh, 0));
	ASSERT_EQ(1, nh);
	EXPECT_EVENT("magenta_handle_recv", "handle=%d ep=%llu queue=%llu",
		     got, b + 1, a + 1);
	EXPECT_EVENT("magenta_msgpipe_read",
		     "handle=%d ep=%llu bytes=2 handles=1 result=NO_ERROR",
		     p[1], a + 1);

	ASSERT_EQ(NO_ERROR, mx_handle_export(got, MX_EXPORT_CLOEXEC, &fd));
	EXPECT_EVENT("magenta_handle_export", "handle=%d ep=%llu fd=%d",
		     got, b + 1, fd);
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &imp));
	EXPECT_EVENT("magenta_handle_import", "handle=%d ep=%llu fd=%d",
		     imp, b + 1, fd);
	close(fd);

	rep = mx_handle_replace(imp, MX_RIGHT_SAME_RIGHTS);
	ASSERT_LT(0, rep);
	EXPECT_EVENT("magenta_handle_replace",
		     "handle=%d new=%d ep=%llu rights=" ALL_RIGHTS,
		     imp, rep, b + 1);

	EXPECT_EQ(NO_ERROR, mx_handle_close(rep));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", rep, b + 1);
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* An endpoint written into its own queue is collected at once. */
TEST_F(tr, cycle)
{
	unsigned long long a, b;
	mx_handle_t p[2], q[2];

	CREATE(p, a);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "c", 1, &p[1], 1, 0));
	EXPECT_EVENT("magenta_handle_send", "handle=%d ep=%llu queue=%llu",
		     p[1], a + 1, a + 1);
	EXPECT_EVENT("magenta_cycle", "victim=%llu queue=%llu", a + 1, a + 1);
	EXPECT_EVENT("magenta_bury", "messages=1 handles=1");
	EXPECT_TRUE(mx_is_peer_closed(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));

	/* A two-pipe cycle: q1 in p1's queue, then p1 in q1's queue. */
	CREATE(p, a);
	CREATE(q, b);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "1", 1, &q[1], 1, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(q[0], "2", 1, &p[1], 1, 0));
	EXPECT_EVENT("magenta_cycle", "victim=%llu queue=%llu", a + 1, b + 1);
	EXPECT_EVENT("magenta_bury", "messages=2 handles=2");
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
}

/* wait_one, wait_many and the wait of mx_msgpipe_call(). */
TEST_F(tr, waits)
{
	mx_signals_t sig[2] = { MX_SIGNAL_READABLE, MX_SIGNAL_READABLE };
	uint32_t index = 99, nb = 8, nh = 0;
	unsigned long long a;
	mx_handle_t p[2];
	char buf[8];

	CREATE(p, a);
	EXPECT_EQ(ERR_TIMED_OUT,
		  mx_handle_wait_one(p[1], MX_SIGNAL_READABLE, 0, NULL));
	EXPECT_EVENT_PREFIX("magenta_wait_start",
			    "wait_one handle=%d ep=%llu signals=READABLE count=1 timeout_ns=",
			    p[1], a + 1);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=ERR_TIMED_OUT satisfied=WRITABLE index=0",
		     p[1], a + 1);

	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "x", 1, NULL, 0, 0));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_many(2, p, sig, MX_TIME_INFINITE,
						&index, NULL));
	EXPECT_EQ(1, index);
	EXPECT_EVENT("magenta_wait_start",
		     "wait_many handle=%d ep=%llu signals=READABLE count=2 timeout_ns=-1",
		     p[0], a);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_many handle=%d ep=%llu result=NO_ERROR satisfied=READABLE|WRITABLE index=1",
		     p[1], a + 1);

	/* The answer is already there when the call waits. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[1], "y", 1, NULL, 0, 0));
	ASSERT_EQ(NO_ERROR, mx_msgpipe_call(p[0], "q", 1, NULL, 0, buf, &nb,
					    NULL, &nh, MX_TIME_INFINITE));
	EXPECT_EVENT("magenta_wait_start",
		     "call handle=%d ep=%llu signals=READABLE|PEER_CLOSED count=1 timeout_ns=-1",
		     p[0], a);
	EXPECT_EVENT("magenta_wait_end",
		     "call handle=%d ep=%llu result=NO_ERROR satisfied=READABLE|WRITABLE index=0",
		     p[0], a);
	EXPECT_EVENT("magenta_msgpipe_read",
		     "handle=%d ep=%llu bytes=1 handles=0 result=NO_ERROR",
		     p[0], a);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* Set a module parameter for this test (restored in teardown). */
#define SET_LIMIT(name, v) ASSERT_EQ(0, mx_param_write(name, v))

/* Writes refused by the in-flight and nesting bounds and a full queue. */
TEST_F(tr, limits)
{
	unsigned long long a, b, c;
	mx_handle_t p[2], q[2], r[2], two[2];
	long bytes = mx_param_read("max_queued_bytes");
	int i;

	for (i = 0; i < TR_NLIMITS; i++)
		if (self->limits[i] <= 0 ||
		    !mx_param_writable(tr_limit_names[i]))
			SKIP(return, "cannot change module parameter %s",
			     tr_limit_names[i]);
	CREATE(p, a);
	CREATE(q, b);
	CREATE(r, c);

	SET_LIMIT("max_inflight", 1);
	two[0] = q[1];
	two[1] = r[1];
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(p[0], "i", 1, two, 2, 0));
	EXPECT_EVENT_PREFIX("magenta_limit", "max_inflight queue=%llu value=",
			    a + 1);
	EXPECT_EVENT("magenta_msgpipe_write",
		     "handle=%d ep=%llu bytes=1 handles=2 result=ERR_NO_MEMORY",
		     p[0], a);
	ASSERT_EQ(0, mx_param_write("max_inflight", self->limits[0]));

	/* q1 at level 1 in p1's queue; then p1 into r1's queue: level 2. */
	SET_LIMIT("max_nesting", 1);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "n", 1, &q[1], 1, 0));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(r[0], "n", 1, &p[1], 1, 0));
	EXPECT_EVENT("magenta_limit", "max_nesting queue=%llu value=2 max=1",
		     c + 1);
	ASSERT_EQ(0, mx_param_write("max_nesting", self->limits[1]));

	SET_LIMIT("max_queued_msgs", 1);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(r[0], "f", 1, NULL, 0, 0));
	EXPECT_EQ(ERR_NO_MEMORY, mx_msgpipe_write(r[0], "g", 1, NULL, 0, 0));
	EXPECT_EVENT("magenta_queue_full", "queue=%llu msgs=1/1 bytes=2/%ld",
		     c + 1, bytes);
	ASSERT_EQ(0, mx_param_write("max_queued_msgs", self->limits[2]));

	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r[1]));
}

/* A process that exits closes its handles: table_gone, in its own pid. */
TEST_F(tr, exit_closes)
{
	unsigned long long ep = 0;
	mx_handle_t h[2];
	int fds[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		if (mx_msgpipe_create(h, 0) != NO_ERROR)
			_exit(1);
		_exit(write(fds[1], h, sizeof(h)) == sizeof(h) ? 0 : 2);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(h), read(fds[0], h, sizeof(h)));
	close(fds[0]);
	ASSERT_EQ(0, mx_wait_child(pid));

	ASSERT_EQ(0, tr_read(self));
	ep = tr_find_create(self, h);
	ASSERT_NE(0, ep) TH_LOG("no create event from the child");
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu table_gone",
		     h[0], ep);
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu table_gone",
		     h[1], ep + 1);
}

TEST_HARNESS_MAIN
