// SPDX-License-Identifier: GPL-2.0
/*
 * Faults on purpose, for the rig's self-test only.
 *
 * A module of its own, magenta_rigtest.ko, built and loaded only by
 * `make rig-selftest` (scripts/rig-selftest.sh), after magenta.ko. It uses
 * nothing of magenta.ko but its device node; magenta.ko contains none of it.
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
 * - ``leak``: /dev/magenta is opened from the kernel and the file is kept
 *   until this module is removed, so its handle table outlives every
 *   process: /sys/class/misc/magenta/stats/procs stays 1 when the rig reads
 *   the counters at the end of the run, and magenta.ko cannot be removed
 *   before this module is.
 * - ``hang``: module loading sleeps for rigtest_hang_secs seconds
 *   (interruptibly), so insmod does not return and the guest never finishes.
 * - anything else: loading fails with -EINVAL.
 *
 * Locking: none; everything happens once, at load and at unload.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/workqueue.h>

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

/* The leak fault's open of /dev/magenta, closed at unload; or NULL. */
static struct file *mx_rigtest_file;

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

static int mx_rigtest_leak(void)
{
	struct file *f;

	f = filp_open("/dev/magenta", O_RDWR, 0);
	if (IS_ERR(f)) {
		pr_err("magenta rigtest: cannot open /dev/magenta (%ld)\n",
		       PTR_ERR(f));
		return PTR_ERR(f);
	}
	pr_info("magenta rigtest: keeping /dev/magenta open until unload on purpose\n");
	mx_rigtest_file = f;
	return 0;
}

/**
 * mx_rigtest_init() - provoke the fault chosen by the rigtest_fault parameter
 *
 * Context: process context (module load), may sleep.
 * Return: 0; -EINTR if the hang fault was interrupted by a signal; the error
 * of filp_open() if the leak fault cannot open /dev/magenta; -EINVAL for an
 * unknown fault name.
 */
static int __init mx_rigtest_init(void)
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
	if (!strcmp(rigtest_fault, "leak"))
		return mx_rigtest_leak();
	if (!strcmp(rigtest_fault, "hang"))
		return mx_rigtest_hang();

	pr_err("magenta rigtest: unknown rigtest_fault '%s'\n", rigtest_fault);
	return -EINVAL;
}

/**
 * mx_rigtest_exit() - undo what mx_rigtest_init() left behind
 *
 * Closes the file the leak fault kept open, and makes sure no work item is
 * left.
 *
 * Context: process context (module removal), may sleep.
 */
static void __exit mx_rigtest_exit(void)
{
	cancel_work_sync(&mx_rigtest_oops_work);
	if (mx_rigtest_file) {
		filp_close(mx_rigtest_file, NULL);
		mx_rigtest_file = NULL;
	}
}

module_init(mx_rigtest_init);
module_exit(mx_rigtest_exit);

MODULE_DESCRIPTION("Faults on purpose for the magenta-linux test rig's self-test");
MODULE_AUTHOR("The magenta-linux authors");
MODULE_LICENSE("GPL");
