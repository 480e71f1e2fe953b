/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels the module is built for (Debian 12's
 * 6.1, 6.1 PREEMPT_RT and 6.12), in one place. An entry tests for the
 * feature itself where the kernel has a macro to test, else the version.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */
#ifndef __MX_COMPAT_H
#define __MX_COMPAT_H

#include <linux/compiler_types.h>
#include <linux/file.h>
#include <linux/version.h>

/*
 * fd_file(): the file of a struct fd. 6.12 packs the file pointer and its
 * flags into one word (no .file member) and reads it with fd_file(), a
 * macro; before, the member is the file.
 */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/*
 * mx_spin_releases(): __releases() for a spinlock_t, on a function that
 * returns with its caller's spinlock dropped. Sparse counts locks through
 * the annotations of spin_lock() and spin_unlock(). On PREEMPT_RT these
 * (rt_spin_lock(), rt_spin_unlock()) have none before 6.13 ("locking/rt:
 * Add sparse annotation PREEMPT_RT's sleeping locks", also in 6.12.y, so
 * in Debian's 6.12): there sparse sees no lock dropped, and the annotation
 * itself is an imbalance. No macro tells: a version test.
 */
#if IS_ENABLED(CONFIG_PREEMPT_RT) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define mx_spin_releases(lock)
#else
#define mx_spin_releases(lock)	__releases(lock)
#endif

/*
 * No entry for no_llseek: 6.1 defines it as NULL and 6.12 removed it, so
 * the file_operations leave ->llseek NULL (lseek() fails with ESPIPE on
 * both: nonseekable_open(), or no FMODE_LSEEK on an anonymous file).
 */

/*
 * vm_flags_set(), vm_flags_clear(): 6.3 made vma->vm_flags read-only to
 * drivers and added these; before, drivers wrote the field. No macro tells:
 * a version test.
 */
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
#include <linux/mm_types.h>

static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* __MX_COMPAT_H */
