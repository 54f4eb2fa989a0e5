// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-video v10 wire protocol: capabilities and parameter TLVs, event
 * checking, command headers.
 *
 * A TLV is a le32 type, a le32 length and length bytes of value, length
 * being a multiple of four.  Containers (CODED_SET, RAW_SET,
 * V4L2_CONTROLS) hold TLVs.  Types this driver does not know are skipped,
 * so that a device may describe more than the driver uses; types it knows
 * must have their exact size and appear where and as often as v10 says.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "virtio_video_proto.h"

#define TLV_HDR_LEN	sizeof(struct virtio_video_tlv)

/* The sizes v10 gives; a 64-bit field must not pad a structure. */
static_assert(sizeof(struct virtio_video_config) == 8);
static_assert(sizeof(struct virtio_video_stream_cmd_header) == 16);
static_assert(sizeof(struct virtio_video_event_header) == 16);
static_assert(sizeof(struct virtio_video_resource_queue) == 96);
static_assert(sizeof(struct virtio_video_resource_queue_async_resp) == 96);
static_assert(sizeof(struct virtio_video_range) == 16);
static_assert(sizeof(struct virtio_video_coded_resources_caps) == 32);
static_assert(sizeof(struct virtio_video_raw_format_caps) == 60);
static_assert(sizeof(struct virtio_video_raw_resources_caps) == 16);
static_assert(sizeof(struct virtio_video_raw_format) == 36);
static_assert(sizeof(struct virtio_video_resource_guest_pages) == 40);
static_assert(sizeof(struct virtio_video_resource_guest_pages_entry) == 16);
static_assert(sizeof(struct virtio_video_crop) == 16);

/* A walk over the TLVs of one level; offsets are from the data's start. */
struct tlv_iter {
	const u8 *data;		/* start of all the data, for offsets */
	const u8 *p;		/* next TLV */
	size_t left;		/* bytes from p to the end of this level */
};

struct tlv {
	u32 type;
	u32 len;
	const u8 *val;
	size_t off;		/* of the TLV header */
};

static int fail(struct virtio_video_parse_error *err, const char *what,
		const struct tlv_iter *it, const u8 *at)
{
	if (err) {
		err->what = what;
		err->offset = at - it->data;
	}
	return -EPROTO;
}

static void tlv_iter_init(struct tlv_iter *it, const void *data,
			  const void *start, size_t len)
{
	it->data = data;
	it->p = start;
	it->left = len;
}

/* Return 1 and the next TLV, 0 at the end, or -EPROTO. */
static int tlv_next(struct tlv_iter *it, struct tlv *t,
		    struct virtio_video_parse_error *err)
{
	const struct virtio_video_tlv *hdr;

	if (!it->left)
		return 0;
	if (it->left < TLV_HDR_LEN)
		return fail(err, "truncated TLV header", it, it->p);
	hdr = (const struct virtio_video_tlv *)it->p;
	t->type = le32_to_cpu(hdr->type);
	t->len = le32_to_cpu(hdr->length);
	t->off = it->p - it->data;
	if (t->len % 4)
		return fail(err, "TLV length not a multiple of 4", it, it->p);
	if (t->len > it->left - TLV_HDR_LEN)
		return fail(err, "TLV longer than its container", it, it->p);
	t->val = it->p + TLV_HDR_LEN;
	it->p += TLV_HDR_LEN + t->len;
	it->left -= TLV_HDR_LEN + t->len;
	return 1;
}

static int tlv_fail(struct virtio_video_parse_error *err, const char *what,
		    const struct tlv_iter *it, const struct tlv *t)
{
	return fail(err, what, it, it->data + t->off);
}

/* Decode a wire range; -EPROTO if it holds no value. */
static int range_get(struct virtio_video_span *r,
		     const struct virtio_video_range *wire)
{
	r->min = le32_to_cpu(wire->min);
	r->max = le32_to_cpu(wire->max);
	r->step = le32_to_cpu(wire->step);
	if (r->min > r->max)
		return -EPROTO;
	if (r->min == r->max)
		r->step = 1;
	else if (!r->step)
		return -EPROTO;
	return 0;
}

