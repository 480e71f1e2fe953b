/* SPDX-License-Identifier: MIT */
/*
 * mx_handle_close(), mx_handle_duplicate(), mx_handle_replace(), and the
 * bootstrap pair mx_handle_export() / mx_handle_import(), and
 * mx_handle_poll_fd().
 */
#include <magenta/syscalls.h>

#include "mx_ioctl.h"

mx_status_t mx_handle_close(mx_handle_t handle)
{
	return mx_ioctl(MX_IOC_HANDLE_CLOSE, &handle);
}

static mx_handle_t mx_handle_dup_call(unsigned long cmd, mx_handle_t handle,
				      mx_rights_t rights)
{
	struct mx_ioc_handle_dup a = {
		.handle = (uint32_t)handle,
		.rights = rights,
	};
	mx_status_t s = mx_ioctl(cmd, &a);

	return s == NO_ERROR ? a.result : s;
}

mx_handle_t mx_handle_duplicate(mx_handle_t handle, mx_rights_t rights)
{
	return mx_handle_dup_call(MX_IOC_HANDLE_DUPLICATE, handle, rights);
}

mx_handle_t mx_handle_replace(mx_handle_t handle, mx_rights_t rights)
{
	return mx_handle_dup_call(MX_IOC_HANDLE_REPLACE, handle, rights);
}

mx_status_t mx_handle_export(mx_handle_t handle, uint32_t flags, int* fd)
{
	struct mx_ioc_handle_export a = {
		.handle = (uint32_t)handle,
		.flags = flags,
	};
	mx_status_t s;

	if (!fd)
		return ERR_INVALID_ARGS;
	s = mx_ioctl(MX_IOC_HANDLE_EXPORT, &a);
	if (s == NO_ERROR)
		*fd = a.fd;
	return s;
}

mx_status_t mx_handle_import(int fd, mx_handle_t* handle)
{
	struct mx_ioc_handle_import a = { .fd = fd };
	mx_status_t s;

	if (!handle)
		return ERR_INVALID_ARGS;
	s = mx_ioctl(MX_IOC_HANDLE_IMPORT, &a);
	if (s == NO_ERROR)
		*handle = a.handle;
	return s;
}

mx_status_t mx_handle_poll_fd(mx_handle_t handle, uint32_t flags, int* fd)
{
	struct mx_ioc_handle_poll_fd a = {
		.handle = (uint32_t)handle,
		.flags = flags,
	};
	mx_status_t s;

	if (!fd)
		return ERR_INVALID_ARGS;
	s = mx_ioctl(MX_IOC_HANDLE_POLL_FD, &a);
	if (s == NO_ERROR)
		*fd = a.fd;
	return s;
}
