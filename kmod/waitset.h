/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wait sets: many watched handles, one wait.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_WAITSET_H
#define __MX_WAITSET_H

struct mx_handle_table;
struct mx_ioc_waitset_add;
struct mx_ioc_waitset_create;
struct mx_ioc_waitset_page;
struct mx_ioc_waitset_remove;
struct mx_ioc_waitset_wait;

int mx_waitset_create(struct mx_handle_table *t,
		      const struct mx_ioc_waitset_create *a, void __user *argp);
int mx_waitset_add(struct mx_handle_table *t,
		   const struct mx_ioc_waitset_add *a);
int mx_waitset_remove(struct mx_handle_table *t,
		      const struct mx_ioc_waitset_remove *a);
int mx_waitset_wait(struct mx_handle_table *t,
		    const struct mx_ioc_waitset_wait *a, void __user *argp);
int mx_waitset_page(struct mx_handle_table *t,
		    const struct mx_ioc_waitset_page *a, void __user *argp);

#endif /* __MX_WAITSET_H */
