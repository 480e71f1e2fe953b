// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for signals on handles.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Waiting
 *
 * A waiter sleeps on the &mx_object.wq of every object it watches (a pipe
 * endpoint, an event: any type, through &mx_object_ops.signals) and
 * re-evaluates, after each wake-up, three things in this order: is the
 * handle still the same handle of the caller's table (else
 * ERR_HANDLE_CLOSED: closed, replaced or sent away), is any requested
 * signal satisfied (NO_ERROR), can none of them ever be (ERR_BAD_STATE).
 * Every
 * change to those (a write, a read, a peer's death, a handle leaving its
 * slot) wakes the queue after it is made, and the waiter sets its task
 * state before checking, so no wake-up is lost.
 *
 * Deadlines are absolute CLOCK_MONOTONIC times, slept on with a
 * high-resolution timer and no slack. A signal ends the sleep with
 * -ERESTARTSYS; the call is restarted with the same deadline (by the kernel
 * or by libmx on EINTR), so a handler neither loses a wake-up nor stretches
 * or shortens the wait. Before returning -ERESTARTSYS the call sets
 * restarted in the user's argument struct: a restarted wait whose handle
 * went away while the handler ran (closed, replaced, sent, exported) ends
 * with ERR_HANDLE_CLOSED, as it would have had it stayed asleep, and not
 * with ERR_INVALID_ARGS. The cost of a wait depends only on the handles it
 * watches.
 *
 * Every user pointer of a wait is checked, by writing to it, before the
 * result can be known: a wait that would end at once (a deadline in the
 * past, count 0) fails with ERR_INVALID_ARGS on an unwritable buffer just
 * like one that sleeps.
 *
 * Locking: evaluating takes no lock (the handle check and the types'
 * signals are lockless); sleeps with no magenta lock held.
 */

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "stats.h"
#include "trace.h"
#include "wait.h"

/* Waits on up to this many handles keep their waiters on the stack. */
#define MX_STACK_WAITERS	4

/**
 * struct mx_waiter - one watched handle of a wait
 * @value:	the handle value
 * @signals:	the signals asked for
 * @h:		the object (referenced) and the handle's rights
 * @entry:	our entry on the object's wait queue
 * @state:	the last state seen
 */
struct mx_waiter {
	s32 value;
	u32 signals;
	struct mx_handle_ref h;
	struct wait_queue_entry entry;
	struct mx_signals_state state;
};

/* 0: satisfied; -EAGAIN: keep waiting; else the MX_ERRNO_* that ends it. */
static int mx_wait_eval(struct mx_handle_table *t, struct mx_waiter *w)
{
	if (!w->h.obj || !mx_table_alive(t, w->value, w->h.obj))
		return -MX_ERRNO_HANDLE_CLOSED;
	mx_object_signals(w->h.obj, &w->state);
	if (w->state.satisfied & w->signals)
		return 0;
	if (!(w->state.satisfiable & w->signals))
		return -MX_ERRNO_BAD_STATE;
	return -EAGAIN;
}

static void mx_wait_put(struct mx_waiter *w, u32 count)
{
	while (count--)
		if (w[count].h.obj)
			mx_object_put(w[count].h.obj);
}

/*
 * Look up every handle: all must be valid, then all must allow READ, then
 * all must be waitable (a wait set is not: ERR_NOT_SUPPORTED). In a
 * restarted wait, a handle that is gone was closed during the wait: its
 * waiter gets no object, and ends the wait with ERR_HANDLE_CLOSED when
 * its turn comes, with an empty state.
 */
static int mx_wait_get(struct mx_handle_table *t, struct mx_waiter *w,
		       u32 count, bool restarted)
{
	u32 i, n;
	int r = 0;

	for (n = 0; n < count && !r; n++) {
		if (!mx_table_get(t, w[n].value, &w[n].h))
			continue;
		w[n].h.obj = NULL;
		if (!restarted)
			r = -MX_ERRNO_INVALID_ARGS;
	}
	for (i = 0; i < n && !r; i++)
		if (w[i].h.obj && !(w[i].h.rights & MX_RIGHT_READ))
			r = -MX_ERRNO_ACCESS_DENIED;
	for (i = 0; i < n && !r; i++)
		if (w[i].h.obj &&
		    !(w[i].h.obj->ops->props & MX_OBJ_PROP_WAITABLE))
			r = -MX_ERRNO_NOT_SUPPORTED;
	if (r) {
		mx_wait_put(w, n);
		return r;
	}
	for (i = 0; i < count; i++)
		init_waitqueue_entry(&w[i].entry, current);
	return 0;
}

