/* SPDX-License-Identifier: MIT */
/*
 * The process's descriptor of /dev/magenta, the errno-to-status map, and
 * deadlines.
 *
 * The device is opened on first use. The descriptor belongs to the process
 * that opened it: the kernel refuses it to a fork() child, so the child
 * forgets it (pthread_atfork) and opens its own on first use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mx_ioctl.h"

#define MX_DEVICE "/dev/magenta"

static atomic_int mx_fd = -1;
static pthread_once_t mx_atfork_once = PTHREAD_ONCE_INIT;

static void mx_forget_fd_in_child(void)
{
	int fd = atomic_exchange(&mx_fd, -1);

	if (fd >= 0)
		close(fd);
}

static void mx_register_atfork(void)
{
	pthread_atfork(NULL, NULL, mx_forget_fd_in_child);
}

/* This process's descriptor, opened on first use; -1 if unavailable. */
static int mx_device_fd(void)
{
	int fd = atomic_load_explicit(&mx_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;
	pthread_once(&mx_atfork_once, mx_register_atfork);
	fd = open(MX_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&mx_fd, &expected, fd)) {
		close(fd);	/* another thread won */
		fd = expected;
	}
	return fd;
}

mx_status_t mx_status_from_errno(int e)
{
	switch (e) {
	case MX_ERRNO_INVALID_ARGS:	return ERR_INVALID_ARGS;
	case MX_ERRNO_NOT_SUPPORTED:	return ERR_NOT_SUPPORTED;
	case MX_ERRNO_NOT_FOUND:	return ERR_NOT_FOUND;
	case MX_ERRNO_NO_MEMORY:	return ERR_NO_MEMORY;
	case MX_ERRNO_NO_RESOURCES:	return ERR_NO_RESOURCES;
	case MX_ERRNO_BAD_HANDLE:	return ERR_BAD_HANDLE;
	case MX_ERRNO_OUT_OF_RANGE:	return ERR_OUT_OF_RANGE;
	case MX_ERRNO_NOT_ENOUGH_BUFFER: return ERR_NOT_ENOUGH_BUFFER;
	case MX_ERRNO_ALREADY_EXISTS:	return ERR_ALREADY_EXISTS;
	case MX_ERRNO_BAD_STATE:	return ERR_BAD_STATE;
	case MX_ERRNO_TIMED_OUT:	return ERR_TIMED_OUT;
	case MX_ERRNO_HANDLE_CLOSED:	return ERR_HANDLE_CLOSED;
	case MX_ERRNO_CHANNEL_CLOSED:	return ERR_CHANNEL_CLOSED;
	case MX_ERRNO_ACCESS_DENIED:	return ERR_ACCESS_DENIED;
	case MX_ERRNO_WRONG_TYPE:	return ERR_WRONG_TYPE;
	case MX_ERRNO_TOO_BIG:		return ERR_TOO_BIG;
	case EFAULT:			return ERR_INVALID_ARGS;
	case ENOTTY:			return ERR_NOT_SUPPORTED;
	default:			return ERR_INTERNAL;
	}
}

mx_status_t mx_ioctl(unsigned long cmd, void *arg)
{
	int fd = mx_device_fd();
	int r;

	if (fd < 0)
		return ERR_NOT_SUPPORTED;
	r = ioctl(fd, cmd, arg);
	/* NO_ERROR, or a count (MX_IOC_HANDLE_GET_INFO). */
	if (r >= 0)
		return r;
	return mx_status_from_errno(errno);
}

mx_status_t mx_ioctl_restart(unsigned long cmd, void *arg)
{
	int fd = mx_device_fd();
	int r;

	if (fd < 0)
		return ERR_NOT_SUPPORTED;
	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && errno == EINTR);
	return r == 0 ? NO_ERROR : mx_status_from_errno(errno);
}

uint64_t mx_deadline(mx_time_t timeout)
{
	struct timespec ts;
	uint64_t now;

	if (timeout == 0 || timeout == MX_TIME_INFINITE)
		return timeout;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}
