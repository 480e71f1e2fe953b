// SPDX-License-Identifier: GPL-2.0
/*
 * Message pipes: two endpoints and their queues.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Message pipes
 *
 * A &struct mx_pipe holds two endpoints, each an object (object.c) of type
 * MX_OBJ_TYPE_MESSAGE_PIPE with its own koid. A message written through one
 * endpoint is queued, whole, at the tail of the other's &mx_endpoint.queue
 * and read from its head. Each endpoint has exactly one holder at a time (a
 * handle, an exported file, or a message that carries it): its handles
 * never hold MX_RIGHT_DUPLICATE. When the holder lets go
 * (&mx_object_ops.close), the endpoint dies: its queue is destroyed and its
 * peer sees PEER_CLOSED. Lookups take further, transient references so the
 * memory outlives a concurrent close; an endpoint whose count reaches 0
 * drops its reference on the pipe, which is freed with the second.
 *
 * mx_msgpipe_write() checks its arguments in the order of the contract,
 * copies payload and handle values in before taking any lock, then, under
 * the caller's table lock and the pipe lock, validates the handles, checks
 * the peer and the queue limits, and moves the handles from the table into
 * the message and the message into the queue in one step. A failure at any
 * point leaves every handle where it was.
 *
 * mx_msgpipe_read() claims the head message, reserves table slots for its
 * handles, copies everything out, and only then takes the message off the
 * queue and installs the handles. A fault or a full table leaves the
 * message where it was. No global lock is held while user memory is
 * touched.
 *
 * The calls of this file take a handle of any type; one that names no
 * endpoint gets ERR_WRONG_TYPE right after the handle check.
 *
 * Locking: &mx_pipe.lock (a spinlock) protects both endpoints' queues,
 * counters and dead flags; the counters and flags are written with
 * WRITE_ONCE() so that mx_endpoint_signals() can read them without it. It
 * is the innermost magenta lock: taken after
 * the graph mutex and a table lock, never together with another pipe lock.
 * &mx_object.wq has its own lock; wake-ups happen after the pipe lock is
 * dropped. Writes of messages that carry handles hold the graph mutex from
 * the handle checks to the queueing; reads hold it to take such a message
 * off the queue or to put it back (see message.c). A read that finds one at
 * the head only tries the graph mutex under the pipe lock (against the
 * order, so it must not block); if that fails it drops the pipe lock, takes
 * both in order and looks again.
 */

#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "compat.h"
#include "handle_table.h"
#include "magenta.h"
#include "message.h"
#include "pipe.h"
#include "stats.h"
#include "trace.h"
#include "usercopy.h"
#include "wait.h"

/* Handle arrays up to this size live on the stack. */
#define MX_STACK_HANDLES	16

static struct kmem_cache *mx_pipe_cache;

/*
 * If a write cannot allocate room for its handle values, it still checks
 * them, one writer at a time, in this buffer, so the caller gets the error
 * of the earliest failing check before ERR_NO_MEMORY.
 */
static s32 mx_write_scratch[MX_MAX_MSG_HANDLES];
static DEFINE_MUTEX(mx_write_scratch_lock);

static void mx_pipe_free_rcu(struct rcu_head *rcu)
{
	struct mx_pipe *pipe = container_of(rcu, struct mx_pipe, rcu);

	/* A reader may have parked a buffer after the endpoint died. */
	mx_message_drop_spare(&pipe->ep[0]);
	mx_message_drop_spare(&pipe->ep[1]);
	kmem_cache_free(mx_pipe_cache, pipe);
}

static void mx_pipe_free(struct kref *ref)
{
	struct mx_pipe *pipe = container_of(ref, struct mx_pipe, ref);

	WARN_ON_ONCE(!list_empty(&pipe->ep[0].queue) ||
		     !list_empty(&pipe->ep[1].queue));
	mx_stat_add(MX_STAT_ENDPOINTS, -2);
	call_rcu(&pipe->rcu, mx_pipe_free_rcu);
}

/**
 * mx_endpoint_wake_data() - wake the readers of an endpoint that got data
 * @ep:	the endpoint a message was queued for
 *
 * The writer usually waits for an answer right after, so the wake-up is a
 * sync one: the scheduler lets the reader run when the writer blocks
 * instead of preempting the writer first. Its key, EPOLLIN, marks it as an
 * arrival for the wake function of an IO port binding.
 */
void mx_endpoint_wake_data(struct mx_endpoint *ep)
{
	/* The key tells a port binding that a message came (port.c). */
	if (wq_has_sleeper(&ep->obj.wq))
		wake_up_interruptible_sync_poll(&ep->obj.wq,
						EPOLLIN | EPOLLRDNORM);
}

static bool mx_queue_full(const struct mx_endpoint *ep)
{
	return READ_ONCE(ep->nr_msgs) >= READ_ONCE(mx_max_queued_msgs) ||
	       READ_ONCE(ep->nr_bytes) >= READ_ONCE(mx_max_queued_bytes);
}

