/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * virtio-scmi-ext user channel: SCMI commands from user space to the
 * platform behind a virtio SCMI device, through /dev/vscmiN.
 *
 * Opening the device needs CAP_SYS_ADMIN.  Only the protocols in the
 * device's allow-list (sysfs scmi/user_protocols, vendor protocols 0x80 to
 * 0xff by default, set by the administrator) are accepted, and never Base's
 * SET_DEVICE_PERMISSIONS, SET_PROTOCOL_PERMISSIONS and
 * RESET_AGENT_CONFIGURATION, System power's SYSTEM_POWER_STATE_SET and
 * POWER_STATE_NOTIFY, or any protocol's NEGOTIATE_PROTOCOL_VERSION: those
 * belong to the kernel.  The kernel assigns the message token.
 */
#ifndef _UAPI_LINUX_VIRTIO_SCMI_EXT_H
#define _UAPI_LINUX_VIRTIO_SCMI_EXT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Largest parameter or return-value block, in bytes. */
#define VSCMI_USER_MAX_PAYLOAD		1024

/* Wait for the command's delayed response; rx gets its return values. */
#define VSCMI_XFER_F_DELAYED		(1U << 0)

/**
 * struct vscmi_ioc_xfer - one command and its response
 * @protocol: protocol id
 * @message: message id
 * @flags: VSCMI_XFER_F_*; other bits must be zero
 * @reserved: must be zero
 * @tx_len: bytes of parameters at @tx_ptr, at most VSCMI_USER_MAX_PAYLOAD
 * @rx_len: in: room at @rx_ptr; out: bytes of return values stored there
 *	(the return values following the status word, truncated to the room)
 * @status: out: the platform's status (0 SUCCESS, negative SCMI error codes);
 *	on a status other than SUCCESS @rx_len is 0
 * @tx_ptr: user address of the parameters
 * @rx_ptr: user address for the return values
 *
 * VSCMI_IOC_XFER returns 0 when the platform answered (whatever @status
 * says), or -1 with errno: EPERM (protocol or message not allowed), EINVAL
 * (bad lengths or flags), EBUSY (too many commands in flight), ETIMEDOUT
 * (no answer in time), EPROTO (malformed answer), ENODEV (device gone),
 * EOPNOTSUPP (VSCMI_XFER_F_DELAYED without an event queue), EFAULT.
 */
struct vscmi_ioc_xfer {
	__u8 protocol;
	__u8 message;
	__u8 flags;
	__u8 reserved;
	__u32 tx_len;
	__u32 rx_len;
	__s32 status;
	__u64 tx_ptr;
	__u64 rx_ptr;
};

#define VSCMI_IOC_MAGIC		0xB9
#define VSCMI_IOC_XFER		_IOWR(VSCMI_IOC_MAGIC, 0x00, struct vscmi_ioc_xfer)

#endif /* _UAPI_LINUX_VIRTIO_SCMI_EXT_H */