/* Evaluate every waiter in order; the first that ends the wait wins. */
static int mx_wait_eval_all(struct mx_handle_table *t, struct mx_waiter *w,
			    u32 count, u32 *index)
{
	u32 i;
	int r = -EAGAIN;

	for (i = 0; i < count && r == -EAGAIN; i++)
		r = mx_wait_eval(t, &w[i]);
	if (r != -EAGAIN)
		*index = i - 1;
	return r;
}

/* What mx_wait_until() checks for mx_wait_block(). */
struct mx_wait_all {
	struct mx_handle_table *t;
	struct mx_waiter *w;
	u32 count;
	u32 *index;
};

static int mx_wait_check_all(void *arg)
{
	struct mx_wait_all *a = arg;

	return mx_wait_eval_all(a->t, a->w, a->count, a->index);
}

/* Queue on every object and sleep until the wait ends. */
static int mx_wait_block(struct mx_handle_table *t, struct mx_waiter *w,
			 u32 count, u64 deadline, u32 *index)
{
	struct mx_wait_all all = { t, w, count, index };
	u32 i;
	int r;

	for (i = 0; i < count; i++)
		add_wait_queue(&w[i].h.obj->wq, &w[i].entry);
	mx_stat_inc(MX_STAT_WAITERS);
	r = mx_wait_until(deadline, mx_wait_check_all, &all);
	mx_stat_dec(MX_STAT_WAITERS);
	for (i = 0; i < count; i++)
		remove_wait_queue(&w[i].h.obj->wq, &w[i].entry);
	return r;
}

/*
 * Before a wait sleeps, its caller writes the states seen so far to the
 * user's buffers, so that an unwritable buffer fails the call now and not
 * after the sleep. Returns 0 or a negative MX_ERRNO_* value.
 */
typedef int (*mx_wait_probe_fn)(const void *args, const struct mx_waiter *w);

/*
 * Wait until one of @w ends the wait or @deadline passes, calling @probe
 * (with @args) first if it has to sleep. Returns the result and, in
 * *@index, the waiter that decided it; every waiter's state is read again
 * at the end.
 */
static int mx_wait_sleep(struct mx_handle_table *t, struct mx_waiter *w,
			 u32 count, u64 deadline, u32 *index,
			 mx_wait_probe_fn probe, const void *args)
{
	u32 i;
	int r;

	/* Most waits are decided at once: look before queueing anywhere. */
	r = mx_wait_eval_all(t, w, count, index);
	if (r == -EAGAIN && deadline < KTIME_MAX &&
	    ktime_compare(ktime_get(), ns_to_ktime(deadline)) >= 0) {
		r = -MX_ERRNO_TIMED_OUT;
		/* Nothing was slept on, so check the buffers now. */
		if (probe(args, w))
			return -MX_ERRNO_INVALID_ARGS;
	}
	if (r == -EAGAIN) {
		/* Every waiter was evaluated, so every state is set. */
		r = probe(args, w);
		if (r)
			return r;
		r = mx_wait_block(t, w, count, deadline, index);
	}
	/* Every state the caller sees is from the end of the wait... */
	for (i = 0; i < count; i++)
		if (w[i].h.obj)
			mx_object_signals(w[i].h.obj, &w[i].state);
	/*
	 * ...so what came after the deadline (while the buffers were probed,
	 * say) still counts, judged as any look at the handles is, in their
	 * order: a handle gone, a signal, a state that can no longer be
	 * satisfied. Else one call could report a signal that came after a
	 * handle before it was closed, which no order of events explains.
	 */
	if (r == -MX_ERRNO_TIMED_OUT) {
		int late = mx_wait_eval_all(t, w, count, index);

		if (late != -EAGAIN)
			r = late;
	}
	return r;
}

