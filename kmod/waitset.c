// SPDX-License-Identifier: GPL-2.0
/*
 * Wait sets: many watched handles, one wait.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Wait sets
 *
 * A wait set is an object holding entries, each a handle of the same
 * table, a set of signals and a 64-bit cookie unique in the set. One call,
 * mx_waitset_wait(), reports the entries that have a result: satisfied
 * (NO_ERROR), unsatisfiable (ERR_BAD_STATE) or whose handle was closed,
 * replaced or sent away (ERR_CANCELLED, the value of ERR_HANDLE_CLOSED).
 * Results are level-triggered: an entry is reported by every wait while
 * its result holds, at most once per wait.
 *
 * A wait set's handles have MX_RIGHT_READ (wait) and MX_RIGHT_WRITE (add,
 * remove) only, so a wait set stays in the table that made it: it can be
 * neither duplicated nor sent. Its entries' handle values are therefore
 * looked up in that table (&mx_waitset.table), which outlives the wait
 * set's handle. A wait set has no signals of its own and is not waitable
 * (MX_OBJ_PROP_NONE): wait_one, wait_many and waitset_add refuse it with
 * ERR_NOT_SUPPORTED, so wait sets never nest.
 *
 * Each entry holds a reference to its object and sits on the object's
 * &mx_object.wq with its own wake function, mx_ws_wake(). Every change of
 * signals and every handle leaving its slot wakes that queue; the wake
 * function re-reads the entry's result (lockless) and, if it has one, puts
 * the entry once on the set's ready list and wakes the set's waiters. A
 * wait looks only at the ready list: its cost is O(ready entries), not
 * O(entries). It takes each ready entry off the list, evaluates it again,
 * and puts it back at the tail if its result still holds. Entries are
 * found by cookie in a resizable hash table (rhashtable): adding and
 * removing one costs the same at any size.
 *
 * Closing the wait set's handle (its only holder) takes every entry off
 * its object's queue, drops the references and frees the entries; threads
 * waiting in it end with ERR_HANDLE_CLOSED, as do waits whose wait set
 * handle was replaced. A wait set holds at most max_waitset_entries
 * entries (a module parameter); past it, waitset_add fails with
 * ERR_NO_MEMORY.
 *
 * Poll files (pollfd.c): mx_waitset_poll() reports EPOLLIN | EPOLLRDNORM
 * exactly when mx_waitset_wait() with a deadline of 0 would return a
 * result: it evaluates the ready list as a wait does (O(ready entries)),
 * dropping the entries whose result has gone, and EPOLLHUP once the wait
 * set's handle is closed. Poll waiters sleep on &mx_waitset.pollers, which
 * the wake function wakes every time an event on a watched object leaves
 * an entry with a result, whether or not the entry was queued already, so
 * that an edge-triggered epoll sees one wake-up per such event (a message
 * arriving, a signal set, a watched handle closed) even if nobody waited
 * or read in between; adding an entry that has a result at once is such
 * an event too. Close wakes them as well.
 *
 * Results pages [extension] (MX_IOC_WAITSET_PAGE, wspage.c): a wait set
 * with no entries yet may be given a page of its table's results page
 * area, mapped read-only by its process. From then on the page holds
 * exactly the results a wait would report: every entry with a result has a
 * slot (&mx_ws_entry.slot) with its cookie, result and signal state, kept
 * current by the wake function, which runs after every change of the
 * watched object's signals and every move of its handle; an entry whose
 * result went is taken out at once (pipes wake their queue when READABLE
 * or WRITABLE falls for this). An entry is first judged, and put in the
 * page, under its object's queue lock, like every later judgement, so
 * that the last judgement written is the one of the last change. The
 * page's sequence count is odd while the module writes it, so that libmx
 * can read a consistent picture without a lock. Past MX_WS_PAGE_SLOTS
 * results, entries without a slot wait in a list (&mx_waitset.over), take
 * the slots that free up, and the page says MX_WS_PAGE_OVERFLOW until the
 * list is empty; once the
 * handle the page was given for no longer names the wait set (closed,
 * replaced), a wake function on the wait set's own queue marks it
 * MX_WS_PAGE_STALE. Either flag sends libmx to the ioctl.
 *
 * Locking: &mx_waitset.mutex serialises add, remove, the evaluation part
 * of a wait (and of a poll) and close; it protects the set of entries (the
 * hash table has its own locks, but every change of it is made under the
 * mutex), &mx_waitset.nentries and &mx_waitset.closed. Under it, removing
 * an entry from its object's queue takes that queue's lock.
 * &mx_waitset.lock, an irq-safe spinlock, protects the ready list,
 * &mx_ws_entry.queued, &mx_waitset.dead and everything of the results
 * page: &mx_waitset.page and the page's contents, the slots and
 * &mx_waitset.over; it is taken by the wake
 * function under the watched object's queue lock, with interrupts off, and
 * nests inside it; the wake-ups of &mx_waitset.waiters and
 * &mx_waitset.pollers come after it is dropped (still under the watched
 * object's queue lock). mx_waitset_poll() may be called under an epoll
 * instance's mutex, which no path here takes. Nothing under the spinlock
 * is longer than a list operation. No lock is held while user memory is
 * touched: results are gathered into a kernel buffer first.
 */

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rhashtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <uapi/linux/magenta.h>

