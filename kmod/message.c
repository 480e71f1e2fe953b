// SPDX-License-Identifier: GPL-2.0
/*
 * Messages and the graph of handles in flight.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Messages
 *
 * A &struct mx_message is one allocation: header, handle array, and a
 * payload of up to 2 KiB; a larger payload sits in order-0 pages that the
 * message owns, so no message needs a high-order or vmalloc allocation.
 * Everything is charged to the memory cgroup of the writer (__GFP_ACCOUNT). An
 * endpoint keeps the buffer of the last message read from it and hands it
 * to the next write to it that fits, so steady traffic does not allocate
 * and free (for large messages, a high-order block) each time. While
 * queued it owns the holder reference of every object it carries; a
 * message destroyed unread closes those objects, and the queues of the
 * endpoints among them are then destroyed in turn. mx_messages_bury() does
 * that with a work list instead of recursion, so a chain of nested pipes of
 * any depth cannot overflow the kernel stack.
 *
 * DOC: The in-flight graph
 *
 * Only endpoints take part: other objects hold no queue, so they end no
 * chain and close no cycle. Every endpoint has exactly one holder: a handle
 * table, an exported file, or one message queued for some endpoint Y. In the last case
 * &mx_endpoint.held_by points to Y (and pins Y's pipe); a message being
 * written or read, queued nowhere, counts as a root like a table.
 * Following held_by from any endpoint ends either at a root, or in a
 * cycle: A queued for B while B is queued for A. Nothing can ever read a
 * cycle again, so it is garbage. A cycle can only be closed by a write, so
 * mx_graph_link(), run for every write that carries handles, walks the
 * destination's held_by chain and reports a carried endpoint found on it;
 * the writer then destroys that endpoint, which takes the whole cycle down.
 *
 * Locking: the global mutex &mx_graph_lock protects every held_by and
 * gc_seq field. It is taken only to queue, dequeue or destroy messages
 * that carry handles, never while user memory is accessed; messages with
 * bytes alone never touch it. It is the outermost magenta lock: graph lock, then a
 * handle table lock, then a pipe lock.
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "magenta.h"
#include "message.h"
#include "pipe.h"
#include "process.h"
#include "stats.h"
#include "trace.h"
#include "usercopy.h"

/* Protects every held_by and gc_seq, and mx_graph_seq. */
DEFINE_MUTEX(mx_graph_lock);
static u64 mx_graph_seq;

/*
 * Payloads up to this size live in the message's own allocation; larger
 * ones in separate pages, so no message needs a high-order (or vmalloc)
 * allocation for its payload.
 */
#define MX_INLINE_BYTES		2048

static u32 mx_payload_pages(u32 num_bytes)
{
	return num_bytes > MX_INLINE_BYTES ? DIV_ROUND_UP(num_bytes, PAGE_SIZE) :
					     0;
}

/* The allocation for a message with @nh handles and @tail bytes after. */
static size_t mx_message_size(u32 nh, size_t tail)
{
	struct mx_message *msg;

	return size_add(struct_size(msg, handles, nh), tail);
}

/* Free a message buffer and the payload pages it owns. */
static void mx_message_destroy(struct mx_message *msg)
{
	u32 i;

	for (i = 0; i < msg->nr_pages; i++)
		__free_page(msg->pages[i]);
	kvfree(msg);
}

/*
 * Make @msg, a parked buffer, fit @nh handles and a payload of @np pages
 * (0: @nb bytes inline). Returns false if it is too small.
 */
static bool mx_message_refit(struct mx_message *msg, u32 nh, u32 nb, u32 np)
{
	size_t pp = sizeof(struct page *);

	if (!np)
		return !msg->nr_pages && msg->size >= mx_message_size(nh, nb);
	if (msg->nr_pages < np ||
	    msg->size < mx_message_size(nh, msg->nr_pages * pp))
		return false;
	/* The page array follows the handles: move it to the new end. */
	memmove(&msg->handles[nh], msg->pages, msg->nr_pages * pp);
	msg->pages = (struct page **)&msg->handles[nh];
	return true;
}

