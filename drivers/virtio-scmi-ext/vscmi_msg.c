// SPDX-License-Identifier: GPL-2.0
/*
 * SCMI message encoding: headers, status codes, and the parsers of the
 * variable-length replies the core and the front-ends receive.  Pure
 * functions over buffers, so the KUnit suite covers them without a device.
 * Every length comes from a device that may be buggy or hostile: parsers
 * return -EPROTO rather than read past what was received.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "vscmi.h"
#include "vscmi_sensor.h"

/**
 * vscmi_hdr_pack() - encode a message header
 * @hdr: the fields; out-of-range values are truncated to their width
 *
 * Return: the header in CPU order (the caller stores it little-endian).
 */
u32 vscmi_hdr_pack(const struct vscmi_hdr *hdr)
{
	return FIELD_PREP(VSCMI_HDR_ID, hdr->id) |
	       FIELD_PREP(VSCMI_HDR_TYPE, hdr->type) |
	       FIELD_PREP(VSCMI_HDR_PROTOCOL, hdr->protocol) |
	       FIELD_PREP(VSCMI_HDR_TOKEN, hdr->token & (VSCMI_TOKENS - 1));
}
EXPORT_SYMBOL_NS_GPL(vscmi_hdr_pack, VSCMI_NS);

/**
 * vscmi_hdr_unpack() - decode a message header
 * @raw: the header in CPU order
 * @hdr: filled with the fields
 *
 * Return: 0, or -EPROTO if reserved bits are set or the type is the
 * reserved value 1.
 */
int vscmi_hdr_unpack(u32 raw, struct vscmi_hdr *hdr)
{
	hdr->id = FIELD_GET(VSCMI_HDR_ID, raw);
	hdr->type = FIELD_GET(VSCMI_HDR_TYPE, raw);
	hdr->protocol = FIELD_GET(VSCMI_HDR_PROTOCOL, raw);
	hdr->token = FIELD_GET(VSCMI_HDR_TOKEN, raw);
	if (raw & VSCMI_HDR_RESERVED || hdr->type == 1)
		return -EPROTO;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vscmi_hdr_unpack, VSCMI_NS);

/**
 * vscmi_status_to_errno() - map a platform status word to an errno
 * @status: the signed status of a response or delayed response
 *
 * Return: 0 for SUCCESS, a negative errno otherwise; codes newer than the
 * ones known here map to -EIO.
 */
int vscmi_status_to_errno(s32 status)
{
	static const int map[] = {
		[-VSCMI_ERR_NOT_SUPPORTED] = -EOPNOTSUPP,
		[-VSCMI_ERR_INVALID_PARAMETERS] = -EINVAL,
		[-VSCMI_ERR_DENIED] = -EACCES,
		[-VSCMI_ERR_NOT_FOUND] = -ENOENT,
		[-VSCMI_ERR_OUT_OF_RANGE] = -ERANGE,
		[-VSCMI_ERR_BUSY] = -EBUSY,
		[-VSCMI_ERR_COMMS] = -ECOMM,
		[-VSCMI_ERR_GENERIC] = -EIO,
		[-VSCMI_ERR_HARDWARE] = -EREMOTEIO,
		[-VSCMI_ERR_PROTOCOL] = -EPROTO,
	};

	if (status == VSCMI_SUCCESS)
		return 0;
	if (status < 0 && -status < ARRAY_SIZE(map))
		return map[-status];
	return -EIO;
}
EXPORT_SYMBOL_NS_GPL(vscmi_status_to_errno, VSCMI_NS);

/**
 * vscmi_parse_protocol_list() - one reply of BASE_DISCOVER_LIST_PROTOCOLS
 * @rx: return values: u32 count, then count protocol ids padded to 4 bytes
 * @rx_len: bytes at @rx
 * @list: the ids collected so far; this reply's are appended
 * @have: ids already in @list (the skip value of the request)
 * @total: ids the platform announced (PROTOCOL_ATTRIBUTES); @list holds
 *	that many
 *
 * Base (0x10) and duplicates are refused: a platform lists each protocol
 * once, Base excluded.
 *
 * Return: number of ids appended (at least 1), or -EPROTO for a reply that
 * is short, empty, longer than announced, or lists an invalid id.
 */
int vscmi_parse_protocol_list(const void *rx, size_t rx_len, u8 *list,
			      unsigned int have, unsigned int total)
{
	const u8 *ids = (const u8 *)rx + 4;
	unsigned int n, i, j;

	if (rx_len < 4 || have >= total)
		return -EPROTO;
	n = get_unaligned_le32(rx);
	if (!n || n > total - have || rx_len < 4 + round_up(n, 4))
		return -EPROTO;
	for (i = 0; i < n; i++) {
		if (ids[i] < VSCMI_PROTO_POWER)
			return -EPROTO;
		for (j = 0; j < have + i; j++)
			if (list[j] == ids[i])
				return -EPROTO;
		list[have + i] = ids[i];
	}
	return n;
}
EXPORT_SYMBOL_NS_GPL(vscmi_parse_protocol_list, VSCMI_NS);

