// SPDX-License-Identifier: GPL-2.0
/*
 * Results pages: the pages a table's wait sets show their results in.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Results pages
 *
 * A table (one open of /dev/magenta) has an area of MX_WS_PAGE_MAX pages
 * that its process may map read-only with mmap(). A wait set given a page
 * (MX_IOC_WAITSET_PAGE, waitset.c) keeps in it the results a wait would
 * report, so that libmx can read them without a system call.
 *
 * This file hands out the pages and maps them; what a page shows is the
 * wait set's business. A page is allocated the first time its index is
 * given out and stays with the table until the table's file is released:
 * a wait set that goes gives its index back, the next one gets the same
 * page under a new id, and a mapping never has to be taken apart. The
 * mapping is never copied into a fork() child, cannot be made writable
 * and serves only the process that opened the table.
 *
 * Locking: &mx_wspage_pool.lock, a spinlock, protects the bitmap of
 * indexes in use and the id counter; it is a leaf. A page pointer is
 * written once, by the holder of its index, with a release store, and read
 * by the fault handler with an acquire load. The pool pointer of a table is
 * installed once with cmpxchg() and freed with the table's file, after
 * every mapping (each holds the file) is gone.
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <uapi/linux/magenta.h>

#include "compat.h"
#include "handle_table.h"
#include "magenta.h"
#include "wspage.h"

/* The low bits of an id are the page's index. */
#define MX_WSPAGE_IDX_BITS	8

/**
 * struct mx_wspage_pool - the results pages of a table
 * @lock:	protects @used and @gen
 * @gen:	the upper part of the last id given out
 * @used:	indexes given to a wait set
 * @pages:	the page of each index, or NULL before its first use
 */
struct mx_wspage_pool {
	spinlock_t lock;	/* @used, @gen */
	u32 gen;
	DECLARE_BITMAP(used, MX_WS_PAGE_MAX);
	struct page *pages[MX_WS_PAGE_MAX];
};

static_assert(sizeof(struct mx_ws_page) == MX_WS_PAGE_SIZE);
static_assert(MX_WS_PAGE_MAX == 1u << MX_WSPAGE_IDX_BITS);

static struct mx_wspage_pool *mx_wspage_pool(struct mx_handle_table *t)
{
	/* Pairs with the cmpxchg() below: the pool's init is seen. */
	struct mx_wspage_pool *pool = smp_load_acquire(&t->wspages), *old;

	if (pool)
		return pool;
	pool = kzalloc(sizeof(*pool), MX_GFP);
	if (!pool)
		return NULL;
	spin_lock_init(&pool->lock);
	old = cmpxchg(&t->wspages, NULL, pool);
	if (old) {
		kfree(pool);	/* another thread won */
		return old;
	}
	return pool;
}

/* A new id for index @idx. Under the pool lock. */
static u32 mx_wspage_next_id(struct mx_wspage_pool *pool, u32 idx)
{
	pool->gen = (pool->gen + 1) & (U32_MAX >> MX_WSPAGE_IDX_BITS);
	return pool->gen << MX_WSPAGE_IDX_BITS | idx;
}

/**
 * mx_wspage_get() - give out a results page
 * @t:	the table
 * @id:	out: its id (&mx_ws_page.id)
 *
 * Return: the page, mapped in the kernel, zeroed the first time it is given
 * out and as its last wait set left it after; ERR_PTR(-MX_ERRNO_NO_MEMORY),
 * or ERR_PTR(-MX_ERRNO_NO_RESOURCES) if all MX_WS_PAGE_MAX are in use.
 */
struct mx_ws_page *mx_wspage_get(struct mx_handle_table *t, u32 *id)
{
	struct mx_wspage_pool *pool = mx_wspage_pool(t);
	struct page *page;
	u32 idx;

