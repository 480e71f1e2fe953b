/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message pipes: two endpoints and their queues.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_PIPE_H
#define __MX_PIPE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "object.h"

struct mx_handle_table;
struct mx_message;
struct mx_ioc_msgpipe_call;
struct mx_ioc_msgpipe_create;
struct mx_ioc_msgpipe_read;
struct mx_ioc_msgpipe_write;
struct mx_signals_state;

/**
 * struct mx_endpoint - one side of a message pipe
 * @obj:	the object; its reference count holds one reference on the
 *		pipe (&mx_pipe.ref) while it is not 0
 * @queue:	messages written by the peer, oldest first
 * @nr_msgs:	length of @queue
 * @nr_bytes:	cost of @queue (mx_message_cost()), against the byte limit
 * @held_by:	the endpoint whose queue holds the message carrying this
 *		endpoint's handle, or NULL (graph lock)
 * @spare:	a large message buffer kept for the next large write to
 *		this endpoint (exchanged atomically, see message.c)
 * @gc_seq:	scratch mark of mx_graph_link() (graph lock)
 * @nr_hmsgs:	messages in @queue that carry endpoints (graph lock)
 * @depth:	an upper bound of the nesting below this endpoint: 0 when no
 *		queued message carries handles, else at least 1 + the depth
 *		of every endpoint they carry (graph lock)
 * @limits_gen:	mx_limits_gen at the last read (pipe lock)
 * @side:	0 or 1, the index in &mx_pipe.ep
 * @reply:	a reply pipe: every write must carry its own handle last
 * @dead:	its handle is gone; its queue was destroyed
 * @reading:	a read has claimed the head of @queue and is copying it out;
 *		it stays queued until that read ends (pipe lock)
 * @read_waiting: a read waits for the claim to end (pipe lock)
 */
struct mx_endpoint {
	struct mx_object obj;
	struct list_head queue;
	u32 nr_msgs;
	u32 nr_bytes;
	struct mx_endpoint *held_by;
	struct mx_message *spare;
	u64 gc_seq;
	u32 nr_hmsgs;
	u16 depth;
	u16 limits_gen;
	u8 side;
	bool reply;
	bool dead;
	bool reading;
	bool read_waiting;
};

/**
 * struct mx_pipe - a message pipe
 * @lock:	protects both endpoints' queues, counters and @dead flags
 * @ref:	memory reference count: one per endpoint whose own count
 *		(&mx_object.ref) is not 0
 * @rcu:	frees the pipe a grace period after @ref drops to 0, as
 *		lockless handle lookups may still be looking at it
 * @ep:		the two endpoints
 */
struct mx_pipe {
	spinlock_t lock;	/* protects both endpoints' queues */
	struct kref ref;
	struct rcu_head rcu;
	struct mx_endpoint ep[2];
};

static inline struct mx_pipe *mx_endpoint_pipe(struct mx_endpoint *ep)
{
	return container_of(ep - ep->side, struct mx_pipe, ep[0]);
}

static inline struct mx_endpoint *mx_endpoint_peer(struct mx_endpoint *ep)
{
	return ep->side ? ep - 1 : ep + 1;
}

extern const struct mx_object_ops mx_endpoint_ops;

/* The endpoint @obj is, or NULL if it is not an endpoint. */
static inline struct mx_endpoint *mx_endpoint_of(struct mx_object *obj)
{
	return mx_object_is(obj, &mx_endpoint_ops) ?
	       container_of(obj, struct mx_endpoint, obj) : NULL;
}

/* A transient reference (or the holder's, as the caller says). */
static inline void mx_endpoint_get(struct mx_endpoint *ep)
{
	mx_object_get(&ep->obj);
}

static inline void mx_endpoint_put(struct mx_endpoint *ep)
{
	mx_object_put(&ep->obj);
}

static inline void mx_endpoint_wake(struct mx_endpoint *ep)
{
	mx_object_wake(&ep->obj);
}

/*
 * Room appeared in @ep's peer's full queue: WRITABLE came back. The key,
 * EPOLLOUT, marks the wake-up as that edge for IO port bindings (port.c).
 */
static inline void mx_endpoint_wake_room(struct mx_endpoint *ep)
{
	if (wq_has_sleeper(&ep->obj.wq))
		__wake_up(&ep->obj.wq, TASK_NORMAL, 0,
			  poll_to_key(EPOLLOUT | EPOLLWRNORM));
}

void mx_endpoint_wake_data(struct mx_endpoint *ep);
void mx_endpoint_kill(struct mx_endpoint *ep, struct list_head *grave);
void mx_endpoint_release(struct mx_endpoint *ep, struct list_head *grave);

int mx_msgpipe_create(struct mx_handle_table *t,
		      const struct mx_ioc_msgpipe_create *args);
int mx_msgpipe_write(struct mx_handle_table *t,
		     const struct mx_ioc_msgpipe_write *args);
int mx_msgpipe_read(struct mx_handle_table *t,
		    const struct mx_ioc_msgpipe_read *args);
int mx_msgpipe_call(struct mx_handle_table *t,
		    const struct mx_ioc_msgpipe_call *args, void __user *argp);

int mx_pipe_cache_init(void);
void mx_pipe_cache_exit(void);

#endif /* __MX_PIPE_H */
