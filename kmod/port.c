// SPDX-License-Identifier: GPL-2.0
/*
 * IO ports: queues of packets served to pools of threads.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: IO ports
 *
 * An IO port is an object holding a FIFO queue of packets of at most
 * MX_PORT_MAX_PKT_SIZE bytes, each starting with a struct
 * mx_port_packet_header. mx_port_queue() appends a copy of a user's packet
 * (its type forced to MX_PORT_PKT_TYPE_USER); mx_port_wait() takes the
 * oldest packet, sleeping until there is one. One queued packet releases
 * exactly one sleeping thread: waiters sit on &mx_port.waiters as
 * exclusive entries, in the order they went to sleep, and a queue wakes
 * the first of them that is asleep in the wait (struct mx_port_waiter: a
 * waiter away faulting in its buffer does not take the wake-up). A woken
 * waiter that leaves without a packet (a signal, its handle gone, a buffer
 * too small) passes the wake-up on if a packet is still queued, so no
 * packet stays queued while threads sleep. Poll files sleep on a queue of
 * their own, &mx_port.pollers, woken whole by every packet: an epoll entry
 * (EPOLLEXCLUSIVE or not) never takes a waiter's wake-up.
 *
 * mx_port_bind() watches another object (any waitable one: a pipe end, an
 * event) through its port handle: a binding sits on the source's
 * &mx_object.wq with its own wake function, mx_port_wake(). The binding is
 * edge-triggered: it queues a packet of type MX_PORT_PKT_TYPE_IOSN (a
 * struct mx_port_io_packet) when a watched signal becomes satisfied, and
 * once at bind time if one is satisfied already. An event wakes its queue
 * on every change, and the wake function reads the state it finds then: a
 * rise that another thread undoes before that runs is not seen (as a
 * waiter would not see it either). A pipe end does not
 * wake when it stops being readable or writable, so its wake-ups carry a
 * key instead (pipe.c): every message that arrives counts as a READABLE
 * edge (Magenta queued a packet per message) and room that appears in a
 * full queue as a WRITABLE edge. Each binding owns one
 * packet, allocated with it: while that packet is queued, further edges
 * are merged into it (their signals OR-ed in) instead of allocating, so
 * the wake function never allocates and nothing is dropped. The packet is
 * re-armed when a waiter takes it. An object has at most one binding
 * (ERR_BAD_STATE for a second one, as in Magenta), kept in
 * &mx_object.binding under the object's queue lock; so bindings are
 * bounded by objects, which are bounded by handles.
 *
 * The binding watches the source through the handle it was made with:
 * when that handle leaves its table (closed, replaced, sent, exported,
 * or its process gone), the queue is woken and the wake function unbinds
 * itself: it leaves the source's queue, withdraws its packet if queued
 * and moves to &mx_port.dead. Its memory and its reference to the source
 * are released in process context, by the next bind or wait on the port,
 * or by the port's close.
 *
 * A port has any number of holders (handles, messages, exported files):
 * &mx_object_ops.dup counts new ones. When the last one goes, the port is
 * closed: its packets are freed, its bindings removed, and threads in
 * mx_port_wait() end with ERR_HANDLE_CLOSED (they also end so when the
 * handle they wait through goes, as in every wait). User packets are
 * bounded per port by max_port_packets (a module parameter); past it,
 * mx_port_queue() fails with ERR_NO_MEMORY.
 *
 * A port has no signals of its own and is not waitable (MX_OBJ_PROP_NONE),
 * as in Magenta: wait_one, wait_many, waitset_add and port_bind refuse it,
 * so ports never nest. A poll file can watch it (&mx_object_ops.poll):
 * readable while a packet is queued, hung up once closed.
 *
 * Locking: &mx_port.lock, an irq-safe spinlock, protects the packet list,
 * the binding lists, every binding's queued flag and packet, and
 * &mx_port.closed. The wake function runs under the source's queue lock
 * with interrupts off and takes &mx_port.lock inside it, then wakes
 * &mx_port.waiters and &mx_port.pollers (queues of their own, so that the
 * nesting is between distinct lock classes); nothing takes a source's
 * queue lock under &mx_port.lock. A waiter's armed flag is under the lock
 * of &mx_port.waiters, where the wake function reads it.
 * A waiter copies its packet out under &mx_port.lock with page faults
 * disabled (at most MX_PORT_MAX_PKT_SIZE bytes); if the page is not
 * there, it drops the lock, faults it in and tries again, so a wait that
 * fails has consumed nothing. Nothing else under the spinlock is longer
 * than a list operation; freeing bindings and packets happens outside it.
 */

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <uapi/linux/magenta.h>

