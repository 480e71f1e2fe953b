// SPDX-License-Identifier: GPL-2.0
/*
 * Poll files: one file descriptor for any event loop.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Poll files
 *
 * MX_IOC_HANDLE_POLL_FD gives a new anonymous file ("[magenta-poll]",
 * read-only) for the object a handle names, and returns a descriptor for
 * it. poll(), select() and epoll on that descriptor report EPOLLIN |
 * EPOLLRDNORM while the object's own wait call (mx_waitset_wait() for a
 * wait set) would not block, and EPOLLHUP once the object's last handle is
 * closed. Event loops (GLib, libuv, libevent) can then watch Magenta
 * objects and ordinary descriptors together.
 *
 * Unlike an exported file (xfer.c), a poll file is not a holder: the
 * handle stays in the table, the file is no handle (MX_IOC_HANDLE_IMPORT
 * refuses it with ERR_WRONG_TYPE) and it keeps no handle alive. It holds a
 * plain reference on the object, so that the object's memory, and the
 * queue poll waits on, outlive the handle for as long as the file is open;
 * closing the handle is seen through the file as EPOLLHUP. The file
 * supports no read or write (EINVAL, EBADF from the VFS).
 *
 * A type can be watched this way if its ops have &mx_object_ops.poll;
 * the file's own poll only calls it. The descriptor can be inherited
 * across fork() and exec() (without MX_POLL_FD_CLOEXEC) or sent with
 * SCM_RIGHTS: whoever holds it sees the same object.
 *
 * Checks, in this order: flags and padding (ERR_INVALID_ARGS), the handle
 * (ERR_BAD_HANDLE), MX_RIGHT_READ (ERR_ACCESS_DENIED), a type without
 * &mx_object_ops.poll (ERR_NOT_SUPPORTED), a free descriptor
 * (ERR_NO_RESOURCES, or ERR_NO_MEMORY if the descriptor table could not
 * grow), the file (ERR_NO_MEMORY).
 *
 * Locking: this file takes no lock of its own. The poll op is called with
 * no magenta lock held and may sleep (it is called from poll(), select()
 * and from epoll under the epoll instance's mutex); each type's poll
 * documents its own locks. Releasing the file drops its reference after
 * epoll has unhooked the file from the object's queue (__fput()).
 */

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <uapi/linux/magenta.h>

#include "handle_table.h"
#include "object.h"
#include "pollfd.h"
#include "stats.h"

static __poll_t mx_pollfd_poll(struct file *file, poll_table *pt)
{
	struct mx_object *obj = file->private_data;

	return obj->ops->poll(obj, file, pt);
}

static int mx_pollfd_release(struct inode *inode, struct file *file)
{
	mx_object_put(file->private_data);
	mx_stat_dec(MX_STAT_POLLFDS);
	return 0;
}

static const struct file_operations mx_pollfd_fops = {
	.owner		= THIS_MODULE,
	.poll		= mx_pollfd_poll,
	.release	= mx_pollfd_release,
	.llseek		= noop_llseek,
};

/**
 * mx_handle_poll_fd() - make a poll file for the object of a handle
 * @t:		the caller's table
 * @a:		the arguments
 * @argp:	where to write the new fd back
 *
 * Return: 0, or a negative MX_ERRNO_* value (-EFAULT if the fd cannot be
 * written back) with no descriptor made.
 */
int mx_handle_poll_fd(struct mx_handle_table *t,
		      const struct mx_ioc_handle_poll_fd *a, void __user *argp)
{
	struct mx_ioc_handle_poll_fd __user *uarg = argp;
	struct mx_handle_ref h;
	struct file *file;
	int fd, r = 0;

	if (a->pad || (a->flags & ~MX_POLL_FD_CLOEXEC))
		return -MX_ERRNO_INVALID_ARGS;
	if (mx_table_get(t, a->handle, &h))
		return -MX_ERRNO_BAD_HANDLE;
	if (!(h.rights & MX_RIGHT_READ))
		r = -MX_ERRNO_ACCESS_DENIED;
	else if (!h.obj->ops->poll)
		r = -MX_ERRNO_NOT_SUPPORTED;
	if (r)
		goto out_put;

	fd = get_unused_fd_flags(O_RDONLY |
				 (a->flags & MX_POLL_FD_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		r = fd == -EMFILE ? -MX_ERRNO_NO_RESOURCES :
				    -MX_ERRNO_NO_MEMORY;
		goto out_put;
	}
	file = anon_inode_getfile("[magenta-poll]", &mx_pollfd_fops, h.obj,
				  O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = -MX_ERRNO_NO_MEMORY;
		goto out_put;
	}
	/* The file owns the lookup's reference now; fput() drops it. */
	mx_stat_inc(MX_STAT_POLLFDS);
	if (put_user(fd, &uarg->fd)) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;

out_put:
	mx_object_put(h.obj);
	return r;
}