/*
 * The signals of an endpoint now. Lockless: the fields it reads change
 * under the pipe lock, and every change is followed by a wake-up of the
 * waiters, who read again.
 */
static void mx_endpoint_signals(struct mx_object *obj,
				struct mx_signals_state *st)
{
	struct mx_endpoint *ep = container_of(obj, struct mx_endpoint, obj);
	struct mx_endpoint *peer = mx_endpoint_peer(ep);
	u32 sat = 0, able;

	if (READ_ONCE(ep->nr_msgs))
		sat |= MX_SIGNAL_READABLE;
	if (READ_ONCE(peer->dead)) {
		sat |= MX_SIGNAL_PEER_CLOSED;
		able = sat;
	} else {
		if (!mx_queue_full(peer))
			sat |= MX_SIGNAL_WRITABLE;
		able = MX_SIGNAL_READABLE | MX_SIGNAL_WRITABLE |
		       MX_SIGNAL_PEER_CLOSED;
	}
	st->satisfied = sat;
	st->satisfiable = able;
}

/**
 * mx_endpoint_kill() - make an endpoint dead and empty its queue
 * @ep:		the endpoint
 * @grave:	receives the messages that were queued for it
 *
 * Idempotent. Does not drop the holder reference. A message that a read
 * is copying out is not put in @grave: mx_msgpipe_read_ref() finds the
 * endpoint dead when it ends, and destroys it then.
 */
void mx_endpoint_kill(struct mx_endpoint *ep, struct list_head *grave)
{
	struct mx_pipe *pipe = mx_endpoint_pipe(ep);

	spin_lock(&pipe->lock);
	if (ep->dead) {
		spin_unlock(&pipe->lock);
		return;
	}
	WRITE_ONCE(ep->dead, true);
	/* A claimed head is left to its read, which destroys it. */
	if (ep->reading)
		list_del_init(ep->queue.next);
	list_splice_tail_init(&ep->queue, grave);
	WRITE_ONCE(ep->nr_msgs, 0);
	WRITE_ONCE(ep->nr_bytes, 0);
	spin_unlock(&pipe->lock);
	mx_message_drop_spare(ep);
	mx_endpoint_wake(ep);
	mx_endpoint_wake(mx_endpoint_peer(ep));
}

/**
 * mx_endpoint_release() - the holder lets go of an endpoint
 * @ep:		the endpoint; its holder reference is consumed
 * @grave:	receives the messages that were queued for it
 */
void mx_endpoint_release(struct mx_endpoint *ep, struct list_head *grave)
{
	mx_endpoint_kill(ep, grave);
	mx_endpoint_put(ep);
}

/* &mx_object_ops.close: the holder lets go; the queue is destroyed. */
static void mx_endpoint_close(struct mx_object *obj)
{
	LIST_HEAD(grave);

	mx_endpoint_kill(container_of(obj, struct mx_endpoint, obj), &grave);
	mx_messages_bury(&grave);
}

/* &mx_object_ops.free: the pipe goes with its second endpoint. */
static void mx_endpoint_free(struct mx_object *obj)
{
	struct mx_endpoint *ep = container_of(obj, struct mx_endpoint, obj);

	kref_put(&mx_endpoint_pipe(ep)->ref, mx_pipe_free);
}

const struct mx_object_ops mx_endpoint_ops = {
	.type		= MX_OBJ_TYPE_MESSAGE_PIPE,
	.props		= MX_OBJ_PROP_WAITABLE,
	.signals	= mx_endpoint_signals,
	.close		= mx_endpoint_close,
	.free		= mx_endpoint_free,
};

static void mx_endpoint_init(struct mx_endpoint *ep, u8 side, bool reply,
			     u64 koid)
{
	mx_object_init(&ep->obj, &mx_endpoint_ops, koid);
	INIT_LIST_HEAD(&ep->queue);
	ep->nr_msgs = 0;
	ep->nr_bytes = 0;
	ep->held_by = NULL;
	ep->spare = NULL;
	ep->gc_seq = 0;
	ep->nr_hmsgs = 0;
	ep->depth = 0;
	ep->limits_gen = READ_ONCE(mx_limits_gen);
	ep->side = side;
	ep->reply = reply;
	ep->dead = false;
	ep->reading = false;
	ep->read_waiting = false;
}