#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "port.h"
#include "stats.h"
#include "wait.h"

/* The rights of the handle mx_port_create() makes. */
#define MX_PORT_RIGHTS	(MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | \
			 MX_RIGHT_READ | MX_RIGHT_WRITE)

/* Tries of a wait to copy a packet out before it gives up the buffer. */
#define MX_PORT_COPY_TRIES	4

/**
 * struct mx_port_pkt - a queued packet
 * @node:	in &mx_port.packets
 * @b:		the binding that owns it, or NULL for a user packet
 * @size:	its size in bytes
 * @data:	its bytes
 * @hdr:	its header
 * @io:		the IOSN packet, for a binding's packet
 */
struct mx_port_pkt {
	struct list_head node;
	struct mx_port_binding *b;
	u32 size;
	union {
		u8 data[MX_PORT_MAX_PKT_SIZE];
		struct mx_port_packet_header hdr;
		struct mx_port_io_packet io;
	};
};

/**
 * struct mx_port - an IO port
 * @obj:	the object
 * @rcu:	frees it a grace period after the last reference
 * @holders:	handles, messages and exported files that hold it
 * @lock:	protects the fields below and the bindings' packets
 * @packets:	the queued packets, oldest first
 * @npackets:	queued user packets (at most max_port_packets)
 * @bindings:	live bindings
 * @dead:	bindings their source left, to be freed
 * @closed:	the last holder went: no packet, no binding any more
 * @waiters:	threads in mx_port_wait(), exclusive, each woken only
 *		while it sleeps there (struct mx_port_waiter)
 * @pollers:	poll, select and epoll waiters of its poll files
 */
struct mx_port {
	struct mx_object obj;
	struct rcu_head rcu;
	atomic_t holders;
	spinlock_t lock;	/* the lists, @closed, bindings' packets */
	struct list_head packets;
	u32 npackets;
	struct list_head bindings;
	struct list_head dead;
	bool closed;
	wait_queue_head_t waiters;
	wait_queue_head_t pollers;
};

/**
 * struct mx_port_binding - a source object watched by a port
 * @wqe:	on @src's &mx_object.wq, with mx_port_wake()
 * @node:	in &mx_port.bindings or &mx_port.dead
 * @port:	its port (not referenced: the port's close removes it)
 * @src:	the watched object, referenced
 * @table:	the table of the handle it was bound through
 * @value:	that handle's value
 * @signals:	the watched signals
 * @seen:	the satisfied signals at the last look (under @src's queue
 *		lock)
 * @queued:	@pkt is queued (under &mx_port.lock)
 * @pkt:	its packet
 */
struct mx_port_binding {
	struct wait_queue_entry wqe;
	struct list_head node;
	struct mx_port *port;
	struct mx_object *src;
	struct mx_handle_table *table;
	s32 value;
	u32 signals;
	u32 seen;
	bool queued;
	struct mx_port_pkt pkt;
};

static const struct mx_object_ops mx_port_ops;

static struct mx_port *mx_port_of(struct mx_object *obj)
{
	return container_of(obj, struct mx_port, obj);
}

/**
 * struct mx_port_waiter - a thread in mx_port_wait()
 * @wqe:	on &mx_port.waiters, exclusive, with mx_port_waiter_wake()
 * @armed:	it sleeps in the wait loop now (under the waiters' queue
 *		lock): only then does a packet's wake-up go to it
 *
 * A waiter away from its sleep (copying a packet out, faulting its buffer
 * in, which may sleep on userfaultfd for as long as its owner likes) must
 * not take the one wake-up a packet gives: the next waiter is owed it.
 */
struct mx_port_waiter {
	struct wait_queue_entry wqe;
	bool armed;
};

