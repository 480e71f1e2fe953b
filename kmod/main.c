// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/magenta: Magenta message pipes and handles for Linux.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Overview
 *
 * The misc device /dev/magenta gives each process that opens it a handle
 * table (handle_table.c) of kernel objects (object.c). Its ioctls are the
 * Magenta calls: calls on any handle (handle_table.c), pipes and their
 * messages (pipe.c, message.c), events (event.c), waits on signals
 * (wait.c), wait sets (waitset.c), IO ports (port.c), the bootstrap that
 * moves a handle through a file descriptor (xfer.c), and poll files that
 * let poll(), select() and epoll watch an object (pollfd.c). This file
 * holds the device, the module parameters and the ioctl dispatcher: one
 * switch, whose every case copies in exactly its argument struct and calls
 * the implementation.
 *
 * Dependencies run one way: object.h <- handle_table.h <- wait.h <- the
 * types (pipe.h, event.h, waitset.h, port.h) <- this file; pollfd.h and
 * wspage.h need only object.h and handle_table.h. mmap() of the file maps
 * the table's results page area (wspage.c), for the owner only.
 *
 * A table belongs to the process that opened the device (process.c).
 * Other processes that come to hold the same file (a fork() child,
 * SCM_RIGHTS) get -EBADF from every call but MX_IOC_GET_VERSION and must
 * open their own. The table's handles are closed when the owner exits or
 * execs, whoever holds the file; its memory goes with the last file
 * reference.
 *
 * Changes to the queue limits bump mx_limits_gen, so that the next read of
 * every queue wakes writers that went to sleep under the old limit.
 *
 * Locking: this file takes no lock of its own. Lock order over the module:
 * a process lock, then mx_write_scratch_lock, then mx_graph_lock or
 * mx_tables_lock (mutexes), then a handle table lock, then a pipe lock
 * (spinlocks); wait queue locks, mx_users_lock and a results page pool's
 * lock are leaves. Handle lookups take no lock: they run under RCU.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "debugfs.h"
#include "event.h"
#include "handle_table.h"
#include "magenta.h"
#include "pipe.h"
#include "port.h"
#include "pollfd.h"
#include "process.h"
#include "stats.h"
#include "trace.h"
#include "wspage.h"
#include "wait.h"
#include "waitset.h"
#include "xfer.h"

unsigned int mx_limits_gen;

/* A queue limit: any change is owed to writers asleep under the old one. */
static int mx_param_set_limit(const char *val, const struct kernel_param *kp)
{
	int r = param_set_uint_minmax(val, kp, 1, UINT_MAX);

	if (!r)
		WRITE_ONCE(mx_limits_gen, mx_limits_gen + 1);
	return r;
}

static const struct kernel_param_ops mx_param_limit_ops = {
	.set	= mx_param_set_limit,
	.get	= param_get_uint,
};

static int mx_param_set_nesting(const char *val,
				const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, MX_MAX_NESTING_LIMIT);
}

static const struct kernel_param_ops mx_param_nesting_ops = {
	.set	= mx_param_set_nesting,
	.get	= param_get_uint,
};

unsigned int mx_max_handles = 65536;
module_param_named(max_handles, mx_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles, "Most handles one process may hold, over all its opens (at most 1048576)");

unsigned int mx_max_queued_msgs = 1024;
module_param_cb(max_queued_msgs, &mx_param_limit_ops, &mx_max_queued_msgs,
		0644);
MODULE_PARM_DESC(max_queued_msgs, "Most messages queued for one endpoint");

unsigned int mx_max_queued_bytes = 1 << 20;
module_param_cb(max_queued_bytes, &mx_param_limit_ops, &mx_max_queued_bytes,
		0644);
MODULE_PARM_DESC(max_queued_bytes, "Most bytes (payload + 16 per handle) queued for one endpoint");

unsigned int mx_max_nesting = 16;
module_param_cb(max_nesting, &mx_param_nesting_ops, &mx_max_nesting, 0644);
MODULE_PARM_DESC(max_nesting, "Most levels of endpoints nested in queues of endpoints (1 to 1024)");

unsigned int mx_max_inflight = 65536;
module_param_named(max_inflight, mx_max_inflight, uint, 0644);
MODULE_PARM_DESC(max_inflight, "Most handles one user may have in flight in queued messages");

unsigned int mx_max_waitset_entries = 65536;
module_param_named(max_waitset_entries, mx_max_waitset_entries, uint, 0644);
MODULE_PARM_DESC(max_waitset_entries, "Most entries in one wait set");

unsigned int mx_max_port_packets = 4096;
module_param_named(max_port_packets, mx_max_port_packets, uint, 0644);
MODULE_PARM_DESC(max_port_packets, "Most user packets queued in one IO port");

