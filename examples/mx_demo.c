// SPDX-License-Identifier: MIT
/*
 * mx_demo: a client and a server that talk over message pipes.
 *
 * The client starts the server with fork() + exec(), handing it one end of
 * a service pipe through the bootstrap (an inherited file descriptor).
 * Then, over that pipe:
 *   1. RPC with a reply pipe: the client sends "add 2 40" carrying the
 *      reply endpoint last; the server must answer through that endpoint
 *      and send it back with the answer.
 *   2. Handle passing: the client sends a fresh pipe end to the server in a
 *      "subscribe" request; the server streams three events into it from
 *      its own process and closes it.
 *   3. Shutdown: the client closes the service pipe; the server sees
 *      PEER_CLOSED and exits.
 *
 * Usage: mx_demo              (runs both sides, prints what happens)
 *        mx_demo --server FD  (the server side, started by the client)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <magenta/syscalls.h>

#define CHECK(expr) do {						\
	mx_status_t __s = (expr);					\
	if (__s < 0) {							\
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,	\
			#expr, mx_status_get_string(__s));		\
		exit(1);						\
	}								\
} while (0)

/* Block until a message arrives or the peer is gone; then read it. */
static mx_status_t recv_msg(mx_handle_t h, char *buf, uint32_t *len,
			    mx_handle_t *hs, uint32_t *nh)
{
	mx_signals_state_t st;
	mx_status_t s;

	s = mx_handle_wait_one(h, MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED,
			       MX_TIME_INFINITE, &st);
	if (s < 0)
		return s;
	s = mx_msgpipe_read(h, buf, len, hs, nh, 0);
	if (s == NO_ERROR && *len < 256)
		buf[*len] = '\0';
	return s;
}

static void serve_add(mx_handle_t reply, const char *req)
{
	char answer[64];
	int a, b;

	if (sscanf(req, "add %d %d", &a, &b) != 2)
		a = b = 0;
	snprintf(answer, sizeof(answer), "%d", a + b);
	printf("server: %s = %s, answering through the reply pipe\n", req,
	       answer);
	/* A reply pipe's own handle must ride along, last. */
	CHECK(mx_msgpipe_write(reply, answer, strlen(answer), &reply, 1, 0));
}

static void serve_subscribe(mx_handle_t events)
{
	char ev[32];
	int i;

	for (i = 1; i <= 3; i++) {
		snprintf(ev, sizeof(ev), "event %d", i);
		CHECK(mx_msgpipe_write(events, ev, strlen(ev), NULL, 0, 0));
	}
	printf("server: sent 3 events into the pipe the client gave me\n");
	CHECK(mx_handle_close(events));
}

static int server(int fd)
{
	mx_handle_t svc, hs[4];
	char buf[257];
	uint32_t len, nh;
	mx_status_t s;

	CHECK(mx_handle_import(fd, &svc));
	close(fd);
	printf("server: pid %d imported the service pipe as handle %d\n",
	       getpid(), svc);
	for (;;) {
		len = sizeof(buf) - 1;
		nh = 4;
		s = recv_msg(svc, buf, &len, hs, &nh);
		if (s == ERR_CHANNEL_CLOSED)
			break;
		CHECK(s);
		if (!strncmp(buf, "add ", 4) && nh == 1)
			serve_add(hs[0], buf);
		else if (!strcmp(buf, "subscribe") && nh == 1)
			serve_subscribe(hs[0]);
	}
	printf("server: client closed the service pipe, exiting\n");
	CHECK(mx_handle_close(svc));
	return 0;
}

static pid_t start_server(mx_handle_t server_end)
{
	char fdarg[16];
	pid_t pid;
	int fd;

	/* Without MX_EXPORT_CLOEXEC the descriptor survives exec(). */
	CHECK(mx_handle_export(server_end, 0, &fd));
	pid = fork();
	if (pid == 0) {
		snprintf(fdarg, sizeof(fdarg), "%d", fd);
		execl("/proc/self/exe", "mx_demo", "--server", fdarg, NULL);
		perror("exec");
		_exit(127);
	}
	close(fd);
	return pid;
}

static int rpc_add(mx_handle_t svc, mx_handle_t rp[2])
{
	const char req[] = "add 2 40";
	char buf[257];
	uint32_t len = sizeof(buf) - 1, nh = 1;
	mx_handle_t back;

	printf("client: request \"%s\" carrying reply endpoint %d\n", req,
	       rp[1]);
	CHECK(mx_msgpipe_write(svc, (void *)req, strlen(req), &rp[1], 1, 0));
	CHECK(recv_msg(rp[0], buf, &len, &back, &nh));
	printf("client: answer \"%s\", reply endpoint back as handle %d\n",
	       buf, back);
	rp[1] = back;
	return strcmp(buf, "42") != 0 || nh != 1;
}

static int subscribe(mx_handle_t svc)
{
	mx_handle_t ev[2];
	char buf[257];
	uint32_t len, nh;
	int n = 0;

	CHECK(mx_msgpipe_create(ev, 0));
	printf("client: subscribing, sending handle %d to the server\n",
	       ev[1]);
	CHECK(mx_msgpipe_write(svc, "subscribe", 9, &ev[1], 1, 0));
	for (;;) {
		len = sizeof(buf) - 1;
		nh = 0;
		mx_status_t s = recv_msg(ev[0], buf, &len, NULL, &nh);

		if (s == ERR_CHANNEL_CLOSED)
			break;
		CHECK(s);
		printf("client: got \"%s\"\n", buf);
		n++;
	}
	printf("client: event pipe closed by the server after %d events\n", n);
	CHECK(mx_handle_close(ev[0]));
	return n != 3;
}

static int client(void)
{
	mx_handle_t svc[2], rp[2];
	int bad = 0, status;
	pid_t pid;

	CHECK(mx_msgpipe_create(svc, 0));
	pid = start_server(svc[1]);
	CHECK(mx_msgpipe_create(rp, MX_FLAG_REPLY_PIPE));
	bad |= rpc_add(svc[0], rp);
	bad |= subscribe(svc[0]);
	CHECK(mx_handle_close(svc[0]));
	CHECK(mx_handle_close(rp[0]));
	CHECK(mx_handle_close(rp[1]));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		bad = 1;
	printf("mx_demo: %s\n", bad ? "FAILED" : "all steps worked");
	return bad;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--server"))
		return server(atoi(argv[2]));
	return client();
}
