// SPDX-License-Identifier: GPL-2.0
/*
 * Processes and users: who owns handle tables, and who pays for handles.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Processes and users
 *
 * A handle table belongs to the process that opened /dev/magenta, and a
 * process is its address space: &struct mx_process is an MMU notifier on
 * the opener's mm, shared by every table that process opens
 * (mmu_notifier_get() finds the one already there). Only threads running
 * in that mm may use the tables; a fork() child, or any process that came
 * to hold the file, gets -EBADF. When the address space goes away, on exit
 * or on exec, the notifier's release callback runs, and every member (each
 * table) closes all its handles at once, whoever still holds the files:
 * peers see PEER_CLOSED as soon as the owner is gone. The tables' memory
 * goes with the last file reference.
 *
 * The per-process handle limit (max_handles) is counted here, across all
 * the tables of the process, not per open.
 *
 * &struct mx_user counts, per user, the handles in flight: written into
 * a pipe and not yet read or destroyed. Like AF_UNIX's limit on file
 * descriptors in flight, it bounds what one user can park in queues where
 * no table limit applies (max_inflight). A table keeps the user that
 * opened it; a message carrying handles keeps the user it is charged to.
 *
 * Locking: &mx_process.lock (a mutex) protects the list of members; the
 * release callback calls them with it held, so it is taken before every
 * other magenta lock. mx_users_lock (a spinlock) protects the hash of
 * users and is a leaf. The counters are atomics.
 */

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "magenta.h"
#include "process.h"

static DEFINE_HASHTABLE(mx_users, 6);
static DEFINE_SPINLOCK(mx_users_lock);	/* protects mx_users */

/* Add @n to @count unless that passes @max. */
static struct mmu_notifier *mx_process_alloc(struct mm_struct *mm)
{
	struct mx_process *p = kzalloc(sizeof(*p), MX_GFP);

	if (!p)
		return ERR_PTR(-ENOMEM);
	mutex_init(&p->lock);
	INIT_LIST_HEAD(&p->members);
	atomic_set(&p->nr_handles, 0);
	return &p->mn;
}

static void mx_process_free(struct mmu_notifier *mn)
{
	struct mx_process *p = container_of(mn, struct mx_process, mn);

	WARN_ON_ONCE(!list_empty(&p->members));
	kfree(p);
}

/* The address space is going: exit or exec. Every member dies now. */
static void mx_process_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mx_process *p = container_of(mn, struct mx_process, mn);
	struct mx_process_member *m;

	mutex_lock(&p->lock);
	p->gone = true;
	list_for_each_entry(m, &p->members, entry)
		m->release(m);
	mutex_unlock(&p->lock);
}

static const struct mmu_notifier_ops mx_process_ops = {
	.release	= mx_process_release,
	.alloc_notifier	= mx_process_alloc,
	.free_notifier	= mx_process_free,
};

/**
 * mx_process_get() - the calling process, as an owner of handle tables
 *
 * Return: the process, referenced, or an ERR_PTR() (-ENOMEM, or -EINVAL
 * for a caller without an address space).
 */
struct mx_process *mx_process_get(void)
{
	struct mmu_notifier *mn;

	if (!current->mm)
		return ERR_PTR(-EINVAL);
	mn = mmu_notifier_get(&mx_process_ops, current->mm);
	if (IS_ERR(mn))
		return ERR_CAST(mn);
	return container_of(mn, struct mx_process, mn);
}

/**
 * mx_process_put() - drop a reference taken by mx_process_get()
 * @p:	the process; freed after an SRCU grace period with the last one
 */
void mx_process_put(struct mx_process *p)
{
	mmu_notifier_put(&p->mn);
}

/**
 * mx_process_add() - make @m die with @p
 * @p:	the process
 * @m:	the member, with its release callback set
 *
 * If the process is already gone, @m is released at once.
 */
void mx_process_add(struct mx_process *p, struct mx_process_member *m)
{
	mutex_lock(&p->lock);
	list_add_tail(&m->entry, &p->members);
	if (p->gone)
		m->release(m);
	mutex_unlock(&p->lock);
}

/**
 * mx_process_del() - take @m off @p's list
 * @p:	the process
 * @m:	the member; its release callback is not called after this returns
 */
void mx_process_del(struct mx_process *p, struct mx_process_member *m)
{
	mutex_lock(&p->lock);
	list_del(&m->entry);
	mutex_unlock(&p->lock);
}

/**
 * mx_process_exit() - wait for processes still being freed, at unload
 */
void mx_process_exit(void)
{
	mmu_notifier_synchronize();
}

/**
 * mx_user_get() - the accounting of the caller's effective user
 *
 * Return: the user, referenced, or NULL when out of memory.
 */
struct mx_user *mx_user_get(void)
{
	kuid_t uid = current_euid();
	struct mx_user *u, *new;

	new = kzalloc(sizeof(*new), MX_GFP);
	spin_lock(&mx_users_lock);
	hash_for_each_possible(mx_users, u, node, __kuid_val(uid)) {
		if (uid_eq(u->uid, uid) && refcount_inc_not_zero(&u->ref)) {
			spin_unlock(&mx_users_lock);
			kfree(new);
			return u;
		}
	}
	if (new) {
		new->uid = uid;
		refcount_set(&new->ref, 1);
		atomic_set(&new->inflight, 0);
		hash_add(mx_users, &new->node, __kuid_val(uid));
	}
	spin_unlock(&mx_users_lock);
	return new;
}

/**
 * mx_user_put() - drop a reference to a user
 * @u:	the user, or NULL
 */
void mx_user_put(struct mx_user *u)
{
	if (!u || refcount_dec_not_one(&u->ref))
		return;
	spin_lock(&mx_users_lock);
	if (!refcount_dec_and_test(&u->ref)) {
		spin_unlock(&mx_users_lock);
		return;
	}
	WARN_ON_ONCE(atomic_read(&u->inflight));
	hash_del(&u->node);
	spin_unlock(&mx_users_lock);
	kfree(u);
}