static int mx_open(struct inode *inode, struct file *file)
{
	struct mx_handle_table *t;
	struct mx_process *proc;
	struct mx_user *user;

	proc = mx_process_get();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	user = mx_user_get();
	t = kzalloc(sizeof(*t), MX_GFP);
	if (!t || !user) {
		kfree(t);
		mx_user_put(user);
		mx_process_put(proc);
		return -ENOMEM;
	}
	mx_table_init(t, proc, user);
	mx_debugfs_add_table(t);
	file->private_data = t;
	mx_stat_inc(MX_STAT_PROCS);
	return nonseekable_open(inode, file);
}

static int mx_release(struct inode *inode, struct file *file)
{
	struct mx_handle_table *t = file->private_data;

	mx_process_del(t->proc, &t->member);
	mx_table_destroy(t);
	mx_wspage_destroy(t);
	mx_debugfs_del_table(t);
	mx_process_put(t->proc);
	mx_user_put(t->user);
	put_pid(t->owner);
	kfree(t);
	mx_stat_dec(MX_STAT_PROCS);
	return 0;
}

static int mx_ioc_get_version(void __user *argp)
{
	struct mx_ioc_version v = {
		.abi_major = MX_ABI_MAJOR,
		.abi_minor = MX_ABI_MINOR,
		.features = MX_FEATURE_MSGPIPE | MX_FEATURE_BOOTSTRAP |
			    MX_FEATURE_WAIT | MX_FEATURE_DUPLICATE |
			    MX_FEATURE_CALL | MX_FEATURE_OBJECTS |
			    MX_FEATURE_WAITSET | MX_FEATURE_PORT |
			    MX_FEATURE_POLL_FD | MX_FEATURE_WAITSET_PAGE,
		.max_msg_bytes = MX_MAX_MSG_BYTES,
		.max_msg_handles = MX_MAX_MSG_HANDLES,
		.max_wait_handles = MX_MAX_WAIT_HANDLES,
	};

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

/* Every argument struct; each command copies in exactly its own. */
union mx_ioc_args {
	__s32 handle;
	struct mx_ioc_msgpipe_create create;
	struct mx_ioc_msgpipe_write write;
	struct mx_ioc_msgpipe_read read;
	struct mx_ioc_msgpipe_call call;
	struct mx_ioc_handle_dup dup;
	struct mx_ioc_handle_get_info info;
	struct mx_ioc_wait_one wait_one;
	struct mx_ioc_wait_many wait_many;
	struct mx_ioc_handle_export export;
	struct mx_ioc_handle_import import;
	struct mx_ioc_handle_poll_fd poll_fd;
	struct mx_ioc_event_create event;
	struct mx_ioc_object_signal signal;
	struct mx_ioc_waitset_create ws_create;
	struct mx_ioc_waitset_add ws_add;
	struct mx_ioc_waitset_remove ws_remove;
	struct mx_ioc_waitset_wait ws_wait;
	struct mx_ioc_waitset_page ws_page;
	struct mx_ioc_port_create port_create;
	struct mx_ioc_port_queue port_queue;
	struct mx_ioc_port_wait port_wait;
	struct mx_ioc_port_bind port_bind;
};

/*
 * Copy in an argument struct. Always inlined, so that the size is a
 * constant and the usercopy check of the stack object is done at build time.
 */
static __always_inline int mx_args_in(void *dst, const void __user *src,
				      size_t size)
{
	return copy_from_user(dst, src, size) ? -EFAULT : 0;
}

static long mx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mx_handle_table *t = file->private_data;
	void __user *argp = (void __user *)arg;
	union mx_ioc_args a;

	if (cmd == MX_IOC_GET_VERSION)
		return mx_ioc_get_version(argp);
	/* A table serves only the process that opened it (process.c). */
	if (unlikely(!mx_process_is_current(t->proc)))
		return -EBADF;

	switch (cmd) {
	case MX_IOC_MSGPIPE_CREATE:
		return mx_args_in(&a.create, argp, sizeof(a.create)) ?:
		       mx_msgpipe_create(t, &a.create);
	case MX_IOC_MSGPIPE_WRITE:
		return mx_args_in(&a.write, argp, sizeof(a.write)) ?:
		       mx_msgpipe_write(t, &a.write);
	case MX_IOC_MSGPIPE_READ:
		return mx_args_in(&a.read, argp, sizeof(a.read)) ?:
		       mx_msgpipe_read(t, &a.read);
	case MX_IOC_MSGPIPE_CALL:
		return mx_args_in(&a.call, argp, sizeof(a.call)) ?:
		       mx_msgpipe_call(t, &a.call, argp);
	case MX_IOC_HANDLE_CLOSE:
		return mx_args_in(&a.handle, argp, sizeof(a.handle)) ?:
		       mx_handle_close(t, a.handle);
	case MX_IOC_HANDLE_DUPLICATE:
		return mx_args_in(&a.dup, argp, sizeof(a.dup)) ?:
		       mx_handle_duplicate(t, &a.dup, argp);
	case MX_IOC_HANDLE_REPLACE:
		return mx_args_in(&a.dup, argp, sizeof(a.dup)) ?:
		       mx_handle_replace(t, &a.dup, argp);
	case MX_IOC_HANDLE_GET_INFO:
		return mx_args_in(&a.info, argp, sizeof(a.info)) ?:
		       mx_handle_get_info(t, &a.info);
	case MX_IOC_WAIT_ONE:
		return mx_args_in(&a.wait_one, argp, sizeof(a.wait_one)) ?:
		       mx_wait_one(t, &a.wait_one, argp);
	case MX_IOC_WAIT_MANY:
		return mx_args_in(&a.wait_many, argp, sizeof(a.wait_many)) ?:
		       mx_wait_many(t, &a.wait_many, argp);
	case MX_IOC_HANDLE_EXPORT:
		return mx_args_in(&a.export, argp, sizeof(a.export)) ?:
		       mx_handle_export(t, &a.export, argp);
	case MX_IOC_HANDLE_IMPORT:
		return mx_args_in(&a.import, argp, sizeof(a.import)) ?:
		       mx_handle_import(t, &a.import, argp);
	case MX_IOC_HANDLE_POLL_FD:
		return mx_args_in(&a.poll_fd, argp, sizeof(a.poll_fd)) ?:
		       mx_handle_poll_fd(t, &a.poll_fd, argp);
	case MX_IOC_EVENT_CREATE:
		return mx_args_in(&a.event, argp, sizeof(a.event)) ?:
		       mx_event_create(t, &a.event, argp);
	case MX_IOC_OBJECT_SIGNAL:
		return mx_args_in(&a.signal, argp, sizeof(a.signal)) ?:
		       mx_object_signal(t, &a.signal);
	case MX_IOC_WAITSET_CREATE:
		return mx_args_in(&a.ws_create, argp, sizeof(a.ws_create)) ?:
		       mx_waitset_create(t, &a.ws_create, argp);
	case MX_IOC_WAITSET_ADD:
		return mx_args_in(&a.ws_add, argp, sizeof(a.ws_add)) ?:
		       mx_waitset_add(t, &a.ws_add);
	case MX_IOC_WAITSET_REMOVE:
		return mx_args_in(&a.ws_remove, argp, sizeof(a.ws_remove)) ?:
		       mx_waitset_remove(t, &a.ws_remove);
	case MX_IOC_WAITSET_WAIT:
		return mx_args_in(&a.ws_wait, argp, sizeof(a.ws_wait)) ?:
		       mx_waitset_wait(t, &a.ws_wait, argp);
	case MX_IOC_WAITSET_PAGE:
		return mx_args_in(&a.ws_page, argp, sizeof(a.ws_page)) ?:
		       mx_waitset_page(t, &a.ws_page, argp);
	case MX_IOC_PORT_CREATE:
		return mx_args_in(&a.port_create, argp,
				  sizeof(a.port_create)) ?:
		       mx_port_create(t, &a.port_create, argp);
	case MX_IOC_PORT_QUEUE:
		return mx_args_in(&a.port_queue, argp, sizeof(a.port_queue)) ?:
		       mx_port_queue(t, &a.port_queue);
	case MX_IOC_PORT_WAIT:
		return mx_args_in(&a.port_wait, argp, sizeof(a.port_wait)) ?:
		       mx_port_wait(t, &a.port_wait, argp);
	case MX_IOC_PORT_BIND:
		return mx_args_in(&a.port_bind, argp, sizeof(a.port_bind)) ?:
		       mx_port_bind(t, &a.port_bind);
	default:
		return -ENOTTY;
	}
}