/**
 * vscmi_copy_name() - copy a device-supplied name
 * @dst: destination, @src_len + 1 bytes at least
 * @src: the name field, possibly not NUL-terminated
 * @src_len: size of the field
 *
 * Non-printable bytes become '?', so names are safe in sysfs and logs.
 *
 * Return: the length of the copied name.
 */
size_t vscmi_copy_name(char *dst, const void *src, size_t src_len)
{
	const char *s = src;
	size_t n = strnlen(s, src_len), i;

	for (i = 0; i < n; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[n] = '\0';
	return n;
}
EXPORT_SYMBOL_NS_GPL(vscmi_copy_name, VSCMI_NS);

/* A 5-bit two's complement exponent field. */
static int sext5(u32 v)
{
	return sign_extend32(v, 4);
}

/**
 * vscmi_sensor_parse_desc() - one descriptor of SENSOR_DESCRIPTION_GET
 * @p: the descriptor
 * @avail: bytes left in the reply from @p on
 * @v3: the protocol version is 3.0 or newer (extended attributes possible)
 * @d: filled with the descriptor
 *
 * Return: the descriptor's size (28, or 52 with extended attributes), or
 * -EPROTO if it does not fit in @avail.
 */
int vscmi_sensor_parse_desc(const void *p, size_t avail, bool v3,
			    struct vscmi_sensor_desc *d)
{
	const u8 *b = p;
	size_t size = VSCMI_SENSOR_DESC_SIZE;
	u32 lo, hi;

	if (avail < size)
		return -EPROTO;
	memset(d, 0, sizeof(*d));
	d->id = get_unaligned_le32(b);
	lo = get_unaligned_le32(b + 4);
	hi = get_unaligned_le32(b + 8);
	vscmi_copy_name(d->name, b + 12, VSCMI_NAME_LEN);
	d->attr_low = lo;
	d->attr_high = hi;
	d->type = FIELD_GET(GENMASK(7, 0), hi);
	d->scale = sext5(FIELD_GET(GENMASK(15, 11), hi));
	d->num_trips = FIELD_GET(GENMASK(7, 0), lo);
	d->async = lo & BIT(31);
	if (v3) {
		d->update_notify = lo & BIT(30);
		d->ext_name = lo & BIT(29);
		d->timestamped = lo & BIT(9);
		d->ts_exp = sext5(FIELD_GET(GENMASK(14, 10), lo));
		d->ext_attrs = lo & BIT(8);
		if (hi & BIT(8))
			d->num_axes = FIELD_GET(GENMASK(21, 16), hi);
	}
	if (d->ext_attrs) {
		size += VSCMI_SENSOR_DESC_EXT_SIZE;
		if (avail < size)
			return -EPROTO;
		b += VSCMI_SENSOR_DESC_SIZE;
		d->power = get_unaligned_le32(b);
		d->resolution = get_unaligned_le32(b + 4);
		d->min = (s64)get_unaligned_le64(b + 8);
		d->max = (s64)get_unaligned_le64(b + 16);
	}
	return size;
}
EXPORT_SYMBOL_NS_GPL(vscmi_sensor_parse_desc, VSCMI_NS);

/**
 * vscmi_sensor_parse_reading() - axis values of a sensor reading
 * @rx: return values of SENSOR_READING_GET (after the status word), or of
 *	its delayed response after the sensor id
 * @rx_len: bytes at @rx
 * @v3: the protocol version is 3.0 or newer (16 bytes per axis: value,
 *	timestamp)
 * @first: the first axis to read (0 for scalar sensors)
 * @n: how many axes to read, from @first on
 * @values: the @n signed readings
 * @ts: if not NULL, the platform timestamp of axis @first (0 before v3)
 *
 * Return: 0, or -EPROTO if @rx is too short for axis @first + @n - 1.
 */
int vscmi_sensor_parse_reading(const void *rx, size_t rx_len, bool v3,
			       unsigned int first, unsigned int n, s64 *values,
			       u64 *ts)
{
	size_t stride = v3 ? 16 : 8;
	unsigned int i;

	if (!n || rx_len / stride < (size_t)first + n)
		return -EPROTO;
	for (i = 0; i < n; i++)
		values[i] = (s64)get_unaligned_le64((const u8 *)rx + stride * (first + i));
	if (ts)
		*ts = v3 ? get_unaligned_le64((const u8 *)rx + stride * first + 8) : 0;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vscmi_sensor_parse_reading, VSCMI_NS);

/**
 * vscmi_scale_value() - multiply a reading by a power of ten
 * @value: the reading
 * @exp: the power of ten (a unit multiplier difference), -30 to 30
 * @out: the scaled value
 *
 * Negative exponents round toward zero.
 *
 * Return: 0, or -ERANGE if the result does not fit in s64.
 */
int vscmi_scale_value(s64 value, int exp, s64 *out)
{
	for (; exp > 0; exp--) {
		if (check_mul_overflow(value, (s64)10, &value))
			return -ERANGE;
	}
	for (; exp < 0 && value; exp++)
		value /= 10;
	*out = value;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vscmi_scale_value, VSCMI_NS);

/**
 * vscmi_sensor_parse_axis() - one descriptor of SENSOR_AXIS_DESCRIPTION_GET
 * @p: the descriptor
 * @avail: bytes left in the reply from @p on
 * @a: filled with the axis
 *
 * Return: the descriptor's size (28, or 48 with extended attributes), or
 * -EPROTO if it does not fit in @avail.
 */
int vscmi_sensor_parse_axis(const void *p, size_t avail,
			    struct vscmi_sensor_axis *a)
{
	const u8 *b = p;
	size_t size = VSCMI_AXIS_DESC_SIZE;
	u32 lo, hi;

	if (avail < size)
		return -EPROTO;
	memset(a, 0, sizeof(*a));
	a->id = get_unaligned_le32(b);
	lo = get_unaligned_le32(b + 4);
	hi = get_unaligned_le32(b + 8);
	vscmi_copy_name(a->name, b + 12, VSCMI_NAME_LEN);
	a->type = FIELD_GET(GENMASK(7, 0), hi);
	a->scale = sext5(FIELD_GET(GENMASK(15, 11), hi));
	a->ext_attrs = lo & BIT(8);
	if (a->ext_attrs) {
		size += VSCMI_AXIS_DESC_EXT_SIZE;
		if (avail < size)
			return -EPROTO;
		b += VSCMI_AXIS_DESC_SIZE;
		a->resolution = get_unaligned_le32(b);
		a->min = (s64)get_unaligned_le64(b + 4);
		a->max = (s64)get_unaligned_le64(b + 12);
	}
	return size;
}
EXPORT_SYMBOL_NS_GPL(vscmi_sensor_parse_axis, VSCMI_NS);

/* @mant * 10^(@exp + 6): a number of seconds as microseconds, saturated. */
static u64 vscmi_pow10_us(u64 mant, int exp)
{
	for (exp += 6; exp > 0; exp--) {
		if (mant > U64_MAX / 10)
			return U64_MAX;
		mant *= 10;
	}
	for (; exp < 0; exp++)
		mant /= 10;
	return mant;
}

/**
 * vscmi_interval_to_us() - an entry of SENSOR_LIST_UPDATE_INTERVALS
 * @raw: seconds [20:5], power-of-ten exponent [4:0]
 *
 * Return: the interval in microseconds (0 if shorter than 1 us).
 */
u64 vscmi_interval_to_us(u32 raw)
{
	return vscmi_pow10_us(FIELD_GET(GENMASK(20, 5), raw),
			      sext5(FIELD_GET(GENMASK(4, 0), raw)));
}
EXPORT_SYMBOL_NS_GPL(vscmi_interval_to_us, VSCMI_NS);

/**
 * vscmi_config_interval() - the update-interval field of SENSOR_CONFIG_SET
 * @us: interval in microseconds
 *
 * Return: seconds [31:16] and exponent [15:11] giving @us, rounded down to
 * what 16 bits of mantissa hold; the other bits are zero.
 */
u32 vscmi_config_interval(u64 us)
{
	int exp = -6;

	while (us > 0xffff) {
		us /= 10;
		exp++;
	}
	return FIELD_PREP(GENMASK(31, 16), us) |
	       FIELD_PREP(GENMASK(15, 11), exp & 0x1f);
}
EXPORT_SYMBOL_NS_GPL(vscmi_config_interval, VSCMI_NS);

/**
 * vscmi_config_to_us() - the update interval of a SENSOR_CONFIG_GET value
 * @config: the sensor configuration
 *
 * Return: the interval in microseconds; 0 when the platform uses its own.
 */
u64 vscmi_config_to_us(u32 config)
{
	return vscmi_pow10_us(FIELD_GET(GENMASK(31, 16), config),
			      sext5(FIELD_GET(GENMASK(15, 11), config)));
}
EXPORT_SYMBOL_NS_GPL(vscmi_config_to_us, VSCMI_NS);
