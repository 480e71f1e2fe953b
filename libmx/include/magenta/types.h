/* SPDX-License-Identifier: MIT */
/*
 * <magenta/types.h>: the types, status codes, rights, signals and flags of
 * the Magenta calls, with the values Magenta gave them (August 2016).
 *
 * Rights, signals, flags and limits come from the kernel ABI header, so
 * libmx and the module cannot disagree on them. It is installed as
 * <magenta/uapi/magenta.h>, not <linux/magenta.h>, so that it never clashes
 * with the distribution's kernel headers; in the source tree
 * include/magenta/uapi/magenta.h is a link to uapi/linux/magenta.h.
 */
#ifndef MAGENTA_TYPES_H
#define MAGENTA_TYPES_H

#include <stdint.h>
#include <magenta/uapi/magenta.h>

typedef int32_t mx_handle_t;
typedef int32_t mx_status_t;
typedef uint64_t mx_time_t;		/* nanoseconds, relative to now */
typedef uint32_t mx_signals_t;
typedef uint32_t mx_rights_t;
typedef struct mx_signals_state mx_signals_state_t;
typedef uint64_t mx_koid_t;
typedef uintptr_t mx_size_t;
typedef intptr_t mx_ssize_t;

/* What mx_handle_get_info(MX_INFO_HANDLE_BASIC) fills in. */
typedef struct {
	mx_koid_t koid;
	mx_rights_t rights;
	uint32_t type;		/* MX_OBJ_TYPE_* */
	uint32_t props;		/* MX_OBJ_PROP_* */
} mx_handle_basic_info_t;

/* One result of mx_waitset_wait(). */
typedef struct mx_waitset_result {
	uint64_t cookie;
	mx_status_t wait_result;	/* NO_ERROR, ERR_BAD_STATE, ERR_CANCELLED */
	uint32_t reserved;		/* 0 */
	mx_signals_state_t signals_state;
} mx_waitset_result_t;

/* The header every IO port packet starts with. */
typedef struct mx_packet_header {
	uint64_t key;
	uint32_t type;		/* MX_PORT_PKT_TYPE_* */
	uint32_t extra;
} mx_packet_header_t;

/* The packet a binding queues (type MX_PORT_PKT_TYPE_IOSN). */
typedef struct mx_io_packet {
	mx_packet_header_t hdr;
	mx_time_t timestamp;
	mx_size_t bytes;
	mx_signals_t signals;
	uint32_t reserved;
} mx_io_packet_t;

#define MX_HANDLE_INVALID	((mx_handle_t)0)
#define MX_TIME_INFINITE	UINT64_MAX
#define MX_KOID_INVALID		((mx_koid_t)0)

/* Status codes: 0 is success, every error is negative. */
#define NO_ERROR		0
#define ERR_INTERNAL		(-1)
#define ERR_NOT_SUPPORTED	(-2)
#define ERR_NOT_FOUND		(-3)
#define ERR_NO_MEMORY		(-4)
#define ERR_NO_RESOURCES	(-5)
#define ERR_INVALID_ARGS	(-10)
#define ERR_BAD_SYSCALL		(-11)
#define ERR_BAD_HANDLE		(-12)
#define ERR_OUT_OF_RANGE	(-13)
#define ERR_NOT_ENOUGH_BUFFER	(-14)
#define ERR_ALREADY_EXISTS	(-15)
#define ERR_BAD_STATE		(-20)
#define ERR_FLOW_CONTROL	(-21)
#define ERR_NOT_READY		(-22)
#define ERR_TIMED_OUT		(-23)
#define ERR_HANDLE_CLOSED	(-24)
#define ERR_CANCELLED		ERR_HANDLE_CLOSED
#define ERR_CHANNEL_CLOSED	(-25)
#define ERR_REMOTE_CLOSED	ERR_CHANNEL_CLOSED
#define ERR_NOT_AVAILABLE	(-26)
#define ERR_ACCESS_DENIED	(-30)
#define ERR_IO			(-40)
#define ERR_WRONG_TYPE		(-54)
#define ERR_TOO_BIG		(-92)

#endif /* MAGENTA_TYPES_H */