/* The results page area of the table (wspage.c), for its process only. */
static int mx_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mx_handle_table *t = file->private_data;

	if (!mx_process_is_current(t->proc))
		return -EBADF;
	return mx_wspage_mmap(t, vma);
}

static const struct file_operations mx_fops = {
	.owner		= THIS_MODULE,
	.open		= mx_open,
	.release	= mx_release,
	.unlocked_ioctl	= mx_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mx_mmap,
};

/*
 * Who may open /dev/magenta is the administrator's choice, made in udev
 * (system/60-magenta.rules opens it to every user); the driver leaves the
 * node at the kernel's default, root only.
 */
static struct miscdevice mx_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KBUILD_MODNAME,
	.fops	= &mx_fops,
	.groups	= mx_stats_groups,
};

static int __init mx_init(void)
{
	int r;

	r = mx_pipe_cache_init();
	if (r)
		return r;
	r = misc_register(&mx_misc);
	if (r)
		goto err_cache;
	mx_debugfs_init();
	return 0;

err_cache:
	mx_pipe_cache_exit();
	return r;
}

static void __exit mx_exit(void)
{
	mx_debugfs_exit();
	misc_deregister(&mx_misc);
	mx_process_exit();
	mx_pipe_cache_exit();
}

module_init(mx_init);
module_exit(mx_exit);

MODULE_DESCRIPTION("Magenta message pipes and handles");
MODULE_AUTHOR("The magenta-linux authors");
MODULE_LICENSE("GPL");
