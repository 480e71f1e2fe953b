/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bootstrap: moving a handle through a file descriptor.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_XFER_H
#define __MX_XFER_H

struct mx_handle_table;
struct mx_ioc_handle_export;
struct mx_ioc_handle_import;

int mx_handle_export(struct mx_handle_table *t,
		     const struct mx_ioc_handle_export *a, void __user *argp);
int mx_handle_import(struct mx_handle_table *t,
		     const struct mx_ioc_handle_import *a, void __user *argp);

#endif /* __MX_XFER_H */
