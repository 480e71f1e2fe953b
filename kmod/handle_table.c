// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process handle tables.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Handle tables
 *
 * Every process that opens /dev/magenta gets one &struct mx_handle_table,
 * bound to its thread group (&mx_handle_table.owner); all its threads share
 * it and no other process can use it. A handle names one object (object.c)
 * with a fixed set of rights; several handles may name the same object.
 *
 * A table is an array of slots, grown by doubling, with a FIFO free list so
 * a freed slot is reused as late as possible. A handle value encodes the
 * slot index and the slot's generation (bumped when the slot is freed) and
 * is scrambled with a per-table key, so values look random, differ between
 * processes, and a closed value stays invalid for a long time. Lookup is a
 * decode and one array access, O(1), and takes no lock at all: the slot
 * array is read under RCU, and a slot's tag (generation and state) is read
 * before and after its content to detect a concurrent change.
 *
 * Slots can be RESERVED: taken out of the free list but not yet visible to
 * lookups. Reading a message and creating a pipe reserve their slots first,
 * copy the new values to user space, and only then commit, so a failure at
 * any step installs nothing.
 *
 * Locking: &mx_handle_table.lock is a spinlock serialising every change to
 * the table. It nests inside the global graph mutex (message.c) and outside
 * every pipe lock (pipe.c). Nothing that sleeps runs under it; a larger
 * slot array is allocated outside it, swapped in under it, and the old one
 * freed after an RCU grace period. Lockless lookups (mx_table_get(),
 * mx_table_alive()) pin the object with mx_object_tryget(); objects are
 * freed after a grace period too (object.c). A handle's holder reference
 * moves in and out of the table under this lock, so a handle is never in
 * two places and another thread never sees a half-moved handle.
 *
 * This file also holds the calls on handles that any object type answers:
 * close, duplicate, replace, get_info and object_signal.
 */

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <uapi/linux/magenta.h>

#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "stats.h"
#include "trace.h"

#define MX_VALUE_MASK	0x7fffffffu
#define MX_GEN_MASK	((1u << (31 - MX_HANDLE_INDEX_BITS)) - 1)
#define MX_SCRAMBLE	0x5bd1e995u	/* odd, so invertible mod 2^31 */
#define MX_UNSCRAMBLE	0x659b19bdu	/* its inverse mod 2^31 */
#define MX_TABLE_MIN	64u

static u32 mx_encode(const struct mx_handle_table *t, u32 idx, u32 gen)
{
	u32 x = (gen << MX_HANDLE_INDEX_BITS) | idx;

	return (((x ^ t->key[0]) * MX_SCRAMBLE) & MX_VALUE_MASK) ^ t->key[1];
}

static u32 mx_decode(const struct mx_handle_table *t, u32 value)
{
	return (((value ^ t->key[1]) * MX_UNSCRAMBLE) & MX_VALUE_MASK) ^
	       t->key[0];
}

static void mx_slot_set_tag(struct mx_handle_slot *s, u32 gen, u32 state)
{
	/* Orders the writes of obj and rights before the tag. */
	smp_store_release(&s->tag, MX_SLOT_TAG(gen & MX_GEN_MASK, state));
}

static void mx_table_release(struct mx_process_member *m)
{
	mx_table_destroy(container_of(m, struct mx_handle_table, member));
}

/**
 * mx_table_init() - set up an empty table owned by the calling process
 * @t:		the table
 * @proc:	the calling process; the table takes over the reference
 * @user:	the calling user; the table takes over the reference
 *
 * The table is destroyed when @proc goes (exit or exec).
 *
 * Return: 0.
 */