/**
 * virtio_video_span_has() - is a value in a range
 * @r: the range
 * @v: the value
 *
 * Return: true if @v is @r->min plus a multiple of @r->step, at most @r->max.
 */
bool virtio_video_span_has(const struct virtio_video_span *r, u32 v)
{
	return v >= r->min && v <= r->max && !((v - r->min) % r->step);
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_span_has);

/**
 * virtio_video_span_clamp() - the value of a range nearest to a wish
 * @r: the range
 * @v: the wish
 *
 * Return: @v clamped to [@r->min, @r->max], then rounded down to the
 * nearest value of the range.
 */
u32 virtio_video_span_clamp(const struct virtio_video_span *r, u32 v)
{
	u32 n;

	v = clamp(v, r->min, r->max);
	n = (v - r->min) / r->step;
	return r->min + n * r->step;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_span_clamp);

static int ctrls_parse(struct virtio_video_coded_caps *c, struct tlv_iter *it,
		       struct virtio_video_parse_error *err)
{
	struct virtio_video_ctrl_caps *ctrl;
	struct tlv t;
	unsigned int i;
	int ret;

	while ((ret = tlv_next(it, &t, err)) > 0) {
		for (i = 0; i < c->num_ctrls; i++)
			if (c->ctrls[i].id == t.type)
				return tlv_fail(err, "control listed twice", it, &t);
		if (c->num_ctrls == VIRTIO_VIDEO_MAX_CTRLS)
			return tlv_fail(err, "too many controls", it, &t);
		ctrl = &c->ctrls[c->num_ctrls];
		ctrl->id = t.type;
		if (t.len == sizeof(struct virtio_video_range)) {
			ctrl->menu = false;
			if (range_get(&ctrl->range, (const void *)t.val))
				return tlv_fail(err, "bad control range", it, &t);
		} else if (t.len == sizeof(struct virtio_video_control_enum_caps)) {
			ctrl->menu = true;
			ctrl->mask = le32_to_cpup((const __le32 *)t.val);
			if (!ctrl->mask)
				return tlv_fail(err, "menu control with no value", it, &t);
		} else {
			return tlv_fail(err, "control caps of unknown size", it, &t);
		}
		c->num_ctrls++;
	}
	return ret;
}

/* An empty "supported" TLV: at most once, no value. */
static int flag_get(bool *flag, const struct tlv_iter *it, const struct tlv *t,
		    struct virtio_video_parse_error *err)
{
	if (*flag)
		return tlv_fail(err, "TLV repeated in a set", it, t);
	if (t->len)
		return tlv_fail(err, "capability flag TLV with a value", it, t);
	*flag = true;
	return 0;
}

static int coded_set_parse(struct virtio_video_coded_caps *c,
			   struct tlv_iter *it,
			   struct virtio_video_parse_error *err)
{
	const struct virtio_video_coded_resources_caps *res;
	bool format = false, resources = false, ctrls = false;
	struct tlv_iter sub;
	struct tlv t;
	int ret;

