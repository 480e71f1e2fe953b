// SPDX-License-Identifier: GPL-2.0
/*
 * mxbench: Magenta message pipes and events against what a Linux user
 * would pick instead (AF_UNIX SOCK_SEQPACKET, pipe(2), SCM_RIGHTS, poll,
 * futexes, eventfd).
 *
 * Every figure is the median of several repetitions (with min and max), and
 * figures that are compared are measured interleaved, repetition by
 * repetition, in the same run. Progress goes to stderr; stdout gets one
 * machine-readable line per figure and per ratio (see bench/README.md):
 *
 *   INFO key=value ...
 *   RESULT group=G name=N value=V unit=U min=A max=B reps=R iters=I
 *   RATIO group=G name=N num=N1 den=N2 value=V min=A max=B better=lower|higher
 *         target=T met=yes|no|-
 *   SKIP group=G name=N reason=WORD
 *   FAIL group=G name=N reason=WORD
 *
 * Exit status: 0 if every benchmark ran correctly, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <magenta/syscalls.h>

#include "mx_sysfs.h"
#include <linux/magenta.h>

#define MAXREP		64
#define MSG_MAX		65536

/* ---- options ------------------------------------------------------------ */

static struct {
	int reps;
	double time;		/* target seconds per measurement */
	long pairs;		/* create+close count */
	long max_live;		/* largest live-handle count */
	long idle_pairs;	/* pairs kept idle for the memory figure */
	const char *only;
	const char *trace;	/* figure to run under the kernel's tracer */
	const char *label;
	int pin;		/* CPU for everything but contention, or -1 */
	bool quick;
} opt = {
	.pin = -1,
	.reps = 5,
	.time = 0.25,
	.pairs = 1000000,
	.max_live = 1000000,
	.idle_pairs = 100000,
	.label = "unlabelled",
};

static int failures;

static bool want(const char *group)
{
	const char *p = opt.only;
	size_t n = strlen(group);

	if (!p || !*p)
		return true;
	while (*p) {
		if (!strncmp(p, group, n) && (p[n] == ',' || p[n] == 0))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void fail(const char *group, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL group=%s name=%s reason=", group, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures++;
}

static void skip(const char *group, const char *name, const char *reason)
{
	printf("SKIP group=%s name=%s reason=%s\n", group, name, reason);
	fflush(stdout);
	progress("  %-34s skipped: %s\n", name, reason);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- small helpers -------------------------------------------------------- */

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

/* Wait for a child; 0 if it exited with status 0. */
static int reap(pid_t pid)
{
	int st;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int seqpacket_pair(int sv[2], int bufsz)
{
	int i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -1;
	for (i = 0; bufsz && i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &bufsz,
			       sizeof(bufsz)))
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &bufsz,
				   sizeof(bufsz));
		if (setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
			       sizeof(bufsz)))
			setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &bufsz,
				   sizeof(bufsz));
	}
	return 0;
}

static void raise_nofile(long want_fds)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if ((long)rl.rlim_cur >= want_fds)
		return;
	rl.rlim_cur = want_fds;
	if ((long)rl.rlim_max < want_fds)
		rl.rlim_max = want_fds;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static long nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
}

/* ---- message pipe helpers ---------------------------------------------- */

#define MX_RD	(MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED)
#define MX_WR	(MX_SIGNAL_WRITABLE | MX_SIGNAL_PEER_CLOSED)

/* Blocking write: on a full queue, wait for WRITABLE and retry. */
static int mx_send(mx_handle_t h, void *buf, uint32_t len,
		   mx_handle_t *hs, uint32_t nh)
{
	for (;;) {
		mx_status_t s = mx_msgpipe_write(h, buf, len, hs, nh, 0);

		if (s == NO_ERROR)
			return 0;
		if (s != ERR_NO_MEMORY)
			return -1;
		if (mx_handle_wait_one(h, MX_WR, MX_TIME_INFINITE, NULL))
			return -1;
	}
}

/* The canonical receive: wait for READABLE, then read. */
static int mx_recv_wait(mx_handle_t h, void *buf, uint32_t cap,
			mx_handle_t *hs, uint32_t nhcap)
{
	uint32_t n = cap, nh = nhcap;

	if (mx_handle_wait_one(h, MX_RD, MX_TIME_INFINITE, NULL))
		return -1;
	if (mx_msgpipe_read(h, buf, &n, hs, &nh, 0))
		return -1;
	return (int)n;
}

/* Receive for streams: read first, wait only when the queue is empty. */
static int mx_recv_poll(mx_handle_t h, void *buf, uint32_t cap)
{
	for (;;) {
		uint32_t n = cap, nh = 0;
		mx_status_t s = mx_msgpipe_read(h, buf, &n, NULL, &nh, 0);

		if (s == NO_ERROR)
			return (int)n;
		if (s != ERR_BAD_STATE)
			return -1;
		if (mx_handle_wait_one(h, MX_RD, MX_TIME_INFINITE, NULL))
			return -1;
	}
}

/*
 * Fork a child that gets @h (moved out of the caller's table through an
 * exported fd: a fork child starts with an empty table) and runs @fn.
 */
typedef int (*mx_child_fn)(mx_handle_t h, void *arg);

static pid_t mx_fork(mx_handle_t h, mx_child_fn fn, void *arg)
{
	int fd;
	pid_t pid;

	if (mx_handle_export(h, 0, &fd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		mx_handle_t ch;

		if (mx_handle_import(fd, &ch))
			_exit(3);
		close(fd);
		_exit(fn(ch, arg) ? 1 : 0);
	}
	close(fd);
	return pid;
}

typedef int (*fd_child_fn)(int fd0, int fd1, void *arg);

/*
 * Fork a child running @fn(fd0, fd1, arg); it first closes @other (the
 * parent's end, so that a parent that gives up ends the child with EOF).
 * The caller closes its copies of fd0 and fd1.
 */
static pid_t fd_fork(int fd0, int fd1, int other, fd_child_fn fn, void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (other >= 0)
			close(other);
		_exit(fn(fd0, fd1, arg) ? 1 : 0);
	}
	return pid;
}

/* ---- the measurement framework --------------------------------------------- */

enum kind { TIME_PER_OP, RATE };

struct fig;
/* Run @n operations; return the elapsed nanoseconds, or < 0 on failure. */
typedef double (*run_fn)(struct fig *f, long n);

struct fig {
	const char *group;
	const char *name;
	run_fn run;
	long arg;		/* e.g. the message size */
	enum kind kind;
	double per_op;		/* RATE: units per operation */
	const char *unit;	/* RATE: unit of value */
	long fixed_n;		/* 0: calibrate against opt.time */
	long n;
	double v[MAXREP];
	int nv;
	bool failed;
};

#define FIG(g, nm, fn, a) \
	{ .group = (g), .name = (nm), .run = (fn), .arg = (a) }
#define RFIG(g, nm, fn, a, per, u) \
	{ .group = (g), .name = (nm), .run = (fn), .arg = (a), .kind = RATE, \
	  .per_op = (per), .unit = (u) }
#define NFIG(g, nm, fn, count) \
	{ .group = (g), .name = (nm), .run = (fn), .fixed_n = (count) }

static double value_of(const struct fig *f, long n, double ns)
{
	if (f->kind == TIME_PER_OP)
		return ns / n;
	return n * f->per_op / (ns / 1e9);
}

static long calibrate(struct fig *f)
{
	double target = opt.time * 1e9, e;
	long n = 4, cap = 1L << 30;

	for (;;) {
		e = f->run(f, n);
		if (e < 0)
			return -1;
		if (e >= target / 8 || n >= cap)
			break;
		n *= e < target / 64 ? 8 : 2;
	}
	n = (long)(n * (target / (e > 1 ? e : 1)));
	return n < 4 ? 4 : n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAXREP];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void minmax(const double *v, int n, double *lo, double *hi)
{
	int i;

	*lo = *hi = v[0];
	for (i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static const char *unit_of(const struct fig *f)
{
	return f->kind == TIME_PER_OP ? "ns" : f->unit;
}

static void report_fig(const struct fig *f)
{
	double lo, hi;

	if (f->failed || !f->nv)
		return;
	minmax(f->v, f->nv, &lo, &hi);
	printf("RESULT group=%s name=%s value=%.6g unit=%s min=%.6g max=%.6g reps=%d iters=%ld\n",
	       f->group, f->name, median(f->v, f->nv), unit_of(f), lo, hi,
	       f->nv, f->n);
	fflush(stdout);
	progress("  %-34s %12.4g %-5s (min %.4g, max %.4g, %d x %ld)\n",
		 f->name, median(f->v, f->nv), unit_of(f), lo, hi, f->nv, f->n);
}

#define TRACEFS		"/sys/kernel/tracing/"
#define TRACE_ITERS	16

/* Copy the trace buffer to stdout between TRACE-BEGIN and TRACE-END. */
static void trace_dump(const struct fig *f, long n)
{
	char line[512];
	FILE *in = fopen(TRACEFS "trace", "r");

	printf("TRACE-BEGIN name=%s iters=%ld\n", f->name, n);
	while (in && fgets(line, sizeof(line), in))
		fputs(line, stdout);
	printf("TRACE-END name=%s iters=%ld\n", f->name, n);
	if (in)
		fclose(in);
}

/*
 * --trace: run @f for TRACE_ITERS and for twice as many iterations, each
 * with the kernel's tracer on (set up by bench/profile-guest.sh), and dump
 * both traces. The difference between the two is TRACE_ITERS iterations
 * without the set-up and tear-down around them (bench/profile.awk).
 */
static void trace_fig(struct fig *f)
{
	long n;

	for (n = TRACE_ITERS; n <= 2 * TRACE_ITERS; n += TRACE_ITERS) {
		int fd = open(TRACEFS "trace", O_WRONLY | O_TRUNC);

		if (fd < 0 || close(fd) ||
		    mx_write_str(TRACEFS "tracing_on", "1")) {
			fail(f->group, f->name, "no-tracefs");
			return;
		}
		if (f->run(f, n) < 0)
			fail(f->group, f->name, "traced-run-failed");
		mx_write_str(TRACEFS "tracing_on", "0");
		trace_dump(f, n);
	}
}

/* Run the figures of one comparison set interleaved, rep by rep. */
static void run_set(struct fig *figs, int nfigs)
{
	int i, r;

	for (i = 0; i < nfigs; i++) {
		struct fig *f = &figs[i];

		f->nv = 0;
		f->failed = false;
		f->n = f->fixed_n ? f->fixed_n : calibrate(f);
		if (f->n < 0) {
			f->failed = true;
			fail(f->group, f->name, "calibration-run-failed");
		}
	}
	for (r = 0; r < opt.reps && r < MAXREP; r++) {
		for (i = 0; i < nfigs; i++) {
			struct fig *f = &figs[i];
			double e;

			if (f->failed)
				continue;
			e = f->run(f, f->n);
			if (e < 0) {
				f->failed = true;
				fail(f->group, f->name, "run-failed");
				continue;
			}
			f->v[f->nv++] = value_of(f, f->n, e);
		}
	}
	for (i = 0; i < nfigs; i++)
		report_fig(&figs[i]);
	for (i = 0; i < nfigs; i++)
		if (opt.trace && !strcmp(figs[i].name, opt.trace))
			trace_fig(&figs[i]);
}

static struct fig *find_fig(struct fig *figs, int nfigs, const char *name)
{
	int i;

	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].name, name))
			return &figs[i];
	return NULL;
}

/*
 * A ratio num/den of medians; min and max are over the per-repetition
 * ratios (both figures were measured in the same repetition). @target is
 * "<=X", ">=X" or NULL.
 */
static void ratio2(const struct fig *a, const struct fig *b, const char *name,
		   const char *target)
{
	double rv[MAXREP], v, lo, hi, t;
	const char *better;
	const char *met = "-";
	int i, n;

	if (!a || !b || a->failed || b->failed || !a->nv || !b->nv)
		return;
	n = a->nv < b->nv ? a->nv : b->nv;
	for (i = 0; i < n; i++)
		rv[i] = a->v[i] / b->v[i];
	v = median(a->v, a->nv) / median(b->v, b->nv);
	minmax(rv, n, &lo, &hi);
	better = a->kind == TIME_PER_OP ? "lower" : "higher";
	if (target && sscanf(target + 2, "%lf", &t) == 1)
		met = (target[0] == '<' ? v <= t : v >= t) ? "yes" : "no";
	printf("RATIO group=%s name=%s num=%s den=%s value=%.4f min=%.4f max=%.4f better=%s target=%s met=%s\n",
	       a->group, name, a->name, b->name, v, lo, hi, better,
	       target ? target : "-", met);
	fflush(stdout);
	progress("  %-34s %8.3f x  (%s%s%s)\n", name, v,
		 target ? "target " : "", target ? target : "",
		 target ? (strcmp(met, "yes") ? ": MISSED" : ": met") : "");
}

