// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio CAN driver: conversion between the virtio CAN wire format and
 * SocketCAN frames.  Pure functions: no device, no locks, no allocation,
 * so that virtio_can_kunit.c can test them.
 */
#include <kunit/visibility.h>
#include <linux/can.h>
#include <linux/can/dev.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "virtio_can_priv.h"

/**
 * virtio_can_fd_len() - round a payload length up to a valid CAN FD length
 * @len: payload bytes, 0..64
 *
 * The virtio CAN device gives CAN FD lengths in bytes, and 0..64 passes its
 * range check, but CAN FD only knows 0..8, 12, 16, 20, 24, 32, 48 and 64.
 *
 * Context: any.
 * Return: the smallest valid CAN FD length >= @len (64 for larger values).
 */
u8 virtio_can_fd_len(unsigned int len)
{
	if (len > CANFD_MAX_DLEN)
		return CANFD_MAX_DLEN;
	return can_fd_dlc2len(can_fd_len2dlc(len));
}
EXPORT_SYMBOL_IF_KUNIT(virtio_can_fd_len);

/**
 * virtio_can_tx_encode() - build a TX request from a SocketCAN frame
 * @req: room for struct virtio_can_tx_out plus VIRTIO_CAN_MAX_DLEN bytes
 * @cf: the frame (a struct can_frame is read through its canfd_frame view)
 * @fd: @cf is a CAN FD frame
 *
 * Remote frames carry their DLC in @length and that many zero bytes, which
 * suits devices that read @length as DLC and those that expect no payload.
 * @length is written before the payload: with a __counted_by header,
 * FORTIFY_SOURCE checks the copy against it.
 *
 * Context: any.
 * Return: the number of bytes of @req to hand to the device.
 */
unsigned int virtio_can_tx_encode(void *req, const struct canfd_frame *cf,
				  bool fd)
{
	struct virtio_can_tx_out *out = req;
	u32 flags = 0, id;
	u8 len;

	if (cf->can_id & CAN_EFF_FLAG) {
		flags |= VIRTIO_CAN_FLAGS_EXTENDED;
		id = cf->can_id & CAN_EFF_MASK;
	} else {
		id = cf->can_id & CAN_SFF_MASK;
	}
	if (fd) {
		flags |= VIRTIO_CAN_FLAGS_FD;
		len = min_t(u8, cf->len, CANFD_MAX_DLEN);
	} else {
		if (cf->can_id & CAN_RTR_FLAG)
			flags |= VIRTIO_CAN_FLAGS_RTR;
		len = min_t(u8, cf->len, CAN_MAX_DLEN);
	}

	memset(out, 0, sizeof(*out));
	out->msg_type = cpu_to_le16(VIRTIO_CAN_TX);
	out->flags = cpu_to_le32(flags);
	out->can_id = cpu_to_le32(id);
	out->length = cpu_to_le16(len);
	if (flags & VIRTIO_CAN_FLAGS_RTR)
		memset(out->sdu, 0, len);
	else
		memcpy(out->sdu, cf->data, len);

	return sizeof(*out) + len;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_can_tx_encode);

/**
 * virtio_can_rx_decode() - validate an RX buffer and convert it
 * @buf: the buffer, starting with struct virtio_can_rx
 * @used: bytes the device says it wrote
 * @size: bytes the buffer has
 * @caps: negotiated VIRTIO_CAN_F_* bits (VIRTIO_CAN_CAP())
 * @cf: filled with the frame (as a struct can_frame unless *@fd)
 * @fd: set if the frame is a CAN FD frame
 *
 * Nothing the device wrote is trusted: the header must be complete, the
 * message type and flags known, the frame type negotiated, the identifier
 * and length in range, and the payload present.  The length of a CAN FD
 * frame is rounded up to a valid CAN FD length, the added bytes zeroed, and
 * CANFD_FDF is set in its flags (BRS and ESI do not exist on the wire).  A
 * remote frame's length is its DLC (0..15, a classic DLC above 8 meaning 8
 * bytes) and no payload is required.
 *
 * Context: any.
 * Return: VIRTIO_CAN_RX_OK, or why the buffer cannot be delivered.
 */
