/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/magenta: Magenta message pipes and handles, the ioctl ABI.
 *
 * Every command takes a fixed-size struct made of __u32 and __u64 fields,
 * naturally aligned, with user pointers carried as __u64. Unknown flag bits
 * and non-zero padding are rejected. libmx (<magenta/syscalls.h>) is the
 * intended caller; this header is all a raw user needs.
 *
 * Results: 0 on success, else -1 with errno set. Each Magenta status code
 * travels as exactly one errno value, listed below as MX_ERRNO_*; an errno
 * not in that list is a failure of the ioctl itself (for example EFAULT for
 * an unreadable argument struct, ENOTTY for an unknown command).
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef _UAPI_LINUX_MAGENTA_H
#define _UAPI_LINUX_MAGENTA_H

#include <linux/errno.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define MX_ABI_MAJOR		2
#define MX_ABI_MINOR		4

/* Features reported by MX_IOC_GET_VERSION. */
#define MX_FEATURE_MSGPIPE	(1ULL << 0)	/* create, read, write, close */
#define MX_FEATURE_BOOTSTRAP	(1ULL << 1)	/* handle export/import as fd */
#define MX_FEATURE_WAIT		(1ULL << 2)	/* wait_one, wait_many */
#define MX_FEATURE_DUPLICATE	(1ULL << 3)	/* duplicate, replace */
#define MX_FEATURE_CALL		(1ULL << 4)	/* msgpipe_call */
#define MX_FEATURE_OBJECTS	(1ULL << 5)	/* events, object_signal, get_info */
#define MX_FEATURE_WAITSET	(1ULL << 6)	/* wait sets */
#define MX_FEATURE_PORT		(1ULL << 7)	/* IO ports */
#define MX_FEATURE_POLL_FD	(1ULL << 8)	/* handle_poll_fd */
#define MX_FEATURE_WAITSET_PAGE	(1ULL << 9)	/* wait set results pages */

/* Limits of one message and of one wait. */
#define MX_MAX_MSG_BYTES	65536u
#define MX_MAX_MSG_HANDLES	1024u
#define MX_MAX_WAIT_HANDLES	256u

/* Rights a handle holds. */
#define MX_RIGHT_NONE		0u
#define MX_RIGHT_DUPLICATE	(1u << 0)
#define MX_RIGHT_TRANSFER	(1u << 1)
#define MX_RIGHT_READ		(1u << 2)
#define MX_RIGHT_WRITE		(1u << 3)
#define MX_RIGHT_EXECUTE	(1u << 4)
#define MX_RIGHT_DEBUG		(1u << 5)
#define MX_RIGHT_SAME_RIGHTS	(1u << 31)	/* an argument, never held */

/* Signals of an object. */
#define MX_SIGNAL_NONE		0u
#define MX_SIGNAL_READABLE	(1u << 0)
#define MX_SIGNAL_WRITABLE	(1u << 1)
#define MX_SIGNAL_PEER_CLOSED	(1u << 2)
#define MX_SIGNAL_SIGNAL0	(1u << 3)
#define MX_SIGNAL_SIGNAL1	(1u << 4)
#define MX_SIGNAL_SIGNAL2	(1u << 5)
#define MX_SIGNAL_SIGNAL3	(1u << 6)
#define MX_SIGNAL_SIGNAL4	(1u << 7)
#define MX_SIGNAL_SIGNALED	MX_SIGNAL_SIGNAL0
#define MX_SIGNAL_SIGNAL_ALL	(31u << 3)

/* mx_handle_get_info() topics. */
#define MX_INFO_HANDLE_VALID	0u
#define MX_INFO_HANDLE_BASIC	1u

/* Object types, as mx_handle_get_info() reports them. */
#define MX_OBJ_TYPE_NONE		0u
#define MX_OBJ_TYPE_MESSAGE_PIPE	4u
#define MX_OBJ_TYPE_EVENT		5u
#define MX_OBJ_TYPE_IOPORT		6u
#define MX_OBJ_TYPE_WAIT_SET		14u

