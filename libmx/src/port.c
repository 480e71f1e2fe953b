/* SPDX-License-Identifier: MIT */
/*
 * mx_port_create(), mx_port_queue(), mx_port_wait(), mx_port_bind().
 *
 * mx_port_wait() has no deadline: a signal handler that interrupts it
 * (EINTR) is followed by the same call again, which goes on waiting.
 */
#include <stddef.h>

#include <magenta/syscalls.h>

#include "mx_ioctl.h"

_Static_assert(sizeof(mx_packet_header_t) ==
	       sizeof(struct mx_port_packet_header),
	       "mx_packet_header_t and the ABI struct differ");
_Static_assert(sizeof(mx_io_packet_t) == sizeof(struct mx_port_io_packet),
	       "mx_io_packet_t and the ABI struct differ");
_Static_assert(offsetof(mx_io_packet_t, signals) ==
	       offsetof(struct mx_port_io_packet, signals),
	       "mx_io_packet_t.signals is misplaced");

mx_handle_t mx_port_create(uint32_t options)
{
	struct mx_ioc_port_create a = { .options = options };
	mx_status_t s = mx_ioctl(MX_IOC_PORT_CREATE, &a);

	return s == NO_ERROR ? a.handle : s;
}

mx_status_t mx_port_queue(mx_handle_t handle, const void* packet,
			  mx_size_t size)
{
	struct mx_ioc_port_queue a = {
		.handle = (uint32_t)handle,
		.packet = mx_ptr(packet),
		.size = size,
	};

	return mx_ioctl(MX_IOC_PORT_QUEUE, &a);
}

mx_status_t mx_port_wait(mx_handle_t handle, void* packet, mx_size_t size)
{
	struct mx_ioc_port_wait a = {
		.handle = (uint32_t)handle,
		.packet = mx_ptr(packet),
		.size = size,
	};

	return mx_ioctl_restart(MX_IOC_PORT_WAIT, &a);
}

mx_status_t mx_port_bind(mx_handle_t handle, uint64_t key,
			 mx_handle_t source, mx_signals_t signals)
{
	struct mx_ioc_port_bind a = {
		.handle = (uint32_t)handle,
		.source = (uint32_t)source,
		.key = key,
		.signals = signals,
	};

	return mx_ioctl(MX_IOC_PORT_BIND, &a);
}
