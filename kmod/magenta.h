/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide limits of the magenta module (module parameters, main.c).
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_MAGENTA_H
#define __MX_MAGENTA_H

extern unsigned int mx_max_handles;
extern unsigned int mx_max_queued_msgs;
extern unsigned int mx_max_queued_bytes;

#endif /* __MX_MAGENTA_H */