#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "stats.h"
#include "wait.h"
#include "waitset.h"
#include "wspage.h"

/* The rights of the handle mx_waitset_create() makes. */
#define MX_WAITSET_RIGHTS	(MX_RIGHT_READ | MX_RIGHT_WRITE)

/**
 * struct mx_waitset - a wait set
 * @obj:	the object
 * @rcu:	frees it a grace period after the last reference
 * @table:	the table its handle and its entries' handles are in
 * @mutex:	serialises add, remove, evaluation and close
 * @entries:	the entries by cookie (changed under @mutex)
 * @nentries:	how many (under @mutex; read without it as a hint)
 * @closed:	its handle is gone, it has no entries (under @mutex)
 * @lock:	protects @ready, @dead and every entry's queued flag
 * @ready:	entries that may have a result
 * @dead:	set by close: the wake function queues nothing more
 * @waiters:	threads in mx_waitset_wait()
 * @pollers:	poll, select and epoll waiters of its poll files
 * @page:	its results page, or NULL (under @lock and @mutex)
 * @page_id:	the page's id (under @mutex)
 * @page_value:	the handle the page was given for (under @mutex and @lock)
 * @page_wqe:	on @obj.wq while it has a page: marks the page stale
 * @slots:	the entry in each slot of @page (under @lock)
 * @over:	entries with a result but no slot, oldest first (under @lock)
 * @stale:	@page_value no longer names it (under @lock)
 */
struct mx_waitset {
	struct mx_object obj;
	struct rcu_head rcu;
	struct mx_handle_table *table;
	struct mutex mutex;	/* add, remove, evaluation, close */
	struct rhashtable entries;
	u32 nentries;
	bool closed;
	spinlock_t lock;	/* @ready, @dead, entries' queued */
	struct list_head ready;
	bool dead;
	wait_queue_head_t waiters;
	wait_queue_head_t pollers;
	struct mx_ws_page *page;
	u32 page_id;
	s32 page_value;
	struct wait_queue_entry page_wqe;
	struct mx_ws_entry **slots;
	struct list_head over;
	bool stale;
};

/**
 * struct mx_ws_entry - one entry of a wait set
 * @node:	in &mx_waitset.entries
 * @ready:	in &mx_waitset.ready while @queued
 * @wqe:	on @obj's &mx_object.wq, with mx_ws_wake()
 * @ws:		its wait set
 * @obj:	the watched object, referenced
 * @cookie:	its key
 * @value:	the watched handle's value in &mx_waitset.table
 * @signals:	the watched signals
 * @queued:	on the ready list (under &mx_waitset.lock)
 * @over:	has a result but no slot in the page (under &mx_waitset.lock)
 * @slot:	its slot in the results page, or -1 (under &mx_waitset.lock)
 * @over_node:	in &mx_waitset.over while @over
 * @last:	its last judgement while @over, for when a slot frees
 */
struct mx_ws_entry {
	struct rhash_head node;
	struct list_head ready;
	struct wait_queue_entry wqe;
	struct mx_waitset *ws;
	struct mx_object *obj;
	u64 cookie;
	s32 value;
	u32 signals;
	bool queued;
	bool over;
	s16 slot;
	struct list_head over_node;
	struct mx_ioc_waitset_result last;
};

static const struct mx_object_ops mx_waitset_ops;

static struct mx_waitset *mx_waitset_of(struct mx_object *obj)
{
	return container_of(obj, struct mx_waitset, obj);
}

/*
 * An entry's result now: 0, -MX_ERRNO_BAD_STATE, -MX_ERRNO_HANDLE_CLOSED,
 * or -EAGAIN if it has none. Lockless; called from the wake function too.
 */
static int mx_ws_eval(struct mx_ws_entry *e, struct mx_signals_state *st)
{
	if (!mx_table_alive(e->ws->table, e->value, e->obj)) {
		st->satisfied = 0;
		st->satisfiable = 0;
		return -MX_ERRNO_HANDLE_CLOSED;
	}
	mx_object_signals(e->obj, st);
	if (st->satisfied & e->signals)
		return 0;
	if (!(st->satisfiable & e->signals))
		return -MX_ERRNO_BAD_STATE;
	return -EAGAIN;
}

/* Open a change of the results page for readers: its count goes odd. */
static void mx_ws_page_begin(struct mx_ws_page *p)
{
	WRITE_ONCE(p->seq, p->seq + 1);
	smp_wmb();	/* pairs with the reader's fence before its 2nd read */
}