static void ratio(struct fig *figs, int nfigs, const char *num, const char *den,
		  const char *name, const char *target)
{
	ratio2(find_fig(figs, nfigs, num), find_fig(figs, nfigs, den), name,
	       target);
}

/* ---- 1. ping-pong --------------------------------------------------------------- */

/* Ping-pong flavour: mx_msgpipe_call on both sides instead of three calls. */
#define PP_CALL		(1L << 30)

struct pp_arg {
	long n;
	uint32_t size;
	bool call;		/* use mx_msgpipe_call */
	uint32_t nh;		/* handles carried each way (0 or 1) */
	mx_handle_t tok;	/* the handle carried, if nh */
};

/*
 * Send @a->size bytes (and the token) through @h and receive the answer
 * into @buf: write, wait, read; or one mx_msgpipe_call.
 */
static int mx_exchange(mx_handle_t h, char *buf, struct pp_arg *a)
{
	uint32_t len = MSG_MAX, nh = a->nh;

	if (!a->call)
		return mx_send(h, buf, a->size, &a->tok, a->nh) ||
		       mx_recv_wait(h, buf, MSG_MAX, &a->tok, a->nh) !=
		       (int)a->size ? -1 : 0;
	return mx_msgpipe_call(h, buf, a->size, &a->tok, a->nh, buf, &len,
			       &a->tok, &nh, MX_TIME_INFINITE) ||
	       len != a->size || nh != a->nh ? -1 : 0;
}

/* The server: answer each of @a->n requests with what it carried. */
static int pp_mx_child(mx_handle_t h, void *arg)
{
	struct pp_arg *a = arg;
	static char buf[MSG_MAX];
	long i;

	if (mx_send(h, buf, 1, NULL, 0) ||
	    mx_recv_wait(h, buf, sizeof(buf), &a->tok, a->nh) != (int)a->size)
		return -1;
	/* Answer one request and take the next, a->n - 1 times. */
	for (i = 1; i < a->n; i++)
		if (mx_exchange(h, buf, a))
			return -1;
	if (mx_send(h, buf, a->size, &a->tok, a->nh))
		return -1;
	return mx_handle_close(h);
}

/* @n round trips of @a through a new pipe to a forked server. */
static double pp_mx_run(struct pp_arg *a)
{
	static char buf[MSG_MAX];
	mx_handle_t h[2];
	double t0, t1;
	pid_t pid;
	long i;
	int bad = 0;

	if (mx_msgpipe_create(h, 0))
		return -1;
	pid = mx_fork(h[1], pp_mx_child, a);
	if (pid < 0 || mx_recv_wait(h[0], buf, sizeof(buf), NULL, 0) != 1)
		bad = 1;
	t0 = now_ns();
	for (i = 0; !bad && i < a->n; i++)
		bad = mx_exchange(h[0], buf, a);
	t1 = now_ns();
	mx_handle_close(h[0]);
	if (reap(pid) || bad)
		return -1;
	return t1 - t0;
}

/* f->arg: the message size, | PP_CALL for mx_msgpipe_call. */
static double pp_msgpipe(struct fig *f, long n)
{
	struct pp_arg a = {
		.n = n, .size = (uint32_t)(f->arg & ~PP_CALL),
		.call = f->arg & PP_CALL,
	};

	return pp_mx_run(&a);
}

