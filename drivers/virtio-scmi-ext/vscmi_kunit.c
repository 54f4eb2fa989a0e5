// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of virtio-scmi-ext's message encoding and the parsers of
 * discovery and sensor replies (vscmi_msg.c).  No device needed.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/string.h>

#include "vscmi_sensor.h"

static void hdr_pack_fields(struct kunit *test)
{
	struct vscmi_hdr h = { .id = 0x6, .type = VSCMI_TYPE_COMMAND,
			       .protocol = VSCMI_PROTO_SENSOR, .token = 0x3ff };

	/* token 27:18, protocol 17:10, type 9:8, id 7:0 */
	KUNIT_EXPECT_EQ(test, vscmi_hdr_pack(&h), 0x0ffc5406U);
	h.token = 0x400;	/* wider than 10 bits: wraps */
	KUNIT_EXPECT_EQ(test, vscmi_hdr_pack(&h), 0x00005406U);
}

static void hdr_round_trip(struct kunit *test)
{
	struct vscmi_hdr h = { .id = 0xab, .type = VSCMI_TYPE_NOTIFICATION,
			       .protocol = 0x81, .token = 517 }, out;

	KUNIT_ASSERT_EQ(test, vscmi_hdr_unpack(vscmi_hdr_pack(&h), &out), 0);
	KUNIT_EXPECT_EQ(test, out.id, 0xab);
	KUNIT_EXPECT_EQ(test, out.type, VSCMI_TYPE_NOTIFICATION);
	KUNIT_EXPECT_EQ(test, out.protocol, 0x81);
	KUNIT_EXPECT_EQ(test, out.token, 517);
}

static void hdr_unpack_rejects(struct kunit *test)
{
	struct vscmi_hdr out;

	KUNIT_EXPECT_EQ(test, vscmi_hdr_unpack(0x10000000, &out), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_hdr_unpack(0x00000100, &out), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_hdr_unpack(0x00000200, &out), 0);
	KUNIT_EXPECT_EQ(test, out.type, VSCMI_TYPE_DELAYED);
}

static void status_map(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(0), 0);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-1), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-2), -EINVAL);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-3), -EACCES);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-4), -ENOENT);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-5), -ERANGE);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-6), -EBUSY);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-7), -ECOMM);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-8), -EIO);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-9), -EREMOTEIO);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-10), -EPROTO);
	/* unknown and positive codes */
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(-11), -EIO);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(S32_MIN), -EIO);
	KUNIT_EXPECT_EQ(test, vscmi_status_to_errno(5), -EIO);
}

static void protocol_list_rounds(struct kunit *test)
{
	u8 list[4] = { 0 };
	u8 r1[8] = { 3, 0, 0, 0, 0x15, 0x12, 0x80, 0xee };
	u8 r2[8] = { 1, 0, 0, 0, 0x18, 0, 0, 0 };

	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(r1, sizeof(r1), list, 0, 4), 3);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(r2, sizeof(r2), list, 3, 4), 1);
	KUNIT_EXPECT_EQ(test, list[0], 0x15);
	KUNIT_EXPECT_EQ(test, list[1], 0x12);
	KUNIT_EXPECT_EQ(test, list[2], 0x80);
	KUNIT_EXPECT_EQ(test, list[3], 0x18);
}