int mx_table_init(struct mx_handle_table *t, struct mx_process *proc,
		  struct mx_user *user)
{
	spin_lock_init(&t->lock);
	RCU_INIT_POINTER(t->slots, NULL);
	t->nr_used = 0;
	t->nr_free = 0;
	t->dead = false;
	t->key[0] = get_random_u32() & MX_VALUE_MASK;
	t->key[1] = get_random_u32() & MX_VALUE_MASK;
	t->owner = get_pid(task_tgid(current));
	t->proc = proc;
	t->user = user;
	t->member.release = mx_table_release;
	mx_process_add(proc, &t->member);
	return 0;
}

/**
 * mx_table_destroy() - close every handle of a table; it stays dead
 * @t:	the table
 *
 * Called when the owner exits or execs, and when the last file reference
 * goes. Safe to call twice. Must not be called with any magenta lock held
 * but the process lock.
 */
void mx_table_destroy(struct mx_handle_table *t)
{
	struct mx_slot_array *a;
	u32 i;

	spin_lock(&t->lock);
	a = mx_table_slots(t);
	RCU_INIT_POINTER(t->slots, NULL);
	t->nr_free = 0;
	t->nr_used = 0;
	t->dead = true;
	spin_unlock(&t->lock);
	if (!a)
		return;

	for (i = 0; i < a->nr; i++) {
		struct mx_handle_slot *s = &a->s[i];

		/* RESERVED slots cannot exist: no call is in progress. */
		WARN_ON_ONCE(MX_SLOT_STATE(s->tag) == MX_SLOT_RESERVED);
		if (MX_SLOT_STATE(s->tag) != MX_SLOT_LIVE)
			continue;
		trace_magenta_handle_close(mx_encode(t, i, MX_SLOT_GEN(s->tag)),
					   s->obj, true);
		mx_slot_set_tag(s, MX_SLOT_GEN(s->tag) + 1, MX_SLOT_FREE);
		mx_stat_dec(MX_STAT_HANDLES);
		mx_process_uncharge(t->proc, 1);
		mx_object_wake(s->obj);
		mx_object_close(s->obj);
		cond_resched();
	}
	kvfree_rcu(a, rcu);
}

/* Split a handle value into slot index and generation. */
static u32 mx_value_slot(struct mx_handle_table *t, s32 value, u32 *gen)
{
	u32 x = mx_decode(t, value);

	*gen = x >> MX_HANDLE_INDEX_BITS;
	return x & (MX_HANDLE_MAX_SLOTS - 1);
}

/**
 * mx_table_slot() - find the live slot of a handle value
 * @t:		the table, locked
 * @value:	a handle value
 *
 * Return: the slot, or NULL if @value is not a live handle of @t.
 */
struct mx_handle_slot *mx_table_slot(struct mx_handle_table *t, s32 value)
{
	struct mx_slot_array *a = mx_table_slots(t);
	u32 idx, gen;

	if (value <= 0 || !a)
		return NULL;
	idx = mx_value_slot(t, value, &gen);
	if (idx >= a->nr || a->s[idx].tag != MX_SLOT_TAG(gen, MX_SLOT_LIVE))
		return NULL;
	return &a->s[idx];
}

/*
 * The lockless lookup: under rcu_read_lock(), the slot that @value names
 * if it holds a live handle with that generation, else NULL; *@tag
 * receives the tag to re-check after reading the slot.
 */
static struct mx_handle_slot *mx_table_peek(struct mx_handle_table *t,
					    s32 value, u32 *tag)
{
	struct mx_slot_array *a = rcu_dereference(t->slots);
	u32 idx, gen;

	if (value <= 0 || !a)
		return NULL;
	idx = mx_value_slot(t, value, &gen);
	if (idx >= a->nr)
		return NULL;
	/* Pairs with mx_slot_set_tag(): obj and rights are read after. */
	*tag = smp_load_acquire(&a->s[idx].tag);
	return *tag == MX_SLOT_TAG(gen, MX_SLOT_LIVE) ? &a->s[idx] : NULL;
}

/**
 * mx_table_get() - look up a handle and pin its object, without locking
 * @t:		the table
 * @value:	the handle value
 * @ref:	receives the object (referenced) and the rights
 *
 * Return: 0, or -EBADSLT if @value is not a handle of @t.
 */