	if (PAGE_SIZE != MX_WS_PAGE_SIZE)
		return ERR_PTR(-MX_ERRNO_NOT_SUPPORTED);
	if (!pool)
		return ERR_PTR(-MX_ERRNO_NO_MEMORY);
	spin_lock(&pool->lock);
	idx = find_first_zero_bit(pool->used, MX_WS_PAGE_MAX);
	if (idx >= MX_WS_PAGE_MAX) {
		spin_unlock(&pool->lock);
		return ERR_PTR(-MX_ERRNO_NO_RESOURCES);
	}
	__set_bit(idx, pool->used);
	*id = mx_wspage_next_id(pool, idx);
	spin_unlock(&pool->lock);

	/* Only the holder of the index writes its page pointer. */
	page = pool->pages[idx];
	if (!page) {
		page = alloc_page(MX_GFP | __GFP_ZERO);
		if (!page) {
			mx_wspage_put(t, *id);
			return ERR_PTR(-MX_ERRNO_NO_MEMORY);
		}
		/* Pairs with the fault's acquire: the zeroed page is seen. */
		smp_store_release(&pool->pages[idx], page);
	}
	return page_address(page);
}

/**
 * mx_wspage_renew() - a new id for a page given out
 * @t:	the table
 * @id:	the page's id now
 *
 * Return: the new id, naming the same page.
 */
u32 mx_wspage_renew(struct mx_handle_table *t, u32 id)
{
	struct mx_wspage_pool *pool = t->wspages;

	spin_lock(&pool->lock);
	id = mx_wspage_next_id(pool, id & (MX_WS_PAGE_MAX - 1));
	spin_unlock(&pool->lock);
	return id;
}

/**
 * mx_wspage_put() - give back a results page
 * @t:	the table
 * @id:	the page's id
 *
 * The page stays mapped wherever it is; its next wait set gives it a new
 * id.
 */
void mx_wspage_put(struct mx_handle_table *t, u32 id)
{
	struct mx_wspage_pool *pool = t->wspages;

	spin_lock(&pool->lock);
	__clear_bit(id & (MX_WS_PAGE_MAX - 1), pool->used);
	spin_unlock(&pool->lock);
}

static vm_fault_t mx_wspage_fault(struct vm_fault *vmf)
{
	struct mx_handle_table *t = vmf->vma->vm_private_data;
	/* Pairs with the cmpxchg() in mx_wspage_pool(). */
	struct mx_wspage_pool *pool = smp_load_acquire(&t->wspages);
	struct page *page;

	if (!pool || vmf->pgoff >= MX_WS_PAGE_MAX)
		return VM_FAULT_SIGBUS;
	/* Pairs with the release in mx_wspage_get(). */
	page = smp_load_acquire(&pool->pages[vmf->pgoff]);
	if (!page)
		return VM_FAULT_SIGBUS;	/* never given out */
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mx_wspage_vm_ops = {
	.fault	= mx_wspage_fault,
};

/**
 * mx_wspage_mmap() - map (part of) a table's results page area
 * @t:		the table
 * @vma:	the new mapping
 *
 * Return: 0, -EPERM for a writable mapping, -EINVAL past the area, or
 * -ENODEV where pages are not MX_WS_PAGE_SIZE bytes.
 */
int mx_wspage_mmap(struct mx_handle_table *t, struct vm_area_struct *vma)
{
	if (PAGE_SIZE != MX_WS_PAGE_SIZE)
		return -ENODEV;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	if (vma->vm_pgoff >= MX_WS_PAGE_MAX ||
	    vma_pages(vma) > MX_WS_PAGE_MAX - vma->vm_pgoff)
		return -EINVAL;
	vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mx_wspage_vm_ops;
	vma->vm_private_data = t;
	return 0;
}

/**
 * mx_wspage_destroy() - free a table's results pages
 * @t:	the table, whose file is being released (no mapping is left)
 */
void mx_wspage_destroy(struct mx_handle_table *t)
{
	struct mx_wspage_pool *pool = t->wspages;
	u32 i;

	if (!pool)
		return;
	for (i = 0; i < MX_WS_PAGE_MAX; i++)
		if (pool->pages[i])
			put_page(pool->pages[i]);
	kfree(pool);
	t->wspages = NULL;
}