enum virtio_can_rx_verdict virtio_can_rx_decode(const void *buf,
						unsigned int used,
						unsigned int size, u32 caps,
						struct canfd_frame *cf,
						bool *fd)
{
	const struct virtio_can_rx *rx = buf;
	u32 flags, id, max_id;
	unsigned int len;

	if (used > size)
		return VIRTIO_CAN_RX_OVERSIZE;
	if (used < sizeof(*rx))
		return VIRTIO_CAN_RX_SHORT;
	if (le16_to_cpu(rx->msg_type) != VIRTIO_CAN_RX)
		return VIRTIO_CAN_RX_BAD_TYPE;

	flags = le32_to_cpu(rx->flags);
	if (flags & ~VIRTIO_CAN_FLAGS_KNOWN)
		return VIRTIO_CAN_RX_BAD_FLAGS;
	if ((flags & VIRTIO_CAN_FLAGS_FD) && (flags & VIRTIO_CAN_FLAGS_RTR))
		return VIRTIO_CAN_RX_BAD_FLAGS;

	*fd = flags & VIRTIO_CAN_FLAGS_FD;
	if (*fd ? !(caps & VIRTIO_CAN_CAP(CAN_FD)) :
		  !(caps & VIRTIO_CAN_CAP(CAN_CLASSIC)))
		return VIRTIO_CAN_RX_NOT_NEGOTIATED;
	if ((flags & VIRTIO_CAN_FLAGS_RTR) && !(caps & VIRTIO_CAN_CAP(RTR_FRAMES)))
		return VIRTIO_CAN_RX_NOT_NEGOTIATED;

	id = le32_to_cpu(rx->can_id);
	max_id = flags & VIRTIO_CAN_FLAGS_EXTENDED ? CAN_EFF_MASK : CAN_SFF_MASK;
	if (id > max_id)
		return VIRTIO_CAN_RX_BAD_ID;

	len = le16_to_cpu(rx->length);
	memset(cf, 0, sizeof(*cf));
	cf->can_id = id;
	if (flags & VIRTIO_CAN_FLAGS_EXTENDED)
		cf->can_id |= CAN_EFF_FLAG;

	if (flags & VIRTIO_CAN_FLAGS_RTR) {
		if (len > 15)
			return VIRTIO_CAN_RX_BAD_LENGTH;
		cf->can_id |= CAN_RTR_FLAG;
		cf->len = min_t(unsigned int, len, CAN_MAX_DLEN);
		return VIRTIO_CAN_RX_OK;
	}

	if (len > (*fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN))
		return VIRTIO_CAN_RX_BAD_LENGTH;
	if (used - sizeof(*rx) < len)
		return VIRTIO_CAN_RX_TRUNCATED;

	memcpy(cf->data, rx->sdu, len);
	if (*fd) {
		cf->flags = CANFD_FDF;
		cf->len = virtio_can_fd_len(len);
	} else {
		cf->len = len;
	}
	return VIRTIO_CAN_RX_OK;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_can_rx_decode);

static const char * const virtio_can_rx_verdict_names[VIRTIO_CAN_RX_VERDICTS] = {
	[VIRTIO_CAN_RX_OK] = "ok",
	[VIRTIO_CAN_RX_SHORT] = "shorter than a frame header",
	[VIRTIO_CAN_RX_OVERSIZE] = "used length beyond the buffer",
	[VIRTIO_CAN_RX_BAD_TYPE] = "unknown message type",
	[VIRTIO_CAN_RX_BAD_FLAGS] = "unknown or conflicting flags",
	[VIRTIO_CAN_RX_BAD_LENGTH] = "payload length out of range",
	[VIRTIO_CAN_RX_TRUNCATED] = "payload shorter than its length",
	[VIRTIO_CAN_RX_NOT_NEGOTIATED] = "frame type not negotiated",
	[VIRTIO_CAN_RX_BAD_ID] = "identifier out of range",
};

/**
 * virtio_can_rx_verdict_name() - describe an RX verdict
 * @verdict: a value returned by virtio_can_rx_decode()
 *
 * Context: any.
 * Return: a constant string for log messages.
 */
const char *virtio_can_rx_verdict_name(enum virtio_can_rx_verdict verdict)
{
	if ((unsigned int)verdict >= VIRTIO_CAN_RX_VERDICTS)
		return "unknown verdict";
	return virtio_can_rx_verdict_names[verdict];
}
EXPORT_SYMBOL_IF_KUNIT(virtio_can_rx_verdict_name);

/**
 * virtio_can_status_bus_off() - interpret the config space status
 * @status: virtio_can_config.status, CPU order
 * @unknown: set to the bits this driver does not know
 *
 * Context: any.
 * Return: true if the device reports bus-off.
 */
bool virtio_can_status_bus_off(u16 status, u16 *unknown)
{
	*unknown = status & ~VIRTIO_CAN_S_CTRL_BUSOFF;
	return status & VIRTIO_CAN_S_CTRL_BUSOFF;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_can_status_bus_off);
