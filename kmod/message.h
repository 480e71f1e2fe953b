/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages and the graph of handles in flight.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_MESSAGE_H
#define __MX_MESSAGE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "object.h"

struct mx_endpoint;
struct mx_user;

/**
 * struct mx_message - one message, queued for an endpoint or in transit
 * @entry:	link in &mx_endpoint.queue
 * @num_bytes:	payload size
 * @num_handles: number of handles
 * @size:	bytes allocated for this struct and what follows it
 * @nr_pages:	pages the message owns for its payload; 0 when the payload
 *		is inline
 * @user:	the user charged for its handles in flight, referenced, while
 *		it carries handles and is queued (graph lock)
 * @data:	an inline payload, right after @handles
 * @pages:	the payload pages (@nr_pages of them), right after @handles
 * @handles:	the handles, in the order they were written; the message
 *		holds the holder reference of each object
 */
struct mx_message {
	struct list_head entry;
	u32 num_bytes;
	u32 num_handles;
	u32 size;
	u32 nr_pages;
	struct mx_user *user;
	union {
		u8 *data;
		struct page **pages;
	};
	struct mx_handle_ref handles[];
};

extern struct mutex mx_graph_lock;

/**
 * mx_message_cost() - what a message counts against a queue's byte limit
 * @num_bytes:	payload size
 * @num_handles: number of handles
 *
 * Return: payload bytes plus the kernel memory its handles take.
 */
static inline size_t mx_message_cost(u32 num_bytes, u32 num_handles)
{
	return (size_t)num_bytes + num_handles * sizeof(struct mx_handle_ref);
}

struct mx_message *mx_message_alloc(u32 num_bytes, u32 num_handles,
				    struct mx_endpoint *dest);
void mx_message_free(struct mx_message *msg);
void mx_message_recycle(struct mx_message *msg, struct mx_endpoint *ep);
void mx_message_drop_spare(struct mx_endpoint *ep);
int mx_message_copy_in(struct mx_message *msg, const void __user *src);
int mx_message_copy_out(const struct mx_message *msg, void __user *dst);
void mx_messages_bury(struct list_head *grave);
int mx_graph_link(struct mx_endpoint *dest, struct mx_message *msg,
		  struct mx_user *user, struct mx_endpoint **victim);
void mx_graph_unlink(struct mx_message *msg);

#endif /* __MX_MESSAGE_H */
