/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Introspection of handle tables and pipes through debugfs.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_DEBUGFS_H
#define __MX_DEBUGFS_H

struct mx_handle_table;

void mx_debugfs_add_table(struct mx_handle_table *t);
void mx_debugfs_del_table(struct mx_handle_table *t);
void mx_debugfs_init(void);
void mx_debugfs_exit(void);

#endif /* __MX_DEBUGFS_H */