int mx_table_get(struct mx_handle_table *t, s32 value,
		 struct mx_handle_ref *ref)
{
	struct mx_handle_slot *s;
	struct mx_object *obj;
	u32 tag, rights;
	int r = -EBADSLT;

	rcu_read_lock();
	s = mx_table_peek(t, value, &tag);
	if (!s)
		goto out;
	obj = READ_ONCE(s->obj);
	rights = READ_ONCE(s->rights);
	if (!mx_object_tryget(obj))
		goto out;
	/* A slot freed or replaced meanwhile has another tag now. */
	smp_rmb();
	if (READ_ONCE(s->tag) != tag) {
		mx_object_put(obj);
		goto out;
	}
	ref->obj = obj;
	ref->rights = rights;
	r = 0;
out:
	rcu_read_unlock();
	return r;
}

/**
 * mx_table_get_typed() - look up a handle to an object of one type
 * @t:		the table
 * @value:	the handle value
 * @ops:	the type the object must be
 * @right:	the right the handle must hold
 * @no_handle:	what to return if @value is no handle of @t
 * @objp:	the object, referenced, on success
 *
 * The lookup of the calls on one type (wait sets, ports), in their order:
 * @no_handle, then ERR_INVALID_ARGS for an object of another type, then
 * ERR_ACCESS_DENIED without @right.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_table_get_typed(struct mx_handle_table *t, s32 value,
		       const struct mx_object_ops *ops, u32 right,
		       int no_handle, struct mx_object **objp)
{
	struct mx_handle_ref h;
	int r = 0;

	if (mx_table_get(t, value, &h))
		return no_handle;
	if (!mx_object_is(h.obj, ops))
		r = -MX_ERRNO_INVALID_ARGS;
	else if (!(h.rights & right))
		r = -MX_ERRNO_ACCESS_DENIED;
	if (r) {
		mx_object_put(h.obj);
		return r;
	}
	*objp = h.obj;
	return 0;
}

/**
 * mx_table_alive() - does a handle value still name an object?
 * @t:		the table
 * @value:	the handle value
 * @obj:	the object it named
 *
 * Return: true if @value is a live handle of @t for @obj.
 */
bool mx_table_alive(struct mx_handle_table *t, s32 value,
		    struct mx_object *obj)
{
	struct mx_handle_slot *s;
	bool alive;
	u32 tag;

	rcu_read_lock();
	s = mx_table_peek(t, value, &tag);
	alive = s && READ_ONCE(s->obj) == obj;
	smp_rmb();	/* read obj before the tag again, as in mx_table_get() */
	alive = alive && READ_ONCE(s->tag) == tag;
	rcu_read_unlock();
	return alive;
}

static void mx_table_push_free(struct mx_handle_table *t,
			       struct mx_slot_array *a, u32 idx)
{
	a->s[idx].next_free = 0;
	if (t->nr_free)
		a->s[t->free_tail].next_free = idx;
	else
		t->free_head = idx;
	t->free_tail = idx;
	t->nr_free++;
}

/**
 * mx_table_free_slot() - free a live or reserved slot
 * @t:	the table, locked
 * @s:	the slot
 *
 * The slot's generation moves on, so its old value is dead. The caller
 * takes over the object reference the slot held.
 */
void mx_table_free_slot(struct mx_handle_table *t, struct mx_handle_slot *s)
{
	struct mx_slot_array *a = mx_table_slots(t);

	if (MX_SLOT_STATE(s->tag) == MX_SLOT_LIVE)
		mx_stat_dec(MX_STAT_HANDLES);
	mx_slot_set_tag(s, MX_SLOT_GEN(s->tag) + 1, MX_SLOT_FREE);
	t->nr_used--;
	mx_process_uncharge(t->proc, 1);
	mx_table_push_free(t, a, s - a->s);
}

