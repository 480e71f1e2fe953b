// SPDX-License-Identifier: GPL-2.0
/*
 * The magenta tracepoints (kmod/trace.h, docs/tracing.md): each test turns
 * the magenta events on in a tracefs instance of its own, filtered to its
 * own process and children (set_event_pid, options/event-fork), does
 * something with pipes, events and handles, and checks the text of the
 * events it caused, field by field. The ep fields print koids: a pipe's
 * are learnt from its magenta_msgpipe_create event (and checked against
 * mx_handle_get_info()), an event's from mx_handle_get_info().
 *
 * The whole program skips (exit 4) when tracefs is not mounted or not
 * writable (not root); a module without the magenta events fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mx_test.h"

#define TR_LINE_MAX	512
#define TR_LIMITS	"max_inflight", "max_nesting", "max_queued_msgs", \
			"max_handles"
#define TR_NLIMITS	4
#define TR_MAX_HANDLES	3	/* index of max_handles in TR_LIMITS */
#define ALL_RIGHTS	"TRANSFER|READ|WRITE"		/* a pipe endpoint's */
#define EV_RIGHTS	"DUPLICATE|TRANSFER|READ|WRITE"	/* a new event's */
/* Bounds, never reached when all is well: a wait, a helper's poll. */
#define TR_WAIT_NS	60000000000ull
#define TR_POLL_NS	30000000000ull

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

/* *bi: what mx_handle_get_info(MX_INFO_HANDLE_BASIC) says of @h; ok? */
static bool tr_info(mx_handle_t h, mx_handle_basic_info_t *bi)
{
	memset(bi, 0, sizeof(*bi));
	return mx_handle_get_info(h, MX_INFO_HANDLE_BASIC, bi, sizeof(*bi)) ==
	       (mx_ssize_t)sizeof(*bi);
}

/* The koid of @h from mx_handle_get_info(), or 0 if that fails. */
static unsigned long long tr_koid(mx_handle_t h)
{
	mx_handle_basic_info_t bi;

	return tr_info(h, &bi) ? bi.koid : 0;
}

/* Make an event and learn its koid from mx_handle_get_info(). */
#define NEW_EVENT(h, koid) do {						\
	(h) = mx_event_create(0);					\
	ASSERT_LT(0, (h)) TH_LOG("mx_event_create: %d", (h));		\
	(koid) = tr_koid(h);						\
	ASSERT_NE(0, (koid));						\
} while (0)

#define DUP(d, src, rights) do {					\
	(d) = mx_handle_duplicate((src), (rights));			\
	ASSERT_LT(0, (d)) TH_LOG("mx_handle_duplicate: %d", (d));	\
} while (0)

/* How many events named @event the trace holds now; -1: unreadable. */
static int tr_count(FIXTURE_DATA(tr) *self, const char *event)
{
	char got[TR_LINE_MAX];
	int n = 0;

	if (tr_read(self))
		return -1;
	while (tr_nth(self, event, n, got))
		n++;
	return n;
}

