/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's counters and parameters in sysfs, for every user-space
 * program of the project that checks them (selftests, stress, fuzz,
 * benchmarks). No dependency but libc.
 */
#ifndef MX_SYSFS_H
#define MX_SYSFS_H

#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MX_STATS_DIR	"/sys/class/misc/magenta/stats/"
#define MX_PARAM_DIR	"/sys/module/magenta/parameters/"

/* The module's live-object counters (kmod/stats.c). */
struct mx_stats {
	long handles;
	long endpoints;
	long messages;
	long message_bytes;
	long xfers;
	long waiters;
	long events;
	long waitsets;
	long ports;
	long port_packets;
	long pollfds;
};

/* The decimal number in file @path, or -1 if it cannot be read. */
static inline long mx_read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* One of the module's live-object counters, or -1. */
static inline long mx_stat_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), MX_STATS_DIR "%s", name);
	return mx_read_long(path);
}

/* A module parameter, or -1 if it cannot be read. */
static inline long mx_param_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), MX_PARAM_DIR "%s", name);
	return mx_read_long(path);
}

/* May this process change module parameter @name (root)? */
static inline bool mx_param_writable(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), MX_PARAM_DIR "%s", name);
	return access(path, W_OK) == 0;
}

/* Write string @s into file @path (sysfs, debugfs, cgroupfs): 0, or -1. */
static inline int mx_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Set module parameter @name to @v: 0, or -1. */
static inline int mx_param_write(const char *name, long v)
{
	char path[128];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), MX_PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	r = fprintf(f, "%ld\n", v) > 0 ? 0 : -1;
	if (fclose(f))
		r = -1;
	return r;
}

/*
 * Every counter's name, in the order mx_stats_read_all() fills them. New
 * counters go at the end: users index the array (mxstress: endpoints is 2).
 */
static const char *const mx_stat_names[] = {
	"procs", "handles", "endpoints", "messages", "message_bytes", "xfers",
	"waiters", "events", "waitsets", "ports", "port_packets",
	"pollfds",
};
#define MX_NSTATS (sizeof(mx_stat_names) / sizeof(mx_stat_names[0]))

/* Read every counter into @v; -1 if the module is not there. */
static inline int mx_stats_read_all(long *v)
{
	size_t i;

	for (i = 0; i < MX_NSTATS; i++) {
		v[i] = mx_stat_read(mx_stat_names[i]);
		if (v[i] < 0)
			return -1;
	}
	return 0;
}

#endif /* MX_SYSFS_H */