/* Object properties. */
#define MX_OBJ_PROP_NONE	0u
#define MX_OBJ_PROP_WAITABLE	1u

/* IO ports: the largest packet, and the types of packet. */
#define MX_PORT_MAX_PKT_SIZE		128u
#define MX_PORT_PKT_TYPE_KERN		0u
#define MX_PORT_PKT_TYPE_IOSN		1u
#define MX_PORT_PKT_TYPE_USER		2u
#define MX_PORT_PKT_TYPE_EXCEPTION	3u

/* mx_msgpipe_create() flags. */
#define MX_FLAG_REPLY_PIPE	(1u << 0)

/* mx_msgpipe_read() flags. */
#define MX_MSGPIPE_READ_FLAG_MAY_DISCARD	(1u << 0)

/* MX_IOC_HANDLE_EXPORT flags. */
#define MX_EXPORT_CLOEXEC	(1u << 0)	/* the new fd gets O_CLOEXEC */

/* MX_IOC_HANDLE_POLL_FD flags. */
#define MX_POLL_FD_CLOEXEC	(1u << 0)	/* the new fd gets O_CLOEXEC */

/*
 * The errno value that carries each Magenta status (ERR_* in
 * <magenta/types.h>). The mapping is one to one.
 */
#define MX_ERRNO_INVALID_ARGS		EINVAL
#define MX_ERRNO_NOT_SUPPORTED		EOPNOTSUPP
#define MX_ERRNO_NOT_FOUND		ENOENT
#define MX_ERRNO_NO_MEMORY		ENOMEM
#define MX_ERRNO_NO_RESOURCES		ENOSPC
#define MX_ERRNO_BAD_HANDLE		EBADSLT
#define MX_ERRNO_OUT_OF_RANGE		ERANGE
#define MX_ERRNO_NOT_ENOUGH_BUFFER	EMSGSIZE
#define MX_ERRNO_ALREADY_EXISTS		EEXIST
#define MX_ERRNO_BAD_STATE		EBADFD
#define MX_ERRNO_TIMED_OUT		ETIMEDOUT
#define MX_ERRNO_HANDLE_CLOSED		ECANCELED
#define MX_ERRNO_CHANNEL_CLOSED		EPIPE
#define MX_ERRNO_ACCESS_DENIED		EACCES
#define MX_ERRNO_WRONG_TYPE		EPROTOTYPE
#define MX_ERRNO_TOO_BIG		E2BIG

/**
 * struct mx_ioc_version - what the module speaks (MX_IOC_GET_VERSION)
 * @abi_major:		incompatible changes bump this (MX_ABI_MAJOR)
 * @abi_minor:		compatible additions bump this (MX_ABI_MINOR)
 * @features:		MX_FEATURE_* bits this module implements
 * @max_msg_bytes:	largest message payload (MX_MAX_MSG_BYTES)
 * @max_msg_handles:	most handles in one message (MX_MAX_MSG_HANDLES)
 * @max_wait_handles:	most handles in one wait_many (MX_MAX_WAIT_HANDLES)
 * @pad:		written as 0
 */
struct mx_ioc_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u32 max_msg_bytes;
	__u32 max_msg_handles;
	__u32 max_wait_handles;
	__u32 pad;
};

/**
 * struct mx_ioc_msgpipe_create - make a pipe (MX_IOC_MSGPIPE_CREATE)
 * @handles:	user pointer to two __s32, receives the two endpoint handles
 * @flags:	0 or MX_FLAG_REPLY_PIPE
 * @pad:	must be 0
 */
struct mx_ioc_msgpipe_create {
	__u64 handles;
	__u32 flags;
	__u32 pad;
};