/**
 * mx_table_remove() - take a handle out of its table
 * @t:		the table
 * @value:	the handle value
 *
 * Waiters on the handle are woken so they see it is gone.
 *
 * Return: the object, whose holder reference passes to the caller, or
 * NULL if @value is not a handle of @t.
 */
struct mx_object *mx_table_remove(struct mx_handle_table *t, s32 value)
{
	struct mx_handle_slot *s;
	struct mx_object *obj = NULL;

	spin_lock(&t->lock);
	s = mx_table_slot(t, value);
	if (s) {
		obj = s->obj;
		mx_table_free_slot(t, s);
	}
	spin_unlock(&t->lock);
	if (obj)
		mx_object_wake(obj);
	return obj;
}

/* Make room for at least @need slots; the table had @cur slots. */
static int mx_table_grow(struct mx_handle_table *t, u32 cur, u32 need)
{
	struct mx_slot_array *new, *old = NULL;
	u32 n = max3(cur * 2, need, MX_TABLE_MIN);
	u32 i;

	n = min_t(u32, n, MX_HANDLE_MAX_SLOTS);
	if (n < need)
		return -ENOMEM;
	new = kvzalloc(struct_size(new, s, n), MX_GFP);
	if (!new)
		return -ENOMEM;
	new->nr = n;

	spin_lock(&t->lock);
	old = mx_table_slots(t);
	if ((old ? old->nr : 0) == cur && !t->dead) {
		if (old)
			memcpy(new->s, old->s, cur * sizeof(new->s[0]));
		rcu_assign_pointer(t->slots, new);
		for (i = cur; i < n; i++)
			mx_table_push_free(t, new, i);
		new = NULL;
	} else {
		old = NULL;
	}
	spin_unlock(&t->lock);
	if (old)
		kvfree_rcu(old, rcu);
	kvfree(new);
	return 0;
}

/**
 * mx_table_reserve() - take @n free slots, invisible until committed
 * @t:		the table
 * @n:		how many
 * @idx:	receives the @n slot indices
 * @vals:	receives the handle values they will have (each > 0)
 *
 * May sleep to grow the table.
 *
 * Return: 0; -ENOMEM when out of memory or over the per-process handle
 * limit (counted over every table of the process); -EBADF when the table
 * is dead.
 */
int mx_table_reserve(struct mx_handle_table *t, u32 n, u32 *idx, s32 *vals)
{
	struct mx_slot_array *a;
	u32 i, cur, need;
	int r;

	if (mx_process_charge(t->proc, n))
		return -ENOMEM;
	for (;;) {
		spin_lock(&t->lock);
		if (t->dead) {
			spin_unlock(&t->lock);
			r = -EBADF;
			goto err;
		}
		if (t->nr_free >= n)
			break;
		a = mx_table_slots(t);
		cur = a ? a->nr : 0;
		need = cur + n - t->nr_free;
		spin_unlock(&t->lock);
		r = mx_table_grow(t, cur, need);
		if (r)
			goto err;
	}

	a = mx_table_slots(t);
	for (i = 0; i < n; i++) {
		struct mx_handle_slot *s = &a->s[t->free_head];
		u32 gen = MX_SLOT_GEN(s->tag) & MX_GEN_MASK;

		idx[i] = t->free_head;
		t->free_head = s->next_free;
		t->nr_free--;
		/* One generation per slot encodes to 0, which is never valid. */
		vals[i] = mx_encode(t, idx[i], gen);
		if (!vals[i]) {
			gen = (gen + 1) & MX_GEN_MASK;
			vals[i] = mx_encode(t, idx[i], gen);
		}
		mx_slot_set_tag(s, gen, MX_SLOT_RESERVED);
	}
	t->nr_used += n;
	spin_unlock(&t->lock);
	return 0;
err:
	mx_process_uncharge(t->proc, n);
	return r;
}

/**
 * mx_table_value_locked() - the value of a reserved or live slot
 * @t:		the table, locked
 * @idx:	the slot index
 *
 * Return: the value, always > 0.
 */