/* Seqpacket: one message per send/recv. Pipes: a byte stream, read in full. */
static int fd_send(int fd, const void *buf, size_t len, bool stream)
{
	if (stream)
		return write_full(fd, buf, len);
	return send(fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int fd_recv(int fd, void *buf, size_t len, bool stream)
{
	if (stream)
		return read_full(fd, buf, len);
	return recv(fd, buf, MSG_MAX, 0) == (ssize_t)len ? 0 : -1;
}

struct fdpp_arg {
	long n;
	size_t size;
	bool stream;
};

/* fd0: the child's read side, fd1: its write side */
static int pp_fd_child(int rfd, int wfd, void *arg)
{
	struct fdpp_arg *a = arg;
	static char buf[MSG_MAX];
	long i;

	if (fd_send(wfd, buf, 1, a->stream))
		return -1;
	for (i = 0; i < a->n; i++) {
		if (fd_recv(rfd, buf, a->size, a->stream) ||
		    fd_send(wfd, buf, a->size, a->stream))
			return -1;
	}
	return 0;
}

/* The timed loop, common to seqpacket and pipes. */
static double pp_fd_loop(int rfd, int wfd, void *arg)
{
	struct fdpp_arg *a = arg;
	static char buf[MSG_MAX];
	double t0, t1;
	long i;

	if (fd_recv(rfd, buf, 1, a->stream))
		return -1;
	t0 = now_ns();
	for (i = 0; i < a->n; i++) {
		if (fd_send(wfd, buf, a->size, a->stream) ||
		    fd_recv(rfd, buf, a->size, a->stream))
			return -1;
	}
	t1 = now_ns();
	return t1 - t0;
}

static double pp_seqpacket(struct fig *f, long n)
{
	struct fdpp_arg a = { n, (size_t)f->arg, false };
	int sv[2];
	double e;
	pid_t pid;

	if (seqpacket_pair(sv, 1 << 20))
		return -1;
	pid = fd_fork(sv[1], sv[1], sv[0], pp_fd_child, &a);
	close(sv[1]);
	e = pid < 0 ? -1 : pp_fd_loop(sv[0], sv[0], &a);
	close(sv[0]);
	if (reap(pid))
		return -1;
	return e;
}

/*
 * Run @child in a forked process and @loop here, connected by two pipes:
 * each reads what the other writes.
 */
static double pipes_run(int (*child)(int rfd, int wfd, void *arg),
			double (*loop)(int rfd, int wfd, void *arg), void *arg)
{
	int p1[2], p2[2];	/* p1: parent -> child, p2: child -> parent */
	double e;
	pid_t pid;

	if (pipe(p1))
		return -1;
	if (pipe(p2)) {
		close(p1[0]);
		close(p1[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p1[1]);
		close(p2[0]);
		_exit(child(p1[0], p2[1], arg) ? 1 : 0);
	}
	close(p1[0]);
	close(p2[1]);
	e = pid < 0 ? -1 : loop(p2[0], p1[1], arg);
	close(p1[1]);
	close(p2[0]);
	if (reap(pid))
		return -1;
	return e;
}

static double pp_pipes(struct fig *f, long n)
{
	struct fdpp_arg a = { n, (size_t)f->arg, true };

	return pipes_run(pp_fd_child, pp_fd_loop, &a);
}

static void bench_pingpong(void)
{
	static const long sizes[] = { 64, 1024, 65536 };
	static const char *const alts[] = { "seqpacket", "pipes" };
	static const char *const targets[] = { "<=0.75", "<=1.0" };
	char names[3][4][48], rn[64];
	struct fig figs[4];
	unsigned int i, j, k;

	progress("== ping-pong round trip (two processes)\n");
	for (i = 0; i < 3; i++) {
		snprintf(names[i][0], 48, "pingpong.%ld.msgpipe", sizes[i]);
		snprintf(names[i][1], 48, "pingpong.%ld.msgpipe_call", sizes[i]);
		snprintf(names[i][2], 48, "pingpong.%ld.seqpacket", sizes[i]);
		snprintf(names[i][3], 48, "pingpong.%ld.pipes", sizes[i]);
		figs[0] = (struct fig)FIG("pingpong", names[i][0], pp_msgpipe, sizes[i]);
		figs[1] = (struct fig)FIG("pingpong", names[i][1], pp_msgpipe, sizes[i] | PP_CALL);
		figs[2] = (struct fig)FIG("pingpong", names[i][2], pp_seqpacket, sizes[i]);
		figs[3] = (struct fig)FIG("pingpong", names[i][3], pp_pipes, sizes[i]);
		run_set(figs, 4);
		/* Both ways of using pipes, each against both alternatives. */
		for (j = 0; j < 2; j++) {
			for (k = 0; k < 2; k++) {
				snprintf(rn, sizeof(rn), "%s/%s", names[i][j],
					 alts[k]);
				ratio(figs, 4, names[i][j], names[i][2 + k], rn,
				      sizes[i] == 64 ? targets[k] : NULL);
			}
		}
	}
}

/* ---- 2. handle passing ------------------------------------------------------------ */

/*
 * A pipe end bounces between the processes, 8 bytes with it each way;
 * f->arg: PP_CALL for mx_msgpipe_call.
 */
static double hp_msgpipe(struct fig *f, long n)
{
	struct pp_arg a = {
		.n = n, .size = 8, .call = f->arg & PP_CALL, .nh = 1,
	};
	mx_handle_t tok[2];
	double e;

	if (mx_msgpipe_create(tok, 0))
		return -1;
	a.tok = tok[0];
	e = pp_mx_run(&a);
	/* On success the token came back to the parent under a new value. */
	if (e >= 0)
		mx_handle_close(a.tok);
	mx_handle_close(tok[1]);
	return e;
}

static int send_fd(int sock, int fd)
{
	char buf[8] = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == sizeof(buf) ? 0 : -1;
}

static int recv_fd(int sock)
{
	char buf[8];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != sizeof(buf))
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int hp_fd_child(int sock, int unused, void *arg)
{
	long i, n = *(long *)arg;
	char b = 0;
	int fd;

	(void)unused;
	if (send(sock, &b, 1, 0) != 1)
		return -1;
	for (i = 0; i < n; i++) {
		fd = recv_fd(sock);
		if (fd < 0 || send_fd(sock, fd))
			return -1;
		close(fd);
	}
	return 0;
}

/* SCM_RIGHTS: send, receive, close: the fd is moved, as a handle is. */
static double hp_scm(struct fig *f, long n)
{
	int sv[2], p[2], fd;
	double t0, t1;
	char b;
	long i;
	pid_t pid;
	int bad = 0;

	(void)f;
	if (seqpacket_pair(sv, 0))
		return -1;
	if (pipe(p)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid = fd_fork(sv[1], -1, sv[0], hp_fd_child, &n);
	close(sv[1]);
	if (pid < 0 || recv(sv[0], &b, 1, 0) != 1)
		bad = 1;
	t0 = now_ns();
	for (i = 0; !bad && i < n; i++) {
		fd = -1;
		if (send_fd(sv[0], p[0]) || (fd = recv_fd(sv[0])) < 0)
			bad = 1;
		if (fd >= 0)
			close(fd);
	}
	t1 = now_ns();
	close(sv[0]);
	close(p[0]);
	close(p[1]);
	if (reap(pid) || bad)
		return -1;
	return t1 - t0;
}

static void bench_handles(void)
{
	struct fig figs[] = {
		FIG("handles", "handlepass.msgpipe", hp_msgpipe, 0),
		FIG("handles", "handlepass.msgpipe_call", hp_msgpipe, PP_CALL),
		FIG("handles", "handlepass.scm_rights", hp_scm, 0),
	};

	progress("== handle passing round trip (one handle / fd each way)\n");
	run_set(figs, 3);
	ratio(figs, 3, "handlepass.msgpipe", "handlepass.scm_rights",
	      "handlepass.msgpipe/scm_rights", "<=0.5");
	ratio(figs, 3, "handlepass.msgpipe_call", "handlepass.scm_rights",
	      "handlepass.msgpipe_call/scm_rights", "<=0.5");
}

/* ---- 3. throughput ------------------------------------------------------------------ */

static int tp_mx_child(mx_handle_t h, void *arg)
{
	long i, n = *(long *)arg;
	static char buf[MSG_MAX];

	if (mx_send(h, buf, 1, NULL, 0))
		return -1;
	for (i = 0; i < n; i++)
		if (mx_recv_poll(h, buf, sizeof(buf)) != MSG_MAX)
			return -1;
	if (mx_send(h, buf, 1, NULL, 0))	/* all received */
		return -1;
	return mx_handle_close(h);
}

static double tp_msgpipe(struct fig *f, long n)
{
	static char buf[MSG_MAX];
	mx_handle_t h[2];
	double t0, t1;
	long i;
	pid_t pid;
	int bad = 0;

	(void)f;
	if (mx_msgpipe_create(h, 0))
		return -1;
	pid = mx_fork(h[1], tp_mx_child, &n);
	if (pid < 0 || mx_recv_poll(h[0], buf, sizeof(buf)) != 1)
		bad = 1;
	t0 = now_ns();
	for (i = 0; !bad && i < n; i++)
		if (mx_send(h[0], buf, MSG_MAX, NULL, 0))
			bad = 1;
	if (!bad && mx_recv_poll(h[0], buf, sizeof(buf)) != 1)
		bad = 1;
	t1 = now_ns();
	mx_handle_close(h[0]);
	if (reap(pid) || bad)
		return -1;
	return t1 - t0;
}

struct tp_fd_arg {
	long n;
	bool stream;
};

static int tp_fd_child(int rfd, int wfd, void *arg)
{
	struct tp_fd_arg *a = arg;
	static char buf[MSG_MAX];
	long i;

	if (fd_send(wfd, buf, 1, a->stream))
		return -1;
	for (i = 0; i < a->n; i++)
		if (fd_recv(rfd, buf, MSG_MAX, a->stream))
			return -1;
	return fd_send(wfd, buf, 1, a->stream);
}

static double tp_fd_loop(int rfd, int wfd, void *arg)
{
	struct tp_fd_arg *a = arg;
	static char buf[MSG_MAX];
	double t0, t1;
	long i;

	if (fd_recv(rfd, buf, 1, a->stream))
		return -1;
	t0 = now_ns();
	for (i = 0; i < a->n; i++)
		if (fd_send(wfd, buf, MSG_MAX, a->stream))
			return -1;
	if (fd_recv(rfd, buf, 1, a->stream))
		return -1;
	t1 = now_ns();
	return t1 - t0;
}

static double tp_seqpacket(struct fig *f, long n)
{
	struct tp_fd_arg a = { n, false };
	int sv[2];
	double e;
	pid_t pid;

	(void)f;
	if (seqpacket_pair(sv, 1 << 20))
		return -1;
	pid = fd_fork(sv[1], sv[1], sv[0], tp_fd_child, &a);
	close(sv[1]);
	e = pid < 0 ? -1 : tp_fd_loop(sv[0], sv[0], &a);
	close(sv[0]);
	if (reap(pid))
		return -1;
	return e;
}

static double tp_pipe(struct fig *f, long n)
{
	struct tp_fd_arg a = { n, true };

	(void)f;
	return pipes_run(tp_fd_child, tp_fd_loop, &a);
}

static void bench_throughput(void)
{
	struct fig figs[] = {
		RFIG("throughput", "throughput.msgpipe", tp_msgpipe, 0, MSG_MAX / 1e6, "MB/s"),
		RFIG("throughput", "throughput.pipe", tp_pipe, 0, MSG_MAX / 1e6, "MB/s"),
		RFIG("throughput", "throughput.seqpacket", tp_seqpacket, 0, MSG_MAX / 1e6, "MB/s"),
	};

	progress("== throughput, one way, 64 KiB messages\n");
	run_set(figs, 3);
	ratio(figs, 3, "throughput.msgpipe", "throughput.pipe",
	      "throughput.msgpipe/pipe", ">=1.0");
	ratio(figs, 3, "throughput.msgpipe", "throughput.seqpacket",
	      "throughput.msgpipe/seqpacket", NULL);
}

/* ---- 4. the floor -------------------------------------------------------------------- */

static int dev_fd = -1;

static double fl_ioctl(struct fig *f, long n)
{
	struct mx_ioc_version v;
	double t0;
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (ioctl(dev_fd, MX_IOC_GET_VERSION, &v))
			return -1;
	return now_ns() - t0;
}

static double fl_getppid(struct fig *f, long n)
{
	double t0;
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return now_ns() - t0;
}

static long futex(atomic_int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* turn: 0 = the parent's turn, 1 = the child's */
static void futex_pass(atomic_int *turn, int mine, int theirs)
{
	atomic_store(turn, theirs);
	futex(turn, FUTEX_WAKE, 1);
	while (atomic_load(turn) != mine)
		futex(turn, FUTEX_WAIT, theirs);
}

static double fl_futex(struct fig *f, long n)
{
	atomic_int *turn;
	double t0, t1;
	pid_t pid;
	long i;

	(void)f;
	turn = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (turn == MAP_FAILED)
		return -1;
	atomic_store(turn, 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		while (atomic_load(turn) != 1)
			futex(turn, FUTEX_WAIT, 0);
		for (i = 0; i < n; i++)
			futex_pass(turn, 1, 0);
		_exit(0);
	}
	t0 = now_ns();
	for (i = 0; pid > 0 && i < n; i++)
		futex_pass(turn, 0, 1);
	t1 = now_ns();
	/* the child's last pass handed the turn back; let it exit */
	atomic_store(turn, 1);
	futex(turn, FUTEX_WAKE, 1);
	munmap(turn, 4096);
	if (reap(pid))
		return -1;
	return t1 - t0;
}

/*
 * One process, one thread, no sleeping: the cost of each call by itself,
 * to split a round trip into its parts.
 */
static mx_handle_t sp_h[2];
static int sp_fd[2];

/* @n writes of 64 bytes through h[0], each read back from h[1]. */
static double mx_write_read_n(const mx_handle_t *h, long n)
{
	char buf[64] = { 0 };
	double t0;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint32_t len = sizeof(buf), nh = 0;

		if (mx_msgpipe_write(h[0], buf, 64, NULL, 0, 0) ||
		    mx_msgpipe_read(h[1], buf, &len, NULL, &nh, 0))
			return -1;
	}
	return now_ns() - t0;
}

static double sp_mx_write_read(struct fig *f, long n)
{
	(void)f;
	return mx_write_read_n(sp_h, n);
}

static double sp_mx_read_empty(struct fig *f, long n)
{
	char buf[64];
	double t0;
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint32_t len = sizeof(buf), nh = 0;

		if (mx_msgpipe_read(sp_h[1], buf, &len, NULL, &nh, 0) !=
		    ERR_BAD_STATE)
			return -1;
	}
	return now_ns() - t0;
}

/* wait_one on a handle that is readable already (one message queued) */
static double sp_mx_wait_ready(struct fig *f, long n)
{
	char b = 0;
	double t0, e;
	uint32_t len = 1, nh = 0;
	long i;

	(void)f;
	if (mx_msgpipe_write(sp_h[0], &b, 1, NULL, 0, 0))
		return -1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (mx_handle_wait_one(sp_h[1], MX_RD, MX_TIME_INFINITE, NULL))
			return -1;
	e = now_ns() - t0;
	if (mx_msgpipe_read(sp_h[1], &b, &len, NULL, &nh, 0))
		return -1;
	return e;
}

static double sp_fd_write_read(struct fig *f, long n)
{
	char buf[64] = { 0 };
	double t0;
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(sp_fd[1], buf, 64) != 64 ||
		    read(sp_fd[0], buf, 64) != 64)
			return -1;
	return now_ns() - t0;
}

static void bench_calls(void)
{
	struct fig mx[] = {
		FIG("floor", "call.msgpipe.write_read", sp_mx_write_read, 0),
		FIG("floor", "call.msgpipe.read_empty", sp_mx_read_empty, 0),
		FIG("floor", "call.msgpipe.wait_one_ready", sp_mx_wait_ready, 0),
	};
	struct fig fd[] = {
		FIG("floor", "call.pipe.write_read", sp_fd_write_read, 0),
		FIG("floor", "call.seqpacket.send_recv", sp_fd_write_read, 0),
	};
	int sv[2];

	if (mx_msgpipe_create(sp_h, 0))
		return;
	run_set(mx, 3);
	mx_handle_close(sp_h[0]);
	mx_handle_close(sp_h[1]);
	if (pipe(sp_fd))
		return;
	run_set(fd, 1);
	close(sp_fd[0]);
	close(sp_fd[1]);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return;
	sp_fd[0] = sv[1];
	sp_fd[1] = sv[0];
	run_set(fd + 1, 1);
	close(sv[0]);
	close(sv[1]);
	ratio2(&mx[0], &fd[0], "call.msgpipe.write_read/pipe", NULL);
	ratio2(&mx[0], &fd[1], "call.msgpipe.write_read/seqpacket", NULL);
}

static void bench_floor(void)
{
	struct fig figs[] = {
		FIG("floor", "floor.ioctl_get_version", fl_ioctl, 0),
		FIG("floor", "floor.getppid", fl_getppid, 0),
		FIG("floor", "floor.futex_pingpong", fl_futex, 0),
	};
	struct fig pp[] = {
		FIG("floor", "floor.pingpong.64.msgpipe", pp_msgpipe, 64),
	};

	progress("== the floor\n");
	dev_fd = open("/dev/magenta", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		skip("floor", "floor.ioctl_get_version", "no-/dev/magenta");
		run_set(figs + 1, 2);
	} else {
		run_set(figs, 3);
		close(dev_fd);
	}
	run_set(pp, 1);
	ratio(figs, 3, "floor.ioctl_get_version", "floor.getppid",
	      "floor.ioctl/getppid", NULL);
	ratio2(&pp[0], &figs[2], "floor.pingpong.64.msgpipe/futex", NULL);
	progress("== single calls, one thread, nothing sleeps (ns per call)\n");
	bench_calls();
}

/* ---- 5. events: a ping-pong between two threads ----------------------------------- */

/*
 * Two threads of one process pass a turn back and forth: the main thread
 * (A, timed) and a thread started for each run (B). Three ways:
 *
 *  event:   one event. SIGNAL1 means "A's turn", SIGNAL0 "B's turn". A side
 *           passes the turn with one mx_object_signal(ev, mine, theirs),
 *           which clears its own signal and sets the peer's in one atomic
 *           update, and waits with mx_handle_wait_one(ev, mine). After the
 *           start exactly one of the two is set at any time, so a wait can
 *           neither see a stale turn nor miss one, and nothing else needs
 *           clearing (bench/README.md says why not separate clear and set
 *           calls).
 *  futex:   one int in the process, private futexes: the value is whose
 *           turn it is; store it, FUTEX_WAKE_PRIVATE, then FUTEX_WAIT_PRIVATE
 *           until the value is mine.
 *  eventfd: one eventfd per side (counter mode): write 1 to the peer's,
 *           blocking read of mine (which must read 1).
 *
 * All three pass and wait once per side per round trip. On one CPU the
 * woken thread preempts the waker on its way out of the pass, so one of the
 * two waits finds its turn already there: one sleep per round trip, as in
 * a pipe(2) ping-pong; for the futex that wait is a load in user space (3
 * system calls per round trip, 4 for the others). B gets A's CPU
 * affinity: with --pin both run on that CPU, like both processes of the
 * pingpong figures, and the run fails if either ran elsewhere.
 *
 * Correctness: a "ball" that each side moves in its turn. In round i, A
 * stores 2i+1 before passing and must find 2i+2 after its wait; B must find
 * 2i+1 after its wait and stores 2i+2. A wait that ended before the peer's
 * pass, or a lost or doubled turn, shows as a wrong ball; the round trips
 * are counted on both sides and the final state is checked (the event has
 * exactly SIGNAL1 set, the futex word says A, both eventfds are empty).
 * A side that goes wrong stores EV_BAD and passes the turn, so the other one
 * stops too; A also closes the event, which ends a wait of B's with
 * ERR_HANDLE_CLOSED.
 */
enum { EV_EVENT, EV_FUTEX, EV_EVENTFD, EV_PORT };

#define EV_SIG_A	MX_SIGNAL_SIGNAL1	/* A's turn */
#define EV_SIG_B	MX_SIGNAL_SIGNAL0	/* B's turn */
#define EV_BAD		(-1L)

struct ev_pp {
	int kind;
	long n;
	mx_handle_t ev;		/* event */
	atomic_int turn;	/* futex: 0 A's turn, 1 B's */
	int efd[2];		/* eventfd: [0] A reads, [1] B reads */
	mx_handle_t port[2];	/* port: [0] A waits in, [1] B waits in */
	atomic_long ball;
	long b_rounds;		/* round trips B answered */
	int b_cpu;		/* where B ran (checked against --pin) */
	bool b_err;
};

/* Give the turn to side @to (0: A, 1: B). */
static int ev_pass(struct ev_pp *p, int to)
{
	static const uint64_t one = 1;

	switch (p->kind) {
	case EV_EVENT:
		return mx_object_signal(p->ev, to ? EV_SIG_A : EV_SIG_B,
					to ? EV_SIG_B : EV_SIG_A) ? -1 : 0;
	case EV_FUTEX:
		atomic_store(&p->turn, to);
		return futex(&p->turn, FUTEX_WAKE_PRIVATE, 1) < 0 ? -1 : 0;
	case EV_PORT: {
		mx_packet_header_t h = { .key = (uint64_t)to };

		return mx_port_queue(p->port[to], &h, sizeof(h)) ? -1 : 0;
	}
	default:
		return write(p->efd[to], &one, sizeof(one)) == sizeof(one) ? 0 : -1;
	}
}

/* Wait until it is side @me's turn. */
static int ev_wait(struct ev_pp *p, int me)
{
	uint64_t v;
	int t;

	switch (p->kind) {
	case EV_EVENT:
		return mx_handle_wait_one(p->ev, me ? EV_SIG_B : EV_SIG_A,
					  MX_TIME_INFINITE, NULL) ? -1 : 0;
	case EV_FUTEX:
		while ((t = atomic_load(&p->turn)) != me)
			if (futex(&p->turn, FUTEX_WAIT_PRIVATE, t) < 0 &&
			    errno != EAGAIN && errno != EINTR)
				return -1;
		return 0;
	case EV_PORT: {
		mx_packet_header_t h;

		return mx_port_wait(p->port[me], &h, sizeof(h)) ||
		       h.key != (uint64_t)me ? -1 : 0;
	}
	default:
		return read(p->efd[me], &v, sizeof(v)) == sizeof(v) && v == 1 ?
		       0 : -1;
	}
}

/* B: say it is ready (A's turn), then answer n turns. */
static void *ev_thread(void *arg)
{
	struct ev_pp *p = arg;
	long i;

	p->b_cpu = sched_getcpu();
	if (ev_pass(p, 0))
		goto bad;
	for (i = 0; i < p->n; i++) {
		if (ev_wait(p, 1) || atomic_load(&p->ball) != 2 * i + 1)
			goto bad;
		atomic_store(&p->ball, 2 * i + 2);
		p->b_rounds++;
		if (ev_pass(p, 0))
			goto bad;
	}
	return NULL;
bad:
	p->b_err = true;
	atomic_store(&p->ball, EV_BAD);
	ev_pass(p, 0);
	return NULL;
}

/* A: f->arg is the kind; n round trips, timed here. */
static double ev_pingpong(struct fig *f, long n)
{
	struct ev_pp p = { .kind = (int)f->arg, .n = n, .efd = { -1, -1 } };
	struct pollfd pf[2];
	mx_signals_state_t st;
	pthread_attr_t attr;
	const char *why = NULL;
	double t0 = 0, t1 = 0;
	cpu_set_t set;
	pthread_t th;
	long i;

	atomic_init(&p.turn, 1);
	atomic_init(&p.ball, 0);
	if (p.kind == EV_EVENT) {
		p.ev = mx_event_create(0);
		if (p.ev <= 0)
			return -1;
	} else if (p.kind == EV_PORT) {
		p.port[0] = mx_port_create(0);
		p.port[1] = mx_port_create(0);
		if (p.port[0] <= 0 || p.port[1] <= 0) {
			why = "port_create";
			goto out;
		}
	} else if (p.kind == EV_EVENTFD) {
		p.efd[0] = eventfd(0, EFD_CLOEXEC);
		p.efd[1] = eventfd(0, EFD_CLOEXEC);
		if (p.efd[0] < 0 || p.efd[1] < 0) {
			why = "eventfd";
			goto out;
		}
	}
	/* B may run where A may: one CPU under --pin, as the processes do. */
	if (sched_getaffinity(0, sizeof(set), &set) ||
	    pthread_attr_init(&attr)) {
		why = "affinity";
		goto out;
	}
	if (pthread_attr_setaffinity_np(&attr, sizeof(set), &set) ||
	    pthread_create(&th, &attr, ev_thread, &p)) {
		pthread_attr_destroy(&attr);
		why = "pthread_create";
		goto out;
	}
	pthread_attr_destroy(&attr);
	if (ev_wait(&p, 0))
		why = "start";
	t0 = now_ns();
	for (i = 0; !why && i < n; i++) {
		atomic_store(&p.ball, 2 * i + 1);
		if (ev_pass(&p, 1) || ev_wait(&p, 0) ||
		    atomic_load(&p.ball) != 2 * i + 2)
			why = "wrong-turn";
	}
	t1 = now_ns();
	if (why) {
		atomic_store(&p.ball, EV_BAD);
		ev_pass(&p, 1);
		if (p.kind == EV_EVENT) {
			mx_handle_close(p.ev);
			p.ev = 0;
		}
		if (p.kind == EV_PORT) {	/* ends B's wait */
			mx_handle_close(p.port[1]);
			p.port[1] = 0;
		}
	}
	pthread_join(th, NULL);
	if (why)
		goto out;
	if (p.b_err || p.b_rounds != n || atomic_load(&p.ball) != 2 * n)
		why = "round-trip-count";
	else if (opt.pin >= 0 && (p.b_cpu != opt.pin || sched_getcpu() != opt.pin))
		why = "not-on-the-pinned-cpu";
	else if (p.kind == EV_EVENT &&
		 (mx_handle_wait_one(p.ev, EV_SIG_A | EV_SIG_B, 0, &st) ||
		  (st.satisfied & MX_SIGNAL_SIGNAL_ALL) != EV_SIG_A))
		why = "final-event-state";
	else if (p.kind == EV_FUTEX && atomic_load(&p.turn) != 0)
		why = "final-futex-state";
	else if (p.kind == EV_EVENTFD) {
		pf[0] = (struct pollfd){ p.efd[0], POLLIN, 0 };
		pf[1] = (struct pollfd){ p.efd[1], POLLIN, 0 };
		if (poll(pf, 2, 0) != 0)
			why = "final-eventfd-state";
	}
out:
	if (p.ev > 0)
		mx_handle_close(p.ev);
	for (i = 0; i < 2; i++) {
		if (p.efd[i] >= 0)
			close(p.efd[i]);
		if (p.port[i] > 0)
			mx_handle_close(p.port[i]);
	}
	if (why) {
		progress("  %s: %s (%ld round trips asked, B answered %ld)\n",
			 f->name, why, n, p.b_rounds);
		return -1;
	}
	return t1 - t0;
}

static void bench_event(void)
{
	struct fig figs[] = {
		FIG("event", "event.pingpong.event", ev_pingpong, EV_EVENT),
		FIG("event", "event.pingpong.futex", ev_pingpong, EV_FUTEX),
		FIG("event", "event.pingpong.eventfd", ev_pingpong, EV_EVENTFD),
	};
	mx_handle_t ev;

	progress("== event ping-pong: two threads, one event (ns per round trip)\n");
	ev = mx_event_create(0);
	if (ev <= 0) {
		/* a module without events: the alternatives alone */
		fail("event", "event.pingpong.event", "mx_event_create-%d", ev);
		run_set(figs + 1, 2);
		return;
	}
	mx_handle_close(ev);
	run_set(figs, 3);
	ratio(figs, 3, "event.pingpong.event", "event.pingpong.futex",
	      "event.pingpong.event/futex", NULL);
	ratio(figs, 3, "event.pingpong.event", "event.pingpong.eventfd",
	      "event.pingpong.event/eventfd", NULL);
}

/* ---- 5b. IO ports ------------------------------------------------------------------ */

/*
 * port.pingpong: ev_pingpong with two ports, one per side: a side passes
 * the turn by queueing a 16-byte packet in the peer's port and waits in
 * its own (mx_port_wait). Against the eventfd ping-pong above.
 *
 * port.pool: one producer hands n work items to a pool of PL_THREADS
 * consumer threads; ns per item, end to end (threads started, all items
 * taken, threads joined).
 *  port:  the items are packets (key = item number) queued in one port;
 *         the consumers sit in mx_port_wait(); a full port (ERR_NO_MEMORY)
 *         makes the producer yield and retry.
 *  epoll: the items are counts of one eventfd in semaphore mode
 *         (EFD_SEMAPHORE: each read takes one); every consumer has its own
 *         epoll fd holding the eventfd with EPOLLIN | EPOLLEXCLUSIVE, so a
 *         write wakes (at least) one of the consumers sleeping in
 *         epoll_wait(), which then reads without blocking; EAGAIN is a
 *         wake-up that found nothing (another consumer took the item).
 * Each consumer counts its voluntary context switches (getrusage
 * RUSAGE_THREAD, ru_nvcsw: one per sleep, so one per wake-up) and the
 * items it took; "wakeups" figures are switches per item over all
 * consumers, from the last repetition. Every item must be taken exactly
 * once (the port's keys are checked one by one); the run fails otherwise.
 */
#define PL_THREADS	4
#define PL_STOP		(~0ull)

struct pool_run {
	int kind;		/* 0 port, 1 epoll */
	long n;
	mx_handle_t port;
	int efd;
	int ep[PL_THREADS];
	atomic_long taken;
	atomic_long empty;	/* epoll: wake-ups that found nothing */
	atomic_long nvcsw;
	atomic_uchar *seen;
	bool err;
};

struct pool_thr {
	struct pool_run *r;
	int idx;
};

static void *pool_consumer(void *arg)
{
	struct pool_thr *t = arg;
	struct pool_run *r = t->r;
	struct rusage ru0, ru1;
	long mine = 0;
	int k;

	getrusage(RUSAGE_THREAD, &ru0);
	for (;;) {
		if (r->kind == 0) {
			mx_packet_header_t h;

			if (mx_port_wait(r->port, &h, sizeof(h))) {
				r->err = true;
				break;
			}
			if (h.key == PL_STOP)
				break;
			if (h.key >= (uint64_t)r->n ||
			    atomic_fetch_add(&r->seen[h.key], 1)) {
				r->err = true;
				break;
			}
			mine++;
		} else {
			struct epoll_event ev;
			uint64_t v;

			if (atomic_load(&r->taken) >= r->n)
				break;
			/* bounded, so a stop token missed cannot hang the run */
			k = epoll_wait(r->ep[t->idx], &ev, 1, 1000);
			if (k <= 0) {
				if (k == 0 || errno == EINTR)
					continue;
				r->err = true;
				break;
			}
			if (read(r->efd, &v, sizeof(v)) != sizeof(v)) {
				if (errno != EAGAIN) {
					r->err = true;
					break;
				}
				atomic_fetch_add(&r->empty, 1);
				continue;
			}
			/* past n: the producer's wake-up tokens */
			if (atomic_fetch_add(&r->taken, 1) >= r->n)
				break;
			mine++;
			continue;
		}
		atomic_fetch_add(&r->taken, 1);
	}
	getrusage(RUSAGE_THREAD, &ru1);
	atomic_fetch_add(&r->nvcsw, ru1.ru_nvcsw - ru0.ru_nvcsw);
	(void)mine;
	return NULL;
}

static double pl_last_wakeups[2], pl_last_empty;

static double pool_run(struct fig *f, long n)
{
	struct pool_run r = { .kind = (int)f->arg, .n = n, .efd = -1 };
	struct pool_thr thr[PL_THREADS];
	pthread_t th[PL_THREADS];
	const char *why = NULL;
	static const uint64_t one = 1;
	double t0, t1;
	int i, started = 0;
	long k;

	for (i = 0; i < PL_THREADS; i++)
		r.ep[i] = -1;
	atomic_init(&r.taken, 0);
	atomic_init(&r.empty, 0);
	atomic_init(&r.nvcsw, 0);
	r.seen = calloc((size_t)n, 1);
	if (!r.seen)
		return -1;
	if (r.kind == 0) {
		r.port = mx_port_create(0);
		if (r.port <= 0)
			why = "port_create";
	} else {
		r.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
		for (i = 0; !why && i < PL_THREADS; i++) {
			struct epoll_event ev = {
				.events = EPOLLIN | EPOLLEXCLUSIVE,
			};

			r.ep[i] = epoll_create1(EPOLL_CLOEXEC);
			if (r.efd < 0 || r.ep[i] < 0 ||
			    epoll_ctl(r.ep[i], EPOLL_CTL_ADD, r.efd, &ev))
				why = "eventfd-or-epoll";
		}
	}
	t0 = now_ns();
	for (i = 0; !why && i < PL_THREADS; i++) {
		thr[i].r = &r;
		thr[i].idx = i;
		if (pthread_create(&th[i], NULL, pool_consumer, &thr[i]))
			why = "pthread_create";
		else
			started++;
	}
	for (k = 0; !why && k < n; k++) {
		if (r.kind == 0) {
			mx_packet_header_t h = { .key = (uint64_t)k };
			mx_status_t s;

			while ((s = mx_port_queue(r.port, &h, sizeof(h))) ==
			       ERR_NO_MEMORY)
				sched_yield();
			if (s)
				why = "port_queue";
		} else if (write(r.efd, &one, sizeof(one)) != sizeof(one)) {
			why = "eventfd-write";
		}
	}
	/* the stop tokens: one per consumer */
	for (i = 0; i < started; i++) {
		if (r.kind == 0) {
			mx_packet_header_t h = { .key = PL_STOP };

			while (mx_port_queue(r.port, &h, sizeof(h)) ==
			       ERR_NO_MEMORY)
				sched_yield();
		} else if (write(r.efd, &one, sizeof(one)) != sizeof(one)) {
			why = "eventfd-write";
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	if (!why && r.err)
		why = "consumer-error";
	if (!why && r.kind == 0 && atomic_load(&r.taken) != n)
		why = "items-lost";
	if (!why && r.kind == 0)
		for (k = 0; k < n; k++)
			if (atomic_load(&r.seen[k]) != 1) {
				why = "item-not-taken-once";
				break;
			}
	if (!why && r.kind == 1 && atomic_load(&r.taken) < n)
		why = "items-lost";
	if (!why) {
		pl_last_wakeups[r.kind] = (double)atomic_load(&r.nvcsw) / n;
		if (r.kind == 1)
			pl_last_empty = (double)atomic_load(&r.empty) / n;
	}
	if (r.port > 0)
		mx_handle_close(r.port);
	if (r.efd >= 0)
		close(r.efd);
	for (i = 0; i < PL_THREADS; i++)
		if (r.ep[i] >= 0)
			close(r.ep[i]);
	free(r.seen);
	if (why) {
		progress("  %s: %s\n", f->name, why);
		return -1;
	}
	return t1 - t0;
}

static void bench_port(void)
{
	long n = opt.quick ? 2000 : 100000;
	struct fig pp[] = {
		FIG("port", "port.pingpong.port", ev_pingpong, EV_PORT),
		FIG("port", "port.pingpong.eventfd", ev_pingpong, EV_EVENTFD),
	};
	struct fig pool[] = {
		NFIG("port", "port.pool4.port", pool_run, n),
		NFIG("port", "port.pool4.epoll_exclusive", pool_run, n),
	};
	mx_handle_t p = mx_port_create(0);

	progress("== IO ports: ping-pong (ns per round trip), a pool of %d taking %ld items (ns per item)\n",
		 PL_THREADS, n);
	if (p <= 0) {
		fail("port", "all", "mx_port_create-%d", p);
		return;
	}
	mx_handle_close(p);
	pool[0].arg = 0;
	pool[1].arg = 1;
	run_set(pp, 2);
	run_set(pool, 2);
	ratio(pp, 2, "port.pingpong.port", "port.pingpong.eventfd",
	      "port.pingpong.port/eventfd", NULL);
	ratio(pool, 2, "port.pool4.port", "port.pool4.epoll_exclusive",
	      "port.pool4.port/epoll_exclusive", NULL);
	if (!pool[0].failed && pool[0].nv)
		printf("RESULT group=port name=port.pool4.port.wakeups value=%.4f unit=per-item min=%.4f max=%.4f reps=1 iters=%ld\n",
		       pl_last_wakeups[0], pl_last_wakeups[0],
		       pl_last_wakeups[0], n);
	if (!pool[1].failed && pool[1].nv) {
		printf("RESULT group=port name=port.pool4.epoll_exclusive.wakeups value=%.4f unit=per-item min=%.4f max=%.4f reps=1 iters=%ld\n",
		       pl_last_wakeups[1], pl_last_wakeups[1],
		       pl_last_wakeups[1], n);
		printf("RESULT group=port name=port.pool4.epoll_exclusive.empty_wakeups value=%.4f unit=per-item min=%.4f max=%.4f reps=1 iters=%ld\n",
		       pl_last_empty, pl_last_empty, pl_last_empty, n);
	}
	progress("  wake-ups per item: port %.3f, epoll+EPOLLEXCLUSIVE %.3f (%.3f found nothing)\n",
		 pl_last_wakeups[0], pl_last_wakeups[1], pl_last_empty);
}

/* ---- 6a. create + close ------------------------------------------------------------- */

static double cc_msgpipe(struct fig *f, long n)
{
	mx_handle_t h[2];
	double t0;
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (mx_msgpipe_create(h, 0) || mx_handle_close(h[0]) ||
		    mx_handle_close(h[1]))
			return -1;
	}
	return now_ns() - t0;
}

static double cc_pipe(struct fig *f, long n)
{
	double t0;
	int p[2];
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (pipe(p) || close(p[0]) || close(p[1]))
			return -1;
	}
	return now_ns() - t0;
}

static double cc_seqpacket(struct fig *f, long n)
{
	double t0;
	int sv[2];
	long i;

	(void)f;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) ||
		    close(sv[0]) || close(sv[1]))
			return -1;
	}
	return now_ns() - t0;
}