/**
 * struct mx_ioc_msgpipe_write - queue one message (MX_IOC_MSGPIPE_WRITE)
 * @handle:	the endpoint to write through
 * @flags:	must be 0
 * @bytes:	user pointer to @num_bytes bytes of payload
 * @handles:	user pointer to @num_handles __s32 handles to move
 * @num_bytes:	payload size, at most MX_MAX_MSG_BYTES
 * @num_handles: number of handles, at most MX_MAX_MSG_HANDLES
 */
struct mx_ioc_msgpipe_write {
	__u32 handle;
	__u32 flags;
	__u64 bytes;
	__u64 handles;
	__u32 num_bytes;
	__u32 num_handles;
};

/**
 * struct mx_ioc_msgpipe_read - take the oldest message (MX_IOC_MSGPIPE_READ)
 * @handle:	the endpoint to read from
 * @flags:	0 or MX_MSGPIPE_READ_FLAG_MAY_DISCARD
 * @bytes:	user pointer to the payload buffer
 * @num_bytes:	user pointer to a __u32: capacity in, message size out;
 *		0 means a capacity of 0
 * @handles:	user pointer to the handle buffer (__s32 entries)
 * @num_handles: user pointer to a __u32: capacity in, handle count out
 */
struct mx_ioc_msgpipe_read {
	__u32 handle;
	__u32 flags;
	__u64 bytes;
	__u64 num_bytes;
	__u64 handles;
	__u64 num_handles;
};

/**
 * struct mx_ioc_msgpipe_call - write, then wait for and read the next message
 * @wr:		the message to write, as for MX_IOC_MSGPIPE_WRITE
 * @rd:		where to read the answer, as for MX_IOC_MSGPIPE_READ;
 *		@rd.handle must be @wr.handle and @rd.flags 0
 * @deadline:	for the wait, as in struct mx_ioc_wait_one
 * @written:	0 on entry; the module sets it to 1 when a signal interrupts
 *		the wait after the message was queued, so the restarted call
 *		does not write again
 * @pad:	must be 0
 */
struct mx_ioc_msgpipe_call {
	struct mx_ioc_msgpipe_write wr;
	struct mx_ioc_msgpipe_read rd;
	__u64 deadline;
	__u32 written;
	__u32 pad;
};

/**
 * struct mx_ioc_handle_dup - duplicate or replace a handle
 * @handle:	the source handle
 * @rights:	MX_RIGHT_SAME_RIGHTS or a subset of the source's rights
 * @result:	out: the new handle
 * @pad:	must be 0
 */
struct mx_ioc_handle_dup {
	__u32 handle;
	__u32 rights;
	__s32 result;
	__u32 pad;
};

/**
 * struct mx_signals_state - what an object's signals are
 * @satisfied:	signals that are set now
 * @satisfiable: signals that can still become set
 */
struct mx_signals_state {
	__u32 satisfied;
	__u32 satisfiable;
};

/**
 * struct mx_ioc_wait_one - wait for signals on one handle
 * @handle:	the handle to watch; needs MX_RIGHT_READ
 * @signals:	wake when any of these is satisfied
 * @deadline:	CLOCK_MONOTONIC nanoseconds; 0 polls once, ~0 never expires
 * @state:	user pointer to a struct mx_signals_state, or 0
 * @restarted:	0 on entry; the module sets it to 1 when a signal interrupts
 *		the wait, so that the restarted call reports a handle gone
 *		meanwhile as closed during the wait (ERR_HANDLE_CLOSED), not
 *		as invalid
 * @pad:	must be 0
 */
struct mx_ioc_wait_one {
	__u32 handle;
	__u32 signals;
	__u64 deadline;
	__u64 state;
	__u32 restarted;
	__u32 pad;
};

/**
 * struct mx_ioc_wait_many - wait for signals on several handles
 * @count:	number of handles, at most MX_MAX_WAIT_HANDLES
 * @restarted:	as in struct mx_ioc_wait_one
 * @handles:	user pointer to @count __s32 handles
 * @signals:	user pointer to @count __u32 signal sets
 * @deadline:	as in struct mx_ioc_wait_one
 * @result_index: user pointer to a __u32 (the handle that ended it), or 0
 * @states:	user pointer to @count struct mx_signals_state, or 0
 */
