/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two fuzzers (fuzz/mxfuzz.c, fuzz/mxsfuzz.c) and the stress
 * program (stress/mxstress.c) share: the clock, the random streams, the
 * errno values that carry Magenta statuses (their names, for reports), the
 * first-failure message box, the ABI version check, and the check that the
 * module's live-object counters are back where they started.
 *
 * Plain C11 with glibc: the includer defines _GNU_SOURCE before any
 * include (strerrorname_np()). No dependency but libc, the uapi header and
 * selftests/mx_sysfs.h.
 */
#ifndef MXFUZZ_COMMON_H
#define MXFUZZ_COMMON_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include (strerrorname_np)"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/magenta.h>

#include "mx_sysfs.h"

/* ---- time and random numbers ------------------------------------------ */

static inline uint64_t mxf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: seeds and hashes. */
static inline uint64_t mxf_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* xorshift64*: one stream (never seeded with 0: see mxf_rng_seed()). */
struct mxf_rng {
	uint64_t s;
};

static inline void mxf_rng_seed(struct mxf_rng *r, uint64_t s)
{
	r->s = mxf_mix64(s) | 1;
}

static inline uint64_t mxf_rnd(struct mxf_rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform-ish in [0, n); 0 when n is 0. */
static inline uint32_t mxf_rn(struct mxf_rng *r, uint32_t n)
{
	return n ? (uint32_t)(mxf_rnd(r) % n) : 0;
}

static inline bool mxf_chance(struct mxf_rng *r, uint32_t pct)
{
	return mxf_rn(r, 100) < pct;
}

/* ---- statuses --------------------------------------------------------- */

/*
 * The errno of every Magenta status, in the order of uapi/linux/magenta.h
 * (an initializer list, for tables that add values around it).
 */
#define MXF_STATUS_ERRNOS						\
	MX_ERRNO_INVALID_ARGS, MX_ERRNO_NOT_SUPPORTED, MX_ERRNO_NOT_FOUND, \
	MX_ERRNO_NO_MEMORY, MX_ERRNO_NO_RESOURCES, MX_ERRNO_BAD_HANDLE,	\
	MX_ERRNO_OUT_OF_RANGE, MX_ERRNO_NOT_ENOUGH_BUFFER,		\
	MX_ERRNO_ALREADY_EXISTS, MX_ERRNO_BAD_STATE, MX_ERRNO_TIMED_OUT,	\
	MX_ERRNO_HANDLE_CLOSED, MX_ERRNO_CHANNEL_CLOSED,		\
	MX_ERRNO_ACCESS_DENIED, MX_ERRNO_WRONG_TYPE, MX_ERRNO_TOO_BIG

static const int mxf_status_errnos[] = { MXF_STATUS_ERRNOS };
static const char *const mxf_status_names[] = {
	"ERR_INVALID_ARGS", "ERR_NOT_SUPPORTED", "ERR_NOT_FOUND",
	"ERR_NO_MEMORY", "ERR_NO_RESOURCES", "ERR_BAD_HANDLE",
	"ERR_OUT_OF_RANGE", "ERR_NOT_ENOUGH_BUFFER", "ERR_ALREADY_EXISTS",
	"ERR_BAD_STATE", "ERR_TIMED_OUT", "ERR_HANDLE_CLOSED",
	"ERR_CHANNEL_CLOSED", "ERR_ACCESS_DENIED", "ERR_WRONG_TYPE",
	"ERR_TOO_BIG",
};
#define MXF_NSTATUS (sizeof(mxf_status_errnos) / sizeof(mxf_status_errnos[0]))

_Static_assert(sizeof(mxf_status_names) / sizeof(mxf_status_names[0]) ==
	       MXF_NSTATUS, "one name per status");

/* Does errno @e carry a Magenta status? */
static inline bool mxf_is_status_errno(int e)
{
	size_t i;

	for (i = 0; i < MXF_NSTATUS; i++)
		if (mxf_status_errnos[i] == e)
			return true;
	return false;
}

/* "OK" for 0, else the errno's symbolic name ("EBADSLT"). */
static inline const char *mxf_errno_name(int e)
{
	const char *s;

	if (!e)
		return "OK";
	s = strerrorname_np(e);
	return s ? s : "E?";
}

/* The status an errno carries ("ERR_BAD_HANDLE"), or its errno name. */
static inline const char *mxf_status_name(int e)
{
	size_t i;

	if (!e)
		return "NO_ERROR";
	for (i = 0; i < MXF_NSTATUS; i++)
		if (mxf_status_errnos[i] == e)
			return mxf_status_names[i];
	return mxf_errno_name(e);
}

/* ---- failures --------------------------------------------------------- */

/*
 * The first failure of a run, in memory shared by its processes: the
 * first writer keeps its message, later ones only count. Returns true for
 * the first.
 */
static inline bool mxf_first_failure(atomic_flag *lock, char *buf, size_t cap,
				     const char *fmt, va_list ap)
{
	if (atomic_flag_test_and_set(lock))
		return false;
	vsnprintf(buf, cap, fmt, ap);
	return true;
}

/* ---- the ABI ------------------------------------------------------------ */

/* Is @v this header's ABI with its fixed limits? */
static inline bool mxf_version_ok(const struct mx_ioc_version *v)
{
	return v->abi_major == MX_ABI_MAJOR &&
	       v->max_msg_bytes == MX_MAX_MSG_BYTES &&
	       v->max_msg_handles == MX_MAX_MSG_HANDLES &&
	       v->max_wait_handles == MX_MAX_WAIT_HANDLES && !v->pad &&
	       (v->features & MX_FEATURE_MSGPIPE);
}

/* ---- the module's live-object counters --------------------------------- */

/*
 * Counters some module versions have that mx_sysfs.h may not list: read
 * when present (a missing file counts as 0 at both ends).
 */
static const char *const mxf_extra_stats[] = { "events" };
#define MXF_NEXTRA (sizeof(mxf_extra_stats) / sizeof(mxf_extra_stats[0]))
#define MXF_NSTATS (MX_NSTATS + MXF_NEXTRA)

static inline const char *mxf_stat_name(size_t i)
{
	return i < MX_NSTATS ? mx_stat_names[i] : mxf_extra_stats[i - MX_NSTATS];
}

static inline bool mxf_stat_listed(const char *name)
{
	size_t i;

	for (i = 0; i < MX_NSTATS; i++)
		if (!strcmp(mx_stat_names[i], name))
			return true;
	return false;
}

/* Every counter into @v (MXF_NSTATS entries); -1 if the module is not there. */
static inline int mxf_stats_read(long *v)
{
	size_t i;

	if (mx_stats_read_all(v))
		return -1;
	for (i = 0; i < MXF_NEXTRA; i++) {
		long x = mxf_stat_listed(mxf_extra_stats[i]) ? 0 :
			 mx_stat_read(mxf_extra_stats[i]);

		v[MX_NSTATS + i] = x < 0 ? 0 : x;
	}
	return 0;
}

/*
 * Are the counters back at @base? Polls up to @tries times, 100 ms apart
 * (objects are freed after an RCU grace period), then prints each counter
 * that differs, prefixed by @prog. Returns 0 when they are back.
 */
static inline int mxf_stats_back(const long *base, const char *prog, int tries)
{
	long now[MXF_NSTATS];
	size_t i;
	int k;

	for (k = 0; k < tries; k++) {
		if (mxf_stats_read(now))
			return -1;
		if (!memcmp(now, base, sizeof(now)))
			return 0;
		usleep(100 * 1000);
	}
	for (i = 0; i < MXF_NSTATS; i++)
		if (now[i] != base[i])
			printf("%s: FAIL: stats/%s is %ld, was %ld at the start\n",
			       prog, mxf_stat_name(i), now[i], base[i]);
	return -1;
}

#endif /* MXFUZZ_COMMON_H */