/* A new buffer for @nh handles and @np payload pages (0: @nb inline). */
static struct mx_message *mx_message_new(u32 nh, u32 nb, u32 np)
{
	size_t tail = np ? np * sizeof(struct page *) : nb;
	size_t size = mx_message_size(nh, tail);
	struct mx_message *msg = kvmalloc(size, MX_GFP);

	if (!msg)
		return NULL;
	msg->size = size;
	msg->nr_pages = 0;
	msg->user = NULL;
	msg->pages = (struct page **)&msg->handles[nh];
	while (msg->nr_pages < np) {
		struct page *page = alloc_page(MX_GFP);

		if (!page) {
			mx_message_destroy(msg);
			return NULL;
		}
		msg->pages[msg->nr_pages++] = page;
	}
	return msg;
}

/**
 * mx_message_alloc() - allocate an empty message, charged to the caller
 * @num_bytes:	payload size, at most MX_MAX_MSG_BYTES
 * @num_handles: number of handles, at most MX_MAX_MSG_HANDLES
 * @dest:	the endpoint it will be queued for, whose parked buffer is
 *		reused if it is large enough
 *
 * Return: the message with @num_bytes and @num_handles set and the handle
 * entries zeroed, or NULL when out of memory.
 */
struct mx_message *mx_message_alloc(u32 num_bytes, u32 num_handles,
				    struct mx_endpoint *dest)
{
	u32 np = mx_payload_pages(num_bytes);
	struct mx_message *msg = xchg(&dest->spare, NULL);

	if (msg && !mx_message_refit(msg, num_handles, num_bytes, np)) {
		mx_message_destroy(msg);
		msg = NULL;
	}
	if (!msg)
		msg = mx_message_new(num_handles, num_bytes, np);
	if (!msg)
		return NULL;
	msg->num_bytes = num_bytes;
	msg->num_handles = num_handles;
	msg->user = NULL;
	if (!np)
		msg->data = (u8 *)&msg->handles[num_handles];
	memset(msg->handles, 0, num_handles * sizeof(msg->handles[0]));
	mx_stat_inc(MX_STAT_MESSAGES);
	mx_stat_add(MX_STAT_MESSAGE_BYTES, num_bytes);
	return msg;
}

/**
 * mx_message_copy_in() - fill the payload from user memory
 * @msg:	the message
 * @src:	&mx_message.num_bytes bytes of user memory
 *
 * Return: 0 or -EFAULT.
 */
int mx_message_copy_in(struct mx_message *msg, const void __user *src)
{
	u32 off, len, i;

	if (!msg->nr_pages)
		return mx_copy_in(msg->data, src, msg->num_bytes);
	for (i = 0, off = 0; off < msg->num_bytes; i++, off += len) {
		len = min_t(u32, PAGE_SIZE, msg->num_bytes - off);
		if (copy_from_user(page_address(msg->pages[i]), src + off, len))
			return -EFAULT;
	}
	return 0;
}

/**
 * mx_message_copy_out() - copy the payload to user memory
 * @msg:	the message
 * @dst:	room for &mx_message.num_bytes bytes
 *
 * Return: 0 or -EFAULT.
 */
int mx_message_copy_out(const struct mx_message *msg, void __user *dst)
{
	u32 off, len, i;

	if (!msg->nr_pages)
		return mx_copy_out(dst, msg->data, msg->num_bytes);
	for (i = 0, off = 0; off < msg->num_bytes; i++, off += len) {
		len = min_t(u32, PAGE_SIZE, msg->num_bytes - off);
		if (copy_to_user(dst + off, page_address(msg->pages[i]), len))
			return -EFAULT;
	}
	return 0;
}

static void mx_message_uncount(struct mx_message *msg)
{
	mx_stat_dec(MX_STAT_MESSAGES);
	mx_stat_add(MX_STAT_MESSAGE_BYTES, -(long)msg->num_bytes);
}

/**
 * mx_message_free() - free a message whose handles are gone
 * @msg:	the message, or NULL
 */
void mx_message_free(struct mx_message *msg)
{
	if (!msg)
		return;
	mx_message_uncount(msg);
	mx_message_destroy(msg);
}