	while ((ret = tlv_next(it, &t, err)) > 0) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
			if (format)
				return tlv_fail(err, "TLV repeated in a set", it, &t);
			if (t.len != sizeof(struct virtio_video_coded_format_caps))
				return tlv_fail(err, "bad CODED_FORMAT size", it, &t);
			c->format = le32_to_cpup((const __le32 *)t.val);
			format = true;
			break;
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
			if (resources)
				return tlv_fail(err, "TLV repeated in a set", it, &t);
			if (t.len != sizeof(*res))
				return tlv_fail(err, "bad CODED_RESOURCES size", it, &t);
			res = (const void *)t.val;
			if (range_get(&c->num_resources,
				      &res->num_resources_range) ||
			    range_get(&c->resource_size,
				      &res->resource_size_range) ||
			    !c->num_resources.max || !c->resource_size.max)
				return tlv_fail(err, "bad CODED_RESOURCES range", it, &t);
			resources = true;
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES:
			ret = flag_get(&c->guest_pages, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_VIRTIO_OBJECT:
			ret = flag_get(&c->virtio_object, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_CROP:
			ret = flag_get(&c->crop, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_V4L2_CONTROLS:
			if (ctrls)
				return tlv_fail(err, "TLV repeated in a set", it, &t);
			ctrls = true;
			tlv_iter_init(&sub, it->data, t.val, t.len);
			ret = ctrls_parse(c, &sub, err);
			break;
		case VIRTIO_VIDEO_TLV_CODED_SET:
		case VIRTIO_VIDEO_TLV_RAW_SET:
		case VIRTIO_VIDEO_TLV_LINK:
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
			return tlv_fail(err, "TLV not allowed in a coded set", it, &t);
		default:
			break;	/* newer than v10: not ours to judge */
		}
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	if (!format || !resources)
		return fail(err, "coded set without format or resources", it,
			    it->p);
	return 0;
}

static int raw_format_get(struct virtio_video_raw_caps *r, const struct tlv *t)
{
	const struct virtio_video_raw_format_caps *f = (const void *)t->val;

	r->layouts = le32_to_cpu(f->planes_layout_mask);
	r->fourcc = le32_to_cpu(f->fourcc);
	r->modifier = le64_to_cpu(f->modifier);
	r->stride_align_mask = le32_to_cpu(f->stride_align_mask);
	r->height_align_mask = le32_to_cpu(f->height_align_mask);
	r->plane_align_mask = le32_to_cpu(f->plane_align_mask);
	if (!r->layouts || r->layouts & ~(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER |
					  VIRTIO_VIDEO_PLANES_LAYOUT_MULTI_BUFFERS))
		return -EPROTO;
	if (!r->fourcc || !r->stride_align_mask || !r->height_align_mask ||
	    !r->plane_align_mask)
		return -EPROTO;
	if (range_get(&r->width, &f->width_range) ||
	    range_get(&r->height, &f->height_range) ||
	    !r->width.min || !r->height.min)
		return -EPROTO;
	return 0;
}

static int raw_set_parse(struct virtio_video_raw_caps *r, struct tlv_iter *it,
			 struct virtio_video_parse_error *err)
{
	bool format = false, resources = false;
	struct tlv t;
	int ret;

	while ((ret = tlv_next(it, &t, err)) > 0) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
			if (format)
				return tlv_fail(err, "TLV repeated in a set", it, &t);
			if (t.len != sizeof(struct virtio_video_raw_format_caps))
				return tlv_fail(err, "bad RAW_FORMAT size", it, &t);
			if (raw_format_get(r, &t))
				return tlv_fail(err, "bad RAW_FORMAT value", it, &t);
			format = true;
			break;
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
			if (resources)
				return tlv_fail(err, "TLV repeated in a set", it, &t);
			if (t.len != sizeof(struct virtio_video_raw_resources_caps))
				return tlv_fail(err, "bad RAW_RESOURCES size", it, &t);
			if (range_get(&r->num_resources, (const void *)t.val) ||
			    !r->num_resources.max)
				return tlv_fail(err, "bad RAW_RESOURCES range", it, &t);
			resources = true;
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES:
			ret = flag_get(&r->guest_pages, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_VIRTIO_OBJECT:
			ret = flag_get(&r->virtio_object, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_CROP:
			ret = flag_get(&r->crop, it, &t, err);
			break;
		case VIRTIO_VIDEO_TLV_CODED_SET:
		case VIRTIO_VIDEO_TLV_RAW_SET:
		case VIRTIO_VIDEO_TLV_LINK:
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
		case VIRTIO_VIDEO_TLV_V4L2_CONTROLS:
			return tlv_fail(err, "TLV not allowed in a raw set", it, &t);
		default:
			break;
		}
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	if (!format || !resources)
		return fail(err, "raw set without format or resources", it, it->p);
	return 0;
}

/* TLV values are only 4-byte aligned: read a 64-bit word as two halves. */
static u64 link_word(const struct virtio_video_tlv_link *link, size_t n)
{
	const __le32 *half = (const __le32 *)link->links + 2 * n;

	return le32_to_cpu(half[0]) | (u64)le32_to_cpu(half[1]) << 32;
}

static int link_parse(struct virtio_video_caps *caps, const struct tlv_iter *it,
		      const struct tlv *t, struct virtio_video_parse_error *err)
{
	unsigned int words = DIV_ROUND_UP(caps->num_raw, 64), i, j;
	const struct virtio_video_tlv_link *link = (const void *)t->val;
	unsigned long *map;
	u32 type;
	u64 w;

	if (t->len < sizeof(*link))
		return tlv_fail(err, "LINK too short", it, t);
	type = le32_to_cpu(link->stream_type);
	if (type >= VIRTIO_VIDEO_NUM_STREAM_TYPES)
		return tlv_fail(err, "LINK of an unknown stream type", it, t);
	if (caps->links[type])
		return tlv_fail(err, "two LINKs for one stream type", it, t);
	if (t->len != sizeof(*link) + (size_t)caps->num_coded * words * 8)
		return tlv_fail(err, "LINK size does not match the sets", it, t);

	map = bitmap_zalloc(caps->num_coded * caps->num_raw, GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	for (i = 0; i < caps->num_coded; i++) {
		for (j = 0; j < words * 64; j++) {
			if (!(j % 64))
				w = link_word(link, i * words + j / 64);
			if (!(w & BIT_ULL(j % 64)))
				continue;
			if (j >= caps->num_raw) {
				bitmap_free(map);
				return tlv_fail(err, "LINK names a raw set that does not exist",
						it, t);
			}
			__set_bit(i * caps->num_raw + j, map);
		}
	}
	caps->links[type] = map;
	return 0;
}

/**
 * virtio_video_caps_free() - free what virtio_video_caps_parse() allocated
 * @caps: the capabilities; may be partly filled, or zeroed
 */
void virtio_video_caps_free(struct virtio_video_caps *caps)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_VIDEO_NUM_STREAM_TYPES; i++)
		bitmap_free(caps->links[i]);
	kfree(caps->coded);
	kfree(caps->raw);
	memset(caps, 0, sizeof(*caps));
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_caps_free);

/**
 * virtio_video_caps_parse() - check and decode the TLVs of QUERY_CAPS
 * @caps: filled; free with virtio_video_caps_free() also after an error
 * @data: the TLVs (the response after its 8-byte header)
 * @len: their length
 * @err: on -EPROTO, what was wrong and where
 *
 * The data must be coded and raw sets (each with exactly one format and
 * one resources TLV, flags and controls at most once), then LINKs (at most
 * one per stream type, sized for the sets, naming only existing sets).
 *
 * Context: process.
 * Return: 0, -EPROTO for bad data or -ENOMEM.
 */
int virtio_video_caps_parse(struct virtio_video_caps *caps, const void *data,
			    size_t len, struct virtio_video_parse_error *err)
{
	unsigned int coded = 0, raw = 0;
	struct tlv_iter it, sub;
	bool links = false;
	struct tlv t;
	int ret;

	memset(caps, 0, sizeof(*caps));
	if (len > VIRTIO_VIDEO_CAPS_MAX_LEN) {
		if (err) {
			err->what = "capabilities too long";
			err->offset = 0;
		}
		return -EPROTO;
	}

	/* First pass: framing, order, and the number of sets. */
	tlv_iter_init(&it, data, data, len);
	while ((ret = tlv_next(&it, &t, err)) > 0) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_SET:
		case VIRTIO_VIDEO_TLV_RAW_SET:
			if (links)
				return tlv_fail(err, "set after a LINK", &it, &t);
			if (t.type == VIRTIO_VIDEO_TLV_CODED_SET)
				coded++;
			else
				raw++;
			if (coded > VIRTIO_VIDEO_MAX_SETS || raw > VIRTIO_VIDEO_MAX_SETS)
				return tlv_fail(err, "too many sets", &it, &t);
			break;
		case VIRTIO_VIDEO_TLV_LINK:
			links = true;
			break;
		case VIRTIO_VIDEO_TLV_CODED_FORMAT ... VIRTIO_VIDEO_TLV_V4L2_CONTROLS:
			return tlv_fail(err, "TLV not allowed outside a set", &it, &t);
		default:
			break;
		}
	}
	if (ret < 0)
		return ret;
	if (!coded || !raw || !links)
		return fail(err, "no coded set, raw set or LINK", &it, data);