/* Close it: the count is even again, with the flags of the wait set. */
static void mx_ws_page_end(struct mx_waitset *ws, struct mx_ws_page *p)
{
	WRITE_ONCE(p->flags, (ws->stale ? MX_WS_PAGE_STALE : 0) |
			     (list_empty(&ws->over) ? 0 : MX_WS_PAGE_OVERFLOW));
	smp_wmb();	/* pairs with the reader's acquire of its 1st read */
	WRITE_ONCE(p->seq, p->seq + 1);
}

/* Take @e out of the page, if it is in. Under the lock, page open. */
static void mx_ws_page_del(struct mx_waitset *ws, struct mx_ws_entry *e)
{
	struct mx_ws_page *p = ws->page;
	struct mx_ws_entry *o;
	u32 last;

	if (e->over) {
		list_del(&e->over_node);
		e->over = false;
	}
	if (e->slot < 0)
		return;
	o = list_first_entry_or_null(&ws->over, struct mx_ws_entry,
				     over_node);
	if (o) {
		/* The oldest entry without a slot takes this one. */
		list_del(&o->over_node);
		o->over = false;
		o->slot = e->slot;
		ws->slots[o->slot] = o;
		p->results[o->slot] = o->last;
		e->slot = -1;
		return;
	}
	last = p->count - 1;
	if (e->slot != last) {
		/* The last slot's entry moves into the hole. */
		p->results[e->slot] = p->results[last];
		ws->slots[e->slot] = ws->slots[last];
		ws->slots[e->slot]->slot = e->slot;
	}
	WRITE_ONCE(p->count, last);
	e->slot = -1;
}

/*
 * Show @e's judgement @r, @st in the page: a slot for a result, none for
 * -EAGAIN. Under the lock; the caller holds @e's object's queue lock, so
 * judgements of one entry are written in the order they were made.
 */
static void mx_ws_page_set(struct mx_waitset *ws, struct mx_ws_entry *e,
			   int r, const struct mx_signals_state *st)
{
	struct mx_ws_page *p = ws->page;
	struct mx_ioc_waitset_result *res;

	lockdep_assert_held(&ws->lock);
	if (!p || (r == -EAGAIN && e->slot < 0 && !e->over))
		return;
	mx_ws_page_begin(p);
	if (r == -EAGAIN) {
		mx_ws_page_del(ws, e);
	} else if (e->slot < 0 && !e->over) {
		if (p->count < MX_WS_PAGE_SLOTS) {
			e->slot = p->count;
			ws->slots[e->slot] = e;
			WRITE_ONCE(p->count, p->count + 1);
		} else {
			list_add_tail(&e->over_node, &ws->over);
			e->over = true;
		}
	}
	if (r != -EAGAIN) {
		/* Kept aside while it waits for a slot. */
		res = e->slot >= 0 ? &p->results[e->slot] : &e->last;
		res->cookie = e->cookie;
		res->wait_result = r;
		res->reserved = 0;
		res->state = *st;
	}
	mx_ws_page_end(ws, p);
}

/*
 * The wake function of every entry: runs under the watched object's queue
 * lock, interrupts off. Queues the entry once if it has a result, and
 * shows the judgement in the results page.
 */
static int mx_ws_wake(struct wait_queue_entry *wqe, unsigned int mode,
		      int sync, void *key)
{
	struct mx_ws_entry *e = container_of(wqe, struct mx_ws_entry, wqe);
	struct mx_waitset *ws = e->ws;
	struct mx_signals_state st;
	unsigned long flags;
	bool wake = false, dead;
	int r;

	r = mx_ws_eval(e, &st);
	if (r == -EAGAIN) {
		/* Without a page there is nothing to take back. */
		if (data_race(READ_ONCE(ws->page))) {
			spin_lock_irqsave(&ws->lock, flags);
			mx_ws_page_set(ws, e, r, &st);
			spin_unlock_irqrestore(&ws->lock, flags);
		}
		return 0;
	}
	spin_lock_irqsave(&ws->lock, flags);
	dead = ws->dead;
	if (!e->queued && !dead) {
		list_add_tail(&e->ready, &ws->ready);
		e->queued = true;
		wake = true;
	}
	mx_ws_page_set(ws, e, r, &st);
	spin_unlock_irqrestore(&ws->lock, flags);
	if (wake)
		wake_up_all(&ws->waiters);
	/* Every event with a result, for edge-triggered epoll. */
	if (!dead && wq_has_sleeper(&ws->pollers))
		wake_up_all(&ws->pollers);
	return 0;
}

static const struct rhashtable_params mx_ws_params = {
	.key_len	= sizeof(u64),
	.key_offset	= offsetof(struct mx_ws_entry, cookie),
	.head_offset	= offsetof(struct mx_ws_entry, node),
	.automatic_shrinking = true,
};