static void bench_create(void)
{
	struct fig figs[] = {
		NFIG("scale", "create_close.msgpipe", cc_msgpipe, opt.pairs),
		NFIG("scale", "create_close.pipe", cc_pipe, opt.pairs),
		NFIG("scale", "create_close.socketpair", cc_seqpacket, opt.pairs),
	};

	progress("== create+close of %ld pairs (ns per pair)\n", opt.pairs);
	run_set(figs, 3);
	ratio(figs, 3, "create_close.msgpipe", "create_close.pipe",
	      "create_close.msgpipe/pipe", NULL);
	ratio(figs, 3, "create_close.msgpipe", "create_close.socketpair",
	      "create_close.msgpipe/socketpair", NULL);
}

/* ---- 6b. lookup with many live handles ------------------------------------------- */

static mx_handle_t lk_h[2];

static double lk_write_read(struct fig *f, long n)
{
	(void)f;
	return mx_write_read_n(lk_h, n);
}

static const long live_counts[] = { 10, 1000, 100000, 1000000 };
#define NLIVE (sizeof(live_counts) / sizeof(live_counts[0]))

/* In a child process: its exit tears the whole table down at once. */
static int lookup_child(void)
{
	static struct fig figs[NLIVE];
	static char names[NLIVE][48];
	long live = 0, target;
	mx_handle_t h[2];
	unsigned int k;
	int nf = 0;

	for (k = 0; k < NLIVE; k++) {
		target = live_counts[k];
		snprintf(names[k], 48, "lookup.live_%ld", target);
		if (target > opt.max_live) {
			skip("scale", names[k], "over---max-live");
			continue;
		}
		/* the measured pipe's two handles count too */
		while (live + 2 < target) {
			if (mx_msgpipe_create(h, 0)) {
				fail("scale", names[k], "create-failed-at-%ld-handles",
				     live);
				return nf;
			}
			live += 2;
		}
		if (mx_msgpipe_create(lk_h, 0)) {
			fail("scale", names[k], "create-failed");
			return nf;
		}
		figs[nf] = (struct fig)FIG("scale", names[k], lk_write_read, 0);
		run_set(&figs[nf], 1);
		mx_handle_close(lk_h[0]);
		mx_handle_close(lk_h[1]);
		if (!figs[nf].failed)
			nf++;
	}
	for (k = 1; k < (unsigned int)nf; k++) {
		char rn[64];

		snprintf(rn, sizeof(rn), "%s/live_10", figs[k].name);
		ratio2(&figs[k], &figs[0], rn,
		       !strcmp(figs[k].name, "lookup.live_1000000") ? "<=1.2" : NULL);
	}
	return nf;
}