	caps->coded = kcalloc(coded, sizeof(*caps->coded), GFP_KERNEL);
	caps->raw = kcalloc(raw, sizeof(*caps->raw), GFP_KERNEL);
	if (!caps->coded || !caps->raw)
		return -ENOMEM;

	/* Second pass: the sets, then the links that refer to them. */
	tlv_iter_init(&it, data, data, len);
	while (tlv_next(&it, &t, err) > 0) {
		tlv_iter_init(&sub, data, t.val, t.len);
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_SET:
			ret = coded_set_parse(&caps->coded[caps->num_coded++], &sub, err);
			break;
		case VIRTIO_VIDEO_TLV_RAW_SET:
			ret = raw_set_parse(&caps->raw[caps->num_raw++], &sub, err);
			break;
		case VIRTIO_VIDEO_TLV_LINK:
			ret = link_parse(caps, &it, &t, err);
			break;
		default:
			ret = 0;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_caps_parse);

/**
 * virtio_video_caps_linked() - do a coded and a raw set work together
 * @caps: the capabilities
 * @stream_type: VIRTIO_VIDEO_STREAM_TYPE_*
 * @coded: index of the coded set
 * @raw: index of the raw set
 *
 * Return: true if the device links them for that stream type.
 */
bool virtio_video_caps_linked(const struct virtio_video_caps *caps,
			      unsigned int stream_type, unsigned int coded,
			      unsigned int raw)
{
	if (stream_type >= VIRTIO_VIDEO_NUM_STREAM_TYPES ||
	    !caps->links[stream_type] || coded >= caps->num_coded ||
	    raw >= caps->num_raw)
		return false;
	return test_bit(coded * caps->num_raw + raw, caps->links[stream_type]);
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_caps_linked);

/**
 * virtio_video_tlv_writer_init() - start building TLVs in a buffer
 * @w: the writer
 * @buf: the buffer
 * @size: its size
 */
void virtio_video_tlv_writer_init(struct virtio_video_tlv_writer *w,
				  void *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->overflow = false;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_tlv_writer_init);

/**
 * virtio_video_tlv_put() - append a TLV
 * @w: the writer
 * @type: VIRTIO_VIDEO_TLV_* or a control id
 * @len: size of the value; rounded up to a multiple of 4
 *
 * Return: the zeroed value to fill in, or NULL (and @w->overflow set) when
 * it does not fit.
 */
void *virtio_video_tlv_put(struct virtio_video_tlv_writer *w, u32 type,
			   size_t len)
{
	struct virtio_video_tlv *hdr;

	len = round_up(len, 4);
	if (w->overflow || len > U32_MAX ||
	    w->size - w->len < TLV_HDR_LEN + len) {
		w->overflow = true;
		return NULL;
	}
	hdr = (struct virtio_video_tlv *)(w->buf + w->len);
	hdr->type = cpu_to_le32(type);
	hdr->length = cpu_to_le32(len);
	w->len += TLV_HDR_LEN;
	memset(w->buf + w->len, 0, len);
	w->len += len;
	return w->buf + w->len - len;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_tlv_put);

/**
 * virtio_video_tlv_open() - start a container TLV
 * @w: the writer
 * @type: VIRTIO_VIDEO_TLV_CODED_SET, _RAW_SET or _V4L2_CONTROLS
 *
 * TLVs put until virtio_video_tlv_close() go inside it.
 *
 * Return: the container's position, for virtio_video_tlv_close().
 */
size_t virtio_video_tlv_open(struct virtio_video_tlv_writer *w, u32 type)
{
	size_t start = w->len;

	virtio_video_tlv_put(w, type, 0);
	return start;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_tlv_open);

/**
 * virtio_video_tlv_close() - end a container TLV
 * @w: the writer
 * @start: what virtio_video_tlv_open() returned
 */
void virtio_video_tlv_close(struct virtio_video_tlv_writer *w, size_t start)
{
	struct virtio_video_tlv *hdr;

	if (w->overflow)
		return;
	hdr = (struct virtio_video_tlv *)(w->buf + start);
	hdr->length = cpu_to_le32(w->len - start - TLV_HDR_LEN);
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_tlv_close);

/* The one container of a parameters response, of type @type. */
static int params_container(struct tlv_iter *it, struct tlv_iter *sub,
			    const void *data, size_t len, u32 type,
			    struct virtio_video_parse_error *err)
{
	struct tlv t;
	int ret;