static struct mx_ws_entry *mx_ws_find(struct mx_waitset *ws, u64 cookie)
{
	return rhashtable_lookup_fast(&ws->entries, &cookie, mx_ws_params);
}

/*
 * Insert @e by its cookie: 0, -EEXIST if the cookie is taken, or another
 * negative errno if the table could not grow. Under the mutex.
 */
static int mx_ws_insert(struct mx_waitset *ws, struct mx_ws_entry *e)
{
	return rhashtable_lookup_insert_fast(&ws->entries, &e->node,
					     mx_ws_params);
}

static void mx_ws_erase(struct mx_waitset *ws, struct mx_ws_entry *e)
{
	rhashtable_remove_fast(&ws->entries, &e->node, mx_ws_params);
}

/* Take @e off its object's queue and the ready list. Under the mutex. */
static void mx_ws_detach(struct mx_waitset *ws, struct mx_ws_entry *e)
{
	/* Once off the queue, mx_ws_wake() cannot run for it any more. */
	remove_wait_queue(&e->obj->wq, &e->wqe);
	spin_lock_irq(&ws->lock);
	if (e->queued && !ws->dead)
		list_del(&e->ready);
	e->queued = false;
	mx_ws_page_set(ws, e, -EAGAIN, NULL);
	spin_unlock_irq(&ws->lock);
}

static void mx_waitset_signals(struct mx_object *obj,
			       struct mx_signals_state *st)
{
	st->satisfied = 0;
	st->satisfiable = 0;
}

/* Called for each entry as the closed wait set's table is destroyed. */
static void mx_ws_free_entry(void *ptr, void *arg)
{
	struct mx_ws_entry *e = ptr;

	mx_ws_detach(arg, e);
	mx_object_put(e->obj);
	kfree(e);
}

/* Its only holder, the handle, is gone: empty it and end its waits. */
static void mx_waitset_close(struct mx_object *obj)
{
	struct mx_waitset *ws = mx_waitset_of(obj);
	struct mx_ws_page *page;

	mutex_lock(&ws->mutex);
	ws->closed = true;
	page = ws->page;
	if (page)
		remove_wait_queue(&ws->obj.wq, &ws->page_wqe);
	/* From here the wake functions leave the ready list alone. */
	spin_lock_irq(&ws->lock);
	ws->dead = true;
	INIT_LIST_HEAD(&ws->ready);
	if (page) {
		/* Empty and stale: the page goes back to the table. */
		mx_ws_page_begin(page);
		ws->stale = true;
		INIT_LIST_HEAD(&ws->over);
		WRITE_ONCE(page->count, 0);
		mx_ws_page_end(ws, page);
		ws->page = NULL;
	}
	spin_unlock_irq(&ws->lock);
	if (page)
		mx_wspage_put(ws->table, ws->page_id);
	/* Walks the buckets with cond_resched(); the table is gone after. */
	rhashtable_free_and_destroy(&ws->entries, mx_ws_free_entry, ws);
	ws->nentries = 0;
	mutex_unlock(&ws->mutex);
	wake_up_all(&ws->waiters);
	wake_up_all(&ws->pollers);
}

static void mx_waitset_free(struct mx_object *obj)
{
	struct mx_waitset *ws = mx_waitset_of(obj);

	mutex_destroy(&ws->mutex);
	kfree(ws->slots);
	mx_stat_dec(MX_STAT_WAITSETS);
	kfree_rcu(ws, rcu);
}

static u32 mx_ws_collect(struct mx_waitset *ws,
			 struct mx_ioc_waitset_result *buf, u32 cap);

/*
 * The poll op: readable iff a wait with deadline 0 would return a result,
 * judged as that wait would judge it; EPOLLHUP once the handle is closed.
 */
static __poll_t mx_waitset_poll(struct mx_object *obj, struct file *file,
				struct poll_table_struct *pt)
{
	struct mx_waitset *ws = mx_waitset_of(obj);
	__poll_t mask = 0;

	poll_wait(file, &ws->pollers, pt);
	mutex_lock(&ws->mutex);
	if (ws->closed)
		mask = EPOLLHUP;
	else if (mx_ws_collect(ws, NULL, 0))
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&ws->mutex);
	return mask;
}

static const struct mx_object_ops mx_waitset_ops = {
	.type		= MX_OBJ_TYPE_WAIT_SET,
	.props		= MX_OBJ_PROP_NONE,
	.signals	= mx_waitset_signals,
	.close		= mx_waitset_close,
	.poll		= mx_waitset_poll,
	.free		= mx_waitset_free,
};

/*
 * The wait set @value names, referenced, if its handle has @right. In this
 * order: ERR_BAD_HANDLE (ERR_HANDLE_CLOSED in a restarted wait), then
 * ERR_INVALID_ARGS for another type, then ERR_ACCESS_DENIED.
 */