static void bench_lookup(void)
{
	long cur = mx_param_read("max_handles");
	pid_t pid;

	progress("== write+read of 64 B with N live handles (ns per write+read)\n");
	if (cur >= 0 && opt.max_live > cur - 64) {
		progress("  max_handles is %ld: live handles capped\n", cur);
		opt.max_live = cur - 64;
	}
	pid = fork();
	if (pid == 0) {
		lookup_child();
		fflush(NULL);
		_exit(failures ? 1 : 0);
	}
	if (reap(pid))
		fail("scale", "lookup", "child-failed");
}

/*
 * Raise the per-process handle limit for the scale figures (as root, on
 * the VM); main() puts the old value back.
 */
static long saved_max_handles = -1;

static void raise_max_handles(void)
{
	long need = opt.max_live > 2 * opt.idle_pairs ?
		    opt.max_live : 2 * opt.idle_pairs;
	long old = mx_param_read("max_handles");

	need += 64;
	if (need < 1048576)
		need = 1048576;
	if (old < 0 || old >= need)
		return;
	if (mx_param_write("max_handles", need)) {
		progress("mxbench: cannot raise max_handles from %ld (not root?)\n",
			 old);
		return;
	}
	saved_max_handles = old;
}

static void restore_max_handles(void)
{
	if (saved_max_handles >= 0)
		mx_param_write("max_handles", saved_max_handles);
}

/* ---- 6c. kernel memory per idle pair ---------------------------------------------- */

struct kmem {
	double slab_objs;	/* sum of active_objs * objsize, /proc/slabinfo */
	double kernel;		/* Slab + VmallocUsed + KernelStack + PageTables */
};

static int kmem_read(struct kmem *m)
{
	char line[512], name[128];
	unsigned long act, num, sz;
	FILE *f;

	m->slab_objs = m->kernel = 0;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu %lu %lu", name, &act, &num, &sz) == 4)
			m->slab_objs += (double)act * sz;
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;

		if (sscanf(line, "%127[^:]: %lu", name, &kb) != 2)
			continue;
		if (!strcmp(name, "Slab") || !strcmp(name, "VmallocUsed") ||
		    !strcmp(name, "KernelStack") || !strcmp(name, "PageTables"))
			m->kernel += kb * 1024.0;
	}
	fclose(f);
	return 0;
}

enum { MEM_MSGPIPE, MEM_PIPE, MEM_SOCKETPAIR };

static int make_pair(int kind)
{
	mx_handle_t h[2];
	int p[2];

	switch (kind) {
	case MEM_MSGPIPE:
		return mx_msgpipe_create(h, 0) ? -1 : 0;
	case MEM_PIPE:
		return pipe(p);
	default:
		return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p);
	}
}

/*
 * Let the frees that earlier figures left behind finish: objects freed
 * after an RCU grace period (pipes, handle-table arrays, sockets; the
 * batched kvfree_rcu() can wait seconds) would otherwise come off the
 * baseline while this figure is measured. Wait for a grace period, then
 * until kernel memory stops shrinking (at most 10 s).
 */
static void kmem_settle(void)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct kmem prev, now;
	int i;

	syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
	if (kmem_read(&prev))
		return;
	for (i = 0; i < 100; i++) {
		nanosleep(&tick, NULL);
		if (kmem_read(&now))
			return;
		if (prev.kernel - now.kernel < 64 * 1024)
			return;
		prev = now;
	}
}

/* In a child; writes "slab kernel" bytes per pair into @fd. */
static int mem_child(int kind, long pairs, int fd)
{
	struct kmem a, b;
	double r[2];
	long i;

	if (kind == MEM_MSGPIPE)
		make_pair(kind);	/* the device is open, table allocated */
	kmem_settle();
	if (kmem_read(&a))
		return -1;
	for (i = 0; i < pairs; i++)
		if (make_pair(kind))
			return -1;
	if (kmem_read(&b))
		return -1;
	r[0] = (b.slab_objs - a.slab_objs) / pairs;
	r[1] = (b.kernel - a.kernel) / pairs;
	return write_full(fd, r, sizeof(r));
}

