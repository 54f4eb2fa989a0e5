/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhu - vhost-user wire format (see QEMU docs/interop/vhost-user.rst).
 * Used by the library and by the unit tests that play the front-end.
 * All fields are in host byte order.
 */
#ifndef VHU_PROTO_H
#define VHU_PROTO_H

#include <stdint.h>

#include "vhu.h"

enum vhu_request {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_LOG_BASE = 6,
	VHU_SET_LOG_FD = 7,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_SET_BACKEND_REQ_FD = 21,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
	VHU_RESET_DEVICE = 34,
	VHU_GET_MAX_MEM_SLOTS = 36,
	VHU_ADD_MEM_REG = 37,
	VHU_REM_MEM_REG = 38,
	VHU_SET_STATUS = 39,
	VHU_GET_STATUS = 40,
};

/* back-end -> front-end requests on the SET_BACKEND_REQ_FD channel */
#define VHU_BACKEND_CONFIG_CHANGE_MSG	2

#define VHU_VERSION		0x1
#define VHU_VERSION_MASK	0x3
#define VHU_FLAG_REPLY		(1u << 2)
#define VHU_FLAG_NEED_REPLY	(1u << 3)

#define VHU_VRING_IDX_MASK	0xffull
#define VHU_VRING_NOFD		(1ull << 8)

/* Largest payload accepted; bigger messages are refused. */
#define VHU_MAX_PAYLOAD		4096

struct vhu_msg_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vhu_msg_state {
	uint32_t index;
	uint32_t num;
};

struct vhu_msg_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vhu_msg_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

struct vhu_msg_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhu_msg_region regions[VHU_MEM_TABLE_REGIONS];
};

struct vhu_msg_mem_reg {
	uint64_t padding;
	struct vhu_msg_region region;
};

#define VHU_CONFIG_HDR_SIZE	12

struct vhu_msg_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHU_MAX_CONFIG_SIZE];
};

struct vhu_msg {
	struct vhu_msg_hdr hdr;
	union {
		uint64_t u64;
		struct vhu_msg_state state;
		struct vhu_msg_addr addr;
		struct vhu_msg_memory memory;
		struct vhu_msg_mem_reg mem_reg;
		struct vhu_msg_config config;
		uint8_t raw[VHU_MAX_PAYLOAD];
	} payload;	/* sent right after the 12 byte header */
	/* ancillary data, not on the wire */
	int fds[VHU_MAX_FDS];
	unsigned int nfds;
};

#endif /* VHU_PROTO_H */
