// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the virtio CAN driver's frame conversion and status
 * handling (virtio_can_frame.c).  No device needed.
 */
#include <kunit/test.h>
#include <linux/can.h>
#include <linux/module.h>
#include <linux/string.h>

#include "virtio_can_priv.h"

#define CAPS_ALL (VIRTIO_CAN_CAP(CAN_CLASSIC) | VIRTIO_CAN_CAP(CAN_FD) | \
		  VIRTIO_CAN_CAP(RTR_FRAMES))
#define RX_SIZE VIRTIO_CAN_FRAME_MAX

struct rx_buf {
	union {
		struct virtio_can_rx hdr;
		u8 bytes[VIRTIO_CAN_FRAME_MAX];
	};
};

static void rx_fill(struct rx_buf *b, u32 flags, u32 id, u16 len)
{
	unsigned int i;

	memset(b, 0, sizeof(*b));
	b->hdr.msg_type = cpu_to_le16(VIRTIO_CAN_RX);
	b->hdr.flags = cpu_to_le32(flags);
	b->hdr.can_id = cpu_to_le32(id);
	b->hdr.length = cpu_to_le16(len);
	for (i = 0; i < VIRTIO_CAN_MAX_DLEN; i++)
		b->bytes[sizeof(b->hdr) + i] = 0xa0 + i;
}

static enum virtio_can_rx_verdict rx(struct rx_buf *b, unsigned int used,
				     u32 caps, struct canfd_frame *cf, bool *fd)
{
	return virtio_can_rx_decode(b, used, RX_SIZE, caps, cf, fd);
}

static void tx_classic_sff(struct kunit *test)
{
	struct can_frame cf = { .can_id = 0x123, .len = 3,
				.data = { 1, 2, 3 } };
	u8 req[VIRTIO_CAN_FRAME_MAX];
	struct virtio_can_tx_out *out = (void *)req;
	unsigned int n;

	memset(req, 0xee, sizeof(req));
	n = virtio_can_tx_encode(req, (struct canfd_frame *)&cf, false);
	KUNIT_EXPECT_EQ(test, n, sizeof(*out) + 3);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(out->msg_type), VIRTIO_CAN_TX);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(out->length), 3);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->flags), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->can_id), 0x123);
	KUNIT_EXPECT_EQ(test, out->reserved_classic_dlc, 0);
	KUNIT_EXPECT_EQ(test, out->padding, 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(out->reserved_xl_priority), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out->sdu, cf.data, 3), 0);
}

static void tx_eff_rtr(struct kunit *test)
{
	struct can_frame cf = {
		.can_id = 0x1abcdef0 | CAN_EFF_FLAG | CAN_RTR_FLAG, .len = 4,
		.data = { 9, 9, 9, 9 } };
	u8 req[VIRTIO_CAN_FRAME_MAX];
	struct virtio_can_tx_out *out = (void *)req;
	static const u8 zero[4];
	unsigned int n;

	n = virtio_can_tx_encode(req, (struct canfd_frame *)&cf, false);
	KUNIT_EXPECT_EQ(test, n, sizeof(*out) + 4);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->flags),
			VIRTIO_CAN_FLAGS_EXTENDED | VIRTIO_CAN_FLAGS_RTR);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->can_id), 0x1abcdef0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(out->length), 4);
	/* A remote frame has no data: the DLC is sent with zero bytes. */
	KUNIT_EXPECT_EQ(test, memcmp(out->sdu, zero, 4), 0);
}

static void tx_fd(struct kunit *test)
{
	struct canfd_frame cf = { .can_id = 0x7ff, .len = 64 };
	u8 req[VIRTIO_CAN_FRAME_MAX];
	struct virtio_can_tx_out *out = (void *)req;
	unsigned int i, n;

	for (i = 0; i < 64; i++)
		cf.data[i] = i;
	/* RTR has no meaning in CAN FD and must not be sent. */
	cf.can_id |= CAN_RTR_FLAG;
	n = virtio_can_tx_encode(req, &cf, true);
	KUNIT_EXPECT_EQ(test, n, sizeof(*out) + 64);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->flags), VIRTIO_CAN_FLAGS_FD);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(out->can_id), 0x7ff);
	KUNIT_EXPECT_EQ(test, memcmp(out->sdu, cf.data, 64), 0);
}

static void fd_len_rounding(struct kunit *test)
{
	static const u8 want[65] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 12, 12, 12, 16, 16, 16, 16,
		20, 20, 20, 20, 24, 24, 24, 24, 32, 32, 32, 32, 32, 32, 32, 32,
		48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48,
		64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	};
	unsigned int len;

	for (len = 0; len <= 64; len++)
		KUNIT_EXPECT_EQ_MSG(test, virtio_can_fd_len(len), want[len],
				    "len %u", len);
	KUNIT_EXPECT_EQ(test, virtio_can_fd_len(1000), 64);
}