static void protocol_list_rejects(struct kunit *test)
{
	u8 list[4] = { 0x15 };
	u8 empty[4] = { 0 };
	u8 unpadded[6] = { 2, 0, 0, 0, 0x12, 0x13 };	/* 2 ids need 4 bytes */
	u8 toomany[8] = { 4, 0, 0, 0, 0x12, 0x13, 0x14, 0x16 };
	u8 base[8] = { 1, 0, 0, 0, 0x10, 0, 0, 0 };
	u8 dup[8] = { 1, 0, 0, 0, 0x15, 0, 0, 0 };

	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(empty, 3, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(empty, 4, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(unpadded, 6, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(toomany, 8, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(base, 8, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(dup, 8, list, 1, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_parse_protocol_list(dup, 8, list, 4, 4), -EPROTO);
}

static void copy_name_sanitises(struct kunit *test)
{
	char out[VSCMI_NAME_LEN + 1];
	u8 full[VSCMI_NAME_LEN];

	memset(full, 'a', sizeof(full));
	full[3] = '\n';
	KUNIT_EXPECT_EQ(test, vscmi_copy_name(out, full, sizeof(full)), 16);
	KUNIT_EXPECT_STREQ(test, out, "aaa?aaaaaaaaaaaa");
	KUNIT_EXPECT_EQ(test, vscmi_copy_name(out, "cpu\0junk", 8), 3);
	KUNIT_EXPECT_STREQ(test, out, "cpu");
}

static void put_desc(u8 *b, u32 id, u32 lo, u32 hi, const char *name)
{
	memset(b, 0, VSCMI_SENSOR_DESC_SIZE + VSCMI_SENSOR_DESC_EXT_SIZE);
	put_unaligned_le32(id, b);
	put_unaligned_le32(lo, b + 4);
	put_unaligned_le32(hi, b + 8);
	strscpy((char *)b + 12, name, VSCMI_NAME_LEN);
}

static void sensor_desc_scalar(struct kunit *test)
{
	u8 b[64];
	struct vscmi_sensor_desc d;

	/* async, 2 trip points; scale -3 (0x1d in 5 bits), degrees C */
	put_desc(b, 7, BIT(31) | 2, (0x1d << 11) | VSCMI_UNIT_DEGC, "cpu-temp");
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_desc(b, 28, true, &d), 28);
	KUNIT_EXPECT_EQ(test, d.id, 7);
	KUNIT_EXPECT_TRUE(test, d.async);
	KUNIT_EXPECT_EQ(test, d.num_trips, 2);
	KUNIT_EXPECT_EQ(test, d.scale, -3);
	KUNIT_EXPECT_EQ(test, d.type, VSCMI_UNIT_DEGC);
	KUNIT_EXPECT_EQ(test, d.num_axes, 0);
	KUNIT_EXPECT_STREQ(test, d.name, "cpu-temp");
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_desc(b, 27, true, &d), -EPROTO);
}

static void sensor_desc_v3_ext(struct kunit *test)
{
	u8 b[64];
	struct vscmi_sensor_desc d;

	/* extended attributes, update notify, timestamps exp -6; 3 axes */
	put_desc(b, 1, BIT(30) | BIT(9) | (0x1a << 10) | BIT(8),
		 (3 << 16) | BIT(8) | 0x59, "accel");
	put_unaligned_le32(500, b + 28);
	put_unaligned_le32(0x12345, b + 32);
	put_unaligned_le64((u64)-16000, b + 36);
	put_unaligned_le64(16000, b + 44);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_desc(b, 52, true, &d), 52);
	KUNIT_EXPECT_TRUE(test, d.update_notify);
	KUNIT_EXPECT_TRUE(test, d.timestamped);
	KUNIT_EXPECT_EQ(test, d.ts_exp, -6);
	KUNIT_EXPECT_EQ(test, d.num_axes, 3);
	KUNIT_EXPECT_EQ(test, d.power, 500);
	KUNIT_EXPECT_EQ(test, d.min, -16000);
	KUNIT_EXPECT_EQ(test, d.max, 16000);
	/* extended attributes announced but cut off */
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_desc(b, 51, true, &d), -EPROTO);
	/* a v2 platform's descriptor has no v3 fields, whatever the bits say */
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_desc(b, 52, false, &d), 28);
	KUNIT_EXPECT_EQ(test, d.num_axes, 0);
	KUNIT_EXPECT_FALSE(test, d.ext_attrs);
}

static void sensor_reading(struct kunit *test)
{
	u8 rx[48] = { 0 };
	s64 v[3];
	u64 ts;

	put_unaligned_le64((u64)-42, rx);
	put_unaligned_le64(7, rx + 16);
	put_unaligned_le64(99, rx + 32);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 8, false, 0, 1, v, NULL), 0);
	KUNIT_EXPECT_EQ(test, v[0], -42);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 48, true, 2, 1, v, NULL), 0);
	KUNIT_EXPECT_EQ(test, v[0], 99);
	/* all three axes of a v3 reading: values every 16 bytes */
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 48, true, 0, 3, v, NULL), 0);
	KUNIT_EXPECT_EQ(test, v[0], -42);
	KUNIT_EXPECT_EQ(test, v[1], 7);
	KUNIT_EXPECT_EQ(test, v[2], 99);
	/* the platform timestamp of the first axis read */
	put_unaligned_le64(123456789, rx + 24);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 48, true, 1, 2, v, &ts), 0);
	KUNIT_EXPECT_EQ(test, ts, 123456789);
	KUNIT_EXPECT_EQ(test, v[0], 7);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 16, false, 1, 1, v, &ts), 0);
	KUNIT_EXPECT_EQ(test, ts, 0);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 47, true, 2, 1, v, NULL), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 47, true, 0, 3, v, NULL), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 7, false, 0, 1, v, NULL), -EPROTO);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 48, true, 0, 0, v, NULL), -EPROTO);
	/* an axis index that would overflow the length check */
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_reading(rx, 48, true, UINT_MAX, 1, v, NULL),
			-EPROTO);
}

