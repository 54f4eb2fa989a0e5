/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-scmi-ext: an SCMI agent for the virtio SCMI device (ID 32) that
 * needs no firmware description.  Shared between the agent core
 * (virtio_scmi_ext.ko) and its protocol front-ends.
 *
 * The names here avoid everything upstream's arm_scmi uses (bus, symbols,
 * driver names, module aliases, debugfs and trace names): the prefix is
 * vscmi_, the auxiliary devices are virtio_scmi_ext.<protocol>.
 */
#ifndef _VSCMI_H
#define _VSCMI_H

#include <linux/auxiliary_bus.h>
#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

#include "vscmi_compat.h"

/* Protocol ids (SCMI, DEN0056) */
#define VSCMI_PROTO_BASE	0x10
#define VSCMI_PROTO_POWER	0x11
#define VSCMI_PROTO_SYSTEM	0x12
#define VSCMI_PROTO_PERF	0x13
#define VSCMI_PROTO_CLOCK	0x14
#define VSCMI_PROTO_SENSOR	0x15
#define VSCMI_PROTO_RESET	0x16
#define VSCMI_PROTO_VOLTAGE	0x17
#define VSCMI_PROTO_POWERCAP	0x18
#define VSCMI_PROTO_PINCTRL	0x19
#define VSCMI_PROTO_VENDOR_MIN	0x80

/* Commands every protocol has */
#define VSCMI_MSG_PROTOCOL_VERSION		0x0
#define VSCMI_MSG_PROTOCOL_ATTRIBUTES		0x1
#define VSCMI_MSG_PROTOCOL_MESSAGE_ATTRIBUTES	0x2
#define VSCMI_MSG_NEGOTIATE_PROTOCOL_VERSION	0x10

/* Base protocol commands */
#define VSCMI_BASE_DISCOVER_VENDOR		0x3
#define VSCMI_BASE_DISCOVER_SUB_VENDOR		0x4
#define VSCMI_BASE_DISCOVER_IMPL_VERSION	0x5
#define VSCMI_BASE_DISCOVER_LIST_PROTOCOLS	0x6
#define VSCMI_BASE_DISCOVER_AGENT		0x7
#define VSCMI_BASE_SET_DEVICE_PERMISSIONS	0x9
#define VSCMI_BASE_SET_PROTOCOL_PERMISSIONS	0xa
#define VSCMI_BASE_RESET_AGENT_CONFIGURATION	0xb

/* System power protocol commands the kernel keeps to itself */
#define VSCMI_SYSTEM_POWER_STATE_SET		0x3
#define VSCMI_SYSTEM_POWER_STATE_NOTIFY		0x5

/* Message header: token [27:18], protocol [17:10], type [9:8], id [7:0] */
#define VSCMI_HDR_TOKEN		GENMASK(27, 18)
#define VSCMI_HDR_PROTOCOL	GENMASK(17, 10)
#define VSCMI_HDR_TYPE		GENMASK(9, 8)
#define VSCMI_HDR_ID		GENMASK(7, 0)
#define VSCMI_HDR_RESERVED	GENMASK(31, 28)

#define VSCMI_TYPE_COMMAND	0
#define VSCMI_TYPE_DELAYED	2
#define VSCMI_TYPE_NOTIFICATION	3

#define VSCMI_TOKENS		1024	/* 10-bit token space */

/*
 * Largest parameter block, return-value block (after the status word) or
 * notification payload the agent exchanges.  It holds a 63-axis
 * SENSOR_UPDATE (1016 bytes) or READING_GET delayed response (1012), where
 * upstream's 128 bytes hold 7 axes.
 */
#define VSCMI_MAX_PAYLOAD	1024
#define VSCMI_NAME_LEN		16	/* short names, NUL included */
#define VSCMI_EXT_NAME_LEN	64	/* extended names (v3.1) */

/* Platform status codes */
#define VSCMI_SUCCESS			0
#define VSCMI_ERR_NOT_SUPPORTED		-1
#define VSCMI_ERR_INVALID_PARAMETERS	-2
#define VSCMI_ERR_DENIED		-3
#define VSCMI_ERR_NOT_FOUND		-4
#define VSCMI_ERR_OUT_OF_RANGE		-5
#define VSCMI_ERR_BUSY			-6
#define VSCMI_ERR_COMMS			-7
#define VSCMI_ERR_GENERIC		-8
#define VSCMI_ERR_HARDWARE		-9
#define VSCMI_ERR_PROTOCOL		-10

/**
 * struct vscmi_hdr - an unpacked SCMI message header
 * @id: message (or, for notifications, event) id
 * @type: VSCMI_TYPE_*
 * @protocol: protocol id
 * @token: the agent's sequence token
 */
struct vscmi_hdr {
	u8 id;
	u8 type;
	u8 protocol;
	u16 token;
};

struct vscmi;