/**
 * mx_message_recycle() - free a message that was read from @ep
 * @msg:	the message, its handles gone
 * @ep:		the endpoint it was queued for
 *
 * The buffer, with its payload pages, is parked in @ep for the next write
 * to it, unless one is parked already: a request/response exchange or a
 * stream of messages then allocates nothing in the steady state. The
 * buffer stays charged to the cgroup that allocated it and is freed when
 * the endpoint dies.
 */
void mx_message_recycle(struct mx_message *msg, struct mx_endpoint *ep)
{
	mx_message_uncount(msg);
	if (cmpxchg(&ep->spare, NULL, msg))
		mx_message_destroy(msg);
}

/**
 * mx_message_drop_spare() - free the buffer parked in @ep, if any
 * @ep:	the endpoint; may be called from an RCU callback
 */
void mx_message_drop_spare(struct mx_endpoint *ep)
{
	struct mx_message *msg = xchg(&ep->spare, NULL);

	if (msg)
		mx_message_destroy(msg);
}

static void mx_graph_unlink_one(struct mx_endpoint *ep)
{
	struct mx_endpoint *holder = ep->held_by;

	lockdep_assert_held(&mx_graph_lock);
	if (holder) {
		ep->held_by = NULL;
		mx_endpoint_put(holder);
	}
}

/*
 * How many held_by steps lead from @dest to a root (0 if @dest is held by a
 * table, a file or a message in transit), marking each endpoint on the way
 * with @seq. Stops past mx_max_nesting steps: a write there must fail, and
 * the walk stays bounded even through a cycle that is being torn down.
 */
static u32 mx_graph_height(struct mx_endpoint *dest, u64 seq, u32 max)
{
	struct mx_endpoint *n;
	u32 h = 0;

	for (n = dest; n && h <= max; n = n->held_by, h++)
		n->gc_seq = seq;
	return h - 1;
}

/**
 * mx_graph_link() - record that @msg, carrying handles, joins @dest's queue
 * @dest:	the endpoint whose queue will hold @msg
 * @msg:	the message, its handle entries filled in
 * @user:	the user to charge for the handles in flight
 * @victim:	receives a carried endpoint that the queueing puts on a cycle,
 *		if any; the caller must kill it before dropping the graph lock
 *
 * Checks the limits first and changes nothing if one is passed: every
 * carried endpoint would sit at @dest's height + 1, with the nesting below
 * it under that, and no more than mx_max_nesting levels may stack up;
 * @user may have at most mx_max_inflight handles in flight. Then makes
 * @dest the holder of every carried endpoint and raises the depth of @dest
 * and of everything above it. Caller holds &mx_graph_lock and @dest's pipe
 * lock. Every step is bounded by mx_max_nesting.
 *
 * Return: 0, or -MX_ERRNO_NO_MEMORY when over a limit.
 */
int mx_graph_link(struct mx_endpoint *dest, struct mx_message *msg,
		  struct mx_user *user, struct mx_endpoint **victim)
{
	u32 max = READ_ONCE(mx_max_nesting);
	u64 seq = ++mx_graph_seq;
	struct mx_endpoint *n, *ep;
	bool nests = false;
	u32 i, h, d = 0;

	lockdep_assert_held(&mx_graph_lock);
	h = mx_graph_height(dest, seq, max);
	for (i = 0; i < msg->num_handles; i++) {
		ep = mx_endpoint_of(msg->handles[i].obj);
		if (ep) {
			d = max_t(u32, d, ep->depth);
			nests = true;
		}
	}
	/* The new level is h + 1, and d more levels hang below it. */
	if (nests && h + 1 + d > max) {
		trace_magenta_limit(MX_TRACE_LIMIT_NESTING, &dest->obj,
				    h + 1 + d, max);
		return -MX_ERRNO_NO_MEMORY;
	}
	if (mx_user_charge(user, msg->num_handles)) {
		trace_magenta_limit(MX_TRACE_LIMIT_INFLIGHT, &dest->obj,
				    (u64)atomic_read(&user->inflight) +
				    msg->num_handles,
				    READ_ONCE(mx_max_inflight));
		return -MX_ERRNO_NO_MEMORY;
	}
	refcount_inc(&user->ref);
	msg->user = user;
	*victim = NULL;
	/* Objects that are no endpoints nest nothing: that was all. */
	if (!nests)
		return 0;