	tlv_iter_init(it, data, data, len);
	ret = tlv_next(it, &t, err);
	if (ret < 0)
		return ret;
	if (!ret)
		return fail(err, "parameters missing", it, data);
	if (t.type != type)
		return tlv_fail(err, "parameters of the wrong queue", it, &t);
	if (it->left)
		return fail(err, "data after the parameters", it, it->p);
	tlv_iter_init(sub, data, t.val, t.len);
	return 0;
}

/**
 * virtio_video_raw_params_parse() - decode a RAW_SET parameters container
 * @p: filled; @p->valid says which values were present
 * @data: the container TLV (an event's body)
 * @len: its length
 * @err: on -EPROTO, what was wrong and where
 *
 * Resource backing TLVs (shortened to the resource id in responses) are
 * skipped.  A crop rectangle must lie in the frame when both are present.
 *
 * Return: 0 or -EPROTO.
 */
int virtio_video_raw_params_parse(struct virtio_video_raw_params *p,
				  const void *data, size_t len,
				  struct virtio_video_parse_error *err)
{
	const struct virtio_video_raw_format *f;
	const struct virtio_video_crop *c;
	struct tlv_iter it, sub;
	struct tlv t;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = params_container(&it, &sub, data, len, VIRTIO_VIDEO_TLV_RAW_SET, err);
	if (ret)
		return ret;
	while ((ret = tlv_next(&sub, &t, err)) > 0) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
			if (p->valid & VIRTIO_VIDEO_PARAM_FORMAT)
				return tlv_fail(err, "TLV repeated", &sub, &t);
			if (t.len != sizeof(*f))
				return tlv_fail(err, "bad RAW_FORMAT size", &sub, &t);
			f = (const void *)t.val;
			p->format.planes_layout = le32_to_cpu(f->planes_layout);
			p->format.fourcc = le32_to_cpu(f->fourcc);
			p->format.modifier = le64_to_cpu(f->modifier);
			p->format.width = le32_to_cpu(f->width);
			p->format.height = le32_to_cpu(f->height);
			p->format.stride_align = le32_to_cpu(f->stride_align);
			p->format.height_align = le32_to_cpu(f->height_align);
			p->format.plane_align = le32_to_cpu(f->plane_align);
			if (hweight32(p->format.planes_layout) != 1 ||
			    p->format.planes_layout &
			    ~(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER |
			      VIRTIO_VIDEO_PLANES_LAYOUT_MULTI_BUFFERS) ||
			    !p->format.fourcc || !p->format.width ||
			    !p->format.height ||
			    !is_power_of_2(p->format.stride_align) ||
			    !is_power_of_2(p->format.height_align) ||
			    !is_power_of_2(p->format.plane_align))
				return tlv_fail(err, "bad RAW_FORMAT value", &sub, &t);
			p->valid |= VIRTIO_VIDEO_PARAM_FORMAT;
			break;
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
			if (p->valid & VIRTIO_VIDEO_PARAM_RESOURCES)
				return tlv_fail(err, "TLV repeated", &sub, &t);
			if (t.len != sizeof(struct virtio_video_resources))
				return tlv_fail(err, "bad RAW_RESOURCES size", &sub, &t);
			p->num_resources = le32_to_cpup((const __le32 *)t.val);
			p->valid |= VIRTIO_VIDEO_PARAM_RESOURCES;
			break;
		case VIRTIO_VIDEO_TLV_CROP:
			if (p->valid & VIRTIO_VIDEO_PARAM_CROP)
				return tlv_fail(err, "TLV repeated", &sub, &t);
			if (t.len != sizeof(*c))
				return tlv_fail(err, "bad CROP size", &sub, &t);
			c = (const void *)t.val;
			p->crop.left = le32_to_cpu(c->left);
			p->crop.top = le32_to_cpu(c->top);
			p->crop.width = le32_to_cpu(c->width);
			p->crop.height = le32_to_cpu(c->height);
			p->valid |= VIRTIO_VIDEO_PARAM_CROP;
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES:
		case VIRTIO_VIDEO_TLV_RESOURCE_VIRTIO_OBJECT:
			break;
		case VIRTIO_VIDEO_TLV_CODED_SET ... VIRTIO_VIDEO_TLV_LINK:
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
		case VIRTIO_VIDEO_TLV_V4L2_CONTROLS:
			return tlv_fail(err, "TLV not allowed in raw parameters",
					&sub, &t);
		default:
			break;
		}
	}
	if (ret < 0)
		return ret;
	if ((p->valid & VIRTIO_VIDEO_PARAM_CROP) &&
	    (p->valid & VIRTIO_VIDEO_PARAM_FORMAT) &&
	    ((u64)p->crop.left + p->crop.width > p->format.width ||
	     (u64)p->crop.top + p->crop.height > p->format.height ||
	     !p->crop.width || !p->crop.height))
		return fail(err, "crop rectangle outside the frame", &it, data);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_raw_params_parse);

