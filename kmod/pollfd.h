/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Poll files: one file descriptor for any event loop.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_POLLFD_H
#define __MX_POLLFD_H

struct mx_handle_table;
struct mx_ioc_handle_poll_fd;

int mx_handle_poll_fd(struct mx_handle_table *t,
		      const struct mx_ioc_handle_poll_fd *a, void __user *argp);

#endif /* __MX_POLLFD_H */