struct mx_ioc_wait_many {
	__u32 count;
	__u32 restarted;
	__u64 handles;
	__u64 signals;
	__u64 deadline;
	__u64 result_index;
	__u64 states;
};

/**
 * struct mx_ioc_handle_export - move a handle out of the table into a new fd
 * @handle:	the handle; needs MX_RIGHT_TRANSFER; gone from the table after
 * @flags:	0 or MX_EXPORT_CLOEXEC
 * @fd:		out: the new file descriptor
 * @pad:	must be 0
 */
struct mx_ioc_handle_export {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};

/**
 * struct mx_ioc_handle_import - move the handle held by an exported fd in
 * @fd:		a file descriptor made by MX_IOC_HANDLE_EXPORT
 * @flags:	must be 0
 * @handle:	out: the new handle, same rights as when exported
 * @pad:	must be 0
 */
struct mx_ioc_handle_import {
	__s32 fd;
	__u32 flags;
	__s32 handle;
	__u32 pad;
};

/**
 * struct mx_ioc_handle_poll_fd - a new fd that polls readable when a wait
 * on the handle's object would not block (MX_IOC_HANDLE_POLL_FD)
 * @handle:	a wait set handle; needs MX_RIGHT_READ; stays in the table
 * @flags:	0 or MX_POLL_FD_CLOEXEC
 * @fd:		out: the new file descriptor
 * @pad:	must be 0
 */
struct mx_ioc_handle_poll_fd {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};

/**
 * struct mx_ioc_event_create - make an event (MX_IOC_EVENT_CREATE)
 * @options:	must be 0
 * @handle:	out: the new handle
 */
struct mx_ioc_event_create {
	__u32 options;
	__s32 handle;
};

/**
 * struct mx_ioc_object_signal - clear, then set user signals
 *				 (MX_IOC_OBJECT_SIGNAL)
 * @handle:	the object; needs MX_RIGHT_WRITE
 * @clear_mask:	signals to clear, within MX_SIGNAL_SIGNAL_ALL
 * @set_mask:	signals to set, within MX_SIGNAL_SIGNAL_ALL
 * @pad:	must be 0
 */
struct mx_ioc_object_signal {
	__u32 handle;
	__u32 clear_mask;
	__u32 set_mask;
	__u32 pad;
};

/**
 * struct mx_handle_basic_info - what MX_INFO_HANDLE_BASIC reports
 * @koid:	the object's id, unique while the module is loaded, never 0
 * @rights:	the handle's rights
 * @type:	MX_OBJ_TYPE_*
 * @props:	MX_OBJ_PROP_* bits
 * @reserved:	written as 0 (the tail padding of the C struct)
 */
struct mx_handle_basic_info {
	__u64 koid;
	__u32 rights;
	__u32 type;
	__u32 props;
	__u32 reserved;
};

/**
 * struct mx_ioc_handle_get_info - ask about a handle
 *				   (MX_IOC_HANDLE_GET_INFO)
 * @handle:	the handle
 * @topic:	MX_INFO_HANDLE_VALID or MX_INFO_HANDLE_BASIC
 * @info:	user pointer to the buffer the topic fills
 * @info_size:	its size in bytes
 *
 * On success the ioctl returns the number of bytes written to @info (0 for
 * MX_INFO_HANDLE_VALID).
 */
struct mx_ioc_handle_get_info {
	__u32 handle;
	__u32 topic;
	__u64 info;
	__u64 info_size;
};

/**
 * struct mx_ioc_waitset_create - make a wait set (MX_IOC_WAITSET_CREATE)
 * @handle:	out: the new wait set handle
 * @pad:	must be 0
 */
struct mx_ioc_waitset_create {
	__s32 handle;
	__u32 pad;
};