static int mx_port_waiter_wake(struct wait_queue_entry *wqe,
			       unsigned int mode, int sync, void *key)
{
	struct mx_port_waiter *w = container_of(wqe, struct mx_port_waiter,
						wqe);

	if (!w->armed)
		return 0;	/* not asleep here: not counted, next one */
	WRITE_ONCE(w->armed, false);
	return default_wake_function(wqe, mode, sync, key);
}

/* Arm or disarm @w, under the waiters' queue lock (see mx_port_waiter). */
static void mx_port_waiter_arm(struct mx_port *port,
			       struct mx_port_waiter *w, bool armed)
{
	spin_lock_irq(&port->waiters.lock);
	w->armed = armed;
	spin_unlock_irq(&port->waiters.lock);
}

/* A packet was queued: one waiter asleep, every poller. */
static void mx_port_wake_one(struct mx_port *port)
{
	wake_up(&port->waiters);
	if (wq_has_sleeper(&port->pollers))
		wake_up_all(&port->pollers);
}

/* Under @b's source's queue lock: it leaves the source and the port. */
static void mx_port_unbind_locked(struct mx_port_binding *b)
{
	struct mx_port *port = b->port;
	unsigned long flags;

	list_del_init(&b->wqe.entry);
	b->src->binding = NULL;
	spin_lock_irqsave(&port->lock, flags);
	/* Once closed, the close owns every binding. */
	if (!port->closed) {
		if (b->queued) {
			list_del(&b->pkt.node);
			b->queued = false;
		}
		list_move_tail(&b->node, &port->dead);
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

/*
 * The wake function of every binding: runs under the source's queue lock,
 * interrupts off. Queues the binding's packet on a rising watched signal,
 * or merges the signals into it if it is queued already.
 */
static int mx_port_wake(struct wait_queue_entry *wqe, unsigned int mode,
			int sync, void *key)
{
	struct mx_port_binding *b = container_of(wqe, struct mx_port_binding,
						 wqe);
	struct mx_port *port = b->port;
	struct mx_signals_state st;
	unsigned long flags;
	bool wake = false;
	__poll_t ev = key_to_poll(key);
	u32 rising;

	if (!mx_table_alive(b->table, b->value, b->src)) {
		mx_port_unbind_locked(b);
		return 0;
	}
	mx_object_signals(b->src, &st);
	rising = st.satisfied & ~b->seen;
	/* A pipe end does not wake when these fall: the key tells a rise. */
	if (ev & EPOLLIN)
		rising |= MX_SIGNAL_READABLE;
	if (ev & EPOLLOUT)
		rising |= MX_SIGNAL_WRITABLE;
	rising &= st.satisfied & b->signals;
	b->seen = st.satisfied;
	if (!rising)
		return 0;
	spin_lock_irqsave(&port->lock, flags);
	if (port->closed) {
		/* The close is removing it. */
	} else if (b->queued) {
		b->pkt.io.signals |= st.satisfied & b->signals;
	} else {
		b->pkt.io.timestamp = ktime_get_ns();
		b->pkt.io.signals = st.satisfied & b->signals;
		list_add_tail(&b->pkt.node, &port->packets);
		b->queued = true;
		wake = true;
	}
	spin_unlock_irqrestore(&port->lock, flags);
	if (wake)
		mx_port_wake_one(port);
	return 0;
}

/* Take @b off its source's queue if it is still there. */
static void mx_port_detach(struct mx_port_binding *b)
{
	struct mx_object *src = b->src;

	spin_lock_irq(&src->wq.lock);
	if (!list_empty(&b->wqe.entry)) {
		list_del_init(&b->wqe.entry);
		src->binding = NULL;
	}
	/* Also waits out a wake function still running for it. */
	spin_unlock_irq(&src->wq.lock);
}

/* Free bindings taken off their sources and the port. Process context. */
static void mx_port_free_bindings(struct list_head *list)
{
	struct mx_port_binding *b, *n;

	list_for_each_entry_safe(b, n, list, node) {
		mx_port_detach(b);
		mx_object_put(b->src);
		kfree(b);
		cond_resched();
	}
}

/* Free the bindings whose source went. Process context. */
static void mx_port_reap(struct mx_port *port)
{
	LIST_HEAD(dead);

	if (list_empty_careful(&port->dead))
		return;
	spin_lock_irq(&port->lock);
	list_splice_init(&port->dead, &dead);
	spin_unlock_irq(&port->lock);
	mx_port_free_bindings(&dead);
}

static void mx_port_signals(struct mx_object *obj,
			    struct mx_signals_state *st)
{
	st->satisfied = 0;
	st->satisfiable = 0;
}

static void mx_port_dup(struct mx_object *obj)
{
	atomic_inc(&mx_port_of(obj)->holders);
}

/* A holder lets go; the last one closes the port. */
static void mx_port_close(struct mx_object *obj)
{
	struct mx_port *port = mx_port_of(obj);
	struct mx_port_pkt *pkt, *n;
	LIST_HEAD(binds);
	LIST_HEAD(pkts);
	long freed = 0;

	if (!atomic_dec_and_test(&port->holders))
		return;
	spin_lock_irq(&port->lock);
	port->closed = true;
	list_splice_init(&port->bindings, &binds);
	list_splice_init(&port->dead, &binds);
	list_splice_init(&port->packets, &pkts);
	port->npackets = 0;
	/* No one looks at a binding's queued flag once the port is closed. */
	spin_unlock_irq(&port->lock);
	/* Waiters and poll files see it closed. */
	wake_up_all(&port->waiters);
	wake_up_all(&port->pollers);
	list_for_each_entry_safe(pkt, n, &pkts, node) {
		if (pkt->b)
			continue;	/* a binding's: freed with it */
		kfree(pkt);
		freed++;
	}
	mx_stat_add(MX_STAT_PORT_PACKETS, -freed);
	mx_port_free_bindings(&binds);
}

static __poll_t mx_port_poll(struct mx_object *obj, struct file *file,
			     struct poll_table_struct *pt)
{
	struct mx_port *port = mx_port_of(obj);
	__poll_t mask = 0;

	poll_wait(file, &port->pollers, pt);
	spin_lock_irq(&port->lock);
	if (port->closed)
		mask |= EPOLLHUP;
	else if (!list_empty(&port->packets))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock_irq(&port->lock);
	return mask;
}

static void mx_port_free(struct mx_object *obj)
{
	mx_stat_dec(MX_STAT_PORTS);
	kfree_rcu(mx_port_of(obj), rcu);
}

static const struct mx_object_ops mx_port_ops = {
	.type		= MX_OBJ_TYPE_IOPORT,
	.props		= MX_OBJ_PROP_NONE,
	.signals	= mx_port_signals,
	.dup		= mx_port_dup,
	.close		= mx_port_close,
	.poll		= mx_port_poll,
	.free		= mx_port_free,
};

/*
 * The port @value names, referenced, if its handle has @right. In this
 * order: ERR_INVALID_ARGS (not a handle: ERR_HANDLE_CLOSED in a restarted
 * wait; not a port), then ERR_ACCESS_DENIED.
 */
static int mx_port_lookup(struct mx_handle_table *t, s32 value, u32 right,
			  bool restarted, struct mx_port **portp)
{
	struct mx_object *obj;
	int r;

	r = mx_table_get_typed(t, value, &mx_port_ops, right,
			       restarted ? -MX_ERRNO_HANDLE_CLOSED :
					   -MX_ERRNO_INVALID_ARGS, &obj);
	if (!r)
		*portp = mx_port_of(obj);
	return r;
}

/**
 * mx_port_create() - make an IO port and its first handle
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the handle back
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_port_create(struct mx_handle_table *t,
		   const struct mx_ioc_port_create *a, void __user *argp)
{
	struct mx_ioc_port_create __user *uarg = argp;
	struct mx_port *port;
	int r;

	if (a->options)
		return -MX_ERRNO_INVALID_ARGS;
	port = kzalloc(sizeof(*port), MX_GFP);
	if (!port)
		return -MX_ERRNO_NO_MEMORY;
	mx_object_init(&port->obj, &mx_port_ops, mx_koid_alloc());
	atomic_set(&port->holders, 1);
	spin_lock_init(&port->lock);
	INIT_LIST_HEAD(&port->packets);
	INIT_LIST_HEAD(&port->bindings);
	INIT_LIST_HEAD(&port->dead);
	init_waitqueue_head(&port->waiters);
	init_waitqueue_head(&port->pollers);
	mx_stat_inc(MX_STAT_PORTS);
	/* Once installed, another thread may close it: @port is not ours. */
	r = mx_table_install(t, &port->obj, MX_PORT_RIGHTS, &uarg->handle);
	if (r)
		mx_object_put(&port->obj);
	return r;
}

/**
 * mx_port_queue() - queue a user packet
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks, in this order: the padding (ERR_INVALID_ARGS), the size (over
 * MX_PORT_MAX_PKT_SIZE: ERR_NOT_ENOUGH_BUFFER; under a header:
 * ERR_INVALID_ARGS), the handle (ERR_INVALID_ARGS if not a port,
 * ERR_ACCESS_DENIED without MX_RIGHT_WRITE), the allocation
 * (ERR_NO_MEMORY), the packet's bytes (ERR_INVALID_ARGS), the port's limit
 * (ERR_NO_MEMORY).
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_port_queue(struct mx_handle_table *t,
		  const struct mx_ioc_port_queue *a)
{
	const void __user *ubuf = u64_to_user_ptr(a->packet);
	struct mx_port_pkt *pkt;
	struct mx_port *port;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	if (a->size > MX_PORT_MAX_PKT_SIZE)
		return -MX_ERRNO_NOT_ENOUGH_BUFFER;
	if (a->size < sizeof(struct mx_port_packet_header))
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_port_lookup(t, a->handle, MX_RIGHT_WRITE, false, &port);
	if (r)
		return r;
	pkt = kmalloc(sizeof(*pkt), MX_GFP);
	if (!pkt) {
		r = -MX_ERRNO_NO_MEMORY;
		goto out;
	}
	if (copy_from_user(pkt->data, ubuf, a->size)) {
		r = -MX_ERRNO_INVALID_ARGS;
		goto out_free;
	}
	pkt->b = NULL;
	pkt->size = a->size;
	pkt->hdr.type = MX_PORT_PKT_TYPE_USER;

	spin_lock_irq(&port->lock);
	if (port->closed)
		r = -MX_ERRNO_INVALID_ARGS;
	else if (port->npackets >= READ_ONCE(mx_max_port_packets))
		r = -MX_ERRNO_NO_MEMORY;
	if (!r) {
		list_add_tail(&pkt->node, &port->packets);
		port->npackets++;
	}
	spin_unlock_irq(&port->lock);
	if (r)
		goto out_free;
	mx_stat_inc(MX_STAT_PORT_PACKETS);
	mx_port_wake_one(port);
	mx_object_put(&port->obj);
	return 0;
out_free:
	kfree(pkt);
out:
	mx_object_put(&port->obj);
	return r;
}

/**
 * mx_port_bind() - watch an object's signals through a port
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks, in this order: the padding and the signals (0:
 * ERR_INVALID_ARGS), the port handle (ERR_INVALID_ARGS if not a port,
 * ERR_ACCESS_DENIED without MX_RIGHT_WRITE), the source handle
 * (ERR_INVALID_ARGS if not a handle, ERR_ACCESS_DENIED without
 * MX_RIGHT_READ, ERR_INVALID_ARGS if not waitable), the allocation
 * (ERR_NO_MEMORY), an existing binding of the source (ERR_BAD_STATE). A
 * port closed meanwhile gives ERR_INVALID_ARGS.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_port_bind(struct mx_handle_table *t, const struct mx_ioc_port_bind *a)
{
	struct mx_port_binding *b;
	struct mx_handle_ref h;
	struct mx_port *port;
	struct mx_object *src;
	int r;

	if (a->pad || !a->signals)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_port_lookup(t, a->handle, MX_RIGHT_WRITE, false, &port);
	if (r)
		return r;
	if (mx_table_get(t, a->source, &h)) {
		r = -MX_ERRNO_INVALID_ARGS;
		goto out_port;
	}
	src = h.obj;
	if (!(h.rights & MX_RIGHT_READ))
		r = -MX_ERRNO_ACCESS_DENIED;
	else if (!(src->ops->props & MX_OBJ_PROP_WAITABLE))
		r = -MX_ERRNO_INVALID_ARGS;
	if (r)
		goto out_src;
	mx_port_reap(port);
	b = kzalloc(sizeof(*b), MX_GFP);
	if (!b) {
		r = -MX_ERRNO_NO_MEMORY;
		goto out_src;
	}
	init_waitqueue_func_entry(&b->wqe, mx_port_wake);
	INIT_LIST_HEAD(&b->node);
	b->port = port;
	b->src = src;
	b->table = t;
	b->value = a->source;
	b->signals = a->signals;
	b->pkt.b = b;
	b->pkt.size = sizeof(struct mx_port_io_packet);
	b->pkt.io.hdr.key = a->key;
	b->pkt.io.hdr.type = MX_PORT_PKT_TYPE_IOSN;

	/* Both lists at once, in the module's order: source, then port. */
	spin_lock_irq(&src->wq.lock);
	spin_lock(&port->lock);
	if (port->closed) {
		r = -MX_ERRNO_INVALID_ARGS;
	} else if (src->binding) {
		r = -MX_ERRNO_BAD_STATE;
	} else {
		src->binding = b;
		__add_wait_queue_entry_tail(&src->wq, &b->wqe);
		list_add_tail(&b->node, &port->bindings);
	}
	spin_unlock(&port->lock);
	/*
	 * Queued, then look at the handle: a full barrier between, pairing
	 * with the one in wq_has_sleeper() of a handle leaving its slot
	 * (mx_object_wake()), so that either that sees the binding or the
	 * look below sees the handle gone.
	 */
	smp_mb();
	/* The first edge: signals satisfied already, or a handle gone. */
	if (!r)
		mx_port_wake(&b->wqe, 0, 0, NULL);
	spin_unlock_irq(&src->wq.lock);
	if (!r)
		goto out_port;	/* the binding keeps the source's reference */
	kfree(b);
out_src:
	mx_object_put(src);
out_port:
	mx_object_put(&port->obj);
	return r;
}