static uint64_t tr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * A helper thread: once the module counts @waiters waits (the main
 * thread's is queued), it closes @h or sets SIGNAL3 on it; @r is the
 * call's status, ERR_TIMED_OUT if the wait never came.
 */
struct tr_op {
	pthread_t thr;
	long waiters;
	mx_handle_t h;
	bool close;
	mx_status_t r;
};

static void *tr_op_main(void *arg)
{
	struct tr_op *op = arg;
	uint64_t end = tr_now_ns() + TR_POLL_NS;

	op->r = ERR_TIMED_OUT;
	while (mx_stat_read("waiters") < op->waiters) {
		if (tr_now_ns() > end)
			return NULL;
		sched_yield();
	}
	op->r = op->close ? mx_handle_close(op->h) :
			    mx_object_signal(op->h, 0, MX_SIGNAL_SIGNAL3);
	return NULL;
}

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
		{ "magenta_handle_duplicate", "u64 koid;|s32 handle;|s32 new_handle;|u32 rights;" },
		{ "magenta_event_create", "u64 koid;|int err;" },
		{ "magenta_object_signal", "u64 koid;|s32 handle;|u32 clear;|u32 set;|int err;" },
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

/*
 * The ep fields are koids: a pipe's two ends have the koids the create
 * event printed (ep, ep + 1), as mx_handle_get_info() reports them; an
 * event has an even koid, and its odd partner is never given out.
 */
TEST_F(tr, koids)
{
	mx_handle_basic_info_t bi;
	unsigned long long a, b, c, k;
	mx_handle_t p[2], q[2], r[2], e;

	CREATE(p, a);
	ASSERT_TRUE(tr_info(p[0], &bi));
	EXPECT_EQ(a, bi.koid);
	EXPECT_EQ(MX_OBJ_TYPE_MESSAGE_PIPE, bi.type);
	ASSERT_TRUE(tr_info(p[1], &bi));
	EXPECT_EQ(a + 1, bi.koid);
	EXPECT_EQ(MX_OBJ_TYPE_MESSAGE_PIPE, bi.type);

	NEW_EVENT(e, k);
	EXPECT_EVENT("magenta_event_create", "koid=%llu result=NO_ERROR", k);
	ASSERT_TRUE(tr_info(e, &bi));
	EXPECT_EQ(MX_OBJ_TYPE_EVENT, bi.type);
	EXPECT_EQ(0, k % 2);
	EXPECT_LT(a + 1, k);

	/* The next pipe starts above k + 1; a reply pipe says so. */
	ASSERT_EQ(NO_ERROR, mx_msgpipe_create(q, MX_FLAG_REPLY_PIPE));
	ASSERT_EQ(0, tr_read(self));
	b = tr_find_create(self, q);
	ASSERT_NE(0, b);
	EXPECT_EVENT("magenta_msgpipe_create", "handles=%d,%d ep=%llu,%llu reply",
		     q[0], q[1], b, b + 1);
	EXPECT_LT(k + 1, b);
	EXPECT_EQ(b, tr_koid(q[0]));
	EXPECT_EQ(b + 1, tr_koid(q[1]));
	CREATE(r, c);
	EXPECT_EVENT("magenta_msgpipe_create", "handles=%d,%d ep=%llu,%llu",
		     r[0], r[1], c, c + 1);
	EXPECT_LT(b + 1, c);
	EXPECT_EQ(c, tr_koid(r[0]));
	EXPECT_EQ(c + 1, tr_koid(r[1]));

	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", e, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(q[1]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(r[1]));
}

/*
 * An event made, and one refused at the handle limit: the refused one
 * had a koid already, which is never given out again.
 */
TEST_F(tr, event_create)
{
	unsigned long long k, k2, kk, refused = 0;
	char got[TR_LINE_MAX], res[48];
	mx_handle_t e, e2;
	int i;

	if (self->limits[TR_MAX_HANDLES] <= 0 ||
	    !mx_param_writable("max_handles"))
		SKIP(return, "cannot change module parameter max_handles");
	NEW_EVENT(e, k);
	EXPECT_EVENT("magenta_event_create", "koid=%llu result=NO_ERROR", k);

	/* This process holds one handle, e. */
	SET_LIMIT("max_handles", 1);
	EXPECT_EQ(ERR_NO_MEMORY, mx_event_create(0));
	ASSERT_EQ(0, mx_param_write("max_handles",
				    self->limits[TR_MAX_HANDLES]));
	ASSERT_EQ(0, tr_read(self));
	for (i = 0; tr_nth(self, "magenta_event_create", i, got); i++)
		if (sscanf(got, "koid=%llu result=%47s", &kk, res) == 2 &&
		    !strcmp(res, "ERR_NO_MEMORY"))
			refused = kk;
	ASSERT_NE(0, refused) TH_LOG("no event_create with ERR_NO_MEMORY");
	EXPECT_LT(k, refused);
	EXPECT_EQ(0, refused % 2);

	NEW_EVENT(e2, k2);
	EXPECT_EVENT("magenta_event_create", "koid=%llu result=NO_ERROR", k2);
	EXPECT_LT(refused + 1, k2);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e2));
}

/*
 * Duplicates, with the rights they got, under the koid of their source;
 * a refused duplicate records nothing.
 */