/**
 * struct mx_ioc_waitset_add - add an entry to a wait set
 *			       (MX_IOC_WAITSET_ADD)
 * @waitset:	the wait set handle (needs MX_RIGHT_WRITE)
 * @handle:	the handle to watch (needs MX_RIGHT_READ)
 * @signals:	the signals to watch
 * @pad:	must be 0
 * @cookie:	the entry's key, unique in the wait set
 */
struct mx_ioc_waitset_add {
	__u32 waitset;
	__u32 handle;
	__u32 signals;
	__u32 pad;
	__u64 cookie;
};

/**
 * struct mx_ioc_waitset_remove - remove an entry from a wait set
 *				  (MX_IOC_WAITSET_REMOVE)
 * @waitset:	the wait set handle (needs MX_RIGHT_WRITE)
 * @pad:	must be 0
 * @cookie:	the entry's key
 */
struct mx_ioc_waitset_remove {
	__u32 waitset;
	__u32 pad;
	__u64 cookie;
};

/**
 * struct mx_ioc_waitset_result - one result of MX_IOC_WAITSET_WAIT
 * @cookie:	the entry's cookie
 * @wait_result: 0 (satisfied), -MX_ERRNO_BAD_STATE (unsatisfiable) or
 *		-MX_ERRNO_HANDLE_CLOSED (the handle was closed, replaced or
 *		sent away); libmx turns it into a Magenta status
 * @reserved:	written as 0
 * @state:	the entry's handle's signals shortly before the call returned
 *		(zero for a closed handle)
 */
struct mx_ioc_waitset_result {
	__u64 cookie;
	__s32 wait_result;
	__u32 reserved;
	struct mx_signals_state state;
};

/**
 * struct mx_ioc_waitset_wait - wait for results of a wait set's entries
 *				(MX_IOC_WAITSET_WAIT)
 * @waitset:	the wait set handle (needs MX_RIGHT_READ)
 * @restarted:	0 on entry; set to 1 by the module when a signal interrupts
 *		the wait, as in struct mx_ioc_wait_one
 * @deadline:	absolute CLOCK_MONOTONIC time in ns; U64_MAX for none
 * @num_results: user pointer to a __u32: how many results @results holds
 *		in, how many were written out (required)
 * @results:	user pointer to an array of struct mx_ioc_waitset_result;
 *		may be 0 only if *@num_results is 0
 * @max_results: user pointer to a __u32, or 0: out, how many results there
 *		were to report
 *
 * The out values are written only on success.
 */
struct mx_ioc_waitset_wait {
	__u32 waitset;
	__u32 restarted;
	__u64 deadline;
	__u64 num_results;
	__u64 results;
	__u64 max_results;
};

/**
 * struct mx_ioc_waitset_page - give a wait set a results page
 *				(MX_IOC_WAITSET_PAGE)
 * @waitset:	the wait set handle (needs MX_RIGHT_READ); the wait set must
 *		have no entries yet
 * @id:		out: the page's id, as in &struct mx_ws_page.id; its low
 *		8 bits are the page's index in the table's page area
 *
 * The page area of a table is mapped by mmap() of its /dev/magenta file,
 * read-only, MX_WS_PAGE_MAX pages from offset 0; the page of index i is
 * at i * MX_WS_PAGE_SIZE. Asking again for the same handle gives the same
 * page and id; for a wait set whose handle was replaced, a new id.
 */
struct mx_ioc_waitset_page {
	__s32 waitset;
	__u32 id;
};

/* The results page area: MX_WS_PAGE_MAX pages of MX_WS_PAGE_SIZE bytes. */
#define MX_WS_PAGE_SIZE		4096u
#define MX_WS_PAGE_MAX		256u
#define MX_WS_PAGE_SLOTS	168u

/* &struct mx_ws_page.flags: read the results with MX_IOC_WAITSET_WAIT. */
#define MX_WS_PAGE_STALE	(1u << 0)	/* handle closed or replaced */
#define MX_WS_PAGE_OVERFLOW	(1u << 1)	/* more results than slots */

