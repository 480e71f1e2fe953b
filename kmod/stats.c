// SPDX-License-Identifier: GPL-2.0
/*
 * Live-object counters of the magenta module.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Counters
 *
 * The module counts its live objects so that a leak is measurable: each
 * counter appears as /sys/class/misc/magenta/stats/<name>, a decimal number
 * readable by anyone. With no process holding /dev/magenta open and no
 * exported handle file left, every counter is 0.
 *
 * Locking: each CPU counts in its own copy (this_cpu ops); a read sums
 * them, exactly so once the module is quiet.
 */

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/percpu.h>

#include "stats.h"

DEFINE_PER_CPU(long[MX_STAT_NR], mx_stats);

struct mx_stat_attr {
	struct device_attribute attr;
	enum mx_stat stat;
};

static ssize_t mx_stat_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct mx_stat_attr *a = container_of(attr, struct mx_stat_attr, attr);
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(mx_stats, cpu)[a->stat];
	return sysfs_emit(buf, "%ld\n", sum);
}

#define MX_STAT_ATTR(_name, _stat)					\
	static struct mx_stat_attr mx_stat_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, mx_stat_show, NULL),	\
		.stat = _stat,						\
	}

MX_STAT_ATTR(procs, MX_STAT_PROCS);
MX_STAT_ATTR(handles, MX_STAT_HANDLES);
MX_STAT_ATTR(endpoints, MX_STAT_ENDPOINTS);
MX_STAT_ATTR(events, MX_STAT_EVENTS);
MX_STAT_ATTR(messages, MX_STAT_MESSAGES);
MX_STAT_ATTR(message_bytes, MX_STAT_MESSAGE_BYTES);
MX_STAT_ATTR(xfers, MX_STAT_XFERS);
MX_STAT_ATTR(waiters, MX_STAT_WAITERS);
MX_STAT_ATTR(waitsets, MX_STAT_WAITSETS);
MX_STAT_ATTR(ports, MX_STAT_PORTS);
MX_STAT_ATTR(port_packets, MX_STAT_PORT_PACKETS);
MX_STAT_ATTR(pollfds, MX_STAT_POLLFDS);

static struct attribute *mx_stats_attrs[] = {
	&mx_stat_attr_procs.attr.attr,
	&mx_stat_attr_handles.attr.attr,
	&mx_stat_attr_endpoints.attr.attr,
	&mx_stat_attr_events.attr.attr,
	&mx_stat_attr_messages.attr.attr,
	&mx_stat_attr_message_bytes.attr.attr,
	&mx_stat_attr_xfers.attr.attr,
	&mx_stat_attr_waiters.attr.attr,
	&mx_stat_attr_waitsets.attr.attr,
	&mx_stat_attr_ports.attr.attr,
	&mx_stat_attr_port_packets.attr.attr,
	&mx_stat_attr_pollfds.attr.attr,
	NULL,
};

static const struct attribute_group mx_stats_group = {
	.name = "stats",
	.attrs = mx_stats_attrs,
};

const struct attribute_group *mx_stats_groups[] = {
	&mx_stats_group,
	NULL,
};