/**
 * mx_msgpipe_create() - make a pipe and install both endpoints
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_msgpipe_create(struct mx_handle_table *t,
		      const struct mx_ioc_msgpipe_create *a)
{
	struct mx_handle_ref hs[2];
	struct mx_pipe *pipe;
	u32 idx[2];
	s32 vals[2];
	u64 koid;
	int r;

	if (a->pad || (a->flags & ~MX_FLAG_REPLY_PIPE) || !a->handles)
		return -MX_ERRNO_INVALID_ARGS;

	pipe = kmem_cache_alloc(mx_pipe_cache, MX_GFP);
	if (!pipe)
		return -MX_ERRNO_NO_MEMORY;
	spin_lock_init(&pipe->lock);
	kref_init(&pipe->ref);
	kref_get(&pipe->ref);		/* one per endpoint */
	koid = mx_koid_alloc();
	mx_endpoint_init(&pipe->ep[0], 0, false, koid);
	mx_endpoint_init(&pipe->ep[1], 1, a->flags & MX_FLAG_REPLY_PIPE,
			 koid + 1);

	r = mx_table_reserve(t, 2, idx, vals);
	if (r) {
		kmem_cache_free(mx_pipe_cache, pipe);
		return r == -EBADF ? r : -MX_ERRNO_NO_MEMORY;
	}
	mx_stat_add(MX_STAT_ENDPOINTS, 2);
	if (copy_to_user(u64_to_user_ptr(a->handles), vals, sizeof(vals))) {
		mx_table_unreserve(t, 2, idx);
		mx_stat_add(MX_STAT_ENDPOINTS, -2);
		kmem_cache_free(mx_pipe_cache, pipe);
		return -MX_ERRNO_INVALID_ARGS;
	}
	hs[0].obj = &pipe->ep[0].obj;
	hs[1].obj = &pipe->ep[1].obj;
	hs[0].rights = MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE;
	hs[1].rights = hs[0].rights;
	trace_magenta_msgpipe_create(&pipe->ep[0].obj, vals[0], vals[1],
				     pipe->ep[1].reply);
	mx_table_commit(t, 2, idx, hs);
	return 0;
}

/*
 * Checks 7 to 9 of mx_msgpipe_write() on the handles to send, in the
 * contract's order. @t is locked if @n is not 0. Each value in @vals that
 * passes check 7 is replaced by its slot's index, so that what follows
 * under the same lock decodes no value twice; when the checks pass, @vals
 * holds indices only.
 */
static int mx_write_check_handles(struct mx_handle_table *t,
				  struct mx_endpoint *ep, s32 *vals, u32 n)
{
	struct mx_slot_array *a = n ? mx_table_slots(t) : NULL;
	struct mx_handle_slot *s;
	u32 i, reply_at = n;
	int r = 0;

	for (i = 0; i < n; i++) {
		s = mx_table_slot(t, vals[i]);
		if (!s)
			return -MX_ERRNO_INVALID_ARGS;
		vals[i] = s - a->s;
		if (s->obj == &ep->obj) {
			if (!ep->reply)
				return -MX_ERRNO_NOT_SUPPORTED;
			reply_at = i;
		}
		if (!(s->rights & MX_RIGHT_TRANSFER))
			return -MX_ERRNO_ACCESS_DENIED;
	}
	if (ep->reply && (n == 0 || reply_at != n - 1))
		return -MX_ERRNO_BAD_STATE;

	for (i = 0; i < n; i++) {
		s = &a->s[vals[i]];
		if (s->mark) {
			r = -MX_ERRNO_INVALID_ARGS;
			n = i;
			break;
		}
		s->mark = 1;
	}
	for (i = 0; i < n; i++)
		a->s[vals[i]].mark = 0;
	return r;
}

/*
 * Checks 10 and 11 of mx_msgpipe_write() and, if they pass, moves the
 * handles into @msg and @msg into the peer's queue. @t is locked if the
 * message carries handles; their checks have passed, and @idx holds their
 * slot indices.
 */
static int mx_write_enqueue(struct mx_handle_table *t, struct mx_endpoint *ep,
			    const s32 *idx,
			    const struct mx_ioc_msgpipe_write *a,
			    struct mx_message *msg,
			    struct mx_endpoint **victim)
{
	struct mx_endpoint *peer = mx_endpoint_peer(ep);
	struct mx_pipe *pipe = mx_endpoint_pipe(ep);
	size_t cost = mx_message_cost(a->num_bytes, a->num_handles);
	struct mx_handle_slot *slots = NULL;
	u32 i;
	int r;

	spin_lock(&pipe->lock);
	/*
	 * Closed since the lookup: as if the write came after the close, or
	 * the peer could find a message after PEER_CLOSED and an empty queue.
	 */
	r = -MX_ERRNO_INVALID_ARGS;
	if (ep->dead)
		goto unlock;
	r = -MX_ERRNO_BAD_STATE;
	if (peer->dead)
		goto unlock;
	r = -MX_ERRNO_NO_MEMORY;
	/* While WRITABLE is not satisfied, no write at all gets through. */
	if (!msg || mx_queue_full(peer) ||
	    peer->nr_bytes + cost > READ_ONCE(mx_max_queued_bytes)) {
		trace_magenta_queue_full(&peer->obj, peer->nr_msgs,
					 (u64)peer->nr_bytes + cost, !msg);
		goto unlock;
	}

