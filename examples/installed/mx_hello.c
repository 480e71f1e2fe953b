// SPDX-License-Identifier: MIT
/*
 * mx_hello: a program built against an installed libmx, with nothing but
 * pkg-config (see the Makefile next to it):
 *
 *   cc -o mx_hello mx_hello.c $(pkg-config --cflags --libs libmx)
 *
 * It creates two pipes, sends one end of the second through the first
 * together with a few bytes, receives both from the other end, and then
 * talks through the handle it received. With the module loaded it prints
 * what it did and exits 0. Without /dev/magenta (module not loaded) it says
 * so and exits 77; on any other failure it exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <magenta/syscalls.h>

static void check(const char *what, mx_status_t s)
{
	if (s >= 0)
		return;
	fprintf(stderr, "mx_hello: %s: %s\n", what, mx_status_get_string(s));
	exit(s == ERR_NOT_SUPPORTED ? 77 : 1);
}

int main(void)
{
	mx_handle_t a[2], b[2], got;
	mx_signals_state_t st;
	char buf[64];
	uint32_t n = sizeof(buf), nh = 1;
	mx_status_t s;

	s = mx_msgpipe_create(a, 0);
	if (s == ERR_NOT_SUPPORTED) {
		printf("mx_hello: mx_msgpipe_create: ERR_NOT_SUPPORTED: no /dev/magenta (is the magenta module loaded?)\n");
		return 77;
	}
	check("mx_msgpipe_create(a)", s);
	check("mx_msgpipe_create(b)", mx_msgpipe_create(b, 0));
	printf("mx_hello: pipes a {%d, %d} and b {%d, %d}\n", a[0], a[1], b[0], b[1]);

	/* "hello" and the handle b[1] through a: b[1] leaves our table... */
	check("mx_msgpipe_write(a[0])", mx_msgpipe_write(a[0], "hello", 5, &b[1], 1, 0));
	check("mx_handle_wait_one(a[1])",
	      mx_handle_wait_one(a[1], MX_SIGNAL_READABLE, MX_TIME_INFINITE, &st));
	/* ...and comes back under a new value. */
	check("mx_msgpipe_read(a[1])", mx_msgpipe_read(a[1], buf, &n, &got, &nh, 0));
	if (n != 5 || memcmp(buf, "hello", 5) != 0 || nh != 1) {
		fprintf(stderr, "mx_hello: read %u bytes, %u handles: not what was sent\n", n, nh);
		return 1;
	}
	printf("mx_hello: read \"%.*s\" and handle %d (was %d)\n", (int)n, buf, got, b[1]);

	/* The received handle is b's other end: talk through it. */
	check("mx_msgpipe_write(b[0])", mx_msgpipe_write(b[0], "ping", 4, NULL, 0, 0));
	n = sizeof(buf);
	nh = 0;
	check("mx_msgpipe_read(got)", mx_msgpipe_read(got, buf, &n, NULL, &nh, 0));
	printf("mx_hello: \"%.*s\" through the received handle\n", (int)n, buf);

	check("mx_handle_close(b[0])", mx_handle_close(b[0]));
	check("mx_handle_wait_one(got)",
	      mx_handle_wait_one(got, MX_SIGNAL_PEER_CLOSED, 0, &st));
	printf("mx_hello: peer closed: %s\n",
	       (st.satisfied & MX_SIGNAL_PEER_CLOSED) ? "yes" : "no");
	check("mx_handle_close(got)", mx_handle_close(got));
	check("mx_handle_close(a[0])", mx_handle_close(a[0]));
	check("mx_handle_close(a[1])", mx_handle_close(a[1]));
	s = mx_handle_close(a[1]);
	printf("mx_hello: closing a[1] again: %s\n", mx_status_get_string(s));
	printf("mx_hello: ok\n");
	return s == ERR_INVALID_ARGS ? 0 : 1;
}
