/* SPDX-License-Identifier: MIT */
/*
 * mx_msgpipe_create(), mx_msgpipe_write(), mx_msgpipe_read(), and the
 * mx_msgpipe_call() extension.
 */
#include <magenta/syscalls.h>

#include "mx_ioctl.h"

mx_status_t mx_msgpipe_create(mx_handle_t handles[2], uint32_t flags)
{
	struct mx_ioc_msgpipe_create a = {
		.handles = mx_ptr(handles),
		.flags = flags,
	};

	return mx_ioctl(MX_IOC_MSGPIPE_CREATE, &a);
}

mx_status_t mx_msgpipe_write(mx_handle_t handle,
			     void* bytes, uint32_t num_bytes,
			     mx_handle_t* handles, uint32_t num_handles,
			     uint32_t flags)
{
	struct mx_ioc_msgpipe_write a = {
		.handle = (uint32_t)handle,
		.flags = flags,
		.bytes = mx_ptr(bytes),
		.handles = mx_ptr(handles),
		.num_bytes = num_bytes,
		.num_handles = num_handles,
	};

	return mx_ioctl(MX_IOC_MSGPIPE_WRITE, &a);
}

mx_status_t mx_msgpipe_read(mx_handle_t handle,
			    void* bytes, uint32_t* num_bytes,
			    mx_handle_t* handles, uint32_t* num_handles,
			    uint32_t flags)
{
	struct mx_ioc_msgpipe_read a = {
		.handle = (uint32_t)handle,
		.flags = flags,
		.bytes = mx_ptr(bytes),
		.num_bytes = mx_ptr(num_bytes),
		.handles = mx_ptr(handles),
		.num_handles = mx_ptr(num_handles),
	};

	return mx_ioctl(MX_IOC_MSGPIPE_READ, &a);
}

mx_status_t mx_msgpipe_call(mx_handle_t handle,
			    void* wbytes, uint32_t wnum_bytes,
			    mx_handle_t* whandles, uint32_t wnum_handles,
			    void* rbytes, uint32_t* rnum_bytes,
			    mx_handle_t* rhandles, uint32_t* rnum_handles,
			    mx_time_t timeout)
{
	struct mx_ioc_msgpipe_call a = {
		.wr = {
			.handle = (uint32_t)handle,
			.bytes = mx_ptr(wbytes),
			.handles = mx_ptr(whandles),
			.num_bytes = wnum_bytes,
			.num_handles = wnum_handles,
		},
		.rd = {
			.handle = (uint32_t)handle,
			.bytes = mx_ptr(rbytes),
			.num_bytes = mx_ptr(rnum_bytes),
			.handles = mx_ptr(rhandles),
			.num_handles = mx_ptr(rnum_handles),
		},
		.deadline = mx_deadline(timeout),
	};

	return mx_ioctl_restart(MX_IOC_MSGPIPE_CALL, &a);
}