/*
 * Take the oldest packet into @ubuf (@size bytes): 0, -EAGAIN if there is
 * none, -MX_ERRNO_INVALID_ARGS if it does not fit or the buffer cannot be
 * written. A failure consumes nothing.
 */
static int mx_port_take(struct mx_port *port, void __user *ubuf, u64 size)
{
	struct mx_port_pkt *pkt, *to_free = NULL;
	int tries = 0;
	u32 len;
	long r;

again:
	spin_lock_irq(&port->lock);
	pkt = list_first_entry_or_null(&port->packets, struct mx_port_pkt,
				       node);
	if (!pkt) {
		spin_unlock_irq(&port->lock);
		return -EAGAIN;
	}
	len = pkt->size;
	if (len > size) {
		spin_unlock_irq(&port->lock);
		return -MX_ERRNO_INVALID_ARGS;
	}
	r = copy_to_user_nofault(ubuf, pkt->data, len);
	if (!r) {
		list_del(&pkt->node);
		if (pkt->b) {
			pkt->b->queued = false;	/* re-armed */
		} else {
			port->npackets--;
			to_free = pkt;
		}
	}
	spin_unlock_irq(&port->lock);
	if (!r) {
		kfree(to_free);
		if (to_free)
			mx_stat_dec(MX_STAT_PORT_PACKETS);
		return 0;
	}
	/* The page is not there: fault it in without the lock, then retry. */
	if (++tries > MX_PORT_COPY_TRIES ||
	    fault_in_safe_writeable(ubuf, len))
		return -MX_ERRNO_INVALID_ARGS;
	goto again;
}

