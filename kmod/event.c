// SPDX-License-Identifier: GPL-2.0
/*
 * Events: objects with user signals only.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Events
 *
 * An event is an object whose whole state is its user signals,
 * MX_SIGNAL_SIGNAL0..4: mx_object_signal() clears and sets them, and any
 * wait may watch them. All of them stay satisfiable for the event's whole
 * life, so a wait on an event ends only when a signal is set, the handle
 * goes or the deadline passes. An event can have any number of handles
 * (its handles hold MX_RIGHT_DUPLICATE) and lives until the last holder
 * lets go.
 *
 * Locking: &mx_event.signals changes with one cmpxchg() and is read with
 * READ_ONCE(); the wake-up after a change goes to &mx_object.wq, whose
 * waiters set their task state before they read the signals (wait.c).
 * No other lock.
 */

#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "event.h"
#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "stats.h"
#include "trace.h"

/* The rights of the handle mx_event_create() makes. */
#define MX_EVENT_RIGHTS	(MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | \
			 MX_RIGHT_READ | MX_RIGHT_WRITE)

/**
 * struct mx_event - an event
 * @obj:	the object
 * @rcu:	frees it a grace period after the last reference
 * @signals:	the satisfied user signals
 */
struct mx_event {
	struct mx_object obj;
	struct rcu_head rcu;
	u32 signals;
};

static struct mx_event *mx_event_of(struct mx_object *obj)
{
	return container_of(obj, struct mx_event, obj);
}

static void mx_event_signals(struct mx_object *obj,
			     struct mx_signals_state *st)
{
	st->satisfied = READ_ONCE(mx_event_of(obj)->signals);
	st->satisfiable = MX_SIGNAL_SIGNAL_ALL;
}

static int mx_event_user_signal(struct mx_object *obj, u32 clear, u32 set)
{
	struct mx_event *ev = mx_event_of(obj);
	u32 old = READ_ONCE(ev->signals), new;

	do {
		new = (old & ~clear) | set;
	} while (new != old && !try_cmpxchg(&ev->signals, &old, new));
	/* Pairs with the waiter's set_current_state() (in wq_has_sleeper()). */
	if (new != old)
		mx_object_wake(obj);
	return 0;
}

static void mx_event_free(struct mx_object *obj)
{
	mx_stat_dec(MX_STAT_EVENTS);
	kfree_rcu(mx_event_of(obj), rcu);
}

static const struct mx_object_ops mx_event_ops = {
	.type		= MX_OBJ_TYPE_EVENT,
	.props		= MX_OBJ_PROP_WAITABLE,
	.signals	= mx_event_signals,
	.user_signal	= mx_event_user_signal,
	.free		= mx_event_free,
};

/**
 * mx_event_create() - make an event and its first handle
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the handle back
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_event_create(struct mx_handle_table *t,
		    const struct mx_ioc_event_create *a, void __user *argp)
{
	struct mx_ioc_event_create __user *uarg = argp;
	struct mx_event *ev;
	u64 koid;
	int r;

	r = -MX_ERRNO_INVALID_ARGS;
	if (a->options)
		goto fail;
	r = -MX_ERRNO_NO_MEMORY;
	ev = kmalloc(sizeof(*ev), MX_GFP);
	if (!ev)
		goto fail;
	koid = mx_koid_alloc();
	mx_object_init(&ev->obj, &mx_event_ops, koid);
	ev->signals = 0;
	mx_stat_inc(MX_STAT_EVENTS);
	/* Once installed, another thread may close it: @ev is not ours. */
	r = mx_table_install(t, &ev->obj, MX_EVENT_RIGHTS, &uarg->handle);
	if (r)
		mx_object_put(&ev->obj);
	trace_magenta_event_create(koid, r);
	return r;
fail:
	/* koid 0: the call failed before the event had one. */
	trace_magenta_event_create(0, r);
	return r;
}