/*
 * A wait interrupted by a signal will be restarted: mark it so. Returns
 * -ERESTARTSYS, or -EFAULT if the argument struct is not writable.
 */
static int mx_wait_mark_restart(u32 __user *restarted, u32 was)
{
	return !was && put_user(1u, restarted) ? -EFAULT : -ERESTARTSYS;
}

/* Write the wait_one's state to the caller's buffer, if any. */
static int mx_wait_one_put_state(const void *args, const struct mx_waiter *w)
{
	const struct mx_ioc_wait_one *a = args;
	struct mx_signals_state __user *ustate = u64_to_user_ptr(a->state);

	if (ustate && copy_to_user(ustate, &w->state, sizeof(w->state)))
		return -MX_ERRNO_INVALID_ARGS;
	return 0;
}

/**
 * mx_wait_one() - wait for signals on one handle
 * @t:	the caller's table
 * @a:	the arguments
 *
 * Return: 0, a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_wait_one(struct mx_handle_table *t, const struct mx_ioc_wait_one *a,
		void __user *argp)
{
	struct mx_ioc_wait_one __user *uarg = argp;
	struct mx_waiter w = { .value = a->handle, .signals = a->signals };
	u32 index;
	int r;

	if (a->pad || a->restarted > 1)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_wait_get(t, &w, 1, a->restarted);
	if (r)
		return r;
	if (trace_magenta_wait_start_enabled())
		trace_magenta_wait_start(MX_TRACE_WAIT_ONE, a->handle, w.h.obj,
					 a->signals, 1, a->deadline);
	r = mx_wait_sleep(t, &w, 1, a->deadline, &index,
			  mx_wait_one_put_state, a);
	if (r == -ERESTARTSYS)
		r = mx_wait_mark_restart(&uarg->restarted, a->restarted);
	else if (r != -MX_ERRNO_INVALID_ARGS && mx_wait_one_put_state(a, &w))
		r = -MX_ERRNO_INVALID_ARGS;
	if (trace_magenta_wait_end_enabled())
		trace_magenta_wait_end(MX_TRACE_WAIT_ONE, a->handle, w.h.obj, r,
				       w.state.satisfied, 0);
	mx_wait_put(&w, 1);
	return r;
}

/**
 * mx_wait_readable() - sleep until a message is queued or the peer is gone
 * @t:		the caller's table
 * @value:	the handle to watch, which must keep naming @obj
 * @obj:	its object, a pipe endpoint, pinned by the caller
 * @deadline:	as in struct mx_ioc_wait_one
 *
 * Return: 0, or a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_wait_readable(struct mx_handle_table *t, s32 value,
		     struct mx_object *obj, u64 deadline)
{
	struct mx_waiter w = {
		.value = value,
		.signals = MX_SIGNAL_READABLE | MX_SIGNAL_PEER_CLOSED,
		.h.obj = obj,
	};
	u32 index;
	int r;

	init_waitqueue_entry(&w.entry, current);
	if (trace_magenta_wait_start_enabled())
		trace_magenta_wait_start(MX_TRACE_WAIT_CALL, w.value, w.h.obj,
					 w.signals, 1, deadline);
	/* mx_wait_block() looks at the queue once queued, before sleeping. */
	r = mx_wait_block(t, &w, 1, deadline, &index);
	if (trace_magenta_wait_end_enabled())
		trace_magenta_wait_end(MX_TRACE_WAIT_CALL, w.value, w.h.obj, r,
				       w.state.satisfied, 0);
	return r;
}

/* Write every waiter's state to the wait_many's states array, if any. */
static int mx_wait_put_states(const void *args, const struct mx_waiter *w)
{
	const struct mx_ioc_wait_many *a = args;
	struct mx_signals_state __user *us = u64_to_user_ptr(a->states);
	u32 i;

	if (!us)
		return 0;
	if (!user_write_access_begin(us, a->count * sizeof(*us)))
		return -MX_ERRNO_INVALID_ARGS;
	for (i = 0; i < a->count; i++) {
		unsafe_put_user(w[i].state.satisfied, &us[i].satisfied, fault);
		unsafe_put_user(w[i].state.satisfiable, &us[i].satisfiable,
				fault);
	}
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return -MX_ERRNO_INVALID_ARGS;
}