TEST_F(tr, duplicate)
{
	mx_handle_basic_info_t bi;
	unsigned long long a, k, kd;
	mx_handle_t p[2], e, d, r, z, dead;
	int n;

	NEW_EVENT(e, k);
	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	EXPECT_EVENT("magenta_handle_duplicate",
		     "handle=%d new=%d koid=%llu rights=" EV_RIGHTS, e, d, k);
	ASSERT_TRUE(tr_info(d, &bi));
	EXPECT_EQ(k, bi.koid);
	EXPECT_EQ(MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | MX_RIGHT_READ |
		  MX_RIGHT_WRITE, bi.rights);
	DUP(r, d, MX_RIGHT_READ);
	EXPECT_EVENT("magenta_handle_duplicate",
		     "handle=%d new=%d koid=%llu rights=READ", d, r, k);
	EXPECT_EQ(k, tr_koid(r));
	DUP(z, e, 0);
	EXPECT_EVENT("magenta_handle_duplicate",
		     "handle=%d new=%d koid=%llu rights=", e, z, k);

	CREATE(p, a);
	NEW_EVENT(dead, kd);
	EXPECT_EQ(NO_ERROR, mx_handle_close(dead));
	n = tr_count(self, "magenta_handle_duplicate");
	EXPECT_EQ(3, n);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(r, MX_RIGHT_SAME_RIGHTS));
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_handle_duplicate(p[0], 0));
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_duplicate(e, MX_RIGHT_EXECUTE));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_handle_duplicate(dead, 0));
	EXPECT_EQ(n, tr_count(self, "magenta_handle_duplicate"));

	/* Each handle closes under the one koid. */
	EXPECT_EQ(NO_ERROR, mx_handle_close(d));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", d, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", r, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(z));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", z, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", e, k);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* mx_object_signal(): its masks by name, and every refusal's result. */