static int mx_ws_lookup(struct mx_handle_table *t, s32 value, u32 right,
			bool restarted, struct mx_waitset **wsp)
{
	struct mx_object *obj;
	int r;

	r = mx_table_get_typed(t, value, &mx_waitset_ops, right,
			       restarted ? -MX_ERRNO_HANDLE_CLOSED :
					   -MX_ERRNO_BAD_HANDLE, &obj);
	if (!r)
		*wsp = mx_waitset_of(obj);
	return r;
}

/**
 * mx_waitset_create() - make a wait set and its handle
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the handle back
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_waitset_create(struct mx_handle_table *t,
		      const struct mx_ioc_waitset_create *a, void __user *argp)
{
	struct mx_ioc_waitset_create __user *uarg = argp;
	struct mx_waitset *ws;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	ws = kzalloc(sizeof(*ws), MX_GFP);
	if (!ws)
		return -MX_ERRNO_NO_MEMORY;
	if (rhashtable_init(&ws->entries, &mx_ws_params)) {
		kfree(ws);
		return -MX_ERRNO_NO_MEMORY;
	}
	mx_object_init(&ws->obj, &mx_waitset_ops, mx_koid_alloc());
	ws->table = t;
	mutex_init(&ws->mutex);
	spin_lock_init(&ws->lock);
	INIT_LIST_HEAD(&ws->ready);
	INIT_LIST_HEAD(&ws->over);
	init_waitqueue_head(&ws->waiters);
	init_waitqueue_head(&ws->pollers);
	mx_stat_inc(MX_STAT_WAITSETS);
	/* Once installed, another thread may close it: @ws is not ours. */
	r = mx_table_install(t, &ws->obj, MX_WAITSET_RIGHTS, &uarg->handle);
	if (r) {
		/* Never installed, never closed: the table is still ours. */
		rhashtable_destroy(&ws->entries);
		mx_object_put(&ws->obj);
	}
	return r;
}

/*
 * The wake function on the wait set's own queue while it has a page: when
 * the handle the page was given for stops naming the wait set (replaced;
 * the table wakes the queue then), the page goes stale. Runs under the
 * queue lock, interrupts off, and after a new page or id is set up.
 */
static int mx_ws_page_wake(struct wait_queue_entry *wqe, unsigned int mode,
			   int sync, void *key)
{
	struct mx_waitset *ws = container_of(wqe, struct mx_waitset, page_wqe);
	unsigned long flags;

	spin_lock_irqsave(&ws->lock, flags);
	if (ws->page && !ws->stale &&
	    !mx_table_alive(ws->table, ws->page_value, &ws->obj)) {
		mx_ws_page_begin(ws->page);
		ws->stale = true;
		mx_ws_page_end(ws, ws->page);
	}
	spin_unlock_irqrestore(&ws->lock, flags);
	return 0;
}

/* Give the page to handle @value under id @id. Under the mutex. */
static void mx_ws_page_show(struct mx_waitset *ws, struct mx_ws_page *p,
			    u32 id, s32 value)
{
	spin_lock_irq(&ws->lock);
	mx_ws_page_begin(p);
	WRITE_ONCE(p->id, id);
	WRITE_ONCE(p->value, value);
	ws->page_id = id;
	ws->page_value = value;
	ws->stale = false;
	ws->page = p;
	mx_ws_page_end(ws, p);
	spin_unlock_irq(&ws->lock);
	/*
	 * Shown, then judged: a replace of @value that came before is seen
	 * here, one after wakes the queue.
	 */
	smp_mb();	/* pairs with wq_has_sleeper() in mx_object_wake() */
	mx_ws_page_wake(&ws->page_wqe, 0, 0, NULL);
}

/**
 * mx_waitset_page() - give a wait set a results page
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the id back
 *
 * Checks, in this order: the wait set handle (ERR_BAD_HANDLE,
 * ERR_INVALID_ARGS if not a wait set, ERR_ACCESS_DENIED without
 * MX_RIGHT_READ), then, for a wait set without a page, its entries
 * (ERR_BAD_STATE if it has any) and a free page (ERR_NO_RESOURCES,
 * ERR_NO_MEMORY). A wait set that has a page keeps it: asked for again
 * through the same handle it gives the same id, through another (its
 * handle was replaced) a new id.
 *
 * Return: 0 or a negative MX_ERRNO_* value, or -EFAULT.
 */
