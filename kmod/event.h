/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: objects with user signals only.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_EVENT_H
#define __MX_EVENT_H

struct mx_handle_table;
struct mx_ioc_event_create;

int mx_event_create(struct mx_handle_table *t,
		    const struct mx_ioc_event_create *a, void __user *argp);

#endif /* __MX_EVENT_H */