static void bench_memory(void)
{
	static const char *const kinds[] = { "msgpipe", "pipe", "socketpair" };
	double res[3][2];
	bool ok[3] = { false };
	char name[64];
	long pairs;
	int k;

	progress("== kernel memory per idle pair\n");
	if (access("/proc/slabinfo", R_OK)) {
		skip("scale", "memory", "no-readable-/proc/slabinfo");
		return;
	}
	for (k = 0; k < 3; k++) {
		int p[2];
		pid_t pid;

		pairs = opt.idle_pairs;
		if (k != MEM_MSGPIPE) {
			raise_nofile(2 * pairs + 64);
			if (nofile_limit() < 2 * pairs + 64)
				pairs = (nofile_limit() - 64) / 2;
		} else if (mx_param_read("max_handles") >= 0 &&
			   mx_param_read("max_handles") < 2 * pairs + 4) {
			pairs = (mx_param_read("max_handles") - 4) / 2;
		}
		if (pipe(p))
			return;
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			_exit(mem_child(k, pairs, p[1]) ? 1 : 0);
		}
		close(p[1]);
		ok[k] = !read_full(p[0], res[k], sizeof(res[k]));
		close(p[0]);
		if (reap(pid) || !ok[k]) {
			ok[k] = false;
			fail("scale", kinds[k], "memory-child-failed");
			continue;
		}
		snprintf(name, sizeof(name), "memory.idle_pair.%s.slab", kinds[k]);
		printf("RESULT group=scale name=%s value=%.1f unit=B min=%.1f max=%.1f reps=1 iters=%ld\n",
		       name, res[k][0], res[k][0], res[k][0], pairs);
		progress("  %-34s %12.1f B     (slab objects, %ld pairs)\n",
			 name, res[k][0], pairs);
		snprintf(name, sizeof(name), "memory.idle_pair.%s.kernel", kinds[k]);
		printf("RESULT group=scale name=%s value=%.1f unit=B min=%.1f max=%.1f reps=1 iters=%ld\n",
		       name, res[k][1], res[k][1], res[k][1], pairs);
		progress("  %-34s %12.1f B     (meminfo Slab+Vmalloc+..., %ld pairs)\n",
			 name, res[k][1], pairs);
		fflush(stdout);
	}
	if (ok[MEM_MSGPIPE]) {
		double v = res[MEM_MSGPIPE][1] > res[MEM_MSGPIPE][0] ?
			   res[MEM_MSGPIPE][1] : res[MEM_MSGPIPE][0];

		double lo = res[MEM_MSGPIPE][0] < res[MEM_MSGPIPE][1] ?
			    res[MEM_MSGPIPE][0] : res[MEM_MSGPIPE][1];

		/* the larger of the two ways of counting is the figure */
		printf("RATIO group=scale name=memory.idle_pair.msgpipe num=memory.idle_pair.msgpipe.kernel den=- value=%.1f min=%.1f max=%.1f better=lower target=<=512 met=%s\n",
		       v, lo, v, v <= 512 ? "yes" : "no");
		progress("  %-34s %8.1f B  (target <=512: %s)\n",
			 "memory.idle_pair.msgpipe", v, v <= 512 ? "met" : "MISSED");
	}
	for (k = 1; k < 3; k++) {
		if (!ok[MEM_MSGPIPE] || !ok[k])
			continue;
		printf("RATIO group=scale name=memory.idle_pair.msgpipe/%s num=memory.idle_pair.msgpipe.kernel den=memory.idle_pair.%s.kernel value=%.4f min=%.4f max=%.4f better=lower target=- met=-\n",
		       kinds[k], kinds[k], res[0][1] / res[k][1],
		       res[0][0] / res[k][0], res[0][1] / res[k][1]);
		progress("  memory.idle_pair.msgpipe/%-10s %8.3f x\n", kinds[k],
			 res[0][1] / res[k][1]);
	}
	fflush(stdout);
}

/* ---- 6d. wait_many --------------------------------------------------------------- */

#define WM_N 256

static mx_handle_t wm_h[WM_N][2];
static int wm_fd[WM_N][2];
static mx_signals_t wm_sig[WM_N];

static double wm_immediate(struct fig *f, long n)
{
	mx_handle_t hs[WM_N];
	uint32_t idx, cnt = (uint32_t)f->arg;
	double t0;
	long i;
	int j;

	for (j = 0; j < (int)cnt; j++)
		hs[j] = wm_h[WM_N - cnt + j][1];
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (mx_handle_wait_many(cnt, hs, wm_sig, MX_TIME_INFINITE,
					&idx, NULL) || idx != cnt - 1)
			return -1;
	return now_ns() - t0;
}

static double poll_immediate(struct fig *f, long n)
{
	struct pollfd p[WM_N];
	int j, cnt = (int)f->arg;
	double t0;
	long i;

	for (j = 0; j < cnt; j++)
		p[j] = (struct pollfd){ wm_fd[WM_N - cnt + j][0], POLLIN, 0 };
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (poll(p, cnt, -1) != 1 || !(p[cnt - 1].revents & POLLIN))
			return -1;
	return now_ns() - t0;
}

/* The server end of 256 pipes arrives in one message. */
static int wm_pp_child(mx_handle_t h, void *arg)
{
	long i, n = *(long *)arg;
	mx_handle_t hs[WM_N];
	char buf[64];
	uint32_t idx;
	int j;

	if (mx_recv_wait(h, buf, sizeof(buf), hs, WM_N) != 1)
		return -1;
	if (mx_send(h, buf, 1, NULL, 0))
		return -1;
	for (i = 0; i < n; i++) {
		uint32_t len = sizeof(buf), nh = 0;

		if (mx_handle_wait_many(WM_N, hs, wm_sig, MX_TIME_INFINITE,
					&idx, NULL) ||
		    mx_msgpipe_read(hs[idx], buf, &len, NULL, &nh, 0) ||
		    mx_send(hs[idx], buf, len, NULL, 0))
			return -1;
	}
	for (j = 0; j < WM_N; j++)
		mx_handle_close(hs[j]);
	return mx_handle_close(h);
}

static double wm_pingpong(struct fig *f, long n)
{
	mx_handle_t boot[2], srv[WM_N], cli[WM_N], last;
	char buf[64] = { 0 };
	double t0 = 0, t1 = 0;
	int j, bad = 0;
	pid_t pid;
	long i;

	(void)f;
	if (mx_msgpipe_create(boot, 0))
		return -1;
	for (j = 0; j < WM_N; j++) {
		mx_handle_t p[2];

		if (mx_msgpipe_create(p, 0))
			return -1;
		cli[j] = p[0];
		srv[j] = p[1];
	}
	pid = mx_fork(boot[1], wm_pp_child, &n);
	if (pid < 0 || mx_send(boot[0], buf, 1, srv, WM_N) ||
	    mx_recv_wait(boot[0], buf, sizeof(buf), NULL, 0) != 1)
		bad = 1;
	last = cli[WM_N - 1];
	t0 = now_ns();
	for (i = 0; !bad && i < n; i++)
		if (mx_send(last, buf, 64, NULL, 0) ||
		    mx_recv_wait(last, buf, sizeof(buf), NULL, 0) != 64)
			bad = 1;
	t1 = now_ns();
	for (j = 0; j < WM_N; j++)
		mx_handle_close(cli[j]);
	mx_handle_close(boot[0]);
	if (reap(pid) || bad)
		return -1;
	return t1 - t0;
}

static int poll_pp_child(int unused0, int unused1, void *arg)
{
	long i, n = *(long *)arg;
	struct pollfd p[WM_N];
	char buf[64];
	int j;

	(void)unused0;
	(void)unused1;
	for (j = 0; j < WM_N; j++) {
		close(wm_fd[j][0]);
		p[j] = (struct pollfd){ wm_fd[j][1], POLLIN, 0 };
	}
	if (send(wm_fd[0][1], buf, 1, 0) != 1)
		return -1;
	for (i = 0; i < n; i++) {
		if (poll(p, WM_N, -1) < 1)
			return -1;
		for (j = 0; j < WM_N; j++) {
			if (!p[j].revents)
				continue;
			if (recv(p[j].fd, buf, sizeof(buf), 0) != 64 ||
			    send(p[j].fd, buf, 64, 0) != 64)
				return -1;
			break;
		}
	}
	return 0;
}

/* AF_UNIX: the server polls 256 seqpacket sockets. */
static double poll_pingpong(struct fig *f, long n)
{
	char buf[64] = { 0 };
	double t0, t1;
	int j, made, bad = 0, last;
	pid_t pid;
	long i;

	(void)f;
	raise_nofile(2 * WM_N + 64);
	for (made = 0; made < WM_N; made++)
		if (seqpacket_pair(wm_fd[made], 0))
			break;
	if (made < WM_N) {
		for (j = 0; j < made; j++) {
			close(wm_fd[j][0]);
			close(wm_fd[j][1]);
		}
		return -1;
	}
	pid = fd_fork(-1, -1, -1, poll_pp_child, &n);
	for (j = 0; j < WM_N; j++)
		close(wm_fd[j][1]);
	if (pid < 0 || recv(wm_fd[0][0], buf, sizeof(buf), 0) != 1)
		bad = 1;
	last = wm_fd[WM_N - 1][0];
	t0 = now_ns();
	for (i = 0; !bad && i < n; i++)
		if (send(last, buf, 64, 0) != 64 ||
		    recv(last, buf, sizeof(buf), 0) != 64)
			bad = 1;
	t1 = now_ns();
	for (j = 0; j < WM_N; j++)
		close(wm_fd[j][0]);
	if (reap(pid) || bad)
		return -1;
	return t1 - t0;
}

static void bench_waitmany(void)
{
	struct fig imm[] = {
		FIG("waitmany", "waitmany.immediate.1", wm_immediate, 1),
		FIG("waitmany", "waitmany.immediate.256", wm_immediate, 256),
		FIG("waitmany", "poll.immediate.1", poll_immediate, 1),
		FIG("waitmany", "poll.immediate.256", poll_immediate, 256),
	};
	struct fig pp[] = {
		FIG("waitmany", "waitmany.pingpong.256", wm_pingpong, 0),
		FIG("waitmany", "poll.pingpong.256.seqpacket", poll_pingpong, 0),
		FIG("waitmany", "waitmany.pingpong.1", pp_msgpipe, 64),
	};
	char b = 1;
	int j;

	progress("== wait_many (ns per call / per round trip)\n");
	raise_nofile(2 * WM_N + 64);
	for (j = 0; j < WM_N; j++) {
		wm_sig[j] = MX_RD;
		if (mx_msgpipe_create(wm_h[j], 0) || pipe(wm_fd[j])) {
			fail("waitmany", "setup", "create-failed");
			return;
		}
	}
	/* only the last one is readable */
	if (mx_msgpipe_write(wm_h[WM_N - 1][0], &b, 1, NULL, 0, 0) ||
	    write(wm_fd[WM_N - 1][1], &b, 1) != 1) {
		fail("waitmany", "setup", "write-failed");
		return;
	}
	run_set(imm, 4);
	for (j = 0; j < WM_N; j++) {
		mx_handle_close(wm_h[j][0]);
		mx_handle_close(wm_h[j][1]);
		close(wm_fd[j][0]);
		close(wm_fd[j][1]);
	}
	ratio(imm, 4, "waitmany.immediate.256", "waitmany.immediate.1",
	      "waitmany.immediate.256/1", NULL);
	ratio(imm, 4, "waitmany.immediate.1", "poll.immediate.1",
	      "waitmany.immediate.1/poll", NULL);
	ratio(imm, 4, "waitmany.immediate.256", "poll.immediate.256",
	      "waitmany.immediate.256/poll", NULL);
	run_set(pp, 3);
	ratio(pp, 3, "waitmany.pingpong.256", "poll.pingpong.256.seqpacket",
	      "waitmany.pingpong.256/poll_seqpacket", NULL);
	ratio(pp, 3, "waitmany.pingpong.256", "waitmany.pingpong.1",
	      "waitmany.pingpong.256/1", NULL);
}

/* ---- 6e. wait sets ----------------------------------------------------------------- */

/*
 * N message pipes (the wait set's members: end [1], READABLE) and N
 * socketpairs (epoll's: end [0], EPOLLIN), one more of each kept out of
 * every set for the add+remove figures. Member 0 is the ready one: one
 * message (one byte) is queued on it at set-up and never read, so it stays
 * ready (level-triggered) and no figure writes or reads. Each size has its
 * own wait set and its own epoll instance over members 0..N-1.
 */
#define WS_NSIZES	4
#define WS_COOKIE(j)	(0x5eed00000000ULL + (uint64_t)(j))
#define WS_RES		8	/* room for more results than there should be */

static long ws_sizes[WS_NSIZES];
static int ws_nsizes;
static long ws_max;			/* largest N */
static mx_handle_t (*ws_h)[2];		/* ws_max + 1 pipes */
static int (*ws_fd)[2];			/* ws_max + 1 socketpairs */
static mx_handle_t ws_set[WS_NSIZES];
static int ws_ep[WS_NSIZES];

static int ws_index(long n)
{
	int i;

	for (i = 0; i < ws_nsizes; i++)
		if (ws_sizes[i] == n)
			return i;
	return -1;
}