int mx_waitset_page(struct mx_handle_table *t,
		    const struct mx_ioc_waitset_page *a, void __user *argp)
{
	struct mx_ioc_waitset_page __user *uarg = argp;
	struct mx_ws_entry **slots;
	struct mx_waitset *ws;
	struct mx_ws_page *p;
	u32 id;
	int r;

	r = mx_ws_lookup(t, a->waitset, MX_RIGHT_READ, false, &ws);
	if (r)
		return r;
	mutex_lock(&ws->mutex);
	if (ws->closed) {
		r = -MX_ERRNO_BAD_HANDLE;
	} else if (ws->page) {
		id = ws->page_id;
		if (ws->page_value != a->waitset) {
			id = mx_wspage_renew(t, id);
			mx_ws_page_show(ws, ws->page, id, a->waitset);
		}
	} else if (ws->nentries) {
		r = -MX_ERRNO_BAD_STATE;
	} else {
		slots = kcalloc(MX_WS_PAGE_SLOTS, sizeof(*slots), MX_GFP);
		p = slots ? mx_wspage_get(t, &id) :
			    ERR_PTR(-MX_ERRNO_NO_MEMORY);
		if (IS_ERR(p)) {
			kfree(slots);
			r = PTR_ERR(p);
		} else {
			ws->slots = slots;
			init_waitqueue_func_entry(&ws->page_wqe,
						  mx_ws_page_wake);
			add_wait_queue(&ws->obj.wq, &ws->page_wqe);
			WRITE_ONCE(p->count, 0);
			mx_ws_page_show(ws, p, id, a->waitset);
		}
	}
	mutex_unlock(&ws->mutex);
	if (!r && put_user(id, &uarg->id))
		r = -EFAULT;
	mx_object_put(&ws->obj);
	return r;
}

/**
 * mx_waitset_add() - add an entry to a wait set
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks, in this order: the padding (ERR_INVALID_ARGS), the wait set
 * handle (ERR_BAD_HANDLE, ERR_INVALID_ARGS if not a wait set,
 * ERR_ACCESS_DENIED without MX_RIGHT_WRITE), the watched handle
 * (ERR_INVALID_ARGS, ERR_ACCESS_DENIED without MX_RIGHT_READ,
 * ERR_NOT_SUPPORTED if not waitable), the allocation (ERR_NO_MEMORY), the
 * cookie (ERR_ALREADY_EXISTS), the entry limit (ERR_NO_MEMORY). A wait set
 * closed meanwhile gives ERR_BAD_HANDLE.
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_waitset_add(struct mx_handle_table *t,
		   const struct mx_ioc_waitset_add *a)
{
	struct mx_handle_ref h;
	struct mx_waitset *ws;
	struct mx_ws_entry *e;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_ws_lookup(t, a->waitset, MX_RIGHT_WRITE, false, &ws);
	if (r)
		return r;
	if (mx_table_get(t, a->handle, &h)) {
		r = -MX_ERRNO_INVALID_ARGS;
		goto out_ws;
	}
	if (!(h.rights & MX_RIGHT_READ))
		r = -MX_ERRNO_ACCESS_DENIED;
	else if (!(h.obj->ops->props & MX_OBJ_PROP_WAITABLE))
		r = -MX_ERRNO_NOT_SUPPORTED;
	if (r)
		goto out_obj;
	e = kmalloc(sizeof(*e), MX_GFP);
	if (!e) {
		r = -MX_ERRNO_NO_MEMORY;
		goto out_obj;
	}
	e->ws = ws;
	e->obj = h.obj;
	e->cookie = a->cookie;
	e->value = a->handle;
	e->signals = a->signals;
	e->queued = false;
	e->over = false;
	e->slot = -1;
	INIT_LIST_HEAD(&e->ready);
	init_waitqueue_func_entry(&e->wqe, mx_ws_wake);

	mutex_lock(&ws->mutex);
	if (ws->closed) {
		r = -MX_ERRNO_BAD_HANDLE;
	} else {
		r = mx_ws_insert(ws, e);
		/* -EEXIST is ERR_ALREADY_EXISTS; else the table cannot grow. */
		if (r && r != -MX_ERRNO_ALREADY_EXISTS)
			r = -MX_ERRNO_NO_MEMORY;
		if (!r && ws->nentries >= READ_ONCE(mx_max_waitset_entries)) {
			mx_ws_erase(ws, e);
			r = -MX_ERRNO_NO_MEMORY;
		}
	}
	if (!r) {
		WRITE_ONCE(ws->nentries, ws->nentries + 1);
		/*
		 * Queued, then judged, under the queue lock like every later
		 * judgement (the page shows the last one). A full barrier
		 * between, pairing with wq_has_sleeper() in mx_object_wake(),
		 * so that a change made meanwhile is either seen here or
		 * wakes the entry after.
		 */
		spin_lock_irq(&e->obj->wq.lock);
		__add_wait_queue(&e->obj->wq, &e->wqe);
		smp_mb();	/* pairs with wq_has_sleeper() */
		/* A result it has already, or got before it was queued. */
		mx_ws_wake(&e->wqe, 0, 0, NULL);
		spin_unlock_irq(&e->obj->wq.lock);
	}
	mutex_unlock(&ws->mutex);
	if (!r)
		goto out_ws;	/* the entry keeps the object's reference */
	kfree(e);
