/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Faults on purpose, for the rig's self-test only.
 *
 * rigtest.o is linked only into a module built with CONFIG_MAGENTA_RIGTEST=y
 * (`make rig-selftest`); the normal magenta.ko contains none of it.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_RIGTEST_H
#define __MX_RIGTEST_H

#ifdef CONFIG_MAGENTA_RIGTEST
int mx_rigtest_init(void);
void mx_rigtest_exit(void);
#else
static inline int mx_rigtest_init(void) { return 0; }
static inline void mx_rigtest_exit(void) { }
#endif

#endif /* __MX_RIGTEST_H */