/**
 * virtio_video_coded_params_parse() - decode a CODED_SET parameters container
 * @p: filled; @p->valid says which values were present
 * @data: the container TLV (an event's body)
 * @len: its length
 * @err: on -EPROTO, what was wrong and where
 *
 * Return: 0 or -EPROTO.
 */
int virtio_video_coded_params_parse(struct virtio_video_coded_params *p,
				    const void *data, size_t len,
				    struct virtio_video_parse_error *err)
{
	struct tlv_iter it, sub;
	struct tlv t;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = params_container(&it, &sub, data, len, VIRTIO_VIDEO_TLV_CODED_SET,
			       err);
	if (ret)
		return ret;
	while ((ret = tlv_next(&sub, &t, err)) > 0) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
			if (p->valid & VIRTIO_VIDEO_PARAM_FORMAT)
				return tlv_fail(err, "TLV repeated", &sub, &t);
			if (t.len != sizeof(struct virtio_video_coded_format))
				return tlv_fail(err, "bad CODED_FORMAT size", &sub, &t);
			p->format = le32_to_cpup((const __le32 *)t.val);
			p->valid |= VIRTIO_VIDEO_PARAM_FORMAT;
			break;
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
			if (p->valid & VIRTIO_VIDEO_PARAM_RESOURCES)
				return tlv_fail(err, "TLV repeated", &sub, &t);
			if (t.len != sizeof(struct virtio_video_resources))
				return tlv_fail(err, "bad CODED_RESOURCES size", &sub, &t);
			p->num_resources = le32_to_cpup((const __le32 *)t.val);
			p->valid |= VIRTIO_VIDEO_PARAM_RESOURCES;
			break;
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
		case VIRTIO_VIDEO_TLV_CODED_SET ... VIRTIO_VIDEO_TLV_LINK:
			return tlv_fail(err, "TLV not allowed in coded parameters",
					&sub, &t);
		default:
			break;	/* backing, crop, controls: not needed back */
		}
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_coded_params_parse);