/* One wait into these buffers: it must report exactly member 0, readable. */
static int ws_wait_into(mx_handle_t set, mx_waitset_result_t *res,
			uint32_t *num, uint32_t *max)
{
	*num = WS_RES;
	*max = 0;
	if (mx_waitset_wait(set, MX_TIME_INFINITE, num, res, max) ||
	    *num != 1 || *max != 1 || res[0].cookie != WS_COOKIE(0) ||
	    res[0].wait_result != NO_ERROR ||
	    !(res[0].signals_state.satisfied & MX_SIGNAL_READABLE))
		return -1;
	return 0;
}

/* One wait as a program's loop makes it: the same buffers every time. */
static int ws_wait_once(mx_handle_t set)
{
	mx_waitset_result_t res[WS_RES];
	uint32_t num, max;

	return ws_wait_into(set, res, &num, &max);
}

static int ws_epoll_once(int ep)
{
	struct epoll_event ev[WS_RES];

	if (epoll_wait(ep, ev, WS_RES, -1) != 1 ||
	    ev[0].data.fd != ws_fd[0][0] || !(ev[0].events & EPOLLIN))
		return -1;
	return 0;
}

static double ws_wait(struct fig *f, long n)
{
	mx_handle_t set = ws_set[ws_index(f->arg)];
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (ws_wait_once(set))
			return -1;
	return now_ns() - t0;
}

/*
 * The system call path: libmx reads a results page only into the buffers
 * the kernel wrote last for the thread, so waits alternating between two
 * sets of buffers all enter the kernel (MX_IOC_WAITSET_WAIT).
 */
static double ws_wait_syscall(struct fig *f, long n)
{
	static mx_waitset_result_t res[2][WS_RES];
	static uint32_t num[2], max[2];
	mx_handle_t set = ws_set[ws_index(f->arg)];
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (ws_wait_into(set, res[i & 1], &num[i & 1], &max[i & 1]))
			return -1;
	return now_ns() - t0;
}

static double ws_epoll_wait(struct fig *f, long n)
{
	int ep = ws_ep[ws_index(f->arg)];
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (ws_epoll_once(ep))
			return -1;
	return now_ns() - t0;
}

/* wait_many over members N-1..0: the ready one is last, as in 6d. */
static double ws_wait_many(struct fig *f, long n)
{
	mx_handle_t hs[WM_N];
	mx_signals_t sig[WM_N];
	uint32_t idx, cnt = (uint32_t)f->arg;
	double t0;
	long i;
	uint32_t j;

	if (cnt > WM_N || cnt > ws_max)
		return -1;
	for (j = 0; j < cnt; j++) {
		hs[j] = ws_h[cnt - 1 - j][1];
		sig[j] = MX_SIGNAL_READABLE;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (mx_handle_wait_many(cnt, hs, sig, MX_TIME_INFINITE,
					&idx, NULL) || idx != cnt - 1)
			return -1;
	return now_ns() - t0;
}

/* Add the spare pipe to the N-member set and remove it again. */
static double ws_add_remove(struct fig *f, long n)
{
	mx_handle_t set = ws_set[ws_index(f->arg)];
	mx_handle_t h = ws_h[ws_max][1];
	uint64_t c = WS_COOKIE(ws_max);
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (mx_waitset_add(set, h, MX_SIGNAL_READABLE, c) ||
		    mx_waitset_remove(set, c))
			return -1;
	return now_ns() - t0;
}

static double ws_epoll_ctl(struct fig *f, long n)
{
	int ep = ws_ep[ws_index(f->arg)];
	int fd = ws_fd[ws_max][0];
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ||
		    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL))
			return -1;
	return now_ns() - t0;
}

static void ws_teardown(void)
{
	long j;
	int i;

	for (i = 0; i < ws_nsizes; i++) {
		if (ws_set[i] > 0)
			mx_handle_close(ws_set[i]);
		if (ws_ep[i] >= 0)
			close(ws_ep[i]);
	}
	for (j = 0; ws_h && j <= ws_max; j++) {
		if (ws_h[j][0] > 0)
			mx_handle_close(ws_h[j][0]);
		if (ws_h[j][1] > 0)
			mx_handle_close(ws_h[j][1]);
		if (ws_fd[j][0] >= 0)
			close(ws_fd[j][0]);
		if (ws_fd[j][1] >= 0)
			close(ws_fd[j][1]);
	}
	free(ws_h);
	free(ws_fd);
	ws_h = NULL;
	ws_fd = NULL;
}

