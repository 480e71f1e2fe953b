/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for signals on handles.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_WAIT_H
#define __MX_WAIT_H

#include <linux/types.h>

struct mx_object;
struct mx_handle_table;
struct mx_ioc_wait_many;
struct mx_ioc_wait_one;

int mx_wait_one(struct mx_handle_table *t, const struct mx_ioc_wait_one *a,
		void __user *argp);
int mx_wait_many(struct mx_handle_table *t, const struct mx_ioc_wait_many *a,
		 void __user *argp);
int mx_wait_readable(struct mx_handle_table *t, s32 value,
		     struct mx_object *obj, u64 deadline);

#endif /* __MX_WAIT_H */