TEST_F(tr, object_signal)
{
	unsigned long long a, k;
	mx_handle_t p[2], e, r;

	NEW_EVENT(e, k);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, MX_SIGNAL_SIGNAL0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear= set=SIGNAL0 result=NO_ERROR",
		     e, k);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, MX_SIGNAL_SIGNAL0,
					     MX_SIGNAL_SIGNAL1 | MX_SIGNAL_SIGNAL4));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear=SIGNAL0 set=SIGNAL1|SIGNAL4 result=NO_ERROR",
		     e, k);
	/* The state a wait sees agrees. */
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, MX_SIGNAL_SIGNAL_ALL, 0, NULL));
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=NO_ERROR satisfied=SIGNAL1|SIGNAL4 index=0",
		     e, k);
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, MX_SIGNAL_SIGNAL_ALL, 0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear=SIGNAL0|SIGNAL1|SIGNAL2|SIGNAL3|SIGNAL4 set= result=NO_ERROR",
		     e, k);

	/* Bits outside SIGNAL_ALL: by name if they have one, else in hex. */
	EXPECT_EQ(ERR_INVALID_ARGS, mx_object_signal(e, 0, MX_SIGNAL_READABLE));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear= set=READABLE result=ERR_INVALID_ARGS",
		     e, k);
	EXPECT_EQ(ERR_INVALID_ARGS,
		  mx_object_signal(e, 1u << 8, MX_SIGNAL_SIGNAL0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear=0x100 set=SIGNAL0 result=ERR_INVALID_ARGS",
		     e, k);

	/* No MX_RIGHT_WRITE. */
	DUP(r, e, MX_RIGHT_READ);
	EXPECT_EQ(ERR_ACCESS_DENIED, mx_object_signal(r, 0, MX_SIGNAL_SIGNAL0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear= set=SIGNAL0 result=ERR_ACCESS_DENIED",
		     r, k);

	/* A pipe endpoint has no user signals. */
	CREATE(p, a);
	EXPECT_EQ(ERR_NOT_SUPPORTED, mx_object_signal(p[1], 0, MX_SIGNAL_SIGNAL0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear= set=SIGNAL0 result=ERR_NOT_SUPPORTED",
		     p[1], a + 1);

	EXPECT_EQ(NO_ERROR, mx_handle_close(r));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/* A value that names no handle: koid=0, as kmod/trace.h says. */
TEST_F(tr, object_signal_bad_handle)
{
	unsigned long long k;
	mx_handle_t e;

	NEW_EVENT(e, k);
	ASSERT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EQ(ERR_BAD_HANDLE, mx_object_signal(e, 0, MX_SIGNAL_SIGNAL0));
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=0 clear= set=SIGNAL0 result=ERR_BAD_HANDLE",
		     e);
}

/*
 * An event's handle goes where a pipe's goes: waits (alone and mixed with
 * an endpoint), a file descriptor, a message, a replacement, a close; the
 * ep field is its koid all the way.
 */
TEST_F(tr, event_handles)
{
	mx_signals_t sig[2] = { MX_SIGNAL_SIGNAL2, MX_SIGNAL_READABLE };
	mx_handle_t p[2], hs[2], e, got = 0, imp = 0, rep;
	uint32_t index = 99, nb = 8, nh = 1;
	unsigned long long a, k;
	char buf[8];
	int fd = -1;

	CREATE(p, a);
	NEW_EVENT(e, k);

	EXPECT_EQ(ERR_TIMED_OUT,
		  mx_handle_wait_one(e, MX_SIGNAL_SIGNAL0, 0, NULL));
	EXPECT_EVENT_PREFIX("magenta_wait_start",
			    "wait_one handle=%d ep=%llu signals=SIGNAL0 count=1 timeout_ns=",
			    e, k);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=ERR_TIMED_OUT satisfied= index=0",
		     e, k);
	/* An event is never READABLE: the wait ends at once. */
	EXPECT_EQ(ERR_BAD_STATE, mx_handle_wait_one(e, MX_SIGNAL_READABLE,
						    MX_TIME_INFINITE, NULL));
	EXPECT_EVENT("magenta_wait_start",
		     "wait_one handle=%d ep=%llu signals=READABLE count=1 timeout_ns=-1",
		     e, k);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=ERR_BAD_STATE satisfied= index=0",
		     e, k);

	/* wait_many: the event first, then second, decides. */
	ASSERT_EQ(NO_ERROR, mx_object_signal(e, 0, MX_SIGNAL_SIGNAL2));
	hs[0] = e;
	hs[1] = p[1];
	EXPECT_EQ(NO_ERROR, mx_handle_wait_many(2, hs, sig, MX_TIME_INFINITE,
						&index, NULL));
	EXPECT_EQ(0, index);
	EXPECT_EVENT("magenta_wait_start",
		     "wait_many handle=%d ep=%llu signals=SIGNAL2 count=2 timeout_ns=-1",
		     e, k);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_many handle=%d ep=%llu result=NO_ERROR satisfied=SIGNAL2 index=0",
		     e, k);
	hs[0] = p[1];
	hs[1] = e;
	sig[0] = MX_SIGNAL_READABLE;
	sig[1] = MX_SIGNAL_SIGNAL2;
	EXPECT_EQ(NO_ERROR, mx_handle_wait_many(2, hs, sig, MX_TIME_INFINITE,
						&index, NULL));
	EXPECT_EQ(1, index);
	EXPECT_EVENT("magenta_wait_start",
		     "wait_many handle=%d ep=%llu signals=READABLE count=2 timeout_ns=-1",
		     p[1], a + 1);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_many handle=%d ep=%llu result=NO_ERROR satisfied=SIGNAL2 index=1",
		     e, k);

	ASSERT_EQ(NO_ERROR, mx_handle_export(e, MX_EXPORT_CLOEXEC, &fd));
	EXPECT_EVENT("magenta_handle_export", "handle=%d ep=%llu fd=%d",
		     e, k, fd);
	ASSERT_EQ(NO_ERROR, mx_handle_import(fd, &imp));
	EXPECT_EVENT("magenta_handle_import", "handle=%d ep=%llu fd=%d",
		     imp, k, fd);
	close(fd);
	EXPECT_EQ(k, tr_koid(imp));
	/* The same object: SIGNAL2 is still set. */
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(imp, MX_SIGNAL_SIGNAL2, 0, NULL));
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=NO_ERROR satisfied=SIGNAL2 index=0",
		     imp, k);

	ASSERT_EQ(NO_ERROR, mx_msgpipe_write(p[0], "e", 1, &imp, 1, 0));
	EXPECT_EVENT("magenta_handle_send", "handle=%d ep=%llu queue=%llu",
		     imp, k, a + 1);
	ASSERT_EQ(NO_ERROR, mx_msgpipe_read(p[1], buf, &nb, &got, &nh, 0));
	ASSERT_EQ(1, nh);
	EXPECT_EVENT("magenta_handle_recv", "handle=%d ep=%llu queue=%llu",
		     got, k, a + 1);
	EXPECT_EQ(k, tr_koid(got));

	rep = mx_handle_replace(got, MX_RIGHT_READ | MX_RIGHT_WRITE);
	ASSERT_LT(0, rep);
	EXPECT_EVENT("magenta_handle_replace",
		     "handle=%d new=%d ep=%llu rights=READ|WRITE", got, rep, k);
	EXPECT_EQ(k, tr_koid(rep));

	EXPECT_EQ(NO_ERROR, mx_handle_close(rep));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", rep, k);
	EXPECT_EQ(ERR_INVALID_ARGS, mx_handle_close(rep));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=0", rep);
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[0]));
	EXPECT_EQ(NO_ERROR, mx_handle_close(p[1]));
}

