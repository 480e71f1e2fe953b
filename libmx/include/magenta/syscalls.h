/* SPDX-License-Identifier: MIT */
/*
 * <magenta/syscalls.h>: the Magenta calls, served by /dev/magenta.
 *
 * Every call returns NO_ERROR (0) or a negative ERR_* status, except
 * mx_handle_duplicate(), mx_handle_replace(), mx_event_create() and
 * mx_waitset_create(), which return the new handle (> 0) or a status
 * (< 0), and mx_handle_get_info(),
 * which returns the number of bytes it wrote (>= 0) or a status (< 0). errno is not part of the interface.
 * When /dev/magenta cannot be opened (the module is not loaded) every call
 * returns ERR_NOT_SUPPORTED.
 *
 * The library opens /dev/magenta on first use, close-on-exec, once per
 * process; it is thread-safe, and a fork() child starts with an empty
 * handle table of its own.
 */
#ifndef MAGENTA_SYSCALLS_H
#define MAGENTA_SYSCALLS_H

#include <magenta/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message pipes */
mx_status_t mx_msgpipe_create(mx_handle_t handles[2], uint32_t flags);
mx_status_t mx_msgpipe_write(mx_handle_t handle,
			     void* bytes, uint32_t num_bytes,
			     mx_handle_t* handles, uint32_t num_handles,
			     uint32_t flags);
mx_status_t mx_msgpipe_read(mx_handle_t handle,
			    void* bytes, uint32_t* num_bytes,
			    mx_handle_t* handles, uint32_t* num_handles,
			    uint32_t flags);

/*
 * mx_msgpipe_call [extension]: write a message through handle, then wait up
 * to timeout for the next message queued for handle and read it, in one
 * call. The read half's checks that need no message (handle rights incl.
 * MX_RIGHT_READ, the count pointers) come first: when one fails nothing is
 * sent. ERR_TIMED_OUT, ERR_HANDLE_CLOSED, ERR_CHANNEL_CLOSED and
 * ERR_NOT_ENOUGH_BUFFER come only after the message was sent; a reply that
 * cannot be taken stays queued. A signal handler running meanwhile does not
 * make the message go twice.
 */
mx_status_t mx_msgpipe_call(mx_handle_t handle,
			    void* wbytes, uint32_t wnum_bytes,
			    mx_handle_t* whandles, uint32_t wnum_handles,
			    void* rbytes, uint32_t* rnum_bytes,
			    mx_handle_t* rhandles, uint32_t* rnum_handles,
			    mx_time_t timeout);

/* Handles */
mx_status_t mx_handle_close(mx_handle_t handle);
mx_handle_t mx_handle_duplicate(mx_handle_t handle, mx_rights_t rights);
mx_handle_t mx_handle_replace(mx_handle_t handle, mx_rights_t rights);
mx_ssize_t mx_handle_get_info(mx_handle_t handle, uint32_t topic,
			      void* info, mx_size_t info_size);

/* Objects */
mx_handle_t mx_event_create(uint32_t options);
mx_status_t mx_object_signal(mx_handle_t handle, uint32_t clear_mask,
			     uint32_t set_mask);

/* Wait sets: see docs/api/waitset_*.md */
mx_handle_t mx_waitset_create(void);
mx_status_t mx_waitset_add(mx_handle_t waitset_handle, mx_handle_t handle,
			   mx_signals_t signals, uint64_t cookie);
mx_status_t mx_waitset_remove(mx_handle_t waitset_handle, uint64_t cookie);
mx_status_t mx_waitset_wait(mx_handle_t waitset_handle, mx_time_t timeout,
			    uint32_t* num_results,
			    mx_waitset_result_t* results,
			    uint32_t* max_results);

/* IO ports: see docs/api/port_*.md */
mx_handle_t mx_port_create(uint32_t options);
mx_status_t mx_port_queue(mx_handle_t handle, const void* packet,
			  mx_size_t size);
mx_status_t mx_port_wait(mx_handle_t handle, void* packet, mx_size_t size);
mx_status_t mx_port_bind(mx_handle_t handle, uint64_t key,
			 mx_handle_t source, mx_signals_t signals);

/* Waiting */
mx_status_t mx_handle_wait_one(mx_handle_t handle, mx_signals_t signals,
			       mx_time_t timeout,
			       mx_signals_state_t* signals_state);
mx_status_t mx_handle_wait_many(uint32_t count, const mx_handle_t* handles,
				const mx_signals_t* signals,
				mx_time_t timeout, uint32_t* result_index,
				mx_signals_state_t* signals_states);

/*
 * Bootstrap [extension]: move a handle into a new file descriptor, which
 * can be inherited across exec() or sent with SCM_RIGHTS, and from such a
 * descriptor into the calling process's table. The handle keeps its rights
 * and is in exactly one place at a time; export needs MX_RIGHT_TRANSFER.
 * flags: 0 or MX_EXPORT_CLOEXEC. The descriptor stays open after import
 * (close it yourself); it then holds nothing.
 */
mx_status_t mx_handle_export(mx_handle_t handle, uint32_t flags, int* fd);
mx_status_t mx_handle_import(int fd, mx_handle_t* handle);

/*
 * Poll descriptor [extension]: a new file descriptor that poll(), select()
 * and epoll report readable while mx_waitset_wait() on the wait set
 * *handle* would not block, and EPOLLHUP once its handle is closed. The
 * handle stays in the table; the descriptor is not a handle. Needs
 * MX_RIGHT_READ. flags: 0 or MX_POLL_FD_CLOEXEC.
 */
mx_status_t mx_handle_poll_fd(mx_handle_t handle, uint32_t flags, int* fd);

/* The name of a status code, e.g. "ERR_BAD_STATE" [extension]. */
const char* mx_status_get_string(mx_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* MAGENTA_SYSCALLS_H */
