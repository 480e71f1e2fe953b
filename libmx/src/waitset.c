/* SPDX-License-Identifier: MIT */
/*
 * mx_waitset_create(), mx_waitset_add(), mx_waitset_remove(),
 * mx_waitset_wait().
 *
 * The module writes each result's wait_result as 0 or a negative
 * MX_ERRNO_* value; here it becomes the Magenta status, in place.
 *
 * Results pages (MX_FEATURE_WAITSET_PAGE): mx_waitset_create() asks the
 * module for a read-only page on which it keeps the wait set's current
 * results (MX_IOC_WAITSET_PAGE), and remembers the page's id in ws_cache,
 * a direct-mapped cache keyed by the handle value. mx_waitset_wait() then
 * first tries to read the results from the page, without a system call
 * (ws_wait_page()): the page must still be the one the handle was given
 * (id and value), show no MX_WS_PAGE_* flag and at least one result, and a
 * seqlock snapshot of it must validate. Anything else, and every wait that
 * has to block or time out, goes to MX_IOC_WAITSET_WAIT as before.
 *
 * The buffers: an unwritable num_results, results or max_results must give
 * ERR_INVALID_ARGS, which only the kernel can tell. So the page path
 * writes only into buffers the kernel has written successfully before, for
 * the same thread and the same three pointers (ws_bufs), and at most as
 * many results as the kernel wrote there.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <magenta/syscalls.h>

#include "mx_ioctl.h"

_Static_assert(sizeof(mx_waitset_result_t) ==
	       sizeof(struct mx_ioc_waitset_result),
	       "mx_waitset_result_t and the ABI struct differ");
_Static_assert(offsetof(mx_waitset_result_t, wait_result) ==
	       offsetof(struct mx_ioc_waitset_result, wait_result),
	       "mx_waitset_result_t.wait_result is misplaced");
_Static_assert(offsetof(mx_waitset_result_t, signals_state) ==
	       offsetof(struct mx_ioc_waitset_result, state),
	       "mx_waitset_result_t.signals_state is misplaced");

_Static_assert(sizeof(struct mx_ws_page) == MX_WS_PAGE_SIZE,
	       "struct mx_ws_page is not one page");
_Static_assert(offsetof(struct mx_ws_page, results) % 8 == 0,
	       "page results are not 8-byte aligned");

/* At most this many results are taken from a page in one call. */
#define WS_PAGE_TAKE	32u

/*
 * The page cache: per wait set handle value h, at ws_slot(h), the entry
 * (uint64_t)(uint32_t)h << 32 | id, id being the page's id. 0 is empty
 * (handle values are > 0). An entry is never removed: a closed or replaced
 * handle's page says MX_WS_PAGE_STALE, and a page given to another wait
 * set has another id and value. A second wait set on the same slot
 * replaces the first, which then takes the ioctl path.
 */
#define WS_CACHE_SIZE	256u

static _Atomic uint64_t ws_cache[WS_CACHE_SIZE];

/* mx_ws_area(), kept here once an entry needs it (set before any entry). */
static _Atomic(const struct mx_ws_page *) ws_area;

static inline unsigned int ws_slot(mx_handle_t h)
{
	return ((uint32_t)h * 0x9e3779b1u) >> 24;	/* 8 bits */
}

/*
 * Buffers the kernel has written for this thread: n results at results,
 * with num_results and max_results. The initial num_results is a private
 * object no caller can pass, so nothing matches before the first wait.
 * initial-exec: no __tls_get_addr call on the fast path of libmx.so.
 */
struct ws_bufs {
	uint32_t *num_results;
	mx_waitset_result_t *results;
	uint32_t *max_results;
	uint32_t n;
	uint32_t rotor;		/* where to start when not all fit */
};

static uint32_t ws_no_buf;
static _Thread_local struct ws_bufs ws_bufs
	__attribute__((tls_model("initial-exec"))) = {
	.num_results = &ws_no_buf,
};

void mx_waitset_forget_pages(void)
{
	unsigned int i;

	for (i = 0; i < WS_CACHE_SIZE; i++)
		atomic_store_explicit(&ws_cache[i], 0, memory_order_relaxed);
	atomic_store_explicit(&ws_area, NULL, memory_order_relaxed);
}

/* Give the new wait set @h a results page if the module can; or nothing. */
static void ws_page_attach(mx_handle_t h)
{
	struct mx_ioc_waitset_page a = { .waitset = h };
	const struct mx_ws_page *area;

	if (mx_ioctl(MX_IOC_WAITSET_PAGE, &a) != NO_ERROR)
		return;
	area = mx_ws_area();
	if (!area)
		return;
	/* The same pointer every time; published by the entry's release. */
	atomic_store_explicit(&ws_area, area, memory_order_relaxed);
	atomic_store_explicit(&ws_cache[ws_slot(h)],
			      (uint64_t)(uint32_t)h << 32 | a.id,
			      memory_order_release);
}

mx_handle_t mx_waitset_create(void)
{
	struct mx_ioc_waitset_create a = { 0 };
	mx_status_t s = mx_ioctl(MX_IOC_WAITSET_CREATE, &a);

	if (s != NO_ERROR)
		return s;
	ws_page_attach(a.handle);
	return a.handle;
}

