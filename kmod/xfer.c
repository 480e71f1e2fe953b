// SPDX-License-Identifier: GPL-2.0
/*
 * Bootstrap: moving a handle through a file descriptor.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Bootstrap
 *
 * Handles normally travel only inside messages, but two processes need a
 * first pipe between them. MX_IOC_HANDLE_EXPORT moves a handle out of the
 * caller's table into a new anonymous file ("[magenta-handle]") and returns
 * a descriptor for it; the descriptor can be inherited across fork() and
 * exec() (without MX_EXPORT_CLOEXEC) or sent with SCM_RIGHTS. In the
 * receiving process MX_IOC_HANDLE_IMPORT moves the handle from the file into
 * that process's table, with the rights it had. The file then holds nothing:
 * a handle is in one place only, and a second import fails with
 * ERR_BAD_STATE. Closing a file that still holds a handle closes the handle.
 *
 * Exporting needs MX_RIGHT_TRANSFER, like writing the handle into a message.
 *
 * Any object can travel this way; its holder reference moves with it.
 *
 * Locking: &mx_xfer.lock (a spinlock) protects the held object; it is
 * taken after a table lock and never together with a pipe lock.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "compat.h"
#include "handle_table.h"
#include "magenta.h"
#include "object.h"
#include "stats.h"
#include "trace.h"
#include "xfer.h"

/**
 * struct mx_xfer - the content of an exported-handle file
 * @lock:	protects @h
 * @h:		the object and its rights; @h.obj is NULL once imported
 */
struct mx_xfer {
	spinlock_t lock;	/* protects h */
	struct mx_handle_ref h;
};

static int mx_xfer_release(struct inode *inode, struct file *file)
{
	struct mx_xfer *x = file->private_data;

	if (x->h.obj)
		mx_object_close(x->h.obj);
	kfree(x);
	mx_stat_dec(MX_STAT_XFERS);
	return 0;
}

static const struct file_operations mx_xfer_fops = {
	.owner		= THIS_MODULE,
	.release	= mx_xfer_release,
};

/*
 * Can @value be exported? If @h is not NULL and it can, move it out of the
 * table into @h.
 */
static int mx_export_check(struct mx_handle_table *t, s32 value,
			   struct mx_handle_ref *h)
{
	struct mx_handle_slot *s;
	int r = 0;

	spin_lock(&t->lock);
	s = mx_table_slot(t, value);
	if (!s) {
		r = -MX_ERRNO_INVALID_ARGS;
	} else if (!(s->rights & MX_RIGHT_TRANSFER)) {
		r = -MX_ERRNO_ACCESS_DENIED;
	} else if (h) {
		h->obj = s->obj;
		h->rights = s->rights;
		mx_table_free_slot(t, s);
	}
	spin_unlock(&t->lock);
	return r;
}

/**
 * mx_handle_export() - move a handle into a new file descriptor
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the new fd back
 *
 * Return: 0, or a negative MX_ERRNO_* value with the handle untouched.
 */
int mx_handle_export(struct mx_handle_table *t,
		     const struct mx_ioc_handle_export *a, void __user *argp)
{
	struct mx_ioc_handle_export __user *uarg = argp;
	struct mx_xfer *x;
	struct file *file;
	int fd, r;

	if (a->pad || (a->flags & ~MX_EXPORT_CLOEXEC))
		return -MX_ERRNO_INVALID_ARGS;
	/* Report a bad handle before any shortage of memory or descriptors. */
	r = mx_export_check(t, a->handle, NULL);
	if (r)
		return r;

	x = kzalloc(sizeof(*x), MX_GFP);
	if (!x)
		return -MX_ERRNO_NO_MEMORY;
	spin_lock_init(&x->lock);
	fd = get_unused_fd_flags(O_RDWR |
				 (a->flags & MX_EXPORT_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		kfree(x);
		return -MX_ERRNO_NO_RESOURCES;
	}
	file = anon_inode_getfile("[magenta-handle]", &mx_xfer_fops, x, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(x);
		return -MX_ERRNO_NO_MEMORY;
	}
	mx_stat_inc(MX_STAT_XFERS);
	/* From here on, fput() frees x. */
	r = -EFAULT;
	if (put_user(fd, &uarg->fd))
		goto err;

	r = mx_export_check(t, a->handle, &x->h);
	if (r)
		goto err;
	trace_magenta_handle_export(a->handle, x->h.obj, fd);
	mx_object_wake(x->h.obj);
	fd_install(fd, file);
	return 0;

err:
	fput(file);
	put_unused_fd(fd);
	return r;
}

/**
 * mx_handle_import() - move the handle of an exported file into the table
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the new handle back
 *
 * Return: 0, or a negative MX_ERRNO_* value with the file untouched.
 */
int mx_handle_import(struct mx_handle_table *t,
		     const struct mx_ioc_handle_import *a, void __user *argp)
{
	struct mx_ioc_handle_import __user *uarg = argp;
	struct mx_handle_ref h;
	struct mx_xfer *x;
	struct fd f;
	s32 value;
	u32 idx;
	int r;

	if (a->flags || a->pad)
		return -MX_ERRNO_INVALID_ARGS;
	f = fdget(a->fd);
	if (!fd_file(f))
		return -MX_ERRNO_INVALID_ARGS;
	r = -MX_ERRNO_WRONG_TYPE;
	if (fd_file(f)->f_op != &mx_xfer_fops)
		goto out;
	x = fd_file(f)->private_data;

	r = mx_table_reserve(t, 1, &idx, &value);
	if (r) {
		r = r == -EBADF ? r : -MX_ERRNO_NO_MEMORY;
		goto out;
	}
	r = -EFAULT;
	if (put_user(value, &uarg->handle))
		goto unreserve;

	spin_lock(&x->lock);
	h = x->h;
	x->h.obj = NULL;
	spin_unlock(&x->lock);
	r = -MX_ERRNO_BAD_STATE;
	if (!h.obj)
		goto unreserve;
	trace_magenta_handle_import(value, h.obj, a->fd);
	mx_table_commit(t, 1, &idx, &h);
	r = 0;
	goto out;

unreserve:
	mx_table_unreserve(t, 1, &idx);
out:
	fdput(f);
	return r;
}