	if (a->num_handles)
		slots = mx_table_slots(t)->s;
	for (i = 0; i < a->num_handles; i++) {
		msg->handles[i].obj = slots[idx[i]].obj;
		msg->handles[i].rights = slots[idx[i]].rights;
	}
	/* Over the nesting or in-flight limits: nothing has moved yet. */
	if (a->num_handles) {
		r = mx_graph_link(peer, msg, t->user, victim);
		if (r)
			goto unlock;
	}
	for (i = 0; i < a->num_handles; i++) {
		if (trace_magenta_handle_send_enabled())
			trace_magenta_handle_send(mx_table_value_locked(t, idx[i]),
						  msg->handles[i].obj, &peer->obj);
		mx_table_free_slot(t, &slots[idx[i]]);
	}
	list_add_tail(&msg->entry, &peer->queue);
	WRITE_ONCE(peer->nr_msgs, peer->nr_msgs + 1);
	WRITE_ONCE(peer->nr_bytes, peer->nr_bytes + cost);
	r = 0;
unlock:
	spin_unlock(&pipe->lock);
	return r;
}

/*
 * Checks 7 to 11 of mx_msgpipe_write() and, if all pass, the queueing,
 * atomically for every observer. @msg is NULL when it could not be
 * allocated. Returns the endpoint to kill if the write closed a cycle, in
 * *@victim.
 */
static int mx_write_commit(struct mx_handle_table *t, struct mx_endpoint *ep,
			   s32 *vals, const struct mx_ioc_msgpipe_write *a,
			   struct mx_message *msg, struct mx_endpoint **victim)
{
	struct mx_handle_slot *s;
	int r;

	/* A message with no handles needs only the reply-pipe check. */
	if (!a->num_handles)
		return mx_write_check_handles(t, ep, vals, 0) ?:
		       mx_write_enqueue(t, ep, vals, a, msg, victim);
	spin_lock(&t->lock);
	/*
	 * Check 1 again, now: had another thread moved this handle away
	 * since the lookup (say, inside a message carrying one of ours), no
	 * order of the two calls would explain both succeeding.
	 */
	s = mx_table_slot(t, a->handle);
	r = -MX_ERRNO_INVALID_ARGS;
	if (s && s->obj == &ep->obj)
		r = mx_write_check_handles(t, ep, vals, a->num_handles) ?:
		    mx_write_enqueue(t, ep, vals, a, msg, victim);
	spin_unlock(&t->lock);
	return r;
}

/*
 * The lookup of every call of this file: the endpoint @value names, with a
 * reference, and its rights. ERR_INVALID_ARGS if it is no handle,
 * ERR_WRONG_TYPE if it names another type of object.
 */
static int mx_endpoint_lookup(struct mx_handle_table *t, s32 value,
			      struct mx_endpoint **epp, u32 *rights)
{
	struct mx_handle_ref h;

	if (mx_table_get(t, value, &h))
		return -MX_ERRNO_INVALID_ARGS;
	*epp = mx_endpoint_of(h.obj);
	if (unlikely(!*epp)) {
		mx_object_put(h.obj);
		return -MX_ERRNO_WRONG_TYPE;
	}
	*rights = h.rights;
	return 0;
}

/* mx_msgpipe_write() after the lookup of its handle: @ep, with @rights. */
static int mx_msgpipe_write_ref(struct mx_handle_table *t,
				struct mx_endpoint *ep, u32 rights,
				const struct mx_ioc_msgpipe_write *a)
{
	const void __user *ubytes = u64_to_user_ptr(a->bytes);
	const s32 __user *uhandles = u64_to_user_ptr(a->handles);
	u32 nb = a->num_bytes, nh = a->num_handles;
	s32 stack_vals[MX_STACK_HANDLES], *vals = stack_vals;
	struct mx_endpoint *victim = NULL;
	struct mx_message *msg = NULL;
	bool scratch = false;
	LIST_HEAD(grave);
	int r;

	r = -MX_ERRNO_ACCESS_DENIED;
	if (!(rights & MX_RIGHT_WRITE))
		goto out;
	r = -MX_ERRNO_INVALID_ARGS;
	if ((nb && !ubytes) || (nh && !uhandles))
		goto out;
	r = -MX_ERRNO_TOO_BIG;
	if (nb > MX_MAX_MSG_BYTES || nh > MX_MAX_MSG_HANDLES)
		goto out;
	r = -MX_ERRNO_INVALID_ARGS;
	if (a->flags)
		goto out;

	msg = mx_message_alloc(nb, nh, mx_endpoint_peer(ep));
	if (nh > MX_STACK_HANDLES) {
		vals = kmalloc_array(nh, sizeof(*vals), MX_GFP_TEMP);
		if (!vals) {
			mutex_lock(&mx_write_scratch_lock);
			vals = mx_write_scratch;
			scratch = true;
		}
	}
	r = -MX_ERRNO_INVALID_ARGS;
	if (msg ? mx_message_copy_in(msg, ubytes) :
		  fault_in_readable(ubytes, nb))
		goto out;
	if (nh && mx_copy_in(vals, uhandles, nh * sizeof(*vals)))
		goto out;

	if (nh)
		mutex_lock(&mx_graph_lock);
	r = mx_write_commit(t, ep, vals, a, msg, &victim);
	if (!r) {
		u32 i;

		mx_endpoint_wake_data(mx_endpoint_peer(ep));
		/* The queue filled: our WRITABLE fell (see mx_read_finish()). */
		if (unlikely(mx_queue_full(mx_endpoint_peer(ep))))
			mx_endpoint_wake(ep);
		/* Waiters on the handles that left see them gone. */
		for (i = 0; i < nh; i++)
			mx_object_wake(msg->handles[i].obj);
		msg = NULL;
	}
	/*
	 * Killed under the graph lock, so that no read can take the cycle
	 * apart meanwhile; destroyed after it, in steps (message.c).
	 */
	if (victim)
		mx_endpoint_kill(victim, &grave);
	if (nh)
		mutex_unlock(&mx_graph_lock);
	if (unlikely(!list_empty(&grave)))
		mx_messages_bury(&grave);
out:
	if (scratch)
		mutex_unlock(&mx_write_scratch_lock);
	else if (vals != stack_vals)
		kfree(vals);
	if (msg)
		mx_message_free(msg);
	return r;
}