	/* Raise the depth of dest and above, before the new links exist. */
	for (n = dest, i = d + 1; n && i <= max + 1; n = n->held_by, i++)
		n->depth = max_t(u32, n->depth, i);
	dest->nr_hmsgs++;
	for (i = 0; i < msg->num_handles; i++) {
		ep = mx_endpoint_of(msg->handles[i].obj);
		if (!ep)
			continue;
		WARN_ON_ONCE(ep->held_by);
		mx_endpoint_get(dest);
		ep->held_by = dest;
		if (ep->gc_seq == seq) {
			trace_magenta_cycle(&ep->obj, &dest->obj);
			*victim = ep;
		}
	}
	return 0;
}

/**
 * mx_graph_unlink() - record that @msg has left its queue
 * @msg:	the message
 *
 * Its handles are in transit: roots of the graph. Its user is uncharged.
 * Idempotent. Caller holds &mx_graph_lock.
 */
void mx_graph_unlink(struct mx_message *msg)
{
	struct mx_endpoint *holder, *ep;
	bool counted = false;
	u32 i;

	lockdep_assert_held(&mx_graph_lock);
	for (i = 0; i < msg->num_handles; i++) {
		ep = msg->handles[i].obj ? mx_endpoint_of(msg->handles[i].obj) :
					   NULL;
		if (!ep)
			continue;
		/*
		 * Every carried endpoint names the same holder. Count the
		 * message off it before the first put, which may free it; a
		 * message that carries no endpoint was not counted
		 * (mx_graph_link()).
		 */
		holder = ep->held_by;
		if (holder && !counted) {
			if (!--holder->nr_hmsgs)
				holder->depth = 0;
			counted = true;
		}
		mx_graph_unlink_one(ep);
	}
	if (msg->user) {
		mx_user_uncharge(msg->user, msg->num_handles);
		mx_user_put(msg->user);
		msg->user = NULL;
	}
}

/*
 * Let go of one handle of a message being destroyed: an endpoint dies, and
 * its queue joins @grave; any other object is closed.
 */
static void mx_message_bury_handle(struct mx_handle_ref *h,
				   struct list_head *grave)
{
	struct mx_endpoint *ep;

	if (!h->obj)
		return;
	ep = mx_endpoint_of(h->obj);
	if (ep)
		mx_endpoint_release(ep, grave);
	else
		mx_object_close(h->obj);
}

/* Messages destroyed between two looks at the scheduler. */
#define MX_BURY_BATCH	32

/**
 * mx_messages_bury() - destroy unread messages and all they carry
 * @grave:	list of messages (linked by &mx_message.entry), emptied
 *
 * Closes every carried endpoint, whose queues join @grave in turn, so a
 * structure of any size goes without recursion. The graph lock is taken
 * for messages that carry handles and dropped every MX_BURY_BATCH
 * messages, with a scheduling point, so tearing down a large structure
 * neither holds the global lock nor the CPU for long. Caller holds no
 * magenta lock.
 */
void mx_messages_bury(struct list_head *grave)
{
	struct mx_message *msg;
	bool locked = false;
	u32 i, n = 0, nh = 0;

	while ((msg = list_first_entry_or_null(grave, struct mx_message,
					       entry))) {
		list_del(&msg->entry);
		nh += msg->num_handles;
		if (msg->num_handles && !locked) {
			mutex_lock(&mx_graph_lock);
			locked = true;
		}
		if (msg->num_handles)
			mx_graph_unlink(msg);
		for (i = 0; i < msg->num_handles; i++)
			mx_message_bury_handle(&msg->handles[i], grave);
		mx_message_free(msg);
		if (++n % MX_BURY_BATCH)
			continue;
		if (locked)
			mutex_unlock(&mx_graph_lock);
		locked = false;
		cond_resched();
	}
	if (locked)
		mutex_unlock(&mx_graph_lock);
	trace_magenta_bury(n, nh);
}
