/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live-object counters of the magenta module.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_STATS_H
#define __MX_STATS_H

#include <linux/percpu.h>
#include <linux/sysfs.h>

/**
 * enum mx_stat - kinds of object the module counts while they are alive
 * @MX_STAT_PROCS:	per-process handle tables (one per open of /dev/magenta)
 * @MX_STAT_HANDLES:	handles installed in a handle table
 * @MX_STAT_ENDPOINTS:	message-pipe endpoints (two per pipe)
 * @MX_STAT_EVENTS:	events
 * @MX_STAT_MESSAGES:	messages queued or in transit
 * @MX_STAT_MESSAGE_BYTES: payload bytes held by those messages
 * @MX_STAT_XFERS:	bootstrap files made by export, until released
 * @MX_STAT_WAITERS:	threads blocked in a wait call
 * @MX_STAT_WAITSETS:	wait sets
 * @MX_STAT_PORTS:	IO ports
 * @MX_STAT_PORT_PACKETS: user packets queued in IO ports
 * @MX_STAT_POLLFDS:	poll files made by handle_poll_fd, until released
 * @MX_STAT_NR:		number of counters
 */
enum mx_stat {
	MX_STAT_PROCS,
	MX_STAT_HANDLES,
	MX_STAT_ENDPOINTS,
	MX_STAT_EVENTS,
	MX_STAT_MESSAGES,
	MX_STAT_MESSAGE_BYTES,
	MX_STAT_XFERS,
	MX_STAT_WAITERS,
	MX_STAT_WAITSETS,
	MX_STAT_PORTS,
	MX_STAT_PORT_PACKETS,
	MX_STAT_POLLFDS,
	MX_STAT_NR,
};

/* Per-CPU, so the hot paths of different CPUs share no cache line. */
DECLARE_PER_CPU(long[MX_STAT_NR], mx_stats);

static inline void mx_stat_add(enum mx_stat s, long n)
{
	this_cpu_add(mx_stats[s], n);
}

static inline void mx_stat_inc(enum mx_stat s)
{
	this_cpu_inc(mx_stats[s]);
}

static inline void mx_stat_dec(enum mx_stat s)
{
	this_cpu_dec(mx_stats[s]);
}

extern const struct attribute_group *mx_stats_groups[];

#endif /* __MX_STATS_H */