/**
 * mx_msgpipe_write() - write one message through an endpoint
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Return: 0 or a negative MX_ERRNO_* value, decided by the first failing
 * check in the contract's order.
 */
int mx_msgpipe_write(struct mx_handle_table *t,
		     const struct mx_ioc_msgpipe_write *a)
{
	struct mx_endpoint *ep;
	u32 rights;
	int r;

	r = mx_endpoint_lookup(t, a->handle, &ep, &rights);
	if (r) {
		trace_magenta_msgpipe_write(a->handle, NULL, a->num_bytes,
					    a->num_handles, r);
		return r;
	}
	r = mx_msgpipe_write_ref(t, ep, rights, a);
	if (trace_magenta_msgpipe_write_enabled())
		trace_magenta_msgpipe_write(a->handle, &ep->obj, a->num_bytes,
					    a->num_handles, r);
	mx_endpoint_put(ep);
	return r;
}

/*
 * Take @msg off @ep's queue. Returns true if the writer (waiting on the
 * peer for WRITABLE) needs waking: when that made room in a full queue, or
 * when a limit changed since the last read, since a writer that went to
 * sleep under the old limit is owed a look. Waking it on every read would
 * wake a peer that waits for its own messages, for nothing, once per
 * message.
 */
static bool mx_queue_del(struct mx_endpoint *ep, struct mx_message *msg)
{
	u32 gen = READ_ONCE(mx_limits_gen);
	bool was_full = mx_queue_full(ep);

	list_del(&msg->entry);
	WRITE_ONCE(ep->nr_msgs, ep->nr_msgs - 1);
	WRITE_ONCE(ep->nr_bytes, ep->nr_bytes -
		   mx_message_cost(msg->num_bytes, msg->num_handles));
	if (unlikely(ep->limits_gen != gen)) {
		ep->limits_gen = gen;
		return true;
	}
	return was_full && !mx_queue_full(ep);
}

static void mx_bury_one(struct mx_message *msg)
{
	LIST_HEAD(grave);

	list_add(&msg->entry, &grave);
	mx_messages_bury(&grave);
}

static __always_inline int mx_read_put_sizes(const struct mx_ioc_msgpipe_read *a,
					     u32 num_bytes, u32 num_handles)
{
	u32 __user *unb = u64_to_user_ptr(a->num_bytes);
	u32 __user *unh = u64_to_user_ptr(a->num_handles);

	if ((unb && mx_put_u32(unb, num_bytes)) ||
	    (unh && mx_put_u32(unh, num_handles)))
		return -MX_ERRNO_INVALID_ARGS;
	return 0;
}

/*
 * Read the buffer capacities of a read, and check that no buffer comes
 * without its size. A read that cannot write the sizes back fails later
 * with the message left in place; @probe checks writability now, for a
 * call that must fail before it sends anything.
 */
static int mx_read_get_caps(const struct mx_ioc_msgpipe_read *a,
			    u32 *cap_bytes, u32 *cap_handles, bool probe)
{
	u32 __user *unb = u64_to_user_ptr(a->num_bytes);
	u32 __user *unh = u64_to_user_ptr(a->num_handles);

	*cap_bytes = 0;
	*cap_handles = 0;
	if ((unb && mx_get_u32_probe(unb, cap_bytes, probe)) ||
	    (unh && mx_get_u32_probe(unh, cap_handles, probe)) ||
	    (a->bytes && !unb) || (a->handles && !unh))
		return -MX_ERRNO_INVALID_ARGS;
	return 0;
}