/**
 * virtio_video_event_parse() - check an eventq buffer
 * @ev: filled
 * @data: the buffer
 * @len: the length the device wrote
 * @max_streams: the device's max_streams
 * @err: on -EPROTO, what was wrong
 *
 * Checks the header (known command, existing stream, known flags in a
 * combination v10 allows) and that the body is as long as the event type
 * needs.  Matching the cookie is the caller's work.
 *
 * Return: 0 or -EPROTO.
 */
int virtio_video_event_parse(struct virtio_video_event *ev, const void *data,
			     size_t len, u32 max_streams,
			     struct virtio_video_parse_error *err)
{
	const struct virtio_video_event_header *hdr = data;
	const u32 known = VIRTIO_VIDEO_EVENT_FLAG_ERROR |
			  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE |
			  VIRTIO_VIDEO_EVENT_FLAG_CANCELED |
			  VIRTIO_VIDEO_EVENT_FLAG_BLOCKED;
	const char *what = NULL;
	size_t need = 0;

	if (len < sizeof(*hdr)) {
		what = "event shorter than its header";
		goto bad;
	}
	ev->type = le32_to_cpu(hdr->event_type);
	ev->stream_id = le32_to_cpu(hdr->stream_id);
	ev->cookie = le32_to_cpu(hdr->async_response_cookie);
	ev->flags = le32_to_cpu(hdr->event_flags);
	ev->body = (const u8 *)data + sizeof(*hdr);
	ev->body_len = len - sizeof(*hdr);

