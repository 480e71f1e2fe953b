/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results pages: the pages a table's wait sets show their results in.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_WSPAGE_H
#define __MX_WSPAGE_H

#include <linux/types.h>

struct mx_handle_table;
struct mx_ws_page;
struct vm_area_struct;

struct mx_ws_page *mx_wspage_get(struct mx_handle_table *t, u32 *id);
void mx_wspage_put(struct mx_handle_table *t, u32 id);
u32 mx_wspage_renew(struct mx_handle_table *t, u32 id);
int mx_wspage_mmap(struct mx_handle_table *t, struct vm_area_struct *vma);
void mx_wspage_destroy(struct mx_handle_table *t);

#endif /* __MX_WSPAGE_H */
