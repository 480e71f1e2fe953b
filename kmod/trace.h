/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the magenta module (TRACE_SYSTEM magenta).
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/*
 * Objects are named by their koid (object.c), which stays the same while
 * the object lives, wherever its handles go; the field is called ep (or
 * queue, victim) where it names an endpoint, and keeps that name in the
 * calls on any handle (close, replace, export, import, waits), where it may
 * be an event's koid. The endpoints of a pipe have the koids 2k and
 * 2k + 1, so the peer of endpoint n is n ^ 1. Handle values are printed as
 * the process sees them (decimal, as an mx_handle_t); 0 in an ep field
 * means "no object" (the handle value named none). The err fields hold
 * the positive errno the call returns (MX_ERRNO_*, 0 for success), printed
 * as result=<Magenta status name>: positive so that filters (err != 0) and
 * user-space parsers of the print format need no unary minus. See docs/tracing.md.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM magenta

#if !defined(_MX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MX_TRACE_H

#include <linux/errno.h>
#include <linux/ktime.h>
#include <linux/tracepoint.h>
#include <uapi/linux/magenta.h>

#include "magenta.h"
#include "object.h"

#ifndef _MX_TRACE_ONCE
#define _MX_TRACE_ONCE

/* The koid of @obj (0 for NULL). */
static inline u64 mx_trace_ep(const struct mx_object *obj)
{
	return obj ? obj->koid : 0;
}

/* What a wait is part of (magenta_wait_start, magenta_wait_end). */
#define MX_TRACE_WAIT_ONE	0
#define MX_TRACE_WAIT_MANY	1
#define MX_TRACE_WAIT_CALL	2

/* Which bound refused a write (magenta_limit). */
#define MX_TRACE_LIMIT_NESTING	0
#define MX_TRACE_LIMIT_INFLIGHT	1

#define mx_trace_show_result(e)					\
	__print_symbolic(e,					\
		{ 0, "NO_ERROR" },				\
		{ MX_ERRNO_INVALID_ARGS, "ERR_INVALID_ARGS" },	\
		{ MX_ERRNO_NOT_SUPPORTED, "ERR_NOT_SUPPORTED" },	\
		{ MX_ERRNO_NO_MEMORY, "ERR_NO_MEMORY" },	\
		{ MX_ERRNO_NO_RESOURCES, "ERR_NO_RESOURCES" },	\
		{ MX_ERRNO_BAD_HANDLE, "ERR_BAD_HANDLE" },	\
		{ MX_ERRNO_NOT_ENOUGH_BUFFER, "ERR_NOT_ENOUGH_BUFFER" }, \
		{ MX_ERRNO_BAD_STATE, "ERR_BAD_STATE" },	\
		{ MX_ERRNO_TIMED_OUT, "ERR_TIMED_OUT" },	\
		{ MX_ERRNO_HANDLE_CLOSED, "ERR_HANDLE_CLOSED" },	\
		{ MX_ERRNO_CHANNEL_CLOSED, "ERR_CHANNEL_CLOSED" }, \
		{ MX_ERRNO_ACCESS_DENIED, "ERR_ACCESS_DENIED" },	\
		{ MX_ERRNO_WRONG_TYPE, "ERR_WRONG_TYPE" },	\
		{ MX_ERRNO_TOO_BIG, "ERR_TOO_BIG" },		\
		{ EFAULT, "EFAULT" },				\
		{ EBADF, "EBADF" },				\
		{ ERESTARTSYS, "ERESTARTSYS" })

#define mx_trace_show_signals(s)				\
	__print_flags(s, "|",					\
		{ MX_SIGNAL_READABLE, "READABLE" },		\
		{ MX_SIGNAL_WRITABLE, "WRITABLE" },		\
		{ MX_SIGNAL_PEER_CLOSED, "PEER_CLOSED" },	\
		{ MX_SIGNAL_SIGNAL0, "SIGNAL0" },		\
		{ MX_SIGNAL_SIGNAL1, "SIGNAL1" },		\
		{ MX_SIGNAL_SIGNAL2, "SIGNAL2" },		\
		{ MX_SIGNAL_SIGNAL3, "SIGNAL3" },		\
		{ MX_SIGNAL_SIGNAL4, "SIGNAL4" })

#define mx_trace_show_rights(s)					\
	__print_flags(s, "|",					\
		{ MX_RIGHT_DUPLICATE, "DUPLICATE" },		\
		{ MX_RIGHT_TRANSFER, "TRANSFER" },		\
		{ MX_RIGHT_READ, "READ" },			\
		{ MX_RIGHT_WRITE, "WRITE" })