	if (ev->type < VIRTIO_VIDEO_CMD_STREAM_OPEN ||
	    ev->type > VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE)
		what = "event of an unknown type";
	else if (ev->stream_id >= max_streams)
		what = "event for a stream beyond max_streams";
	else if (ev->flags & ~known)
		what = "unknown event flags";
	else if ((ev->flags & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE) &&
		 ev->type != VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS &&
		 ev->type != VIRTIO_VIDEO_CMD_STREAM_CLOSE)
		what = "standalone event of a type that cannot be one";
	else if ((ev->flags & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE) &&
		 (ev->flags & VIRTIO_VIDEO_EVENT_FLAG_CANCELED))
		what = "standalone event marked cancelled";
	else if ((ev->flags & VIRTIO_VIDEO_EVENT_FLAG_BLOCKED) &&
		 ev->type != VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS)
		what = "BLOCKED on an event that is not a parameter change";
	else if (ev->type == VIRTIO_VIDEO_CMD_STREAM_CLOSE &&
		 (ev->flags & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE) &&
		 !(ev->flags & VIRTIO_VIDEO_EVENT_FLAG_ERROR))
		what = "standalone close without ERROR";
	if (what)
		goto bad;

	switch (ev->type) {
	case VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE:
		need = sizeof(struct virtio_video_resource_queue_async_resp);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS:
	case VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS:
		/* A failed or cancelled command may come back without values. */
		if (!(ev->flags & (VIRTIO_VIDEO_EVENT_FLAG_ERROR |
				   VIRTIO_VIDEO_EVENT_FLAG_CANCELED)))
			need = sizeof(*hdr) + TLV_HDR_LEN;
		break;
	default:
		break;
	}
	if (len < need) {
		what = "event too short for its type";
		goto bad;
	}
	return 0;
bad:
	if (err) {
		err->what = what;
		err->offset = 0;
	}
	return -EPROTO;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_event_parse);

/**
 * virtio_video_cmd_header() - fill a stream command header
 * @hdr: the header
 * @type: VIRTIO_VIDEO_CMD_STREAM_*
 * @stream_id: the stream
 * @queue_type: VIRTIO_VIDEO_QUEUE_TYPE_*
 * @cookie: echoed in the event that answers the command
 */
void virtio_video_cmd_header(struct virtio_video_stream_cmd_header *hdr,
			     u32 type, u32 stream_id, u32 queue_type,
			     u32 cookie)
{
	hdr->type = cpu_to_le32(type);
	hdr->stream_id = cpu_to_le32(stream_id);
	hdr->queue_type = cpu_to_le32(queue_type);
	hdr->async_response_cookie = cpu_to_le32(cookie);
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_cmd_header);
