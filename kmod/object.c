// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel objects: what a handle names.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Objects
 *
 * Every kernel object (a message pipe endpoint, an event) starts with a
 * &struct mx_object: its type (&struct mx_object_ops), a reference count,
 * the wait queue of the threads waiting for its signals, and its koid. The
 * handle table (handle_table.c) and the waits (wait.c) see only this part;
 * each type's file (pipe.c, event.c) implements its ops.
 *
 * A koid is a 64-bit id, never 0 and never reused while the module is
 * loaded. They are handed out in pairs, so that the two endpoints of a pipe
 * get 2k and 2k + 1 and the peer of koid n is n ^ 1; an object that needs
 * one takes 2k and leaves 2k + 1 unused.
 *
 * Lifetime: every holder of an object (a handle in a table, a message that
 * carries it, an exported file) owns one reference; calls in progress take
 * transient ones. A holder that lets go calls mx_object_close(), which
 * tells the type (&mx_object_ops.close: a pipe endpoint dies with its only
 * holder) and drops the reference. The last reference frees the object
 * after an RCU grace period (&mx_object_ops.free), since handle lookups
 * take no lock and may still be looking at it: they take their reference
 * with mx_object_tryget(), which fails once the count has reached 0.
 *
 * Locking: none of its own. The signal state is the type's business; a
 * change to it is followed by mx_object_wake() after the type's lock is
 * dropped, and a waiter reads the state after queueing itself (wait.c).
 */

#include <linux/atomic.h>

#include "object.h"

/* The last koid pair given out; the first pair is 2, 3. */
static atomic64_t mx_koid_pairs = ATOMIC64_INIT(0);

/**
 * mx_koid_alloc() - a new pair of koids
 *
 * Return: the even koid of a pair never given out before; its odd partner
 * belongs to the caller too.
 */
u64 mx_koid_alloc(void)
{
	return (u64)atomic64_inc_return(&mx_koid_pairs) * 2;
}

/**
 * mx_object_init() - set up the common part of a new object
 * @obj:	the object
 * @ops:	its type
 * @koid:	its koid (mx_koid_alloc())
 *
 * The caller owns the one reference it starts with.
 */
void mx_object_init(struct mx_object *obj, const struct mx_object_ops *ops,
		    u64 koid)
{
	obj->ops = ops;
	kref_init(&obj->ref);
	init_waitqueue_head(&obj->wq);
	obj->koid = koid;
	obj->binding = NULL;
}

/**
 * mx_object_release() - the kref release of every object
 * @ref:	&mx_object.ref, now 0
 */
void mx_object_release(struct kref *ref)
{
	struct mx_object *obj = container_of(ref, struct mx_object, ref);

	obj->ops->free(obj);
}

/**
 * mx_object_close() - a holder lets go of an object
 * @obj:	the object; the holder's reference is consumed
 *
 * Caller holds no magenta lock.
 */
void mx_object_close(struct mx_object *obj)
{
	if (obj->ops->close)
		obj->ops->close(obj);
	mx_object_put(obj);
}