#define mx_trace_show_limit(l)					\
	__print_symbolic(l,					\
		{ MX_TRACE_LIMIT_NESTING, "max_nesting" },	\
		{ MX_TRACE_LIMIT_INFLIGHT, "max_inflight" })

#define mx_trace_show_wait(k)					\
	__print_symbolic(k,					\
		{ MX_TRACE_WAIT_ONE, "wait_one" },		\
		{ MX_TRACE_WAIT_MANY, "wait_many" },		\
		{ MX_TRACE_WAIT_CALL, "call" })

#endif /* _MX_TRACE_ONCE */

TRACE_EVENT(magenta_msgpipe_create,
	    TP_PROTO(const struct mx_object *ep, s32 h0, s32 h1, bool reply),
	    TP_ARGS(ep, h0, h1, reply),
	    TP_STRUCT__entry(__field(u64, ep)
			     __field(s32, h0)
			     __field(s32, h1)
			     __field(bool, reply)),
	    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
			   __entry->h0 = h0;
			   __entry->h1 = h1;
			   __entry->reply = reply;),
	    TP_printk("handles=%d,%d ep=%llu,%llu%s",
		      __entry->h0, __entry->h1, __entry->ep, __entry->ep + 1,
		      __entry->reply ? " reply" : "")
);

DECLARE_EVENT_CLASS(magenta_msg,
		    TP_PROTO(s32 handle, const struct mx_object *ep,
			     u32 bytes, u32 handles, int result),
		    TP_ARGS(handle, ep, bytes, handles, result),
		    TP_STRUCT__entry(__field(u64, ep)
				     __field(s32, handle)
				     __field(u32, bytes)
				     __field(u32, handles)
				     __field(int, err)),
		    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
				   __entry->handle = handle;
				   __entry->bytes = bytes;
				   __entry->handles = handles;
				   __entry->err = -result;),
		    TP_printk("handle=%d ep=%llu bytes=%u handles=%u result=%s",
			      __entry->handle, __entry->ep, __entry->bytes,
			      __entry->handles,
			      mx_trace_show_result(__entry->err))
);

/* A write through endpoint ep, queueing for ep ^ 1; every outcome. */
DEFINE_EVENT(magenta_msg, magenta_msgpipe_write,
	     TP_PROTO(s32 handle, const struct mx_object *ep, u32 bytes,
		      u32 handles, int result),
	     TP_ARGS(handle, ep, bytes, handles, result)
);

/* A read from ep's queue: the size of the message at its head, if any. */
DEFINE_EVENT(magenta_msg, magenta_msgpipe_read,
	     TP_PROTO(s32 handle, const struct mx_object *ep, u32 bytes,
		      u32 handles, int result),
	     TP_ARGS(handle, ep, bytes, handles, result)
);

/* For wait_many, handle, ep and signals are those of the first handle. */
TRACE_EVENT(magenta_wait_start,
	    TP_PROTO(int kind, s32 handle, const struct mx_object *ep,
		     u32 signals, u32 count, u64 deadline),
	    TP_ARGS(kind, handle, ep, signals, count, deadline),
	    TP_STRUCT__entry(__field(u64, ep)
			     __field(s64, timeout)
			     __field(s32, handle)
			     __field(u32, signals)
			     __field(u32, count)
			     __field(u8, kind)),
	    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
			   __entry->timeout = deadline >= KTIME_MAX ? -1 :
					      (s64)deadline - ktime_get_ns();
			   __entry->handle = handle;
			   __entry->signals = signals;
			   __entry->count = count;
			   __entry->kind = kind;),
	    TP_printk("%s handle=%d ep=%llu signals=%s count=%u timeout_ns=%lld",
		      mx_trace_show_wait(__entry->kind), __entry->handle,
		      __entry->ep, mx_trace_show_signals(__entry->signals),
		      __entry->count, __entry->timeout)
);

/* For wait_many, handle, ep and satisfied are those of handle index. */
TRACE_EVENT(magenta_wait_end,
	    TP_PROTO(int kind, s32 handle, const struct mx_object *ep,
		     int result, u32 satisfied, u32 index),
	    TP_ARGS(kind, handle, ep, result, satisfied, index),
	    TP_STRUCT__entry(__field(u64, ep)
			     __field(s32, handle)
			     __field(int, err)
			     __field(u32, satisfied)
			     __field(u32, index)
			     __field(u8, kind)),
	    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
			   __entry->handle = handle;
			   __entry->err = -result;
			   __entry->satisfied = satisfied;
			   __entry->index = index;
			   __entry->kind = kind;),
	    TP_printk("%s handle=%d ep=%llu result=%s satisfied=%s index=%u",
		      mx_trace_show_wait(__entry->kind), __entry->handle,
		      __entry->ep, mx_trace_show_result(__entry->err),
		      mx_trace_show_signals(__entry->satisfied),
		      __entry->index)
);

