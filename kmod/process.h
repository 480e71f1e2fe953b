/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes and users: who owns handle tables, and who pays for handles.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_PROCESS_H
#define __MX_PROCESS_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "magenta.h"

/**
 * struct mx_user - what one user has in flight
 * @node:	link in the hash of users (mx_users_lock)
 * @uid:	the user
 * @ref:	one per handle table and per message charged to it
 * @inflight:	handles this user wrote that sit in queued messages, against
 *		mx_max_inflight
 */
struct mx_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_t inflight;
};

/**
 * struct mx_process_member - something that dies with a process
 * @entry:	link in &mx_process.members
 * @release:	called once when the process's address space goes (exit or
 *		exec), with &mx_process.lock held; may sleep
 */
struct mx_process_member {
	struct list_head entry;
	void (*release)(struct mx_process_member *m);
};

/**
 * struct mx_process - one process (address space) that opened /dev/magenta
 * @mn:		notifier on the address space; its release marks the exit
 *		or exec of the process
 * @lock:	protects @members and @gone
 * @members:	the handle tables opened by this process
 * @gone:	the address space was released
 * @nr_handles:	handles (live or reserved) in all its tables, against
 *		mx_max_handles
 */
struct mx_process {
	struct mmu_notifier mn;
	struct mutex lock;	/* protects members */
	struct list_head members;
	bool gone;
	atomic_t nr_handles;
};

struct mx_process *mx_process_get(void);
void mx_process_put(struct mx_process *p);
void mx_process_add(struct mx_process *p, struct mx_process_member *m);
void mx_process_del(struct mx_process *p, struct mx_process_member *m);
void mx_process_exit(void);

/* Is the caller the process @p? */
static inline bool mx_process_is_current(const struct mx_process *p)
{
	return p->mn.mm == current->mm;
}

struct mx_user *mx_user_get(void);
void mx_user_put(struct mx_user *u);

/* Count @n more against @count; -ENOMEM, counting nothing, past @max. */
static inline int mx_charge(atomic_t *count, u32 n, unsigned int max)
{
	if (unlikely(atomic_add_return(n, count) > max)) {
		atomic_sub(n, count);
		return -ENOMEM;
	}
	return 0;
}

/**
 * mx_process_charge() - count @n more handles against the process limit
 * @p:	the process
 * @n:	how many
 *
 * Return: 0, or -ENOMEM with nothing counted if that would pass max_handles.
 */
static inline int mx_process_charge(struct mx_process *p, u32 n)
{
	return mx_charge(&p->nr_handles, n, READ_ONCE(mx_max_handles));
}

/**
 * mx_process_uncharge() - undo mx_process_charge()
 * @p:	the process
 * @n:	how many handles went
 */
static inline void mx_process_uncharge(struct mx_process *p, u32 n)
{
	atomic_sub(n, &p->nr_handles);
}

/**
 * mx_user_charge() - count @n more handles in flight for @u
 * @u:	the user
 * @n:	how many
 *
 * Return: 0, or -ENOMEM with nothing counted if that would pass
 * max_inflight.
 */
static inline int mx_user_charge(struct mx_user *u, u32 n)
{
	return mx_charge(&u->inflight, n, READ_ONCE(mx_max_inflight));
}

/**
 * mx_user_uncharge() - undo mx_user_charge()
 * @u:	the user
 * @n:	how many handles left flight
 */
static inline void mx_user_uncharge(struct mx_user *u, u32 n)
{
	atomic_sub(n, &u->inflight);
}

#endif /* __MX_PROCESS_H */