static void scale_value(struct kunit *test)
{
	s64 v;

	KUNIT_EXPECT_EQ(test, vscmi_scale_value(42, 3, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 42000);
	KUNIT_EXPECT_EQ(test, vscmi_scale_value(-42999, -3, &v), 0);
	KUNIT_EXPECT_EQ(test, v, -42);
	KUNIT_EXPECT_EQ(test, vscmi_scale_value(5, -30, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0);
	KUNIT_EXPECT_EQ(test, vscmi_scale_value(S64_MAX / 5, 1, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, vscmi_scale_value(1, 18, &v), 0);
	KUNIT_EXPECT_EQ(test, vscmi_scale_value(1, 19, &v), -ERANGE);
}

static void sensor_axis(struct kunit *test)
{
	struct vscmi_sensor_axis a;
	u8 b[48] = { 0 };

	put_unaligned_le32(4, b);
	put_unaligned_le32(BIT(8), b + 4);
	put_unaligned_le32((0x1d << 11) | VSCMI_UNIT_RAD_S, b + 8);
	strscpy((char *)b + 12, "gx", VSCMI_NAME_LEN);
	put_unaligned_le64((u64)-2000, b + 32);
	put_unaligned_le64(2000, b + 40);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_axis(b, 48, &a), 48);
	KUNIT_EXPECT_EQ(test, a.id, 4);
	KUNIT_EXPECT_EQ(test, a.type, VSCMI_UNIT_RAD_S);
	KUNIT_EXPECT_EQ(test, a.scale, -3);
	KUNIT_EXPECT_STREQ(test, a.name, "gx");
	KUNIT_EXPECT_EQ(test, a.min, -2000);
	KUNIT_EXPECT_EQ(test, a.max, 2000);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_axis(b, 47, &a), -EPROTO);
	put_unaligned_le32(0, b + 4);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_axis(b, 28, &a), 28);
	KUNIT_EXPECT_EQ(test, vscmi_sensor_parse_axis(b, 27, &a), -EPROTO);
}

static void update_intervals(struct kunit *test)
{
	/* 10 ms as 10 * 10^-3 s, and as 10000 * 10^-6 s */
	KUNIT_EXPECT_EQ(test, vscmi_interval_to_us(10 << 5 | (-3 & 0x1f)), 10000);
	KUNIT_EXPECT_EQ(test, vscmi_interval_to_us(10000 << 5 | (-6 & 0x1f)), 10000);
	KUNIT_EXPECT_EQ(test, vscmi_interval_to_us(2 << 5), 2000000);
	KUNIT_EXPECT_EQ(test, vscmi_interval_to_us(5 << 5 | (-9 & 0x1f)), 0);
	KUNIT_EXPECT_EQ(test, vscmi_interval_to_us(0xffff << 5 | 15), U64_MAX);
	/* config: seconds [31:16], exponent [15:11] */
	KUNIT_EXPECT_EQ(test, vscmi_config_interval(20000), 20000U << 16 | 0x1a << 11);
	KUNIT_EXPECT_EQ(test, vscmi_config_interval(1000000), 10000U << 16 | 0x1c << 11);
	KUNIT_EXPECT_EQ(test, vscmi_config_to_us(vscmi_config_interval(1000000)), 1000000);
	KUNIT_EXPECT_EQ(test, vscmi_config_to_us(vscmi_config_interval(20000) | 3), 20000);
	KUNIT_EXPECT_EQ(test, vscmi_config_to_us(0), 0);
}

static void user_denied(struct kunit *test)
{
	/* Base permissions and reset, system power state, negotiation */
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(VSCMI_PROTO_BASE, 0x9));
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(VSCMI_PROTO_BASE, 0xa));
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(VSCMI_PROTO_BASE, 0xb));
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(VSCMI_PROTO_SYSTEM, 0x3));
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(VSCMI_PROTO_SYSTEM, 0x5));
	KUNIT_EXPECT_TRUE(test, vscmi_user_denied(0x80, 0x10));
	/* discovery and vendor commands are the allow-list's business */
	KUNIT_EXPECT_FALSE(test, vscmi_user_denied(VSCMI_PROTO_BASE, 0x3));
	KUNIT_EXPECT_FALSE(test, vscmi_user_denied(VSCMI_PROTO_SYSTEM, 0x0));
	KUNIT_EXPECT_FALSE(test, vscmi_user_denied(0x80, 0x3));
	KUNIT_EXPECT_FALSE(test, vscmi_user_denied(VSCMI_PROTO_SENSOR, 0x6));
}

static struct kunit_case vscmi_cases[] = {
	KUNIT_CASE(hdr_pack_fields),
	KUNIT_CASE(hdr_round_trip),
	KUNIT_CASE(hdr_unpack_rejects),
	KUNIT_CASE(status_map),
	KUNIT_CASE(protocol_list_rounds),
	KUNIT_CASE(protocol_list_rejects),
	KUNIT_CASE(copy_name_sanitises),
	KUNIT_CASE(sensor_desc_scalar),
	KUNIT_CASE(sensor_desc_v3_ext),
	KUNIT_CASE(sensor_reading),
	KUNIT_CASE(scale_value),
	KUNIT_CASE(sensor_axis),
	KUNIT_CASE(update_intervals),
	KUNIT_CASE(user_denied),
	{}
};

static struct kunit_suite vscmi_suite = {
	.name = "virtio_scmi_ext",
	.test_cases = vscmi_cases,
};

kunit_test_suite(vscmi_suite);

MODULE_IMPORT_NS(VSCMI_NS);
MODULE_DESCRIPTION("KUnit tests for virtio-scmi-ext message encoding");
MODULE_LICENSE("GPL");