/**
 * struct mx_ws_page - what a wait set's results page shows (read-only)
 * @seq:	even while the page is stable, odd while the module changes
 *		it; every change adds 2. A reader reads @seq, then the rest,
 *		then @seq again, and trusts what it read only if both reads
 *		gave the same even value.
 * @id:		which MX_IOC_WAITSET_PAGE call the page serves: the low
 *		8 bits are its index, the rest change every time the page is
 *		given to a wait set
 * @count:	how many results @results holds
 * @flags:	MX_WS_PAGE_* bits; while any is set, @results may not be
 *		the whole answer
 * @value:	the wait set handle the page was given for
 * @pad:	0
 * @results:	while @flags is 0, exactly the results MX_IOC_WAITSET_WAIT
 *		would report now, in no order, with @wait_result as the
 *		module writes it (0 or a negative MX_ERRNO_* value)
 */
struct mx_ws_page {
	__u32 seq;
	__u32 id;
	__u32 count;
	__u32 flags;
	__s32 value;
	__u32 pad[11];
	struct mx_ioc_waitset_result results[MX_WS_PAGE_SLOTS];
};

/**
 * struct mx_ioc_port_create - make an IO port (MX_IOC_PORT_CREATE)
 * @options:	must be 0
 * @handle:	out: the new handle
 */
struct mx_ioc_port_create {
	__u32 options;
	__s32 handle;
};

/**
 * struct mx_ioc_port_queue - queue a user packet (MX_IOC_PORT_QUEUE)
 * @handle:	the port (needs MX_RIGHT_WRITE)
 * @pad:	must be 0
 * @packet:	user pointer to @size bytes, starting with a
 *		struct mx_port_packet_header
 * @size:	from sizeof(struct mx_port_packet_header) to
 *		MX_PORT_MAX_PKT_SIZE
 */
struct mx_ioc_port_queue {
	__u32 handle;
	__u32 pad;
	__u64 packet;
	__u64 size;
};

/**
 * struct mx_ioc_port_wait - take the oldest packet, waiting for one
 *			     (MX_IOC_PORT_WAIT)
 * @handle:	the port (needs MX_RIGHT_READ)
 * @restarted:	0 on entry; set to 1 by the module when a signal interrupts
 *		the wait, as in struct mx_ioc_wait_one
 * @packet:	user pointer to the buffer that receives the packet
 * @size:	its size in bytes
 */
struct mx_ioc_port_wait {
	__u32 handle;
	__u32 restarted;
	__u64 packet;
	__u64 size;
};

/**
 * struct mx_ioc_port_bind - watch an object's signals through a port
 *			     (MX_IOC_PORT_BIND)
 * @handle:	the port (needs MX_RIGHT_WRITE)
 * @source:	the watched object's handle (needs MX_RIGHT_READ)
 * @key:	the key of the packets the binding queues
 * @signals:	the watched signals, not 0
 * @pad:	must be 0
 */
struct mx_ioc_port_bind {
	__u32 handle;
	__u32 source;
	__u64 key;
	__u32 signals;
	__u32 pad;
};

/**
 * struct mx_port_packet_header - how every packet of a port starts
 * @key:	the queuer's key, or the binding's key
 * @type:	MX_PORT_PKT_TYPE_*
 * @extra:	kept as queued (user packets); 0 in IOSN packets
 */
struct mx_port_packet_header {
	__u64 key;
	__u32 type;
	__u32 extra;
};

/**
 * struct mx_port_io_packet - the packet a binding queues (MX_PORT_PKT_TYPE_IOSN)
 * @hdr:	the header, type MX_PORT_PKT_TYPE_IOSN
 * @timestamp:	CLOCK_MONOTONIC ns of the first signal change it reports
 * @bytes:	0
 * @signals:	the watched signals that were satisfied at the changes it
 *		reports
 * @reserved:	0
 */
