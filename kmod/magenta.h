/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide limits and allocation flags of the magenta module (module
 * parameters, main.c).
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_MAGENTA_H
#define __MX_MAGENTA_H

#include <linux/gfp.h>

/* The highest value max_nesting may be set to. */
#define MX_MAX_NESTING_LIMIT	1024

extern unsigned int mx_max_handles;
extern unsigned int mx_max_queued_msgs;
extern unsigned int mx_max_queued_bytes;
extern unsigned int mx_max_nesting;
extern unsigned int mx_max_inflight;
extern unsigned int mx_max_waitset_entries;
extern unsigned int mx_max_port_packets;
extern unsigned int mx_limits_gen;

/*
 * Every allocation a user can cause. Charged to the caller's memory cgroup;
 * __GFP_RETRY_MAYFAIL makes both the page allocator and the cgroup charge
 * fail instead of invoking the OOM killer, so the caller gets
 * ERR_NO_MEMORY rather than a SIGKILL.
 */
#define MX_GFP		(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* Temporary buffers of one call, freed before it returns. */
#define MX_GFP_TEMP	(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

#endif /* __MX_MAGENTA_H */