mx_status_t mx_waitset_add(mx_handle_t waitset_handle, mx_handle_t handle,
			   mx_signals_t signals, uint64_t cookie)
{
	struct mx_ioc_waitset_add a = {
		.waitset = (uint32_t)waitset_handle,
		.handle = (uint32_t)handle,
		.signals = signals,
		.cookie = cookie,
	};

	return mx_ioctl(MX_IOC_WAITSET_ADD, &a);
}

mx_status_t mx_waitset_remove(mx_handle_t waitset_handle, uint64_t cookie)
{
	struct mx_ioc_waitset_remove a = {
		.waitset = (uint32_t)waitset_handle,
		.cookie = cookie,
	};

	return mx_ioctl(MX_IOC_WAITSET_REMOVE, &a);
}

/* A page field, read as the seqlock reader it is. */
#define WS_LOAD(p, f) \
	atomic_load_explicit((const _Atomic uint32_t *)&(p)->f, \
			     memory_order_relaxed)

/*
 * The wait set's current results from its page, if they can be had without
 * the kernel: true with *num_results, @results and *max_results written,
 * else false with nothing written.
 */
static bool ws_wait_page(mx_handle_t h, uint32_t *num_results,
			 mx_waitset_result_t *results,
			 uint32_t *max_results)
{
	uint64_t snap[WS_PAGE_TAKE][3];
	const struct mx_ws_page *page;
	const _Atomic uint64_t *src;
	struct ws_bufs *b = &ws_bufs;
	uint32_t s1, count, n, i, j, tries;
	uint64_t e;

	e = atomic_load_explicit(&ws_cache[ws_slot(h)], memory_order_acquire);
	if ((uint32_t)(e >> 32) != (uint32_t)h || h <= 0)
		return false;
	if (num_results != b->num_results || results != b->results ||
	    max_results != b->max_results)
		return false;
	/* The entry's acquire makes ws_area, stored before it, visible. */
	page = atomic_load_explicit(&ws_area, memory_order_relaxed) +
	       (e & 0xff);
	for (tries = 0; tries < 4; tries++) {
		s1 = atomic_load_explicit((const _Atomic uint32_t *)&page->seq,
					  memory_order_acquire);
		if (s1 & 1)
			continue;
		count = WS_LOAD(page, count);
		if (WS_LOAD(page, id) != (uint32_t)e ||
		    WS_LOAD(page, value) != (uint32_t)h ||
		    WS_LOAD(page, flags) || !count || count > MX_WS_PAGE_SLOTS)
			return false;
		n = *num_results < count ? *num_results : count;
		if (n > b->n || n > WS_PAGE_TAKE)
			return false;
		/* Not all fit: start further on each call, like the kernel. */
		j = n < count ? b->rotor++ % count : 0;
		for (i = 0; i < n; i++) {
			src = (const _Atomic uint64_t *)&page->results[j];
			if (++j == count)
				j = 0;
			snap[i][0] = atomic_load_explicit(&src[0],
							  memory_order_relaxed);
			snap[i][1] = atomic_load_explicit(&src[1],
							  memory_order_relaxed);
			snap[i][2] = atomic_load_explicit(&src[2],
							  memory_order_relaxed);
		}
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit((const _Atomic uint32_t *)&page->seq,
					 memory_order_relaxed) != s1)
			continue;
		for (i = 0; i < n; i++) {
			memcpy(&results[i], snap[i], sizeof(results[i]));
			if (results[i].wait_result)
				results[i].wait_result = mx_status_from_errno(
					-results[i].wait_result);
		}
		*num_results = n;
		if (max_results)
			*max_results = count;
		return true;
	}
	return false;
}

/* Buffers the kernel has just written @n results into, for this thread. */
static void ws_bufs_note(uint32_t *num_results,
			 mx_waitset_result_t *results,
			 uint32_t *max_results, uint32_t n)
{
	struct ws_bufs *b = &ws_bufs;

	if (num_results == b->num_results && results == b->results &&
	    max_results == b->max_results) {
		if (n > b->n)
			b->n = n;
		return;
	}
	b->num_results = num_results;
	b->results = results;
	b->max_results = max_results;
	b->n = n;
}

mx_status_t mx_waitset_wait(mx_handle_t waitset_handle, mx_time_t timeout,
			    uint32_t* num_results,
			    mx_waitset_result_t* results,
			    uint32_t* max_results)
{
	struct mx_ioc_waitset_wait a;
	mx_status_t s;
	uint32_t i;

	if (ws_wait_page(waitset_handle, num_results, results, max_results))
		return NO_ERROR;
	a = (struct mx_ioc_waitset_wait){
		.waitset = (uint32_t)waitset_handle,
		.deadline = mx_deadline(timeout),
		.num_results = mx_ptr(num_results),
		.results = mx_ptr(results),
		.max_results = mx_ptr(max_results),
	};
	s = mx_ioctl_restart(MX_IOC_WAITSET_WAIT, &a);
	if (s != NO_ERROR)
		return s;
	ws_bufs_note(num_results, results, max_results, *num_results);
	for (i = 0; i < *num_results; i++)
		if (results[i].wait_result)
			results[i].wait_result =
				mx_status_from_errno(-results[i].wait_result);
	return NO_ERROR;
}