DECLARE_EVENT_CLASS(magenta_handle_move,
		    TP_PROTO(s32 handle, const struct mx_object *ep,
			     const struct mx_object *queue),
		    TP_ARGS(handle, ep, queue),
		    TP_STRUCT__entry(__field(u64, ep)
				     __field(u64, queue)
				     __field(s32, handle)),
		    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
				   __entry->queue = mx_trace_ep(queue);
				   __entry->handle = handle;),
		    TP_printk("handle=%d ep=%llu queue=%llu",
			      __entry->handle, __entry->ep, __entry->queue)
);

/* Endpoint ep left the writer's table (it was handle) for queue's queue. */
DEFINE_EVENT(magenta_handle_move, magenta_handle_send,
	     TP_PROTO(s32 handle, const struct mx_object *ep,
		      const struct mx_object *queue),
	     TP_ARGS(handle, ep, queue)
);

/* Endpoint ep, read from queue's queue, is now the reader's handle. */
DEFINE_EVENT(magenta_handle_move, magenta_handle_recv,
	     TP_PROTO(s32 handle, const struct mx_object *ep,
		      const struct mx_object *queue),
	     TP_ARGS(handle, ep, queue)
);

DECLARE_EVENT_CLASS(magenta_handle_fd,
		    TP_PROTO(s32 handle, const struct mx_object *ep, int fd),
		    TP_ARGS(handle, ep, fd),
		    TP_STRUCT__entry(__field(u64, ep)
				     __field(s32, handle)
				     __field(int, fd)),
		    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
				   __entry->handle = handle;
				   __entry->fd = fd;),
		    TP_printk("handle=%d ep=%llu fd=%d",
			      __entry->handle, __entry->ep, __entry->fd)
);

/* The handle left the table for the new file descriptor fd. */
DEFINE_EVENT(magenta_handle_fd, magenta_handle_export,
	     TP_PROTO(s32 handle, const struct mx_object *ep, int fd),
	     TP_ARGS(handle, ep, fd)
);

/* The endpoint held by file descriptor fd is now this handle. */
DEFINE_EVENT(magenta_handle_fd, magenta_handle_import,
	     TP_PROTO(s32 handle, const struct mx_object *ep, int fd),
	     TP_ARGS(handle, ep, fd)
);

/* ep 0: not a handle. table_gone: the owner exited or exec'd. */
TRACE_EVENT(magenta_handle_close,
	    TP_PROTO(s32 handle, const struct mx_object *ep,
		     bool table_gone),
	    TP_ARGS(handle, ep, table_gone),
	    TP_STRUCT__entry(__field(u64, ep)
			     __field(s32, handle)
			     __field(bool, table_gone)),
	    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
			   __entry->handle = handle;
			   __entry->table_gone = table_gone;),
	    TP_printk("handle=%d ep=%llu%s", __entry->handle, __entry->ep,
		      __entry->table_gone ? " table_gone" : "")
);

TRACE_EVENT(magenta_handle_replace,
	    TP_PROTO(s32 handle, s32 new_handle, const struct mx_object *ep,
		     u32 rights),
	    TP_ARGS(handle, new_handle, ep, rights),
	    TP_STRUCT__entry(__field(u64, ep)
			     __field(s32, handle)
			     __field(s32, new_handle)
			     __field(u32, rights)),
	    TP_fast_assign(__entry->ep = mx_trace_ep(ep);
			   __entry->handle = handle;
			   __entry->new_handle = new_handle;
			   __entry->rights = rights;),
	    TP_printk("handle=%d new=%d ep=%llu rights=%s",
		      __entry->handle, __entry->new_handle, __entry->ep,
		      mx_trace_show_rights(__entry->rights))
);

/* A second handle to the object named by handle, with these rights. */
TRACE_EVENT(magenta_handle_duplicate,
	    TP_PROTO(s32 handle, s32 new_handle, const struct mx_object *obj,
		     u32 rights),
	    TP_ARGS(handle, new_handle, obj, rights),
	    TP_STRUCT__entry(__field(u64, koid)
			     __field(s32, handle)
			     __field(s32, new_handle)
			     __field(u32, rights)),
	    TP_fast_assign(__entry->koid = mx_trace_ep(obj);
			   __entry->handle = handle;
			   __entry->new_handle = new_handle;
			   __entry->rights = rights;),
	    TP_printk("handle=%d new=%d koid=%llu rights=%s",
		      __entry->handle, __entry->new_handle, __entry->koid,
		      mx_trace_show_rights(__entry->rights))
);

