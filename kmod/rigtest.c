// SPDX-License-Identifier: GPL-2.0
/*
 * Faults on purpose, for the rig's self-test only.
 *
 * Linked only into a module built with CONFIG_MAGENTA_RIGTEST=y by
 * `make rig-selftest`; the normal magenta.ko contains none of this.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Rig self-test faults
 *
 * The module parameter rigtest_fault selects one fault, provoked while the
 * module loads, so that the test rig can prove it notices each kind:
 *
 * - ``none`` (default): nothing happens.
 * - ``warn``: a WARN() splat (the guest boots with panic_on_warn=1).
 * - ``oops``: a NULL pointer dereference in a work item.
 * - ``leak``: one endpoint is counted as alive and only given back when the
 *   module is removed, so /sys/class/misc/magenta/stats/endpoints stays 1.
 * - ``hang``: module loading sleeps for rigtest_hang_secs seconds
 *   (interruptibly), so insmod does not return and the guest never finishes.
 *
 * Locking: none; everything happens once, at load and at unload.
 */

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "rigtest.h"
#include "stats.h"

static char *rigtest_fault = "none";
module_param(rigtest_fault, charp, 0444);
MODULE_PARM_DESC(rigtest_fault, "fault to provoke at load: none, warn, oops, leak, hang");

static unsigned int rigtest_hang_secs = 3600;
module_param(rigtest_hang_secs, uint, 0444);
MODULE_PARM_DESC(rigtest_hang_secs, "how long the hang fault sleeps in module init");

struct mx_rigtest_target {
	int value;
};

/* Always NULL; read with READ_ONCE() so the compiler cannot see through it. */
static struct mx_rigtest_target *mx_rigtest_null;

static bool mx_rigtest_leaked;

static void mx_rigtest_oops_fn(struct work_struct *work)
{
	struct mx_rigtest_target *t = READ_ONCE(mx_rigtest_null);

	pr_info("magenta rigtest: dereferencing NULL on purpose\n");
	WRITE_ONCE(t->value, 1);
}

static DECLARE_WORK(mx_rigtest_oops_work, mx_rigtest_oops_fn);

static int mx_rigtest_hang(void)
{
	unsigned int i;

	pr_info("magenta rigtest: hanging in module init for %u s on purpose\n",
		rigtest_hang_secs);
	for (i = 0; i < rigtest_hang_secs; i++) {
		if (msleep_interruptible(1000) || signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/**
 * mx_rigtest_init() - provoke the fault chosen by the rigtest_fault parameter
 *
 * Called at the end of the module's init.
 *
 * Context: process context (module load), may sleep.
 * Return: 0, or -EINTR if the hang fault was interrupted by a signal, or
 * -EINVAL for an unknown fault name.
 */
int mx_rigtest_init(void)
{
	if (!rigtest_fault || !strcmp(rigtest_fault, "none"))
		return 0;

	if (!strcmp(rigtest_fault, "warn")) {
		WARN(1, "magenta rigtest: WARN on purpose\n");
		return 0;
	}
	if (!strcmp(rigtest_fault, "oops")) {
		schedule_work(&mx_rigtest_oops_work);
		flush_work(&mx_rigtest_oops_work);
		return 0;
	}
	if (!strcmp(rigtest_fault, "leak")) {
		pr_info("magenta rigtest: leaking one endpoint on purpose\n");
		mx_stat_inc(MX_STAT_ENDPOINTS);
		mx_rigtest_leaked = true;
		return 0;
	}
	if (!strcmp(rigtest_fault, "hang"))
		return mx_rigtest_hang();

	pr_err("magenta rigtest: unknown rigtest_fault '%s'\n", rigtest_fault);
	return -EINVAL;
}

/**
 * mx_rigtest_exit() - undo what mx_rigtest_init() left behind
 *
 * Called from the module's exit: gives back the endpoint counted by the leak
 * fault, and makes sure no work item is left.
 *
 * Context: process context (module removal), may sleep.
 */
void mx_rigtest_exit(void)
{
	cancel_work_sync(&mx_rigtest_oops_work);
	if (mx_rigtest_leaked) {
		mx_stat_dec(MX_STAT_ENDPOINTS);
		mx_rigtest_leaked = false;
	}
}
