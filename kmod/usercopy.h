/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copies of small, variable-sized buffers to and from user memory.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_USERCOPY_H
#define __MX_USERCOPY_H

#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/*
 * Up to this many bytes, a payload or a handle array is copied word by word
 * inside one user_access_begin() section, as the kernel does for signal
 * frames and directory entries. copy_from_user() of a size known only at
 * run time first checks the kernel buffer against its slab object
 * (CONFIG_HARDENED_USERCOPY): measured at about 175 instructions per copy,
 * a quarter of what a 64-byte message costs on its way through. The bounds
 * here are the message's own: mx_message_alloc() sized the buffer.
 * Larger copies go through copy_from_user()/copy_to_user(), whose checks
 * they amortise.
 */
#define MX_SMALL_COPY	256

/**
 * mx_copy_in_small() - copy at most MX_SMALL_COPY bytes from user memory
 * @dst:	kernel buffer of at least @n bytes
 * @src:	user buffer
 * @n:		bytes to copy
 *
 * Return: 0 or -EFAULT (@dst may then be partly written).
 */
static inline int mx_copy_in_small(void *dst, const void __user *src, u32 n)
{
	const u8 __user *s = src;
	u8 *d = dst;
	u64 w;
	u8 b;

	might_fault();
	if (!user_read_access_begin(src, n))
		return -EFAULT;
	for (; n >= sizeof(w); n -= sizeof(w), s += sizeof(w), d += sizeof(w)) {
		unsafe_get_user(w, (const u64 __user *)s, fault);
		memcpy(d, &w, sizeof(w));
	}
	for (; n; n--) {
		unsafe_get_user(b, s++, fault);
		*d++ = b;
	}
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return -EFAULT;
}

/**
 * mx_copy_out_small() - copy at most MX_SMALL_COPY bytes to user memory
 * @dst:	user buffer
 * @src:	kernel buffer of at least @n bytes
 * @n:		bytes to copy
 *
 * Return: 0 or -EFAULT.
 */
static inline int mx_copy_out_small(void __user *dst, const void *src, u32 n)
{
	might_fault();
	if (!user_write_access_begin(dst, n))
		return -EFAULT;
	unsafe_copy_to_user(dst, src, n, fault);
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return -EFAULT;
}

/**
 * mx_copy_in() - copy a payload or an array from user memory
 * @dst:	kernel buffer of at least @n bytes
 * @src:	user buffer
 * @n:		bytes to copy
 *
 * Return: 0 or -EFAULT.
 */
static inline int mx_copy_in(void *dst, const void __user *src, u32 n)
{
	if (n <= MX_SMALL_COPY)
		return mx_copy_in_small(dst, src, n);
	return copy_from_user(dst, src, n) ? -EFAULT : 0;
}

/**
 * mx_copy_out() - copy a payload or an array to user memory
 * @dst:	user buffer
 * @src:	kernel buffer of at least @n bytes
 * @n:		bytes to copy
 *
 * Return: 0 or -EFAULT.
 */
static inline int mx_copy_out(void __user *dst, const void *src, u32 n)
{
	if (n <= MX_SMALL_COPY)
		return mx_copy_out_small(dst, src, n);
	return copy_to_user(dst, src, n) ? -EFAULT : 0;
}

/**
 * mx_get_u32_probe() - read a u32 from user memory and, if asked, write it
 *			back, in one user access section
 * @p:		the user's u32
 * @v:		receives its value
 * @probe:	write the value back, to find out now whether @p is writable
 *
 * Cheaper than get_user() then put_user(), each an out-of-line call with
 * its own section.
 *
 * Return: 0 or -EFAULT.
 */
static inline int mx_get_u32_probe(u32 __user *p, u32 *v, bool probe)
{
	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(*v, p, fault);
	if (probe)
		unsafe_put_user(*v, p, fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

/**
 * mx_put_u32() - write a u32 to user memory
 * @p:	the user's u32
 * @v:	the value
 *
 * put_user() without the out-of-line call.
 *
 * Return: 0 or -EFAULT.
 */
static inline int mx_put_u32(u32 __user *p, u32 v)
{
	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_put_user(v, p, fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

#endif /* __MX_USERCOPY_H */