s32 mx_table_value_locked(struct mx_handle_table *t, u32 idx)
{
	return mx_encode(t, idx, MX_SLOT_GEN(mx_table_slots(t)->s[idx].tag));
}

/**
 * mx_table_commit_locked() - mx_table_commit() with @t locked
 * @t:		the table, locked
 * @n:		number of slots
 * @idx:	their indices
 * @hs:		the objects and rights, as for mx_table_commit()
 */
void mx_table_commit_locked(struct mx_handle_table *t, u32 n, const u32 *idx,
			    const struct mx_handle_ref *hs)
{
	struct mx_slot_array *a = mx_table_slots(t);
	u32 i;

	for (i = 0; i < n; i++) {
		struct mx_handle_slot *s = &a->s[idx[i]];

		WRITE_ONCE(s->obj, hs[i].obj);
		WRITE_ONCE(s->rights, hs[i].rights);
		mx_slot_set_tag(s, MX_SLOT_GEN(s->tag), MX_SLOT_LIVE);
	}
	mx_stat_add(MX_STAT_HANDLES, n);
}

/**
 * mx_table_commit() - make reserved slots live handles
 * @t:		the table
 * @n:		number of slots
 * @idx:	their indices
 * @hs:		the objects, whose holder references pass to the table,
 *		and the rights of each new handle
 */
void mx_table_commit(struct mx_handle_table *t, u32 n, const u32 *idx,
		     const struct mx_handle_ref *hs)
{
	spin_lock(&t->lock);
	mx_table_commit_locked(t, n, idx, hs);
	spin_unlock(&t->lock);
}

/**
 * mx_table_unreserve() - give back reserved slots
 * @t:		the table
 * @n:		number of slots
 * @idx:	their indices
 */
void mx_table_unreserve(struct mx_handle_table *t, u32 n, const u32 *idx)
{
	struct mx_slot_array *a;
	u32 i;

	spin_lock(&t->lock);
	a = mx_table_slots(t);
	for (i = 0; i < n; i++)
		mx_table_free_slot(t, &a->s[idx[i]]);
	spin_unlock(&t->lock);
}

/**
 * mx_table_install() - give a new object its first handle
 * @t:		the caller's table
 * @obj:	the object, whose reference passes to the table on success
 * @rights:	the handle's rights
 * @uvalue:	where to write the handle value for the caller, first
 *
 * Return: 0; -MX_ERRNO_NO_MEMORY with nothing installed when the table is
 * full or over the handle limit, or -EFAULT when @uvalue cannot be
 * written; -EBADF when the table is dead.
 */
int mx_table_install(struct mx_handle_table *t, struct mx_object *obj,
		     u32 rights, s32 __user *uvalue)
{
	struct mx_handle_ref h = { .obj = obj, .rights = rights };
	s32 value;
	u32 idx;
	int r;

	r = mx_table_reserve(t, 1, &idx, &value);
	if (r)
		return r == -EBADF ? r : -MX_ERRNO_NO_MEMORY;
	if (put_user(value, uvalue)) {
		mx_table_unreserve(t, 1, &idx);
		return -EFAULT;
	}
	mx_table_commit(t, 1, &idx, &h);
	return 0;
}

/**
 * mx_handle_close() - close a handle
 * @t:		the caller's table
 * @value:	the handle
 *
 * Return: 0, or -MX_ERRNO_INVALID_ARGS if @value is not a handle of @t.
 */
int mx_handle_close(struct mx_handle_table *t, s32 value)
{
	struct mx_object *obj = mx_table_remove(t, value);

	trace_magenta_handle_close(value, obj, false);
	if (!obj)
		return -MX_ERRNO_INVALID_ARGS;
	mx_object_close(obj);
	return 0;
}

/*
 * The checks of duplicate (@need MX_RIGHT_DUPLICATE) and replace (@need 0),
 * in this order: the handle, the right it needs, the rights asked for.
 * @t is locked.
 */
