/* SPDX-License-Identifier: MIT */
/*
 * mx_waitset_create(), mx_waitset_add(), mx_waitset_remove(),
 * mx_waitset_wait().
 *
 * The module writes each result's wait_result as 0 or a negative
 * MX_ERRNO_* value; here it becomes the Magenta status, in place.
 */
#include <stddef.h>

#include <magenta/syscalls.h>

#include "mx_ioctl.h"

_Static_assert(sizeof(mx_waitset_result_t) ==
	       sizeof(struct mx_ioc_waitset_result),
	       "mx_waitset_result_t and the ABI struct differ");
_Static_assert(offsetof(mx_waitset_result_t, wait_result) ==
	       offsetof(struct mx_ioc_waitset_result, wait_result),
	       "mx_waitset_result_t.wait_result is misplaced");
_Static_assert(offsetof(mx_waitset_result_t, signals_state) ==
	       offsetof(struct mx_ioc_waitset_result, state),
	       "mx_waitset_result_t.signals_state is misplaced");

mx_handle_t mx_waitset_create(void)
{
	struct mx_ioc_waitset_create a = { 0 };
	mx_status_t s = mx_ioctl(MX_IOC_WAITSET_CREATE, &a);

	return s == NO_ERROR ? a.handle : s;
}

mx_status_t mx_waitset_add(mx_handle_t waitset_handle, mx_handle_t handle,
			   mx_signals_t signals, uint64_t cookie)
{
	struct mx_ioc_waitset_add a = {
		.waitset = (uint32_t)waitset_handle,
		.handle = (uint32_t)handle,
		.signals = signals,
		.cookie = cookie,
	};

	return mx_ioctl(MX_IOC_WAITSET_ADD, &a);
}

mx_status_t mx_waitset_remove(mx_handle_t waitset_handle, uint64_t cookie)
{
	struct mx_ioc_waitset_remove a = {
		.waitset = (uint32_t)waitset_handle,
		.cookie = cookie,
	};

	return mx_ioctl(MX_IOC_WAITSET_REMOVE, &a);
}

mx_status_t mx_waitset_wait(mx_handle_t waitset_handle, mx_time_t timeout,
			    uint32_t* num_results,
			    mx_waitset_result_t* results,
			    uint32_t* max_results)
{
	struct mx_ioc_waitset_wait a = {
		.waitset = (uint32_t)waitset_handle,
		.deadline = mx_deadline(timeout),
		.num_results = mx_ptr(num_results),
		.results = mx_ptr(results),
		.max_results = mx_ptr(max_results),
	};
	mx_status_t s = mx_ioctl_restart(MX_IOC_WAITSET_WAIT, &a);
	uint32_t i;

	if (s != NO_ERROR)
		return s;
	for (i = 0; i < *num_results; i++)
		if (results[i].wait_result)
			results[i].wait_result =
				mx_status_from_errno(-results[i].wait_result);
	return NO_ERROR;
}
