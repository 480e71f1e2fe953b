/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel objects: what a handle names.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_OBJECT_H
#define __MX_OBJECT_H

#include <linux/kref.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>

struct file;
struct mx_object;
struct mx_port_binding;
struct mx_signals_state;
struct poll_table_struct;

/**
 * struct mx_object_ops - what a type of object does
 * @type:	MX_OBJ_TYPE_* reported by mx_handle_get_info()
 * @props:	MX_OBJ_PROP_* reported by mx_handle_get_info()
 * @signals:	read the object's signal state; lockless, and called with
 *		no magenta lock held or with a table lock held (must not
 *		take a lock that nests outside a table lock)
 * @user_signal: clear, then set user signals (MX_SIGNAL_SIGNAL_ALL), or
 *		NULL if the type has none; returns 0 or a negative
 *		MX_ERRNO_* value
 * @dup:	a new holder: a handle was duplicated from one of its
 *		handles; NULL if the type does not care. Called under a
 *		table lock: must not sleep.
 * @close:	a holder (a handle, an exported file, a message) lets go of
 *		the object, before its reference is dropped; NULL if the type
 *		does not care. Called with no magenta lock held; may sleep.
 * @poll:	for a poll file (mx_handle_poll_fd()): poll_wait() on the
 *		queue that is woken when the answer changes, then return
 *		EPOLLIN | EPOLLRDNORM if the type's wait call would not block
 *		now and EPOLLHUP once the object's last handle is closed;
 *		NULL if the type cannot be watched by a file. Called with no
 *		magenta lock held; may sleep.
 * @free:	the last reference went; free the object after an RCU grace
 *		period, as lockless lookups may still look at it
 */
struct mx_object_ops {
	u32 type;
	u32 props;
	void (*signals)(struct mx_object *obj, struct mx_signals_state *st);
	int (*user_signal)(struct mx_object *obj, u32 clear, u32 set);
	void (*dup)(struct mx_object *obj);
	void (*close)(struct mx_object *obj);
	__poll_t (*poll)(struct mx_object *obj, struct file *file,
			 struct poll_table_struct *pt);
	void (*free)(struct mx_object *obj);
};

/**
 * struct mx_object - the part every kernel object shares
 * @ops:	its type
 * @ref:	one per holder (handle, exported file or message that
 *		carries it) plus transient references of calls in progress
 * @wq:		threads waiting for its signals (wait.c)
 * @koid:	its id: never 0, never reused while the module is loaded
 * @binding:	the IO port binding that watches it, or NULL (port.c);
 *		under @wq.lock
 */
struct mx_object {
	const struct mx_object_ops *ops;
	struct kref ref;
	wait_queue_head_t wq;
	u64 koid;
	struct mx_port_binding *binding;
};

/**
 * struct mx_handle_ref - an object and the rights a handle has to it
 * @obj:	the object, referenced
 * @rights:	MX_RIGHT_* bits
 *
 * The reference is a holder reference in a queued message or an exported
 * file, and a transient one when a call has looked a handle up.
 */
struct mx_handle_ref {
	struct mx_object *obj;
	u32 rights;
};

void mx_object_init(struct mx_object *obj, const struct mx_object_ops *ops,
		    u64 koid);
u64 mx_koid_alloc(void);
void mx_object_release(struct kref *ref);
void mx_object_close(struct mx_object *obj);

static inline void mx_object_get(struct mx_object *obj)
{
	kref_get(&obj->ref);
}

/* Under rcu_read_lock(): a reference unless the object is being freed. */
static inline bool mx_object_tryget(struct mx_object *obj)
{
	return kref_get_unless_zero(&obj->ref);
}

static inline void mx_object_put(struct mx_object *obj)
{
	kref_put(&obj->ref, mx_object_release);
}

/* Is @obj of type @ops? */
static inline bool mx_object_is(const struct mx_object *obj,
				const struct mx_object_ops *ops)
{
	return obj->ops == ops;
}

/* The signal state of @obj now (lockless; see &mx_object_ops.signals). */
static inline void mx_object_signals(struct mx_object *obj,
				     struct mx_signals_state *st)
{
	obj->ops->signals(obj, st);
}

/**
 * mx_object_wake() - wake every thread waiting on an object
 * @obj:	the object whose signals changed, or whose handle went
 */
static inline void mx_object_wake(struct mx_object *obj)
{
	if (wq_has_sleeper(&obj->wq))
		wake_up_all(&obj->wq);
}

#endif /* __MX_OBJECT_H */