/*
 * Waits on an event that another thread ends while they sleep: a signal
 * wakes one; closing the handle waited on ends another with
 * ERR_HANDLE_CLOSED, while the event lives on through its first handle.
 */
TEST_F(tr, event_wakes)
{
	struct tr_op op = { .h = 0 };
	unsigned long long k;
	mx_handle_t e, d;

	NEW_EVENT(e, k);
	op.waiters = self->base.waiters + 1;
	op.h = e;
	ASSERT_EQ(0, pthread_create(&op.thr, NULL, tr_op_main, &op));
	EXPECT_EQ(NO_ERROR, mx_handle_wait_one(e, MX_SIGNAL_SIGNAL3,
					       TR_WAIT_NS, NULL));
	ASSERT_EQ(0, pthread_join(op.thr, NULL));
	EXPECT_EQ(NO_ERROR, op.r);
	EXPECT_EVENT("magenta_object_signal",
		     "handle=%d koid=%llu clear= set=SIGNAL3 result=NO_ERROR",
		     e, k);
	EXPECT_EVENT("magenta_wait_end",
		     "wait_one handle=%d ep=%llu result=NO_ERROR satisfied=SIGNAL3 index=0",
		     e, k);

	DUP(d, e, MX_RIGHT_SAME_RIGHTS);
	op.h = d;
	op.close = true;
	ASSERT_EQ(0, pthread_create(&op.thr, NULL, tr_op_main, &op));
	EXPECT_EQ(ERR_HANDLE_CLOSED, mx_handle_wait_one(d, MX_SIGNAL_SIGNAL0,
							TR_WAIT_NS, NULL));
	ASSERT_EQ(0, pthread_join(op.thr, NULL));
	EXPECT_EQ(NO_ERROR, op.r);
	EXPECT_EVENT_PREFIX("magenta_wait_start",
			    "wait_one handle=%d ep=%llu signals=SIGNAL0 count=1 timeout_ns=",
			    d, k);
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", d, k);
	EXPECT_EVENT_PREFIX("magenta_wait_end",
			    "wait_one handle=%d ep=%llu result=ERR_HANDLE_CLOSED satisfied=",
			    d, k);
	EXPECT_EQ(k, tr_koid(e));
	EXPECT_EQ(NO_ERROR, mx_handle_close(e));
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu", e, k);
}

/* A process that exits closes its events' handles too: table_gone. */
TEST_F(tr, exit_closes_event)
{
	struct {
		mx_handle_t h[2];
		unsigned long long koid;
	} m = { { 0, 0 }, 0 };
	int fds[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		m.h[0] = mx_event_create(0);
		if (m.h[0] <= 0)
			_exit(1);
		m.h[1] = mx_handle_duplicate(m.h[0], MX_RIGHT_SAME_RIGHTS);
		m.koid = tr_koid(m.h[0]);
		if (m.h[1] <= 0 || !m.koid)
			_exit(2);
		_exit(write(fds[1], &m, sizeof(m)) == sizeof(m) ? 0 : 3);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(m), read(fds[0], &m, sizeof(m)));
	close(fds[0]);
	ASSERT_EQ(0, mx_wait_child(pid));

	EXPECT_EVENT("magenta_event_create", "koid=%llu result=NO_ERROR",
		     m.koid);
	EXPECT_EVENT("magenta_handle_duplicate",
		     "handle=%d new=%d koid=%llu rights=" EV_RIGHTS,
		     m.h[0], m.h[1], m.koid);
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu table_gone",
		     m.h[0], m.koid);
	EXPECT_EVENT("magenta_handle_close", "handle=%d ep=%llu table_gone",
		     m.h[1], m.koid);
}

TEST_HARNESS_MAIN