static void rx_classic_ok(struct kunit *test)
{
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd = true;

	rx_fill(&b, 0, 0x42, 8);
	KUNIT_ASSERT_EQ(test, rx(&b, sizeof(b.hdr) + 8, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OK);
	KUNIT_EXPECT_FALSE(test, fd);
	KUNIT_EXPECT_EQ(test, cf.can_id, 0x42);
	KUNIT_EXPECT_EQ(test, cf.len, 8);
	KUNIT_EXPECT_EQ(test, memcmp(cf.data, &b.bytes[sizeof(b.hdr)], 8), 0);
}

static void rx_eff_ok(struct kunit *test)
{
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd;

	rx_fill(&b, VIRTIO_CAN_FLAGS_EXTENDED, CAN_EFF_MASK, 0);
	KUNIT_ASSERT_EQ(test, rx(&b, sizeof(b.hdr), CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OK);
	KUNIT_EXPECT_EQ(test, cf.can_id, CAN_EFF_MASK | CAN_EFF_FLAG);
	KUNIT_EXPECT_EQ(test, cf.len, 0);
}

static void rx_fd_rounds_len(struct kunit *test)
{
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd = false;

	rx_fill(&b, VIRTIO_CAN_FLAGS_FD, 0x100, 10);
	KUNIT_ASSERT_EQ(test, rx(&b, sizeof(b.hdr) + 10, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OK);
	KUNIT_EXPECT_TRUE(test, fd);
	KUNIT_EXPECT_EQ(test, cf.flags, CANFD_FDF);
	KUNIT_EXPECT_EQ(test, cf.len, 12);
	KUNIT_EXPECT_EQ(test, memcmp(cf.data, &b.bytes[sizeof(b.hdr)], 10), 0);
	/* The padding to a valid FD length is zeroes, not buffer bytes. */
	KUNIT_EXPECT_EQ(test, cf.data[10], 0);
	KUNIT_EXPECT_EQ(test, cf.data[11], 0);
}

static void rx_rtr_dlc(struct kunit *test)
{
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd;

	/* Header only: a remote frame needs no payload bytes. */
	rx_fill(&b, VIRTIO_CAN_FLAGS_RTR, 0x10, 6);
	KUNIT_ASSERT_EQ(test, rx(&b, sizeof(b.hdr), CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OK);
	KUNIT_EXPECT_EQ(test, cf.can_id, 0x10 | CAN_RTR_FLAG);
	KUNIT_EXPECT_EQ(test, cf.len, 6);

	/* Classic DLC 9..15 means 8 bytes. */
	rx_fill(&b, VIRTIO_CAN_FLAGS_RTR, 0x10, 15);
	KUNIT_ASSERT_EQ(test, rx(&b, sizeof(b.hdr), CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OK);
	KUNIT_EXPECT_EQ(test, cf.len, 8);

	rx_fill(&b, VIRTIO_CAN_FLAGS_RTR, 0x10, 16);
	KUNIT_EXPECT_EQ(test, rx(&b, sizeof(b.hdr), CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_LENGTH);
}

static void rx_rejects(struct kunit *test)
{
	const unsigned int hdr = sizeof(struct virtio_can_rx);
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd;

	rx_fill(&b, 0, 0x1, 8);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr - 1, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_SHORT);
	KUNIT_EXPECT_EQ(test, rx(&b, 0, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_SHORT);
	KUNIT_EXPECT_EQ(test, rx(&b, RX_SIZE + 1, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_OVERSIZE);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 4, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_TRUNCATED);

	b.hdr.msg_type = cpu_to_le16(VIRTIO_CAN_TX);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 8, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_TYPE);

	rx_fill(&b, 0x0001, 0x1, 8);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 8, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_FLAGS);
	rx_fill(&b, VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR, 0x1, 8);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 8, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_FLAGS);

	rx_fill(&b, 0, 0x1, 9);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 9, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_LENGTH);
	rx_fill(&b, VIRTIO_CAN_FLAGS_FD, 0x1, 65);
	KUNIT_EXPECT_EQ(test, rx(&b, RX_SIZE, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_LENGTH);

	rx_fill(&b, 0, CAN_SFF_MASK + 1, 0);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_ID);
	rx_fill(&b, VIRTIO_CAN_FLAGS_EXTENDED, CAN_EFF_MASK + 1, 0);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr, CAPS_ALL, &cf, &fd),
			VIRTIO_CAN_RX_BAD_ID);
}