out_obj:
	mx_object_put(h.obj);
out_ws:
	mx_object_put(&ws->obj);
	return r;
}

/**
 * mx_waitset_remove() - remove an entry from a wait set
 * @t:		the caller's table
 * @a:		the arguments
 *
 * Checks, in this order: the padding (ERR_INVALID_ARGS), the wait set
 * handle (ERR_BAD_HANDLE, ERR_INVALID_ARGS, ERR_ACCESS_DENIED without
 * MX_RIGHT_WRITE), the cookie (ERR_NOT_FOUND).
 *
 * Return: 0 or a negative MX_ERRNO_* value.
 */
int mx_waitset_remove(struct mx_handle_table *t,
		      const struct mx_ioc_waitset_remove *a)
{
	struct mx_waitset *ws;
	struct mx_ws_entry *e = NULL;
	int r;

	if (a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_ws_lookup(t, a->waitset, MX_RIGHT_WRITE, false, &ws);
	if (r)
		return r;
	mutex_lock(&ws->mutex);
	if (ws->closed)
		r = -MX_ERRNO_BAD_HANDLE;
	else
		e = mx_ws_find(ws, a->cookie);
	if (!r && !e)
		r = -MX_ERRNO_NOT_FOUND;
	if (e) {
		mx_ws_erase(ws, e);
		WRITE_ONCE(ws->nentries, ws->nentries - 1);
		mx_ws_detach(ws, e);
	}
	mutex_unlock(&ws->mutex);
	if (e) {
		mx_object_put(e->obj);
		kfree(e);
	}
	mx_object_put(&ws->obj);
	return r;
}

/*
 * Evaluate every entry of the ready list once; write the first @cap
 * results to @buf (may be NULL if @cap is 0) and put the entries whose
 * result holds back on the list. Returns how many had a result. Under the
 * mutex (which keeps the entries alive). Each spinlock section puts back
 * the entry evaluated last and takes off the next one: O(1) work each,
 * ready + 1 of them.
 */
static u32 mx_ws_collect(struct mx_waitset *ws,
			 struct mx_ioc_waitset_result *buf, u32 cap)
{
	struct mx_ws_entry *e, *back = NULL;
	struct mx_signals_state st;
	LIST_HEAD(local);
	u32 n = 0;
	int r;

	spin_lock_irq(&ws->lock);
	list_splice_init(&ws->ready, &local);
	for (;;) {
		/* A wake while it was off the lists may have queued it. */
		if (back && !back->queued) {
			list_add_tail(&back->ready, &ws->ready);
			back->queued = true;
		}
		if (list_empty(&local))
			break;
		e = list_first_entry(&local, struct mx_ws_entry, ready);
		/* Unqueue before evaluating, so no change is missed. */
		list_del(&e->ready);
		e->queued = false;
		spin_unlock_irq(&ws->lock);
		r = mx_ws_eval(e, &st);
		back = NULL;
		if (r != -EAGAIN) {
			if (n < cap) {
				buf[n].cookie = e->cookie;
				buf[n].wait_result = r;
				buf[n].reserved = 0;
				buf[n].state = st;
			}
			n++;
			back = e;
		}
		spin_lock_irq(&ws->lock);
	}
	spin_unlock_irq(&ws->lock);
	return n;
}

/* Results gathered before they are copied out: small counts on the stack. */
#define MX_WS_SMALL	8

/**
 * struct mx_ws_buf - the kernel buffer of one mx_waitset_wait()
 * @res:	@small, or an allocation of @cap results
 * @cap:	how many results @res holds
 * @small:	the buffer for up to MX_WS_SMALL results
 */
struct mx_ws_buf {
	struct mx_ioc_waitset_result *res;
	u32 cap;
	struct mx_ioc_waitset_result small[MX_WS_SMALL];
};

/* Make room for @need results; false if that takes memory there is not. */
static bool mx_ws_buf_reserve(struct mx_ws_buf *b, u32 need)
{
	if (need <= b->cap)
		return true;
	if (b->res != b->small)
		kvfree(b->res);
	b->res = kvmalloc_array(need, sizeof(*b->res), MX_GFP_TEMP);
	if (!b->res) {
		b->res = b->small;
		b->cap = MX_WS_SMALL;
		return false;
	}
	b->cap = need;
	return true;
}

/* What mx_wait_until() checks for a wait set wait. */
struct mx_ws_sleep {
	struct mx_handle_table *t;
	struct mx_waitset *ws;
	s32 value;
};

/* 0 once an entry may have a result, or the wait set's handle error. */
static int mx_ws_check(void *arg)
{
	struct mx_ws_sleep *a = arg;
	struct mx_waitset *ws = a->ws;
	bool ready;

	if (READ_ONCE(ws->closed) || !mx_table_alive(a->t, a->value, &ws->obj))
		return -MX_ERRNO_HANDLE_CLOSED;
	spin_lock_irq(&ws->lock);
	ready = !list_empty(&ws->ready);
	spin_unlock_irq(&ws->lock);
	return ready ? 0 : -EAGAIN;
}

/*
 * The wait loop of mx_waitset_wait(): 0 with *@count results, or error.
 * An entry on the ready list may have lost its result by the time it is
 * collected; collecting drops it, and the wait sleeps again.
 */
static int mx_ws_wait_loop(struct mx_handle_table *t, struct mx_waitset *ws,
			   s32 value, u64 deadline, u32 num,
			   struct mx_ws_buf *buf, u32 *count)
{
	struct mx_ws_sleep sl = { t, ws, value };
	struct wait_queue_entry we_ws, we_obj;
	bool queued = false;
	int r = 0;

	init_waitqueue_entry(&we_ws, current);
	init_waitqueue_entry(&we_obj, current);
	for (;;) {
		if (!mx_ws_buf_reserve(buf, min(num,
						READ_ONCE(ws->nentries)))) {
			r = -MX_ERRNO_NO_MEMORY;
			break;
		}
		mutex_lock(&ws->mutex);
		if (ws->closed) {
			r = -MX_ERRNO_HANDLE_CLOSED;
		} else if (min(num, ws->nentries) > buf->cap) {
			mutex_unlock(&ws->mutex);
			continue;	/* it grew: a larger buffer first */
		} else {
			*count = mx_ws_collect(ws, buf->res, buf->cap);
		}
		mutex_unlock(&ws->mutex);
		if (r || *count)
			break;
		if (!queued) {
			add_wait_queue(&ws->waiters, &we_ws);
			add_wait_queue(&ws->obj.wq, &we_obj);
			mx_stat_inc(MX_STAT_WAITERS);
			queued = true;
		}
		r = mx_wait_until(deadline, mx_ws_check, &sl);
		if (r)
			break;
	}
	if (queued) {
		remove_wait_queue(&ws->obj.wq, &we_obj);
		remove_wait_queue(&ws->waiters, &we_ws);
		mx_stat_dec(MX_STAT_WAITERS);
	}
	return r;
}

/**
 * mx_waitset_wait() - wait for results of a wait set's entries
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	the user's argument struct (for @a->restarted)
 *
 * Checks, in this order: restarted (ERR_INVALID_ARGS), the wait set handle
 * (ERR_BAD_HANDLE, or ERR_HANDLE_CLOSED in a restarted wait;
 * ERR_INVALID_ARGS if not a wait set; ERR_ACCESS_DENIED without
 * MX_RIGHT_READ), then the pointers (ERR_INVALID_ARGS). Then waits until
 * an entry has a result (0), the deadline passes (ERR_TIMED_OUT) or the
 * wait set's handle goes (ERR_HANDLE_CLOSED). Out values are written on
 * success only.
 *
 * Return: 0, a negative MX_ERRNO_* value, or -ERESTARTSYS.
 */
int mx_waitset_wait(struct mx_handle_table *t,
		    const struct mx_ioc_waitset_wait *a, void __user *argp)
{
	struct mx_ioc_waitset_wait __user *uarg = argp;
	u32 __user *unum = u64_to_user_ptr(a->num_results);
	struct mx_ioc_waitset_result __user *ures;
	u32 __user *umax = u64_to_user_ptr(a->max_results);
	struct mx_waitset *ws;
	struct mx_ws_buf buf;
	u32 num, count = 0;
	int r;

	ures = u64_to_user_ptr(a->results);
	if (a->restarted > 1)
		return -MX_ERRNO_INVALID_ARGS;
	r = mx_ws_lookup(t, a->waitset, MX_RIGHT_READ, a->restarted, &ws);
	if (r)
		return r;
	buf.res = buf.small;
	buf.cap = MX_WS_SMALL;
	if (!unum || get_user(num, unum) ||
	    (num && (!ures || !access_ok(ures, (size_t)num * sizeof(*ures)))) ||
	    (umax && !access_ok(umax, sizeof(*umax)))) {
		r = -MX_ERRNO_INVALID_ARGS;
		goto out;
	}
	r = mx_ws_wait_loop(t, ws, a->waitset, a->deadline, num, &buf,
			    &count);
	if (r == -ERESTARTSYS && !a->restarted &&
	    put_user(1u, &uarg->restarted))
		r = -EFAULT;
	if (r)
		goto out;
	num = min(num, count);
	if (copy_to_user(ures, buf.res, (size_t)num * sizeof(*buf.res)) ||
	    put_user(num, unum) || (umax && put_user(count, umax)))
		r = -MX_ERRNO_INVALID_ARGS;
out:
	if (buf.res != buf.small)
		kvfree(buf.res);
	mx_object_put(&ws->obj);
	return r;
}
