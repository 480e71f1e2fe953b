/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for signals on handles.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_WAIT_H
#define __MX_WAIT_H

#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/types.h>
#include <uapi/linux/magenta.h>

struct mx_object;
struct mx_handle_table;
struct mx_ioc_wait_many;
struct mx_ioc_wait_one;

int mx_wait_one(struct mx_handle_table *t, const struct mx_ioc_wait_one *a,
		void __user *argp);
int mx_wait_many(struct mx_handle_table *t, const struct mx_ioc_wait_many *a,
		 void __user *argp);
int mx_wait_readable(struct mx_handle_table *t, s32 value,
		     struct mx_object *obj, u64 deadline);

/**
 * mx_wait_until() - sleep until a wait is over
 * @deadline:	absolute CLOCK_MONOTONIC time in ns; KTIME_MAX or more: none
 * @check:	is it over? -EAGAIN while it goes on, else its result.
 *		Called with the task state set, so lockless and not sleeping
 * @arg:	for @check
 *
 * The caller is on every wait queue whose wake-up can change @check's
 * answer, before the first call. Every wait of the module sleeps here:
 * task state, check, deadline, signal, then the high-resolution sleep
 * with no slack. Inline, so that @check is a direct call.
 *
 * Return: @check's result, -MX_ERRNO_TIMED_OUT, or -ERESTARTSYS on a
 * signal (the caller marks the call restarted).
 */
static __always_inline int mx_wait_until(u64 deadline,
					 int (*check)(void *arg), void *arg)
{
	ktime_t expires = ns_to_ktime(deadline);
	bool forever = deadline >= KTIME_MAX;
	int r;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		r = check(arg);
		if (r != -EAGAIN)
			break;
		if (!forever && ktime_compare(ktime_get(), expires) >= 0) {
			r = -MX_ERRNO_TIMED_OUT;
			break;
		}
		if (signal_pending(current)) {
			r = -ERESTARTSYS;
			break;
		}
		schedule_hrtimeout_range(forever ? NULL : &expires, 0,
					 HRTIMER_MODE_ABS);
	}
	__set_current_state(TASK_RUNNING);
	return r;
}

#endif /* __MX_WAIT_H */