/**
 * struct mx_read - one read of a claimed message
 * @msg:	the message, at the head of the queue, claimed
 * @nh:		its number of handles
 * @idx:	the table slots reserved for its handles
 * @vals:	their values
 * @stack_idx:	@idx for small messages
 * @stack_vals:	@vals for small messages
 * @reserved:	the slots are reserved
 */
struct mx_read {
	struct mx_message *msg;
	u32 nh;
	u32 *idx;
	s32 *vals;
	u32 stack_idx[MX_STACK_HANDLES];
	s32 stack_vals[MX_STACK_HANDLES];
	bool reserved;
};

/*
 * Reserve slots for the handles of a claimed message and copy everything
 * out. Nothing is installed yet; the message stays queued.
 */
static int mx_read_copy(struct mx_handle_table *t,
			const struct mx_ioc_msgpipe_read *a, struct mx_read *rd)
{
	struct mx_message *msg = rd->msg;
	u32 nh = rd->nh;
	int r;

	rd->idx = rd->stack_idx;
	rd->vals = rd->stack_vals;
	if (nh > MX_STACK_HANDLES) {
		rd->idx = kmalloc_array(nh, sizeof(u32) + sizeof(s32),
					MX_GFP_TEMP);
		if (!rd->idx)
			return -MX_ERRNO_NO_MEMORY;
		rd->vals = (s32 *)(rd->idx + nh);
	}
	if (nh) {
		r = mx_table_reserve(t, nh, rd->idx, rd->vals);
		if (r)
			return r == -EBADF ? r : -MX_ERRNO_NO_MEMORY;
		rd->reserved = true;
	}
	if (mx_message_copy_out(msg, u64_to_user_ptr(a->bytes)) ||
	    (nh && mx_copy_out(u64_to_user_ptr(a->handles), rd->vals,
			       nh * sizeof(s32))) ||
	    mx_read_put_sizes(a, msg->num_bytes, nh))
		return -MX_ERRNO_INVALID_ARGS;
	return 0;
}

/*
 * Sleep once until the read that claimed the head of @ep's queue ends (or
 * anything else wakes @ep's waiters). Called with the pipe lock held and
 * the claim seen, returns with the lock dropped; the caller looks again.
 * Queued and flagged under the lock, so the claim's end cannot miss us;
 * never sleeping twice per flag, so a claim taken again by another read
 * while we were waking up finds the flag set again.
 */
static int mx_read_wait_turn(struct mx_endpoint *ep)
	mx_spin_releases(&mx_endpoint_pipe(ep)->lock)
{
	struct mx_pipe *pipe = mx_endpoint_pipe(ep);
	DEFINE_WAIT(wait);

	prepare_to_wait(&ep->obj.wq, &wait, TASK_INTERRUPTIBLE);
	ep->read_waiting = true;
	spin_unlock(&pipe->lock);
	if (READ_ONCE(ep->reading) && !signal_pending(current))
		schedule();
	finish_wait(&ep->obj.wq, &wait);
	return signal_pending(current) ? -ERESTARTSYS : 0;
}

/*
 * Under the pipe lock: take @msg off @ep's queue if @consume and @ep is
 * alive, and release the claim. Returns whether @ep is alive; *@room says
 * whether the writer needs waking, *@waiting whether other reads do, and
 * *@emptied whether that was the last message (READABLE fell).
 */
static bool mx_read_dequeue(struct mx_endpoint *ep, struct mx_message *msg,
			    bool consume, bool *room, bool *waiting,
			    bool *emptied)
{
	struct mx_pipe *pipe = mx_endpoint_pipe(ep);
	bool alive;

	*room = false;
	*emptied = false;
	spin_lock(&pipe->lock);
	alive = !ep->dead;
	if (alive && consume) {
		*room = mx_queue_del(ep, msg);
		*emptied = !ep->nr_msgs;
	}
	WRITE_ONCE(ep->reading, false);
	*waiting = ep->read_waiting;
	ep->read_waiting = false;
	spin_unlock(&pipe->lock);
	return alive;
}

/*
 * The handles of @rd arrive in the reader's table: traced before the
 * commit, while nothing else can close them.
 */
static noinline void mx_read_trace_recv(struct mx_endpoint *ep,
					struct mx_read *rd)
{
	u32 i;

	for (i = 0; i < rd->nh; i++)
		trace_magenta_handle_recv(rd->vals[i], rd->msg->handles[i].obj,
					  &ep->obj);
}

/*
 * The end of a claimed read: take the message off the queue if @consume,
 * and release the claim. Slots reserved for its handles (@rd->reserved)
 * are committed at the same time, under the table lock, so the handles
 * enter the table as the message leaves the queue. Returns false if the
 * endpoint died meanwhile: the message is then the caller's alone,
 * detached by mx_endpoint_kill(), and nothing was committed.
 */