static bool mx_port_has_packet(struct mx_port *port)
{
	bool has;

	spin_lock_irq(&port->lock);
	has = !list_empty(&port->packets);
	spin_unlock_irq(&port->lock);
	return has;
}

/* The wait loop of mx_port_wait(). */
/* What mx_wait_until() checks for a port wait. */
struct mx_port_sleep {
	struct mx_handle_table *t;
	struct mx_port *port;
	struct mx_port_waiter *w;
	s32 value;
	bool armed;
};

/*
 * 0 once the waiter should look for a packet again: one is queued, a
 * packet chose it (its wake disarmed it), or its handle went. The first
 * call of a sleep arms it, with the task state already set, so that a
 * packet queued from then on wakes it. One that was chosen, and whose
 * packet another thread then took, comes back and is armed anew: it never
 * sleeps unarmed, where no packet would wake it.
 */
static int mx_port_check(void *arg)
{
	struct mx_port_sleep *s = arg;

	if (!s->armed) {
		mx_port_waiter_arm(s->port, s->w, true);
		s->armed = true;
	} else if (!READ_ONCE(s->w->armed)) {
		return 0;	/* a packet chose it */
	}
	if (mx_port_has_packet(s->port) ||
	    !mx_table_alive(s->t, s->value, &s->port->obj))
		return 0;
	return -EAGAIN;
}

