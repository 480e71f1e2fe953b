/* SPDX-License-Identifier: MIT */
/*
 * mx_event_create(), mx_object_signal(), mx_handle_get_info().
 */
#include <magenta/syscalls.h>

#include "mx_ioctl.h"

mx_handle_t mx_event_create(uint32_t options)
{
	struct mx_ioc_event_create a = { .options = options };
	mx_status_t s = mx_ioctl(MX_IOC_EVENT_CREATE, &a);

	return s == NO_ERROR ? a.handle : s;
}

mx_status_t mx_object_signal(mx_handle_t handle, uint32_t clear_mask,
			     uint32_t set_mask)
{
	struct mx_ioc_object_signal a = {
		.handle = (uint32_t)handle,
		.clear_mask = clear_mask,
		.set_mask = set_mask,
	};

	return mx_ioctl(MX_IOC_OBJECT_SIGNAL, &a);
}

_Static_assert(sizeof(mx_handle_basic_info_t) ==
	       sizeof(struct mx_handle_basic_info),
	       "mx_handle_basic_info_t and the ABI struct differ");

mx_ssize_t mx_handle_get_info(mx_handle_t handle, uint32_t topic,
			      void* info, mx_size_t info_size)
{
	struct mx_ioc_handle_get_info a = {
		.handle = (uint32_t)handle,
		.topic = topic,
		.info = mx_ptr(info),
		.info_size = info_size,
	};

	return mx_ioctl(MX_IOC_HANDLE_GET_INFO, &a);
}