/* An event was made; result as in the other calls. */
TRACE_EVENT(magenta_event_create,
	    TP_PROTO(u64 koid, int result),
	    TP_ARGS(koid, result),
	    TP_STRUCT__entry(__field(u64, koid)
			     __field(int, err)),
	    TP_fast_assign(__entry->koid = koid;
			   __entry->err = -result;),
	    TP_printk("koid=%llu result=%s", __entry->koid,
		      mx_trace_show_result(__entry->err))
);

/* mx_object_signal() on handle; koid 0: not a handle. */
TRACE_EVENT(magenta_object_signal,
	    TP_PROTO(s32 handle, const struct mx_object *obj, u32 clear,
		     u32 set, int result),
	    TP_ARGS(handle, obj, clear, set, result),
	    TP_STRUCT__entry(__field(u64, koid)
			     __field(s32, handle)
			     __field(u32, clear)
			     __field(u32, set)
			     __field(int, err)),
	    TP_fast_assign(__entry->koid = mx_trace_ep(obj);
			   __entry->handle = handle;
			   __entry->clear = clear;
			   __entry->set = set;
			   __entry->err = -result;),
	    TP_printk("handle=%d koid=%llu clear=%s set=%s result=%s",
		      __entry->handle, __entry->koid,
		      mx_trace_show_signals(__entry->clear),
		      mx_trace_show_signals(__entry->set),
		      mx_trace_show_result(__entry->err))
);

/* A write put victim on a cycle through queue's queue: it is killed. */
TRACE_EVENT(magenta_cycle,
	    TP_PROTO(const struct mx_object *victim,
		     const struct mx_object *queue),
	    TP_ARGS(victim, queue),
	    TP_STRUCT__entry(__field(u64, victim)
			     __field(u64, queue)),
	    TP_fast_assign(__entry->victim = mx_trace_ep(victim);
			   __entry->queue = mx_trace_ep(queue);),
	    TP_printk("victim=%llu queue=%llu", __entry->victim,
		      __entry->queue)
);

/* Unread messages destroyed in one teardown, and the handles they held. */
TRACE_EVENT_CONDITION(magenta_bury,
		      TP_PROTO(u32 messages, u32 handles),
		      TP_ARGS(messages, handles),
		      TP_CONDITION(messages),
		      TP_STRUCT__entry(__field(u32, messages)
				       __field(u32, handles)),
		      TP_fast_assign(__entry->messages = messages;
				     __entry->handles = handles;),
		      TP_printk("messages=%u handles=%u",
				__entry->messages, __entry->handles)
);

/* A write carrying handles refused with ERR_NO_MEMORY: value > max. */
TRACE_EVENT(magenta_limit,
	    TP_PROTO(int limit, const struct mx_object *queue, u64 value,
		     u64 max),
	    TP_ARGS(limit, queue, value, max),
	    TP_STRUCT__entry(__field(u64, queue)
			     __field(u64, value)
			     __field(u64, max)
			     __field(u8, limit)),
	    TP_fast_assign(__entry->queue = mx_trace_ep(queue);
			   __entry->value = value;
			   __entry->max = max;
			   __entry->limit = limit;),
	    TP_printk("%s queue=%llu value=%llu max=%llu",
		      mx_trace_show_limit(__entry->limit),
		      __entry->queue, __entry->value, __entry->max)
);

/* A write refused with ERR_NO_MEMORY: the queue is full, or no memory. */
TRACE_EVENT(magenta_queue_full,
	    TP_PROTO(const struct mx_object *queue, u32 msgs, u64 bytes,
		     bool nomem),
	    TP_ARGS(queue, msgs, bytes, nomem),
	    TP_STRUCT__entry(__field(u64, queue)
			     __field(u64, bytes)
			     __field(u32, msgs)
			     __field(u32, max_msgs)
			     __field(u32, max_bytes)
			     __field(bool, nomem)),
	    TP_fast_assign(__entry->queue = mx_trace_ep(queue);
			   __entry->bytes = bytes;
			   __entry->msgs = msgs;
			   __entry->max_msgs = READ_ONCE(mx_max_queued_msgs);
			   __entry->max_bytes = READ_ONCE(mx_max_queued_bytes);
			   __entry->nomem = nomem;),
	    TP_printk("queue=%llu msgs=%u/%u bytes=%llu/%u%s",
		      __entry->queue, __entry->msgs, __entry->max_msgs,
		      __entry->bytes, __entry->max_bytes,
		      __entry->nomem ? " message_alloc_failed" : "")
);

#endif /* _MX_TRACE_H */

/* Found through the module's -I$(src)/.. (kmod/Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH kmod
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