static bool mx_read_finish(struct mx_handle_table *t, struct mx_endpoint *ep,
			   struct mx_read *rd, bool consume)
{
	struct mx_message *msg = rd->msg;
	bool graph = consume && msg->num_handles;
	bool alive, room, waiting, emptied;

	if (graph)
		mutex_lock(&mx_graph_lock);
	if (consume && rd->reserved) {
		spin_lock(&t->lock);
		alive = mx_read_dequeue(ep, msg, consume, &room,
					&waiting, &emptied);
		if (alive) {
			/* In transit, then in the table, in one step. */
			mx_graph_unlink(msg);
			if (trace_magenta_handle_recv_enabled())
				mx_read_trace_recv(ep, rd);
			mx_table_commit_locked(t, rd->nh, rd->idx,
					       msg->handles);
			rd->reserved = false;
		}
		spin_unlock(&t->lock);
	} else {
		alive = mx_read_dequeue(ep, msg, consume, &room,
					&waiting, &emptied);
		/* The message left its queue: its handles are in transit. */
		if (graph && alive)
			mx_graph_unlink(msg);
	}
	if (graph)
		mutex_unlock(&mx_graph_lock);
	/*
	 * READABLE fell: wait set entries take the result back (waitset.c).
	 * Reads waiting for their turn are woken in any case.
	 */
	if (waiting)
		wake_up_all(&ep->obj.wq);
	else if (emptied)
		mx_endpoint_wake(ep);
	if (room)
		mx_endpoint_wake_room(mx_endpoint_peer(ep));
	return alive;
}

/*
 * mx_msgpipe_read() after the lookup of its handle, @ep, the READ right
 * check and the reading of the capacities.
 */
static int mx_msgpipe_read_ref(struct mx_handle_table *t,
			       struct mx_endpoint *ep,
			       const struct mx_ioc_msgpipe_read *a,
			       u32 cap_bytes, u32 cap_handles, u32 *sizes)
{
	bool discard = a->flags & MX_MSGPIPE_READ_FLAG_MAY_DISCARD;
	struct mx_pipe *pipe = mx_endpoint_pipe(ep);
	struct mx_read rd = { .reserved = false };
	bool fits, consume;
	u32 nb;
	int r;

	if (a->flags & ~MX_MSGPIPE_READ_FLAG_MAY_DISCARD)
		return -MX_ERRNO_NOT_SUPPORTED;
	for (;;) {
		spin_lock(&pipe->lock);
		/* Closed since the lookup: its queue went with it. */
		if (ep->dead) {
			spin_unlock(&pipe->lock);
			return -MX_ERRNO_HANDLE_CLOSED;
		}
		rd.msg = list_first_entry_or_null(&ep->queue,
						  struct mx_message, entry);
		if (!rd.msg) {
			r = mx_endpoint_peer(ep)->dead ?
			    -MX_ERRNO_CHANNEL_CLOSED : -MX_ERRNO_BAD_STATE;
			spin_unlock(&pipe->lock);
			return r;
		}
		if (!ep->reading)
			break;
		/* Another read has the head: it stays pending, in order. */
		if (mx_read_wait_turn(ep))
			return -ERESTARTSYS;
	}
	nb = rd.msg->num_bytes;
	rd.nh = rd.msg->num_handles;
	sizes[0] = nb;		/* for the caller's tracepoint */
	sizes[1] = rd.nh;
	fits = nb <= cap_bytes && rd.nh <= cap_handles;
	if (!fits && !discard) {
		spin_unlock(&pipe->lock);
		return mx_read_put_sizes(a, nb, rd.nh) ?:
		       -MX_ERRNO_NOT_ENOUGH_BUFFER;
	}
	/*
	 * Claim the head. It stays queued, READABLE and counted, while its
	 * contents go out with no lock held (a fault may take long); other
	 * reads wait their turn, and only mx_endpoint_kill() can take it.
	 */
	WRITE_ONCE(ep->reading, true);
	spin_unlock(&pipe->lock);

	if (fits)
		r = mx_read_copy(t, a, &rd);
	else
		r = mx_read_put_sizes(a, nb, rd.nh) ?:
		    -MX_ERRNO_NOT_ENOUGH_BUFFER;
	consume = fits ? !r : r == -MX_ERRNO_NOT_ENOUGH_BUFFER;

	if (!mx_read_finish(t, ep, &rd, consume)) {
		/* Its endpoint died under the read: the message goes too. */
		consume = false;
		r = -MX_ERRNO_HANDLE_CLOSED;
		mx_bury_one(rd.msg);
	} else if (consume && fits) {
		mx_message_recycle(rd.msg, ep);
	} else if (consume) {
		mx_bury_one(rd.msg);
	}
	if (rd.reserved)
		mx_table_unreserve(t, rd.nh, rd.idx);
	if (rd.idx && rd.idx != rd.stack_idx)
		kfree(rd.idx);
	return r;
}

