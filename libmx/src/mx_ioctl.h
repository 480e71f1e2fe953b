/* SPDX-License-Identifier: MIT */
/*
 * libmx's private raw-ioctl layer: one way into /dev/magenta.
 */
#ifndef LIBMX_IOCTL_H
#define LIBMX_IOCTL_H

#include <magenta/types.h>

/*
 * Issue an ioctl on this process's /dev/magenta and map the result: the
 * ioctl's own value (0, or a count) on success, else a negative status.
 */
mx_status_t mx_ioctl(unsigned long cmd, void *arg);

/* The status an errno value carries (MX_ERRNO_*). */
mx_status_t mx_status_from_errno(int e);

/* The same, restarting after EINTR (for calls that sleep). */
mx_status_t mx_ioctl_restart(unsigned long cmd, void *arg);

/*
 * This process's wait set results page area (MX_WS_PAGE_MAX pages of
 * struct mx_ws_page, read-only), mapped on first use; NULL if unavailable.
 */
const struct mx_ws_page *mx_ws_area(void);

/* In a fork() child: forget every wait set's page (waitset.c). */
void mx_waitset_forget_pages(void);

/* An absolute CLOCK_MONOTONIC deadline, timeout ns from now. */
uint64_t mx_deadline(mx_time_t timeout);

/* A user pointer as the ABI carries it. */
static inline uint64_t mx_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#endif /* LIBMX_IOCTL_H */
