/* SPDX-License-Identifier: MIT */
/*
 * mx_handle_wait_one(), mx_handle_wait_many().
 *
 * The relative timeout becomes an absolute CLOCK_MONOTONIC deadline here,
 * once (mx_deadline()), so a wait restarted after a signal handler ends when
 * the first one would have.
 */
#include <magenta/syscalls.h>

#include "mx_ioctl.h"

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