/**
 * struct vscmi_xfer - one command and its response
 * @protocol: protocol id (set by vscmi_xfer_get())
 * @id: message id (set by vscmi_xfer_get())
 * @tx: parameters, @tx_len bytes, DMA-safe; filled by the caller
 * @tx_len: length of the parameters (at most VSCMI_MAX_PAYLOAD)
 * @rx: after a successful transfer, the return values following the
 *	status word (of the delayed response when one was awaited)
 * @rx_len: bytes at @rx; validated by the caller against the layout
 * @status: the platform's status word of the (delayed) response, 0 when
 *	none was received
 *
 * Obtained with vscmi_xfer_get(), sent with vscmi_do_xfer() or
 * vscmi_do_xfer_delayed(), returned with vscmi_xfer_put().  A caller uses
 * an xfer from one thread at a time.
 */
struct vscmi_xfer {
	u8 protocol;
	u8 id;
	void *tx;
	size_t tx_len;
	const void *rx;
	size_t rx_len;
	s32 status;
};

/**
 * struct vscmi_event_nb - a protocol front-end's notification handler
 * @protocol: protocol whose notifications this handler receives
 * @notify: called in process context (the agent's event work) for each
 *	notification of @protocol, with the event id, the payload (no status
 *	word) and the guest time the event queue interrupt arrived
 *	(CLOCK_BOOTTIME)
 * @restored: optional; called after the device was reset and set up again
 *	(resume from hibernation), to subscribe to notifications again
 * @node: the agent's handler list
 *
 * @notify must not register or unregister handlers.  Payload lengths are
 * not validated by the agent beyond its buffer size.
 */
struct vscmi_event_nb {
	u8 protocol;
	void (*notify)(struct vscmi_event_nb *nb, u8 event, const void *payload,
		       size_t len, ktime_t rx_time);
	void (*restored)(struct vscmi_event_nb *nb);
	struct list_head node;
};

/**
 * struct vscmi_device - the auxiliary device of one discovered protocol
 * @adev: auxiliary device, named virtio_scmi_ext.<name>.<instance>
 * @vscmi: the agent that carries this protocol
 * @protocol: protocol id
 * @version: protocol version in use (negotiated), major [31:16] minor [15:0]
 * @name: storage for the auxiliary device name of a vendor protocol
 */
struct vscmi_device {
	struct auxiliary_device adev;
	struct vscmi *vscmi;
	u8 protocol;
	u32 version;
	char name[16];
};

static inline struct vscmi_device *to_vscmi_device(struct auxiliary_device *adev)
{
	return container_of(adev, struct vscmi_device, adev);
}

/* Message encoding (vscmi_msg.c), pure functions */
u32 vscmi_hdr_pack(const struct vscmi_hdr *hdr);
int vscmi_hdr_unpack(u32 raw, struct vscmi_hdr *hdr);
int vscmi_status_to_errno(s32 status);
int vscmi_parse_protocol_list(const void *rx, size_t rx_len, u8 *list,
			      unsigned int have, unsigned int total);
size_t vscmi_copy_name(char *dst, const void *src, size_t src_len);

/* Transfers (vscmi_transport.c) */
struct vscmi_xfer *vscmi_xfer_get(struct vscmi *vscmi, u8 protocol, u8 id,
				  size_t tx_len);
int vscmi_do_xfer(struct vscmi *vscmi, struct vscmi_xfer *xfer);
int vscmi_do_xfer_delayed(struct vscmi *vscmi, struct vscmi_xfer *xfer);
void vscmi_xfer_put(struct vscmi *vscmi, struct vscmi_xfer *xfer);
int vscmi_cmd(struct vscmi *vscmi, u8 protocol, u8 id, const void *tx,
	      size_t tx_len, void *rx, size_t rx_min, size_t rx_max,
	      size_t *rx_len);
bool vscmi_has_p2a(struct vscmi *vscmi);
struct device *vscmi_dev(struct vscmi *vscmi);

/* Notifications (vscmi_transport.c) */
int vscmi_event_register(struct vscmi *vscmi, struct vscmi_event_nb *nb);
void vscmi_event_unregister(struct vscmi *vscmi, struct vscmi_event_nb *nb);

/* Discovery results (vscmi_base.c) */
u32 vscmi_protocol_version(struct vscmi *vscmi, u8 protocol);
int vscmi_protocol_message_supported(struct vscmi *vscmi, u8 protocol, u8 id);
const char *vscmi_vendor(struct vscmi *vscmi);
const char *vscmi_sub_vendor(struct vscmi *vscmi);
u32 vscmi_impl_version(struct vscmi *vscmi);

/* The user channel (vscmi_chardev.c) */
bool vscmi_user_denied(u8 protocol, u8 message);

#define VSCMI_VERSION(major, minor)	(((major) << 16) | (minor))
#define VSCMI_VERSION_MAJOR(v)		((v) >> 16)
#define VSCMI_VERSION_MINOR(v)		((v) & 0xffff)

#endif /* _VSCMI_H */
