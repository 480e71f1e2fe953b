/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IO ports: queues of packets served to pools of threads.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_PORT_H
#define __MX_PORT_H

struct mx_handle_table;
struct mx_ioc_port_bind;
struct mx_ioc_port_create;
struct mx_ioc_port_queue;
struct mx_ioc_port_wait;

int mx_port_create(struct mx_handle_table *t,
		   const struct mx_ioc_port_create *a, void __user *argp);
int mx_port_queue(struct mx_handle_table *t,
		  const struct mx_ioc_port_queue *a);
int mx_port_wait(struct mx_handle_table *t,
		 const struct mx_ioc_port_wait *a, void __user *argp);
int mx_port_bind(struct mx_handle_table *t, const struct mx_ioc_port_bind *a);

#endif /* __MX_PORT_H */
