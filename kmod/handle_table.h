/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-process handle tables.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_HANDLE_TABLE_H
#define __MX_HANDLE_TABLE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "object.h"
#include "process.h"

struct mx_ioc_handle_dup;
struct mx_ioc_handle_get_info;
struct mx_ioc_object_signal;
struct mx_wspage_pool;
struct pid;

/* Bits of a handle's slot index; the rest of the 31 bits is a generation. */
#define MX_HANDLE_INDEX_BITS	20
#define MX_HANDLE_MAX_SLOTS	BIT(MX_HANDLE_INDEX_BITS)

/**
 * struct mx_handle_slot - one entry of a handle table
 * @obj:	the object the handle names, valid while @tag says LIVE
 * @rights:	MX_RIGHT_* the handle holds
 * @tag:	generation << 2 | state (MX_SLOT_*); written last, with
 *		release order, so a lockless reader that sees the same @tag
 *		before and after reading @obj and @rights has read a
 *		consistent handle
 * @next_free:	index of the next free slot (state FREE)
 * @mark:	scratch bit for duplicate detection, under the table lock
 */
struct mx_handle_slot {
	struct mx_object *obj;
	u32 rights;
	u32 tag;
	u32 next_free;
	u8 mark;
};

enum {
	MX_SLOT_FREE = 0,
	MX_SLOT_RESERVED,
	MX_SLOT_LIVE,
};

#define MX_SLOT_TAG(gen, state)	((u32)(gen) << 2 | (state))
#define MX_SLOT_GEN(tag)	((tag) >> 2)
#define MX_SLOT_STATE(tag)	((tag) & 3)

/**
 * struct mx_slot_array - the slots of a table, replaced whole when it grows
 * @rcu:	frees the array after lockless readers are done with it
 * @nr:		number of slots
 * @s:		the slots
 */
struct mx_slot_array {
	struct rcu_head rcu;
	u32 nr;
	struct mx_handle_slot s[];
};

/**
 * struct mx_handle_table - the handles of one process
 * @lock:	protects every field below and every slot; lookups read
 *		@slots under RCU instead (mx_table_get())
 * @slots:	the slot array, grown by doubling
 * @nr_used:	slots RESERVED or LIVE
 * @free_head:	oldest free slot (FIFO, so a value comes back late)
 * @free_tail:	newest free slot
 * @nr_free:	length of the free list
 * @key:	per-table secret that scrambles handle values
 * @dead:	the owner is gone; no handle may be added
 * @proc:	the process that may use this table (referenced)
 * @user:	the user that opened it, charged for the handles it sends
 * @member:	link in @proc's members: the table dies with the process
 * @owner:	the thread group that opened it, for debugfs
 * @entry:	link in the list of tables shown by debugfs
 * @wspages:	its wait sets' results pages (wspage.c), or NULL
 */
struct mx_handle_table {
	spinlock_t lock;	/* protects the table and its slots */
	struct mx_slot_array __rcu *slots;
	u32 nr_used;
	u32 free_head;
	u32 free_tail;
	u32 nr_free;
	u32 key[2];
	bool dead;
	struct mx_process *proc;
	struct mx_user *user;
	struct mx_process_member member;
	struct pid *owner;
	struct list_head entry;
	struct mx_wspage_pool *wspages;
};

/**
 * mx_table_slots() - the slot array of a locked table
 * @t:	the table, locked
 *
 * Return: the array, or NULL if the table is empty or dead.
 */
static inline struct mx_slot_array *mx_table_slots(struct mx_handle_table *t)
{
	return rcu_dereference_protected(t->slots, lockdep_is_held(&t->lock));
}

int mx_table_init(struct mx_handle_table *t, struct mx_process *proc,
		  struct mx_user *user);
void mx_table_destroy(struct mx_handle_table *t);
int mx_table_get(struct mx_handle_table *t, s32 value,
		 struct mx_handle_ref *ref);
int mx_table_get_typed(struct mx_handle_table *t, s32 value,
		       const struct mx_object_ops *ops, u32 right,
		       int no_handle, struct mx_object **objp);
bool mx_table_alive(struct mx_handle_table *t, s32 value,
		    struct mx_object *obj);
struct mx_object *mx_table_remove(struct mx_handle_table *t, s32 value);

int mx_table_reserve(struct mx_handle_table *t, u32 n, u32 *idx, s32 *vals);
s32 mx_table_value_locked(struct mx_handle_table *t, u32 idx);
void mx_table_commit(struct mx_handle_table *t, u32 n, const u32 *idx,
		     const struct mx_handle_ref *hs);
void mx_table_commit_locked(struct mx_handle_table *t, u32 n, const u32 *idx,
			    const struct mx_handle_ref *hs);
void mx_table_unreserve(struct mx_handle_table *t, u32 n, const u32 *idx);

struct mx_handle_slot *mx_table_slot(struct mx_handle_table *t, s32 value);
void mx_table_free_slot(struct mx_handle_table *t, struct mx_handle_slot *s);

int mx_table_install(struct mx_handle_table *t, struct mx_object *obj,
		     u32 rights, s32 __user *uvalue);

int mx_handle_close(struct mx_handle_table *t, s32 value);
int mx_handle_duplicate(struct mx_handle_table *t,
			const struct mx_ioc_handle_dup *a, void __user *argp);
int mx_handle_replace(struct mx_handle_table *t,
		      const struct mx_ioc_handle_dup *a, void __user *argp);
int mx_handle_get_info(struct mx_handle_table *t,
		       const struct mx_ioc_handle_get_info *a);
int mx_object_signal(struct mx_handle_table *t,
		     const struct mx_ioc_object_signal *a);

#endif /* __MX_HANDLE_TABLE_H */