static int mx_rights_check(struct mx_handle_table *t, s32 value, u32 rights,
			   u32 need, struct mx_handle_slot **sp)
{
	struct mx_handle_slot *s = mx_table_slot(t, value);

	if (!s)
		return -MX_ERRNO_BAD_HANDLE;
	if ((s->rights & need) != need)
		return -MX_ERRNO_ACCESS_DENIED;
	if (rights != MX_RIGHT_SAME_RIGHTS && (rights & ~s->rights))
		return -MX_ERRNO_INVALID_ARGS;
	*sp = s;
	return 0;
}

static u32 mx_rights_new(const struct mx_handle_slot *s, u32 rights)
{
	return rights == MX_RIGHT_SAME_RIGHTS ? s->rights : rights;
}

/**
 * mx_handle_duplicate() - make a second handle to the same object
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the new handle back
 *
 * The new slot is reserved and its value written back before the source is
 * looked at again, under the table lock, for the commit: a source closed
 * meanwhile gives ERR_BAD_HANDLE and nothing is installed.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_handle_duplicate(struct mx_handle_table *t,
			const struct mx_ioc_handle_dup *a, void __user *argp)
{
	struct mx_ioc_handle_dup __user *uarg = argp;
	struct mx_handle_slot *s;
	struct mx_handle_ref h;
	s32 value;
	u32 idx;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	spin_lock(&t->lock);
	r = mx_rights_check(t, a->handle, a->rights, MX_RIGHT_DUPLICATE, &s);
	spin_unlock(&t->lock);
	if (r)
		return r;
	r = mx_table_reserve(t, 1, &idx, &value);
	if (r)
		return r == -EBADF ? r : -MX_ERRNO_NO_MEMORY;
	r = -EFAULT;
	if (put_user(value, &uarg->result))
		goto err;

	spin_lock(&t->lock);
	r = mx_rights_check(t, a->handle, a->rights, MX_RIGHT_DUPLICATE, &s);
	if (!r) {
		h.obj = s->obj;
		h.rights = mx_rights_new(s, a->rights);
		mx_object_get(h.obj);
		if (h.obj->ops->dup)
			h.obj->ops->dup(h.obj);
		mx_table_commit_locked(t, 1, &idx, &h);
		/* Under the lock: once it drops, another thread may close it. */
		trace_magenta_handle_duplicate(a->handle, value, h.obj,
					       h.rights);
	}
	spin_unlock(&t->lock);
	if (r)
		goto err;
	return 0;
err:
	mx_table_unreserve(t, 1, &idx);
	return r;
}

/* The next generation of slot @idx whose value is not 0. */
static u32 mx_slot_next_gen(struct mx_handle_table *t, u32 idx, u32 gen)
{
	gen = (gen + 1) & MX_GEN_MASK;
	if (!mx_encode(t, idx, gen))
		gen = (gen + 1) & MX_GEN_MASK;
	return gen;
}