static int mx_port_wait_loop(struct mx_handle_table *t, struct mx_port *port,
			     s32 value, void __user *ubuf, u64 size)
{
	struct mx_port_waiter w = { .armed = false };
	struct mx_port_sleep sl = { t, port, &w, value, false };
	struct wait_queue_entry we_obj;
	bool queued = false;
	int r;

	init_waitqueue_func_entry(&w.wqe, mx_port_waiter_wake);
	w.wqe.private = current;
	init_waitqueue_entry(&we_obj, current);
	for (;;) {
		/* A packet first: a woken waiter takes the one it was woken for. */
		r = mx_port_take(port, ubuf, size);
		if (r != -EAGAIN)
			break;
		if (!mx_table_alive(t, value, &port->obj)) {
			r = -MX_ERRNO_HANDLE_CLOSED;
			break;
		}
		if (!queued) {
			/* At the tail, kept there until it leaves: FIFO. */
			add_wait_queue_exclusive(&port->waiters, &w.wqe);
			/* Handle changes wake every waiter, on the object. */
			add_wait_queue(&port->obj.wq, &we_obj);
			mx_stat_inc(MX_STAT_WAITERS);
			queued = true;
		}
		sl.armed = false;
		r = mx_wait_until(KTIME_MAX, mx_port_check, &sl);
		/* Woken or not, from here it is away from its sleep. */
		mx_port_waiter_arm(port, &w, false);
		if (r)
			break;	/* a signal */
	}
	if (queued) {
		remove_wait_queue(&port->obj.wq, &we_obj);
		remove_wait_queue(&port->waiters, &w.wqe);
		mx_stat_dec(MX_STAT_WAITERS);
		/*
		 * A queue may have chosen us just before we left without its
		 * packet: hand its wake-up to the next waiter.
		 */
		if (r && mx_port_has_packet(port))
			wake_up(&port->waiters);
	}
	return r;
}

