/* SPDX-License-Identifier: MIT */
/*
 * The process's descriptor of /dev/magenta, its wait set results page area,
 * the errno-to-status map, and deadlines.
 *
 * The device is opened on first use. The descriptor belongs to the process
 * that opened it: the kernel refuses it to a fork() child, so the child
 * forgets it (pthread_atfork) and opens its own on first use. The page area
 * (mx_ws_area()) is mapped once, on first need; the kernel does not copy
 * the mapping into a fork() child (VM_DONTCOPY), so the child forgets it
 * too, with the wait set page cache of waitset.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mx_ioctl.h"

#define MX_DEVICE "/dev/magenta"

#define MX_WS_AREA_SIZE ((size_t)MX_WS_PAGE_MAX * MX_WS_PAGE_SIZE)

static atomic_int mx_fd = -1;
static pthread_once_t mx_atfork_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct mx_ws_page *) mx_area;

static void mx_forget_fd_in_child(void)
{
	int fd;

	/* The cache names pages of the parent's area: forget it first. */
	mx_waitset_forget_pages();
	atomic_store(&mx_area, NULL);	/* the child has no mapping */
	fd = atomic_exchange(&mx_fd, -1);
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

/*
 * The results page area of this process's descriptor (MX_WS_PAGE_MAX pages,
 * read-only), mapped on first use; NULL if it cannot be mapped. A thread
 * that loses the race to publish its mapping unmaps its own.
 */
const struct mx_ws_page *mx_ws_area(void)
{
	const struct mx_ws_page *area, *expected = NULL;
	void *p;
	int fd;

	area = atomic_load_explicit(&mx_area, memory_order_acquire);
	if (area)
		return area;
	fd = mx_device_fd();
	if (fd < 0)
		return NULL;
	p = mmap(NULL, MX_WS_AREA_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	area = p;
	if (!atomic_compare_exchange_strong(&mx_area, &expected, area)) {
		munmap(p, MX_WS_AREA_SIZE);	/* another thread won */
		area = expected;
	}
	return area;
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