/**
 * mx_handle_replace() - swap a handle for one with the same or fewer rights
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the new handle back
 *
 * The handle keeps its slot; the slot's generation moves on, so the old
 * value dies and waiters on it end with ERR_HANDLE_CLOSED. On any failure
 * the old handle is untouched.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_handle_replace(struct mx_handle_table *t,
		      const struct mx_ioc_handle_dup *a, void __user *argp)
{
	struct mx_ioc_handle_dup __user *uarg = argp;
	struct mx_handle_slot *s;
	struct mx_object *obj;
	u32 idx, rights, gen;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	spin_lock(&t->lock);
	r = mx_rights_check(t, a->handle, a->rights, 0, &s);
	if (!r) {
		idx = s - mx_table_slots(t)->s;
		gen = mx_slot_next_gen(t, idx, MX_SLOT_GEN(s->tag));
	}
	spin_unlock(&t->lock);
	if (r)
		return r;
	/* Tell the caller the new value before the old one dies. */
	if (put_user((s32)mx_encode(t, idx, gen), &uarg->result))
		return -EFAULT;

	spin_lock(&t->lock);
	r = mx_rights_check(t, a->handle, a->rights, 0, &s);
	if (!r) {
		rights = mx_rights_new(s, a->rights);
		gen = mx_slot_next_gen(t, idx, MX_SLOT_GEN(s->tag));
		/* Hide the slot from lockless readers while rights change. */
		mx_slot_set_tag(s, MX_SLOT_GEN(s->tag), MX_SLOT_RESERVED);
		WRITE_ONCE(s->rights, rights);
		mx_slot_set_tag(s, gen, MX_SLOT_LIVE);
		obj = s->obj;
		mx_object_get(obj);
	}
	spin_unlock(&t->lock);
	if (r)
		return r;
	trace_magenta_handle_replace(a->handle, mx_encode(t, idx, gen), obj,
				     rights);
	mx_object_wake(obj);
	mx_object_put(obj);
	return 0;
}

/**
 * mx_handle_get_info() - what a handle names
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks the handle, then the topic; MX_INFO_HANDLE_BASIC then checks the
 * buffer pointer and its size. No right is needed.
 *
 * Return: the number of bytes written to the buffer (0 for
 * MX_INFO_HANDLE_VALID), or a negative MX_ERRNO_* value.
 */
int mx_handle_get_info(struct mx_handle_table *t,
		       const struct mx_ioc_handle_get_info *a)
{
	struct mx_handle_basic_info info = {};
	struct mx_handle_ref h;
	int r;

	if (mx_table_get(t, a->handle, &h))
		return -MX_ERRNO_BAD_HANDLE;
	switch (a->topic) {
	case MX_INFO_HANDLE_VALID:
		r = 0;
		break;
	case MX_INFO_HANDLE_BASIC:
		r = -MX_ERRNO_INVALID_ARGS;
		if (!a->info)
			break;
		r = -MX_ERRNO_NOT_ENOUGH_BUFFER;
		if (a->info_size < sizeof(info))
			break;
		info.koid = h.obj->koid;
		info.rights = h.rights;
		info.type = h.obj->ops->type;
		info.props = h.obj->ops->props;
		r = copy_to_user(u64_to_user_ptr(a->info), &info, sizeof(info)) ?
		    -MX_ERRNO_INVALID_ARGS : sizeof(info);
		break;
	default:
		r = -MX_ERRNO_INVALID_ARGS;
	}
	mx_object_put(h.obj);
	return r;
}

/**
 * mx_object_signal() - clear, then set the user signals of an object
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks, in the order of Magenta's kernel: the handle, MX_RIGHT_WRITE,
 * whether the type has user signals, the masks.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_object_signal(struct mx_handle_table *t,
		     const struct mx_ioc_object_signal *a)
{
	struct mx_handle_ref h;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	if (mx_table_get(t, a->handle, &h)) {
		trace_magenta_object_signal(a->handle, NULL, a->clear_mask,
					    a->set_mask, -MX_ERRNO_BAD_HANDLE);
		return -MX_ERRNO_BAD_HANDLE;
	}
	r = -MX_ERRNO_ACCESS_DENIED;
	if (!(h.rights & MX_RIGHT_WRITE))
		goto out;
	r = -MX_ERRNO_NOT_SUPPORTED;
	if (!h.obj->ops->user_signal)
		goto out;
	r = -MX_ERRNO_INVALID_ARGS;
	if ((a->clear_mask | a->set_mask) & ~MX_SIGNAL_SIGNAL_ALL)
		goto out;
	r = h.obj->ops->user_signal(h.obj, a->clear_mask, a->set_mask);
out:
	trace_magenta_object_signal(a->handle, h.obj, a->clear_mask,
				    a->set_mask, r);
	mx_object_put(h.obj);
	return r;
}
