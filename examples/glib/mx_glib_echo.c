// SPDX-License-Identifier: MIT
/*
 * mx_glib_echo: one GLib main loop serving a Unix stream socket and a
 * hundred Magenta message pipes, through mx_handle_poll_fd().
 *
 * The server (this process) makes NPIPES pipes, puts its ends in one wait
 * set, and watches the wait set's poll descriptor with g_unix_fd_add()
 * next to a listening Unix socket and each accepted connection. When the
 * descriptor polls readable it asks mx_waitset_wait() with a timeout of 0
 * which pipes have something, reads their messages and answers them.
 *
 * The client (a forked child) gets the other ends of all the pipes in one
 * message, over a bootstrap pipe exported to a descriptor, connects to the
 * socket, and for NROUNDS rounds sends a request on every pipe and a line
 * on the socket, then checks every answer. Then it closes everything: the
 * server sees PEER_CLOSED on each pipe and EOF on the socket, and quits.
 *
 * Exit status 0 and a last line "mx_glib_echo: PASS ..." when every answer
 * was right and everything was closed; 1 and "mx_glib_echo: FAIL ..."
 * otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include <magenta/syscalls.h>

#define NPIPES		100
#define NROUNDS		20
#define MAXMSG		128
#define WATCHDOG_S	120

static int failures;

static void failf(const char *fmt, ...)
{
	va_list ap;

	failures++;
	fprintf(stderr, "mx_glib_echo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The answer to request @req on pipe @i (or on the socket, @i = -1). */
static int answer(char *out, size_t cap, int i, const char *req, size_t len)
{
	char up[MAXMSG];
	size_t k;

	for (k = 0; k < len && k < sizeof(up) - 1; k++)
		up[k] = g_ascii_toupper(req[k]);
	up[k] = '\0';
	if (i < 0)
		return snprintf(out, cap, "sock: %s\n", up);
	return snprintf(out, cap, "pipe %d: %s", i, up);
}

/* ---- the server ----------------------------------------------------------- */

struct server {
	GMainLoop *loop;
	mx_handle_t ws;
	mx_handle_t pipe[NPIPES];	/* our ends; 0 once closed */
	int open_pipes;
	int listen_fd;
	int open_conns;
	bool accepted;
	long pipe_msgs, sock_lines, ws_wakeups;
};

struct conn {
	struct server *srv;
	int fd;
	GString *in;
};