/**
 * mx_port_wait() - take the oldest packet of a port, waiting for one
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	the user's argument struct (for @a->restarted)
 *
 * Checks, in this order: restarted (ERR_INVALID_ARGS), the buffer pointer
 * (NULL: ERR_INVALID_ARGS), the port handle (ERR_INVALID_ARGS if not a
 * port, or ERR_HANDLE_CLOSED in a restarted wait; ERR_ACCESS_DENIED
 * without MX_RIGHT_READ), the size (under a header: ERR_INVALID_ARGS).
 * Then waits, with no deadline, until a packet is queued (0), or the
 * handle goes (ERR_HANDLE_CLOSED). A packet larger than @a->size, or a
 * buffer that cannot be written, gives ERR_INVALID_ARGS and leaves the
 * packet queued.
 *
 * Return: 0, a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_port_wait(struct mx_handle_table *t,
		 const struct mx_ioc_port_wait *a, void __user *argp)
{
	struct mx_ioc_port_wait __user *uarg = argp;
	void __user *ubuf = u64_to_user_ptr(a->packet);
	struct mx_port *port;
	int r;

	if (a->restarted > 1 || !ubuf)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_port_lookup(t, a->handle, MX_RIGHT_READ, a->restarted, &port);
	if (r)
		return r;
	if (a->size < sizeof(struct mx_port_packet_header) ||
	    !access_ok(ubuf, min_t(u64, a->size, MX_PORT_MAX_PKT_SIZE))) {
		r = -MX_ERRNO_INVALID_ARGS;
		goto out;
	}
	mx_port_reap(port);
	r = mx_port_wait_loop(t, port, a->handle, ubuf, a->size);
	if (r == -ERESTARTSYS && !a->restarted &&
	    put_user(1u, &uarg->restarted))
		r = -EFAULT;
out:
	mx_object_put(&port->obj);
	return r;
}