static int ws_setup(void)
{
	char b = 1;
	long j;
	int i;

	for (i = 0; i < ws_nsizes; i++) {
		ws_set[i] = 0;
		ws_ep[i] = -1;
	}
	ws_h = calloc(ws_max + 1, sizeof(*ws_h));
	ws_fd = malloc((ws_max + 1) * sizeof(*ws_fd));
	if (!ws_h || !ws_fd) {
		free(ws_h);
		ws_h = NULL;
		fail("waitset", "setup", "out-of-memory");
		return -1;
	}
	for (j = 0; j <= ws_max; j++)
		ws_fd[j][0] = ws_fd[j][1] = -1;
	for (j = 0; j <= ws_max; j++)
		if (mx_msgpipe_create(ws_h[j], 0) ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, ws_fd[j])) {
			fail("waitset", "setup", "create-failed-at-%ld", j);
			return -1;
		}
	if (mx_msgpipe_write(ws_h[0][0], &b, 1, NULL, 0, 0) ||
	    write(ws_fd[0][1], &b, 1) != 1) {
		fail("waitset", "setup", "write-failed");
		return -1;
	}
	for (i = 0; i < ws_nsizes; i++) {
		ws_set[i] = mx_waitset_create();
		ws_ep[i] = epoll_create1(EPOLL_CLOEXEC);
		if (ws_set[i] <= 0 || ws_ep[i] < 0) {
			fail("waitset", "setup", "waitset-or-epoll-create-failed");
			return -1;
		}
		for (j = 0; j < ws_sizes[i]; j++) {
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.fd = ws_fd[j][0] };
			mx_status_t st = mx_waitset_add(ws_set[i], ws_h[j][1],
							MX_SIGNAL_READABLE,
							WS_COOKIE(j));

			if (st) {
				fail("waitset", "setup", "waitset-add-%ld-of-%ld-status-%d",
				     j, ws_sizes[i], st);
				return -1;
			}
			if (epoll_ctl(ws_ep[i], EPOLL_CTL_ADD, ws_fd[j][0], &ev)) {
				fail("waitset", "setup", "epoll-add-%ld-errno-%d",
				     j, errno);
				return -1;
			}
		}
		/* Correctness, once, with reasons (the runs check each call). */
		if (ws_wait_once(ws_set[i])) {
			fail("waitset", "setup", "waitset-wait-wrong-result-n%ld",
			     ws_sizes[i]);
			return -1;
		}
		if (ws_epoll_once(ws_ep[i])) {
			fail("waitset", "setup", "epoll-wait-wrong-result-n%ld",
			     ws_sizes[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Make room for @n members (and their spare) in the module's limits,
 * raising max_handles and max_waitset_entries as root; saved[] gets the
 * old values (-1: unchanged). False if there is no room.
 */
static bool ws_room(long n, long saved[2])
{
	static const char *const name[2] = { "max_handles",
					      "max_waitset_entries" };
	const long need[2] = { 2 * (n + 1) + 64, n + 1 };
	int i;

	for (i = 0; i < 2; i++) {
		long cur = mx_param_read(name[i]);

		if (cur < 0 || cur >= need[i])
			continue;
		if (mx_param_write(name[i], need[i]))
			return false;
		saved[i] = cur;
	}
	return true;
}

static void ws_restore(const long saved[2])
{
	if (saved[0] >= 0)
		mx_param_write("max_handles", saved[0]);
	if (saved[1] >= 0)
		mx_param_write("max_waitset_entries", saved[1]);
}

static void bench_waitset(void)
{
	static const long full[] = { 10, 1000, 10000, 100000 };
	static const long quick[] = { 10, 100 };
	const long *sz = opt.quick ? quick : full;
	long saved[2] = { -1, -1 };
	long wmax = opt.quick ? 100 : WM_N;
	struct fig wait[2 * WS_NSIZES + 4], ctl[4];
	char num[64], den[64], nm[64];
	char names[2 * WS_NSIZES + 4 + 4][48];
	int nw = 0, nc = 0, i, k = 0;

	ws_nsizes = opt.quick ? 2 : 4;
	for (i = 0; i < ws_nsizes; i++)
		ws_sizes[i] = sz[i];
	/* 10^5 members: only if the limits can be raised (root) */
	if (!opt.quick && !ws_room(sz[3], saved)) {
		progress("  10^5 members need max_handles >= %ld and max_waitset_entries > 10^5 (root): not measured\n",
			 2 * (sz[3] + 1) + 64);
		ws_restore(saved);
		saved[0] = saved[1] = -1;
		ws_nsizes = 3;
	}
	ws_max = ws_sizes[ws_nsizes - 1];

	progress("== wait sets (ns per call; members: %ld..%ld)\n",
		 ws_sizes[0], ws_max);
	raise_nofile(2 * (ws_max + 1) + ws_nsizes + 64);
	if (nofile_limit() < 2 * (ws_max + 1) + ws_nsizes + 16) {
		skip("waitset", "all", "RLIMIT_NOFILE-too-low");
		goto out;
	}
	if (ws_setup()) {
		ws_teardown();
		goto out;
	}
#define WS_ADD(arr, cnt, fmt, fn, a) do { \
		snprintf(names[k], sizeof(names[k]), fmt, (long)(a)); \
		arr[cnt++] = (struct fig)FIG("waitset", names[k], fn, a); \
		k++; \
	} while (0)
	for (i = 0; i < ws_nsizes; i++) {
		WS_ADD(wait, nw, "waitset.wait.%ld", ws_wait, ws_sizes[i]);
		WS_ADD(wait, nw, "waitset.epoll_wait.%ld", ws_epoll_wait,
		       ws_sizes[i]);
	}
	WS_ADD(wait, nw, "waitset.wait_syscall.%ld", ws_wait_syscall,
	       ws_sizes[0]);
	WS_ADD(wait, nw, "waitset.wait_syscall.%ld", ws_wait_syscall, ws_max);
	WS_ADD(wait, nw, "waitset.wait_many.%ld", ws_wait_many, 10L);
	WS_ADD(wait, nw, "waitset.wait_many.%ld", ws_wait_many, wmax);
	WS_ADD(ctl, nc, "waitset.add_remove.%ld", ws_add_remove, ws_sizes[0]);
	WS_ADD(ctl, nc, "waitset.add_remove.%ld", ws_add_remove, ws_max);
	WS_ADD(ctl, nc, "waitset.epoll_ctl.%ld", ws_epoll_ctl, ws_sizes[0]);
	WS_ADD(ctl, nc, "waitset.epoll_ctl.%ld", ws_epoll_ctl, ws_max);
#undef WS_ADD
	run_set(wait, nw);
	run_set(ctl, nc);
	/* Still right after all the runs. */
	for (i = 0; i < ws_nsizes; i++)
		if (ws_wait_once(ws_set[i]) || ws_epoll_once(ws_ep[i]))
			fail("waitset", "after", "wrong-result-n%ld", ws_sizes[i]);
	ws_teardown();

	for (i = 0; i < ws_nsizes; i++) {
		snprintf(num, sizeof(num), "waitset.wait.%ld", ws_sizes[i]);
		snprintf(den, sizeof(den), "waitset.epoll_wait.%ld", ws_sizes[i]);
		snprintf(nm, sizeof(nm), "waitset.wait.%ld/epoll", ws_sizes[i]);
		ratio(wait, nw, num, den, nm, "<=1.0");
	}
	for (i = 1; i < ws_nsizes; i++) {
		snprintf(num, sizeof(num), "waitset.wait.%ld", ws_sizes[i]);
		snprintf(den, sizeof(den), "waitset.wait.%ld", ws_sizes[0]);
		snprintf(nm, sizeof(nm), "waitset.wait.%ld/%ld", ws_sizes[i],
			 ws_sizes[0]);
		ratio(wait, nw, num, den, nm, "<=1.2");	/* flat */
	}
	for (i = 0; i < 2; i++) {
		long n = i ? ws_max : ws_sizes[0];

		snprintf(num, sizeof(num), "waitset.wait_syscall.%ld", n);
		snprintf(den, sizeof(den), "waitset.epoll_wait.%ld", n);
		snprintf(nm, sizeof(nm), "waitset.wait_syscall.%ld/epoll", n);
		ratio(wait, nw, num, den, nm, NULL);
	}
	snprintf(num, sizeof(num), "waitset.epoll_wait.%ld", ws_max);
	snprintf(den, sizeof(den), "waitset.epoll_wait.%ld", ws_sizes[0]);
	snprintf(nm, sizeof(nm), "waitset.epoll_wait.%ld/%ld", ws_max,
		 ws_sizes[0]);
	ratio(wait, nw, num, den, nm, NULL);
	snprintf(num, sizeof(num), "waitset.wait_many.%ld", wmax);
	snprintf(nm, sizeof(nm), "waitset.wait_many.%ld/10", wmax);
	ratio(wait, nw, num, "waitset.wait_many.10", nm, NULL);
	ratio(wait, nw, "waitset.wait.10", "waitset.wait_many.10",
	      "waitset.wait.10/wait_many", NULL);
	for (i = 0; i < 2; i++) {
		long n = i ? ws_max : ws_sizes[0];

		snprintf(num, sizeof(num), "waitset.add_remove.%ld", n);
		snprintf(den, sizeof(den), "waitset.epoll_ctl.%ld", n);
		snprintf(nm, sizeof(nm), "waitset.add_remove.%ld/epoll_ctl", n);
		ratio(ctl, nc, num, den, nm, NULL);
	}
	snprintf(num, sizeof(num), "waitset.add_remove.%ld", ws_max);
	snprintf(den, sizeof(den), "waitset.add_remove.%ld", ws_sizes[0]);
	snprintf(nm, sizeof(nm), "waitset.add_remove.%ld/%ld", ws_max,
		 ws_sizes[0]);
	ratio(ctl, nc, num, den, nm, "<=1.2");	/* O(1): flat */
	snprintf(num, sizeof(num), "waitset.epoll_ctl.%ld", ws_max);
	snprintf(den, sizeof(den), "waitset.epoll_ctl.%ld", ws_sizes[0]);
	snprintf(nm, sizeof(nm), "waitset.epoll_ctl.%ld/%ld", ws_max,
		 ws_sizes[0]);
	ratio(ctl, nc, num, den, nm, NULL);
out:
	ws_restore(saved);
}

/* ---- 7. contention (threads) ------------------------------------------------------ */

struct ct {
	int kind;		/* 0 msgpipe, 1 AF_UNIX seqpacket */
	int mode;		/* 0 own pipe: write+read, 1 writer, 2 reader */
	mx_handle_t h[2];
	int fd[2];
	long n;
	pthread_barrier_t *bar;
	int err;
};

static void *ct_thread(void *arg)
{
	struct ct *c = arg;
	char buf[64] = { 0 };
	long i;

	pthread_barrier_wait(c->bar);
	for (i = 0; i < c->n && !c->err; i++) {
		if (c->kind == 0) {
			uint32_t len = sizeof(buf), nh = 0;

			if (c->mode != 2 && mx_send(c->h[0], buf, 64, NULL, 0))
				c->err = 1;
			if (c->mode == 0 &&
			    mx_msgpipe_read(c->h[1], buf, &len, NULL, &nh, 0))
				c->err = 1;
			if (c->mode == 2 && mx_recv_poll(c->h[1], buf, 64) != 64)
				c->err = 1;
		} else {
			if (c->mode != 2 && send(c->fd[0], buf, 64, 0) != 64)
				c->err = 1;
			if (c->mode != 1 && recv(c->fd[1], buf, 64, 0) != 64)
				c->err = 1;
		}
	}
	return NULL;
}

/* f->arg: 0x10 * kind + layout (0 one thread, 1 two pipes, 2 one pipe) */
static double ct_run(struct fig *f, long n)
{
	int kind = (int)(f->arg >> 4), layout = (int)(f->arg & 15);
	int nthr = layout == 0 ? 1 : 2, npipes = layout == 2 ? 1 : nthr;
	pthread_barrier_t bar;
	pthread_t th[2];
	struct ct c[2];
	double t0, t1;
	int i, err = 0;

	pthread_barrier_init(&bar, NULL, nthr + 1);
	for (i = 0; i < npipes; i++) {
		int sv[2];

		memset(&c[i], 0, sizeof(c[i]));
		if (kind == 0 ? mx_msgpipe_create(c[i].h, 0) :
				seqpacket_pair(sv, 0))
			return -1;
		if (kind == 1) {
			c[i].fd[0] = sv[0];
			c[i].fd[1] = sv[1];
		}
	}
	if (layout == 2)
		c[1] = c[0];
	for (i = 0; i < nthr; i++) {
		c[i].kind = kind;
		c[i].mode = layout == 2 ? i + 1 : 0;
		c[i].n = layout == 2 ? n : n / nthr;
		c[i].bar = &bar;
		c[i].err = 0;
		pthread_create(&th[i], NULL, ct_thread, &c[i]);
	}
	pthread_barrier_wait(&bar);
	t0 = now_ns();
	for (i = 0; i < nthr; i++) {
		pthread_join(th[i], NULL);
		err |= c[i].err;
	}
	t1 = now_ns();
	for (i = 0; i < npipes; i++) {
		if (kind == 0) {
			mx_handle_close(c[i].h[0]);
			mx_handle_close(c[i].h[1]);
		} else {
			close(c[i].fd[0]);
			close(c[i].fd[1]);
		}
	}
	pthread_barrier_destroy(&bar);
	return err ? -1 : t1 - t0;
}

/* Pin the calling process (and the children it forks) to @cpu; -1: any. */
static void pin_to(int cpu)
{
	cpu_set_t set;
	long i, n = sysconf(_SC_NPROCESSORS_CONF);

	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		if (cpu < 0 || i == cpu)
			CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		progress("mxbench: cannot pin to CPU %d\n", cpu);
}

static void bench_contention(void)
{
	struct fig figs[] = {
		RFIG("contention", "contention.1thread.msgpipe", ct_run, 0x00, 1, "msg/s"),
		RFIG("contention", "contention.2pipes.msgpipe", ct_run, 0x01, 1, "msg/s"),
		RFIG("contention", "contention.1pipe.msgpipe", ct_run, 0x02, 1, "msg/s"),
		RFIG("contention", "contention.1thread.unix", ct_run, 0x10, 1, "msg/s"),
		RFIG("contention", "contention.2pipes.unix", ct_run, 0x11, 1, "msg/s"),
		RFIG("contention", "contention.1pipe.unix", ct_run, 0x12, 1, "msg/s"),
	};

	progress("== contention: threads, 64 B messages (messages per second, all threads)\n");
	if (opt.pin >= 0)
		pin_to(-1);	/* two threads on two CPUs */
	run_set(figs, 6);
	if (opt.pin >= 0)
		pin_to(opt.pin);
	ratio(figs, 6, "contention.2pipes.msgpipe", "contention.2pipes.unix",
	      "contention.2pipes.msgpipe/unix", NULL);
	ratio(figs, 6, "contention.1pipe.msgpipe", "contention.1pipe.unix",
	      "contention.1pipe.msgpipe/unix", NULL);
	ratio(figs, 6, "contention.2pipes.msgpipe", "contention.1thread.msgpipe",
	      "contention.scaling.msgpipe", NULL);
	ratio(figs, 6, "contention.2pipes.unix", "contention.1thread.unix",
	      "contention.scaling.unix", NULL);
}

/* ---- main ------------------------------------------------------------------------- */

static void print_info(void)
{
	struct mx_ioc_version v = { 0 };
	struct utsname u;
	int fd;

	uname(&u);
	printf("INFO label=%s kernel=%s machine=%s cpus=%ld pin=%d reps=%d time=%g pairs=%ld max_live=%ld idle_pairs=%ld quick=%d\n",
	       opt.label, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       opt.pin, opt.reps, opt.time, opt.pairs, opt.max_live,
	       opt.idle_pairs, opt.quick);
	fd = open("/dev/magenta", O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !ioctl(fd, MX_IOC_GET_VERSION, &v))
		printf("INFO abi=%u.%u max_queued_msgs=%ld max_queued_bytes=%ld max_handles=%ld\n",
		       v.abi_major, v.abi_minor, mx_param_read("max_queued_msgs"),
		       mx_param_read("max_queued_bytes"), mx_param_read("max_handles"));
	if (fd >= 0)
		close(fd);
	if (!access("/sys/kernel/slab/kmalloc-64/poison", R_OK)) {
		FILE *f = fopen("/sys/kernel/slab/kmalloc-64/poison", "r");
		int p = -1;

		if (f && fscanf(f, "%d", &p) != 1)
			p = -1;
		if (f)
			fclose(f);
		printf("INFO slub_debug_poison=%d\n", p);
	}
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mxbench [options]\n"
		"  -r, --reps N         repetitions per figure (default 5)\n"
		"  -t, --time SEC       target time of one measurement (default 0.25)\n"
		"  -q, --quick          smoke run: 3 reps, tiny counts\n"
		"      --only LIST      groups, comma-separated: pingpong,handles,\n"
		"                       throughput,floor,event,create,lookup,\n"
		"                       memory,waitmany,waitset,port,contention\n"
		"      --pairs N        create+close count (default 1000000)\n"
		"      --max-live N     most live handles for lookup (default 1000000)\n"
		"      --idle-pairs N   idle pairs for the memory figure (default 100000)\n"
		"      --label S        describes the mode (e.g. tcg-wallclock, icount)\n"
		"      --pin CPU        run everything but the contention figures on\n"
		"                       one CPU (both processes or threads of a\n"
		"                       ping-pong)\n"
		"      --trace NAME     after figure NAME, run it under the kernel's\n"
		"                       tracer and dump the traces (bench/profile.sh)\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 'o' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "max-live", required_argument, NULL, 'm' },
		{ "idle-pairs", required_argument, NULL, 'i' },
		{ "label", required_argument, NULL, 'l' },
		{ "pin", required_argument, NULL, 'P' },
		{ "trace", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool set_pairs = false, set_live = false, set_idle = false;
	bool set_reps = false, set_time = false;
	int c;

	while ((c = getopt_long(argc, argv, "r:t:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'r': opt.reps = atoi(optarg); set_reps = true; break;
		case 't': opt.time = atof(optarg); set_time = true; break;
		case 'q': opt.quick = true; break;
		case 'o': opt.only = optarg; break;
		case 'p': opt.pairs = atol(optarg); set_pairs = true; break;
		case 'm': opt.max_live = atol(optarg); set_live = true; break;
		case 'i': opt.idle_pairs = atol(optarg); set_idle = true; break;
		case 'l': opt.label = optarg; break;
		case 'P': opt.pin = atoi(optarg); break;
		case 'T': opt.trace = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt.quick) {
		if (!set_reps)
			opt.reps = 3;
		if (!set_time)
			opt.time = 0.005;
		if (!set_pairs)
			opt.pairs = 500;
		if (!set_live)
			opt.max_live = 1000;
		if (!set_idle)
			opt.idle_pairs = 1000;
	}
	if (opt.reps < 1 || opt.reps > MAXREP || opt.time <= 0 ||
	    opt.pairs < 1 || opt.max_live < 10 || opt.idle_pairs < 1)
		usage();
}

int main(int argc, char **argv)
{
	mx_handle_t h[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	parse(argc, argv);
	if (opt.pin >= 0)
		pin_to(opt.pin);
	print_info();
	if (mx_msgpipe_create(h, 0)) {
		printf("FAIL group=all name=all reason=no-/dev/magenta\n");
		progress("mxbench: /dev/magenta is not usable (module not loaded?)\n");
		return 4;
	}
	mx_handle_close(h[0]);
	mx_handle_close(h[1]);

	if (want("pingpong"))
		bench_pingpong();
	if (want("handles"))
		bench_handles();
	if (want("throughput"))
		bench_throughput();
	if (want("floor"))
		bench_floor();
	if (want("event"))
		bench_event();
	if (want("create"))
		bench_create();
	if (want("lookup") || want("memory"))
		raise_max_handles();
	/* Memory first: the lookup figure's big tables are freed lazily. */
	if (want("memory"))
		bench_memory();
	if (want("lookup"))
		bench_lookup();
	if (want("waitmany"))
		bench_waitmany();
	if (want("waitset"))
		bench_waitset();
	if (want("port"))
		bench_port();
	if (want("contention"))
		bench_contention();
	restore_max_handles();
	printf("END failures=%d\n", failures);
	progress("mxbench: %s (%d failure%s)\n", failures ? "FAILED" : "done",
		 failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