/**
 * mx_msgpipe_read() - read the oldest message queued for an endpoint
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Return: 0 or a negative MX_ERRNO_* value. On failure nothing is consumed
 * and nothing installed, except that MX_MSGPIPE_READ_FLAG_MAY_DISCARD drops
 * a message too large for the buffers.
 */
int mx_msgpipe_read(struct mx_handle_table *t,
		    const struct mx_ioc_msgpipe_read *a)
{
	u32 cap_bytes, cap_handles, rights, sizes[2] = { 0, 0 };
	struct mx_endpoint *ep;
	int r;

	r = mx_endpoint_lookup(t, a->handle, &ep, &rights);
	if (r) {
		trace_magenta_msgpipe_read(a->handle, NULL, 0, 0, r);
		return r;
	}
	r = rights & MX_RIGHT_READ ? 0 : -MX_ERRNO_ACCESS_DENIED;
	r = r ?: mx_read_get_caps(a, &cap_bytes, &cap_handles, false);
	r = r ?: mx_msgpipe_read_ref(t, ep, a, cap_bytes, cap_handles,
				     sizes);
	if (trace_magenta_msgpipe_read_enabled())
		trace_magenta_msgpipe_read(a->handle, &ep->obj, sizes[0],
					   sizes[1], r);
	mx_endpoint_put(ep);
	return r;
}

/**
 * mx_msgpipe_call() - write a message, then wait for and read the next one
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	the user's copy of @a, where &mx_ioc_msgpipe_call.written is set
 *
 * The read half's handle rights and size pointers are checked before
 * anything is written, so a failure of those sends nothing. If a signal
 * interrupts the wait after the message went, written is set in user
 * memory, so the restarted call goes straight back to waiting.
 *
 * Return: 0 or a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_msgpipe_call(struct mx_handle_table *t,
		    const struct mx_ioc_msgpipe_call *a, void __user *argp)
{
	struct mx_ioc_msgpipe_call __user *uarg = argp;
	u32 cap_bytes, cap_handles, rights, sizes[2] = { 0, 0 };
	struct mx_endpoint *ep;
	int r;

	if (a->pad || a->rd.flags || a->rd.handle != a->wr.handle ||
	    a->written > 1)
		return -MX_ERRNO_INVALID_ARGS;
	/*
	 * One lookup serves the write, the wait and the read. A call
	 * restarted after its message went had a valid handle then.
	 */
	r = mx_endpoint_lookup(t, a->wr.handle, &ep, &rights);
	if (r)
		return a->written ? -MX_ERRNO_HANDLE_CLOSED : r;
	r = -MX_ERRNO_ACCESS_DENIED;
	if (!(rights & MX_RIGHT_READ))
		goto out;
	r = mx_read_get_caps(&a->rd, &cap_bytes, &cap_handles, !a->written);
	if (r)
		goto out;
	if (!a->written) {
		r = mx_msgpipe_write_ref(t, ep, rights, &a->wr);
		if (trace_magenta_msgpipe_write_enabled())
			trace_magenta_msgpipe_write(a->wr.handle, &ep->obj,
						    a->wr.num_bytes,
						    a->wr.num_handles, r);
		if (r)
			goto out;
		/*
		 * If the wake-up of the reader asks for this CPU, give it
		 * now, while still runnable: the reader answers before we
		 * wait, and we find the answer without sleeping, as a
		 * pipe(2) writer preempted on its way out of write() does.
		 * Sleeping first costs a dequeue and a second wake-up.
		 */
		cond_resched();
	}
	for (;;) {
		r = mx_wait_readable(t, a->rd.handle, &ep->obj, a->deadline);
		if (!r) {
			r = mx_msgpipe_read_ref(t, ep, &a->rd, cap_bytes,
						cap_handles, sizes);
			if (trace_magenta_msgpipe_read_enabled())
				trace_magenta_msgpipe_read(a->rd.handle,
							   &ep->obj,
							   sizes[0], sizes[1],
							   r);
		}
		/* The call will be restarted: it must not write again. */
		if (r == -ERESTARTSYS && !a->written &&
		    put_user(1u, &uarg->written))
			r = -EFAULT;
		/* Another reader took it: wait for the next one. */
		if (r != -MX_ERRNO_BAD_STATE)
			break;
	}
out:
	mx_endpoint_put(ep);
	return r;
}

/**
 * mx_pipe_cache_init() - create the slab cache of pipes
 *
 * Return: 0 or -ENOMEM.
 */
int mx_pipe_cache_init(void)
{
	mx_pipe_cache = KMEM_CACHE(mx_pipe, SLAB_ACCOUNT);
	return mx_pipe_cache ? 0 : -ENOMEM;
}

/**
 * mx_pipe_cache_exit() - destroy the slab cache of pipes
 */
void mx_pipe_cache_exit(void)
{
	rcu_barrier();		/* pipes still waiting in mx_pipe_free_rcu() */
	kmem_cache_destroy(mx_pipe_cache);
}