struct mx_port_io_packet {
	struct mx_port_packet_header hdr;
	__u64 timestamp;
	__u64 bytes;
	__u32 signals;
	__u32 reserved;
};

#define MX_IOC_MAGIC		0xBA

#define MX_IOC_GET_VERSION	_IOR(MX_IOC_MAGIC, 0x00, struct mx_ioc_version)
#define MX_IOC_MSGPIPE_CREATE	_IOW(MX_IOC_MAGIC, 0x10, struct mx_ioc_msgpipe_create)
#define MX_IOC_MSGPIPE_WRITE	_IOW(MX_IOC_MAGIC, 0x11, struct mx_ioc_msgpipe_write)
#define MX_IOC_MSGPIPE_READ	_IOW(MX_IOC_MAGIC, 0x12, struct mx_ioc_msgpipe_read)
#define MX_IOC_MSGPIPE_CALL	_IOWR(MX_IOC_MAGIC, 0x13, struct mx_ioc_msgpipe_call)
#define MX_IOC_HANDLE_CLOSE	_IOW(MX_IOC_MAGIC, 0x20, __s32)
#define MX_IOC_HANDLE_DUPLICATE	_IOWR(MX_IOC_MAGIC, 0x21, struct mx_ioc_handle_dup)
#define MX_IOC_HANDLE_REPLACE	_IOWR(MX_IOC_MAGIC, 0x22, struct mx_ioc_handle_dup)
#define MX_IOC_HANDLE_GET_INFO	_IOW(MX_IOC_MAGIC, 0x23, struct mx_ioc_handle_get_info)
#define MX_IOC_WAIT_ONE		_IOWR(MX_IOC_MAGIC, 0x30, struct mx_ioc_wait_one)
#define MX_IOC_WAIT_MANY	_IOWR(MX_IOC_MAGIC, 0x31, struct mx_ioc_wait_many)
#define MX_IOC_HANDLE_EXPORT	_IOWR(MX_IOC_MAGIC, 0x40, struct mx_ioc_handle_export)
#define MX_IOC_HANDLE_IMPORT	_IOWR(MX_IOC_MAGIC, 0x41, struct mx_ioc_handle_import)
#define MX_IOC_HANDLE_POLL_FD	_IOWR(MX_IOC_MAGIC, 0x42, struct mx_ioc_handle_poll_fd)
#define MX_IOC_EVENT_CREATE	_IOWR(MX_IOC_MAGIC, 0x50, struct mx_ioc_event_create)
#define MX_IOC_OBJECT_SIGNAL	_IOW(MX_IOC_MAGIC, 0x51, struct mx_ioc_object_signal)
#define MX_IOC_WAITSET_CREATE	_IOWR(MX_IOC_MAGIC, 0x60, struct mx_ioc_waitset_create)
#define MX_IOC_WAITSET_ADD	_IOW(MX_IOC_MAGIC, 0x61, struct mx_ioc_waitset_add)
#define MX_IOC_WAITSET_REMOVE	_IOW(MX_IOC_MAGIC, 0x62, struct mx_ioc_waitset_remove)
#define MX_IOC_WAITSET_WAIT	_IOWR(MX_IOC_MAGIC, 0x63, struct mx_ioc_waitset_wait)
#define MX_IOC_WAITSET_PAGE	_IOWR(MX_IOC_MAGIC, 0x64, struct mx_ioc_waitset_page)

#define MX_IOC_PORT_CREATE	_IOWR(MX_IOC_MAGIC, 0x70, struct mx_ioc_port_create)
#define MX_IOC_PORT_QUEUE	_IOW(MX_IOC_MAGIC, 0x71, struct mx_ioc_port_queue)
#define MX_IOC_PORT_WAIT	_IOWR(MX_IOC_MAGIC, 0x72, struct mx_ioc_port_wait)
#define MX_IOC_PORT_BIND	_IOW(MX_IOC_MAGIC, 0x73, struct mx_ioc_port_bind)

#endif /* _UAPI_LINUX_MAGENTA_H */
