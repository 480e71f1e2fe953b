/* SPDX-License-Identifier: MIT */
/*
 * mx_handle_wait_one(), mx_handle_wait_many().
 *
 * The relative timeout becomes an absolute CLOCK_MONOTONIC deadline here,
 * once, so a wait restarted after a signal handler ends when the first one
 * would have.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include <magenta/syscalls.h>

#include "mx_ioctl.h"

static uint64_t mx_deadline(mx_time_t timeout)
{
	struct timespec ts;
	uint64_t now;

	if (timeout == 0 || timeout == MX_TIME_INFINITE)
		return timeout;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}

mx_status_t mx_handle_wait_one(mx_handle_t handle, mx_signals_t signals,
			       mx_time_t timeout,
			       mx_signals_state_t* signals_state)
{
	struct mx_ioc_wait_one a = {
		.handle = (uint32_t)handle,
		.signals = signals,
		.deadline = mx_deadline(timeout),
		.state = mx_ptr(signals_state),
	};

	return mx_ioctl_restart(MX_IOC_WAIT_ONE, &a);
}

mx_status_t mx_handle_wait_many(uint32_t count, const mx_handle_t* handles,
				const mx_signals_t* signals,
				mx_time_t timeout, uint32_t* result_index,
				mx_signals_state_t* signals_states)
{
	struct mx_ioc_wait_many a = {
		.count = count,
		.handles = mx_ptr(handles),
		.signals = mx_ptr(signals),
		.deadline = mx_deadline(timeout),
		.result_index = mx_ptr(result_index),
		.states = mx_ptr(signals_states),
	};

	return mx_ioctl_restart(MX_IOC_WAIT_MANY, &a);
}