static gboolean on_conn(gint fd, GIOCondition cond, gpointer data)
{
	struct conn *c = data;
	char buf[512], out[MAXMSG + 16];
	ssize_t n = read(fd, buf, sizeof(buf));
	char *nl;

	if (n > 0) {
		g_string_append_len(c->in, buf, n);
		while ((nl = memchr(c->in->str, '\n', c->in->len))) {
			size_t len = (size_t)(nl - c->in->str);
			int m = answer(out, sizeof(out), -1, c->in->str, len);

			if (write(fd, out, (size_t)m) != m)
				failf("server: socket write: %s", strerror(errno));
			c->srv->sock_lines++;
			g_string_erase(c->in, 0, (gssize)len + 1);
		}
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && errno == EINTR)
		return G_SOURCE_CONTINUE;
	if (n < 0)
		failf("server: socket read: %s", strerror(errno));
	if (c->in->len)
		failf("server: %zu bytes without a newline at EOF", c->in->len);
	c->srv->open_conns--;
	if (!c->srv->open_conns && !c->srv->open_pipes)
		g_main_loop_quit(c->srv->loop);
	close(fd);
	g_string_free(c->in, TRUE);
	g_free(c);
	(void)cond;
	return G_SOURCE_REMOVE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct server *srv = data;
	struct conn *c;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	(void)cond;
	if (cfd < 0) {
		failf("server: accept: %s", strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	c = g_new0(struct conn, 1);
	c->srv = srv;
	c->fd = cfd;
	c->in = g_string_new(NULL);
	srv->open_conns++;
	srv->accepted = true;
	g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn, c);
	return G_SOURCE_CONTINUE;
}

/* Answer every message queued on pipe @i; close it once its peer is gone. */
static void serve_pipe(struct server *srv, int i, mx_signals_t satisfied)
{
	char req[MAXMSG], out[MAXMSG + 16];
	uint32_t len;
	mx_status_t s;
	int m;

	for (;;) {
		len = sizeof(req);
		s = mx_msgpipe_read(srv->pipe[i], req, &len, NULL, NULL, 0);
		if (s != NO_ERROR)
			break;
		m = answer(out, sizeof(out), i, req, len);
		s = mx_msgpipe_write(srv->pipe[i], out, (uint32_t)m, NULL, 0, 0);
		if (s != NO_ERROR && s != ERR_BAD_STATE)
			failf("server: write to pipe %d: %s", i,
			      mx_status_get_string(s));
		srv->pipe_msgs++;
	}
	if (s != ERR_BAD_STATE && s != ERR_CHANNEL_CLOSED)
		failf("server: read pipe %d: %s", i, mx_status_get_string(s));
	if (s == ERR_CHANNEL_CLOSED || (satisfied & MX_SIGNAL_PEER_CLOSED &&
				       s == ERR_BAD_STATE)) {
		mx_waitset_remove(srv->ws, (uint64_t)i);
		mx_handle_close(srv->pipe[i]);
		srv->pipe[i] = MX_HANDLE_INVALID;
		srv->open_pipes--;
	}
}

/* The wait set's poll descriptor is readable: a wait will not block. */
static gboolean on_waitset(gint fd, GIOCondition cond, gpointer data)
{
	struct server *srv = data;
	mx_waitset_result_t res[NPIPES];
	uint32_t n = NPIPES, i;
	mx_status_t s;

	(void)fd;
	srv->ws_wakeups++;
	if (cond & G_IO_HUP) {
		failf("server: the wait set's handle is gone");
		g_main_loop_quit(srv->loop);
		return G_SOURCE_REMOVE;
	}
	s = mx_waitset_wait(srv->ws, 0, &n, res, NULL);
	if (s == ERR_TIMED_OUT) {
		failf("server: poll fd readable but the wait would block");
		return G_SOURCE_CONTINUE;
	}
	if (s != NO_ERROR) {
		failf("server: waitset_wait: %s", mx_status_get_string(s));
		g_main_loop_quit(srv->loop);
		return G_SOURCE_REMOVE;
	}
	for (i = 0; i < n; i++) {
		int k = (int)res[i].cookie;

		if (k < 0 || k >= NPIPES || !srv->pipe[k]) {
			failf("server: result for unknown cookie %llu",
			      (unsigned long long)res[i].cookie);
			continue;
		}
		serve_pipe(srv, k, res[i].signals_state.satisfied);
	}
	if (!srv->open_pipes && !srv->open_conns && srv->accepted)
		g_main_loop_quit(srv->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_watchdog(gpointer data)
{
	struct server *srv = data;

	failf("server: no end after %d s (%d pipes, %d connections open)",
	      WATCHDOG_S, srv->open_pipes, srv->open_conns);
	g_main_loop_quit(srv->loop);
	return G_SOURCE_REMOVE;
}

/* ---- the client ----------------------------------------------------------- */

static int client(int boot_fd, const struct sockaddr_un *addr, socklen_t alen)
{
	mx_handle_t boot, pipe[NPIPES];
	uint32_t nh = NPIPES, len;
	char req[MAXMSG], got[MAXMSG + 16], want[MAXMSG + 16];
	FILE *sock_in;
	int sock, r, i, m, bad = 0;

	if (mx_handle_import(boot_fd, &boot) != NO_ERROR)
		return 10;
	close(boot_fd);
	if (mx_handle_wait_one(boot, MX_SIGNAL_READABLE, MX_TIME_INFINITE,
			       NULL) != NO_ERROR)
		return 11;
	len = 0;
	if (mx_msgpipe_read(boot, NULL, &len, pipe, &nh, 0) != NO_ERROR ||
	    nh != NPIPES)
		return 12;
	mx_handle_close(boot);

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (const struct sockaddr *)addr, alen))
		return 13;
	sock_in = fdopen(dup(sock), "r");
	if (!sock_in)
		return 14;

	for (r = 0; r < NROUNDS; r++) {
		/* Every request first, so the server sees many at once. */
		for (i = 0; i < NPIPES; i++) {
			m = snprintf(req, sizeof(req), "hello %d from round %d",
				     i, r);
			if (mx_msgpipe_write(pipe[i], req, (uint32_t)m, NULL, 0,
					     0) != NO_ERROR)
				return 15;
		}
		m = snprintf(req, sizeof(req), "line of round %d\n", r);
		if (write(sock, req, (size_t)m) != m)
			return 16;
		/* Then every answer, checked. */
		for (i = 0; i < NPIPES; i++) {
			m = snprintf(req, sizeof(req), "hello %d from round %d",
				     i, r);
			answer(want, sizeof(want), i, req, (size_t)m);
			if (mx_handle_wait_one(pipe[i], MX_SIGNAL_READABLE,
					       MX_TIME_INFINITE, NULL) != NO_ERROR)
				return 17;
			len = sizeof(got) - 1;
			if (mx_msgpipe_read(pipe[i], got, &len, NULL, NULL, 0) !=
			    NO_ERROR)
				return 18;
			got[len] = '\0';
			if (strcmp(got, want)) {
				fprintf(stderr, "client: pipe %d: got \"%s\", want \"%s\"\n",
					i, got, want);
				bad++;
			}
		}
		m = snprintf(req, sizeof(req), "line of round %d", r);
		answer(want, sizeof(want), -1, req, (size_t)m);
		if (!fgets(got, sizeof(got), sock_in))
			return 19;
		if (strcmp(got, want)) {
			fprintf(stderr, "client: socket: got \"%s\", want \"%s\"\n",
				got, want);
			bad++;
		}
	}
	for (i = 0; i < NPIPES; i++)
		mx_handle_close(pipe[i]);
	fclose(sock_in);
	close(sock);
	return bad ? 20 : 0;
}

/* ---- main ----------------------------------------------------------------- */

int main(void)
{
	struct server srv = { .listen_fd = -1 };
	mx_handle_t boot[2], peer[NPIPES], p[2];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t alen;
	int boot_fd, poll_fd, i, st;
	mx_status_t s;
	pid_t pid;

	/* An abstract socket: nothing in the file system to clean up. */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "mx-glib-echo-%d", (int)getpid());
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(addr.sun_path + 1));
	srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.listen_fd < 0 ||
	    bind(srv.listen_fd, (struct sockaddr *)&addr, alen) ||
	    listen(srv.listen_fd, 16)) {
		perror("mx_glib_echo: socket");
		return 1;
	}

	srv.ws = mx_waitset_create();
	if (srv.ws < 0) {
		fprintf(stderr, "mx_glib_echo: waitset_create: %s\n",
			mx_status_get_string(srv.ws));
		return 1;
	}
	for (i = 0; i < NPIPES; i++) {
		if (mx_msgpipe_create(p, 0) != NO_ERROR)
			return 1;
		srv.pipe[i] = p[0];
		peer[i] = p[1];
		s = mx_waitset_add(srv.ws, p[0], MX_SIGNAL_READABLE |
				   MX_SIGNAL_PEER_CLOSED, (uint64_t)i);
		if (s != NO_ERROR) {
			fprintf(stderr, "mx_glib_echo: waitset_add: %s\n",
				mx_status_get_string(s));
			return 1;
		}
	}
	srv.open_pipes = NPIPES;

	/* The client's ends travel in one message over a bootstrap pipe. */
	if (mx_msgpipe_create(boot, 0) != NO_ERROR ||
	    mx_handle_export(boot[1], 0, &boot_fd) != NO_ERROR)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(srv.listen_fd);
		_exit(client(boot_fd, &addr, alen));
	}
	close(boot_fd);
	s = mx_msgpipe_write(boot[0], NULL, 0, peer, NPIPES, 0);
	mx_handle_close(boot[0]);
	if (s != NO_ERROR) {
		fprintf(stderr, "mx_glib_echo: sending the pipes: %s\n",
			mx_status_get_string(s));
		return 1;
	}

	s = mx_handle_poll_fd(srv.ws, MX_POLL_FD_CLOEXEC, &poll_fd);
	if (s != NO_ERROR) {
		fprintf(stderr, "mx_glib_echo: handle_poll_fd: %s\n",
			mx_status_get_string(s));
		return 1;
	}
	srv.loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(srv.listen_fd, G_IO_IN, on_accept, &srv);
	g_unix_fd_add(poll_fd, G_IO_IN | G_IO_HUP, on_waitset, &srv);
	g_timeout_add_seconds(WATCHDOG_S, on_watchdog, &srv);
	g_main_loop_run(srv.loop);
	g_main_loop_unref(srv.loop);

	st = -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		failf("client: exit status %#x", st);
	if (srv.pipe_msgs != NPIPES * NROUNDS)
		failf("server: %ld pipe messages, want %d", srv.pipe_msgs,
		      NPIPES * NROUNDS);
	if (srv.sock_lines != NROUNDS)
		failf("server: %ld socket lines, want %d", srv.sock_lines,
		      NROUNDS);
	if (srv.open_pipes)
		failf("server: %d pipes still open", srv.open_pipes);
	close(poll_fd);
	close(srv.listen_fd);
	mx_handle_close(srv.ws);

	printf("mx_glib_echo: %s: %d pipes x %d rounds = %ld pipe messages, %ld socket lines, one GMainLoop, %ld wait set wake-ups (GLib %u.%u.%u)\n",
	       failures ? "FAIL" : "PASS", NPIPES, NROUNDS, srv.pipe_msgs,
	       srv.sock_lines, srv.ws_wakeups, glib_major_version,
	       glib_minor_version, glib_micro_version);
	return failures ? 1 : 0;
}
