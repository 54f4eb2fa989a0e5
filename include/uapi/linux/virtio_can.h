/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio CAN device (virtio device ID 36), as defined in VIRTIO 1.4,
 * section "CAN Device".
 *
 * Kernels since 7.2 carry this header themselves; it describes the same
 * wire format and uses the same include guard and names, so whichever copy
 * the compiler finds first, a driver sees one definition.
 */
#ifndef _LINUX_VIRTIO_VIRTIO_CAN_H
#define _LINUX_VIRTIO_VIRTIO_CAN_H

#include <linux/types.h>
#include <linux/virtio_types.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_config.h>

/* Feature bits */
#define VIRTIO_CAN_F_CAN_CLASSIC	0	/* classic CAN frames, 0..8 bytes */
#define VIRTIO_CAN_F_CAN_FD		1	/* CAN FD frames, 0..64 bytes */
#define VIRTIO_CAN_F_RTR_FRAMES		2	/* RTR frames (needs CAN_CLASSIC) */
#define VIRTIO_CAN_F_LATE_TX_ACK	3	/* TX used only once on the bus */

/* Result of a TX or control request */
#define VIRTIO_CAN_RESULT_OK		0
#define VIRTIO_CAN_RESULT_NOT_OK	1

/* Frame flags (virtio_can_tx_out.flags, virtio_can_rx.flags) */
#define VIRTIO_CAN_FLAGS_EXTENDED	0x8000	/* 29-bit identifier */
#define VIRTIO_CAN_FLAGS_FD		0x4000	/* CAN FD frame */
#define VIRTIO_CAN_FLAGS_RTR		0x2000	/* remote transmission request */

/* Largest payload of a frame (CAN FD) */
#define VIRTIO_CAN_MAX_DLEN		64

/* Device configuration space */
struct virtio_can_config {
#define VIRTIO_CAN_S_CTRL_BUSOFF	(1u << 0)	/* controller is bus-off */
	__le16 status;
};

/* TX queue: device-readable request, then the device-writable result */
struct virtio_can_tx_out {
#define VIRTIO_CAN_TX			0x0001
	__le16 msg_type;
	__le16 length;			/* payload bytes */
	__u8 reserved_classic_dlc;
	__u8 padding;
	__le16 reserved_xl_priority;
	__le32 flags;
	__le32 can_id;
	__u8 sdu[];
};

struct virtio_can_tx_in {
	__u8 result;
};

/* RX queue: one device-writable buffer per frame */
struct virtio_can_rx {
#define VIRTIO_CAN_RX			0x0101
	__le16 msg_type;
	__le16 length;			/* payload bytes */
	__u8 reserved_classic_dlc;
	__u8 padding;
	__le16 reserved_xl_priority;
	__le32 flags;
	__le32 can_id;
	__u8 sdu[];
};

/* Control queue: device-readable request, then the device-writable result */
struct virtio_can_control_out {
#define VIRTIO_CAN_SET_CTRL_MODE_START	0x0201
#define VIRTIO_CAN_SET_CTRL_MODE_STOP	0x0202
	__le16 msg_type;
};

struct virtio_can_control_in {
	__u8 result;
};

#endif /* _LINUX_VIRTIO_VIRTIO_CAN_H */