static void rx_not_negotiated(struct kunit *test)
{
	const unsigned int hdr = sizeof(struct virtio_can_rx);
	struct canfd_frame cf;
	struct rx_buf b;
	bool fd;

	rx_fill(&b, VIRTIO_CAN_FLAGS_FD, 0x1, 8);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 8, VIRTIO_CAN_CAP(CAN_CLASSIC), &cf, &fd),
			VIRTIO_CAN_RX_NOT_NEGOTIATED);
	rx_fill(&b, 0, 0x1, 8);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr + 8, VIRTIO_CAN_CAP(CAN_FD), &cf, &fd),
			VIRTIO_CAN_RX_NOT_NEGOTIATED);
	rx_fill(&b, VIRTIO_CAN_FLAGS_RTR, 0x1, 0);
	KUNIT_EXPECT_EQ(test, rx(&b, hdr, VIRTIO_CAN_CAP(CAN_CLASSIC), &cf, &fd),
			VIRTIO_CAN_RX_NOT_NEGOTIATED);
}

static void roundtrip_all_lengths(struct kunit *test)
{
	u8 req[VIRTIO_CAN_FRAME_MAX];
	struct canfd_frame in, out;
	struct rx_buf b;
	unsigned int len, n;
	bool fd;

	for (len = 0; len <= 64; len = len < 8 ? len + 1 : len + 4) {
		memset(&in, 0, sizeof(in));
		in.can_id = 0x155 | CAN_EFF_FLAG;
		in.len = virtio_can_fd_len(len);
		memset(in.data, 0x5a, in.len);
		n = virtio_can_tx_encode(req, &in, true);
		/* The device turns a TX request into an RX frame. */
		memset(&b, 0, sizeof(b));
		memcpy(&b, req, n);
		b.hdr.msg_type = cpu_to_le16(VIRTIO_CAN_RX);
		KUNIT_ASSERT_EQ(test, rx(&b, n, CAPS_ALL, &out, &fd),
				VIRTIO_CAN_RX_OK);
		KUNIT_EXPECT_TRUE(test, fd);
		KUNIT_EXPECT_EQ(test, out.can_id, in.can_id);
		KUNIT_EXPECT_EQ(test, out.len, in.len);
		KUNIT_EXPECT_EQ(test, memcmp(out.data, in.data, in.len), 0);
	}
}

static void status_bits(struct kunit *test)
{
	u16 unknown;

	KUNIT_EXPECT_FALSE(test, virtio_can_status_bus_off(0, &unknown));
	KUNIT_EXPECT_EQ(test, unknown, 0);
	KUNIT_EXPECT_TRUE(test, virtio_can_status_bus_off(VIRTIO_CAN_S_CTRL_BUSOFF,
							  &unknown));
	KUNIT_EXPECT_EQ(test, unknown, 0);
	/* One back-end writes bus-off as the value 2: not bus-off, reported. */
	KUNIT_EXPECT_FALSE(test, virtio_can_status_bus_off(2, &unknown));
	KUNIT_EXPECT_EQ(test, unknown, 2);
	KUNIT_EXPECT_TRUE(test, virtio_can_status_bus_off(0x8001, &unknown));
	KUNIT_EXPECT_EQ(test, unknown, 0x8000);
}

static void verdict_names(struct kunit *test)
{
	unsigned int v;

	for (v = 0; v < VIRTIO_CAN_RX_VERDICTS; v++)
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, virtio_can_rx_verdict_name(v));
	KUNIT_EXPECT_STREQ(test, virtio_can_rx_verdict_name(VIRTIO_CAN_RX_VERDICTS),
			   "unknown verdict");
}

static struct kunit_case virtio_can_frame_cases[] = {
	KUNIT_CASE(tx_classic_sff),
	KUNIT_CASE(tx_eff_rtr),
	KUNIT_CASE(tx_fd),
	KUNIT_CASE(fd_len_rounding),
	KUNIT_CASE(rx_classic_ok),
	KUNIT_CASE(rx_eff_ok),
	KUNIT_CASE(rx_fd_rounds_len),
	KUNIT_CASE(rx_rtr_dlc),
	KUNIT_CASE(rx_rejects),
	KUNIT_CASE(rx_not_negotiated),
	KUNIT_CASE(roundtrip_all_lengths),
	KUNIT_CASE(status_bits),
	KUNIT_CASE(verdict_names),
	{}
};

static struct kunit_suite virtio_can_frame_suite = {
	.name = "virtio_can_frame",
	.test_cases = virtio_can_frame_cases,
};

kunit_test_suite(virtio_can_frame_suite);

MODULE_DESCRIPTION("KUnit tests for the virtio CAN driver");
MODULE_LICENSE("GPL");
VIRTIO_CAN_IMPORT_KUNIT_NS();