/* Read the handle and signal arrays of a wait_many into @w. */
static int mx_wait_many_copy_in(const struct mx_ioc_wait_many *a,
				struct mx_waiter *w)
{
	const s32 __user *uh = u64_to_user_ptr(a->handles);
	const u32 __user *us = u64_to_user_ptr(a->signals);
	u32 i;

	if (!user_read_access_begin(uh, a->count * sizeof(*uh)))
		return -MX_ERRNO_INVALID_ARGS;
	for (i = 0; i < a->count; i++)
		unsafe_get_user(w[i].value, &uh[i], fault);
	user_read_access_end();
	if (!user_read_access_begin(us, a->count * sizeof(*us)))
		return -MX_ERRNO_INVALID_ARGS;
	for (i = 0; i < a->count; i++)
		unsafe_get_user(w[i].signals, &us[i], fault);
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return -MX_ERRNO_INVALID_ARGS;
}

static int mx_wait_many_probe(const void *args, const struct mx_waiter *w)
{
	const struct mx_ioc_wait_many *a = args;
	u32 __user *uindex = u64_to_user_ptr(a->result_index);

	if (mx_wait_put_states(a, w) || (uindex && put_user(0u, uindex)))
		return -MX_ERRNO_INVALID_ARGS;
	return 0;
}

/**
 * mx_wait_many() - wait for signals on several handles
 * @t:	the caller's table
 * @a:	the arguments
 *
 * Return: 0, a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_wait_many(struct mx_handle_table *t, const struct mx_ioc_wait_many *a,
		 void __user *argp)
{
	struct mx_ioc_wait_many __user *uarg = argp;
	u32 __user *uindex = u64_to_user_ptr(a->result_index);
	struct mx_waiter stack_w[MX_STACK_WAITERS] = {}, *w = stack_w;
	u32 index = 0;
	int r;

	if (a->restarted > 1 || a->count > MX_MAX_WAIT_HANDLES)
		return -MX_ERRNO_INVALID_ARGS;
	if (a->count > MX_STACK_WAITERS) {
		w = kcalloc(a->count, sizeof(*w), MX_GFP_TEMP);
		if (!w)
			return -MX_ERRNO_NO_MEMORY;
	}
	r = mx_wait_many_copy_in(a, w);
	if (r)
		goto out_free;
	r = mx_wait_get(t, w, a->count, a->restarted);
	if (r)
		goto out_free;
	if (trace_magenta_wait_start_enabled())
		trace_magenta_wait_start(MX_TRACE_WAIT_MANY, w[0].value,
					 w[0].h.obj, w[0].signals, a->count,
					 a->deadline);
	r = mx_wait_sleep(t, w, a->count, a->deadline, &index,
			  mx_wait_many_probe, a);
	if (r == -ERESTARTSYS)
		r = mx_wait_mark_restart(&uarg->restarted, a->restarted);
	if (r == -ERESTARTSYS || r == -EFAULT || r == -MX_ERRNO_INVALID_ARGS)
		goto out_put;
	if (mx_wait_put_states(a, w))
		r = -MX_ERRNO_INVALID_ARGS;
	else if (uindex && (r == 0 || r == -MX_ERRNO_BAD_STATE ||
			    r == -MX_ERRNO_HANDLE_CLOSED) &&
		 put_user(index, uindex))
		r = -MX_ERRNO_INVALID_ARGS;
out_put:
	if (trace_magenta_wait_end_enabled())
		trace_magenta_wait_end(MX_TRACE_WAIT_MANY, w[index].value,
				       w[index].h.obj, r,
				       w[index].state.satisfied, index);
	mx_wait_put(w, a->count);
out_free:
	if (w != stack_w)
		kfree(w);
	return r;
}
